//! Exit to base: a share holder leaves an invested vault in its base token in one go —
//! `redeem_in_kind` pays the pro-rata part of every holding, then each spot leg is sold on the
//! venue ([`crate::venue`], Manifest: an exact-in swap of the leg's tokens for the base), with
//! an overall minimum out.
//!
//! - [`plan`]: what the redemption pays per holding ([`VaultView::quote_redeem_in_kind`], the
//!   program's own arithmetic, quoted `horizon_secs` ahead so the fees accruing until the
//!   transaction lands can only leave a few atoms more with the user, never fewer than the swaps
//!   sell), each spot leg's market and its value at the oracle mid price.
//! - [`ExitPlan::set_min_out`]: the overall minimum allocated over the swaps in proportion to
//!   their oracle values, so that the base the redemption pays plus the swaps' minimums is at
//!   least the overall minimum: one atomic transaction then enforces it (the redemption's own
//!   `min_amounts` hold each holding at the quoted amount). The oracle value bounds what the
//!   venue must pay: the doubt goes against the venue's price, never the user.
//! - [`ExitPlan::instructions`], [`pack`]: the user's associated token accounts (created when
//!   missing), `redeem_in_kind`, the swaps; as few transactions as fit (legacy, or v0 through
//!   the lookup tables given, [`table_addresses`]). When they do not fit in one, the overall
//!   minimum only holds per transaction: each swap keeps its own minimum, but a later
//!   transaction may fail after the redemption landed, leaving those tokens with the user.
//!   Transactions are bounded by size and by the runtime's instruction trace
//!   ([`MAX_INSTRUCTION_TRACE`], [`trace_length`]).
//! - [`ExitPlan::book_quotes`]: what each book gives now for its leg (the venue's arithmetic on
//!   the market account as read), an estimate beside the oracle value.
//! - [`probe`] ([`Prober`] one simulation at a time): the redemption's transaction simulated; a
//!   swap the book cannot fill to its minimum is named with what the book gives (Manifest's own
//!   result, from its log), and the others are checked in turn.
//!
//! Option series have no venue: the user keeps those tokens ([`LegAction::KeepOption`]).

use std::collections::BTreeMap;

use rpv_core::{
    layout::VaultState,
    math::{mul_div, value_in_base, Rounding},
};
use solana_instruction::error::InstructionError;
use solana_message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_transaction::{versioned::VersionedTransaction, Signature};
use solana_transaction_error::TransactionError;

use crate::{
    alt, ata,
    chain::{self, Chain, ChainError, PACKET_DATA_SIZE},
    client::{QuoteError, VaultView},
    flash::{Route, RouteError},
    ix, pk,
    venue::{self, MANIFEST_ID},
    Instruction, Pubkey, SYSTEM_PROGRAM_ID,
};

/// Seconds ahead the redemption is quoted by default: the plan's transactions must land within
/// this time (in a vault charging a management fee the redemption's minimums may refuse it
/// after, `SlippageExceeded`: plan again).
pub const DEFAULT_HORIZON_SECS: u32 = 120;

/// Why an exit cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitError {
    /// The redemption would be refused (the program's error).
    Refused(QuoteError),
    /// The market given for `mint` cannot sell it for the vault's base ([`Route::check`]).
    Route { mint: Pubkey, error: RouteError },
    /// The oracle of a leg to sell cannot be read: its value, hence its minimum, is unknown.
    Unpriced { mint: Pubkey, error: QuoteError },
    /// The overall minimum needs more than the base paid, and no leg sold has any value.
    Unreachable { min_out: u64, base: u64 },
}

impl std::fmt::Display for ExitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(e) => f.write_str(&e.explain("redeem_in_kind")),
            Self::Route { mint, error } => write!(f, "the market given for {mint}: {error}"),
            Self::Unpriced { mint, error } => write!(
                f,
                "the oracle of {mint} cannot be read ({error}): its value, hence its minimum, is unknown; \
                 wait for the feed, or redeem in kind and sell it yourself"
            ),
            Self::Unreachable { min_out, base } => write!(
                f,
                "the minimum {min_out} needs more than the {base} base paid directly, and no leg sold has any value: \
                 lower the minimum"
            ),
        }
    }
}

impl std::error::Error for ExitError {}

