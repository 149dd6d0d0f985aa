//! `redeem_in_kind` — one test per Specification bullet.

use rpv_core::math::{mul_div, Rounding};
use rpv_sdk::{events::Event, pda, TOKEN_2022_PROGRAM_ID};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A 3-asset vault holding assets, and a user with shares.
async fn setup() -> (Fixture, User) {
    let mut f = Fixture::with_assets(3).await;
    f.set_holdings(&[3_000_000_000, 40_000_000, 5_000_000]).await;
    let u = f.user(50_000_000).await;
    f.deposit(&u, 50_000_000, 0).await.ok();
    (f, u)
}

#[tokio::test]
async fn known_answer_pro_rata_of_every_holding() {
    let (mut f, u) = setup().await;
    let accounts = f.holding_accounts(&u).await;
    let before = f.state().await;
    let total = f.total_shares().await;
    let shares = f.env.token_amount(&u.share_token).await / 2;
    let out = f.redeem(&u, &accounts, shares, vec![]).await;
    out.ok();
    let accounted =
        [before.base_quantity, before.assets[0].quantity, before.assets[1].quantity, before.assets[2].quantity];
    let want: Vec<u64> = accounted.iter().map(|q| mul_div(shares, *q, total, Rounding::Down).unwrap()).collect();
    for (k, acct) in accounts.iter().enumerate() {
        // the user spent all their base on the deposit and held no assets before
        assert_eq!(f.env.token_amount(acct).await, want[k], "holding {k}");
    }
    let after = f.state().await;
    assert_eq!(after.base_quantity, accounted[0] - want[0]);
    for i in 0..3 {
        assert_eq!(after.assets[i].quantity, accounted[i + 1] - want[i + 1]);
    }
    match &out.events()[..] {
        [Event::RedeemedInKind(e)] => {
            assert_eq!((e.shares, e.total_shares_before, e.amounts.clone()), (shares, total, want))
        }
        other => panic!("expected RedeemedInKind, got {other:?}"),
    }
}

#[tokio::test]
async fn needs_no_oracle_and_no_fresh_risk_state() {
    let (mut f, u) = setup().await;
    let accounts = f.holding_accounts(&u).await;
    // a day without oracle updates or refreshes: every oracle stale, the risk state stale
    f.env.advance_time(86_400).await;
    // (a withdrawal now would value every leg at zero: `attacks_feeds.rs`)
    // and broken oracle accounts on top
    for a in f.assets.clone() {
        f.env.set_pyth(&a.oracle, vec![0; 10]);
    }
    let shares = f.env.token_amount(&u.share_token).await;
    f.redeem(&u, &accounts, shares, vec![]).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, 0);
}

#[tokio::test]
async fn donations_are_never_paid_out() {
    let (mut f, u) = setup().await;
    let accounts = f.holding_accounts(&u).await;
    let bv = f.base_vault();
    let (p, m) = (f.base_program, f.base_mint);
    f.env.mint_to(&p, &m, &bv, 777_000_000).await; // tokens sent straight to the vault
    let before = f.state().await;
    let total = f.total_shares().await;
    let shares = f.env.token_amount(&u.share_token).await;
    f.redeem(&u, &accounts, shares, vec![]).await.ok();
    let want = mul_div(shares, before.base_quantity, total, Rounding::Down).unwrap();
    assert_eq!(f.env.token_amount(&u.base_token).await, want, "only the accounted base, pro rata");
    assert!(f.env.token_amount(&bv).await >= 777_000_000, "the donation stays in the vault");
}

