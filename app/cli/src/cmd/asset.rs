//! `rpv asset propose|add|retire|set-oracle`: the registry after launch.
//!
//! - `propose --config FILE --symbol SYM`, then `add`: registering an asset or option series
//!   once the vault has outside shares. Under a timelock that needs a public registration
//!   proposal (`propose_change`, kind `registration`) the guardian may cancel, then, from its
//!   eta, the admin's `add_asset` / `add_option` with exactly the proposed accounts and
//!   arguments, which consumes it (`ix::register`).
//! - `retire (--symbol SYM | --index N)`: removes a slot holding nothing of value. A settled
//!   series goes at once (`retire_asset`, anyone signs); any other slot through the admin's
//!   `Retire` proposal (`rpv apply-change --kind retire` after the eta), proposed and applied
//!   at once when the vault has no timelock.
//! - `set-oracle --config FILE --symbol SYM`: the entry's oracle settings become the slot's
//!   price feed: `set_oracle` without a timelock, else an `OracleChange` proposal (`rpv
//!   apply-change --kind oracle` after the eta).

use std::{
    fmt,
    path::{Path, PathBuf},
};

use rpv_core::{
    engine::{
        retire::{retire_gate, Retirement},
        EngineError,
    },
    layout::AssetSlot,
};
use rpv_sdk::{
    client::VaultView,
    ix::{self, ConfigChange, OptionKind, ProposalKind, Registration},
    pda, pk,
};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{
    apply_change::matured,
    init::{asset_program, propose, registration_step, svm_asset, svm_oracle},
    labeller, on_chain, steps_text, Conn, Step, Target, VaultArg,
};
use crate::config;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Proposes registering an `[[assets]]` entry of a configuration file (the admin signs;
    /// entries are registered in the file's order). With --svm its mint and oracle are created.
    Propose(EntryArgs),
    /// Registers the pending proposal's asset or series once its eta has passed (the admin signs).
    Add(AddArgs),
    /// Retires an asset or series holding nothing of value: a settled series at once (anyone
    /// signs); any other through the timelock (the admin proposes; `rpv apply-change --kind
    /// retire` after the eta), at once when the vault has no timelock.
    Retire(RetireArgs),
    /// Gives an asset the price feed of its `[[assets]]` entry (oracle, oracle_kind, feed_id,
    /// oracle_queue, max_oracle_age, max_conf_bps; the admin signs): at once without a timelock,
    /// else proposed (`rpv apply-change --kind oracle` after the eta). With --svm a new oracle
    /// publishing the entry's `svm.price` is created.
    SetOracle(EntryArgs),
}

#[derive(clap::Args, Debug)]
pub struct EntryArgs {
    #[command(flatten)]
    pub vault: VaultArg,
    /// The vault configuration (TOML) holding the entry.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The entry's `symbol`.
    #[arg(long)]
    pub symbol: String,
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub vault: VaultArg,
}

#[derive(clap::Args, Debug)]
pub struct RetireArgs {
    #[command(flatten)]
    pub vault: VaultArg,
    #[command(flatten)]
    pub slot: SlotArg,
    /// A configuration whose `[[assets]]` entries name the mints of their symbols (for --symbol
    /// on a cluster).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `--symbol SYM` or `--index N`.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct SlotArg {
    /// The asset's symbol (the --svm state's, or the --config entry's).
    #[arg(long)]
    pub symbol: Option<String>,
    /// The asset's slot (`rpv show` lists them in order).
    #[arg(long)]
    pub index: Option<u8>,
}

