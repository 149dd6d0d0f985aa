//! `cancel_request` — the cancel half of `instructions/requests/claim_request.rs`'s
//! Specification.

use rpv_core::math::Rounding;
use rpv_sdk::events::Event;
use rpv_tests::*;

#[tokio::test]
async fn a_pending_deposit_is_refunded_at_once_whatever_the_prices() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let (_, key) = f.request_deposit(&u, 6_000_000).await;
    f.env.advance_time(10_000).await; // every feed dead: nothing is priced
    let out = f.cancel(&u, &key).await;
    out.ok();
    assert_eq!(f.env.token_amount(&u.base_token).await, 10_000_000);
    assert_eq!(f.escrow_balance().await, 0);
    let s = f.state().await;
    assert_eq!((s.flows.deposits.pending, s.flows.deposits.head), (0, 1));
    assert!(f.request_state(&key).await.is_none(), "the head, finished: closed");
    match &out.events()[..] {
        [Event::RequestCancelled(e)] => assert_eq!((e.request, e.refunded, e.closed), (key, 6_000_000, true)),
        other => panic!("{other:?}"),
    }
    f.cancel(&u, &key).await.assert_failed();
}

#[tokio::test]
async fn a_pending_withdrawal_gets_its_shares_back() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 10_000_000, 0).await.ok();
    let (nav, total) = (f.nav(Rounding::Down).await, f.total_shares().await);
    let (_, key) = f.request_withdraw(&u, 4_000_000).await;
    f.cancel(&u, &key).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, 10_000_000);
    assert_eq!((f.nav(Rounding::Down).await, f.total_shares().await), (nav, total));
    assert_eq!(f.state().await.flows.withdrawals.pending, 0);
}

#[tokio::test]
async fn a_partly_filled_request_keeps_what_settled() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    f.deposit(&u, 99_000_000, 0).await.ok();
    let mut s = f.state().await;
    s.base_quantity = 10_000_000; // most of the vault invested (test set-up)
    f.write_state(&s).await;
    f.set_holdings(&[8_571_428_571]).await;
    let (_, key) = f.request_withdraw(&u, 50_000_000).await;
    f.publish_after_requests().await;
    f.settle(&k, &[key]).await.ok();
    let r = f.request_state(&key).await.unwrap();
    assert!(r.pending > 0 && r.claimable > 0);
    let shares = f.env.token_amount(&u.share_token).await;
    f.cancel(&u, &key).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, shares + r.pending);
    let after = f.request_state(&key).await.expect("still claimable: open");
    assert_eq!((after.pending, after.claimable), (0, r.claimable));
    assert_eq!(f.state().await.flows.withdrawals.head, 1, "the head moved past it");
    f.claim(&u, &key).await.ok();
    assert!(f.request_state(&key).await.is_none());
}

#[tokio::test]
async fn only_the_owner_and_only_something_pending() {
    let mut f = Fixture::with_assets(1).await;
    let (u, thief) = (f.user(10_000_000).await, f.user(0).await);
    let (_, key) = f.request_deposit(&u, 5_000_000).await;
    let s = f.state().await;
    f.cancel(&thief, &key).await.assert_error("NotRequestOwner");
    assert_eq!(f.state().await, s);
    assert_eq!(f.escrow_balance().await, 5_000_000);
    let (_, other) = f.request_deposit(&u, 5_000_000).await;
    f.cancel(&u, &other).await.ok(); // not the head: stays open, nothing pending
    f.cancel(&u, &other).await.assert_error("NothingToCancel");
}
