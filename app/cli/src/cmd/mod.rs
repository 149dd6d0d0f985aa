//! The command line: [`Cli`] (clap) and one module per command. Each command returns a typed
//! report (`serde::Serialize` + `Display`), printed as text or, with `--output json`, as JSON
//! (amounts in JSON are integers in the token's smallest units, with `decimals` alongside).
//!
//! This module also holds what the on-chain commands share: the target flags, loading the
//! vault, oracle reads as the program does them, sending a step, refreshing a stale risk state.

pub mod apply_change;
pub mod deposit;
pub mod init;
pub mod option;
pub mod redeem_in_kind;
pub mod risk;
pub mod show;
pub mod withdraw;

use std::{fmt::Display, path::PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use rpv_core::{
    layout::{AssetSlot, OracleKind, RiskState, VaultState, MAX_ASSETS},
    math::{mul_div, Rounding},
    price::OraclePrice,
    pyth::{self, FeedPolicy},
    switchboard::{self, SwitchboardPolicy},
    valuation::needs_own_oracle,
    CoreError,
};
use rpv_sdk::{decode_risk, decode_vault, ix, pda, pk, Instruction, Pubkey};
use serde::Serialize;
use solana_account::Account;
use solana_clock::Clock;
use solana_keypair::Keypair;

use crate::chain::{self, data_of, Chain};

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
    Show(show::Args),
    ApplyChange(apply_change::Args),
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
    /// A cluster's JSON-RPC endpoint (e.g. https://api.devnet.solana.com).
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// Signer and fee payer, Solana CLI JSON format [default: ~/.config/solana/id.json; with
    /// --svm the state's admin key, created by `rpv init --svm`].
    #[arg(long, global = true, value_name = "FILE")]
    pub keypair: Option<PathBuf>,
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
            Command::Withdraw(a) => render(withdraw::run(t, a)?, json),
            Command::RedeemInKind(a) => render(redeem_in_kind::run(t, a)?, json),
            Command::Show(a) => render(show::run(t, a)?, json),
            Command::ApplyChange(a) => render(apply_change::run(t, a)?, json),
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
    pub fn get(&self, chain: &mut dyn Chain) -> Result<Pubkey, String> {
        self.vault
            .or_else(|| chain.svm().and_then(|s| s.last_vault()))
            .ok_or_else(|| "needs --vault ADDRESS (the vault's address, as `rpv init` printed it)".to_string())
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
        let s = match &self.shares {
            Some(s) => parse_amount(s, decimals, "--shares")?,
            None => balance,
        };
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
    /// `x` less the slippage.
    pub fn below(&self, x: u64) -> u64 {
        mul_div(x, 10_000 - u64::from(self.slippage_bps), 10_000, Rounding::Down).unwrap_or(0)
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

/// Runs `f` on the opened target, then saves the SVM state whatever happened.
pub fn on_chain<T>(
    target: &Target,
    create: bool,
    f: impl FnOnce(&mut dyn Chain, &Keypair) -> Result<T, String>,
) -> Result<T, String> {
    let (mut chain, signer) = chain::open(target, create)?;
    let r = f(chain.as_mut(), &signer);
    let saved = chain.finish();
    let v = r?;
    saved?;
    Ok(v)
}

/// The vault and risk accounts, decoded.
pub struct Loaded {
    pub key: Pubkey,
    pub vault: VaultState,
    pub risk: RiskState,
}

pub fn load(chain: &mut dyn Chain, key: &Pubkey) -> Result<Loaded, String> {
    let data = data_of(chain, key, "vault")?;
    let vault = decode_vault(&data).map_err(|e| format!("{key}: {e}"))?;
    let risk_key = pda::risk(key).0;
    let risk = decode_risk(&data_of(chain, &risk_key, "risk account")?).map_err(|e| format!("{risk_key}: {e}"))?;
    Ok(Loaded { key: *key, vault, risk })
}

/// The share mint's supply.
pub fn share_supply(chain: &mut dyn Chain, v: &VaultState) -> Result<u64, String> {
    let data = data_of(chain, &pk(&v.share_mint), "share mint")?;
    Ok(rpv_core::token::parse_mint(&data).map_err(|e| format!("share mint: {e}"))?.supply)
}

/// Reads slot `slot`'s oracle from `account` as the program does, with maximum age `max_age`
/// (the slot's own when `None`; seconds for Pyth, slots for Switchboard) and confidence bound
/// `max_conf_bps` (the slot's own when `None`).
pub fn read_oracle(
    slot: &AssetSlot,
    account: Option<&Account>,
    clock: &Clock,
    max_age: Option<u64>,
    max_conf_bps: Option<u16>,
) -> Result<OraclePrice, CoreError> {
    let a = account.ok_or(CoreError::OracleInvalidAccount)?;
    let conf = max_conf_bps.unwrap_or(slot.max_conf_bps);
    let age = max_age.unwrap_or(u64::from(slot.max_oracle_age));
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &a.owner.to_bytes(),
            &a.data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age: u32::try_from(age).unwrap_or(u32::MAX), max_conf_bps: conf },
            clock.unix_timestamp,
        ),
        Some(OracleKind::Switchboard) => switchboard::read_price(
            &a.owner.to_bytes(),
            &a.data,
            &SwitchboardPolicy { max_stale_slots: age, max_conf_bps: conf, feed_hash: Some(slot.feed_id) },
            clock.slot,
        ),
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// NAV (down, up) and total shares after fees for a flow now, from fresh oracle reads (zero
/// for an expired series, as the program).
pub fn quote_now(chain: &mut dyn Chain, l: &Loaded) -> Result<ix::VaultQuote, String> {
    let clock = chain.clock()?;
    let v = &l.vault;
    let keys: Vec<Pubkey> = v.active_assets().iter().map(|a| pk(&a.oracle)).collect();
    let accounts = chain.accounts(&keys)?;
    let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_ASSETS];
    for (i, slot) in v.active_assets().iter().enumerate() {
        if needs_own_oracle(v, i, clock.unix_timestamp) {
            prices[i] = read_oracle(slot, accounts[i].as_ref(), &clock, None, None)
                .map_err(|e| format!("cannot price the vault: asset {i} ({}): {e:?}", pk(&slot.mint)))?;
        }
    }
    let supply = share_supply(chain, v)?;
    let n = usize::from(v.num_assets);
    ix::expected_quote(v, &l.risk, supply, &prices[..n], clock.unix_timestamp)
        .ok_or_else(|| "cannot price the vault: arithmetic overflow".to_string())
}

/// A transaction a command sent.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: String,
    pub signature: String,
    pub compute_units: Option<u64>,
}

