//! The command line: [`Cli`] (clap) and one module per command. Each command returns a typed
//! report (`serde::Serialize` + `Display`), printed as text or, with `--output json`, as JSON
//! (amounts in JSON are integers in the token's smallest units, with `decimals` alongside).
//!
//! This module also holds what the on-chain commands share: the target flags and the
//! [`Conn`] they open (an [`RpcChain`] or a [`Ledger`], both the SDK's [`Chain`]), fetching the
//! vault through the SDK's [`VaultClient`], sending a step, refreshing a stale risk state.

pub mod apply_change;
pub mod asset;
pub mod deposit;
pub mod flow_params;
pub mod init;
pub mod option;
pub mod redeem_in_kind;
pub mod request;
pub mod risk;
pub mod show;
pub mod to_base;
pub mod withdraw;

use std::{fmt::Display, path::PathBuf, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};
use rpv_core::math::{mul_div, Rounding};
use rpv_sdk::{
    chain::Ledger,
    chain::{self, cluster_url, Account, Chain, ChainError, CommitmentLevel, RpcChain},
    client::{FetchError, VaultClient, VaultView},
    ix,
    svm::default_program_path,
    Instruction, Pubkey,
};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// `rpv` — the operator command line of the risk-parity vault.
#[derive(Parser, Debug)]
#[command(
    name = "rpv",
    version,
    about = "The risk-parity vault's operator command line (demos and backtest: `rpv-lab`)",
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Output format (JSON amounts are integers in the token's smallest units).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Same as `--output json`.
    #[arg(long, global = true, hide = true)]
    pub json: bool,
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Init(init::Args),
    Deposit(deposit::Args),
    Withdraw(withdraw::Args),
    RedeemInKind(redeem_in_kind::Args),
    Requests(request::ListArgs),
    Claim(request::ClaimArgs),
    CancelRequest(request::CancelArgs),
    FlowParams(flow_params::Args),
    Show(show::Args),
    ApplyChange(apply_change::Args),
    /// The registry after launch: registering, retiring an asset, a new price feed (timelocked).
    #[command(subcommand)]
    Asset(asset::Command),
    /// Off-chain risk maths with the program's own fixed-point code.
    #[command(subcommand)]
    Risk(risk::Command),
    /// Off-chain option maths with the program's own fixed-point code.
    #[command(subcommand)]
    Option(option::Command),
}

/// Where the on-chain commands run: a cluster (`--url`) or an embedded SVM (`--svm`).
#[derive(clap::Args, Clone, Debug, Default)]
#[command(next_help_heading = "Target (--url URL or --svm)")]
pub struct Target {
    /// A cluster's JSON-RPC URL or moniker: mainnet-beta, devnet, testnet, localhost (or their
    /// first letter), as the Solana CLI takes them [default: the Solana CLI configuration's
    /// json_rpc_url, ~/.config/solana/cli/config.yml].
    #[arg(long, short = 'u', global = true, value_name = "URL_OR_MONIKER")]
    pub url: Option<String>,
    /// Signer and fee payer, Solana CLI JSON format [default: the Solana CLI configuration's
    /// keypair_path, else ~/.config/solana/id.json; with --svm the state's admin key, created by
    /// `rpv init --svm`]. Read-only commands (`show`) need none.
    #[arg(long, short = 'k', global = true, value_name = "FILE")]
    pub keypair: Option<PathBuf>,
    /// Commitment of reads and confirmations: processed, confirmed or finalized [default: the
    /// Solana CLI configuration's, else confirmed].
    #[arg(long, global = true, value_name = "LEVEL", value_parser = ["processed", "confirmed", "finalized"])]
    pub commitment: Option<String>,
    /// Priority fee of every transaction sent to a cluster: its compute-unit price,
    /// micro-lamports (as the Solana CLI's option of the same name).
    #[arg(long, global = true, value_name = "MICRO_LAMPORTS")]
    pub with_compute_unit_price: Option<u64>,
    /// An embedded SVM (litesvm) running the built program, for trying things out.
    #[arg(long, global = true)]
    pub svm: bool,
    /// With --svm: its ledger, kept between commands [default: .rpv-svm.json].
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --svm: the program [default: $RPV_PROGRAM_SO, else target/deploy/rpv_vault.so].
    #[arg(long, global = true, value_name = "SO")]
    pub program: Option<PathBuf>,
    /// With --svm: seconds the simulated clock moves before the command [default: 60].
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u32).range(..=365 * 86_400))]
    pub advance: Option<u32>,
}

