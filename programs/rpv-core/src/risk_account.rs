//! The risk model applied to the risk account: what `refresh`, `submit_weights` and
//! `solve_weights` do to a [`RiskState`], as pure functions, so a keeper or test reproduces the
//! program's state bit for bit.

use crate::{
    error::CoreResult,
    exposure::{position_covariance, Exposure, PositionModel},
    fixed_point::{div, mul, Fx, SECONDS_PER_YEAR},
    fmath::{ln, sqrt, LN_10},
    layout::{FxBits, RiskState, VaultState, BUDGET_ONE, MAX_N, METHOD_RISK_BUDGET},
    matrix::{Packed, SymMatrix},
    price::OraclePrice,
    risk_parity::{
        budgets_from_ppb, ewma_coefficients, ewma_update, init_row, inverse_vol_weights, leverage, portfolio_vol,
        risk_budget_weights, target_values, verify_risk_budgets, SolveStats,
    },
    CoreError,
};
use rpv_interface::{
    units::{BPS, PPB, PPM},
    OptionParams, RebalanceParams, RiskParams, WeightsFallback, DEFAULT_MAX_WEIGHT_SAMPLES,
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

/// The matrix the weights live on: the factor covariance itself (spot vaults), or the position
/// covariance over the positions in the model (vaults with option series).
pub enum View<'a> {
    Plain(Packed<'a>),
    Positions(PositionModel<'a>),
}

impl SymMatrix for View<'_> {
    fn n(&self) -> usize {
        match self {
            View::Plain(c) => c.n(),
            View::Positions(p) => p.n(),
        }
    }
    fn at(&self, i: usize, j: usize) -> Fx {
        match self {
            View::Plain(c) => c.at(i, j),
            View::Positions(p) => p.at(i, j),
        }
    }
    fn diag(&self, i: usize) -> CoreResult<Fx> {
        match self {
            View::Plain(c) => c.diag(i),
            View::Positions(p) => p.diag(i),
        }
    }
    fn mat_vec(&self, w: &[Fx], out: &mut [Fx]) -> CoreResult<()> {
        match self {
            View::Plain(c) => c.mat_vec(w, out),
            View::Positions(p) => p.mat_vec(w, out),
        }
    }
    fn quad(&self, w: &[Fx]) -> CoreResult<Fx> {
        match self {
            View::Plain(c) => c.quad(w),
            View::Positions(p) => p.quad(w),
        }
    }
}

/// The positions the weights are computed for: `m` of the `n` slots (`idx`), their budgets
/// (renormalised over the positions in the model) and the matrix.
pub struct Book<'a> {
    pub view: View<'a>,
    pub m: usize,
    pub idx: [usize; MAX_N],
    pub b: [Fx; MAX_N],
}

/// The exposures the last positions step stored for slot `i`, scaled by the implied-vol blend.
pub fn stored_exposure(r: &RiskState, i: usize) -> CoreResult<Exposure> {
    let u = usize::from(r.factor[i]);
    if u >= MAX_N {
        return Err(CoreError::MathDomain);
    }
    let s = r.vol_scale[u].get();
    if u == i {
        return Ok(Exposure { factor: i, elasticity: s, convexity: Fx::ZERO, vol: None });
    }
    let (l, g) = (r.elasticity[i].get(), r.convexity[i].get());
    let (elasticity, convexity) = if s == Fx::ONE { (l, g) } else { (mul(l, s)?, mul(g, mul(s, s)?)?) };
    Ok(Exposure { factor: u, elasticity, convexity, vol: Some((i, r.vol_elasticity[i].get())) })
}

/// Risk horizon of the gamma term, years (the EWMA horizon).
pub fn gamma_horizon(r: &RiskState) -> CoreResult<Fx> {
    div(Fx::from_num(r.horizon), Fx::from_num(SECONDS_PER_YEAR))
}

