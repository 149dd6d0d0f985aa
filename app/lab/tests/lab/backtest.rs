//! `rpv-lab backtest`: known answers on tiny synthetic series, CSV errors, the command and its
//! charts; and the SVG writer.

use rpv_core::{
    engine::{self, EngineError},
    math::Rounding,
    rebalance::AUTO_LEG,
    CoreError,
};
use rpv_lab::{
    backtest::{self, PaperVault, Params, PriceTable},
    svg::{self, Chart, Series, YFormat},
};
use serde_json::Value;

use super::support::{fails, ok_json, ok_text, repo, s, tempdir};

const DAY: i64 = 86_400;
const T0: i64 = 1_735_689_600; // 2025-01-01

/// A table from price functions of the row index (prices at 8 decimals).
fn table(names: &[&str], rows: usize, price: impl Fn(usize, usize) -> f64) -> PriceTable {
    PriceTable {
        names: names.iter().map(|n| n.to_string()).collect(),
        times: (0..rows).map(|k| T0 + k as i64 * DAY).collect(),
        prices: (0..rows).map(|k| (0..names.len()).map(|i| (price(k, i) * 1e8).round() as u64).collect()).collect(),
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tolerance {tol})");
}

/// Constant prices, a volatility target the model cannot reach (L stays at its cap) and a start
/// at the targets: nothing to trade, no volatility, no return.
#[test]
fn constant_prices_trade_nothing() {
    let t = table(&["A", "B"], 60, |_, i| [100.0, 7.0][i]);
    let mut p = Params::defaults(2);
    p.risk.vol_target_bps = 50_000;
    let o = backtest::run(&t, &p).unwrap();
    let st = &o.stats;
    assert_eq!(st["trades"], 0);
    assert_eq!(f(&st["vault"]["realised_vol"]), 0.0);
    assert_eq!(f(&st["vault"]["total_return"]), 0.0);
    assert_eq!(f(&st["vault"]["max_drawdown"]), 0.0);
    assert_eq!(f(&st["equal_weight"]["realised_vol"]), 0.0);
    assert_eq!(f(&st["fees"]["total"]), 0.0);
    assert_eq!(f(&st["keeper"]["incentives"]), 0.0);
    assert_eq!(f(&st["turnover"]["traded"]), 0.0);
    assert_eq!(st["refresh_failures"], 0);
    close(f(&st["final"]["leverage"]), 1.0, 0.0, "L at its cap");
    for i in 0..2 {
        close(f(&st["final"]["weights"][i]), 0.5, 1e-9, "held weight");
        close(f(&st["final"]["model_weights"][i]), 0.5, 1e-12, "equal vols, equal weights");
    }
    close(f(&st["final"]["cash_weight"]), 0.0, 1e-9, "fully invested");
    assert!(o.path.nav.iter().all(|x| *x == o.path.nav[0]), "NAV per share never moves");
}

/// Log returns of ±1 % (A) and ±2 % (B) a day, uncorrelated over each 4-day cycle: the EWMA
/// volatilities are 1 %·√365 and 2 %·√365, and inverse-vol weights are 2/3 and 1/3. The
/// risk-budget method, on (nearly) uncorrelated assets with equal budgets, agrees.
#[test]
fn inverse_vol_weights_from_the_engines_own_volatilities() {
    let a = [1.0, -1.0, 1.0, -1.0];
    let b = [1.0, 1.0, -1.0, -1.0];
    let t = table(&["A", "B"], 401, |k, i| {
        let (base, step, pattern) = if i == 0 { (100.0, 0.01, &a) } else { (50.0, 0.02, &b) };
        let cum: f64 = (0..k).map(|j| pattern[j % 4]).sum();
        base * (step * cum).exp()
    });
    for method in [0u8, 1] {
        let mut p = Params::defaults(2);
        p.risk.method = method;
        let o = backtest::run(&t, &p).unwrap();
        let st = &o.stats;
        assert_eq!(st["refresh_failures"], 0, "{st}");
        close(f(&st["final"]["vols"][0]), 0.01 * 365f64.sqrt(), 1e-6, "σ_A");
        close(f(&st["final"]["vols"][1]), 0.02 * 365f64.sqrt(), 1e-6, "σ_B");
        let tol = if method == 0 { 1e-6 } else { 2e-2 };
        close(f(&st["final"]["model_weights"][0]), 2.0 / 3.0, tol, "w_A");
        close(f(&st["final"]["model_weights"][1]), 1.0 / 3.0, tol, "w_B");
        // the holdings follow their targets within the band (5 % of NAV)
        for i in 0..2 {
            let held = f(&st["final"]["weights"][i]);
            let target = f(&st["final"]["target_weights"][i]);
            assert!((held - target).abs() <= 0.05 + 1e-3, "asset {i}: held {held}, target {target}");
        }
    }
}

