//! A JSON-RPC "cluster" for the `--url` tests: a thread serving the methods the CLI uses
//! (`getAccountInfo`, `getMultipleAccounts`, `getLatestBlockhash`,
//! `getMinimumBalanceForRentExemption`, `simulateTransaction`, `sendTransaction`,
//! `getSignatureStatuses`; `getTransaction` is refused, as by a node without history) over HTTP from a litesvm running the built `.so`, with real SPL
//! mints and token accounts and Pyth `PriceUpdateV2` accounts in the receiver's layout.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::Path,
    sync::mpsc,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use litesvm::LiteSVM;
use rpv_sdk::{ata, spl, venue, Instruction, Pubkey, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID, TOKEN_PROGRAM_ID};
use serde_json::{json, Value};
use solana_account::Account;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_message::{compiled_instruction::CompiledInstruction, Message, MessageHeader};
use solana_signer::Signer;
use solana_transaction::{Hash, InstructionError, Signature, Transaction, TransactionError};

/// One asset of the cluster.
#[derive(Clone, Debug)]
pub struct Asset {
    pub mint: Pubkey,
    pub oracle: Pubkey,
    pub feed: [u8; 32],
}

/// What the tests need to know about the cluster.
pub struct Cluster {
    pub url: String,
    pub admin: Keypair,
    pub user: Keypair,
    pub base_mint: Pubkey,
    pub assets: Vec<Asset>,
    /// With [`start_with_venue`]: a Manifest market per asset against the base, in order.
    pub markets: Vec<Pubkey>,
}

pub const NOW: i64 = 1_800_000_000;

fn send(svm: &mut LiteSVM, ixs: &[Instruction], signers: &[&Keypair]) {
    let tx = Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, svm.latest_blockhash());
    svm.send_transaction(tx).unwrap_or_else(|e| panic!("setup transaction: {:?}\n{}", e.err, e.meta.logs.join("\n")));
    svm.expire_blockhash();
}

fn create_mint(svm: &mut LiteSVM, authority: &Keypair, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
    let rent = svm.minimum_balance_for_rent_exemption(spl::MINT_LEN as usize);
    send(
        svm,
        &[
            spl::create_account(&authority.pubkey(), &mint.pubkey(), rent, spl::MINT_LEN, &TOKEN_PROGRAM_ID),
            spl::initialize_mint2(&TOKEN_PROGRAM_ID, &mint.pubkey(), &authority.pubkey(), decimals),
        ],
        &[authority, &mint],
    );
    mint.pubkey()
}

/// Mints `amount` of `mint` to `owner`'s associated token account (created if needed).
fn fund(svm: &mut LiteSVM, authority: &Keypair, owner: &Pubkey, mint: &Pubkey, amount: u64) {
    let (create, account) = ata::create_idempotent(&authority.pubkey(), owner, mint, &TOKEN_PROGRAM_ID);
    send(svm, &[create, spl::mint_to(&TOKEN_PROGRAM_ID, mint, &account, &authority.pubkey(), amount)], &[authority]);
}

fn short_vec(b: &[u8], p: &mut usize) -> usize {
    let mut n = 0usize;
    for shift in [0, 7, 14] {
        let byte = b[*p];
        *p += 1;
        n |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
    }
    n
}

fn take<'a>(b: &'a [u8], p: &mut usize, n: usize) -> &'a [u8] {
    let s = &b[*p..*p + n];
    *p += n;
    s
}

/// Decodes a legacy wire transaction.
pub fn decode_transaction(b: &[u8]) -> Transaction {
    let mut p = 0;
    let signatures = (0..short_vec(b, &mut p))
        .map(|_| Signature::from(<[u8; 64]>::try_from(take(b, &mut p, 64)).unwrap()))
        .collect();
    assert_eq!(b[p] & 0x80, 0, "versioned transactions are not expected");
    let h = take(b, &mut p, 3);
    let header = MessageHeader {
        num_required_signatures: h[0],
        num_readonly_signed_accounts: h[1],
        num_readonly_unsigned_accounts: h[2],
    };
    let account_keys =
        (0..short_vec(b, &mut p)).map(|_| Pubkey::new_from_array(take(b, &mut p, 32).try_into().unwrap())).collect();
    let recent_blockhash = Hash::new_from_array(take(b, &mut p, 32).try_into().unwrap());
    let instructions = (0..short_vec(b, &mut p))
        .map(|_| {
            let program_id_index = take(b, &mut p, 1)[0];
            let n = short_vec(b, &mut p);
            let accounts = take(b, &mut p, n).to_vec();
            let n = short_vec(b, &mut p);
            let data = take(b, &mut p, n).to_vec();
            CompiledInstruction { program_id_index, accounts, data }
        })
        .collect();
    assert_eq!(p, b.len(), "trailing bytes");
    Transaction { signatures, message: Message { header, account_keys, recent_blockhash, instructions } }
}

