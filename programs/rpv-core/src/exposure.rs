//! Greek-aware position risk: every position mapped onto the factors (underlying prices and, for
//! options, their implied vols), and the covariance of position returns per unit of capital.
//!
//! A position's return per unit of its value, for factor log-moves `r` over a horizon `h`
//! (years), is approximated to second order (delta–gamma–vega):
//!
//! `R_j ≈ λ_j r_{u(j)} + ½ g_j r_{u(j)}² + ν_j r_{v(j)}`
//!
//! - spot: `λ = 1`, `g = 0`, no vol factor;
//! - option with value `V`, Greeks from [`crate::options`]: elasticity `λ = Δ·S/V`, convexity
//!   `g = Γ·S²/V`, vol elasticity `ν = vega·σ/V` (per unit log change of σ, on the IV factor).
//!
//! With `C` the **annualised** factor covariance (as `refresh` maintains it) and jointly normal
//! factor moves, `Cov(r_a, r_b) = C_ab·h`, `Cov(r_a², r_b²) = 2(C_ab·h)²` and the odd cross terms
//! vanish, so the position covariance over `h`, divided by `h` to annualise, is
//!
//! `Σ_jk = λ_j λ_k C_{u_j u_k} + λ_j ν_k C_{u_j v_k} + ν_j λ_k C_{v_j u_k} + ν_j ν_k C_{v_j v_k}
//!        + ½ g_j g_k C_{u_j u_k}² · h`.
//!
//! The gamma term grows with the horizon (its variance scales as `h²`): `h` is the risk horizon,
//! a parameter. A high-gamma, high-elasticity option therefore shows more risk per unit of
//! capital and, for the same risk budget, receives less capital — the seeds' claim, made exact.

use crate::{
    error::CoreResult,
    fixed_point::{add, div, mul, Fx},
    layout::MAX_N,
    matrix::{Dense, Packed, SymMatrix},
    options::Greeks,
    CoreError,
};

/// How one position loads on the factors, per unit of its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// Index of the underlying's price factor.
    pub factor: usize,
    /// `λ = Δ·S/V` (1 for spot).
    pub elasticity: Fx,
    /// `g = Γ·S²/V` (0 for spot).
    pub convexity: Fx,
    /// Implied-vol factor and `ν = vega·σ/V`, for options whose IV is sampled.
    pub vol: Option<(usize, Fx)>,
}

impl Exposure {
    pub fn spot(factor: usize) -> Self {
        Self { factor, elasticity: Fx::ONE, convexity: Fx::ZERO, vol: None }
    }

    /// An option position from its Black–Scholes value and Greeks at spot `spot` and implied vol
    /// `sigma`; `vol_factor` is the index of its IV factor, if sampled. `ZeroVariance` for an
    /// option without value (nothing to allocate against).
    pub fn option(g: &Greeks, spot: Fx, sigma: Fx, factor: usize, vol_factor: Option<usize>) -> CoreResult<Self> {
        let l = OptionLoads::of(g, spot, sigma)?;
        Ok(Self {
            factor,
            elasticity: l.elasticity,
            convexity: l.convexity,
            vol: vol_factor.map(|k| (k, l.vol_elasticity)),
        })
    }
}

/// An option's loads per unit of its value `V` (one division, shared): elasticity `Δ·S/V`,
/// convexity `Γ·S²/V`, vol elasticity `vega·σ/V` and `vega/V` (per 1.00 of vol).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionLoads {
    pub elasticity: Fx,
    pub convexity: Fx,
    pub vol_elasticity: Fx,
    pub vega_ratio: Fx,
}

impl OptionLoads {
    /// `ZeroVariance` for an option without value.
    pub fn of(g: &Greeks, spot: Fx, sigma: Fx) -> CoreResult<Self> {
        if g.price <= 0 {
            return Err(CoreError::ZeroVariance);
        }
        let inv_v = div(Fx::ONE, g.price)?;
        Ok(Self {
            elasticity: mul(mul(g.delta, spot)?, inv_v)?,
            convexity: mul(mul(mul(g.gamma, spot)?, spot)?, inv_v)?,
            vol_elasticity: mul(mul(g.vega, sigma)?, inv_v)?,
            vega_ratio: mul(g.vega, inv_v)?,
        })
    }
}

