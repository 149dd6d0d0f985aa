//! Fixed point: `I80F48` ([`Fx`]) and its checked arithmetic, the packed layout of symmetric
//! matrices. The storage type for zero-copy accounts, [`FxBits`](crate::layout::FxBits), lives
//! with the layouts.
//!
//! Fast paths: products and quotients of moderate values (the case here: covariances, weights,
//! budgets) use native `i128` operations on the raw bits instead of I80F48's 256-bit-safe
//! routines; out-of-range operands fall back to the checked I80F48 operations, so results are
//! identical either way.

use fixed::types::I80F48;

use crate::{error::CoreResult, layout::MAX_N, CoreError};

pub type Fx = I80F48;

pub const SECONDS_PER_YEAR: i64 = 365 * 86_400;

/// Index of `(i, j)` in the packed upper triangle with row stride `MAX_N`.
#[inline]
pub const fn packed_index(i: usize, j: usize) -> usize {
    let (i, j) = if i <= j { (i, j) } else { (j, i) };
    i * MAX_N - i * (i + 1) / 2 + j
}

const FRAC: u32 = 48;
/// Operands below 2^62 raw (values below 2^14) multiply in native i128 without overflow.
const SMALL: u128 = 1 << 62;

/// `a · b`, checked. Rounds toward −∞ (as I80F48 does).
#[inline]
pub fn mul(a: Fx, b: Fx) -> CoreResult<Fx> {
    let (x, y) = (a.to_bits(), b.to_bits());
    if x.unsigned_abs() < SMALL && y.unsigned_abs() < SMALL {
        // both below 2^62: the product is below 2^124 and cannot wrap
        return Ok(Fx::from_bits(x.wrapping_mul(y) >> FRAC));
    }
    a.checked_mul(b).ok_or(CoreError::MathOverflow)
}

/// `a / b`, checked (`MathDomain` for b = 0). Rounds toward zero.
#[inline]
pub fn div(a: Fx, b: Fx) -> CoreResult<Fx> {
    let (x, y) = (a.to_bits(), b.to_bits());
    if y == 0 {
        return Err(CoreError::MathDomain);
    }
    if x.unsigned_abs() < (1u128 << 78) {
        return Ok(Fx::from_bits((x << FRAC) / y));
    }
    a.checked_div(b).ok_or(CoreError::MathOverflow)
}

#[inline]
pub fn add(a: Fx, b: Fx) -> CoreResult<Fx> {
    a.checked_add(b).ok_or(CoreError::MathOverflow)
}

#[inline]
pub fn sub(a: Fx, b: Fx) -> CoreResult<Fx> {
    a.checked_sub(b).ok_or(CoreError::MathOverflow)
}
