//! `cargo xtask e2e`: the vault on a real local cluster.
//!
//! 1. The cluster tools, installed once into `$RPV_AGAVE_HOME` (default `~/.cache/rpv-agave`),
//!    outside the checkout: `solana-test-validator` from the `agave-validator` crate and `solana`
//!    from the `solana-cli` crate, both at [`AGAVE_VERSION`] (the agave stack the project pins),
//!    built by `cargo install --locked` into one shared target directory (the second costs
//!    little), after the Debian packages they need ([`DEBIAN_PACKAGES`]: rocksdb's bindings need
//!    libclang, the CLI's hidapi libudev).
//! 2. The programs: the vault and the venue (`build-sbf`, `build-dex`) and the test-only oracle
//!    writer (`programs/rpv-oracle-writer`), loaded at Pyth's receiver and Switchboard's program
//!    ids so the vault's owner checks hold as on any cluster.
//! 3. `solana-test-validator` on 127.0.0.1 only, its ledger in `target/e2e/ledger`, stopped when
//!    this task ends — normally, on an error, on a panic, or when this process is killed (a
//!    watchdog shell stops it when its parent goes away).
//! 4. The end-to-end test (`tests/tests/e2e.rs`, ignored by the ordinary test run) against it.
//!
//! Timings are printed: the cold install (first run on a machine) and the warm run.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{output, publish, read_artifact, root, run, sbf_cargo, sbf_toolchain, step, Programs, Res};

/// The agave release the project's crates pin (`=4.2.2` in Cargo.toml).
pub const AGAVE_VERSION: &str = "4.2.2";
/// Debian packages the cluster tools need to build.
pub const DEBIAN_PACKAGES: &[&str] = &["libclang-dev", "libudev-dev", "pkg-config"];
/// The test-only oracle writer and its `.so`.
const WRITER_PACKAGE: &str = "rpv-oracle-writer";
const WRITER_SO: &str = "rpv_oracle_writer.so";
/// Program ids the writer is loaded at: Pyth's receiver and Switchboard On-Demand.
const ORACLE_OWNERS: [&str; 2] =
    ["rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ", "SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv"];
/// Manifest's program id (the venue, `rpv_sdk::venue::MANIFEST_ID`).
const MANIFEST_ID: &str = "MNFSTqtC93rEfYHB6hF82sKdZpUDFWkViLByLd1k1Ms";

/// Where the cluster tools live.
fn agave_home() -> Res<PathBuf> {
    if let Ok(p) = std::env::var("RPV_AGAVE_HOME") {
        return Ok(PathBuf::from(p));
    }
    std::env::var("HOME")
        .map(|h| PathBuf::from(h).join(".cache/rpv-agave"))
        .map_err(|_| "neither RPV_AGAVE_HOME nor HOME is set".to_string())
}

/// The installed cluster tools.
pub struct ClusterTools {
    pub validator: PathBuf,
    pub solana: PathBuf,
}

/// `solana-test-validator` and `solana` at [`AGAVE_VERSION`], installed if missing.
pub fn ensure_cluster_tools() -> Res<ClusterTools> {
    let home = agave_home()?;
    let bin = home.join("bin");
    let mut paths = vec![];
    for (krate, binary) in [("agave-validator", "solana-test-validator"), ("solana-cli", "solana")] {
        let path = bin.join(binary);
        let current = Command::new(&path)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!(" {AGAVE_VERSION} ")));
        if !current {
            crate::ensure_debian_packages(DEBIAN_PACKAGES, "the cluster tools")?;
            let t0 = Instant::now();
            step(&format!(
                "installing {binary} {AGAVE_VERSION} (crate {krate}) into {} — the first time on a machine takes a while",
                home.display()
            ));
            run(
                &format!("cargo install {krate}"),
                Command::new("cargo")
                    .args(["install", "--locked", "--version", &format!("={AGAVE_VERSION}"), krate, "--bin", binary])
                    .arg("--root")
                    .arg(&home)
                    .env("CARGO_TARGET_DIR", home.join("target"))
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .env_remove("RUSTC"),
            )?;
            step(&format!("{binary} installed ({:.0}s)", t0.elapsed().as_secs_f64()));
        }
        paths.push(path);
    }
    let solana = paths.pop().expect("two tools");
    let validator = paths.pop().expect("two tools");
    Ok(ClusterTools { validator, solana })
}

/// Builds the test-only oracle writer.
fn build_oracle_writer() -> Res<PathBuf> {
    let sbf = sbf_toolchain()?;
    let root = root();
    step(&format!("building {WRITER_PACKAGE} for SBF (test only)"));
    run(&format!("SBF build of {WRITER_PACKAGE}"), &mut sbf_cargo(&root, &sbf, WRITER_PACKAGE))?;
    publish(&root, WRITER_SO, &read_artifact(&root.join("target"), WRITER_SO)?)
}

/// A free TCP port on loopback, with `span` free ports after it (the RPC port's websocket is
/// the next one).
fn free_port(span: u16) -> Res<u16> {
    for _ in 0..50 {
        let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
        let p = l.local_addr().map_err(|e| e.to_string())?.port();
        if p < u16::MAX - span && (1..=span).all(|k| TcpListener::bind(("127.0.0.1", p + k)).is_ok()) {
            return Ok(p);
        }
    }
    Err("no run of free ports on 127.0.0.1".into())
}

/// The running validator; stopped on drop.
pub struct Validator {
    child: Child,
    pub rpc_url: String,
    pub dir: PathBuf,
}

