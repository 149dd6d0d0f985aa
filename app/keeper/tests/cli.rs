//! The `rpv-keeper` binary: help, one-line errors, a run on the embedded SVM, graceful
//! shutdown on SIGTERM, and the JSON-RPC path against a minimal local JSON-RPC server.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::PathBuf,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use rpv_keeper::{config::OPTIONS, metrics::Metrics};
use rpv_sdk::Pubkey;
use serde_json::Value;
use solana_keypair::Keypair;

/// The program, as an absolute path (the binary runs in another directory).
fn program() -> PathBuf {
    let p = rpv_sdk::default_program_path();
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rpv-keeper-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The binary with a clean `RPV_KEEPER_*` environment.
fn keeper() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rpv-keeper"));
    for (k, _) in std::env::vars() {
        if k.starts_with("RPV_KEEPER_") {
            c.env_remove(k);
        }
    }
    c.current_dir(std::env::temp_dir());
    c
}

fn run(args: &[&str]) -> Output {
    keeper().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Exit code 2 and exactly one line on stderr, starting `rpv-keeper: ` and containing `needle`.
fn assert_one_line_error(o: &Output, needle: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(e.starts_with("rpv-keeper: ") && e.contains(needle), "`{needle}` not in: {e}");
}

#[test]
fn help_lists_every_option() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for opt in OPTIONS {
        assert!(out.contains(&opt.flag()) && out.contains(&opt.env()), "--help lacks {}", opt.flag());
    }
    let v = run(&["--version"]);
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("rpv-keeper "));
}

#[test]
fn clear_one_line_errors() {
    let vault = Pubkey::new_unique().to_string();
    assert_one_line_error(&run(&["--bogus"]), "unknown option `--bogus`");
    assert_one_line_error(&run(&["--rpc-url", "localhost:8899", "--vault", &vault]), "bad RPC URL `localhost:8899`");
    assert_one_line_error(&run(&["--keypair", "/nonexistent/keeper.json"]), "no vault given");
    assert_one_line_error(
        &run(&["--vault", &vault, "--keypair", "/nonexistent/keeper.json"]),
        "cannot read keypair file /nonexistent/keeper.json",
    );
    let so = program();
    let o = run(&["--embedded", "--program", so.to_str().unwrap(), "--vault", &vault]);
    assert_one_line_error(&o, &format!("vault account {vault} not found on embedded"));
    let o = run(&["--embedded", "--program", "/nonexistent/rpv_vault.so"]);
    assert_one_line_error(&o, "cannot read the program /nonexistent/rpv_vault.so");
    // an RPC endpoint nobody answers: retried, then a one-line error
    let kp = temp("unreachable.json");
    rpv_sdk::keypair::write(&Keypair::new(), &kp).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let o = keeper()
        .args(["--rpc-url", &url, "--vault", &vault, "--keypair", kp.to_str().unwrap()])
        .env("RPV_KEEPER_MAX_RETRIES", "2")
        .env("RPV_KEEPER_BACKOFF_MS", "1")
        .output()
        .unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    let last = e.lines().last().unwrap();
    assert!(last.starts_with(&format!("rpv-keeper: cannot reach {url}")), "{e}");
    // the retries were logged as JSON lines before it
    let retries = e.lines().filter(|l| l.contains("\"rpc_retry\"")).count();
    assert_eq!(retries, 2, "{e}");
}

/// A JSON-RPC server answering `getAccountInfo`: the Clock sysvar exists, nothing else does.
fn serve_empty_cluster(listener: TcpListener, requests: usize) -> std::thread::JoinHandle<Vec<Value>> {
    std::thread::spawn(move || {
        let mut seen = vec![];
        let mut conns = listener.incoming();
        'outer: while seen.len() < requests {
            let Some(Ok(stream)) = conns.next() else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut out = stream;
            loop {
                let mut len = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        continue 'outer;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0u8; len];
                reader.read_exact(&mut body).unwrap();
                let req: Value = serde_json::from_slice(&body).unwrap();
                let key = req["params"][0].as_str().unwrap_or_default().to_string();
                let value = if key == "SysvarC1ock11111111111111111111111111111111" {
                    serde_json::json!({"data": [format!("{}==", "A".repeat(54)), "base64"], "executable": false,
                        "lamports": 1_169_280, "owner": "Sysvar1111111111111111111111111111111111111",
                        "rentEpoch": 0, "space": 40})
                } else {
                    Value::Null
                };
                let resp = serde_json::json!({"jsonrpc": "2.0", "id": req["id"],
                    "result": {"context": {"slot": 100, "apiVersion": "4.2.2"}, "value": value}})
                .to_string();
                seen.push(req);
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{resp}",
                    resp.len()
                )
                .unwrap();
                out.flush().unwrap();
                if seen.len() >= requests {
                    break 'outer;
                }
            }
        }
        seen
    })
}

