//! `init` → `deposit` → `show` → `withdraw` → `redeem-in-kind` end to end, on the built `.so`:
//! over JSON-RPC (a litesvm behind the mock cluster of `mock_rpc`) and on the embedded SVM
//! (`--svm`, the state file), asserting on the accounts and on the JSON the commands print.

use std::path::{Path, PathBuf};

use rpv_core::{
    layout::VaultState,
    math::{mul_div, Rounding},
};
use rpv_sdk::{
    ata,
    chain::Ledger,
    chain::{self, Chain, CommitmentLevel, RpcChain},
    decode_risk, decode_vault, ix, pda, Pubkey, TOKEN_PROGRAM_ID,
};
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{
    mock_rpc::{self, NOW},
    support::{check_failure, fails, ok_json, ok_text, program, repo, rpv, s, tempdir, u},
};

fn hex(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn vault_of(client: &mut RpcChain, key: &Pubkey) -> VaultState {
    decode_vault(&client.account(key).unwrap().expect("vault exists").data).unwrap()
}

fn balance(client: &mut RpcChain, key: &Pubkey) -> u64 {
    client.account(key).unwrap().map(|a| rpv_sdk::spl::amount(&a.data)).unwrap_or(0)
}

/// An embedded SVM with its state file and the built program, JSON output.
fn svm_flags<'a>(state: &'a Path, prog: &'a Path) -> [&'a str; 6] {
    ["--svm", "--state", s(state), "--program", s(prog), "--json"]
}

pub(super) fn steps(report: &Value) -> Vec<String> {
    report["transactions"].as_array().unwrap().iter().map(|t| t["step"].as_str().unwrap().to_string()).collect()
}

