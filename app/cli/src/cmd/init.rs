//! `rpv init --config FILE`: a vault from its configuration file, skipping what is already on
//! chain (so a run that stopped half-way can be repeated).

use std::{fmt, path::PathBuf};

use rpv_core::risk_account::{read_option_params, read_risk_params};
use rpv_sdk::{
    ata,
    chain::Ledger,
    ix::{self, ConfigChange, InitializeVaultArgs, Registration, RiskParams},
    pda, pk, Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{on_chain, refresh_if_stale, steps_text, Conn, Step, Target};
use crate::config::{self, AssetConfig, VaultConfig};

/// Initialises a vault from a configuration file.
///
/// The file is documented in examples/vault.toml. Steps:
/// initialize_vault (seed deposit, fees, timelock, allowlist), risk, rebalancing and option
/// parameters, every asset and option series, allowlisted depositors, then a first refresh.
/// The signer is the admin. Steps already on chain are skipped, so an interrupted run can be
/// repeated. Under a timelock, parameters that raise risk are proposed instead (apply them
/// with `rpv apply-change` once the timelock has passed). With --svm the mints and oracles are
/// created (mint and oracle addresses in the file are ignored; each asset needs `svm.price`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The vault configuration (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct InitReport {
    pub vault: String,
    pub admin: String,
    pub base_mint: String,
    pub base_token_program: String,
    pub share_mint: String,
    pub risk: String,
    pub authority: String,
    pub assets: Vec<AssetRow>,
    pub transactions: Vec<Step>,
    pub pending_changes: Vec<Pending>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AssetRow {
    pub index: usize,
    pub symbol: String,
    pub mint: String,
    pub oracle: String,
    /// `spot`, `call` or `put`.
    pub kind: &'static str,
    pub budget_ppb: u64,
}

/// A change waiting for the timelock.
#[derive(Debug, Serialize)]
pub struct Pending {
    /// The proposal kind's name (`rpv apply-change --kind`).
    pub kind: &'static str,
    pub proposal: String,
    pub eta: i64,
}

pub fn run(target: &Target, args: Args) -> Result<InitReport, String> {
    let cfg = config::load(&args.config)?;
    if !target.svm && target.url.is_some() {
        cfg.check_cluster_addresses()?;
    }
    on_chain(target, true, |conn, signer| {
        let cfg = if target.svm { svm_prepare(conn, &cfg, &signer.pubkey())? } else { cfg.clone() };
        init(conn, &cfg, signer)
    })
}

/// Fills in the addresses `--svm` creates: the base mint, each asset's mint and oracle; and
/// funds the admin's seed deposit.
pub fn svm_prepare(conn: &mut Conn, cfg: &VaultConfig, admin: &Pubkey) -> Result<VaultConfig, String> {
    cfg.check_svm_prices()?;
    let svm = conn.ledger().ok_or("internal: not an SVM target")?;
    let mut out = cfg.clone();
    let base_program = cfg.base_token_program.unwrap_or(TOKEN_PROGRAM_ID);
    let base = svm.create_mint("base", cfg.base_decimals, &base_program)?;
    out.base_mint = Some(base);
    out.base_token_program = Some(base_program);
    for a in out.assets.iter_mut() {
        svm_asset(svm, a)?;
    }
    svm.fund(admin, &base, cfg.init.seed_deposit)?;
    Ok(out)
}

/// `--svm`: creates asset `a`'s mint and oracle and fills in their addresses.
pub fn svm_asset(svm: &mut Ledger, a: &mut AssetConfig) -> Result<(), String> {
    let program = a.token_program.unwrap_or(TOKEN_PROGRAM_ID);
    a.mint = Some(svm.create_mint(&a.symbol, a.decimals, &program)?);
    a.token_program = Some(program);
    svm_oracle(svm, a)
}

/// `--svm`: creates a new oracle for asset `a` (its `svm.price`) and fills in its address.
pub fn svm_oracle(svm: &mut Ledger, a: &mut AssetConfig) -> Result<(), String> {
    let price = a.svm_price.ok_or_else(|| format!("asset {}: --svm needs `svm = {{ price = … }}`", a.symbol))?;
    a.oracle = Some(svm.create_oracle(&a.symbol, a.args.oracle_kind, a.args.feed_id, price, a.svm_conf_bps)?);
    Ok(())
}

/// Proposes `change` (admin `admin` of `vault`), unless the same change is already pending:
/// the pending change, waiting for the timelock.
pub fn propose(
    conn: &mut Conn,
    steps: &mut Vec<Step>,
    admin: &Keypair,
    vault: &Pubkey,
    change: &ConfigChange,
) -> Result<Pending, String> {
    let kind = change.kind().name();
    let key = pda::proposal(vault, change.kind()).0;
    if let Some(acct) = conn.account(&key)? {
        let p = ix::decode_proposal(&acct.data).ok_or_else(|| format!("{key} is not a proposal account"))?;
        if p.change != *change {
            return Err(format!(
                "a different {kind} change is already pending (eta {}); cancel it first (cancel_change)",
                p.eta
            ));
        }
    } else {
        let ix = ix::propose_change(&admin.pubkey(), vault, change);
        conn.send(steps, &format!("propose_change ({kind})"), &[ix], &[admin])?;
    }
    let acct = conn.account(&key)?.ok_or("the proposal was not created")?;
    let p = ix::decode_proposal(&acct.data).ok_or("the proposal does not decode")?;
    Ok(Pending { kind, proposal: key.to_string(), eta: p.eta })
}

/// Asset `a`'s token program: the configured one, else its mint's owner.
pub fn asset_program(conn: &mut Conn, a: &AssetConfig, mint: &Pubkey) -> Result<Pubkey, String> {
    match a.token_program {
        Some(p) => Ok(p),
        None => Ok(conn.account(mint)?.ok_or_else(|| format!("asset {}: mint {mint} does not exist", a.symbol))?.owner),
    }
}

/// The instruction a registration is sent as: `add_asset` or `add_option`.
pub fn registration_step(r: &Registration) -> &'static str {
    if r.series.is_some() {
        "add_option"
    } else {
        "add_asset"
    }
}

