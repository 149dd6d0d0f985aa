//! `settle_requests` — one test per Specification bullet of
//! `instructions/requests/settle_requests.rs`.

use rpv_core::{
    layout::{REQUEST_DEPOSIT, REQUEST_WITHDRAW},
    math::{amount_for_shares, mul_div, shares_for_deposit, Rounding},
};
use rpv_sdk::{events::Event, ix, pda};
use rpv_tests::*;
use solana_signer::Signer;

/// The settlement incentive of a new vault (`FlowParams::DEFAULT`), basis points.
const INCENTIVE_BPS: u64 = 2;

fn settled(out: &Outcome) -> Vec<rpv_sdk::events::RequestSettled> {
    out.events().into_iter().filter_map(|e| if let Event::RequestSettled(s) = e { Some(s) } else { None }).collect()
}

#[tokio::test]
async fn a_deposit_settles_at_the_first_prices_published_after_it() {
    let mut f = Fixture::with_assets(2).await;
    f.set_holdings(&[1_000_000_000, 20_000_000]).await; // 1 + 10.5 + 4.1 USDC
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    let (out, key) = f.request_deposit(&u, 40_000_000).await;
    out.ok();
    // the prices on chain were published before the request: nothing can settle
    let s = f.state().await;
    f.settle(&k, &[key]).await.assert_error("PriceNotAfterRequest");
    assert_eq!(f.state().await, s);
    // one second later is still inside the settlement delay (2 s)
    f.env.advance_time(1).await;
    f.refresh_oracles().await;
    f.settle(&k, &[key]).await.assert_error("PriceNotAfterRequest");
    // prices published after it: at the mid (no band), rounded up, after the incentive
    f.publish_after_requests().await;
    let (nav_up, total) = (f.nav(Rounding::Up).await, f.total_shares().await);
    let base_before = f.state().await.base_quantity;
    let out = f.settle(&k, &[key]).await;
    out.ok();
    let incentive = 40_000_000 * INCENTIVE_BPS / 10_000;
    let shares = shares_for_deposit(40_000_000 - incentive, total, nav_up).unwrap();
    assert_eq!(f.env.token_amount(&k.base_token).await, incentive);
    assert_eq!(f.escrow_balance().await, 0);
    let s = f.state().await;
    assert_eq!(s.base_quantity, base_before + 40_000_000 - incentive);
    assert_eq!(f.env.token_amount(&f.base_vault()).await, s.base_quantity);
    assert_eq!((s.flows.deposits.head, s.flows.deposits.pending, s.flows.deposits.claimable), (1, 0, shares));
    assert_eq!(f.total_shares().await, total + shares, "settled shares count at once, minted on claim");
    assert_eq!(f.env.token_amount(&u.share_token).await, 0);
    let r = f.request_state(&key).await.unwrap();
    assert_eq!((r.pending, r.claimable, r.filled), (0, shares, 40_000_000));
    match &settled(&out)[..] {
        [e] => assert_eq!(
            (e.request, e.kind, e.id, e.filled, e.out, e.incentive, e.remaining, e.nav, e.total_shares, e.keeper),
            (key, REQUEST_DEPOSIT, 0, 40_000_000, shares, incentive, 0, nav_up, total, k.kp.pubkey())
        ),
        other => panic!("{other:?}"),
    }
    // the owner claims the shares
    f.claim(&u, &key).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, shares);
}

/// A vault of 100 USDC of which 90 sit in asset 0 (8.571… tokens at $10.50): `(fixture,
/// holder of 99 % of the shares)`.
async fn invested() -> (Fixture, User) {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(99_000_000).await;
    f.deposit(&u, 99_000_000, 0).await.ok(); // 100 USDC, 100e6 shares
    let mut s = f.state().await;
    s.base_quantity = 10_000_000; // 90 USDC "spent" on the asset, as a rebalance would
    f.write_state(&s).await;
    f.set_holdings(&[8_571_428_571]).await;
    (f, u)
}

/// Test set-up: a rebalance's sale of asset 0 ($10.50, 9 decimals) for `usdc` whole base units
/// at the mid: the base account gains them, the holding shrinks by their worth (NAV unchanged).
async fn sell_for_cash(f: &mut Fixture, usdc: u64) {
    let (p, m, bv) = (f.base_program, f.base_mint, f.base_vault());
    f.env.mint_to(&p, &m, &bv, usdc * 1_000_000).await;
    let mut s = f.state().await;
    s.base_quantity += usdc * 1_000_000;
    s.assets[0].quantity -= usdc * 1_000_000_000 * 2 / 21; // usdc / 10.5 tokens
    f.write_state(&s).await;
}

