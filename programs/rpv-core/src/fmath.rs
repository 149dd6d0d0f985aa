//! Fixed-point [`I80F48`] `ln`, `exp` and `sqrt`, without floating point and without panics.
//!
//! | function | domain | accuracy (tested) |
//! |---|---|---|
//! | [`ln`] | `x > 0`: every positive `I80F48`, `2^-48 ..= 2^79` | absolute error ≤ 2e-14 (stated for `x` in `[1e-6, 1e9]`; holds on the whole domain, where `|ln x| ≤ 55`) |
//! | [`exp`] | `x` in `[-32, 40]` | relative error ≤ 1e-13 where the result is ≥ 1, absolute error ≤ 2e-14 where it is < 1; the result is > 0 on the whole domain |
//! | [`sqrt`] | `x ≥ 0` | floor-exact: `r² ≤ x < (r + 2^-48)²`, so within 1 ulp (`2^-48`) below the true root |
//!
//! Arguments outside the domain return [`CoreError::MathDomain`]. Inside the domain no
//! intermediate can overflow (each bound is stated next to the operation), so the functions never
//! fail there; [`CoreError::MathOverflow`] is reserved for the (unreachable) table-index guard.
//!
//! ## Methods
//!
//! All work is done on raw integers (`i128`/`u128`) in higher internal precision (Q64 / Q96 /
//! Q126) and rounded once, at the end, to the 48 fractional bits of `I80F48`. No `I80F48`
//! `checked_mul`/`checked_div` is used: every product is a single integer multiplication whose
//! operands are bounded so that `wrapping_mul` cannot wrap (which also avoids the cost of an
//! overflow-checked 128-bit multiply in release builds with `overflow-checks = true`).
//!
//! * **`ln`** — `x = 2^k · m`, `m ∈ [1, 2)`, from `leading_zeros` of the raw bits (`m` kept to 64
//!   bits). `m` is rounded to the nearest `c_j = 1 + j/32` (`j = 0..=32`) and multiplied by a
//!   tabulated `R_j ≈ 1/c_j`, giving `1 + u = m·R_j` with `|u| ≤ 1/64`. The table stores
//!   `L_j = -ln R_j` of the *stored* (rounded) `R_j`, so the reciprocal's rounding costs nothing.
//!   `ln(1 + u)` is the Taylor series to `u^8` (truncation `≤ |u|^9/9 < 7e-18`) by Horner.
//!   `ln x = k·ln 2 + L_j + ln(1 + u)`, summed in Q64 and rounded to nearest.
//!   Cost: 10 integer multiplications (1 reduction, 8 Horner, 1 for `k·ln 2`), no division.
//! * **`exp`** — `n = round(x·32/ln 2)` (one multiplication by a Q64 constant),
//!   `r = x − n·(ln 2)/32` in Q96 (`|r| ≤ ln 2/64 ≈ 0.0108`), `e^r` by the Taylor series to
//!   `r^6` (truncation `≤ |r|^7/7! < 4e-18`) by Horner in Q64, then
//!   `e^x = 2^(n>>5) · 2^((n&31)/32) · e^r` with a 32-entry table of `2^(j/32)` (Q62) and a
//!   rounding shift. Cost: 9 integer multiplications (1 for `n`, 1 for `n·ln2/32`, 6 Horner,
//!   1 table), no division.
//! * **`sqrt`** — `floor(sqrt(bits · 2^48))` with `u128::isqrt`. When `bits < 2^80` the shifted
//!   value fits in `u128` and one `isqrt` is the answer. Otherwise the shift is split:
//!   `A = bits << s` (`s` even, as large as fits), `q = isqrt(A)`, and the missing
//!   `t = (48 − s)/2` low bits of the root are recovered exactly from the remainder
//!   `A − q²` with one `u128` division and at most one correction step.
//!   Cost: one `isqrt`; for `x ≥ 2^32` additionally 3 multiplications and 1 division.
//!
//! Every table entry and constant is a raw-bit integer literal (generated with 80-digit decimal
//! arithmetic); the tests check each against `f64` and, where possible, bit-exactly against the
//! 128-bit constants of the `fixed` crate.

