//! Configuration: flags > environment > file > defaults, errors naming where a bad value came
//! from, keypair files.

use std::{collections::HashMap, path::PathBuf, str::FromStr};

use rpv_keeper::{
    config::{help, Config, Parsed, Source, OPTIONS},
    keeper::Settings,
    log::Level,
};
use rpv_sdk::Pubkey;
use solana_commitment_config::CommitmentLevel;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rpv-keeper-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn resolve(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    match Config::resolve(&args, &|k| env.get(k).cloned())? {
        Parsed::Run(c) => Ok(*c),
        other => panic!("expected a configuration, got {other:?}"),
    }
}

#[test]
fn flags_beat_environment_beat_file_beat_defaults() {
    let file = temp("precedence.toml");
    let vault_file = Pubkey::new_unique();
    let vault_env = Pubkey::new_unique();
    let mint = Pubkey::new_unique();
    let acct = Pubkey::new_unique();
    let market = Pubkey::new_unique();
    std::fs::write(
        &file,
        format!(
            "rpc_url = \"http://file.example:8899\"\ninterval_secs = 10\ndry_run = true\nvault = \"{vault_file}\"\n\
             log_level = \"warn\"\nslippage_bps = 25\nmax_impact_bps = 30\nsol_price = 150000000\n\n\
             [token_accounts]\n\"{mint}\" = \"{acct}\"\n\n[markets]\n\"{mint}\" = \"{market}\"\n"
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let env = [
        ("RPV_KEEPER_CONFIG", f),
        ("RPV_KEEPER_INTERVAL_SECS", "20"),
        ("RPV_KEEPER_RPC_URL", "https://env.example"),
        ("RPV_KEEPER_DRY_RUN", "false"),
    ];
    let vault_env_s = vault_env.to_string();
    let mut env_v = env.to_vec();
    env_v.push(("RPV_KEEPER_VAULT", &vault_env_s));

    // flag > env > file
    let c = resolve(&["--interval-secs", "30", "--dry-run"], &env_v).unwrap();
    assert_eq!(c.interval_secs, 30);
    assert_eq!(c.source("interval_secs"), Some(&Source::Flag("--interval-secs".into())));
    assert!(c.dry_run, "the bare flag sets a boolean");
    assert_eq!(c.rpc_url, "https://env.example");
    assert_eq!(c.source("rpc_url"), Some(&Source::Env("RPV_KEEPER_RPC_URL".into())));
    assert_eq!(c.vault, Some(vault_env));
    assert_eq!(c.log_level, Level::Warn, "file beats default");
    assert_eq!(c.source("log_level"), Some(&Source::File(file.clone())));
    assert_eq!(c.slippage_bps, 25);
    assert_eq!(c.token_accounts.get(&mint), Some(&acct));
    assert_eq!(c.markets.get(&mint), Some(&market), "the leg's market on the venue");
    assert_eq!((c.max_impact_bps, c.sol_price, c.min_profit), (30, 150_000_000, 0));
    let s = c.settings(vault_env);
    assert_eq!((s.markets.len(), s.max_impact_bps, s.sol_price), (1, 30, 150_000_000));
    assert_eq!(c.config_file.as_deref(), Some(file.as_path()));

    // env > file
    let c = resolve(&[], &env_v).unwrap();
    assert_eq!((c.interval_secs, c.dry_run), (20, false));
    // file > default
    let c = resolve(&["--config", f], &[]).unwrap();
    assert_eq!((c.interval_secs, c.dry_run, c.vault), (10, true, Some(vault_file)));
    assert_eq!(c.rpc_url, "http://file.example:8899");
    // the flag names the file over the environment's
    let other = temp("other.toml");
    std::fs::write(&other, "interval_secs = 11\n").unwrap();
    let c = resolve(&["--config", other.to_str().unwrap()], &[("RPV_KEEPER_CONFIG", f)]).unwrap();
    assert_eq!((c.interval_secs, c.vault), (11, None));
    // defaults
    let c = resolve(&[], &[]).unwrap();
    assert_eq!(c.interval_secs, 30);
    assert_eq!(c.rpc_url, "http://127.0.0.1:8899");
    assert_eq!(c.commitment, CommitmentLevel::Confirmed);
    assert_eq!(c.metrics_file, Some(PathBuf::from("rpv-keeper-metrics.json")));
    assert!(!c.dry_run && !c.embedded && c.submit_weights && c.rebalance && c.settle);
    assert!(c.markets.is_empty() && c.max_impact_bps == 50 && c.sol_price == 0, "no venue unless configured");
    assert_eq!(c.source("interval_secs"), None, "unset: the mode decides");
    assert_eq!(c.source("ticks"), Some(&Source::Default));
    // the embedded mode's own default interval; --flag=value and --flag false forms
    let c = resolve(&["--embedded", "--interval-secs=0", "--settle", "false", "--metrics-file="], &[]).unwrap();
    assert!(c.embedded && !c.settle);
    assert_eq!((c.interval_secs, c.metrics_file), (0, None));
    assert_eq!(resolve(&["--embedded"], &[]).unwrap().interval_secs, 1);
}

#[test]
fn settings_come_from_the_configuration() {
    let v = Pubkey::new_unique();
    let c = resolve(
        &["--max-retries", "7", "--backoff-ms", "100", "--backoff-max-ms", "50", "--priority-fee", "1000"],
        &[("RPV_KEEPER_MAX_TRADE_VALUE", "123"), ("RPV_KEEPER_COMMITMENT", "finalized")],
    )
    .unwrap();
    let s = c.settings(v);
    assert_eq!(s.vault, v);
    assert_eq!(s.max_retries, 7);
    assert_eq!(s.backoff.as_millis(), 100);
    assert_eq!(s.backoff_max.as_millis(), 100, "never below the first delay");
    assert_eq!((s.priority_fee, s.max_trade_value), (1_000, 123));
    assert_eq!(c.commitment, CommitmentLevel::Finalized);
    let d = Settings::for_vault(v);
    assert_eq!((d.max_retries, d.slippage_bps, d.max_trades_per_tick, d.refresh_age_secs), (4, 10, 4, 0));
    assert!(d.metrics_file.is_none());
}

#[test]
fn errors_name_their_source() {
    let e = resolve(&["--frobnicate"], &[]).unwrap_err();
    assert_eq!(e, "unknown option `--frobnicate` (see --help)");
    let e = resolve(&["stray"], &[]).unwrap_err();
    assert!(e.contains("unexpected argument `stray`"), "{e}");
    let e = resolve(&["--ticks"], &[]).unwrap_err();
    assert_eq!(e, "--ticks needs a value (N)");
    let e = resolve(&[], &[("RPV_KEEPER_TICKS", "many")]).unwrap_err();
    assert_eq!(e, "RPV_KEEPER_TICKS: expected a whole number, got `many`");
    let e = resolve(&["--rpc-url", "localhost:8899"], &[]).unwrap_err();
    assert!(e.starts_with("--rpc-url: bad RPC URL `localhost:8899`"), "{e}");
    let e = resolve(&["--rpc-url", "http://host:port"], &[]).unwrap_err();
    assert!(e.contains("port `port` is not a number"), "{e}");
    let e = resolve(&["--vault", "not-a-key"], &[]).unwrap_err();
    assert_eq!(e, "--vault: expected a base58 pubkey, got `not-a-key`");
    let e = resolve(&["--commitment", "max"], &[]).unwrap_err();
    assert!(e.contains("processed, confirmed or finalized"), "{e}");
    let e = resolve(&["--dry-run=maybe"], &[]).unwrap_err();
    assert_eq!(e, "--dry-run: expected true or false, got `maybe`");
    let bad = temp("bad.toml");
    std::fs::write(&bad, "interval_secs = \"soon\"\n").unwrap();
    let e = resolve(&["--config", bad.to_str().unwrap()], &[]).unwrap_err();
    assert_eq!(e, format!("`interval_secs` in {}: expected a whole number, got `soon`", bad.display()));
    std::fs::write(&bad, "intervall_secs = 3\n").unwrap();
    let e = resolve(&["--config", bad.to_str().unwrap()], &[]).unwrap_err();
    assert_eq!(e, format!("config file {}: unknown key `intervall_secs`", bad.display()));
    std::fs::write(&bad, "[markets]\nSOL = \"x\"\n").unwrap();
    let e = resolve(&["--config", bad.to_str().unwrap()], &[]).unwrap_err();
    assert_eq!(e, format!("config file {}: markets: `SOL` is not a pubkey", bad.display()));
    std::fs::write(&bad, "markets = 3\n").unwrap();
    let e = resolve(&["--config", bad.to_str().unwrap()], &[]).unwrap_err();
    assert_eq!(e, format!("config file {}: markets must be a table", bad.display()));
    std::fs::write(&bad, "rpc_url = \"ws://x\"\n").unwrap();
    let e = resolve(&["--config", bad.to_str().unwrap()], &[]).unwrap_err();
    assert!(e.starts_with(&format!("{}: bad RPC URL", bad.display())), "{e}");
    std::fs::write(&bad, "rpc_url = \n").unwrap();
    let e = resolve(&["--config", bad.to_str().unwrap()], &[]).unwrap_err();
    assert!(e.starts_with(&format!("config file {}:", bad.display())) && !e.contains('\n'), "{e}");
    let e = resolve(&["--config", "/nonexistent/keeper.toml"], &[]).unwrap_err();
    assert!(e.starts_with("cannot read config file /nonexistent/keeper.toml:"), "{e}");
    // every error is one line
    for args in [&["--frobnicate"][..], &["--rpc-url", "x"], &["--vault", "?"]] {
        assert!(!resolve(args, &[]).unwrap_err().contains('\n'));
    }
}

#[test]
fn help_and_version() {
    let h = help();
    for o in OPTIONS {
        assert!(h.contains(&o.flag()), "--help lacks {}", o.flag());
        assert!(h.contains(&o.env()), "--help lacks {}", o.env());
    }
    assert!(h.contains("[token_accounts]"));
    assert!(matches!(Config::resolve(&["--help".into()], &|_| None), Ok(Parsed::Help)));
    assert!(matches!(Config::resolve(&["-V".into()], &|_| None), Ok(Parsed::Version)));
}

#[test]
fn vault_accepts_surrounding_spaces() {
    // `vault` accepts surrounding spaces from files
    let kp = Keypair::new();
    let c = resolve(&[], &[("RPV_KEEPER_VAULT", &format!(" {} ", kp.pubkey()))]).unwrap();
    assert_eq!(c.vault, Some(Pubkey::from_str(&kp.pubkey().to_string()).unwrap()));
}

#[test]
fn the_readme_and_the_example_file_match_the_options() {
    let readme = include_str!("../README.md");
    for o in OPTIONS {
        assert!(
            readme.contains(&format!("`{} ", o.flag())) || readme.contains(&format!("`{}`", o.flag())),
            "README lacks {}",
            o.flag()
        );
        assert!(readme.contains(&format!("`{}`", o.env())), "README lacks {}", o.env());
    }
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keeper.example.toml");
    let c = resolve(&["--config", example.to_str().unwrap()], &[]).unwrap();
    assert_eq!(c.rpc_url, "https://api.mainnet-beta.solana.com");
    assert_eq!(c.metrics_file, Some(PathBuf::from("/var/lib/rpv-keeper/metrics.json")));
    assert!(c.source("max_retries").is_some_and(|s| matches!(s, Source::File(_))));
}
