//! Project tasks. `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! | task        | what it does |
//! |-------------|--------------|
//! | `build-sbf` | installs the SBF toolchain if missing, builds `target/deploy/rpv_vault.so` and the example CPI integrator `target/deploy/rpv_integrator.so` |
//! | `test`      | `build-sbf`, then every host test (core, SDK, CLI, keeper, IDL, and the `.so` integration tests), the fuzz targets' seeded replay and 10 s of cargo fuzz per target; arguments go to `cargo test --workspace` and skip the fuzz steps |
//! | `demo`      | `build-sbf` and `build-dex`, then `rpv-lab demo`: 60 simulated days of the vault with options and a keeper on an embedded SVM (litesvm); `--lifecycle` for the instruction-by-instruction tour |
//! | `bench`     | `build-sbf`, then the compute-unit table (`--update-docs` rewrites `docs/compute-units.md`, the SDK's `cu_table.rs` and the `.so`'s sha256 in README.md) |
//! | `e2e`       | `build-sbf`, `build-dex`, the cluster tools (`solana-test-validator`, `solana` at the pinned agave version, installed once into `~/.cache/rpv-agave`), then the end-to-end test against a local validator on loopback ([`e2e`]) |
//! | `client`    | `build-sbf`, then the TypeScript client's tests (`app/client`: `npm ci` when needed, `npm test` on the `.so` in npm litesvm; [`ts`]); also the last step of `test` |
//! | `cluster-tools` | only installs (if missing) and prints the cluster tools |
//! | `idl`       | rewrites `idl/rpv_vault.json` (Anchor's IDL build on the stable toolchain, `app/idl`) |
//! | `fuzz`      | `fuzz/run.sh` with the given arguments: cargo-fuzz on the core crate (`--long` = 1 h per target) |
//! | `web`, `web-test` | the vault's page (`app/web`) against `rpv-lab serve`: served for a human (prints the URL), or its Playwright test in headless Chromium ([`web`]) |
//! | `mutants`   | installs cargo-mutants (pinned) if missing, then `cargo mutants -p rpv-core` with the given arguments (e.g. `--shard 0/10 --sharding round-robin`); results in `target/mutants` unless `-o` says otherwise. Not part of `test`: the whole run takes hours on 2 cores |
//!
//! The SBF toolchain is assembled only from rustup and crates.io, because Solana's
//! platform-tools releases cannot be downloaded everywhere:
//! - a pinned nightly rustc (its LLVM has a working BPF backend) with `rust-src`;
//! - `sbpf-linker` from crates.io, which turns the BPF objects into an SBPF v3 ELF;
//! - a patched copy of the nightly's std sources that knows `target_os = "solana"`;
//! - a JSON target spec (`bpfel-solana-solana`: `bpfel` with `os = "solana"`).
//!
//! Everything lands in `$RPV_SBF_HOME` (default `~/.cache/rpv-sbf`), keyed by version, so a
//! second run only asks cargo whether the program changed.

mod e2e;
mod stdpatch;
mod ts;
mod web;

use std::{
    env,
    path::{Path, PathBuf},
    process::{exit, Command},
    time::Instant,
};

/// Nightly whose LLVM (23) BPF backend compiles Anchor 1.x without "aggregate returns" errors.
const NIGHTLY: &str = "nightly-2026-10-30";
const SBPF_LINKER_VERSION: &str = "0.2.6";
/// Bump when `stdpatch` changes, so an old patched copy is not reused.
const STD_PATCH_REVISION: u32 = 1;
const PROGRAM_PACKAGE: &str = "rpv-vault";
const PROGRAM_SO: &str = "rpv_vault.so";
/// The example program that calls the vault by CPI (`programs/rpv-integrator`).
const INTEGRATOR_PACKAGE: &str = "rpv-integrator";
const INTEGRATOR_SO: &str = "rpv_integrator.so";
/// The venue's shim package in `dex/` and its `.so` (`build_dex`).
const DEX_PACKAGE: &str = "manifest-program";
const DEX_SO: &str = "manifest_program.so";
/// cargo-mutants for `cargo xtask mutants` (installed once under `$RPV_SBF_HOME`).
const CARGO_MUTANTS_VERSION: &str = "27.1.0";

