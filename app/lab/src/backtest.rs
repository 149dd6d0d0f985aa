//! `rpv-lab backtest --prices FILE.csv`: the vault's own engine over a price history.
//!
//! The simulation holds the vault and risk accounts in the program's layout
//! ([`VaultState`], [`RiskState`]) and the share mint's supply in a [`PaperVault`], and at every
//! row of the CSV sends what the permissionless cranks and a diligent keeper would send at that
//! time. Each instruction is the program's own step, [`rpv_core::engine`], called exactly as
//! the handler calls it; the lab adds no rule of its own ([`PaperVault::step`]):
//! 1. **fees** — `accrue_fees` ([`engine::fees::collect`]) at the NAV of the row; the fee
//!    shares are minted to the recipient and dilute the NAV per share;
//! 2. **refresh** — `refresh` ([`engine::refresh::refresh_gate`], [`engine::refresh::refresh`]):
//!    EWMA covariance, marks, inverse-vol (or the submitted) weights, σ_p,
//!    L = min(L_max, σ_target/σ_p), targets. A refresh the program refuses (too soon, or an
//!    error such as `ZeroVariance`) leaves the accounts as they were and is counted;
//! 3. **weights** — for the risk-budget method, the keeper's `submit_weights` when the weights
//!    in force no longer pass the program's check: solved by the keeper's own solver
//!    ([`rpv_keeper::weights`]) and put in force by the program's step
//!    ([`engine::weights::submit`]);
//! 4. **rebalance** — while the program would trade: `rebalance` of the leg it picks
//!    (`AUTO_LEG`: the furthest outside its band, not cooling down) through
//!    [`engine::rebalance::select_leg`], `leg_gate`, `trade` (plan, caps, incentive, Greek
//!    rule, book) and `settle`; the keeper pays exactly what the plan asks. When the program
//!    refuses the leg it picks (a daily cap, a trade too small), the keeper names the other
//!    legs, each once a row;
//! 5. **record** — NAV per share from the program's `quote` ([`engine::quote::quote`]),
//!    weights, risk contributions of the holdings on the EWMA covariance, realised and ex-ante
//!    volatility, and two benchmarks: an equal-weight portfolio rebalanced every row and a
//!    buy-and-hold portfolio of static weights (default: the risk budgets), both fully
//!    invested and free of costs.
//!
//! What is the lab's own: the price path and the clock (oracle values are the CSV's prices at
//! the row's time, read as the program's [`OraclePrice`]), the vault's set-up (the accounts as
//! `initialize_vault`, `add_asset`, `set_risk_params` and `set_rebalance_params` leave them,
//! the capital as the seed deposit), the optional start at the first targets (bought at fair
//! prices without costs, then the positions step again), the statistics and the charts.
//!
//! ## Input
//! CSV with a header: the first column is the time (unix seconds, or `YYYY-MM-DD`, or
//! `YYYY-MM-DDTHH:MM:SSZ`), then one column per asset (its name) with positive decimal
//! prices in the base currency. Rows must be strictly increasing in time. Prices are used at
//! 8 decimals (as a Pyth price with exponent −8); confidence is `--conf-bps` of the price.
//!
//! ## Output
//! The statistics (text or `--output json`) and, in `--out DIR`: `weights.svg`,
//! `risk_contributions.svg`, `volatility.svg`, `nav.svg` and `series.csv`.

use std::path::{Path, PathBuf};

use bytemuck::Zeroable;
use rpv_core::{
    engine::{self, fees::FeeSummary, rebalance::TradeSummary, refresh::RefreshSummary, EngineError, EngineResult},
    fixed_point::{packed_index, Fx, SECONDS_PER_YEAR},
    layout::{AssetSlot, FeeState, RiskState, VaultState, BUDGET_ONE, MAX_ASSETS, METHOD_RISK_BUDGET, STATE_VERSION},
    math::Rounding,
    matrix::Packed,
    price::OraclePrice,
    rebalance::{qty_for_value, spot_leg_prices},
    risk_account,
    risk_parity::{quad_form, risk_contributions},
    valuation, CoreError,
};
use rpv_sdk::ix::{RebalanceParams, RiskParams};
use serde_json::{json, Value};

use crate::svg::{Chart, Series, YFormat};

/// Prices are read at this exponent (8 decimals).
pub const EXPO: i32 = -8;
/// Decimals of the simulated base token.
pub const BASE_DECIMALS: u8 = 6;