use crate::error::{CoreError, CoreResult};
use fixed::types::I80F48;

/// ln 2 ≈ 0.693147180559945309, rounded to nearest `I80F48`.
pub const LN_2: I80F48 = I80F48::from_bits(195_103_586_505_167);
/// ln 10 ≈ 2.302585092994045684, rounded to nearest `I80F48`.
pub const LN_10: I80F48 = I80F48::from_bits(648_120_085_424_803);

/// ln 2 in Q64 (rounded to nearest).
const LN2_Q64: i128 = 12_786_308_645_202_655_660;

// ----------------------------------------------------------------------------------------------
// ln tables
// ----------------------------------------------------------------------------------------------

/// `R_j = round(2^63 / (1 + j/32))`, `j = 0..=32`: reciprocals in Q63.
const LN_RECIP_Q63: [u64; 33] = [
    9_223_372_036_854_775_808,
    8_943_875_914_525_843_208,
    8_680_820_740_569_200_760,
    8_432_797_290_838_652_167,
    8_198_552_921_648_689_607,
    7_976_970_410_252_779_077,
    7_767_050_136_298_758_575,
    7_567_895_004_598_790_407,
    7_378_697_629_483_820_646,
    7_198_729_394_618_361_606,
    7_027_331_075_698_876_806,
    6_863_904_771_612_856_415,
    6_707_906_935_894_382_406,
    6_558_842_337_318_951_686,
    6_416_258_808_246_800_562,
    6_279_742_663_390_485_657,
    6_148_914_691_236_517_205,
    6_023_426_636_313_322_977,
    5_902_958_103_587_056_517,
    5_787_213_827_046_133_840,
    5_675_921_253_449_092_805,
    5_568_828_399_610_430_677,
    5_465_701_947_765_793_071,
    5_366_325_548_715_505_925,
    5_270_498_306_774_157_605,
    5_178_033_424_199_172_383,
    5_088_756_985_850_910_791,
    5_002_506_867_446_658_065,
    4_919_131_752_989_213_764,
    4_838_490_248_841_849_604,
    4_760_450_083_537_948_804,
    4_684_887_383_799_251_204,
    4_611_686_018_427_387_904,
];

/// `L_j = round(ln(2^63 / R_j) · 2^64)` for the stored `R_j` above (Q64, `0 ..= ln 2`).
const LN_TABLE_Q64: [i128; 33] = [
    0,
    567_636_912_149_151_763,
    1_118_326_883_213_202_226,
    1_653_052_557_241_306_013,
    2_172_713_514_977_912_298,
    2_678_135_379_708_233_368,
    3_170_077_708_527_314_833,
    3_649_240_858_398_386_411,
    4_116_271_982_791_902_041,
    4_571_770_287_757_743_387,
    5_016_291_654_539_687_951,
    5_450_352_718_192_624_241,
    5_874_434_477_261_523_444,
    6_288_985_497_769_814_337,
    6_694_424_765_030_996_596,
    7_091_144_228_738_788_053,
    7_479_511_080_090_283_980,
    7_859_869_794_101_463_602,
    8_232_543_965_583_804_081,
    8_597_837_963_303_486_205,
    8_956_038_423_510_758_093,
    9_307_415_601_201_280_563,
    9_652_224_595_068_196_278,
    9_990_706_460_053_425_483,
    10_323_089_219_652_059_630,
    10_649_588_788_617_598_813,
    10_970_409_815_419_252_988,
    11_285_746_452_683_345_231,
    11_595_783_062_882_186_020,
    11_900_694_865_693_235_218,
    12_200_648_532_720_179_060,
    12_495_802_734_629_971_930,
    12_786_308_645_202_655_660,
];

/// Taylor coefficients of `ln(1 + u)`: `(-1)^(i+1) / i` in Q64 for `i = 1..=8`.
const LN_SERIES_Q64: [i128; 8] = [
    18_446_744_073_709_551_616,
    -9_223_372_036_854_775_808,
    6_148_914_691_236_517_205,
    -4_611_686_018_427_387_904,
    3_689_348_814_741_910_323,
    -3_074_457_345_618_258_603,
    2_635_249_153_387_078_802,
    -2_305_843_009_213_693_952,
];