impl Cli {
    /// Runs the command: the text to print, or a one-line error.
    pub fn run(self) -> Result<String, String> {
        let json = self.json || self.output == OutputFormat::Json;
        let t = &self.target;
        match self.command {
            Command::Init(a) => render(init::run(t, a)?, json),
            Command::Deposit(a) => render(deposit::run(t, a)?, json),
            Command::Withdraw(a) if a.to_base => render(to_base::run(t, a)?, json),
            Command::Withdraw(a) => render(withdraw::run(t, a)?, json),
            Command::RedeemInKind(a) => render(redeem_in_kind::run(t, a)?, json),
            Command::Requests(a) => render(request::list(t, a)?, json),
            Command::Claim(a) => render(request::act(t, request::Action::Claim, a.which)?, json),
            Command::CancelRequest(a) => render(request::act(t, request::Action::Cancel, a.which)?, json),
            Command::FlowParams(a) => render(flow_params::run(t, a)?, json),
            Command::Show(a) => render(show::run(t, a)?, json),
            Command::ApplyChange(a) => render(apply_change::run(t, a)?, json),
            Command::Asset(c) => render(asset::run(t, c)?, json),
            Command::Risk(risk::Command::Weights(a)) => render(risk::run(a)?, json),
            Command::Option(option::Command::Greeks(a)) => render(option::run(a)?, json),
        }
    }
}

fn render<R: Serialize + Display>(report: R, json: bool) -> Result<String, String> {
    Ok(if json { serde_json::to_string_pretty(&report).expect("a report serialises") } else { report.to_string() })
}

/// `--vault`: the vault's address.
#[derive(clap::Args, Debug)]
pub struct VaultArg {
    /// The vault [default with --svm: the last vault initialised in the state].
    #[arg(long, value_name = "ADDRESS")]
    pub vault: Option<Pubkey>,
}

impl VaultArg {
    /// The address, or (with `--svm`) the last vault initialised in the state.
    pub fn get(&self, conn: &mut Conn) -> Result<Pubkey, String> {
        self.vault
            .or_else(|| conn.ledger().and_then(|l| l.last_vault()))
            .ok_or_else(|| "needs --vault ADDRESS (the vault's address, as `rpv init` printed it)".to_string())
    }

    /// The vault ([`Self::get`]) as [`Conn::fetch`] reads it.
    pub fn fetch(&self, conn: &mut Conn) -> Result<VaultView, String> {
        let key = self.get(conn)?;
        conn.fetch(&key)
    }
}

/// `--shares X` or `--all`.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct SharesArg {
    /// Shares to burn, in whole shares (e.g. 12.5).
    #[arg(long, value_name = "SHARES")]
    pub shares: Option<String>,
    /// The whole share balance.
    #[arg(long)]
    pub all: bool,
}

impl SharesArg {
    /// The shares to burn out of a balance of `balance`.
    pub fn get(&self, balance: u64, decimals: u8) -> Result<u64, String> {
        let s = self.shares.as_deref().map_or(Ok(balance), |s| parse_amount(s, decimals, "--shares"))?;
        if s == 0 {
            return Err("no shares to redeem (the share balance is zero)".into());
        }
        if s > balance {
            return Err(format!(
                "the share account holds {} shares, fewer than {}",
                format_amount(balance, decimals),
                format_amount(s, decimals)
            ));
        }
        Ok(s)
    }
}

