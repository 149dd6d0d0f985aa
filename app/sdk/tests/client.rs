//! `VaultClient` against the built `rpv_vault.so` on the embedded SVM: every quote is checked
//! against what the program then does, to the unit, both ways (the quoted figure as the
//! instruction's slippage bound goes through; one unit more is refused with `SlippageExceeded`).
//! Fees are charged (management and performance), so the quotes include the fee shares due.
#![cfg(feature = "svm")]

use std::time::Duration;

use rpv_sdk::{
    chain::{self, Chain, ChainError, LocalChain},
    client::{QuoteError, VaultClient, VaultView},
    ix, pda, pk, spl,
    svm::{
        default_program_path,
        sandbox::{Sandbox, Spec},
        LocalSvm,
    },
    Pubkey,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

const T: Duration = Duration::from_secs(5);

struct World {
    chain: LocalChain,
    sb: Sandbox,
    user: Keypair,
    user_base: Pubkey,
    user_shares: Pubkey,
}

impl World {
    /// The sandbox vault with fees of 2 %/yr and 10 % charged, refreshed, and a user holding
    /// 100,000 base tokens.
    fn new() -> Self {
        let mut svm = LocalSvm::load(&default_program_path()).expect("program loads");
        let sb = Sandbox::create(&mut svm, &Spec::spot()).expect("sandbox vault");
        let v = sb.state(&svm).unwrap();
        svm.send(&[ix::set_fees(&sb.admin.pubkey(), &sb.vault, &v, 200, 1_000)], &[&sb.admin]).expect("set_fees");
        let user = Keypair::new();
        svm.fund(&user.pubkey(), 10_000_000_000).unwrap();
        let user_base = svm.token_account(&sb.base_mint, &user.pubkey(), 100_000_000_000).unwrap();
        let user_shares = svm.token_account(&pda::share_mint(&sb.vault).0, &user.pubkey(), 0).unwrap();
        let mut w = Self { chain: LocalChain::new(svm), sb, user, user_base, user_shares };
        w.refresh();
        w
    }

    fn refresh(&mut self) {
        let v = self.sb.state(&self.chain.svm).unwrap();
        self.chain.svm.send(&ix::refresh_all(&self.sb.vault, &v), &[]).expect("refresh");
    }

    /// Moves the clock, moves prices (a deterministic walk), republishes and refreshes.
    fn step(&mut self, seconds: i64) {
        self.sb.step(&mut self.chain.svm, seconds, 300).unwrap();
        self.refresh();
    }

    fn view(&mut self) -> VaultView {
        let vault = self.sb.vault;
        VaultClient::new(&mut self.chain, vault).fetch().expect("fetch")
    }

    fn balance(&self, key: &Pubkey) -> u64 {
        spl::amount(&self.chain.svm.data(key))
    }

    /// Sends `ix` signed by the user (through `chain::submit`).
    fn send(&mut self, label: &str, ix: rpv_sdk::Instruction) -> Result<chain::Sent, ChainError> {
        chain::submit(&mut self.chain, label, &[ix], &[&self.user], &[], T)
    }
}

fn refused_as(r: Result<chain::Sent, ChainError>, name: &str) {
    match r {
        Err(ChainError::Rejected(rej)) => assert_eq!(rej.vault_error.map(|(n, _)| n), Some(name), "{rej}"),
        other => panic!("expected {name}, got {other:?}"),
    }
}

#[test]
fn deposit_withdraw_and_redeem_quotes_are_what_the_program_does() {
    let mut w = World::new();
    let (vault, user) = (w.sb.vault, w.user.pubkey());

    // deposit: the quote, exact
    let view = w.view();
    let q = view.quote_deposit(25_000_000_000).expect("a deposit is possible");
    assert!(q.shares > 0);
    let dep = |min| ix::deposit(&user, &vault, &view.vault, &w.user_base, &w.user_shares, 25_000_000_000, min);
    let (over, exact) = (dep(q.shares + 1), dep(q.shares));
    refused_as(w.send("deposit", over), "SlippageExceeded");
    w.send("deposit", exact).expect("deposit at the quoted shares");
    assert_eq!(w.balance(&w.user_shares), q.shares);

    // a day later, prices moved, fees due: withdraw half
    w.step(86_400);
    let view = w.view();
    let shares = q.shares / 2;
    let wq = view.quote_withdraw(shares).expect("a withdrawal is possible");
    assert!(wq.total_shares > view.share_supply + view.vault.dead_shares, "fee shares are due and counted");
    let base_before = w.balance(&w.user_base);
    let wd = |min| ix::withdraw(&user, &vault, &view.vault, &w.user_base, &w.user_shares, shares, min);
    let (over, exact) = (wd(wq.amount + 1), wd(wq.amount));
    refused_as(w.send("withdraw", over), "SlippageExceeded");
    w.send("withdraw", exact).expect("withdraw at the quoted amount");
    assert_eq!(w.balance(&w.user_base) - base_before, wq.amount);

    // another day: redeem the rest in kind
    w.step(86_400);
    let view = w.view();
    let rest = w.balance(&w.user_shares);
    let rq = view.quote_redeem_in_kind(rest).expect("a redemption is possible");
    assert_eq!(rq.amounts.len(), 1 + usize::from(view.vault.num_assets));
    let mut accounts = vec![w.user_base];
    for a in view.vault.active_assets() {
        accounts.push(w.chain.svm.token_account(&pk(&a.mint), &user, 0).unwrap());
    }
    let before: Vec<u64> = accounts.iter().map(|a| w.balance(a)).collect();
    let k = rq.amounts.iter().position(|a| *a > 0).expect("something is paid");
    let mut over = rq.amounts.clone();
    over[k] += 1;
    let redeem = |min: Vec<u64>| ix::redeem_in_kind(&user, &vault, &view.vault, &w.user_shares, &accounts, rest, min);
    let (over, exact) = (redeem(over), redeem(rq.amounts.clone()));
    refused_as(w.send("redeem_in_kind", over), "SlippageExceeded");
    w.send("redeem_in_kind", exact).expect("redeem at the quoted amounts");
    let paid: Vec<u64> = accounts.iter().zip(&before).map(|(a, b)| w.balance(a) - b).collect();
    assert_eq!(paid, rq.amounts);
    assert_eq!(w.balance(&w.user_shares), 0);
}

#[test]
fn refusals_carry_the_program_error_name() {
    let mut w = World::new();
    let (vault, user) = (w.sb.vault, w.user.pubkey());
    let view = w.view();
    // below the vault's minimum deposit
    let e = view.quote_deposit(view.vault.min_deposit - 1).unwrap_err();
    assert_eq!(e, QuoteError::Refused("DepositBelowMinimum"));
    let ix = ix::deposit(&user, &vault, &view.vault, &w.user_base, &w.user_shares, view.vault.min_deposit - 1, 0);
    refused_as(w.send("deposit", ix), &e.name());
    // an oracle gone stale: the quote and the program both refuse by the core's name
    w.chain.svm.advance(i64::from(view.vault.assets[0].max_oracle_age) + 1);
    let stale = w.view();
    let e = stale.quote_deposit(25_000_000_000).unwrap_err();
    let ix = ix::deposit(&user, &vault, &stale.vault, &w.user_base, &w.user_shares, 25_000_000_000, 0);
    refused_as(w.send("deposit", ix), &e.name());
    // redemption in kind needs no oracle
    assert!(stale.quote_redeem_in_kind(1_000).is_ok());
    // paused
    w.sb.publish(&mut w.chain.svm).unwrap();
    w.refresh();
    w.sb.set_paused(&mut w.chain.svm, true).unwrap();
    let paused = w.view();
    let e = paused.quote_deposit(25_000_000_000).unwrap_err();
    assert_eq!(e, QuoteError::Refused("VaultPaused"));
    let ix = ix::deposit(&user, &vault, &paused.vault, &w.user_base, &w.user_shares, 25_000_000_000, 0);
    refused_as(w.send("deposit", ix), "VaultPaused");
}

#[test]
fn the_report_matches_the_programs_quote_and_a_rebalance_is_planned() {
    let mut w = World::new();
    w.step(3_600);
    let view = w.view();
    let r = view.report();
    // the program's own `quote` at the same slot
    let payer = Keypair::new();
    w.chain.svm.fund(&payer.pubkey(), 1_000_000_000).unwrap();
    let blockhash = w.chain.latest_blockhash().unwrap();
    let tx = chain::sign(&[ix::quote(&view.key, &view.vault)], &[&payer], &[], blockhash).unwrap();
    let sim = w.chain.simulate(&tx).unwrap();
    assert_eq!(sim.err, None, "{:?}", sim.logs);
    assert!(sim.units > 0);
    let (program, data) = sim.return_data.expect("quote returns data");
    assert_eq!(program, rpv_sdk::PROGRAM_ID);
    let q = ix::decode_vault_quote(&data).expect("a VaultQuote");
    assert_eq!(r.nav, Some(q.nav));
    assert_eq!((r.nav_round_up, r.total_shares), (Some(q.nav_round_up), Some(q.total_shares)));
    assert_eq!(r.share_price_e9, Some(q.share_price_e9));
    assert_eq!((r.paused, r.risk.fresh, r.now, r.prices_fresh), (q.paused, q.risk_fresh, q.quoted_at, true));
    // positions: the accounted quantities, valued at valid oracles, against the refresh's targets
    // rescaled to the NAV now
    assert_eq!(r.positions.len(), usize::from(view.vault.num_assets));
    let valued: u64 = r.positions.iter().map(|p| p.value.unwrap()).sum();
    assert_eq!(valued + r.base.quantity, q.nav);
    for (i, p) in r.positions.iter().enumerate() {
        assert_eq!(p.quantity, view.vault.assets[i].quantity);
        assert_eq!(p.target, rpv_core::rebalance::scaled_target(&view.risk, i, q.nav).ok());
        assert!(p.target.unwrap() > 0);
        assert_eq!((r.oracles[i].health, r.oracles[i].needed), ("valid", true));
        assert_eq!(p.label, rpv_sdk::report::short(&view.vault.assets[i].mint.into()));
    }
    // the JSON a client prints: addresses in base58, amounts as integers
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["vault"], view.key.to_string());
    assert_eq!(json["nav"], q.nav);
    // the deposit sits in base, far below the targets: a buy is due on the leg the program picks
    let (leg, plan, nav) = view.rebalance_plan(None, 0).expect("plans").expect("a leg is due");
    assert_eq!(plan.target, view.risk.targets[leg]);
    assert!(plan.value_before < plan.target);
    assert_eq!(plan.side, rpv_core::rebalance::Side::Buy);
    assert!(plan.qty > 0 && nav > 0);
}

