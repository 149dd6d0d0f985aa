//! Runs every fuzz target's body on stable, without libFuzzer, for CI:
//! - every committed file under `regressions/<target>/` (inputs found by fuzzing that once
//!   failed, and seeds);
//! - `RPV_FUZZ_CASES` (default 100 000) pseudo-random inputs per target from a fixed seed
//!   (`RPV_FUZZ_SEED` to vary it), of lengths from 0 to 4 KiB;
//! - with `RPV_FUZZ_CORPUS=1`, also the local corpus `corpus/<target>/` a fuzzing run left.
//!
//! A failing input is written to `<target dir>/tmp/replay-failures/<target>-<n>` (copy it into
//! `regressions/<target>/` once fixed) and reported with the panic message.

use std::{
    cell::RefCell,
    fs,
    panic::{catch_unwind, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::Once,
};

use rpv_fuzz::{SplitMix, TARGETS};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

thread_local! {
    /// The last panic on this thread, with its location (set by the hook below).
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Keeps panics quiet (thousands of inputs may fail the same way) but records each one.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|info| LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string()))));
}

/// Runs `f` on `data`; on a panic saves the input and returns a description.
fn run_one(name: &str, f: fn(&[u8]), data: &[u8], label: &str) -> Option<String> {
    quiet_panics();
    catch_unwind(AssertUnwindSafe(|| f(data))).err()?;
    let msg = LAST_PANIC.with(|p| p.borrow().clone());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-failures");
    let _ = fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{}", label.replace(['/', ' '], "_")));
    let _ = fs::write(&path, data);
    Some(format!("{name} failed on {label} (saved to {}): {msg}", path.display()))
}

fn replay(name: &str, f: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    let mut dirs = vec![root.join("regressions").join(name)];
    if env_u64("RPV_FUZZ_CORPUS", 0) == 1 {
        dirs.push(root.join("corpus").join(name));
    }
    let mut replayed = 0;
    for dir in dirs {
        for path in files_in(&dir) {
            let data = fs::read(&path).expect("readable regression input");
            replayed += 1;
            failures.extend(run_one(name, f, &data, &path.display().to_string()));
        }
    }
    let cases = env_u64("RPV_FUZZ_CASES", 100_000);
    let seed = env_u64("RPV_FUZZ_SEED", 0x5EED_F022);
    // one stream per target, so targets can be run (and failures reproduced) separately
    let mut rng = SplitMix(seed ^ name.bytes().fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b))));
    for n in 0..cases {
        let len = match rng.next_u64() % 4 {
            0 => rng.next_u64() % 64,
            1 | 2 => rng.next_u64() % 512,
            _ => rng.next_u64() % 4096,
        } as usize;
        let data = rng.bytes(len);
        failures.extend(run_one(name, f, &data, &format!("seed-{seed:x}-case-{n}")));
        if failures.len() >= 5 {
            break;
        }
    }
    eprintln!("{name}: {replayed} files replayed, {cases} seeded inputs");
    if !failures.is_empty() {
        // the hook is quiet: report through stderr and a plain panic
        eprintln!("{}", failures.join("\n"));
        panic!("{name}: {} failing inputs", failures.len());
    }
}

fn target(name: &str) -> fn(&[u8]) {
    TARGETS.iter().find(|(n, _)| *n == name).expect("a target").1
}

#[test]
fn fixed_math() {
    replay("fixed_math", target("fixed_math"));
}

#[test]
fn black_scholes() {
    replay("black_scholes", target("black_scholes"));
}

#[test]
fn share_accounting() {
    replay("share_accounting", target("share_accounting"));
}

#[test]
fn fees() {
    replay("fees", target("fees"));
}

#[test]
fn oracle_decode() {
    replay("oracle_decode", target("oracle_decode"));
}

#[test]
fn every_target_has_a_test_and_a_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in TARGETS {
        assert!(root.join("fuzz_targets").join(format!("{name}.rs")).is_file(), "{name}");
    }
    assert_eq!(TARGETS.len(), files_in(&root.join("fuzz_targets")).len());
}
