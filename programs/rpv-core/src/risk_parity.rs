//! The maths of risk parity, in I80F48 fixed point with checked arithmetic: the EWMA
//! covariance, inverse-volatility and risk-budget weights, volatility targeting.
//!
//! ## Estimator (EWMA covariance with irregular sampling)
//! Sample k is taken at cluster time `t_k` (seconds); `Δt = t_k − t_{k−1}`. For each underlying
//! the log return is `r_i = ln P_i(t_k) − ln P_i(t_{k−1})`. With `λ` the decay per reference
//! horizon `H` seconds (RiskMetrics: λ = 0.94 per day), the weight of the new observation is
//! `α = 1 − λ^(Δt/H)`, and with `y = Δt / (365·86400)` the covariance, **annualised**, updates as
//!
//! `C_ij ← (1 − α) · C_ij + α · r_i r_j / y`.
//!
//! For regular sampling at `H` this is RiskMetrics' estimator scaled to a year; for irregular
//! sampling the decay follows elapsed time rather than the number of samples, and dividing by
//! `y` puts every observation on the same (per-year) scale. It is computed as
//! `C_ij ← (1 − α)·C_ij + s_i s_j` with `s_i = r_i · √(α / y)`: one square root per update and
//! two multiplications per entry. The first sample of an underlying has no return: its row
//! starts at zero with `C_ii = σ₀²` (a configured prior volatility).
//!
//! ## Weights
//! Budgets `b` are positive and sum to 1.
//! - inverse volatility: `w_i ∝ b_i / σ_i`, `σ_i = √C_ii`;
//! - risk budgeting (ERC when all `b_i` are equal): `RC_i = w_i (Cw)_i / wᵀCw = b_i`, solved by
//!   cyclical coordinate descent on `y` (minimise `½ yᵀCy − Σ b_i ln y_i`; each coordinate has the
//!   closed form `y_i = (−a_i + √(a_i² + 4 C_ii b_i)) / (2 C_ii)` with `a_i = Σ_{j≠i} C_ij y_j`),
//!   then `w = y / Σy`; checked by [`verify_risk_budgets`], which needs no division.
//!
//! ## Volatility targeting
//! `σ_p = √(wᵀCw)`, gross exposure `L = min(L_max, σ_target / σ_p)`, target value per asset
//! `L · w_i · NAV`; the rest stays in the base asset.

use crate::{
    error::CoreResult,
    fixed_point::{add, div, mul, packed_index, sub, Fx, SECONDS_PER_YEAR},
    fmath::{exp, ln, sqrt},
    layout::{FxBits, MAX_N, PACKED_LEN},
    matrix::SymMatrix,
    CoreError,
};

/// `2^80 / 10^9`, rounded up: `ppb · 2^48 / 10^9 = (ppb · PPB_TO_FX) >> 32` without a division
/// (ppb < 2^30, so the product stays below 2^101); the result is exact or 1 ulp above.
const PPB_TO_FX: u128 = ((1u128 << 80) + 999_999_999) / 1_000_000_000;

/// Budgets in parts per 10^9 (as the vault stores them) → fixed point; they must be positive
/// and sum to exactly 10^9.
pub fn budgets_from_ppb(ppb: &[u64], out: &mut [Fx]) -> CoreResult<()> {
    let total: u128 = ppb.iter().map(|b| u128::from(*b)).sum();
    if ppb.is_empty() || ppb.contains(&0) || total != 1_000_000_000 {
        return Err(CoreError::InvalidBudgets);
    }
    for (o, b) in out.iter_mut().zip(ppb) {
        *o = Fx::from_bits(((u128::from(*b) * PPB_TO_FX) >> 32) as i128);
    }
    Ok(())
}

/// Checks budgets: each > 0, sum = 1 within `tol`.
pub fn check_budgets(b: &[Fx], tol: Fx) -> CoreResult<()> {
    let mut total = Fx::ZERO;
    for x in b {
        if *x <= 0 {
            return Err(CoreError::InvalidBudgets);
        }
        total = add(total, *x)?;
    }
    if (total - Fx::ONE).abs() > tol {
        return Err(CoreError::InvalidBudgets);
    }
    Ok(())
}

