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
