//! Argument handling of `init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`,
//! `apply-change`: each turns its arguments into the text to print (a report,
//! or JSON with `--json`) or a one-line error.

use std::path::Path;

use rpv_sdk::Pubkey;
use serde_json::Value;
use solana_signer::Signer;

use crate::{
    args::{self, parse_bps, Flags, Kind},
    chain::{self, Chain, TARGET_FLAGS, TARGET_HELP},
    config, show, vault_cmd,
};

pub const INIT_USAGE: &str =
    "usage: rpv init --config FILE (--url URL [--keypair FILE] | --svm [--state FILE]) [--json]

Initialises a vault from a configuration file (documented in examples/vault.toml): initialize_vault
(seed deposit, fees, timelock, allowlist), risk, rebalancing and option parameters, every asset
and option series, allowlisted depositors, then a first refresh. The signer is the admin. Steps
already on chain are skipped, so an interrupted run can be repeated. Under a timelock, parameters
that raise risk above the program's defaults are proposed instead (apply them with
`rpv apply-change` once the timelock has passed). With --svm the mints and oracles are created
(mint and oracle addresses in the file are ignored; each asset needs `svm.price`).";

pub const DEPOSIT_USAGE: &str =
    "usage: rpv deposit [--vault ADDRESS] --amount AMOUNT [--min-shares SHARES | --slippage-bps BPS] TARGET [--json]

Deposits AMOUNT of the base token (whole tokens, e.g. 250.5) from the signer's associated token
account and receives shares in its associated share account (created if needed). The minimum
number of shares defaults to the expected number (from the oracles, as the program prices it)
less --slippage-bps (default 100). A stale risk state is refreshed first (permissionless). With
--svm the base tokens are minted to the signer if it lacks them, and --vault defaults to the last
vault initialised in the state.";

pub const WITHDRAW_USAGE: &str = "usage: rpv withdraw [--vault ADDRESS] (--shares SHARES | --all) [--min-out AMOUNT | --slippage-bps BPS] TARGET [--json]

Burns shares for the base token at NAV (rounded down), paid to the signer's associated token
account. The minimum defaults to the expected amount less --slippage-bps (default 100).";

pub const REDEEM_USAGE: &str = "usage: rpv redeem-in-kind [--vault ADDRESS] (--shares SHARES | --all) [--min-amounts A,B,... | --slippage-bps BPS] TARGET [--json]

Burns shares for the pro-rata part of every holding (the base, then each asset in registry order)
into the signer's associated token accounts (created if needed). Needs no oracle. --min-amounts
gives one minimum per holding in whole tokens; by default each is the expected amount less
--slippage-bps (default 100). Vaults of more than about five assets need an address lookup table,
which the CLI does not build yet.";

pub const SHOW_USAGE: &str = "usage: rpv show [--vault ADDRESS] [--config FILE] TARGET [--json]

The vault now: NAV and share price, positions against targets and bands, volatilities from the
EWMA covariance and risk contributions (of the weights in force and of the holdings), Greeks per
underlying against their limits, oracle health (age, confidence), fees and the rebalancing book.
--config labels assets with the file's symbols (with --svm the state's are used).";

pub const APPLY_USAGE: &str =
    "usage: rpv apply-change [--vault ADDRESS] --kind risk-params|budgets|fees|rebalance|option-params TARGET [--json]

Applies a pending timelocked change once its eta has passed (permissionless).";

