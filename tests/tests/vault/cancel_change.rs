//! `cancel_change` — one test per Specification bullet.

use rpv_sdk::{events::Event, ix, ix::ConfigChange, pda};
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn timelock_cancel_by_admin_or_guardian_returns_the_rent() {
    let mut f = Fixture::with_timelock(1).await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let guardian = f.env.funded_keypair().await;
    f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &guardian.pubkey())], &[&admin]).await.ok();
    let stranger = f.env.funded_keypair().await;
    f.propose(&ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 }).await.ok();
    let cancel = |by: &Pubkey| ix::cancel_change(by, &v, ProposalKind::Fees, &admin.pubkey());
    f.env.send(&[cancel(&stranger.pubkey())], &[&stranger]).await.assert_error("NotAdminOrGuardian");
    assert!(f.proposal(ProposalKind::Fees).await.is_some());
    let key = pda::proposal(&v, ProposalKind::Fees).0;
    let rent = f.env.account(&key).await.unwrap().lamports;
    let admin_before = f.env.account(&admin.pubkey()).await.unwrap().lamports;
    let out = f.env.send(&[cancel(&guardian.pubkey())], &[&guardian]).await;
    out.ok();
    match &out.events()[..] {
        [Event::ChangeCancelled(e)] => assert_eq!((e.kind, e.by), (ProposalKind::Fees, guardian.pubkey())),
        other => panic!("expected ChangeCancelled, got {other:?}"),
    }
    assert!(f.env.account(&key).await.is_none());
    assert_eq!(f.env.account(&admin.pubkey()).await.unwrap().lamports, admin_before + rent);
    // nothing left to apply (Anchor: AccountNotInitialized)
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    f.apply(ProposalKind::Fees).await.assert_anchor_error(3012);
    assert_eq!(f.state().await.fees.management_bps, 200);
    // the admin may cancel too
    f.propose(&ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 }).await.ok();
    f.env.send(&[cancel(&admin.pubkey())], &[&admin]).await.ok();
    assert!(f.proposal(ProposalKind::Fees).await.is_none());
}