/// One asset moving ±3 % a day (σ = 57.3 %): L = 15 %/57.3 % and the vault's realised volatility
/// is close to its 15 % target, the asset's is 57.3 %.
#[test]
fn volatility_targeting_meets_the_target() {
    let t = table(&["X"], 366, |k, _| 20.0 * (0.03 * (k % 2) as f64).exp());
    let o = backtest::run(&t, &Params::defaults(1)).unwrap();
    let st = &o.stats;
    let sigma = 0.03 * 365f64.sqrt();
    close(f(&st["final"]["leverage"]), 0.15 / sigma, 1e-6, "L");
    close(f(&st["equal_weight"]["realised_vol"]), sigma, 1e-6, "the asset's own vol");
    let realised = f(&st["vault"]["realised_vol"]);
    assert!((0.13..=0.17).contains(&realised), "realised {realised}");
    assert!(f(&st["average_cash_weight"]) > 0.6);
}

/// A 2 %/yr management fee over exactly one year at constant prices leaves 0.98 per share; the
/// fee shares, valued when issued, come to about 2 % of NAV.
#[test]
fn management_fee_known_answer() {
    let t = table(&["A", "B"], 366, |_, i| [10.0, 3.0][i]);
    let mut p = Params::defaults(2);
    p.risk.vol_target_bps = 50_000;
    p.fees = [500, 3000, 200, 1000];
    let o = backtest::run(&t, &p).unwrap();
    let st = &o.stats;
    close(f(&st["vault"]["total_return"]), -0.02, 1e-9, "one year of 2 %");
    let fees = f(&st["fees"]["management"]) / f(&st["capital"]);
    assert!((0.0200..0.0203).contains(&fees), "{fees}");
    assert_eq!(f(&st["fees"]["performance"]), 0.0, "no gain above the mark");
}

/// Starting in cash, the keeper buys in per-call and per-day steps; its incentive is 5 bps of
/// what it trades, within the daily budget of 20 ppm of NAV.
#[test]
fn keeper_incentives_within_their_budget() {
    let t = table(&["A", "B", "C"], 30, |_, i| [1.0, 2.0, 4.0][i]);
    let mut p = Params::defaults(3);
    p.risk.vol_target_bps = 50_000;
    p.start_invested = false;
    let o = backtest::run(&t, &p).unwrap();
    let st = &o.stats;
    let traded = f(&st["turnover"]["traded"]);
    let incentives = f(&st["keeper"]["incentives"]);
    let trades = st["trades"].as_u64().unwrap();
    assert!(trades >= 3 && traded > 0.8 * f(&st["capital"]), "{st}");
    assert!(incentives > 0.0 && incentives <= 0.0005 * traded + 1e-6, "{incentives} on {traded}");
    // at most 20 ppm of NAV on each day with trades (days 0 to 29)
    assert!(incentives <= 30.0 * 20e-6 * f(&st["capital"]), "{incentives}");
    // a call trades at most 5 % of NAV and a leg then rests for an hour: the first day buys
    // 3 × 5 %
    close(o.path.cash[0], 0.85, 1e-3, "cash after the first day");
    // a few days later the holdings are at their targets (within the band)
    for i in 0..3 {
        let held = f(&st["final"]["weights"][i]);
        assert!((held - 1.0 / 3.0).abs() <= 0.05, "{held}");
    }
    close(f(&st["keeper"]["net_cost"]), incentives, 1e-4, "with no confidence spread the cost is the incentive");
}

