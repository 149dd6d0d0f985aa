//! `rpv-keeper`: runs [`rpv_keeper::Keeper::tick`] every `interval_secs` against a cluster
//! (JSON-RPC) or, with `--embedded`, against a sandbox vault on an embedded SVM. `--help` lists
//! every option. SIGINT / SIGTERM: the current tick finishes, the metrics are written, exit 0
//! (a second signal exits at once).

use std::{
    process::exit,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use rpv_keeper::{
    config::{self, Config, Parsed, Source},
    keeper::{Keeper, KeeperError},
    log::Logger,
};
use rpv_sdk::{
    chain::{Chain, LocalChain, RpcChain},
    svm::{
        sandbox::{OptionSpec, Sandbox, Spec},
        LocalSvm,
    },
};
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn fail(code: i32, msg: &str) -> ! {
    eprintln!("rpv-keeper: {msg}");
    exit(code);
}

/// The world the keeper runs in: a cluster, or the embedded sandbox it drives between ticks.
enum World {
    Cluster(RpcChain),
    Embedded { chain: Box<LocalChain>, sandbox: Sandbox, step_secs: i64 },
}

impl World {
    fn chain(&mut self) -> &mut dyn Chain {
        match self {
            World::Cluster(c) => c,
            World::Embedded { chain, .. } => chain.as_mut(),
        }
    }
}

fn embedded_spec() -> Spec {
    // three spot assets and a call on SOL expiring 90 minutes in: refreshes, weights,
    // rebalances and a settlement within the first hour of simulated time
    let mut spec = Spec::spot();
    spec.options.push(OptionSpec {
        kind: rpv_sdk::ix::OptionKind::Call,
        underlying: 0,
        strike: 140.0,
        expires_in: 90 * 60,
        iv: 0.6,
        quantity: 200_000_000,
    });
    spec
}

fn setup(cfg: &Config) -> Result<(World, Keypair, rpv_sdk::Pubkey), String> {
    let explicit_keypair = !matches!(cfg.source("keypair"), Some(Source::Default) | None);
    if cfg.embedded {
        let mut svm = LocalSvm::load(&cfg.program)?;
        let sandbox = Sandbox::create(&mut svm, &embedded_spec())?;
        let kp = if explicit_keypair { rpv_sdk::keypair::read(&cfg.keypair)? } else { Keypair::new() };
        // inventory: 2,000,000 USDC and 500,000 USDC worth of every asset, 100 option tokens
        sandbox.fund_keeper(&mut svm, &kp.pubkey(), 2_000_000_000_000, 500_000_000_000, 100_000_000)?;
        let vault = cfg.vault.unwrap_or(sandbox.vault);
        let step_secs = cfg.sim_step_secs.min(86_400) as i64;
        Ok((World::Embedded { chain: Box::new(LocalChain::new(svm)), sandbox, step_secs }, kp, vault))
    } else {
        let vault = cfg.vault.ok_or("no vault given: set --vault, RPV_KEEPER_VAULT or `vault` in the config file")?;
        let kp = rpv_sdk::keypair::read(&cfg.keypair)?;
        let chain = RpcChain::new(&cfg.rpc_url, cfg.commitment, Duration::from_secs(cfg.rpc_timeout_secs))?;
        Ok((World::Cluster(chain), kp, vault))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match Config::resolve(&args, &|k| std::env::var(k).ok()) {
        Ok(Parsed::Help) => {
            print!("{}", config::help());
            return;
        }
        Ok(Parsed::Version) => {
            println!("rpv-keeper {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        Ok(Parsed::Run(c)) => *c,
        Err(e) => fail(2, &e),
    };
    let (mut world, kp, vault) = setup(&cfg).unwrap_or_else(|e| fail(2, &e));

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // a second signal while shutting down exits at once
        signal_hook::flag::register_conditional_shutdown(sig, 1, stop.clone())
            .and_then(|_| signal_hook::flag::register(sig, stop.clone()))
            .unwrap_or_else(|e| fail(1, &format!("cannot install signal handlers: {e}")));
    }

    let log = Logger::stderr(cfg.log_level);
    let label = world.chain().label();
    let mut keeper = Keeper::new(cfg.settings(vault), kp, log, &label);
    // the vault must exist before the loop starts
    match keeper.snapshot(world.chain()) {
        Ok(_) => {}
        Err(e @ (KeeperError::VaultNotFound { .. } | KeeperError::BadAccount(_))) => fail(2, &e.to_string()),
        Err(KeeperError::Chain { call, error }) if error.is_transient() => {
            fail(2, &format!("cannot reach {label} ({call}): {}", error.message()))
        }
        Err(KeeperError::Chain { call, error }) => fail(2, &format!("{label}: {call} failed: {}", error.message())),
    }
    keeper.log.info(
        "start",
        json!({"chain": label, "keeper": keeper.pubkey().to_string(), "dry_run": cfg.dry_run,
               "interval_secs": cfg.interval_secs, "ticks": cfg.ticks,
               "metrics_file": cfg.metrics_file.as_ref().map(|p| p.display().to_string()),
               "config_file": cfg.config_file.as_ref().map(|p| p.display().to_string())}),
    );

    let shared = rpv_keeper::http::Shared::default();
    if cfg.http_port > 0 {
        // healthy while ticks keep finishing: a tick takes well under a minute
        let stale_after = Duration::from_secs(3 * cfg.interval_secs + 60);
        match rpv_keeper::http::serve(cfg.http_port, shared.clone(), stale_after) {
            Ok(addr) => keeper.log.info(
                "http",
                json!({"metrics": format!("http://{addr}/metrics"),
                                                      "health": format!("http://{addr}/health")}),
            ),
            Err(e) => {
                fail(2, &format!("cannot serve on 127.0.0.1:{}: {e} (choose another --http-port)", cfg.http_port))
            }
        }
    }
    let mut done = 0u64;
    let reason = loop {
        let ok = keeper.tick(world.chain()).is_ok();
        shared.publish(&keeper.metrics, ok);
        done += 1;
        if stop.load(Ordering::SeqCst) {
            break "signal";
        }
        if cfg.ticks > 0 && done >= cfg.ticks {
            break "completed";
        }
        if let World::Embedded { chain, sandbox, step_secs } = &mut world {
            // the sandbox's world moves on: time passes, prices walk (±0.3 % per step)
            if let Err(e) = sandbox.step(&mut chain.svm, *step_secs, 30) {
                keeper.log.error("sandbox_step_failed", json!({"error": e}));
            }
        }
        let until = Instant::now() + Duration::from_secs(cfg.interval_secs);
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
        }
        if stop.load(Ordering::SeqCst) {
            break "signal";
        }
    };
    keeper.metrics.shutdown = Some(reason.to_string());
    keeper.write_metrics();
    keeper.log.info(
        "stop",
        json!({"reason": reason, "ticks": keeper.metrics.ticks, "trades": keeper.metrics.trades,
               "incentives_earned": keeper.metrics.incentives_earned}),
    );
}
