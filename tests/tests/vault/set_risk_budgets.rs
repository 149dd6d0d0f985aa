//! `set_risk_budgets` — one test per Specification bullet.

use rpv_core::fixed_point::Fx;
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn risk_budgets_are_admin_only_validated_and_force_a_refresh() {
    let mut f = Fixture::with_assets(3).await;
    let intruder = f.env.funded_keypair().await;
    let v = f.vault;
    let good = vec![600_000_000, 300_000_000, 100_000_000];
    f.env
        .send(&[ix::set_risk_budgets(&intruder.pubkey(), &v, good.clone())], &[&intruder])
        .await
        .assert_error("Unauthorized");
    f.set_budgets(vec![500_000_000, 500_000_000]).await.assert_error("WrongVectorLength");
    f.set_budgets(vec![500_000_000, 500_000_000, 1]).await.assert_error("InvalidBudgets");
    f.set_budgets(vec![500_000_000, 500_000_000, 0]).await.assert_error("InvalidBudgets");
    let out = f.set_budgets(good.clone()).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RiskBudgetsSet(e)] if e.budgets_ppb == good));
    assert_eq!(risk_budgets(&f.state().await), good);
    // deposits wait for a refresh under the new budgets
    let u = f.user(10_000_000).await;
    f.deposit(&u, 1_000_000, 0).await.assert_error("RiskStateStale");
    f.step(60).await.ok();
    f.deposit(&u, 1_000_000, 0).await.ok();
    // inverse-vol weights follow the budgets: equal vols so far → weights ∝ budgets
    let w = f.risk().await.weights[0].get();
    assert!(w > Fx::from_num(0.5), "largest budget, largest weight: {w}");
}
