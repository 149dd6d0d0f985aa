//! The keeper on the embedded SVM running the built `rpv_vault.so` (litesvm, mainnet feature
//! set): real SPL mints and token accounts, Pyth `PriceUpdateV2` accounts, a sandbox vault built
//! through the program's instructions.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use rpv_core::{
    fixed_point::Fx,
    layout::{RiskState, VaultState},
    rebalance::{band, sampled_nav, sampled_value, scaled_target},
};
use rpv_keeper::{
    keeper::{Keeper, Settings, TickReport},
    log::{Level, Logger},
    metrics::Metrics,
};
use rpv_sdk::{
    ata,
    chain::{
        Account, Chain, ChainError, Clock, Hash, LocalChain, Signature, Simulation, TxStatus, VersionedTransaction,
    },
    pda, spl,
    svm::{
        sandbox::{OptionSpec, Sandbox, Spec},
        LocalSvm,
    },
    Pubkey, TOKEN_PROGRAM_ID,
};
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn program() -> PathBuf {
    rpv_sdk::default_program_path()
}

struct World {
    chain: LocalChain,
    sb: Sandbox,
}

impl World {
    fn new(spec: &Spec) -> Self {
        let mut svm = LocalSvm::load(&program()).expect("program loads");
        let sb = Sandbox::create(&mut svm, spec).expect("sandbox vault");
        Self { chain: LocalChain::new(svm), sb }
    }

    fn vault(&self) -> VaultState {
        self.sb.state(&self.chain.svm).unwrap()
    }

    fn risk(&self) -> RiskState {
        self.sb.risk(&self.chain.svm).unwrap()
    }

    fn data(&self) -> (Vec<u8>, Vec<u8>) {
        (self.chain.svm.data(&self.sb.vault), self.chain.svm.data(&pda::risk(&self.sb.vault).0))
    }

    fn step(&mut self, seconds: i64, step_bps: u64) {
        self.sb.step(&mut self.chain.svm, seconds, step_bps).unwrap();
    }

    /// A keeper funded with 2,000,000 USDC and 500,000 USDC worth of every asset (100 option
    /// tokens), logging to memory.
    fn keeper(&mut self, edit: impl FnOnce(&mut Settings)) -> (Keeper, Arc<Mutex<Vec<String>>>) {
        self.keeper_holding(2_000_000_000_000, 500_000_000_000, edit)
    }

    /// A keeper funded with `base` USDC units and `value_each` USDC units' worth of every asset
    /// (100 option tokens), logging to memory.
    fn keeper_holding(
        &mut self,
        base: u64,
        value_each: u64,
        edit: impl FnOnce(&mut Settings),
    ) -> (Keeper, Arc<Mutex<Vec<String>>>) {
        let kp = Keypair::new();
        self.sb.fund_keeper(&mut self.chain.svm, &kp.pubkey(), base, value_each, 100_000_000).unwrap();
        let mut s = Settings::for_vault(self.sb.vault);
        s.backoff = Duration::from_millis(1);
        edit(&mut s);
        let (log, lines) = Logger::memory(Level::Debug);
        (Keeper::new(s, kp, log, "embedded"), lines)
    }

    fn balance(&self, owner: &Pubkey, mint: &Pubkey) -> u64 {
        spl::amount(&self.chain.svm.data(&ata::address(owner, mint, &TOKEN_PROGRAM_ID)))
    }

    /// A new depositor of `amount` USDC units (with SOL for fees and request rent): its keypair,
    /// share account and base account.
    fn holder(&mut self, amount: u64) -> (Keypair, Pubkey, Pubkey) {
        let holder = Keypair::new();
        let svm = &mut self.chain.svm;
        svm.fund(&holder.pubkey(), 10_000_000_000).unwrap();
        let share_mint = pda::share_mint(&self.sb.vault).0;
        let shares = svm.associated_token_account(&share_mint, &holder.pubkey(), 0).unwrap();
        let base = svm.associated_token_account(&self.sb.base_mint, &holder.pubkey(), amount).unwrap();
        let v = self.vault();
        let dep = rpv_sdk::ix::deposit(&holder.pubkey(), &self.sb.vault, &v, &base, &shares, amount, 1);
        self.chain.svm.send(&[dep], &[&holder]).unwrap();
        (holder, shares, base)
    }

    /// Every leg's distance to its target at the last sample, and the band.
    fn distances(&self) -> (Vec<u64>, u64) {
        let (v, r) = (self.vault(), self.risk());
        let nav = sampled_nav(&v, &r).unwrap();
        let band = band(&r, nav);
        let d = (0..usize::from(v.num_assets))
            .map(|i| sampled_value(&v, &r, i).unwrap().abs_diff(scaled_target(&r, i, nav).unwrap()))
            .collect();
        (d, band)
    }
}

