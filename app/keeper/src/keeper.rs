//! The keeper loop: one [`Keeper::tick`] reads the vault and risk accounts and cranks what is
//! due, in this order:
//! 1. `settle_expired` for every option series past expiry, not settled and still inside its
//!    settlement window (a Switchboard underlying takes two ticks: the first records the
//!    expiry slot);
//! 2. `refresh` (with `update_positions` for vaults with option series: `ix::refresh_all`) when
//!    the last sample is at least `refresh_age_secs` old and the vault's minimum sample interval
//!    has passed;
//! 3. `submit_weights` for risk-budgeting vaults whose weights in force no longer pass the
//!    program's check under the current covariance: solved off-chain ([`crate::weights`]);
//! 4. `rebalance` of the leg `rpv_sdk::sim::auto_leg` names, sized by `sim::rebalance_plan`
//!    (the program's own computation) on fresh oracle values — in atomic mode from the keeper's
//!    inventory when it holds what it must pay, else in flash mode through the leg's market on
//!    the venue (`[markets]`; `rebalance_begin` → Manifest swap → pay → `rebalance_end`, sized so
//!    the book's price stays within `max_impact_bps` of the oracle, skipped with the reason
//!    logged when the book cannot meet the vault's price or the margin does not cover the
//!    transaction's cost and `min_profit`) — repeated for the next leg up to
//!    `max_trades_per_tick` (a leg that cannot trade now is passed over and the next one named) (a settled series is bought at its payoff, no oracle read; the keeper
//!    then holds option tokens to exercise; option series have no venue: inventory only);
//! 5. `settle_requests` for the flow requests at the heads of both queues that can settle now
//!    (the SDK's [`rpv_sdk::client::VaultView::settle_plan`]: the program's own steps on a copy,
//!    prices published after each request included), as many as fit one transaction; a queue
//!    waiting for a later price or for base (`PriceNotAfterRequest`, `InsufficientBaseLiquidity`)
//!    is "not yet", logged at debug level. The rebalancer of step 4 already sells towards base
//!    when the withdrawal queue is owed cash (its targets are on the NAV less the cash target,
//!    `rpv_core::rebalance::cash_target`, and `sim::auto_leg` picks legs by the same rule), so the
//!    cash it raises in a tick is paid out by the settlement of the same tick;
//! 6. `apply_change` for every pending proposal whose timelock has passed (`apply_changes`);
//! 7. `accrue_fees` when the vault charges fees and its last accrual is at least
//!    `accrue_fees_secs` old (the recipient's share account created when missing);
//! 8. `retire_asset` for every settled series that holds nothing of value any more.
//!
//! Every transaction is simulated first and is never sent if the simulation fails (the program
//! error is logged by name). Chain calls that fail transiently are retried with exponential
//! backoff, a bounded number of times.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use rpv_core::{
    engine::settlement,
    layout::{RiskState, VaultState},
    price::OraclePrice,
    rebalance::{Plan, Side, AUTO_LEG},
    token::parse_token_account,
};
use rpv_sdk::{
    ata,
    chain::{self, Chain, ChainError, Clock, TxStatus},
    client::{read_oracle, rebalance_max_age, FetchError, VaultClient},
    events::{parse_logs, Event, Rebalanced, RequestSettled},
    flash, ix, pda, sim, venue, Instruction, Pubkey,
};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    log::{wall_ms, Logger},
    metrics::Metrics,
    weights,
};

/// What the keeper does and how (see `crate::config` for each option's meaning).
#[derive(Clone, Debug)]
pub struct Settings {
    pub vault: Pubkey,
    pub dry_run: bool,
    pub refresh_age_secs: u64,
    pub submit_weights: bool,
    pub rebalance: bool,
    pub settle: bool,
    pub settle_requests: bool,
    /// Crank `accrue_fees` when the last accrual is at least this old (0 = never).
    pub accrue_fees_secs: u64,
    /// Crank `apply_change` for every proposal whose timelock has passed.
    pub apply_changes: bool,
    pub max_trades_per_tick: u32,
    pub max_trade_value: u64,
    pub slippage_bps: u64,
    pub priority_fee: u64,
    /// Cap of the priority fee taken from recent fees (0 = `priority_fee` as it is).
    pub max_priority_fee: u64,
    pub compute_unit_limit: u32,
    pub max_retries: u32,
    pub backoff: Duration,
    pub backoff_max: Duration,
    pub confirm_timeout: Duration,
    pub token_accounts: BTreeMap<Pubkey, Pubkey>,
    /// A leg's mint → its market on the venue: flash rebalances when the inventory is short.
    pub markets: BTreeMap<Pubkey, Pubkey>,
    /// Flash trades: largest price impact against the oracle (bps), smallest margin kept after
    /// the transaction's cost (base units), base units per SOL (0 = fees not counted).
    pub max_impact_bps: u64,
    pub min_profit: u64,
    pub sol_price: u64,
    pub metrics_file: Option<PathBuf>,
}

/// Why a tick stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeeperError {
    /// A chain call failed (after the retries, for transient failures).
    Chain { call: String, error: ChainError },
    /// The vault account does not exist.
    VaultNotFound { vault: Pubkey, chain: String },
    /// An account is not what it should be.
    BadAccount(String),
}

impl std::fmt::Display for KeeperError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Chain { call, error } => write!(f, "{call} failed: {error}"),
            Self::VaultNotFound { vault, chain } => write!(f, "vault account {vault} not found on {chain}"),
            Self::BadAccount(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for KeeperError {}

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Sent and confirmed; the logs of the transaction (or of its simulation when the chain
    /// cannot give them).
    Landed { logs: Vec<String> },
    /// Dry run: simulated successfully, not sent.
    Simulated { logs: Vec<String> },
    /// The simulation failed (the error's name): not sent.
    SimulationFailed(String),
    /// Sent, and failed on chain (the error's name).
    Failed(String),
    /// Sent, not confirmed within the timeout.
    Unconfirmed,
}

/// What a tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Option series settled.
    pub settled: Vec<u8>,
    /// Slots retired (settled series holding nothing of value), in the order retired (last
    /// slot first, so each index is the slot's at the time of its retirement).
    pub retired: Vec<u8>,
    pub refreshed: bool,
    pub weights_submitted: bool,
    /// The keeper's rebalances that landed.
    pub trades: Vec<Rebalanced>,
    /// The fills of the keeper's `settle_requests` that landed.
    pub requests_settled: Vec<RequestSettled>,
    /// Whether the keeper's `accrue_fees` landed, and the proposals it applied (their kinds).
    pub fees_accrued: bool,
    pub changes_applied: Vec<String>,
    /// Instructions only simulated (dry run).
    pub simulated: Vec<String>,
    /// `(instruction, error name)` of simulations that failed and transactions that failed.
    pub failures: Vec<(String, String)>,
    /// `(instruction, reason)` of cranks that were due but not attempted.
    pub skipped: Vec<(String, String)>,
}