/// Syscalls the program may call. sbpf-linker must see them exported, otherwise it internalises
/// the declarations and drops their arguments.
const SYSCALLS: &[&str] = &[
    "abort",
    "sol_alt_bn128_compression",
    "sol_alt_bn128_group_op",
    "sol_big_mod_exp",
    "sol_blake3",
    "sol_create_program_address",
    "sol_curve_group_op",
    "sol_curve_multiscalar_mul",
    "sol_curve_pairing_map",
    "sol_curve_validate_point",
    "sol_get_clock_sysvar",
    "sol_get_epoch_rewards_sysvar",
    "sol_get_epoch_schedule_sysvar",
    "sol_get_epoch_stake",
    "sol_get_fees_sysvar",
    "sol_get_last_restart_slot",
    "sol_get_processed_sibling_instruction",
    "sol_get_rent_sysvar",
    "sol_get_return_data",
    "sol_get_stack_height",
    "sol_get_sysvar",
    "sol_invoke_signed_c",
    "sol_invoke_signed_rust",
    "sol_keccak256",
    "sol_log_",
    "sol_log_64_",
    "sol_log_compute_units_",
    "sol_log_data",
    "sol_log_pubkey",
    "sol_memcmp_",
    "sol_memcpy_",
    "sol_memmove_",
    "sol_memset_",
    "sol_panic_",
    "sol_poseidon",
    "sol_remaining_compute_units",
    "sol_secp256k1_recover",
    "sol_set_return_data",
    "sol_sha256",
    "sol_try_find_program_address",
];

const TARGET_SPEC: &str = r#"{
  "arch": "bpf",
  "os": "solana",
  "vendor": "solana",
  "atomic-cas": true,
  "crt-objects-fallback": "false",
  "data-layout": "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128",
  "dynamic-linking": true,
  "linker-flavor": "bpf",
  "linker-is-gnu": false,
  "llvm-target": "bpfel",
  "max-atomic-width": 64,
  "merge-functions": "disabled",
  "no-builtins": true,
  "obj-is-bitcode": true,
  "panic-strategy": "abort",
  "position-independent-executables": true,
  "singlethread": true,
  "target-pointer-width": 64,
  "target-c-int-width": 32,
  "target-endian": "little"
}
"#;

type Res<T> = Result<T, String>;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "build-sbf" => build_sbf().map(|_| ()),
        "build-dex" => build_dex().map(|_| ()),
        "test" => build_sbf().and_then(|so| {
            run_tests(&so, &build_dex()?, rest)?;
            if rest.is_empty() { ts::run_client_tests(&so.vault) } else { Ok(()) }
        }),
        "client" => build_sbf().and_then(|so| ts::run_client_tests(&so.vault)),
        "demo" => build_sbf().and_then(|so| build_dex().and_then(|venue| run_demo(&so.vault, &venue, rest))),
        "bench" => build_sbf().and_then(|so| run_bench(&so, rest)),
        "e2e" => build_sbf().and_then(|so| build_dex().and_then(|venue| e2e::run_e2e(&so, &venue, rest))),
        "cluster-tools" => e2e::ensure_cluster_tools().map(|t| {
            println!("{}\n{}", t.validator.display(), t.solana.display());
        }),
        "idl" => run_idl(),
        "fuzz" => run("fuzzing", Command::new("bash").current_dir(root()).arg("fuzz/run.sh").args(rest)),
        "mutants" => run_mutants(rest),
        "web" => web::run_web(rest),
        "web-test" => web::run_web_test(),
        "help" | "-h" | "--help" => {
            println!("usage: cargo xtask <build-sbf | test | client | demo | bench [--update-docs] | e2e | cluster-tools | idl | fuzz [SECONDS | --long | test] [TARGET...] | mutants [CARGO-MUTANTS ARGS] | web [--port N] [--rpc-port N] | web-test>");
            Ok(())
        }
        other => {
            Err(format!("unknown task `{other}`; expected one of: build-sbf, test, client, demo, bench, e2e, cluster-tools, idl, fuzz, mutants, web, web-test"))
        }
    };
    if let Err(e) = result {
        eprintln!("xtask error: {e}");
        exit(1);
    }
}

fn root() -> PathBuf {
    // xtask/Cargo.toml sits one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent directory").to_path_buf()
}

