//! Configuration: command-line flags > environment variables > the TOML file > defaults.
//!
//! Every option `some_option` is `--some-option VALUE` on the command line,
//! `RPV_KEEPER_SOME_OPTION` in the environment and `some_option = …` in the file (`--config
//! FILE` or `RPV_KEEPER_CONFIG`). The file may also hold a `[token_accounts]` table mapping a mint
//! to the keeper's token account for it (default: the keeper's associated token account), and a
//! `[markets]` table mapping a leg's mint to its market on the venue (Manifest) for flash
//! rebalances.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use rpv_sdk::Pubkey;
use solana_commitment_config::CommitmentLevel;

use crate::{keeper::Settings, log::Level};

impl Settings {
    /// The configuration defaults for `vault`, without a metrics file.
    pub fn for_vault(vault: Pubkey) -> Self {
        Self { metrics_file: None, ..Config::defaults().settings(vault) }
    }
}

/// How an option's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Path,
    Url,
    Pubkey,
    Number,
    Bool,
    Level,
    Commitment,
}

impl Kind {
    fn placeholder(self) -> &'static str {
        match self {
            Kind::Text => "TEXT",
            Kind::Path => "PATH",
            Kind::Url => "URL",
            Kind::Pubkey => "PUBKEY",
            Kind::Number => "N",
            Kind::Bool => "[BOOL]",
            Kind::Level => "LEVEL",
            Kind::Commitment => "LEVEL",
        }
    }
}

/// One option: its key, kind, default (as text) and help.
#[derive(Clone, Copy, Debug)]
pub struct OptSpec {
    pub key: &'static str,
    pub kind: Kind,
    pub default: Option<&'static str>,
    pub help: &'static str,
}

impl OptSpec {
    pub fn flag(&self) -> String {
        format!("--{}", self.key.replace('_', "-"))
    }
    pub fn env(&self) -> String {
        format!("RPV_KEEPER_{}", self.key.to_ascii_uppercase())
    }
}

const fn opt(key: &'static str, kind: Kind, default: Option<&'static str>, help: &'static str) -> OptSpec {
    OptSpec { key, kind, default, help }
}

/// The default keypair path (the Solana CLI's) and `~` expansion: the SDK's.
pub use rpv_sdk::keypair::{expand_home, DEFAULT_PATH as DEFAULT_KEYPAIR};