/// A parsed price history.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTable {
    pub names: Vec<String>,
    pub times: Vec<i64>,
    /// `rows × assets` mantissas at [`EXPO`].
    pub prices: Vec<Vec<u64>>,
}

/// A positive decimal price as a mantissa at 8 decimals (rounded half up beyond).
fn price_mantissa(text: &str) -> Option<u64> {
    let t = text.strip_prefix('+').unwrap_or(text);
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let w: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut digits: Vec<u32> = frac.chars().map(|c| c.to_digit(10).expect("checked")).collect();
    let round_up = digits.len() > 8 && digits[8] >= 5;
    digits.resize(8, 0);
    let f = digits.iter().fold(0u128, |acc, d| acc * 10 + u128::from(*d));
    let m = w.checked_mul(100_000_000)?.checked_add(f)? + u128::from(round_up);
    u64::try_from(m).ok().filter(|m| *m > 0 && *m <= i64::MAX as u64)
}

/// Parses the CSV (module doc); errors name the line.
pub fn parse_csv(text: &str) -> Result<PriceTable, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (_, header) = lines.next().ok_or("the CSV is empty")?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let names: Vec<String> = cols[1..].iter().map(|s| s.to_string()).collect();
    if names.is_empty() {
        return Err("line 1: the header needs a time column and at least one asset column".into());
    }
    if names.len() > MAX_ASSETS {
        return Err(format!("line 1: {} asset columns; the vault holds at most {MAX_ASSETS}", names.len()));
    }
    for (k, n) in names.iter().enumerate() {
        if n.is_empty() || names[..k].contains(n) {
            return Err(format!("line 1: asset names must be non-empty and distinct (`{n}`)"));
        }
    }
    let mut times = vec![];
    let mut prices = vec![];
    for (line, l) in lines {
        let cells: Vec<&str> = l.split(',').map(str::trim).collect();
        if cells.len() != cols.len() {
            return Err(format!("line {line}: {} fields, the header has {}", cells.len(), cols.len()));
        }
        let t = rpv_cli::config::unix_time(cells[0])
            .ok_or_else(|| format!("line {line}: `{}` is not unix seconds or a date (YYYY-MM-DD)", cells[0]))?;
        if t < 0 {
            return Err(format!("line {line}: times before 1970 are not supported"));
        }
        if times.last().is_some_and(|p| t <= *p) {
            return Err(format!("line {line}: times must increase strictly"));
        }
        let row = cells[1..]
            .iter()
            .zip(&names)
            .map(|(c, n)| {
                price_mantissa(c)
                    .ok_or_else(|| format!("line {line}: {n} price `{c}` is not a positive decimal (at least 1e-8)"))
            })
            .collect::<Result<Vec<u64>, String>>()?;
        times.push(t);
        prices.push(row);
    }
    if times.len() < 2 {
        return Err("the CSV needs at least two rows of prices".into());
    }
    Ok(PriceTable { names, times, prices })
}

/// How the backtest runs.
#[derive(Clone, Debug)]
pub struct Params {
    pub risk: RiskParams,
    pub rebalance: RebalanceParams,
    /// Maximum management, maximum performance, management, performance (bps).
    pub fees: [u16; 4],
    /// One per asset, summing to 10^9.
    pub budgets_ppb: Vec<u64>,
    /// Starting capital, base units (6 decimals).
    pub capital: u64,
    /// Oracle confidence, basis points of the price.
    pub conf_bps: u16,
    /// Start holding the first refresh's targets (else all in the base asset, as a new vault).
    pub start_invested: bool,
    /// Weights of the buy-and-hold benchmark (default: the budgets).
    pub static_weights: Vec<f64>,
    /// Returns in the rolling realised volatility.
    pub vol_window: usize,
}

impl Params {
    /// The program's defaults for `n` assets: equal budgets, 1,000,000 base tokens.
    pub fn defaults(n: usize) -> Self {
        let budgets: Vec<u64> =
            (0..n).map(|i| BUDGET_ONE / n as u64 + u64::from((i as u64) < BUDGET_ONE % n as u64)).collect();
        Self {
            risk: RiskParams::default(),
            rebalance: RebalanceParams::default(),
            fees: [rpv_sdk::ix::DEFAULT_MAX_MANAGEMENT_FEE_BPS, rpv_sdk::ix::DEFAULT_MAX_PERFORMANCE_FEE_BPS, 0, 0],
            static_weights: budgets.iter().map(|b| *b as f64 / 1e9).collect(),
            budgets_ppb: budgets,
            capital: 1_000_000 * 10u64.pow(u32::from(BASE_DECIMALS)),
            conf_bps: 0,
            start_invested: true,
            vol_window: 30,
        }
    }
}

