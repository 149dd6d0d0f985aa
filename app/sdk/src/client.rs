//! A vault seen from a client: [`VaultClient`] fetches the vault, its risk account, its share
//! mint and its oracles through any [`Chain`], and the [`VaultView`] it returns answers what
//! the program would do, with the program's own maths (`rpv-core`, the functions the handlers
//! call, rounding included; Mango v4's `lib/client` is the model):
//!
//! - [`VaultView::quote_deposit`], [`VaultView::quote_withdraw`],
//!   [`VaultView::quote_redeem_in_kind`]: shares or amounts out, after the fees due now, or the
//!   error the program would refuse with, by its name;
//! - [`VaultView::rebalance_plan`]: the trade `rebalance` would make ([`crate::sim`]);
//! - [`VaultView::report`] ([`crate::report`]): NAV, share price, positions against their
//!   targets and bands, risk, Greeks, oracle health, fees.
//!
//! Oracles are read off-chain with the program's own checks ([`read_oracle`]), so a quote is
//! made on exactly the values the program will read in the same slot.

use rpv_core::{
    engine::{
        self,
        flows::{exit_nav, SlotRead},
        EngineError,
    },
    error::CoreResult,
    layout::{AssetSlot, OracleKind, RequestState, RiskState, VaultState, REQUEST_DEPOSIT, REQUEST_WITHDRAW},
    math::{amount_for_shares, mul_div, Rounding},
    price::OraclePrice,
    pyth::{self, FeedPolicy},
    rebalance::Plan,
    switchboard::{self, SwitchboardPolicy},
    valuation::needs_own_oracle,
    CoreError,
};

use crate::{
    chain::{Account, Chain, ChainError, Clock},
    decode_risk, decode_vault, pda, pk, Pubkey,
};

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    Chain(ChainError),
    /// An account is missing or is not what the vault says it is.
    Account(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Chain(e) => write!(f, "{e}"),
            Self::Account(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<ChainError> for FetchError {
    fn from(e: ChainError) -> Self {
        Self::Chain(e)
    }
}

/// Why the program would refuse a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteError {
    /// A rule of the instruction: the program's error name ([`crate::errors::name`] of its code).
    Refused(&'static str),
    /// The core maths or an oracle check refused; the program reports the error of the same name.
    Core(CoreError),
}

impl QuoteError {
    /// The name of the program error the instruction would fail with.
    pub fn name(&self) -> String {
        match self {
            Self::Refused(n) => (*n).to_string(),
            Self::Core(e) => format!("{e:?}"),
        }
    }
}

impl QuoteError {
    /// The program error itself (code and message), when the name is one of its errors.
    pub fn vault_error(&self) -> Option<crate::errors::VaultError> {
        crate::errors::VaultError::from_name(&self.name())
    }

    /// One line in the words of a refused transaction ([`crate::chain::Rejection`]): `LABEL
    /// failed: Name (code): message`.
    pub fn explain(&self, label: &str) -> String {
        match self.vault_error() {
            Some(e) => format!("{label} failed: {} ({}): {}", e.name(), e.code(), e.message().trim_end_matches('.')),
            None => format!("{label} failed: {}", self.name()),
        }
    }
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl From<CoreError> for QuoteError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

impl From<EngineError> for QuoteError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Core(c) => Self::Core(c),
            rule => match crate::errors::VaultError::from_name(&format!("{rule:?}")) {
                Some(v) => Self::Refused(v.name()),
                None => Self::Refused("Unknown"),
            },
        }
    }
}

fn check(cond: bool, name: &'static str) -> Result<(), QuoteError> {
    if cond {
        Ok(())
    } else {
        Err(QuoteError::Refused(name))
    }
}

/// The validated value of `slot`'s oracle from its account at `clock`, with maximum age
/// `max_age` (seconds for Pyth, slots for Switchboard): the program's `read_slot_price_aged`
/// on a fetched account.
pub fn read_oracle(slot: &AssetSlot, account: &Account, clock: &Clock, max_age: u32) -> CoreResult<OraclePrice> {
    let owner = account.owner.to_bytes();
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &owner,
            &account.data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age, max_conf_bps: slot.max_conf_bps },
            clock.unix_timestamp,
        ),
        Some(OracleKind::Switchboard) => {
            switchboard::read_price(&owner, &account.data, &SwitchboardPolicy::of_slot(slot, max_age), clock.slot)
        }
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// The maximum oracle age `rebalance` applies to `slot`: the rebalance parameters' when set
/// (never above the asset's own), else the asset's own.
pub fn rebalance_max_age(rebalance_max_oracle_age: u32, slot: &AssetSlot) -> u32 {
    if rebalance_max_oracle_age == 0 {
        slot.max_oracle_age
    } else {
        rebalance_max_oracle_age.min(slot.max_oracle_age)
    }
}