/// `--slippage-bps`: how far below the expected result to accept (when no minimum is given).
#[derive(clap::Args, Debug)]
pub struct Slippage {
    /// How far below the expected result to accept.
    #[arg(long, value_name = "BPS", default_value_t = 100, value_parser = clap::value_parser!(u16).range(..=10_000))]
    pub slippage_bps: u16,
}

impl Slippage {
    /// The least to accept: `given` (whole tokens, from the flag `flag`), else `expected` less
    /// the slippage.
    pub fn min(&self, given: Option<&str>, decimals: u8, flag: &str, expected: u64) -> Result<u64, String> {
        let below = mul_div(expected, 10_000 - u64::from(self.slippage_bps), 10_000, Rounding::Down);
        given.map_or(Ok(below.unwrap_or(0)), |m| parse_amount(m, decimals, flag))
    }
}

/// A decimal amount of a token with `decimals` decimals, in its smallest units, exactly
/// (`1.5` with 6 decimals is 1 500 000; more decimals than the token has is an error).
pub fn parse_amount(text: &str, decimals: u8, what: &str) -> Result<u64, String> {
    let bad = || format!("{what} `{text}` is not a decimal amount");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    if frac.len() > usize::from(decimals) {
        return Err(format!("{what} `{text}` has more than {decimals} decimals"));
    }
    let w: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let f: u128 = if frac.is_empty() { 0 } else { frac.parse::<u128>().map_err(|_| bad())? };
    let f = f * 10u128.pow(u32::from(decimals) - frac.len() as u32);
    w.checked_mul(10u128.pow(u32::from(decimals)))
        .and_then(|x| x.checked_add(f))
        .and_then(|x| u64::try_from(x).ok())
        .ok_or_else(|| format!("{what} `{text}` is too large"))
}

/// `amount` smallest units of a token with `decimals` decimals, as an exact decimal string.
pub fn format_amount(amount: u64, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let d = 10u64.pow(u32::from(decimals));
    format!("{}.{:0w$}", amount / d, amount % d, w = usize::from(decimals))
}

/// How long a sent transaction may take to reach the cluster's commitment.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(90);
/// Each JSON-RPC request's timeout.
const RPC_TIMEOUT: Duration = Duration::from_secs(30);

/// An opened target: a cluster over JSON-RPC, or the embedded SVM with its state file. Its
/// methods are the SDK's [`Chain`] calls with errors as one line that says what to do.
pub enum Conn {
    /// A cluster, and the compute-unit price of what is sent to it (0 = none).
    Rpc(RpcChain, u64),
    Svm(Box<Ledger>),
}

impl Conn {
    pub fn chain(&mut self) -> &mut dyn Chain {
        match self {
            Conn::Rpc(c, _) => c,
            Conn::Svm(l) => &mut l.chain,
        }
    }

    /// The embedded SVM's ledger, when that is the target.
    pub fn ledger(&mut self) -> Option<&mut Ledger> {
        match self {
            Conn::Rpc(..) => None,
            Conn::Svm(l) => Some(l),
        }
    }

    /// A chain error; a cluster that cannot be reached is named, with the flag to fix.
    fn error(&self, e: ChainError) -> String {
        match (self, &e) {
            (Conn::Rpc(c, _), ChainError::Transient(_)) => {
                format!("{e} (is {} the cluster's JSON-RPC URL? set it with --url)", c.label())
            }
            _ => e.to_string(),
        }
    }

    pub fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, String> {
        self.chain().account(key).map_err(|e| self.error(e))
    }

    /// Token balance of a token account (0 when it does not exist).
    pub fn balance(&mut self, key: &Pubkey) -> Result<u64, String> {
        Ok(match self.account(key)? {
            Some(a) => rpv_core::token::token_amount(&a.data).map_err(|e| format!("token account {key}: {e}"))?,
            None => 0,
        })
    }

    /// The vault, its risk account, share supply, oracles and the clock ([`VaultClient::fetch`]).
    pub fn fetch(&mut self, vault: &Pubkey) -> Result<VaultView, String> {
        match VaultClient::new(self.chain(), *vault).fetch() {
            Err(FetchError::Chain(e)) => Err(self.error(e)),
            r => r.map_err(|e| e.to_string()),
        }
    }

