//! `rpv show`: the vault as the program sees it now — the SDK's report
//! ([`rpv_sdk::report`]: NAV and share price, each position against its target and band, risk
//! contributions and volatilities from the EWMA covariance, Greeks per underlying against their
//! limits, oracle health, fees and the rebalancing book) rendered as tables or JSON.

use std::{fmt, path::PathBuf};

use rpv_sdk::report::Report;
use serde::Serialize;

use super::{format_amount, labeller, read_only, Target, VaultArg};

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
    read_only(target, |conn| {
        let label = labeller(conn, args.config.as_deref())?;
        Ok(ShowReport(args.vault.fetch(conn)?.report_labelled(&label)))
    })
}

/// The SDK's report ([`rpv_sdk::report::Report`]), labelled with symbols where known.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ShowReport(pub Report);

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
        let r = &self.0;
        let d = r.base_decimals;
        let money = |v: Option<u64>| v.map(|x| format_amount(x, d)).unwrap_or_else(|| "–".into());
        let base = |x: f64| format!("{:.2}", x / 10f64.powi(i32::from(d)));
        let mut s = format!("vault {}\n", r.vault);
        s += &format!(
            "  admin {}  paused {}  allowlist {}  timelock {} s\n",
            r.admin, r.paused, r.allowlist, r.timelock_secs
        );
        s += &format!(
            "  NAV {} (deposits priced at {})  shares {}  share price {}{}\n",
            money(r.nav),
            money(r.nav_round_up),
            money(r.total_shares),
            opt(r.share_price, |x| format!("{x:.6}")),
            if r.prices_fresh { "" } else { "  (some oracles are not valid: last published prices)" }
        );
        let risk = &r.risk;
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
        let q = money(Some(r.base.quantity));
        let e = String::new;
        let mut rows = vec![vec!["base".into(), e(), q.clone(), e(), q, opt(r.base.weight, pct), e(), e(), e(), e()]];
        for p in &r.positions {
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
        let rows: Vec<Vec<String>> = r
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
        let greeks: Vec<Vec<String>> = r
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
        let oracles: Vec<Vec<String>> = r
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
        let fees = &r.fees;
        s += &format!(
            "\n\nfees: management {} bps/yr (max {}), performance {} bps (max {}), pending {} shares, high-water mark {}",
            fees.management_bps,
            fees.max_management_bps,
            fees.performance_bps,
            fees.max_performance_bps,
            money(Some(fees.pending_shares)),
            opt(fees.high_water_mark, |x| format!("{x:.6}"))
        );
        let rb = &r.rebalance;
        s += &format!(
            "\nrebalancing: {} trades, keeper incentives {}, net cost {} base units",
            rb.trades,
            money(Some(rb.total_incentive)),
            rb.total_cost
        );
        out.write_str(&s)
    }
}
