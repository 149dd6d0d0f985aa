//! "What will the program do?" — the program's own core functions run off-chain on decoded
//! accounts and oracle values, so a keeper can simulate before it sends.

use rpv_core::{
    error::CoreResult,
    layout::{RiskState, VaultState},
    price::OraclePrice,
    rebalance::{furthest_leg, leg_prices, plan_for, Plan},
};

/// The trade `rebalance` (or `rebalance_begin`) would do on slot `leg` at `now`, given the
/// leg's oracle value (a price, or an option's implied vol) and, for an option, its
/// underlying's price (a settled series trades at its payoff and ignores both). Returns the plan and the NAV it was sized against; `Err` carries the
/// core error the program would map to its own (`WithinBand`, `TurnoverCapReached`, …).
pub fn rebalance_plan(
    vault: &VaultState,
    risk: &RiskState,
    leg: usize,
    leg_oracle: Option<&OraclePrice>,
    underlying: Option<&OraclePrice>,
    max_value: u64,
    now: i64,
) -> CoreResult<(Plan, u64)> {
    let prices = leg_prices(vault, leg, leg_oracle, underlying, now)?;
    plan_for(vault, risk, leg, prices, max_value, now)
}

/// The leg `rebalance` trades with `leg = AUTO_LEG` at `now` (`None`: every leg is inside its
/// band or cooling down).
pub fn auto_leg(vault: &VaultState, risk: &RiskState, now: i64) -> CoreResult<Option<usize>> {
    furthest_leg(vault, risk, &risk.rebalance, now)
}

/// The leg [`auto_leg`] would name if the legs in `except` (bit `i` = slot `i`) were not there:
/// the next leg to name explicitly when the furthest cannot trade now.
pub fn next_leg(vault: &VaultState, risk: &RiskState, now: i64, except: u32) -> CoreResult<Option<usize>> {
    rpv_core::rebalance::furthest_leg_except(vault, risk, &risk.rebalance, now, except)
}