    /// Sends one transaction ([`chain::submit`]: simulated first, refused with the program's
    /// error name when it would fail) and records it in `steps`.
    pub fn send(
        &mut self,
        steps: &mut Vec<Step>,
        label: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<String, String> {
        self.try_send(steps, label, ixs, signers).map_err(|e| self.error(e))
    }

    /// [`Self::send`] with the chain's error as it is (to tell one program error from another).
    pub fn try_send(
        &mut self,
        steps: &mut Vec<Step>,
        label: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<String, ChainError> {
        self.try_send_through(steps, label, ixs, signers, &[])
    }

    /// [`Self::try_send`] as a v0 transaction through lookup `tables` (legacy when empty).
    pub fn try_send_through(
        &mut self,
        steps: &mut Vec<Step>,
        label: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[chain::AddressLookupTableAccount],
    ) -> Result<String, ChainError> {
        let price = match self {
            Conn::Rpc(_, price) => *price,
            Conn::Svm(_) => 0,
        };
        let mut all = Vec::with_capacity(ixs.len() + 1);
        if price > 0 {
            all.push(rpv_sdk::cu::price(price));
        }
        all.extend_from_slice(ixs);
        let sent = chain::submit(self.chain(), label, &all, signers, tables, CONFIRM_TIMEOUT)?;
        let (signature, compute_units) = (sent.signature.to_string(), Some(sent.compute_units));
        steps.push(Step { step: label.to_string(), signature: signature.clone(), compute_units });
        Ok(signature)
    }
}

/// The vault program's error name in a refused transaction, if that is what `e` is.
pub fn program_error(e: &ChainError) -> Option<&'static str> {
    match e {
        ChainError::Rejected(r) => r.vault_error.map(|(name, _)| name),
        _ => None,
    }
}

/// Opens the target the flags name, and the signer. `create` lets `--svm` start a new state.
pub fn open(target: &Target, create: bool) -> Result<(Conn, Keypair), String> {
    let (conn, signer) = open_with(target, create, true)?;
    Ok((conn, signer.expect("a signer was required")))
}

/// [`open`], the signer read only when `need_signer` (read-only commands run without one).
/// Defaults follow the Solana CLI: its configuration file's URL, keypair and commitment.
fn open_with(target: &Target, create: bool, need_signer: bool) -> Result<(Conn, Option<Keypair>), String> {
    let given = target.keypair.as_deref().map(rpv_sdk::keypair::read).transpose()?;
    let solana = if target.svm { Default::default() } else { rpv_sdk::keypair::SolanaConfig::load()? };
    let url = target.url.clone().or(solana.json_rpc_url.clone());
    match (&url, target.svm) {
        (Some(_), true) => Err("give either --url or --svm, not both".into()),
        (None, false) => Err("needs a target: --url URL (a cluster) or --svm (embedded SVM); URL may be a moniker: \
                 mainnet-beta, devnet, testnet, localhost (or set one with `solana config set --url`)"
            .into()),
        (Some(url), false) => {
            let svm_only = [("state", target.state.is_some()), ("program", target.program.is_some())];
            if let Some((f, _)) = svm_only.iter().chain(&[("advance", target.advance.is_some())]).find(|(_, g)| *g) {
                return Err(format!("--{f} is only for --svm"));
            }
            let signer = match given {
                Some(k) => Some(k),
                None if need_signer => {
                    let path = solana.keypair_path.clone().unwrap_or_else(rpv_sdk::keypair::default_path);
                    Some(rpv_sdk::keypair::read(&path).map_err(|e| {
                        format!("{e} (give the signer with --keypair FILE, or create one with `solana-keygen new`)")
                    })?)
                }
                None => None,
            };
            let level = target.commitment.clone().or(solana.commitment.clone()).unwrap_or_else(|| "confirmed".into());
            let commitment = match level.as_str() {
                "processed" => CommitmentLevel::Processed,
                "finalized" => CommitmentLevel::Finalized,
                "confirmed" => CommitmentLevel::Confirmed,
                other => {
                    return Err(format!(
                    "commitment `{other}` (from the Solana CLI configuration) is not processed, confirmed or finalized"
                ))
                }
            };
            let chain = RpcChain::new(&cluster_url(url), commitment, RPC_TIMEOUT)?;
            Ok((Conn::Rpc(chain, target.with_compute_unit_price.unwrap_or(0)), signer))
        }
        (None, true) => {
            if target.commitment.is_some() {
                return Err("--commitment is only for a cluster (--url)".into());
            }
            let state = target.state.clone().unwrap_or_else(|| PathBuf::from(".rpv-svm.json"));
            let program = target.program.clone().unwrap_or_else(default_program_path);
            let mut ledger = Ledger::open(&state, &program, create, i64::from(target.advance.unwrap_or(60)))?;
            let signer = match given {
                Some(k) => k,
                None => ledger.admin()?,
            };
            ledger.ensure_sol(&signer.pubkey())?;
            Ok((Conn::Svm(Box::new(ledger)), Some(signer)))
        }
    }
}

/// Runs the read-only `f` on the opened target (no signer needed), then saves the SVM state.
pub fn read_only<T>(target: &Target, f: impl FnOnce(&mut Conn) -> Result<T, String>) -> Result<T, String> {
    let (mut conn, _) = open_with(target, false, false)?;
    let r = f(&mut conn);
    let saved = conn.ledger().map_or(Ok(()), |l| l.save());
    let v = r?;
    saved?;
    Ok(v)
}

/// Runs `f` on the opened target, then saves the SVM state whatever happened.
pub fn on_chain<T>(
    target: &Target,
    create: bool,
    f: impl FnOnce(&mut Conn, &Keypair) -> Result<T, String>,
) -> Result<T, String> {
    let (mut conn, signer) = open(target, create)?;
    let r = f(&mut conn, &signer);
    let saved = conn.ledger().map_or(Ok(()), |l| l.save());
    let v = r?;
    saved?;
    Ok(v)
}

/// A transaction a command sent.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: String,
    pub signature: String,
    pub compute_units: Option<u64>,
}