#[test]
fn a_planned_rebalance_is_what_the_program_trades() {
    let mut w = World::new();
    w.step(3_600);
    let keeper = Keypair::new();
    w.sb.fund_keeper(&mut w.chain.svm, &keeper.pubkey(), 1_000_000_000_000, 500_000_000_000, 0).unwrap();
    let view = w.view();
    let (leg, plan, _) = view.rebalance_plan(None, 0).unwrap().expect("a leg is due");
    assert_eq!(plan.side, rpv_core::rebalance::Side::Buy, "the deposit sits in base");
    let mint = pk(&view.vault.assets[leg].mint);
    let keeper_base = rpv_sdk::ata::address(&keeper.pubkey(), &w.sb.base_mint, &rpv_sdk::TOKEN_PROGRAM_ID);
    let keeper_leg = rpv_sdk::ata::address(&keeper.pubkey(), &mint, &rpv_sdk::TOKEN_PROGRAM_ID);
    let (base_before, leg_before) = (w.balance(&keeper_base), w.balance(&keeper_leg));
    // the vault buys: the keeper asks for exactly the planned base, then for one unit more
    let trade = |min_base_out| {
        let args = ix::RebalanceArgs { leg: leg as u8, max_value: 0, max_base_in: 0, min_base_out };
        ix::rebalance(&keeper.pubkey(), &view.key, &view.vault, leg as u8, &keeper_base, &keeper_leg, args)
    };
    let (greedy, exact) = (trade(plan.base_amount + 1), trade(plan.base_amount));
    refused_as(chain::submit(&mut w.chain, "rebalance", &[greedy], &[&keeper], &[], T), "SlippageExceeded");
    chain::submit(&mut w.chain, "rebalance", &[exact], &[&keeper], &[], T).expect("rebalance at the plan");
    assert_eq!(w.balance(&keeper_base) - base_before, plan.base_amount);
    assert_eq!(leg_before - w.balance(&keeper_leg), plan.qty);
    assert_eq!(w.view().vault.assets[leg].quantity, view.vault.assets[leg].quantity + plan.qty);
}