fn events(lines: &Arc<Mutex<Vec<String>>>, event: &str) -> Vec<Value> {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("every log line is one JSON object"))
        .filter(|v| v["event"] == event)
        .collect()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rpv-keeper-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn keeper_refreshes_and_rebalances_a_misweighted_vault_into_its_bands() {
    let mut w = World::new(&Spec::spot());
    let (mut k, lines) = w.keeper(|_| {});
    let (d, band) = w.distances();
    assert!(d.iter().all(|x| *x > band), "every leg starts outside its band: {d:?} vs {band}");
    let base_mint = w.sb.base_mint;
    let base_before = w.balance(&k.pubkey(), &base_mint);
    let mut reports: Vec<TickReport> = vec![];
    for _ in 0..12 {
        let r = k.tick(&mut w.chain).expect("tick");
        reports.push(r);
        let (d, band) = w.distances();
        if d.iter().all(|x| *x <= band) {
            break;
        }
        w.step(61, 10);
    }
    let (d, band) = w.distances();
    assert!(d.iter().all(|x| *x <= band), "every leg inside its band: {d:?} vs {band}");
    assert!(reports[0].refreshed, "the first tick refreshes the 60 s old sample");
    let trades: Vec<_> = reports.iter().flat_map(|r| r.trades.iter().cloned()).collect();
    assert!(trades.len() >= 3, "each of the 3 legs traded: {}", trades.len());
    for t in &trades {
        assert_eq!(t.side, 2, "an underweight leg is bought from the keeper");
        assert!(t.value_after.abs_diff(t.target) < t.value_before.abs_diff(t.target), "{t:?}");
    }
    // nothing failed, nothing was sent that did not succeed
    assert!(
        reports.iter().all(|r| r.failures.is_empty()),
        "{:?}",
        reports.iter().map(|r| &r.failures).collect::<Vec<_>>()
    );
    assert!(w.chain.sent.iter().all(|e| e.result.is_ok()));
    // the keeper's books match the vault's
    let r = w.risk();
    let m = &k.metrics;
    assert_eq!(m.trades, r.book.trades);
    assert_eq!(m.trades as usize, trades.len());
    assert_eq!(m.incentives_earned, r.book.total_incentive);
    assert!(m.incentives_earned > 0);
    assert_eq!(m.incentives_earned, trades.iter().map(|t| t.incentive).sum::<u64>());
    assert_eq!(m.instructions["rebalance"].confirmed, m.trades);
    assert!(m.instructions["refresh"].confirmed >= 1);
    assert_eq!(m.last_refresh_time, Some(r.last_sample_time));
    // the vault paid the keeper base for every purchase
    let paid: u64 = trades.iter().map(|t| t.base_amount).sum();
    assert_eq!(w.balance(&k.pubkey(), &base_mint), base_before + paid);
    assert_eq!(events(&lines, "rebalanced").len(), trades.len());
    // inside the bands, the next tick trades nothing
    w.step(61, 0);
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.trades.is_empty() && r.failures.is_empty(), "{r:?}");
}

#[test]
fn risk_budget_weights_are_solved_off_chain_and_accepted() {
    let mut w = World::new(&Spec::spot());
    let (mut k, lines) = w.keeper(|s| s.rebalance = false);
    // correlated moves of different sizes: the inverse-vol weights stop being ERC
    let mut submitted = 0;
    for i in 0..8 {
        let up = if i % 2 == 0 { 1 } else { -1 };
        for (j, pct) in [(0usize, 3i64), (1, 2), (2, 1)] {
            let p = w.sb.feeds[j].price;
            w.sb.set_price(&mut w.chain.svm, j, p + up * p * pct / 100).unwrap();
        }
        let r = k.tick(&mut w.chain).unwrap();
        assert!(r.failures.is_empty(), "{r:?}");
        submitted += u32::from(r.weights_submitted);
        w.step(61, 0);
    }
    assert!(submitted >= 1, "stale weights were replaced");
    let (v, r) = (w.vault(), w.risk());
    assert_eq!(r.method, 1);
    assert_eq!(k.metrics.last_weights_time, Some(r.weights_set_at));
    // the weights in force are the keeper's and pass the program's check now
    let n = usize::from(v.num_assets);
    let bits: Vec<i128> = r.weights[..n].iter().map(|x| x.get().to_bits()).collect();
    rpv_keeper::weights::accepted(&v, &r, &bits, r.weights_set_at).unwrap();
    let sum: Fx = r.weights[..n].iter().map(|x| x.get()).sum();
    assert!((sum - Fx::ONE).abs() < Fx::from_num(1e-9));
    let confirmed = events(&lines, "confirmed");
    assert_eq!(confirmed.iter().filter(|e| e["fields"]["instruction"] == "submit_weights").count(), submitted as usize);
    assert_eq!(k.metrics.instructions["submit_weights"].confirmed, u64::from(submitted));
    // accepted weights that hold are kept; the keeper resubmits when the program fell back to
    // inverse-vol weights that miss the budgets, and before accepted ones expire at the next sample
    let now = r.weights_set_at;
    let mut held = r;
    (held.weights_accepted, held.weights_sample) = (1, r.samples);
    assert!(!rpv_keeper::weights::stale(&v, &held, now));
    let mut fell_back = held;
    fell_back.weights_accepted = 0;
    let budgets = risk_budgets_of(&v);
    let bk = rpv_core::risk_account::book(&r, &budgets).unwrap();
    let mut inverse_vol = vec![Fx::ZERO; bk.m];
    rpv_core::risk_parity::inverse_vol_weights(&bk.view, &bk.b[..bk.m], &mut inverse_vol).unwrap();
    for k in 0..bk.m {
        fell_back.weights[bk.idx[k]] = rpv_core::layout::FxBits::from_fx(inverse_vol[k]);
    }
    assert!(rpv_keeper::weights::stale(&v, &fell_back, now));
    let mut old = held;
    old.samples = 10_000;
    old.weights_sample = old.samples + 1 - u64::from(rpv_core::risk_account::max_weight_samples(&r));
    assert!(rpv_keeper::weights::stale(&v, &old, now));
    old.weights_sample += 1;
    assert!(!rpv_keeper::weights::stale(&v, &old, now));
}

#[test]
fn dry_run_simulates_and_sends_nothing() {
    let mut w = World::new(&Spec::spot());
    let (mut k, lines) = w.keeper(|s| s.dry_run = true);
    let before = w.data();
    let base_mint = w.sb.base_mint;
    let base = w.balance(&k.pubkey(), &base_mint);
    for _ in 0..2 {
        let r = k.tick(&mut w.chain).unwrap();
        // the refresh, then each of the three legs once
        let mut want = vec!["refresh".to_string()];
        want.extend(vec!["rebalance".to_string(); 3]);
        assert_eq!(r.simulated, want, "{r:?}");
        assert!(!r.refreshed && r.trades.is_empty());
    }
    assert!(w.chain.sent.is_empty(), "dry run sent {} transactions", w.chain.sent.len());
    assert!(w.chain.simulations >= 4);
    assert_eq!(w.data(), before, "vault and risk accounts untouched");
    assert_eq!(w.balance(&k.pubkey(), &base_mint), base);
    let m = &k.metrics;
    assert!(m.dry_run);
    assert!(m.instructions.values().all(|c| c.sent == 0 && c.confirmed == 0));
    assert_eq!(m.instructions["refresh"].simulated, 2);
    assert_eq!(m.instructions["rebalance"].simulated, 6);
    let dry = events(&lines, "dry_run");
    assert_eq!(dry.len(), 8);
    assert!(dry.iter().all(|e| e["fields"]["sent"] == false));
    assert!(events(&lines, "sent").is_empty() && events(&lines, "confirmed").is_empty());
}

