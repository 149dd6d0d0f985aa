//! Argument handling of `init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`,
//! `apply-change` and `backtest`: each turns its arguments into the text to print (a report,
//! or JSON with `--json`) or a one-line error.

use std::path::{Path, PathBuf};

use rpv_sdk::Pubkey;
use serde_json::Value;
use solana_signer::Signer;

use crate::{
    args::{self, parse_bps, Flags, Kind},
    backtest,
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

pub const BACKTEST_USAGE: &str = "usage: rpv backtest --prices FILE.csv [--out DIR] [--config FILE] [--capital AMOUNT]
                    [--start target|cash] [--conf-bps BPS] [--static-weights W1,W2,...] [--vol-window N] [--json]

Runs the vault's engine (the core crate's EWMA covariance, inverse-vol or risk-budget weights,
volatility targeting, bands, rebalancing caps and keeper incentive, fees) over a price history.
FILE.csv: a header `time,ASSET1,ASSET2,...`, then one row per time (unix seconds or YYYY-MM-DD)
with positive prices in the base currency. --config takes [risk], [rebalance], [fees] and the
assets' budgets (matched by symbol) from a vault configuration (default: the program's defaults,
equal budgets). --capital: starting NAV in base tokens (default 1000000). --start: begin at the
first targets (default) or all in the base asset. --conf-bps: oracle confidence (default 0).
--static-weights: the buy-and-hold benchmark (default: the budgets). --vol-window: returns in the
rolling realised volatility (default 30). Writes weights.svg, risk_contributions.svg,
volatility.svg, nav.svg and series.csv to --out (default backtest-out) and prints the statistics.";

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

/// The backtest's parameters from its flags (and the optional configuration).
pub fn backtest_params(flags: &Flags, table: &backtest::PriceTable) -> Result<backtest::Params, String> {
    let n = table.names.len();
    let mut p = backtest::Params::defaults(n);
    if let Some(path) = flags.get("config") {
        let m = config::load_model(Path::new(path))?;
        p.risk = m.risk;
        p.rebalance = m.rebalance;
        p.fees = m.fees;
        if !m.budgets.is_empty() {
            let mut budgets = vec![];
            for name in &table.names {
                let b = m.budgets.iter().find(|(s, _)| s == name).ok_or_else(|| {
                    format!("the configuration has no asset `{name}` (its assets must match the CSV's columns)")
                })?;
                budgets.push(b.1);
            }
            if m.budgets.len() != n {
                return Err("the configuration's assets must match the CSV's columns".into());
            }
            p.static_weights = budgets.iter().map(|b| *b as f64 / 1e9).collect();
            p.budgets_ppb = budgets;
        }
    }
    if let Some(c) = flags.get("capital") {
        p.capital = args::parse_amount(c, backtest::BASE_DECIMALS, "--capital")?;
        if p.capital < 1_000_000 {
            return Err("--capital must be at least 1 base token".into());
        }
    }
    match flags.get("start") {
        None | Some("target") => p.start_invested = true,
        Some("cash") => p.start_invested = false,
        Some(other) => return Err(format!("--start `{other}` is not `target` or `cash`")),
    }
    if let Some(c) = flags.get("conf-bps") {
        p.conf_bps = parse_bps(c, "--conf-bps")?;
    }
    if let Some(w) = flags.get("static-weights") {
        let ws: Vec<f64> = w
            .split(',')
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("--static-weights `{w}` is not a list of non-negative numbers"))?;
        if ws.len() != n {
            return Err(format!("--static-weights needs {n} weights, one per asset column"));
        }
        let total: f64 = ws.iter().sum();
        if total <= 0.0 {
            return Err("--static-weights must not all be zero".into());
        }
        p.static_weights = ws.iter().map(|x| x / total).collect();
    }
    if let Some(w) = flags.get("vol-window") {
        p.vol_window = w
            .parse::<usize>()
            .ok()
            .filter(|w| *w >= 2)
            .ok_or_else(|| format!("--vol-window `{w}` is not a whole number of at least 2"))?;
    }
    Ok(p)
}

pub fn backtest(a: &[String]) -> Result<String, String> {
    let spec = [
        ("prices", Kind::Value),
        ("out", Kind::Value),
        ("config", Kind::Value),
        ("capital", Kind::Value),
        ("start", Kind::Value),
        ("conf-bps", Kind::Value),
        ("static-weights", Kind::Value),
        ("vol-window", Kind::Value),
        ("json", Kind::Switch),
    ];
    let flags = args::parse(a, &spec, "backtest")?;
    if flags.has("help") {
        return Ok(BACKTEST_USAGE.to_string());
    }
    let path = flags.need("prices", "backtest")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let table = backtest::parse_csv(&text).map_err(|e| format!("{path}: {e}"))?;
    let p = backtest_params(&flags, &table)?;
    let outcome = backtest::run(&table, &p)?;
    let dir = PathBuf::from(flags.get("out").unwrap_or("backtest-out"));
    let files = backtest::write_outputs(&dir, &table, &p, &outcome)?;
    let mut stats = outcome.stats;
    stats["outputs"] = files.iter().map(|f| Value::from(f.display().to_string())).collect();
    Ok(output(stats, flags.has("json"), backtest::text))
}
