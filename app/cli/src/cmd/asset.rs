//! `rpv asset propose --config FILE --symbol SYM` and `rpv asset add`: registering an asset or
//! option series once the vault has outside shares. Under a timelock that needs a public
//! registration proposal (`propose_change`, kind `registration`) the guardian may cancel, then,
//! from its eta, the admin's `add_asset` / `add_option` with exactly the proposed accounts and
//! arguments, which consumes it (`ix::register`).

use std::{fmt, path::PathBuf};

use rpv_sdk::{
    ix::{self, ConfigChange, ProposalKind},
    pda, pk, Pubkey,
};
use serde::Serialize;
use solana_signer::Signer;

use super::{
    apply_change::matured,
    init::{asset_program, propose, registration_step, svm_asset},
    on_chain, steps_text, Conn, Step, Target, VaultArg,
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
    match command {
        Command::Propose(a) => run_propose(target, a),
        Command::Add(a) => run_add(target, a),
    }
}

fn run_propose(target: &Target, args: ProposeArgs) -> Result<AssetReport, String> {
    let cfg = config::load(&args.config)?;
    let i = cfg.assets.iter().position(|a| a.symbol == args.symbol);
    let i =
        i.ok_or_else(|| format!("{} has no [[assets]] entry with symbol {}", args.config.display(), args.symbol))?;
    on_chain(target, false, |conn, admin| {
        let (vault, l) = admin_vault(conn, &args.vault, &admin.pubkey())?;
        if i != usize::from(l.vault.num_assets) {
            return Err(format!(
                "the vault has {} assets; {} is entry {i} of the file: entries are registered in order",
                l.vault.num_assets, args.symbol
            ));
        }
        let mut a = cfg.assets[i].clone();
        if let Some(svm) = conn.ledger() {
            svm_asset(svm, &mut a)?;
        }
        let mint = a.mint.ok_or_else(|| format!("asset {}: mint is required", a.symbol))?;
        let oracle = a.oracle.ok_or_else(|| format!("asset {}: oracle is required", a.symbol))?;
        let r = a.registration(&mint, &asset_program(conn, &a, &mint)?, &oracle, l.clock.unix_timestamp);
        let mut steps = vec![];
        let p = propose(conn, &mut steps, admin, &vault, &ConfigChange::Registration(r))?;
        Ok(report("propose_change", &vault, l.vault.num_assets, &r, p.eta, steps))
    })
}

fn run_add(target: &Target, args: AddArgs) -> Result<AssetReport, String> {
    on_chain(target, false, |conn, admin| {
        let (vault, l) = admin_vault(conn, &args.vault, &admin.pubkey())?;
        let p = matured(conn, &l, ProposalKind::Registration)?;
        let ConfigChange::Registration(r) = p.change else { return Err("the proposal is not a registration".into()) };
        let mut steps = vec![];
        let what = registration_step(&r);
        conn.send(&mut steps, what, &[ix::register(&admin.pubkey(), &vault, &r)], &[admin])?;
        Ok(report(what, &vault, l.vault.num_assets, &r, p.eta, steps))
    })
}

/// The vault of `--vault`, fetched, with `admin` as its admin.
fn admin_vault(
    conn: &mut Conn,
    arg: &VaultArg,
    admin: &Pubkey,
) -> Result<(Pubkey, rpv_sdk::client::VaultView), String> {
    let vault = arg.get(conn)?;
    let l = conn.fetch(&vault)?;
    if l.vault.admin != admin.to_bytes() {
        return Err(format!("{admin} is not the admin of {vault}: sign with its admin's keypair (--keypair)"));
    }
    Ok((vault, l))
}

fn report(
    action: &'static str,
    vault: &Pubkey,
    index: u8,
    r: &ix::Registration,
    eta: i64,
    transactions: Vec<Step>,
) -> AssetReport {
    AssetReport {
        action,
        vault: vault.to_string(),
        index,
        mint: pk(&r.mint).to_string(),
        oracle: pk(&r.oracle).to_string(),
        kind: r.series.map_or("spot", |s| s.kind.name()),
        proposal: pda::proposal(vault, ProposalKind::Registration).0.to_string(),
        eta,
        transactions,
    }
}

impl fmt::Display for AssetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, next) = match self.action {
            "propose_change" => ("proposed registering", format!(" from {}: then `rpv asset add`", self.eta)),
            _ => ("registered", String::new()),
        };
        write!(
            f,
            "{what} {} {} as asset {} of {} (oracle {}){next}{}",
            self.kind,
            self.mint,
            self.index,
            self.vault,
            self.oracle,
            steps_text(&self.transactions)
        )
    }
}