/// What `init` is sending, for one vault.
struct Ctx<'a> {
    admin: &'a Keypair,
    vault: Pubkey,
    steps: Vec<Step>,
    pending: Vec<Pending>,
}

impl Ctx<'_> {
    /// Sends `set` at once, or — under a timelock when the change raises risk — proposes `change`
    /// (unless the same change is already pending).
    fn set_or_propose(
        &mut self,
        conn: &mut Conn,
        propose: bool,
        label: &str,
        set: Instruction,
        change: ConfigChange,
    ) -> Result<(), String> {
        if !propose {
            return conn.send(&mut self.steps, label, &[set], &[self.admin]).map(|_| ());
        }
        let pending = self::propose(conn, &mut self.steps, self.admin, &self.vault, &change)?;
        self.pending.push(pending);
        Ok(())
    }
}

/// Everything the configuration asks for, skipping what is already on chain.
pub fn init(conn: &mut Conn, cfg: &VaultConfig, admin: &Keypair) -> Result<InitReport, String> {
    let admin_key = admin.pubkey();
    let base_mint = cfg.base_mint.ok_or("vault.base_mint is required")?;
    let mint_account = conn.account(&base_mint)?.ok_or_else(|| format!("base mint {base_mint} does not exist"))?;
    let base_program = mint_account.owner;
    if cfg.base_token_program.is_some_and(|p| p != base_program) {
        return Err(format!("base mint {base_mint} is owned by {base_program}, not the configured token program"));
    }
    let (vault_key, _) = pda::vault(&admin_key, cfg.init.vault_id);
    let mut ctx = Ctx { admin, vault: vault_key, steps: vec![], pending: vec![] };
    let mut warnings: Vec<String> = vec![];

    // 1. the vault
    if conn.account(&vault_key)?.is_none() {
        let (create, admin_base) = ata::create_idempotent(&admin_key, &admin_key, &base_mint, &base_program);
        let have = conn.balance(&admin_base)?;
        if have < cfg.init.seed_deposit {
            return Err(format!(
                "the admin's base token account {admin_base} holds {have} base units; the seed deposit needs {}: fund it first",
                cfg.init.seed_deposit
            ));
        }
        let args = InitializeVaultArgs { fee_recipient: cfg.fee_recipient.unwrap_or(admin_key), ..cfg.init };
        let init = ix::initialize_vault(&admin_key, &base_mint, &base_program, &admin_base, args);
        conn.send(&mut ctx.steps, "initialize_vault", &[create, init], &[admin])?;
    } else {
        warnings.push(format!("vault {vault_key} already exists: continuing from its state"));
    }
    let mut l = conn.fetch(&vault_key)?;
    if l.vault.admin != admin_key.to_bytes() {
        return Err(format!("vault {vault_key} has another admin: sign with its admin's keypair (--keypair)"));
    }
    if l.vault.base_mint != base_mint.to_bytes() {
        return Err(format!("vault {vault_key} has another base mint: give the configuration another vault id"));
    }

    // 2. risk, rebalancing and option parameters: at once, or proposed under a timelock when
    // they raise risk
    let timelocked = l.vault.timelock_secs > 0;
    if cfg.risk != RiskParams::default() || !timelocked {
        let raise = timelocked && cfg.risk.raises_risk(&read_risk_params(&l.vault, &l.risk));
        let set = ix::set_risk_params(&admin_key, &vault_key, cfg.risk);
        ctx.set_or_propose(conn, raise, "set_risk_params", set, ConfigChange::RiskParams(cfg.risk))?;
    }
    let r = cfg.rebalance;
    if r != l.risk.rebalance {
        let raise = timelocked && r.raises_risk(&l.risk.rebalance);
        let set = ix::set_rebalance_params(&admin_key, &vault_key, r);
        ctx.set_or_propose(conn, raise, "set_rebalance_params", set, ConfigChange::Rebalance(r))?;
    }
    if let Some(o) = cfg.options {
        let current = read_option_params(&l.vault, &l.risk);
        if o != current {
            let raise = timelocked && o.raises_risk(&current);
            let set = ix::set_option_params(&admin_key, &vault_key, o);
            ctx.set_or_propose(conn, raise, "set_option_params", set, ConfigChange::OptionParams(o))?;
        }
    }

    // 3. assets, in order
    l = conn.fetch(&vault_key)?;
    let now = l.clock.unix_timestamp;
    let registered = usize::from(l.vault.num_assets);
    if registered > cfg.assets.len() {
        return Err(format!("vault {vault_key} has {registered} assets, the configuration {}", cfg.assets.len()));
    }
    let mut assets = vec![];
    for (i, a) in cfg.assets.iter().enumerate() {
        let mint = a.mint.ok_or_else(|| format!("asset {}: mint is required", a.symbol))?;
        let oracle = a.oracle.ok_or_else(|| format!("asset {}: oracle is required", a.symbol))?;
        if i < registered && l.vault.assets[i].mint != mint.to_bytes() {
            return Err(format!(
                "vault {vault_key} registered {} as asset {i}, the configuration {} ({mint}): assets are added in order",
                pk(&l.vault.assets[i].mint),
                a.symbol
            ));
        }
        if i >= registered {
            let r = a.registration(&mint, &asset_program(conn, a, &mint)?, &oracle, now);
            let ix = ix::register(&admin_key, &vault_key, &r);
            conn.send(&mut ctx.steps, &format!("{} {}", registration_step(&r), a.symbol), &[ix], &[admin])?;
        }
        assets.push(AssetRow {
            index: i,
            symbol: a.symbol.clone(),
            mint: mint.to_string(),
            oracle: oracle.to_string(),
            kind: a.option.as_ref().map_or("spot", |o| o.kind.name()),
            budget_ppb: a.args.risk_budget,
        });
    }

    // 4. depositors
    for d in &cfg.depositors {
        if conn.account(&pda::allow_entry(&vault_key, d).0)?.is_none() {
            let ix = ix::set_depositor(&admin_key, &vault_key, d, true);
            conn.send(&mut ctx.steps, &format!("set_depositor {d}"), &[ix], &[admin])?;
        }
    }

    // 5. a first refresh, so deposits can start
    l = conn.fetch(&vault_key)?;
    if l.vault.num_assets > 0 {
        let is_svm = conn.ledger().is_some();
        match refresh_if_stale(conn, &mut l, admin, &mut ctx.steps) {
            Ok(_) => {}
            Err(e) if !is_svm => warnings.push(format!("{e} (deposits wait for a keeper's refresh)")),
            Err(e) => return Err(e),
        }
    }
    if let Some(ledger) = conn.ledger() {
        ledger.record_vault(&vault_key);
    }
    Ok(InitReport {
        vault: vault_key.to_string(),
        admin: admin_key.to_string(),
        base_mint: base_mint.to_string(),
        base_token_program: base_program.to_string(),
        share_mint: pda::share_mint(&vault_key).0.to_string(),
        risk: pda::risk(&vault_key).0.to_string(),
        authority: pda::authority(&vault_key).0.to_string(),
        assets,
        transactions: ctx.steps,
        pending_changes: ctx.pending,
        warnings,
    })
}

impl fmt::Display for InitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vault {}\n  admin {}\n  base mint {}\n  share mint {}",
            self.vault, self.admin, self.base_mint, self.share_mint
        )?;
        for a in &self.assets {
            let budget = a.budget_ppb as f64 / 1e9;
            write!(
                f,
                "\n  asset {} {} ({}): mint {}, oracle {}, budget {budget:.4}",
                a.index, a.symbol, a.kind, a.mint, a.oracle
            )?;
        }
        write!(f, "{}", steps_text(&self.transactions))?;
        for p in &self.pending_changes {
            write!(
                f,
                "\n  pending {} change until {} (timelock): then `rpv apply-change --vault {} --kind {}`",
                p.kind, p.eta, self.vault, p.kind
            )?;
        }
        self.warnings.iter().try_for_each(|w| write!(f, "\n  note: {w}"))
    }
}