/// A transaction error as the RPC's JSON shows it.
fn error_json(e: &TransactionError) -> Value {
    match e {
        TransactionError::InstructionError(i, InstructionError::Custom(c)) => {
            json!({"InstructionError": [i, {"Custom": c}]})
        }
        TransactionError::InstructionError(i, other) => json!({"InstructionError": [i, format!("{other:?}")]}),
        other => json!(format!("{other:?}")),
    }
}

fn account_json(a: &Account) -> Value {
    json!({
        "data": [B64.encode(&a.data), "base64"],
        "executable": a.executable,
        "lamports": a.lamports,
        "owner": a.owner.to_string(),
        "rentEpoch": 0,
        "space": a.data.len(),
    })
}

struct Node {
    svm: LiteSVM,
    statuses: HashMap<String, Value>,
}

impl Node {
    fn account(&self, key: &str) -> Value {
        let k: Pubkey = key.parse().unwrap();
        match self.svm.get_account(&k).filter(|a| a.lamports > 0) {
            Some(a) => account_json(&a),
            None => Value::Null,
        }
    }

    fn handle(&mut self, method: &str, params: &Value) -> Result<Value, Value> {
        let slot = self.svm.get_sysvar::<Clock>().slot;
        let ctx = json!({"slot": slot});
        match method {
            "getAccountInfo" => Ok(json!({"context": ctx, "value": self.account(params[0].as_str().unwrap())})),
            "getMultipleAccounts" => {
                let v: Vec<Value> =
                    params[0].as_array().unwrap().iter().map(|k| self.account(k.as_str().unwrap())).collect();
                Ok(json!({"context": ctx, "value": v}))
            }
            "getLatestBlockhash" => Ok(json!({"context": ctx, "value": {
                "blockhash": self.svm.latest_blockhash().to_string(), "lastValidBlockHeight": slot + 150}})),
            "getMinimumBalanceForRentExemption" => {
                Ok(json!(self.svm.minimum_balance_for_rent_exemption(params[0].as_u64().unwrap() as usize)))
            }
            "simulateTransaction" => {
                assert_eq!(params[1]["encoding"], "base64");
                let tx = decode_transaction(&B64.decode(params[0].as_str().unwrap()).unwrap());
                let v = match self.svm.simulate_transaction(tx) {
                    Ok(info) => json!({"err": null, "logs": info.meta.logs,
                        "unitsConsumed": info.meta.compute_units_consumed, "returnData": null}),
                    Err(f) => json!({"err": error_json(&f.err), "logs": f.meta.logs,
                        "unitsConsumed": f.meta.compute_units_consumed, "returnData": null}),
                };
                Ok(json!({"context": ctx, "value": v}))
            }
            "sendTransaction" => {
                let tx = decode_transaction(&B64.decode(params[0].as_str().unwrap()).unwrap());
                let sig = tx.signatures[0].to_string();
                let (err, status) = match self.svm.send_transaction(tx) {
                    Ok(_) => (Value::Null, json!({"Ok": null})),
                    Err(f) => (error_json(&f.err), json!({"Err": error_json(&f.err)})),
                };
                self.svm.expire_blockhash();
                let mut c = self.svm.get_sysvar::<Clock>();
                c.slot += 1;
                self.svm.set_sysvar(&c);
                self.statuses.insert(
                    sig.clone(),
                    json!({"slot": slot, "confirmations": null, "err": err, "status": status, "confirmationStatus": "finalized"}),
                );
                Ok(json!(sig))
            }
            "getSignatureStatuses" => {
                let v: Vec<Value> = params[0]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| self.statuses.get(s.as_str().unwrap()).cloned().unwrap_or(Value::Null))
                    .collect();
                Ok(json!({"context": ctx, "value": v}))
            }
            other => Err(json!({"code": -32601, "message": format!("Method not found: {other}")})),
        }
    }
}

fn serve(listener: TcpListener, mut node: Node) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut len = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            continue;
        }
        let req: Value = serde_json::from_slice(&body).unwrap();
        let answer = match node.handle(req["method"].as_str().unwrap(), &req["params"]) {
            Ok(result) => json!({"jsonrpc": "2.0", "id": req["id"], "result": result}),
            Err(error) => json!({"jsonrpc": "2.0", "id": req["id"], "error": error}),
        }
        .to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
    }
}

/// Starts a cluster: the program, an admin (mint authority of every mint, 100 base tokens for
/// the seed), a user with 10,000 base tokens, 20 SOL and 0.5 BTC, and fresh Pyth prices for SOL
/// ($150) and BTC ($97,000). Keypair files are written to `dir`.
pub fn start(dir: &Path) -> Cluster {
    start_with(dir, None)
}

/// [`start`] with the venue (Manifest, `cargo xtask build-dex`) loaded and a market per asset
/// against the base, where a maker bids `levels` (`(price in bps of the oracle, whole tokens)`).
pub fn start_with_venue(dir: &Path, levels: &'static [(u64, u64)]) -> Cluster {
    start_with(dir, Some(levels))
}