#[derive(Debug, Serialize)]
pub struct AssetReport {
    /// The last instruction sent: `propose_change`, `add_asset`, `add_option`, `retire_asset`,
    /// `apply_change` or `set_oracle`.
    pub action: &'static str,
    /// `registration`, `retire` or `oracle` (the proposal kind's name).
    pub change: &'static str,
    pub vault: String,
    /// The slot the asset takes or has (its index in the registry).
    pub index: u8,
    pub mint: String,
    /// Its oracle (for `set-oracle`, the new one).
    pub oracle: String,
    /// `spot`, `call` or `put`.
    pub kind: &'static str,
    /// The proposal, when the change waits or waited for the timelock.
    pub proposal: Option<String>,
    /// When the proposal can be acted on (unix seconds).
    pub eta: Option<i64>,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, command: Command) -> Result<AssetReport, String> {
    on_chain(target, false, |conn, admin| {
        let mut steps = vec![];
        match command {
            Command::Propose(args) => {
                let (l, cfg) = (args.vault.fetch(conn)?, config::load(&args.config)?);
                let i = entry(&cfg, &args)?;
                if i != usize::from(l.vault.num_assets) {
                    let n = l.vault.num_assets;
                    return Err(format!(
                        "the vault has {n} assets, {} is entry {i}: entries are added in order",
                        args.symbol
                    ));
                }
                let mut a = cfg.assets[i].clone();
                if let Some(svm) = conn.ledger() {
                    svm_asset(svm, &mut a)?;
                }
                let mint = a.mint.ok_or_else(|| format!("asset {}: mint is required", a.symbol))?;
                let oracle = a.oracle.ok_or_else(|| format!("asset {}: oracle is required", a.symbol))?;
                let r = a.registration(&mint, &asset_program(conn, &a, &mint)?, &oracle, l.clock.unix_timestamp);
                let p = propose(conn, &mut steps, admin, &l.key, &ConfigChange::Registration(r))?;
                Ok(AssetReport::registration("propose_change", &l, &r, p.eta, steps))
            }
            Command::Add(args) => {
                let l = args.vault.fetch(conn)?;
                let p = matured(conn, &l, ProposalKind::Registration)?;
                let ConfigChange::Registration(r) = p.change else { return Err("not a registration proposal".into()) };
                let what = registration_step(&r);
                conn.send(&mut steps, what, &[ix::register(&admin.pubkey(), &l.key, &r)], &[admin])?;
                Ok(AssetReport::registration(what, &l, &r, p.eta, steps))
            }
            Command::Retire(args) => retire(conn, admin, &args),
            Command::SetOracle(args) => set_oracle(conn, admin, &args),
        }
    })
}

/// `rpv asset retire`: `retire_asset` for a settled series (`signer` may be anyone), else the
/// admin's `Retire` proposal (applied at once without a timelock).
fn retire(conn: &mut Conn, signer: &Keypair, args: &RetireArgs) -> Result<AssetReport, String> {
    let (l, mut steps) = (args.vault.fetch(conn)?, vec![]);
    let i = match (args.slot.index, &args.slot.symbol) {
        (Some(i), _) => usize::from(i),
        (None, sym) => slot_of(conn, &l, sym.as_deref().unwrap_or_default(), args.config.as_deref())?,
    };
    let s = *l.vault.active_assets().get(i).ok_or_else(|| {
        format!("vault {} has {} assets, no index {i} (`rpv show` lists them)", l.key, l.vault.num_assets)
    })?;
    let report = |action, eta, steps| AssetReport::slot(action, ProposalKind::Retire, &l, (i, &s), eta, steps);
    if retire_gate(&l.vault, i).map_err(|e| not_retirable(i, &s, e))? == Retirement::Open {
        let ix = ix::retire_asset(&signer.pubkey(), &l.key, i as u8);
        conn.send(&mut steps, "retire_asset", &[ix], &[signer])?;
        return Ok(report("retire_asset", None, steps));
    }
    let p = propose(conn, &mut steps, signer, &l.key, &ConfigChange::Retire { index: i as u8, mint: s.mint })?;
    if l.vault.timelock_secs > 0 {
        return Ok(report("propose_change", Some(p.eta), steps));
    }
    let apply = ix::apply_change(&l.key, &l.vault, ProposalKind::Retire, &signer.pubkey());
    conn.send(&mut steps, "apply_change (retire)", &[apply], &[signer])?;
    Ok(report("apply_change", None, steps))
}

/// `rpv asset set-oracle`: the entry's feed through `set_oracle`, or proposed under a timelock.
fn set_oracle(conn: &mut Conn, admin: &Keypair, args: &EntryArgs) -> Result<AssetReport, String> {
    let (l, cfg, mut steps) = (args.vault.fetch(conn)?, config::load(&args.config)?, vec![]);
    let mut a = cfg.assets[entry(&cfg, args)?].clone();
    let i = slot_of(conn, &l, &a.symbol, Some(&args.config))?;
    if let Some(svm) = conn.ledger() {
        svm_oracle(svm, &mut a)?;
    }
    let oracle = a.oracle.ok_or_else(|| format!("asset {}: oracle is required", a.symbol))?;
    let c = a.oracle_change(i as u8, &oracle);
    let mut s = l.vault.assets[i];
    let now = (s.oracle, s.oracle_kind, s.feed_id, s.max_oracle_age, s.max_conf_bps, s.oracle_queue);
    if now == (c.oracle, c.oracle_kind.code(), c.feed_id, c.max_oracle_age, c.max_conf_bps, c.oracle_queue) {
        let file = args.config.display();
        return Err(format!("asset {} already has these oracle settings: edit its entry in {file} first", a.symbol));
    }
    s.oracle = c.oracle;
    let (action, eta) = if l.vault.timelock_secs == 0 {
        conn.send(&mut steps, "set_oracle", &[ix::set_oracle(&admin.pubkey(), &l.key, &c)], &[admin])?;
        ("set_oracle", None)
    } else {
        ("propose_change", Some(propose(conn, &mut steps, admin, &l.key, &ConfigChange::OracleChange(c))?.eta))
    };
    Ok(AssetReport::slot(action, ProposalKind::OracleChange, &l, (i, &s), eta, steps))
}

