//! `rpv-lab demo`: the market simulation and the lifecycle tour on the built `.so`.

use std::process::Command;

use super::support::program;

/// The whole lifecycle runs on litesvm (mainnet feature set) against the built .so.
#[test]
fn demo_runs_to_the_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_rpv-lab"))
        .args(["demo", "--lifecycle", "--program"])
        .arg(program())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    for needle in [
        "Deposited(10,000.00 USDC → 10,000.00 shares)",
        "AssetDeposited(",
        "SOL: $180.00",
        "InsufficientBaseLiquidity",
        "OracleStale",
        "RedeemedInKind(",
        "Demo complete",
        // the request path
        "instant quote: withdraw failed: InsufficientBaseLiquidity",
        "FlowRequested(withdrawal #0",
        "FlowRequested(withdrawal #1",
        "Rebalanced(sold",
        "RequestClaimed(#0:",
        "PriceNotAfterRequest",
        "FlowRequested(deposit #0",
        "RequestSettled(deposit #0",
    ] {
        assert!(stdout.contains(needle), "demo output lacks {needle:?}:\n{stdout}");
    }
    requests_fill_in_order_and_cost_the_others_nothing(&stdout);
}

/// The request section of the lifecycle demo: Bob's withdrawal (#0) fills in parts, Alice's
/// (#1, behind him) only once his is whole, both claim, and the NAV per share of those who
/// stay does not fall.
fn requests_fill_in_order_and_cost_the_others_nothing(stdout: &str) {
    let fills = |id: &str| -> Vec<usize> {
        stdout.match_indices(&format!("RequestSettled(withdrawal #{id}:")).map(|(i, _)| i).collect()
    };
    let (bob, alice) = (fills("0"), fills("1"));
    assert!(bob.len() >= 2, "Bob's request fills in parts as the cash arrives:\n{stdout}");
    assert!(!alice.is_empty(), "Alice's request settles:\n{stdout}");
    let bob_done = bob
        .iter()
        .copied()
        .find(|&i| stdout[i..].split(')').next().is_some_and(|fill| fill.contains(" 0.00 left")))
        .expect("Bob's request is filled whole");
    assert!(alice[0] > bob_done, "FIFO: Alice's request waits for Bob's:\n{stdout}");
    for claim in ["RequestClaimed(#0:", "RequestClaimed(#1:"] {
        let line = stdout.lines().find(|l| l.contains(claim)).expect("a claim");
        assert!(line.contains("closed"), "{line}");
    }
    // "NAV per share 1.006866 USDC before the requests, 1.007183 after"
    let line = stdout
        .lines()
        .find(|l| l.contains("NAV per share") && l.contains("before the requests"))
        .expect("NAV per share line");
    let nums: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|t| t.contains('.') && t.len() > 2)
        .filter_map(|t| t.parse().ok())
        .collect();
    assert!(nums.len() >= 2 && nums[1] >= nums[0], "the NAV per share of those who stay did not fall: {line}");
}

/// The market simulation: regimes, the keeper cranking, depositors, a settlement, the summary
/// and the four charts.
#[test]
fn market_demo_runs_and_draws_its_charts() {
    let dir = std::env::temp_dir().join(format!("rpv-demo-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_rpv-lab"))
        .args(["demo", "--program"])
        .arg(program())
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    for needle in [
        "Alice deposits 500,000 USDC",
        "Alice withdraws 30 %",
        "Bob deposits 250,000 USDC",
        "keeper settles option series #3 at expiry",
        "Bob redeems half his shares in kind",
        "volatility spike",
        "whole run",
        "the keeper retires its slot",
        "Demo complete.",
        // what the program equalises
        "What the program equalises",
        "|RC − b| mean / max",
        "vol realised / target / L·σp",
        "Where each position stood after the keeper's ticks",
        "|h − L·w|",
        "How close: after rebalancing, the positions' RCs stood",
        "in band",
    ] {
        assert!(stdout.contains(needle), "demo output lacks {needle:?}:\n{stdout}");
    }
    // the keeper traded
    let trades: u64 = stdout
        .split("refreshes, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a trade count");
    assert!(trades > 10, "{trades} trades");
    // the engine reaches its targets: after rebalancing the positions' risk contributions stand
    // within a few points of their budgets on average (the seeded run: ≈ 1.7 points)
    let gap: f64 = stdout
        .split("the positions' RCs stood ")
        .nth(1)
        .and_then(|r| r.split(" pp").next())
        .and_then(|n| n.parse().ok())
        .expect("the mean |RC − b|");
    assert!(gap < 5.0, "mean |RC − b| {gap} pp");
    // the spot legs traded through the venue, at the vault's price
    assert!(stdout.contains("Flash trades through the venue: "), "{stdout}");
    assert!(stdout.contains("15.00 bps on average"), "the vault paid its incentive less the band: {stdout}");
    // a progress bar on stderr
    assert!(String::from_utf8_lossy(&out.stderr).contains("] day 60/60"));
    for chart in ["weights.svg", "risk_contributions.svg", "volatility.svg", "nav.svg"] {
        let svg = std::fs::read_to_string(dir.join(chart)).unwrap();
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{chart}");
        assert!(svg.matches("<polyline").count() >= 3, "{chart} has its lines");
    }
    // the risk contributions are the positions', against their budgets, with the regimes marked
    let rc = std::fs::read_to_string(dir.join("risk_contributions.svg")).unwrap();
    for needle in ["position covariance", "ETH-C-3600 budget", "SOL-C-160", ">crash</text>"] {
        assert!(rc.contains(needle), "risk_contributions.svg lacks {needle:?}");
    }
    let vol = std::fs::read_to_string(dir.join("volatility.svg")).unwrap();
    assert!(vol.contains("vol target") && vol.contains(">volatility spike</text>"));
    let csv = std::fs::read_to_string(dir.join("series.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 361, "one row per step");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in [
        "rc_ETH-C-3600",
        "budget_SOL",
        "rc_target_BTC",
        "rebalanced",
        "mean_abs_rc_gap",
        "mean_abs_weight_gap",
        "vol_target",
    ] {
        assert!(header.contains(&col), "series.csv lacks {col}");
    }
    // the whole run's parity line: rebalances counted, gaps and volatilities as numbers
    let line = stdout
        .lines()
        .skip_while(|l| !l.contains("What the program equalises"))
        .find(|l| l.starts_with("whole run"))
        .expect("the whole run's parity line");
    let nums: Vec<f64> =
        line.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter_map(|t| t.parse().ok()).collect();
    assert_eq!(nums.len(), 8, "{line}");
    assert!(nums[0] > 10.0, "rebalances: {line}");
    assert_eq!(nums[6], 15.0, "the vol target: {line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_program_says_how_to_build_it() {
    let missing = Command::new(env!("CARGO_BIN_EXE_rpv-lab"))
        .args(["demo", "--program", "/nonexistent/rpv_vault.so"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("cannot read the program") && err.contains("cargo xtask build-sbf"), "{err}");
}