/// Reads one vault through a chain.
pub struct VaultClient<'c> {
    pub chain: &'c mut dyn Chain,
    pub vault: Pubkey,
}

impl<'c> VaultClient<'c> {
    pub fn new(chain: &'c mut dyn Chain, vault: Pubkey) -> Self {
        Self { chain, vault }
    }

    /// The vault, its risk account, share mint supply, oracle accounts and the clock, read in
    /// two requests (the vault first: it names the rest).
    pub fn fetch(&mut self) -> Result<VaultView, FetchError> {
        let clock = self.chain.clock()?;
        let vault_acct = self
            .chain
            .account(&self.vault)?
            .ok_or_else(|| FetchError::Account(format!("vault {} does not exist", self.vault)))?;
        let vault =
            decode_vault(&vault_acct.data).map_err(|e| FetchError::Account(format!("vault {}: {e}", self.vault)))?;
        let risk_key = pda::risk(&self.vault).0;
        let share_mint = pk(&vault.share_mint);
        let mut keys = vec![risk_key, share_mint];
        keys.extend(vault.active_assets().iter().map(|a| pk(&a.oracle)));
        let mut accts = self.chain.accounts(&keys)?.into_iter();
        let missing = |what: &str, k: &Pubkey| FetchError::Account(format!("{what} {k} does not exist"));
        let risk_acct = accts.next().flatten().ok_or_else(|| missing("risk account", &risk_key))?;
        let risk = decode_risk(&risk_acct.data).map_err(|e| FetchError::Account(format!("risk {risk_key}: {e}")))?;
        let mint_acct = accts.next().flatten().ok_or_else(|| missing("share mint", &share_mint))?;
        let share_supply = rpv_core::token::parse_mint(&mint_acct.data)
            .map_err(|e| FetchError::Account(format!("share mint {share_mint}: {e:?}")))?
            .supply;
        Ok(VaultView { key: self.vault, vault, risk, share_supply, clock, oracles: accts.collect() })
    }

    /// Every request account of `vault` (its state as fetched) that is still open — pending,
    /// claimable, or finished and not yet closed — in both queues, by id: `(address, state)`.
    /// Ids `0..next_id` are read in batches of 100 (closed ones are skipped).
    pub fn requests(&mut self, vault: &VaultState) -> Result<Vec<(Pubkey, RequestState)>, FetchError> {
        let mut keys = Vec::new();
        for (kind, q) in [(REQUEST_DEPOSIT, &vault.flows.deposits), (REQUEST_WITHDRAW, &vault.flows.withdrawals)] {
            keys.extend((0..q.next_id).map(|id| pda::request(&self.vault, kind, id).0));
        }
        let mut out = Vec::new();
        for chunk in keys.chunks(100) {
            for (k, a) in chunk.iter().zip(self.chain.accounts(chunk)?) {
                if let Some(a) = a {
                    let r =
                        crate::decode_request(&a.data).map_err(|e| FetchError::Account(format!("request {k}: {e}")))?;
                    out.push((*k, r));
                }
            }
        }
        Ok(out)
    }
}

/// A vault as fetched, with the clock it was read at.
#[derive(Clone, Debug)]
pub struct VaultView {
    pub key: Pubkey,
    pub vault: VaultState,
    pub risk: RiskState,
    pub share_supply: u64,
    pub clock: Clock,
    /// Each active asset's oracle account (registry order), `None` when it does not exist.
    pub oracles: Vec<Option<Account>>,
}

/// Shares a deposit mints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositQuote {
    pub shares: u64,
    /// NAV the deposit is priced at (every holding at the top of its oracle's confidence
    /// interval, rounded up), and the total shares after the fees due.
    pub nav: u64,
    pub total_shares: u64,
    /// The instant-flow fee kept by the vault, base units.
    pub instant_fee: u64,
}

/// Base a withdrawal pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawQuote {
    pub amount: u64,
    /// NAV the withdrawal is priced at (every holding at the bottom of its oracle's confidence
    /// interval, rounded down), and the total shares after the fees due.
    pub nav: u64,
    pub total_shares: u64,
    /// Legs valued at zero because a feed their value needs is dead (bit `i`: slot `i`).
    pub zeroed_legs: u32,
    /// The instant-flow fee kept by the vault (`amount` is net of it).
    pub instant_fee: u64,
}

