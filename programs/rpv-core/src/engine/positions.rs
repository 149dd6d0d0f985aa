//! `update_positions`: the positions step of the last sample, for vaults with option series
//! (spot vaults run it inside [`super::refresh`]).

use super::{ensure, no_flash_rebalance, EngineError, EngineResult};
use crate::{
    fixed_point::Fx,
    layout::{RiskState, VaultState},
    positions::{update_positions, PositionsOutcome},
};

/// What the positions step found (the `PositionsUpdated` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionsSummary {
    /// The sample's time: the risk state is fresh as of it.
    pub sample_time: i64,
    pub outcome: PositionsOutcome,
    pub leverage: Fx,
    pub portfolio_vol: Fx,
}

/// Runs the positions step at the last sample's time: no flash rebalance open
/// (`RebalanceInProgress`); the last sample must cover every registered asset and have been
/// marked (`RefreshRequired`). Marks the risk state fresh as of the sample (never later).
pub fn update(v: &mut VaultState, r: &mut RiskState) -> EngineResult<PositionsSummary> {
    no_flash_rebalance(v)?;
    let n = u32::from(v.num_assets);
    let all = if n >= 32 { u32::MAX } else { (1u32 << n) - 1 };
    ensure(
        r.samples > 0 && r.sampled_mask & all == all && r.marked_at == r.last_sample_time,
        EngineError::RefreshRequired,
    )?;
    let t = r.last_sample_time;
    let outcome = update_positions(v, r, t)?;
    v.risk_refreshed_at = t;
    v.fee_snapshot.record(outcome.nav);
    v.invariant()?;
    Ok(PositionsSummary { sample_time: t, outcome, leverage: r.leverage.get(), portfolio_vol: r.portfolio_vol.get() })
}
