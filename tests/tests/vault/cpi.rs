//! The CPI surface on the `.so` files: the example integrator (`programs/rpv-integrator`,
//! built on `rpv_vault::cpi`) deposits, quotes and withdraws through the vault program, both
//! loaded in the same bank. `cargo test cpi` selects these tests.

use rpv_core::{
    math::{amount_for_shares, shares_for_deposit},
    valuation::Band,
};
use rpv_sdk::{events::Event, ix, pk, TOKEN_PROGRAM_ID};
use rpv_tests::integrator::{self as ig, Integration};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn cpi_round_trip_deposit_quote_withdraw() {
    let mut t = Integration::new(2, 100_000_000).await;
    t.f.set_holdings(&[1_000_000_000, 20_000_000]).await; // NAV 1 + 10.5 + 4.1 USDC
    let tr = t.tracker().await;
    assert_eq!((pk(&tr.admin), pk(&tr.vault)), (t.admin.pubkey(), t.f.vault));
    assert_eq!((tr.shares, tr.deposited, tr.withdrawn, tr.quoted_at), (0, 0, 0, 0));

    // deposit 40 USDC of the holder's through the integrator (priced at the top of every
    // oracle's confidence interval)
    let nav_up = t.f.banded_nav(Band::High).await;
    let total = t.f.total_shares().await;
    let want_shares = shares_for_deposit(40_000_000, total, nav_up).unwrap();
    let base_before = t.f.state().await.base_quantity;
    let ix = t.deposit_ix(40_000_000, want_shares).await;
    let out = t.send(ix).await;
    out.ok();
    println!("integrator deposit (CPI) at 2 assets: {} CU", out.cu);
    assert_eq!(t.balances().await, (60_000_000, want_shares));
    assert_eq!(t.f.state().await.base_quantity, base_before + 40_000_000);
    match &out.events()[..] {
        // the vault's own event, emitted inside the CPI: the holder PDA is the depositor
        [Event::Deposited(e)] => assert_eq!((e.user, e.amount, e.shares), (t.holder, 40_000_000, want_shares)),
        other => panic!("expected the vault's Deposited, got {other:?}"),
    }
    let tr = t.tracker().await;
    assert_eq!((tr.shares, tr.deposited), (want_shares, 40_000_000));
    let e: ig::HolderDeposited = ig::event(&out, "HolderDeposited").expect("HolderDeposited");
    assert_eq!((pk(&e.tracker), pk(&e.vault), e.amount, e.shares), (t.tracker, t.f.vault, 40_000_000, want_shares));

    // quote by CPI: the recorded values are what the SDK computes and what `quote` returns
    let ix = t.quote_ix().await;
    let out = t.f.env.send(&[ix], &[]).await; // permissionless: only the fee payer signs
    out.ok();
    let expected = t.f.expected_quote().await;
    let direct = ix::decode_vault_quote(&out.return_data).expect("the vault's return data is the transaction's");
    assert_eq!(direct, expected);
    let tr = t.tracker().await;
    assert_eq!(
        (tr.share_price_e9, tr.nav, tr.total_shares, tr.quoted_at),
        (expected.share_price_e9, expected.nav, expected.total_shares, expected.quoted_at)
    );
    assert_eq!(tr.share_price_e9, u128::from(expected.nav) * 1_000_000_000 / u128::from(expected.total_shares));
    let e: ig::SharePriceRecorded = ig::event(&out, "SharePriceRecorded").expect("SharePriceRecorded");
    assert_eq!(
        (pk(&e.tracker), e.share_price_e9, e.nav, e.total_shares, e.quoted_at),
        (t.tracker, tr.share_price_e9, tr.nav, tr.total_shares, tr.quoted_at)
    );

    // withdraw every share back through the integrator, in a later slot (no instant
    // redemption in the slot of an instant deposit), at the bottom of every interval
    t.f.advance_slots(1).await;
    let nav = t.f.banded_nav(Band::Low).await;
    let total = t.f.total_shares().await;
    let want_amount = amount_for_shares(want_shares, total, nav).unwrap();
    let ix = t.withdraw_ix(want_shares, want_amount).await;
    let out = t.send(ix).await;
    out.ok();
    println!("integrator withdraw (CPI) at 2 assets: {} CU", out.cu);
    assert_eq!(t.balances().await, (60_000_000 + want_amount, 0));
    assert!(want_amount <= 40_000_000, "a round trip never returns more than went in");
    assert!(matches!(&out.events()[..], [Event::Withdrawn(e)] if e.user == t.holder && e.amount == want_amount));
    let tr = t.tracker().await;
    assert_eq!((tr.shares, tr.deposited, tr.withdrawn), (0, 40_000_000, want_amount));
    let e: ig::HolderWithdrew = ig::event(&out, "HolderWithdrew").expect("HolderWithdrew");
    assert_eq!((e.shares, e.amount), (want_shares, want_amount));
}

