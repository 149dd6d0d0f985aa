//! `cargo xtask client`: the TypeScript client package (`app/client`, `@rpv/client`) and its
//! tests, which run the built `rpv_vault.so` in npm `litesvm`.
//!
//! 1. `npm ci` in `app/client` when `node_modules` is missing or older than
//!    `package-lock.json` (the lockfile is committed; nothing is resolved anew).
//! 2. `npm test` with `RPV_PROGRAM_SO` set to the built program: type-check, then the node:test
//!    suites (generated code not stale against the IDL, the helpers, the flows on the `.so`,
//!    the README's example).

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Instant, SystemTime},
};

use crate::{root, run, step, Res};

/// The package's directory.
fn client_dir() -> PathBuf {
    root().join("app").join("client")
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Newest modification time of the files under `dir` (skipping `node_modules` and `dist`).
fn newest(dir: &Path) -> SystemTime {
    let mut t = SystemTime::UNIX_EPOCH;
    let Ok(entries) = std::fs::read_dir(dir) else { return t };
    for e in entries.flatten() {
        let name = e.file_name();
        if name == "node_modules" || name == "dist" {
            continue;
        }
        let p = e.path();
        let m = if p.is_dir() { newest(&p) } else { modified(&p).unwrap_or(t) };
        t = t.max(m);
    }
    t
}

/// `npm ci` in the package at `dir` unless its install (npm writes
/// `node_modules/.package-lock.json` at each install) is newer than its lockfile and than every
/// file under `sources` (packages it installs from a folder, e.g. `file:../client`).
pub fn npm_ci_when_stale(dir: &Path, sources: &[PathBuf]) -> Res<()> {
    let installed = modified(&dir.join("node_modules").join(".package-lock.json"));
    let lock = modified(&dir.join("package-lock.json"));
    let fresh = match (installed, lock) {
        (Some(i), Some(l)) => i >= l && sources.iter().all(|s| i >= newest(s)),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    let name = dir.strip_prefix(root()).unwrap_or(dir).display().to_string();
    step(&format!("npm ci in {name} (from package-lock.json)"));
    let t = Instant::now();
    run("npm ci", Command::new("npm").current_dir(dir).args(["ci", "--no-audit", "--no-fund"])).map_err(|e| {
        format!("{e}\nnpm ci failed in {name}: it needs the npm registry; retry, or run `npm ci` there by hand")
    })?;
    eprintln!("[xtask] npm ci: {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

/// Installs the package's dependencies if needed, then runs its tests against `vault_so`.
pub fn run_client_tests(vault_so: &Path) -> Res<()> {
    let dir = client_dir();
    let npm_ok = Command::new("npm").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !npm_ok {
        return Err("npm not found: the TypeScript client needs Node.js 20 or later with npm \
                    (Debian: `apt-get install nodejs npm`)"
            .into());
    }
    if !vault_so.exists() {
        return Err(format!("no program at {}: run `cargo xtask build-sbf`", vault_so.display()));
    }
    npm_ci_when_stale(&dir, &[])?;
    step("TypeScript client: npm test (app/client: tsc, node:test on rpv_vault.so in npm litesvm)");
    let t = Instant::now();
    run("npm test", Command::new("npm").current_dir(&dir).arg("test").env("RPV_PROGRAM_SO", vault_so)).map_err(
        |e| format!("{e}\nthe TypeScript client's tests failed: rerun them with `cd app/client && npm test`"),
    )?;
    eprintln!("[xtask] npm test: {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}