/// The index of the `[[assets]]` entry `args.symbol`.
fn entry(cfg: &config::VaultConfig, args: &EntryArgs) -> Result<usize, String> {
    cfg.assets
        .iter()
        .position(|a| a.symbol == args.symbol)
        .ok_or_else(|| format!("{} has no [[assets]] entry with symbol {}", args.config.display(), args.symbol))
}

/// The slot of `l` holding the mint of `symbol` (the --svm state's mint of that symbol, or
/// `config`'s entry's).
fn slot_of(conn: &mut Conn, l: &VaultView, symbol: &str, config: Option<&Path>) -> Result<usize, String> {
    let label = labeller(conn, config)?;
    l.vault.active_assets().iter().position(|a| label(&pk(&a.mint)) == symbol).ok_or_else(|| {
        let hint =
            if config.is_some() { "the entry's mint is not registered" } else { "give --config FILE or --index N" };
        format!("vault {} has no asset {symbol} ({hint}; `rpv show` lists its assets)", l.key)
    })
}

/// Why slot `i` (`s`) cannot be retired, and what to do.
fn not_retirable(i: usize, s: &AssetSlot, e: EngineError) -> String {
    let why = match e {
        EngineError::AssetNotEmpty => {
            format!("it still holds {} units (only an empty slot or a worthless settled series can go)", s.quantity)
        }
        EngineError::AssetIsUnderlying => {
            "it is the underlying of a registered option series: retire that first".into()
        }
        EngineError::RebalanceInProgress => "a flash rebalance is open: try again once it has ended".into(),
        e => e.to_string(),
    };
    format!("asset {i} ({}) cannot be retired: {why}", pk(&s.mint))
}

impl AssetReport {
    /// A `change` of `l`: done, or proposed with eta `eta`; the asset's fields to fill in.
    fn new(
        action: &'static str,
        change: ProposalKind,
        l: &VaultView,
        eta: Option<i64>,
        transactions: Vec<Step>,
    ) -> Self {
        let (vault, proposal) = (l.key.to_string(), eta.map(|_| pda::proposal(&l.key, change).0.to_string()));
        let (mint, oracle) = (String::new(), String::new());
        AssetReport {
            action,
            change: change.name(),
            vault,
            index: 0,
            mint,
            oracle,
            kind: "spot",
            proposal,
            eta,
            transactions,
        }
    }

    /// A registration of `r` as the next slot of `l`, proposed or consumed (eta `eta`).
    fn registration(action: &'static str, l: &VaultView, r: &Registration, eta: i64, transactions: Vec<Step>) -> Self {
        AssetReport {
            index: l.vault.num_assets,
            mint: pk(&r.mint).to_string(),
            oracle: pk(&r.oracle).to_string(),
            kind: r.series.map_or("spot", |s| s.kind.name()),
            ..Self::new(action, ProposalKind::Registration, l, Some(eta), transactions)
        }
    }

    /// A `change` of slot `i` (`s`) of `l`: done, or proposed with eta `eta`.
    fn slot(
        action: &'static str,
        change: ProposalKind,
        l: &VaultView,
        (i, s): (usize, &AssetSlot),
        eta: Option<i64>,
        transactions: Vec<Step>,
    ) -> Self {
        AssetReport {
            index: i as u8,
            mint: pk(&s.mint).to_string(),
            oracle: pk(&s.oracle).to_string(),
            kind: OptionKind::from_slot_code(s.option.kind).map_or("spot", |k| k.name()),
            ..Self::new(action, change, l, eta, transactions)
        }
    }
}

impl fmt::Display for AssetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (k, m, i, v, o, c) = (self.kind, &self.mint, self.index, &self.vault, &self.oracle, self.change);
        let (proposed, done, what, next) = match ProposalKind::from_name(c) {
            Some(ProposalKind::Retire) => ("proposed retiring", "retired", format!("{k} asset {i} ({m}) of {v}"), ""),
            Some(ProposalKind::OracleChange) => {
                ("proposed", "set", format!("oracle {o} for {k} asset {i} ({m}) of {v}"), "")
            }
            _ => ("proposed", "registered", format!("{k} {m} as asset {i} of {v}"), "rpv asset add"),
        };
        let next = if next.is_empty() { format!("rpv apply-change --vault {v} --kind {c}") } else { next.to_string() };
        match self.eta.filter(|_| self.action == "propose_change") {
            Some(eta) => write!(f, "{proposed} {what}; `{next}` from {eta}")?,
            None => write!(f, "{done} {what}")?,
        }
        write!(f, "{}", steps_text(&self.transactions))
    }
}
