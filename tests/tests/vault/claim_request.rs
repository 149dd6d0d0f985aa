//! `claim_request` — one test per Specification bullet of
//! `instructions/requests/claim_request.rs` (the claim half; the cancel half is
//! `cancel_request.rs`).

use rpv_core::math::Rounding;
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn a_withdrawal_claim_pays_base_and_closes_the_finished_request() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(10_000_000).await, f.user(0).await);
    f.deposit(&u, 10_000_000, 0).await.ok();
    let (_, key) = f.request_withdraw(&u, 4_000_000).await;
    f.publish_after_requests().await;
    f.settle(&k, &[key]).await.ok();
    let owed = f.request_state(&key).await.unwrap().claimable;
    assert!(owed > 0);
    let rent = f.env.account(&key).await.unwrap().lamports;
    let lamports = f.env.account(&u.kp.pubkey()).await.unwrap().lamports;
    let out = f.claim(&u, &key).await;
    out.ok();
    assert_eq!(f.env.token_amount(&u.base_token).await, owed);
    assert_eq!(f.escrow_balance().await, 0);
    assert_eq!(f.state().await.flows.withdrawals.claimable, 0);
    assert!(f.request_state(&key).await.is_none(), "finished: closed");
    assert!(
        f.env.account(&u.kp.pubkey()).await.unwrap().lamports > lamports + rent - 10_000,
        "rent back (less the fee)"
    );
    match &out.events()[..] {
        [Event::RequestClaimed(e)] => assert_eq!((e.request, e.amount, e.closed), (key, owed, true)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_deposit_claim_mints_the_settled_shares() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(10_000_000).await, f.user(0).await);
    let (_, key) = f.request_deposit(&u, 5_000_000).await;
    f.publish_after_requests().await;
    f.settle(&k, &[key]).await.ok();
    let (shares, total) = (f.request_state(&key).await.unwrap().claimable, f.total_shares().await);
    let nav = f.nav(Rounding::Down).await;
    f.claim(&u, &key).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, shares);
    // minting what was already counted moves neither the total shares nor the NAV
    assert_eq!((f.total_shares().await, f.nav(Rounding::Down).await), (total, nav));
    assert_eq!(f.state().await.flows.deposits.claimable, 0);
}

#[tokio::test]
async fn only_the_owner_and_only_something_to_claim() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k, thief) = (f.user(10_000_000).await, f.user(0).await, f.user(0).await);
    let (_, key) = f.request_deposit(&u, 5_000_000).await;
    let s = f.state().await;
    f.claim(&u, &key).await.assert_error("NothingToClaim");
    f.publish_after_requests().await;
    f.settle(&k, &[key]).await.ok();
    let s2 = f.state().await;
    // the thief signs with its own accounts, or names the owner's
    f.claim(&thief, &key).await.assert_error("NotRequestOwner");
    let mut ix = ix::claim_request(&thief.kp.pubkey(), &f.vault, &s2, &key, &u.base_token, &u.share_token);
    ix.accounts[0].is_writable = true;
    f.env.send(&[ix], &[&thief.kp]).await.assert_error("NotRequestOwner");
    // the owner with a share account of another mint, or the escrow as its base account
    let ix = ix::claim_request(&u.kp.pubkey(), &f.vault, &s2, &key, &u.base_token, &u.base_token);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongMint");
    let escrow = rpv_sdk::pda::escrow(&f.vault).0;
    let ix = ix::claim_request(&u.kp.pubkey(), &f.vault, &s2, &key, &escrow, &u.share_token);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("DuplicateAccount");
    assert_eq!(f.state().await, s2);
    assert_ne!(s.flows, s2.flows);
    f.claim(&u, &key).await.ok();
    // closed: nothing left to claim
    f.claim(&u, &key).await.assert_failed();
}