#[tokio::test]
async fn cpi_quote_equals_the_sdk_as_prices_move() {
    let mut t = Integration::new(3, 50_000_000).await;
    t.f.set_holdings(&[3_000_000_000, 7_000_000, 123_456]).await;
    let ix = t.deposit_ix(25_000_000, 0).await;
    t.send(ix).await.ok();
    for (dt, k) in [(120, 1.07f64), (3_600, 0.93), (45, 1.001)] {
        t.f.env.advance_time(dt).await;
        for i in 0..3 {
            let p = (t.f.assets[i].price as f64 * if i == 1 { 1.0 / k } else { k }) as i64;
            t.f.set_price(i, p).await;
        }
        t.f.refresh().await.ok();
        let ix = t.quote_ix().await;
        let out = t.f.env.send(&[ix], &[]).await;
        out.ok();
        let expected = t.f.expected_quote().await;
        assert_eq!(ix::decode_vault_quote(&out.return_data), Some(expected));
        let tr = t.tracker().await;
        assert_eq!(
            (tr.share_price_e9, tr.nav, tr.total_shares),
            (expected.share_price_e9, expected.nav, expected.total_shares)
        );
        assert!(expected.risk_fresh && expected.portfolio_vol_bits > 0);
    }
}

#[tokio::test]
async fn cpi_refuses_a_wrong_vault_program_id() {
    let mut t = Integration::new(1, 10_000_000).await;
    let ix = t.deposit_ix(5_000_000, 0).await;
    t.send(ix).await.ok();
    let (tr, bal, state) = (t.tracker().await, t.balances().await, t.f.state().await);
    // an executable program that is not the vault (SPL Token), the integrator itself, and a
    // plain account: Anchor's `Program<RpvVault>` refuses each with InvalidProgramId (3008)
    for wrong in [TOKEN_PROGRAM_ID, ig::INTEGRATOR_ID, Pubkey::new_unique()] {
        let mut ix = t.deposit_ix(1_000_000, 0).await;
        ix.accounts[ig::FLOW_PROGRAM_INDEX].pubkey = wrong;
        let out = t.send(ix).await;
        out.assert_anchor_error(3008);
        assert!(out.logs.iter().any(|l| l.contains("rpv_vault_program")), "{}", out.logs.join("\n"));
        let mut ix = t.withdraw_ix(1_000_000, 0).await;
        ix.accounts[ig::FLOW_PROGRAM_INDEX].pubkey = wrong;
        t.send(ix).await.assert_anchor_error(3008);
        let mut ix = t.quote_ix().await;
        ix.accounts[ig::QUOTE_PROGRAM_INDEX].pubkey = wrong;
        t.f.env.send(&[ix], &[]).await.assert_anchor_error(3008);
    }
    assert_eq!((t.tracker().await, t.balances().await, t.f.state().await), (tr, bal, state));
}

#[tokio::test]
async fn cpi_only_the_tracker_admin_moves_the_holders_funds() {
    let mut t = Integration::new(1, 10_000_000).await;
    let (tr, bal) = (t.tracker().await, t.balances().await);
    let thief = Keypair::new();
    t.f.env.fund(&thief.pubkey(), 1_000_000_000).await;
    let mut ix = t.deposit_ix(5_000_000, 0).await;
    ix.accounts[0].pubkey = thief.pubkey();
    t.f.env.send(&[ix], &[&thief]).await.assert_integrator_error("Unauthorized");
    // signing for the holder is the integrator's job only: calling the vault directly with the
    // holder's accounts has no signature for the holder PDA
    let s = t.f.state().await;
    let mut direct = ix::deposit(&t.holder, &t.f.vault, &s, &t.base_token, &t.share_token, 5_000_000, 0);
    direct.accounts[0].is_signer = false;
    t.f.env.send(&[direct], &[]).await.assert_anchor_error(3010);
    assert_eq!((t.tracker().await, t.balances().await), (tr, bal));
    let ix = t.deposit_ix(5_000_000, 0).await;
    t.send(ix).await.ok();
}

#[tokio::test]
async fn cpi_vault_errors_reach_the_caller_unchanged() {
    let mut t = Integration::new(2, 10_000_000).await;
    let ix = t.deposit_ix(4_000_000, 0).await;
    t.send(ix).await.ok();
    t.f.advance_slots(1).await; // redemptions in a later slot than the deposit
    let (tr, bal, state) = (t.tracker().await, t.balances().await, t.f.state().await);
    // slippage, stale oracles and a missing oracle fail inside the vault with its own codes
    let ix = t.deposit_ix(1_000_000, u64::MAX).await;
    t.send(ix).await.assert_error("SlippageExceeded");
    let mut ix = t.withdraw_ix(1_000_000, 0).await;
    ix.accounts.pop();
    t.send(ix).await.assert_error("OracleAccountCount");
    t.f.env.advance_time(61).await;
    let ix = t.deposit_ix(1_000_000, 0).await;
    t.send(ix).await.assert_error("OracleStale");
    let ix = t.quote_ix().await;
    t.f.env.send(&[ix], &[]).await.assert_error("OracleStale");
    // the vault's pause applies to the integrator like to anyone
    t.f.refresh_oracles().await;
    let (g, v) = (t.f.admin.insecure_clone(), t.f.vault);
    t.f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    let ix = t.deposit_ix(1_000_000, 0).await;
    t.send(ix).await.assert_error("VaultPaused");
    let mut expected_state = state;
    expected_state.flags = t.f.state().await.flags;
    assert_eq!((t.tracker().await, t.balances().await, t.f.state().await), (tr, bal, expected_state));
    // withdrawals go on while paused
    let ix = t.withdraw_ix(1_000_000, 0).await;
    t.send(ix).await.ok();
}

