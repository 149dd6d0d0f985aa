//! Symmetric matrices as the weight algorithms read them: the packed on-chain storage and a
//! dense off-chain form.

use crate::{
    error::CoreResult,
    fixed_point::{add, mul, packed_index, Fx},
    layout::FxBits,
};

/// Read access to a symmetric `n × n` matrix.
///
/// The provided methods are what the weight algorithms use; a structured matrix (the position
/// covariance of [`crate::exposure::PositionModel`]) overrides them with cheaper evaluations.
pub trait SymMatrix {
    fn n(&self) -> usize;
    fn at(&self, i: usize, j: usize) -> Fx;
    /// Diagonal entry `i` (a variance).
    fn diag(&self, i: usize) -> CoreResult<Fx> {
        Ok(self.at(i, i))
    }
    /// `out = M·w`.
    fn mat_vec(&self, w: &[Fx], out: &mut [Fx]) -> CoreResult<()> {
        mat_vec_entries(self, w, out)
    }
    /// `wᵀMw`.
    fn quad(&self, w: &[Fx]) -> CoreResult<Fx> {
        quad_form_entries(self, w)
    }
}

/// A packed symmetric matrix over raw-bit storage (the on-chain layout).
pub struct Packed<'a> {
    pub n: usize,
    pub bits: &'a [FxBits],
}

impl SymMatrix for Packed<'_> {
    fn n(&self) -> usize {
        self.n
    }
    #[inline]
    fn at(&self, i: usize, j: usize) -> Fx {
        self.bits[packed_index(i, j)].get()
    }
}

/// A dense symmetric matrix (off-chain inputs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dense {
    pub rows: Vec<Vec<Fx>>,
}

impl SymMatrix for Dense {
    fn n(&self) -> usize {
        self.rows.len()
    }
    fn at(&self, i: usize, j: usize) -> Fx {
        self.rows[i][j]
    }
}

/// `Cw` for a symmetric matrix, reading each stored entry once (upper triangle).
fn mat_vec_entries<M: SymMatrix + ?Sized>(c: &M, w: &[Fx], out: &mut [Fx]) -> CoreResult<()> {
    let n = c.n();
    for i in 0..n {
        out[i] = mul(c.at(i, i), w[i])?;
    }
    for i in 0..n {
        for j in i + 1..n {
            let cij = c.at(i, j);
            out[i] = add(out[i], mul(cij, w[j])?)?;
            out[j] = add(out[j], mul(cij, w[i])?)?;
        }
    }
    Ok(())
}

/// `wᵀCw`, using symmetry: `Σ_i w_i (C_ii w_i + 2 Σ_{j>i} C_ij w_j)` (n(n+1)/2 products).
fn quad_form_entries<M: SymMatrix + ?Sized>(c: &M, w: &[Fx]) -> CoreResult<Fx> {
    let n = c.n();
    let mut q = Fx::ZERO;
    for i in 0..n {
        let mut off = Fx::ZERO;
        for j in i + 1..n {
            off = add(off, mul(c.at(i, j), w[j])?)?;
        }
        let row = add(mul(c.at(i, i), w[i])?, add(off, off)?)?;
        q = add(q, mul(w[i], row)?)?;
    }
    Ok(q)
}