// ----------------------------------------------------------------------------------------------
// exp tables
// ----------------------------------------------------------------------------------------------

/// `2^(j/32)` in Q62 for `j = 0..32` (values in `[1, 2)`, so `< 2^63`).
const EXP2_TABLE_Q62: [u64; 32] = [
    4_611_686_018_427_387_904,
    4_712_668_792_719_003_884,
    4_815_862_801_830_788_490,
    4_921_316_465_500_308_116,
    5_029_079_263_719_320_435,
    5_139_201_759_950_318_048,
    5_251_735_624_851_448_219,
    5_366_733_660_520_940_721,
    5_484_249_825_272_419_512,
    5_604_339_258_952_723_100,
    5_727_058_308_814_112_983,
    5_852_464_555_953_009_676,
    5_980_616_842_327_661_685,
    6_111_575_298_367_424_380,
    6_245_401_371_186_603_363,
    6_382_157_853_416_100_552,
    6_521_908_912_666_391_106,
    6_664_720_121_635_655_541,
    6_810_658_488_877_194_079,
    6_959_792_490_240_559_659,
    7_112_192_101_001_162_095,
    7_267_928_828_693_418_961,
    7_427_075_746_662_858_866,
    7_589_707_528_352_920_109,
    7_755_900_482_342_532_474,
    7_925_732_588_150_922_155,
    8_099_283_532_826_439_817,
    8_276_634_748_336_579_668,
    8_457_869_449_776_733_335,
    8_643_072_674_415_606_502,
    8_832_331_321_595_618_838,
    9_025_734_193_507_008_925,
];

/// Taylor coefficients of `e^r`: `1 / i!` in Q64 for `i = 0..=6`.
const EXP_SERIES_Q64: [i128; 7] = [
    18_446_744_073_709_551_616,
    18_446_744_073_709_551_616,
    9_223_372_036_854_775_808,
    3_074_457_345_618_258_603,
    768_614_336_404_564_651,
    153_722_867_280_912_930,
    25_620_477_880_152_155,
];

/// `32 / ln 2` in Q64 (≈ 46.166 · 2^64 < 2^69.6).
const THIRTY_TWO_OVER_LN2_Q64: i128 = 851_616_838_262_036_639_472;
/// `ln 2 / 32` in Q96 (≈ 0.02166 · 2^96 < 2^90.5).
const LN2_OVER_32_Q96: i128 = 1_716_149_295_865_858_542_223_170_973;

/// Domain of [`exp`], as raw bits: `[-32, 40]`.
const EXP_MIN_BITS: i128 = -32 << 48;
const EXP_MAX_BITS: i128 = 40 << 48;

// ----------------------------------------------------------------------------------------------
// functions
// ----------------------------------------------------------------------------------------------