#[test]
fn failing_simulations_are_not_sent() {
    let mut w = World::new(&Spec::spot());
    let (mut k, lines) = w.keeper(|_| {});
    // a paused vault refuses rebalances: the simulation says so, nothing is sent
    w.sb.set_paused(&mut w.chain.svm, true).unwrap();
    let before = w.vault();
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.refreshed, "refresh runs while paused");
    assert_eq!(r.failures, vec![("rebalance".to_string(), "VaultPaused".to_string())]);
    assert_eq!(w.chain.sent.len(), 1, "only the refresh was sent");
    assert!(w.chain.sent[0].result.is_ok());
    let after = w.vault();
    assert_eq!(after.base_quantity, before.base_quantity);
    assert!((0..3).all(|i| after.assets[i].quantity == before.assets[i].quantity));
    let c = k.metrics.instructions["rebalance"];
    assert_eq!((c.simulated, c.simulation_failed, c.sent), (1, 1, 0));
    assert_eq!(k.metrics.program_errors["VaultPaused"], 1);
    let failed = events(&lines, "simulation_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["level"], "warn");
    assert_eq!(failed[0]["fields"]["error"], "VaultPaused");
    assert_eq!(failed[0]["fields"]["sent"], false);
    assert_eq!(failed[0]["vault"], w.sb.vault.to_string());

    // oracles not updated for 61 s (max age 60): refresh's simulation fails with OracleStale
    w.sb.set_paused(&mut w.chain.svm, false).unwrap();
    w.chain.svm.advance(61);
    let risk_before = w.data().1;
    let sent_before = w.chain.sent.len();
    let r = k.tick(&mut w.chain).unwrap();
    assert_eq!(r.failures, vec![("refresh".to_string(), "OracleStale".to_string())]);
    assert_eq!(w.chain.sent.len(), sent_before, "nothing sent");
    assert_eq!(w.data().1, risk_before);
    assert_eq!(k.metrics.instructions["refresh"].simulation_failed, 1);
    // the keeper's own oracle read refuses the stale leg price before simulating a trade
    assert!(r.skipped.iter().any(|(i, why)| i == "rebalance" && why == "oracle unusable"), "{r:?}");
}

#[test]
fn insufficient_inventory_is_skipped_with_a_log_line() {
    let mut w = World::new(&Spec::spot());
    let kp = Keypair::new();
    // base only: the vault wants to buy assets the keeper does not hold
    w.chain.svm.fund(&kp.pubkey(), 10_000_000_000).unwrap();
    w.chain.svm.associated_token_account(&w.sb.base_mint, &kp.pubkey(), 1_000_000_000).unwrap();
    for f in w.sb.feeds.clone() {
        w.chain.svm.associated_token_account(&f.mint, &kp.pubkey(), 0).unwrap();
    }
    let (log, lines) = Logger::memory(Level::Info);
    let mut k = Keeper::new(Settings::for_vault(w.sb.vault), kp, log, "embedded");
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.trades.is_empty());
    // each of the three legs is tried once, none can trade
    assert_eq!(r.skipped, vec![("rebalance".to_string(), "insufficient inventory".to_string()); 3]);
    assert_eq!(w.chain.sent.len(), 1, "the refresh only");
    let skip = events(&lines, "skipped");
    assert_eq!(skip[0]["fields"]["details"]["have"], 0);
    assert!(skip[0]["fields"]["details"]["need"].as_u64().unwrap() > 0);
    let legs: std::collections::BTreeSet<u64> =
        skip.iter().map(|e| e["fields"]["details"]["leg"].as_u64().unwrap()).collect();
    assert_eq!(legs.len(), 3, "every leg once");
    assert_eq!(k.metrics.instructions["rebalance"].skipped, 3);
    assert_eq!(k.metrics.instructions["rebalance"].simulated, 0);
}

#[test]
fn an_expired_option_series_gets_settled() {
    let mut spec = Spec::spot();
    spec.assets.truncate(2);
    spec.method = 0;
    spec.options.push(OptionSpec {
        kind: rpv_sdk::ix::OptionKind::Call,
        underlying: 0,
        strike: 140.0,
        expires_in: 2 * 3_600,
        iv: 0.6,
        quantity: 5_000_000,
    });
    let mut w = World::new(&spec);
    let (mut k, lines) = w.keeper(|s| s.rebalance = false);
    let expiry = w.vault().assets[2].option.expiry;
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.settled.is_empty() && r.refreshed);
    assert!(!k.metrics.instructions.contains_key("settle_expired"));
    // past expiry, with an underlying price published after it: $150 → payoff 10 per token
    let now = w.chain.svm.now();
    w.step(expiry - now + 5, 0);
    let r = k.tick(&mut w.chain).unwrap();
    assert_eq!(r.settled, vec![2]);
    let v = w.vault();
    assert_eq!(v.assets[2].option.settled, 1);
    assert_eq!(v.assets[2].option.settlement_value.get(), Fx::from_num(10));
    let risk = w.risk();
    assert_eq!((risk.targets[2], risk.included_mask & 0b100), (0, 0), "out of the model");
    assert_eq!(k.metrics.instructions["settle_expired"].confirmed, 1);
    assert_eq!(k.metrics.last_settlement_time, Some(expiry - now + 5 + now));
    let settled = events(&lines, "settled");
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0]["fields"]["payoff_per_token"], 10.0);
    assert!(r.refreshed, "the refresh after settlement lands too");
    // settled once: the next tick leaves it alone
    w.step(61, 0);
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.settled.is_empty() && r.failures.is_empty(), "{r:?}");
    assert_eq!(k.metrics.instructions["settle_expired"].simulated, 1);
}

