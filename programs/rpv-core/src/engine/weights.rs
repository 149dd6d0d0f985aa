//! Risk-budgeting weights as `submit_weights` and `solve_weights` run them: the shared gate (no
//! flash rebalance open, a fresh risk state, at least one registered asset), then the risk
//! account's acceptance rule ([`risk_account::accept_weights`]) or its on-chain solve
//! ([`risk_account::solve_weights`]).

use super::{ensure, no_flash_rebalance, EngineError, EngineResult};
use crate::{
    fixed_point::Fx,
    layout::{RiskState, VaultState, MAX_N},
    risk_account,
    risk_parity::ONCHAIN_SOLVE_TOLERANCE,
};

/// Largest asset count `solve_weights` solves on-chain (`SolveTooLarge` beyond).
pub use rpv_interface::args::MAX_ONCHAIN_SOLVE;

/// Weights put in force: how many, and the sweeps an on-chain solve took (0 for submitted ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WeightsSummary {
    pub n: usize,
    pub sweeps: u32,
}

/// The rules both instructions share; returns the registered budgets (ppb) and their count.
fn gate(v: &VaultState, now: i64) -> EngineResult<([u64; MAX_N], usize)> {
    no_flash_rebalance(v)?;
    ensure(v.risk_is_fresh(now), EngineError::RiskStateStale)?;
    let mut budgets = [0u64; MAX_N];
    let n = v.budgets_ppb(&mut budgets);
    ensure(n > 0, EngineError::WrongVectorLength)?;
    Ok((budgets, n))
}

/// `submit_weights`: `weights` (I80F48 bits, one per registered asset, in registry order) go in
/// force if they pass the risk-budget check under the current covariance.
pub fn submit(v: &VaultState, r: &mut RiskState, weights: &[i128], now: i64) -> EngineResult<WeightsSummary> {
    let (budgets, n) = gate(v, now)?;
    ensure(weights.len() == n, EngineError::WrongVectorLength)?;
    let mut w = [Fx::ZERO; MAX_N];
    for (o, bits) in w.iter_mut().zip(weights) {
        *o = Fx::from_bits(*bits);
    }
    risk_account::accept_weights(r, &budgets[..n], &w[..n], now)?;
    Ok(WeightsSummary { n, sweeps: 0 })
}

/// `solve_weights`: the program solves the risk-budget weights itself (at most
/// [`MAX_ONCHAIN_SOLVE`] assets, `max_sweeps` sweeps) and puts them in force.
pub fn solve(v: &VaultState, r: &mut RiskState, max_sweeps: u32, now: i64) -> EngineResult<WeightsSummary> {
    let (budgets, n) = gate(v, now)?;
    ensure(n <= MAX_ONCHAIN_SOLVE, EngineError::SolveTooLarge)?;
    let stats = risk_account::solve_weights(r, &budgets[..n], ONCHAIN_SOLVE_TOLERANCE, max_sweeps, now)?;
    Ok(WeightsSummary { n, sweeps: stats.sweeps })
}
