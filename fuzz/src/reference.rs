//! `f64` references written for the fuzz targets (independent of `rpv-core`'s own test
//! references, which are `pub(crate)`), with their own accuracy checked in the tests below.

use rpv_core::fixed_point::Fx;
use rpv_core::options::OptionKind;

/// One `I80F48` unit, `2^-48`.
pub const U: f64 = 1.0 / (1u64 << 48) as f64;

/// `√(2π)`.
const SQRT_TAU: f64 = 2.506_628_274_631_000_2;

pub fn f(x: Fx) -> f64 {
    x.to_num::<f64>()
}

/// φ(x) = e^{−x²/2}/√(2π); relative error ≲ 2e-16·(1 + x²/2).
pub fn pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / SQRT_TAU
}

/// Φ(x). For `|x| < 2.5`: `½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …)` (every term of one sign, summed
/// until they stop changing the sum). Beyond: the upper tail `Q(a) = φ(a)/(a + 1/(a + 2/(a + …)))`
/// (Laplace's continued fraction) evaluated from 400 levels down. Absolute error ≤ 4e-16 and
/// relative error of the lower tail ≤ 1.5e-14, checked against 40-digit values in the tests.
pub fn cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let a = x.abs();
    if a < 2.5 {
        let x2 = x * x;
        let (mut term, mut sum, mut odd) = (x, x, 1.0);
        loop {
            odd += 2.0;
            term *= x2 / odd;
            let next = sum + term;
            if next == sum {
                break;
            }
            sum = next;
        }
        0.5 + pdf(x) * sum
    } else if a > 40.0 {
        if x > 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        let mut tail = 0.0;
        for level in (1..=400).rev() {
            tail = level as f64 / (a + tail);
        }
        let q = pdf(a) / (a + tail);
        if x > 0.0 {
            1.0 - q
        } else {
            q
        }
    }
}

/// `ln(S/K)` for `I80F48` raw bits `s, k > 0`, to about 2e-16 absolute (better near `S = K`):
/// each integer is split exactly into an `f64` and an `f64` remainder, the quotient's rounding
/// is recovered with a fused multiply-add, and the three small corrections are added to
/// `ln(q)` to first order (their squares are below 1e-31).
pub fn ln_ratio_bits(s: i128, k: i128) -> f64 {
    let (s_hi, k_hi) = (s as f64, k as f64);
    let s_lo = (s - s_hi as i128) as f64; // exact: |s − s_hi| < 2^(80−53)
    let k_lo = (k - k_hi as i128) as f64;
    let q = s_hi / k_hi;
    let rem = (-q).mul_add(k_hi, s_hi); // s_hi − q·k_hi, exactly
    q.ln() + rem / (q * k_hi) + s_lo / s_hi - k_lo / k_hi
}

