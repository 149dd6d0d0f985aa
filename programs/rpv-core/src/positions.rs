//! The positions step: the vault's positions mapped onto the risk factors and summed into
//! per-underlying Greeks. What the program's positions step (`refresh` for spot vaults,
//! `update_positions` after `refresh` for vaults with options) does to the risk account.
//!
//! ## Greeks and limits
//! Per underlying `u`, in base units: net dollar delta `Σ Δ·S·q` (a spot holding contributes
//! its value), dollar gamma `Σ Γ·S²·q` and vega `Σ vega·q` (per 1.00 of vol), over the positions
//! in the model. Limits are multiples of NAV (0 = none). An action that would leave a Greek
//! beyond its limit **and** further from zero than before is refused (`GreekLimitExceeded`):
//! a breached limit can only be brought back, never pushed further.

use crate::{
    error::CoreResult,
    exposure::OptionLoads,
    fixed_point::{add, div, mul, packed_index, sub, Fx},
    fmath::sqrt,
    layout::{FxBits, RiskState, VaultState, MAX_ASSETS, MAX_N},
    math::{value_in_base, Rounding},
    price::OraclePrice,
    risk_account,
    valuation::{fx_value_in_base, mark_inputs, option_mark, price_to_fx},
    CoreError,
};

/// Options whose elasticity `ΔS/V` exceeds this are left out of the risk model (a nearly
/// worthless series: its risk per unit of capital is not meaningfully estimated).
pub const MAX_ELASTICITY: i32 = 1_000;
const MAX_ELASTICITY_FX: Fx = Fx::from_bits((MAX_ELASTICITY as i128) << 48);
/// What the positions step found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionsOutcome {
    /// NAV at the sampled prices, rounded down.
    pub nav: u64,
    /// Slots in the risk model.
    pub included_mask: u32,
    /// Underlyings beyond a Greek limit.
    pub breach_mask: u16,
    /// Accepted risk-budget weights this step dropped for inverse-vol ones, and why.
    pub weights_dropped: Option<risk_account::WeightsDropped>,
}

/// The marking half of the positions step, run by `refresh` with the prices it has just read
/// (`prices[i]` for slot `i`, also stored in `r.sampled`): per slot, its factor, its mark (an
/// option's lower bound per whole token; spot slots are valued from the sampled price), and
/// for positions in the model their exposures per unit of value. Returns the mask of positions
/// in the model.
pub fn mark_positions(v: &VaultState, r: &mut RiskState, prices: &[OraclePrice], now: i64) -> CoreResult<u32> {
    let n = v.active_assets().len();
    if prices.len() < n {
        return Err(CoreError::MathDomain);
    }
    let mut mask = 0u32;
    for i in 0..MAX_ASSETS {
        let (mut l, mut g, mut nu, mut vr, mut mark) = (Fx::ZERO, Fx::ZERO, Fx::ZERO, Fx::ZERO, Fx::ZERO);
        let mut factor = i as u8;
        if i < n {
            let a = &v.assets[i];
            if !a.option.is_option() {
                l = Fx::ONE;
                mask |= 1 << i;
            } else {
                factor = a.option.underlying;
                let (spot, sigma) = mark_inputs(v, i, &prices[..n], now)?;
                let m = option_mark(&a.option, spot, sigma, v.option_rate.get(), now)?;
                mark = m.low;
                if let Some(gr) = m.greeks.filter(|gr| gr.price > 0) {
                    let x = OptionLoads::of(&gr, spot, sigma)?;
                    if x.elasticity.abs() <= MAX_ELASTICITY_FX {
                        (l, g, nu, vr) = (x.elasticity, x.convexity, x.vol_elasticity, x.vega_ratio);
                        mask |= 1 << i;
                    }
                }
            }
        }
        r.factor[i] = factor;
        r.mark[i] = FxBits::from_fx(mark);
        r.elasticity[i] = FxBits::from_fx(l);
        r.convexity[i] = FxBits::from_fx(g);
        r.vol_elasticity[i] = FxBits::from_fx(nu);
        r.vega_ratio[i] = FxBits::from_fx(vr);
    }
    r.included_mask = mask;
    r.marked_at = now;
    Ok(mask)
}