/// A holding's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegAction {
    /// Sold on `market` for at least `min_out` base (`expected`: its value at the oracle mid).
    Swap { market: Route, expected: u64, min_out: u64 },
    /// An option series: no venue lists it, the user keeps the tokens.
    KeepOption,
    /// A spot leg with no market given: the user keeps the tokens.
    KeepNoMarket,
    /// The redemption pays nothing of it.
    Nothing,
}

/// One registered asset in the exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitLeg {
    /// Its slot in the registry.
    pub slot: usize,
    pub mint: Pubkey,
    pub token_program: Pubkey,
    pub decimals: u8,
    /// Tokens the redemption pays (quoted at the horizon).
    pub amount: u64,
    pub action: LegAction,
}

/// What an exit to base does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitPlan {
    pub vault: Pubkey,
    pub shares: u64,
    pub base_mint: Pubkey,
    pub base_token_program: Pubkey,
    pub base_decimals: u8,
    /// Base the redemption pays directly.
    pub base: u64,
    pub legs: Vec<ExitLeg>,
    /// `base` plus each sold leg's value at the oracle mid.
    pub expected_out: u64,
    /// The overall minimum ([`ExitPlan::set_min_out`]; 0 until set): `base` plus the swaps'
    /// minimums is at least this.
    pub min_out: u64,
    /// The redemption quoted this many seconds after the clock it was read at.
    pub horizon_secs: u32,
}

/// Plans the exit of `shares` from the vault `view`: the redemption quoted `horizon_secs`
/// ahead, each spot leg sold on its market in `markets` (by mint), valued at its oracle's mid
/// price. The minimum is 0 until [`ExitPlan::set_min_out`].
pub fn plan(
    view: &VaultView,
    shares: u64,
    markets: &BTreeMap<Pubkey, Route>,
    horizon_secs: u32,
) -> Result<ExitPlan, ExitError> {
    let v = &view.vault;
    let mut later = view.clone();
    later.clock.unix_timestamp += i64::from(horizon_secs);
    let paid = later.quote_redeem_in_kind(shares).map_err(ExitError::Refused)?.amounts;
    let base_mint = pk(&v.base_mint);
    let reads = view.slot_reads();
    let mut legs = Vec::new();
    let mut expected_out = paid[0];
    for (slot, a) in v.active_assets().iter().enumerate() {
        let (mint, amount) = (pk(&a.mint), paid[slot + 1]);
        let market = markets.get(&mint);
        let action = match (a.option.is_option(), market) {
            _ if amount == 0 => LegAction::Nothing,
            (true, _) => LegAction::KeepOption,
            (false, None) => LegAction::KeepNoMarket,
            (false, Some(m)) => {
                m.check(v, slot).map_err(|error| ExitError::Route { mint, error })?;
                let price = reads[slot].map_err(|e| ExitError::Unpriced { mint, error: e.into() })?;
                let expected = value_in_base(amount, &price, a.decimals, v.base_decimals, Rounding::Down)
                    .map_err(|e| ExitError::Unpriced { mint, error: e.into() })?;
                expected_out = expected_out.saturating_add(expected);
                LegAction::Swap { market: *m, expected, min_out: 0 }
            }
        };
        legs.push(ExitLeg { slot, mint, token_program: pk(&a.token_program), decimals: a.decimals, amount, action });
    }
    Ok(ExitPlan {
        vault: view.key,
        shares,
        base_mint,
        base_token_program: pk(&v.base_token_program),
        base_decimals: v.base_decimals,
        base: paid[0],
        legs,
        expected_out,
        min_out: 0,
        horizon_secs,
    })
}

/// The user's instructions for an exit ([`ExitPlan::instructions`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ExitInstructions {
    /// `CreateIdempotent` for each of the user's token accounts that is missing.
    pub creates: Vec<Instruction>,
    pub redeem: Instruction,
    /// One per sold leg: `(index in ExitPlan::legs, swap)`.
    pub swaps: Vec<(usize, Instruction)>,
    /// The user's associated token account per holding: the base, then each asset.
    pub accounts: Vec<Pubkey>,
}

