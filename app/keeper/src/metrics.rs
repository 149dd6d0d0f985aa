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