/// The recorded path, one entry per row.
#[derive(Clone, Debug, Default)]
pub struct Track {
    pub times: Vec<i64>,
    /// NAV per share (starts at 1).
    pub nav: Vec<f64>,
    pub equal_weight: Vec<f64>,
    pub static_weights: Vec<f64>,
    /// `[row][asset]`.
    pub weights: Vec<Vec<f64>>,
    pub target_weights: Vec<Vec<f64>>,
    pub risk_contributions: Vec<Vec<f64>>,
    pub cash: Vec<f64>,
    pub realised_vol: Vec<f64>,
    pub ex_ante_vol: Vec<f64>,
    pub leverage: Vec<f64>,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub path: Track,
    pub stats: Value,
    /// The final accounts, for inspection.
    pub paper: PaperVault,
}

/// Token decimals for an asset whose cheapest price is `min_price` (mantissa), so that five
/// times the capital stays within a `u64` of its smallest units.
fn decimals_for(capital: u64, min_price: u64) -> u8 {
    let whole_capital = capital as f64 / 10f64.powi(i32::from(BASE_DECIMALS));
    let max_tokens = 5.0 * whole_capital / (min_price as f64 * 1e-8);
    (18.0 - max_tokens.max(1.0).log10().ceil()).clamp(0.0, 9.0) as u8
}

/// Zero-mean realised volatility of log returns `r` over `dt` (years): √(Σr² / Σdt).
pub fn realised(r: &[(f64, f64)]) -> f64 {
    let (s, t) = r.iter().fold((0.0, 0.0), |(s, t), (x, d)| (s + x * x, t + d));
    if t > 0.0 && r.len() >= 2 {
        (s / t).sqrt()
    } else {
        f64::NAN
    }
}

/// Largest fall from a running peak, as a fraction of the peak.
pub fn max_drawdown(x: &[f64]) -> f64 {
    let mut peak = f64::NEG_INFINITY;
    let mut worst = 0.0f64;
    for v in x {
        peak = peak.max(*v);
        if peak > 0.0 {
            worst = worst.max(1.0 - v / peak);
        }
    }
    worst
}

/// The vault on paper: its two accounts in the program's layout and the share mint's supply
/// (the fee shares minted to the recipient; the capital is the dead shares of the seed
/// deposit). Every change goes through the program's engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaperVault {
    pub vault: VaultState,
    pub risk: RiskState,
    pub share_supply: u64,
}

/// What one row sent and what the program answered, as the engine summarised it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowReport {
    /// `accrue_fees`.
    pub fees: FeeSummary,
    /// `refresh` (`RefreshTooSoon` when the last sample is closer than the minimum interval).
    pub refresh: EngineResult<RefreshSummary>,
    /// The keeper's `submit_weights` (`None`: not a risk-budget vault, or its weights in force
    /// still pass).
    pub weights: Option<EngineResult<()>>,
    /// Whether the vault bought its first targets this row ([`Params::start_invested`]).
    pub started: bool,
    /// The `rebalance` trades, in order.
    pub trades: Vec<TradeSummary>,
}

impl PaperVault {
    /// The vault as `initialize_vault` (the capital as seed deposit and dead shares, the fees
    /// of `p`), one `add_asset` per column (the budgets of `p`; token decimals that keep five
    /// times the capital within a `u64`), `set_risk_params` and `set_rebalance_params` leave it.
    pub fn new(table: &PriceTable, p: &Params) -> Result<Self, String> {
        let n = table.names.len();
        if p.budgets_ppb.len() != n {
            return Err("one budget per asset".into());
        }
        let t0 = table.times[0];
        let mut v = VaultState::zeroed();
        v.version = STATE_VERSION;
        v.base_decimals = BASE_DECIMALS;
        v.dead_shares = p.capital;
        v.base_quantity = p.capital;
        v.deposit_cap = u64::MAX;
        v.min_deposit = 1;
        v.created_at = t0;
        v.num_assets = n as u8;
        for i in 0..n {
            let min_price = table.prices.iter().map(|row| row[i]).min().unwrap_or(1);
            v.assets[i] = AssetSlot {
                mint: [i as u8 + 1; 32],
                token_account: [i as u8 + 101; 32],
                risk_budget: p.budgets_ppb[i],
                max_oracle_age: 86_400,
                max_conf_bps: 10_000,
                decimals: decimals_for(p.capital, min_price),
                ..AssetSlot::zeroed()
            };
        }
        v.fees = FeeState::new([0xfe; 32], p.fees, p.capital, p.capital, t0);
        let mut r = RiskState::zeroed();
        risk_account::init_defaults(&mut r);
        risk_account::write_risk_params(&p.risk, &mut v, &mut r);
        r.rebalance = p.rebalance;
        v.check_registry().and_then(|()| v.invariant()).map_err(|e| format!("backtest state: {e:?}"))?;
        Ok(Self { vault: v, risk: r, share_supply: 0 })
    }

