//! The risk model applied to the risk account: what `refresh`, `submit_weights` and
//! `solve_weights` do to a [`RiskState`], as pure functions, so a keeper or test reproduces the
//! program's state bit for bit.

use crate::{
    error::CoreResult,
    fmath::{ln, sqrt, LN_10},
    fx::{Fx, FxBits, MAX_N},
    pyth::OraclePrice,
    risk::{
        budgets_from_ppb, ewma_coefficients, ewma_update, init_row, inverse_vol_weights, leverage, mul, portfolio_vol,
        risk_budget_weights, target_values, verify_risk_budgets, Packed, SolveStats,
    },
    state::{RiskState, METHOD_INVERSE_VOL, METHOD_RISK_BUDGET},
    CoreError,
};

/// `ln(price · 10^expo)` of a validated oracle price.
pub fn log_price(p: &OraclePrice) -> CoreResult<Fx> {
    let m = ln(Fx::checked_from_num(p.price).ok_or(CoreError::MathOverflow)?)?;
    let e = mul(Fx::from_num(p.expo), LN_10)?;
    m.checked_add(e).ok_or(CoreError::MathOverflow)
}

fn packed(r: &RiskState, n: usize) -> Packed<'_> {
    Packed { n, bits: &r.cov }
}

/// Records one sample taken at `now` with log prices `lp[..n]`: returns against the previous
/// sample, the EWMA update, first-sample rows for assets not sampled before.
/// `MathDomain` if `now` does not advance; the caller enforces the minimum interval.
pub fn record_sample(r: &mut RiskState, n: usize, now: i64, lp: &[Fx]) -> CoreResult<()> {
    if n > MAX_N || lp.len() < n {
        return Err(CoreError::MathDomain);
    }
    let mut returns: [Option<Fx>; MAX_N] = [None; MAX_N];
    for i in 0..n {
        if r.sampled_mask & (1 << i) != 0 {
            returns[i] = Some(lp[i].checked_sub(r.log_price[i].get()).ok_or(CoreError::MathOverflow)?);
        }
    }
    if r.samples > 0 && returns[..n].iter().any(Option::is_some) {
        let dt = now - r.last_sample_time;
        let (keep, scale) = ewma_coefficients(dt, r.lambda.get(), r.horizon)?;
        ewma_update(&mut r.cov, n, &returns[..n], keep, scale)?;
    }
    let prior = r.prior_vol.get();
    for i in 0..n {
        if r.sampled_mask & (1 << i) == 0 {
            init_row(&mut r.cov, n, i, prior)?;
            r.sampled_mask |= 1 << i;
        }
        r.log_price[i] = FxBits::from_fx(lp[i]);
    }
    r.last_sample_time = now;
    r.samples += 1;
    Ok(())
}

/// Portfolio volatility, gross exposure and targets for the weights in force (`variance`:
/// `wᵀCw` when the caller already has it).
fn apply(r: &mut RiskState, n: usize, nav: u64, variance: Option<Fx>) -> CoreResult<()> {
    let mut w = [Fx::ZERO; MAX_N];
    for i in 0..n {
        w[i] = r.weights[i].get();
    }
    let vol = match variance {
        Some(q) if q > 0 => sqrt(q)?,
        Some(_) => return Err(CoreError::NotPositiveDefinite),
        None => portfolio_vol(&packed(r, n), &w[..n])?,
    };
    let lev = leverage(r.vol_target.get(), vol, r.max_leverage.get())?;
    let mut t = [0u64; MAX_N];
    target_values(nav, lev, &w[..n], &mut t[..n])?;
    r.portfolio_vol = FxBits::from_fx(vol);
    r.leverage = FxBits::from_fx(lev);
    r.targets = t;
    r.nav_snapshot = nav;
    Ok(())
}

fn store_weights(r: &mut RiskState, n: usize, w: &[Fx], now: i64) {
    r.weights = [FxBits::default(); MAX_N];
    for i in 0..n {
        r.weights[i] = FxBits::from_fx(w[i]);
    }
    r.weights_n = n as u8;
    r.weights_set_at = now;
}

/// After a sample: inverse-vol weights (method 0, or method 1 without valid weights for these
/// `n` assets), then σ_p, L and the targets. Nothing to do without assets.
pub fn update_targets(r: &mut RiskState, budgets_ppb: &[u64], nav: u64, now: i64) -> CoreResult<()> {
    let n = budgets_ppb.len();
    if n == 0 {
        r.nav_snapshot = nav;
        return Ok(());
    }
    let keep_submitted = r.method == METHOD_RISK_BUDGET && usize::from(r.weights_n) == n;
    if !keep_submitted {
        let mut b = [Fx::ZERO; MAX_N];
        budgets_from_ppb(budgets_ppb, &mut b[..n])?;
        let mut w = [Fx::ZERO; MAX_N];
        inverse_vol_weights(&packed(r, n), &b[..n], &mut w[..n])?;
        store_weights(r, n, &w[..n], now);
    }
    apply(r, n, nav, None)
}

