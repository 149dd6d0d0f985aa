//! `refresh`: one sample of every oracle into the risk account — the EWMA covariance of the
//! factors, the marks and exposures of every position, and for a vault without option series
//! the positions step in the same call ([`crate::positions`]).

use super::{ensure, no_flash_rebalance, EngineError, EngineResult};
use crate::{
    fixed_point::Fx,
    layout::{RiskState, SampledPrice, VaultState, MAX_N},
    positions::{mark_positions, update_positions},
    price::OraclePrice,
    risk_account::{log_price, record_sample, WeightsDropped},
    CoreError,
};

/// What one refresh did (the `RiskRefreshed` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshSummary {
    pub time: i64,
    /// Seconds since the previous sample (0 for the first).
    pub interval: i64,
    pub samples: u64,
    /// NAV snapshot of the positions step (0 when it is the separate `update_positions`).
    pub nav: u64,
    /// Whether the positions step ran (the risk state is fresh as of `time`).
    pub positions_updated: bool,
    pub leverage: Fx,
    pub portfolio_vol: Fx,
    pub method: u8,
    /// Accepted risk-budget weights the positions step dropped (the `WeightsFellBack` event).
    pub weights_dropped: Option<WeightsDropped>,
}

/// The rules a refresh meets before any oracle is read: no flash rebalance open
/// (`RebalanceInProgress`), the minimum interval since the last sample (`RefreshTooSoon`).
pub fn refresh_gate(v: &VaultState, r: &RiskState, now: i64) -> EngineResult<()> {
    no_flash_rebalance(v)?;
    let interval = if r.samples > 0 { now - r.last_sample_time } else { 0 };
    ensure(r.samples == 0 || interval >= i64::from(r.min_sample_interval), EngineError::RefreshTooSoon)
}

/// `refresh` at `now` with `prices[i]` = the validated oracle value of slot `i` for every slot
/// whose bit is set in `read`; a slot whose own oracle is not read (an expired series,
/// [`crate::valuation::needs_own_oracle`]) keeps its last sampled value (its entry is
/// overwritten with it). Every value read must be newer than the slot's last
/// (`OracleNotNewer`). `prices` holds one entry per registered slot.
pub fn refresh(
    v: &mut VaultState,
    r: &mut RiskState,
    prices: &mut [OraclePrice],
    read: u32,
    now: i64,
) -> EngineResult<RefreshSummary> {
    let n = usize::from(v.num_assets);
    ensure(prices.len() == n, CoreError::MathDomain)?;
    let interval = if r.samples > 0 { now - r.last_sample_time } else { 0 };
    let mut lp = [Fx::ZERO; MAX_N];
    for (i, p) in prices.iter_mut().enumerate() {
        if read & (1 << i) == 0 {
            // an expired series: its implied vol is no longer a factor that moves
            lp[i] = r.log_price[i].get();
            *p = r.sampled[i].get();
        } else {
            ensure(p.publish_time > v.assets[i].last_publish_time, CoreError::OracleNotNewer)?;
            lp[i] = log_price(p)?;
        }
    }
    for (i, p) in prices.iter().enumerate() {
        if p.publish_time > 0 {
            v.assets[i].last_publish_time = p.publish_time;
        }
        r.sampled[i] = SampledPrice::of(p);
    }
    record_sample(r, n, now, &lp[..n])?;
    mark_positions(v, r, prices, now)?;
    let (mut nav, mut weights_dropped) = (0, None);
    let positions_updated = !v.has_options();
    if positions_updated {
        let out = update_positions(v, r, now)?;
        (nav, weights_dropped) = (out.nav, out.weights_dropped);
        v.risk_refreshed_at = now;
        v.fee_snapshot.record(nav);
    }
    v.invariant()?;
    Ok(RefreshSummary {
        time: now,
        interval,
        samples: r.samples,
        nav,
        positions_updated,
        leverage: r.leverage.get(),
        portfolio_vol: r.portfolio_vol.get(),
        method: r.method,
        weights_dropped,
    })
}
