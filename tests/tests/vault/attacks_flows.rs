//! Flow attacks (issue 15, the security review's second High): trading on a price the vault
//! has not seen yet. Pyth pull updates can be posted by anyone, so in one transaction an
//! attacker deposits at the price on chain, posts the newer update it already knows, and
//! redeems at the new price, taking the move from the other holders. The fixes, each asserted
//! below on the `.so`:
//! - no instant redemption (`withdraw`, `redeem_in_kind`) in a slot where an instant deposit
//!   minted shares (`SharesMintedThisSlot`): the round trip cannot close in the transaction
//!   (or slot) that knows both prices;
//! - instant flows are priced against the trader, at the far end of every oracle's confidence
//!   interval, so a round trip across slots whose price moves within the interval loses;
//! - the request path settles only at prices published after the request
//!   (`PriceNotAfterRequest`): the price the requester knew is never the one it gets;
//! - an instant withdrawal cannot take the base the withdrawal queue is owed.
//! Before the fixes (`/work/notes/issue15-flows-before.log`: the same tests against the
//! program with the slot rule, the bands and the queue reserve switched off) the round trips
//! returned more than they put in and the queue was jumped.

use rpv_core::{
    math::{mul_div, shares_for_deposit, Rounding},
    valuation::Band,
};
use rpv_sdk::ix;
use rpv_tests::*;
use solana_signer::Signer;

/// A vault of 1 USDC + 100 tokens of asset 0 at $10.50 + a holder's 1,000 USDC, its prices
/// published `age` seconds ago (still valid: max age 60 s): `(fixture, the honest holder)`.
async fn vault_with_a_stale_print(n: usize, age: i64) -> (Fixture, User) {
    let mut f = Fixture::with_assets(n).await;
    f.set_holdings(&[100_000_000_000]).await;
    let h = f.user(1_000 * USDC).await;
    f.deposit(&h, 1_000 * USDC, 0).await.ok();
    f.step(60).await.ok();
    f.env.advance_time(age).await;
    (f, h)
}

/// The newer update the attacker knew: asset `i` at `factor` × its price, published now.
async fn post_newer(f: &mut Fixture, i: usize, factor: f64) {
    let p = (f.assets[i].price as f64 * factor) as i64;
    f.set_price(i, p).await;
}

/// The share price as a fraction (NAV at the mid rounded down, total shares).
async fn share_price(f: &mut Fixture) -> (u128, u128) {
    (u128::from(f.nav(Rounding::Down).await), u128::from(f.total_shares().await))
}

fn not_lower(before: (u128, u128), after: (u128, u128)) -> bool {
    after.0 * before.1 >= before.0 * after.1
}

#[tokio::test]
async fn attack_latency_round_trip_in_one_transaction_spot() {
    let (mut f, _) = vault_with_a_stale_print(1, 30).await;
    let a = f.user(10_000 * USDC).await;
    // the whole round trip in one transaction: deposit at the print on chain, redeem after it
    let s = f.state().await;
    let dep = ix::deposit(&a.kp.pubkey(), &f.vault, &s, &a.base_token, &a.share_token, 10_000 * USDC, 0);
    let wd = ix::withdraw(&a.kp.pubkey(), &f.vault, &s, &a.base_token, &a.share_token, 1, 0);
    let out = f.env.send(&[dep, wd], &[&a.kp]).await;
    out.assert_error("SharesMintedThisSlot");
    assert_eq!(f.state().await, s, "the whole transaction reverted");
    assert_eq!(f.env.token_amount(&a.base_token).await, 10_000 * USDC);
    // in the same slot across transactions: deposit, post the newer (+3 %) print, withdraw
    let dep = ix::deposit(&a.kp.pubkey(), &f.vault, &s, &a.base_token, &a.share_token, 10_000 * USDC, 0);
    f.env.send(&[dep], &[&a.kp]).await.ok();
    post_newer(&mut f, 0, 1.03).await;
    let after_deposit = f.state().await;
    let shares = f.env.token_amount(&a.share_token).await;
    let wd = f.withdraw_ix(&a, shares, 0).await;
    f.env.send(&[wd], &[&a.kp]).await.assert_error("SharesMintedThisSlot");
    assert_eq!(f.state().await, after_deposit);
    assert_eq!(f.env.token_amount(&a.share_token).await, shares);
    assert_eq!(f.env.token_amount(&a.base_token).await, 0);
    // in kind, the same
    let accounts = f.holding_accounts(&a).await;
    f.redeem(&a, &accounts, shares, vec![]).await.assert_error("SharesMintedThisSlot");
    assert_eq!(f.state().await, after_deposit);
}