#[test]
fn a_vault_missing_on_the_cluster_is_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = serve_empty_cluster(listener, 2);
    let kp = temp("cluster.json");
    rpv_sdk::keypair::write(&Keypair::new(), &kp).unwrap();
    let vault = Pubkey::new_unique().to_string();
    let o = run(&["--rpc-url", &url, "--vault", &vault, "--keypair", kp.to_str().unwrap()]);
    assert_one_line_error(&o, &format!("vault account {vault} not found on {url}"));
    let seen = server.join().unwrap();
    assert_eq!(seen[0]["method"], "getAccountInfo");
    assert_eq!(seen[0]["params"][0], "SysvarC1ock11111111111111111111111111111111");
    assert_eq!(seen[1]["params"][0], vault.as_str());
    assert_eq!(seen[1]["params"][1]["commitment"], "confirmed");
}

fn json_lines(e: &str) -> Vec<Value> {
    e.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}"))).collect()
}

#[test]
fn embedded_run_cranks_everything_and_writes_metrics() {
    let metrics = temp("embedded-metrics.json");
    let so = program();
    let o = run(&[
        "--embedded",
        "--program",
        so.to_str().unwrap(),
        "--ticks",
        "6",
        "--interval-secs",
        "0",
        "--sim-step-secs",
        "1200",
        "--metrics-file",
        metrics.to_str().unwrap(),
    ]);
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    let lines = json_lines(&e);
    for l in &lines {
        for k in ["ts_ms", "level", "event", "vault", "fields"] {
            assert!(l.get(k).is_some(), "log line lacks {k}: {l}");
        }
    }
    assert_eq!(lines.first().unwrap()["event"], "start");
    assert_eq!(lines.last().unwrap()["event"], "stop");
    let m = Metrics::read(&metrics).unwrap();
    assert_eq!((m.ticks, m.shutdown.as_deref(), m.dry_run), (6, Some("completed"), false));
    assert_eq!(m.chain, "embedded");
    assert!(m.instructions["refresh"].confirmed >= 5, "{m:?}");
    assert!(m.trades > 0 && m.incentives_earned > 0, "{m:?}");
    // the sandbox's call expires 90 minutes in: settled once the clock passes it (tick 6)
    assert_eq!(m.instructions["settle_expired"].confirmed, 1, "{m:?}");
    assert!(m.instructions.values().all(|c| c.failed == 0), "{m:?}");
}

#[test]
fn sigterm_finishes_the_tick_writes_metrics_and_exits_0() {
    let metrics = temp("sigterm-metrics.json");
    let _ = std::fs::remove_file(&metrics);
    let so = program();
    let mut child = keeper()
        .args(["--embedded", "--program", so.to_str().unwrap(), "--interval-secs", "1", "--dry-run"])
        .arg("--metrics-file")
        .arg(&metrics)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while Metrics::read(&metrics).map(|m| m.ticks).unwrap_or(0) < 1 {
        if let Some(s) = child.try_wait().unwrap() {
            let mut e = String::new();
            child.stderr.take().unwrap().read_to_string(&mut e).unwrap();
            panic!("exited early ({s}): {e}");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no tick within 120 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut e = String::new();
    child.stderr.take().unwrap().read_to_string(&mut e).unwrap();
    assert_eq!(status.code(), Some(0), "{e}");
    let m = Metrics::read(&metrics).unwrap();
    assert_eq!(m.shutdown.as_deref(), Some("signal"));
    assert!(m.ticks >= 1 && m.dry_run);
    assert!(m.instructions.values().all(|c| c.sent == 0), "dry run: {m:?}");
    let last = json_lines(&e).pop().unwrap();
    assert_eq!((last["event"].as_str(), last["fields"]["reason"].as_str()), (Some("stop"), Some("signal")));
}