#[test]
fn metrics_file_is_rewritten_every_tick() {
    let mut w = World::new(&Spec::spot());
    let path = temp("metrics.json");
    let _ = std::fs::remove_file(&path);
    let (mut k, _) = w.keeper(|s| s.metrics_file = Some(path.clone()));
    k.tick(&mut w.chain).unwrap();
    let first = Metrics::read(&path).unwrap();
    assert_eq!(first.ticks, 1);
    w.step(61, 0);
    k.tick(&mut w.chain).unwrap();
    let m = Metrics::read(&path).unwrap();
    assert_eq!(m, k.metrics, "the file holds the keeper's metrics");
    let r = w.risk();
    assert_eq!(m.ticks, 2);
    assert_eq!(m.vault, w.sb.vault.to_string());
    assert_eq!(m.keeper, k.pubkey().to_string());
    assert_eq!(m.chain, "embedded");
    assert_eq!(m.cluster_time, w.chain.svm.now());
    assert_eq!(m.last_refresh_time, Some(r.last_sample_time));
    assert_eq!(m.risk_last_sample_time, r.last_sample_time);
    assert_eq!(m.instructions["refresh"].confirmed, 2);
    assert_eq!(m.instructions["rebalance"].confirmed, m.trades);
    assert_eq!(m.trades, r.book.trades);
    assert_eq!(m.incentives_earned, r.book.total_incentive);
    assert!(m.traded_value > 0 && m.last_rebalance_time.is_some());
    assert_eq!((m.tick_errors, m.rpc_errors, m.shutdown.as_deref()), (0, 0, None));
    // the raw JSON carries the documented keys
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for key in ["instructions", "incentives_earned", "last_refresh_time", "program_errors", "rpc_retries", "shutdown"] {
        assert!(raw.get(key).is_some(), "metrics lack {key}");
    }
    assert!(!path.with_extension("json.tmp").exists());
}

/// A chain whose calls fail transiently (or fatally) a given number of times before reaching the
/// embedded chain.
struct Flaky<'a> {
    inner: &'a mut LocalChain,
    failures_left: u32,
    fatal: bool,
    calls: u32,
}

impl Flaky<'_> {
    fn trip(&mut self) -> Result<(), ChainError> {
        self.calls += 1;
        if self.failures_left > 0 {
            self.failures_left -= 1;
            return Err(if self.fatal {
                ChainError::Fatal("bad request".into())
            } else {
                ChainError::Transient("connection refused".into())
            });
        }
        Ok(())
    }
}

impl Chain for Flaky<'_> {
    fn label(&self) -> String {
        "flaky".into()
    }
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.trip()?;
        self.inner.account(key)
    }
    fn clock(&mut self) -> Result<Clock, ChainError> {
        self.trip()?;
        self.inner.clock()
    }
    fn rent(&mut self, len: usize) -> Result<u64, ChainError> {
        self.trip()?;
        self.inner.rent(len)
    }
    fn latest_blockhash(&mut self) -> Result<Hash, ChainError> {
        self.trip()?;
        self.inner.latest_blockhash()
    }
    fn simulate(&mut self, tx: &VersionedTransaction) -> Result<Simulation, ChainError> {
        self.trip()?;
        self.inner.simulate(tx)
    }
    fn send(&mut self, tx: &VersionedTransaction) -> Result<Signature, ChainError> {
        self.trip()?;
        self.inner.send(tx)
    }
    fn status(&mut self, s: &Signature) -> Result<TxStatus, ChainError> {
        self.trip()?;
        self.inner.status(s)
    }
    fn logs(&mut self, s: &Signature) -> Result<Option<Vec<String>>, ChainError> {
        self.trip()?;
        self.inner.logs(s)
    }
}

#[test]
fn rpc_failures_are_retried_with_bounded_backoff() {
    let mut w = World::new(&Spec::spot());
    let (mut k, lines) = w.keeper(|s| {
        s.max_retries = 3;
        s.backoff = Duration::from_millis(2);
        s.backoff_max = Duration::from_millis(5);
    });
    // two transient failures: retried, the tick goes through
    let mut flaky = Flaky { inner: &mut w.chain, failures_left: 2, fatal: false, calls: 0 };
    let r = k.tick(&mut flaky).expect("tick survives two failures");
    assert!(r.refreshed);
    assert_eq!((k.metrics.rpc_errors, k.metrics.rpc_retries), (2, 2));
    let retries = events(&lines, "rpc_retry");
    assert_eq!(retries.len(), 2);
    assert_eq!(retries[0]["fields"]["delay_ms"], 2);
    assert_eq!(retries[1]["fields"]["delay_ms"], 4);
    // an outage: 1 + 3 attempts, then the tick fails (and the keeper lives on)
    w.step(61, 0);
    let mut down = Flaky { inner: &mut w.chain, failures_left: 1_000, fatal: false, calls: 0 };
    let e = k.tick(&mut down).unwrap_err();
    assert_eq!(down.calls, 4);
    assert!(e.to_string().contains("connection refused"), "{e}");
    assert_eq!(k.metrics.tick_errors, 1);
    assert_eq!(events(&lines, "rpc_failed").len(), 1);
    // a fatal error is not retried
    let mut bad = Flaky { inner: &mut w.chain, failures_left: 1, fatal: true, calls: 0 };
    assert!(k.tick(&mut bad).is_err());
    assert_eq!(bad.calls, 1);
    // and after the outage the keeper carries on
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.refreshed);
}