    /// `accrue_fees` at `t`, NAV at `prices` rounded down; the fee shares are minted.
    pub fn accrue_fees(&mut self, prices: &[OraclePrice], t: i64) -> EngineResult<FeeSummary> {
        let nav = self.vault.nav_at(prices, t, Rounding::Down)?;
        let s = engine::fees::collect(&mut self.vault, self.share_supply, nav, t)?;
        self.share_supply = self.share_supply.checked_add(s.minted).ok_or(CoreError::MathOverflow)?;
        Ok(s)
    }

    /// `refresh` at `t` with every oracle read at `prices`; a refused refresh changes nothing
    /// (the transaction reverts).
    pub fn refresh(&mut self, prices: &[OraclePrice], t: i64) -> EngineResult<RefreshSummary> {
        engine::refresh::refresh_gate(&self.vault, &self.risk, t)?;
        let (mut v, mut r) = (self.vault, self.risk);
        let mut read = prices.to_vec();
        let all = u32::MAX >> (32 - u32::from(v.num_assets).clamp(1, 32));
        let s = engine::refresh::refresh(&mut v, &mut r, &mut read, all, t)?;
        (self.vault, self.risk) = (v, r);
        Ok(s)
    }

    /// The keeper's `submit_weights` at `t` for a risk-budget vault whose weights in force no
    /// longer pass the program's check (`None`: nothing to submit).
    pub fn submit_weights(&mut self, t: i64) -> Option<EngineResult<()>> {
        let (v, r) = (&self.vault, &mut self.risk);
        if r.method != METHOD_RISK_BUDGET || !rpv_keeper::weights::stale(v, r, t) {
            return None;
        }
        let w = match rpv_keeper::weights::solve(v, r, t) {
            Ok(w) => w,
            Err(e) => return Some(Err(EngineError::from(e))),
        };
        let mut after = *r;
        Some(engine::weights::submit(v, &mut after, &w, t).map(|_| *r = after))
    }

    /// `rebalance` of `leg` (a slot, or `AUTO_LEG`) at `t` with the leg's oracle at `prices`;
    /// the keeper pays what the plan asks. A refused trade changes nothing.
    pub fn rebalance(&mut self, leg: u8, prices: &[OraclePrice], t: i64) -> EngineResult<TradeSummary> {
        let (mut v, mut r) = (self.vault, self.risk);
        let i = engine::rebalance::select_leg(&v, &r, leg, t)?;
        engine::rebalance::leg_gate(&v, &r, i, t)?;
        let s = engine::rebalance::trade(&mut v, &mut r, i, Some(&prices[i]), None, 0, u64::MAX, 0, t)?;
        engine::rebalance::settle(&mut v, &s)?;
        (self.vault, self.risk) = (v, r);
        Ok(s)
    }

    /// The keeper's trades at `t`: the leg the program picks while it trades; once the program
    /// refuses a leg, the others by name (each refused leg is not sent again this row).
    pub fn keeper_trades(&mut self, prices: &[OraclePrice], t: i64) -> Vec<TradeSummary> {
        let n = usize::from(self.vault.num_assets);
        let mut trades = vec![];
        let mut refused = 0u32;
        while trades.len() < 4 * n + 4 {
            let Ok(auto) = engine::rebalance::select_leg(&self.vault, &self.risk, rpv_core::rebalance::AUTO_LEG, t)
            else {
                break; // every leg inside its band or cooling down, or the risk state stale
            };
            let mut traded = false;
            for i in std::iter::once(auto).chain(0..n) {
                if refused & (1 << i) != 0 {
                    continue;
                }
                match self.rebalance(i as u8, prices, t) {
                    Ok(s) => {
                        trades.push(s);
                        traded = true;
                        break;
                    }
                    Err(_) => refused |= 1 << i,
                }
            }
            if !traded {
                break;
            }
        }
        trades
    }

