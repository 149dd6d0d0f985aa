//! `black_scholes`: `rpv_core::options::black_scholes` on arbitrary `(kind, spot, strike, vol,
//! rate, years)` and `rpv_core::valuation::option_mark` on arbitrary series.
//!
//! Asserted for `black_scholes`:
//! - `Ok` exactly inside the documented domain, `MathDomain` outside; never a panic;
//! - price and Greeks within the module's stated targets against [`reference::black_scholes`]
//!   (`u = 2^-48`): `|ΔV| ≤ 1e-10·S + 2u`, `|Δδ| ≤ 1e-10`, `|Δγ| ≤ 1e-9/S + u`,
//!   `|Δvega|, |Δθ| ≤ 1e-9·S + 2u`, put–call parity `≤ 1e-10·S + 4u`;
//! - no-arbitrage bounds: `max(S − K·e^{−rT}, 0) ≤ C ≤ S`, `max(K·e^{−rT} − S, 0) ≤ P ≤ K·e^{−rT}`
//!   (within the price target); `price, γ, vega ≥ 0`, `δ ∈ [0, 1]` (call) / `[−1, 0]` (put);
//! - as in the module's table: `δ_call − δ_put = 1` and equal γ and vega, exactly.
//!
//! Asserted for `option_mark` (series with positive strike and size, as `add_option` enforces):
//! `low ≤ high`; settled → the recorded value; expired → intrinsic × size; inside the
//! Black–Scholes domain → exactly `black_scholes`'s price × size and its Greeks; outside, up to
//! the 2 years to expiry `add_option` allows → `low ≤ f64 Black–Scholes × size ≤ high` (within
//! the fixed-point rounding of the bounds); no panic anywhere.

use arbitrary::Arbitrary;
use rpv_core::{CoreError, fixed_point::{Fx, SECONDS_PER_YEAR, mul}, layout::{FxBits, OptionTerms, KIND_CALL, KIND_PUT}, options::{black_scholes, intrinsic, BsInput, OptionKind, MONEYNESS_LIMIT, RATE_MAX, RATE_MIN, SPOT_MAX, SPOT_MIN, VOL_MAX, VOL_MIN, YEARS_MAX, YEARS_MIN}, valuation::{option_mark, years_to}};

use crate::{
    fx,
    reference::{self, f, U},
    unit,
};

#[derive(Arbitrary, Debug)]
pub struct Input {
    cases: Vec<Case>,
}

#[derive(Arbitrary, Debug)]
enum Case {
    Bs(BsCase),
    Mark(MarkCase),
}

/// One field: mostly drawn inside its domain from `x`, sometimes its exact ends, an end moved
/// by a few units, or raw bits.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Field {
    pick: u8,
    x: u64,
    raw: i128,
}