/// Natural logarithm. Domain `x > 0` (every positive `I80F48`, `2^-48 ..= 2^79`); otherwise
/// [`CoreError::MathDomain`]. Absolute error ≤ 2e-14 (see the module documentation).
pub fn ln(x: I80F48) -> CoreResult<I80F48> {
    let bits = x.to_bits();
    if bits <= 0 {
        return Err(CoreError::MathDomain);
    }
    let b = bits as u128;
    // bits ≥ 1 and < 2^127, so lz ∈ 1..=127 and the leading one sits at 127 − lz:
    // x = 2^k · m with k = 127 − lz − 48 ∈ [−48, 78] and m ∈ [1, 2).
    let lz = b.leading_zeros();
    let k = 79 - lz as i128;
    // m in Q63, leading one at bit 63 (the lower bits of a long mantissa are dropped: ≤ 2^-63 relative).
    let m = ((b << lz) >> 64) as u64;
    // Nearest j with c_j = 1 + j/32: fraction of m in Q63 is < 2^63, so (frac + 2^57) >> 58 ∈ 0..=32.
    let frac = m ^ (1 << 63);
    let j = ((frac + (1 << 57)) >> 58) as usize;
    let (recip, ln_c) = match (LN_RECIP_Q63.get(j), LN_TABLE_Q64.get(j)) {
        (Some(&r), Some(&l)) => (r, l),
        _ => return Err(CoreError::MathOverflow), // unreachable: j ≤ 32
    };
    // 1 + u = m · R_j in Q126: m < 2^64, R_j ≤ 2^63, and the product ≈ 2^126 · (1 ± 1/64) < 2^127.
    let y = (m as u128).wrapping_mul(recip as u128) as i128;
    // u in Q64: |u| ≤ 1/64 + 2^-62, i.e. |u| < 2^58.
    let u = (y - (1 << 126)) >> 62;
    // Horner for ln(1 + u) / u = Σ (−1)^(i+1) u^(i−1) / i; |p| ≤ 1.01 · 2^64, |u·p| < 2^123.
    let mut p = LN_SERIES_Q64[7];
    for &c in LN_SERIES_Q64[..7].iter().rev() {
        p = c + (u.wrapping_mul(p) >> 64);
    }
    let series = u.wrapping_mul(p) >> 64;
    // |k · ln2| ≤ 79 · 0.7 · 2^64 < 2^70; the sum stays far below 2^127.
    let total = k.wrapping_mul(LN2_Q64) + ln_c + series;
    // Q64 → Q48, rounded to nearest.
    Ok(I80F48::from_bits((total + (1 << 15)) >> 16))
}

/// `e^x`. Domain `x ∈ [-32, 40]`; otherwise [`CoreError::MathDomain`]. Relative error ≤ 1e-13
/// where the result is ≥ 1, absolute error ≤ 2e-14 where it is < 1; always `> 0` on the domain.
pub fn exp(x: I80F48) -> CoreResult<I80F48> {
    let bits = x.to_bits();
    if !(EXP_MIN_BITS..=EXP_MAX_BITS).contains(&bits) {
        return Err(CoreError::MathDomain);
    }
    // n = round(x · 32 / ln 2): |bits| ≤ 40 · 2^48 < 2^53.4, constant < 2^69.6, product < 2^123.
    // Q48 · Q64 = Q112; the arithmetic shift floors, so adding one half rounds to nearest.
    // n ∈ [−1477, 1847].
    let n = (bits.wrapping_mul(THIRTY_TWO_OVER_LN2_Q64) + (1 << 111)) >> 112;
    // r = x − n · ln2/32 in Q96: |bits << 48| < 2^101.4, |n · ln2/32| < 2^101.4.
    let r96 = (bits << 48) - n.wrapping_mul(LN2_OVER_32_Q96);
    // r in Q64: |r| ≤ (ln 2 / 32) · (1/2 + 2^-60) < 0.0109, i.e. |r| < 2^57.5.
    let r = r96 >> 32;
    // Horner for e^r = Σ r^i / i!, i = 0..=6; p ∈ [0.98, 1.02] · 2^64, |r · p| < 2^122.
    let mut p = EXP_SERIES_Q64[6];
    for &c in EXP_SERIES_Q64[..6].iter().rev() {
        p = c + (r.wrapping_mul(p) >> 64);
    }
    // e^x = 2^k · 2^(j/32) · e^r with n = 32k + j (arithmetic shift = floor, so j ∈ 0..32).
    let k = (n >> 5) as i32; // ∈ [−47, 57]
    let j = (n & 31) as usize;
    let two_pow = match EXP2_TABLE_Q62.get(j) {
        Some(&t) => t,
        None => return Err(CoreError::MathOverflow), // unreachable: j < 32
    };
    // Q64 · Q62 = Q126; value = e^r · 2^(j/32) ≤ 1.011 · 1.958 < 2, so m < 2^127.
    let m = (p as u128).wrapping_mul(two_pow as u128);
    // Result bits = m · 2^k / 2^(126 − 48), rounded to nearest; shift = 78 − k ∈ [21, 125].
    let shift = (78 - k) as u32;
    let out = (m + (1u128 << (shift - 1))) >> shift;
    // out ≤ 2^127 / 2^21 = 2^106: fits in i128.
    Ok(I80F48::from_bits(out as i128))
}

