//! The metrics file: one JSON document, rewritten (atomically: a temporary file renamed over it)
//! after every tick and at shutdown.

use std::{collections::BTreeMap, io::Write, path::Path};

use serde::{Deserialize, Serialize};

/// What happened to one kind of instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Simulations run (successful or not).
    pub simulated: u64,
    /// Simulations that failed: nothing was sent.
    pub simulation_failed: u64,
    /// Transactions sent.
    pub sent: u64,
    /// Sent and confirmed successful.
    pub confirmed: u64,
    /// Sent and failed on chain (or dropped without confirmation).
    pub failed: u64,
    /// Due but not attempted (inventory, missing account, oracle unusable, …).
    pub skipped: u64,
}

/// The keeper's metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub vault: String,
    pub keeper: String,
    pub chain: String,
    pub dry_run: bool,
    /// Wall clock, unix milliseconds.
    pub started_at_ms: u64,
    pub updated_at_ms: u64,
    pub ticks: u64,
    /// Ticks that ended early on an error (after retries).
    pub tick_errors: u64,
    /// Cluster time at the last tick.
    pub cluster_time: i64,
    /// The risk state's sample time after the last refresh this keeper landed, and its last
    /// sample time at the last tick (whoever cranked it).
    pub last_refresh_time: Option<i64>,
    pub risk_last_sample_time: i64,
    /// When the weights this keeper last submitted were accepted (the risk state's
    /// `weights_set_at`); cluster time of its last landed rebalance and settlement.
    pub last_weights_time: Option<i64>,
    pub last_rebalance_time: Option<i64>,
    pub last_settlement_time: Option<i64>,
    /// Per instruction (`refresh`, `submit_weights`, `rebalance`, `settle_expired`,
    /// `settle_requests`, `retire_asset`).
    pub instructions: BTreeMap<String, Counts>,
    /// Program errors met in simulations and on chain, by name.
    pub program_errors: BTreeMap<String, u64>,
    /// Rebalances landed by this keeper: count, fair value traded and incentives earned (base
    /// units, from the `Rebalanced` events of its own transactions).
    pub trades: u64,
    pub traded_value: u64,
    pub incentives_earned: u64,
    /// Of those, flash trades through the venue, and the margins they were quoted to leave the
    /// keeper (base units: the venue's price against the vault's, incentive included).
    pub flash_trades: u64,
    pub venue_margin: u64,
    /// Flow request fills landed by this keeper's `settle_requests` (its own `RequestSettled`
    /// events), the settlement incentives they paid it (base units), and the cluster time of
    /// its last one.
    #[serde(default)]
    pub requests_settled: u64,
    #[serde(default)]
    pub settlement_incentives: u64,
    #[serde(default)]
    pub last_request_settlement_time: Option<i64>,
    /// RPC failures seen, and retries made.
    pub rpc_errors: u64,
    pub rpc_retries: u64,
    pub last_error: Option<String>,
    /// `null` while running; `"signal"` or `"completed"` after shutdown.
    pub shutdown: Option<String>,
}

impl Metrics {
    pub fn counts(&mut self, instruction: &str) -> &mut Counts {
        self.instructions.entry(instruction.to_string()).or_default()
    }

    pub fn program_error(&mut self, name: &str) {
        *self.program_errors.entry(name.to_string()).or_default() += 1;
    }

    /// The metrics in Prometheus' text exposition format (`rpv_keeper_*`; counters end in
    /// `_total`, amounts are base units), labelled with the vault and keeper.
    pub fn prometheus(&self) -> String {
        let labels = format!("vault=\"{}\",keeper=\"{}\"", self.vault, self.keeper);
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
            out += &format!("# HELP rpv_keeper_{name} {help}\n# TYPE rpv_keeper_{name} {kind}\n");
            for (extra, v) in samples {
                let l = if extra.is_empty() { labels.clone() } else { format!("{labels},{extra}") };
                out += &format!("rpv_keeper_{name}{{{l}}} {v}\n");
            }
        };
        let scalars: [(&str, &str, &str, f64); 13] = [
            ("ticks_total", "counter", "Ticks run.", self.ticks as f64),
            ("tick_errors_total", "counter", "Ticks that ended early on an error.", self.tick_errors as f64),
            ("trades_total", "counter", "Rebalances landed by this keeper.", self.trades as f64),
            ("flash_trades_total", "counter", "Of those, flash trades through the venue.", self.flash_trades as f64),
            ("traded_value", "counter", "Fair value traded, base units.", self.traded_value as f64),
            (
                "incentives_earned",
                "counter",
                "Rebalancing incentives earned, base units.",
                self.incentives_earned as f64,
            ),
            (
                "venue_margin",
                "counter",
                "Margins quoted on the venue for flash trades, base units.",
                self.venue_margin as f64,
            ),
            ("requests_settled_total", "counter", "Flow request fills settled.", self.requests_settled as f64),
            (
                "settlement_incentives",
                "counter",
                "Settlement incentives earned, base units.",
                self.settlement_incentives as f64,
            ),
            ("rpc_errors_total", "counter", "RPC failures seen.", self.rpc_errors as f64),
            ("rpc_retries_total", "counter", "RPC retries made.", self.rpc_retries as f64),
            ("cluster_time_seconds", "gauge", "Cluster time at the last tick.", self.cluster_time as f64),
            (
                "risk_last_sample_time_seconds",
                "gauge",
                "The risk state's last sample time.",
                self.risk_last_sample_time as f64,
            ),
        ];
        for (name, kind, help, v) in scalars {
            metric(name, kind, help, vec![(String::new(), v)]);
        }
        let mut by_instruction = Vec::new();
        for (name, c) in &self.instructions {
            for (outcome, v) in [
                ("simulated", c.simulated),
                ("simulation_failed", c.simulation_failed),
                ("sent", c.sent),
                ("confirmed", c.confirmed),
                ("failed", c.failed),
                ("skipped", c.skipped),
            ] {
                by_instruction.push((format!("instruction=\"{name}\",outcome=\"{outcome}\""), v as f64));
            }
        }
        metric("instructions_total", "counter", "Per instruction and outcome.", by_instruction);
        let errors = self.program_errors.iter().map(|(e, n)| (format!("error=\"{e}\""), *n as f64)).collect();
        metric("program_errors_total", "counter", "Program errors met, by name.", errors);
        out
    }

    /// Writes the metrics to `path` (through `path.tmp`, renamed over it).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(serde_json::to_string_pretty(self).map_err(std::io::Error::other)?.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }

    /// Reads a metrics file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}