#[test]
fn vault_lifecycle_over_json_rpc() {
    let dir = tempdir("rpc");
    let c = mock_rpc::start(&dir);
    let (sol, btc) = (&c.assets[0], &c.assets[1]);
    let cfg = dir.join("vault.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[vault]
id = 42
base_mint = "{base}"
seed_deposit = 10_000_000
deposit_cap = 1_000_000_000_000
min_deposit = 1_000_000
timelock_secs = 3600

[fees]
management_bps = 200

[risk]
vol_target_bps = 1_000   # lower than the default,
band_bps = 800           # but a wider band raises risk: proposed under the timelock

[[assets]]
symbol = "SOL"
mint = "{sol_mint}"
oracle = "{sol_oracle}"
feed_id = "{sol_feed}"
max_oracle_age = 60
max_conf_bps = 100
budget_ppb = 600_000_000
in_kind_cap = 10_000_000_000

[[assets]]
symbol = "BTC"
mint = "{btc_mint}"
oracle = "{btc_oracle}"
feed_id = "0x{btc_feed}"
max_oracle_age = 60
max_conf_bps = 100
budget_ppb = 400_000_000
"#,
            base = c.base_mint,
            sol_mint = sol.mint,
            sol_oracle = sol.oracle,
            sol_feed = hex(&sol.feed),
            btc_mint = btc.mint,
            btc_oracle = btc.oracle,
            btc_feed = hex(&btc.feed),
        ),
    )
    .unwrap();
    let admin_file = dir.join("admin.json");
    let user_file = dir.join("user.json");
    let target = |who: &Path| vec!["--url".to_string(), c.url.clone(), "--keypair".into(), s(who).to_string()];
    let run = |cmd: &[&str], who: &Path| {
        let mut a: Vec<String> = cmd.iter().map(|x| x.to_string()).collect();
        a.extend(target(who));
        a.extend(["--output".to_string(), "json".to_string()]);
        ok_json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let client = &mut RpcChain::new(&c.url, CommitmentLevel::Confirmed, std::time::Duration::from_secs(10)).unwrap();

    // init
    let r = run(&["init", "--config", s(&cfg)], &admin_file);
    let vault = pda::vault(&c.admin.pubkey(), 42).0;
    assert_eq!(r["vault"], vault.to_string());
    assert_eq!(r["share_mint"], pda::share_mint(&vault).0.to_string());
    assert_eq!(
        steps(&r),
        [
            "initialize_vault",
            "propose_change (risk-params)",
            "add_asset SOL",
            "add_asset BTC",
            "refresh (the risk state was stale)"
        ]
    );
    assert_eq!(r["pending_changes"][0]["kind"], "risk-params");
    assert_eq!(r["pending_changes"][0]["eta"], NOW + 3600);
    assert_eq!(r["assets"][1]["symbol"], "BTC");
    let v = vault_of(client, &vault);
    assert_eq!((v.num_assets, v.base_quantity, v.dead_shares, v.timelock_secs), (2, 10_000_000, 10_000_000, 3600));
    assert_eq!((v.assets[0].risk_budget, v.assets[1].risk_budget), (600_000_000, 400_000_000));
    assert_eq!(v.assets[1].mint, btc.mint.to_bytes());
    assert_eq!(v.fees.management_bps, 200);
    assert_eq!(v.risk_refreshed_at, NOW);
    let risk = decode_risk(&client.account(&pda::risk(&vault).0).unwrap().unwrap().data).unwrap();
    assert_eq!((risk.samples, risk.band_bps), (1, 500), "the band waits for the timelock");

    // a second run finds everything done
    let again = run(&["init", "--config", s(&cfg)], &admin_file);
    assert!(steps(&again).is_empty(), "{again}");
    assert!(again["warnings"][0].as_str().unwrap().contains("already exists"));
    assert_eq!(again["pending_changes"][0]["eta"], NOW + 3600);
    // the pending change is not due yet
    let out = rpv(&[
        &["apply-change", "--vault", &vault.to_string(), "--kind", "risk-params"][..],
        &target(&admin_file).iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat());
    super::support::check_failure("apply-change before the eta", &out, "applies from 1800003600 (3600 s from now)");

    // deposit 1234.5 at one base unit per share
    let user_shares = ata::address(&c.user.pubkey(), &pda::share_mint(&vault).0, &TOKEN_PROGRAM_ID);
    let user_base = ata::address(&c.user.pubkey(), &c.base_mint, &TOKEN_PROGRAM_ID);
    let d = run(&["deposit", "--vault", &vault.to_string(), "--amount", "1234.5"], &user_file);
    assert_eq!(
        (u(&d["amount"]), u(&d["shares"]), u(&d["expected_shares"])),
        (1_234_500_000, 1_234_500_000, 1_234_500_000)
    );
    assert_eq!(u(&d["min_shares"]), 1_234_500_000 * 99 / 100);
    assert_eq!(d["share_account"], user_shares.to_string());
    assert_eq!(balance(client, &user_shares), 1_234_500_000);
    assert_eq!(balance(client, &user_base), 10_000_000_000 - 1_234_500_000);
    assert_eq!(vault_of(client, &vault).base_quantity, 10_000_000 + 1_234_500_000);

    // 2 SOL in kind, sent with the SDK's RPC client directly
    let v = vault_of(client, &vault);
    let user_sol = ata::address(&c.user.pubkey(), &sol.mint, &TOKEN_PROGRAM_ID);
    let dep = ix::deposit_asset(&c.user.pubkey(), &vault, &v, 0, &user_sol, &user_shares, 2_000_000_000, 1);
    let sent = chain::submit(client, "deposit_asset", &[dep], &[&c.user], &[], std::time::Duration::from_secs(10));
    assert!(sent.unwrap().compute_units > 0);
    let shares_after_kind = balance(client, &user_shares);
    assert!(shares_after_kind > 1_234_500_000 + 299_000_000, "{shares_after_kind}");

    // show
    let sh = run(&["show", "--vault", &vault.to_string(), "--config", s(&cfg)], &user_file);
    let nav = 10_000_000 + 1_234_500_000 + 300_000_000;
    assert_eq!(u(&sh["nav"]), nav, "2 SOL at $150 plus the base");
    assert_eq!(u(&sh["total_shares"]), 10_000_000 + shares_after_kind);
    assert_eq!(sh["prices_fresh"], true);
    assert_eq!(sh["risk"]["fresh"], true);
    assert_eq!(sh["risk"]["method"], "inverse-vol");
    assert_eq!(sh["positions"][0]["label"], "SOL");
    assert_eq!(u(&sh["positions"][0]["quantity"]), 2_000_000_000);
    assert_eq!(u(&sh["positions"][0]["value"]), 300_000_000);
    assert_eq!(sh["positions"][1]["value"], 0);
    assert!((sh["positions"][0]["vol"].as_f64().unwrap() - 0.6).abs() < 1e-9, "the prior volatility");
    assert!(sh["positions"][0]["target"].as_u64().unwrap() > 0);
    assert_eq!(sh["positions"][1]["outside_band"], true);
    for o in sh["oracles"].as_array().unwrap() {
        assert_eq!(o["health"], "valid");
        assert_eq!(o["age"], 0);
        assert!((o["conf_bps"].as_f64().unwrap() - 5.0).abs() < 1e-9);
    }
    assert_eq!(sh["greeks"].as_array().unwrap().len(), 2);
    let rc: f64 =
        sh["positions"].as_array().unwrap().iter().map(|p| p["risk_contribution_target"].as_f64().unwrap()).sum();
    assert!((rc - 1.0).abs() < 1e-9);
    assert_eq!(sh["positions"][0]["risk_contribution_now"], 1.0, "the only risky holding");
    let text = ok_text(
        &[
            &["show", "--vault", &vault.to_string()][..],
            &target(&user_file).iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat(),
    );
    assert!(text.contains("positions") && text.contains("oracles") && text.contains("valid"), "{text}");
    // as the Solana CLI: the URL and commitment from its configuration file, and a read-only
    // command needs no keypair (this HOME has none)
    let home = std::env::temp_dir().join(format!("rpv-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".config/solana/cli")).unwrap();
    std::fs::write(
        home.join(".config/solana/cli/config.yml"),
        format!(
            "---\njson_rpc_url: \"{}\"\nkeypair_path: {}/missing.json\ncommitment: finalized\n",
            c.url,
            home.display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rpv"))
        .args(["show", "--vault", &vault.to_string(), "--output", "json"])
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sh2: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(u(&sh2["nav"]), nav);
    // a command that signs reads the configured keypair, and says what to do when it is missing
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rpv"))
        .args(["deposit", "--vault", &vault.to_string(), "--amount", "1"])
        .env("HOME", &home)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("missing.json") && err.contains("solana-keygen new"), "{err}");

    // withdraw 234.5 shares
    let base_before = balance(client, &user_base);
    let w = run(&["withdraw", "--vault", &vault.to_string(), "--shares", "234.5"], &user_file);
    // an instant withdrawal prices SOL at the low end of its confidence (5 bps): 2 × $149.925
    let nav_low = nav - 150_000;
    let expected = mul_div(234_500_000, nav_low, 10_000_000 + shares_after_kind, Rounding::Down).unwrap();
    assert_eq!((u(&w["shares"]), u(&w["amount"]), u(&w["expected_amount"])), (234_500_000, expected, expected));
    assert_eq!(balance(client, &user_base), base_before + expected);
    assert_eq!(balance(client, &user_shares), shares_after_kind - 234_500_000);

    // every remaining share in kind
    let v = vault_of(client, &vault);
    let held = balance(client, &user_shares);
    let total = 10_000_000 + held;
    let red = run(&["redeem-in-kind", "--vault", &vault.to_string(), "--all"], &user_file);
    assert_eq!(u(&red["shares"]), held);
    let got = red["received"].as_array().unwrap();
    assert_eq!(got.len(), 3);
    let m = sol.mint.to_string(); // base58: 43 or 44 characters
    assert_eq!(got[1]["label"], m[..4].to_string() + "…" + &m[m.len() - 4..]);
    for (k, quantity) in [v.base_quantity, v.assets[0].quantity, v.assets[1].quantity].into_iter().enumerate() {
        let want = mul_div(held, quantity, total, Rounding::Down).unwrap();
        assert_eq!(u(&got[k]["amount"]), want, "holding {k}");
        assert_eq!(u(&got[k]["expected"]), want, "holding {k}");
    }
    assert!(u(&got[1]["amount"]) > 0);
    assert_eq!(balance(client, &user_shares), 0);
    assert_eq!(balance(client, &user_sol), 20_000_000_000 - 2_000_000_000 + u(&got[1]["amount"]));
    let after = vault_of(client, &vault);
    assert_eq!(after.assets[0].quantity, v.assets[0].quantity - u(&got[1]["amount"]));

    // errors: the CLI's own checks and the program's, by name
    let t: Vec<String> = target(&user_file);
    let t: Vec<&str> = t.iter().map(String::as_str).collect();
    let vs = vault.to_string();
    fails(&[&["deposit", "--vault", &vs, "--amount", "1.0000001"][..], &t].concat(), "more than 6 decimals");
    fails(
        &[&["deposit", "--vault", &vs, "--amount", "0.5"][..], &t].concat(),
        "deposit failed: DepositBelowMinimum (60",
    );
    fails(
        &[&["withdraw", "--vault", &vs, "--shares", "1"][..], &t].concat(),
        "holds 0.000000 shares, fewer than 1.000000",
    );
    fails(&[&["show", "--vault", &c.base_mint.to_string()][..], &t].concat(), "vault account has 82 bytes");
    fails(&["show", "--vault", &vs, "-u", "http://127.0.0.1:9", "-k", s(&user_file)], "set it with --url");

    // --with-compute-unit-price: the same deposit costs its priority fee more (at 1,000
    // µlamports per unit, at least 200 lamports over the 200,000 units of one instruction)
    let lamports = |client: &mut RpcChain| client.account(&c.user.pubkey()).unwrap().unwrap().lamports;
    let before = lamports(client);
    run(&["deposit", "--vault", &vault.to_string(), "--amount", "1"], &user_file);
    let plain = before - lamports(client);
    let before = lamports(client);
    run(&["deposit", "--vault", &vault.to_string(), "--amount", "1", "--with-compute-unit-price", "1000"], &user_file);
    let priced = before - lamports(client);
    assert!(priced >= plain + 200, "priority fee paid: {priced} vs {plain} lamports");
}

#[test]
fn vault_lifecycle_on_the_embedded_svm() {
    let dir = tempdir("svm");
    let state = dir.join("state.json");
    let prog = program();
    let svm = svm_flags(&state, &prog);
    let with = |cmd: &[&str]| -> Value { ok_json(&[cmd, &svm[..]].concat()) };

    let r = with(&["init", "--config", s(&repo("examples/vault.toml"))]);
    let vault: Pubkey = r["vault"].as_str().unwrap().parse().unwrap();
    assert_eq!(r["assets"].as_array().unwrap().len(), 3);
    assert!(state.exists());
    assert_eq!(
        steps(&r),
        ["initialize_vault", "add_asset SOL", "add_asset BTC", "add_asset ETH", "refresh (the risk state was stale)"]
    );

    // the admin (the state's default signer) deposits; the faucet funds it
    let d = with(&["deposit", "--amount", "2500"]);
    // the management fee (1 %/yr) accrues as the simulated clock moves: a share is worth a
    // little less than one base unit
    let admin_shares_bought = u(&d["shares"]);
    assert!((2_500_000_000..2_500_001_000).contains(&admin_shares_bought), "{d}");
    // a second depositor with its own keypair file
    let user = Keypair::new();
    let user_file = dir.join("user.json");
    rpv_sdk::keypair::write(&user, &user_file).unwrap();
    let d2 = with(&["deposit", "--amount", "100", "--keypair", s(&user_file)]);
    assert_eq!(d2["user"], user.pubkey().to_string());
    let user_shares = u(&d2["shares"]);
    assert!((100_000_000..100_001_000).contains(&user_shares), "{user_shares}");

    let sh = with(&["show"]);
    assert_eq!(sh["vault"], vault.to_string());
    let labels: Vec<&str> = sh["positions"].as_array().unwrap().iter().map(|p| p["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["SOL", "BTC", "ETH"]);
    assert_eq!(u(&sh["nav"]), 10_000_000 + 2_500_000_000 + 100_000_000);
    assert_eq!(sh["oracles"][1]["value"], 97_000.0);
    assert_eq!(sh["oracles"][2]["health"], "valid");
    assert_eq!(sh["fees"]["management_bps"], 100);

    let w = with(&["withdraw", "--shares", "500"]);
    assert_eq!(u(&w["shares"]), 500_000_000);
    assert!(u(&w["amount"]) > 499_000_000, "{w}");
    let red = with(&["redeem-in-kind", "--all", "--keypair", s(&user_file)]);
    assert_eq!(u(&red["shares"]), user_shares);
    assert_eq!(red["received"][1]["label"], "SOL");
    assert_eq!(red["share_balance"], 0);

    // the state file holds the ledger: read it back as the next command would
    let mut chain = Ledger::open(&state, &prog, false, 0).unwrap();
    let data = chain.chain.svm.get_account(&vault).unwrap().data;
    let v = decode_vault(&data).unwrap();
    assert_eq!(v.num_assets, 3);
    let admin_shares = ata::address(&chain.admin().unwrap().pubkey(), &pda::share_mint(&vault).0, &TOKEN_PROGRAM_ID);
    let admin_held = rpv_sdk::spl::amount(&chain.chain.svm.get_account(&admin_shares).unwrap().data);
    assert_eq!(admin_held, admin_shares_bought - 500_000_000);
    let user_share_account = ata::address(&user.pubkey(), &pda::share_mint(&vault).0, &TOKEN_PROGRAM_ID);
    assert_eq!(rpv_sdk::spl::amount(&chain.chain.svm.get_account(&user_share_account).unwrap().data), 0);
    assert_eq!(v.base_quantity, 2_610_000_000 - u(&w["amount"]) - u(&red["received"][0]["amount"]));
    let clock_before = chain.chain.clock().unwrap().unix_timestamp;

    // a second vault in the same state, with a timelocked risk raise applied after the eta
    let cfg = dir.join("timelocked.toml");
    std::fs::write(
        &cfg,
        r#"[vault]
id = 2
seed_deposit = 1_000_000
deposit_cap = 1_000_000_000_000
min_deposit = 1_000_000
timelock_secs = 3600
[risk]
band_bps = 700
[[assets]]
symbol = "JUP"
oracle_kind = "switchboard"
oracle_queue = "SIMULATED_QUEUE"
feed_id = "1111111111111111111111111111111111111111111111111111111111111111"
max_oracle_age = 300
max_conf_bps = 100
decimals = 6
svm = { price = 0.85 }
"#
        .replace("SIMULATED_QUEUE", &simulated_queue()),
    )
    .unwrap();
    let r2 = with(&["init", "--config", s(&cfg)]);
    let eta = r2["pending_changes"][0]["eta"].as_i64().unwrap();
    assert!(eta > clock_before + 3600 - 1, "{r2}");
    let early = rpv(&[&["apply-change", "--kind", "risk-params"][..], &svm[..5]].concat());
    super::support::check_failure("apply-change before the eta", &early, "applies from");
    let applied = with(&["apply-change", "--kind", "risk-params", "--advance", "3600"]);
    assert_eq!(applied["kind"], "risk-params");
    let vault2: Pubkey = r2["vault"].as_str().unwrap().parse().unwrap();
    let chain = Ledger::open(&state, &prog, false, 0).unwrap();
    let risk = decode_risk(&chain.chain.svm.get_account(&pda::risk(&vault2).0).unwrap().data).unwrap();
    assert_eq!(risk.band_bps, 700);
    // an hour later the first vault's risk state is stale: a deposit refreshes it first
    let d3 = with(&["deposit", "--vault", &vault.to_string(), "--amount", "1"]);
    assert_eq!(steps(&d3), ["refresh (the risk state was stale)", "deposit"]);
    // Switchboard prices are shown in slots
    let sh2 = with(&["show"]);
    assert_eq!(sh2["oracles"][0]["kind"], "switchboard");
    assert_eq!(sh2["oracles"][0]["age_unit"], "slots");
}

#[test]
fn on_chain_command_errors() {
    let dir = tempdir("errors");
    let state = dir.join("none.json");
    let prog = program();
    let svm = ["--svm", "--state", s(&state), "--program", s(&prog)];
    fails(&[&["deposit", "--amount", "1"][..], &svm].concat(), "no SVM state at");
    fails(&["deposit", "--amount", "1"], "needs a target: --url URL (a cluster) or --svm");
    // the Solana CLI's short flags and monikers: `-u l` is http://localhost:8899
    let key = dir.join("id.json");
    rpv_sdk::keypair::write(&Keypair::new(), &key).unwrap();
    let vault = Pubkey::new_unique().to_string();
    fails(
        &["show", "--vault", &vault, "-u", "l", "-k", s(&key)],
        "is http://localhost:8899 the cluster's JSON-RPC URL",
    );
    fails(&["show", "-u", "ftp://x", "-k", s(&key)], "or a moniker (mainnet-beta, devnet, testnet, localhost)");
    fails(&["deposit", "--amount", "1", "--svm", "--url", "http://x"], "either --url or --svm");
    fails(&["deposit", "--amount", "1", "--url", "http://x", "--state", "s"], "--state is only for --svm");
    fails(&["deposit", "--svm"], "--amount <AMOUNT>");
    fails(&["withdraw", "--svm"], "<--shares <SHARES>|--all>");
    fails(&["withdraw", "--svm", "--all", "--shares", "1"], "cannot be used with");
    fails(&["redeem-in-kind", "--svm", "--all", "--slippage-bps", "10001"], "10001 is not in 0..=10000");
    fails(&["deposit", "--amount", "1", "--min-shares", "1", "--slippage-bps", "5", "--svm"], "cannot be used with");
    fails(&["show", "--bogus"], "unexpected argument '--bogus'");
    fails(&["show", "--vault"], "a value is required for '--vault <ADDRESS>'");
    fails(&["show", "--json", "--json"], "'--json' cannot be used multiple times");
    fails(&["init", "--svm"], "--config <FILE>");
    fails(&["init", "--config", "/nonexistent/v.toml", "--svm"], "cannot read `/nonexistent/v.toml`");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "[1, 2, 3]").unwrap();
    fails(&["show", "--url", "http://127.0.0.1:9", "--keypair", s(&bad)], "is not a Solana CLI keypair");
    std::fs::write(&bad, "not json").unwrap();
    fails(&["show", "--url", "http://127.0.0.1:9", "--keypair", s(&bad)], "is not a Solana CLI keypair");
    // a cluster needs addresses that only --svm can create
    let cfg = dir.join("svm-only.toml");
    std::fs::write(&cfg, "[vault]\nid = 1\nseed_deposit = 1000\ndeposit_cap = 10000\nmin_deposit = 1\n").unwrap();
    fails(
        &["init", "--config", s(&cfg), "--url", "http://127.0.0.1:9", "--keypair", s(&bad)],
        "vault.base_mint is required on a cluster",
    );
    // --svm needs the simulated prices
    let cfg2 = repo("examples/vault.toml");
    let text = std::fs::read_to_string(&cfg2).unwrap().replace("svm = { price = 97_000.0 }", "");
    let cfg3 = dir.join("no-price.toml");
    std::fs::write(&cfg3, text).unwrap();
    fails(&[&["init", "--config", s(&cfg3)][..], &svm].concat(), "asset BTC: `svm.price` is required with --svm");
    // every command has --help
    // the request commands' flags
    fails(&["claim", "--svm"], "--kind <KIND>");
    fails(&["cancel-request", "--svm", "--kind", "deposit"], "--id <ID>");
    fails(&["claim", "--svm", "--all", "--id", "1"], "cannot be used with");
    fails(&["claim", "--svm", "--kind", "both", "--id", "1"], "[possible values: deposit, withdraw]");
    fails(&["withdraw", "--svm", "--all", "--request", "--min-out", "1"], "cannot be used with");
    fails(&["requests", "--svm", "--every-owner", "--owner", &vault], "cannot be used with");
    fails(&["flow-params", "--svm", "--cash-buffer-bps", "70000"], "invalid value '70000'");
    let every = ["init", "deposit", "withdraw", "redeem-in-kind", "show", "apply-change", "asset", "requests", "claim"];
    for cmd in every.into_iter().chain(["cancel-request", "flow-params"]) {
        let out = rpv(&[cmd, "--help"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(&format!("Usage: rpv {cmd}")), "{cmd}: {text}");
    }
}

/// `migrations/deploy.sh`: refuses to deploy without the Solana CLI, checks the program
/// keypair against the built id, runs `solana program deploy` (a stand-in records it here),
/// then initialises the vault over JSON-RPC.
#[test]
fn deploy_script() {
    use std::process::Command;
    let dir = tempdir("deploy");
    let c = mock_rpc::start(&dir);
    let cfg = dir.join("vault.toml");
    std::fs::write(
        &cfg,
        format!(
            "[vault]\nid = 9\nbase_mint = \"{}\"\nseed_deposit = 5_000_000\ndeposit_cap = 1_000_000_000_000\nmin_deposit = 1\n\
             [[assets]]\nsymbol = \"SOL\"\nmint = \"{}\"\noracle = \"{}\"\nfeed_id = \"{}\"\nmax_oracle_age = 60\nmax_conf_bps = 100\n",
            c.base_mint,
            c.assets[0].mint,
            c.assets[0].oracle,
            hex(&c.assets[0].feed)
        ),
    )
    .unwrap();
    // a stand-in `solana`: records its arguments; `address -k FILE` prints FILE's contents
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("solana.log");
    std::fs::write(
        bin.join("solana"),
        "#!/bin/sh\necho \"$@\" >> \"$SOLANA_LOG\"\nif [ \"$1\" = address ]; then cat \"$3\"; fi\n",
    )
    .unwrap();
    std::fs::set_permissions(bin.join("solana"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let script = repo("migrations/deploy.sh");
    let admin = dir.join("admin.json");
    let run = |path: &str, extra: &[&str]| {
        Command::new("bash")
            .arg(&script)
            .args(["--url", &c.url, "--keypair", s(&admin), "--config", s(&cfg), "--skip-build"])
            .args(extra)
            .env("PATH", path)
            .env("SOLANA_LOG", &log)
            .env("RPV_BIN", env!("CARGO_BIN_EXE_rpv"))
            .output()
            .unwrap()
    };
    let with_solana = format!("{}:/usr/bin:/bin", bin.display());
    let no_solana = "/usr/bin:/bin";

    let out = run(no_solana, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the Solana CLI (`solana`) is required"));
    let wrong = dir.join("other-program.json");
    std::fs::write(&wrong, Pubkey::new_unique().to_string()).unwrap();
    let out = run(&with_solana, &["--program-keypair", s(&wrong)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("built for {}", rpv_sdk::PROGRAM_ID)));
    assert!(!std::fs::read_to_string(&log).unwrap().contains("program deploy"));

    let right = dir.join("program.json");
    std::fs::write(&right, rpv_sdk::PROGRAM_ID.to_string()).unwrap();
    let out = run(&with_solana, &["--program-keypair", s(&right)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let recorded = std::fs::read_to_string(&log).unwrap();
    let so = repo("target/deploy/rpv_vault.so").canonicalize().unwrap();
    let deploy_line = format!(
        "program deploy {} --url {} --keypair {} --program-id {}",
        so.display(),
        c.url,
        admin.display(),
        right.display()
    );
    assert!(recorded.lines().any(|l| l == deploy_line), "{recorded}\nwanted: {deploy_line}");
    assert!(stdout.contains("tx initialize_vault") && stdout.contains("tx add_asset SOL"), "{stdout}");
    let client = &mut RpcChain::new(&c.url, CommitmentLevel::Confirmed, std::time::Duration::from_secs(10)).unwrap();
    let v = vault_of(client, &pda::vault(&c.admin.pubkey(), 9).0);
    assert_eq!((v.num_assets, v.base_quantity), (1, 5_000_000));
    // already deployed: initialise only (nothing left to do)
    let out = run(no_solana, &["--skip-deploy"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already exists"));
}

/// Issue 13: under a timelock `init` sent `set_option_params` unconditionally (the program
/// refused a raise with `TimelockRequired`), and `apply-change` had no option-parameter kind.
/// Now a raise is proposed (kind 4, `option-params`) and applied after the eta, a tightening
/// applies at once, and parameters equal to the chain's send nothing.
#[test]
fn timelocked_option_params_are_proposed_then_applied() {
    let dir = tempdir("option-timelock");
    let state = dir.join("state.json");
    let prog = program();
    let svm = svm_flags(&state, &prog);
    let with = |cmd: &[&str]| -> Value { ok_json(&[cmd, &svm[..]].concat()) };
    let config = |id: u32, options: &str| {
        let path = dir.join(format!("vault-{id}.toml"));
        std::fs::write(
            &path,
            format!(
                r#"[vault]
id = {id}
seed_deposit = 1_000_000
deposit_cap = 1_000_000_000_000
min_deposit = 1_000_000
timelock_secs = 3600
[options]
{options}
[[assets]]
symbol = "JUP"
oracle_kind = "switchboard"
oracle_queue = "{queue}"
feed_id = "1111111111111111111111111111111111111111111111111111111111111111"
max_oracle_age = 300
max_conf_bps = 100
decimals = 6
svm = {{ price = 0.85 }}
"#,
                queue = simulated_queue()
            ),
        )
        .unwrap();
        path
    };
    // a rate change raises risk (it moves every mark): proposed, not sent
    let raise = config(1, "rate_bps = 200");
    let r = with(&["init", "--config", s(&raise)]);
    let vault: Pubkey = r["vault"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        steps(&r),
        ["initialize_vault", "propose_change (option-params)", "add_asset JUP", "refresh (the risk state was stale)"]
    );
    assert_eq!(r["pending_changes"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["pending_changes"][0]["kind"], "option-params");
    assert_eq!(
        r["pending_changes"][0]["proposal"],
        pda::proposal(&vault, ix::ProposalKind::OptionParams).0.to_string()
    );

    // tighter Greek limits apply at once; the parameters in force are not sent again
    let tighten = config(2, "max_delta_bps = 10_000\nmax_vega_bps = 5_000");
    let t = with(&["init", "--config", s(&tighten)]);
    assert_eq!(
        steps(&t),
        ["initialize_vault", "set_option_params", "add_asset JUP", "refresh (the risk state was stale)"]
    );
    assert_eq!(t["pending_changes"].as_array().unwrap().len(), 0, "{t}");
    let same = with(&["init", "--config", s(&config(3, "max_delta_bps = 20_000"))]);
    assert_eq!(steps(&same), ["initialize_vault", "add_asset JUP", "refresh (the risk state was stale)"]);
    let vault2: Pubkey = t["vault"].as_str().unwrap().parse().unwrap();
    let chain = Ledger::open(&state, &prog, false, 0).unwrap();
    let risk2 = decode_risk(&chain.chain.svm.get_account(&pda::risk(&vault2).0).unwrap().data).unwrap();
    assert_eq!((risk2.max_delta.get().to_num::<f64>(), risk2.max_vega.get().to_num::<f64>()), (1.0, 0.5));

    // the raise applies once the timelock has passed
    let v = ["--vault".to_string(), vault.to_string()];
    let early = rpv(&[&["apply-change", "--kind", "option-params", &v[0], &v[1]][..], &svm[..5]].concat());
    super::support::check_failure("apply-change before the eta", &early, "applies from");
    let applied = with(&["apply-change", "--kind", "option-params", &v[0], &v[1], "--advance", "3600"]);
    assert_eq!(applied["kind"], "option-params");
    let chain = Ledger::open(&state, &prog, false, 0).unwrap();
    let vault_state = decode_vault(&chain.chain.svm.get_account(&vault).unwrap().data).unwrap();
    assert!((vault_state.option_rate.get().to_num::<f64>() - 0.02).abs() < 1e-12, "{}", vault_state.option_rate.get());
    assert!(
        chain
            .chain
            .svm
            .get_account(&pda::proposal(&vault, ix::ProposalKind::OptionParams).0)
            .is_none_or(|a| a.lamports == 0),
        "the proposal is closed"
    );
}

/// The queue of the embedded SVM's simulated Switchboard feeds, as a config names it.
fn simulated_queue() -> String {
    rpv_sdk::Pubkey::new_from_array(rpv_sdk::SIMULATED_SWITCHBOARD_QUEUE).to_string()
}

/// A vault file's `[vault]` section: vault `id`, a timelock of `timelock_secs`.
pub(super) fn vault_head(id: u64, timelock_secs: u32) -> String {
    format!(
        "[vault]\nid = {id}\nseed_deposit = 1_000_000\ndeposit_cap = 1_000_000_000_000\nmin_deposit = 1_000_000\n\
         timelock_secs = {timelock_secs}\n"
    )
}

/// An `[[assets]]` entry priced by a simulated Switchboard feed (hash: `feed` 64 times) of
/// `price`, at most `max_age` slots old.
fn switchboard_entry(symbol: &str, feed: char, max_age: u32, price: f64) -> String {
    format!(
        "[[assets]]\nsymbol = \"{symbol}\"\noracle_kind = \"switchboard\"\noracle_queue = \"{}\"\nfeed_id = \"{}\"\n\
         max_oracle_age = {max_age}\nmax_conf_bps = 100\ndecimals = 6\nsvm = {{ price = {price:?} }}\n",
        simulated_queue(),
        feed.to_string().repeat(64)
    )
}

/// A vault with a one-hour timelock on an embedded SVM state of its own, launched from a file
/// of `entries` and holding 100 base tokens of a depositor: the `asset` commands' tests.
pub(super) struct Launched {
    pub(super) dir: PathBuf,
    pub(super) state: PathBuf,
    pub(super) prog: PathBuf,
    /// `rpv init`'s report.
    pub(super) init: Value,
    pub(super) vault: Pubkey,
}

impl Launched {
    pub(super) fn new(name: &str, id: u64, entries: &[String]) -> Self {
        let dir = tempdir(name);
        let (state, prog) = (dir.join("state.json"), program());
        let mut l = Launched { dir, state, prog, init: Value::Null, vault: Pubkey::default() };
        l.init = l.json(&["init", "--config", s(&l.file("launch.toml", &vault_head(id, 3600), entries))]);
        l.vault = l.init["vault"].as_str().unwrap().parse().unwrap();
        l.json(&["deposit", "--amount", "100"]);
        l
    }

    /// The vault file `name`: `head`, then `entries`.
    pub(super) fn file(&self, name: &str, head: &str, entries: &[String]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, format!("{head}{}", entries.concat())).unwrap();
        path
    }

    pub(super) fn flags(&self) -> [&str; 5] {
        ["--svm", "--state", s(&self.state), "--program", s(&self.prog)]
    }

    /// `rpv cmd…` on the state, with JSON output.
    pub(super) fn json(&self, cmd: &[&str]) -> Value {
        ok_json(&[cmd, &self.flags(), &["--json"]].concat())
    }

    /// `rpv cmd…` on the state, with text output.
    pub(super) fn text(&self, cmd: &[&str]) -> String {
        ok_text(&[cmd, &self.flags()[..]].concat())
    }

    /// `rpv cmd…` on the state fails (`what`) with `needle`.
    pub(super) fn fails(&self, what: &str, cmd: &[&str], needle: &str) {
        check_failure(what, &rpv(&[cmd, &self.flags()[..]].concat()), needle);
    }

    pub(super) fn ledger(&self) -> Ledger {
        Ledger::open(&self.state, &self.prog, false, 0).unwrap()
    }

    /// Vault `key` as it is on the ledger.
    pub(super) fn vault_state(&self, key: &Pubkey) -> VaultState {
        decode_vault(&self.ledger().chain.svm.get_account(key).unwrap().data).unwrap()
    }

    /// Whether the vault's proposal of `kind` is closed (or was never made).
    fn no_proposal(&self, kind: ix::ProposalKind) -> bool {
        self.ledger().chain.svm.get_account(&pda::proposal(&self.vault, kind).0).is_none_or(|a| a.lamports == 0)
    }
}

/// `key`'s text.
fn address(key: &[u8; 32]) -> String {
    Pubkey::new_from_array(*key).to_string()
}

/// Registering an asset after launch (issue 14): once the vault has outside shares under a
/// timelock, `add_asset` needs a matured registration proposal. `rpv asset propose` proposes
/// an `[[assets]]` entry of a file, `rpv asset add` registers it from the proposal after its
/// eta, exactly as proposed.
#[test]
fn asset_registered_after_launch_through_a_proposal() {
    let entry = |symbol, feed| switchboard_entry(symbol, feed, 300, 0.85);
    let t = Launched::new("asset-proposal", 5, &[entry("JUP", '1')]);
    let later = t.file("later.toml", &vault_head(5, 3600), &[entry("JUP", '1'), entry("WIF", '2')]);

    t.fails("asset add without a proposal", &["asset", "add"], "no pending registration");
    t.fails(
        "asset propose of an unknown entry",
        &["asset", "propose", "--config", s(&later), "--symbol", "BONK"],
        "no [[assets]] entry",
    );
    let p = t.json(&["asset", "propose", "--config", s(&later), "--symbol", "WIF"]);
    assert_eq!(
        (p["action"].as_str(), p["index"].as_u64(), p["kind"].as_str()),
        (Some("propose_change"), Some(1), Some("spot"))
    );
    assert_eq!(steps(&p), ["propose_change (registration)"]);
    assert_eq!(p["proposal"], pda::proposal(&t.vault, ix::ProposalKind::Registration).0.to_string());
    let now = t.ledger().chain.clock().unwrap().unix_timestamp;
    assert_eq!(p["eta"].as_i64(), Some(now + 3600), "{p}");
    t.fails("asset add before the eta", &["asset", "add"], "applies from");

    let added = t.json(&["asset", "add", "--advance", "3600"]);
    assert_eq!((added["action"].as_str(), added["index"].as_u64()), (Some("add_asset"), Some(1)));
    assert_eq!((&added["mint"], &added["oracle"]), (&p["mint"], &p["oracle"]));
    assert_eq!(steps(&added), ["add_asset"]);
    let v = t.vault_state(&t.vault);
    assert_eq!(v.num_assets, 2);
    assert_eq!((address(&v.assets[1].mint), address(&v.assets[1].oracle)), (string(&p["mint"]), string(&p["oracle"])));
    assert!(t.no_proposal(ix::ProposalKind::Registration));
    // the proposal was consumed: nothing left to add
    t.fails("asset add twice", &["asset", "add"], "no pending registration");
}

/// `v` as an owned string.
pub(super) fn string(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()
}

/// Retiring an empty asset (issue 14): a spot slot goes only through the timelock. `rpv asset
/// retire` proposes it and says when `rpv apply-change --kind retire` can apply it (refused
/// before the eta, applied after it); without a timelock it is proposed and applied at once.
#[test]
fn empty_asset_retired_through_the_timelock() {
    let assets = [switchboard_entry("JUP", '1', 300, 0.85), switchboard_entry("WIF", '2', 300, 2.5)];
    let t = Launched::new("asset-retire", 7, &assets);
    let (r, vault) = (&t.init, t.vault);

    fails(&["asset", "retire", "--svm"], "<--symbol <SYMBOL>|--index <INDEX>>");
    t.fails("retire of an unknown symbol", &["asset", "retire", "--symbol", "BONK"], "has no asset BONK");
    t.fails("retire of an unknown index", &["asset", "retire", "--index", "2"], "has 2 assets, no index 2");
    let p = t.json(&["asset", "retire", "--symbol", "WIF"]);
    assert_eq!(
        (p["action"].as_str(), p["change"].as_str(), p["index"].as_u64(), p["kind"].as_str()),
        (Some("propose_change"), Some("retire"), Some(1), Some("spot"))
    );
    assert_eq!((&p["mint"], &p["oracle"]), (&r["assets"][1]["mint"], &r["assets"][1]["oracle"]));
    assert_eq!(steps(&p), ["propose_change (retire)"]);
    assert_eq!(p["proposal"], pda::proposal(&vault, ix::ProposalKind::Retire).0.to_string());
    let eta = t.ledger().chain.clock().unwrap().unix_timestamp + 3600;
    assert_eq!(p["eta"].as_i64(), Some(eta), "{p}");
    // run again (by index, as text): the same change is pending, nothing is sent
    let again = t.text(&["asset", "retire", "--index", "1"]);
    let (mint, apply) = (string(&p["mint"]), format!("rpv apply-change --vault {vault} --kind retire"));
    assert_eq!(again.trim_end(), format!("proposed retiring spot asset 1 ({mint}) of {vault}; `{apply}` from {eta}"));
    t.fails("apply-change before the eta", &["apply-change", "--kind", "retire"], "applies from");

    let applied = t.json(&["apply-change", "--kind", "retire", "--advance", "3600"]);
    assert_eq!(applied["kind"], "retire");
    let v = t.vault_state(&vault);
    assert_eq!((v.num_assets, address(&v.assets[0].mint)), (1, string(&r["assets"][0]["mint"])));
    assert_eq!(v.assets[0].risk_budget, rpv_core::layout::BUDGET_ONE, "the remaining budget is rescaled");
    assert!(t.no_proposal(ix::ProposalKind::Retire), "the proposal is closed");
    t.fails("retire of a retired asset", &["asset", "retire", "--symbol", "WIF"], "has no asset WIF");
    t.fails("apply-change twice", &["apply-change", "--kind", "retire"], "no pending retire change");

    // without a timelock the admin's retirement is proposed and applied in one run
    let r0 = t.json(&["init", "--config", s(&t.file("now.toml", &vault_head(8, 0), &assets))]);
    let now = t.json(&["asset", "retire", "--symbol", "WIF"]);
    assert_eq!(
        (now["action"].as_str(), &now["proposal"], &now["eta"]),
        (Some("apply_change"), &Value::Null, &Value::Null)
    );
    assert_eq!(steps(&now), ["propose_change (retire)", "apply_change (retire)"]);
    let v0 = t.vault_state(&string(&r0["vault"]).parse().unwrap());
    assert_eq!((v0.num_assets, address(&v0.assets[0].mint)), (1, string(&r0["assets"][0]["mint"])));
}

/// Changing an asset's price feed (issue 14): `rpv asset set-oracle --config FILE --symbol SYM`
/// proposes the entry's oracle settings under a timelock; `rpv apply-change --kind oracle`
/// installs them after the eta, and the vault then reads the new feed. Without a timelock
/// `set_oracle` applies them at once.
#[test]
fn oracle_changed_through_the_timelock() {
    let launch = [switchboard_entry("JUP", '1', 300, 0.85)];
    let t = Launched::new("asset-oracle", 9, &launch);
    let (r, vault) = (&t.init, t.vault);
    // the entry now names another feed (hash 33…, up to 600 slots old)
    let moved = t.file("moved.toml", &vault_head(9, 3600), &[switchboard_entry("JUP", '3', 600, 0.9)]);
    let set_oracle = ["asset", "set-oracle", "--config", s(&moved), "--symbol", "JUP"];

    fails(&["asset", "set-oracle", "--svm", "--symbol", "JUP"], "--config <FILE>");
    let unknown = ["asset", "set-oracle", "--config", s(&moved), "--symbol", "WIF"];
    t.fails("set-oracle of an unknown entry", &unknown, "has no [[assets]] entry with symbol WIF");
    let p = t.json(&set_oracle);
    assert_eq!(
        (p["action"].as_str(), p["change"].as_str(), p["index"].as_u64(), p["kind"].as_str()),
        (Some("propose_change"), Some("oracle"), Some(0), Some("spot"))
    );
    assert_eq!(p["mint"], r["assets"][0]["mint"]);
    assert_ne!(p["oracle"], r["assets"][0]["oracle"], "a new oracle");
    assert_eq!(steps(&p), ["propose_change (oracle)"]);
    assert_eq!(p["proposal"], pda::proposal(&vault, ix::ProposalKind::OracleChange).0.to_string());
    let feed_of = |key: &Pubkey| {
        let a = t.vault_state(key).assets[0];
        (address(&a.oracle), a.feed_id, a.max_oracle_age)
    };
    assert_eq!(feed_of(&vault).0, string(&r["assets"][0]["oracle"]), "unchanged until applied");
    t.fails("apply-change before the eta", &["apply-change", "--kind", "oracle"], "applies from");

    let applied = t.json(&["apply-change", "--kind", "oracle", "--advance", "3600"]);
    assert_eq!(applied["kind"], "oracle");
    assert_eq!(feed_of(&vault), (string(&p["oracle"]), [0x33; 32], 600));
    assert!(t.no_proposal(ix::ProposalKind::OracleChange), "the proposal is closed");
    let o = &t.json(&["show"])["oracles"][0];
    assert_eq!((&o["oracle"], o["health"].as_str(), o["max_age"].as_u64()), (&p["oracle"], Some("valid"), Some(600)));
    assert!((o["value"].as_f64().unwrap() - 0.9).abs() < 1e-9, "{o}");

    // without a timelock `set_oracle` applies at once (text output)
    let r0 = t.json(&["init", "--config", s(&t.file("now.toml", &vault_head(10, 0), &launch))]);
    let out = t.text(&set_oracle);
    let vault0: Pubkey = string(&r0["vault"]).parse().unwrap();
    let (new, feed, age) = feed_of(&vault0);
    assert_eq!((feed, age), ([0x33; 32], 600));
    let mint = string(&r0["assets"][0]["mint"]);
    assert!(
        out.starts_with(&format!("set oracle {new} for spot asset 0 ({mint}) of {vault0}\n  tx set_oracle: ")),
        "{out}"
    );
}

/// A settled option series holding nothing goes at once (issue 14): `rpv asset retire` sends the
/// permissionless `retire_asset`, no proposal. Its underlying cannot go before it.
#[test]
fn settled_series_retired_at_once() {
    let pyth = |symbol: &str, feed: char, extra: &str, price: f64| {
        let feed = feed.to_string().repeat(64);
        format!(
            "[[assets]]\nsymbol = \"{symbol}\"\n{extra}feed_id = \"{feed}\"\nmax_oracle_age = 60\nmax_conf_bps = 500\n\
             decimals = 6\nsvm = {{ price = {price:?} }}\n"
        )
    };
    let call = "kind = \"call\"\nunderlying = \"SOL\"\nstrike = 200\ncontract_size = 1\nexpires_in_days = 1\n";
    let t = Launched::new("asset-settled", 11, &[pyth("SOL", '4', "", 150.0), pyth("SOL-C", '5', call, 0.65)]);
    t.fails("retire of an underlying", &["asset", "retire", "--symbol", "SOL"], "retire that first");

    // a keeper settles the series on the first price after its expiry (worthless: 150 < 200)
    let expiry = t.vault_state(&t.vault).assets[1].option.expiry;
    let mut ledger = t.ledger();
    let now = ledger.chain.clock().unwrap().unix_timestamp;
    ledger.advance(expiry - now).unwrap();
    let v = t.vault_state(&t.vault);
    let payer = ledger.chain.svm.payer.pubkey();
    ledger.chain.svm.send(&[ix::settle_expired(&payer, &t.vault, &v, 1)], &[]).unwrap();
    ledger.save().unwrap();
    assert!(t.vault_state(&t.vault).assets[1].option.is_settled());

    let r = t.json(&["asset", "retire", "--symbol", "SOL-C", "--advance", "1"]);
    assert_eq!(
        (r["action"].as_str(), r["kind"].as_str(), r["index"].as_u64()),
        (Some("retire_asset"), Some("call"), Some(1))
    );
    assert_eq!((&r["proposal"], &r["eta"]), (&Value::Null, &Value::Null));
    assert_eq!(steps(&r), ["retire_asset"]);
    let v = t.vault_state(&t.vault);
    assert_eq!((v.num_assets, address(&v.assets[0].mint)), (1, string(&t.init["assets"][0]["mint"])));
    assert!(t.no_proposal(ix::ProposalKind::Retire), "no proposal");
}