impl Drop for Validator {
    fn drop(&mut self) {
        // the watchdog shell leads the validator's process group
        let pid = self.child.id() as i32;
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{pid}")]).status();
        let _ = self.child.wait();
        step("validator stopped");
    }
}

/// Starts `solana-test-validator` on loopback with the programs, the vault's as an upgradeable
/// program whose upgrade authority is `authority` (the deployment then upgrades it with
/// `solana program deploy`: the vault's own program keypair is not in the repository).
fn start_validator(
    tools: &ClusterTools,
    programs: &Programs,
    venue: &Path,
    writer: &Path,
    authority: &Path,
) -> Res<Validator> {
    let dir = root().join("target/e2e");
    let ledger = dir.join("ledger");
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let rpc = free_port(1)?;
    let faucet = free_port(0)?;
    let gossip = free_port(0)?;
    let dynamic = free_port(40)?;
    let authority_key = output("solana address", Command::new(&tools.solana).args(["address", "-k"]).arg(authority))?;
    let log = dir.join("validator.log");
    let mut args: Vec<String> = vec![
        "--ledger".into(),
        ledger.display().to_string(),
        "--reset".into(),
        "--quiet".into(),
        "--bind-address".into(),
        "127.0.0.1".into(),
        "--rpc-port".into(),
        rpc.to_string(),
        "--faucet-port".into(),
        faucet.to_string(),
        "--gossip-port".into(),
        gossip.to_string(),
        "--dynamic-port-range".into(),
        format!("{dynamic}-{}", dynamic + 40),
        "--bpf-program".into(),
        MANIFEST_ID.into(),
        venue.display().to_string(),
        "--upgradeable-program".into(),
        rpv_program_id(),
        programs.vault.display().to_string(),
        authority_key,
    ];
    for owner in ORACLE_OWNERS {
        args.extend(["--bpf-program".to_string(), owner.to_string(), writer.display().to_string()]);
    }
    // a watchdog shell: the validator stops when this process goes away, however it ends
    let script = format!(
        "\"$0\" \"$@\" > '{}' 2>&1 & v=$!; trap 'kill $v 2>/dev/null; wait $v; exit 0' TERM INT; \
         while kill -0 {} 2>/dev/null && kill -0 $v 2>/dev/null; do sleep 1; done; kill $v 2>/dev/null; wait $v",
        log.display(),
        std::process::id()
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).arg(&tools.validator).args(&args).stdin(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn().map_err(|e| format!("could not start {}: {e}", tools.validator.display()))?;
    let mut v = Validator { child, rpc_url: format!("http://127.0.0.1:{rpc}"), dir };
    step(&format!("solana-test-validator starting on {} (log {})", v.rpc_url, log.display()));
    let t0 = Instant::now();
    loop {
        let health = Command::new("curl")
            .args(["-s", "-m", "2", "-X", "POST", "-H", "Content-Type: application/json"])
            .args(["-d", r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#])
            .arg(&v.rpc_url)
            .output();
        if health.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("\"ok\"")) {
            break;
        }
        if v.child.try_wait().is_ok_and(|s| s.is_some()) {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let last = tail.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            return Err(format!("the validator exited at start ({}):\n{last}", log.display()));
        }
        if t0.elapsed() > Duration::from_secs(120) {
            return Err(format!("the validator did not become healthy in 120 s: see {}", log.display()));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    step(&format!("validator healthy ({:.1}s)", t0.elapsed().as_secs_f64()));
    Ok(v)
}

/// The vault's declared program id (`declare_id!` in programs/rpv-vault/src/lib.rs).
fn rpv_program_id() -> String {
    let lib = std::fs::read_to_string(root().join("programs/rpv-vault/src/lib.rs")).unwrap_or_default();
    lib.lines()
        .find_map(|l| l.strip_prefix("declare_id!(\"").and_then(|r| r.split('"').next()))
        .unwrap_or_default()
        .to_string()
}

/// The whole task (module doc).
pub fn run_e2e(programs: &Programs, venue: &Path, rest: &[String]) -> Res<()> {
    let t0 = Instant::now();
    let tools = ensure_cluster_tools()?;
    step(&format!("cluster tools ready ({:.0}s)", t0.elapsed().as_secs_f64()));
    let writer = build_oracle_writer()?;
    let dir = root().join("target/e2e");
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    // the payer of everything and the vault program's upgrade authority, new every run
    let authority = dir.join("authority.json");
    let key = output(
        "a new keypair",
        crate::host_cargo_all(&root(), programs)
            .args(["run", "--locked", "--quiet", "-p", "rpv-tests", "--bin", "e2e-keypair", "--"])
            .arg(&authority),
    )?;
    step(&format!("payer and upgrade authority {key} ({})", authority.display()));
    let validator = start_validator(&tools, programs, venue, &writer, &authority)?;
    let bin_dir = tools.solana.parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let t1 = Instant::now();
    let result = run(
        "end-to-end tests",
        crate::host_cargo_all(&root(), programs)
            .env("RPV_MANIFEST_SO", venue)
            .env("RPV_E2E_URL", &validator.rpc_url)
            .env("RPV_E2E_DIR", &validator.dir)
            .env("RPV_E2E_AUTHORITY", &authority)
            .env("PATH", path)
            .args([
                "test",
                "--locked",
                "-p",
                "rpv-tests",
                "--test",
                "e2e",
                "--",
                "--ignored",
                "--test-threads=1",
                "--nocapture",
            ])
            .args(rest),
    );
    step(&format!(
        "end-to-end run {:.0}s (tools and start included: {:.0}s)",
        t1.elapsed().as_secs_f64(),
        t0.elapsed().as_secs_f64()
    ));
    drop(validator);
    result
}
