//! `settle_expired` — one test per Specification bullet.

use rpv_core::{engine::settlement::SETTLEMENT_WINDOW_SECS, fixed_point::Fx, math::Rounding};
use rpv_sdk::ix;
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn settle_expired_across_the_expiry_boundary() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 2 * 3_600, 0.6)]).await;
    f.set_holdings(&[0, 0, 5_000_000]).await; // 5 calls
    let expiry = f.state().await.assets[2].option.expiry;
    let caller = f.user(0).await;
    let settle =
        |f: &Fixture, s: &rpv_core::layout::VaultState| ix::settle_expired(&caller.kp.pubkey(), &f.vault, s, 2);
    // one second before expiry: refused
    let now = f.env.now().await;
    f.env.advance_time(expiry - now - 1).await;
    f.refresh_oracles().await;
    let s = f.state().await;
    f.env.send(&[settle(&f, &s)], &[&caller.kp]).await.assert_error("NotExpired");
    // inside the last hour NAV takes bounds: withdrawals see at least intrinsic, deposits at most
    // intrinsic plus S·σ·√T/√(2π)
    let (down, up) = (f.nav(Rounding::Down).await, f.nav(Rounding::Up).await);
    assert!(down >= SEED_DEPOSIT + 2_500_000 - 1 && up > down && up - down < 100_000, "{down} {up}");
    // at expiry, with an underlying price published before expiry: refused
    f.env.advance_time(1).await;
    f.set_price(0, 1_200_000_000).await; // $12
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 30).await;
    let s = f.state().await;
    f.env.send(&[settle(&f, &s)], &[&caller.kp]).await.assert_error("SettlementPriceTooEarly");
    // the settle instruction must name the underlying's oracle
    let mut wrong = settle(&f, &s);
    wrong.accounts[3].pubkey = f.assets[1].oracle;
    f.env.send(&[wrong], &[&caller.kp]).await.assert_error("OracleAccountMismatch");
    // with a price at or after expiry: settled at (12 − 10) × 1 per token
    f.write_oracle(&a0, 0).await;
    let out = f.env.send(&[settle(&f, &s)], &[&caller.kp]).await;
    out.ok();
    println!("settle_expired: {} CU", out.cu);
    let s = f.state().await;
    assert_eq!(s.assets[2].option.settled, 1);
    assert_eq!(s.assets[2].option.settlement_value.get(), Fx::from_num(2.0));
    let r = f.risk().await;
    assert_eq!((r.targets[2], r.weights[2].get(), r.included_mask & 0b100), (0, Fx::ZERO, 0));
    // NAV holds the payoff whatever the underlying does next, and the dead IV feed is not read
    f.set_price(0, 2_000_000_000).await;
    f.env.advance_time(600).await;
    let (a0, a1) = (f.assets[0].clone(), f.assets[1].clone());
    f.write_oracle(&a0, 0).await;
    f.write_oracle(&a1, 0).await;
    let out = f.refresh().await;
    out.ok();
    assert_eq!(positions_updated(&out).nav, SEED_DEPOSIT + 10_000_000);
    assert_eq!(positions_updated(&out).included_mask, 0b011);
    f.env.send(&[settle(&f, &s)], &[&caller.kp]).await.assert_error("AlreadySettled");
    // a spot slot is not an option
    let spot = ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 1);
    f.env.send(&[spot], &[&caller.kp]).await.assert_error("NotAnOption");
}

/// The attack of issue 14: long after expiry the first settler posts (or waits for) a fresh
/// underlying price of its choosing and fixes the payoff there. A price published after the
/// settlement window is refused and nothing changes.
#[tokio::test]
async fn attack_settle_on_a_price_chosen_long_after_expiry() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 2 * 3_600, 0.6)]).await;
    f.set_holdings(&[0, 0, 5_000_000]).await; // 5 calls
    let expiry = f.state().await.assets[2].option.expiry;
    let attacker = f.user(0).await;
    // two days after expiry the underlying has fallen to $10.10: the call would settle near 0
    let now = f.env.now().await;
    f.env.advance_time(expiry - now + 2 * 86_400).await;
    f.set_price(0, 1_010_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    let s = f.state().await;
    let settle = ix::settle_expired(&attacker.kp.pubkey(), &f.vault, &s, 2);
    f.env.send(&[settle], &[&attacker.kp]).await.assert_error("SettlementWindowMissed");
    assert_eq!(f.vault_and_risk_bytes().await, before, "vault or risk changed");
    assert_eq!(f.state().await.assets[2].option.settled, 0);
}

/// A vault with asset 0 (Pyth), asset 1 on a Switchboard feed at $2 and a call on asset 1
/// (strike $1.50, two hours) holding 5 tokens: `(fixture, feed account, feed hash)`.
async fn switchboard_call() -> (Fixture, Pubkey, [u8; 32]) {
    let mut f = Fixture::with_assets(1).await;
    f.advance_slots(1_000).await;
    let (oracle, hash) = f.add_switchboard_asset("switchboard:SETTLE/USD", 2.0).await;
    f.add_option(&Series::call(1, 1.5, 2 * 3_600, 0.6), 100_000_000).await.ok();
    f.set_holdings(&[0, 0, 5_000_000]).await;
    (f, oracle, hash)
}