/// Opens a Manifest market of `mint` (priced `price` at exponent −8, `decimals`) against
/// `base_mint`, and a new maker rests a bid per level of `levels`.
fn open_market(
    svm: &mut LiteSVM,
    admin: &Keypair,
    base_mint: &Pubkey,
    (mint, decimals, price): (Pubkey, u8, i64),
    levels: &[(u64, u64)],
) -> Pubkey {
    let market = Keypair::new();
    let rent = svm.minimum_balance_for_rent_exemption(venue::MARKET_FIXED_SIZE);
    send(svm, &venue::create_market(&admin.pubkey(), &market.pubkey(), &mint, base_mint, rent), &[admin, &market]);
    let m = market.pubkey();
    let maker = Keypair::new();
    svm.airdrop(&maker.pubkey(), 10_000_000_000).unwrap();
    let funds = 10_000_000_000_000; // 10 M base tokens
    fund(svm, admin, &maker.pubkey(), base_mint, funds);
    let quote = ata::address(&maker.pubkey(), base_mint, &TOKEN_PROGRAM_ID);
    let orders: Vec<venue::Order> = levels
        .iter()
        .map(|(bps, whole)| {
            // quote atoms per base atom: the oracle's price (exponent −8) in 6-decimal base per atom
            let bid = venue::atom_price(price, -8, decimals, 6) * *bps as f64 / 10_000.0;
            let (price_mantissa, price_exponent) = venue::encode_price(bid, false).expect("a price");
            venue::Order {
                base_atoms: whole * 10u64.pow(decimals.into()),
                price_mantissa,
                price_exponent,
                is_bid: true,
            }
        })
        .collect();
    for ix in [
        venue::claim_seat(&maker.pubkey(), &m),
        venue::deposit(&maker.pubkey(), &m, base_mint, &quote, funds),
        venue::batch_update(&maker.pubkey(), &m, &orders),
    ] {
        send(svm, &[ix], &[&maker]);
    }
    m
}

fn start_with(dir: &Path, venue_levels: Option<&'static [(u64, u64)]>) -> Cluster {
    let elf = std::fs::read(super::support::program()).expect("the built program (cargo xtask build-sbf)");
    let venue_elf = venue_levels
        .map(|_| std::fs::read(venue::default_venue_path()).expect("the built venue (cargo xtask build-dex)"));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut svm = LiteSVM::new();
        svm.add_program(PROGRAM_ID, &elf).unwrap();
        if let Some(v) = &venue_elf {
            svm.add_program(venue::MANIFEST_ID, v).unwrap();
        }
        let mut c = svm.get_sysvar::<Clock>();
        c.unix_timestamp = NOW;
        c.slot = 1_000;
        svm.set_sysvar(&c);
        let admin = Keypair::new();
        let user = Keypair::new();
        for k in [&admin, &user] {
            svm.airdrop(&k.pubkey(), 100_000_000_000).unwrap();
        }
        let base_mint = create_mint(&mut svm, &admin, 6);
        fund(&mut svm, &admin, &admin.pubkey(), &base_mint, 100_000_000);
        fund(&mut svm, &admin, &user.pubkey(), &base_mint, 10_000_000_000);
        let (mut assets, mut markets) = (vec![], vec![]);
        for (symbol, decimals, price, holding) in
            [("SOL", 9u8, 15_000_000_000_i64, 20_000_000_000_u64), ("BTC", 8, 9_700_000_000_000, 50_000_000)]
        {
            let mint = create_mint(&mut svm, &admin, decimals);
            fund(&mut svm, &admin, &user.pubkey(), &mint, holding);
            let oracle = Pubkey::new_unique();
            let feed = rpv_sdk::pyth::feed_id(&format!("{symbol}/USD"));
            let data = rpv_sdk::pyth::price_update(feed, price, price as u64 / 2_000, -8, NOW, 1_000);
            svm.set_account(
                oracle,
                Account {
                    lamports: 10_000_000,
                    data,
                    owner: PYTH_RECEIVER_PROGRAM_ID,
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
            assets.push(Asset { mint, oracle, feed });
            if let Some(levels) = venue_levels {
                markets.push(open_market(&mut svm, &admin, &base_mint, (mint, decimals, price), levels));
            }
        }
        tx.send((admin.to_bytes(), user.to_bytes(), base_mint, assets, markets)).unwrap();
        serve(listener, Node { svm, statuses: HashMap::new() });
    });
    let (admin, user, base_mint, assets, markets) = rx.recv().expect("the mock cluster starts");
    let admin = Keypair::try_from(admin.as_slice()).unwrap();
    let user = Keypair::try_from(user.as_slice()).unwrap();
    rpv_sdk::keypair::write(&admin, &dir.join("admin.json")).unwrap();
    rpv_sdk::keypair::write(&user, &dir.join("user.json")).unwrap();
    Cluster { url, admin, user, base_mint, assets, markets }
}
