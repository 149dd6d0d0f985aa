//! `withdraw` — one test per Specification bullet, plus known answers.

use rpv_core::math::{amount_for_shares, Rounding};
use rpv_sdk::events::Event;
use rpv_tests::*;

#[tokio::test]
async fn known_answer_round_trip_at_a_moved_price() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(1_000_000_000).await;
    f.deposit(&u, 99_000_000, 0).await.ok(); // NAV 1 → 100 USDC, 100e6 shares in all
                                             // the vault now holds 1 unit of asset 0 (9 decimals, $10.50) besides its base
    f.set_holdings(&[1_000_000_000, 0]).await;
    // asset 0 doubles to $21.00: NAV = 100 + 21 = 121 USDC at the mid
    f.set_price(0, 2_100_000_000).await;
    assert_eq!(f.nav(Rounding::Down).await, 121_000_000);
    // a withdrawal prices every holding at the bottom of its confidence interval (conf =
    // price/1000 here): NAV = 100 + 21 · 0.999 = 120.979 USDC
    let before = f.env.token_amount(&u.base_token).await;
    f.withdraw(&u, 33_000_000, 39_923_071).await.assert_error("SlippageExceeded");
    let out = f.withdraw(&u, 33_000_000, 39_923_070).await;
    out.ok();
    // ⌊33e6 · 120.979e6 / 100e6⌋ = 39_923_070 (39_930_000 at the mid)
    assert_eq!(amount_for_shares(33_000_000, 100_000_000, 120_979_000), Ok(39_923_070));
    assert_eq!(f.env.token_amount(&u.base_token).await - before, 39_923_070);
    assert_eq!(f.env.token_amount(&u.share_token).await, 99_000_000 - 33_000_000);
    let s = f.state().await;
    assert_eq!(s.base_quantity, 100_000_000 - 39_923_070);
    let sm = f.share_mint();
    assert_eq!(f.env.mint_supply(&sm).await, 66_000_000);
    match &out.events()[..] {
        [Event::Withdrawn(e)] => assert_eq!(
            (e.shares, e.amount, e.nav_before, e.total_shares_before, e.base_quantity_after, e.instant_fee),
            (33_000_000, 39_923_070, 120_979_000, 100_000_000, 60_076_930, 0)
        ),
        other => panic!("expected Withdrawn, got {other:?}"),
    }
}

#[tokio::test]
async fn share_amount_bounds() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let s = f.state().await;
    f.withdraw(&u, 0, 0).await.assert_error("ZeroShares");
    f.withdraw(&u, 5_000_001, 0).await.assert_error("InsufficientShares");
    f.withdraw(&u, 1_000_000, 1_000_001).await.assert_error("SlippageExceeded");
    assert_eq!(f.state().await, s);
    // a share worth less than one base unit pays nothing: refused
    let mut half = f.state().await;
    half.base_quantity = 3_000_000; // NAV 3e6 for 6e6 shares (the extra tokens are a donation)
    f.write_state(&half).await;
    f.withdraw(&u, 1, 0).await.assert_error("ZeroAmount");
    f.withdraw(&u, 2, 1).await.ok();
}

#[tokio::test]
async fn pays_only_from_the_accounted_base_balance() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 9_000_000, 0).await.ok(); // base 10e6, 10e6 shares
                                            // the vault converts most base into asset 0 (as a rebalance would): 8 USDC → 0.7619… units
    let mut s = f.state().await;
    s.base_quantity = 2_000_000;
    f.write_state(&s).await;
    f.set_holdings(&[761_904_762]).await; // ≈ 8.0000 USDC at $10.50
    f.withdraw(&u, 5_000_000, 0).await.assert_error("InsufficientBaseLiquidity");
    f.withdraw(&u, 1_000_000, 0).await.ok();
}

#[tokio::test]
async fn registered_oracles_and_a_stale_leg_at_zero() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let mut s = f.state().await;
    s.base_quantity -= 1_050_000;
    f.write_state(&s).await;
    f.set_holdings(&[100_000_000, 0]).await; // 0.1 unit of asset 0 ($1.05); asset 1 holds nothing
                                             // one oracle per asset, each the registered account
    let mut ix = f.withdraw_ix(&u, 1_000_000, 0).await;
    ix.accounts.truncate(11);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountCount");
    let mut ix = f.withdraw_ix(&u, 1_000_000, 0).await;
    ix.accounts.swap(10, 11);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountMismatch");
    // every oracle stale: the held leg counts zero (the only one reported), the withdrawal goes on
    f.env.advance_time(120).await;
    let fresh = f.nav(Rounding::Down).await;
    let out = f.withdraw(&u, 1_000_000, 0).await;
    out.ok();
    match &out.events()[..] {
        [Event::Withdrawn(e)] => assert_eq!((e.nav_before, e.zeroed_legs), (fresh - 1_050_000, 0b01)),
        other => panic!("expected Withdrawn, got {other:?}"),
    }
}

#[tokio::test]
async fn only_the_share_owner_can_burn() {
    let mut f = Fixture::with_assets(1).await;
    let victim = f.user(10_000_000).await;
    let thief = f.user(0).await;
    f.deposit(&victim, 5_000_000, 0).await.ok();
    let s = f.state().await;
    // thief signs as user but names the victim's share account
    let mut ix = f.withdraw_ix(&thief, 1_000_000, 0).await;
    ix.accounts[7].pubkey = victim.share_token;
    f.env.send(&[ix], &[&thief.kp]).await.assert_failed();
    // not signed at all
    let mut ix = f.withdraw_ix(&victim, 1_000_000, 0).await;
    ix.accounts[0].is_signer = false;
    f.env.send(&[ix], &[]).await.assert_anchor_error(3010);
    assert_eq!(f.state().await, s);
    assert_eq!(f.env.token_amount(&victim.share_token).await, 5_000_000);
}

#[tokio::test]
async fn accounts_are_checked_as_in_deposit() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let mut ix = f.withdraw_ix(&u, 1_000_000, 0).await;
    ix.accounts[4].pubkey = u.base_token;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongBaseVault");
    let mut ix = f.withdraw_ix(&u, 1_000_000, 0).await;
    ix.accounts[6].pubkey = u.share_token;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongMint");
}
