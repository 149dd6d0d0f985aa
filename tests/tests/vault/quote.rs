//! `quote` — one test per Specification bullet of `instructions/flows/quote.rs`.

use rpv_core::math::Rounding;
use rpv_core::valuation::Band;
use rpv_sdk::ix::{self, decode_vault_quote, VAULT_QUOTE_LEN};
use rpv_tests::*;
use solana_signer::Signer;

/// Accounts `quote` must leave untouched.
async fn snapshot(f: &mut Fixture) -> Vec<Option<Vec<u8>>> {
    let keys = [f.vault, rpv_sdk::pda::risk(&f.vault).0, f.share_mint()];
    let mut out = vec![];
    for k in keys {
        out.push(f.env.data(&k).await);
    }
    out
}

#[tokio::test]
async fn quote_is_read_only_and_needs_no_signer() {
    let mut f = Fixture::with_assets(2).await;
    let ix = f.quote_ix().await;
    assert!(ix.accounts.iter().all(|a| !a.is_signer && !a.is_writable));
    let before = snapshot(&mut f).await;
    let out = f.quote().await;
    out.ok();
    assert_eq!(out.return_data.len(), VAULT_QUOTE_LEN);
    assert!(out.events().is_empty());
    assert_eq!(snapshot(&mut f).await, before);
}

#[tokio::test]
async fn quote_checks_the_risk_account_and_the_share_mint() {
    let mut f = Fixture::with_assets(1).await;
    let other = ix::InitializeVaultArgs { vault_id: 8, ..f.init_args() };
    f.initialize(other).await.ok();
    let other_vault = rpv_sdk::pda::vault(&f.admin.pubkey(), 8).0;
    let mut ix = f.quote_ix().await;
    ix.accounts[1].pubkey = rpv_sdk::pda::risk(&other_vault).0;
    f.env.send(&[ix], &[]).await.assert_error("WrongRiskAccount");
    let mut ix = f.quote_ix().await;
    ix.accounts[2].pubkey = rpv_sdk::pda::share_mint(&other_vault).0;
    f.env.send(&[ix], &[]).await.assert_error("WrongShareMint");
    // not a vault account at all: Anchor refuses it (3002 AccountDiscriminatorMismatch)
    let mut ix = f.quote_ix().await;
    ix.accounts[0].pubkey = rpv_sdk::pda::risk(&f.vault).0;
    f.env.send(&[ix], &[]).await.assert_anchor_error(3002);
    f.quote().await.ok();
}

#[tokio::test]
async fn quote_refuses_oracles_as_deposit_does() {
    let mut f = Fixture::with_assets(2).await;
    let mut ix = f.quote_ix().await;
    ix.accounts.pop();
    f.env.send(&[ix], &[]).await.assert_error("OracleAccountCount");
    let mut ix = f.quote_ix().await;
    ix.accounts.swap(3, 4);
    f.env.send(&[ix], &[]).await.assert_error("OracleAccountMismatch");
    let a = f.assets[1].clone();
    f.write_oracle(&a, 61).await; // max age 60 s
    f.quote().await.assert_error("OracleStale");
    let u = f.user(10_000_000).await;
    f.deposit(&u, 1_000_000, 0).await.assert_error("OracleStale");
    let mut wide = f.assets[0].clone();
    wide.conf = wide.price as u64 / 10; // 10 % > 200 bps
    f.write_oracle(&wide, 0).await;
    f.write_oracle(&a, 0).await;
    f.quote().await.assert_error("OracleConfidenceTooWide");
    f.refresh_oracles().await;
    f.quote().await.ok();
}

