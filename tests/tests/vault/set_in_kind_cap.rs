//! `set_in_kind_cap` — one test per Specification bullet.

use rpv_sdk::{events::Event, ix, ix::ConfigChange};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn only_the_admin_for_a_registered_slot() {
    let mut f = Fixture::with_assets(1).await;
    let intruder = f.env.funded_keypair().await;
    let ix = ix::set_in_kind_cap(&intruder.pubkey(), &f.vault, 0, 1);
    f.env.send(&[ix], &[&intruder]).await.assert_error("Unauthorized");
    let ix = ix::set_in_kind_cap(&f.admin.pubkey(), &f.vault, 1, 1);
    f.send_as_admin(ix).await.assert_error("UnknownAsset");
    assert_eq!(f.state().await.assets[0].in_kind_cap, IN_KIND_CAP);
}

#[tokio::test]
async fn sets_the_cap_and_emits() {
    let mut f = Fixture::with_assets(1).await;
    let out = f.send_as_admin(ix::set_in_kind_cap(&f.admin.pubkey(), &f.vault, 0, 5)).await;
    out.ok();
    match &out.events()[..] {
        [Event::InKindCapSet(e)] => assert_eq!((e.index, e.cap), (0, 5)),
        other => panic!("expected InKindCapSet, got {other:?}"),
    }
    assert_eq!(f.state().await.assets[0].in_kind_cap, 5);
    // no timelock: a raise applies at once too
    f.send_as_admin(ix::set_in_kind_cap(&f.admin.pubkey(), &f.vault, 0, 50)).await.ok();
    assert_eq!(f.state().await.assets[0].in_kind_cap, 50);
}

#[tokio::test]
async fn under_a_timelock_a_lowering_applies_at_once_and_a_raise_waits() {
    let mut f = Fixture::with_timelock(1).await;
    let (admin, v) = (f.admin.pubkey(), f.vault);
    f.send_as_admin(ix::set_in_kind_cap(&admin, &v, 0, 1_000)).await.ok();
    assert_eq!(f.state().await.assets[0].in_kind_cap, 1_000);
    let before = f.state().await;
    f.send_as_admin(ix::set_in_kind_cap(&admin, &v, 0, 1_001)).await.assert_error("TimelockRequired");
    assert_eq!(f.state().await, before);
    // the raise through the timelock
    f.propose(&ConfigChange::InKindCap { index: 3, cap: 2_000 }).await.assert_error("UnknownAsset");
    f.propose(&ConfigChange::InKindCap { index: 0, cap: 2_000 }).await.ok();
    f.apply(ProposalKind::InKindCap).await.assert_error("TimelockNotExpired");
    f.env.advance_time(DAY).await;
    let out = f.apply(ProposalKind::InKindCap).await;
    out.ok();
    assert!(out.events().iter().any(|e| matches!(e, Event::InKindCapSet(c) if c.cap == 2_000)));
    assert_eq!(f.state().await.assets[0].in_kind_cap, 2_000);
}
