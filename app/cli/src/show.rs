//! `rpv show --vault ADDRESS`: the vault as the program sees it now, computed from the
//! accounts with the core crate — NAV and share price, each position against its target and
//! band, risk contributions and volatilities from the EWMA covariance, Greeks per underlying
//! against their limits, oracle health, fees and the rebalancing book. A table, or `--json`.

use rpv_core::{
    fixed_point::{packed_index, Fx},
    layout::{OracleKind, MAX_ASSETS, MAX_N},
    math::Rounding,
    matrix::SymMatrix,
    oracle_health::OracleHealth,
    positions::greek_bounds,
    price::OraclePrice,
    rebalance::scaled_target,
    risk_account,
    risk_parity::risk_contributions,
    valuation::{needs_own_oracle, slot_value},
};
use rpv_sdk::{pk, Pubkey};
use serde_json::{json, Value};

use crate::{
    args::format_amount,
    chain::{data_of, Chain},
    vault_cmd::{load, read_oracle},
};

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

/// The report as JSON. `label` names a mint (a symbol when known).
pub fn report(chain: &mut dyn Chain, vault_key: &Pubkey, label: &dyn Fn(&Pubkey) -> String) -> Result<Value, String> {
    let l = load(chain, vault_key)?;
    let (v, r) = (&l.vault, &l.risk);
    let clock = chain.clock()?;
    let now = clock.unix_timestamp;
    let n = usize::from(v.num_assets);
    let bd = v.base_decimals;
    let supply = rpv_core::token::parse_mint(&data_of(chain, &pk(&v.share_mint), "share mint")?)
        .map_err(|e| format!("share mint: {e}"))?
        .supply;
    let keys: Vec<Pubkey> = v.active_assets().iter().map(|a| pk(&a.oracle)).collect();
    let oracle_accounts = chain.accounts(&keys)?;

    // oracles: the strict read gives the health; a relaxed read (no age or confidence bound)
    // gives the last published value, used when the strict one fails
    let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_ASSETS];
    let mut all_fresh = true;
    let mut priced = true;
    let mut oracles = vec![];
    for (i, slot) in v.active_assets().iter().enumerate() {
        let acct = oracle_accounts[i].as_ref();
        let strict = read_oracle(slot, acct, &clock, None, None);
        let relaxed = read_oracle(slot, acct, &clock, Some(u64::MAX), Some(10_000));
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
        oracles.push(json!({
            "index": i,
            "label": label(&pk(&slot.mint)),
            "oracle": pk(&slot.oracle).to_string(),
            "kind": if switchboard { "switchboard" } else { "pyth" },
            "value": relaxed.as_ref().ok().map(price_f64),
            "age": age,
            "age_unit": unit,
            "max_age": slot.max_oracle_age,
            "conf_bps": conf_bps,
            "max_conf_bps": slot.max_conf_bps,
            "health": health_name(health),
            "error": strict.err().map(|e| format!("{e:?}")),
            "needed": needed,
        }));
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
            let _ = bk.view.n();
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
        let kind = match slot.option.kind {
            1 => "call",
            2 => "put",
            _ => "spot",
        };
        positions.push(json!({
            "index": i,
            "label": label(&pk(&slot.mint)),
            "mint": pk(&slot.mint).to_string(),
            "kind": kind,
            "quantity": slot.quantity,
            "decimals": slot.decimals,
            "price": needs_own_oracle(v, i, now).then(|| price_f64(&prices[i])).filter(|_| priced),
            "value": value,
            "weight": match (value, nav) { (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64), _ => None },
            "target": target,
            "target_weight": f(r.weights[i].get()) * f(r.leverage.get()),
            "band": band,
            "distance": distance.map(|d| d as f64),
            "outside_band": match (distance, band) { (Some(d), Some(b)) => Some(d.unsigned_abs() > u128::from(b)), _ => None },
            "budget": slot.risk_budget as f64 / 1e9,
            "model_weight": f(r.weights[i].get()),
            "risk_contribution_target": rc_model[i],
            "risk_contribution_now": rc_now[i],
            "vol": vol,
            "underlying": slot.option.is_option().then_some(slot.option.underlying),
            "expiry": slot.option.is_option().then_some(slot.option.expiry),
        }));
    }

    let bounds = greek_bounds(r, r.nav_snapshot).unwrap_or([None; 3]);
    let mut greeks = vec![];
    for (u, slot) in v.active_assets().iter().enumerate() {
        if slot.option.is_option() {
            continue;
        }
        let g = [f(r.net_delta[u].get()), f(r.net_gamma[u].get()), f(r.net_vega[u].get())];
        greeks.push(json!({
            "underlying": u,
            "label": label(&pk(&slot.mint)),
            "net_delta": g[0],
            "net_gamma": g[1],
            "net_vega": g[2],
            "max_delta": bounds[0].map(f),
            "max_gamma": bounds[1].map(f),
            "max_vega": bounds[2].map(f),
            "breach": r.greek_breach_mask & (1 << u) != 0,
        }));
    }

    let fees = &v.fees;
    Ok(json!({
        "vault": vault_key.to_string(),
        "admin": pk(&v.admin).to_string(),
        "guardian": pk(&v.guardian).to_string(),
        "base_mint": pk(&v.base_mint).to_string(),
        "share_mint": pk(&v.share_mint).to_string(),
        "base_decimals": bd,
        "now": now,
        "slot": clock.slot,
        "paused": v.is_paused(),
        "allowlist": v.allowlist_enabled(),
        "timelock_secs": v.timelock_secs,
        "deposit_cap": v.deposit_cap,
        "min_deposit": v.min_deposit,
        "prices_fresh": all_fresh,
        "nav": nav,
        "nav_round_up": nav_pair.map(|p| p.1),
        "share_supply": supply,
        "total_shares": total,
        "share_price": match (nav, total) { (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64), _ => None },
        "base": {"quantity": v.base_quantity, "weight": nav.filter(|x| *x > 0).map(|x| v.base_quantity as f64 / x as f64)},
        "risk": {
            "method": if r.method == 1 { "risk-budget" } else { "inverse-vol" },
            "samples": r.samples,
            "refreshed_at": v.risk_refreshed_at,
            "age_secs": (v.risk_refreshed_at > 0).then(|| now - v.risk_refreshed_at),
            "fresh": v.risk_is_fresh(now),
            "max_risk_age": v.max_risk_age,
            "portfolio_vol": f(r.portfolio_vol.get()),
            "leverage": f(r.leverage.get()),
            "vol_target": f(r.vol_target.get()),
            "max_leverage": f(r.max_leverage.get()),
            "band_bps": r.band_bps,
            "nav_snapshot": r.nav_snapshot,
        },
        "positions": positions,
        "greeks": greeks,
        "oracles": oracles,
        "fees": {
            "recipient": pk(&fees.recipient).to_string(),
            "management_bps": fees.management_bps,
            "performance_bps": fees.performance_bps,
            "max_management_bps": fees.max_management_bps,
            "max_performance_bps": fees.max_performance_bps,
            "pending_shares": fees.pending_shares,
            "high_water_mark": if fees.hwm_shares > 0 { Some(fees.hwm_nav as f64 / fees.hwm_shares as f64) } else { None },
        },
        "rebalance": {
            "trades": r.book.trades,
            "total_incentive": r.book.total_incentive,
            "total_cost": r.book.total_cost,
            "day_turnover": r.book.turnover,
            "day_reduction": r.book.reduction,
            "day_incentive": r.book.incentive,
        },
    }))
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