/// The allocating half of the positions step (after [`mark_positions`] on the same sample):
/// the NAV snapshot from the sampled prices and stored marks, the implied-vol blend, the
/// weights, σ_p, L and the targets ([`risk_account::update_targets`]), and the per-underlying Greeks
/// against their limits. For a vault without option series this is exactly the spot model
/// (weights on the factor covariance).
pub fn update_positions(v: &VaultState, r: &mut RiskState, now: i64) -> CoreResult<PositionsOutcome> {
    let n = v.active_assets().len();
    let mut prices = [OraclePrice::ZERO; MAX_ASSETS];
    for i in 0..n {
        prices[i] = r.sampled[i].get();
    }
    let options = v.has_options();
    let mask = r.included_mask;
    let mut vals = [0u64; MAX_ASSETS];
    let mut nav = v.base_quantity;
    for i in 0..n {
        let a = &v.assets[i];
        vals[i] = if a.option.is_option() {
            fx_value_in_base(a.quantity, r.mark[i].get(), a.decimals, v.base_decimals, Rounding::Down)?
        } else {
            value_in_base(a.quantity, &prices[i], a.decimals, v.base_decimals, Rounding::Down)?
        };
        nav = nav.checked_add(vals[i]).ok_or(CoreError::MathOverflow)?;
    }
    for i in 0..MAX_ASSETS {
        r.vol_scale[i] = FxBits::from_fx(Fx::ONE);
    }
    // forward-looking vol: blend each underlying's realised vol with the implied vol of its
    // first option series in the model
    let beta = r.iv_blend.get();
    if options && beta > 0 {
        for u in 0..n {
            if v.assets[u].option.is_option() {
                continue;
            }
            let reference = (0..n)
                .find(|&j| mask & (1 << j) != 0 && v.assets[j].option.is_option() && usize::from(r.factor[j]) == u);
            if let Some(j) = reference {
                let realised = sqrt(r.cov[packed_index(u, u)].get())?;
                if realised > 0 {
                    let implied = price_to_fx(&prices[j])?;
                    let s = add(sub(Fx::ONE, beta)?, mul(beta, div(implied, realised)?)?)?;
                    r.vol_scale[u] = FxBits::from_fx(s);
                }
            }
        }
    }
    r.positions_model = u8::from(options);
    let mut budgets = [0u64; MAX_N];
    let nb = v.budgets_ppb(&mut budgets);
    let weights_dropped = risk_account::update_targets(r, &budgets[..nb], nav, now)?;

    // Greeks per underlying, and the limits
    let mut delta = [Fx::ZERO; MAX_ASSETS];
    let mut gamma = [Fx::ZERO; MAX_ASSETS];
    let mut vega = [Fx::ZERO; MAX_ASSETS];
    for i in 0..n {
        if mask & (1 << i) == 0 || vals[i] == 0 {
            continue;
        }
        let p = Fx::from_num(vals[i]);
        let u = usize::from(r.factor[i]);
        if u == i {
            // spot: dollar delta is the value
            delta[u] = add(delta[u], p)?;
            continue;
        }
        delta[u] = add(delta[u], mul(r.elasticity[i].get(), p)?)?;
        gamma[u] = add(gamma[u], mul(r.convexity[i].get(), p)?)?;
        vega[u] = add(vega[u], mul(r.vega_ratio[i].get(), p)?)?;
    }
    let mut breach = 0u16;
    let bounds = greek_bounds(r, nav)?;
    for u in 0..MAX_ASSETS {
        r.net_delta[u] = FxBits::from_fx(delta[u]);
        r.net_gamma[u] = FxBits::from_fx(gamma[u]);
        r.net_vega[u] = FxBits::from_fx(vega[u]);
        let g = [delta[u], gamma[u], vega[u]];
        if (0..3).any(|k| bounds[k].is_some_and(|b| g[k].abs() > b)) {
            breach |= 1 << u;
        }
    }
    r.greek_breach_mask = breach;
    r.positions_at = now;
    Ok(PositionsOutcome { nav, included_mask: mask, breach_mask: breach, weights_dropped })
}