/// EWMA decay for an interval: returns `(1 − α, √(α / y))` for `Δt` seconds, decay `lambda`
/// per `horizon` seconds (see the module doc). For short intervals α is tiny and is never
/// formed on its own: with `x = (Δt/H)·ln λ` and `σ(x) = (1 − eˣ)/(−x)` (≈ 1, computed by series),
/// `α/y = σ(x) · (−ln λ) · (year / H)`, which keeps full relative precision.
pub fn ewma_coefficients(dt: i64, lambda: Fx, horizon: i64) -> CoreResult<(Fx, Fx)> {
    if dt <= 0 || horizon <= 0 || lambda <= 0 || lambda >= 1 {
        return Err(CoreError::MathDomain);
    }
    let ln_lambda = ln(lambda)?;
    let x = mul(div(Fx::from_num(dt), Fx::from_num(horizon))?, ln_lambda)?;
    let (alpha, alpha_per_year) = if x > Fx::from_num(-0.5) {
        let sigma = expm1_ratio(x)?;
        let per_year = mul(sigma, div(mul(-ln_lambda, Fx::from_num(SECONDS_PER_YEAR))?, Fx::from_num(horizon))?)?;
        (mul(-x, sigma)?, per_year)
    } else {
        let alpha = one_minus_exp(x)?;
        (alpha, div(alpha, div(Fx::from_num(dt), Fx::from_num(SECONDS_PER_YEAR))?)?)
    };
    Ok((sub(Fx::ONE, alpha)?, sqrt(alpha_per_year)?))
}

/// `(1 − eˣ)/(−x) = 1 + x/2 · (1 + x/3 · (1 + …))` for `−½ < x ≤ 0` (16 terms: error below
/// 2⁻⁴⁸ there).
fn expm1_ratio(x: Fx) -> CoreResult<Fx> {
    let mut s = Fx::ONE;
    for k in (2..=17u32).rev() {
        s = add(Fx::ONE, div(mul(x, s)?, Fx::from_num(k))?)?;
    }
    Ok(s)
}

/// `1 − eˣ` for `x ≤ 0` (the EWMA weight α), with full relative precision for small `|x|`.
pub fn one_minus_exp(x: Fx) -> CoreResult<Fx> {
    if x > 0 {
        return Err(CoreError::MathDomain);
    }
    if x > Fx::from_num(-0.5) {
        return mul(-x, expm1_ratio(x)?);
    }
    let e = if x < Fx::from_num(-33) { Fx::ZERO } else { exp(x)? };
    sub(Fx::ONE, e)
}

/// One EWMA update of the packed covariance with log returns `r` (entries of underlyings that
/// were not sampled must be passed as `None`: their rows decay but receive no new term).
pub fn ewma_update(cov: &mut [FxBits], n: usize, returns: &[Option<Fx>], keep: Fx, scale: Fx) -> CoreResult<()> {
    if n > MAX_N || returns.len() < n || cov.len() < PACKED_LEN {
        return Err(CoreError::MathDomain);
    }
    let mut s = [Fx::ZERO; MAX_N];
    let mut has = [false; MAX_N];
    for i in 0..n {
        if let Some(r) = returns[i] {
            s[i] = mul(r, scale)?;
            has[i] = true;
        }
    }
    for i in 0..n {
        for j in i..n {
            let k = packed_index(i, j);
            let mut v = mul(keep, cov[k].get())?;
            if has[i] && has[j] {
                v = add(v, mul(s[i], s[j])?)?;
            }
            cov[k].set(v);
        }
    }
    Ok(())
}

/// Starts underlying `i`'s row: zero covariance with the others, variance `σ₀²`.
pub fn init_row(cov: &mut [FxBits], n: usize, i: usize, prior_vol: Fx) -> CoreResult<()> {
    for j in 0..n {
        cov[packed_index(i, j)].set(Fx::ZERO);
    }
    cov[packed_index(i, i)].set(mul(prior_vol, prior_vol)?);
    Ok(())
}