#[test]
fn a_missing_vault_is_reported() {
    let mut w = World::new(&Spec::spot());
    let ghost = Pubkey::new_unique();
    let (log, _) = Logger::memory(Level::Info);
    let mut k = Keeper::new(Settings::for_vault(ghost), Keypair::new(), log, "embedded");
    let e = k.tick(&mut w.chain).unwrap_err();
    assert_eq!(e.to_string(), format!("vault account {ghost} not found on embedded"));
    // a token account is not a vault
    let mint = w.sb.base_mint;
    let mut k = Keeper::new(Settings::for_vault(mint), Keypair::new(), Logger::memory(Level::Info).0, "embedded");
    assert!(k.tick(&mut w.chain).unwrap_err().to_string().contains("not the vault program"));
}

#[test]
fn a_priority_fee_adds_compute_budget_instructions() {
    let mut w = World::new(&Spec::spot());
    let (mut k, _) = w.keeper(|s| {
        s.priority_fee = 1_000;
        s.compute_unit_limit = 300_000;
        s.rebalance = false;
    });
    let payer = k.pubkey();
    let lamports = w.chain.svm.get_balance(&payer).unwrap();
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.refreshed);
    let landed = &w.chain.sent[0];
    assert!(landed.result.is_ok());
    assert!(landed.logs.iter().any(|l| l.contains("ComputeBudget111111111111111111111111111111")), "{:?}", landed.logs);
    // base fee 5,000 + 300,000 CU × 1,000 µlamports = 300 lamports of priority fee
    assert_eq!(lamports - w.chain.svm.get_balance(&payer).unwrap(), 5_000 + 300);
}

/// The registered assets' risk budgets, parts per 10^9.
fn risk_budgets_of(v: &rpv_core::layout::VaultState) -> Vec<u64> {
    let mut b = [0u64; rpv_core::layout::MAX_N];
    let n = v.budgets_ppb(&mut b);
    b[..n].to_vec()
}

/// Issue 15: a holder of half the shares of an invested vault asks for base. The withdrawal
/// queue becomes the rebalancer's cash target: the keeper's rebalances (its leg choice is the
/// program's, `sim::auto_leg`) sell legs towards base from the tick of the request on, and its
/// `settle_requests` pays the request out of that base (in one or more fills); the holder
/// claims it. While the head waits for a later price or for base, the keeper logs "not yet", no error.
#[test]
fn a_queued_withdrawal_is_paid_from_the_cash_the_keepers_rebalances_raise() {
    use rpv_core::{layout::REQUEST_WITHDRAW, rebalance::Side};
    let mut w = World::new(&Spec::spot());
    // a volatility target above the assets': the vault invests everything (leverage 1)
    let p = rpv_sdk::ix::RiskParams { method: 1, vol_target_bps: 50_000, ..Default::default() };
    let admin = w.sb.admin.insecure_clone();
    w.chain.svm.send(&[rpv_sdk::ix::set_risk_params(&admin.pubkey(), &w.sb.vault, p)], &[&admin]).unwrap();
    // and keeps a cash buffer of 5 % of the NAV
    let flows = rpv_sdk::ix::FlowParams { cash_buffer_bps: 500, ..rpv_sdk::ix::FlowParams::DEFAULT };
    w.chain.svm.send(&[rpv_sdk::ix::set_flow_params(&admin.pubkey(), &w.sb.vault, flows)], &[&admin]).unwrap();
    // a second holder puts in as much as the first: about half the shares
    let (holder, holder_shares, holder_base) = w.holder(1_000_000_000_000);
    let held = spl::amount(&w.chain.svm.data(&holder_shares));
    w.step(61, 0);
    // the keeper invests the 2,000,000 USDC: every leg inside its band
    let (mut k, lines) = w.keeper_holding(10_000_000_000_000, 3_000_000_000_000, |_| {});
    for _ in 0..12 {
        k.tick(&mut w.chain).expect("tick");
        let (d, band) = w.distances();
        if d.iter().all(|x| *x <= band) {
            break;
        }
        w.step(61, 0);
    }
    let v = w.vault();
    let nav = sampled_nav(&v, &w.risk()).unwrap();
    assert!(v.base_quantity < nav / 10, "invested: {} base of {nav}", v.base_quantity);
    assert!(held > v.base_quantity, "the base cannot pay the holder: {held} shares, {} base", v.base_quantity);

    // a day later (the rebalancer's turnover window has rolled) the keeper refreshes every ten
    // minutes and rebalances every minute
    w.step(86_400, 0);
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.refreshed && r.trades.is_empty() && r.failures.is_empty(), "{r:?}");
    k.settings.refresh_age_secs = 600;
    let v = w.vault();
    let buffer = v.base_quantity;
    assert!(buffer > 0 && buffer < held / 5, "the cash buffer: {buffer}");
    // the holder requests the withdrawal of every share
    let id = v.flows.withdrawals.next_id;
    let req = rpv_sdk::ix::request_withdraw(&holder.pubkey(), &w.sb.vault, &v, &holder_shares, id, held);
    w.chain.svm.send(&[req], &[&holder]).unwrap();
    let request = pda::request(&w.sb.vault, REQUEST_WITHDRAW, id).0;
    let keeper_base = w.balance(&k.pubkey(), &w.sb.base_mint);
    let (incentives_before, trades_before) = (k.metrics.settlement_incentives, k.metrics.trades);
    // in the tick of the request nothing is priced after it yet: "not yet", no error
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.requests_settled.is_empty() && r.failures.is_empty(), "{r:?}");
    assert!(events(&lines, "requests_not_yet").iter().any(|e| e["fields"]["reason"] == "PriceNotAfterRequest"));
    // (its rebalance already sells towards the cash the queue is owed)
    let mut reports = vec![r];
    for _ in 0..40 {
        w.step(61, 0);
        let r = k.tick(&mut w.chain).expect("tick");
        let done = w.vault().flows.withdrawals.pending == 0;
        reports.push(r);
        if done {
            break;
        }
    }
    let v = w.vault();
    assert_eq!((v.flows.withdrawals.pending, v.flows.withdrawals.head), (0, id + 1), "the request settled in full");
    let sells: Vec<_> = reports.iter().flat_map(|r| r.trades.iter()).filter(|t| t.side == Side::Sell as u8).collect();
    assert!(!sells.is_empty(), "the rebalancer sold legs for the queue");
    assert_eq!(k.metrics.trades - trades_before, reports.iter().map(|r| r.trades.len() as u64).sum::<u64>());
    let fills: Vec<_> = reports.iter().flat_map(|r| r.requests_settled.iter()).collect();
    assert!(!fills.is_empty(), "paid: {fills:?}");
    assert!(fills.iter().all(|f| f.request == request && f.id == id));
    assert_eq!(fills.iter().map(|f| f.filled).sum::<u64>(), held);
    assert_eq!(fills.last().unwrap().remaining, 0);
    // the queue is owed more than the buffer: the rebalancer's sales (from the tick of the
    // request on — the queue counts in its cash target at once) raised the base the fills paid
    let paid: u64 = fills.iter().map(|f| f.out + f.incentive).sum();
    assert!(paid > buffer, "{paid} paid, {buffer} buffer");
    let first_fill = reports.iter().position(|r| !r.requests_settled.is_empty()).unwrap();
    assert!(
        reports[..=first_fill].iter().any(|r| r.trades.iter().any(|t| t.side == Side::Sell as u8)),
        "sales came before or with the first settlement"
    );
    // the keeper's books: every fill counted, its incentives received
    let incentives: u64 = fills.iter().map(|f| f.incentive).sum();
    assert!(incentives > 0);
    assert_eq!(k.metrics.settlement_incentives - incentives_before, incentives);
    assert_eq!(k.metrics.requests_settled, fills.len() as u64);
    assert_eq!(
        k.metrics.instructions["settle_requests"].confirmed as usize,
        reports.iter().filter(|r| !r.requests_settled.is_empty()).count()
    );
    assert_eq!(events(&lines, "request_settled").len(), fills.len());
    let traded: i128 = reports
        .iter()
        .flat_map(|r| r.trades.iter())
        .map(|t| if t.side == Side::Sell as u8 { -(t.base_amount as i128) } else { t.base_amount as i128 })
        .sum();
    assert_eq!(w.balance(&k.pubkey(), &w.sb.base_mint) as i128, keeper_base as i128 + traded + incentives as i128);
    // no error spam: no settlement simulation failed, nothing failed at all
    assert!(
        reports.iter().all(|r| r.failures.is_empty()),
        "{:?}",
        reports.iter().map(|r| &r.failures).collect::<Vec<_>>()
    );
    assert_eq!(k.metrics.instructions["settle_requests"].simulation_failed, 0);
    assert!(events(&lines, "simulation_failed").is_empty());

    // the holder claims the base
    let out: u64 = fills.iter().map(|f| f.out).sum();
    let before = spl::amount(&w.chain.svm.data(&holder_base));
    let claim =
        rpv_sdk::ix::claim_request(&holder.pubkey(), &w.sb.vault, &w.vault(), &request, &holder_base, &holder_shares);
    w.chain.svm.send(&[claim], &[&holder]).unwrap();
    assert_eq!(spl::amount(&w.chain.svm.data(&holder_base)), before + out);
    // about its share of the NAV: half of 2,000,000 USDC, less the keeper's incentive and fees
    assert!(out > 990_000_000_000 && out < 1_000_000_000_000, "{out}");
}

