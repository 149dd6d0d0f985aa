//! The vault configuration file (`rpv init --config vault.toml`): what `initialize_vault`,
//! `set_risk_params`, `set_rebalance_params`, `set_option_params`, `add_asset` / `add_option`
//! and `set_depositor` need, in the program's own integer units (documented in
//! `examples/vault.toml`). Parsing checks every range the program checks, so a bad file is
//! refused before any transaction, with one line naming the field.

use std::{path::Path, str::FromStr};

use rpv_core::{fixed_point::Fx, layout::BUDGET_ONE};
use rpv_interface::kinds::{METHOD_INVERSE_VOL, METHOD_RISK_BUDGET};
use rpv_sdk::{
    ix::{
        AddAssetArgs, InitializeVaultArgs, OptionKind, OptionParams, OptionSeriesArgs, OracleChange, OracleKind,
        RebalanceParams, Registration, RiskParams, MAX_ORACLE_AGE, MAX_TIMELOCK_SECS, MIN_SEED_DEPOSIT, NO_IN_KIND,
    },
    Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use serde::Deserialize;

/// A validated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct VaultConfig {
    /// `initialize_vault`'s arguments; `fee_recipient` is set by `init` (see below).
    pub init: InitializeVaultArgs,
    /// Required on a cluster; `--svm` creates its own.
    pub base_mint: Option<Pubkey>,
    /// `None`: the mint's owner (cluster) or SPL Token (`--svm`).
    pub base_token_program: Option<Pubkey>,
    /// Decimals of the base mint `--svm` creates.
    pub base_decimals: u8,
    pub depositors: Vec<Pubkey>,
    /// `None`: the admin.
    pub fee_recipient: Option<Pubkey>,
    pub risk: RiskParams,
    pub rebalance: RebalanceParams,
    /// `None`: keep the program's defaults (no `set_option_params`).
    pub options: Option<OptionParams>,
    pub assets: Vec<AssetConfig>,
}

/// One `[[assets]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetConfig {
    pub symbol: String,
    pub mint: Option<Pubkey>,
    pub token_program: Option<Pubkey>,
    /// Decimals of the mint `--svm` creates.
    pub decimals: u8,
    pub oracle: Option<Pubkey>,
    /// The `add_asset` / `add_option` arguments (a budget of 0 until equal budgets are set).
    pub args: AddAssetArgs,
    pub option: Option<OptionSeries>,
    /// `--svm`: the oracle value it publishes (a price; an implied vol for an option series)
    /// and its confidence.
    pub svm_price: Option<f64>,
    pub svm_conf_bps: u16,
    /// The venue's market (Manifest) selling this spot asset for the base: where `rpv withdraw
    /// --to-base --config FILE` sells it (not sent to the program).
    pub market: Option<Pubkey>,
}

/// The terms of an option series.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionSeries {
    pub kind: OptionKind,
    /// Index of the underlying (an earlier spot entry).
    pub underlying: u8,
    pub strike_bits: i128,
    pub contract_size_bits: i128,
    pub expiry: Expiry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Unix seconds.
    At(i64),
    /// Days after the cluster time at `rpv init`.
    InDays(u32),
}

impl AssetConfig {
    /// The registration of this entry as `mint` of `program` priced by `oracle` (what
    /// `add_asset` / `add_option` send, or `propose_change` proposes), an expiry in days
    /// counted from `now`.
    pub fn registration(&self, mint: &Pubkey, program: &Pubkey, oracle: &Pubkey, now: i64) -> Registration {
        let series = self.option.as_ref().map(|o| OptionSeriesArgs {
            kind: o.kind,
            underlying: o.underlying,
            strike_bits: o.strike_bits,
            contract_size_bits: o.contract_size_bits,
            expiry: o.expiry.resolve(now),
        });
        let (mint, token_program, oracle) = (mint.to_bytes(), program.to_bytes(), oracle.to_bytes());
        Registration { mint, token_program, oracle, args: self.args, series }
    }