impl ExitPlan {
    /// Sets the overall minimum: `min_out` less the base paid directly, allocated over the
    /// swaps in proportion to their expected values (rounded up, so the swaps' minimums add up
    /// to at least it).
    pub fn set_min_out(&mut self, min_out: u64) -> Result<(), ExitError> {
        let target = min_out.saturating_sub(self.base);
        let total: u64 = self.swaps().map(|(_, _, e, _)| e).sum();
        if target > 0 && total == 0 {
            return Err(ExitError::Unreachable { min_out, base: self.base });
        }
        for leg in &mut self.legs {
            if let LegAction::Swap { expected, min_out: m, .. } = &mut leg.action {
                *m = if target == 0 { 0 } else { mul_div(target, *expected, total, Rounding::Up).unwrap_or(u64::MAX) };
            }
        }
        self.min_out = min_out;
        Ok(())
    }

    /// `(index, leg, expected, minimum)` of each leg sold.
    pub fn swaps(&self) -> impl Iterator<Item = (usize, &ExitLeg, u64, u64)> {
        self.legs.iter().enumerate().filter_map(|(i, l)| match l.action {
            LegAction::Swap { expected, min_out, .. } => Some((i, l, expected, min_out)),
            _ => None,
        })
    }

    /// The legs whose tokens the user keeps (an option series, or no market given).
    pub fn kept(&self) -> impl Iterator<Item = &ExitLeg> {
        self.legs.iter().filter(|l| matches!(l.action, LegAction::KeepOption | LegAction::KeepNoMarket))
    }

    /// Base at least received when every transaction lands: the base paid plus the swaps'
    /// minimums.
    pub fn guaranteed(&self) -> u64 {
        self.swaps().fold(self.base, |s, (_, _, _, m)| s.saturating_add(m))
    }

    /// What each sold leg's book gives now for exactly its tokens, with its minimum, by the
    /// venue's own arithmetic ([`venue::Book::quote_swap`] on `books`, the market accounts as
    /// read, by market address, at `slot`): `(index in legs, quote)`, `None` where the market's
    /// book was not given or overflows. An estimate of the moment (the book may move before the
    /// transaction lands; the swap's minimum is what binds); [`probe`] asks the venue itself.
    pub fn book_quotes(
        &self,
        books: &BTreeMap<Pubkey, venue::Book>,
        slot: u64,
    ) -> Vec<(usize, Option<venue::SwapQuote>)> {
        self.swaps()
            .map(|(i, l, _, min)| {
                let LegAction::Swap { market, .. } = l.action else { unreachable!("a swap") };
                let params =
                    venue::SwapParams { in_atoms: l.amount, out_atoms: min, is_base_in: true, is_exact_in: true };
                (i, books.get(&market.market).and_then(|b| b.quote_swap(params, slot).ok()))
            })
            .collect()
    }

    /// The redemption's `min_amounts`: each holding at its quoted amount (the swaps sell exactly
    /// that much).
    pub fn redeem_mins(&self) -> Vec<u64> {
        std::iter::once(self.base).chain(self.legs.iter().map(|l| l.amount)).collect()
    }

    /// The user's associated token account per holding: the base, then each asset.
    pub fn user_accounts(&self, user: &Pubkey) -> Vec<Pubkey> {
        std::iter::once(ata::address(user, &self.base_mint, &self.base_token_program))
            .chain(self.legs.iter().map(|l| ata::address(user, &l.mint, &l.token_program)))
            .collect()
    }

    /// The instructions of the exit of `user` (signer and fee payer), who holds the shares in
    /// `user_share_token`; `missing(account)` says which of the user's token accounts to create.
    pub fn instructions(
        &self,
        vault: &VaultState,
        user: &Pubkey,
        user_share_token: &Pubkey,
        missing: impl Fn(&Pubkey) -> bool,
    ) -> ExitInstructions {
        let accounts = self.user_accounts(user);
        let mints = std::iter::once((self.base_mint, self.base_token_program))
            .chain(self.legs.iter().map(|l| (l.mint, l.token_program)));
        let creates = mints
            .zip(&accounts)
            .filter(|(_, a)| missing(a))
            .map(|((mint, program), _)| ata::create_idempotent(user, user, &mint, &program).0)
            .collect();
        let redeem =
            ix::redeem_in_kind(user, &self.vault, vault, user_share_token, &accounts, self.shares, self.redeem_mins());
        let swaps = self
            .swaps()
            .map(|(i, l, _, min)| {
                let LegAction::Swap { market, .. } = l.action else { unreachable!("a swap") };
                let s = venue::swap(
                    user,
                    &market.market,
                    &market.header,
                    &accounts[1 + i],
                    &accounts[0],
                    l.amount,
                    min,
                    true,
                );
                (i, s)
            })
            .collect();
        ExitInstructions { creates, redeem, swaps, accounts }
    }
}