    /// Holds the targets of the last positions step, bought at fair prices from the base
    /// without costs (not a program step: a start that skips the first days of buying), then
    /// runs the positions step (`update_positions`) on the holdings.
    pub fn hold_targets(&mut self, prices: &[OraclePrice]) -> EngineResult<()> {
        let (v, r) = (&mut self.vault, &mut self.risk);
        for (i, price) in prices.iter().enumerate() {
            let fair = spot_leg_prices(price)?.fair;
            let decimals = v.assets[i].decimals;
            let q = qty_for_value(r.targets[i], fair, decimals, v.base_decimals)?;
            let cost = valuation::fx_value_in_base(q, fair, decimals, v.base_decimals, Rounding::Up)?;
            if cost <= v.base_quantity {
                v.assets[i].quantity = q;
                v.base_quantity -= cost;
            }
        }
        engine::positions::update(v, r).map(|_| ())
    }

    /// One row at `t`: fees, refresh, weights, (the first targets when `start`), the keeper's
    /// trades. `Err` only when the vault cannot be valued or its fees not accrued.
    pub fn step(&mut self, prices: &[OraclePrice], t: i64, start: bool) -> EngineResult<RowReport> {
        let fees = self.accrue_fees(prices, t)?;
        let refresh = self.refresh(prices, t);
        let weights = if refresh.is_ok() { self.submit_weights(t) } else { None };
        let started = start && self.risk.nav_snapshot > 0;
        if started {
            self.hold_targets(prices)?;
        }
        let trades = self.keeper_trades(prices, t);
        Ok(RowReport { fees, refresh, weights, started, trades })
    }
}

/// The oracle values of a row: the prices at [`EXPO`], published at `t`, confidence
/// `conf_bps` of the price.
pub fn oracle_prices(row: &[u64], conf_bps: u16, t: i64) -> Vec<OraclePrice> {
    row.iter()
        .map(|m| OraclePrice {
            price: *m,
            conf: (u128::from(*m) * u128::from(conf_bps) / 10_000) as u64,
            expo: EXPO,
            publish_time: t,
        })
        .collect()
}

