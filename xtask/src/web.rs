//! The vault's web page (`app/web`).
//!
//! - `cargo xtask web [--port N] [--rpc-port N]`: builds the program, `rpv-lab` and the page,
//!   starts `rpv-lab serve` (a sandbox vault behind the embedded SVM's JSON-RPC endpoint, a
//!   funded depositor whose keypair is in `target/web/serve.json`), serves the built page with
//!   `vite preview` and prints its URL, for a human with a wallet (or the keypair) to try.
//! - `cargo xtask web-test`: Debian's Chromium (`apt-get install -y chromium` when
//!   `/usr/bin/chromium` is missing and this runs as root; otherwise the command to run is
//!   printed), `npm ci` in `app/web` when its installation is older than its lockfile or the
//!   client package, the page's type check and build, then the Playwright test
//!   (`app/web/tests/browser.test.ts`). Screenshots land in `target/web/`.

use std::{
    fs,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
    time::Instant,
};

use crate::{build_sbf, host_cargo, root, run, step, Res};

const CHROMIUM: &str = "/usr/bin/chromium";

fn web_dir() -> PathBuf {
    root().join("app/web")
}

/// Debian's Chromium at /usr/bin/chromium, installed with apt-get when missing and root.
fn ensure_chromium() -> Res<PathBuf> {
    let path = PathBuf::from(CHROMIUM);
    if path.exists() {
        return Ok(path);
    }
    let t = Instant::now();
    crate::ensure_debian_packages(&["chromium"], "the browser test")?;
    step(&format!("chromium installed in {:.1} s", t.elapsed().as_secs_f64()));
    if !path.exists() {
        return Err(format!("apt-get installed chromium but {CHROMIUM} is missing"));
    }
    Ok(path)
}

/// The program, `rpv-lab` and the page, built; returns the program's path.
fn build_all() -> Res<PathBuf> {
    let so = build_sbf()?.vault;
    step("building rpv-lab");
    run("cargo build -p rpv-lab", host_cargo(&root(), &so).args(["build", "-q", "-p", "rpv-lab", "--bin", "rpv-lab"]))?;
    crate::ts::npm_ci_when_stale(&web_dir(), &[root().join("app/client")])?;
    step("building the page (tsc, vite build)");
    run("npm run build", Command::new("npm").current_dir(web_dir()).args(["run", "build"]))?;
    Ok(so)
}

fn lab_bin() -> PathBuf {
    root().join("target/debug/rpv-lab")
}

fn flag(rest: &[String], name: &str, default: u16) -> Res<u16> {
    match rest.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => rest.get(i + 1).and_then(|v| v.parse().ok()).ok_or_else(|| format!("{name} needs a port number")),
    }
}

/// `cargo xtask web`.
pub fn run_web(rest: &[String]) -> Res<()> {
    let port = flag(rest, "--port", 4173)?;
    let rpc_port = flag(rest, "--rpc-port", 8899)?;
    let so = build_all()?;
    let out = root().join("target/web/serve.json");
    let _ = fs::remove_file(&out);
    step("starting rpv-lab serve");
    let mut lab = Command::new(lab_bin())
        .current_dir(root())
        .env("RPV_PROGRAM_SO", &so)
        .args(["serve", "--port", &rpc_port.to_string(), "--page", &format!("http://127.0.0.1:{port}/"), "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start rpv-lab: {e}"))?;
    // `serve` writes the description, then prints the endpoint and the page's address
    let lines = BufReader::new(lab.stdout.take().expect("piped")).lines();
    let mut lines = lines.map_while(Result::ok);
    let started = lines.by_ref().any(|l| {
        println!("{l}");
        l.contains("page: ")
    });
    if !started {
        let _ = lab.kill();
        return Err("rpv-lab serve did not start (see its output above)".into());
    }
    std::thread::spawn(move || lines.for_each(|l| println!("{l}")));
    println!("  Ctrl-C stops both servers.\n");
    let status = Command::new("npm")
        .current_dir(web_dir())
        .args(["exec", "--", "vite", "preview", "--host", "127.0.0.1", "--strictPort", "--port", &port.to_string()])
        .status();
    let _ = lab.kill();
    let _ = lab.wait();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("vite preview exited ({s})")),
        Err(e) => Err(format!("cannot start vite preview: {e}")),
    }
}

/// `cargo xtask web-test`.
pub fn run_web_test() -> Res<()> {
    let chromium = ensure_chromium()?;
    let so = build_all()?;
    step("browser test (playwright-core, headless chromium)");
    let t = Instant::now();
    run(
        "browser test",
        Command::new("npm")
            .current_dir(web_dir())
            .args(["run", "test:browser"])
            .env("CHROMIUM", &chromium)
            .env("RPV_LAB_BIN", lab_bin())
            .env("RPV_PROGRAM_SO", &so),
    )?;
    step(&format!("browser test passed in {:.1} s; screenshots in target/web/", t.elapsed().as_secs_f64()));
    Ok(())
}
