//! `submit_weights` — one test per Specification bullet: weights are accepted only when their
//! risk contributions match the budgets, and only on a fresh risk state.

use rpv_core::{
    fixed_point::Fx,
    layout::{RiskState, METHOD_RISK_BUDGET},
    matrix::Packed,
    risk_account,
    risk_parity::{budgets_from_ppb, risk_budget_weights},
};
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

/// Three refreshes of three assets that move together and apart: `(seconds, price factors)`.
pub(crate) const CORRELATED_MOVES: [(i64, [f64; 3]); 3] =
    [(3_600, [1.02, 1.015, 0.99]), (3_600, [0.98, 0.99, 1.02]), (7_200, [1.03, 1.02, 1.0])];

/// The budgets of [`risk_budget_vault`]: 50 %, 30 %, 20 %.
pub(crate) const BUDGETS: [u64; 3] = [500_000_000, 300_000_000, 200_000_000];

/// A 3-asset vault of method 1 with [`BUDGETS`] and `params` otherwise, after the refreshes of
/// [`CORRELATED_MOVES`].
pub(crate) async fn risk_budget_vault(params: ix::RiskParams) -> Fixture {
    let mut f = Fixture::with_assets(3).await;
    f.set_risk_params(ix::RiskParams { method: METHOD_RISK_BUDGET, ..params }).await.ok();
    f.set_budgets(BUDGETS.to_vec()).await.ok();
    for (dt, m) in CORRELATED_MOVES {
        f.move_prices(dt, &m).await;
        f.refresh().await.ok();
    }
    f
}

/// The risk-budget weights for [`BUDGETS`] on `r`'s covariance, solved off-chain far inside the
/// acceptance tolerance.
pub(crate) fn solved_weights(r: &RiskState) -> [Fx; 3] {
    let mut b = [Fx::ZERO; 3];
    budgets_from_ppb(&BUDGETS, &mut b).unwrap();
    let mut w = [Fx::ZERO; 3];
    risk_budget_weights(&Packed { n: 3, bits: &r.cov }, &b, &mut w, Fx::from_bits(28), 10_000).unwrap();
    w
}

pub(crate) fn to_bits(w: &[Fx]) -> Vec<i128> {
    w.iter().map(|x| x.to_bits()).collect()
}

#[tokio::test]
async fn submitted_weights_are_accepted_only_when_risk_contributions_match() {
    let mut f = risk_budget_vault(ix::RiskParams::default()).await;
    let r = f.risk().await;
    let w = solved_weights(&r);
    let bits = to_bits(&w);
    let keeper = f.env.funded_keypair().await;
    let vault = f.vault;
    // wrong length, perturbed, negative: refused, nothing changes
    let bad = [
        (bits[..2].to_vec(), "WrongVectorLength"),
        (vec![bits[0] + (1 << 44), bits[1] - (1 << 44), bits[2]], "RiskBudgetMismatch"),
        (vec![-bits[0], bits[1] + 2 * bits[0], bits[2]], "RiskBudgetMismatch"),
    ];
    for (v, err) in bad {
        f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, v)], &[&keeper]).await.assert_error(err);
    }
    assert_eq!(f.risk().await, r);
    let out = f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, bits.clone())], &[&keeper]).await;
    out.ok();
    let after = f.risk().await;
    assert_eq!(weight_bits(&after, 3), bits);
    let mut want = r;
    risk_account::accept_weights(&mut want, &BUDGETS, &w, f.env.now().await).unwrap();
    assert_eq!(after, want, "same state as the core model");
    assert!(matches!(&out.events()[..], [Event::WeightsAccepted(e)] if e.source == 0 && e.by == keeper.pubkey()));
    // while the method is risk budgeting, refresh keeps the accepted weights
    f.step(60).await.ok();
    assert_eq!(weight_bits(&f.risk().await, 3), bits);
}

#[tokio::test]
async fn submissions_and_solves_need_a_fresh_risk_state() {
    let mut f = Fixture::with_assets(2).await;
    let w = weight_bits(&f.risk().await, 2);
    f.env.advance_time(901).await;
    let (k, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::submit_weights(&k.pubkey(), &v, w)], &[&k]).await.assert_error("RiskStateStale");
    f.env.send(&[ix::solve_weights(&k.pubkey(), &v, 500)], &[&k]).await.assert_error("RiskStateStale");
}

/// Weights with the right risk contributions but summing to 1 + 5e-5 (inside the default
/// RC tolerance of 1e-4): they would raise every target, and gross exposure, above
/// `L · NAV`. The sum has its own tolerance (`WEIGHT_SUM_TOLERANCE`), far tighter than the
/// RC tolerance: refused (`RiskBudgetMismatch`), nothing changes.
#[tokio::test]
async fn attack_weights_summing_above_one_inflate_exposure() {
    let mut f = risk_budget_vault(ix::RiskParams::default()).await;
    let w = solved_weights(&f.risk().await);
    let inflated: Vec<i128> = w.iter().map(|x| (*x * Fx::from_num(1.000_05)).to_bits()).collect();
    let keeper = f.env.funded_keypair().await;
    let vault = f.vault;
    let before = f.vault_and_risk_bytes().await;
    f.env
        .send(&[ix::submit_weights(&keeper.pubkey(), &vault, inflated)], &[&keeper])
        .await
        .assert_error("RiskBudgetMismatch");
    assert_eq!(f.vault_and_risk_bytes().await, before, "nothing changes");
    // the same weights at their true scale are accepted
    let bits = to_bits(&w);
    f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, bits.clone())], &[&keeper]).await.ok();
    assert_eq!(weight_bits(&f.risk().await, 3), bits);
}