fn with_target(own: &[(&'static str, Kind)]) -> Vec<(&'static str, Kind)> {
    let mut v = own.to_vec();
    v.extend_from_slice(TARGET_FLAGS);
    v.push(("json", Kind::Switch));
    v
}

fn usage(u: &str, target: bool) -> String {
    if target {
        format!("{u}\n\n{TARGET_HELP}")
    } else {
        u.to_string()
    }
}

fn output(v: Value, json: bool, text: impl Fn(&Value) -> String) -> String {
    if json {
        serde_json::to_string_pretty(&v).expect("JSON serialises")
    } else {
        text(&v)
    }
}

/// Runs `f` on the opened target, then saves the SVM state whatever happened.
fn on_chain<T>(
    flags: &Flags,
    create: bool,
    f: impl FnOnce(&mut dyn Chain, &solana_keypair::Keypair) -> Result<T, String>,
) -> Result<T, String> {
    let (mut chain, signer) = chain::open(flags, create)?;
    let r = f(chain.as_mut(), &signer);
    let saved = chain.finish();
    let v = r?;
    saved?;
    Ok(v)
}

fn slippage(flags: &Flags) -> Result<u16, String> {
    flags
        .get("slippage-bps")
        .map(|s| parse_bps(s, "--slippage-bps"))
        .transpose()
        .map(|s| s.unwrap_or(vault_cmd::DEFAULT_SLIPPAGE_BPS))
}

/// Asset labels: the SVM state's symbols, or a configuration's, else a shortened mint.
fn labeller(chain: &mut dyn Chain, cfg: Option<&Path>) -> Result<impl Fn(&Pubkey) -> String, String> {
    let mut known: Vec<(String, String)> = vec![];
    if let Some(svm) = chain.svm() {
        known.extend(svm.file.mints.iter().map(|m| (m.address.clone(), m.symbol.clone())));
    }
    if let Some(path) = cfg {
        let c = config::load(path)?;
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

pub fn init(a: &[String]) -> Result<String, String> {
    let flags = args::parse(a, &with_target(&[("config", Kind::Value)]), "init")?;
    if flags.has("help") {
        return Ok(usage(INIT_USAGE, true));
    }
    let cfg = config::load(Path::new(flags.need("config", "init")?))?;
    let svm = flags.has("svm");
    if !svm && flags.has("url") {
        cfg.check_cluster_addresses()?;
    }
    let report = on_chain(&flags, true, |chain, signer| {
        let cfg = if svm { vault_cmd::svm_prepare(chain, &cfg, &signer.pubkey())? } else { cfg.clone() };
        vault_cmd::init(chain, &cfg, signer)
    })?;
    Ok(output(report, flags.has("json"), vault_cmd::init_text))
}

pub fn deposit(a: &[String]) -> Result<String, String> {
    let spec = with_target(&[
        ("vault", Kind::Value),
        ("amount", Kind::Value),
        ("min-shares", Kind::Value),
        ("slippage-bps", Kind::Value),
    ]);
    let flags = args::parse(a, &spec, "deposit")?;
    if flags.has("help") {
        return Ok(usage(DEPOSIT_USAGE, true));
    }
    let amount = flags.need("amount", "deposit")?.to_string();
    if flags.has("min-shares") && flags.has("slippage-bps") {
        return Err("give either --min-shares or --slippage-bps, not both".into());
    }
    let slip = slippage(&flags)?;
    let report = on_chain(&flags, false, |chain, signer| {
        let vault = vault_cmd::vault_arg(chain, flags.get("vault"))?;
        vault_cmd::deposit(chain, &vault, signer, &amount, flags.get("min-shares"), slip)
    })?;
    Ok(output(report, flags.has("json"), vault_cmd::flow_text))
}

pub fn withdraw(a: &[String]) -> Result<String, String> {
    let spec = with_target(&[
        ("vault", Kind::Value),
        ("shares", Kind::Value),
        ("all", Kind::Switch),
        ("min-out", Kind::Value),
        ("slippage-bps", Kind::Value),
    ]);
    let flags = args::parse(a, &spec, "withdraw")?;
    if flags.has("help") {
        return Ok(usage(WITHDRAW_USAGE, true));
    }
    if flags.has("min-out") && flags.has("slippage-bps") {
        return Err("give either --min-out or --slippage-bps, not both".into());
    }
    if !flags.has("shares") && !flags.has("all") {
        return Err("`withdraw` needs --shares SHARES or --all".into());
    }
    if flags.has("shares") && flags.has("all") {
        return Err("give either --shares or --all, not both".into());
    }
    let slip = slippage(&flags)?;
    let report = on_chain(&flags, false, |chain, signer| {
        let vault = vault_cmd::vault_arg(chain, flags.get("vault"))?;
        vault_cmd::withdraw(chain, &vault, signer, flags.get("shares"), flags.has("all"), flags.get("min-out"), slip)
    })?;
    Ok(output(report, flags.has("json"), vault_cmd::flow_text))
}

pub fn redeem_in_kind(a: &[String]) -> Result<String, String> {
    let spec = with_target(&[
        ("vault", Kind::Value),
        ("shares", Kind::Value),
        ("all", Kind::Switch),
        ("min-amounts", Kind::Value),
        ("slippage-bps", Kind::Value),
    ]);
    let flags = args::parse(a, &spec, "redeem-in-kind")?;
    if flags.has("help") {
        return Ok(usage(REDEEM_USAGE, true));
    }
    if flags.has("min-amounts") && flags.has("slippage-bps") {
        return Err("give either --min-amounts or --slippage-bps, not both".into());
    }
    if !flags.has("shares") && !flags.has("all") {
        return Err("`redeem-in-kind` needs --shares SHARES or --all".into());
    }
    if flags.has("shares") && flags.has("all") {
        return Err("give either --shares or --all, not both".into());
    }
    let slip = slippage(&flags)?;
    let report = on_chain(&flags, false, |chain, signer| {
        let vault = vault_cmd::vault_arg(chain, flags.get("vault"))?;
        let label = labeller(chain, None)?;
        vault_cmd::redeem_in_kind(
            chain,
            &vault,
            signer,
            flags.get("shares"),
            flags.has("all"),
            flags.get("min-amounts"),
            slip,
            &label,
        )
    })?;
    Ok(output(report, flags.has("json"), vault_cmd::flow_text))
}

pub fn show(a: &[String]) -> Result<String, String> {
    let flags = args::parse(a, &with_target(&[("vault", Kind::Value), ("config", Kind::Value)]), "show")?;
    if flags.has("help") {
        return Ok(usage(SHOW_USAGE, true));
    }
    let report = on_chain(&flags, false, |chain, _| {
        let vault = vault_cmd::vault_arg(chain, flags.get("vault"))?;
        let label = labeller(chain, flags.get("config").map(Path::new))?;
        show::report(chain, &vault, &label)
    })?;
    Ok(output(report, flags.has("json"), show::text))
}

pub fn apply_change(a: &[String]) -> Result<String, String> {
    let flags = args::parse(a, &with_target(&[("vault", Kind::Value), ("kind", Kind::Value)]), "apply-change")?;
    if flags.has("help") {
        return Ok(usage(APPLY_USAGE, true));
    }
    let kind = flags.need("kind", "apply-change")?.to_string();
    let report = on_chain(&flags, false, |chain, signer| {
        let vault = vault_cmd::vault_arg(chain, flags.get("vault"))?;
        vault_cmd::apply_change(chain, &vault, signer, &kind)
    })?;
    Ok(output(report, flags.has("json"), |v| {
        format!(
            "applied the pending {} change of {}",
            v["kind"].as_str().unwrap_or(""),
            v["vault"].as_str().unwrap_or("")
        )
    }))
}