#[tokio::test]
async fn attack_latency_round_trip_in_one_slot_option_leg() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 60 * DAY, 0.6)]).await;
    f.set_option_params(ix::OptionParams { max_delta_bps: 0, max_gamma_bps: 0, max_vega_bps: 0, ..Default::default() })
        .await
        .ok();
    f.set_holdings(&[0, 0, 50_000_000]).await; // 50 calls
    f.step(60).await.ok();
    f.env.advance_time(30).await;
    let a = f.user(1_000 * USDC).await;
    let dep = f.deposit_ix(&a, 1_000 * USDC, 0).await;
    f.env.send(&[dep], &[&a.kp]).await.ok();
    // the implied vol jumps from 60 % to 75 %: the calls are worth more
    post_newer(&mut f, 2, 1.25).await;
    let after = f.state().await;
    let shares = f.env.token_amount(&a.share_token).await;
    let wd = f.withdraw_ix(&a, shares * 9 / 10, 0).await; // within the base on hand
    f.env.send(&[wd], &[&a.kp]).await.assert_error("SharesMintedThisSlot");
    assert_eq!(f.state().await, after);
    assert_eq!(f.env.token_amount(&a.share_token).await, shares);
}

#[tokio::test]
async fn attack_stale_high_deposit_in_kind_then_withdraw() {
    let (mut f, _) = vault_with_a_stale_print(1, 30).await;
    let a = f.user(0).await;
    let tokens = f.asset_account(0, &a.kp.pubkey(), 100_000_000_000).await;
    let mut s = f.state().await;
    s.assets[0].in_kind_cap = u64::MAX;
    f.write_state(&s).await;
    // the price on chain is stale-high: the attacker deposits the asset at it …
    let dep = f.deposit_asset_ix(&a, 0, &tokens, 100_000_000_000, 0).await;
    f.env.send(&[dep], &[&a.kp]).await.ok();
    // … posts the lower print it knew and takes base out
    post_newer(&mut f, 0, 0.97).await;
    let after = f.state().await;
    let shares = f.env.token_amount(&a.share_token).await;
    let wd = f.withdraw_ix(&a, shares / 2, 0).await;
    f.env.send(&[wd], &[&a.kp]).await.assert_error("SharesMintedThisSlot");
    assert_eq!(f.state().await, after);
    assert_eq!(f.env.token_amount(&a.base_token).await, 0);
}

#[tokio::test]
async fn a_round_trip_across_slots_inside_the_confidence_band_loses() {
    // conf = price / 1000 in these fixtures: a move of ±0.1 % is inside the band
    for factor in [1.0, 1.0009, 0.9991] {
        let (mut f, _) = vault_with_a_stale_print(2, 30).await;
        let a = f.user(10_000 * USDC).await;
        let p0 = share_price(&mut f).await;
        f.deposit(&a, 10_000 * USDC, 0).await.ok(); // the fixture lets a slot pass
        post_newer(&mut f, 0, factor).await;
        let shares = f.env.token_amount(&a.share_token).await;
        f.withdraw(&a, shares, 0).await.ok();
        let got = f.env.token_amount(&a.base_token).await;
        assert!(got < 10_000 * USDC, "{factor}: the round trip returned {got}");
        // and the holders who stayed did not lose to it
        let p1 = share_price(&mut f).await;
        if factor >= 1.0 {
            assert!(not_lower(p0, p1), "{factor}: the share price fell");
        }
    }
}

#[tokio::test]
async fn attack_latency_round_trip_through_requests() {
    let (mut f, _) = vault_with_a_stale_print(1, 30).await;
    let (a, k) = (f.user(10_000 * USDC).await, f.user(0).await);
    // the attacker requests a deposit knowing the +3 % print that is about to be posted
    let known = (f.assets[0].price as f64 * 1.03) as i64;
    let (out, req) = f.request_deposit(&a, 10_000 * USDC).await;
    out.ok();
    // that print (published before the request, posted after it) cannot settle it
    f.assets[0].price = known;
    f.assets[0].conf = known as u64 / 1_000;
    let stale_known = f.assets[0].clone();
    f.write_oracle(&stale_known, 1).await; // published a second before the request
    let s = f.state().await;
    f.settle(&k, &[req]).await.assert_error("PriceNotAfterRequest");
    assert_eq!(f.state().await, s);
    // it settles at the first price published after it — whatever that turns out to be
    f.env.advance_time(3).await;
    post_newer(&mut f, 0, 1.01).await;
    let (nav_up, total) = (f.nav(Rounding::Up).await, f.total_shares().await);
    f.settle(&k, &[req]).await.ok();
    let value = 10_000 * USDC - 10_000 * USDC * 2 / 10_000;
    let shares = f.request_state(&req).await.unwrap().claimable;
    assert_eq!(shares, shares_for_deposit(value, total, nav_up).unwrap(), "priced at the later print");
    f.claim(&a, &req).await.ok();
    // and out again through a request: settled at a price after that request too
    let (_, w) = f.request_withdraw(&a, shares).await;
    f.publish_after_requests().await;
    let (nav_down, total) = (f.nav(Rounding::Down).await, f.total_shares().await);
    f.settle(&k, &[w]).await.ok();
    let gross = mul_div(shares, nav_down, total, Rounding::Down).unwrap();
    let paid = f.request_state(&w).await.unwrap().claimable;
    assert_eq!(paid, gross - gross * 2 / 10_000);
    assert!(paid < 10_000 * USDC, "the round trip at unchanged prices costs the incentives: {paid}");
}