#[tokio::test]
async fn quote_prices_nav_both_ways_as_the_flows_do() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(1_000_000_000).await;
    f.deposit(&u, 99_000_000, 0).await.ok(); // base 100 USDC, 100e6 shares
    f.set_holdings(&[1_000_000_001, 333]).await; // odd quantities: the roundings differ
    let out = f.quote().await;
    out.ok();
    let q = decode_vault_quote(&out.return_data).expect("quote decodes");
    assert_eq!(q.nav, f.nav(Rounding::Down).await);
    assert_eq!(q.nav_round_up, f.nav(Rounding::Up).await);
    assert!(q.nav_round_up > q.nav);
    assert_eq!(q.total_shares, f.total_shares().await);
    assert_eq!(q.total_shares, 100_000_000);
    // 100 USDC + 1.000000001 × $10.50 (→ 10.500000 down) + 333e-8 × $20.50 (→ 0.000068 down)
    assert_eq!(q.nav, 100_000_000 + 10_500_000 + 68);
    // the NAVs instant flows are priced at: every holding at the bottom / top of its interval
    assert_eq!(q.nav_instant_withdraw, f.banded_nav(Band::Low).await);
    assert_eq!(q.nav_instant_deposit, f.banded_nav(Band::High).await);
    assert!(q.nav_instant_withdraw < q.nav && q.nav_round_up < q.nav_instant_deposit);
    // a withdrawal of 1e6 shares pays exactly ⌊1e6 · nav_instant_withdraw / total⌋ …
    let before = f.env.token_amount(&u.base_token).await;
    f.withdraw(&u, 1_000_000, 0).await.ok();
    let paid = f.env.token_amount(&u.base_token).await - before;
    assert_eq!(u128::from(paid), 1_000_000u128 * u128::from(q.nav_instant_withdraw) / u128::from(q.total_shares));
    // … and a deposit buys ⌊amount · total / nav_instant_deposit⌋ shares
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    let held = f.env.token_amount(&u.share_token).await;
    f.deposit(&u, 7_000_000, 0).await.ok();
    let bought = f.env.token_amount(&u.share_token).await - held;
    assert_eq!(u128::from(bought), 7_000_000u128 * u128::from(q.total_shares) / u128::from(q.nav_instant_deposit));
}

#[tokio::test]
async fn quote_share_price_is_base_units_per_1e9_shares() {
    // seed only: 1e6 base units for 1e6 dead shares → exactly 1 base unit per share
    let mut f = Fixture::with_assets(0).await;
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    assert_eq!((q.nav, q.total_shares, q.share_price_e9), (SEED_DEPOSIT, SEED_DEPOSIT, 1_000_000_000));
    assert_eq!((q.base_decimals, q.num_assets), (6, 0));
    // NAV 121 for 100 shares → 1.21 base units per share
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(1_000_000_000).await;
    f.deposit(&u, 99_000_000, 0).await.ok();
    f.set_holdings(&[2_000_000_000]).await; // 2 × $10.50
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    assert_eq!((q.nav, q.total_shares, q.share_price_e9), (121_000_000, 100_000_000, 1_210_000_000));
    // one share more: ⌊121e6 · 1e9 / (100e6 + 1)⌋
    let mut s = f.state().await;
    s.dead_shares += 1;
    f.write_state(&s).await;
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    assert_eq!(q.share_price_e9, 121_000_000u128 * 1_000_000_000 / 100_000_001);
    assert_eq!(q, f.expected_quote().await);
}

#[tokio::test]
async fn quote_answers_while_paused_or_with_a_stale_risk_state() {
    let mut f = Fixture::with_assets(2).await;
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    assert!(!q.paused && q.risk_fresh);
    let (g, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    assert!(q.paused && q.risk_fresh);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, false)], &[&g]).await.ok();
    // past max_risk_age (900 s) with fresh oracles: deposits refuse, quote reports it
    f.env.advance_time(901).await;
    f.refresh_oracles().await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 1_000_000, 0).await.assert_error("RiskStateStale");
    let q = decode_vault_quote(&f.quote().await.return_data).unwrap();
    assert!(!q.paused && !q.risk_fresh);
    assert_eq!(q, f.expected_quote().await);
    f.refresh().await.ok();
    assert!(decode_vault_quote(&f.quote().await.return_data).unwrap().risk_fresh);
}

#[tokio::test]
async fn quote_reports_the_risk_summary_of_the_last_refresh() {
    let mut f = Fixture::with_assets(3).await;
    f.set_holdings(&[2_000_000_000, 50_000_000, 7_000_000]).await;
    for (dt, k) in [(3_600, 1.03f64), (3_600, 0.96), (600, 1.01)] {
        f.env.advance_time(dt).await;
        for i in 0..3 {
            let p = (f.assets[i].price as f64 * if i % 2 == 0 { k } else { 1.0 / k }) as i64;
            f.set_price(i, p).await;
        }
        f.refresh().await.ok();
    }
    let r = f.risk().await;
    let s = f.state().await;
    let out = f.quote().await;
    out.ok();
    let q = decode_vault_quote(&out.return_data).unwrap();
    assert!(r.portfolio_vol.get() > 0 && r.leverage.get() > 0);
    assert_eq!(q.portfolio_vol_bits, r.portfolio_vol.get().to_bits());
    assert_eq!(q.leverage_bits, r.leverage.get().to_bits());
    assert_eq!(q.risk_refreshed_at, s.risk_refreshed_at);
    assert_eq!(q.quoted_at, f.env.now().await);
    assert_eq!(q, f.expected_quote().await);
}