    /// This entry's price feed as `set_oracle` / `propose_change(OracleChange)` send it for
    /// slot `index`, read from `oracle`.
    pub fn oracle_change(&self, index: u8, oracle: &Pubkey) -> OracleChange {
        let a = &self.args;
        OracleChange {
            index,
            oracle: oracle.to_bytes(),
            oracle_kind: a.oracle_kind,
            feed_id: a.feed_id,
            max_oracle_age: a.max_oracle_age,
            max_conf_bps: a.max_conf_bps,
            oracle_queue: a.oracle_queue,
        }
    }
}

impl Expiry {
    pub fn resolve(&self, now: i64) -> i64 {
        match *self {
            Expiry::At(t) => t,
            Expiry::InDays(d) => now + i64::from(d) * 86_400,
        }
    }
}

// ---- raw TOML -----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    vault: Option<RawVault>,
    #[serde(default)]
    fees: RawFees,
    /// `RiskParams` but for `method`, which is named here.
    #[serde(default)]
    risk: toml::Table,
    #[serde(default)]
    rebalance: RebalanceParams,
    options: Option<OptionParams>,
    #[serde(default)]
    assets: Vec<RawAsset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVault {
    id: u64,
    base_mint: Option<String>,
    base_token_program: Option<String>,
    base_decimals: Option<u8>,
    seed_deposit: u64,
    deposit_cap: u64,
    min_deposit: u64,
    timelock_secs: Option<u32>,
    allowlist: Option<bool>,
    #[serde(default)]
    depositors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFees {
    recipient: Option<String>,
    max_management_bps: Option<u16>,
    max_performance_bps: Option<u16>,
    management_bps: Option<u16>,
    performance_bps: Option<u16>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Number {
    fn text(&self) -> String {
        match self {
            Number::Int(i) => i.to_string(),
            Number::Float(f) => f.to_string(),
            Number::Text(s) => s.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsset {
    symbol: String,
    kind: Option<String>,
    mint: Option<String>,
    token_program: Option<String>,
    decimals: Option<u8>,
    oracle: Option<String>,
    oracle_kind: Option<String>,
    oracle_queue: Option<String>,
    feed_id: Option<String>,
    max_oracle_age: u32,
    max_conf_bps: u16,
    budget_ppb: Option<u64>,
    in_kind_cap: Option<u64>,
    underlying: Option<String>,
    strike: Option<Number>,
    contract_size: Option<Number>,
    expiry: Option<Number>,
    expires_in_days: Option<u32>,
    svm: Option<RawSvm>,
    market: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSvm {
    price: f64,
    conf_bps: Option<u16>,
}

// ---- parsing ------------------------------------------------------------------------------

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<VaultConfig, String> {
    read_with(path, parse)
}

/// `parse` on the text of the file at `path`; errors name the file.
fn read_with<T>(path: &Path, parse: fn(&str) -> Result<T, String>) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses and validates configuration text.
pub fn parse(text: &str) -> Result<VaultConfig, String> {
    let raw = from_toml(text)?;
    let c = common(&raw)?;
    let v = raw.vault.ok_or("missing the [vault] section")?;
    if v.min_deposit == 0 || v.min_deposit > v.deposit_cap {
        return Err("vault: need 0 < min_deposit <= deposit_cap".into());
    }
    if v.seed_deposit < MIN_SEED_DEPOSIT {
        return Err(format!("vault.seed_deposit must be at least {MIN_SEED_DEPOSIT} base units"));
    }
    if v.seed_deposit > v.deposit_cap {
        return Err("vault.seed_deposit exceeds vault.deposit_cap".into());
    }
    let timelock_secs = v.timelock_secs.unwrap_or(rpv_sdk::ix::DEFAULT_TIMELOCK_SECS);
    if timelock_secs > MAX_TIMELOCK_SECS {
        return Err(format!("vault.timelock_secs must be at most {MAX_TIMELOCK_SECS} (30 days)"));
    }
    let base_decimals = v.base_decimals.unwrap_or(6);
    if base_decimals > 18 {
        return Err("vault.base_decimals must be at most 18".into());
    }
    let mut depositors = vec![];
    for (i, d) in v.depositors.iter().enumerate() {
        depositors.push(pubkey(d, &format!("vault.depositors[{i}]"))?);
    }
    Ok(VaultConfig {
        init: InitializeVaultArgs {
            vault_id: v.id,
            deposit_cap: v.deposit_cap,
            min_deposit: v.min_deposit,
            seed_deposit: v.seed_deposit,
            fee_recipient: c.fee_recipient.unwrap_or_default(),
            max_management_fee_bps: c.fees[0],
            max_performance_fee_bps: c.fees[1],
            management_fee_bps: c.fees[2],
            performance_fee_bps: c.fees[3],
            timelock_secs,
            allowlist: v.allowlist.unwrap_or(false),
        },
        base_mint: v.base_mint.as_deref().map(|m| pubkey(m, "vault.base_mint")).transpose()?,
        base_token_program: v
            .base_token_program
            .as_deref()
            .map(|p| token_program(p, "vault.base_token_program"))
            .transpose()?,
        base_decimals,
        depositors,
        fee_recipient: c.fee_recipient,
        risk: c.risk,
        rebalance: c.rebalance,
        options: c.options,
        assets: c.assets,
    })
}

/// What a backtest takes from a configuration file (the `[vault]` section is optional there).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    pub risk: RiskParams,
    pub rebalance: RebalanceParams,
    /// Maximum management, maximum performance, management, performance (bps).
    pub fees: [u16; 4],
    /// `(symbol, budget_ppb)` of each `[[assets]]` entry.
    pub budgets: Vec<(String, u64)>,
}

/// Parses the model parts of a configuration (risk, rebalancing, fees, budgets).
pub fn parse_model(text: &str) -> Result<ModelConfig, String> {
    let raw = from_toml(text)?;
    let c = common(&raw)?;
    Ok(ModelConfig {
        risk: c.risk,
        rebalance: c.rebalance,
        fees: c.fees,
        budgets: c.assets.iter().map(|a| (a.symbol.clone(), a.args.risk_budget)).collect(),
    })
}

/// Reads a model configuration file.
pub fn load_model(path: &Path) -> Result<ModelConfig, String> {
    read_with(path, parse_model)
}

fn from_toml(text: &str) -> Result<RawConfig, String> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().lines().next().unwrap_or("invalid TOML").trim_end_matches('.').to_string();
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })
}

/// The sections shared by [`parse`] and [`parse_model`].
struct Common {
    fees: [u16; 4],
    fee_recipient: Option<Pubkey>,
    risk: RiskParams,
    rebalance: RebalanceParams,
    options: Option<OptionParams>,
    assets: Vec<AssetConfig>,
}

fn common(raw: &RawConfig) -> Result<Common, String> {
    let f = &raw.fees;
    let max_management_fee_bps = f.max_management_bps.unwrap_or(rpv_sdk::ix::DEFAULT_MAX_MANAGEMENT_FEE_BPS);
    let max_performance_fee_bps = f.max_performance_bps.unwrap_or(rpv_sdk::ix::DEFAULT_MAX_PERFORMANCE_FEE_BPS);
    let management_fee_bps = f.management_bps.unwrap_or(0);
    let performance_fee_bps = f.performance_bps.unwrap_or(0);
    if max_management_fee_bps > rpv_sdk::ix::MANAGEMENT_FEE_CEILING_BPS {
        return Err(format!(
            "fees.max_management_bps must be at most {} (bps per year)",
            rpv_sdk::ix::MANAGEMENT_FEE_CEILING_BPS
        ));
    }
    if max_performance_fee_bps > rpv_sdk::ix::PERFORMANCE_FEE_CEILING_BPS {
        return Err(format!(
            "fees.max_performance_bps must be at most {} (bps)",
            rpv_sdk::ix::PERFORMANCE_FEE_CEILING_BPS
        ));
    }
    if management_fee_bps > max_management_fee_bps || performance_fee_bps > max_performance_fee_bps {
        return Err("fees: a rate exceeds its maximum".into());
    }
    let fee_recipient = f.recipient.as_deref().map(|r| pubkey(r, "fees.recipient")).transpose()?;

    let risk = risk_params(&raw.risk)?;
    let rebalance = raw.rebalance;
    if let Some((name, v, lo, hi)) = rebalance.out_of_range() {
        return Err(format!("rebalance.{name} = {v} is outside {lo}..={hi}"));
    }
    let options = raw.options;
    if let Some((name, v, lo, hi)) = options.as_ref().and_then(OptionParams::out_of_range) {
        return Err(format!("options.{name} = {v} is outside {lo}..={hi}"));
    }

    if raw.assets.len() > rpv_core::layout::MAX_ASSETS {
        return Err(format!("at most {} assets", rpv_core::layout::MAX_ASSETS));
    }
    let mut assets: Vec<AssetConfig> = vec![];
    for (i, a) in raw.assets.iter().enumerate() {
        let asset = asset(a, i, &assets)?;
        assets.push(asset);
    }
    let given = assets.iter().filter(|a| a.args.risk_budget > 0).count();
    if given == 0 && !assets.is_empty() {
        let n = assets.len() as u64;
        for (i, a) in assets.iter_mut().enumerate() {
            a.args.risk_budget = BUDGET_ONE / n + u64::from((i as u64) < BUDGET_ONE % n);
        }
    } else if given != assets.len() {
        return Err("assets: give budget_ppb for every asset or for none (equal budgets)".into());
    } else if !assets.is_empty() {
        let total: u64 = assets.iter().map(|a| a.args.risk_budget).sum();
        if total != BUDGET_ONE {
            return Err(format!("assets: budget_ppb must sum to 1000000000, not {total}"));
        }
    }
    Ok(Common {
        fees: [max_management_fee_bps, max_performance_fee_bps, management_fee_bps, performance_fee_bps],
        fee_recipient,
        risk,
        rebalance,
        options,
        assets,
    })
}

fn pubkey(text: &str, what: &str) -> Result<Pubkey, String> {
    Pubkey::from_str(text).map_err(|_| format!("{what}: `{text}` is not a base58 public key"))
}

/// `spl-token`, `token-2022` or a program id.
pub fn token_program(text: &str, what: &str) -> Result<Pubkey, String> {
    match text {
        "spl-token" => Ok(TOKEN_PROGRAM_ID),
        "token-2022" => Ok(TOKEN_2022_PROGRAM_ID),
        other => {
            let p = pubkey(other, what)?;
            if p != TOKEN_PROGRAM_ID && p != TOKEN_2022_PROGRAM_ID {
                return Err(format!("{what}: `{other}` is neither SPL Token nor Token-2022"));
            }
            Ok(p)
        }
    }
}

/// The `[risk]` table: a named `method`, the other fields as `RiskParams` (defaults for the
/// missing ones), in the program's ranges.
fn risk_params(table: &toml::Table) -> Result<RiskParams, String> {
    let mut t = table.clone();
    let method = match t.remove("method") {
        None => METHOD_INVERSE_VOL,
        Some(toml::Value::String(m)) if m == "inverse-vol" => METHOD_INVERSE_VOL,
        Some(toml::Value::String(m)) if m == "risk-budget" || m == "erc" => METHOD_RISK_BUDGET,
        Some(other) => {
            let m = other.as_str().map_or_else(|| format!("{other:?}"), str::to_string);
            return Err(format!("risk.method: `{m}` is not `inverse-vol` or `risk-budget`"));
        }
    };
    let rest: RiskParams =
        toml::Value::Table(t).try_into().map_err(|e: toml::de::Error| format!("risk: {}", e.message()))?;
    let p = RiskParams { method, ..rest };
    if let Some((name, v, lo, hi)) = p.out_of_range() {
        return Err(format!("risk.{name} = {v} is outside {lo}..={hi}"));
    }
    Ok(p)
}

/// A positive I80F48 from a decimal number or string.
fn positive_fx(n: &Number, what: &str) -> Result<i128, String> {
    let t = n.text();
    let v = Fx::from_str(&t).map_err(|_| format!("{what}: `{t}` is not a decimal number"))?;
    if v <= 0 {
        return Err(format!("{what} must be positive"));
    }
    Ok(v.to_bits())
}

/// Unix seconds from an integer or an ISO date (`2027-03-26` or `2027-03-26T08:00:00Z`).
pub fn unix_time(text: &str) -> Option<i64> {
    if let Ok(t) = text.parse::<i64>() {
        return Some(t);
    }
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').unwrap_or(t))),
        None => (text, None),
    };
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = 0;
    if let Some(t) = time {
        let mut p = t.split(':');
        let (h, mi): (i64, i64) = (p.next()?.parse().ok()?, p.next()?.parse().ok()?);
        let s: i64 = match p.next() {
            Some(s) => s.parse().ok()?,
            None => 0,
        };
        if p.next().is_some() || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        secs = h * 3600 + mi * 60 + s;
    }
    Some(days_from_civil(y, m, day) * 86_400 + secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn asset(a: &RawAsset, i: usize, earlier: &[AssetConfig]) -> Result<AssetConfig, String> {
    let at = format!("assets[{i}] ({})", a.symbol);
    if a.symbol.is_empty() || earlier.iter().any(|e| e.symbol == a.symbol) {
        return Err(format!("{at}: symbols must be non-empty and distinct"));
    }
    let kinds = [OracleKind::Pyth, OracleKind::Switchboard];
    let oracle_kind = match a.oracle_kind.as_deref() {
        None => OracleKind::Pyth,
        Some(k) => kinds
            .into_iter()
            .find(|x| x.name() == k)
            .ok_or_else(|| format!("{at}: oracle_kind `{k}` is not `{}` or `{}`", kinds[0].name(), kinds[1].name()))?,
    };
    let oracle_queue = match (oracle_kind, a.oracle_queue.as_deref()) {
        (OracleKind::Switchboard, Some(q)) => pubkey(q, &format!("{at}: oracle_queue"))?.to_bytes(),
        (OracleKind::Switchboard, None) => {
            return Err(format!("{at}: a switchboard asset needs `oracle_queue` (the queue its feed belongs to)"))
        }
        (OracleKind::Pyth, None) => [0; 32],
        (OracleKind::Pyth, Some(_)) => return Err(format!("{at}: oracle_queue is for switchboard assets only")),
    };
    if !(1..=MAX_ORACLE_AGE).contains(&a.max_oracle_age) {
        return Err(format!("{at}: max_oracle_age must be within 1..={MAX_ORACLE_AGE}"));
    }
    if !(1..=10_000).contains(&a.max_conf_bps) {
        return Err(format!("{at}: max_conf_bps must be within 1..=10000"));
    }
    if a.budget_ppb == Some(0) || a.budget_ppb.is_some_and(|b| b > BUDGET_ONE) {
        return Err(format!("{at}: budget_ppb must be within 1..=1000000000"));
    }
    let feed_id = match &a.feed_id {
        Some(h) => rpv_sdk::pyth::parse_feed_id(h)
            .ok_or_else(|| format!("{at}: feed_id: expected 64 hex digits (32 bytes)"))?,
        None => return Err(format!("{at}: feed_id is required (the Pyth feed id or Switchboard feed hash)")),
    };
    let mint = a.mint.as_deref().map(|m| pubkey(m, &format!("{at}: mint"))).transpose()?;
    if mint.is_some() && earlier.iter().any(|e| e.mint == mint) {
        return Err(format!("{at}: mint registered twice"));
    }
    let decimals = a.decimals.unwrap_or(9);
    if decimals > 18 {
        return Err(format!("{at}: decimals must be at most 18"));
    }
    let option = match a.kind.as_deref() {
        None | Some("spot") => {
            if a.underlying.is_some() || a.strike.is_some() || a.expiry.is_some() || a.expires_in_days.is_some() {
                return Err(format!("{at}: option terms on a spot asset (set kind = \"call\" or \"put\")"));
            }
            None
        }
        Some(k) if [OptionKind::Call, OptionKind::Put].iter().any(|o| o.name() == k) => {
            let u = a.underlying.as_deref().ok_or_else(|| format!("{at}: an option needs `underlying`"))?;
            let underlying = earlier
                .iter()
                .position(|e| e.symbol == u && e.option.is_none())
                .ok_or_else(|| format!("{at}: underlying `{u}` is not an earlier spot asset"))?;
            let strike_bits = positive_fx(
                a.strike.as_ref().ok_or_else(|| format!("{at}: an option needs `strike`"))?,
                &format!("{at}: strike"),
            )?;
            let contract_size_bits = match &a.contract_size {
                Some(n) => positive_fx(n, &format!("{at}: contract_size"))?,
                None => Fx::ONE.to_bits(),
            };
            let expiry = match (&a.expiry, a.expires_in_days) {
                (Some(e), None) => Expiry::At(
                    unix_time(&e.text())
                        .ok_or_else(|| format!("{at}: expiry `{}` is not unix seconds or a date", e.text()))?,
                ),
                (None, Some(d)) if (1..=730).contains(&d) => Expiry::InDays(d),
                (None, Some(_)) => return Err(format!("{at}: expires_in_days must be within 1..=730")),
                _ => return Err(format!("{at}: an option needs exactly one of `expiry` and `expires_in_days`")),
            };
            Some(OptionSeries {
                kind: if k == OptionKind::Call.name() { OptionKind::Call } else { OptionKind::Put },
                underlying: underlying as u8,
                strike_bits,
                contract_size_bits,
                expiry,
            })
        }
        Some(other) => return Err(format!("{at}: kind `{other}` is not `spot`, `call` or `put`")),
    };
    let (svm_price, svm_conf_bps) = match &a.svm {
        Some(s) => {
            if !(s.price.is_finite() && s.price > 0.0 && s.price < 1e12) {
                return Err(format!("{at}: svm.price must be positive (below 1e12)"));
            }
            let conf = s.conf_bps.unwrap_or(5);
            if conf > a.max_conf_bps {
                return Err(format!("{at}: svm.conf_bps exceeds max_conf_bps"));
            }
            (Some(s.price), conf)
        }
        None => (None, 5),
    };
    Ok(AssetConfig {
        symbol: a.symbol.clone(),
        mint,
        token_program: a
            .token_program
            .as_deref()
            .map(|p| token_program(p, &format!("{at}: token_program")))
            .transpose()?,
        decimals,
        oracle: a.oracle.as_deref().map(|o| pubkey(o, &format!("{at}: oracle"))).transpose()?,
        args: AddAssetArgs {
            oracle_kind,
            feed_id,
            max_oracle_age: a.max_oracle_age,
            max_conf_bps: a.max_conf_bps,
            risk_budget: a.budget_ppb.unwrap_or(0),
            in_kind_cap: a.in_kind_cap.unwrap_or(NO_IN_KIND),
            oracle_queue,
        },
        market: match (&option, a.market.as_deref()) {
            (Some(_), Some(_)) => return Err(format!("{at}: an option series has no venue market")),
            (_, m) => m.map(|m| pubkey(m, &format!("{at}: market"))).transpose()?,
        },
        option,
        svm_price,
        svm_conf_bps,
    })
}

impl VaultConfig {
    /// The addresses a cluster deployment needs (`--svm` creates its own).
    pub fn check_cluster_addresses(&self) -> Result<(), String> {
        if self.base_mint.is_none() {
            return Err("vault.base_mint is required on a cluster (only --svm creates mints)".into());
        }
        for a in &self.assets {
            if a.mint.is_none() || a.oracle.is_none() {
                return Err(format!(
                    "asset {}: `mint` and `oracle` are required on a cluster (only --svm creates them)",
                    a.symbol
                ));
            }
        }
        Ok(())
    }

    /// The simulated oracle values `--svm` needs.
    pub fn check_svm_prices(&self) -> Result<(), String> {
        for a in &self.assets {
            if a.svm_price.is_none() {
                return Err(format!(
                    "asset {}: `svm.price` is required with --svm (the value its oracle publishes)",
                    a.symbol
                ));
            }
        }
        Ok(())
    }
}
