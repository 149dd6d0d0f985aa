//! `set_rebalance_params` — one test per Specification bullet.

use rpv_core::layout::RebalanceConfig;
use rpv_sdk::ix;
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn rebalance_params_validation_roles_and_timelock() {
    let mut f = Fixture::with_assets(2).await;
    let defaults = ix::RebalanceParams::default();
    assert_eq!(f.risk().await.rebalance, RebalanceConfig::DEFAULT);
    f.set_rebalance_params(ix::RebalanceParams { keeper_bps: 60, ..defaults })
        .await
        .assert_error("InvalidRebalanceParams");
    f.set_rebalance_params(ix::RebalanceParams { max_reduction_bps: 3_000, ..defaults })
        .await
        .assert_error("InvalidRebalanceParams");
    let stranger = f.env.funded_keypair().await;
    let ix = ix::set_rebalance_params(&stranger.pubkey(), &f.vault, defaults);
    f.env.send(&[ix], &[&stranger]).await.assert_error("Unauthorized");
    let out = f.set_rebalance_params(ix::RebalanceParams { keeper_bps: 2, ..defaults }).await;
    out.ok();
    assert_eq!(f.risk().await.rebalance.keeper_bps, 2);

    // with a timelock: tightening applies at once, a raise must be proposed
    let mut g = Fixture::with_assets_and(2, |a| a.timelock_secs = 3_600).await;
    g.set_rebalance_params(ix::RebalanceParams { max_leg_bps: 100, ..defaults }).await.ok();
    g.set_rebalance_params(defaults).await.assert_error("TimelockRequired");
    g.propose(&ix::ConfigChange::Rebalance(defaults)).await.ok();
    g.env.advance_time(3_600).await;
    g.apply(ProposalKind::Rebalance).await.ok();
    assert_eq!(g.risk().await.rebalance, RebalanceConfig::DEFAULT);
}