/// More open requests than one transaction can name: each tick the keeper settles the heads
/// that fit one packet (and its compute budget), in queue order, and the rest on later ticks.
#[test]
fn more_requests_than_one_transaction_holds_settle_over_ticks_in_order() {
    use rpv_core::layout::REQUEST_WITHDRAW;
    let mut w = World::new(&Spec::spot());
    let (holder, shares, _) = w.holder(100_000_000_000);
    w.step(1, 0);
    const N: u64 = 40;
    let first = w.vault().flows.withdrawals.next_id;
    for id in first..first + N {
        let v = w.vault();
        let req = rpv_sdk::ix::request_withdraw(&holder.pubkey(), &w.sb.vault, &v, &shares, id, 1_000_000_000);
        w.chain.svm.send(&[req], &[&holder]).unwrap();
    }
    // the vault holds its deposits in base: no rebalancing, only settlement
    let (mut k, _) = w.keeper(|s| s.rebalance = false);
    let mut per_tick = vec![];
    for _ in 0..6 {
        w.step(61, 0);
        let r = k.tick(&mut w.chain).expect("tick");
        assert!(r.failures.is_empty(), "{r:?}");
        if !r.requests_settled.is_empty() {
            per_tick.push(r.requests_settled.iter().map(|e| e.id).collect::<Vec<_>>());
        }
        if w.vault().flows.withdrawals.pending == 0 {
            break;
        }
    }
    assert!(per_tick.len() >= 2, "{N} requests do not fit one transaction: {per_tick:?}");
    let ids: Vec<u64> = per_tick.concat();
    assert_eq!(ids, (first..first + N).collect::<Vec<_>>(), "every request once, in queue order");
    let v = w.vault();
    assert_eq!((v.flows.withdrawals.pending, v.flows.withdrawals.head), (0, first + N));
    assert_eq!(k.metrics.requests_settled, N);
    assert_eq!(k.metrics.instructions["settle_requests"].confirmed, per_tick.len() as u64);
    // every request is claimable: its account holds its base
    let r = pda::request(&w.sb.vault, REQUEST_WITHDRAW, first + N - 1).0;
    assert!(rpv_sdk::decode_request(&w.chain.svm.data(&r)).unwrap().claimable > 0);
}