#[tokio::test]
async fn a_withdrawal_fills_from_the_base_on_hand_and_keeps_its_place() {
    let (mut f, u) = invested().await;
    let (v2, k) = (f.user(0).await, f.user(0).await);
    let half = 50_000_000;
    let (out, first) = f.request_withdraw(&u, half).await;
    out.ok();
    // a later request by someone else
    let moved = 1_000_000;
    let sm = f.share_mint();
    let ix = rpv_sdk::spl::transfer_checked(
        &rpv_sdk::TOKEN_PROGRAM_ID,
        &u.share_token,
        &sm,
        &v2.share_token,
        &u.kp.pubkey(),
        moved,
        6,
    );
    f.env.send(&[ix], &[&u.kp]).await.ok();
    let (out, second) = f.request_withdraw(&v2, moved).await;
    out.ok();
    f.publish_after_requests().await;
    // 50e6 shares are owed ≈ 50 USDC; the base pays 10 USDC: a partial fill
    let (nav, total) = (f.nav(Rounding::Down).await, f.total_shares().await);
    let out = f.settle(&k, &[first, second]).await;
    out.ok();
    let fill = mul_div(10_000_000, total, nav, Rounding::Down).unwrap();
    let amount = amount_for_shares(fill, total, nav).unwrap();
    let incentive = amount * INCENTIVE_BPS / 10_000;
    match &settled(&out)[..] {
        [e] => assert_eq!(
            (e.request, e.filled, e.out, e.incentive, e.remaining),
            (first, fill, amount - incentive, incentive, half - fill)
        ),
        other => panic!("only the head fills, in part: {other:?}"),
    }
    let s = f.state().await;
    assert_eq!(
        (s.flows.withdrawals.head, s.flows.withdrawals.pending),
        (0, half - fill + moved),
        "the head keeps its place"
    );
    assert_eq!(s.base_quantity, 10_000_000 - amount);
    assert_eq!(f.escrow_balance().await, amount - incentive);
    assert_eq!(f.request_state(&second).await.unwrap().pending, moved, "no later request jumps the queue");
    // the second cannot be settled before the first is done
    f.settle(&k, &[second]).await.assert_error("WrongRequest");
    // cash arrives (a rebalance's sale, the NAV unchanged): the rest of the head, then the next
    let nav_before = f.nav(Rounding::Down).await;
    sell_for_cash(&mut f, 60).await;
    assert!(f.nav(Rounding::Down).await.abs_diff(nav_before) <= 1);
    f.publish_after_requests().await;
    let out = f.settle(&k, &[first, second]).await;
    out.ok();
    let fills = settled(&out);
    assert_eq!(fills.iter().map(|e| (e.request, e.remaining)).collect::<Vec<_>>(), [(first, 0), (second, 0)]);
    let s = f.state().await;
    assert_eq!((s.flows.withdrawals.head, s.flows.withdrawals.pending), (2, 0));
    assert_eq!(f.escrow_balance().await, s.flows.withdrawals.claimable);
    // each owner claims their base
    let before = f.env.token_amount(&u.base_token).await;
    f.claim(&u, &first).await.ok();
    let got = f.env.token_amount(&u.base_token).await - before;
    assert_eq!(got, f.request_state(&first).await.map_or(got, |r| r.claimed));
    assert!(got > 49_000_000 && got < 50_100_000, "about half the vault: {got}");
    f.claim(&v2, &second).await.ok();
    assert_eq!(f.escrow_balance().await, 0);
}

#[tokio::test]
async fn out_of_order_foreign_or_unknown_accounts_are_refused() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    let (_, a) = f.request_deposit(&u, 1_000_000).await;
    let (_, b) = f.request_deposit(&u, 2_000_000).await;
    f.publish_after_requests().await;
    let s = f.state().await;
    f.settle(&k, &[b, a]).await.assert_error("WrongRequest");
    let vault = f.vault;
    f.settle(&k, &[vault]).await.assert_error("WrongRequest");
    f.settle(&k, &[u.base_token]).await.assert_error("WrongRequest");
    // a request account of another vault (the program's own account type, the head's id)
    let mut foreign = f.request_state(&a).await.unwrap();
    foreign.vault = [9; 32];
    let mut data = rpv_sdk::discriminator("account", "Request").to_vec();
    data.extend_from_slice(bytemuck::bytes_of(&foreign));
    let key = solana_pubkey::Pubkey::new_unique();
    let acct = solana_account::Account {
        lamports: 10_000_000,
        data,
        owner: rpv_sdk::PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    };
    f.env.set_account(&key, acct);
    f.settle(&k, &[key]).await.assert_error("WrongRequest");
    assert_eq!(f.state().await, s);
    // nothing passed: nothing to settle
    f.settle(&k, &[]).await.assert_error("WrongRequest");
    f.settle(&k, &[a, b]).await.ok();
    assert_eq!(f.state().await.flows.deposits.head, 2);
}