/// What a request would settle at if prices stayed where they are (the mid NAV): an estimate
/// — a request settles at prices published after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestQuote {
    /// Shares (deposit) or base units (withdrawal) it would make claimable, after the
    /// settlement incentive.
    pub out: u64,
    pub incentive: u64,
    /// Mid NAV and total shares after the fees due.
    pub nav: u64,
    pub total_shares: u64,
    /// Withdrawals: base the vault holds now for the queue (what settles without waiting for
    /// the rebalancer), and what the queue ahead of this request is owed.
    pub base_on_hand: u64,
    pub queue_ahead: u64,
}

/// What `settle_requests` would settle now ([`VaultView::settle_plan`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettlePlan {
    /// The request accounts to pass, in order (deposits first), each with its fill (`None`:
    /// a cancelled request the head moves past).
    pub requests: Vec<(Pubkey, Option<engine::requests::Fill>)>,
    /// Where a queue stops, and why (`PriceNotAfterRequest`, `InsufficientBaseLiquidity`, …).
    pub stops: Vec<(u8, QuoteError)>,
}

/// What an in-kind redemption pays: the base, then each registered asset in registry order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedeemQuote {
    pub amounts: Vec<u64>,
    /// Total shares after the management fee due (the only fee it accrues).
    pub total_shares: u64,
}

impl VaultView {
    fn now(&self) -> i64 {
        self.clock.unix_timestamp
    }

    /// Each active asset's oracle read at `max_age(slot)`.
    fn read(&self, max_age: impl Fn(&AssetSlot) -> u32) -> Vec<CoreResult<OraclePrice>> {
        self.vault
            .active_assets()
            .iter()
            .zip(&self.oracles)
            .map(|(slot, acct)| match acct {
                Some(a) => read_oracle(slot, a, &self.clock, max_age(slot)),
                None => Err(CoreError::OracleInvalidAccount),
            })
            .collect()
    }

    /// Each slot's oracle as a flow reads it (the program's `read_slots`): the validated value,
    /// or why the feed is dead; an expired or settled option series reads none (zero).
    pub fn slot_reads(&self) -> Vec<SlotRead> {
        self.slot_reads_aged(|s| s.max_oracle_age)
    }

