//! `rpv-lab serve`: a complete vault behind the embedded SVM's JSON-RPC endpoint
//! (`rpv_sdk::svm::rpc`), for the web page (app/web) and its browser test. The vault is the
//! sandbox's ([`Sandbox::create`] with [`Spec::spot`]: SOL, BTC, ETH and 1,000,000 USDC);
//! a depositor is funded (SOL for fees, base tokens in its associated account, an empty
//! associated share account); the cluster clock follows wall time, every oracle is re-published
//! every few seconds and the risk state refreshed every minute (flows need one younger than the
//! vault's `max_risk_age`). A keeper (the `rpv-keeper` library, over JSON-RPC against the
//! served endpoint as against a cluster, rebalancing from an inventory it is given) cranks the
//! vault every few seconds: weights, rebalances, request settlements. What a client needs is
//! written to a JSON file.

use std::{
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use rpv_keeper::{
    log::{Level, Logger},
    Keeper, Settings,
};
use rpv_sdk::chain::{CommitmentLevel, RpcChain};
use rpv_sdk::{
    ata, ix, pda,
    svm::{
        rpc::{self, Node},
        sandbox::{Sandbox, Spec},
        LocalSvm, SLOTS_PER_SECOND,
    },
    TOKEN_PROGRAM_ID,
};
use serde_json::json;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Base units (6 decimals) the depositor holds: 100,000 USDC.
pub const DEPOSITOR_BASE: u64 = 100_000_000_000;
/// Lamports the depositor holds for fees and rent: 10 SOL.
pub const DEPOSITOR_LAMPORTS: u64 = 10_000_000_000;
/// Seconds between re-publications of every oracle (the sandbox's maximum age is 60 s).
pub const PUBLISH_EVERY: u64 = 5;
/// Seconds between `refresh` calls (the vault's minimum sampling interval is 30 s).
pub const REFRESH_EVERY: u64 = 60;
/// The keeper's inventory: base units, and base units' worth of every asset (10,000,000 USDC
/// each: enough to bring the 1,000,000 USDC vault to its targets from inventory).
pub const KEEPER_BASE: u64 = 10_000_000_000_000;
pub const KEEPER_VALUE_EACH: u64 = 10_000_000_000_000;

fn wall_time() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Moves the cluster clock to wall time (never back); the slot advances by
/// [`SLOTS_PER_SECOND`] per second.
pub fn follow_wall_time(svm: &mut LocalSvm) {
    let mut c = svm.get_sysvar::<Clock>();
    let now = wall_time();
    if now > c.unix_timestamp {
        c.slot += (now - c.unix_timestamp) as u64 * SLOTS_PER_SECOND;
        c.unix_timestamp = now;
        svm.set_sysvar(&c);
    }
}

/// The served vault: the sandbox, its depositor, and the node answering JSON-RPC.
pub struct Served {
    pub url: String,
    pub node: rpc::SharedNode,
    pub sandbox: Sandbox,
    pub depositor: Keypair,
}

/// Builds the vault on a new SVM with the program at `program`, and serves it on
/// `127.0.0.1:port` (0: a free port).
pub fn start(program: &Path, port: u16) -> Result<Served, String> {
    let mut svm = LocalSvm::load(program)?;
    // the sandbox moves the clock 60 s past its first refresh: start that much before now
    let mut c = svm.get_sysvar::<Clock>();
    c.unix_timestamp = wall_time() - 61;
    svm.set_sysvar(&c);
    let sandbox = Sandbox::create(&mut svm, &Spec::spot())?;
    follow_wall_time(&mut svm);
    sandbox.publish(&mut svm)?;
    let depositor = Keypair::new();
    svm.fund(&depositor.pubkey(), DEPOSITOR_LAMPORTS)?;
    svm.associated_token_account(&sandbox.base_mint, &depositor.pubkey(), DEPOSITOR_BASE)?;
    svm.associated_token_account(&pda::share_mint(&sandbox.vault).0, &depositor.pubkey(), 0)?;
    let node = Node::new(svm).with_history().shared();
    let url = rpc::start(port, node.clone())?;
    Ok(Served { url, node, sandbox, depositor })
}

impl Served {
    /// What a client of the served vault needs, as JSON: the endpoint, the vault and its mints,
    /// each asset's mint, oracle and published price (mantissa and exponent; the serve
    /// re-publishes the same prices), and the depositor's address, token accounts and keypair
    /// (the 64 bytes of a Solana CLI keypair file).
    pub fn description(&self) -> serde_json::Value {
        let owner = self.depositor.pubkey();
        let share_mint = pda::share_mint(&self.sandbox.vault).0;
        let assets: Vec<_> = self
            .sandbox
            .feeds
            .iter()
            .map(|f| {
                json!({"symbol": f.symbol, "mint": f.mint.to_string(), "decimals": f.decimals,
                "oracle": f.oracle.to_string(), "price": f.price, "priceExponent": -8})
            })
            .collect();
        json!({
            "rpc": self.url,
            "programId": rpv_sdk::PROGRAM_ID.to_string(),
            "vault": self.sandbox.vault.to_string(),
            "baseMint": self.sandbox.base_mint.to_string(),
            "shareMint": share_mint.to_string(),
            "assets": assets,
            "depositor": {
                "address": owner.to_string(),
                "baseAccount": ata::address(&owner, &self.sandbox.base_mint, &TOKEN_PROGRAM_ID).to_string(),
                "shareAccount": ata::address(&owner, &share_mint, &TOKEN_PROGRAM_ID).to_string(),
                "keypair": self.depositor.to_bytes().to_vec(),
            },
        })
    }

    /// One step of upkeep at wall time: the clock, the oracles (every [`PUBLISH_EVERY`] s) and
    /// the risk state (every [`REFRESH_EVERY`] s; a refused refresh is reported, not fatal).
    pub fn upkeep(&mut self, last_publish: &mut i64, last_refresh: &mut i64) -> Result<(), String> {
        let mut node = self.node.lock().unwrap_or_else(|p| p.into_inner());
        let svm = &mut node.svm;
        follow_wall_time(svm);
        let now = svm.now();
        if now - *last_publish >= PUBLISH_EVERY as i64 {
            self.sandbox.publish(svm)?;
            *last_publish = now;
        }
        let state = self.sandbox.state(svm)?;
        if now - *last_refresh >= REFRESH_EVERY as i64 && now - state.risk_refreshed_at >= REFRESH_EVERY as i64 {
            *last_refresh = now;
            if let Err(f) = svm.send(&ix::refresh_all(&self.sandbox.vault, &state), &[]) {
                eprintln!("rpv-lab serve: refresh refused: {}", f.summary());
            }
        }
        Ok(())
    }
}

/// The page's address for the served vault: `page` with `?rpc=…&vault=…&labels=…`.
pub fn page_url(page: &str, served: &Served) -> String {
    let labels: Vec<&str> = served.sandbox.feeds.iter().map(|f| f.symbol.as_str()).collect();
    format!("{page}?rpc={}&vault={}&labels={}", served.url, served.sandbox.vault, labels.join(","))
}

/// Starts a keeper cranking the served vault every `every` seconds over JSON-RPC, from an
/// inventory funded here; its warnings and errors go to stderr.
pub fn start_keeper(served: &mut Served, every: Duration) -> Result<(), String> {
    let kp = Keypair::new();
    {
        let mut node = served.node.lock().unwrap_or_else(|p| p.into_inner());
        served.sandbox.fund_keeper(&mut node.svm, &kp.pubkey(), KEEPER_BASE, KEEPER_VALUE_EACH, 0)?;
    }
    let mut chain = RpcChain::new(&served.url, CommitmentLevel::Confirmed, Duration::from_secs(30))?;
    let log = Logger::stderr(Level::Warn).for_vault(&served.sandbox.vault.to_string());
    let mut keeper = Keeper::new(Settings::for_vault(served.sandbox.vault), kp, log, &served.url);
    std::thread::spawn(move || loop {
        // a failed tick is logged by the keeper; the next one starts afresh
        let _ = keeper.tick(&mut chain);
        std::thread::sleep(every);
    });
    Ok(())
}

/// `rpv-lab serve`: builds and serves the vault, writes its description to `out`, prints the
/// URL (and with `page`, the web page's address for this vault), runs a keeper every
/// `keeper_secs` seconds (0: none), and keeps the clock and the oracles moving until killed.
pub fn run(program: &Path, port: u16, out: &Path, page: Option<&str>, keeper_secs: u64) -> Result<(), String> {
    let mut served = start(program, port)?;
    if keeper_secs > 0 {
        start_keeper(&mut served, Duration::from_secs(keeper_secs))?;
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&served.description()).expect("JSON serialises");
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("rpv-lab serve: vault {} at {}", served.sandbox.vault, served.url);
    println!("  depositor {} (keypair and addresses in {})", served.depositor.pubkey(), out.display());
    println!("  {}", served.url);
    if let Some(page) = page {
        println!("  page: {}", page_url(page, &served));
    }
    let (mut last_publish, mut last_refresh) = (0, wall_time());
    loop {
        served.upkeep(&mut last_publish, &mut last_refresh)?;
        std::thread::sleep(Duration::from_millis(500));
    }
}