/// Square root. Domain `x ≥ 0`; negative `x` gives [`CoreError::MathDomain`]. The result is
/// floor-exact: `r² ≤ x < (r + 2^-48)²`.
pub fn sqrt(x: I80F48) -> CoreResult<I80F48> {
    let bits = x.to_bits();
    if bits < 0 {
        return Err(CoreError::MathDomain);
    }
    let b = bits as u128;
    // Result bits = floor(sqrt(b · 2^48)).
    if b < (1 << 80) {
        return Ok(I80F48::from_bits((b << 48).isqrt() as i128));
    }
    // b ∈ [2^80, 2^127): lz ∈ 1..=47. Shift by the largest even s ≤ lz, so A = b << s < 2^128 and
    // A ≥ 2^126; the remaining factor 2^(48 − s) = 4^t with t ∈ 1..=24.
    let lz = b.leading_zeros();
    let s = lz & !1;
    let t = (48 - s) / 2;
    let a = b << s;
    // q ∈ [2^63, 2^64); rem ≤ 2q < 2^65.
    let q = a.isqrt();
    let rem = a - q.wrapping_mul(q);
    // floor(sqrt(A · 4^t)) = q·2^t + d, d the largest integer with d·(2q·2^t + d) ≤ rem · 4^t.
    // d ≤ rem·2^t / (2q) =: d0 ≤ 2^t, and d0 − d ≤ d0² / (2q·2^t) < 1, so d ∈ {d0 − 1, d0}.
    // q_t = q·2^t < 2^88; q ≥ 2^63, so the division never fails.
    let q_t = q << t;
    let mut d = (rem << t).checked_div(q << 1).ok_or(CoreError::MathOverflow)?;
    // d ≤ 2^24, 2·q_t + d < 2^90: product < 2^114; rem · 4^t < 2^113.
    if d.wrapping_mul((q_t << 1) + d) > rem << (2 * t) {
        d -= 1;
    }
    // < 2^87.5: fits in i128.
    Ok(I80F48::from_bits((q_t + d) as i128))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ULP: f64 = 1.0 / (1u64 << 48) as f64;

    fn f(x: I80F48) -> f64 {
        x.to_num::<f64>()
    }

    fn fx(v: f64) -> I80F48 {
        I80F48::from_num(v)
    }

    /// 128 × 128 → 256-bit product as (high, low).
    fn wide_mul(a: u128, b: u128) -> (u128, u128) {
        let (a1, a0) = (a >> 64, a & u64::MAX as u128);
        let (b1, b0) = (b >> 64, b & u64::MAX as u128);
        let lo = a0 * b0;
        let mid1 = a1 * b0;
        let mid2 = a0 * b1;
        let hi = a1 * b1;
        let (mid, mid_carry) = mid1.overflowing_add(mid2);
        let (low, low_carry) = lo.overflowing_add(mid << 64);
        let high = hi + (mid >> 64) + ((mid_carry as u128) << 64) + low_carry as u128;
        (high, low)
    }

    /// Checks `r² ≤ b·2^48 < (r+1)²` on raw bits, exactly.
    fn is_floor_sqrt(b: u128, r: u128) -> bool {
        let target = (b >> 80, b << 48);
        let r2 = wide_mul(r, r);
        let r1 = wide_mul(r + 1, r + 1);
        r2 <= target && target < r1
    }

    // ------------------------------------------------------------------ constants

    #[test]
    fn public_constants_match_f64_and_fixed() {
        // A Q48 constant rounded to nearest is within half an ulp (2^-49 ≈ 1.78e-15) of the true
        // value, and f64 holds these to ~2e-16: a tighter bound than 1e-15 + half an ulp is impossible.
        assert!((f(LN_2) - std::f64::consts::LN_2).abs() <= ULP / 2.0 + 1e-16);
        assert!((f(LN_10) - std::f64::consts::LN_10).abs() <= ULP / 2.0 + 1e-16);
        // Bit-exact: round-to-nearest of the crate `fixed`'s 128-bit constants.
        let ln2_128 = fixed::consts::LN_2.to_bits(); // U0F128
        assert_eq!(((ln2_128 >> 79) + 1) >> 1, LN_2.to_bits() as u128);
        let ln10_126 = fixed::consts::LN_10.to_bits(); // U2F126
        assert_eq!(((ln10_126 >> 77) + 1) >> 1, LN_10.to_bits() as u128);
        assert_eq!(((ln2_128 >> 63) + 1) >> 1, LN2_Q64 as u128);
        // ln2/32 in Q96 = ln2 in Q128 >> 37.
        assert_eq!(((ln2_128 >> 36) + 1) >> 1, LN2_OVER_32_Q96 as u128);
    }

    #[test]
    fn internal_constants_match_f64() {
        let q64 = 2f64.powi(64);
        assert!((LN2_Q64 as f64 / q64 - std::f64::consts::LN_2).abs() < 1e-15);
        let k = THIRTY_TWO_OVER_LN2_Q64 as f64 / q64;
        assert!((k / (32.0 / std::f64::consts::LN_2) - 1.0).abs() < 1e-15);
        let c = LN2_OVER_32_Q96 as f64 / 2f64.powi(96);
        assert!((c - std::f64::consts::LN_2 / 32.0).abs() < 1e-15);
        for (j, (&r, &l)) in LN_RECIP_Q63.iter().zip(LN_TABLE_Q64.iter()).enumerate() {
            let c_j = 1.0 + j as f64 / 32.0;
            let r_f = r as f64 / 2f64.powi(63);
            assert!((r_f - 1.0 / c_j).abs() < 1e-15, "recip {j}");
            // L_j = -ln(R_j) of the stored R_j.
            assert!((l as f64 / q64 + r_f.ln()).abs() < 1e-15, "ln table {j}");
            assert!((l as f64 / q64 - c_j.ln()).abs() < 1e-15, "ln table vs c_j {j}");
        }
        for (i, &c) in LN_SERIES_Q64.iter().enumerate() {
            let n = (i + 1) as f64;
            let expect = if i % 2 == 0 { 1.0 / n } else { -1.0 / n };
            assert!((c as f64 / q64 - expect).abs() < 1e-15, "ln coefficient {i}");
        }
        for (j, &t) in EXP2_TABLE_Q62.iter().enumerate() {
            let expect = (j as f64 / 32.0).exp2();
            assert!((t as f64 / 2f64.powi(62) - expect).abs() < 1e-15, "exp2 table {j}");
        }
        let mut fact = 1.0;
        for (i, &c) in EXP_SERIES_Q64.iter().enumerate() {
            if i > 0 {
                fact *= i as f64;
            }
            assert!((c as f64 / q64 - 1.0 / fact).abs() < 1e-15, "exp coefficient {i}");
        }
    }

    // ------------------------------------------------------------------ known answers

    #[test]
    fn ln_known_answers() {
        assert_eq!(ln(I80F48::ONE).unwrap(), I80F48::ZERO);
        assert_eq!(ln(fx(2.0)).unwrap(), LN_2);
        assert!((ln(fx(10.0)).unwrap() - LN_10).abs() <= I80F48::DELTA);
        // e rounded to I80F48 differs from e by ≤ 2^-49, so ln of it is 1 within 2 ulp.
        let e = I80F48::from_bits(765_128_314_358_509);
        assert!((f(ln(e).unwrap()) - 1.0).abs() <= 2.0 * ULP);
        assert!((f(ln(fx(0.5)).unwrap()) + std::f64::consts::LN_2).abs() <= ULP);
        // Powers of two over the whole range: k·ln 2 within 1 ulp.
        for k in -48i32..=78 {
            let x = I80F48::from_bits(1i128 << (48 + k));
            let got = f(ln(x).unwrap());
            assert!((got - k as f64 * std::f64::consts::LN_2).abs() <= 1e-14, "k = {k}");
        }
        // Extremes of the domain.
        let lo = f(ln(I80F48::DELTA).unwrap());
        assert!((lo + 48.0 * std::f64::consts::LN_2).abs() < 1e-14);
        let hi = f(ln(I80F48::MAX).unwrap());
        assert!((hi - 79.0 * std::f64::consts::LN_2).abs() < 1e-14);
    }

    #[test]
    fn exp_known_answers() {
        assert_eq!(exp(I80F48::ZERO).unwrap(), I80F48::ONE);
        let e = I80F48::from_bits(765_128_314_358_509);
        assert!((exp(I80F48::ONE).unwrap() - e).abs() <= I80F48::DELTA);
        assert!((f(exp(LN_2).unwrap()) - 2.0).abs() < 1e-14);
        assert!((f(exp(LN_10).unwrap()) - 10.0).abs() < 1e-13);
        assert!((f(exp(-I80F48::ONE).unwrap()) - (-1f64).exp()).abs() <= ULP);
        // Domain ends: e^40 to 1e-13 relative, e^-32 > 0 and within 1 ulp.
        let hi = f(exp(fx(40.0)).unwrap());
        assert!((hi / 40f64.exp() - 1.0).abs() < 1e-13);
        let lo = exp(fx(-32.0)).unwrap();
        assert!(lo > I80F48::ZERO);
        assert!((f(lo) - (-32f64).exp()).abs() <= ULP);
    }

    #[test]
    fn sqrt_known_answers() {
        assert_eq!(sqrt(I80F48::ZERO).unwrap(), I80F48::ZERO);
        assert_eq!(sqrt(I80F48::ONE).unwrap(), I80F48::ONE);
        assert_eq!(sqrt(fx(2.0)).unwrap().to_bits(), 398_065_729_532_860);
        assert_eq!(sqrt(fx(0.25)).unwrap(), fx(0.5));
        // sqrt(2^-48) = 2^-24 exactly.
        assert_eq!(sqrt(I80F48::DELTA).unwrap(), I80F48::from_bits(1 << 24));
        // Perfect squares, small and large (both the direct and the split path).
        for n in [2i128, 3, 7, 10, 12_345, 1 << 20, 99_999_999, 123_456_789, (1 << 39) - 1, 1 << 39] {
            let x = I80F48::from_num(n * n);
            assert_eq!(sqrt(x).unwrap(), I80F48::from_num(n), "n = {n}");
        }
        // Squares of values with fractional bits: (n + 1/2^k)² is representable when exact.
        let v = I80F48::from_bits((3 << 48) + (1 << 30)); // 3 + 2^-18
        assert_eq!(sqrt(v * v).unwrap(), v);
        // Largest input does not overflow and is floor-exact.
        let r = sqrt(I80F48::MAX).unwrap();
        assert!(is_floor_sqrt(I80F48::MAX.to_bits() as u128, r.to_bits() as u128));
    }

    #[test]
    fn domain_errors() {
        assert_eq!(ln(I80F48::ZERO), Err(CoreError::MathDomain));
        assert_eq!(ln(-I80F48::ONE), Err(CoreError::MathDomain));
        assert_eq!(ln(-I80F48::DELTA), Err(CoreError::MathDomain));
        assert_eq!(ln(I80F48::MIN), Err(CoreError::MathDomain));
        assert_eq!(exp(fx(41.0)), Err(CoreError::MathDomain));
        assert_eq!(exp(fx(40.0) + I80F48::DELTA), Err(CoreError::MathDomain));
        assert_eq!(exp(fx(-32.0) - I80F48::DELTA), Err(CoreError::MathDomain));
        assert_eq!(exp(fx(-33.0)), Err(CoreError::MathDomain));
        assert_eq!(exp(I80F48::MAX), Err(CoreError::MathDomain));
        assert_eq!(exp(I80F48::MIN), Err(CoreError::MathDomain));
        assert_eq!(sqrt(-I80F48::DELTA), Err(CoreError::MathDomain));
        assert_eq!(sqrt(-I80F48::ONE), Err(CoreError::MathDomain));
        assert_eq!(sqrt(I80F48::MIN), Err(CoreError::MathDomain));
    }

    /// Deterministic sweeps measuring the maximum errors against `f64` (run with `--nocapture`
    /// to see them). `f64`'s own error (~1e-16 relative) is the floor of what this can measure.
    #[test]
    fn measured_max_errors() {
        // ln over [1e-6, 1e9], log-uniform grid.
        let mut ln_max = 0f64;
        let steps = 20_000;
        for i in 0..=steps {
            let e = -6.0 + 15.0 * i as f64 / steps as f64;
            let x = fx(10f64.powf(e));
            let err = (f(ln(x).unwrap()) - f(x).ln()).abs();
            ln_max = ln_max.max(err);
        }
        // exp over [-32, 40].
        let (mut exp_rel, mut exp_abs) = (0f64, 0f64);
        for i in 0..=steps {
            let x = fx(-32.0 + 72.0 * i as f64 / steps as f64);
            let got = f(exp(x).unwrap());
            let want = f(x).exp();
            if want < 1.0 {
                exp_abs = exp_abs.max((got - want).abs());
            } else {
                exp_rel = exp_rel.max((got / want - 1.0).abs());
            }
        }
        eprintln!("ln max abs error {ln_max:e}; exp max rel error (≥1) {exp_rel:e}, max abs error (<1) {exp_abs:e}");
        assert!(ln_max <= 2e-14);
        assert!(exp_rel <= 1e-13);
        assert!(exp_abs <= 2e-14);
    }

    // ------------------------------------------------------------------ properties

    /// Log-uniform positive raw bits over the whole `I80F48` range.
    fn any_positive_bits() -> impl Strategy<Value = i128> {
        (0u32..127, any::<u128>()).prop_map(|(e, noise)| {
            let lead = 1u128 << e;
            (lead | (noise & (lead - 1))) as i128
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn ln_matches_f64(e in -6.0f64..9.0) {
            let x = fx(10f64.powf(e));
            let got = f(ln(x).unwrap());
            let want = f(x).ln();
            prop_assert!((got - want).abs() <= 2e-14, "x = {x}: got {got}, want {want}");
        }

        #[test]
        fn ln_whole_domain(bits in any_positive_bits()) {
            let x = I80F48::from_bits(bits);
            let got = f(ln(x).unwrap());
            let want = f(x).ln();
            prop_assert!((got - want).abs() <= 2e-14, "x = {x}: got {got}, want {want}");
        }

        #[test]
        fn exp_matches_f64(bits in EXP_MIN_BITS..=EXP_MAX_BITS) {
            let x = I80F48::from_bits(bits);
            let got_fx = exp(x).unwrap();
            prop_assert!(got_fx > I80F48::ZERO);
            let got = f(got_fx);
            let want = f(x).exp();
            if want < 1.0 {
                prop_assert!((got - want).abs() <= 2e-14, "x = {x}: got {got}, want {want}");
            } else {
                prop_assert!((got / want - 1.0).abs() <= 1e-13, "x = {x}: got {got}, want {want}");
            }
        }

        #[test]
        fn sqrt_log_uniform(e in -20.0f64..20.0, zero in 0u8..20) {
            // Log-uniform over [1e-20, 1e20] (tiny values round to small raw bits or 0).
            let x = if zero == 0 { I80F48::ZERO } else { fx(10f64.powf(e)) };
            let r = sqrt(x).unwrap();
            prop_assert!(is_floor_sqrt(x.to_bits() as u128, r.to_bits() as u128), "x = {x}, r = {r}");
            let want = f(x).sqrt();
            prop_assert!((f(r) - want).abs() <= ULP + want * 4e-16, "x = {x}: got {r}, want {want}");
        }

        #[test]
        fn sqrt_floor_exact_whole_domain(bits in any_positive_bits()) {
            let r = sqrt(I80F48::from_bits(bits)).unwrap();
            prop_assert!(is_floor_sqrt(bits as u128, r.to_bits() as u128), "bits = {bits}, r = {}", r.to_bits());
        }

        #[test]
        fn exp_ln_round_trip(e in -6.0f64..9.0) {
            let x = fx(10f64.powf(e));
            let back = exp(ln(x).unwrap()).unwrap();
            // ln's absolute error becomes a relative one; exp adds ≤ 1e-13 relative or 2e-14 absolute.
            let err = (f(back) - f(x)).abs();
            prop_assert!(err <= 1e-13 * f(x) + 2e-14, "x = {x}, exp(ln x) = {back}, err {err:e}");
        }
    }
}