/// The vault, its risk account and the cluster clock, read together.
#[derive(Clone)]
pub struct Snapshot {
    pub clock: Clock,
    pub vault: VaultState,
    pub risk: RiskState,
}

impl Snapshot {
    pub fn now(&self) -> i64 {
        self.clock.unix_timestamp
    }
}

/// The keeper.
pub struct Keeper {
    pub settings: Settings,
    signer: Keypair,
    pub log: Logger,
    pub metrics: Metrics,
}

fn side_name(s: Side) -> &'static str {
    match s {
        Side::Sell => "vault_sells",
        Side::Buy => "vault_buys",
    }
}

impl Keeper {
    pub fn new(settings: Settings, signer: Keypair, log: Logger, chain_label: &str) -> Self {
        let metrics = Metrics {
            vault: settings.vault.to_string(),
            keeper: signer.pubkey().to_string(),
            chain: chain_label.to_string(),
            dry_run: settings.dry_run,
            started_at_ms: wall_ms(),
            updated_at_ms: wall_ms(),
            ..Metrics::default()
        };
        let log = log.for_vault(&settings.vault.to_string());
        Self { settings, signer, log, metrics }
    }

    pub fn pubkey(&self) -> Pubkey {
        self.signer.pubkey()
    }

    /// Runs `f` against the chain, retrying transient failures with exponential backoff (at
    /// most `max_retries` retries).
    pub fn retry<T>(
        &mut self,
        chain: &mut dyn Chain,
        call: &str,
        mut f: impl FnMut(&mut dyn Chain) -> Result<T, ChainError>,
    ) -> Result<T, KeeperError> {
        let mut delay = self.settings.backoff;
        let mut attempt = 0u32;
        loop {
            match f(chain) {
                Ok(v) => return Ok(v),
                Err(error) => {
                    self.metrics.rpc_errors += 1;
                    self.metrics.last_error = Some(format!("{call}: {error}"));
                    if !error.is_transient() || attempt >= self.settings.max_retries {
                        self.log.error(
                            "rpc_failed",
                            json!({"call": call, "error": error.message(), "attempts": attempt + 1,
                                   "transient": error.is_transient()}),
                        );
                        return Err(KeeperError::Chain { call: call.to_string(), error });
                    }
                    attempt += 1;
                    self.metrics.rpc_retries += 1;
                    self.log.warn(
                        "rpc_retry",
                        json!({"call": call, "error": error.message(), "attempt": attempt,
                               "delay_ms": delay.as_millis() as u64}),
                    );
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(self.settings.backoff_max);
                }
            }
        }
    }

    /// Reads the vault, its risk account and the clock.
    pub fn snapshot(&mut self, chain: &mut dyn Chain) -> Result<Snapshot, KeeperError> {
        let vault_key = self.settings.vault;
        let clock = self.retry(chain, "getAccountInfo(clock)", |c| c.clock())?;
        let acct = self
            .retry(chain, "getAccountInfo(vault)", |c| c.account(&vault_key))?
            .ok_or_else(|| KeeperError::VaultNotFound { vault: vault_key, chain: chain.label() })?;
        if acct.owner != rpv_sdk::PROGRAM_ID {
            return Err(KeeperError::BadAccount(format!(
                "account {vault_key} is owned by {}, not the vault program {}",
                acct.owner,
                rpv_sdk::PROGRAM_ID
            )));
        }
        let vault = rpv_sdk::decode_vault(&acct.data)
            .map_err(|e| KeeperError::BadAccount(format!("account {vault_key}: {e}")))?;
        let risk_key = pda::risk(&vault_key).0;
        let racct = self.retry(chain, "getAccountInfo(risk)", |c| c.account(&risk_key))?.ok_or_else(|| {
            KeeperError::BadAccount(format!("risk account {risk_key} of vault {vault_key} not found"))
        })?;
        let risk = rpv_sdk::decode_risk(&racct.data)
            .map_err(|e| KeeperError::BadAccount(format!("risk account {risk_key}: {e}")))?;
        Ok(Snapshot { clock, vault, risk })
    }

    /// Simulates `ixs` (with the compute-budget instructions when a priority fee is set) and,
    /// unless the simulation fails or this is a dry run, sends them and waits for the result.
    pub fn execute(
        &mut self,
        chain: &mut dyn Chain,
        name: &str,
        ixs: Vec<Instruction>,
        context: Value,
    ) -> Result<Outcome, KeeperError> {
        let fee = self.priority_fee(chain, &ixs);
        let all = self.with_budget(ixs, fee);
        let blockhash = self.retry(chain, "getLatestBlockhash", |c| c.latest_blockhash())?;
        let tx = chain::sign(&all, &[&self.signer], &[], blockhash)
            .map_err(|error| KeeperError::Chain { call: "sign".into(), error })?;
        let sim = self.retry(chain, "simulateTransaction", |c| c.simulate(&tx))?;
        self.metrics.counts(name).simulated += 1;
        if let Some(err) = &sim.err {
            let ename = chain::error_name(err, &sim.logs);
            self.metrics.counts(name).simulation_failed += 1;
            self.metrics.program_error(&ename);
            self.log.warn(
                "simulation_failed",
                json!({"instruction": name, "error": ename, "detail": format!("{err:?}"), "context": context,
                       "sent": false}),
            );
            return Ok(Outcome::SimulationFailed(ename));
        }
        if self.settings.dry_run {
            self.log.info(
                "dry_run",
                json!({"instruction": name, "units": sim.units, "context": context, "sent": false,
                       "events": event_names(&sim.logs)}),
            );
            return Ok(Outcome::Simulated { logs: sim.logs });
        }
        let signature = self.retry(chain, "sendTransaction", |c| c.send(&tx))?;
        self.metrics.counts(name).sent += 1;
        self.log.debug("sent", json!({"instruction": name, "signature": signature.to_string()}));
        let deadline = Instant::now() + self.settings.confirm_timeout;
        loop {
            match self.retry(chain, "getSignatureStatuses", |c| c.status(&signature))? {
                TxStatus::Confirmed => {
                    self.metrics.counts(name).confirmed += 1;
                    let logs = match self.retry(chain, "getTransaction", |c| c.logs(&signature)) {
                        Ok(Some(l)) => l,
                        _ => {
                            self.log.warn(
                                "logs_unavailable",
                                json!({"instruction": name, "signature": signature.to_string(),
                                       "note": "events taken from the simulation"}),
                            );
                            sim.logs.clone()
                        }
                    };
                    self.log.info(
                        "confirmed",
                        json!({"instruction": name, "signature": signature.to_string(), "units": sim.units,
                               "context": context, "events": event_names(&logs)}),
                    );
                    return Ok(Outcome::Landed { logs });
                }
                TxStatus::Failed(err) => {
                    let ename = chain::error_name(&err, &[]);
                    self.metrics.counts(name).failed += 1;
                    self.metrics.program_error(&ename);
                    self.log.error(
                        "transaction_failed",
                        json!({"instruction": name, "signature": signature.to_string(), "error": ename,
                               "detail": format!("{err:?}"), "context": context}),
                    );
                    return Ok(Outcome::Failed(ename));
                }
                TxStatus::Pending if Instant::now() >= deadline => {
                    self.metrics.counts(name).failed += 1;
                    self.log.warn(
                        "unconfirmed",
                        json!({"instruction": name, "signature": signature.to_string(),
                               "timeout_secs": self.settings.confirm_timeout.as_secs()}),
                    );
                    return Ok(Outcome::Unconfirmed);
                }
                TxStatus::Pending => std::thread::sleep(Duration::from_millis(400)),
            }
        }
    }