/// Every option, in `--help` order. `config` itself is read from flags and the environment only.
pub const OPTIONS: &[OptSpec] = &[
    opt("config", Kind::Path, None, "TOML configuration file (keys as below, e.g. rpc_url = \"…\")"),
    opt("rpc_url", Kind::Url, Some("http://127.0.0.1:8899"), "JSON-RPC endpoint of the cluster"),
    opt(
        "embedded",
        Kind::Bool,
        Some("false"),
        "run against an embedded SVM (litesvm) holding a sandbox vault instead of a cluster",
    ),
    opt(
        "program",
        Kind::Path,
        None,
        "embedded mode: the built program (default $RPV_PROGRAM_SO, else target/deploy/rpv_vault.so)",
    ),
    opt(
        "keypair",
        Kind::Path,
        Some(DEFAULT_KEYPAIR),
        "keeper keypair, Solana CLI JSON format (embedded mode: a fresh one unless given)",
    ),
    opt("vault", Kind::Pubkey, None, "vault account to keep (required on a cluster; embedded: the sandbox's)"),
    opt("commitment", Kind::Commitment, Some("confirmed"), "commitment for reads and confirmations: processed|confirmed|finalized"),
    opt("interval_secs", Kind::Number, None, "pause between ticks, seconds (default 30; 1 with --embedded)"),
    opt("ticks", Kind::Number, Some("0"), "stop after this many ticks (0 = run until SIGINT/SIGTERM)"),
    opt("dry_run", Kind::Bool, Some("false"), "simulate every transaction, send none"),
    opt(
        "http_port",
        Kind::Number,
        Some("0"),
        "serve GET /metrics (Prometheus) and GET /health on 127.0.0.1:PORT (0 = off)",
    ),
    opt("metrics_file", Kind::Path, Some("rpv-keeper-metrics.json"), "metrics JSON, rewritten every tick (\"\" = none)"),
    opt("log_level", Kind::Level, Some("info"), "debug|info|warn|error (JSON lines on stderr, through tracing)"),
    opt(
        "refresh_age_secs",
        Kind::Number,
        Some("0"),
        "refresh when the last sample is at least this old (0 = whenever the vault's minimum sample interval has passed)",
    ),
    opt("submit_weights", Kind::Bool, Some("true"), "solve and submit risk-budget weights when stale (method-1 vaults)"),
    opt("rebalance", Kind::Bool, Some("true"), "rebalance legs outside their bands from the keeper's inventory"),
    opt("settle", Kind::Bool, Some("true"), "settle expired option series"),
    opt(
        "settle_requests",
        Kind::Bool,
        Some("true"),
        "settle flow requests (deposits, withdrawals) at prices published after them",
    ),
    opt(
        "accrue_fees_secs",
        Kind::Number,
        Some("86400"),
        "crank accrue_fees when the vault charges fees and its last accrual is this old, seconds (0 = never)",
    ),
    opt("apply_changes", Kind::Bool, Some("true"), "apply every proposal whose timelock has passed (apply_change)"),
    opt("max_trades_per_tick", Kind::Number, Some("4"), "most rebalance transactions per tick"),
    opt("max_trade_value", Kind::Number, Some("0"), "cap on a trade's fair value, base units (0 = only the vault's caps)"),
    opt(
        "slippage_bps",
        Kind::Number,
        Some("10"),
        "price bound passed to rebalance, bps of the simulated base amount",
    ),
    opt(
        "max_impact_bps",
        Kind::Number,
        Some("50"),
        "flash trades through the venue: largest price impact against the oracle, bps (sizes the trade)",
    ),
    opt(
        "min_profit",
        Kind::Number,
        Some("0"),
        "flash trades: smallest margin kept after the transaction's cost, base units (else the trade is skipped)",
    ),
    opt(
        "sol_price",
        Kind::Number,
        Some("0"),
        "base units per SOL, to count a flash trade's fee and priority fee against its margin (0 = not counted)",
    ),
    opt("priority_fee", Kind::Number, Some("0"), "compute-unit price, micro-lamports (0 = no compute-budget instructions)"),
    opt(
        "max_priority_fee",
        Kind::Number,
        Some("0"),
        "take the priority fee from recent fees on the transaction's accounts (75th percentile), capped here, micro-lamports (0 = priority_fee as it is)",
    ),
    opt("compute_unit_limit", Kind::Number, Some("400000"), "compute-unit limit set with a priority fee"),
    opt("max_retries", Kind::Number, Some("4"), "retries of a failed RPC call (exponential backoff)"),
    opt("backoff_ms", Kind::Number, Some("500"), "first retry delay, milliseconds (doubles each retry)"),
    opt("backoff_max_ms", Kind::Number, Some("8000"), "longest retry delay, milliseconds"),
    opt("confirm_timeout_secs", Kind::Number, Some("60"), "how long to wait for a confirmation"),
    opt("rpc_timeout_secs", Kind::Number, Some("30"), "timeout of one RPC request"),
    opt("sim_step_secs", Kind::Number, Some("60"), "embedded mode: simulated seconds the SVM clock advances per tick"),
];

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Env(e) => write!(f, "${e}"),
            Source::Flag(fl) => write!(f, "{fl}"),
        }
    }
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub config_file: Option<PathBuf>,
    pub rpc_url: String,
    pub embedded: bool,
    pub program: PathBuf,
    pub keypair: PathBuf,
    pub vault: Option<Pubkey>,
    pub commitment: CommitmentLevel,
    pub interval_secs: u64,
    pub ticks: u64,
    pub dry_run: bool,
    pub metrics_file: Option<PathBuf>,
    pub http_port: u16,
    pub log_level: Level,
    pub refresh_age_secs: u64,
    pub submit_weights: bool,
    pub rebalance: bool,
    pub settle: bool,
    pub settle_requests: bool,
    pub accrue_fees_secs: u64,
    pub apply_changes: bool,
    pub max_trades_per_tick: u64,
    pub max_trade_value: u64,
    pub slippage_bps: u64,
    pub priority_fee: u64,
    pub max_priority_fee: u64,
    pub compute_unit_limit: u64,
    pub max_retries: u64,
    pub backoff_ms: u64,
    pub backoff_max_ms: u64,
    pub confirm_timeout_secs: u64,
    pub rpc_timeout_secs: u64,
    pub sim_step_secs: u64,
    /// Mint → the keeper's token account for it (file only).
    pub token_accounts: BTreeMap<Pubkey, Pubkey>,
    pub max_impact_bps: u64,
    pub min_profit: u64,
    pub sol_price: u64,
    /// A leg's mint → its market on the venue (file only).
    pub markets: BTreeMap<Pubkey, Pubkey>,
    /// Where each option's value came from.
    pub sources: BTreeMap<&'static str, Source>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Help,
    Version,
    Run(Box<Config>),
}