/// Accepts submitted weights if their risk contributions match the budgets within the
/// configured tolerance under the current covariance; then recomputes L and the targets
/// against the NAV snapshot.
pub fn accept_weights(r: &mut RiskState, budgets_ppb: &[u64], w: &[Fx], now: i64) -> CoreResult<()> {
    let n = budgets_ppb.len();
    if n == 0 || w.len() != n {
        return Err(CoreError::MathDomain);
    }
    let mut b = [Fx::ZERO; MAX_N];
    budgets_from_ppb(budgets_ppb, &mut b[..n])?;
    let q = verify_risk_budgets(&packed(r, n), &b[..n], w, r.rc_tolerance.get())?;
    store_weights(r, n, w, now);
    let nav = r.nav_snapshot;
    apply(r, n, nav, Some(q))
}

/// Solves the risk-budgeting weights in place (coordinate descent to relative tolerance
/// `tol`, at most `max_sweeps` sweeps), stores them and recomputes L and the targets.
pub fn solve_weights(
    r: &mut RiskState,
    budgets_ppb: &[u64],
    tol: Fx,
    max_sweeps: u32,
    now: i64,
) -> CoreResult<SolveStats> {
    let n = budgets_ppb.len();
    if n == 0 {
        return Err(CoreError::MathDomain);
    }
    let mut b = [Fx::ZERO; MAX_N];
    budgets_from_ppb(budgets_ppb, &mut b[..n])?;
    let mut w = [Fx::ZERO; MAX_N];
    let stats = risk_budget_weights(&packed(r, n), &b[..n], &mut w[..n], tol, max_sweeps)?;
    store_weights(r, n, &w[..n], now);
    let nav = r.nav_snapshot;
    apply(r, n, nav, None)?;
    Ok(stats)
}

/// Default parameters of a new risk account.
pub fn init_defaults(r: &mut RiskState) {
    r.lambda = FxBits::from_fx(Fx::from_num(94) / 100); // RiskMetrics' daily λ
    r.horizon = 86_400;
    r.vol_target = FxBits::from_fx(Fx::from_num(15) / 100);
    r.max_leverage = FxBits::from_fx(Fx::ONE);
    r.prior_vol = FxBits::from_fx(Fx::from_num(60) / 100);
    r.rc_tolerance = FxBits::from_fx(Fx::from_num(1) / 10_000);
    r.min_sample_interval = 30;
    r.band_bps = 500;
    r.method = METHOD_INVERSE_VOL;
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    fn px(price: u64) -> OraclePrice {
        OraclePrice { price, conf: 0, expo: -8, publish_time: 0 }
    }

    #[test]
    fn log_price_known_answer() {
        let v = log_price(&px(15_000_000_000)).unwrap().to_num::<f64>();
        assert!((v - 150f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn a_sample_path_moves_weights_and_leverage() {
        let mut r = RiskState::zeroed();
        init_defaults(&mut r);
        let budgets = [500_000_000u64, 500_000_000];
        // first sample: prior vols, equal → weights ½, ½
        record_sample(&mut r, 2, 1_000, &[Fx::from_num(4.6), Fx::from_num(3.0)]).unwrap();
        update_targets(&mut r, &budgets, 1_000_000, 1_000).unwrap();
        assert!((r.weights[0].get() - Fx::from_num(0.5)).abs() < Fx::from_num(1e-12));
        let l0 = r.leverage.get();
        // asset 0 moves a lot for a while: its weight falls, portfolio vol rises, L falls
        let mut t = 1_000;
        for k in 0..20 {
            t += 3_600;
            let bump = if k % 2 == 0 { 0.05 } else { -0.05 };
            let lp0 = r.log_price[0].get() + Fx::from_num(bump);
            let lp1 = r.log_price[1].get() + Fx::from_num(bump / 5.0);
            record_sample(&mut r, 2, t, &[lp0, lp1]).unwrap();
            update_targets(&mut r, &budgets, 1_000_000, t).unwrap();
        }
        assert!(r.weights[0].get() < Fx::from_num(0.5), "the volatile asset lost weight");
        assert!(r.leverage.get() < l0, "exposure fell as volatility rose");
        assert_eq!(r.samples, 21);
        let total: u64 = r.targets[..2].iter().sum();
        assert!(total <= 1_000_000);
    }
}