fn sbf_home() -> Res<PathBuf> {
    if let Ok(p) = env::var("RPV_SBF_HOME") {
        return Ok(PathBuf::from(p));
    }
    let base = env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|_| env::var("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map_err(|_| "neither RPV_SBF_HOME, XDG_CACHE_HOME nor HOME is set".to_string())?;
    Ok(base.join("rpv-sbf"))
}

fn step(name: &str) {
    eprintln!("[xtask] {name}");
}

/// Runs a command, streaming its output; an error names the step and the command.
fn run(what: &str, cmd: &mut Command) -> Res<()> {
    let status = cmd.status().map_err(|e| format!("{what}: could not start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: command failed ({status}): {cmd:?}"))
    }
}

fn output(what: &str, cmd: &mut Command) -> Res<String> {
    let out = cmd.output().map_err(|e| format!("{what}: could not start {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{what}: {cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// 1. The pinned nightly with rust-src, through rustup.
fn ensure_nightly() -> Res<PathBuf> {
    let sysroot = |()| {
        output("nightly sysroot", Command::new("rustc").arg(format!("+{NIGHTLY}")).args(["--print", "sysroot"]))
            .map(PathBuf::from)
    };
    let have_src = |s: &Path| s.join("lib/rustlib/src/rust/library/std/src/lib.rs").is_file();
    if let Ok(s) = sysroot(()) {
        if have_src(&s) {
            return Ok(s);
        }
    }
    step(&format!("installing {NIGHTLY} with rust-src (rustup)"));
    run(
        "rustup toolchain install (needs rustup and access to its release server)",
        Command::new("rustup").args([
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
            "--no-self-update",
        ]),
    )?;
    let s = sysroot(())?;
    if !have_src(&s) {
        return Err(format!("{NIGHTLY} is installed but has no rust-src under {}", s.display()));
    }
    Ok(s)
}

/// 2. sbpf-linker from crates.io, pinned and `--locked`, built with the nightly (it dlopens that
/// toolchain's libLLVM at link time).
fn ensure_linker(home: &Path) -> Res<PathBuf> {
    let root = home.join(format!("sbpf-linker-{SBPF_LINKER_VERSION}"));
    let bin = root.join("bin/sbpf-linker");
    if bin.is_file() {
        return Ok(bin);
    }
    step(&format!("installing sbpf-linker {SBPF_LINKER_VERSION} from crates.io (about a minute)"));
    run(
        "cargo install sbpf-linker",
        Command::new("cargo")
            .arg(format!("+{NIGHTLY}"))
            .args(["install", "sbpf-linker", "--locked", "--version"])
            .arg(format!("={SBPF_LINKER_VERSION}"))
            .arg("--root")
            .arg(&root),
    )?;
    if !bin.is_file() {
        return Err(format!("cargo install reported success but {} is missing", bin.display()));
    }
    Ok(bin)
}

/// `cargo xtask mutants`: mutation testing of the core crate with its own tests (the `.so`
/// tests would need an SBF build per mutant). cargo-mutants is installed from crates.io, pinned
/// and `--locked`, next to the SBF toolchain.
fn run_mutants(rest: &[String]) -> Res<()> {
    let root_dir = sbf_home()?.join(format!("cargo-mutants-{CARGO_MUTANTS_VERSION}"));
    let bin_dir = root_dir.join("bin");
    if !bin_dir.join("cargo-mutants").is_file() {
        step(&format!("installing cargo-mutants {CARGO_MUTANTS_VERSION} from crates.io (a few minutes)"));
        run(
            "cargo install cargo-mutants",
            Command::new("cargo")
                .args(["install", "cargo-mutants", "--locked", "--version"])
                .arg(format!("={CARGO_MUTANTS_VERSION}"))
                .arg("--root")
                .arg(&root_dir),
        )?;
    }
    let path =
        env::join_paths(std::iter::once(bin_dir).chain(env::split_paths(&env::var_os("PATH").unwrap_or_default())))
            .map_err(|e| format!("PATH: {e}"))?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root()).env("PATH", path).args(["mutants", "-p", "rpv-core"]);
    if !rest.iter().any(|a| a == "-o" || a.starts_with("--output")) {
        cmd.arg("-o").arg(root().join("target"));
    }
    run("cargo mutants", cmd.args(rest))
}

/// 3. A patched copy of the nightly's std sources.
fn ensure_std(home: &Path, sysroot: &Path) -> Res<PathBuf> {
    let dir = home.join(format!("std-{NIGHTLY}-r{STD_PATCH_REVISION}"));
    let library = dir.join("library");
    let done = dir.join(".complete");
    if done.is_file() {
        return Ok(library);
    }
    step("copying and patching std sources for target_os = \"solana\"");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    run("copy rust-src", Command::new("cp").arg("-r").arg(sysroot.join("lib/rustlib/src/rust/library")).arg(&dir))?;
    stdpatch::apply(&library)?;
    std::fs::write(&done, NIGHTLY).map_err(|e| format!("write {}: {e}", done.display()))?;
    Ok(library)
}

/// 4. The target spec (rewritten only when it differs, to keep cargo's fingerprints stable).
fn ensure_spec(home: &Path) -> Res<PathBuf> {
    let spec = home.join("bpfel-solana-solana.json");
    if std::fs::read_to_string(&spec).ok().as_deref() != Some(TARGET_SPEC) {
        std::fs::create_dir_all(home).map_err(|e| format!("create {}: {e}", home.display()))?;
        std::fs::write(&spec, TARGET_SPEC).map_err(|e| format!("write {}: {e}", spec.display()))?;
    }
    Ok(spec)
}

/// The published programs.
struct Programs {
    vault: PathBuf,
    integrator: PathBuf,
}

/// The toolchain pieces and flags of every SBF build (ours and the venues'): the pinned nightly,
/// `sbpf-linker`, the patched std and the target spec, installed on first use.
struct Sbf {
    spec: PathBuf,
    library: PathBuf,
    rustflags: Vec<String>,
}

fn sbf_toolchain() -> Res<Sbf> {
    let home = sbf_home()?;
    let sysroot = ensure_nightly()?;
    let linker = ensure_linker(&home)?;
    let library = ensure_std(&home, &sysroot)?;
    let spec = ensure_spec(&home)?;
    let mut rustflags = vec![
        format!("-C linker={}", linker.display()),
        "-C passes=lower-atomic".into(), // SBPF has no atomics
        "-C panic=abort".into(),
        "-C target-cpu=v2".into(), // ≈40 % fewer CU than the generic cpu
        "-C target-feature=+allows-misaligned-mem-access".into(),
        "-C link-arg=--llvm-args=-bpf-stack-size=4096".into(),
        "-C link-arg=--llvm-args=--disable-movsx".into(),
        "-C link-arg=--llvm-args=--disable-ldsx".into(),
        // SBPF v3: mainnet executes it (`enable_sbpf_v3_deployment_and_execution`) and it has
        // no stack-frame gaps. With v0 and mainnet's features (`virtual_address_space_adjustments`
        // inactive) the VM inserts gaps between frames, and code this LLVM emits for calls with
        // stack-passed arguments (Anchor's `init` path) faults: "Access violation in stack frame".
        "-C link-arg=--arch=v3".into(),
    ];
    rustflags.push(format!("-C link-arg=--export={}", SYSCALLS.join(",")));
    // a `.so` that does not depend on where things are: the paths compiled into panic locations
    // (the patched std under the SBF home, crates.io sources, the checkout) are rewritten to fixed
    // prefixes, so the same commit builds the same bytes on any machine (docs/build.md)
    let cargo_home = env::var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|_| env::var("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map_err(|_| "neither CARGO_HOME nor HOME is set".to_string())?;
    for (from, to) in
        [(home.clone(), "/rpv-sbf"), (cargo_home.join("registry/src"), "/cargo/registry/src"), (root(), "/rpv")]
    {
        rustflags.push(format!("--remap-path-prefix={}={to}", from.display()));
    }
    Ok(Sbf { spec, library, rustflags })
}

/// Builds both programs and returns the paths of their `.so` files.
fn build_sbf() -> Res<Programs> {
    let t0 = Instant::now();
    let sbf = sbf_toolchain()?;
    let root = root();
    let mut published = vec![];
    for (package, so_name) in [(PROGRAM_PACKAGE, PROGRAM_SO), (INTEGRATOR_PACKAGE, INTEGRATOR_SO)] {
        step(&format!("building {package} for SBF"));
        run(&format!("SBF build of {package}"), &mut sbf_cargo(&root, &sbf, package))?;
        published.push((so_name, read_artifact(&root.join("target"), so_name)?));
    }
    let mut paths = vec![];
    for (so_name, bytes) in published {
        paths.push(publish(&root, so_name, &bytes)?);
    }
    let integrator = paths.pop().expect("two programs");
    let vault = paths.pop().expect("two programs");
    step(&format!("{} and {} ready ({:.1}s)", vault.display(), integrator.display(), t0.elapsed().as_secs_f64()));
    if let Ok(sum) = output("sha256sum", Command::new("sha256sum").arg(&vault)) {
        step(&format!("sha256 {sum}"));
    }
    Ok(Programs { vault, integrator })
}

/// The trading venue of the tests and the demo: Manifest's orderbook from its published crate,
/// built in the `dex/` workspace (its own lock file, its own dependencies) into `target/dex`,
/// published as `target/deploy/manifest.so`.
fn build_dex() -> Res<PathBuf> {
    let t0 = Instant::now();
    let sbf = sbf_toolchain()?;
    let root = root();
    let dex = root.join("dex");
    let target = root.join("target/dex");
    step(&format!("building {DEX_PACKAGE} (crates.io manifest-dex) for SBF in dex/"));
    let mut c = sbf_cargo(&dex, &sbf, DEX_PACKAGE);
    c.env("CARGO_TARGET_DIR", &target);
    run(&format!("SBF build of {DEX_PACKAGE}"), &mut c)?;
    let so = publish(&root, DEX_SO, &read_artifact(&target, DEX_SO)?)?;
    step(&format!("{} ready ({:.1}s)", so.display(), t0.elapsed().as_secs_f64()));
    Ok(so)
}

/// Installs the Debian `packages` that are missing, for `what` (apt-get, when this runs as root;
/// otherwise the error names the command to run).
fn ensure_debian_packages(packages: &[&str], what: &str) -> Res<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = output("id", Command::new("id").arg("-u")).is_ok_and(|u| u == "0");
    if !root_user {
        return Err(format!(
            "{what} needs the Debian packages {}: run `sudo apt-get install -y {}` and retry",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    step(&format!("installing Debian packages for {what}: {}", missing.join(", ")));
    run("apt-get update", Command::new("apt-get").args(["update", "-q"]))?;
    run(
        "apt-get install",
        Command::new("apt-get").args(["install", "-y", "-q"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `cargo build` of one program for the SBF target, in the workspace at `dir`.
fn sbf_cargo(dir: &Path, sbf: &Sbf, package: &str) -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(dir)
        .arg(format!("+{NIGHTLY}"))
        .args(["build", "--locked", "--release", "-Zjson-target-spec"])
        .args(["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=compiler-builtins-mem"])
        .arg("--target")
        .arg(&sbf.spec)
        .args(["--package", package])
        // the std of a JSON target would otherwise be `restricted_std`
        .env("RUSTC_BOOTSTRAP_SYNTHETIC_TARGET", "1")
        .env("__CARGO_TESTS_ONLY_SRC_ROOT", &sbf.library)
        .env("RUSTFLAGS", sbf.rustflags.join(" "))
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("LD_LIBRARY_PATH");
    c
}

fn read_artifact(target: &Path, so_name: &str) -> Res<Vec<u8>> {
    let artifact = target.join("bpfel-solana-solana/release").join(format!("lib{so_name}"));
    std::fs::read(&artifact)
        .map_err(|e| format!("the build finished but its artifact {} is unreadable: {e}", artifact.display()))
}

/// Writes `bytes` to `target/deploy/<so_name>` unless it already holds them.
fn publish(root: &Path, so_name: &str, bytes: &[u8]) -> Res<PathBuf> {
    let so = root.join("target/deploy").join(so_name);
    if std::fs::read(&so).ok().as_deref() != Some(bytes) {
        std::fs::create_dir_all(so.parent().expect("has parent")).map_err(|e| format!("create target/deploy: {e}"))?;
        let tmp = so.with_extension("so.tmp");
        std::fs::write(&tmp, bytes).map_err(|e| format!("write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &so).map_err(|e| format!("rename to {}: {e}", so.display()))?;
    }
    Ok(so)
}

fn host_cargo(root: &Path, so: &Path) -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(root).env("RPV_PROGRAM_SO", so).env_remove("RUSTUP_TOOLCHAIN").env_remove("RUSTC");
    c
}

/// `host_cargo` with both programs' paths.
fn host_cargo_all(root: &Path, so: &Programs) -> Command {
    let mut c = host_cargo(root, &so.vault);
    c.env("RPV_INTEGRATOR_SO", &so.integrator);
    c
}

fn run_tests(so: &Programs, venue: &Path, rest: &[String]) -> Res<()> {
    step("running the test suite (core, SDK, CLI, keeper, IDL, and the .so files in solana-program-test)");
    let mut cmd = host_cargo_all(&root(), so);
    cmd.env("RPV_MANIFEST_SO", venue);
    cmd.args(["test", "--locked", "--workspace", "--exclude", PROGRAM_PACKAGE, "--exclude", INTEGRATOR_PACKAGE])
        .args(["--exclude", "rpv-oracle-writer"])
        .args(rest);
    let mut tally = counted("tests", &mut cmd)?;
    // the fuzz targets' seeded replay (stable) and a short fuzzing run (nightly + libFuzzer);
    // skipped when the caller selects tests with a filter
    let fuzz = rest.is_empty();
    if fuzz {
        step("fuzz targets: seeded replay of every target (fuzz/run.sh test)");
        let mut replay = Command::new("bash");
        replay.current_dir(root()).args(["fuzz/run.sh", "test"]);
        let t = counted("fuzz replay", &mut replay)?;
        tally = Tally {
            passed: tally.passed + t.passed,
            failed: tally.failed + t.failed,
            binaries: tally.binaries + t.binaries,
            ok: tally.ok && t.ok,
        };
    }
    println!("\n{} test binaries", tally.binaries);
    println!("tests: {} passed, {} failed", tally.passed, tally.failed);
    if !tally.ok {
        return Err("tests failed".into());
    }
    if fuzz {
        step(&format!("fuzz targets: {FUZZ_CI_SECONDS} s of cargo fuzz per target (fuzz/run.sh)"));
        run(
            "short fuzzing run",
            Command::new("bash").current_dir(root()).args(["fuzz/run.sh", &FUZZ_CI_SECONDS.to_string()]),
        )?;
    }
    Ok(())
}

/// Seconds of fuzzing per target in `cargo xtask test` (`cargo xtask fuzz` for longer runs).
const FUZZ_CI_SECONDS: u32 = 10;

struct Tally {
    passed: u64,
    failed: u64,
    binaries: u64,
    ok: bool,
}

/// Runs a `cargo test`-like command, passing its output through and adding up its per-binary
/// `test result:` summaries.
fn counted(what: &str, cmd: &mut Command) -> Res<Tally> {
    use std::io::{BufRead, BufReader, Write};
    let mut child =
        cmd.stdout(std::process::Stdio::piped()).spawn().map_err(|e| format!("{what}: could not start: {e}"))?;
    let (mut passed, mut failed, mut binaries) = (0u64, 0u64, 0u64);
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.map_err(|e| format!("{what}: reading the output: {e}"))?;
        let _ = writeln!(out, "{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            binaries += 1;
            let count = |word: &str| {
                rest.split(';')
                    .find_map(|part| {
                        part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(word)
                    })
                    .and_then(|n| n.trim().parse::<u64>().ok())
                    .unwrap_or(0)
            };
            passed += count(" passed");
            failed += count(" failed");
        }
    }
    let status = child.wait().map_err(|e| format!("{what}: waiting: {e}"))?;
    Ok(Tally { passed, failed, binaries, ok: status.success() })
}

fn run_demo(so: &Path, venue: &Path, rest: &[String]) -> Res<()> {
    run(
        "demo",
        host_cargo(&root(), so)
            .env("RPV_MANIFEST_SO", venue)
            .args(["run", "--locked", "--quiet", "--package", "rpv-lab", "--bin", "rpv-lab", "--", "demo", "--program"])
            .arg(so)
            .args(rest),
    )
}

/// The page holding the generated compute-unit table (between the `cu-table` markers).
const CU_TABLE_PAGE: &str = "docs/compute-units.md";

fn run_bench(so: &Programs, rest: &[String]) -> Res<()> {
    let root = root();
    let table = output(
        "benchmark",
        host_cargo_all(&root, so).args(["run", "--locked", "--quiet", "--package", "rpv-tests", "--bin", "cu-bench"]),
    )?;
    println!("{table}");
    // `--update-readme` is the flag's former name (the table lived in README.md).
    if rest.iter().any(|a| a == "--update-docs" || a == "--update-readme") {
        let page = root.join(CU_TABLE_PAGE);
        let text = std::fs::read_to_string(&page).map_err(|e| format!("read {CU_TABLE_PAGE}: {e}"))?;
        let (begin, end) = ("<!-- cu-table:begin -->", "<!-- cu-table:end -->");
        let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
            return Err(format!("{CU_TABLE_PAGE} has no `{begin}` … `{end}` markers"));
        };
        let new = format!("{}{begin}\n{table}\n{}", &text[..a], &text[b..]);
        std::fs::write(&page, new).map_err(|e| format!("write {CU_TABLE_PAGE}: {e}"))?;
        step(&format!("{CU_TABLE_PAGE} CU table updated"));
        let generated = root.join("app/sdk/src/cu_table.rs");
        std::fs::write(&generated, cu_table_rs(&table)).map_err(|e| format!("write {}: {e}", generated.display()))?;
        // formatted as the rest of the tree (rustfmt.toml)
        run("rustfmt", Command::new("rustfmt").current_dir(&root).arg("--edition=2021").arg(&generated))?;
        step("app/sdk/src/cu_table.rs updated (the SDK's CU estimates)");
        update_readme_sha256(&root, &so.vault)?;
    }
    Ok(())
}

/// Writes the vault `.so`'s sha256 into README.md (between the `so-sha256` markers): the hash
/// of the build the CU table was measured on, regenerated with it, never typed.
fn update_readme_sha256(root: &Path, vault: &Path) -> Res<()> {
    let sum = output("sha256sum", Command::new("sha256sum").arg(vault))?;
    let hash = sum.split_whitespace().next().ok_or("sha256sum printed nothing")?.to_string();
    let readme = root.join("README.md");
    let text = std::fs::read_to_string(&readme).map_err(|e| format!("read README.md: {e}"))?;
    let (begin, end) = ("<!-- so-sha256:begin -->", "<!-- so-sha256:end -->");
    let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
        return Err(format!("README.md has no `{begin}` … `{end}` markers"));
    };
    let new = format!("{}{begin}`{hash}`{}", &text[..a], &text[b..]);
    std::fs::write(&readme, new).map_err(|e| format!("write README.md: {e}"))?;
    step(&format!("README.md: rpv_vault.so sha256 {hash}"));
    Ok(())
}

/// The per-asset-count rows of the benchmark's markdown table as Rust (the SDK's
/// `rpv_sdk::cu` estimates): rows with one cell per asset count, names and numbers as measured.
fn cu_table_rs(table: &str) -> String {
    let mut counts: Vec<String> = Vec::new();
    let mut rows = String::new();
    for line in table.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if cells.first() == Some(&"instruction") && counts.is_empty() {
            counts = cells[1..].iter().map(|c| c.trim_end_matches(" assets").to_string()).collect();
            continue;
        }
        if counts.is_empty() || cells.len() != counts.len() + 1 || cells[0].starts_with("---") {
            continue;
        }
        let vals: Vec<String> =
            cells[1..].iter().map(|c| c.parse::<u64>().map_or("None".to_string(), |v| format!("Some({v})"))).collect();
        rows += &format!("    ({:?}, [{}]),\n", cells[0], vals.join(", "));
    }
    format!(
        "//! Generated by `cargo xtask bench --update-docs` from the compute units measured on the\n\
         //! `.so` (the table in `docs/compute-units.md`); do not edit by hand.\n\n\
         /// The asset counts of the columns.\n\
         pub const ASSET_COUNTS: [usize; {}] = [{}];\n\n\
         /// `(row name, CU per asset count)`, row names as in `docs/compute-units.md`.\n\
         pub const ROWS: &[(&str, [Option<u64>; {}])] = &[\n{rows}];\n",
        counts.len(),
        counts.join(", "),
        counts.len()
    )
}

/// Rewrites `idl/rpv_vault.json` with a fresh IDL (`app/idl`: Anchor's IDL build on the stable
/// toolchain, no Anchor CLI).
fn run_idl() -> Res<()> {
    let root = root();
    step("building the IDL (host, stable toolchain, target/idl)");
    run(
        "IDL build",
        Command::new("cargo")
            .current_dir(&root)
            .args(["run", "--locked", "--quiet", "--package", "rpv-idl", "--", "--write"])
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("RUSTC"),
    )
}