#[tokio::test]
async fn every_remaining_account_is_checked() {
    let (mut f, u) = setup().await;
    let accounts = f.holding_accounts(&u).await;
    let s = f.state().await;
    let some = f.env.token_amount(&u.share_token).await / 4;
    let mut ix = f.redeem_ix(&u, &accounts, some, vec![]).await;
    ix.accounts.pop();
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongAccountCount");
    let cases: [(usize, solana_pubkey::Pubkey, &str); 6] = [
        (6, accounts[0], "WrongBaseVault"), // base vault slot ← user's account
        (10, pda::token_account(&f.vault, &f.assets[1].mint).0, "WrongAssetVault"), // asset 0 slot ← asset 1's vault
        (11, f.assets[1].mint, "WrongMint"), // asset 0 mint ← asset 1 mint
        (12, accounts[2], "WrongMint"),     // user account of asset 1 for asset 0
        (13, TOKEN_2022_PROGRAM_ID, "WrongTokenProgram"),
        (2, Keypair::new().pubkey(), "WrongAuthority"),
    ];
    for (index, key, err) in cases {
        let mut ix = f.redeem_ix(&u, &accounts, some, vec![]).await;
        ix.accounts[index].pubkey = key;
        f.env.send(&[ix], &[&u.kp]).await.assert_error(err);
    }
    assert_eq!(f.state().await, s, "nothing moved");
}

#[tokio::test]
async fn share_and_slippage_bounds() {
    let (mut f, u) = setup().await;
    let accounts = f.holding_accounts(&u).await;
    let held = f.env.token_amount(&u.share_token).await;
    f.redeem(&u, &accounts, 0, vec![]).await.assert_error("ZeroShares");
    f.redeem(&u, &accounts, held + 1, vec![]).await.assert_error("InsufficientShares");
    let quarter = held / 4;
    f.redeem(&u, &accounts, quarter, vec![1, 1]).await.assert_error("WrongVectorLength");
    f.redeem(&u, &accounts, quarter, vec![0, 0, 0, u64::MAX]).await.assert_error("SlippageExceeded");
    f.redeem(&u, &accounts, quarter, vec![1, 1, 1, 1]).await.ok();
    // a vault whose holdings are dust: one share is worth less than one unit of everything
    let mut dust = f.state().await;
    dust.base_quantity = 1;
    for a in dust.assets.iter_mut().take(3) {
        a.quantity = 0;
    }
    f.write_state(&dust).await;
    f.redeem(&u, &accounts, 1, vec![]).await.assert_error("ZeroAmount");
}

#[tokio::test]
async fn only_the_share_owner_can_redeem() {
    let (mut f, victim) = setup().await;
    let thief = f.user(0).await;
    let accounts = f.holding_accounts(&thief).await;
    let some = f.env.token_amount(&victim.share_token).await / 4;
    let mut ix = f.redeem_ix(&thief, &accounts, some, vec![]).await;
    ix.accounts[4].pubkey = victim.share_token;
    f.env.send(&[ix], &[&thief.kp]).await.assert_failed();
    let mut ix = f.redeem_ix(&victim, &accounts, some, vec![]).await;
    ix.accounts[0].is_signer = false;
    f.env.send(&[ix], &[]).await.assert_anchor_error(3010);
}

/// Redeems half of a user's shares of a 16-asset vault in a v0 transaction with a lookup table.
pub(crate) async fn redeem_sixteen_through_a_lookup_table() -> Outcome {
    let mut f = Fixture::with_assets(16).await;
    f.set_holdings(&(0..16u64).map(|i| 1_000_000 + i * 1_000).collect::<Vec<_>>()).await;
    let u = f.user(50_000_000).await;
    f.deposit(&u, 50_000_000, 0).await.ok();
    let accounts = f.holding_accounts(&u).await;
    let s = f.state().await;
    let vault = f.vault;
    let table_addresses = rpv_sdk::alt::vault_addresses(&vault, &s);
    let table = f.env.lookup_table(&table_addresses).await;
    let shares = f.env.token_amount(&u.share_token).await / 2;
    let ix = f.redeem_ix(&u, &accounts, shares, vec![]).await;
    assert!(ix.accounts.len() > 64, "{} account metas: more than a legacy transaction holds", ix.accounts.len());
    f.env.send_v0(&[ix], &[&u.kp], &[(table, table_addresses)]).await
}

/// Sixteen assets: the account list needs an address lookup table (v0 transaction).
#[tokio::test]
async fn sixteen_assets_through_a_lookup_table() {
    let out = redeem_sixteen_through_a_lookup_table().await;
    out.ok();
    match &out.events()[..] {
        [Event::RedeemedInKind(e)] => {
            assert_eq!(e.amounts.len(), 17);
            assert!(e.amounts.iter().all(|a| *a > 0));
        }
        other => panic!("expected RedeemedInKind, got {other:?}"),
    }
}