/// `wᵀCw` ([`SymMatrix::quad`]).
pub fn quad_form<M: SymMatrix>(c: &M, w: &[Fx]) -> CoreResult<Fx> {
    c.quad(w)
}

/// Portfolio volatility `√(wᵀCw)`; `NotPositiveDefinite` if `wᵀCw ≤ 0`.
pub fn portfolio_vol<M: SymMatrix>(c: &M, w: &[Fx]) -> CoreResult<Fx> {
    let q = quad_form(c, w)?;
    if q <= 0 {
        return Err(CoreError::NotPositiveDefinite);
    }
    sqrt(q)
}

/// Inverse-volatility weights `w_i = (b_i/σ_i) / Σ_j (b_j/σ_j)`.
pub fn inverse_vol_weights<M: SymMatrix>(c: &M, b: &[Fx], w: &mut [Fx]) -> CoreResult<()> {
    let n = c.n();
    if n == 0 || n > MAX_N || b.len() < n || w.len() < n {
        return Err(CoreError::MathDomain);
    }
    let mut total = Fx::ZERO;
    for i in 0..n {
        let var = c.diag(i)?;
        if var <= 0 {
            return Err(CoreError::ZeroVariance);
        }
        w[i] = div(b[i], sqrt(var)?)?;
        total = add(total, w[i])?;
    }
    let inv = div(Fx::ONE, total)?;
    for x in w.iter_mut().take(n) {
        *x = mul(*x, inv)?;
    }
    Ok(())
}

/// Outcome of the coordinate-descent solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolveStats {
    pub sweeps: u32,
    /// Largest relative coordinate change in the last sweep.
    pub last_change: Fx,
}

/// Changes below this (256 ulps, ≈ 1e-13) are rounding noise, not progress.
const ULP_FLOOR: Fx = Fx::from_bits(256);

/// Relative per-coordinate tolerance of `solve_weights`, the on-chain risk-budget solve
/// (2⁻⁴⁸ · 281,475 ≈ 1e-9); `rpv risk weights` solves with it too, so it prints what the program
/// would store.
pub const ONCHAIN_SOLVE_TOLERANCE: Fx = Fx::from_bits(281_475);
/// How far submitted or solved weights may sum from 1 (2⁻⁴⁸ · 281,475 ≈ 1e-9), whatever the RC
/// tolerance: a solver normalises `w = y / Σy` to within a few ulps, and weights summing above
/// 1 would raise every target, and gross exposure, above `L · NAV` (risk contributions are
/// relative, so the RC check alone cannot see a uniform scale).
pub const WEIGHT_SUM_TOLERANCE: Fx = Fx::from_bits(281_475);
/// Sweeps an off-chain risk-budget solve (the keeper's, the CLI's) may take before `NotConverged`.
pub const OFFCHAIN_MAX_SWEEPS: u32 = 10_000;

