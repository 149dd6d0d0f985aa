//! Fuzz targets on `rpv-core` (issue 8). Each target is a function `run(&[u8])` that decodes
//! the bytes with [`arbitrary`] into a structured input and **asserts** properties of the core
//! crate on it (a failed assertion or any panic is a finding):
//!
//! | target | what it asserts |
//! |---|---|
//! | [`fixed_math`] | `ln`, `exp`, `sqrt`, Φ, φ, `exp∘ln`, `price_to_fx`, `years_to`: domain errors exactly outside the stated domain, never a panic, accuracy against `f64` within each documented bound (`sqrt` and the conversions exactly) |
//! | [`black_scholes`] | price and Greeks within the module's stated targets against an `f64` Black–Scholes written here, put–call parity, no-arbitrage bounds, signs and ranges of the Greeks, `MathDomain` exactly outside the domain; `option_mark` low ≤ high and bracketing the `f64` value outside the domain |
//! | [`share_accounting`] | a model vault driven by deposits (base and asset), withdrawals, in-kind redemptions and price moves: a round trip never returns more than was put in, no deposit or exit lowers NAV per share for the others (exact `u128`/wide cross-multiplication), the valuation's two roundings bracket the exact value; no panic on any argument |
//! | [`fees`] | sequences of accruals, NAV moves, supply changes and rate changes (mints and rate changes by the program's `engine::fees` steps): management fee shares within the `f64` allowance (above and below), accruing every step gives exactly what accruing only at supply changes gives, the high-water mark never falls, no performance fee at or below it and never more than the rate of the gain (exact); no panic on any argument |
//! | [`oracle_decode`] | arbitrary and structured bytes into the Pyth and Switchboard readers: no panic; an accepted price satisfies the policy (owner, layout, verification, feed, positive price, exponent, age, confidence) and converts exactly; a rejected one violates it |
//!
//! The same functions are driven two ways: by `cargo fuzz` (the binaries in `fuzz_targets/`,
//! nightly) and by the seeded replay tests in `tests/replay.rs` (stable, part of CI), which also
//! replay every file under `regressions/<target>/`.

pub mod black_scholes;
pub mod fees;
pub mod fixed_math;
pub mod oracle_decode;
pub mod reference;
pub mod share_accounting;

use rpv_core::fixed_point::Fx;

/// A target: its name (that of its `cargo fuzz` binary) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("fixed_math", fixed_math::run),
    ("black_scholes", black_scholes::run),
    ("share_accounting", share_accounting::run),
    ("fees", fees::run),
    ("oracle_decode", oracle_decode::run),
];

/// Decodes `data` into `T` (consuming all of it); `None` if the bytes run out in a way
/// `arbitrary` refuses (the input is then skipped, as libFuzzer would).
pub fn decode<'a, T: arbitrary::Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(arbitrary::Unstructured::new(data)).ok()
}

/// A uniform number in `[0, 1]` from 64 bits.
/// A `u64` of any magnitude: `x >> (shift % 64)` (raw `u64`s are nearly all ~2^63).
#[derive(arbitrary::Arbitrary, Debug, Clone, Copy)]
pub struct Mag {
    x: u64,
    shift: u8,
}

impl Mag {
    pub fn get(self) -> u64 {
        self.x >> (self.shift % 64)
    }
}

pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / ((1u64 << 53) - 1) as f64
}

/// Log-uniform in `[lo, hi]` (both positive) from 64 bits.
pub fn log_uniform(lo: f64, hi: f64, x: u64) -> f64 {
    (lo * (hi / lo).powf(unit(x))).clamp(lo, hi)
}

/// The `I80F48` nearest to `v` (saturating; NaN gives 0).
pub fn fx(v: f64) -> Fx {
    Fx::checked_from_num(v).unwrap_or(if v > 0.0 {
        Fx::MAX
    } else if v < 0.0 {
        Fx::MIN
    } else {
        Fx::ZERO
    })
}

/// An unsigned integer of up to 512 bits (8 little-endian limbs), for exact comparisons of
/// products that overflow `u128`. Overflowing 512 bits panics (never reached here: the
/// products compared are below 2^300).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wide([u64; 8]);

impl Wide {
    pub fn new(v: u128) -> Self {
        let mut l = [0u64; 8];
        l[0] = v as u64;
        l[1] = (v >> 64) as u64;
        Self(l)
    }

    fn mul_limb(self, m: u64) -> Self {
        let mut out = [0u64; 8];
        let mut carry = 0u128;
        for (o, &a) in out.iter_mut().zip(self.0.iter()) {
            let t = u128::from(a) * u128::from(m) + carry;
            *o = t as u64;
            carry = t >> 64;
        }
        assert_eq!(carry, 0, "Wide overflow");
        Self(out)
    }

    fn shifted_limb(self) -> Self {
        assert_eq!(self.0[7], 0, "Wide overflow");
        let mut out = [0u64; 8];
        out[1..].copy_from_slice(&self.0[..7]);
        Self(out)
    }

    /// `self + o`.
    pub fn plus(self, o: Self) -> Self {
        let mut out = [0u64; 8];
        let mut carry = 0u128;
        for (r, (a, b)) in out.iter_mut().zip(self.0.iter().zip(o.0.iter())) {
            let t = u128::from(*a) + u128::from(*b) + carry;
            *r = t as u64;
            carry = t >> 64;
        }
        assert_eq!(carry, 0, "Wide overflow");
        Self(out)
    }

    /// `self · m`.
    pub fn times(self, m: u128) -> Self {
        self.mul_limb(m as u64).plus(self.mul_limb((m >> 64) as u64).shifted_limb())
    }

    /// The product of `factors`.
    pub fn product(factors: &[u128]) -> Self {
        factors.iter().fold(Self::new(1), |acc, &m| acc.times(m))
    }
}

impl PartialOrd for Wide {
    fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Wide {
    fn cmp(&self, o: &Self) -> core::cmp::Ordering {
        self.0.iter().rev().cmp(o.0.iter().rev())
    }
}

/// SplitMix64: the seeded generator of the replay tests.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `len` pseudo-random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(len);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_products_compare_exactly() {
        let a = Wide::product(&[u128::MAX, u128::MAX]);
        let b = Wide::product(&[u128::MAX, u128::MAX - 1]);
        assert!(a > b);
        assert_eq!(Wide::product(&[1 << 100, 1 << 100]), Wide::product(&[1 << 120, 1 << 80]));
        assert!(Wide::new(5) < Wide::new(6));
        assert_eq!(Wide::product(&[3, 7]), Wide::new(21));
        // (2^64 + 1)^2 = 2^128 + 2^65 + 1
        let sq = Wide::product(&[(1 << 64) + 1, (1 << 64) + 1]);
        assert_eq!(sq, Wide::new(1 << 65 | 1).plus(Wide::new(1 << 64).times(1 << 64)));
    }
}