/// Entry `(a, b)` of the position covariance (module doc) over factor covariance `c`.
fn entry<M: SymMatrix + ?Sized>(c: &M, a: &Exposure, b: &Exposure, half_h: Fx) -> CoreResult<Fx> {
    let nf = c.n();
    let in_range = |k: usize| if k < nf { Ok(k) } else { Err(CoreError::MathDomain) };
    let (u, w) = (in_range(a.factor)?, in_range(b.factor)?);
    let cuw = c.at(u, w);
    let mut s = mul(mul(a.elasticity, b.elasticity)?, cuw)?;
    if let Some((v, nu)) = b.vol {
        s = add(s, mul(mul(a.elasticity, nu)?, c.at(u, in_range(v)?))?)?;
    }
    if let Some((v, nu)) = a.vol {
        s = add(s, mul(mul(nu, b.elasticity)?, c.at(in_range(v)?, w))?)?;
        if let Some((v2, nu2)) = b.vol {
            s = add(s, mul(mul(nu, nu2)?, c.at(v, in_range(v2)?))?)?;
        }
    }
    if a.convexity != 0 && b.convexity != 0 {
        let gg = mul(a.convexity, b.convexity)?;
        s = add(s, mul(mul(gg, mul(cuw, cuw)?)?, half_h)?)?;
    }
    Ok(s)
}

/// The annualised covariance of position returns (module doc), `n × n` for `n` exposures, over
/// factor covariance `c` with risk horizon `horizon_years` for the gamma term.
pub fn position_covariance<M: SymMatrix + ?Sized>(c: &M, e: &[Exposure], horizon_years: Fx) -> CoreResult<Dense> {
    let n = e.len();
    if n == 0 || n > MAX_N || horizon_years <= 0 {
        return Err(CoreError::MathDomain);
    }
    let half_h = mul(horizon_years, Fx::from_num(0.5))?;
    let mut rows = vec![vec![Fx::ZERO; n]; n];
    for j in 0..n {
        for k in j..n {
            let s = entry(c, &e[j], &e[k], half_h)?;
            rows[j][k] = s;
            rows[k][j] = s;
        }
    }
    Ok(Dense { rows })
}

/// The position covariance as an operator, never formed: `Σw`, `wᵀΣw` and `diag Σ` are
/// evaluated through the factors (`x = Eᵀw`, `y = Cx`, and the gamma term on the underlyings
/// that carry convexity), so their cost is that of the factor covariance plus O(positions).
/// Equal to [`position_covariance`] up to rounding (a test bounds the difference).
pub struct PositionModel<'a> {
    /// Factor covariance (annualised).
    pub c: Packed<'a>,
    /// One exposure per position.
    pub e: Vec<Exposure>,
    /// Half the risk horizon, years.
    pub half_h: Fx,
}

impl<'a> PositionModel<'a> {
    pub fn new(c: Packed<'a>, e: Vec<Exposure>, horizon_years: Fx) -> CoreResult<Self> {
        if e.is_empty() || e.len() > MAX_N || horizon_years <= 0 {
            return Err(CoreError::MathDomain);
        }
        for x in &e {
            let vol_ok = x.vol.map_or(true, |(v, _)| v < c.n);
            if x.factor >= c.n || !vol_ok {
                return Err(CoreError::MathDomain);
            }
        }
        Ok(Self { c, e, half_h: mul(horizon_years, Fx::from_num(0.5))? })
    }

    /// `x = Eᵀw` on the factors and `G`, the convexity-weighted weights per underlying.
    fn factor_loads(&self, w: &[Fx], x: &mut [Fx; MAX_N], g: &mut [Fx; MAX_N]) -> CoreResult<bool> {
        let mut any_gamma = false;
        for (e, wj) in self.e.iter().zip(w) {
            x[e.factor] = add(x[e.factor], mul(*wj, e.elasticity)?)?;
            if let Some((v, nu)) = e.vol {
                x[v] = add(x[v], mul(*wj, nu)?)?;
            }
            if e.convexity != 0 {
                g[e.factor] = add(g[e.factor], mul(*wj, e.convexity)?)?;
                any_gamma = true;
            }
        }
        Ok(any_gamma)
    }
}

