//! A flash rebalance routed through the venue ([`crate::venue`], Manifest): one transaction of
//! `rebalance_begin` → `Swap` on the leg's market → the keeper pays the vault what it is owed →
//! `rebalance_end`. The keeper holds nothing before and keeps only the difference between what
//! the venue gave and what the vault is owed (its incentive, less the venue's price impact).
//!
//! - The vault **sells** `plan.qty` of the leg: the begin hands those tokens to the keeper, who
//!   sells them on the market exact-in with a minimum out of `plan.base_amount` (the program's
//!   own price bound), then transfers `plan.base_amount` base to the vault.
//! - The vault **buys**: the begin hands `plan.base_amount` base to the keeper, who buys exactly
//!   `plan.qty` of the leg exact-out spending at most that base, then transfers `plan.qty` to
//!   the vault.
//!
//! Whatever happens to the market in between — a sandwich, a thin book, a stale quote — the
//! venue refuses to give less than the bound, the transfer fails without the tokens, or
//! `rebalance_end` finds the vault underpaid (`RebalanceUnderpaid`): the whole transaction fails
//! and the vault is untouched. The program, not the keeper, sets the price the vault accepts.
//!
//! The market must trade the leg's mint (Manifest's base) against the vault's base mint
//! (Manifest's quote), both SPL Token mints.
use rpv_core::{layout::VaultState, rebalance::Plan, rebalance::Side};

use crate::{ix, pk, spl, venue, Instruction, Pubkey, TOKEN_PROGRAM_ID};

/// A leg's market on the venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub market: Pubkey,
    pub header: venue::MarketHeader,
}

/// Why a route cannot carry a leg's trade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// The market's base mint is not the leg's mint, or its quote mint not the vault's base.
    WrongMarket { market: Pubkey, want_base: Pubkey, want_quote: Pubkey },
    /// One of the mints is not an SPL Token mint (the venue's Token-2022 path is not routed).
    NotSplToken { mint: Pubkey },
    /// Option series are not listed on any venue: inventory or a request for quote.
    OptionLeg,
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WrongMarket { market, want_base, want_quote } => write!(
                f,
                "market {market} does not trade {want_base} against {want_quote}: configure the leg's own market"
            ),
            Self::NotSplToken { mint } => write!(f, "mint {mint} is not an SPL Token mint: no venue route"),
            Self::OptionLeg => f.write_str("option series are not listed on the venue: trade them from inventory"),
        }
    }
}

impl std::error::Error for RouteError {}

impl Route {
    /// Checks that this market can carry slot `leg`'s trades for `vault`.
    pub fn check(&self, vault: &VaultState, leg: usize) -> Result<(), RouteError> {
        let slot = &vault.assets[leg];
        if slot.option.is_option() {
            return Err(RouteError::OptionLeg);
        }
        let (want_base, want_quote) = (pk(&slot.mint), pk(&vault.base_mint));
        if self.header.base_mint != want_base || self.header.quote_mint != want_quote {
            return Err(RouteError::WrongMarket { market: self.market, want_base, want_quote });
        }
        for (program, mint) in [(slot.token_program, want_base), (vault.base_token_program, want_quote)] {
            if pk(&program) != TOKEN_PROGRAM_ID {
                return Err(RouteError::NotSplToken { mint });
            }
        }
        Ok(())
    }
}

/// The swap that settles `plan` on the venue with nothing held before, keeping at least
/// `keep` base units for the keeper: sell `qty` (the leg is the market's base) for at least
/// `base_amount + keep`, or buy exactly `qty` for at most `base_amount − keep`. With `keep` = 0
/// the bound is the program's price; the keeper adds its costs so that a market that moved
/// against it fails in the venue rather than land at a loss.
pub fn swap_for(plan: &Plan, keep: u64) -> venue::SwapParams {
    match plan.side {
        Side::Sell => venue::SwapParams {
            is_exact_in: true,
            is_base_in: true,
            in_atoms: plan.qty,
            out_atoms: plan.base_amount.saturating_add(keep),
        },
        Side::Buy => venue::SwapParams {
            is_exact_in: false,
            is_base_in: false,
            in_atoms: plan.base_amount.saturating_sub(keep),
            out_atoms: plan.qty,
        },
    }
}

/// The rebalance arguments of a flash trade for `plan`: the program's own leg and size
/// (`max_value` caps it), and the keeper's price bound set at exactly the planned amount, so a
/// plan that moved against the keeper fails at the begin (`SlippageExceeded`) instead of
/// underpaying at the end.
pub fn args_for(leg: u8, plan: &Plan, max_value: u64) -> ix::RebalanceArgs {
    match plan.side {
        Side::Sell => ix::RebalanceArgs { leg, max_value, max_base_in: plan.base_amount, min_base_out: 0 },
        Side::Buy => ix::RebalanceArgs { leg, max_value, max_base_in: u64::MAX, min_base_out: plan.base_amount },
    }
}

/// The four instructions of a flash rebalance of slot `leg` through `route` for `plan` (the
/// program's plan on the oracle values it will read, [`crate::sim::rebalance_plan`]), the keeper
/// signing with its token accounts for the base (`keeper_base`) and the leg (`keeper_leg`) and
/// keeping at least `keep` base units ([`swap_for`]).
#[allow(clippy::too_many_arguments)]
pub fn via_venue(
    keeper: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    leg: u8,
    keeper_base: &Pubkey,
    keeper_leg: &Pubkey,
    route: &Route,
    plan: &Plan,
    max_value: u64,
    keep: u64,
) -> Result<Vec<Instruction>, RouteError> {
    route.check(vault, usize::from(leg))?;
    let slot = &vault.assets[usize::from(leg)];
    let begin =
        ix::rebalance_begin(keeper, vault_key, vault, leg, keeper_base, keeper_leg, args_for(leg, plan, max_value));
    let swap = venue::swap_with(keeper, &route.market, &route.header, keeper_leg, keeper_base, swap_for(plan, keep));
    let pay = match plan.side {
        Side::Sell => spl::transfer_checked(
            &pk(&vault.base_token_program),
            keeper_base,
            &pk(&vault.base_mint),
            &pk(&vault.base_vault),
            keeper,
            plan.base_amount,
            vault.base_decimals,
        ),
        Side::Buy => spl::transfer_checked(
            &pk(&slot.token_program),
            keeper_leg,
            &pk(&slot.mint),
            &pk(&slot.token_account),
            keeper,
            plan.qty,
            slot.decimals,
        ),
    };
    let end = ix::rebalance_end(keeper, vault_key, vault, leg);
    Ok(vec![begin, swap, pay, end])
}