/// A sandbox vault (SOL, BTC, ETH, all in base) with a market per asset on the venue, quoted
/// 5 bps either side of the oracle, 12 levels of $25,000 a side, and a keeper holding nothing
/// but SOL, routing through those markets.
fn world_with_markets(
    keeper_bps: u16,
) -> (World, rpv_sdk::svm::market_maker::MarketMaker, Keeper, Arc<Mutex<Vec<String>>>) {
    use rpv_sdk::svm::market_maker::{load_venue, MarketMaker, Quoting};
    let mut spec = Spec::spot();
    spec.rebalance.keeper_bps = keeper_bps;
    spec.rebalance.max_slippage_bps = 50;
    let mut w = World::new(&spec);
    load_venue(&mut w.chain.svm, &rpv_sdk::venue::default_venue_path()).unwrap();
    let assets: Vec<_> = w.sb.feeds.iter().enumerate().map(|(i, f)| (i, f.mint, f.decimals, f.price)).collect();
    let quoting = Quoting { half_spread_bps: 5.0, step_bps: 2.0, levels: 12, depth_per_level: 25_000_000_000 };
    let mm = MarketMaker::open(&mut w.chain.svm, &w.sb.base_mint, 6, &assets, quoting, 2_000_000_000_000).unwrap();
    mm.requote(&mut w.chain.svm, &w.sb.feeds.iter().map(|f| f.price).collect::<Vec<_>>()).unwrap();
    let kp = Keypair::new();
    w.chain.svm.fund(&kp.pubkey(), 10_000_000_000).unwrap();
    let mut s = Settings::for_vault(w.sb.vault);
    s.backoff = Duration::from_millis(1);
    s.markets = mm.routes();
    let (log, lines) = Logger::memory(Level::Debug);
    (w, mm, Keeper::new(s, kp, log, "embedded"), lines)
}

#[test]
fn a_keeper_without_inventory_rebalances_through_the_venue() {
    let (mut w, mm, mut k, lines) = world_with_markets(25);
    let mut reports: Vec<TickReport> = vec![];
    for _ in 0..12 {
        reports.push(k.tick(&mut w.chain).expect("tick"));
        let (d, band) = w.distances();
        if d.iter().all(|x| *x <= band) {
            break;
        }
        w.step(61, 10);
        mm.requote(&mut w.chain.svm, &w.sb.feeds.iter().map(|f| f.price).collect::<Vec<_>>()).unwrap();
    }
    let (d, band) = w.distances();
    assert!(d.iter().all(|x| *x <= band), "every leg inside its band: {d:?} vs {band}");
    let trades: Vec<_> = reports.iter().flat_map(|r| r.trades.iter().cloned()).collect();
    assert!(trades.len() >= 3 && trades.iter().all(|t| t.flash), "{trades:?}");
    assert!(
        reports.iter().all(|r| r.failures.is_empty()),
        "{:?}",
        reports.iter().map(|r| &r.failures).collect::<Vec<_>>()
    );
    let m = &k.metrics;
    assert_eq!(m.flash_trades, trades.len() as u64);
    assert_eq!(m.instructions["rebalance_flash"].confirmed, m.flash_trades);
    assert!(m.venue_margin > 0);
    // it ends with no spot tokens and its margin in base (its token accounts created on the way)
    for f in &w.sb.feeds {
        assert_eq!(w.balance(&k.pubkey(), &f.mint), 0, "{}", f.symbol);
    }
    let base_mint = w.sb.base_mint;
    assert!(w.balance(&k.pubkey(), &base_mint) > 0);
    let landed = events(&lines, "confirmed");
    assert!(landed.iter().any(|e| e["fields"]["instruction"] == "rebalance_flash"
        && e["fields"]["context"]["economics"]["margin"].as_u64().unwrap() > 0));
}

#[test]
fn a_flash_trade_the_incentive_does_not_pay_for_is_skipped_with_the_reason() {
    // a 5 bps incentive against a 5 bps confidence band and 5 bps makers: the venue's price is
    // worse than the vault's
    let (mut w, _mm, mut k, lines) = world_with_markets(5);
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.trades.is_empty() && r.failures.is_empty(), "{r:?}");
    assert!(
        r.skipped.contains(&("rebalance_flash".to_string(), "the venue's price is worse than the vault's".to_string())),
        "{:?}",
        r.skipped
    );
    assert_eq!(w.chain.sent.len(), 1, "the refresh only: nothing unprofitable is sent");
    assert_eq!(k.metrics.instructions.get("rebalance_flash").map_or(0, |c| c.simulated), 0);
    let skip = events(&lines, "skipped");
    assert!(skip.iter().any(|e| e["fields"]["instruction"] == "rebalance_flash"));
    // with a cost per transaction above the margin, a profitable route is skipped as unprofitable
    let (mut w, _mm, mut k, _lines) = world_with_markets(25);
    k.settings.sol_price = 150_000_000;
    k.settings.min_profit = 1_000_000_000_000;
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.trades.is_empty());
    assert!(r.skipped.contains(&("rebalance_flash".to_string(), "unprofitable".to_string())), "{:?}", r.skipped);
}