impl SymMatrix for PositionModel<'_> {
    fn n(&self) -> usize {
        self.e.len()
    }

    fn at(&self, i: usize, j: usize) -> Fx {
        // the factor indices were checked in `new`; products of checked exposures of a valid
        // model stay in range, and an overflow here would be caught by the Cholesky check
        entry(&self.c, &self.e[i], &self.e[j], self.half_h).unwrap_or(Fx::MAX)
    }

    fn diag(&self, i: usize) -> CoreResult<Fx> {
        entry(&self.c, &self.e[i], &self.e[i], self.half_h)
    }

    fn mat_vec(&self, w: &[Fx], out: &mut [Fx]) -> CoreResult<()> {
        let nf = self.c.n;
        let (mut x, mut g) = ([Fx::ZERO; MAX_N], [Fx::ZERO; MAX_N]);
        let any_gamma = self.factor_loads(w, &mut x, &mut g)?;
        let mut y = [Fx::ZERO; MAX_N];
        self.c.mat_vec(&x[..nf], &mut y[..nf])?;
        // z_u = Σ_f C_uf² G_f, on the underlyings that carry convexity
        let mut z = [Fx::ZERO; MAX_N];
        if any_gamma {
            for u in 0..nf {
                if g[u] == 0 {
                    continue;
                }
                for f in 0..nf {
                    if g[f] != 0 {
                        let cuf = self.c.at(u, f);
                        z[u] = add(z[u], mul(mul(cuf, cuf)?, g[f])?)?;
                    }
                }
            }
        }
        for (j, e) in self.e.iter().enumerate() {
            let mut s = mul(e.elasticity, y[e.factor])?;
            if let Some((v, nu)) = e.vol {
                s = add(s, mul(nu, y[v])?)?;
            }
            if e.convexity != 0 {
                s = add(s, mul(mul(e.convexity, z[e.factor])?, self.half_h)?)?;
            }
            out[j] = s;
        }
        Ok(())
    }

    fn quad(&self, w: &[Fx]) -> CoreResult<Fx> {
        let nf = self.c.n;
        let (mut x, mut g) = ([Fx::ZERO; MAX_N], [Fx::ZERO; MAX_N]);
        let any_gamma = self.factor_loads(w, &mut x, &mut g)?;
        let mut q = self.c.quad(&x[..nf])?;
        if any_gamma {
            // Σ_u G_u (C_uu² G_u + 2 Σ_{f>u} C_uf² G_f): two products per pair
            let mut t = Fx::ZERO;
            for u in 0..nf {
                if g[u] == 0 {
                    continue;
                }
                let mut off = Fx::ZERO;
                for f in u + 1..nf {
                    if g[f] != 0 {
                        let cuf = self.c.at(u, f);
                        off = add(off, mul(mul(cuf, cuf)?, g[f])?)?;
                    }
                }
                let cuu = self.c.at(u, u);
                let row = add(mul(mul(cuu, cuu)?, g[u])?, add(off, off)?)?;
                t = add(t, mul(g[u], row)?)?;
            }
            q = add(q, mul(t, self.half_h)?)?;
        }
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        options::{black_scholes, BsInput, OptionKind},
        risk_parity::{
            check_positive_definite, inverse_vol_weights, reference, risk_budget_weights, risk_contributions,
            verify_risk_budgets,
        },
    };

    fn fx(v: f64) -> Fx {
        Fx::from_num(v)
    }

    fn call(spot: f64, strike: f64, vol: f64, years: f64) -> Greeks {
        black_scholes(&BsInput {
            kind: OptionKind::Call,
            spot: fx(spot),
            strike: fx(strike),
            vol: fx(vol),
            rate: fx(0.03),
            years: fx(years),
        })
        .unwrap()
    }

    /// Factors: price of asset A (σ 60 %), price of B (σ 40 %, ρ 0.3), A's implied vol (σ of
    /// log IV 80 %, ρ −0.4 with A).
    fn factors() -> Dense {
        let c = [[0.36, 0.072, -0.192], [0.072, 0.16, 0.0], [-0.192, 0.0, 0.64]];
        Dense { rows: c.iter().map(|r| r.iter().map(|v| fx(*v)).collect()).collect() }
    }

    #[test]
    fn spot_positions_reproduce_the_factor_covariance() {
        let c = factors();
        let p = position_covariance(&c, &[Exposure::spot(0), Exposure::spot(1)], fx(1.0 / 365.0)).unwrap();
        assert_eq!(p.rows[0][0], c.at(0, 0));
        assert_eq!(p.rows[0][1], c.at(0, 1));
        assert_eq!(p.rows[1][1], c.at(1, 1));
    }

    #[test]
    fn option_exposures_match_their_definitions_and_an_f64_reference() {
        let g = call(100.0, 105.0, 0.6, 0.05);
        let e = Exposure::option(&g, fx(100.0), fx(0.6), 0, Some(2)).unwrap();
        let (v, d, gm, vg) =
            (g.price.to_num::<f64>(), g.delta.to_num::<f64>(), g.gamma.to_num::<f64>(), g.vega.to_num::<f64>());
        assert!((e.elasticity.to_num::<f64>() - d * 100.0 / v).abs() < 1e-9);
        assert!((e.convexity.to_num::<f64>() - gm * 1e4 / v).abs() < 1e-8);
        assert!((e.vol.unwrap().1.to_num::<f64>() - vg * 0.6 / v).abs() < 1e-9);
        // Σ for [spot A, the call] against the formula in f64
        let h = 1.0 / 365.0;
        let p = position_covariance(&factors(), &[Exposure::spot(0), e], fx(h)).unwrap();
        let (l, gg, nu) = (d * 100.0 / v, gm * 1e4 / v, vg * 0.6 / v);
        let want_11 = l * l * 0.36 + 2.0 * l * nu * -0.192 + nu * nu * 0.64 + 0.5 * gg * gg * 0.36 * 0.36 * h;
        let want_01 = l * 0.36 + nu * -0.192;
        assert!(
            (p.rows[1][1].to_num::<f64>() - want_11).abs() < 1e-8 * want_11.max(1.0),
            "{} vs {want_11}",
            p.rows[1][1]
        );
        assert!((p.rows[0][1].to_num::<f64>() - want_01).abs() < 1e-9);
        check_positive_definite(&p).unwrap();
    }

    /// The seeds' claim: for equal risk budgets, the higher-gamma (short-dated, at-the-money)
    /// option receives less capital than the lower-gamma (long-dated) one, and the risk
    /// contributions still equal the budgets.
    #[test]
    fn a_higher_gamma_option_receives_less_capital_for_the_same_budget() {
        let c = factors();
        let short = call(100.0, 100.0, 0.6, 7.0 / 365.0); // one week ATM: high gamma
        let long = call(100.0, 100.0, 0.6, 1.0); // one year ATM: low gamma
        assert!(short.gamma > long.gamma);
        let e = [
            Exposure::spot(1),
            Exposure::option(&short, fx(100.0), fx(0.6), 0, Some(2)).unwrap(),
            Exposure::option(&long, fx(100.0), fx(0.6), 0, Some(2)).unwrap(),
        ];
        assert!(e[1].convexity > e[2].convexity && e[1].elasticity > e[2].elasticity);
        let p = position_covariance(&c, &e, fx(1.0 / 365.0)).unwrap();
        check_positive_definite(&p).unwrap();
        let b = [fx(1.0) / 3, fx(1.0) / 3, fx(1.0) - fx(1.0) / 3 * 2];
        for erc in [false, true] {
            let mut w = [Fx::ZERO; 3];
            if erc {
                risk_budget_weights(&p, &b, &mut w, Fx::from_bits(28), 10_000).unwrap();
            } else {
                inverse_vol_weights(&p, &b, &mut w).unwrap();
            }
            assert!(w[1] < w[2], "erc={erc}: high-gamma weight {} ≥ low-gamma weight {}", w[1], w[2]);
            if erc {
                verify_risk_budgets(&p, &b, &w, fx(1e-9)).unwrap();
                let mut rc = [Fx::ZERO; 3];
                risk_contributions(&p, &w, &mut rc).unwrap();
                for r in rc {
                    assert!((r.to_num::<f64>() - 1.0 / 3.0).abs() < 1e-9);
                }
                // and the same solution as the f64 reference solver on the same matrix
                let pf: Vec<Vec<f64>> = p.rows.iter().map(|r| r.iter().map(|x| x.to_num::<f64>()).collect()).collect();
                let wr = reference::risk_budget(&pf, &[1.0 / 3.0; 3]);
                for i in 0..3 {
                    assert!((w[i].to_num::<f64>() - wr[i]).abs() < 1e-9);
                }
            }
        }
    }

    /// The operator form equals the formed matrix up to rounding: `Σw`, `wᵀΣw`, `diag Σ`.
    #[test]
    fn the_position_model_operator_matches_the_formed_covariance() {
        use crate::{
            fixed_point::packed_index,
            layout::{FxBits, PACKED_LEN},
        };
        let c = factors();
        let mut bits = [FxBits::default(); PACKED_LEN];
        for i in 0..3 {
            for j in i..3 {
                bits[packed_index(i, j)] = FxBits::from_fx(c.at(i, j));
            }
        }
        let short = call(100.0, 100.0, 0.6, 7.0 / 365.0);
        let put = black_scholes(&BsInput {
            kind: OptionKind::Put,
            spot: fx(100.0),
            strike: fx(90.0),
            vol: fx(0.6),
            rate: fx(0.03),
            years: fx(0.25),
        })
        .unwrap();
        let e = vec![
            Exposure::spot(1),
            Exposure::option(&short, fx(100.0), fx(0.6), 0, Some(2)).unwrap(),
            Exposure::option(&put, fx(100.0), fx(0.6), 0, Some(2)).unwrap(),
            Exposure { factor: 1, elasticity: fx(1.2), convexity: Fx::ZERO, vol: None },
        ];
        let h = fx(1.0 / 365.0);
        let dense = position_covariance(&c, &e, h).unwrap();
        let model = PositionModel::new(Packed { n: 3, bits: &bits }, e, h).unwrap();
        let w = [fx(0.4), fx(0.1), fx(0.2), fx(0.3)];
        let (mut a, mut b) = ([Fx::ZERO; 4], [Fx::ZERO; 4]);
        dense.mat_vec(&w, &mut a).unwrap();
        model.mat_vec(&w, &mut b).unwrap();
        for i in 0..4 {
            assert!((a[i] - b[i]).abs() < fx(1e-11), "row {i}: {} vs {}", a[i], b[i]);
            assert_eq!(model.diag(i).unwrap(), dense.at(i, i));
            for j in 0..4 {
                assert_eq!(model.at(i, j), dense.at(i, j));
            }
        }
        let (qa, qb) = (dense.quad(&w).unwrap(), model.quad(&w).unwrap());
        assert!((qa - qb).abs() < fx(1e-11), "{qa} vs {qb}");
        assert!(PositionModel::new(Packed { n: 3, bits: &bits }, vec![Exposure::spot(3)], h).is_err());
    }

    #[test]
    fn degenerate_inputs() {
        let c = factors();
        assert_eq!(position_covariance(&c, &[], fx(0.01)).unwrap_err(), CoreError::MathDomain);
        assert_eq!(position_covariance(&c, &[Exposure::spot(5)], fx(0.01)).unwrap_err(), CoreError::MathDomain);
        assert_eq!(position_covariance(&c, &[Exposure::spot(0)], Fx::ZERO).unwrap_err(), CoreError::MathDomain);
        let worthless = Greeks { price: Fx::ZERO, delta: Fx::ZERO, gamma: Fx::ZERO, vega: Fx::ZERO, theta: Fx::ZERO };
        assert_eq!(Exposure::option(&worthless, fx(1.0), fx(0.5), 0, None), Err(CoreError::ZeroVariance));
    }
}