/// Three assets on a seeded random walk (asset 0 falls 35 % on day 60), one row a day and, every
/// seventh day, a second row 10 s later (a refresh too soon).
fn walk(days: usize) -> PriceTable {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut level = [150.0f64, 60_000.0, 3_000.0];
    let (mut times, mut prices) = (vec![], vec![]);
    for d in 0..days {
        for (i, x) in level.iter_mut().enumerate() {
            *x *= (0.02 * (i + 1) as f64 * noise()).exp() * if d == 60 && i == 0 { 0.65 } else { 1.0 };
        }
        let row: Vec<u64> = level.iter().map(|x| (x * 1e8).round() as u64).collect();
        let extra = if d % 7 == 3 { 2 } else { 1 };
        for j in 0..extra {
            times.push(T0 + d as i64 * DAY + 10 * j);
            prices.push(row.clone());
        }
    }
    PriceTable { names: ["A", "B", "C"].map(String::from).to_vec(), times, prices }
}

/// The backtest is the program's engine: from the paper vault before each row, calling
/// `rpv_core::engine` as the handlers do (`accrue_fees`, `refresh`, `submit_weights` with the
/// keeper's solver, `rebalance` of each traded leg) returns the row's own summaries and leaves
/// the same accounts, field for field; and after the row the program takes no trade of the leg
/// `AUTO_LEG` picks (the keeper left nothing it could do).
#[test]
fn every_row_is_the_programs_engine() {
    let table = walk(150);
    for (method, start_invested) in [(0u8, false), (1, true)] {
        let mut p = Params::defaults(3);
        (p.risk.method, p.conf_bps, p.fees) = (method, 10, [500, 3000, 200, 1000]);
        // daily caps the keeper runs into: 12 % of NAV traded, 3 % of exposure cut
        (p.rebalance.max_turnover_bps, p.rebalance.max_reduction_bps) = (1_200, 300);
        let mut paper = PaperVault::new(&table, &p).unwrap();
        let mut seen = [0usize; 5]; // refreshes too soon, submitted weights, trades, refused auto legs, fee shares
        for (k, (&t, row)) in table.times.iter().zip(&table.prices).enumerate() {
            let prices = backtest::oracle_prices(row, p.conf_bps, t);
            let mut replay = paper;
            let report = paper.step(&prices, t, start_invested && k == 0).unwrap();
            let what = format!("method {method}, row {k}");

            let (v, r) = (&mut replay.vault, &mut replay.risk);
            let nav = v.nav_at(&prices, t, Rounding::Down).unwrap();
            let fees = engine::fees::collect(v, replay.share_supply, nav, t).unwrap();
            assert_eq!(report.fees, fees, "{what}: accrue_fees");
            replay.share_supply += fees.minted;
            seen[4] += fees.minted as usize;

            let gate = engine::refresh::refresh_gate(v, r, t);
            if let Err(e) = gate {
                assert_eq!(report.refresh, Err(e), "{what}: refresh refused");
                seen[0] += 1;
            } else {
                let mut read = prices.clone();
                let summary = engine::refresh::refresh(v, r, &mut read, 0b111, t).unwrap();
                assert_eq!(report.refresh, Ok(summary), "{what}: refresh");
            }
            if let Some(submitted) = &report.weights {
                assert_eq!(*submitted, Ok(()), "{what}: submit_weights");
                let w = rpv_keeper::weights::solve(v, r, t).unwrap();
                engine::weights::submit(v, r, &w, t).unwrap();
                seen[1] += 1;
            } else {
                assert!(
                    method == 0 || gate.is_err() || !rpv_keeper::weights::stale(v, r, t),
                    "{what}: weights in force pass"
                );
            }
            if report.started {
                replay.hold_targets(&prices).unwrap(); // the lab's own start, not a program step
            }
            for s in &report.trades {
                let (v, r) = (&mut replay.vault, &mut replay.risk);
                assert_eq!(engine::rebalance::select_leg(v, r, s.index as u8, t), Ok(s.index), "{what}");
                assert_eq!(engine::rebalance::leg_gate(v, r, s.index, t), Ok(()), "{what}");
                let traded = engine::rebalance::trade(v, r, s.index, Some(&prices[s.index]), None, 0, u64::MAX, 0, t);
                assert_eq!(traded.as_ref(), Ok(s), "{what}: rebalance of leg {}", s.index);
                engine::rebalance::settle(v, s).unwrap();
                seen[2] += 1;
            }
            assert_eq!(replay, paper, "{what}: the accounts after the row");

            if let Ok(leg) = engine::rebalance::select_leg(&paper.vault, &paper.risk, AUTO_LEG, t) {
                let mut after = paper;
                let refused = after.rebalance(AUTO_LEG, &prices, t).expect_err("the keeper stopped early");
                assert!(
                    matches!(
                        refused,
                        EngineError::Core(
                            CoreError::TurnoverCapReached | CoreError::ReductionCapReached | CoreError::TradeTooSmall
                        )
                    ),
                    "{what}: leg {leg} refused with {refused}"
                );
                seen[3] += 1;
            }
        }
        let [too_soon, weights, trades, refused, fee_shares] = seen;
        let close_rows = table.times.windows(2).filter(|w| w[1] - w[0] < 30).count();
        assert_eq!((too_soon, close_rows), (21, 21), "every seventh day's second row");
        assert!(trades > 20 && fee_shares > 0, "method {method}: {seen:?}");
        assert!(start_invested || refused > 0, "buying in from cash runs into the caps: {seen:?}");
        assert_eq!(weights > 0, method == 1, "{seen:?}");
    }
}

