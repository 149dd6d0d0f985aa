//! `rebalance_begin` (flash mode, paired with `rebalance_end`) — one test per Specification
//! bullet. `cargo test rebalance` selects the rebalancing group.

use rpv_sdk::TOKEN_PROGRAM_ID;
use rpv_tests::*;
use solana_signer::Signer;

use super::rebalance::funded;

#[tokio::test]
async fn rebalance_flash_mode_round_trip() {
    let mut f = funded(loose_rebalance_params()).await;
    // a keeper with no inventory of the leg: the vault sends base first, a venue delivers
    let k = f.keeper(0, 0).await;
    let venue = f.env.funded_keypair().await;
    let venue_asset = f.asset_account(0, &venue.pubkey(), 1_000_000_000_000_000).await;
    let s = f.state().await;
    let plan = f.planned(0).await;
    let venue_base = f.env.create_token_account(&TOKEN_PROGRAM_ID, &f.base_mint.clone(), &venue.pubkey()).await;
    let ixs = f.flash_with_delivery(&k, 0, &venue, (venue_base, venue_asset)).await;
    let out = f.env.send(&ixs, &[&k.kp, &venue]).await;
    out.ok();
    let e = &rebalanced(&out)[0];
    assert!(e.flash);
    assert_eq!((e.qty, e.base_amount), (plan.qty, plan.base_amount), "the program did what the core planned");
    assert_eq!(f.env.token_amount(&k.base_token).await, plan.base_amount, "the keeper got the base");
    let after = f.state().await;
    assert_eq!(after.assets[0].quantity, s.assets[0].quantity + plan.qty);
    assert!(!after.is_rebalancing());
    assert_eq!(f.risk().await.flash, Default::default());
}