impl Field {
    fn get(self, lo: Fx, hi: Fx, inside: impl Fn(f64) -> Fx) -> Fx {
        let noise = i128::from(self.raw as i16);
        match self.pick % 16 {
            0 => Fx::from_bits(self.raw),
            1 => Fx::from_bits(lo.to_bits().saturating_add(noise)),
            2 => Fx::from_bits(hi.to_bits().saturating_add(noise)),
            3 => lo,
            4 => hi,
            _ => inside(unit(self.x)).clamp(lo, hi),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct BsCase {
    call: bool,
    spot: Field,
    strike: Field,
    vol: Field,
    rate: Field,
    years: Field,
}

#[derive(Arbitrary, Debug)]
struct MarkCase {
    kind: u8,
    settled: bool,
    settlement: i128,
    spot: Field,
    strike: Field,
    vol: Field,
    rate: Field,
    size: Field,
    now: i64,
    /// Seconds to expiry (negative: expired); mostly log-uniform up to two years.
    to_expiry: Field,
}

pub fn run(data: &[u8]) {
    if let Some(input) = crate::decode::<Input>(data) {
        for case in input.cases.iter().take(16) {
            match case {
                Case::Bs(c) => check_bs(c),
                Case::Mark(c) => check_mark(c),
            }
        }
    }
}

fn kind_of(call: bool) -> OptionKind {
    if call {
        OptionKind::Call
    } else {
        OptionKind::Put
    }
}

fn other(kind: OptionKind) -> OptionKind {
    match kind {
        OptionKind::Call => OptionKind::Put,
        OptionKind::Put => OptionKind::Call,
    }
}

/// The documented domain, written from the module's table.
fn in_domain(i: &BsInput) -> bool {
    let (s, k) = (i.spot.to_bits(), i.strike.to_bits());
    let five_k = k.checked_mul(MONEYNESS_LIMIT);
    (SPOT_MIN..=SPOT_MAX).contains(&i.spot)
        && k > 0
        && five_k.is_none_or(|fk| s <= fk)
        && s.checked_mul(MONEYNESS_LIMIT).is_some_and(|fs| k <= fs)
        && (VOL_MIN..=VOL_MAX).contains(&i.vol)
        && (RATE_MIN..=RATE_MAX).contains(&i.rate)
        && (YEARS_MIN..=YEARS_MAX).contains(&i.years)
}

fn bs_input(c: &BsCase) -> BsInput {
    let spot = c.spot.get(SPOT_MIN, SPOT_MAX, |u| fx(1e-6 * 1e15f64.powf(u)));
    // strike: spot over a ratio in [1/5, 5], the exact moneyness ends being ceil(S/5) and 5·S
    let s = spot.to_bits();
    let (k_lo, k_hi) = if s > 0 {
        (Fx::from_bits(s / 5 + i128::from(s % 5 != 0)), Fx::from_bits(s.saturating_mul(5)))
    } else {
        (Fx::DELTA, Fx::ONE)
    };
    let strike = c.strike.get(k_lo, k_hi, |u| fx(f(spot) / (0.2 * 25f64.powf(u))));
    let vol = c.vol.get(VOL_MIN, VOL_MAX, |u| fx(0.05 * 60f64.powf(u)));
    let rate = c.rate.get(RATE_MIN, RATE_MAX, |u| fx(-0.1 + 0.6 * u));
    let years = c.years.get(YEARS_MIN, YEARS_MAX, |u| fx(2.0 * (1.0 / 17_520f64).powf(u)));
    BsInput { kind: kind_of(c.call), spot, strike, vol, rate, years }
}

fn check_bs(c: &BsCase) {
    let i = bs_input(c);
    let got = match black_scholes(&i) {
        Ok(g) => g,
        Err(e) => {
            assert_eq!(e, CoreError::MathDomain, "{i:?}");
            assert!(!in_domain(&i), "refused inside the domain: {i:?}");
            return;
        }
    };
    assert!(in_domain(&i), "accepted outside the domain: {i:?}");
    let twin = black_scholes(&BsInput { kind: other(i.kind), ..i }).expect("the other kind on the same input");
    let (call, put) = if i.kind == OptionKind::Call { (got, twin) } else { (twin, got) };

    // signs, ranges, and the identities of the module's table
    for (g, kind) in [(call, OptionKind::Call), (put, OptionKind::Put)] {
        assert!(g.price >= Fx::ZERO && g.gamma >= Fx::ZERO && g.vega >= Fx::ZERO, "{kind:?} {i:?}: {g:?}");
        match kind {
            OptionKind::Call => assert!((Fx::ZERO..=Fx::ONE).contains(&g.delta), "{i:?}: {g:?}"),
            OptionKind::Put => assert!((-Fx::ONE..=Fx::ZERO).contains(&g.delta), "{i:?}: {g:?}"),
        }
    }
    assert_eq!(call.delta - put.delta, Fx::ONE, "{i:?}");
    assert_eq!((call.gamma, call.vega), (put.gamma, put.vega), "{i:?}");

    let (s, k, r, t) = (f(i.spot), f(i.strike), f(i.rate), f(i.years));
    let kd = k * (-r * t).exp();
    let price_tol = 1e-10 * s + 2.0 * U;
    let tols = [price_tol, 1e-10, 1e-9 / s + U, 1e-9 * s + 2.0 * U, 1e-9 * s + 2.0 * U];
    const NAMES: [&str; 5] = ["price", "delta", "gamma", "vega", "theta"];
    for (g, kind) in [(call, OptionKind::Call), (put, OptionKind::Put)] {
        let want = reference::black_scholes(kind, i.spot, i.strike, i.vol, i.rate, i.years);
        let have = [f(g.price), f(g.delta), f(g.gamma), f(g.vega), f(g.theta)];
        for j in 0..5 {
            let err = (have[j] - want[j]).abs();
            assert!(
                err <= tols[j],
                "{kind:?} {}: {} vs f64 {} (error {err:e} > {:e}) at {i:?}",
                NAMES[j],
                have[j],
                want[j],
                tols[j]
            );
        }
    }
    let parity = (f(call.price) - f(put.price)) - (s - kd);
    assert!(parity.abs() <= 1e-10 * s + 4.0 * U, "put–call parity off by {parity:e} at {i:?}");
    // no-arbitrage bounds
    let (c, p) = (f(call.price), f(put.price));
    assert!(c >= (s - kd).max(0.0) - price_tol && c <= s + price_tol, "call {c} outside its bounds at {i:?}");
    assert!(p >= (kd - s).max(0.0) - price_tol && p <= kd + price_tol, "put {p} outside its bounds at {i:?}");
}

fn check_mark(c: &MarkCase) {
    // wide ranges: the marks must hold outside the Black–Scholes domain too
    let spot = c.spot.get(Fx::DELTA, fx(1e12), |u| fx(1e-9 * 1e21f64.powf(u)));
    let strike = c.strike.get(Fx::DELTA, fx(1e12), |u| fx(f(spot) / (0.01 * 1e4f64.powf(u))));
    let vol = c.vol.get(Fx::ZERO, fx(20.0), |u| fx(1e-4 * 2e5f64.powf(u)));
    let rate = c.rate.get(fx(-0.2), Fx::ONE, |u| fx(-0.2 + 1.2 * u));
    let size = c.size.get(Fx::DELTA, fx(1e6), |u| fx(1e-6 * 1e12f64.powf(u)));
    // seconds to expiry: mostly 1 s ..= 2 years (what add_option allows); the ends, raw bits
    let two_years = 2 * SECONDS_PER_YEAR;
    let to_expiry = c.to_expiry.get(fx(-1e6), Fx::from_num(two_years), |u| fx(two_years as f64 * 1.6e-8f64.powf(u)));
    let expiry = c.now.saturating_add(to_expiry.saturating_to_num::<i64>());
    let kind = match c.kind % 4 {
        0 => KIND_CALL,
        1 => KIND_PUT,
        _ => c.kind,
    };
    let terms = OptionTerms {
        kind,
        underlying: 0,
        settled: u8::from(c.settled),
        expiry_slot: [0; 5],
        expiry,
        strike: FxBits::from_fx(strike),
        contract_size: FxBits::from_fx(size),
        settlement_value: FxBits::from_fx(Fx::from_bits(c.settlement)),
    };
    let now = c.now;
    let result = option_mark(&terms, spot, vol, rate, now);
    let Some(kind) = terms.option_kind() else {
        assert_eq!(result, Err(CoreError::MathDomain), "{terms:?}");
        return;
    };
    // the program's invariants on the inputs: positive terms, non-negative prices
    if strike <= Fx::ZERO || size <= Fx::ZERO || spot < Fx::ZERO || vol < Fx::ZERO {
        return;
    }
    if c.settled {
        let v = terms.settlement_value.get();
        assert_eq!(result.map(|m| (m.low, m.high, m.greeks)), Ok((v, v, None)), "{terms:?}");
        return;
    }
    let what = format!("{kind:?} S={spot} K={strike} σ={vol} r={rate} size={size} now={now} expiry={expiry}");
    if now >= expiry {
        let m = match result {
            Ok(m) => m,
            Err(e) => {
                // only the product with the size can overflow
                assert_eq!(e, CoreError::MathOverflow, "{what}");
                assert!(mul(intrinsic(kind, spot, strike), size).is_err(), "{what}");
                return;
            }
        };
        assert_eq!((m.low, m.greeks), (m.high, None), "{what}");
        // the intrinsic value exactly on the raw bits, then in f64
        let (sb, kb) = (spot.to_bits(), strike.to_bits());
        let diff = match kind {
            OptionKind::Call => sb - kb,
            OptionKind::Put => kb - sb,
        };
        let want = f(Fx::from_bits(diff.max(0))) * f(size);
        assert!((f(m.low) - want).abs() <= 2.0 * U + want * 1e-15, "expired mark {} vs {want} ({what})", m.low);
        return;
    }
    let years = years_to(expiry, now).expect("years to a future expiry");
    let bs = BsInput { kind, spot, strike, vol, rate, years };
    let m = match result {
        Ok(m) => m,
        Err(e) => {
            assert!(matches!(e, CoreError::MathOverflow | CoreError::MathDomain), "{what}: {e}");
            // inside the domain only a size beyond 2^40 may overflow the product
            assert!(!in_domain(&bs) || size > Fx::from_num(1u64 << 40), "{what}: {e}");
            return;
        }
    };
    assert!(m.low <= m.high, "low {} > high {} ({what})", m.low, m.high);
    let sz = f(size);
    if in_domain(&bs) {
        let g = black_scholes(&bs).expect("inside the domain");
        assert_eq!(m.greeks, Some(g), "{what}");
        assert_eq!((m.low, m.high), (mul(g.price, size).unwrap(), mul(g.price, size).unwrap()), "{what}");
        return;
    }
    assert_eq!(m.greeks, None, "{what}");
    if vol == Fx::ZERO || spot == Fx::ZERO {
        return; // no f64 Black–Scholes to compare with (the bounds collapse to the floor)
    }
    if years > YEARS_MAX {
        // beyond the program's contract (`add_option` puts expiry at most 2 years ahead): the
        // time value S·σ·√T/√(2π) is computed with products rounded down in the order
        // (S·σ)·√T, so with √T ≫ 1 an S·σ below one unit loses the whole bound (seen at
        // T = 1.1e10 years); within 2 years that costs at most ~2 units per option token
        return;
    }
    let want = reference::black_scholes(kind, spot, strike, vol, rate, years)[0];
    // rounding of K·e^{−rT} (exp: 1e-13 relative, 2e-14 absolute), of σ√T and the products,
    // each a few units, and of the product with the size
    let kd = f(strike) * (-f(rate) * f(years)).exp();
    let unit_tol = 1e-12 * (f(spot) + f(strike).max(kd)) + 16.0 * U;
    let tol = unit_tol * sz + 2.0 * U;
    assert!(f(m.low) <= want * sz + tol, "low {} above f64 {} × {sz} ({what}, T={years})", m.low, want);
    assert!(f(m.high) >= want * sz - tol, "high {} below f64 {} × {sz} ({what}, T={years})", m.high, want);
}
