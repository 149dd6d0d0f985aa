//! Fee accrual as the instructions run it (the maths is [`crate::fees`]): before every flow,
//! by `accrue_fees` (which also collects the pending fee shares for minting) and around a rate
//! change (`set_fees`, `apply_change`).

use super::{ensure, no_flash_rebalance, EngineError, EngineResult};
use crate::{fees::Accrual, layout::VaultState, CoreError};

/// One accrual: what was issued and the fee state after it (the `FeesAccrued` event).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSummary {
    pub time: i64,
    pub accrual: Accrual,
    /// Fee shares taken out of `pending_shares` to be minted now (`accrue_fees` only).
    pub minted: u64,
    pub pending_after: u64,
    /// The NAV the performance fee was measured at (0 = none): the lower of the live NAV and
    /// the last positions step's NAV per share ([`crate::fees::performance_nav`]).
    pub nav: u64,
    pub total_shares_after: u64,
    pub hwm_nav: u64,
    pub hwm_shares: u64,
}

impl FeeSummary {
    /// Whether a fee share was issued (flows emit `FeesAccrued` only then).
    pub fn issued(&self) -> bool {
        self.accrual.total() > 0
    }

    fn of(v: &VaultState, (accrual, nav): (Accrual, Option<u64>), minted: u64, supply: u64, now: i64) -> Self {
        Self {
            time: now,
            accrual,
            minted,
            pending_after: v.fees.pending_shares,
            nav: nav.unwrap_or(0),
            total_shares_after: v.total_shares(supply).unwrap_or(u64::MAX),
            hwm_nav: v.fees.hwm_nav,
            hwm_shares: v.fees.hwm_shares,
        }
    }
}

/// Accrues the fees due at `now`: the management fee, and the performance fee at the lower of
/// the live NAV `nav_down` (rounded down) and the last positions step's NAV per share; without
/// a live NAV (in kind) at the latter while the risk state is fresh
/// ([`crate::fees::performance_nav`]). `supply` = the share mint's supply.
pub fn accrue(v: &mut VaultState, supply: u64, nav_down: Option<u64>, now: i64) -> EngineResult<FeeSummary> {
    let a = v.accrue_fees_measured(supply, nav_down, now)?;
    Ok(FeeSummary::of(v, a, 0, supply, now))
}

/// `accrue_fees`: accrues both fees (the performance fee at the lower of the live NAV `nav`
/// and the snapshot's, as [`accrue`]) and takes every pending fee share out for minting
/// (`minted`; the total shares do not change, the shares move into the supply).
pub fn collect(v: &mut VaultState, supply: u64, nav: u64, now: i64) -> EngineResult<FeeSummary> {
    collect_at(v, supply, Some(nav), now)
}

/// [`collect`] with the NAV when every leg could be priced ([`super::flows::ExitNav::complete`]);
/// `None` (a dead feed) accrues the management fee only: a NAV without a leg would crystallise
/// the performance fee, and move its mark, at a value nobody can check.
pub fn collect_at(v: &mut VaultState, supply: u64, nav: Option<u64>, now: i64) -> EngineResult<FeeSummary> {
    no_flash_rebalance(v)?;
    let accrual = match nav {
        Some(nav) => v.accrue_fees_measured(supply, Some(nav), now)?,
        // a dead feed: the snapshot still counts the dead leg at its last price
        None => v.accrue_management_only(supply, now)?,
    };
    let minted = core::mem::take(&mut v.fees.pending_shares);
    let supply_after = supply.checked_add(minted).ok_or(CoreError::MathOverflow)?;
    v.invariant()?;
    Ok(FeeSummary::of(v, accrual, minted, supply_after, now))
}

/// `set_fees`'s rules on new rates: within the maxima fixed at initialisation
/// (`FeeAboveMaximum`); raising either rate needs the timelock when the vault has one
/// (`TimelockRequired`).
pub fn check_new_rates(v: &VaultState, management_bps: u16, performance_bps: u16) -> EngineResult<()> {
    ensure(v.fees.within_maxima(management_bps, performance_bps), EngineError::FeeAboveMaximum)?;
    let raises = management_bps > v.fees.management_bps || performance_bps > v.fees.performance_bps;
    ensure(!raises || v.timelock_secs == 0, EngineError::TimelockRequired)
}

/// Accrues at the rates in force up to `now` (NAV `nav`), then switches to the new rates.
/// Returns the accrual (emitted as `FeesAccrued` when a share was issued).
pub fn switch_rates(
    v: &mut VaultState,
    supply: u64,
    nav: u64,
    rates: (u16, u16),
    now: i64,
) -> EngineResult<FeeSummary> {
    let s = accrue(v, supply, Some(nav), now)?;
    let total = v.total_shares(supply)?;
    v.fees.set_rates(rates.0, rates.1, total, now);
    Ok(s)
}