/// Runs the backtest.
pub fn run(table: &PriceTable, p: &Params) -> Result<Outcome, String> {
    let n = table.names.len();
    if p.static_weights.len() != n {
        return Err("one static weight per asset".into());
    }
    let mut paper = PaperVault::new(table, p)?;
    let t0 = table.times[0];
    let unit = |x: u64| x as f64 / 10f64.powi(i32::from(BASE_DECIMALS));
    let mut path = Track::default();
    let (mut traded, mut incentives, mut net_cost, mut trades) = (0u128, 0u128, 0i128, 0u64);
    let (mut fee_management, mut fee_performance) = (0f64, 0f64);
    let (mut refresh_failures, mut refresh_skipped) = (0u64, 0u64);
    let mut first_error: Option<String> = None;
    let mut nav_sum = 0f64;
    let mut returns: Vec<(f64, f64)> = vec![];
    let mut ew_returns: Vec<(f64, f64)> = vec![];
    let mut st_returns: Vec<(f64, f64)> = vec![];
    let first_prices: Vec<f64> = table.prices[0].iter().map(|m| *m as f64).collect();
    let mut ew = 1.0f64;

    for (k, (&t, row)) in table.times.iter().zip(&table.prices).enumerate() {
        let prices = oracle_prices(row, p.conf_bps, t);
        let err = |e: EngineError| format!("row {} ({}): {e}", k + 1, crate::svg::format_time(t));
        let report = paper.step(&prices, t, k == 0 && p.start_invested).map_err(err)?;

        // what the steps did
        let f = &report.fees;
        let issued_value = |shares: u64| unit(shares) * f.nav as f64 / f.total_shares_after as f64;
        fee_management += issued_value(f.accrual.management);
        fee_performance += issued_value(f.accrual.performance);
        let refused = match (&report.refresh, &report.weights) {
            (Err(EngineError::RefreshTooSoon), _) => {
                refresh_skipped += 1;
                None
            }
            (Err(e), _) => Some(format!("{e}")),
            (Ok(_), Some(Err(e))) => Some(format!("submit_weights: {e}")),
            _ => None,
        };
        if let Some(e) = refused {
            refresh_failures += 1;
            first_error.get_or_insert(e);
        }
        for s in &report.trades {
            traded += u128::from(s.plan.fair_value);
            incentives += u128::from(s.plan.incentive);
            net_cost += i128::from(s.plan.cost);
            trades += 1;
        }

        // record
        let (v, r) = (&paper.vault, &paper.risk);
        let q = engine::quote::quote(v, r, paper.share_supply, &prices, t).map_err(|e| err(e.into()))?;
        let nav = q.nav;
        let nps = nav as f64 / q.total_shares as f64;
        nav_sum += nav as f64;
        let mut w = vec![0f64; n];
        let mut wfx = vec![Fx::ZERO; n];
        for i in 0..n {
            let value = valuation::slot_value(v, i, &prices, t, Rounding::Down).map_err(|e| err(e.into()))?;
            w[i] = value as f64 / nav as f64;
            wfx[i] = Fx::from_num(value) / Fx::from_num(nav.max(1));
        }
        let cov = Packed { n, bits: &r.cov };
        let mut rc = vec![f64::NAN; n];
        let mut ex_ante = f64::NAN;
        if r.samples > 0 && wfx.iter().any(|x| *x > 0) {
            let mut out = [Fx::ZERO; MAX_ASSETS];
            if risk_contributions(&cov, &wfx, &mut out).is_ok() {
                for i in 0..n {
                    rc[i] = out[i].to_num();
                }
            }
            if let Ok(q) = quad_form(&cov, &wfx) {
                ex_ante = q.to_num::<f64>().max(0.0).sqrt();
            }
        }
        if k > 0 {
            let dt = (t - table.times[k - 1]) as f64 / SECONDS_PER_YEAR as f64;
            returns.push(((nps / path.nav[k - 1]).ln(), dt));
            let growth: f64 = (0..n).map(|i| row[i] as f64 / table.prices[k - 1][i] as f64).sum::<f64>() / n as f64;
            let ew_before = ew;
            ew *= growth;
            ew_returns.push(((ew / ew_before).ln(), dt));
        }
        let st: f64 = (0..n).map(|i| p.static_weights[i] * row[i] as f64 / first_prices[i]).sum();
        if k > 0 {
            let dt = (t - table.times[k - 1]) as f64 / SECONDS_PER_YEAR as f64;
            st_returns.push(((st / path.static_weights[k - 1]).ln(), dt));
        }
        let lev = Fx::from_bits(q.leverage_bits).to_num::<f64>();
        path.times.push(t);
        path.nav.push(nps);
        path.equal_weight.push(ew);
        path.static_weights.push(st);
        path.cash.push(v.base_quantity as f64 / nav as f64);
        path.target_weights.push((0..n).map(|i| r.weights[i].get().to_num::<f64>() * lev).collect());
        path.weights.push(w);
        path.risk_contributions.push(rc);
        path.ex_ante_vol.push(ex_ante);
        path.leverage.push(lev);
        let from = returns.len().saturating_sub(p.vol_window);
        path.realised_vol.push(if returns.len() >= 2 { realised(&returns[from..]) } else { f64::NAN });
    }

    let r = &paper.risk;
    let rows = table.times.len();
    let years = (table.times[rows - 1] - t0) as f64 / SECONDS_PER_YEAR as f64;
    let summary = |x: &[f64], rets: &[(f64, f64)]| {
        let total = x[x.len() - 1] / x[0] - 1.0;
        json!({
            "total_return": total,
            "annualised_return": if years > 0.0 { (1.0 + total).powf(1.0 / years) - 1.0 } else { f64::NAN },
            "realised_vol": realised(rets),
            "max_drawdown": max_drawdown(x),
        })
    };
    let avg_nav = unit((nav_sum / rows as f64) as u64);
    let fees_total = fee_management + fee_performance;
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let stats = json!({
        "assets": table.names,
        "rows": rows,
        "start": crate::svg::format_time(t0),
        "end": crate::svg::format_time(table.times[rows - 1]),
        "years": years,
        "method": if p.risk.method == METHOD_RISK_BUDGET { "risk-budget" } else { "inverse-vol" },
        "vol_target": f64::from(p.risk.vol_target_bps) / 1e4,
        "capital": unit(p.capital),
        "vault": summary(&path.nav, &returns),
        "equal_weight": summary(&path.equal_weight, &ew_returns),
        "static_weights": {
            "weights": p.static_weights,
            "summary": summary(&path.static_weights, &st_returns),
        },
        "average_leverage": mean(&path.leverage),
        "average_cash_weight": mean(&path.cash),
        "turnover": {
            "traded": unit(u64::try_from(traded).unwrap_or(u64::MAX)),
            "annualised": if years > 0.0 && avg_nav > 0.0 { unit(u64::try_from(traded).unwrap_or(u64::MAX)) / avg_nav / years } else { f64::NAN },
        },
        "trades": trades,
        "fees": {"management": fee_management, "performance": fee_performance, "total": fees_total},
        "keeper": {
            "incentives": unit(u64::try_from(incentives).unwrap_or(u64::MAX)),
            "net_cost": net_cost as f64 / 10f64.powi(i32::from(BASE_DECIMALS)),
        },
        "refresh_failures": refresh_failures,
        "refresh_skipped": refresh_skipped,
        "first_refresh_error": first_error,
        "final": {
            "weights": path.weights[rows - 1],
            "target_weights": path.target_weights[rows - 1],
            "cash_weight": path.cash[rows - 1],
            "model_weights": (0..n).map(|i| r.weights[i].get().to_num::<f64>()).collect::<Vec<_>>(),
            "leverage": path.leverage[rows - 1],
            "vols": (0..n).map(|i| r.cov[packed_index(i, i)].get().to_num::<f64>().max(0.0).sqrt()).collect::<Vec<_>>(),
        },
    });
    Ok(Outcome { path, stats, paper })
}