/// The Greek limits at `nav` in base units (`None` = no limit): net delta, gamma, vega.
pub fn greek_bounds(r: &RiskState, nav: u64) -> CoreResult<[Option<Fx>; 3]> {
    let nav = Fx::from_num(nav);
    let mut out = [None; 3];
    for (o, lim) in out.iter_mut().zip([r.max_delta.get(), r.max_gamma.get(), r.max_vega.get()]) {
        if lim > 0 {
            *o = Some(mul(lim, nav)?);
        }
    }
    Ok(out)
}

/// The Greek-limit rule for an action that changes the Greeks of one underlying from `before`
/// to `after` and leaves NAV at `nav_after`: refused (`GreekLimitExceeded`) when a Greek ends
/// beyond its limit and further from zero than it was.
pub fn check_greek_move(r: &RiskState, before: [Fx; 3], after: [Fx; 3], nav_after: u64) -> CoreResult<()> {
    let bounds = greek_bounds(r, nav_after)?;
    for k in 0..3 {
        if bounds[k].is_some_and(|b| after[k].abs() > b) && after[k].abs() > before[k].abs() {
            return Err(CoreError::GreekLimitExceeded);
        }
    }
    Ok(())
}

/// Adding `value` base units of slot `i` (at its exposures from the last positions step):
/// checks the Greek-limit rule for its underlying at `nav_after` and records the new Greeks.
/// A slot outside the model (or before any positions step) carries no Greeks.
pub fn apply_greek_change(r: &mut RiskState, i: usize, value: u64, nav_after: u64) -> CoreResult<()> {
    apply_greek_value(r, i, Fx::from_num(value), nav_after)
}

