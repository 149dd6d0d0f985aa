//! End to end on a real local cluster: `solana-test-validator` (agave 4.2.2, on loopback), the
//! vault deployed with the real `solana program deploy` through `migrations/deploy.sh`, the
//! oracles written in Pyth's real `PriceUpdateV2` layout by the test-only oracle writer loaded
//! at the receiver's program id, the `rpv` CLI against it, and every step checked over RPC
//! against the SDK's own quote. `cargo xtask e2e` starts the validator and runs this (ignored by
//! the ordinary test run: it needs the validator).

use std::{
    path::{Path, PathBuf},
    process::Command,
    str::FromStr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use rpv_sdk::{
    ata,
    chain::{submit, Chain, RpcChain},
    client::VaultClient,
    pda, pyth, spl, venue, AccountMeta, Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use solana_commitment_config::CommitmentLevel;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Pyth's receiver: the oracle writer runs at this id on the local validator.
const PYTH_RECEIVER: Pubkey = Pubkey::from_str_const("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
const USDC: u64 = 1_000_000;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this through `cargo xtask e2e`"))
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the repository").join(p)
}

/// The local cluster, its payer (the vault program's upgrade authority) and a scratch folder.
struct Cluster {
    url: String,
    chain: RpcChain,
    payer: Keypair,
    payer_file: PathBuf,
    dir: PathBuf,
}

impl Cluster {
    fn new() -> Self {
        let url = env("RPV_E2E_URL");
        let chain = RpcChain::new(&url, CommitmentLevel::Confirmed, Duration::from_secs(30)).expect("an RPC client");
        let payer_file = PathBuf::from(env("RPV_E2E_AUTHORITY"));
        let payer = rpv_sdk::keypair::read(&payer_file).expect("the authority keypair");
        let mut c = Self { url, chain, payer, payer_file, dir: PathBuf::from(env("RPV_E2E_DIR")) };
        let p = c.payer.pubkey();
        c.fund(&p, 500_000_000_000);
        c
    }

    fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let sig = self.chain.airdrop(to, lamports).expect("an airdrop from the local faucet");
        for _ in 0..60 {
            if matches!(self.chain.status(&sig), Ok(rpv_sdk::chain::TxStatus::Confirmed)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("airdrop to {to} not confirmed");
    }

    /// Sends `ixs` paid by the payer, signed also by `signers`.
    fn send(&mut self, label: &str, ixs: &[Instruction], signers: &[&Keypair]) {
        let payer = self.payer.insecure_clone();
        let mut all = vec![&payer];
        all.extend_from_slice(signers);
        submit(&mut self.chain, label, ixs, &all, &[], Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{label}: {e}"));
    }

    fn mint(&mut self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let rent = self.chain.rent(spl::MINT_LEN as usize).unwrap();
        let p = self.payer.pubkey();
        let ixs = [
            spl::create_account(&p, &mint.pubkey(), rent, spl::MINT_LEN, &TOKEN_PROGRAM_ID),
            spl::initialize_mint2(&TOKEN_PROGRAM_ID, &mint.pubkey(), &p, decimals),
        ];
        self.send("create a mint", &ixs, &[&mint]);
        mint.pubkey()
    }

    /// `owner`'s associated token account for `mint`, holding `amount` more.
    fn tokens(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Pubkey {
        let p = self.payer.pubkey();
        let (create, account) = ata::create_idempotent(&p, owner, mint, &TOKEN_PROGRAM_ID);
        let mut ixs = vec![create];
        if amount > 0 {
            ixs.push(spl::mint_to(&TOKEN_PROGRAM_ID, mint, &account, &p, amount));
        }
        self.send("token account", &ixs, &[]);
        account
    }

    /// A Pyth `PriceUpdateV2` account owned by the receiver's id, written by the oracle writer.
    fn oracle(&mut self) -> Pubkey {
        let k = Keypair::new();
        let len = pyth::price_update([0; 32], 0, 0, -8, 0, 0).len();
        let rent = self.chain.rent(len).unwrap();
        let p = self.payer.pubkey();
        self.send(
            "an oracle account",
            &[spl::create_account(&p, &k.pubkey(), rent, len as u64, &PYTH_RECEIVER)],
            &[&k],
        );
        k.pubkey()
    }

    /// Publishes `price` (exponent −8, ± 0.05 %) for `feed` into `oracle` at the cluster's time.
    fn publish(&mut self, oracle: &Pubkey, feed: [u8; 32], price: i64) {
        let clock = self.chain.clock().unwrap();
        let data = pyth::price_update(feed, price, price as u64 / 2_000, -8, clock.unix_timestamp, clock.slot);
        let mut bytes = 0u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&data);
        let ix = Instruction {
            program_id: PYTH_RECEIVER,
            accounts: vec![AccountMeta::new(*oracle, false), AccountMeta::new_readonly(self.payer.pubkey(), true)],
            data: bytes,
        };
        self.send("publish a price", &[ix], &[]);
    }

    fn rpv(&self, keypair: &Path, args: &[&str]) -> std::process::Output {
        Command::new(rpv_bin())
            .args(["--url", &self.url, "--keypair"])
            .arg(keypair)
            .args(args)
            .output()
            .expect("rpv runs")
    }
}

/// The `rpv` binary.
fn rpv_bin() -> PathBuf {
    workspace_bin("rpv-cli", "rpv")
}

/// A binary of this workspace (built once).
fn workspace_bin(package: &str, bin: &str) -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .current_dir(repo(""))
        .args(["build", "--locked", "--quiet", "-p", package, "--bin", bin])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {bin}");
    repo(&format!("target/debug/{bin}"))
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
#[ignore = "needs a local validator: cargo xtask e2e"]
fn the_vault_on_a_local_validator() {
    let mut c = Cluster::new();
    let t0 = std::time::Instant::now();
    println!(
        "cluster {} (clock {} s from this machine's)",
        c.url,
        c.chain.clock().unwrap().unix_timestamp - unix_now()
    );

    // mints, the admin's seed, and oracles in Pyth's layout
    let base = c.mint(6);
    let sol = c.mint(9);
    let btc = c.mint(8);
    let admin = c.payer.pubkey();
    c.tokens(&base, &admin, 1_000 * USDC);
    let feeds = [pyth::feed_id("e2e SOL/USD"), pyth::feed_id("e2e BTC/USD")];
    let oracles = [c.oracle(), c.oracle()];
    let prices = [150_00000000i64, 97_000_00000000];
    for i in 0..2 {
        c.publish(&oracles[i], feeds[i], prices[i]);
    }

    // deploy.sh refuses a program keypair that is not the declared id, and sends nothing
    let wrong = c.dir.join("wrong-program.json");
    rpv_sdk::keypair::write(&Keypair::new(), &wrong).unwrap();
    let config = c.dir.join("vault.toml");
    std::fs::write(
        &config,
        format!(
            r#"[vault]
id = 1
base_mint = "{base}"
seed_deposit = 10_000_000
deposit_cap = 100_000_000_000
min_deposit = 1_000_000
timelock_secs = 10

# a performance fee (none on time, so every quote below is exact at any moment): accrued by the
# keeper when the prices rise at the end
[fees]
management_bps = 0
performance_bps = 1_000

[risk]
method = "inverse-vol"
min_sample_interval = 2

# the keeper trades through the venue: its incentive pays the oracle's band (5 bps) and the
# makers' spread (5 bps). Raises of the defaults: proposed at init (10 s timelock), applied by the
# keeper when due
[rebalance]
cooldown_secs = 5
max_leg_bps = 10_000
max_turnover_bps = 10_000
max_reduction_bps = 10_000
keeper_bps = 30
max_slippage_bps = 60
incentive_budget_ppm = 10_000

[[assets]]
symbol = "SOL"
mint = "{sol}"
oracle = "{o0}"
feed_id = "0x{f0}"
max_oracle_age = 60
max_conf_bps = 100

[[assets]]
symbol = "BTC"
mint = "{btc}"
oracle = "{o1}"
feed_id = "0x{f1}"
max_oracle_age = 60
max_conf_bps = 100
"#,
            o0 = oracles[0],
            o1 = oracles[1],
            f0 = pyth::feed_id_hex(&feeds[0]),
            f1 = pyth::feed_id_hex(&feeds[1]),
        ),
    )
    .unwrap();
    let deploy = |extra: &[&str]| {
        Command::new("bash")
            .arg(repo("migrations/deploy.sh"))
            .args(["--url", &c.url, "--keypair"])
            .arg(&c.payer_file)
            .arg("--config")
            .arg(&config)
            .arg("--skip-build")
            .args(extra)
            .env("RPV_BIN", rpv_bin())
            .output()
            .expect("deploy.sh runs")
    };
    let out = deploy(&["--program-keypair", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("built for {}", rpv_sdk::PROGRAM_ID)));

    // the real deployment (an upgrade of the program at its declared id) and `rpv init`
    let out = deploy(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "deploy.sh: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("tx initialize_vault") && stdout.contains("tx add_asset SOL"), "{stdout}");
    let program = c.chain.account(&rpv_sdk::PROGRAM_ID).unwrap().expect("the program");
    assert!(program.executable);
    let vault = pda::vault(&admin, 1).0;
    let v = VaultClient::new(&mut c.chain, vault).fetch().expect("the vault over RPC").vault;
    assert_eq!((v.num_assets, v.base_quantity), (2, 10 * USDC));
    // the deployed program is the built .so byte for byte (a verifier's check, docs/build.md): the
    // program data read back with `solana program dump`, past the .so only zeros (spare length)
    let dumped = c.dir.join("dumped.so");
    let out = Command::new("solana")
        .args(["program", "dump", "--url", &c.url, &rpv_sdk::PROGRAM_ID.to_string()])
        .arg(&dumped)
        .output()
        .expect("solana runs");
    assert!(out.status.success(), "solana program dump: {}", String::from_utf8_lossy(&out.stderr));
    let built = std::fs::read(rpv_sdk::default_program_path()).unwrap();
    let on_chain = std::fs::read(&dumped).unwrap();
    assert!(on_chain.len() >= built.len(), "{} < {}", on_chain.len(), built.len());
    assert!(on_chain[..built.len()] == built[..], "the program data is the built .so");
    assert!(on_chain[built.len()..].iter().all(|b| *b == 0));
    println!("deployed and initialised in {:.0} s", t0.elapsed().as_secs_f64());

    // two depositors: each CLI deposit lands with exactly the shares the SDK quoted
    let mut depositors = Vec::new();
    for (n, amount) in [(1, 1_000u64), (2, 500)] {
        let user = Keypair::new();
        let file = c.dir.join(format!("user{n}.json"));
        rpv_sdk::keypair::write(&user, &file).unwrap();
        c.fund(&user.pubkey(), 10_000_000_000);
        c.tokens(&base, &user.pubkey(), 5_000 * USDC);
        for i in 0..2 {
            c.publish(&oracles[i], feeds[i], prices[i]);
        }
        let quote =
            VaultClient::new(&mut c.chain, vault).fetch().unwrap().quote_deposit(amount * USDC).expect("a quote");
        let out = c.rpv(
            &file,
            &["deposit", "--vault", &vault.to_string(), "--amount", &amount.to_string(), "--output", "json"],
        );
        assert!(out.status.success(), "deposit: {}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let share_account = Pubkey::from_str(report["share_account"].as_str().unwrap()).unwrap();
        let held = rpv_sdk::spl::amount(&c.chain.account(&share_account).unwrap().unwrap().data);
        assert_eq!(held, quote.shares, "depositor {n}: the shares the SDK quoted, read back over RPC");
        assert_eq!(report["shares"].as_u64(), Some(quote.shares));
        depositors.push((user, file, share_account));
    }
    let v = VaultClient::new(&mut c.chain, vault).fetch().unwrap().vault;
    assert_eq!(v.base_quantity, 1_510 * USDC);
    // the second withdraws 50 shares at once (the vault is all cash) once a slot has passed since
    // the last mint (the program refuses an exit in the slot shares were minted): paid exactly
    // the SDK's quote
    std::thread::sleep(Duration::from_millis(1_200));
    let (user2, user2_file, user2_shares) = (&depositors[1].0, depositors[1].1.clone(), depositors[1].2);
    let quote = VaultClient::new(&mut c.chain, vault).fetch().unwrap().quote_withdraw(50 * USDC).expect("a quote");
    let out = c.rpv(&user2_file, &["withdraw", "--vault", &vault.to_string(), "--shares", "50", "--output", "json"]);
    assert!(out.status.success(), "withdraw: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["amount"].as_u64(), Some(quote.amount), "what the SDK quoted");
    let user2_base = ata::address(&user2.pubkey(), &base, &TOKEN_PROGRAM_ID);
    assert_eq!(
        rpv_sdk::spl::amount(&c.chain.account(&user2_base).unwrap().unwrap().data),
        4_500 * USDC + quote.amount,
        "read back over RPC"
    );
    let (user, user_file, share_account) = (&depositors[0].0, depositors[0].1.clone(), depositors[0].2);
    println!("deposits and an instant withdrawal checked over RPC in {:.0} s", t0.elapsed().as_secs_f64());

    // a market per asset on the venue deployed on the same validator, quoted around the oracle
    let maker = Keypair::new();
    c.fund(&maker.pubkey(), 50_000_000_000);
    let mut markets = Vec::new();
    for (i, mint) in [sol, btc].iter().enumerate() {
        let market = Keypair::new();
        let rent = c.chain.rent(venue::MARKET_FIXED_SIZE).unwrap();
        let p = c.payer.pubkey();
        c.send("open a market", &venue::create_market(&p, &market.pubkey(), mint, &base, rent), &[&market]);
        let header = venue::decode_market(&c.chain.account(&market.pubkey()).unwrap().unwrap().data).unwrap();
        let decimals: u8 = [9, 8][i];
        let mid = venue::atom_price(prices[i], -8, decimals, 6);
        let orders = venue::ladder(mid, 5.0, 2.0, 8, (25_000.0 * 1e6 / mid) as u64).unwrap();
        let (b, q) = venue::order_funds(&orders).unwrap();
        let mb = c.tokens(mint, &maker.pubkey(), b);
        let mq = c.tokens(&base, &maker.pubkey(), q);
        let mut ixs = venue::claim_and_deposit(&maker.pubkey(), &market.pubkey(), &header, &mb, b, &mq, q);
        ixs.push(venue::batch_update(&maker.pubkey(), &market.pubkey(), &orders[..4]));
        c.send("a maker opens", &ixs, &[&maker]);
        for chunk in orders[4..].chunks(6) {
            c.send("a maker quotes", &[venue::batch_update(&maker.pubkey(), &market.pubkey(), chunk)], &[&maker]);
        }
        markets.push((*mint, market.pubkey()));
    }

    // the keeper on the real clock: refresh, weights, flash rebalances through the venue, with no
    // inventory of its own
    let keeper = Keypair::new();
    let keeper_file = c.dir.join("keeper.json");
    rpv_sdk::keypair::write(&keeper, &keeper_file).unwrap();
    c.fund(&keeper.pubkey(), 10_000_000_000);
    let keeper_toml = c.dir.join("keeper.toml");
    let metrics = c.dir.join("keeper-metrics.json");
    let mut text = format!(
        "rpc_url = \"{}\"\nvault = \"{vault}\"\nkeypair = \"{}\"\ninterval_secs = 3\nmetrics_file = \"{}\"\naccrue_fees_secs = 5\n\n[markets]\n",
        c.url,
        keeper_file.display(),
        metrics.display()
    );
    for (mint, market) in &markets {
        text += &format!("\"{mint}\" = \"{market}\"\n");
    }
    std::fs::write(&keeper_toml, text).unwrap();
    let keeper_bin = workspace_bin("rpv-keeper", "rpv-keeper");
    let mut traded = false;
    // each keeper run writes its own metrics: what they count is summed over the runs
    let mut applied = 0;
    for round in 0..6 {
        for i in 0..2 {
            c.publish(&oracles[i], feeds[i], prices[i]);
        }
        let out = Command::new(&keeper_bin)
            .arg("--config")
            .arg(&keeper_toml)
            .args(["--ticks", "1", "--log-level", "info"])
            .output()
            .expect("rpv-keeper runs");
        assert!(out.status.success(), "keeper: {}", String::from_utf8_lossy(&out.stderr));
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&metrics).unwrap()).unwrap();
        println!("keeper round {round}: flash trades {}, trades {}", m["flash_trades"], m["trades"]);
        applied += m["instructions"]["apply_change"]["confirmed"].as_u64().unwrap_or(0);
        let v = VaultClient::new(&mut c.chain, vault).fetch().unwrap().vault;
        if v.assets[0].quantity > 0 && v.assets[1].quantity > 0 {
            traded = true;
            break;
        }
        std::thread::sleep(Duration::from_secs(6));
    }
    assert!(traded, "the keeper bought both legs through the venue");
    // the rebalancing parameters proposed at init were applied by the keeper when due
    let r = VaultClient::new(&mut c.chain, vault).fetch().unwrap().risk;
    assert_eq!(r.rebalance.keeper_bps, 30, "the proposal applied");
    assert!(applied >= 1, "the keeper applied the proposals ({applied})");
    let v = VaultClient::new(&mut c.chain, vault).fetch().unwrap().vault;
    for i in 0..2 {
        let held =
            rpv_sdk::spl::amount(&c.chain.account(&rpv_sdk::pk(&v.assets[i].token_account)).unwrap().unwrap().data);
        assert_eq!(held, v.assets[i].quantity, "leg {i}: the vault's token account holds what it accounts");
        let k = rpv_sdk::spl::amount(
            &c.chain
                .account(&ata::address(&keeper.pubkey(), &[sol, btc][i], &TOKEN_PROGRAM_ID))
                .unwrap()
                .map(|a| a.data)
                .unwrap_or_else(|| vec![0; 165]),
        );
        assert_eq!(k, 0, "the keeper keeps no leg tokens");
    }
    println!("keeper rebalanced through the venue in {:.0} s", t0.elapsed().as_secs_f64());

    // the keeper as a service: /health and /metrics on loopback while it runs, a clean stop on
    // SIGTERM
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut service = Command::new(&keeper_bin)
        .arg("--config")
        .arg(&keeper_toml)
        .args(["--interval-secs", "2", "--http-port", &port.to_string(), "--log-level", "warn"])
        .spawn()
        .expect("rpv-keeper starts");
    let get = |path: &str| -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string()))
    };
    let mut healthy = false;
    for _ in 0..60 {
        if get("/health").is_some_and(|(s, _)| s == 200) {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(healthy, "the keeper reports healthy after a tick");
    let (status, body) = get("/metrics").expect("metrics");
    assert_eq!(status, 200);
    assert!(body.lines().any(|l| l.starts_with("rpv_keeper_ticks_total{") && !l.ends_with(" 0")), "{body}");
    Command::new("kill").args(["-TERM", &service.id().to_string()]).status().unwrap();
    let exit = service.wait().unwrap();
    assert!(exit.success(), "a clean stop on SIGTERM: {exit}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&metrics).unwrap()).unwrap();
    assert_eq!(m["shutdown"], "signal");

    // withdrawal requests from both depositors: the shares burnt into the queue, settled by the
    // keeper at prices published after them, claimed with rpv — each paid what its request settled
    let mut requests = Vec::new();
    for (who, file, share_acct) in [(user, &user_file, share_account), (user2, &user2_file, user2_shares)] {
        let mine = rpv_sdk::spl::amount(&c.chain.account(&share_acct).unwrap().unwrap().data);
        let shares = mine * 2 / 5;
        let whole = format!("{}.{:06}", shares / 1_000_000, shares % 1_000_000); // shares have 6 decimals
        let out = c.rpv(
            file,
            &["withdraw", "--vault", &vault.to_string(), "--shares", &whole, "--request", "--output", "json"],
        );
        assert!(out.status.success(), "withdraw --request: {}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let request = Pubkey::from_str(report["request"].as_str().unwrap()).unwrap();
        let user_base = ata::address(&who.pubkey(), &base, &TOKEN_PROGRAM_ID);
        let before = rpv_sdk::spl::amount(&c.chain.account(&user_base).unwrap().unwrap().data);
        requests.push((request, file.clone(), user_base, before));
    }
    let mut settled = Vec::new();
    for _ in 0..8 {
        std::thread::sleep(Duration::from_secs(3));
        for i in 0..2 {
            c.publish(&oracles[i], feeds[i], prices[i]);
        }
        let out = Command::new(&keeper_bin).arg("--config").arg(&keeper_toml).args(["--ticks", "1"]).output().unwrap();
        assert!(out.status.success(), "keeper: {}", String::from_utf8_lossy(&out.stderr));
        let v = VaultClient::new(&mut c.chain, vault).fetch().unwrap().vault;
        let open = VaultClient::new(&mut c.chain, vault).requests(&v).unwrap();
        settled = requests
            .iter()
            .filter_map(|(k, ..)| open.iter().find(|(o, r)| o == k && r.pending == 0).map(|(_, r)| *r))
            .collect();
        if settled.len() == requests.len() {
            break;
        }
    }
    assert_eq!(settled.len(), 2, "the keeper settled both requests");
    for ((_, file, user_base, before), r) in requests.iter().zip(&settled) {
        assert!(r.claimable > 0, "{r:?}");
        let out = c.rpv(file, &["claim", "--vault", &vault.to_string(), "--all"]);
        assert!(out.status.success(), "claim: {}", String::from_utf8_lossy(&out.stderr));
        let after = rpv_sdk::spl::amount(&c.chain.account(user_base).unwrap().unwrap().data);
        assert_eq!(after - before, r.claimable, "the claim paid what the request settled");
    }
    println!("two withdrawal requests settled and claimed in {:.0} s", t0.elapsed().as_secs_f64());

    // the rest in kind, through an address lookup table the CLI creates and waits to activate:
    // every holding paid exactly as the SDK quoted, read back over RPC
    let left = rpv_sdk::spl::amount(&c.chain.account(&share_account).unwrap().unwrap().data);
    let expected = VaultClient::new(&mut c.chain, vault).fetch().unwrap().quote_redeem_in_kind(left).expect("a quote");
    let out = c.rpv(
        &user_file,
        &["redeem-in-kind", "--vault", &vault.to_string(), "--all", "--lookup-table", "new", "--output", "json"],
    );
    assert!(out.status.success(), "redeem-in-kind: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let table = Pubkey::from_str(report["lookup_table"].as_str().expect("a lookup table")).unwrap();
    assert_eq!(
        c.chain.account(&table).unwrap().expect("the table").owner,
        rpv_sdk::alt::ADDRESS_LOOKUP_TABLE_PROGRAM_ID
    );
    let got: Vec<u64> = report["received"].as_array().unwrap().iter().map(|r| r["amount"].as_u64().unwrap()).collect();
    assert_eq!(got, expected.amounts, "what the SDK quoted");
    assert_eq!(rpv_sdk::spl::amount(&c.chain.account(&share_account).unwrap().unwrap().data), 0);
    println!("in-kind redemption through a lookup table in {:.0} s", t0.elapsed().as_secs_f64());

    // fees: the prices rise 3 %, the vault (the seed and the second depositor's rest) gains, and
    // the keeper's next tick accrues the performance fee to the recipient's share account
    let v = VaultClient::new(&mut c.chain, vault).fetch().unwrap().vault;
    assert!(v.assets[0].quantity > 0 && v.assets[1].quantity > 0, "still invested");
    let recipient = rpv_sdk::pk(&v.fees.recipient);
    let fee_account = ata::address(&recipient, &rpv_sdk::pk(&v.share_mint), &TOKEN_PROGRAM_ID);
    let fee_shares =
        |c: &mut Cluster| c.chain.account(&fee_account).unwrap().map(|a| rpv_sdk::spl::amount(&a.data)).unwrap_or(0);
    let before = fee_shares(&mut c);
    let risen = prices.map(|p| p / 100 * 103);
    let mut accrued = 0;
    for _ in 0..4 {
        std::thread::sleep(Duration::from_secs(3));
        for i in 0..2 {
            c.publish(&oracles[i], feeds[i], risen[i]);
        }
        let out = Command::new(&keeper_bin).arg("--config").arg(&keeper_toml).args(["--ticks", "1"]).output().unwrap();
        assert!(out.status.success(), "keeper: {}", String::from_utf8_lossy(&out.stderr));
        accrued = fee_shares(&mut c) - before;
        if accrued > 0 {
            break;
        }
    }
    assert!(accrued > 0, "the keeper accrued the performance fee");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&metrics).unwrap()).unwrap();
    assert!(m["instructions"]["accrue_fees"]["confirmed"].as_u64().unwrap_or(0) >= 1, "{m}");
    println!("performance fee of {accrued} shares accrued by the keeper in {:.0} s", t0.elapsed().as_secs_f64());
}
