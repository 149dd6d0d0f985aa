//! `set_fee_recipient` — one test per Specification bullet.

use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn fee_recipient_is_set_by_the_admin_only() {
    let (mut f, old, old_account) = Fixture::with_fees(0, 500, 0).await;
    let stranger = f.env.funded_keypair().await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let new = Keypair::new().pubkey();
    let out = f.env.send(&[ix::set_fee_recipient(&stranger.pubkey(), &v, &new)], &[&stranger]).await;
    out.assert_error("Unauthorized");
    let out = f.env.send(&[ix::set_fee_recipient(&admin.pubkey(), &v, &Pubkey::default())], &[&admin]).await;
    out.assert_error("InvalidRole");
    assert_eq!(f.state().await.fees.recipient, old.to_bytes());
    let out = f.env.send(&[ix::set_fee_recipient(&admin.pubkey(), &v, &new)], &[&admin]).await;
    out.ok();
    match &out.events()[..] {
        [Event::RoleChanged(e)] => assert_eq!((e.role, e.old, e.new), (3, old, new)),
        other => panic!("expected RoleChanged, got {other:?}"),
    }
    // pending shares now go to the new recipient only
    f.env.advance_time(DAY).await;
    f.accrue_fees(&old_account).await.assert_error("WrongFeeRecipient");
    let new_account = f.share_account(&new).await;
    f.accrue_fees(&new_account).await.ok();
    assert!(f.env.token_amount(&new_account).await > 0);
    assert_eq!(f.env.token_amount(&old_account).await, 0);
}