/// `(time, value)` points of one column of the path.
fn column(path: &Track, f: &dyn Fn(usize) -> f64) -> Vec<(f64, f64)> {
    path.times.iter().enumerate().map(|(k, t)| (*t as f64, f(k))).collect()
}

/// Held weights (solid) against the targets `L·w` (dashed), and cash.
pub fn weights_chart(names: &[String], path: &Track) -> Chart {
    let col = |f: &dyn Fn(usize) -> f64| column(path, f);
    let n = names.len();
    let mut weights =
        Chart::new("Weights over time (solid: held, dashed: target L·w)", "share of NAV", YFormat::Percent);
    weights.y_zero = true;
    for (i, name) in names.iter().enumerate() {
        weights.series.push(Series::new(name, col(&|k| path.weights[k][i])).colour(i));
    }
    weights.series.push(Series::new("cash (base)", col(&|k| path.cash[k])).colour(n));
    for (i, name) in names.iter().enumerate() {
        weights
            .series
            .push(Series::new(&format!("{name} target"), col(&|k| path.target_weights[k][i])).colour(i).dashed());
    }
    weights
}

/// NAV per share against the equal-weight and static-weight benchmarks.
pub fn nav_chart(path: &Track) -> Chart {
    let col = |f: &dyn Fn(usize) -> f64| column(path, f);
    let mut nav = Chart::new("NAV per share vs benchmarks (growth of 1)", "value", YFormat::Number);
    nav.series.push(Series::new("vault (after fees)", col(&|k| path.nav[k])));
    nav.series.push(Series::new("equal weight (rebalanced)", col(&|k| path.equal_weight[k])));
    nav.series.push(Series::new("static weights (buy and hold)", col(&|k| path.static_weights[k])));
    nav
}

/// The four charts.
pub fn charts(names: &[String], path: &Track, budgets: &[f64], vol_target: f64) -> Vec<(&'static str, Chart)> {
    let col = |f: &dyn Fn(usize) -> f64| column(path, f);

    let mut rc = Chart::new("Risk contributions of the holdings (dashed: budgets)", "share of risk", YFormat::Percent);
    rc.y_zero = true;
    for (i, name) in names.iter().enumerate() {
        rc.series.push(Series::new(name, col(&|k| path.risk_contributions[k][i])).colour(i));
    }
    for (i, name) in names.iter().enumerate() {
        rc.series.push(Series::new(&format!("{name} budget"), col(&|_| budgets[i])).colour(i).dashed());
    }

    let mut vol = Chart::new("Realised vs target volatility (annualised)", "volatility", YFormat::Percent);
    vol.y_zero = true;
    vol.series.push(Series::new("realised (rolling)", col(&|k| path.realised_vol[k])));
    vol.series.push(Series::new("ex-ante (holdings, EWMA)", col(&|k| path.ex_ante_vol[k])).dashed());
    vol.series.push(Series::new("target", col(&|_| vol_target)));

    vec![
        ("weights.svg", weights_chart(names, path)),
        ("risk_contributions.svg", rc),
        ("volatility.svg", vol),
        ("nav.svg", nav_chart(path)),
    ]
}

/// The path as CSV (one row per price row).
pub fn series_csv(names: &[String], path: &Track) -> String {
    series_csv_with(names, path, &[])
}

