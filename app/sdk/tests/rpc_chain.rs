//! `RpcChain` (agave's `solana-rpc-client`) against a minimal local JSON-RPC server: the
//! requests it makes (method, params, commitment), how answers decode, which failures are
//! transient, and `chain::submit` end to end (simulate, send, confirm).
#![cfg(feature = "rpc")]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    sync::mpsc,
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use rpv_sdk::{
    chain::{self, Chain, ChainError, CommitmentLevel, RpcChain, Signature},
    Instruction, Pubkey, PROGRAM_ID,
};
use serde_json::{json, Value};
use solana_keypair::Keypair;

/// A server answering each request (one connection each) with `answer(request)`: a JSON body
/// with status 200, or `HTTP <status> <body>`. Sends every request body back on the channel.
fn serve(n: usize, answer: impl Fn(&Value) -> String + Send + 'static) -> (String, mpsc::Receiver<Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((stream, _)) = listener.accept() else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let request: Value = serde_json::from_slice(&body).unwrap();
            let reply = answer(&request);
            let _ = tx.send(request);
            let (status, reply) = match reply.strip_prefix("HTTP ") {
                Some(rest) => (rest[..3].to_string(), rest[4..].to_string()),
                None => ("200".to_string(), reply),
            };
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (url, rx)
}

fn result(request: &Value, result: Value) -> String {
    json!({"jsonrpc": "2.0", "id": request["id"], "result": result}).to_string()
}

fn error(request: &Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": request["id"], "error": {"code": code, "message": message}}).to_string()
}

fn rpc(url: &str) -> RpcChain {
    RpcChain::new(url, CommitmentLevel::Processed, Duration::from_secs(5)).unwrap()
}

#[test]
fn accounts_rent_and_clock_at_the_chains_commitment() {
    let owner = Pubkey::new_unique();
    let account = move |data: &[u8]| {
        json!({"data": [B64.encode(data), "base64"], "executable": false, "lamports": 42,
               "owner": owner.to_string(), "rentEpoch": 0, "space": data.len()})
    };
    let mut clock = Vec::new();
    for v in [900u64, 1, 2, 3, 1_795_000_000] {
        clock.extend_from_slice(&v.to_le_bytes());
    }
    let (url, requests) = serve(4, move |r| match r["method"].as_str().unwrap() {
        "getAccountInfo" => result(r, json!({"context": {"slot": 5}, "value": account(&clock)})),
        "getMultipleAccounts" => {
            result(r, json!({"context": {"slot": 5}, "value": [Value::Null, account(&[1, 2, 3])]}))
        }
        "getMinimumBalanceForRentExemption" => result(r, json!(1_461_600)),
        m => panic!("unexpected {m}"),
    });
    let mut c = rpc(&url);
    let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
    let many = c.accounts(&[a, b]).unwrap();
    assert_eq!(many[0], None);
    let got = many[1].as_ref().unwrap();
    assert_eq!((got.lamports, got.owner, got.data.as_slice()), (42, owner, &[1u8, 2, 3][..]));
    let req = requests.recv().unwrap();
    assert_eq!(req["method"], "getMultipleAccounts");
    assert_eq!(req["params"][0], json!([a.to_string(), b.to_string()]));
    assert_eq!(req["params"][1]["encoding"], "base64");
    assert_eq!(req["params"][1]["commitment"], "processed");
    assert_eq!(c.rent(82).unwrap(), 1_461_600);
    assert_eq!(requests.recv().unwrap()["params"][0], 82);
    let clock = c.clock().unwrap();
    assert_eq!((clock.slot, clock.unix_timestamp), (900, 1_795_000_000));
    assert_eq!(requests.recv().unwrap()["params"][0], chain::CLOCK_SYSVAR_ID.to_string());
    assert_eq!(c.label(), url);
}

#[test]
fn failures_are_sorted_into_transient_and_fatal() {
    let (url, _requests) = serve(4, |r| match r["method"].as_str().unwrap() {
        "getLatestBlockhash" => "HTTP 503 upstream unavailable".to_string(),
        "getMinimumBalanceForRentExemption" => error(r, -32602, "Invalid params"),
        "getAccountInfo" => error(r, -32005, "Node is unhealthy"),
        "requestAirdrop" => error(r, -32600, "airdrops are not allowed"),
        m => panic!("unexpected {m}"),
    });
    let mut c = rpc(&url);
    let e = c.latest_blockhash().unwrap_err();
    assert!(e.is_transient(), "HTTP 503: {e}");
    let e = c.rent(10).unwrap_err();
    assert!(matches!(e, ChainError::Fatal(_)), "invalid params: {e}");
    let e = c.account(&Pubkey::new_unique()).unwrap_err();
    assert!(e.is_transient(), "node unhealthy: {e}");
    assert!(!c.airdrop(&Pubkey::new_unique(), 1).unwrap_err().is_transient());
    // nothing listening
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let e = rpc(&format!("http://{closed}")).latest_blockhash().unwrap_err();
    assert!(e.is_transient(), "connection refused: {e}");
    assert!(RpcChain::new("localhost:8899", CommitmentLevel::Confirmed, Duration::from_secs(1)).is_err());
}