/// The book for budgets `budgets_ppb` (one per slot) under the state's model.
pub fn book<'a>(r: &'a RiskState, budgets_ppb: &[u64]) -> CoreResult<Book<'a>> {
    let n = budgets_ppb.len();
    if n == 0 || n > MAX_N {
        return Err(CoreError::MathDomain);
    }
    let mut idx = [0usize; MAX_N];
    let mut b = [Fx::ZERO; MAX_N];
    if r.positions_model == 0 {
        for (i, x) in idx.iter_mut().enumerate() {
            *x = i;
        }
        budgets_from_ppb(budgets_ppb, &mut b[..n])?;
        return Ok(Book { view: View::Plain(packed(r, n)), m: n, idx, b });
    }
    let mut m = 0;
    let mut total = 0u64;
    let mut e = Vec::with_capacity(n);
    for i in 0..n {
        if r.included_mask & (1 << i) != 0 {
            idx[m] = i;
            m += 1;
            total = total.checked_add(budgets_ppb[i]).ok_or(CoreError::MathOverflow)?;
            e.push(stored_exposure(r, i)?);
        }
    }
    if m == 0 {
        return Err(CoreError::InvalidBudgets);
    }
    let mut sub_ppb = [0u64; MAX_N];
    for k in 0..m {
        sub_ppb[k] = budgets_ppb[idx[k]];
    }
    if total == BUDGET_ONE {
        budgets_from_ppb(&sub_ppb[..m], &mut b[..m])?;
    } else {
        if sub_ppb[..m].contains(&0) {
            return Err(CoreError::InvalidBudgets);
        }
        let t = Fx::from_num(total);
        for k in 0..m {
            b[k] = div(Fx::from_num(sub_ppb[k]), t)?;
        }
    }
    let view = View::Positions(PositionModel::new(packed(r, n), e, gamma_horizon(r)?)?);
    Ok(Book { view, m, idx, b })
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

/// Gross exposure and targets for compact weights `w` (positions `idx`) at portfolio vol `vol`,
/// written into `r` with the targets expanded to slots.
fn apply(r: &mut RiskState, idx: &[usize], w: &[Fx], vol: Fx, nav: u64) -> CoreResult<()> {
    let lev = leverage(r.vol_target.get(), vol, r.max_leverage.get())?;
    let m = w.len();
    let mut t = [0u64; MAX_N];
    target_values(nav, lev, w, &mut t[..m])?;
    r.targets = [0; MAX_N];
    for k in 0..m {
        r.targets[idx[k]] = t[k];
    }
    r.portfolio_vol = FxBits::from_fx(vol);
    r.leverage = FxBits::from_fx(lev);
    r.nav_snapshot = nav;
    Ok(())
}

fn vol_of(variance: Option<Fx>, view: &View, w: &[Fx]) -> CoreResult<Fx> {
    match variance {
        Some(q) if q > 0 => sqrt(q),
        Some(_) => Err(CoreError::NotPositiveDefinite),
        None => portfolio_vol(view, w),
    }
}

fn store_weights(r: &mut RiskState, n: usize, idx: &[usize], w: &[Fx], now: i64, accepted: bool) {
    r.weights = [FxBits::default(); MAX_N];
    for (k, wk) in w.iter().enumerate() {
        r.weights[idx[k]] = FxBits::from_fx(*wk);
    }
    r.weights_n = n as u8;
    r.weights_mask = r.included_mask;
    r.weights_set_at = now;
    r.weights_accepted = u8::from(accepted);
    if accepted {
        r.weights_sample = r.samples;
    }
}

/// The lifetime of accepted weights in force, samples (`RiskParams::max_weight_samples`; an
/// account written before the field stores 0 and gets the default).
pub fn max_weight_samples(r: &RiskState) -> u32 {
    if r.max_weight_samples == 0 {
        DEFAULT_MAX_WEIGHT_SAMPLES
    } else {
        r.max_weight_samples
    }
}

/// Samples recorded since the weights in force were accepted.
pub fn weights_age(r: &RiskState) -> u64 {
    r.samples.saturating_sub(r.weights_sample)
}

