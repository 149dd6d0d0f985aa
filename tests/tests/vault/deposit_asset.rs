//! `deposit_asset` — one test per Specification bullet.

use rpv_core::{
    fixed_point::Fx,
    math::{shares_for_deposit, value_in_base, Rounding},
    options::{black_scholes, BsInput, OptionKind},
    price::OraclePrice,
    valuation::fx_value_in_base,
};
use rpv_sdk::{events::Event, ix, pda, TOKEN_2022_PROGRAM_ID};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn known_answer_valued_at_price_minus_confidence() {
    let mut f = Fixture::with_assets(3).await;
    let u = f.user(0).await;
    // asset 1: 8 decimals at $20.50 ± $0.0205
    let from = f.asset_account(1, &u.kp.pubkey(), 500_000_000).await;
    let out = f.deposit_asset(&u, 1, &from, 200_000_000, 0).await;
    out.ok();
    // 2 units × (20.50 − 0.0205) = 40.959 USDC
    let low = OraclePrice { price: 2_050_000_000 - 2_050_000, conf: 0, expo: -8, publish_time: 0 };
    let value = value_in_base(200_000_000, &low, 8, 6, Rounding::Down).unwrap();
    assert_eq!(value, 40_959_000);
    let shares = shares_for_deposit(value, SEED_DEPOSIT, SEED_DEPOSIT).unwrap();
    assert_eq!(f.env.token_amount(&u.share_token).await, shares);
    let s = f.state().await;
    assert_eq!(s.assets[1].quantity, 200_000_000);
    let ta = pda::token_account(&f.vault, &f.assets[1].mint).0;
    assert_eq!(f.env.token_amount(&ta).await, 200_000_000);
    assert_eq!(f.env.token_amount(&from).await, 300_000_000);
    match &out.events()[..] {
        [Event::AssetDeposited(e)] => assert_eq!(
            (e.asset_index, e.amount, e.value, e.shares, e.quantity_after),
            (1, 200_000_000, value, shares, 200_000_000)
        ),
        other => panic!("expected AssetDeposited, got {other:?}"),
    }
    // the holding now moves NAV with its price
    let nav_before = f.nav(Rounding::Down).await;
    f.set_price(1, 4_100_000_000).await;
    assert_eq!(f.nav(Rounding::Down).await, nav_before + 41_000_000);
}

#[tokio::test]
async fn works_for_a_token_2022_asset() {
    let mut f = Fixture::with_assets(1).await;
    let a = f.new_asset(TOKEN_2022_PROGRAM_ID, 6, 100_000_000).await; // $1.00
    f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
    f.assets.push(a);
    f.set_equal_budgets().await.ok();
    f.step(60).await.ok();
    let u = f.user(0).await;
    let from = f.asset_account(1, &u.kp.pubkey(), 5_000_000).await;
    f.deposit_asset(&u, 1, &from, 5_000_000, 0).await.ok();
    assert_eq!(f.state().await.assets[1].quantity, 5_000_000);
}

#[tokio::test]
async fn index_and_asset_accounts_are_checked() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(0).await;
    let from0 = f.asset_account(0, &u.kp.pubkey(), 1_000_000_000).await;
    let s = f.state().await;
    // index past the registry
    let mut ix = f.deposit_asset_ix(&u, 0, &from0, 1_000_000_000, 0).await;
    ix.data[8] = 2;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("UnknownAsset");
    // asset 0's tokens declared as asset 1: wrong mint / wrong vault account
    let mut ix = f.deposit_asset_ix(&u, 1, &from0, 1_000_000_000, 0).await;
    ix.accounts[4].pubkey = f.assets[0].mint;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongMint");
    let mut ix = f.deposit_asset_ix(&u, 1, &from0, 1_000_000_000, 0).await;
    f.env.send(&[ix.clone()], &[&u.kp]).await.assert_error("WrongMint"); // user account is for asset 0
    ix.accounts[5].pubkey = pda::token_account(&f.vault, &f.assets[0].mint).0;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongAssetVault");
    let mut ix = f.deposit_asset_ix(&u, 0, &from0, 1_000_000_000, 0).await;
    ix.accounts[9].pubkey = TOKEN_2022_PROGRAM_ID;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongTokenProgram");
    let mut ix = f.deposit_asset_ix(&u, 0, &from0, 1_000_000_000, 0).await;
    ix.accounts[3].pubkey = Keypair::new().pubkey();
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongAuthority");
    assert_eq!(f.state().await, s);
}

