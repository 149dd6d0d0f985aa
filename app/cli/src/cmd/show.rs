//! `rpv show`: the vault as the program sees it now, computed from the accounts with the core
//! crate — NAV and share price, each position against its target and band, risk contributions
//! and volatilities from the EWMA covariance, Greeks per underlying against their limits,
//! oracle health, fees and the rebalancing book.

use std::{fmt, path::PathBuf};

use rpv_core::{
    fixed_point::{packed_index, Fx},
    layout::{OracleKind, MAX_ASSETS, MAX_N},
    math::Rounding,
    oracle_health::OracleHealth,
    positions::greek_bounds,
    price::OraclePrice,
    rebalance::scaled_target,
    risk_account,
    risk_parity::risk_contributions,
    valuation::{needs_own_oracle, slot_value},
};
use rpv_sdk::{client::read_oracle, pk, Pubkey};
use serde::Serialize;

use super::{format_amount, labeller, on_chain, Conn, Target, VaultArg};

/// The vault now: NAV, positions, risk, Greeks, oracle health, fees.
///
/// The vault now: NAV and share price, positions against targets and bands, volatilities from
/// the EWMA covariance and risk contributions (of the weights in force and of the holdings),
/// Greeks per underlying against their limits, oracle health (age, confidence), fees and the
/// rebalancing book.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    /// Label assets with this vault configuration's symbols (with --svm the state's are used).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(target: &Target, args: Args) -> Result<ShowReport, String> {
    on_chain(target, false, |conn, _| {
        let vault = args.vault.get(conn)?;
        let label = labeller(conn, args.config.as_deref())?;
        report(conn, &vault, &label)
    })
}

#[derive(Debug, Serialize)]
pub struct ShowReport {
    pub vault: String,
    pub admin: String,
    pub guardian: String,
    pub base_mint: String,
    pub share_mint: String,
    pub base_decimals: u8,
    pub now: i64,
    pub slot: u64,
    pub paused: bool,
    pub allowlist: bool,
    pub timelock_secs: u32,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    /// Every oracle the NAV needs is valid (else the last published values are used).
    pub prices_fresh: bool,
    pub nav: Option<u64>,
    pub nav_round_up: Option<u64>,
    pub share_supply: u64,
    pub total_shares: Option<u64>,
    pub share_price: Option<f64>,
    pub base: Base,
    pub risk: Risk,
    pub positions: Vec<Position>,
    pub greeks: Vec<Greeks>,
    pub oracles: Vec<Oracle>,
    pub fees: Fees,
    pub rebalance: Book,
}