/// Sends one transaction and records it in `steps`.
pub fn send_step(
    chain: &mut dyn Chain,
    steps: &mut Vec<Step>,
    label: &str,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> Result<String, String> {
    let sent = chain.send(label, ixs, signers)?;
    let signature = sent.signature.clone();
    steps.push(Step { step: label.to_string(), signature: sent.signature, compute_units: sent.compute_units });
    Ok(signature)
}

/// The transactions, one line each.
pub fn steps_text(steps: &[Step]) -> String {
    steps.iter().map(|t| format!("\n  tx {}: {}", t.step, t.signature)).collect()
}

/// Sends `refresh` (and `update_positions` for vaults with options) when the risk state is
/// too old for deposits and withdrawals. Returns whether it did.
pub fn refresh_if_stale(
    chain: &mut dyn Chain,
    l: &mut Loaded,
    payer: &Keypair,
    steps: &mut Vec<Step>,
) -> Result<bool, String> {
    let now = chain.clock()?.unix_timestamp;
    if l.vault.risk_is_fresh(now) {
        return Ok(false);
    }
    send_step(chain, steps, "refresh (the risk state was stale)", &ix::refresh_all(&l.key, &l.vault), &[payer])?;
    *l = load(chain, &l.key)?;
    Ok(true)
}

/// Asset labels: the SVM state's symbols, or a configuration's, else a shortened mint.
pub fn labeller(chain: &mut dyn Chain, cfg: Option<&std::path::Path>) -> Result<impl Fn(&Pubkey) -> String, String> {
    let mut known: Vec<(String, String)> = vec![];
    if let Some(svm) = chain.svm() {
        known.extend(svm.file.mints.iter().map(|m| (m.address.clone(), m.symbol.clone())));
    }
    if let Some(path) = cfg {
        let c = crate::config::load(path)?;
        known.extend(c.assets.iter().filter_map(|a| a.mint.map(|m| (m.to_string(), a.symbol.clone()))));
    }
    Ok(move |mint: &Pubkey| {
        let s = mint.to_string();
        known
            .iter()
            .find(|(m, _)| *m == s)
            .map(|(_, sym)| sym.clone())
            .unwrap_or_else(|| format!("{}…{}", &s[..4], &s[s.len() - 4..]))
    })
}