#[tokio::test]
async fn oracles_are_required_and_checked() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(0).await;
    let from = f.asset_account(0, &u.kp.pubkey(), 1_000_000_000).await;
    let mut ix = f.deposit_asset_ix(&u, 0, &from, 1_000_000_000, 0).await;
    ix.accounts.pop();
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountCount");
    let mut ix = f.deposit_asset_ix(&u, 0, &from, 1_000_000_000, 0).await;
    ix.accounts.swap(11, 12);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountMismatch");
    f.env.advance_time(100).await;
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 0).await.assert_error("OracleStale");
}

#[tokio::test]
async fn amount_minimum_cap_slippage_and_signer() {
    let mut f = Fixture::with_assets(1).await; // asset 0: 9 decimals at $10.50
    let u = f.user(0).await;
    let from = f.asset_account(0, &u.kp.pubkey(), 10_000_000_000).await;
    f.deposit_asset(&u, 0, &from, 0, 0).await.assert_error("ZeroAmount");
    f.deposit_asset(&u, 0, &from, 10_000, 0).await.assert_error("DepositBelowMinimum"); // ≈ 105 base units
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 1_000_000_000).await.assert_error("SlippageExceeded");
    let mut ix = f.deposit_asset_ix(&u, 0, &from, 1_000_000_000, 0).await;
    ix.accounts[0].is_signer = false;
    f.env.send(&[ix], &[]).await.assert_anchor_error(3010);
    let thief = f.user(0).await;
    let mut ix = f.deposit_asset_ix(&thief, 0, &from, 1_000_000_000, 0).await;
    ix.accounts[7].pubkey = from;
    f.env.send(&[ix], &[&thief.kp]).await.assert_failed();
    // cap
    let mut s = f.state().await;
    s.deposit_cap = 5_000_000;
    f.write_state(&s).await;
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 0).await.assert_error("DepositCapExceeded");
    assert_eq!(f.state().await.assets[0].quantity, 0);
}

#[tokio::test]
async fn deposit_asset_values_an_option_at_the_low_end_of_its_implied_vol_and_underlying() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 60 * DAY, 0.6)]).await;
    // no Greek limits here: a $1 vault would refuse any option (see the Greek-limit test)
    f.set_option_params(ix::OptionParams { max_delta_bps: 0, max_gamma_bps: 0, max_vega_bps: 0, ..Default::default() })
        .await
        .ok();
    let u = f.user(0).await;
    let calls = f.asset_account(2, &u.kp.pubkey(), 1_000_000).await;
    let out = f.deposit_asset(&u, 2, &calls, 1_000_000, 0).await;
    out.ok();
    let now = f.env.now().await;
    let s = f.state().await;
    let g = black_scholes(&BsInput {
        kind: OptionKind::Call,
        // a call's low end: the underlying at $10.50 − conf ($10.50 / 1000)
        spot: rpv_core::valuation::price_to_fx(&rpv_core::price::OraclePrice {
            price: 1_050_000_000 - 1_050_000,
            conf: 0,
            expo: -8,
            publish_time: 0,
        })
        .unwrap(),
        strike: Fx::from_num(10.0),
        vol: rpv_core::valuation::price_to_fx(&rpv_core::price::OraclePrice {
            price: 60_000_000 - 60_000,
            conf: 0,
            expo: -8,
            publish_time: 0,
        })
        .unwrap(),
        rate: Fx::ZERO,
        years: Fx::from_num(s.assets[2].option.expiry - now) / Fx::from_num(365 * DAY),
    })
    .unwrap();
    let want = fx_value_in_base(1_000_000, g.price, 6, 6, Rounding::Down).unwrap();
    let value = out
        .events()
        .into_iter()
        .find_map(|e| if let Event::AssetDeposited(d) = e { Some(d.value) } else { None })
        .unwrap();
    assert_eq!(value, want);
    assert_eq!(s.assets[2].quantity, 1_000_000);
}