#[derive(Debug, Serialize)]
pub struct Base {
    pub quantity: u64,
    pub weight: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Risk {
    pub method: &'static str,
    pub samples: u64,
    pub refreshed_at: i64,
    pub age_secs: Option<i64>,
    pub fresh: bool,
    pub max_risk_age: u32,
    pub portfolio_vol: f64,
    pub leverage: f64,
    pub vol_target: f64,
    pub max_leverage: f64,
    pub band_bps: u16,
    pub nav_snapshot: u64,
}

#[derive(Debug, Serialize)]
pub struct Position {
    pub index: usize,
    pub label: String,
    pub mint: String,
    pub kind: &'static str,
    pub quantity: u64,
    pub decimals: u8,
    pub price: Option<f64>,
    pub value: Option<u64>,
    pub weight: Option<f64>,
    pub target: Option<u64>,
    pub target_weight: f64,
    pub band: Option<u64>,
    pub distance: Option<f64>,
    pub outside_band: Option<bool>,
    pub budget: f64,
    pub model_weight: f64,
    pub risk_contribution_target: Option<f64>,
    pub risk_contribution_now: Option<f64>,
    pub vol: Option<f64>,
    pub underlying: Option<u8>,
    pub expiry: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Greeks {
    pub underlying: usize,
    pub label: String,
    pub net_delta: f64,
    pub net_gamma: f64,
    pub net_vega: f64,
    pub max_delta: Option<f64>,
    pub max_gamma: Option<f64>,
    pub max_vega: Option<f64>,
    pub breach: bool,
}

#[derive(Debug, Serialize)]
pub struct Oracle {
    pub index: usize,
    pub label: String,
    pub oracle: String,
    pub kind: &'static str,
    pub value: Option<f64>,
    pub age: Option<i64>,
    pub age_unit: &'static str,
    pub max_age: u32,
    pub conf_bps: Option<f64>,
    pub max_conf_bps: u16,
    pub health: &'static str,
    pub error: Option<String>,
    pub needed: bool,
}

#[derive(Debug, Serialize)]
pub struct Fees {
    pub recipient: String,
    pub management_bps: u16,
    pub performance_bps: u16,
    pub max_management_bps: u16,
    pub max_performance_bps: u16,
    pub pending_shares: u64,
    pub high_water_mark: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Book {
    pub trades: u64,
    pub total_incentive: u64,
    pub total_cost: i64,
    pub day_turnover: u64,
    pub day_reduction: u64,
    pub day_incentive: u64,
}

fn health_name(h: OracleHealth) -> &'static str {
    match h {
        OracleHealth::Valid => "valid",
        OracleHealth::Stale => "stale",
        OracleHealth::TooUncertain => "too-uncertain",
        OracleHealth::Invalid => "invalid",
    }
}

fn f(x: Fx) -> f64 {
    x.to_num::<f64>()
}

fn price_f64(p: &OraclePrice) -> f64 {
    if p.expo < 0 {
        p.price as f64 / 10f64.powi(-p.expo)
    } else {
        p.price as f64 * 10f64.powi(p.expo)
    }
}

/// The report. `label` names a mint (a symbol when known).
pub fn report(conn: &mut Conn, vault_key: &Pubkey, label: &dyn Fn(&Pubkey) -> String) -> Result<ShowReport, String> {
    let l = conn.fetch(vault_key)?;
    let (v, r, clock, supply) = (&l.vault, &l.risk, &l.clock, l.share_supply);
    let now = clock.unix_timestamp;
    let n = usize::from(v.num_assets);
    let bd = v.base_decimals;

    // oracles: the strict read gives the health; a relaxed read (no age or confidence bound)
    // gives the last published value, used when the strict one fails
    let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_ASSETS];
    let mut all_fresh = true;
    let mut priced = true;
    let mut oracles = vec![];
    for (i, slot) in v.active_assets().iter().enumerate() {
        let acct = l.oracles[i].as_ref();
        let unread = Err(rpv_core::CoreError::OracleInvalidAccount);
        let strict = acct.map_or(unread, |a| read_oracle(slot, a, clock, slot.max_oracle_age));
        let any_conf = rpv_core::layout::AssetSlot { max_conf_bps: 10_000, ..*slot };
        let relaxed = acct.map_or(unread, |a| read_oracle(&any_conf, a, clock, u32::MAX));
        let health = OracleHealth::of(&strict);
        let needed = needs_own_oracle(v, i, now);
        if needed {
            all_fresh &= health == OracleHealth::Valid;
            match relaxed {
                Ok(p) => prices[i] = p,
                Err(_) => priced = false,
            }
        }
        let switchboard = OracleKind::from_u8(slot.oracle_kind) == Some(OracleKind::Switchboard);
        let (age, unit) = match (&relaxed, switchboard, acct) {
            (_, true, Some(a)) => match rpv_core::switchboard::PullFeed::decode(&a.data) {
                Ok(feed) => (Some(clock.slot as i64 - feed.result_slot as i64), "slots"),
                Err(_) => (None, "slots"),
            },
            (Ok(p), false, _) => (Some(now - p.publish_time), "seconds"),
            _ => (None, if switchboard { "slots" } else { "seconds" }),
        };
        let conf_bps = relaxed.as_ref().ok().map(|p| p.conf as f64 * 10_000.0 / p.price as f64);
        oracles.push(Oracle {
            index: i,
            label: label(&pk(&slot.mint)),
            oracle: pk(&slot.oracle).to_string(),
            kind: OracleKind::from_code(slot.oracle_kind).map_or("unknown", |k| k.name()),
            value: relaxed.as_ref().ok().map(price_f64),
            age,
            age_unit: unit,
            max_age: slot.max_oracle_age,
            conf_bps,
            max_conf_bps: slot.max_conf_bps,
            health: health_name(health),
            error: strict.err().map(|e| format!("{e:?}")),
            needed,
        });
    }

