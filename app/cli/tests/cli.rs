//! The demo and the command line, end to end.

use std::{path::PathBuf, process::Command};

fn program() -> PathBuf {
    std::env::var_os("RPV_PROGRAM_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/deploy/rpv_vault.so"))
}

/// The whole lifecycle runs on litesvm (mainnet feature set) against the built .so.
#[test]
fn demo_runs_to_the_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_rpv")).args(["demo", "--program"]).arg(program()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    for needle in [
        "Deposited(10,000.00 USDC → 10,000.00 shares)",
        "AssetDeposited(",
        "SOL: $180.00",
        "InsufficientBaseLiquidity",
        "OracleStale",
        "Demo complete",
    ] {
        assert!(stdout.contains(needle), "demo output lacks {needle:?}:\n{stdout}");
    }
}

#[test]
fn helpful_errors() {
    let rpv = env!("CARGO_BIN_EXE_rpv");
    let none = Command::new(rpv).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no command given"));
    let bad = Command::new(rpv).arg("frobnicate").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown command `frobnicate`"));
    let missing = Command::new(rpv).args(["demo", "--program", "/nonexistent/rpv_vault.so"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("cannot read the program") && err.contains("cargo xtask build-sbf"), "{err}");
    let help = Command::new(rpv).arg("--help").output().unwrap();
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("usage: rpv"));
}