    /// The compute-unit price for `ixs`: `priority_fee`, or — with `max_priority_fee` set — the
    /// 75th percentile of what recent transactions writing the same accounts paid
    /// (`getRecentPrioritizationFees`), at least `priority_fee` and at most the cap. A failed
    /// lookup falls back to `priority_fee` (logged).
    pub fn priority_fee(&mut self, chain: &mut dyn Chain, ixs: &[Instruction]) -> u64 {
        let (floor, cap) = (self.settings.priority_fee, self.settings.max_priority_fee);
        if cap == 0 {
            return floor;
        }
        let mut writable: Vec<Pubkey> =
            ixs.iter().flat_map(|i| i.accounts.iter().filter(|a| a.is_writable).map(|a| a.pubkey)).collect();
        writable.sort();
        writable.dedup();
        writable.truncate(128); // the RPC method's limit
        match chain.recent_prioritization_fees(&writable) {
            Ok(mut fees) if !fees.is_empty() => {
                fees.sort_unstable();
                let p75 = fees[(fees.len() * 3 / 4).min(fees.len() - 1)];
                p75.clamp(floor.min(cap), cap)
            }
            Ok(_) => floor.min(cap),
            Err(e) => {
                self.log.warn("priority_fee_lookup_failed", json!({"error": e.message(), "using": floor.min(cap)}));
                floor.min(cap)
            }
        }
    }

    /// `ixs` after the compute-budget instructions, when the priority fee is not zero.
    fn with_budget(&self, ixs: Vec<Instruction>, fee: u64) -> Vec<Instruction> {
        let mut all = Vec::new();
        if fee > 0 {
            all.extend(rpv_sdk::cu::budget(self.settings.compute_unit_limit, fee));
        }
        all.extend(ixs);
        all
    }

    /// Whether `ixs` signed by the keeper (as [`Self::execute`] sends them) fit one packet.
    fn fits(&self, ixs: Vec<Instruction>) -> bool {
        let fee = self.settings.priority_fee.max(self.settings.max_priority_fee);
        let all = self.with_budget(ixs, fee);
        chain::sign(&all, &[&self.signer], &[], chain::Hash::default())
            .is_ok_and(|tx| chain::wire_size(&tx) <= chain::PACKET_DATA_SIZE)
    }

    fn record(&mut self, report: &mut TickReport, name: &str, outcome: &Outcome) {
        match outcome {
            Outcome::Simulated { .. } => report.simulated.push(name.to_string()),
            Outcome::SimulationFailed(e) | Outcome::Failed(e) => report.failures.push((name.to_string(), e.clone())),
            Outcome::Unconfirmed => report.failures.push((name.to_string(), "Unconfirmed".into())),
            Outcome::Landed { .. } => {}
        }
    }

    fn skip(&mut self, report: &mut TickReport, name: &str, reason: &str, fields: Value) {
        self.metrics.counts(name).skipped += 1;
        self.log.info("skipped", json!({"instruction": name, "reason": reason, "details": fields}));
        report.skipped.push((name.to_string(), reason.to_string()));
    }

    /// One pass: settle, refresh, weights, rebalance (module doc). The metrics file is written
    /// at the end, also when the tick stops on an error.
    pub fn tick(&mut self, chain: &mut dyn Chain) -> Result<TickReport, KeeperError> {
        self.metrics.ticks += 1;
        let mut report = TickReport::default();
        let result = self.run_tick(chain, &mut report);
        if let Err(e) = &result {
            self.metrics.tick_errors += 1;
            self.metrics.last_error = Some(e.to_string());
            self.log.error("tick_failed", json!({"error": e.to_string()}));
        }
        self.metrics.updated_at_ms = wall_ms();
        self.write_metrics();
        result.map(|()| report)
    }

    /// Writes the metrics file, if one is configured (a failure is logged, not fatal).
    pub fn write_metrics(&mut self) {
        if let Some(path) = &self.settings.metrics_file {
            if let Err(e) = self.metrics.write(path) {
                self.log
                    .error("metrics_write_failed", json!({"path": path.display().to_string(), "error": e.to_string()}));
            }
        }
    }

    fn run_tick(&mut self, chain: &mut dyn Chain, report: &mut TickReport) -> Result<(), KeeperError> {
        let mut s = self.snapshot(chain)?;
        self.metrics.cluster_time = s.now();
        self.metrics.risk_last_sample_time = s.risk.last_sample_time;
        self.log.debug(
            "tick",
            json!({"cluster_time": s.now(), "slot": s.clock.slot, "assets": s.vault.num_assets,
                   "last_sample": s.risk.last_sample_time, "risk_fresh": s.vault.risk_is_fresh(s.now())}),
        );
        if s.vault.is_rebalancing() {
            self.log.warn("flash_rebalance_open", json!({"note": "every crank refuses until rebalance_end; skipping"}));
            return Ok(());
        }
        if s.vault.num_assets == 0 {
            self.log.info("no_assets", json!({}));
            return Ok(());
        }
        if self.settings.settle && self.settle(chain, &s, report)? {
            s = self.snapshot(chain)?;
        }
        if self.refresh(chain, &s, report)? {
            s = self.snapshot(chain)?;
            self.metrics.last_refresh_time = Some(s.risk.last_sample_time);
        }
        if self.settings.submit_weights && self.submit_weights(chain, &s, report)? {
            s = self.snapshot(chain)?;
            self.metrics.last_weights_time = Some(s.risk.weights_set_at);
        }
        if self.settings.rebalance {
            self.rebalance(chain, s, report)?;
        }
        if self.settings.settle_requests {
            self.settle_requests(chain, report)?;
        }
        if self.settings.apply_changes {
            let s = self.snapshot(chain)?;
            self.apply_changes(chain, &s, report)?;
        }
        if self.settings.accrue_fees_secs > 0 {
            let s = self.snapshot(chain)?;
            self.accrue_fees(chain, &s, report)?;
        }
        if self.settings.settle {
            let s = self.snapshot(chain)?;
            self.retire(chain, &s, report)?;
        }
        let s = self.snapshot(chain)?;
        self.metrics.cluster_time = s.now();
        self.metrics.risk_last_sample_time = s.risk.last_sample_time;
        Ok(())
    }