/// `--help`.
pub fn help() -> String {
    let mut s = String::from(
        "rpv-keeper — keeper of the risk-parity vault: refresh, risk-budget weights, rebalancing and
settlement cranks; every transaction is simulated first and sent only if the simulation succeeds.

usage: rpv-keeper [OPTIONS]
       rpv-keeper --embedded [OPTIONS]     (sandbox vault on an embedded SVM, no cluster needed)

Precedence: flags > environment (RPV_KEEPER_*) > config file > defaults.

options:
",
    );
    for o in OPTIONS {
        let head = format!("  {} {}", o.flag(), o.kind.placeholder());
        s += &format!("{head:<34} {}\n", o.help);
        let mut tail = format!("{:34} env {}", "", o.env());
        if let Some(d) = o.default {
            tail += &format!("; default {}", if d.is_empty() { "\"\"" } else { d });
        }
        s += &tail;
        s.push('\n');
    }
    s += "  -h, --help                         this help\n  -V, --version                      version\n\n";
    s += "config file only:\n  [token_accounts]                   \"<mint>\" = \"<token account>\": the keeper's account for a mint\n";
    s += "                                     (default: its associated token account)\n";
    s += "  [markets]                          \"<mint>\" = \"<market>\": the leg's Manifest market, for flash\n";
    s += "                                     rebalances when the keeper lacks the inventory\n";
    s
}

fn spec(key: &str) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|o| o.key == key)
}

/// Option values from the command line: key → (the flag as written, value).
type Flags = BTreeMap<&'static str, (String, String)>;

/// Parses the command line (without the program name) into option values by key, or the
/// `--help` / `--version` request.
fn parse_flags(args: &[String]) -> Result<Result<Flags, Parsed>, String> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "-h" | "--help" => return Ok(Err(Parsed::Help)),
            "-V" | "--version" => return Ok(Err(Parsed::Version)),
            _ => {}
        }
        let Some(body) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument `{a}` (options start with --; see --help)"));
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let key = name.replace('-', "_");
        let o = spec(&key).ok_or_else(|| format!("unknown option `--{name}` (see --help)"))?;
        let value = match (inline, o.kind) {
            (Some(v), _) => v,
            (None, Kind::Bool) => {
                // `--flag` alone, or `--flag true|false`
                match args.get(i + 1).map(|s| s.as_str()) {
                    Some(v @ ("true" | "false")) => {
                        i += 1;
                        v.to_string()
                    }
                    _ => "true".to_string(),
                }
            }
            (None, _) => {
                i += 1;
                args.get(i).cloned().ok_or_else(|| format!("{} needs a value ({})", o.flag(), o.kind.placeholder()))?
            }
        };
        out.insert(o.key, (o.flag(), value));
        i += 1;
    }
    Ok(Ok(out))
}

fn toml_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

struct FileValues {
    path: PathBuf,
    values: BTreeMap<&'static str, String>,
    token_accounts: BTreeMap<Pubkey, Pubkey>,
    markets: BTreeMap<Pubkey, Pubkey>,
}

fn load_file(path: &Path) -> Result<FileValues, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("config file {}: {}", path.display(), one_line(&e.to_string())))?;
    let mut values = BTreeMap::new();
    let mut token_accounts = BTreeMap::new();
    let mut markets = BTreeMap::new();
    for (k, v) in &table {
        if k == "token_accounts" || k == "markets" {
            let into = if k == "markets" { &mut markets } else { &mut token_accounts };
            let t = v.as_table().ok_or_else(|| format!("config file {}: {k} must be a table", path.display()))?;
            for (mint, acct) in t {
                let m = Pubkey::from_str(mint)
                    .map_err(|_| format!("config file {}: {k}: `{mint}` is not a pubkey", path.display()))?;
                let a = acct
                    .as_str()
                    .and_then(|s| Pubkey::from_str(s).ok())
                    .ok_or_else(|| format!("config file {}: {k}.{mint}: expected a pubkey string", path.display()))?;
                into.insert(m, a);
            }
            continue;
        }
        let o = spec(k)
            .filter(|o| o.key != "config")
            .ok_or_else(|| format!("config file {}: unknown key `{k}`", path.display()))?;
        let text = toml_text(v)
            .ok_or_else(|| format!("config file {}: `{k}` must be a string, number or boolean", path.display()))?;
        values.insert(o.key, text);
    }
    Ok(FileValues { path: path.to_path_buf(), values, token_accounts, markets })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn parse_commitment(s: &str) -> Option<CommitmentLevel> {
    match s {
        "processed" => Some(CommitmentLevel::Processed),
        "confirmed" => Some(CommitmentLevel::Confirmed),
        "finalized" => Some(CommitmentLevel::Finalized),
        _ => None,
    }
}