/// What a lookup table for an exit holds: the vault's addresses ([`alt::vault_addresses`]),
/// each market with its two vaults, and the programs the exit calls. The user's own accounts
/// stay in the transaction.
pub fn table_addresses(plan: &ExitPlan, vault: &VaultState) -> Vec<Pubkey> {
    let mut out = alt::vault_addresses(&plan.vault, vault);
    out.extend([MANIFEST_ID, SYSTEM_PROGRAM_ID, ata::ASSOCIATED_TOKEN_PROGRAM_ID]);
    for (_, l, _, _) in plan.swaps() {
        if let LegAction::Swap { market, .. } = l.action {
            out.extend([market.market, market.header.base_vault, market.header.quote_vault]);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// One transaction of an exit.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitTransaction {
    pub label: String,
    pub instructions: Vec<Instruction>,
    /// Whether it holds the redemption (the first one does).
    pub redeems: bool,
    /// The legs it sells (indices in [`ExitPlan::legs`]), in order.
    pub legs: Vec<usize>,
    /// Bytes on the wire, signed.
    pub size: usize,
}

/// The exit's instructions in as few transactions as fit in [`PACKET_DATA_SIZE`] bytes and
/// [`MAX_INSTRUCTION_TRACE`] instructions run, paid by `payer` (legacy without `tables`, else v0
/// through them): the account creations, the
/// redemption and as many swaps as fit, then the other swaps, as many per transaction as fit.
/// When the creations do not fit beside the redemption they go first, in transactions of their
/// own (they move no value).
pub fn pack(
    ixs: &ExitInstructions,
    payer: &Pubkey,
    tables: &[AddressLookupTableAccount],
) -> Result<Vec<ExitTransaction>, ChainError> {
    let tx = |label: &str, redeems: bool| ExitTransaction {
        label: label.into(),
        instructions: vec![],
        redeems,
        legs: vec![],
        size: 0,
    };
    let mut out = vec![];
    let mut first = tx("redeem_in_kind", true);
    first.instructions = ixs.creates.iter().cloned().chain([ixs.redeem.clone()]).collect();
    first.size = wire_size(&first.instructions, payer, tables)?;
    if !fits(&first.instructions, first.size) && !ixs.creates.is_empty() {
        for create in &ixs.creates {
            if !out.last_mut().is_some_and(|t| add(t, create, None, payer, tables).unwrap_or(false)) {
                let mut t = tx("create token accounts", false);
                if !add(&mut t, create, None, payer, tables)? {
                    return Err(too_large("an account creation", payer, create, tables));
                }
                out.push(t);
            }
        }
        first.instructions = vec![ixs.redeem.clone()];
        first.size = wire_size(&first.instructions, payer, tables)?;
    }
    if !fits(&first.instructions, first.size) {
        return Err(too_large("the redemption", payer, &ixs.redeem, tables));
    }
    out.push(first);
    for (leg, swap) in &ixs.swaps {
        let last = out.last_mut().expect("the redemption");
        if !add(last, swap, Some(*leg), payer, tables)? {
            let mut t = tx("swaps", false);
            if !add(&mut t, swap, Some(*leg), payer, tables)? {
                return Err(too_large("a swap", payer, swap, tables));
            }
            out.push(t);
        }
    }
    for t in &mut out {
        if t.redeems && !t.legs.is_empty() {
            t.label = "redeem_in_kind + swaps".into();
        }
    }
    Ok(out)
}

/// Adds `ix` (selling `leg`) to `tx` when it still fits; whether it did.
fn add(
    tx: &mut ExitTransaction,
    ix: &Instruction,
    leg: Option<usize>,
    payer: &Pubkey,
    tables: &[AddressLookupTableAccount],
) -> Result<bool, ChainError> {
    tx.instructions.push(ix.clone());
    let size = wire_size(&tx.instructions, payer, tables)?;
    if !fits(&tx.instructions, size) {
        tx.instructions.pop();
        return Ok(false);
    }
    tx.size = size;
    tx.legs.extend(leg);
    Ok(true)
}

/// The most instructions a transaction may run, its own and those they invoke (the runtime's
/// `MaxInstructionTraceLengthExceeded` beyond).
pub const MAX_INSTRUCTION_TRACE: usize = 64;

/// Instructions `ix` runs, itself and what it invokes (counted on the `.so` with the venue,
/// `tests/tests/exit.rs`): an associated token account created = 5 (the token program three
/// times, the System program once); `redeem_in_kind` = 2 + one transfer per holding; a swap =
/// 4 (two transfers, a System transfer when the market grows); anything else 1.
pub fn trace_length(ix: &Instruction) -> usize {
    match ix.program_id {
        p if p == ata::ASSOCIATED_TOKEN_PROGRAM_ID => 5,
        p if p == crate::PROGRAM_ID => 2 + ix.accounts.len().saturating_sub(6) / 4,
        p if p == MANIFEST_ID => 4,
        _ => 1,
    }
}

/// Whether a transaction of `ixs`, `size` bytes signed, fits: on the wire and in the
/// instruction trace.
fn fits(ixs: &[Instruction], size: usize) -> bool {
    size <= PACKET_DATA_SIZE && ixs.iter().map(trace_length).sum::<usize>() <= MAX_INSTRUCTION_TRACE
}

fn too_large(what: &str, payer: &Pubkey, ix: &Instruction, tables: &[AddressLookupTableAccount]) -> ChainError {
    let size = wire_size(std::slice::from_ref(ix), payer, tables).unwrap_or(0);
    ChainError::Fatal(format!(
        "{what} alone is {size} bytes, more than the {PACKET_DATA_SIZE} a transaction holds: it needs an address \
         lookup table"
    ))
}

/// Size on the wire of a transaction of `ixs` paid by `payer`, once signed.
pub fn wire_size(
    ixs: &[Instruction],
    payer: &Pubkey,
    tables: &[AddressLookupTableAccount],
) -> Result<usize, ChainError> {
    let hash = chain::Hash::default();
    let message = if tables.is_empty() {
        VersionedMessage::Legacy(Message::new_with_blockhash(ixs, Some(payer), &hash))
    } else {
        VersionedMessage::V0(
            v0::Message::try_compile(payer, ixs, tables, hash)
                .map_err(|e| ChainError::Fatal(format!("v0 message: {e}")))?,
        )
    };
    let signers = usize::from(message.header().num_required_signatures);
    let tx = VersionedTransaction { signatures: vec![Signature::default(); signers], message };
    Ok(chain::wire_size(&tx))
}

/// A swap the book cannot fill to its minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortfall {
    /// Index in [`ExitPlan::legs`].
    pub leg: usize,
    pub min_out: u64,
    /// What the book gives for the leg's tokens (Manifest's own result).
    pub book_out: u64,
}

/// What a simulation of an exit transaction found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Probe {
    /// The swaps whose book cannot give their minimum.
    pub short: Vec<Shortfall>,
    /// Another failure (the redemption refused, an account missing…): the error and the logs.
    pub other: Option<(TransactionError, Vec<String>)>,
    /// Compute units of the last simulation.
    pub units: u64,
}