#[test]
fn csv_parsing_and_errors() {
    let t = backtest::parse_csv(
        "\u{feff}# comment\ndate, SOL ,BTC\n2025-01-01,150.5,97000\r\n2025-01-02,151.123456789,96000.00000001\n\n",
    )
    .unwrap();
    assert_eq!(t.names, ["SOL", "BTC"]);
    assert_eq!(t.times, [T0, T0 + DAY]);
    assert_eq!(t.prices[0], [15_050_000_000, 9_700_000_000_000]);
    assert_eq!(t.prices[1], [15_112_345_679, 9_600_000_000_001], "rounded at 8 decimals");
    let unix = backtest::parse_csv("t,X\n0,1\n60,2\n").unwrap();
    assert_eq!(unix.times, [0, 60]);
    let seventeen = format!("t,{}\n", (0..17).map(|i| format!("A{i}")).collect::<Vec<_>>().join(","));
    for (text, needle) in [
        ("", "the CSV is empty"),
        ("time\n1,2\n", "at least one asset column"),
        (seventeen.as_str(), "17 asset columns"),
        ("t,A,A\n", "non-empty and distinct"),
        ("t,A,\n", "non-empty and distinct"),
        ("t,A\n1,2\n", "at least two rows"),
        ("t,A\n1,2\n2,3,4\n", "line 3: 3 fields, the header has 2"),
        ("t,A\n1,2\nyesterday,3\n", "line 3: `yesterday` is not unix seconds"),
        ("t,A\n5,2\n5,3\n", "line 3: times must increase strictly"),
        ("t,A\n-5,2\n6,3\n", "times before 1970"),
        ("t,A\n1,2\n2,abc\n", "line 3: A price `abc` is not a positive decimal"),
        ("t,A\n1,2\n2,-1\n", "price `-1`"),
        ("t,A\n1,0\n2,1\n", "price `0`"),
        ("t,A\n1,0.000000001\n2,1\n", "price `0.000000001`"),
        ("t,A\n1,1e3\n2,1\n", "price `1e3`"),
    ] {
        let e = backtest::parse_csv(text).expect_err(text);
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}

#[test]
fn the_command_writes_charts_and_prints_statistics() {
    let dir = tempdir("backtest");
    let out = dir.join("out");
    let prices = repo("examples/prices.csv");
    let cfg = repo("examples/vault.toml");
    let st = ok_json(&["backtest", "--prices", s(&prices), "--out", s(&out), "--config", s(&cfg), "--output", "json"]);
    assert_eq!(st["assets"], serde_json::json!(["SOL", "BTC", "ETH"]));
    assert_eq!(st["rows"], 366);
    assert_eq!(f(&st["vol_target"]), 0.15);
    assert!(f(&st["fees"]["management"]) > 0.0, "the example charges 1 %/yr");
    assert!(st["trades"].as_u64().unwrap() > 0);
    for key in ["realised_vol", "max_drawdown", "total_return"] {
        assert!(st["vault"][key].is_number(), "{key}");
    }
    let files: Vec<String> =
        st["outputs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(files.len(), 5);
    for name in ["weights.svg", "risk_contributions.svg", "volatility.svg", "nav.svg"] {
        let svg = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>\n"), "{name}");
        assert!(svg.contains("<polyline"), "{name}");
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count(), "{name}");
    }
    assert!(std::fs::read_to_string(out.join("weights.svg")).unwrap().contains(">SOL target</text>"));
    let csv = std::fs::read_to_string(out.join("series.csv")).unwrap();
    assert_eq!(csv.lines().count(), 367);
    assert!(csv.starts_with("time,nav_per_share,equal_weight,static_weights,cash_weight,weight_SOL"));
    // text output, and a cash start with other options
    let text = ok_text(&[
        "backtest",
        "--prices",
        s(&prices),
        "--out",
        s(&out),
        "--start",
        "cash",
        "--capital",
        "5000",
        "--conf-bps",
        "10",
        "--static-weights",
        "1,1,2",
        "--vol-window",
        "10",
    ]);
    assert!(text.contains("realised vol") && text.contains("keeper incentives") && text.contains("wrote"), "{text}");

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "t,A\n1,2\n1,3\n").unwrap();
    fails(&["backtest", "--prices", s(&bad)], "bad.csv: line 3: times must increase strictly");
    fails(&["backtest"], "--prices <FILE.csv>");
    fails(&["backtest", "--prices", "/nonexistent.csv"], "cannot read `/nonexistent.csv`");
    fails(&["backtest", "--prices", s(&prices), "--start", "later"], "invalid value 'later' for '--start");
    fails(&["backtest", "--prices", s(&prices), "--static-weights", "1,2"], "needs 3 weights");
    fails(&["backtest", "--prices", s(&prices), "--vol-window", "1"], "invalid value '1' for '--vol-window");
    fails(&["backtest", "--prices", s(&prices), "--capital", "0.5"], "at least 1 base token");
    let other = dir.join("other.csv");
    std::fs::write(&other, "t,DOGE\n1,2\n2,3\n").unwrap();
    fails(&["backtest", "--prices", s(&other), "--config", s(&cfg)], "no asset `DOGE`");
}

