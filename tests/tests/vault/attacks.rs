//! Every attack class on the `.so`, each asserting the specific error and that nothing changed:
//! missing signer, wrong owner, PDA substitution, account type confusion, reinitialisation,
//! duplicate mutable accounts, wrong token program or mint, CPI program-id substitution,
//! overflow inputs, rounding loops, first-depositor inflation, donations, oracle manipulation,
//! keeper self-dealing and revival of a closed account. `cargo test attack` runs them.

use rpv_core::{
    math::Rounding, pyth::PriceUpdateV2, rebalance::AUTO_LEG, switchboard::SWITCHBOARD_ON_DEMAND_PROGRAM_ID,
};
use rpv_sdk::{ix, pda, pyth, spl, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn attack_first_depositor_inflation_does_not_profit() {
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
async fn attack_rounding_many_small_round_trips_never_favour_the_caller() {
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

#[tokio::test]
async fn attack_missing_signer() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    // a deposit "by" the user without their signature (Anchor `Signer`: AccountNotSigner)
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[0].is_signer = false;
    f.env.send(&[dep], &[]).await.assert_anchor_error(3010);
    // pausing without the guardian's signature
    let mut pause = ix::set_paused(&f.admin.pubkey(), &f.vault, true);
    pause.accounts[0].is_signer = false;
    f.env.send(&[pause], &[]).await.assert_anchor_error(3010);
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_wrong_account_owner() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    // the vault's exact bytes in an account owned by another program
    let mut forged = f.env.account(&f.vault.clone()).await.unwrap();
    forged.owner = TOKEN_PROGRAM_ID;
    let fake = Pubkey::new_unique();
    f.env.set_account(&fake, forged);
    let before = f.vault_and_risk_bytes().await;
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[1].pubkey = fake;
    f.env.send(&[dep], &[&u.kp]).await.assert_anchor_error(3007); // AccountOwnedByWrongProgram
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_pda_substitution_with_another_vaults_accounts() {
    let mut f = Fixture::with_assets(2).await;
    // a second vault of the same admin in the same bank
    let mut args = f.init_args();
    args.vault_id = 2;
    let other = pda::vault(&f.admin.pubkey(), 2).0;
    let admin = f.admin.insecure_clone();
    let init = f.init_ix(args);
    f.env.send(&[init], &[&admin]).await.ok();
    let u = f.user(10_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[4].pubkey = pda::token_account(&other, &f.base_mint).0;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongBaseVault");
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[5].pubkey = pda::share_mint(&other).0;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongShareMint");
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[2].pubkey = pda::authority(&other).0;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongAuthority");
    let mut refresh = f.refresh_ix().await;
    refresh.accounts[1].pubkey = pda::risk(&other).0;
    f.env.send(&[refresh], &[]).await.assert_error("WrongRiskAccount");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_account_type_confusion() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    // the risk account (owned by the program, another discriminator) where the vault goes
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[1].pubkey = pda::risk(&f.vault).0;
    f.env.send(&[dep], &[&u.kp]).await.assert_anchor_error(3002); // AccountDiscriminatorMismatch
                                                                  // a program-owned account of the vault's size whose discriminator is wrong
    let mut acct = f.env.account(&f.vault.clone()).await.unwrap();
    acct.data[..8].copy_from_slice(&[9; 8]);
    let fake = Pubkey::new_unique();
    f.env.set_account(&fake, acct);
    let mut refresh = f.refresh_ix().await;
    refresh.accounts[0].pubkey = fake;
    f.env.send(&[refresh], &[]).await.assert_anchor_error(3002);
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_reinitialisation() {
    let mut f = Fixture::with_assets(2).await;
    let before = f.vault_and_risk_bytes().await;
    let admin = f.admin.insecure_clone();
    let mut args = f.init_args();
    args.deposit_cap = 1;
    let again = f.init_ix(args);
    let out = f.env.send(&[again], &[&admin]).await;
    out.assert_failed();
    assert!(out.logs.iter().any(|l| l.contains("already in use")), "{:?}", out.logs);
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_duplicate_mutable_accounts() {
    let mut f = Fixture::with_assets(2).await.funded_for_rebalance(loose_rebalance_params(), 1_000_000_000).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let before = f.vault_and_risk_bytes().await;
    let base_vault = f.base_vault();
    // the vault's base account as the user's: deposit, withdraw
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[6].pubkey = base_vault;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("DuplicateAccount");
    let mut wd = f.withdraw_ix(&u, 1_000, 0).await;
    wd.accounts[6].pubkey = base_vault;
    f.env.send(&[wd], &[&u.kp]).await.assert_error("DuplicateAccount");
    // in-kind: the vault's account as the user's receiving account
    let mut accounts = f.holding_accounts(&u).await;
    accounts[0] = base_vault;
    let redeem = f.redeem_ix(&u, &accounts, 1_000, vec![]).await;
    f.env.send(&[redeem], &[&u.kp]).await.assert_error("DuplicateAccount");
    // a keeper naming the vault's own accounts as its own
    let k = f.keeper(1_000_000_000, 1_000_000_000_000).await;
    let leg = f.auto_leg().await.unwrap();
    let mut rb = f.rebalance_ix(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
    rb.accounts[8].pubkey = base_vault;
    f.env.send(&[rb], &[&k.kp]).await.assert_error("DuplicateAccount");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_wrong_token_program_or_mint() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[8].pubkey = TOKEN_2022_PROGRAM_ID;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongTokenProgram");
    let other_mint = f.env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[3].pubkey = other_mint;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongBaseMint");
    // the user's account for another mint
    let wrong = f.env.create_token_account(&TOKEN_PROGRAM_ID, &other_mint, &u.kp.pubkey()).await;
    let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
    dep.accounts[6].pubkey = wrong;
    f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongMint");
    // an asset deposit with another asset's mint
    let from = f.asset_account(0, &u.kp.pubkey(), 1_000_000_000).await;
    let mut da = f.deposit_asset_ix(&u, 0, &from, 1_000_000_000, 0).await;
    da.accounts[4].pubkey = f.assets[1].mint;
    f.env.send(&[da], &[&u.kp]).await.assert_error("WrongMint");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_cpi_program_id_substitution() {
    let mut f = Fixture::with_assets(2).await.funded_for_rebalance(loose_rebalance_params(), 1_000_000_000).await;
    let u = f.user(10_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    // a program that is not the token program where the vault makes token CPIs
    for fake in [PYTH_RECEIVER_PROGRAM_ID, PROGRAM_ID, Pubkey::new_unique()] {
        let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
        dep.accounts[8].pubkey = fake;
        f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongTokenProgram");
        let mut dep = f.deposit_ix(&u, 1_000_000, 0).await;
        dep.accounts[9].pubkey = fake;
        f.env.send(&[dep], &[&u.kp]).await.assert_error("WrongTokenProgram");
    }
    let k = f.keeper(1_000_000_000, 1_000_000_000_000).await;
    let leg = f.auto_leg().await.unwrap();
    let mut rb = f.rebalance_ix(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
    rb.accounts[11].pubkey = Pubkey::new_unique();
    f.env.send(&[rb], &[&k.kp]).await.assert_error("WrongTokenProgram");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_arithmetic_overflow_inputs() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let before = f.vault_and_risk_bytes().await;
    f.deposit(&u, u64::MAX, 0).await.assert_error("MathOverflow");
    f.withdraw(&u, u64::MAX, 0).await.assert_error("InsufficientShares");
    f.deposit(&u, 1_000_000, u64::MAX).await.assert_error("SlippageExceeded");
    let params = ix::RebalanceParams { cooldown_secs: u32::MAX, max_oracle_age: u32::MAX, ..Default::default() };
    f.set_rebalance_params(params).await.assert_error("InvalidRebalanceParams");
    let admin = f.admin.insecure_clone();
    let submit = ix::submit_weights(&admin.pubkey(), &f.vault, vec![i128::MAX, i128::MIN]);
    let out = f.env.send(&[submit], &[&admin]).await;
    out.assert_failed();
    assert!(out.custom_code().is_some(), "a program error, not a crash: {:?}", out.logs);
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_donation_cannot_steal_from_later_depositors() {
    let mut f = Fixture::with_assets(2).await;
    let attacker = f.user(1_000_000_000).await;
    let victim = f.user(100_000_000).await;
    f.deposit(&attacker, 1_000_000, 0).await.ok();
    let nav_before = f.nav(Rounding::Down).await;
    // the attacker sends tokens straight to the vault's accounts
    let (bp, bm, bv) = (f.base_program, f.base_mint, f.base_vault());
    let donate = spl::transfer_checked(&bp, &attacker.base_token, &bm, &bv, &attacker.kp.pubkey(), 500_000_000, 6);
    f.env.send(&[donate], &[&attacker.kp]).await.ok();
    assert_eq!(f.nav(Rounding::Down).await, nav_before, "donations are not accounted");
    // the victim deposits and withdraws at the accounted price: no loss beyond rounding
    f.deposit(&victim, 100_000_000, 0).await.ok();
    let shares = f.env.token_amount(&victim.share_token).await;
    f.withdraw(&victim, shares, 0).await.ok();
    let back = f.env.token_amount(&victim.base_token).await;
    assert!(back >= 100_000_000 - 2, "victim lost {}", 100_000_000 - back);
    // and the attacker cannot get the donation back
    let shares = f.env.token_amount(&attacker.share_token).await;
    f.withdraw(&attacker, shares, 0).await.ok();
    assert!(f.env.token_amount(&attacker.base_token).await < 1_000_000_000 - 499_000_000);
}

#[tokio::test]
async fn attack_oracle_manipulation_is_refused_by_refresh_and_deposit() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    f.step(60).await.ok();
    let before = f.vault_and_risk_bytes().await;
    // 40 s later: the vault last used prices published 40 s ago
    f.env.advance_time(40).await;
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    let a = f.assets[1].clone();
    let now = f.env.now().await;
    let good = PriceUpdateV2::decode(&pyth::price_update(a.feed, a.price, a.conf, a.expo, now, 1)).unwrap();
    let cases: Vec<(PriceUpdateV2, &str)> = vec![
        (PriceUpdateV2 { publish_time: now - 70, ..good }, "OracleStale"),
        // an old but fully verified and still fresh update, older than the one the vault used
        (PriceUpdateV2 { publish_time: now - 50, ..good }, "OracleNotNewer"),
        (PriceUpdateV2 { feed_id: pyth::feed_id("another feed"), ..good }, "OracleFeedMismatch"),
        (PriceUpdateV2 { partial_signatures: Some(5), ..good }, "OracleNotFullyVerified"),
        (PriceUpdateV2 { conf: a.price as u64 / 20, ..good }, "OracleConfidenceTooWide"),
        (PriceUpdateV2 { price: 0, ..good }, "OracleNonPositivePrice"),
        (PriceUpdateV2 { price: -5, ..good }, "OracleNonPositivePrice"),
        (
            PriceUpdateV2 { publish_time: now + rpv_core::pyth::MAX_FUTURE_SECONDS + 1, ..good },
            "OracleTimestampInFuture",
        ),
    ];
    for (update, err) in cases {
        f.env.set_pyth(&a.oracle, update.encode());
        let refresh = f.refresh_ix().await;
        f.env.send(&[refresh], &[]).await.assert_error(err);
    }
    // a correct update from the wrong program
    f.env.set_pyth_owned(&a.oracle, good.encode(), PROGRAM_ID);
    f.deposit(&u, 1_000_000, 0).await.assert_error("OracleWrongOwner");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_switchboard_stale_slot() {
    let mut f = Fixture::with_assets(1).await;
    let owner = Pubkey::new_from_array(SWITCHBOARD_ON_DEMAND_PROGRAM_ID);
    f.advance_slots(1_000).await;
    let (oracle, hash) = f.add_switchboard_asset("switchboard:ATTACK/USD", 2_000.0).await;
    f.set_budgets(vec![500_000_000, 500_000_000]).await.ok();
    f.env.advance_time(60).await;
    let clock = f.env.clock().await;
    let before = f.vault_and_risk_bytes().await;
    // a result 51 slots old (the limit is 50)
    let stale =
        switchboard_feed(hash, 2_000_000_000_000_000_000, 1_000_000_000_000_000, clock.slot - 51, clock.unix_timestamp);
    f.env.set_pyth_owned(&oracle, stale, owner);
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    let refresh = f.refresh_ix().await;
    f.env.send(&[refresh], &[]).await.assert_error("OracleStale");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

/// What a keeper holds, valued at the oracle mid (base units).
async fn keeper_value(f: &mut Fixture, k: &Keeper) -> i128 {
    let prices = f.prices();
    let mut v = f.env.token_amount(&k.base_token).await as i128;
    for (i, a) in f.assets.clone().iter().enumerate() {
        let q = f.env.token_amount(&k.asset_tokens[i]).await;
        let p = rpv_core::price::OraclePrice { conf: 0, ..prices[i] };
        v += rpv_core::math::value_in_base(q, &p, a.decimals, 6, Rounding::Down).unwrap() as i128;
    }
    v
}

#[tokio::test]
async fn attack_keeper_self_dealing_gains_at_most_the_incentive() {
    let mut f = Fixture::with_assets(3).await.funded_for_rebalance(loose_rebalance_params(), 1_000_000_000_000).await;
    // the keeper is also a depositor
    let k = f.keeper(2_000_000_000_000, 1_000_000_000_000_000).await;
    let as_user = User {
        kp: k.kp.insecure_clone(),
        base_token: k.base_token,
        share_token: f.env.create_token_account(&TOKEN_PROGRAM_ID, &f.share_mint(), &k.kp.pubkey()).await,
    };
    let start = keeper_value(&mut f, &k).await;
    f.deposit(&as_user, 500_000_000_000, 0).await.ok();
    let mut incentives = 0i128;
    let mut trades = 0i128;
    while let Some(leg) = f.auto_leg().await {
        let out = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
        out.ok();
        incentives += rebalanced(&out)[0].incentive as i128;
        trades += 1;
        f.step(61).await.ok();
    }
    let shares = f.env.token_amount(&as_user.share_token).await;
    f.withdraw(&as_user, shares, 0).await.ok();
    let end = keeper_value(&mut f, &k).await;
    assert!(trades > 0);
    // its gain (tokens at the oracle mid) is at most the incentives it was paid, plus rounding
    assert!(end - start <= incentives + 2 * trades + 2, "gain {} > incentives {incentives}", end - start);
}

#[tokio::test]
async fn attack_revival_of_a_closed_account() {
    let mut f = Fixture::with_assets_and(2, |a| a.timelock_secs = 60).await;
    let admin = f.admin.insecure_clone();
    let change = ix::ConfigChange::Fees { management_bps: 0, performance_bps: 0 };
    f.propose(&change).await.ok();
    f.env.advance_time(60).await;
    let before = f.vault_and_risk_bytes().await;
    // cancel it, send the rent back to the address in the same transaction, then apply it
    let proposal = pda::proposal(&f.vault, ProposalKind::Fees).0;
    let cancel = ix::cancel_change(&admin.pubkey(), &f.vault, ProposalKind::Fees, &admin.pubkey());
    let refund = spl::transfer_lamports(&admin.pubkey(), &proposal, 10_000_000);
    let apply = f.apply_ix(ProposalKind::Fees).await;
    let out = f.env.send(&[cancel, refund, apply], &[&admin]).await;
    out.assert_failed();
    assert!(out.custom_code().is_some_and(|c| c == 3012 || c == 3007), "{:?}", out.logs); // not initialised / owned by system
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert!(f.proposal(ProposalKind::Fees).await.is_some(), "the whole transaction rolled back");
    // a closed allowlist entry refunded in the same transaction does not admit its user
    let mut g = Fixture::with_assets_and(1, |a| a.allowlist = true).await;
    let u = g.user(10_000_000).await;
    g.set_depositor(&u.kp.pubkey(), true).await.ok();
    let admin = g.admin.insecure_clone();
    let close = ix::set_depositor(&admin.pubkey(), &g.vault, &u.kp.pubkey(), false);
    let entry = pda::allow_entry(&g.vault, &u.kp.pubkey()).0;
    let refund = spl::transfer_lamports(&admin.pubkey(), &entry, 10_000_000);
    let dep = g.deposit_ix(&u, 1_000_000, 0).await;
    g.env.send(&[close, refund, dep], &[&admin, &u.kp]).await.assert_error("NotAllowlisted");
}