fn opt_f(v: &Value, fmt: impl Fn(f64) -> String) -> String {
    v.as_f64().map(fmt).unwrap_or_else(|| "–".into())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// The report as tables.
pub fn text(r: &Value) -> String {
    let d = r["base_decimals"].as_u64().unwrap_or(6) as u8;
    let money = |v: &Value| v.as_u64().map(|x| format_amount(x, d)).unwrap_or_else(|| "–".into());
    let money_f = |v: &Value| opt_f(v, |x| format!("{:.2}", x / 10f64.powi(i32::from(d))));
    let mut s = format!("vault {}\n", r["vault"].as_str().unwrap_or(""));
    s += &format!(
        "  admin {}  paused {}  allowlist {}  timelock {} s\n",
        r["admin"].as_str().unwrap_or(""),
        r["paused"],
        r["allowlist"],
        r["timelock_secs"]
    );
    s += &format!(
        "  NAV {} (deposits priced at {})  shares {}  share price {}{}\n",
        money(&r["nav"]),
        money(&r["nav_round_up"]),
        money(&r["total_shares"]),
        opt_f(&r["share_price"], |x| format!("{x:.6}")),
        if r["prices_fresh"].as_bool() == Some(true) {
            ""
        } else {
            "  (some oracles are not valid: last published prices)"
        }
    );
    let risk = &r["risk"];
    s += &format!(
        "  risk: {} | {} samples | refreshed {} s ago ({}) | σp {} → L {} (target σ {}, cap {}) | band {} bps\n",
        risk["method"].as_str().unwrap_or(""),
        risk["samples"],
        risk["age_secs"].as_i64().map(|a| a.to_string()).unwrap_or_else(|| "never".into()),
        if risk["fresh"].as_bool() == Some(true) { "fresh" } else { "stale" },
        opt_f(&risk["portfolio_vol"], pct),
        opt_f(&risk["leverage"], |x| format!("{x:.3}")),
        opt_f(&risk["vol_target"], pct),
        opt_f(&risk["max_leverage"], |x| format!("{x:.2}")),
        risk["band_bps"]
    );
    s += "\npositions\n";
    let mut rows = vec![vec![
        "base".to_string(),
        "".into(),
        money(&r["base"]["quantity"]),
        "".into(),
        money(&r["base"]["quantity"]),
        opt_f(&r["base"]["weight"], pct),
        "".into(),
        "".into(),
        "".into(),
        "".into(),
    ]];
    for p in r["positions"].as_array().into_iter().flatten() {
        let pd = p["decimals"].as_u64().unwrap_or(0) as u8;
        let status = match p["outside_band"].as_bool() {
            Some(true) => "outside band",
            Some(false) => "within band",
            None => "–",
        };
        rows.push(vec![
            p["label"].as_str().unwrap_or("").to_string(),
            p["kind"].as_str().unwrap_or("").to_string(),
            p["quantity"].as_u64().map(|q| format_amount(q, pd)).unwrap_or_default(),
            opt_f(&p["price"], |x| format!("{x:.4}")),
            money(&p["value"]),
            opt_f(&p["weight"], pct),
            money(&p["target"]),
            money_f(&p["distance"]),
            money(&p["band"]),
            status.to_string(),
        ]);
    }
    s +=
        &table(&["asset", "kind", "quantity", "price", "value", "weight", "target", "value−target", "band", ""], &rows);
    s += "\n\nrisk\n";
    let rows: Vec<Vec<String>> = r["positions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            vec![
                p["label"].as_str().unwrap_or("").to_string(),
                opt_f(&p["vol"], pct),
                opt_f(&p["budget"], pct),
                opt_f(&p["model_weight"], pct),
                opt_f(&p["target_weight"], pct),
                opt_f(&p["risk_contribution_target"], pct),
                opt_f(&p["risk_contribution_now"], pct),
            ]
        })
        .collect();
    s += &table(&["asset", "σ (EWMA, annual)", "budget", "weight", "L·weight", "RC (weights)", "RC (holdings)"], &rows);
    let greeks: Vec<Vec<String>> = r["greeks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let lim = |k: &str| opt_f(&g[k], |x| format!("{:.2}", x / 10f64.powi(i32::from(d))));
            vec![
                g["label"].as_str().unwrap_or("").to_string(),
                opt_f(&g["net_delta"], |x| format!("{:.2}", x / 10f64.powi(i32::from(d)))),
                lim("max_delta"),
                opt_f(&g["net_gamma"], |x| format!("{:.2}", x / 10f64.powi(i32::from(d)))),
                lim("max_gamma"),
                opt_f(&g["net_vega"], |x| format!("{:.2}", x / 10f64.powi(i32::from(d)))),
                lim("max_vega"),
                if g["breach"].as_bool() == Some(true) { "BREACH".into() } else { "ok".into() },
            ]
        })
        .collect();
    if !greeks.is_empty() {
        s += "\n\nGreeks per underlying (base currency, at the last refresh)\n";
        s += &table(&["underlying", "net Δ$", "limit", "Γ$", "limit", "vega", "limit", ""], &greeks);
    }
    let oracles: Vec<Vec<String>> = r["oracles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let unit = if o["age_unit"].as_str() == Some("slots") { " slots" } else { " s" };
            vec![
                o["label"].as_str().unwrap_or("").to_string(),
                o["kind"].as_str().unwrap_or("").to_string(),
                opt_f(&o["value"], |x| format!("{x:.6}")),
                o["age"].as_i64().map(|a| format!("{a}{unit}")).unwrap_or_else(|| "–".into()),
                format!("{}{unit}", o["max_age"]),
                opt_f(&o["conf_bps"], |x| format!("{x:.1} bps")),
                format!("{} bps", o["max_conf_bps"]),
                match o["error"].as_str() {
                    Some(e) => format!("{} ({e})", o["health"].as_str().unwrap_or("")),
                    None => o["health"].as_str().unwrap_or("").to_string(),
                },
            ]
        })
        .collect();
    s += "\n\noracles\n";
    s += &table(&["asset", "kind", "value", "age", "max age", "conf", "max conf", "health"], &oracles);
    let fees = &r["fees"];
    s += &format!(
        "\n\nfees: management {} bps/yr (max {}), performance {} bps (max {}), pending {} shares, high-water mark {}",
        fees["management_bps"],
        fees["max_management_bps"],
        fees["performance_bps"],
        fees["max_performance_bps"],
        money(&fees["pending_shares"]),
        opt_f(&fees["high_water_mark"], |x| format!("{x:.6}"))
    );
    let rb = &r["rebalance"];
    s += &format!(
        "\nrebalancing: {} trades, keeper incentives {}, net cost {} base units",
        rb["trades"],
        money(&rb["total_incentive"]),
        rb["total_cost"]
    );
    s
}
