//! Attacks on share pricing: first-depositor inflation, donations, rounding farming.

use rpv_core::math::Rounding;
use rpv_tests::*;

#[tokio::test]
async fn first_depositor_inflation_does_not_profit() {
    let mut f = Fixture::with_assets(1).await;
    let attacker = f.user(2_000_000_000_000).await;
    let victim = f.user(1_000_000_000).await;
    let attacker_start = f.env.token_amount(&attacker.base_token).await;
    // 1. the attacker is first in with the minimum deposit
    f.deposit(&attacker, 1_000, 0).await.ok();
    // 2. then donates a fortune straight into the vault's base token account
    let bv = f.base_vault();
    let (p, m) = (f.base_program, f.base_mint);
    let ix = rpv_sdk::spl::transfer_checked(
        &p,
        &attacker.base_token,
        &m,
        &bv,
        &solana_signer::Signer::pubkey(&attacker.kp),
        1_000_000_000_000,
        6,
    );
    f.env.send(&[ix], &[&attacker.kp]).await.ok();
    // the donation changes neither NAV nor the share price (quantities are accounted)
    assert_eq!(f.nav(Rounding::Up).await, 1_001_000);
    // 3. the victim deposits and gets shares at the fair price
    let nav = f.nav(Rounding::Up).await;
    let total = f.total_shares().await;
    f.deposit(&victim, 1_000_000_000, 1).await.ok();
    let victim_shares = f.env.token_amount(&victim.share_token).await;
    assert_eq!(victim_shares, (1_000_000_000u128 * total as u128 / nav as u128) as u64);
    // 4. both leave; the attacker gets back at most their deposit, the victim (almost) all
    let a_sh = f.env.token_amount(&attacker.share_token).await;
    f.withdraw(&attacker, a_sh, 0).await.ok();
    f.withdraw(&victim, victim_shares, 0).await.ok();
    let attacker_end = f.env.token_amount(&attacker.base_token).await;
    assert!(attacker_end <= attacker_start - 1_000_000_000_000, "attacker profited");
    let victim_end = f.env.token_amount(&victim.base_token).await;
    assert!(victim_end >= 1_000_000_000 - 1, "victim lost {}", 1_000_000_000 - victim_end);
}

#[tokio::test]
async fn many_small_round_trips_never_favour_the_caller() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    // an awkward share price: holdings worth a non-round amount
    f.set_holdings(&[123_456_789, 7_777]).await;
    let start = f.env.token_amount(&u.base_token).await;
    let price_before = f.nav(Rounding::Down).await as f64 / f.total_shares().await as f64;
    for i in 0..40u64 {
        let amount = 1_000 + i * 37;
        let out = f.deposit(&u, amount, 0).await;
        if out.result.is_err() {
            out.assert_error("ZeroShares");
            continue;
        }
        let shares = f.env.token_amount(&u.share_token).await;
        let out = f.withdraw(&u, shares, 0).await;
        if out.result.is_err() {
            out.assert_error("ZeroAmount");
        }
        assert!(f.env.token_amount(&u.base_token).await <= start, "round trip {i} gained");
    }
    let price_after = f.nav(Rounding::Down).await as f64 / f.total_shares().await as f64;
    assert!(price_after >= price_before, "share price fell: {price_before} -> {price_after}");
    assert!(f.env.token_amount(&u.base_token).await < start, "rounding should cost the caller, not the vault");
}