/// Risk-budgeting weights by cyclical coordinate descent (after a Cholesky positive-definiteness
/// check); stops when no coordinate moves by
/// more than `tol` (relative) in a sweep, or fails with `NotConverged` after `max_sweeps`.
pub fn risk_budget_weights<M: SymMatrix>(
    c: &M,
    b: &[Fx],
    w: &mut [Fx],
    tol: Fx,
    max_sweeps: u32,
) -> CoreResult<SolveStats> {
    let n = c.n();
    if n == 0 || n > MAX_N || b.len() < n || w.len() < n {
        return Err(CoreError::MathDomain);
    }
    check_positive_definite(c)?;
    // start from inverse-vol (already the answer when correlations are zero)
    inverse_vol_weights(c, b, w)?;
    let mut y = [Fx::ZERO; MAX_N];
    // scale y so that yᵀCy ≈ 1: keeps every quantity near 1 (precision and fast paths)
    let s = portfolio_vol(c, &w[..n])?;
    for i in 0..n {
        y[i] = div(w[i], s)?;
    }
    let four = Fx::from_num(4);
    let two = Fx::from_num(2);
    let mut stats = SolveStats { sweeps: 0, last_change: Fx::MAX };
    while stats.sweeps < max_sweeps {
        stats.sweeps += 1;
        let mut worst = Fx::ZERO;
        let mut moving = false;
        for i in 0..n {
            let cii = c.at(i, i);
            let mut a = Fx::ZERO;
            for j in 0..n {
                if j != i {
                    a = add(a, mul(c.at(i, j), y[j])?)?;
                }
            }
            let disc = add(mul(a, a)?, mul(four, mul(cii, b[i])?)?)?;
            let yi = div(sub(sqrt(disc)?, a)?, mul(two, cii)?)?;
            if yi <= 0 {
                return Err(CoreError::NotPositiveDefinite);
            }
            let diff = (yi - y[i]).abs();
            let change = div(diff, yi)?;
            if change > worst {
                worst = change;
            }
            // converged coordinate: within tol (relative) or within a few ulps (rounding floor)
            if diff > add(mul(tol, yi)?, ULP_FLOOR)? {
                moving = true;
            }
            y[i] = yi;
        }
        stats.last_change = worst;
        if !moving {
            let mut total = Fx::ZERO;
            for v in y.iter().take(n) {
                total = add(total, *v)?;
            }
            for i in 0..n {
                w[i] = div(y[i], total)?;
            }
            return Ok(stats);
        }
    }
    Err(CoreError::NotConverged)
}

/// Risk contributions as fractions of total risk: `RC_i = w_i (Cw)_i / wᵀCw`.
pub fn risk_contributions<M: SymMatrix>(c: &M, w: &[Fx], rc: &mut [Fx]) -> CoreResult<()> {
    let n = c.n();
    let mut cw = [Fx::ZERO; MAX_N];
    c.mat_vec(w, &mut cw)?;
    let mut q = Fx::ZERO;
    for i in 0..n {
        q = add(q, mul(w[i], cw[i])?)?;
    }
    if q <= 0 {
        return Err(CoreError::NotPositiveDefinite);
    }
    for i in 0..n {
        rc[i] = div(mul(w[i], cw[i])?, q)?;
    }
    Ok(())
}

/// Accepts `w` if every weight is positive, they sum to 1 within [`WEIGHT_SUM_TOLERANCE`], and
/// every risk contribution is within `tol` of its budget: `|w_i (Cw)_i − b_i · wᵀCw| ≤
/// tol · wᵀCw` (no division). `RiskBudgetMismatch` otherwise. Returns `wᵀCw`.
pub fn verify_risk_budgets<M: SymMatrix>(c: &M, b: &[Fx], w: &[Fx], tol: Fx) -> CoreResult<Fx> {
    let n = c.n();
    if n == 0 || n > MAX_N || b.len() < n || w.len() < n {
        return Err(CoreError::MathDomain);
    }
    let mut total = Fx::ZERO;
    for x in w.iter().take(n) {
        if *x <= 0 {
            return Err(CoreError::RiskBudgetMismatch);
        }
        total = add(total, *x)?;
    }
    if (total - Fx::ONE).abs() > WEIGHT_SUM_TOLERANCE {
        return Err(CoreError::RiskBudgetMismatch);
    }
    let mut cw = [Fx::ZERO; MAX_N];
    c.mat_vec(w, &mut cw)?;
    let mut q = Fx::ZERO;
    let mut contrib = [Fx::ZERO; MAX_N];
    for i in 0..n {
        contrib[i] = mul(w[i], cw[i])?;
        q = add(q, contrib[i])?;
    }
    if q <= 0 {
        return Err(CoreError::NotPositiveDefinite);
    }
    let bound = mul(tol, q)?;
    for i in 0..n {
        if sub(contrib[i], mul(b[i], q)?)?.abs() > bound {
            return Err(CoreError::RiskBudgetMismatch);
        }
    }
    Ok(q)
}

