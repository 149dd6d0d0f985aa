//! `quote`: what the vault is worth now and how a flow would be priced, as the program answers
//! it through return data and the SDK predicts it.

use rpv_interface::VaultQuote;

use crate::{
    error::CoreResult,
    layout::{RiskState, VaultState},
    price::OraclePrice,
    valuation::Band,
};

/// Shares in the unit `share_price_e9` is quoted per.
pub const SHARE_PRICE_SCALE: u128 = 1_000_000_000;

/// The quote for `v` and its risk state `r`, a share mint supply of `share_supply`, validated
/// oracle `prices` (one per asset, registry order) at cluster time `now`: NAV both ways (and
/// the NAVs instant flows are priced at, at the ends of the confidence intervals), the
/// outstanding shares with the fees due accrued on the way (nothing is written), the share
/// price, and the risk summary of the last refresh.
pub fn quote(
    v: &VaultState,
    r: &RiskState,
    share_supply: u64,
    prices: &[OraclePrice],
    now: i64,
) -> CoreResult<VaultQuote> {
    let (nav, nav_round_up) = v.nav_both_at(prices, now)?;
    let total_shares = v.total_shares_after_fees(share_supply, Some(nav), now)?;
    // total_shares ≥ dead_shares > 0 (invariant); the product fits u128 (< 2^94)
    let share_price_e9 = u128::from(nav) * SHARE_PRICE_SCALE / u128::from(total_shares.max(1));
    Ok(VaultQuote {
        nav,
        nav_round_up,
        total_shares,
        share_price_e9,
        base_decimals: v.base_decimals,
        num_assets: v.num_assets,
        paused: v.is_paused(),
        risk_fresh: v.risk_is_fresh(now),
        risk_refreshed_at: v.risk_refreshed_at,
        portfolio_vol_bits: r.portfolio_vol.get().to_bits(),
        leverage_bits: r.leverage.get().to_bits(),
        quoted_at: now,
        nav_instant_withdraw: v.nav_banded(prices, 0, now, Band::Low)?,
        nav_instant_deposit: v.nav_banded(prices, 0, now, Band::High)?,
    })
}