/// The transactions, one line each.
pub fn steps_text(steps: &[Step]) -> String {
    steps.iter().map(|t| format!("\n  tx {}: {}", t.step, t.signature)).collect()
}

/// Sends `refresh` (and `update_positions` for vaults with options) when the risk state is
/// too old for deposits, and fetches the vault again. Returns whether it did.
pub fn refresh_if_stale(
    conn: &mut Conn,
    view: &mut VaultView,
    payer: &Keypair,
    steps: &mut Vec<Step>,
) -> Result<bool, String> {
    if view.vault.risk_is_fresh(view.clock.unix_timestamp) {
        return Ok(false);
    }
    let ixs = ix::refresh_all(&view.key, &view.vault);
    conn.send(steps, "refresh (the risk state was stale)", &ixs, &[payer])?;
    *view = conn.fetch(&view.key)?;
    Ok(true)
}

/// Asset labels: the SVM state's symbols, or a configuration's, else a shortened mint.
pub fn labeller(conn: &mut Conn, cfg: Option<&std::path::Path>) -> Result<impl Fn(&Pubkey) -> String, String> {
    let mut known: Vec<(String, String)> = vec![];
    if let Some(l) = conn.ledger() {
        known.extend(l.file.mints.iter().map(|m| (m.address.clone(), m.symbol.clone())));
    }
    if let Some(path) = cfg {
        let c = crate::config::load(path)?;
        known.extend(c.assets.iter().filter_map(|a| a.mint.map(|m| (m.to_string(), a.symbol.clone()))));
    }
    Ok(move |mint: &Pubkey| {
        let s = mint.to_string();
        known.iter().find(|(m, _)| *m == s).map_or_else(|| rpv_sdk::report::short(mint), |(_, sym)| sym.clone())
    })
}