/// Cholesky factorisation as a positive-definiteness test (O(n³); off-chain and small n).
pub fn check_positive_definite<M: SymMatrix>(c: &M) -> CoreResult<()> {
    let n = c.n();
    let mut l = vec![Fx::ZERO; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = c.at(i, j);
            for k in 0..j {
                s = sub(s, mul(l[i * n + k], l[j * n + k])?)?;
            }
            if i == j {
                if s <= 0 {
                    return Err(CoreError::NotPositiveDefinite);
                }
                l[i * n + i] = sqrt(s)?;
            } else {
                l[i * n + j] = div(s, l[j * n + j])?;
            }
        }
    }
    Ok(())
}

/// Gross exposure `L = min(L_max, σ_target / σ_p)`.
pub fn leverage(target_vol: Fx, portfolio_vol: Fx, max_leverage: Fx) -> CoreResult<Fx> {
    if portfolio_vol <= 0 || target_vol < 0 || max_leverage < 0 {
        return Err(CoreError::MathDomain);
    }
    let l = div(target_vol, portfolio_vol)?;
    Ok(if l > max_leverage { max_leverage } else { l })
}

/// Target value of each asset in base units, `⌊L · w_i · NAV⌋`.
pub fn target_values(nav: u64, lev: Fx, w: &[Fx], out: &mut [u64]) -> CoreResult<()> {
    let nav = Fx::from_num(nav);
    for (o, wi) in out.iter_mut().zip(w) {
        let v = lev.checked_mul(*wi).and_then(|x| x.checked_mul(nav)).ok_or(CoreError::MathOverflow)?;
        *o = v.checked_to_num::<u64>().ok_or(CoreError::MathOverflow)?;
    }
    Ok(())
}

#[cfg(test)]
pub mod reference {
    //! f64 references for the tests.
    pub fn mat_vec(c: &[Vec<f64>], w: &[f64]) -> Vec<f64> {
        c.iter().map(|row| row.iter().zip(w).map(|(a, b)| a * b).sum()).collect()
    }
    pub fn inverse_vol(c: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
        let raw: Vec<f64> = (0..c.len()).map(|i| b[i] / c[i][i].sqrt()).collect();
        let t: f64 = raw.iter().sum();
        raw.iter().map(|x| x / t).collect()
    }
    pub fn risk_budget(c: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
        let n = c.len();
        let mut y: Vec<f64> = inverse_vol(c, b);
        for _ in 0..10_000 {
            let mut worst: f64 = 0.0;
            for i in 0..n {
                let a: f64 = (0..n).filter(|j| *j != i).map(|j| c[i][j] * y[j]).sum();
                let yi = (-a + (a * a + 4.0 * c[i][i] * b[i]).sqrt()) / (2.0 * c[i][i]);
                worst = worst.max(((yi - y[i]) / yi).abs());
                y[i] = yi;
            }
            if worst < 1e-15 {
                break;
            }
        }
        let t: f64 = y.iter().sum();
        y.iter().map(|x| x / t).collect()
    }
    pub fn risk_contributions(c: &[Vec<f64>], w: &[f64]) -> Vec<f64> {
        let cw = mat_vec(c, w);
        let q: f64 = w.iter().zip(&cw).map(|(a, b)| a * b).sum();
        w.iter().zip(&cw).map(|(a, b)| a * b / q).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Dense, Packed};
    use proptest::prelude::*;

    fn fx(v: f64) -> Fx {
        Fx::from_num(v)
    }

    fn dense(c: &[Vec<f64>]) -> Dense {
        Dense { rows: c.iter().map(|r| r.iter().map(|v| fx(*v)).collect()).collect() }
    }

