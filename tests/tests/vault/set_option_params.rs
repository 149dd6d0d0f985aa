//! `set_option_params` — one test per Specification bullet.

use rpv_core::fixed_point::Fx;
use rpv_sdk::ix;
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn set_option_params_admin_only_with_ranges() {
    let mut f = Fixture::with_options(&[]).await;
    let risk = f.risk().await;
    for p in [
        ix::OptionParams { rate_bps: 5_001, ..Default::default() },
        ix::OptionParams { rate_bps: -1_001, ..Default::default() },
        ix::OptionParams { iv_blend_bps: 10_001, ..Default::default() },
        ix::OptionParams { max_gamma_bps: 10_000_001, ..Default::default() },
    ] {
        f.set_option_params(p).await.assert_error("InvalidOptionParams");
    }
    let u = f.user(0).await;
    let p = ix::OptionParams { rate_bps: 400, ..Default::default() };
    f.env.send(&[ix::set_option_params(&u.kp.pubkey(), &f.vault, p)], &[&u.kp]).await.assert_error("Unauthorized");
    assert_eq!(f.risk().await, risk);
    f.set_option_params(p).await.ok();
    assert_eq!(f.state().await.option_rate.get(), Fx::from_num(400) / Fx::from_num(10_000));
}

#[tokio::test]
async fn timelock_option_params_tighten_at_once_and_raise_through_a_proposal() {
    let mut f = Fixture::with_assets_and(2, |a| a.timelock_secs = 3_600).await;
    let d = ix::OptionParams::default();
    // a tighter delta limit applies at once
    f.set_option_params(ix::OptionParams { max_delta_bps: 10_000, ..d }).await.ok();
    assert_eq!(f.risk().await.max_delta.get(), rpv_core::fixed_point::Fx::ONE);
    // a higher limit, a removed limit, a rate or blend change: refused
    let before = f.risk().await;
    f.set_option_params(d).await.assert_error("TimelockRequired");
    f.set_option_params(ix::OptionParams { max_delta_bps: 0, ..d }).await.assert_error("TimelockRequired");
    f.set_option_params(ix::OptionParams { max_delta_bps: 10_000, rate_bps: 100, ..d })
        .await
        .assert_error("TimelockRequired");
    f.set_option_params(ix::OptionParams { max_delta_bps: 10_000, iv_blend_bps: 5_000, ..d })
        .await
        .assert_error("TimelockRequired");
    assert_eq!(f.risk().await, before);
    // through a proposal, from its eta
    f.propose(&ix::ConfigChange::OptionParams(d)).await.ok();
    f.env.advance_time(3_599).await;
    f.apply(ProposalKind::OptionParams).await.assert_error("TimelockNotExpired");
    f.env.advance_time(1).await;
    f.apply(ProposalKind::OptionParams).await.ok();
    assert_eq!(f.risk().await.max_delta.get(), rpv_core::fixed_point::Fx::from_num(2));
}
