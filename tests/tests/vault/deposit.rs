//! `deposit` — one test per Specification bullet, plus known answers.

use rpv_core::{
    math::{shares_for_deposit, Rounding},
    pyth::PriceUpdateV2,
};
use rpv_sdk::{events::Event, ix, pyth, PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Snapshot of everything a failed deposit must leave untouched.
async fn snapshot(f: &mut Fixture, u: &User) -> (rpv_core::layout::VaultState, u64, u64, u64, u64) {
    let bv = f.base_vault();
    let sm = f.share_mint();
    (
        f.state().await,
        f.env.token_amount(&bv).await,
        f.env.mint_supply(&sm).await,
        f.env.token_amount(&u.base_token).await,
        f.env.token_amount(&u.share_token).await,
    )
}

#[tokio::test]
async fn known_answer_first_deposit_into_a_base_only_vault() {
    let mut f = Fixture::with_assets(0).await;
    let u = f.user(10_000_000).await;
    let out = f.deposit(&u, 5_000_000, 5_000_000).await;
    out.ok();
    // NAV = seed 1_000_000, total shares = 1_000_000 dead → 1 share per base unit
    assert_eq!(f.env.token_amount(&u.share_token).await, 5_000_000);
    assert_eq!(f.env.token_amount(&u.base_token).await, 5_000_000);
    let s = f.state().await;
    assert_eq!(s.base_quantity, 6_000_000);
    let bv = f.base_vault();
    assert_eq!(f.env.token_amount(&bv).await, 6_000_000);
    match &out.events()[..] {
        [Event::Deposited(e)] => {
            assert_eq!(
                (e.amount, e.shares, e.nav_before, e.total_shares_before, e.base_quantity_after),
                (5_000_000, 5_000_000, 1_000_000, 1_000_000, 6_000_000)
            );
            assert_eq!(e.user, u.kp.pubkey());
        }
        other => panic!("expected Deposited, got {other:?}"),
    }
}

#[tokio::test]
async fn known_answer_with_spot_holdings_priced_by_the_oracles() {
    let mut f = Fixture::with_assets(3).await;
    // asset 0: 9 decimals @ $10.50; asset 1: 8 decimals @ $20.50; asset 2: 6 decimals @ $30.50
    f.set_holdings(&[2_000_000_000, 300_000_000, 4_000_000]).await;
    // NAV = 1 + 2·10.5 + 3·20.5 + 4·30.5 = 1 + 21 + 61.5 + 122 = 205.5 USDC at the mid
    assert_eq!(f.nav(Rounding::Up).await, 205_500_000);
    // a deposit prices every holding at the top of its confidence interval (conf = price/1000
    // in these fixtures): 1 + 204.5 · 1.001 = 205.7045 USDC
    let u = f.user(1_000_000_000).await;
    let out = f.deposit(&u, 411_000_000, 0).await;
    out.ok();
    // shares = ⌊411e6 · 1e6 / 205.7045e6⌋ = 1_998_011 (2_000_000 at the mid)
    assert_eq!(f.env.token_amount(&u.share_token).await, 1_998_011);
    match &out.events()[..] {
        [Event::Deposited(e)] => assert_eq!((e.nav_before, e.shares, e.instant_fee), (205_704_500, 1_998_011, 0)),
        other => panic!("{other:?}"),
    }
    // the same answer from the core crate
    assert_eq!(shares_for_deposit(411_000_000, 1_000_000, 205_704_500), Ok(1_998_011));
}

#[tokio::test]
async fn works_with_a_token_2022_base() {
    let mut f = Fixture::empty_with(TOKEN_2022_PROGRAM_ID).await;
    f.initialize(f.init_args()).await.ok();
    let u = f.user(3_000_000).await;
    f.deposit(&u, 3_000_000, 3_000_000).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, 3_000_000);
}

#[tokio::test]
async fn the_user_must_sign_and_own_the_source() {
    let mut f = Fixture::with_assets(1).await;
    let victim = f.user(10_000_000).await;
    let thief = f.user(0).await;
    let before = snapshot(&mut f, &victim).await;
    // not signed
    let mut ix = f.deposit_ix(&victim, 1_000_000, 0).await;
    ix.accounts[0].is_signer = false;
    f.env.send(&[ix], &[]).await.assert_anchor_error(3010);
    // thief signs, spending the victim's tokens into the thief's share account
    let mut ix = f.deposit_ix(&thief, 1_000_000, 0).await;
    ix.accounts[6].pubkey = victim.base_token;
    f.env.send(&[ix], &[&thief.kp]).await.assert_failed();
    assert_eq!(snapshot(&mut f, &victim).await, before);
}

#[tokio::test]
async fn the_vault_account_must_be_owned_by_the_program() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    // a byte-identical copy of the vault under another owner
    let mut acct = f.env.account(&f.vault.clone()).await.unwrap();
    acct.owner = TOKEN_2022_PROGRAM_ID;
    let fake = Keypair::new().pubkey();
    f.env.set_account(&fake, acct);
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    ix.accounts[1].pubkey = fake;
    f.env.send(&[ix], &[&u.kp]).await.assert_anchor_error(3007);
}

