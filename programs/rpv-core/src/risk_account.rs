//! The risk model applied to the risk account: what `refresh`, `submit_weights` and
//! `solve_weights` do to a [`RiskState`], as pure functions, so a keeper or test reproduces the
//! program's state bit for bit.

use crate::{
    error::CoreResult,
    exposure::{position_covariance, Exposure, PositionModel},
    fixed_point::{div, mul, Fx, SECONDS_PER_YEAR},
    fmath::{ln, sqrt, LN_10},
    layout::{
        FxBits, RebalanceConfig, RiskState, VaultState, BUDGET_ONE, MAX_N, METHOD_INVERSE_VOL, METHOD_RISK_BUDGET,
    },
    matrix::{Packed, SymMatrix},
    price::OraclePrice,
    risk_parity::{
        budgets_from_ppb, ewma_coefficients, ewma_update, init_row, inverse_vol_weights, leverage, portfolio_vol,
        risk_budget_weights, target_values, verify_risk_budgets, SolveStats,
    },
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

fn store_weights(r: &mut RiskState, n: usize, idx: &[usize], w: &[Fx], now: i64) {
    r.weights = [FxBits::default(); MAX_N];
    for (k, wk) in w.iter().enumerate() {
        r.weights[idx[k]] = FxBits::from_fx(*wk);
    }
    r.weights_n = n as u8;
    r.weights_mask = r.included_mask;
    r.weights_set_at = now;
}

/// After a sample: inverse-vol weights (method 0, or method 1 without valid weights for these
/// positions), then σ_p, L and the targets. Nothing to do without assets.
pub fn update_targets(r: &mut RiskState, budgets_ppb: &[u64], nav: u64, now: i64) -> CoreResult<()> {
    let n = budgets_ppb.len();
    if n == 0 {
        r.nav_snapshot = nav;
        return Ok(());
    }
    let keep_submitted =
        r.method == METHOD_RISK_BUDGET && usize::from(r.weights_n) == n && r.weights_mask == r.included_mask;
    let (m, idx, w, vol) = {
        let bk = book(r, budgets_ppb)?;
        let m = bk.m;
        let mut w = [Fx::ZERO; MAX_N];
        if keep_submitted {
            for k in 0..m {
                w[k] = r.weights[bk.idx[k]].get();
            }
        } else {
            inverse_vol_weights(&bk.view, &bk.b[..m], &mut w[..m])?;
        }
        let vol = vol_of(None, &bk.view, &w[..m])?;
        (m, bk.idx, w, vol)
    };
    if !keep_submitted {
        store_weights(r, n, &idx[..m], &w[..m], now);
    }
    apply(r, &idx[..m], &w[..m], vol, nav)
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
    store_weights(r, n, &idx[..m], &wc[..m], now);
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
    store_weights(r, n, &idx[..m], &w[..m], now);
    let nav = r.nav_snapshot;
    apply(r, &idx[..m], &w[..m], vol, nav)?;
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
    // Greek limits per underlying, multiples of NAV: |net dollar delta| ≤ 2, dollar gamma ≤ 100
    // (a 1 % move then changes delta by at most 1 NAV), |vega| ≤ 1 (a 1-point vol move costs at
    // most 1 % of NAV)
    r.max_delta = FxBits::from_fx(Fx::from_num(2));
    r.max_gamma = FxBits::from_fx(Fx::from_num(100));
    r.max_vega = FxBits::from_fx(Fx::ONE);
    r.rebalance = RebalanceConfig::DEFAULT;
}

/// `set_risk_params`'s parameters in the integer units clients send (ppm, bps, ppb, seconds),
/// and how they are written into the vault and its risk account: the one conversion the
/// program, the SDK and the backtest share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskSettings {
    pub method: u8,
    pub lambda_ppm: u32,
    pub horizon_secs: u32,
    pub vol_target_bps: u32,
    pub max_leverage_bps: u32,
    pub prior_vol_bps: u32,
    pub rc_tolerance_ppb: u32,
    pub min_sample_interval: u32,
    pub max_risk_age: u32,
    pub band_bps: u16,
}

/// `num / den` as stored I80F48.
pub fn ratio(num: u32, den: u32) -> FxBits {
    FxBits::from_fx(Fx::from_num(num) / Fx::from_num(den))
}

impl RiskSettings {
    /// Writes the parameters; a change of method drops the weights in force (they were
    /// accepted under the other method).
    pub fn write(&self, v: &mut VaultState, r: &mut RiskState) {
        if r.method != self.method {
            r.weights_n = 0;
        }
        r.method = self.method;
        r.lambda = ratio(self.lambda_ppm, 1_000_000);
        r.horizon = i64::from(self.horizon_secs);
        r.vol_target = ratio(self.vol_target_bps, 10_000);
        r.max_leverage = ratio(self.max_leverage_bps, 10_000);
        r.prior_vol = ratio(self.prior_vol_bps, 10_000);
        r.rc_tolerance = ratio(self.rc_tolerance_ppb, 1_000_000_000);
        r.min_sample_interval = self.min_sample_interval;
        r.band_bps = self.band_bps;
        v.max_risk_age = self.max_risk_age;
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