/// Whether the next sample expires the accepted weights in force (their age reaches
/// [`max_weight_samples`] there): a keeper resubmits before or right after it.
pub fn weights_expire_at_next_sample(r: &RiskState) -> bool {
    weights_age(r) + 1 >= u64::from(max_weight_samples(r))
}

/// Accepted weights a sample dropped: why, their age in samples and the limit in force (the
/// `WeightsFellBack` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightsDropped {
    pub reason: WeightsFallback,
    pub age_samples: u64,
    pub max_weight_samples: u32,
}

/// Whether the accepted weights in force (method 1) still hold at this sample, on `bk`: the
/// model they were accepted for unchanged, younger than [`max_weight_samples`], and their risk
/// contributions within the RC tolerance of the budgets under the current covariance (the rule
/// that accepted them). `Ok(Ok(q))` with `wᵀCw` and the compact weights in `w`, or why not.
fn recheck(r: &RiskState, bk: &Book, n: usize, w: &mut [Fx]) -> CoreResult<Result<Fx, WeightsFallback>> {
    if usize::from(r.weights_n) != n || r.weights_mask != r.included_mask {
        return Ok(Err(WeightsFallback::ModelChanged));
    }
    if weights_age(r) >= u64::from(max_weight_samples(r)) {
        return Ok(Err(WeightsFallback::Expired));
    }
    for k in 0..bk.m {
        w[k] = r.weights[bk.idx[k]].get();
    }
    match verify_risk_budgets(&bk.view, &bk.b[..bk.m], &w[..bk.m], r.rc_tolerance.get()) {
        Ok(q) => Ok(Ok(q)),
        Err(CoreError::RiskBudgetMismatch | CoreError::NotPositiveDefinite) => Ok(Err(WeightsFallback::BudgetMismatch)),
        Err(e) => Err(e),
    }
}

/// After a sample: the accepted risk-budget weights while they still hold ([`recheck`]),
/// otherwise inverse-vol weights (method 0, or method 1 without accepted weights, or with
/// weights the sample dropped: returned with the reason); then σ_p, L and the targets. Nothing
/// to do without assets.
pub fn update_targets(
    r: &mut RiskState,
    budgets_ppb: &[u64],
    nav: u64,
    now: i64,
) -> CoreResult<Option<WeightsDropped>> {
    let n = budgets_ppb.len();
    if n == 0 {
        r.nav_snapshot = nav;
        return Ok(None);
    }
    let candidate = r.method == METHOD_RISK_BUDGET && r.weights_accepted != 0;
    let mut dropped = None;
    let (m, idx, w, vol, kept) = {
        let bk = book(r, budgets_ppb)?;
        let m = bk.m;
        let mut w = [Fx::ZERO; MAX_N];
        let mut kept = None;
        if candidate {
            match recheck(r, &bk, n, &mut w)? {
                Ok(q) => kept = Some(vol_of(Some(q), &bk.view, &w[..m])?),
                Err(reason) => {
                    dropped = Some(WeightsDropped {
                        reason,
                        age_samples: weights_age(r),
                        max_weight_samples: max_weight_samples(r),
                    })
                }
            }
        }
        let vol = match kept {
            Some(vol) => vol,
            None => {
                inverse_vol_weights(&bk.view, &bk.b[..m], &mut w[..m])?;
                vol_of(None, &bk.view, &w[..m])?
            }
        };
        (m, bk.idx, w, vol, kept.is_some())
    };
    if !kept {
        store_weights(r, n, &idx[..m], &w[..m], now, false);
    }
    apply(r, &idx[..m], &w[..m], vol, nav)?;
    Ok(dropped)
}