    let nav_pair = if priced { v.nav_both_at(&prices[..n], now).ok() } else { None };
    let nav = nav_pair.map(|p| p.0);
    let total = v.total_shares_after_fees(supply, nav, now).ok();
    let band = nav.map(|x| (u128::from(x) * u128::from(r.band_bps) / 10_000) as u64);

    // risk contributions: of the weights in force, and of the holdings now
    let mut budgets = [0u64; MAX_N];
    let nb = v.budgets_ppb(&mut budgets);
    let mut rc_model = [None::<f64>; MAX_ASSETS];
    let mut rc_now = [None::<f64>; MAX_ASSETS];
    let mut values = [0u64; MAX_ASSETS];
    for (i, value) in values.iter_mut().enumerate().take(n) {
        *value = if priced { slot_value(v, i, &prices[..n], now, Rounding::Down).unwrap_or(0) } else { 0 };
    }
    if r.samples > 0 && nb > 0 {
        if let Ok(bk) = risk_account::book(r, &budgets[..nb]) {
            let m = bk.m;
            let mut rc = [Fx::ZERO; MAX_N];
            if usize::from(r.weights_n) == n {
                let w: Vec<Fx> = (0..m).map(|k| r.weights[bk.idx[k]].get()).collect();
                if risk_contributions(&bk.view, &w, &mut rc).is_ok() {
                    for k in 0..m {
                        rc_model[bk.idx[k]] = Some(f(rc[k]));
                    }
                }
            }
            if let Some(nav) = nav.filter(|x| *x > 0) {
                let w: Vec<Fx> = (0..m).map(|k| Fx::from_num(values[bk.idx[k]]) / Fx::from_num(nav)).collect();
                if w.iter().any(|x| *x > 0) && risk_contributions(&bk.view, &w, &mut rc).is_ok() {
                    for k in 0..m {
                        rc_now[bk.idx[k]] = Some(f(rc[k]));
                    }
                }
            }
        }
    }

    let mut positions = vec![];
    for (i, slot) in v.active_assets().iter().enumerate() {
        let sampled = r.sampled_mask & (1 << i) != 0;
        let vol = sampled.then(|| f(r.cov[packed_index(i, i)].get()).max(0.0).sqrt());
        let value = priced.then_some(values[i]);
        let target = match nav {
            Some(x) if r.nav_snapshot > 0 => scaled_target(r, i, x).ok(),
            _ => None,
        };
        let distance = match (value, target) {
            (Some(a), Some(b)) => Some(a as i128 - b as i128),
            _ => None,
        };
        let kind = rpv_sdk::ix::OptionKind::from_slot_code(slot.option.kind).map_or("spot", |k| k.name());
        positions.push(Position {
            index: i,
            label: label(&pk(&slot.mint)),
            mint: pk(&slot.mint).to_string(),
            kind,
            quantity: slot.quantity,
            decimals: slot.decimals,
            price: needs_own_oracle(v, i, now).then(|| price_f64(&prices[i])).filter(|_| priced),
            value,
            weight: match (value, nav) {
                (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64),
                _ => None,
            },
            target,
            target_weight: f(r.weights[i].get()) * f(r.leverage.get()),
            band,
            distance: distance.map(|d| d as f64),
            outside_band: match (distance, band) {
                (Some(d), Some(b)) => Some(d.unsigned_abs() > u128::from(b)),
                _ => None,
            },
            budget: slot.risk_budget as f64 / 1e9,
            model_weight: f(r.weights[i].get()),
            risk_contribution_target: rc_model[i],
            risk_contribution_now: rc_now[i],
            vol,
            underlying: slot.option.is_option().then_some(slot.option.underlying),
            expiry: slot.option.is_option().then_some(slot.option.expiry),
        });
    }

    let bounds = greek_bounds(r, r.nav_snapshot).unwrap_or([None; 3]);
    let mut greeks = vec![];
    for (u, slot) in v.active_assets().iter().enumerate() {
        if slot.option.is_option() {
            continue;
        }
        let g = [f(r.net_delta[u].get()), f(r.net_gamma[u].get()), f(r.net_vega[u].get())];
        greeks.push(Greeks {
            underlying: u,
            label: label(&pk(&slot.mint)),
            net_delta: g[0],
            net_gamma: g[1],
            net_vega: g[2],
            max_delta: bounds[0].map(f),
            max_gamma: bounds[1].map(f),
            max_vega: bounds[2].map(f),
            breach: r.greek_breach_mask & (1 << u) != 0,
        });
    }