/// Resolved raw values: text and source per key.
struct Raw(BTreeMap<&'static str, (String, Source)>);

impl Raw {
    fn get(&self, key: &str) -> Option<&(String, Source)> {
        self.0.get(key)
    }

    fn bad(&self, key: &str, what: &str) -> String {
        let (v, src) = &self.0[key];
        let o = spec(key).expect("known key");
        let at = match src {
            Source::Default => format!("default of {}", o.flag()),
            Source::File(p) => format!("`{key}` in {}", p.display()),
            Source::Env(e) => e.clone(),
            Source::Flag(f) => f.clone(),
        };
        format!("{at}: expected {what}, got `{v}`")
    }

    fn number(&self, key: &str) -> Result<Option<u64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some((v, _)) => v.trim().parse::<u64>().map(Some).map_err(|_| self.bad(key, "a whole number")),
        }
    }

    fn num(&self, key: &str) -> Result<u64, String> {
        self.number(key).map(|v| v.unwrap_or(0))
    }

    fn boolean(&self, key: &str) -> Result<bool, String> {
        match self.get(key) {
            None => Ok(false),
            Some((v, _)) => parse_bool(v).ok_or_else(|| self.bad(key, "true or false")),
        }
    }

    fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(|(v, _)| v.clone())
    }
}