    /// `settle_expired` for every expired, unsettled option series. Returns whether any landed.
    fn settle(&mut self, chain: &mut dyn Chain, s: &Snapshot, report: &mut TickReport) -> Result<bool, KeeperError> {
        let now = s.now();
        let mut landed = false;
        for (i, slot) in s.vault.active_assets().iter().enumerate() {
            // the program's own gate, and the window still open
            if settlement::settle_gate(&s.vault, i, now).is_err() || now > settlement::window_close(&slot.option) {
                continue;
            }
            let index = i as u8;
            let ix = ix::settle_expired(&self.pubkey(), &self.settings.vault, &s.vault, index);
            let ctx = json!({"series": index, "expiry": slot.option.expiry, "cluster_time": now});
            let out = self.execute(chain, "settle_expired", vec![ix], ctx)?;
            self.record(report, "settle_expired", &out);
            if let Outcome::Landed { logs } = &out {
                // a Switchboard underlying's first call records the expiry slot and settles
                // nothing: the next tick settles on a later result
                landed = true;
                for e in parse_logs(logs) {
                    if let Event::OptionSettled(e) = e {
                        report.settled.push(index);
                        self.metrics.last_settlement_time = Some(now);
                        self.log.info(
                            "settled",
                            json!({"series": e.index, "payoff_per_token": fx(e.settlement_value_bits),
                                   "underlying_price": fx(e.spot_bits), "publish_time": e.publish_time}),
                        );
                    }
                }
            }
        }
        Ok(landed)
    }

    /// `settle_requests` for what can settle now at the heads of both queues (module doc, step
    /// 5): the SDK's plan, cut to what fits one packet, halved while the simulation runs out of
    /// compute units.
    fn settle_requests(&mut self, chain: &mut dyn Chain, report: &mut TickReport) -> Result<(), KeeperError> {
        const NAME: &str = "settle_requests";
        let vault = self.settings.vault;
        let unfetched = |e: FetchError| match e {
            FetchError::Chain(e) => e,
            FetchError::Account(m) => ChainError::Fatal(m),
        };
        let view = self.retry(chain, "fetch(vault)", |c| VaultClient::new(c, vault).fetch().map_err(unfetched))?;
        let (d, w) = (&view.vault.flows.deposits, &view.vault.flows.withdrawals);
        if d.head == d.next_id && w.head == w.next_id {
            return Ok(());
        }
        let open = self.retry(chain, "getMultipleAccounts(requests)", |c| {
            VaultClient::new(c, vault).requests(&view.vault).map_err(unfetched)
        })?;
        let plan = match view.settle_plan(&open) {
            Ok(p) => p,
            Err(e) => {
                self.skip(report, NAME, "prices unusable", json!({"error": e.name()}));
                return Ok(());
            }
        };
        for (kind, why) in &plan.stops {
            let (queue, name) = (queue_name(*kind), why.name());
            if NOT_YET.contains(&name.as_str()) {
                self.log.debug("requests_not_yet", json!({"queue": queue, "reason": name}));
            } else {
                self.skip(report, NAME, "queue blocked", json!({"queue": queue, "error": name}));
            }
        }
        if plan.requests.is_empty() {
            return Ok(());
        }
        let (base_mint, base_program) =
            (rpv_sdk::pk(&view.vault.base_mint), rpv_sdk::pk(&view.vault.base_token_program));
        let base_token = self.token_account_for(&base_mint, &base_program);
        if let Err(why) = self.balance(chain, &base_token, &base_mint)? {
            self.skip(report, NAME, "keeper token account unusable", json!({"why": why}));
            return Ok(());
        }
        let me = self.pubkey();
        let build = |keys: &[Pubkey]| ix::settle_requests(&me, &vault, &view.vault, &base_token, keys);
        let mut keys: Vec<Pubkey> = plan.requests.iter().map(|(k, _)| *k).collect();
        while keys.len() > 1 && !self.fits(vec![build(&keys)]) {
            keys.pop();
        }
        let out = loop {
            let ctx = json!({"requests": keys.len(), "planned": plan.requests.len()});
            let out = self.execute(chain, NAME, vec![build(&keys)], ctx)?;
            match &out {
                Outcome::SimulationFailed(e) if e.contains("ComputationalBudgetExceeded") && keys.len() > 1 => {
                    keys.truncate(keys.len() / 2);
                }
                _ => break out,
            }
        };
        self.record(report, NAME, &out);
        let Outcome::Landed { logs } = out else {
            return Ok(());
        };
        self.metrics.last_request_settlement_time = Some(view.clock.unix_timestamp);
        for e in parse_logs(&logs) {
            if let Event::RequestSettled(e) = e {
                if e.keeper != me {
                    continue;
                }
                self.metrics.requests_settled += 1;
                self.metrics.settlement_incentives += e.incentive;
                self.log.info(
                    "request_settled",
                    json!({"queue": queue_name(e.kind), "id": e.id, "owner": e.owner.to_string(),
                           "filled": e.filled, "out": e.out, "incentive": e.incentive, "remaining": e.remaining,
                           "nav": e.nav, "total_shares": e.total_shares}),
                );
                report.requests_settled.push(e);
            }
        }
        Ok(())
    }

    /// `retire_asset` for every settled series holding nothing of value (sold at its payoff, or
    /// worthless), last slot first so the indexes of the others stay valid.
    fn retire(&mut self, chain: &mut dyn Chain, s: &Snapshot, report: &mut TickReport) -> Result<(), KeeperError> {
        for (i, slot) in s.vault.active_assets().iter().enumerate().rev() {
            if rpv_core::engine::retire::retire_gate(&s.vault, i) != Ok(rpv_core::engine::retire::Retirement::Open) {
                continue;
            }
            let index = i as u8;
            let ix = ix::retire_asset(&self.pubkey(), &self.settings.vault, index);
            let ctx = json!({"slot": index, "mint": rpv_sdk::pk(&slot.mint).to_string()});
            let out = self.execute(chain, "retire_asset", vec![ix], ctx)?;
            self.record(report, "retire_asset", &out);
            if matches!(out, Outcome::Landed { .. }) {
                report.retired.push(index);
            }
        }
        Ok(())
    }

