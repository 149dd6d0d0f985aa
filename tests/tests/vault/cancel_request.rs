//! `cancel_request` — the cancel half of `instructions/requests/claim_request.rs`'s
//! Specification.

use rpv_core::math::Rounding;
use rpv_sdk::events::Event;
use rpv_tests::*;

use crate::flow_support::*;

#[tokio::test]
async fn a_pending_deposit_is_refunded_at_once_whatever_the_prices() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let (_, key) = request_deposit(&mut f, &u, 6_000_000).await;
    f.env.advance_time(10_000).await; // every feed dead: nothing is priced
    let out = cancel(&mut f, &u, &key).await;
    out.ok();
    assert_eq!(f.env.token_amount(&u.base_token).await, 10_000_000);
    assert_eq!(escrow_balance(&mut f).await, 0);
    let s = f.state().await;
    assert_eq!((s.flows.deposits.pending, s.flows.deposits.head), (0, 1));
    assert!(request(&mut f, &key).await.is_none(), "the head, finished: closed");
    match &out.events()[..] {
        [Event::RequestCancelled(e)] => assert_eq!((e.request, e.refunded, e.closed), (key, 6_000_000, true)),
        other => panic!("{other:?}"),
    }
    cancel(&mut f, &u, &key).await.assert_failed();
}

#[tokio::test]
async fn a_pending_withdrawal_gets_its_shares_back() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 10_000_000, 0).await.ok();
    let (nav, total) = (f.nav(Rounding::Down).await, f.total_shares().await);
    let (_, key) = request_withdraw(&mut f, &u, 4_000_000).await;
    cancel(&mut f, &u, &key).await.ok();
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
    let (_, key) = request_withdraw(&mut f, &u, 50_000_000).await;
    later_prices(&mut f).await;
    settle(&mut f, &k, &[key]).await.ok();
    let r = request(&mut f, &key).await.unwrap();
    assert!(r.pending > 0 && r.claimable > 0);
    let shares = f.env.token_amount(&u.share_token).await;
    cancel(&mut f, &u, &key).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, shares + r.pending);
    let after = request(&mut f, &key).await.expect("still claimable: open");
    assert_eq!((after.pending, after.claimable), (0, r.claimable));
    assert_eq!(f.state().await.flows.withdrawals.head, 1, "the head moved past it");
    claim(&mut f, &u, &key).await.ok();
    assert!(request(&mut f, &key).await.is_none());
}

#[tokio::test]
async fn only_the_owner_and_only_something_pending() {
    let mut f = Fixture::with_assets(1).await;
    let (u, thief) = (f.user(10_000_000).await, f.user(0).await);
    let (_, key) = request_deposit(&mut f, &u, 5_000_000).await;
    let s = f.state().await;
    cancel(&mut f, &thief, &key).await.assert_error("NotRequestOwner");
    assert_eq!(f.state().await, s);
    assert_eq!(escrow_balance(&mut f).await, 5_000_000);
    let (_, other) = request_deposit(&mut f, &u, 5_000_000).await;
    cancel(&mut f, &u, &other).await.ok(); // not the head: stays open, nothing pending
    cancel(&mut f, &u, &other).await.assert_error("NothingToCancel");
}