    /// [`Self::slot_reads`] with each slot's maximum age `max_age(slot)` (the program's
    /// `read_slots_aged`).
    fn slot_reads_aged(&self, max_age: impl Fn(&AssetSlot) -> u32) -> Vec<SlotRead> {
        let now = self.now();
        self.read(max_age)
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                if needs_own_oracle(&self.vault, i, now) {
                    engine::flows::check_not_older(&self.vault, i, r)
                } else {
                    Ok(OraclePrice::ZERO)
                }
            })
            .collect()
    }

    /// The prices a priced flow reads (the program's `read_prices`): every asset that needs its
    /// own oracle must pass every check; an expired or settled option series reads none.
    pub fn prices(&self) -> Result<Vec<OraclePrice>, QuoteError> {
        self.slot_reads().into_iter().map(|r| r.map_err(QuoteError::from)).collect()
    }

    /// What `deposit(amount, 0)` would mint now (allowlist not checked): the program's own
    /// steps (`engine::flows::deposit_gate`, `instant_navs`, `deposit`) on a copy of the vault.
    pub fn quote_deposit(&self, amount: u64) -> Result<DepositQuote, QuoteError> {
        let mut v = self.vault;
        let now = self.now();
        engine::flows::deposit_gate(&v, amount, now)?;
        let prices = self.prices()?;
        let navs = engine::flows::instant_navs(&v, &prices, now)?;
        let d = engine::flows::deposit(&mut v, self.share_supply, navs, amount, 0, now)?;
        Ok(DepositQuote {
            shares: d.shares,
            nav: d.nav_before,
            total_shares: d.total_shares_before,
            instant_fee: d.instant_fee,
        })
    }

    /// What `withdraw(shares, 0)` would pay now (the holder's balance not checked), the
    /// program's steps on a copy. A leg whose feed is dead counts zero, as the program prices
    /// it (`engine::flows::exit_nav`): `zeroed_legs` names those legs. `InsufficientBaseLiquidity`
    /// when the base left after what the withdrawal queue is owed cannot pay it: then request
    /// the withdrawal ([`Self::quote_request_withdraw`]) or redeem in kind.
    pub fn quote_withdraw(&self, shares: u64) -> Result<WithdrawQuote, QuoteError> {
        let mut v = self.vault;
        let now = self.now();
        engine::no_flash_rebalance(&v)?;
        engine::flows::instant_redeem_gate(&v, self.clock.slot)?;
        check(shares > 0, "ZeroShares")?;
        let exit = exit_nav(&v, &self.slot_reads(), now)?;
        let w = engine::flows::withdraw(&mut v, self.share_supply, &exit, shares, 0, now)?;
        Ok(WithdrawQuote {
            amount: w.amount,
            nav: w.nav_before,
            total_shares: w.total_shares_before,
            zeroed_legs: exit.zeroed,
            instant_fee: w.instant_fee,
        })
    }

    /// The pricing a settlement would start from now: the fees due accrued on a copy, the mid
    /// NAV both ways (every feed live).
    fn settlement_pricing(&self) -> Result<(VaultState, engine::requests::Pricing, Vec<OraclePrice>), QuoteError> {
        let mut v = self.vault;
        let reads = self.slot_reads();
        let mut prices = vec![OraclePrice::ZERO; reads.len()];
        let (_, p) = engine::requests::begin_settlement(&mut v, self.share_supply, &reads, &mut prices, self.now())?;
        Ok((v, p, prices))
    }

    /// What a deposit request of `amount` would settle into at today's prices (an estimate:
    /// it settles at prices published after it, without the confidence band or instant fee).
    pub fn quote_request_deposit(&self, amount: u64) -> Result<RequestQuote, QuoteError> {
        engine::requests::deposit_request_gate(&self.vault, amount)?;
        let (mut v, mut p, prices) = self.settlement_pricing()?;
        let mut r = engine::requests::open(&mut v, [0; 32], [0; 32], rpv_core::layout::REQUEST_DEPOSIT, amount, 0, 0)?;
        // only the queue ahead stands between it and the head: settle as if it were the head
        v.flows.deposits.head = r.id;
        let f = engine::requests::settle(&mut v, &mut r, &mut p, &prices, self.now())?.unwrap_or_default();
        Ok(RequestQuote {
            out: f.out,
            incentive: f.incentive,
            nav: f.nav,
            total_shares: f.total_shares,
            base_on_hand: self.vault.base_quantity,
            queue_ahead: self.vault.flows.deposits.pending,
        })
    }

    /// What a withdrawal request of `shares` would be worth at today's mid NAV (an estimate:
    /// it settles at prices published after it, once the queue ahead of it is paid and the
    /// base is there — the rebalancer raises it).
    pub fn quote_request_withdraw(&self, shares: u64) -> Result<RequestQuote, QuoteError> {
        engine::no_flash_rebalance(&self.vault)?;
        check(shares > 0, "ZeroShares")?;
        let (v, p, _) = self.settlement_pricing()?;
        let total = p.total_shares;
        let gross = amount_for_shares(shares, total, p.nav_down)?;
        let incentive = engine::requests::incentive(&v, gross);
        let queue_ahead = engine::requests::queue_owed(&v, p.nav_down, total)?;
        Ok(RequestQuote {
            out: gross - incentive,
            incentive,
            nav: p.nav_down,
            total_shares: total,
            base_on_hand: v.base_quantity,
            queue_ahead,
        })
    }

    /// What `settle_requests` would do now with `requests` (request accounts as fetched,
    /// [`VaultClient::requests`]): the program's steps on a copy — every feed read no older than
    /// `settle_max_age` (nor the asset's own maximum), the fees due accrued, then each queue
    /// from its head, deposits first, until a request cannot settle. `Err` when nothing can be
    /// priced (a dead or stale feed, a flash rebalance open).
    pub fn settle_plan(&self, requests: &[(Pubkey, RequestState)]) -> Result<SettlePlan, QuoteError> {
        let now = self.now();
        let age = u32::from(self.vault.flows.params.settle_max_age);
        let reads = self.slot_reads_aged(|s| s.max_oracle_age.min(age));
        let n = reads.len();
        let mut v = self.vault;
        let mut prices = vec![OraclePrice::ZERO; n];
        let (_, mut p) = engine::requests::begin_settlement(&mut v, self.share_supply, &reads, &mut prices, now)?;
        // the order the keeper sends: each queue from its head, deposits first
        let mut ordered: Vec<(Pubkey, RequestState)> = Vec::new();
        for kind in [REQUEST_DEPOSIT, REQUEST_WITHDRAW] {
            let head = engine::requests::queue(&v, kind)?.head;
            let mut queue: Vec<(Pubkey, RequestState)> =
                requests.iter().filter(|(_, r)| r.kind == kind && r.id >= head).copied().collect();
            queue.sort_by_key(|(_, r)| r.id);
            ordered.extend(queue);
        }
        let mut states: Vec<RequestState> = ordered.iter().map(|(_, r)| *r).collect();
        let mut plan = SettlePlan::default();
        let batch = engine::requests::settle_batch(&mut v, &mut p, &prices[..n], now, &mut states, |i, _, f| {
            plan.requests.push((ordered[i].0, f.copied()));
        })?;
        for (kind, stop) in [REQUEST_DEPOSIT, REQUEST_WITHDRAW].into_iter().zip(batch.stops) {
            if let Some(e) = stop {
                plan.stops.push((kind, QuoteError::from(e)));
            }
        }
        Ok(plan)
    }

    /// What `redeem_in_kind(shares, [])` would pay now: ⌊shares × accounted / total shares⌋ of
    /// every holding (no oracle read).
    pub fn quote_redeem_in_kind(&self, shares: u64) -> Result<RedeemQuote, QuoteError> {
        let v = &self.vault;
        check(!v.is_rebalancing(), "RebalanceInProgress")?;
        check(shares > 0, "ZeroShares")?;
        let total_shares = v.total_shares_after_fees(self.share_supply, None, self.now())?;
        let held = std::iter::once(v.base_quantity).chain(v.active_assets().iter().map(|a| a.quantity));
        let amounts = held
            .map(|q| mul_div(shares, q, total_shares, Rounding::Down).ok_or(QuoteError::Core(CoreError::MathOverflow)))
            .collect::<Result<Vec<_>, _>>()?;
        check(amounts.iter().any(|a| *a > 0), "ZeroAmount")?;
        Ok(RedeemQuote { amounts, total_shares })
    }

    /// The trade `rebalance` would make on `leg` (`None`: the leg the program picks itself,
    /// `Ok(None)` when none is due), with at most `max_value` base units (0 = no cap), and the
    /// NAV it is sized against.
    pub fn rebalance_plan(&self, leg: Option<usize>, max_value: u64) -> Result<Option<(usize, Plan, u64)>, QuoteError> {
        let now = self.now();
        let leg = match leg {
            Some(l) => l,
            None => match crate::sim::auto_leg(&self.vault, &self.risk, now)? {
                Some(l) => l,
                None => return Ok(None),
            },
        };
        let max_age = self.risk.rebalance.max_oracle_age;
        let reads = self.read(|s| rebalance_max_age(max_age, s));
        let slot = self.vault.active_assets().get(leg).ok_or(QuoteError::Refused("WrongLeg"))?;
        // a settled series trades at its payoff: no oracle is read
        let settled = rpv_core::rebalance::settled_leg(&self.vault, leg);
        let own = if settled { None } else { Some(reads[leg].map_err(QuoteError::from)?) };
        let underlying = match slot.option.is_option() && !settled {
            true => Some(reads[usize::from(slot.option.underlying)].map_err(QuoteError::from)?),
            false => None,
        };
        let (plan, nav) = crate::sim::rebalance_plan(
            &self.vault,
            &self.risk,
            leg,
            own.as_ref(),
            underlying.as_ref(),
            max_value,
            now,
        )?;
        Ok(Some((leg, plan, nav)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name a quote can refuse with is one of the program's errors.
    #[test]
    fn refusals_are_program_errors() {
        for n in [
            "RiskStateStale",
            "VaultPaused",
            "RebalanceInProgress",
            "ZeroAmount",
            "ZeroShares",
            "DepositBelowMinimum",
            "DepositCapExceeded",
            "InsufficientBaseLiquidity",
            "WrongLeg",
        ] {
            assert!(crate::errors::code(n).is_some(), "{n} is not a vault error");
        }
        assert_eq!(QuoteError::Core(CoreError::OracleStale).name(), "OracleStale");
        let e = QuoteError::Refused("DepositBelowMinimum").explain("deposit");
        let code = crate::errors::code("DepositBelowMinimum").unwrap();
        assert!(e.starts_with(&format!("deposit failed: DepositBelowMinimum ({code}): ")), "{e}");
        assert!(crate::errors::code(&QuoteError::Core(CoreError::MathOverflow).name()).is_some());
    }

    #[test]
    fn rebalance_age_is_capped_by_the_asset() {
        let mut slot = <AssetSlot as bytemuck::Zeroable>::zeroed();
        slot.max_oracle_age = 60;
        assert_eq!(rebalance_max_age(0, &slot), 60);
        assert_eq!(rebalance_max_age(30, &slot), 30);
        assert_eq!(rebalance_max_age(90, &slot), 60);
    }
}
