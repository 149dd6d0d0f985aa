//! `set_flow_params` — one test per Specification bullet of
//! `instructions/governance/set_flow_params.rs`.

use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

fn params() -> ix::FlowParams {
    ix::FlowParams::default()
}

#[tokio::test]
async fn only_the_admin_sets_parameters_in_range() {
    let mut f = Fixture::with_assets(1).await;
    let stranger = f.env.funded_keypair().await;
    let s = f.state().await;
    assert_eq!(s.flows.params, ix::FlowParams::DEFAULT, "a new vault starts at the defaults");
    let p = ix::FlowParams { cash_buffer_bps: 500, ..params() };
    f.env
        .send(&[ix::set_flow_params(&stranger.pubkey(), &f.vault, p)], &[&stranger])
        .await
        .assert_error("Unauthorized");
    for bad in [
        ix::FlowParams { cash_buffer_bps: 5_001, ..params() },
        ix::FlowParams { instant_fee_bps: 101, ..params() },
        ix::FlowParams { settle_incentive_bps: 11, ..params() },
        ix::FlowParams { settle_delay_secs: 0, ..params() },
        ix::FlowParams { settle_delay_secs: 301, ..params() },
        ix::FlowParams { settle_max_age: 0, ..params() },
        ix::FlowParams { settle_max_age: 3_601, ..params() },
    ] {
        f.send_as_admin(ix::set_flow_params(&f.admin.pubkey(), &f.vault, bad)).await.assert_error("InvalidFlowParams");
    }
    assert_eq!(f.state().await, s);
    let out = f.send_as_admin(ix::set_flow_params(&f.admin.pubkey(), &f.vault, p)).await;
    out.ok();
    assert_eq!(f.state().await.flows.params, p);
    assert!(matches!(&out.events()[..], [Event::FlowParamsSet(e)] if e.params == p));
}

#[tokio::test]
async fn a_costlier_setting_waits_for_the_timelock_the_buffer_does_not() {
    let mut f = Fixture::with_timelock(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok(); // outside shares: the timelock applies
    let admin = f.admin.pubkey();
    for raise in [
        ix::FlowParams { instant_fee_bps: 10, ..params() },
        ix::FlowParams { settle_incentive_bps: 3, ..params() },
        ix::FlowParams { settle_delay_secs: 1, ..params() },
        ix::FlowParams { settle_max_age: 61, ..params() },
    ] {
        f.send_as_admin(ix::set_flow_params(&admin, &f.vault, raise)).await.assert_error("TimelockRequired");
    }
    // the buffer and every tightening apply at once
    let p = ix::FlowParams { cash_buffer_bps: 1_000, settle_incentive_bps: 1, settle_max_age: 30, ..params() };
    f.send_as_admin(ix::set_flow_params(&admin, &f.vault, p)).await.ok();
    assert_eq!(f.state().await.flows.params, p);
    // a raise through the timelock
    let raise = ix::FlowParams { instant_fee_bps: 10, ..p };
    f.propose(&ix::ConfigChange::Flow(raise)).await.ok();
    f.apply(ix::ProposalKind::Flow).await.assert_error("TimelockNotExpired");
    let wait = i64::from(f.state().await.timelock_secs);
    f.env.advance_time(wait).await;
    f.apply(ix::ProposalKind::Flow).await.ok();
    assert_eq!(f.state().await.flows.params, raise);
    // an out-of-range change is refused when proposed
    let bad = ix::FlowParams { instant_fee_bps: 1_000, ..p };
    f.propose(&ix::ConfigChange::Flow(bad)).await.assert_error("InvalidFlowParams");
}