/// The signature of the base64 wire transaction in `sendTransaction`'s params.
fn sent_signature(r: &Value) -> String {
    let wire = B64.decode(r["params"][0].as_str().unwrap()).unwrap();
    Signature::from(<[u8; 64]>::try_from(&wire[1..65]).unwrap()).to_string()
}

#[test]
fn submit_simulates_sends_and_confirms_over_rpc() {
    let payer = Keypair::new();
    let ix = Instruction { program_id: PROGRAM_ID, accounts: vec![], data: vec![7] };
    let blockhash = Pubkey::new_from_array([7; 32]).to_string();
    let (url, requests) = serve(6, move |r| match r["method"].as_str().unwrap() {
        "getLatestBlockhash" => {
            result(r, json!({"context": {"slot": 5}, "value": {"blockhash": blockhash, "lastValidBlockHeight": 9}}))
        }
        "simulateTransaction" => result(
            r,
            json!({"context": {"slot": 5}, "value": {"err": null, "logs": ["Program log: simulated"],
                   "unitsConsumed": 1234, "returnData": {"programId": PROGRAM_ID.to_string(),
                   "data": [B64.encode([9u8; 4]), "base64"]}}}),
        ),
        "sendTransaction" => result(r, json!(sent_signature(r))),
        "getSignatureStatuses" => result(
            r,
            json!({"context": {"slot": 6}, "value": [{"slot": 6, "confirmations": 0, "err": null,
                   "status": {"Ok": null}, "confirmationStatus": "processed"}]}),
        ),
        "getTransaction" => error(r, -32009, "Transaction history is not available from this node"),
        m => panic!("unexpected {m}"),
    });
    let mut c = rpc(&url);
    let tx = chain::sign(&[ix.clone()], &[&payer], &[], Default::default()).unwrap();
    let sim = c.simulate(&tx).unwrap();
    assert_eq!((sim.err, sim.units), (None, 1234));
    assert_eq!(sim.return_data, Some((PROGRAM_ID, vec![9; 4])));
    let req = requests.recv().unwrap();
    assert_eq!(req["params"][1]["sigVerify"], false);
    assert_eq!(req["params"][1]["commitment"], "processed");
    let sent = chain::submit(&mut c, "poke", &[ix.clone()], &[&payer], &[], Duration::from_secs(5)).unwrap();
    assert_eq!(sent.compute_units, 1234);
    assert_eq!(sent.logs, vec!["Program log: simulated".to_string()], "the simulation's logs when history is gone");
    let methods: Vec<String> = requests.try_iter().map(|r| r["method"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        methods,
        ["getLatestBlockhash", "simulateTransaction", "sendTransaction", "getSignatureStatuses", "getTransaction"]
    );
    // the simulation's return data and a failed simulation, decoded
    let blockhash = Pubkey::new_from_array([8; 32]).to_string();
    let (url, _requests) = serve(3, move |r| match r["method"].as_str().unwrap() {
        "getLatestBlockhash" => {
            result(r, json!({"context": {"slot": 5}, "value": {"blockhash": blockhash, "lastValidBlockHeight": 9}}))
        }
        "simulateTransaction" => result(
            r,
            json!({"context": {"slot": 5}, "value": {"err": {"InstructionError": [0, {"Custom": 6008}]},
                   "logs": ["Program log: AnchorError occurred. Error Code: OracleStale. Error Number: 6008. Error Message: Oracle price is stale."],
                   "unitsConsumed": 99}}),
        ),
        m => panic!("unexpected {m}: nothing is sent after a failed simulation"),
    });
    let mut c = rpc(&url);
    let tx = chain::sign(&[ix.clone()], &[&payer], &[], Default::default()).unwrap();
    let sim = c.simulate(&tx).unwrap();
    assert_eq!((sim.error_name().as_deref(), sim.units, sim.return_data), (Some("OracleStale"), 99, None));
    // submit refuses to send what fails in simulation, naming the vault's error
    let mut refused = rpc(&url);
    match chain::submit(&mut refused, "poke", &[ix], &[&payer], &[], Duration::from_secs(5)) {
        Err(ChainError::Rejected(r)) => {
            assert_eq!(r.vault_error, Some(("OracleStale", 6008)));
            assert_eq!(r.to_string(), "poke failed: OracleStale (6008): Oracle price is stale");
        }
        other => panic!("{other:?}"),
    }
}