/// Accepts submitted weights (one per slot; zero for slots outside the model) if their risk
/// contributions match the budgets within the configured tolerance under the current model;
/// then recomputes L and the targets against the NAV snapshot.
pub fn accept_weights(r: &mut RiskState, budgets_ppb: &[u64], w: &[Fx], now: i64) -> CoreResult<()> {
    let n = budgets_ppb.len();
    if n == 0 || w.len() != n {
        return Err(CoreError::MathDomain);
    }
    let (m, idx, wc, vol) = {
        let bk = book(r, budgets_ppb)?;
        let m = bk.m;
        let mut wc = [Fx::ZERO; MAX_N];
        let mut k = 0;
        for (i, wi) in w.iter().enumerate() {
            if k < m && bk.idx[k] == i {
                wc[k] = *wi;
                k += 1;
            } else if *wi != 0 {
                return Err(CoreError::RiskBudgetMismatch);
            }
        }
        let q = verify_risk_budgets(&bk.view, &bk.b[..m], &wc[..m], r.rc_tolerance.get())?;
        let vol = vol_of(Some(q), &bk.view, &wc[..m])?;
        (m, bk.idx, wc, vol)
    };
    store_weights(r, n, &idx[..m], &wc[..m], now, true);
    let nav = r.nav_snapshot;
    apply(r, &idx[..m], &wc[..m], vol, nav)
}

/// Solves the risk-budgeting weights in place (coordinate descent to relative tolerance
/// `tol`, at most `max_sweeps` sweeps), stores them and recomputes L and the targets. With
/// option series the position covariance is formed first (small books).
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
    let (m, idx, w, vol, stats) = {
        let bk = book(r, budgets_ppb)?;
        let m = bk.m;
        let mut w = [Fx::ZERO; MAX_N];
        let (stats, vol) = match &bk.view {
            View::Plain(c) => {
                let s = risk_budget_weights(c, &bk.b[..m], &mut w[..m], tol, max_sweeps)?;
                (s, portfolio_vol(c, &w[..m])?)
            }
            View::Positions(p) => {
                let dense = position_covariance(&p.c, &p.e, gamma_horizon(r)?)?;
                let s = risk_budget_weights(&dense, &bk.b[..m], &mut w[..m], tol, max_sweeps)?;
                (s, portfolio_vol(&dense, &w[..m])?)
            }
        };
        (m, bk.idx, w, vol, stats)
    };
    store_weights(r, n, &idx[..m], &w[..m], now, true);
    let nav = r.nav_snapshot;
    apply(r, &idx[..m], &w[..m], vol, nav)?;
    Ok(stats)
}

/// Default parameters of a new risk account: the interface's defaults
/// ([`RiskParams::default`], [`OptionParams::default`], [`RebalanceParams::DEFAULT`]); the
/// vault's own part (maximum risk age, option rate) is set by `initialize_vault`.
pub fn init_defaults(r: &mut RiskState) {
    write_risk_fields(&RiskParams::default(), r);
    write_option_limits(&OptionParams::default(), r);
    r.rebalance = RebalanceParams::DEFAULT;
}

/// `num / den` as stored I80F48.
pub fn ratio(num: u32, den: u32) -> FxBits {
    FxBits::from_fx(Fx::from_num(num) / Fx::from_num(den))
}

/// `bps / 10^4` as stored I80F48 (signed).
fn signed_bps(bps: i64) -> FxBits {
    FxBits::from_fx(Fx::from_num(bps) / Fx::from_num(BPS))
}

/// The integer `x × unit`, rounded to nearest: the exact inverse of [`ratio`] for any value it
/// stored (I80F48 keeps 48 fractional bits, far below half a unit of 10^-9).
fn to_units(x: FxBits, unit: u64) -> i64 {
    (x.get() * Fx::from_num(unit)).round().to_num::<i64>()
}

fn write_risk_fields(p: &RiskParams, r: &mut RiskState) {
    if r.method != p.method {
        // weights accepted under the other method no longer apply
        r.weights_n = 0;
        r.weights_accepted = 0;
    }
    r.method = p.method;
    r.lambda = ratio(p.lambda_ppm, PPM as u32);
    r.horizon = i64::from(p.horizon_secs);
    r.vol_target = ratio(p.vol_target_bps, BPS as u32);
    r.max_leverage = ratio(p.max_leverage_bps, BPS as u32);
    r.prior_vol = ratio(p.prior_vol_bps, BPS as u32);
    r.rc_tolerance = ratio(p.rc_tolerance_ppb, PPB as u32);
    r.min_sample_interval = p.min_sample_interval;
    r.band_bps = p.band_bps;
    r.max_weight_samples = p.max_weight_samples;
}