/// Switchboard results carry the slot they were sampled at; the time they landed is not when
/// the price was observed. The first call after expiry records the cluster slot and settles
/// nothing; a result sampled before that slot is refused even though it landed after expiry;
/// a later result settles; after the window nothing is recorded or settled.
#[tokio::test]
async fn settle_expired_switchboard_times_the_expiry_in_slots() {
    let (mut f, oracle, hash) = switchboard_call().await;
    let expiry = f.state().await.assets[2].option.expiry;
    let caller = f.user(0).await;
    let now = f.env.now().await;
    f.env.advance_time(expiry - now + 5).await;
    let slot = f.advance_slots(20).await;
    // a result sampled 10 slots ago (before the vault saw the expiry) at $2.40, landing now
    f.write_switchboard(&oracle, hash, 2.4, slot - 10).await;
    let s = f.state().await;
    let vault = f.vault;
    let settle = |s: &rpv_core::layout::VaultState| ix::settle_expired(&caller.kp.pubkey(), &vault, s, 2);
    // 1. the first call records the slot and settles nothing
    let first = settle(&s);
    f.env.send(&[first], &[&caller.kp]).await.ok();
    let s = f.state().await;
    assert_eq!((s.assets[2].option.expiry_slot(), s.assets[2].option.settled), (slot, 0));
    // 2. the result sampled before that slot, landed after expiry: refused, nothing changes
    let before = f.vault_and_risk_bytes().await;
    let again = ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 2);
    f.env.send(&[distinct(1), again], &[&caller.kp]).await.assert_error("SettlementPriceTooEarly");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // 3. a result sampled at the recorded slot or later settles at it: (1.80 − 1.50) × 1
    let later = f.advance_slots(5).await;
    f.write_switchboard(&oracle, hash, 1.8, later - 2).await;
    let out = f.env.send(&[distinct(2), settle(&s)], &[&caller.kp]).await;
    out.ok();
    let s = f.state().await;
    assert_eq!(s.assets[2].option.settled, 1);
    let payoff = s.assets[2].option.settlement_value.get().to_num::<f64>();
    assert!((payoff - 0.3).abs() < 1e-9, "{payoff}");

    // after the window a first sight records nothing: the series can no longer settle
    let (mut g, oracle, hash) = switchboard_call().await;
    let expiry = g.state().await.assets[2].option.expiry;
    let now = g.env.now().await;
    g.env.advance_time(expiry - now + SETTLEMENT_WINDOW_SECS + 1).await;
    let slot = g.advance_slots(20).await;
    g.write_switchboard(&oracle, hash, 2.4, slot).await;
    let before = g.vault_and_risk_bytes().await;
    let s = g.state().await;
    let u = g.user(0).await;
    let late = ix::settle_expired(&u.kp.pubkey(), &g.vault, &s, 2);
    g.env.send(&[late], &[&u.kp]).await.assert_error("SettlementWindowMissed");
    assert_eq!(g.vault_and_risk_bytes().await, before);
}

/// Inside the window a Pyth price published at the window's last second settles; one second
/// later it does not, and the unsettled series stays valued at intrinsic on the live price.
#[tokio::test]
async fn settle_expired_window_closes_after_fifteen_minutes() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 2 * 3_600, 0.6)]).await;
    f.set_holdings(&[0, 0, 5_000_000]).await;
    let expiry = f.state().await.assets[2].option.expiry;
    let caller = f.user(0).await;
    let now = f.env.now().await;
    f.env.advance_time(expiry + SETTLEMENT_WINDOW_SECS + 1 - now).await;
    f.set_price(0, 1_200_000_000).await; // $12, published one second after the window
    let s = f.state().await;
    let settle = ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 2);
    f.env.send(&[settle.clone()], &[&caller.kp]).await.assert_error("SettlementWindowMissed");
    // unsettled: valued at (12 − 10) × 5 on the live price, then (14 − 10) × 5
    let down = f.nav(Rounding::Down).await;
    assert!(down.abs_diff(SEED_DEPOSIT + 10_000_000) <= 1, "{down}");
    f.set_price(0, 1_400_000_000).await;
    let down = f.nav(Rounding::Down).await;
    assert!(down.abs_diff(SEED_DEPOSIT + 20_000_000) <= 1, "{down}");
    // a price published at the window's last second (and fresh enough) settles
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 1).await;
    f.env.send(&[distinct(1), settle], &[&caller.kp]).await.ok();
    let s = f.state().await;
    assert_eq!((s.assets[2].option.settled, s.assets[2].option.settlement_value.get()), (1, Fx::from_num(4.0)));
}
