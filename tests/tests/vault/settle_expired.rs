//! `settle_expired` — one test per Specification bullet.

use rpv_core::{fixed_point::Fx, math::Rounding};
use rpv_sdk::ix;
use rpv_tests::*;
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