/// [`series_csv`] with `extra` columns `(name, one value per row)` after the path's own.
pub fn series_csv_with(names: &[String], path: &Track, extra: &[(String, Vec<f64>)]) -> String {
    let mut s = String::from("time,nav_per_share,equal_weight,static_weights,cash_weight");
    for prefix in ["weight", "target", "rc"] {
        for n in names {
            s += &format!(",{prefix}_{n}");
        }
    }
    s += ",realised_vol,ex_ante_vol,leverage";
    for (name, _) in extra {
        s += &format!(",{name}");
    }
    s.push('\n');
    let num = |x: f64| if x.is_finite() { format!("{x:.10}") } else { String::new() };
    for k in 0..path.times.len() {
        let mut row = vec![
            path.times[k].to_string(),
            num(path.nav[k]),
            num(path.equal_weight[k]),
            num(path.static_weights[k]),
            num(path.cash[k]),
        ];
        row.extend(path.weights[k].iter().map(|x| num(*x)));
        row.extend(path.target_weights[k].iter().map(|x| num(*x)));
        row.extend(path.risk_contributions[k].iter().map(|x| num(*x)));
        row.extend([num(path.realised_vol[k]), num(path.ex_ante_vol[k]), num(path.leverage[k])]);
        row.extend(extra.iter().map(|(_, v)| num(v.get(k).copied().unwrap_or(f64::NAN))));
        s += &row.join(",");
        s.push('\n');
    }
    s
}

/// Writes the charts and `series.csv` into `dir`; returns the files written.
pub fn write_outputs(dir: &Path, table: &PriceTable, p: &Params, o: &Outcome) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let budgets: Vec<f64> = p.budgets_ppb.iter().map(|b| *b as f64 / 1e9).collect();
    let mut out = vec![];
    for (file, chart) in charts(&table.names, &o.path, &budgets, f64::from(p.risk.vol_target_bps) / 1e4) {
        let path = dir.join(file);
        std::fs::write(&path, chart.render()).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        out.push(path);
    }
    let path = dir.join("series.csv");
    std::fs::write(&path, series_csv(&table.names, &o.path))
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    out.push(path);
    Ok(out)
}

/// The statistics as text.
pub fn text(s: &Value) -> String {
    let pct = |v: &Value| v.as_f64().map(|x| format!("{:.2}%", 100.0 * x)).unwrap_or_else(|| "–".into());
    let num = |v: &Value| v.as_f64().map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into());
    let line = |name: &str, v: &Value| {
        format!(
            "  {name:<30} return {:>9} ({:>8}/yr)  realised vol {:>8}  max drawdown {:>8}\n",
            pct(&v["total_return"]),
            pct(&v["annualised_return"]),
            pct(&v["realised_vol"]),
            pct(&v["max_drawdown"])
        )
    };
    let mut out = format!(
        "backtest of {} over {} rows, {} to {} ({:.2} years), {} with a {} volatility target\n",
        s["assets"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        s["rows"],
        s["start"].as_str().unwrap_or(""),
        s["end"].as_str().unwrap_or(""),
        s["years"].as_f64().unwrap_or(0.0),
        s["method"].as_str().unwrap_or(""),
        pct(&s["vol_target"]),
    );
    out += &line("vault (NAV per share)", &s["vault"]);
    out += &line("equal weight (rebalanced)", &s["equal_weight"]);
    out += &line("static weights (buy and hold)", &s["static_weights"]["summary"]);
    out += &format!(
        "  average leverage {:.3}, average cash {}\n",
        s["average_leverage"].as_f64().unwrap_or(f64::NAN),
        pct(&s["average_cash_weight"])
    );
    out += &format!(
        "  turnover {} base ({} of average NAV per year), {} trades\n",
        num(&s["turnover"]["traded"]),
        pct(&s["turnover"]["annualised"]),
        s["trades"]
    );
    out += &format!(
        "  fees paid {} base (management {}, performance {})\n",
        num(&s["fees"]["total"]),
        num(&s["fees"]["management"]),
        num(&s["fees"]["performance"])
    );
    out += &format!(
        "  keeper incentives {} base (net cost against fair value {})\n",
        num(&s["keeper"]["incentives"]),
        num(&s["keeper"]["net_cost"])
    );
    if s["refresh_failures"].as_u64().unwrap_or(0) > 0 {
        out += &format!(
            "  refreshes refused: {} (first: {})\n",
            s["refresh_failures"],
            s["first_refresh_error"].as_str().unwrap_or("")
        );
    }
    if let Some(files) = s["outputs"].as_array() {
        out += "  wrote";
        for f in files {
            out += &format!(" {}", f.as_str().unwrap_or(""));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}
