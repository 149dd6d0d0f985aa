//! `rpv asset propose --config FILE --symbol SYM` and `rpv asset add`: registering an asset or
//! option series once the vault has outside shares. Under a timelock that needs a public
//! registration proposal (`propose_change`, kind `registration`) the guardian may cancel, then,
//! from its eta, the admin's `add_asset` / `add_option` with exactly the proposed accounts and
//! arguments, which consumes it (`ix::register`).

use std::{fmt, path::PathBuf};

use rpv_sdk::{
    client::VaultView,
    ix::{self, ConfigChange, ProposalKind, Registration},
    pda, pk,
};
use serde::Serialize;
use solana_signer::Signer;

use super::{
    apply_change::matured,
    init::{asset_program, propose, registration_step, svm_asset},
    on_chain, steps_text, Step, Target, VaultArg,
};
use crate::config;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Proposes registering an `[[assets]]` entry of a configuration file (the admin signs;
    /// entries are registered in the file's order). With --svm its mint and oracle are created.
    Propose(ProposeArgs),
    /// Registers the pending proposal's asset or series once its eta has passed (the admin signs).
    Add(AddArgs),
}

#[derive(clap::Args, Debug)]
pub struct ProposeArgs {
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

#[derive(Debug, Serialize)]
pub struct AssetReport {
    /// `propose_change`, `add_asset` or `add_option`.
    pub action: &'static str,
    pub vault: String,
    /// The slot the asset takes (its index in the registry).
    pub index: u8,
    pub mint: String,
    pub oracle: String,
    /// `spot`, `call` or `put`.
    pub kind: &'static str,
    pub proposal: String,
    /// When the proposal can be consumed (unix seconds).
    pub eta: i64,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, command: Command) -> Result<AssetReport, String> {
    on_chain(target, false, |conn, admin| match command {
        Command::Propose(args) => {
            let cfg = config::load(&args.config)?;
            let vault = args.vault.get(conn)?;
            let (l, mut steps) = (conn.fetch(&vault)?, vec![]);
            let i = cfg.assets.iter().position(|a| a.symbol == args.symbol).ok_or_else(|| {
                format!("{} has no [[assets]] entry with symbol {}", args.config.display(), args.symbol)
            })?;
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
            Ok(AssetReport::of("propose_change", &l, &r, p.eta, steps))
        }
        Command::Add(args) => {
            let vault = args.vault.get(conn)?;
            let (l, mut steps) = (conn.fetch(&vault)?, vec![]);
            let p = matured(conn, &l, ProposalKind::Registration)?;
            let ConfigChange::Registration(r) = p.change else { return Err("not a registration proposal".into()) };
            let what = registration_step(&r);
            conn.send(&mut steps, what, &[ix::register(&admin.pubkey(), &l.key, &r)], &[admin])?;
            Ok(AssetReport::of(what, &l, &r, p.eta, steps))
        }
    })
}

impl AssetReport {
    fn of(action: &'static str, l: &VaultView, r: &Registration, eta: i64, transactions: Vec<Step>) -> Self {
        AssetReport {
            action,
            vault: l.key.to_string(),
            index: l.vault.num_assets,
            mint: pk(&r.mint).to_string(),
            oracle: pk(&r.oracle).to_string(),
            kind: r.series.map_or("spot", |s| s.kind.name()),
            proposal: pda::proposal(&l.key, ProposalKind::Registration).0.to_string(),
            eta,
            transactions,
        }
    }
}

impl fmt::Display for AssetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (k, m, i, v) = (self.kind, &self.mint, self.index, &self.vault);
        match self.action {
            "propose_change" => write!(f, "proposed {k} {m} as asset {i} of {v}; `rpv asset add` from {}", self.eta)?,
            _ => write!(f, "registered {k} {m} as asset {i} of {v}")?,
        }
        write!(f, "{}", steps_text(&self.transactions))
    }
}