impl Probe {
    pub fn passes(&self) -> bool {
        self.short.is_empty() && self.other.is_none()
    }
}

/// The outcome of one simulation: `Ok(compute units)`, or the error and the logs.
pub type Simulated = Result<u64, (TransactionError, Vec<String>)>;

/// [`probe`] one simulation at a time (for a caller whose simulation is asynchronous): while
/// [`Prober::next`] gives instructions, simulate them and [`Prober::record`] the outcome.
pub struct Prober<'t> {
    tx: &'t ExitTransaction,
    ixs: Vec<Instruction>,
    first_swap: usize,
    out: Probe,
    done: bool,
}

impl<'t> Prober<'t> {
    pub fn new(tx: &'t ExitTransaction) -> Self {
        let first_swap = tx.instructions.len() - tx.legs.len();
        Self { tx, ixs: tx.instructions.clone(), first_swap, out: Probe::default(), done: false }
    }

    /// The instructions to simulate next; `None` when the probe is done.
    pub fn next(&self) -> Option<&[Instruction]> {
        (!self.done).then_some(&self.ixs[..])
    }

    /// Records the outcome of simulating [`Prober::next`]: a swap that fails for want of depth
    /// is recorded with what its book gives and gets its minimum lifted for the next
    /// simulation; a success or another failure ends the probe.
    pub fn record(&mut self, outcome: Simulated) {
        let (err, logs) = match outcome {
            Ok(units) => {
                self.out.units = units;
                self.done = true;
                return;
            }
            Err(e) => e,
        };
        let short = match &err {
            TransactionError::InstructionError(i, InstructionError::Custom(venue::error::INSUFFICIENT_OUT))
                if usize::from(*i) >= self.first_swap && self.ixs[usize::from(*i)].program_id == MANIFEST_ID =>
            {
                book_out(&logs).map(|(min, actual)| (usize::from(*i), min, actual))
            }
            _ => None,
        };
        match short {
            Some((i, min_out, book_out)) => {
                self.out.short.push(Shortfall { leg: self.tx.legs[i - self.first_swap], min_out, book_out });
                self.ixs[i].data[9..17].copy_from_slice(&0u64.to_le_bytes()); // its minimum lifted
            }
            None => {
                self.out.other = Some((err, logs));
                self.done = true;
            }
        }
    }