#[tokio::test]
async fn every_vault_account_is_checked() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    let other = Fixture::with_assets(1).await; // a second, unrelated vault
    let before = snapshot(&mut f, &u).await;
    let substitutes = [
        (2, Keypair::new().pubkey(), "WrongAuthority"),
        (3, other.base_mint, "WrongBaseMint"),
        (4, u.base_token, "WrongBaseVault"),
        (5, other.share_mint(), "WrongShareMint"),
        (8, TOKEN_2022_PROGRAM_ID, "WrongTokenProgram"),
        (9, TOKEN_2022_PROGRAM_ID, "WrongTokenProgram"),
    ];
    for (index, key, err) in substitutes {
        let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
        ix.accounts[index].pubkey = key;
        f.env.send(&[ix], &[&u.kp]).await.assert_error(err);
    }
    assert_eq!(snapshot(&mut f, &u).await, before);
}

#[tokio::test]
async fn user_token_accounts_must_have_the_right_mints() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    let asset_mint = f.assets[0].mint;
    let wrong = f.env.create_token_account(&rpv_sdk::TOKEN_PROGRAM_ID, &asset_mint, &u.kp.pubkey()).await;
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    ix.accounts[6].pubkey = wrong;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongMint");
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    ix.accounts[7].pubkey = u.base_token;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongMint");
}

#[tokio::test]
async fn oracle_accounts_must_be_complete_and_in_registry_order() {
    let mut f = Fixture::with_assets(3).await;
    let u = f.user(10_000_000).await;
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    ix.accounts.pop();
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountCount");
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    let extra = ix.accounts[10].clone();
    ix.accounts.push(extra);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountCount");
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    ix.accounts.swap(10, 11);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountMismatch");
}

#[tokio::test]
async fn every_oracle_check_applies() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let before = snapshot(&mut f, &u).await;
    let a = f.assets[1].clone();
    let now = f.env.now().await;
    let good = PriceUpdateV2::decode(&pyth::price_update(a.feed, a.price, a.conf, a.expo, now, 1)).unwrap();
    let cases: Vec<(Vec<u8>, solana_pubkey::Pubkey, &str)> = vec![
        (good.encode(), PROGRAM_ID, "OracleWrongOwner"),
        (
            PriceUpdateV2 { partial_signatures: Some(8), ..good }.encode(),
            rpv_sdk::PYTH_RECEIVER_PROGRAM_ID,
            "OracleNotFullyVerified",
        ),
        (PriceUpdateV2 { feed_id: [3; 32], ..good }.encode(), rpv_sdk::PYTH_RECEIVER_PROGRAM_ID, "OracleFeedMismatch"),
        (PriceUpdateV2 { publish_time: now - 61, ..good }.encode(), rpv_sdk::PYTH_RECEIVER_PROGRAM_ID, "OracleStale"),
        (PriceUpdateV2 { price: -1, ..good }.encode(), rpv_sdk::PYTH_RECEIVER_PROGRAM_ID, "OracleNonPositivePrice"),
        (
            PriceUpdateV2 { conf: a.price as u64 / 10, ..good }.encode(),
            rpv_sdk::PYTH_RECEIVER_PROGRAM_ID,
            "OracleConfidenceTooWide",
        ),
        (PriceUpdateV2 { exponent: 9, ..good }.encode(), rpv_sdk::PYTH_RECEIVER_PROGRAM_ID, "OracleExponentOutOfRange"),
    ];
    for (data, owner, err) in cases {
        f.env.set_pyth_owned(&a.oracle, data, owner);
        f.deposit(&u, 1_000_000, 0).await.assert_error(err);
    }
    assert_eq!(snapshot(&mut f, &u).await, before);
    // the clock moving past max age makes a once-fresh price stale
    f.env.set_pyth(&a.oracle, good.encode());
    f.env.advance_time(61).await;
    f.deposit(&u, 1_000_000, 0).await.assert_error("OracleStale");
    f.refresh_oracles().await;
    f.deposit(&u, 1_000_000, 0).await.ok();
}

#[tokio::test]
async fn amount_minimum_cap_and_slippage_bounds() {
    let mut f = Fixture::empty().await;
    f.initialize(ix::InitializeVaultArgs { deposit_cap: 10_000_000, min_deposit: 5_000, ..f.init_args() }).await.ok();
    let u = f.user(100_000_000).await;
    let before = snapshot(&mut f, &u).await;
    f.deposit(&u, 0, 0).await.assert_error("ZeroAmount");
    f.deposit(&u, 4_999, 0).await.assert_error("DepositBelowMinimum");
    // NAV 1_000_000 + 9_000_001 > cap
    f.deposit(&u, 9_000_001, 0).await.assert_error("DepositCapExceeded");
    f.deposit(&u, 5_000, 5_001).await.assert_error("SlippageExceeded");
    assert_eq!(snapshot(&mut f, &u).await, before);
    f.deposit(&u, 9_000_000, 9_000_000).await.ok(); // exactly at the cap
    f.deposit(&u, 5_000, 0).await.assert_error("DepositCapExceeded");
}

#[tokio::test]
async fn a_deposit_worth_less_than_one_share_is_refused() {
    let mut f = Fixture::with_assets(1).await;
    // the vault holds 100,000 units of asset 0 at $10.50: NAV ≈ 1.05e12 base units for 1e6 shares
    f.set_holdings(&[100_000 * 1_000_000_000]).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 1_000, 0).await.assert_error("ZeroShares");
    f.deposit(&u, 2_000_000, 1).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, 1);
}
