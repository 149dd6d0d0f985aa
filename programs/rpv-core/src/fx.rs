//! I80F48 storage for zero-copy accounts and the packed layout of symmetric matrices.

use bytemuck::{Pod, Zeroable};
use fixed::types::I80F48;

pub type Fx = I80F48;

/// Largest number of underlyings.
pub const MAX_N: usize = 16;
/// Entries of the packed upper triangle for `MAX_N` (row stride fixed at `MAX_N`).
pub const PACKED_LEN: usize = MAX_N * (MAX_N + 1) / 2;
pub const SECONDS_PER_YEAR: i64 = 365 * 86_400;

/// An I80F48 stored as raw little-endian bits (alignment 1, for zero-copy accounts).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct FxBits(pub [u8; 16]);

impl FxBits {
    pub fn get(&self) -> Fx {
        Fx::from_bits(i128::from_le_bytes(self.0))
    }
    pub fn set(&mut self, v: Fx) {
        self.0 = v.to_bits().to_le_bytes();
    }
    pub fn from_fx(v: Fx) -> Self {
        Self(v.to_bits().to_le_bytes())
    }
}

/// Index of `(i, j)` in the packed upper triangle with row stride `MAX_N`.
#[inline]
pub const fn packed_index(i: usize, j: usize) -> usize {
    let (i, j) = if i <= j { (i, j) } else { (j, i) };
    i * MAX_N - i * (i + 1) / 2 + j
}
