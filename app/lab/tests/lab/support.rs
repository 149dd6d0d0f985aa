//! Running the `rpv-lab` binary, temporary directories, the built program.

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
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rpv-lab-test-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rpv-lab")).args(args).stdin(Stdio::null()).output().unwrap()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `rpv-lab args…` and expects success with a JSON object on stdout.
pub fn ok_json(args: &[&str]) -> Value {
    let out = lab(args);
    assert!(out.status.success(), "rpv-lab {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("rpv-lab {args:?}: stdout is not JSON ({e})"))
}

/// Runs `rpv-lab args…` and expects success; returns stdout.
pub fn ok_text(args: &[&str]) -> String {
    let out = lab(args);
    assert!(out.status.success(), "rpv-lab {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Exit code 2, nothing on stdout, and `needle` on stderr (a usage error from the parser, or
/// one line `rpv-lab: …` from the command).
pub fn fails(args: &[&str], needle: &str) {
    let out = lab(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.starts_with("rpv-lab: ") || stderr.starts_with("error: "), "{args:?}: {stderr:?}");
    if stderr.starts_with("rpv-lab: ") {
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
    }
    assert!(stderr.contains(needle), "{args:?}: {stderr:?} lacks {needle:?}");
}
