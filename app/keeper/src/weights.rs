//! Risk-budget weights computed off-chain for `submit_weights`, on exactly what the program
//! verifies: the risk account's stored covariance (or, with option series, the position
//! covariance over the positions in the model), the budgets renormalised over those positions,
//! and the program's acceptance rule (`rpv_core::risk_account::accept_weights`, run here on a copy of
//! the risk state before anything is sent).

use rpv_core::{
    error::CoreResult,
    exposure::position_covariance,
    fixed_point::Fx,
    layout::{RiskState, VaultState, MAX_N, METHOD_RISK_BUDGET},
    risk_account::{self, View},
    risk_parity::risk_budget_weights,
};

/// Relative tolerance of the off-chain solve (2⁻⁴⁸ · 28 ≈ 1e-13: far inside the program's
/// acceptance tolerance, 1e-4 by default).
pub const SOLVE_TOLERANCE: Fx = Fx::from_bits(28);
pub use rpv_core::risk_parity::OFFCHAIN_MAX_SWEEPS as MAX_SWEEPS;

fn budgets(v: &VaultState) -> ([u64; MAX_N], usize) {
    let mut b = [0u64; MAX_N];
    let n = v.budgets_ppb(&mut b);
    (b, n)
}

/// Whether `w` (I80F48 bits, one per registered slot) would be accepted by `submit_weights`
/// at `now`: the program's own check on a copy of the risk state.
pub fn accepted(v: &VaultState, r: &RiskState, w: &[i128], now: i64) -> CoreResult<()> {
    let (b, n) = budgets(v);
    let w: Vec<Fx> = w.iter().map(|x| Fx::from_bits(*x)).collect();
    let mut copy = *r;
    risk_account::accept_weights(&mut copy, &b[..n], &w, now)
}

/// Whether the vault asks for submitted weights (risk budgeting) and the weights in force will
/// not hold through the next sample: they no longer satisfy the budgets under the current
/// covariance (the program's own check: after a refresh moved the covariance, or the inverse-vol
/// weights the program fell back to when it dropped accepted ones — the `WeightsFellBack`
/// event — or after an asset was added), or they are accepted weights that expire at the next
/// sample ([`risk_account::weights_expire_at_next_sample`]).
pub fn stale(v: &VaultState, r: &RiskState, now: i64) -> bool {
    if r.method != METHOD_RISK_BUDGET || v.num_assets == 0 {
        return false;
    }
    if r.weights_accepted != 0 && risk_account::weights_expire_at_next_sample(r) {
        return true;
    }
    let n = usize::from(v.num_assets);
    let in_force: Vec<i128> = r.weights[..n].iter().map(|x| x.get().to_bits()).collect();
    accepted(v, r, &in_force, now).is_err()
}

/// Solves the risk-budget weights for the vault's budgets under the risk state's model, one per
/// registered slot (zero for slots outside the model), and checks the program would accept them.
pub fn solve(v: &VaultState, r: &RiskState, now: i64) -> CoreResult<Vec<i128>> {
    let (b, n) = budgets(v);
    let bk = risk_account::book(r, &b[..n])?;
    let m = bk.m;
    let mut w = [Fx::ZERO; MAX_N];
    match &bk.view {
        View::Plain(c) => {
            risk_budget_weights(c, &bk.b[..m], &mut w[..m], SOLVE_TOLERANCE, MAX_SWEEPS)?;
        }
        View::Positions(p) => {
            let dense = position_covariance(&p.c, &p.e, risk_account::gamma_horizon(r)?)?;
            risk_budget_weights(&dense, &bk.b[..m], &mut w[..m], SOLVE_TOLERANCE, MAX_SWEEPS)?;
        }
    }
    let mut out = vec![0i128; n];
    for k in 0..m {
        out[bk.idx[k]] = w[k].to_bits();
    }
    accepted(v, r, &out, now)?;
    Ok(out)
}