/// Black–Scholes in `f64` for `I80F48` inputs: `[price, delta, gamma, vega, theta]`, same
/// conventions as `rpv_core::options` (vega per 1.00 of σ, theta = −∂V/∂T per year).
/// `σ`, `T` must be positive.
pub fn black_scholes(kind: OptionKind, spot: Fx, strike: Fx, vol: Fx, rate: Fx, years: Fx) -> [f64; 5] {
    let (s, k, sigma, r, t) = (f(spot), f(strike), f(vol), f(rate), f(years));
    let root_t = t.sqrt();
    let v = sigma * root_t;
    let d1 = (ln_ratio_bits(spot.to_bits(), strike.to_bits()) + r * t) / v + 0.5 * v;
    let d2 = d1 - v;
    let disc = (-r * t).exp();
    let n1 = pdf(d1);
    let gamma = n1 / (s * v);
    let vega = s * n1 * root_t;
    let decay = s * n1 * sigma / (2.0 * root_t);
    match kind {
        OptionKind::Call => {
            let (c1, c2) = (cdf(d1), cdf(d2));
            [s * c1 - k * disc * c2, c1, gamma, vega, -decay - r * k * disc * c2]
        }
        OptionKind::Put => {
            let (c1, c2) = (cdf(-d1), cdf(-d2));
            [k * disc * c2 - s * c1, -c1, gamma, vega, -decay + r * k * disc * c2]
        }
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values keep mpmath's 20 digits
mod tests {
    use super::*;

    fn fx(v: f64) -> Fx {
        Fx::from_num(v)
    }

    /// Φ against 40-digit values (mpmath `ncdf`).
    #[test]
    fn cdf_matches_40_digit_values() {
        let table = [
            (-8.5, 9.479_534_822_203_318_354_2e-18),
            (-8.0, 6.220_960_574_271_784_123_5e-16),
            (-6.0, 9.865_876_450_376_981_407e-10),
            (-5.0, 2.866_515_718_791_939_116_7e-7),
            (-3.0, 0.001_349_898_031_630_094_526_7),
            (-2.0, 0.022_750_131_948_179_207_2),
            (-1.5, 0.066_807_201_268_858_066_004),
            (-1.0, 0.158_655_253_931_457_051_41),
            (-0.5, 0.308_537_538_725_986_896_36),
            (0.25, 0.598_706_325_682_923_724_24),
            (1.0, 0.841_344_746_068_542_948_59),
            (2.5, 0.993_790_334_674_223_864_83),
            (4.0, 0.999_968_328_758_166_880_08),
            (7.0, 0.999_999_999_998_720_187_46),
        ];
        for (x, want) in table {
            let got = cdf(x);
            assert!((got - want).abs() <= 4e-16, "Φ({x}) = {got:e}, want {want:e}");
            if x < 0.0 {
                assert!((got / want - 1.0).abs() <= 1.5e-14, "Φ({x}) relative: {got:e} vs {want:e}");
            }
            assert!((cdf(-x) + got - 1.0).abs() <= 4e-16, "symmetry at {x}");
        }
        assert_eq!(cdf(0.0), 0.5);
    }

    /// S = K = 100, σ = 20 %, r = 5 %, T = 1 (20-digit values from mpmath, as in rpv-core).
    #[test]
    fn black_scholes_textbook_case() {
        // (the I80F48 nearest to 0.2 and 0.05 differ from them by < 2e-15: price and vega move
        // by < 1e-13 for that)
        let [price, delta, gamma, vega, theta] =
            black_scholes(OptionKind::Call, fx(100.0), fx(100.0), fx(0.2), fx(0.05), Fx::ONE);
        assert!((price - 10.450_583_572_185_567_346).abs() <= 1e-12, "{price}");
        assert!((delta - 0.636_830_651_175_619_073_31).abs() <= 1e-14, "{delta}");
        assert!((gamma - 0.018_762_017_345_846_892_841).abs() <= 1e-15, "{gamma}");
        assert!((vega - 37.524_034_691_693_787_765).abs() <= 1e-12, "{vega}");
        assert!((theta + 6.414_027_546_438_196_131_7).abs() <= 1e-12, "{theta}");
        let [put, put_delta, ..] = black_scholes(OptionKind::Put, fx(100.0), fx(100.0), fx(0.2), fx(0.05), Fx::ONE);
        assert!((put - 5.573_526_022_256_967_991_1).abs() <= 1e-12, "{put}");
        assert!((put_delta + 0.363_169_348_824_380_926_69).abs() <= 1e-14, "{put_delta}");
    }

    #[test]
    fn ln_ratio_recovers_low_bits() {
        // S = K + 1 unit at 2^79: f64 cannot tell them apart, the split can.
        let k = 1i128 << 79;
        let got = ln_ratio_bits(k + 1, k);
        assert!((got - 2f64.powi(-79)).abs() <= 1e-40, "{got:e}");
        assert_eq!(ln_ratio_bits(k, k), 0.0);
        let l = ln_ratio_bits(5 << 48, 1 << 48);
        assert!((l - 5f64.ln()).abs() <= 2.3e-16);
    }
}