/// Writes `set_risk_params`'s parameters into the vault and its risk account: the one
/// conversion the program, the SDK and the backtest share. A change of method drops the
/// weights in force.
pub fn write_risk_params(p: &RiskParams, v: &mut VaultState, r: &mut RiskState) {
    write_risk_fields(p, r);
    v.max_risk_age = p.max_risk_age;
}

/// The risk parameters in force, in `set_risk_params`'s units (the inverse of
/// [`write_risk_params`]).
pub fn read_risk_params(v: &VaultState, r: &RiskState) -> RiskParams {
    RiskParams {
        method: r.method,
        lambda_ppm: to_units(r.lambda, PPM) as u32,
        horizon_secs: r.horizon as u32,
        vol_target_bps: to_units(r.vol_target, BPS) as u32,
        max_leverage_bps: to_units(r.max_leverage, BPS) as u32,
        prior_vol_bps: to_units(r.prior_vol, BPS) as u32,
        rc_tolerance_ppb: to_units(r.rc_tolerance, PPB) as u32,
        min_sample_interval: r.min_sample_interval,
        max_risk_age: v.max_risk_age,
        band_bps: r.band_bps,
        max_weight_samples: max_weight_samples(r),
    }
}

fn write_option_limits(p: &OptionParams, r: &mut RiskState) {
    r.iv_blend = signed_bps(p.iv_blend_bps.into());
    r.max_delta = signed_bps(p.max_delta_bps.into());
    r.max_gamma = signed_bps(p.max_gamma_bps.into());
    r.max_vega = signed_bps(p.max_vega_bps.into());
}

/// Writes `set_option_params`'s parameters: the vault's option rate, the risk account's
/// implied-vol blend and Greek limits.
pub fn write_option_params(p: &OptionParams, v: &mut VaultState, r: &mut RiskState) {
    v.option_rate = signed_bps(p.rate_bps.into());
    write_option_limits(p, r);
}