    let fees = &v.fees;
    Ok(ShowReport {
        vault: vault_key.to_string(),
        admin: pk(&v.admin).to_string(),
        guardian: pk(&v.guardian).to_string(),
        base_mint: pk(&v.base_mint).to_string(),
        share_mint: pk(&v.share_mint).to_string(),
        base_decimals: bd,
        now,
        slot: clock.slot,
        paused: v.is_paused(),
        allowlist: v.allowlist_enabled(),
        timelock_secs: v.timelock_secs,
        deposit_cap: v.deposit_cap,
        min_deposit: v.min_deposit,
        prices_fresh: all_fresh,
        nav,
        nav_round_up: nav_pair.map(|p| p.1),
        share_supply: supply,
        total_shares: total,
        share_price: match (nav, total) {
            (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64),
            _ => None,
        },
        base: Base {
            quantity: v.base_quantity,
            weight: nav.filter(|x| *x > 0).map(|x| v.base_quantity as f64 / x as f64),
        },
        risk: Risk {
            method: if r.method == 1 { "risk-budget" } else { "inverse-vol" },
            samples: r.samples,
            refreshed_at: v.risk_refreshed_at,
            age_secs: (v.risk_refreshed_at > 0).then(|| now - v.risk_refreshed_at),
            fresh: v.risk_is_fresh(now),
            max_risk_age: v.max_risk_age,
            portfolio_vol: f(r.portfolio_vol.get()),
            leverage: f(r.leverage.get()),
            vol_target: f(r.vol_target.get()),
            max_leverage: f(r.max_leverage.get()),
            band_bps: r.band_bps,
            nav_snapshot: r.nav_snapshot,
        },
        positions,
        greeks,
        oracles,
        fees: Fees {
            recipient: pk(&fees.recipient).to_string(),
            management_bps: fees.management_bps,
            performance_bps: fees.performance_bps,
            max_management_bps: fees.max_management_bps,
            max_performance_bps: fees.max_performance_bps,
            pending_shares: fees.pending_shares,
            high_water_mark: (fees.hwm_shares > 0).then(|| fees.hwm_nav as f64 / fees.hwm_shares as f64),
        },
        rebalance: Book {
            trades: r.book.trades,
            total_incentive: r.book.total_incentive,
            total_cost: r.book.total_cost,
            day_turnover: r.book.turnover,
            day_reduction: r.book.reduction,
            day_incentive: r.book.incentive,
        },
    })
}

/// Columns padded to their widest cell (numbers right-aligned).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&width)
            .enumerate()
            .map(|(k, (c, w))| {
                let pad = w - c.chars().count();
                let numeric = k > 0 && c.chars().next().is_some_and(|x| x.is_ascii_digit() || x == '-' || x == '+');
                if numeric {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(headers.to_vec())];
    for r in rows {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

fn opt(x: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    x.map(fmt).unwrap_or_else(|| "–".into())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// The report as tables.
impl fmt::Display for ShowReport {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.base_decimals;
        let money = |v: Option<u64>| v.map(|x| format_amount(x, d)).unwrap_or_else(|| "–".into());
        let base = |x: f64| format!("{:.2}", x / 10f64.powi(i32::from(d)));
        let mut s = format!("vault {}\n", self.vault);
        s += &format!(
            "  admin {}  paused {}  allowlist {}  timelock {} s\n",
            self.admin, self.paused, self.allowlist, self.timelock_secs
        );
        s += &format!(
            "  NAV {} (deposits priced at {})  shares {}  share price {}{}\n",
            money(self.nav),
            money(self.nav_round_up),
            money(self.total_shares),
            opt(self.share_price, |x| format!("{x:.6}")),
            if self.prices_fresh { "" } else { "  (some oracles are not valid: last published prices)" }
        );
        let risk = &self.risk;
        s += &format!(
            "  risk: {} | {} samples | refreshed {} s ago ({}) | σp {} → L {:.3} (target σ {}, cap {:.2}) | band {} bps\n",
            risk.method,
            risk.samples,
            risk.age_secs.map(|a| a.to_string()).unwrap_or_else(|| "never".into()),
            if risk.fresh { "fresh" } else { "stale" },
            pct(risk.portfolio_vol),
            risk.leverage,
            pct(risk.vol_target),
            risk.max_leverage,
            risk.band_bps
        );
        s += "\npositions\n";
        let q = money(Some(self.base.quantity));
        let e = String::new;
        let mut rows =
            vec![vec!["base".into(), e(), q.clone(), e(), q, opt(self.base.weight, pct), e(), e(), e(), e()]];
        for p in &self.positions {
            let status = match p.outside_band {
                Some(true) => "outside band",
                Some(false) => "within band",
                None => "–",
            };
            rows.push(vec![
                p.label.clone(),
                p.kind.to_string(),
                format_amount(p.quantity, p.decimals),
                opt(p.price, |x| format!("{x:.4}")),
                money(p.value),
                opt(p.weight, pct),
                money(p.target),
                opt(p.distance, base),
                money(p.band),
                status.to_string(),
            ]);
        }
        let headers = ["asset", "kind", "quantity", "price", "value", "weight", "target", "value−target", "band", ""];
        s += &table(&headers, &rows);
        s += "\n\nrisk\n";
        let rows: Vec<Vec<String>> = self
            .positions
            .iter()
            .map(|p| {
                vec![
                    p.label.clone(),
                    opt(p.vol, pct),
                    pct(p.budget),
                    pct(p.model_weight),
                    pct(p.target_weight),
                    opt(p.risk_contribution_target, pct),
                    opt(p.risk_contribution_now, pct),
                ]
            })
            .collect();
        s += &table(
            &["asset", "σ (EWMA, annual)", "budget", "weight", "L·weight", "RC (weights)", "RC (holdings)"],
            &rows,
        );
        let greeks: Vec<Vec<String>> = self
            .greeks
            .iter()
            .map(|g| {
                vec![
                    g.label.clone(),
                    base(g.net_delta),
                    opt(g.max_delta, base),
                    base(g.net_gamma),
                    opt(g.max_gamma, base),
                    base(g.net_vega),
                    opt(g.max_vega, base),
                    if g.breach { "BREACH".into() } else { "ok".into() },
                ]
            })
            .collect();
        if !greeks.is_empty() {
            s += "\n\nGreeks per underlying (base currency, at the last refresh)\n";
            s += &table(&["underlying", "net Δ$", "limit", "Γ$", "limit", "vega", "limit", ""], &greeks);
        }
        let oracles: Vec<Vec<String>> = self
            .oracles
            .iter()
            .map(|o| {
                let unit = if o.age_unit == "slots" { " slots" } else { " s" };
                vec![
                    o.label.clone(),
                    o.kind.to_string(),
                    opt(o.value, |x| format!("{x:.6}")),
                    o.age.map(|a| format!("{a}{unit}")).unwrap_or_else(|| "–".into()),
                    format!("{}{unit}", o.max_age),
                    opt(o.conf_bps, |x| format!("{x:.1} bps")),
                    format!("{} bps", o.max_conf_bps),
                    match &o.error {
                        Some(e) => format!("{} ({e})", o.health),
                        None => o.health.to_string(),
                    },
                ]
            })
            .collect();
        s += "\n\noracles\n";
        s += &table(&["asset", "kind", "value", "age", "max age", "conf", "max conf", "health"], &oracles);
        let fees = &self.fees;
        s += &format!(
            "\n\nfees: management {} bps/yr (max {}), performance {} bps (max {}), pending {} shares, high-water mark {}",
            fees.management_bps,
            fees.max_management_bps,
            fees.performance_bps,
            fees.max_performance_bps,
            money(Some(fees.pending_shares)),
            opt(fees.high_water_mark, |x| format!("{x:.6}"))
        );
        let rb = &self.rebalance;
        s += &format!(
            "\nrebalancing: {} trades, keeper incentives {}, net cost {} base units",
            rb.trades,
            money(Some(rb.total_incentive)),
            rb.total_cost
        );
        out.write_str(&s)
    }
}
