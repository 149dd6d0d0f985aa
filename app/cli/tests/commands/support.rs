//! Running the `rpv` binary, temporary directories, the built program.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
};

use serde_json::Value;

pub fn program() -> PathBuf {
    rpv_sdk::default_program_path()
}

pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

/// A fresh empty directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rpv-cli-test-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn rpv(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rpv")).args(args).stdin(Stdio::null()).output().unwrap()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `rpv args…` and expects success with a JSON object on stdout.
pub fn ok_json(args: &[&str]) -> Value {
    let out = rpv(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rpv {args:?} failed: {stderr}\n{}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("rpv {args:?}: stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs `rpv args…` and expects success; returns stdout.
pub fn ok_text(args: &[&str]) -> String {
    let out = rpv(args);
    assert!(out.status.success(), "rpv {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Exit code 2, nothing on stdout, and `needle` on stderr: one line `rpv: …` from a command,
/// or the parser's usage error (`error: …`, with the usage and a pointer to --help).
pub fn fails(args: &[&str], needle: &str) {
    let out = rpv(args);
    check_failure(&format!("{args:?}"), &out, needle);
}

pub fn check_failure(what: &str, out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(out.stdout.is_empty(), "{what}: stdout {}", String::from_utf8_lossy(&out.stdout));
    if stderr.starts_with("rpv: ") {
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr:?}");
    } else {
        assert!(stderr.starts_with("error: ") && stderr.contains("--help"), "{what}: {stderr:?}");
    }
    assert!(stderr.contains(needle), "{what}: {stderr:?} lacks {needle:?}");
}

pub fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}
