//! `propose_admin` and `accept_admin`, the two steps of one admin transfer — one test per
//! Specification bullet of both.

use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn admin_transfer_takes_two_steps() {
    let mut f = Fixture::with_assets(1).await;
    let next = f.env.funded_keypair().await;
    let stranger = f.env.funded_keypair().await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    f.env
        .send(&[ix::propose_admin(&stranger.pubkey(), &v, &stranger.pubkey())], &[&stranger])
        .await
        .assert_error("Unauthorized");
    f.env.send(&[ix::accept_admin(&next.pubkey(), &v)], &[&next]).await.assert_error("NotPendingAdmin");
    f.env.send(&[ix::propose_admin(&admin.pubkey(), &v, &next.pubkey())], &[&admin]).await.ok();
    assert_eq!(f.state().await.admin, admin.pubkey().to_bytes(), "nothing changes until accepted");
    f.env.send(&[ix::accept_admin(&stranger.pubkey(), &v)], &[&stranger]).await.assert_error("NotPendingAdmin");
    let out = f.env.send(&[ix::accept_admin(&next.pubkey(), &v)], &[&next]).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RoleChanged(e)] if e.role == 2 && e.new == next.pubkey()));
    let s = f.state().await;
    assert_eq!((s.admin, s.pending_admin), (next.pubkey().to_bytes(), [0; 32]));
    // the old admin has lost its rights; the new one has them
    let p = ix::RiskParams::default();
    f.env.send(&[ix::set_risk_params(&admin.pubkey(), &v, p)], &[&admin]).await.assert_error("Unauthorized");
    f.env.send(&[ix::set_risk_params(&next.pubkey(), &v, p)], &[&next]).await.ok();
}