/// The option parameters in force, in `set_option_params`'s units.
pub fn read_option_params(v: &VaultState, r: &RiskState) -> OptionParams {
    OptionParams {
        rate_bps: to_units(v.option_rate, BPS) as i32,
        iv_blend_bps: to_units(r.iv_blend, BPS) as u16,
        max_delta_bps: to_units(r.max_delta, BPS) as u32,
        max_gamma_bps: to_units(r.max_gamma, BPS) as u32,
        max_vega_bps: to_units(r.max_vega, BPS) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    fn px(price: u64) -> OraclePrice {
        OraclePrice { price, conf: 0, expo: -8, publish_time: 0 }
    }

    #[test]
    fn parameters_read_back_exactly_as_written() {
        let mut v = VaultState::zeroed();
        let mut r = RiskState::zeroed();
        init_defaults(&mut r);
        v.max_risk_age = RiskParams::default().max_risk_age;
        assert_eq!(read_risk_params(&v, &r), RiskParams::default());
        assert_eq!(read_option_params(&v, &r), OptionParams::default());
        let p = RiskParams {
            method: 1,
            lambda_ppm: 999_900,
            horizon_secs: 3_600,
            vol_target_bps: 10,
            max_leverage_bps: 40_000,
            prior_vol_bps: 50_000,
            rc_tolerance_ppb: 1,
            min_sample_interval: 86_400,
            max_risk_age: 7 * 86_400,
            band_bps: 1,
            max_weight_samples: 1,
        };
        write_risk_params(&p, &mut v, &mut r);
        assert_eq!(read_risk_params(&v, &r), p);
        let o = OptionParams {
            rate_bps: -1_000,
            iv_blend_bps: 10_000,
            max_delta_bps: 10_000_000,
            max_gamma_bps: 0,
            max_vega_bps: 1,
        };
        write_option_params(&o, &mut v, &mut r);
        assert_eq!(read_option_params(&v, &r), o);
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

    #[test]
    fn accepted_weights_are_rechecked_and_expire_at_later_samples() {
        let mut r = RiskState::zeroed();
        init_defaults(&mut r);
        r.method = METHOD_RISK_BUDGET;
        r.max_weight_samples = 3;
        let budgets = [700_000_000u64, 300_000_000];
        let mut t = 1_000;
        let mut lp = [Fx::from_num(4.6), Fx::from_num(3.0)];
        let sample = |r: &mut RiskState, t: &mut i64, lp: &mut [Fx; 2], moves: [f64; 2]| {
            *t += 3_600;
            lp[0] += Fx::from_num(moves[0]);
            lp[1] += Fx::from_num(moves[1]);
            record_sample(r, 2, *t, &lp[..]).unwrap();
            update_targets(r, &budgets, 1_000_000, *t).unwrap()
        };
        for m in [[0.03, 0.01], [-0.02, 0.015], [0.01, -0.02]] {
            assert_eq!(sample(&mut r, &mut t, &mut lp, m), None, "no accepted weights yet");
        }
        let accept = |r: &mut RiskState, t: i64| {
            solve_weights(r, &budgets, Fx::from_bits(28), 1_000, t).unwrap();
            assert_eq!((r.weights_accepted, r.weights_sample), (1, r.samples));
            r.weights
        };
        let inverse_vol = |r: &RiskState| {
            let bk = book(r, &budgets).unwrap();
            let mut w = [Fx::ZERO; 2];
            inverse_vol_weights(&bk.view, &bk.b[..2], &mut w).unwrap();
            [r.weights[0].get(), r.weights[1].get()] == w
        };
        // calm samples keep them (the covariance only decays), until the third expires them
        let w = accept(&mut r, t);
        for age in 1..3 {
            assert!(!weights_expire_at_next_sample(&r) || age == 3);
            assert_eq!(sample(&mut r, &mut t, &mut lp, [0.0, 0.0]), None);
            assert_eq!((r.weights, weights_age(&r)), (w, age));
        }
        assert!(weights_expire_at_next_sample(&r));
        let d = sample(&mut r, &mut t, &mut lp, [0.0, 0.0]).unwrap();
        assert_eq!(d, WeightsDropped { reason: WeightsFallback::Expired, age_samples: 3, max_weight_samples: 3 });
        assert!(r.weights_accepted == 0 && inverse_vol(&r));
        // inverse-vol weights are recomputed at every sample, never kept as if accepted
        assert_eq!(sample(&mut r, &mut t, &mut lp, [0.05, 0.0]), None);
        assert!(inverse_vol(&r));
        // a regime change: asset 0 swings hard, the weights miss the budgets
        accept(&mut r, t);
        let d = sample(&mut r, &mut t, &mut lp, [0.2, -0.01]).unwrap();
        assert_eq!((d.reason, d.age_samples), (WeightsFallback::BudgetMismatch, 1));
        assert!(r.weights_accepted == 0 && inverse_vol(&r));
        // budgets or assets changed (`set_risk_budgets` clears `weights_n`)
        accept(&mut r, t);
        r.weights_n = 0;
        let d = sample(&mut r, &mut t, &mut lp, [0.0, 0.0]).unwrap();
        assert_eq!(d.reason, WeightsFallback::ModelChanged);
        // a change of method drops them too, and reads back the lifetime written
        accept(&mut r, t);
        let mut v = VaultState::zeroed();
        let p = RiskParams { method: 0, max_weight_samples: 7, ..RiskParams::default() };
        write_risk_params(&p, &mut v, &mut r);
        assert_eq!((r.weights_accepted, read_risk_params(&v, &r).max_weight_samples), (0, 7));
        // an account from before the field: the default lifetime
        r.max_weight_samples = 0;
        assert_eq!(max_weight_samples(&r), DEFAULT_MAX_WEIGHT_SAMPLES);
    }
}