#[tokio::test]
async fn a_cancelled_head_is_passed_over() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    let (_, a) = f.request_deposit(&u, 1_000_000).await;
    let (_, b) = f.request_deposit(&u, 2_000_000).await;
    f.cancel(&u, &b).await.ok(); // not the head: stays open until passed
    assert!(f.request_state(&b).await.is_some());
    f.cancel(&u, &a).await.ok(); // the head: the head moves past it, the account closes
    assert!(f.request_state(&a).await.is_none());
    let s = f.state().await;
    assert_eq!((s.flows.deposits.head, s.flows.deposits.pending), (1, 0));
    // b is passed over (no price needed for it), and then the owner closes it
    f.settle(&k, &[b]).await.ok();
    assert_eq!(f.state().await.flows.deposits.head, 2);
    f.claim(&u, &b).await.ok();
    assert!(f.request_state(&b).await.is_none());
    assert_eq!(f.env.token_amount(&u.base_token).await, 100_000_000);
}

#[tokio::test]
async fn settlement_prices_must_be_recent_and_never_older_than_used() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    f.deposit(&u, 10_000_000, 0).await.ok();
    let (_, key) = f.request_withdraw(&u, 1_000_000).await;
    // a print after the request but older than settle_max_age (60 s)
    f.env.advance_time(100).await;
    let a = f.assets[0].clone();
    f.write_oracle(&a, 61).await;
    f.settle(&k, &[key]).await.assert_error("OracleStale");
    // a fresher print, used by an instant deposit; then an older one (still after the request)
    f.write_oracle(&a, 5).await;
    f.deposit(&u, 1_000_000, 0).await.ok();
    f.write_oracle(&a, 6).await;
    let s = f.state().await;
    f.settle(&k, &[key]).await.assert_error("OracleNotNewer");
    assert_eq!(f.state().await, s);
    f.write_oracle(&a, 0).await;
    f.settle(&k, &[key]).await.ok();
}

#[tokio::test]
async fn deposits_wait_for_the_deposit_rules_withdrawals_do_not() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    f.deposit(&u, 10_000_000, 0).await.ok();
    let (_, d) = f.request_deposit(&u, 5_000_000).await;
    let (_, w) = f.request_withdraw(&u, 1_000_000).await;
    let (g, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    f.publish_after_requests().await;
    let s = f.state().await;
    f.settle(&k, &[d]).await.assert_error("VaultPaused");
    assert_eq!(f.state().await, s);
    // the withdrawal settles; the deposit stays pending
    let out = f.settle(&k, &[d, w]).await;
    out.ok();
    assert_eq!(settled(&out).iter().map(|e| e.kind).collect::<Vec<_>>(), [REQUEST_WITHDRAW]);
    assert_eq!(f.state().await.flows.deposits.pending, 5_000_000);
    // unpaused but the risk state stale: still waiting
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, false)], &[&g]).await.ok();
    f.env.advance_time(1_000).await;
    f.refresh_oracles().await;
    f.settle(&k, &[d]).await.assert_error("RiskStateStale");
    f.refresh().await.ok();
    f.settle(&k, &[d]).await.ok();
    assert_eq!(f.state().await.flows.deposits.pending, 0);
}

#[tokio::test]
async fn the_vault_accounts_and_the_keepers_are_checked() {
    let mut f = Fixture::with_assets(1).await;
    let (u, k) = (f.user(100_000_000).await, f.user(0).await);
    let (_, key) = f.request_deposit(&u, 1_000_000).await;
    f.publish_after_requests().await;
    let s = f.state().await;
    let vault = f.vault;
    let build = |base_token| ix::settle_requests(&k.kp.pubkey(), &vault, &s, &base_token, &[key]);
    let mut wrong = build(k.base_token);
    wrong.accounts[5].pubkey = f.base_vault();
    f.env.send(&[wrong], &[&k.kp]).await.assert_error("WrongEscrow");
    let mut wrong = build(k.base_token);
    wrong.accounts[4].pubkey = pda::escrow(&f.vault).0;
    f.env.send(&[wrong], &[&k.kp]).await.assert_error("WrongBaseVault");
    f.env.send(&[build(k.share_token)], &[&k.kp]).await.assert_error("WrongMint");
    f.env.send(&[build(f.base_vault())], &[&k.kp]).await.assert_error("DuplicateAccount");
    f.env.send(&[build(pda::escrow(&f.vault).0)], &[&k.kp]).await.assert_error("DuplicateAccount");
    let mut wrong = build(k.base_token);
    wrong.accounts.truncate(9); // no oracle
    f.env.send(&[wrong], &[&k.kp]).await.assert_error("OracleAccountCount");
    assert_eq!(f.state().await, s);
    f.env.send(&[build(k.base_token)], &[&k.kp]).await.ok();
}