impl Config {
    /// Resolves the configuration from command-line `args` (without the program name) and the
    /// environment `env` (a lookup, so tests need not touch the process environment).
    pub fn resolve(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Parsed, String> {
        let flags = match parse_flags(args)? {
            Ok(f) => f,
            Err(p) => return Ok(p),
        };
        let config_path = match (flags.get("config"), env("RPV_KEEPER_CONFIG")) {
            (Some((_, v)), _) => Some(expand_home(v)),
            (None, Some(v)) if !v.is_empty() => Some(expand_home(&v)),
            _ => None,
        };
        let file = config_path.as_deref().map(load_file).transpose()?;
        let mut raw = BTreeMap::new();
        for o in OPTIONS {
            let env_name = o.env();
            let value = if let Some((flag, v)) = flags.get(o.key) {
                Some((v.clone(), Source::Flag(flag.clone())))
            } else if let Some(v) = env(&env_name) {
                Some((v, Source::Env(env_name)))
            } else if let Some(v) = file.as_ref().and_then(|f| f.values.get(o.key)) {
                Some((v.clone(), Source::File(file.as_ref().expect("file").path.clone())))
            } else {
                o.default.map(|d| (d.to_string(), Source::Default))
            };
            if let Some(v) = value {
                raw.insert(o.key, v);
            }
        }
        let raw = Raw(raw);

        let rpc_url = raw.text("rpc_url").unwrap_or_default();
        let embedded = raw.boolean("embedded")?;
        if !embedded {
            rpv_sdk::chain::check_url(&rpc_url).map_err(|e| match &raw.get("rpc_url").expect("has default").1 {
                Source::Default => e,
                src => format!("{src}: {e}"),
            })?;
        }
        let vault = match raw.text("vault").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(Pubkey::from_str(v.trim()).map_err(|_| raw.bad("vault", "a base58 pubkey"))?),
        };
        let commitment = parse_commitment(&raw.text("commitment").unwrap_or_default())
            .ok_or_else(|| raw.bad("commitment", "processed, confirmed or finalized"))?;
        let log_level = Level::parse(&raw.text("log_level").unwrap_or_default())
            .ok_or_else(|| raw.bad("log_level", "debug, info, warn or error"))?;
        let program = raw.text("program").map(|p| expand_home(&p)).unwrap_or_else(rpv_sdk::svm::default_program_path);
        let metrics_file = raw.text("metrics_file").filter(|p| !p.is_empty()).map(|p| expand_home(&p));
        let interval_secs = raw.number("interval_secs")?.unwrap_or(if embedded { 1 } else { 30 });
        let bps = raw.num("slippage_bps")?;
        if bps > 10_000 {
            return Err(raw.bad("slippage_bps", "at most 10000"));
        }
        let sources = raw.0.iter().map(|(k, (_, s))| (*k, s.clone())).collect();
        Ok(Parsed::Run(Box::new(Config {
            config_file: config_path,
            rpc_url,
            embedded,
            program,
            keypair: expand_home(&raw.text("keypair").unwrap_or_else(|| DEFAULT_KEYPAIR.into())),
            vault,
            commitment,
            interval_secs,
            ticks: raw.num("ticks")?,
            dry_run: raw.boolean("dry_run")?,
            metrics_file,
            http_port: u16::try_from(raw.num("http_port")?)
                .map_err(|_| raw.bad("http_port", "a port (0 ..= 65535)"))?,
            log_level,
            refresh_age_secs: raw.num("refresh_age_secs")?,
            submit_weights: raw.boolean("submit_weights")?,
            rebalance: raw.boolean("rebalance")?,
            settle: raw.boolean("settle")?,
            settle_requests: raw.boolean("settle_requests")?,
            accrue_fees_secs: raw.num("accrue_fees_secs")?,
            apply_changes: raw.boolean("apply_changes")?,
            max_trades_per_tick: raw.num("max_trades_per_tick")?,
            max_trade_value: raw.num("max_trade_value")?,
            slippage_bps: bps,
            priority_fee: raw.num("priority_fee")?,
            max_priority_fee: raw.num("max_priority_fee")?,
            compute_unit_limit: raw.num("compute_unit_limit")?.min(1_400_000),
            max_retries: raw.num("max_retries")?,
            backoff_ms: raw.num("backoff_ms")?,
            backoff_max_ms: raw.num("backoff_max_ms")?,
            confirm_timeout_secs: raw.num("confirm_timeout_secs")?,
            rpc_timeout_secs: raw.num("rpc_timeout_secs")?.max(1),
            sim_step_secs: raw.num("sim_step_secs")?,
            max_impact_bps: raw.num("max_impact_bps")?,
            min_profit: raw.num("min_profit")?,
            sol_price: raw.num("sol_price")?,
            token_accounts: file.as_ref().map(|f| f.token_accounts.clone()).unwrap_or_default(),
            markets: file.map(|f| f.markets).unwrap_or_default(),
            sources,
        })))
    }

    /// Where `key`'s value came from (`None`: unset).
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.sources.get(key)
    }

    /// The defaults (no flags, no environment, no file).
    pub fn defaults() -> Self {
        match Self::resolve(&[], &|_| None) {
            Ok(Parsed::Run(c)) => *c,
            other => unreachable!("the defaults resolve: {other:?}"),
        }
    }

    /// The keeper's settings for `vault`.
    pub fn settings(&self, vault: Pubkey) -> Settings {
        Settings {
            vault,
            dry_run: self.dry_run,
            refresh_age_secs: self.refresh_age_secs,
            submit_weights: self.submit_weights,
            rebalance: self.rebalance,
            settle: self.settle,
            settle_requests: self.settle_requests,
            accrue_fees_secs: self.accrue_fees_secs,
            apply_changes: self.apply_changes,
            max_trades_per_tick: self.max_trades_per_tick.min(u64::from(u32::MAX)) as u32,
            max_trade_value: self.max_trade_value,
            slippage_bps: self.slippage_bps,
            priority_fee: self.priority_fee,
            max_priority_fee: self.max_priority_fee,
            compute_unit_limit: self.compute_unit_limit as u32,
            max_retries: self.max_retries.min(64) as u32,
            backoff: Duration::from_millis(self.backoff_ms),
            backoff_max: Duration::from_millis(self.backoff_max_ms.max(self.backoff_ms)),
            confirm_timeout: Duration::from_secs(self.confirm_timeout_secs),
            token_accounts: self.token_accounts.clone(),
            markets: self.markets.clone(),
            max_impact_bps: self.max_impact_bps,
            min_profit: self.min_profit,
            sol_price: self.sol_price,
            metrics_file: self.metrics_file.clone(),
        }
    }
}