#[test]
fn a_leg_that_cannot_trade_does_not_stop_the_others() {
    let mut w = World::new(&Spec::spot());
    let kp = Keypair::new();
    w.sb.fund_keeper(&mut w.chain.svm, &kp.pubkey(), 0, 500_000_000_000, 100_000_000).unwrap();
    // the keeper lacks exactly the leg the program would pick first
    let first = rpv_sdk::sim::auto_leg(&w.vault(), &w.risk(), w.chain.svm.now()).unwrap().expect("a leg to buy");
    let mint = w.sb.feeds[first].mint;
    let held = w.balance(&kp.pubkey(), &mint);
    let sink = w.chain.svm.token_account(&mint, &Pubkey::new_unique(), 0).unwrap();
    let from = ata::address(&kp.pubkey(), &mint, &TOKEN_PROGRAM_ID);
    let drain =
        spl::transfer_checked(&TOKEN_PROGRAM_ID, &from, &mint, &sink, &kp.pubkey(), held, w.sb.feeds[first].decimals);
    w.chain.svm.send(&[drain], &[&kp]).unwrap();
    let mut s = Settings::for_vault(w.sb.vault);
    s.backoff = Duration::from_millis(1);
    let (log, lines) = Logger::memory(Level::Debug);
    let mut k = Keeper::new(s, kp, log, "embedded");
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.skipped.contains(&("rebalance".to_string(), "insufficient inventory".to_string())), "{r:?}");
    assert!(!r.trades.is_empty(), "the other legs trade: {r:?}");
    assert!(r.trades.iter().all(|t| usize::from(t.leg) != first));
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    // named explicitly: the program's own choice is the leg the keeper lacks
    let skipped: Vec<u64> =
        events(&lines, "skipped").iter().map(|e| e["fields"]["details"]["leg"].as_u64().unwrap()).collect();
    assert_eq!(skipped, vec![first as u64]);
}

#[test]
fn due_fees_are_accrued_to_the_recipient_once_a_period() {
    let mut w = World::new(&Spec::spot());
    w.step(1, 0);
    let v = w.vault();
    let set = rpv_sdk::ix::set_fees(&w.sb.admin.pubkey(), &w.sb.vault, &v, 200, 0);
    w.chain.svm.send(&[set], &[&w.sb.admin]).expect("a 2 %/yr management fee");
    let (mut k, lines) = w.keeper(|s| {
        s.rebalance = false;
        s.accrue_fees_secs = 3_600;
    });
    // a day later the fee is due; the recipient has no share account yet
    w.step(86_400, 0);
    let v = w.vault();
    let recipient = rpv_sdk::pk(&v.fees.recipient);
    let share_mint = pda::share_mint(&w.sb.vault).0;
    let fee_account = ata::address(&recipient, &share_mint, &TOKEN_PROGRAM_ID);
    assert!(w.chain.svm.data(&fee_account).is_empty(), "no share account yet");
    let r = k.tick(&mut w.chain).unwrap();
    assert!(r.fees_accrued && r.failures.is_empty(), "{r:?}");
    let minted = w.balance(&recipient, &share_mint);
    assert!(minted > 0, "fee shares minted to the recipient's associated account");
    assert_eq!(w.vault().fees.accrued_at, w.chain.svm.now());
    assert_eq!(k.metrics.instructions["accrue_fees"].confirmed, 1);
    assert!(events(&lines, "confirmed").iter().any(|e| e["fields"]["instruction"] == "accrue_fees"));
    // not again before `accrue_fees_secs`
    w.step(600, 0);
    let r = k.tick(&mut w.chain).unwrap();
    assert!(!r.fees_accrued);
    assert_eq!(w.balance(&recipient, &share_mint), minted);
}

/// The embedded chain with a fee market: recent prioritization fees as given.
struct FeeMarket<'a> {
    inner: &'a mut LocalChain,
    fees: Vec<u64>,
    asked: Vec<Vec<Pubkey>>,
}

impl Chain for FeeMarket<'_> {
    fn label(&self) -> String {
        "fee market".into()
    }
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.inner.account(key)
    }
    fn clock(&mut self) -> Result<Clock, ChainError> {
        self.inner.clock()
    }
    fn rent(&mut self, len: usize) -> Result<u64, ChainError> {
        self.inner.rent(len)
    }
    fn latest_blockhash(&mut self) -> Result<Hash, ChainError> {
        self.inner.latest_blockhash()
    }
    fn simulate(&mut self, tx: &VersionedTransaction) -> Result<Simulation, ChainError> {
        self.inner.simulate(tx)
    }
    fn send(&mut self, tx: &VersionedTransaction) -> Result<Signature, ChainError> {
        self.inner.send(tx)
    }
    fn status(&mut self, s: &Signature) -> Result<TxStatus, ChainError> {
        self.inner.status(s)
    }
    fn logs(&mut self, s: &Signature) -> Result<Option<Vec<String>>, ChainError> {
        self.inner.logs(s)
    }
    fn recent_prioritization_fees(&mut self, accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        self.asked.push(accounts.to_vec());
        Ok(self.fees.clone())
    }
}

#[test]
fn the_priority_fee_follows_recent_fees_within_its_cap() {
    let mut w = World::new(&Spec::spot());
    let (mut k, _) = w.keeper(|s| {
        s.priority_fee = 100;
        s.max_priority_fee = 5_000;
        s.compute_unit_limit = 200_000;
        s.rebalance = false;
    });
    let payer = k.pubkey();
    let lamports = w.chain.svm.get_balance(&payer).unwrap();
    // recent fees 0, 1,000, 2,000, 3,000: the 75th percentile, 3,000, is paid
    let mut market = FeeMarket { inner: &mut w.chain, fees: vec![2_000, 0, 3_000, 1_000], asked: vec![] };
    let r = k.tick(&mut market).unwrap();
    assert!(r.refreshed);
    assert!(market.asked[0].contains(&w.sb.vault), "the fees of the accounts the refresh writes");
    // base fee 5,000 + 200,000 CU × 3,000 µlamports = 600 lamports
    assert_eq!(lamports - w.chain.svm.get_balance(&payer).unwrap(), 5_000 + 600);
    // a fee war above the cap pays the cap; a quiet market pays the floor
    let tx = [rpv_sdk::ix::refresh(&w.sb.vault, &w.vault())];
    let mut market = FeeMarket { inner: &mut w.chain, fees: vec![90_000; 8], asked: vec![] };
    assert_eq!(k.priority_fee(&mut market, &tx), 5_000);
    let mut market = FeeMarket { inner: &mut w.chain, fees: vec![], asked: vec![] };
    assert_eq!(k.priority_fee(&mut market, &tx), 100);
}