#[tokio::test]
async fn attack_instant_withdrawal_jumps_the_queue() {
    let mut f = Fixture::with_assets(1).await;
    let (first, second, k) = (f.user(100 * USDC).await, f.user(100 * USDC).await, f.user(0).await);
    f.deposit(&first, 50 * USDC, 0).await.ok();
    f.deposit(&second, 49 * USDC, 0).await.ok();
    // most of the vault invested (test set-up): 20 USDC of base left
    let mut s = f.state().await;
    s.base_quantity = 20 * USDC;
    f.write_state(&s).await;
    f.set_holdings(&[7_619_047_619]).await; // 80 USDC at $10.50
                                            // the first holder queues a 30-USDC exit; the base (20) is owed to it
    let (_, req) = f.request_withdraw(&first, 30 * USDC).await;
    let before = f.state().await;
    let held = f.env.token_amount(&second.share_token).await;
    f.withdraw(&second, held / 4, 0).await.assert_error("InsufficientBaseLiquidity");
    assert_eq!(f.state().await, before);
    assert_eq!(f.env.token_amount(&second.base_token).await, 51 * USDC);
    // the queue is served first
    f.publish_after_requests().await;
    f.settle(&k, &[req]).await.ok();
    let r = f.request_state(&req).await.unwrap();
    assert!(r.claimable > 19 * USDC && r.pending > 0, "the base went to the queue, in part: {r:?}");
    // the rest of the queue is still owed: no instant exit until the rebalancer raises cash
    let before = f.state().await;
    f.withdraw(&second, 1_000_000, 0).await.assert_error("InsufficientBaseLiquidity");
    assert_eq!(f.state().await, before);
    // with the queue paid, an instant exit takes what is left
    let owed = mul_div(r.pending, f.nav(Rounding::Down).await, f.total_shares().await, Rounding::Up).unwrap();
    let (p, m, bv) = (f.base_program, f.base_mint, f.base_vault());
    f.env.mint_to(&p, &m, &bv, owed + 5 * USDC).await;
    let mut s = f.state().await;
    s.base_quantity += owed + 5 * USDC;
    f.write_state(&s).await;
    f.withdraw(&second, 1_000_000, 0).await.ok();
    assert!(f.banded_nav(Band::Low).await > 0);
}

/// Found in review (issue 15): `settle_requests` ran its batch on copies of the request
/// accounts and wrote them back in order, so one request passed twice was settled on the first
/// copy and then overwritten by the second, stale copy — pending again after its base had gone
/// into the vault. Its owner could then cancel it and be refunded out of the other requesters'
/// escrowed base. Each queue's requests must now come in strictly increasing id order.
#[tokio::test]
async fn attack_settle_one_request_twice_then_cancel_it() {
    let mut f = Fixture::with_assets(1).await;
    let (a, other, k) = (f.user(10_000_000).await, f.user(10_000_000).await, f.user(0).await);
    let (_, ra) = f.request_deposit(&a, 5_000_000).await;
    let (_, rb) = f.request_deposit(&other, 5_000_000).await; // another requester's base in the escrow
    f.publish_after_requests().await;
    let s = f.state().await;
    f.settle(&k, &[ra, ra]).await.assert_error("WrongRequest");
    f.settle(&k, &[ra, rb, ra]).await.assert_error("WrongRequest");
    assert_eq!(f.state().await, s);
    assert_eq!(f.request_state(&ra).await.unwrap().pending, 5_000_000);
    assert_eq!(f.escrow_balance().await, 10_000_000);
    // settled once, it has nothing left to cancel; the other request's base stays escrowed
    f.settle(&k, &[ra]).await.ok();
    f.cancel(&a, &ra).await.assert_error("NothingToCancel");
    assert_eq!(f.escrow_balance().await, 5_000_000);
    assert_eq!(f.env.token_amount(&a.base_token).await, 5_000_000);
}
