//! The committed IDL must be what the program builds to now.

use std::process::Command;

#[test]
fn committed_idl_is_fresh() {
    let out = Command::new(env!("CARGO_BIN_EXE_rpv-idl"))
        .arg("--print")
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .expect("rpv-idl runs");
    assert!(out.status.success(), "IDL build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let fresh = String::from_utf8(out.stdout).expect("UTF-8 JSON");
    let idl: serde_json::Value = serde_json::from_str(&fresh).expect("the IDL is JSON");
    assert_eq!(idl["address"], "B3PpQqpNYG2egJu63xKf2HC7EEEJzFJBxEareUH5Ka8");
    let path = rpv_idl::committed_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let line = committed.lines().zip(fresh.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{} is out of date with the program: run `cargo xtask idl` and commit it\n\
             first difference at line {}:\n  committed: {}\n  fresh:     {}",
            path.display(),
            line + 1,
            committed.lines().nth(line).unwrap_or("<end>"),
            fresh.lines().nth(line).unwrap_or("<end>"),
        );
    }
}
