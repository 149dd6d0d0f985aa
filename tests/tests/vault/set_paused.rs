//! `set_paused` — one test per Specification bullet: only the guardian pauses, and a pause
//! refuses deposits but never in-kind redemption. `cargo test pause` selects this group.

use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

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
    let stranger = f.env.funded_keypair().await;
    let v = f.vault;
    f.env.send(&[ix::set_paused(&stranger.pubkey(), &v, true)], &[&stranger]).await.assert_error("NotGuardian");
    // hand the role to a dedicated guardian: the admin can no longer pause
    let guardian = f.env.funded_keypair().await;
    let admin = f.admin.insecure_clone();
    let out = f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &guardian.pubkey())], &[&admin]).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RoleChanged(e)] if e.role == 0));
    f.env.send(&[ix::set_paused(&admin.pubkey(), &v, true)], &[&admin]).await.assert_error("NotGuardian");
    f.env.send(&[ix::set_paused(&guardian.pubkey(), &v, true)], &[&guardian]).await.ok();
    assert!(f.state().await.is_paused());
}
