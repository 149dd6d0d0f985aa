//! Roles and pause — one test per Specification bullet of `instructions/governance.rs`.
//! `cargo test pause` selects the pause group.

use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn funded(f: &mut Fixture) -> Keypair {
    let k = Keypair::new();
    f.env.fund(&k.pubkey(), 1_000_000_000).await;
    k
}

#[tokio::test]
async fn pause_refuses_deposits_but_never_in_kind_redemption() {
    let mut f = Fixture::with_assets(2).await;
    f.set_holdings(&[1_000_000_000, 20_000_000]).await;
    let u = f.user(20_000_000).await;
    f.deposit(&u, 10_000_000, 0).await.ok();
    let (g, v) = (f.admin.insecure_clone(), f.vault); // the admin is the first guardian
    let out = f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await;
    out.ok();
    assert!(f.state().await.is_paused());
    assert!(matches!(&out.events()[..], [Event::PausedSet(e)] if e.paused));
    f.deposit(&u, 1_000_000, 0).await.assert_error("VaultPaused");
    let from = f.asset_account(0, &u.kp.pubkey(), 1_000_000_000).await;
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 0).await.assert_error("VaultPaused");
    // refresh and withdrawals go on; in kind, even with every oracle stale
    f.step(60).await.ok();
    f.withdraw(&u, 100_000, 0).await.ok();
    f.env.advance_time(86_400).await;
    let accounts = f.holding_accounts(&u).await;
    let shares = f.env.token_amount(&u.share_token).await;
    f.redeem(&u, &accounts, shares, vec![]).await.ok();
    // unpause restores deposits
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, false)], &[&g]).await.ok();
    f.step(60).await.ok();
    f.deposit(&u, 1_000_000, 0).await.ok();
}

#[tokio::test]
async fn only_the_guardian_can_pause() {
    let mut f = Fixture::with_assets(1).await;
    let stranger = funded(&mut f).await;
    let v = f.vault;
    f.env.send(&[ix::set_paused(&stranger.pubkey(), &v, true)], &[&stranger]).await.assert_error("NotGuardian");
    // hand the role to a dedicated guardian: the admin can no longer pause
    let guardian = funded(&mut f).await;
    let admin = f.admin.insecure_clone();
    let out = f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &guardian.pubkey())], &[&admin]).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RoleChanged(e)] if e.role == 0));
    f.env.send(&[ix::set_paused(&admin.pubkey(), &v, true)], &[&admin]).await.assert_error("NotGuardian");
    f.env.send(&[ix::set_paused(&guardian.pubkey(), &v, true)], &[&guardian]).await.ok();
    assert!(f.state().await.is_paused());
}

#[tokio::test]
async fn only_the_admin_sets_the_guardian() {
    let mut f = Fixture::with_assets(1).await;
    let stranger = funded(&mut f).await;
    let v = f.vault;
    f.env
        .send(&[ix::set_guardian(&stranger.pubkey(), &v, &stranger.pubkey())], &[&stranger])
        .await
        .assert_error("Unauthorized");
    let admin = f.admin.insecure_clone();
    f.env
        .send(&[ix::set_guardian(&admin.pubkey(), &v, &solana_pubkey::Pubkey::default())], &[&admin])
        .await
        .assert_error("InvalidRole");
}

#[tokio::test]
async fn admin_transfer_takes_two_steps() {
    let mut f = Fixture::with_assets(1).await;
    let next = funded(&mut f).await;
    let stranger = funded(&mut f).await;
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