    pub fn finish(self) -> Probe {
        self.out
    }
}

/// Simulates `tx` (`simulate(instructions)`), and while a swap fails for want of depth,
/// records what its book gives and simulates again with that swap's minimum lifted, so every
/// thin book in the transaction is named ([`Prober`]).
pub fn probe<E>(
    tx: &ExitTransaction,
    mut simulate: impl FnMut(&[Instruction]) -> Result<Simulated, E>,
) -> Result<Probe, E> {
    let mut p = Prober::new(tx);
    while let Some(ixs) = p.next() {
        let outcome = simulate(ixs)?;
        p.record(outcome);
    }
    Ok(p.finish())
}

/// [`probe`] on a chain: `tx` signed by `signers` (the first pays), v0 through `tables` when
/// given, simulated.
pub fn probe_on(
    chain: &mut dyn Chain,
    tx: &ExitTransaction,
    signers: &[&solana_keypair::Keypair],
    tables: &[AddressLookupTableAccount],
) -> Result<Probe, ChainError> {
    probe(tx, |ixs| {
        let blockhash = chain.latest_blockhash()?;
        let signed = chain::sign(ixs, signers, tables, blockhash)?;
        let sim = chain.simulate(&signed)?;
        Ok(match sim.err {
            None => Ok(sim.units),
            Some(e) => Err((e, sim.logs)),
        })
    })
}