/// [`apply_greek_change`] for a signed change of value (negative = slot `i` sold).
pub fn apply_greek_value(r: &mut RiskState, i: usize, value: Fx, nav_after: u64) -> CoreResult<()> {
    if i >= MAX_N || r.included_mask & (1 << i) == 0 || r.positions_at == 0 {
        return Ok(());
    }
    let u = usize::from(r.factor[i]);
    let p = value;
    let before = [r.net_delta[u].get(), r.net_gamma[u].get(), r.net_vega[u].get()];
    let after = [
        add(before[0], mul(r.elasticity[i].get(), p)?)?,
        add(before[1], mul(r.convexity[i].get(), p)?)?,
        add(before[2], mul(r.vega_ratio[i].get(), p)?)?,
    ];
    check_greek_move(r, before, after, nav_after)?;
    r.net_delta[u] = FxBits::from_fx(after[0]);
    r.net_gamma[u] = FxBits::from_fx(after[1]);
    r.net_vega[u] = FxBits::from_fx(after[2]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{OptionTerms, KIND_CALL, KIND_PUT};
    use crate::{fixed_point::SECONDS_PER_YEAR, valuation::*};
    use bytemuck::Zeroable;
    use proptest::prelude::*;

    fn fx(x: f64) -> Fx {
        Fx::from_num(x)
    }

    fn terms(kind: u8, strike: f64, size: f64, expiry: i64) -> OptionTerms {
        OptionTerms {
            kind,
            strike: FxBits::from_fx(fx(strike)),
            contract_size: FxBits::from_fx(fx(size)),
            expiry,
            ..OptionTerms::zeroed()
        }
    }

    /// Black–Scholes price in f64 (the options module's reference).
    fn bs_f64(call: bool, s: f64, k: f64, v: f64, r: f64, t: f64) -> f64 {
        let kind = if call { crate::options::OptionKind::Call } else { crate::options::OptionKind::Put };
        crate::options::tests::reference(kind, s, k, v, r, t)[0]
    }

    #[test]
    fn years_to_is_exact_integer_division() {
        assert_eq!(years_to(SECONDS_PER_YEAR, 0).unwrap(), Fx::ONE);
        assert_eq!(years_to(10, 10).unwrap(), Fx::ZERO);
        assert_eq!(years_to(0, 1), Err(CoreError::MathDomain));
        let t = years_to(86_400, 0).unwrap().to_num::<f64>();
        assert!((t - 1.0 / 365.0).abs() < 1e-14);
        // regression (fuzz target fixed_math): `expiry − now` beyond i64 used to panic
        let secs = i64::MAX as u128 + 2;
        let want = Fx::from_bits(((secs << 48) / SECONDS_PER_YEAR as u128) as i128);
        assert_eq!(years_to(i64::MAX, -2), Ok(want));
        assert_eq!(years_to(i64::MIN, 1), Err(CoreError::MathDomain));
        assert_eq!(years_to(i64::MIN, i64::MAX), Err(CoreError::MathDomain));
    }

    #[test]
    fn price_to_fx_and_value_in_base_known_answers() {
        let p = OraclePrice { price: 15_000_000_000, conf: 0, expo: -8, publish_time: 0 };
        assert_eq!(price_to_fx(&p).unwrap(), fx(150.0));
        let p = OraclePrice { price: 65, conf: 0, expo: -2, publish_time: 0 };
        assert!((price_to_fx(&p).unwrap().to_num::<f64>() - 0.65).abs() < 1e-14);
        // 2.5 tokens (6 decimals) at 1.5 base currency each, base 6 decimals: 3.75 = 3_750_000
        assert_eq!(fx_value_in_base(2_500_000, fx(1.5), 6, 6, Rounding::Down).unwrap(), 3_750_000);
        // 1 smallest unit of a 9-decimal token at 1/3: a fraction of a base unit
        let third = Fx::ONE / 3;
        assert_eq!(fx_value_in_base(1, third, 9, 6, Rounding::Down).unwrap(), 0);
        assert_eq!(fx_value_in_base(1, third, 9, 6, Rounding::Up).unwrap(), 1);
        assert_eq!(fx_value_in_base(0, third, 9, 6, Rounding::Up).unwrap(), 0);
        assert_eq!(fx_value_in_base(u64::MAX, fx(1e9), 0, 6, Rounding::Down), Err(CoreError::MathOverflow));
    }

    #[test]
    fn marks_inside_the_domain_are_black_scholes_times_the_contract_size() {
        let t = terms(KIND_CALL, 100.0, 0.5, 30 * 86_400);
        let m = option_mark(&t, fx(105.0), fx(0.6), fx(0.03), 0).unwrap();
        let g = m.greeks.unwrap();
        assert_eq!(m.low, m.high);
        assert_eq!(m.low, mul(g.price, fx(0.5)).unwrap());
        let want = bs_f64(true, 105.0, 100.0, 0.6, 0.03, 30.0 / 365.0) * 0.5;
        assert!((m.low.to_num::<f64>() - want).abs() < 1e-9, "{} vs {want}", m.low);
    }

    #[test]
    fn expired_and_settled_marks() {
        let mut t = terms(KIND_PUT, 100.0, 2.0, 1_000);
        let m = option_mark(&t, fx(90.0), Fx::ZERO, Fx::ZERO, 1_000).unwrap();
        assert_eq!((m.low, m.high, m.greeks), (fx(20.0), fx(20.0), None));
        t.settled = 1;
        t.settlement_value = FxBits::from_fx(fx(7.0));
        let m = option_mark(&t, fx(1.0), Fx::ZERO, Fx::ZERO, 5_000).unwrap();
        assert_eq!((m.low, m.high), (fx(7.0), fx(7.0)));
        assert_eq!(settlement_value(&terms(KIND_CALL, 100.0, 3.0, 0), fx(112.5)).unwrap(), fx(37.5));
        assert_eq!(settlement_value(&terms(KIND_CALL, 100.0, 3.0, 0), fx(90.0)).unwrap(), Fx::ZERO);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        /// Outside the domain the two bounds bracket the true (f64) Black–Scholes value.
        #[test]
        fn bounds_outside_the_domain_bracket_black_scholes(
            call in any::<bool>(),
            secs in 60i64..3_600,
            moneyness in prop_oneof![0.05f64..0.2, 5.0f64..20.0, 0.8f64..1.25],
            vol in 0.05f64..3.0,
            rate in -0.1f64..0.5,
        ) {
            let k = 100.0;
            let s = k * moneyness;
            let t = terms(if call { KIND_CALL } else { KIND_PUT }, k, 1.0, secs);
            let m = option_mark(&t, fx(s), fx(vol), fx(rate), 0).unwrap();
            prop_assert!(m.greeks.is_none());
            let years = secs as f64 / SECONDS_PER_YEAR as f64;
            let v = bs_f64(call, s, k, vol, rate, years);
            let tol = 1e-9 * s.max(k);
            prop_assert!(m.low.to_num::<f64>() <= v + tol, "low {} > {v}", m.low);
            prop_assert!(m.high.to_num::<f64>() >= v - tol, "high {} < {v}", m.high);
        }
    }

    #[test]
    fn the_greek_limit_rule_refuses_only_pushing_a_breach_further() {
        let mut r = RiskState::zeroed();
        r.max_delta = FxBits::from_fx(fx(1.0));
        let nav = 1_000u64;
        let ok = |r: &RiskState, b: f64, a: f64| {
            check_greek_move(r, [fx(b), Fx::ZERO, Fx::ZERO], [fx(a), Fx::ZERO, Fx::ZERO], nav)
        };
        assert_eq!(ok(&r, 0.0, 900.0), Ok(()));
        assert_eq!(ok(&r, 0.0, 1_001.0), Err(CoreError::GreekLimitExceeded));
        assert_eq!(ok(&r, 2_000.0, 1_500.0), Ok(()), "back towards the limit");
        assert_eq!(ok(&r, 2_000.0, 2_001.0), Err(CoreError::GreekLimitExceeded));
        assert_eq!(ok(&r, -2_000.0, -2_500.0), Err(CoreError::GreekLimitExceeded));
        r.max_delta = FxBits::default();
        assert_eq!(ok(&r, 0.0, 1e9), Ok(()), "0 = no limit");
    }

    /// For a spot-only vault the positions step is exactly the spot model: the same state as
    /// `risk_account::update_targets` on the NAV of `VaultState::nav`.
    #[test]
    fn spot_vaults_reduce_to_the_spot_model_bit_for_bit() {
        let mut v = VaultState::zeroed();
        v.version = crate::layout::STATE_VERSION;
        v.base_decimals = 6;
        v.base_quantity = 5_000_000;
        v.dead_shares = 1;
        v.num_assets = 2;
        for (i, (q, d)) in [(2_000_000_000u64, 9u8), (30_000_000, 8)].iter().enumerate() {
            v.assets[i].quantity = *q;
            v.assets[i].decimals = *d;
            v.assets[i].risk_budget = 500_000_000;
        }
        let prices = [
            OraclePrice { price: 15_000_000_000, conf: 0, expo: -8, publish_time: 1 },
            OraclePrice { price: 6_000_000_000_000, conf: 0, expo: -8, publish_time: 1 },
        ];
        let mut r = RiskState::zeroed();
        risk_account::init_defaults(&mut r);
        let lp = [risk_account::log_price(&prices[0]).unwrap(), risk_account::log_price(&prices[1]).unwrap()];
        risk_account::record_sample(&mut r, 2, 100, &lp).unwrap();
        let mut reference = r;
        for i in 0..2 {
            r.sampled[i] = crate::layout::SampledPrice::of(&prices[i]);
        }
        mark_positions(&v, &mut r, &prices, 100).unwrap();
        let out = update_positions(&v, &mut r, 100).unwrap();
        let nav = v.nav(|i, _| Ok(prices[i]), 100, Rounding::Down).unwrap();
        risk_account::update_targets(&mut reference, &[500_000_000, 500_000_000], nav, 100).unwrap();
        assert_eq!(out.nav, nav);
        assert_eq!(
            (r.weights, r.targets, r.leverage, r.portfolio_vol),
            (reference.weights, reference.targets, reference.leverage, reference.portfolio_vol)
        );
        assert_eq!(r.net_delta[0].get(), Fx::from_num(300_000_000u64));
    }
}
