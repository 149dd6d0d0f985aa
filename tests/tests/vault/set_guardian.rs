//! `set_guardian` — one test per Specification bullet.

use rpv_sdk::ix;
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn only_the_admin_sets_the_guardian() {
    let mut f = Fixture::with_assets(1).await;
    let stranger = f.env.funded_keypair().await;
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
async fn share_mint_is_checked_and_outside_shares_under_a_timelock_need_a_proposal() {
    let mut f = Fixture::with_timelock(1).await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let g1 = f.env.funded_keypair().await.pubkey();
    let mut wrong = ix::set_guardian(&admin.pubkey(), &v, &g1);
    wrong.accounts[2].pubkey = f.base_mint;
    f.env.send(&[wrong], &[&admin]).await.assert_error("WrongShareMint");
    // no outside shares yet: at once
    f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &g1)], &[&admin]).await.ok();
    assert_eq!(f.state().await.guardian, g1.to_bytes());
    let u = f.user(10 * USDC).await;
    f.deposit(&u, 10 * USDC, 0).await.ok();
    let g2 = f.env.funded_keypair().await.pubkey();
    f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &g2)], &[&admin]).await.assert_error("TimelockRequired");
    f.propose(&ix::ConfigChange::Guardian([0; 32])).await.assert_error("InvalidRole");
    f.propose(&ix::ConfigChange::Guardian(g2.to_bytes())).await.ok();
    f.apply(ProposalKind::Guardian).await.assert_error("TimelockNotExpired");
    f.env.advance_time(DAY).await;
    let out = f.apply(ProposalKind::Guardian).await;
    out.ok();
    assert!(out
        .events()
        .iter()
        .any(|e| matches!(e, rpv_sdk::events::Event::RoleChanged(r) if r.role == 0 && r.new == g2)));
    assert_eq!(f.state().await.guardian, g2.to_bytes());
}