    /// `refresh` (+ `update_positions`) when due. Returns whether it landed.
    fn refresh(&mut self, chain: &mut dyn Chain, s: &Snapshot, report: &mut TickReport) -> Result<bool, KeeperError> {
        let now = s.now();
        let r = &s.risk;
        let age = now - r.last_sample_time;
        let min_interval = i64::from(r.min_sample_interval);
        let wanted = min_interval.max(self.settings.refresh_age_secs.min(i64::MAX as u64) as i64);
        if r.samples > 0 && age < wanted {
            self.log.debug("refresh_not_due", json!({"age": age, "due_in": wanted - age}));
            return Ok(false);
        }
        let ixs = ix::refresh_all(&self.settings.vault, &s.vault);
        let ctx = json!({"age": age, "samples": r.samples, "with_positions_step": ixs.len() > 1});
        let out = self.execute(chain, "refresh", ixs, ctx)?;
        self.record(report, "refresh", &out);
        if let Outcome::Landed { logs } = &out {
            report.refreshed = true;
            for e in parse_logs(logs) {
                match e {
                    Event::RiskRefreshed(e) => self.log.info(
                        "refreshed",
                        json!({"samples": e.samples, "interval": e.interval, "nav": e.nav,
                               "leverage": fx(e.leverage_bits), "portfolio_vol": fx(e.portfolio_vol_bits)}),
                    ),
                    Event::PositionsUpdated(e) => self.log.info(
                        "positions_updated",
                        json!({"nav": e.nav, "leverage": fx(e.leverage_bits), "portfolio_vol": fx(e.portfolio_vol_bits)}),
                    ),
                    _ => {}
                }
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// `submit_weights` for a risk-budgeting vault whose weights in force are stale.
    fn submit_weights(
        &mut self,
        chain: &mut dyn Chain,
        s: &Snapshot,
        report: &mut TickReport,
    ) -> Result<bool, KeeperError> {
        let now = s.now();
        if !weights::stale(&s.vault, &s.risk, now) {
            return Ok(false);
        }
        if !s.vault.risk_is_fresh(now) {
            self.skip(report, "submit_weights", "risk state stale", json!({"refreshed_at": s.vault.risk_refreshed_at}));
            return Ok(false);
        }
        let w = match weights::solve(&s.vault, &s.risk, now) {
            Ok(w) => w,
            Err(e) => {
                self.skip(report, "submit_weights", "no acceptable solution", json!({"error": e.to_string()}));
                return Ok(false);
            }
        };
        let shown: Vec<f64> = w.iter().map(|b| fx(*b)).collect();
        let ixn = ix::submit_weights(&self.pubkey(), &self.settings.vault, w);
        let out = self.execute(chain, "submit_weights", vec![ixn], json!({"weights": shown}))?;
        self.record(report, "submit_weights", &out);
        if matches!(out, Outcome::Landed { .. }) {
            report.weights_submitted = true;
            return Ok(true);
        }
        Ok(false)
    }

    /// `apply_change` for every pending proposal whose timelock has passed (a registration
    /// proposal is the admin's to consume with `add_asset` / `add_option`, not applied here).
    fn apply_changes(
        &mut self,
        chain: &mut dyn Chain,
        s: &Snapshot,
        report: &mut TickReport,
    ) -> Result<(), KeeperError> {
        let vault_key = self.settings.vault;
        let kinds: Vec<ix::ProposalKind> =
            ix::ProposalKind::ALL.iter().copied().filter(|k| *k != ix::ProposalKind::Registration).collect();
        let keys: Vec<Pubkey> = kinds.iter().map(|k| pda::proposal(&vault_key, *k).0).collect();
        let accounts = self.retry(chain, "getMultipleAccounts(proposals)", |c| c.accounts(&keys))?;
        for (kind, acct) in kinds.into_iter().zip(accounts) {
            let Some(p) = acct.and_then(|a| ix::decode_proposal(&a.data)) else {
                continue;
            };
            if s.now() < p.eta {
                self.log.debug("change_not_due", json!({"kind": kind.name(), "eta": p.eta}));
                continue;
            }
            let ixn = match &p.change {
                ix::ConfigChange::OracleChange(c) => ix::apply_oracle_change(&vault_key, &s.vault, c, &p.proposer),
                _ => ix::apply_change(&vault_key, &s.vault, kind, &p.proposer),
            };
            let out = self.execute(chain, "apply_change", vec![ixn], json!({"kind": kind.name(), "eta": p.eta}))?;
            self.record(report, "apply_change", &out);
            if matches!(out, Outcome::Landed { .. }) {
                report.changes_applied.push(kind.name().to_string());
            }
        }
        Ok(())
    }

    /// `accrue_fees` when the vault charges fees and its last accrual is at least
    /// `accrue_fees_secs` old: the fee shares are minted to the recipient's associated share
    /// account (created in the same transaction when missing).
    fn accrue_fees(&mut self, chain: &mut dyn Chain, s: &Snapshot, report: &mut TickReport) -> Result<(), KeeperError> {
        let f = &s.vault.fees;
        if f.management_bps == 0 && f.performance_bps == 0 {
            return Ok(());
        }
        let age = s.now().saturating_sub(f.accrued_at);
        if age < self.settings.accrue_fees_secs as i64 {
            return Ok(());
        }
        let share_mint = rpv_sdk::pk(&s.vault.share_mint);
        let recipient = rpv_sdk::pk(&f.recipient);
        let me = self.pubkey();
        let (create, to) = ata::create_idempotent(&me, &recipient, &share_mint, &rpv_sdk::TOKEN_PROGRAM_ID);
        let mut ixs = Vec::new();
        if self.retry(chain, "getAccountInfo(fee share account)", |c| c.account(&to))?.is_none() {
            ixs.push(create);
        }
        ixs.push(ix::accrue_fees(&self.settings.vault, &s.vault, &to));
        let out =
            self.execute(chain, "accrue_fees", ixs, json!({"since_secs": age, "recipient": recipient.to_string()}))?;
        self.record(report, "accrue_fees", &out);
        report.fees_accrued = matches!(out, Outcome::Landed { .. });
        Ok(())
    }

    /// The keeper's token account for `mint`: configured, else its associated token account.
    pub fn token_account_for(&self, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
        self.settings
            .token_accounts
            .get(mint)
            .copied()
            .unwrap_or_else(|| ata::address(&self.pubkey(), mint, token_program))
    }

    /// Balance of the keeper's token account `key` for `mint` (`Err`: why it cannot be used).
    fn balance(
        &mut self,
        chain: &mut dyn Chain,
        key: &Pubkey,
        mint: &Pubkey,
    ) -> Result<Result<u64, String>, KeeperError> {
        let Some(acct) = self.retry(chain, "getAccountInfo(token account)", |c| c.account(key))? else {
            return Ok(Err(format!("token account {key} does not exist")));
        };
        let Ok(t) = parse_token_account(&acct.data) else {
            return Ok(Err(format!("account {key} is not a token account")));
        };
        if t.mint != mint.to_bytes() {
            return Ok(Err(format!("token account {key} is not for mint {mint}")));
        }
        if t.owner != self.pubkey().to_bytes() {
            return Ok(Err(format!("token account {key} is not owned by the keeper")));
        }
        Ok(Ok(t.amount))
    }

    /// Rebalances the auto leg, then the next, up to `max_trades_per_tick` trades. A leg that
    /// cannot trade now (a cap reached, an unusable oracle, no route, no inventory — each
    /// skipped with its reason) does not end the tick: the next leg furthest outside its band is
    /// named explicitly ([`sim::next_leg`]), each leg tried at most once per tick (in a dry run,
    /// each leg is simulated once). A failed simulation or transaction ends the tick's
    /// rebalancing.
    fn rebalance(
        &mut self,
        chain: &mut dyn Chain,
        mut s: Snapshot,
        report: &mut TickReport,
    ) -> Result<(), KeeperError> {
        let (mut trades, mut refused) = (0u32, 0u32);
        while trades < self.settings.max_trades_per_tick {
            let now = s.now();
            if !s.vault.risk_is_fresh(now) || s.risk.positions_at == 0 || s.risk.nav_snapshot == 0 {
                self.skip(report, "rebalance", "risk state stale", json!({"refreshed_at": s.vault.risk_refreshed_at}));
                return Ok(());
            }
            let leg = match sim::next_leg(&s.vault, &s.risk, now, refused) {
                Ok(Some(leg)) => leg,
                Ok(None) => {
                    if refused == 0 {
                        self.log.debug("inside_bands", json!({"note": "no leg outside its band and off cooldown"}));
                    }
                    return Ok(());
                }
                Err(e) => {
                    self.skip(report, "rebalance", "cannot evaluate the legs", json!({"error": e.to_string()}));
                    return Ok(());
                }
            };
            // the program's own choice while no leg was passed over, else the leg by name
            let named = if refused == 0 { AUTO_LEG } else { leg as u8 };
            let failures = report.failures.len();
            let landed = match self.leg_prices(chain, &s, leg, report)? {
                None => false,
                Some(prices) => match self.plan(&s, leg, &prices, self.settings.max_trade_value, report) {
                    None => false,
                    Some((plan, nav)) => self.trade(chain, &s, leg, named, &prices, &plan, nav, report)?,
                },
            };
            if landed {
                trades += 1;
                s = self.snapshot(chain)?;
            } else if report.failures.len() > failures {
                // the program refused what the keeper simulated: stop until the next tick
                return Ok(());
            } else {
                refused |= 1 << leg;
            }
        }
        Ok(())
    }

    /// The oracle values the program will read for `leg` (none for a settled series, sold at its
    /// payoff); `None` after logging why they are unusable.
    fn leg_prices(
        &mut self,
        chain: &mut dyn Chain,
        s: &Snapshot,
        leg: usize,
        report: &mut TickReport,
    ) -> Result<Option<LegPrices>, KeeperError> {
        if rpv_core::rebalance::settled_leg(&s.vault, leg) {
            return Ok(Some(LegPrices::default()));
        }
        let slot = s.vault.assets[leg];
        let max_age = s.risk.rebalance.max_oracle_age;
        let read = |k: &mut Self, chain: &mut dyn Chain, slot: &rpv_core::layout::AssetSlot| {
            let key = rpv_sdk::pk(&slot.oracle);
            k.retry(chain, "getAccountInfo(oracle)", |c| c.account(&key)).map(|a| {
                a.ok_or(rpv_core::CoreError::OracleInvalidAccount)
                    .and_then(|a| read_oracle(slot, &a, &s.clock, rebalance_max_age(max_age, slot)))
            })
        };
        let leg_price = match read(self, chain, &slot)? {
            Ok(p) => p,
            Err(e) => {
                let oracle = rpv_sdk::pk(&slot.oracle).to_string();
                self.skip(
                    report,
                    "rebalance",
                    "oracle unusable",
                    json!({"leg": leg, "oracle": oracle, "error": e.to_string()}),
                );
                return Ok(None);
            }
        };
        let under = if slot.option.is_option() {
            let u = s.vault.assets[usize::from(slot.option.underlying)];
            match read(self, chain, &u)? {
                Ok(p) => Some(p),
                Err(e) => {
                    self.skip(
                        report,
                        "rebalance",
                        "underlying oracle unusable",
                        json!({"leg": leg, "error": e.to_string()}),
                    );
                    return Ok(None);
                }
            }
        } else {
            None
        };
        if leg_price.publish_time < slot.last_publish_time {
            self.skip(report, "rebalance", "oracle older than the vault's last price", json!({"leg": leg}));
            return Ok(None);
        }
        Ok(Some(LegPrices { leg: Some(leg_price), under }))
    }

    /// The trade the program will plan for `leg` from `prices`, its fair value capped at
    /// `max_value` (0 = only the vault's caps); `None` after logging why there is none.
    fn plan(
        &mut self,
        s: &Snapshot,
        leg: usize,
        prices: &LegPrices,
        max_value: u64,
        report: &mut TickReport,
    ) -> Option<(Plan, u64)> {
        match sim::rebalance_plan(
            &s.vault,
            &s.risk,
            leg,
            prices.leg.as_ref(),
            prices.under.as_ref(),
            max_value,
            s.now(),
        ) {
            Ok(p) => Some(p),
            Err(e) => {
                self.skip(report, "rebalance", "no trade", json!({"leg": leg, "error": e.to_string()}));
                None
            }
        }
    }

    /// Trades `plan` through the leg's market on the venue (flash mode, [`Self::flash`]) when it
    /// has one, else — or when that route is skipped — from the keeper's inventory (atomic
    /// `rebalance`, passing `named`: `AUTO_LEG` or the slot) when it holds what it has to pay.
    /// Returns whether a trade landed.
    #[allow(clippy::too_many_arguments)]
    fn trade(
        &mut self,
        chain: &mut dyn Chain,
        s: &Snapshot,
        leg: usize,
        named: u8,
        prices: &LegPrices,
        plan: &Plan,
        nav: u64,
        report: &mut TickReport,
    ) -> Result<bool, KeeperError> {
        let v = &s.vault;
        let slot = v.assets[leg];
        let (base_mint, base_program) = (rpv_sdk::pk(&v.base_mint), rpv_sdk::pk(&v.base_token_program));
        let (leg_mint, leg_program) = (rpv_sdk::pk(&slot.mint), rpv_sdk::pk(&slot.token_program));
        let base_token = self.token_account_for(&base_mint, &base_program);
        let leg_token = self.token_account_for(&leg_mint, &leg_program);
        // what the keeper pays: base when the vault sells, the leg's tokens when it buys
        let (pay_key, pay_mint, need) = match plan.side {
            Side::Sell => (base_token, base_mint, plan.base_amount),
            Side::Buy => (leg_token, leg_mint, plan.qty),
        };
        let (recv_key, recv_mint) = match plan.side {
            Side::Sell => (leg_token, leg_mint),
            Side::Buy => (base_token, base_mint),
        };
        let ctx = plan_context(leg, plan, nav);
        // the venue first where the leg has a market (no inventory risk for the keeper)
        if self.settings.markets.contains_key(&leg_mint) && !slot.option.is_option() {
            if let Some(landed) = self.flash(chain, s, leg, prices, plan.side, report)? {
                return Ok(landed);
            }
        }
        match self.balance(chain, &pay_key, &pay_mint)? {
            Err(why) => {
                self.skip(report, "rebalance", "keeper token account unusable", json!({"leg": leg, "why": why}));
                return Ok(false);
            }
            Ok(have) if have < need => {
                let venue = if slot.option.is_option() {
                    "option series are not listed on the venue: inventory only"
                } else if self.settings.markets.contains_key(&leg_mint) {
                    "the venue route was skipped (logged above)"
                } else {
                    "no venue market configured for the leg's mint ([markets] in the config file)"
                };
                self.skip(
                    report,
                    "rebalance",
                    "insufficient inventory",
                    json!({"leg": leg, "mint": pay_mint.to_string(), "have": have, "need": need, "venue": venue,
                           "plan": ctx}),
                );
                return Ok(false);
            }
            Ok(_) => {}
        }
        if let Err(why) = self.balance(chain, &recv_key, &recv_mint)? {
            self.skip(report, "rebalance", "keeper token account unusable", json!({"leg": leg, "why": why}));
            return Ok(false);
        }
        let tol = (u128::from(plan.base_amount) * u128::from(self.settings.slippage_bps) / 10_000) as u64;
        let args = ix::RebalanceArgs {
            leg: named,
            max_value: self.settings.max_trade_value,
            max_base_in: plan.base_amount.saturating_add(tol),
            min_base_out: plan.base_amount.saturating_sub(tol),
        };
        let ixn = ix::rebalance(&self.pubkey(), &self.settings.vault, v, leg as u8, &base_token, &leg_token, args);
        let out = self.execute(chain, "rebalance", vec![ixn], ctx)?;
        self.landed(s, "rebalance", out, report, None)
    }

    /// A flash rebalance of `leg` through its market on the venue (`[markets]`):
    /// `rebalance_begin` → swap → pay the vault → `rebalance_end` in one transaction
    /// ([`rpv_sdk::flash`]). The trade is sized so that its average price on the book stays
    /// within `max_impact_bps` of the oracle, and skipped — `None`, with the reason logged — when
    /// the market is unusable, the book cannot meet the vault's price, or the margin (the venue's
    /// price against the vault's: the incentive less the spread and the impact; Manifest charges
    /// no fee) does not cover the transaction's fee and priority fee plus `min_profit`.
    /// `Some(landed)` when a transaction was attempted.
    #[allow(clippy::too_many_arguments)]
    fn flash(
        &mut self,
        chain: &mut dyn Chain,
        s: &Snapshot,
        leg: usize,
        prices: &LegPrices,
        side: Side,
        report: &mut TickReport,
    ) -> Result<Option<bool>, KeeperError> {
        let v = &s.vault;
        let slot = v.assets[leg];
        let leg_mint = rpv_sdk::pk(&slot.mint);
        let (Some(market), Some(leg_price)) = (self.settings.markets.get(&leg_mint).copied(), prices.leg) else {
            return Ok(None);
        };
        let route = match self.route(chain, s, leg, &market)? {
            Ok(r) => r,
            Err(why) => {
                self.skip(
                    report,
                    "rebalance_flash",
                    "venue market unusable",
                    json!({"leg": leg, "market": market.to_string(), "why": why}),
                );
                return Ok(None);
            }
        };
        let (route, book) = route;
        // size: the most the book takes within the impact bound, at the oracle's mid
        let reference = venue::atom_price(leg_price.price as i64, leg_price.expo, slot.decimals, v.base_decimals);
        let is_base_in = side == Side::Sell;
        let bps = self.settings.max_impact_bps as f64;
        let limit = match book.max_exact_in_within_impact(is_base_in, reference, bps, s.clock.slot) {
            Ok(l) if l.value > 0 => l,
            other => {
                let why =
                    other.map(|_| "no depth within the impact bound".to_string()).unwrap_or_else(|e| e.to_string());
                self.skip(
                    report,
                    "rebalance_flash",
                    "venue too thin",
                    json!({"leg": leg, "max_impact_bps": bps, "why": why}),
                );
                return Ok(None);
            }
        };
        let max_value = match self.settings.max_trade_value {
            0 => limit.value,
            cap => cap.min(limit.value),
        };
        let Some((plan, nav)) = self.plan(s, leg, prices, max_value, report) else {
            return Ok(Some(false));
        };
        let swap = flash::swap_for(&plan, 0);
        let q = match book.quote_swap(swap, s.clock.slot) {
            Ok(q) if q.passes => q,
            other => {
                let venue = other.ok().map(|q| json!({"in": q.in_atoms, "out": q.out_atoms, "exhausted": q.exhausted}));
                self.skip(
                    report,
                    "rebalance_flash",
                    "the venue's price is worse than the vault's",
                    json!({"leg": leg, "plan": plan_context(leg, &plan, nav), "venue": venue}),
                );
                return Ok(None);
            }
        };
        let margin = match plan.side {
            Side::Sell => q.out_atoms - plan.base_amount,
            Side::Buy => plan.base_amount - q.in_atoms,
        };
        let cost = self.transaction_cost();
        let impact_bps = q.average_price(is_base_in).map(|p| 10_000.0 * (p / reference - 1.0));
        let economics = json!({"margin": margin, "transaction_cost": cost, "min_profit": self.settings.min_profit,
                               "venue_fee": 0, "impact_bps": impact_bps, "incentive": plan.incentive,
                               "orders_touched": q.orders_touched()});
        if margin < cost.saturating_add(self.settings.min_profit) {
            self.skip(report, "rebalance_flash", "unprofitable", json!({"leg": leg, "economics": economics}));
            return Ok(None);
        }
        // the keeper's token accounts: created (idempotently) where missing
        let me = self.pubkey();
        let mut ixs = Vec::new();
        let mut accounts = [
            (rpv_sdk::pk(&v.base_mint), rpv_sdk::pk(&v.base_token_program)),
            (leg_mint, rpv_sdk::pk(&slot.token_program)),
        ]
        .map(|(mint, program)| (self.token_account_for(&mint, &program), mint, program));
        for (key, mint, program) in &mut accounts {
            if self.retry(chain, "getAccountInfo(token account)", |c| c.account(key))?.is_none() {
                if self.settings.token_accounts.contains_key(mint) {
                    self.skip(
                        report,
                        "rebalance_flash",
                        "keeper token account missing",
                        json!({"leg": leg, "account": key.to_string()}),
                    );
                    return Ok(None);
                }
                ixs.push(ata::create_idempotent(&me, &me, mint, program).0);
            }
        }
        let [(base_token, ..), (leg_token, ..)] = accounts;
        // the swap's bound keeps the transaction's cost and min_profit: a book that moved
        // against the keeper since it was read fails in the venue, never lands at a loss
        let keep = cost.saturating_add(self.settings.min_profit);
        let trade = flash::via_venue(
            &me,
            &self.settings.vault,
            v,
            leg as u8,
            &base_token,
            &leg_token,
            &route,
            &plan,
            max_value,
            keep,
        )
        .map_err(|e| KeeperError::BadAccount(e.to_string()))?;
        ixs.extend(trade);
        if !self.fits(ixs.clone()) {
            self.skip(report, "rebalance_flash", "transaction too large", json!({"leg": leg}));
            return Ok(None);
        }
        let mut ctx = plan_context(leg, &plan, nav);
        ctx["market"] = json!(market.to_string());
        ctx["economics"] = economics;
        let out = self.execute(chain, "rebalance_flash", ixs, ctx)?;
        self.landed(s, "rebalance_flash", out, report, Some(margin)).map(Some)
    }

    /// The leg's market and its book, checked against the leg (`Err`: why it cannot be used).
    #[allow(clippy::type_complexity)]
    fn route(
        &mut self,
        chain: &mut dyn Chain,
        s: &Snapshot,
        leg: usize,
        market: &Pubkey,
    ) -> Result<Result<(flash::Route, venue::Book), String>, KeeperError> {
        let Some(acct) = self.retry(chain, "getAccountInfo(market)", |c| c.account(market))? else {
            return Ok(Err("the market account does not exist".into()));
        };
        if acct.owner != venue::MANIFEST_ID {
            return Ok(Err(format!("owned by {}, not the venue {}", acct.owner, venue::MANIFEST_ID)));
        }
        let book = match venue::decode_book(&acct.data) {
            Ok(b) => b,
            Err(e) => return Ok(Err(format!("not a market, or its book does not read: {e}"))),
        };
        let route = flash::Route { market: *market, header: book.header };
        Ok(route.check(&s.vault, leg).map(|()| (route, book)).map_err(|e| e.to_string()))
    }

    /// A transaction's fee and priority fee in base units (0 without `sol_price`).
    fn transaction_cost(&self) -> u64 {
        let priority =
            u128::from(self.settings.priority_fee) * u128::from(self.settings.compute_unit_limit) / 1_000_000;
        let lamports = 5_000 + priority;
        (lamports * u128::from(self.settings.sol_price) / 1_000_000_000).min(u128::from(u64::MAX)) as u64
    }

    /// Records a rebalance transaction's outcome and its `Rebalanced` events; `margin`: what a
    /// flash trade left the keeper, as quoted. Returns whether it landed.
    fn landed(
        &mut self,
        s: &Snapshot,
        name: &str,
        out: Outcome,
        report: &mut TickReport,
        margin: Option<u64>,
    ) -> Result<bool, KeeperError> {
        self.record(report, name, &out);
        let Outcome::Landed { logs } = out else {
            return Ok(false);
        };
        self.metrics.last_rebalance_time = Some(s.now());
        if let Some(m) = margin {
            self.metrics.flash_trades += 1;
            self.metrics.venue_margin += m;
        }
        let me = self.pubkey();
        for e in parse_logs(&logs) {
            if let Event::Rebalanced(e) = e {
                if e.keeper != me {
                    continue;
                }
                self.metrics.trades += 1;
                self.metrics.traded_value += e.fair_value;
                self.metrics.incentives_earned += e.incentive;
                self.log.info(
                    "rebalanced",
                    json!({"leg": e.leg, "side": if e.side == Side::Sell as u8 { "vault_sells" } else { "vault_buys" },
                           "qty": e.qty, "base_amount": e.base_amount, "fair_value": e.fair_value,
                           "incentive": e.incentive, "value_before": e.value_before, "value_after": e.value_after,
                           "target": e.target, "band": e.band, "nav": e.nav, "flash": e.flash}),
                );
                report.trades.push(e);
            }
        }
        Ok(true)
    }
}

/// The oracle values a leg's trade is planned on: the leg's (none for a settled series) and,
/// for an option series, its underlying's.
#[derive(Clone, Copy, Debug, Default)]
pub struct LegPrices {
    pub leg: Option<OraclePrice>,
    pub under: Option<OraclePrice>,
}

/// A planned trade, for logs.
fn plan_context(leg: usize, plan: &Plan, nav: u64) -> Value {
    json!({"leg": leg, "side": side_name(plan.side), "qty": plan.qty, "base_amount": plan.base_amount,
           "fair_value": plan.fair_value, "incentive": plan.incentive, "value_before": plan.value_before,
           "target": plan.target, "band": plan.band, "nav": nav})
}

/// Why a queue waits that is no error: its head needs a price published after it, or base
/// the rebalancer has not raised yet.
const NOT_YET: [&str; 2] = ["PriceNotAfterRequest", "InsufficientBaseLiquidity"];

/// A request queue's name in logs.
fn queue_name(kind: u8) -> &'static str {
    if kind == rpv_core::layout::REQUEST_DEPOSIT {
        "deposits"
    } else {
        "withdrawals"
    }
}

/// I80F48 bits as f64 (for logs).
fn fx(bits: i128) -> f64 {
    rpv_core::fixed_point::Fx::from_bits(bits).to_num::<f64>()
}

/// Names of the program's events in `logs`.
fn event_names(logs: &[String]) -> Vec<String> {
    parse_logs(logs).iter().map(|e| format!("{e:?}").split('(').next().unwrap_or_default().to_string()).collect()
}