#[test]
fn a_withdrawal_quote_with_a_dead_feed_is_what_the_program_pays() {
    let mut w = World::new();
    let (vault, user) = (w.sb.vault, w.user.pubkey());
    let view = w.view();
    let q = view.quote_deposit(25_000_000_000).expect("a deposit is possible");
    let dep = ix::deposit(&user, &vault, &view.vault, &w.user_base, &w.user_shares, 25_000_000_000, 0);
    w.send("deposit", dep).expect("deposit");
    w.step(3_600);
    // a keeper sells the vault a leg, so the vault holds it
    let keeper = Keypair::new();
    w.sb.fund_keeper(&mut w.chain.svm, &keeper.pubkey(), 1_000_000_000_000, 500_000_000_000, 0).unwrap();
    let view = w.view();
    let (leg, plan, _) = view.rebalance_plan(None, 0).unwrap().expect("a leg is due");
    let mint = pk(&view.vault.assets[leg].mint);
    let keeper_base = rpv_sdk::ata::address(&keeper.pubkey(), &w.sb.base_mint, &rpv_sdk::TOKEN_PROGRAM_ID);
    let keeper_leg = rpv_sdk::ata::address(&keeper.pubkey(), &mint, &rpv_sdk::TOKEN_PROGRAM_ID);
    let args = ix::RebalanceArgs { leg: leg as u8, max_value: 0, max_base_in: 0, min_base_out: plan.base_amount };
    let trade = ix::rebalance(&keeper.pubkey(), &view.key, &view.vault, leg as u8, &keeper_base, &keeper_leg, args);
    chain::submit(&mut w.chain, "rebalance", &[trade], &[&keeper], &[], T).expect("rebalance at the plan");
    let fresh = w.view().quote_withdraw(q.shares / 2).expect("a withdrawal is possible");
    assert_eq!(fresh.zeroed_legs, 0);
    // that leg's feed dies: the quote values the leg at zero, as the program does
    let oracle = pk(&view.vault.assets[leg].oracle);
    w.chain.svm.set_price_account(&oracle, vec![0; 16]).unwrap();
    let view = w.view();
    assert!(view.quote_deposit(1_000_000).is_err(), "a deposit still refuses a dead feed");
    let wq = view.quote_withdraw(q.shares / 2).expect("an exit is never blocked by a feed");
    assert_eq!(wq.zeroed_legs, 1 << leg);
    assert!(wq.amount < fresh.amount && wq.nav < fresh.nav);
    let before = w.balance(&w.user_base);
    let wd = |min| ix::withdraw(&user, &vault, &view.vault, &w.user_base, &w.user_shares, q.shares / 2, min);
    let (over, exact) = (wd(wq.amount + 1), wd(wq.amount));
    refused_as(w.send("withdraw", over), "SlippageExceeded");
    w.send("withdraw", exact).expect("withdraw at the quoted amount");
    assert_eq!(w.balance(&w.user_base) - before, wq.amount);
}