#[tokio::test]
async fn cpi_tracker_binds_one_admin_to_one_vault() {
    let mut t = Integration::new(1, 10_000_000).await;
    let admin = t.admin.insecure_clone();
    let vault = t.f.vault;
    // a second initialize for the same pair fails (the PDA exists)
    t.f.env.send(&[ig::initialize(&admin.pubkey(), &vault)], &[&admin]).await.assert_failed();
    // only rpv vault accounts: the risk account is owned by the vault program but is no vault
    // (3002 AccountDiscriminatorMismatch); a token account is not even owned by it (3007)
    let risk = rpv_sdk::pda::risk(&vault).0;
    t.f.env.send(&[ig::initialize(&admin.pubkey(), &risk)], &[&admin]).await.assert_anchor_error(3002);
    let holder_base = t.base_token;
    t.f.env.send(&[ig::initialize(&admin.pubkey(), &holder_base)], &[&admin]).await.assert_anchor_error(3007);
    // the tracker's vault is the only vault it moves funds of or quotes
    let other = ix::InitializeVaultArgs { vault_id: 8, ..t.f.init_args() };
    t.f.initialize(other).await.ok();
    let other_vault = rpv_sdk::pda::vault(&t.f.admin.pubkey(), 8).0;
    let mut ix = t.deposit_ix(1_000_000, 0).await;
    ix.accounts[3].pubkey = other_vault;
    t.send(ix).await.assert_integrator_error("WrongVault");
    let mut ix = t.quote_ix().await;
    ix.accounts[1].pubkey = other_vault;
    t.f.env.send(&[ix], &[]).await.assert_integrator_error("WrongVault");
}

#[tokio::test]
async fn cpi_integrator_error_table_matches_the_program() {
    let src = include_str!("../../../programs/rpv-integrator/src/error.rs");
    let body = src.split("pub enum IntegratorError {").nth(1).unwrap().split("\n}").next().unwrap();
    let names: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| l.ends_with(',') && l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .map(|l| l.trim_end_matches(','))
        .collect();
    assert_eq!(names, ig::ERROR_NAMES);
}

#[tokio::test]
async fn cpi_rebalance_works_but_flash_mode_through_cpi_is_refused() {
    use rpv_core::rebalance::AUTO_LEG;
    use rpv_tests::{loose_rebalance_params, rebalanced, Fixture};
    let env = ig::env().await;
    let mut f =
        Fixture::with_assets_in(env, 3).await.funded_for_rebalance(loose_rebalance_params(), 1_000_000_000_000).await;
    let k = f.keeper(10_000_000_000_000, 1_000_000_000_000_000).await;
    // the atomic rebalance by CPI: a program may be a keeper
    let leg = f.auto_leg().await.unwrap();
    let args = ix::RebalanceArgs::any_price(AUTO_LEG);
    let inner = f.rebalance_ix(&k, leg, args).await;
    let out = f.env.send(&[ig::relay_rebalance(&inner, 0, args)], &[&k.kp]).await;
    out.ok();
    assert_eq!(rebalanced(&out).len(), 1, "the vault's own event, from inside the CPI");
    // flash mode through CPI: a begin inside another program's instruction
    f.step(61).await.ok();
    let leg = f.auto_leg().await.unwrap();
    let before = f.env.data(&f.vault.clone()).await;
    let (begin, end) = f.flash_ixs(&k, leg, ix::RebalanceArgs::any_price(leg)).await;
    let relayed_begin = ig::relay_rebalance(&begin, 1, ix::RebalanceArgs::any_price(leg));
    f.env.send(&[relayed_begin, end.clone()], &[&k.kp]).await.assert_error("RebalanceViaCpi");
    // an end reached through CPI (a top-level end follows, so the begin itself is accepted)
    let relayed_end = ig::relay_rebalance(&end, 2, ix::RebalanceArgs::any_price(leg));
    f.env.send(&[begin, relayed_end, end], &[&k.kp]).await.assert_error("RebalanceViaCpi");
    assert_eq!(f.env.data(&f.vault.clone()).await, before, "nothing changed");
}