#[test]
fn svg_writer() {
    assert_eq!(svg::nice_step(0.93, 6), 0.2);
    assert_eq!(svg::nice_step(1000.0, 5), 200.0);
    assert_eq!(svg::nice_step(7.0, 7), 1.0);
    let (lo, hi, ticks) = svg::nice_ticks(0.0, 0.93, 6);
    assert_eq!((lo, hi), (0.0, 1.0));
    assert_eq!(ticks.len(), 6);
    let (lo, hi, _) = svg::nice_ticks(-0.13, 0.21, 6);
    assert!(lo <= -0.13 && hi >= 0.21 && lo > -0.3 && hi < 0.4, "{lo} {hi}");
    let (lo, hi, _) = svg::nice_ticks(1.0, 1.0, 6);
    assert!(lo < 1.0 && hi > 1.0);
    assert_eq!(svg::escape("a<b & \"c\" > 'd'"), "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;");
    assert_eq!(svg::civil_from_days(0), (1970, 1, 1));
    assert_eq!(svg::civil_from_days(11_016), (2000, 2, 29));
    assert_eq!(svg::civil_from_days(-1), (1969, 12, 31));
    assert_eq!(svg::format_time(1_806_048_000), "2027-03-26 08:00");
    assert_eq!(svg::format_time(1_806_019_200), "2027-03-26");

    let mut c = Chart::new("R&D <test>", "share", YFormat::Percent);
    c.series.push(Series::new(
        "a<b",
        vec![(0.0, 0.1), (86_400.0, 0.2), (172_800.0, f64::NAN), (259_200.0, 0.3), (345_600.0, 0.25)],
    ));
    c.series.push(Series::new("lone", vec![(0.0, f64::NAN), (86_400.0, 0.5)]).dashed().colour(0));
    let out = c.render();
    assert!(out.starts_with("<svg") && out.ends_with("</svg>\n"));
    assert!(out.contains(">R&amp;D &lt;test&gt;</text>") && out.contains(">a&lt;b</text>"));
    assert_eq!(out.matches("<polyline").count(), 2, "the NaN breaks the first line in two");
    assert_eq!(out.matches("<circle").count(), 1, "a lone point is a dot");
    assert!(out.contains("stroke-dasharray"));
    assert_eq!(
        out.matches(svg::PALETTE[0]).count(),
        5,
        "both series in the first colour (2 lines, dot, 2 legend keys)"
    );
    assert!(out.contains(">50%</text>") && out.contains(">1970-01-02</text>"));
    // nothing to draw still gives a valid document
    let empty = Chart::new("empty", "", YFormat::Number).render();
    assert!(empty.contains("</svg>") && !empty.contains("<polyline"));
}