    /// Random SPD covariance: vols in [5 %, 150 %], correlation from a random factor model.
    fn spd(n: usize, seed: &[f64]) -> Vec<Vec<f64>> {
        let vol: Vec<f64> = (0..n).map(|i| 0.05 + 1.45 * seed[i % seed.len()]).collect();
        let load: Vec<f64> = (0..n).map(|i| 2.0 * seed[(i * 7 + 3) % seed.len()] - 1.0).collect();
        let mut c = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                let rho = if i == j { 1.0 } else { 0.8 * load[i] * load[j] };
                c[i][j] = rho * vol[i] * vol[j];
            }
        }
        c
    }

    #[test]
    fn packed_index_is_a_bijection_on_the_upper_triangle() {
        let mut seen = vec![false; PACKED_LEN];
        for i in 0..MAX_N {
            for j in i..MAX_N {
                let k = packed_index(i, j);
                assert!(!seen[k]);
                seen[k] = true;
                assert_eq!(packed_index(j, i), k);
            }
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn fast_paths_agree_with_checked_i80f48() {
        for (a, b) in [(1.5, -2.25), (1e-9, 3.3), (1000.0, 0.001), (-7.0, -7.0), (16000.0, 2.0)] {
            assert_eq!(mul(fx(a), fx(b)).unwrap(), fx(a).checked_mul(fx(b)).unwrap(), "{a}*{b}");
        }
        for (a, b) in [(1.5, -2.25), (1e-9, 3.3), (1000.0, 0.001), (-7.0, 3.0)] {
            let q = div(fx(a), fx(b)).unwrap();
            let r = fx(a).checked_div(fx(b)).unwrap();
            assert!((q - r).abs() <= Fx::DELTA, "{a}/{b}");
        }
        assert_eq!(div(Fx::ONE, Fx::ZERO), Err(CoreError::MathDomain));
    }

    #[test]
    fn known_answer_two_assets() {
        // σ = 20 %, 40 %, ρ = 0.5: inverse vol → 2/3, 1/3; ERC equal budgets with 2 assets is the
        // same as inverse vol whatever the correlation
        let c = vec![vec![0.04, 0.04], vec![0.04, 0.16]];
        let b = [fx(0.5), fx(0.5)];
        let mut w = [Fx::ZERO; 2];
        inverse_vol_weights(&dense(&c), &b, &mut w).unwrap();
        assert!((w[0].to_num::<f64>() - 2.0 / 3.0).abs() < 1e-13);
        let mut e = [Fx::ZERO; 2];
        risk_budget_weights(&dense(&c), &b, &mut e, fx(1e-13), 200).unwrap();
        assert!((e[0].to_num::<f64>() - 2.0 / 3.0).abs() < 1e-12);
        verify_risk_budgets(&dense(&c), &b, &e, fx(1e-9)).unwrap();
        // σ_p² = (4/9)(.04) + 2(2/9)(.04) + (1/9)(.16) = 0.16/3
        let vol = portfolio_vol(&dense(&c), &e).unwrap().to_num::<f64>();
        assert!((vol - (0.16f64 / 3.0).sqrt()).abs() < 1e-12);
        // target 10 %: L = 0.1/0.2667 = 0.375; cap 2
        let l = leverage(fx(0.1), fx(vol), fx(2.0)).unwrap().to_num::<f64>();
        assert!((l - 0.1 / vol).abs() < 1e-12);
        let mut t = [0u64; 2];
        target_values(1_000_000_000, fx(l), &e, &mut t).unwrap();
        assert!((t[0] as f64 - l * 2.0 / 3.0 * 1e9).abs() <= 1.0);
    }

    #[test]
    fn the_weight_sum_has_its_own_tolerance() {
        // a uniform scale leaves every relative risk contribution exact, so only the sum check
        // sees it: refused beyond WEIGHT_SUM_TOLERANCE however loose the RC tolerance
        let c = dense(&[vec![0.04, 0.01], vec![0.01, 0.09]]);
        let b = [fx(0.5), fx(0.5)];
        let mut e = [Fx::ZERO; 2];
        risk_budget_weights(&c, &b, &mut e, fx(1e-13), 200).unwrap();
        let scaled = |k: f64| [e[0] * fx(k), e[1] * fx(k)];
        for loose in [fx(1e-4), fx(0.1)] {
            verify_risk_budgets(&c, &b, &e, loose).unwrap();
            assert_eq!(verify_risk_budgets(&c, &b, &scaled(1.000_001), loose), Err(CoreError::RiskBudgetMismatch));
            assert_eq!(verify_risk_budgets(&c, &b, &scaled(0.999_999), loose), Err(CoreError::RiskBudgetMismatch));
            verify_risk_budgets(&c, &b, &scaled(1.000_000_000_1), loose).unwrap();
        }
        assert!(WEIGHT_SUM_TOLERANCE < fx(1e-8) && WEIGHT_SUM_TOLERANCE > fx(1e-10));
    }

    #[test]
    fn one_minus_exp_is_precise_for_tiny_and_large_arguments() {
        for x in [-1e-9, -7.0 / 86_400.0 * 0.0619, -0.01, -0.49, -0.51, -3.0, -40.0] {
            let q = fx(x); // the input as represented
            let got = one_minus_exp(q).unwrap().to_num::<f64>();
            let want = -(q.to_num::<f64>().exp_m1());
            assert!((got - want).abs() <= 1e-13 * want + 4e-15, "{x}: {got} vs {want}");
        }
        assert_eq!(one_minus_exp(fx(0.1)), Err(CoreError::MathDomain));
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        let c = vec![vec![0.04, 0.0], vec![0.0, 0.0]];
        let mut w = [Fx::ZERO; 2];
        assert_eq!(inverse_vol_weights(&dense(&c), &[fx(0.5), fx(0.5)], &mut w), Err(CoreError::ZeroVariance));
        let not_pd = vec![vec![0.04, 0.09], vec![0.09, 0.04]];
        assert_eq!(check_positive_definite(&dense(&not_pd)), Err(CoreError::NotPositiveDefinite));
        assert_eq!(
            risk_budget_weights(&dense(&not_pd), &[fx(0.5), fx(0.5)], &mut w, fx(1e-12), 100),
            Err(CoreError::NotPositiveDefinite)
        );
        assert_eq!(check_budgets(&[fx(0.5), fx(0.4)], fx(1e-9)), Err(CoreError::InvalidBudgets));
        assert_eq!(check_budgets(&[fx(1.2), fx(-0.2)], fx(1e-9)), Err(CoreError::InvalidBudgets));
        let mut out = [Fx::ZERO; 2];
        assert_eq!(budgets_from_ppb(&[500_000_000, 400_000_000], &mut out), Err(CoreError::InvalidBudgets));
        assert_eq!(budgets_from_ppb(&[1_000_000_000, 0], &mut out), Err(CoreError::InvalidBudgets));
        budgets_from_ppb(&[250_000_000, 750_000_000], &mut out).unwrap();
        assert!((out[1] - fx(0.75)).abs() <= Fx::DELTA);
        // every ppb value converts within 1 ulp of the exact quotient
        for b in [1u64, 7, 333_333_333, 500_000_000, 999_999_999] {
            let exact = ((u128::from(b) << 48) / 1_000_000_000) as i128;
            let mut o = [Fx::ZERO; 2];
            budgets_from_ppb(&[b, 1_000_000_000 - b], &mut o).unwrap();
            assert!((o[0].to_bits() - exact).abs() <= 1, "{b}");
        }
        assert_eq!(leverage(fx(0.1), Fx::ZERO, fx(1.0)), Err(CoreError::MathDomain));
        assert_eq!(ewma_coefficients(0, fx(0.94), 86_400), Err(CoreError::MathDomain));
        assert_eq!(ewma_coefficients(60, fx(1.0), 86_400), Err(CoreError::MathDomain));
    }

    #[test]
    fn ewma_matches_an_f64_reference_on_a_price_path() {
        let n = 3;
        let lambda = 0.94;
        let horizon = 86_400;
        let prior = 0.5;
        let mut cov = vec![FxBits::default(); PACKED_LEN];
        for i in 0..n {
            init_row(&mut cov, n, i, fx(prior)).unwrap();
        }
        let mut c_ref = vec![vec![0.0; n]; n];
        for (i, row) in c_ref.iter_mut().enumerate() {
            row[i] = prior * prior;
        }
        let mut prices = [100.0f64, 20.0, 3.0];
        let dts = [60i64, 3600, 45, 86_400, 600, 7];
        for (k, dt) in dts.iter().enumerate() {
            let new: Vec<f64> =
                prices.iter().enumerate().map(|(i, p)| p * (1.0 + 0.01 * ((k * 3 + i) as f64 - 4.0) / 4.0)).collect();
            let r: Vec<f64> = (0..n).map(|i| (new[i] / prices[i]).ln()).collect();
            let (keep, scale) = ewma_coefficients(*dt, fx(lambda), horizon).unwrap();
            let rs: Vec<Option<Fx>> = r.iter().map(|v| Some(fx(*v))).collect();
            ewma_update(&mut cov, n, &rs, keep, scale).unwrap();
            let alpha = -((*dt as f64 / horizon as f64) * f64::ln(lambda)).exp_m1();
            let y = *dt as f64 / SECONDS_PER_YEAR as f64;
            for i in 0..n {
                for j in 0..n {
                    c_ref[i][j] = (1.0 - alpha) * c_ref[i][j] + alpha * r[i] * r[j] / y;
                }
            }
            prices.copy_from_slice(&new);
        }
        let m = Packed { n, bits: &cov };
        for i in 0..n {
            for j in 0..n {
                let got = m.at(i, j).to_num::<f64>();
                assert!(
                    (got - c_ref[i][j]).abs() <= 1e-10 * c_ref[i][j].abs().max(1.0),
                    "C[{i}][{j}] {got} vs {}",
                    c_ref[i][j]
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Random SPD covariances up to 16×16, random budgets: weights and risk contributions
        /// within 1e-9 of the f64 reference; the verifier accepts the solution and rejects a
        /// perturbed one.
        #[test]
        fn weights_match_f64(n in 1usize..=16, seed in proptest::collection::vec(0.0f64..1.0, 23),
                             braw in proptest::collection::vec(0.2f64..1.0, 16)) {
            let c = spd(n, &seed);
            let bsum: f64 = braw[..n].iter().sum();
            let bf: Vec<f64> = braw[..n].iter().map(|x| x / bsum).collect();
            let mut b: Vec<Fx> = bf.iter().map(|x| fx(*x)).collect();
            // make the fixed-point budgets sum to exactly 1
            let drift = b.iter().fold(Fx::ZERO, |a, x| a + *x) - Fx::ONE;
            b[0] -= drift;
            let m = dense(&c);
            let mut w = vec![Fx::ZERO; n];
            inverse_vol_weights(&m, &b, &mut w).unwrap();
            let wr = reference::inverse_vol(&c, &bf);
            for i in 0..n {
                prop_assert!((w[i].to_num::<f64>() - wr[i]).abs() < 1e-9);
            }
            let mut e = vec![Fx::ZERO; n];
            risk_budget_weights(&m, &b, &mut e, fx(1e-11), 5_000).unwrap();
            let er = reference::risk_budget(&c, &bf);
            let mut rc = vec![Fx::ZERO; n];
            risk_contributions(&m, &e, &mut rc).unwrap();
            let rcr = reference::risk_contributions(&c, &er);
            for i in 0..n {
                prop_assert!((e[i].to_num::<f64>() - er[i]).abs() < 1e-9, "w[{}] {} vs {}", i, e[i], er[i]);
                prop_assert!((rc[i].to_num::<f64>() - rcr[i]).abs() < 1e-9, "rc[{}]", i);
                prop_assert!((rc[i].to_num::<f64>() - bf[i]).abs() < 1e-9, "rc vs budget [{}]", i);
            }
            verify_risk_budgets(&m, &b, &e, fx(1e-9)).unwrap();
            if n >= 2 {
                let mut p = e.clone();
                p[0] += fx(0.01);
                p[1] -= fx(0.01);
                prop_assert_eq!(verify_risk_budgets(&m, &b, &p, fx(1e-6)), Err(CoreError::RiskBudgetMismatch));
            }
            check_positive_definite(&m).unwrap();
        }
    }
}