/// Manifest's `Minimum: M Actual: A` of a swap that returned too little, from its log.
fn book_out(logs: &[String]) -> Option<(u64, u64)> {
    let line = logs.iter().rev().find(|l| l.contains("Insufficient out atoms returned"))?;
    let num = |key: &str| -> Option<u64> {
        let rest = &line[line.find(key)? + key.len()..];
        rest.trim_start().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    Some((num("Minimum:")?, num("Actual:")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TOKEN_PROGRAM_ID;

    fn header(base: Pubkey, quote: Pubkey) -> venue::MarketHeader {
        venue::MarketHeader {
            base_mint_decimals: 9,
            quote_mint_decimals: 6,
            base_mint: base,
            quote_mint: quote,
            base_vault: Pubkey::new_unique(),
            quote_vault: Pubkey::new_unique(),
        }
    }

    fn leg(slot: usize, amount: u64, action: LegAction) -> ExitLeg {
        ExitLeg { slot, mint: Pubkey::new_unique(), token_program: TOKEN_PROGRAM_ID, decimals: 9, amount, action }
    }

    fn swap_leg(slot: usize, amount: u64, expected: u64) -> ExitLeg {
        let market = Route { market: Pubkey::new_unique(), header: header(Pubkey::new_unique(), Pubkey::new_unique()) };
        leg(slot, amount, LegAction::Swap { market, expected, min_out: 0 })
    }

    fn a_plan(base: u64, legs: Vec<ExitLeg>) -> ExitPlan {
        let expected_out = legs.iter().fold(base, |s, l| match l.action {
            LegAction::Swap { expected, .. } => s + expected,
            _ => s,
        });
        ExitPlan {
            vault: Pubkey::new_unique(),
            shares: 10,
            base_mint: Pubkey::new_unique(),
            base_token_program: TOKEN_PROGRAM_ID,
            base_decimals: 6,
            base,
            legs,
            expected_out,
            min_out: 0,
            horizon_secs: DEFAULT_HORIZON_SECS,
        }
    }

    /// The swaps' minimums add up to at least the overall minimum less the base paid, each in
    /// proportion to its leg's value; kept legs take none.
    #[test]
    fn the_overall_minimum_is_allocated_over_the_swaps() {
        let mut p = a_plan(
            1_000,
            vec![swap_leg(0, 5, 3_000), leg(1, 7, LegAction::KeepOption), swap_leg(2, 9, 1_001), swap_leg(3, 1, 1)],
        );
        assert_eq!(p.expected_out, 5_002);
        p.set_min_out(4_500).unwrap();
        let mins: Vec<u64> = p.swaps().map(|(_, _, _, m)| m).collect();
        // 3,500 over 3,000 : 1,001 : 1 of 4,002, each rounded up
        assert_eq!(mins, vec![2_624, 876, 1]);
        assert!(p.guaranteed() >= 4_500);
        assert_eq!(p.kept().count(), 1);
        assert_eq!(p.redeem_mins(), vec![1_000, 5, 7, 9, 1]);
        // the base alone covers it: no swap bound
        p.set_min_out(900).unwrap();
        assert!(p.swaps().all(|(_, _, _, m)| m == 0));
        // a minimum above the quote is the caller's to ask; the swaps then need more than the oracle value
        p.set_min_out(6_000).unwrap();
        assert!(p.guaranteed() >= 6_000);
        // nothing of value to sell: a minimum above the base cannot be met
        let mut dust = a_plan(10, vec![swap_leg(0, 1, 0)]);
        assert_eq!(dust.set_min_out(11), Err(ExitError::Unreachable { min_out: 11, base: 10 }));
        dust.set_min_out(10).unwrap();
    }

    /// Instructions: the creations asked for, the redemption bounded at the quoted amounts,
    /// each sold leg's swap of exactly its amount for at least its minimum into the base
    /// account; packing splits what does not fit.
    #[test]
    fn instructions_and_packing() {
        let mut vault = <VaultState as bytemuck::Zeroable>::zeroed();
        vault.num_assets = 3;
        let mut p = a_plan(100, vec![swap_leg(0, 5_000, 300), leg(1, 7, LegAction::KeepNoMarket), swap_leg(2, 9, 200)]);
        for (i, l) in p.legs.iter().enumerate() {
            vault.assets[i].mint = l.mint.to_bytes();
            vault.assets[i].token_program = TOKEN_PROGRAM_ID.to_bytes();
        }
        vault.base_mint = p.base_mint.to_bytes();
        vault.base_token_program = TOKEN_PROGRAM_ID.to_bytes();
        p.set_min_out(550).unwrap();
        let (user, shares) = (Pubkey::new_unique(), Pubkey::new_unique());
        let accounts = p.user_accounts(&user);
        let ixs = p.instructions(&vault, &user, &shares, |a| *a != accounts[0]);
        assert_eq!(ixs.accounts, accounts);
        assert_eq!(ixs.creates.len(), 3, "every account but the base's");
        assert_eq!(ixs.swaps.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0, 2]);
        let (_, s) = &ixs.swaps[0];
        assert_eq!(s.program_id, MANIFEST_ID);
        assert_eq!(u64::from_le_bytes(s.data[1..9].try_into().unwrap()), 5_000, "exactly the leg's tokens");
        assert_eq!(u64::from_le_bytes(s.data[9..17].try_into().unwrap()), 270, "450 × 300 / 500");
        assert_eq!(&s.data[17..], &[1, 1], "base in, exact in");
        assert_eq!((s.accounts[3].pubkey, s.accounts[4].pubkey), (accounts[1], accounts[0]));
        let one = pack(&ixs, &user, &[]).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!((one[0].redeems, one[0].legs.clone()), (true, vec![0, 2]));
        assert_eq!(one[0].instructions.len(), 3 + 1 + 2);
        assert!(one[0].size <= PACKET_DATA_SIZE);
        // sixteen swaps do not fit with the redemption: more transactions, each within the limit
        let many =
            ExitInstructions { swaps: (0..16).map(|i| (i, ixs.swaps[i % 2].1.clone())).collect(), ..ixs.clone() };
        let split = pack(&many, &user, &[]).unwrap();
        assert!(split.len() > 1);
        assert!(split
            .iter()
            .all(|t| t.size <= PACKET_DATA_SIZE && t.instructions.len() == t.legs.len() + usize::from(t.redeems) * 4));
        assert_eq!(split.iter().flat_map(|t| t.legs.clone()).collect::<Vec<_>>(), (0..16).collect::<Vec<_>>());
        // creations that do not fit beside the redemption go first, in transactions of their own
        let creates = (0..12).map(|_| ata::create_idempotent(&user, &user, &Pubkey::new_unique(), &TOKEN_PROGRAM_ID).0);
        let busy = ExitInstructions { creates: creates.collect(), ..ixs.clone() };
        let first = pack(&busy, &user, &[]).unwrap();
        let r = first.iter().position(|t| t.redeems).unwrap();
        assert!(r > 0 && first[..r].iter().all(|t| t.label == "create token accounts" && t.legs.is_empty()));
        assert_eq!(first[..r].iter().map(|t| t.instructions.len()).sum::<usize>(), 12);
        assert_eq!(first[r].instructions[0], ixs.redeem);
        assert!(first.iter().all(|t| t.size <= PACKET_DATA_SIZE));
        // a table holding the vault-side addresses makes the same transaction smaller
        let table = AddressLookupTableAccount { key: Pubkey::new_unique(), addresses: table_addresses(&p, &vault) };
        assert!(table.addresses.contains(&MANIFEST_ID));
        let v0 = pack(&ixs, &user, &[table]).unwrap();
        assert!(v0[0].size < one[0].size);
    }

    /// A thin book named with what it gives, the simulation repeated with its minimum lifted
    /// until the transaction passes; a failure elsewhere ends the probe.
    #[test]
    fn a_probe_names_each_thin_book() {
        let swap = |min: u64| {
            venue::swap(
                &Pubkey::new_unique(),
                &Pubkey::new_unique(),
                &header(Pubkey::new_unique(), Pubkey::new_unique()),
                &Pubkey::new_unique(),
                &Pubkey::new_unique(),
                10,
                min,
                true,
            )
        };
        let redeem = Instruction { program_id: crate::PROGRAM_ID, accounts: vec![], data: vec![] };
        let tx = ExitTransaction {
            label: "x".into(),
            instructions: vec![redeem, swap(50), swap(70)],
            redeems: true,
            legs: vec![3, 5],
            size: 0,
        };
        let short = |i: u8, min: u64, actual: u64| {
            let log = format!("Program log: [src/program/processor/swap.rs:243] Insufficient out atoms returned. Minimum: {min} Actual: {actual}");
            Err((
                TransactionError::InstructionError(i, InstructionError::Custom(venue::error::INSUFFICIENT_OUT)),
                vec![log],
            ))
        };
        let mut calls = 0;
        let p = probe::<()>(&tx, |ixs| {
            calls += 1;
            let min = |i: usize| u64::from_le_bytes(ixs[i].data[9..17].try_into().unwrap());
            Ok(if min(1) > 40 {
                short(1, min(1), 40)
            } else if min(2) > 0 {
                short(2, min(2), 0)
            } else {
                Ok(31_000)
            })
        })
        .unwrap();
        assert_eq!(calls, 3);
        assert_eq!(
            p.short,
            vec![Shortfall { leg: 3, min_out: 50, book_out: 40 }, Shortfall { leg: 5, min_out: 70, book_out: 0 }]
        );
        assert_eq!((p.other.clone(), p.units, p.passes()), (None, 31_000, false));
        let refused = probe::<()>(&tx, |_| {
            Ok(Err((TransactionError::InstructionError(0, InstructionError::Custom(6000)), vec![])))
        })
        .unwrap();
        assert!(refused.short.is_empty() && refused.other.is_some());
        assert_eq!(book_out(&["Program log: x Minimum: 12 Actual: 7".into()]), None);
    }
}
