//! A Solana JSON-RPC endpoint over the embedded SVM: what `rpv --url` (the CLI's tests) and a
//! browser page built on `@solana/kit` need from a node, answered from a [`LocalSvm`] running
//! the built `.so`. HTTP/1.1 with CORS (an `OPTIONS` preflight and `Access-Control-Allow-Origin`
//! on every answer), one thread per connection, one request at a time on the SVM.
//!
//! Methods: `getAccountInfo`, `getMultipleAccounts` (base64), `getBalance`,
//! `getTokenAccountBalance`, `getProgramAccounts` (`dataSize` and `memcmp` filters, base58 or
//! base64 bytes), `getLatestBlockhash`, `getSlot`, `getBlockHeight`,
//! `getMinimumBalanceForRentExemption`, `getSignatureStatuses`, `getRecentPrioritizationFees`
//! (none), `getVersion`, `getHealth`,
//! `simulateTransaction` (legacy or v0, base64 or base58; `sigVerify`,
//! `replaceRecentBlockhash`; logs, units and return data) and `sendTransaction` (legacy or v0;
//! with preflight unless `skipPreflight`, as a node: a failing transaction is then refused with
//! error −32002 and not executed). `getTransaction` answers from the transactions this node ran
//! when it keeps them ([`Node::with_history`]), else it is refused, as by a node without history.
//!
//! A transaction's blockhash must be one this node has handed out or its latest (so a
//! transaction built on a blockhash from `getLatestBlockhash` stays valid while other
//! transactions run, as on a cluster); signatures are verified.

use std::{
    collections::{HashMap, HashSet},
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use litesvm::LiteSVM;
use serde_json::{json, Value};
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_message::VersionedMessage;
use solana_transaction::{versioned::VersionedTransaction, InstructionError};
use solana_transaction_error::TransactionError;

use super::LocalSvm;
use crate::Pubkey;

/// JSON-RPC error code of a preflight simulation that failed (as agave's).
pub const PREFLIGHT_FAILURE: i64 = -32002;
/// JSON-RPC error code of invalid parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC error code of an unknown method.
pub const METHOD_NOT_FOUND: i64 = -32601;

/// Decodes a wire transaction, legacy or v0 (the format of `sendTransaction`'s payload), with
/// solana-transaction's own wire schema; bytes past the transaction are refused.
pub fn decode_transaction(b: &[u8]) -> Result<VersionedTransaction, String> {
    let tx: VersionedTransaction = wincode::deserialize(b).map_err(|e| format!("not a transaction: {e}"))?;
    match wincode::serialized_size(&tx) {
        Ok(n) if n == b.len() as u64 => Ok(tx),
        _ => Err("trailing bytes after the transaction".into()),
    }
}

/// A transaction error as a node's JSON shows it.
pub fn error_json(e: &TransactionError) -> Value {
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

/// `amount` units of a token with `decimals`, as `uiAmountString` shows it (no trailing zeros).
fn ui_amount_string(amount: u64, decimals: u8) -> String {
    let scale = 10u64.pow(u32::from(decimals));
    let (whole, frac) = (amount / scale, amount % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:0width$}", width = usize::from(decimals));
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

fn invalid(message: impl Into<String>) -> Value {
    json!({"code": INVALID_PARAMS, "message": message.into()})
}

/// Decodes base58 (Bitcoin's alphabet), as `memcmp` filters send it.
pub fn base58_decode(s: &str) -> Result<Vec<u8>, String> {
    bs58::decode(s).into_vec().map_err(|e| format!("not base58: {s} ({e})"))
}

fn param_str<'a>(params: &'a Value, i: usize, what: &str) -> Result<&'a str, Value> {
    params[i].as_str().ok_or_else(|| invalid(format!("expected {what} as parameter {i}")))
}

fn param_key(params: &Value, i: usize) -> Result<Pubkey, Value> {
    let s = param_str(params, i, "an address")?;
    s.parse().map_err(|_| invalid(format!("Invalid param: {s} is not an address")))
}

/// The wire transaction of `simulateTransaction` / `sendTransaction` (base64 or base58).
fn param_transaction(params: &Value) -> Result<VersionedTransaction, Value> {
    param_transaction_bytes(params).map(|(tx, _)| tx)
}

/// [`param_transaction`] and its wire bytes.
fn param_transaction_bytes(params: &Value) -> Result<(VersionedTransaction, Vec<u8>), Value> {
    let s = param_str(params, 0, "a transaction")?;
    let bytes = match params[1]["encoding"].as_str().unwrap_or("base58") {
        "base64" => B64.decode(s).map_err(|e| invalid(format!("invalid base64 transaction: {e}")))?,
        "base58" => base58_decode(s).map_err(invalid)?,
        other => return Err(invalid(format!("unsupported encoding {other}"))),
    };
    let tx = decode_transaction(&bytes).map_err(|e| invalid(format!("failed to deserialize the transaction: {e}")))?;
    Ok((tx, bytes))
}

/// A `getProgramAccounts` filter.
fn matches(filter: &Value, data: &[u8]) -> Result<bool, Value> {
    if let Some(n) = filter.get("dataSize") {
        return Ok(n.as_u64() == Some(data.len() as u64));
    }
    let m = filter.get("memcmp").ok_or_else(|| invalid(format!("unsupported filter {filter}")))?;
    let offset = m["offset"].as_u64().ok_or_else(|| invalid("memcmp needs an offset"))? as usize;
    let s = m["bytes"].as_str().ok_or_else(|| invalid("memcmp needs bytes"))?;
    let bytes = match m["encoding"].as_str().unwrap_or("base58") {
        "base64" => B64.decode(s).map_err(|e| invalid(format!("memcmp bytes: {e}")))?,
        "base58" => base58_decode(s).map_err(invalid)?,
        other => return Err(invalid(format!("unsupported memcmp encoding {other}"))),
    };
    Ok(data.get(offset..offset + bytes.len()) == Some(bytes.as_slice()))
}

/// The SVM behind the endpoint, with what a node remembers: the signatures it has seen and the
/// blockhashes it has handed out.
pub struct Node {
    pub svm: LocalSvm,
    statuses: HashMap<String, Value>,
    blockhashes: HashSet<Hash>,
    /// With [`Node::with_history`]: every executed transaction as `getTransaction` answers it.
    history: Option<HashMap<String, Value>>,
}

/// A [`Node`] shared between the server's threads and its owner (who may move the clock or
/// publish prices between requests).
pub type SharedNode = Arc<Mutex<Node>>;

impl Node {
    /// Serves `svm`. Its blockhash check is replaced by the node's own (module doc).
    pub fn new(mut svm: LocalSvm) -> Self {
        let inner = std::mem::take(&mut svm.svm);
        svm.svm = inner.with_blockhash_check(false);
        let mut blockhashes = HashSet::new();
        blockhashes.insert(svm.latest_blockhash());
        Self { svm, statuses: HashMap::new(), blockhashes, history: None }
    }

    /// Keeps every executed transaction for `getTransaction` (without it the method is refused,
    /// as by a node without history).
    pub fn with_history(mut self) -> Self {
        self.history = Some(HashMap::new());
        self
    }

    /// Shares it.
    pub fn shared(self) -> SharedNode {
        Arc::new(Mutex::new(self))
    }

    fn slot(&self) -> u64 {
        self.svm.get_sysvar::<Clock>().slot
    }

    fn account(&self, key: &Pubkey) -> Value {
        match self.svm.get_account(key).filter(|a| a.lamports > 0) {
            Some(a) => account_json(&a),
            None => Value::Null,
        }
    }

    /// Runs `f` on the SVM with signature verification set to `verify`.
    fn with_sigverify<R>(&mut self, verify: bool, f: impl FnOnce(&LiteSVM) -> R) -> R {
        let was = self.svm.get_sigverify();
        if was == verify {
            return f(&self.svm);
        }
        let svm = std::mem::take(&mut self.svm.svm).with_sigverify(verify);
        let out = f(&svm);
        self.svm.svm = svm.with_sigverify(was);
        out
    }

    fn simulate(&mut self, tx: VersionedTransaction, sig_verify: bool) -> Value {
        let (err, meta) = self.with_sigverify(sig_verify, |svm| match svm.simulate_transaction(tx) {
            Ok(info) => (Value::Null, info.meta),
            Err(f) => (error_json(&f.err), f.meta),
        });
        let return_data = (!meta.return_data.data.is_empty()).then(|| {
            json!({"programId": meta.return_data.program_id.to_string(),
                "data": [B64.encode(&meta.return_data.data), "base64"]})
        });
        json!({"err": err, "logs": meta.logs, "accounts": null, "unitsConsumed": meta.compute_units_consumed,
            "returnData": return_data})
    }

    /// Answers one JSON-RPC call: its `result`, or its `error` object.
    pub fn handle(&mut self, method: &str, params: &Value) -> Result<Value, Value> {
        let latest = self.svm.latest_blockhash();
        self.blockhashes.insert(latest);
        let slot = self.slot();
        let ctx = json!({"slot": slot, "apiVersion": "2.0.0"});
        let with_ctx = |value: Value| Ok(json!({"context": ctx, "value": value}));
        match method {
            "getAccountInfo" => with_ctx(self.account(&param_key(params, 0)?)),
            "getMultipleAccounts" => {
                let keys = params[0].as_array().ok_or_else(|| invalid("expected an array of addresses"))?;
                let v = keys
                    .iter()
                    .map(|k| {
                        let k: Pubkey =
                            k.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| invalid("bad address"))?;
                        Ok(self.account(&k))
                    })
                    .collect::<Result<Vec<_>, Value>>()?;
                with_ctx(json!(v))
            }
            "getBalance" => with_ctx(json!(self.svm.get_balance(&param_key(params, 0)?).unwrap_or(0))),
            "getTokenAccountBalance" => {
                let k = param_key(params, 0)?;
                let data = self.svm.get_account(&k).map(|a| a.data).unwrap_or_default();
                let not_token =
                    || invalid(format!("Invalid param: could not find account {k} (or not a token account)"));
                if data.len() < crate::spl::TOKEN_ACCOUNT_LEN as usize {
                    return Err(not_token());
                }
                let mint = Pubkey::new_from_array(data[..32].try_into().expect("32 bytes"));
                let amount = u64::from_le_bytes(data[64..72].try_into().expect("8 bytes"));
                let mint_data = self.svm.get_account(&mint).map(|a| a.data).unwrap_or_default();
                let decimals = *mint_data.get(44).ok_or_else(not_token)?;
                let ui = amount as f64 / 10f64.powi(i32::from(decimals));
                let ui_string = ui_amount_string(amount, decimals);
                with_ctx(json!({"amount": amount.to_string(), "decimals": decimals, "uiAmount": ui,
                    "uiAmountString": ui_string}))
            }
            "getProgramAccounts" => {
                let program = param_key(params, 0)?;
                let config = &params[1];
                let filters = config["filters"].as_array().cloned().unwrap_or_default();
                let mut out = vec![];
                for (k, a) in self.svm.get_program_accounts(&program) {
                    let mut keep = a.lamports > 0;
                    for f in &filters {
                        keep = keep && matches(f, &a.data)?;
                    }
                    if keep {
                        out.push(json!({"pubkey": k.to_string(), "account": account_json(&a)}));
                    }
                }
                if config["withContext"].as_bool() == Some(true) {
                    with_ctx(json!(out))
                } else {
                    Ok(json!(out))
                }
            }
            "getLatestBlockhash" => {
                with_ctx(json!({"blockhash": latest.to_string(), "lastValidBlockHeight": slot + 150}))
            }
            "isBlockhashValid" => {
                let h: Hash = param_str(params, 0, "a blockhash")?.parse().map_err(|_| invalid("bad blockhash"))?;
                with_ctx(json!(self.blockhashes.contains(&h)))
            }
            "getSlot" | "getBlockHeight" => Ok(json!(slot)),
            "getMinimumBalanceForRentExemption" => {
                let len = params[0].as_u64().ok_or_else(|| invalid("expected a data length"))?;
                Ok(json!(self.svm.minimum_balance_for_rent_exemption(len as usize)))
            }
            "getHealth" => Ok(json!("ok")),
            // no fee market here
            "getRecentPrioritizationFees" => Ok(json!([])),
            "getVersion" => Ok(json!({"solana-core": "rpv-embedded-svm", "feature-set": 0})),
            "simulateTransaction" => {
                let mut tx = param_transaction(params)?;
                let config = &params[1];
                let replace = config["replaceRecentBlockhash"].as_bool() == Some(true);
                let sig_verify = config["sigVerify"].as_bool() == Some(true);
                if replace && sig_verify {
                    return Err(invalid("sigVerify may not be used with replaceRecentBlockhash"));
                }
                if replace {
                    tx.message.set_recent_blockhash(latest);
                } else if !self.blockhashes.contains(tx.message.recent_blockhash()) {
                    return with_ctx(json!({"err": "BlockhashNotFound", "logs": [], "accounts": null,
                        "unitsConsumed": 0, "returnData": null}));
                }
                let mut v = self.simulate(tx, sig_verify);
                if replace {
                    v["replacementBlockhash"] =
                        json!({"blockhash": latest.to_string(), "lastValidBlockHeight": slot + 150});
                }
                with_ctx(v)
            }
            "sendTransaction" => {
                let (tx, wire) = param_transaction_bytes(params)?;
                let sig = tx.signatures.first().ok_or_else(|| invalid("unsigned transaction"))?.to_string();
                if !self.blockhashes.contains(tx.message.recent_blockhash()) {
                    return Err(json!({"code": PREFLIGHT_FAILURE,
                        "message": "Transaction simulation failed: Blockhash not found",
                        "data": {"err": "BlockhashNotFound", "logs": [], "accounts": null, "unitsConsumed": 0,
                            "returnData": null}}));
                }
                if params[1]["skipPreflight"].as_bool() != Some(true) {
                    let v = self.simulate(tx.clone(), true);
                    if !v["err"].is_null() {
                        let message = match &v["err"] {
                            Value::Object(o) if o.contains_key("InstructionError") => {
                                let e = &o["InstructionError"];
                                match e[1].get("Custom") {
                                    Some(c) => format!(
                                        "Transaction simulation failed: Error processing Instruction {}: custom program error: {:#x}",
                                        e[0],
                                        c.as_u64().unwrap_or(0)
                                    ),
                                    None => format!(
                                        "Transaction simulation failed: Error processing Instruction {}: {}",
                                        e[0], e[1]
                                    ),
                                }
                            }
                            other => format!("Transaction simulation failed: {other}"),
                        };
                        return Err(json!({"code": PREFLIGHT_FAILURE, "message": message, "data": v}));
                    }
                }
                let version = match tx.message {
                    VersionedMessage::Legacy(_) => json!("legacy"),
                    _ => json!(0),
                };
                let (err, status, meta) = match self.svm.svm.send_transaction(tx) {
                    Ok(m) => (Value::Null, json!({"Ok": null}), m),
                    Err(f) => (error_json(&f.err), json!({"Err": error_json(&f.err)}), f.meta),
                };
                self.svm.expire_blockhash();
                let mut c = self.svm.get_sysvar::<Clock>();
                c.slot += 1;
                self.svm.set_sysvar(&c);
                self.statuses.insert(
                    sig.clone(),
                    json!({"slot": slot, "confirmations": null, "err": err, "status": status,
                        "confirmationStatus": "finalized"}),
                );
                if let Some(h) = &mut self.history {
                    h.insert(
                        sig.clone(),
                        json!({"slot": slot, "blockTime": c.unix_timestamp, "version": version,
                            "transaction": [B64.encode(&wire), "base64"],
                            "meta": {"err": err, "status": status, "fee": meta.fee, "preBalances": [],
                                "postBalances": [], "logMessages": meta.logs,
                                "computeUnitsConsumed": meta.compute_units_consumed}}),
                    );
                }
                Ok(json!(sig))
            }
            "getSignatureStatuses" => {
                let sigs = params[0].as_array().ok_or_else(|| invalid("expected an array of signatures"))?;
                let v: Vec<Value> = sigs
                    .iter()
                    .map(|s| s.as_str().and_then(|s| self.statuses.get(s)).cloned().unwrap_or(Value::Null))
                    .collect();
                with_ctx(json!(v))
            }
            "getTransaction" if self.history.is_some() => {
                let sig = param_str(params, 0, "a signature")?;
                Ok(self.history.as_ref().and_then(|h| h.get(sig)).cloned().unwrap_or(Value::Null))
            }
            other => Err(json!({"code": METHOD_NOT_FOUND, "message": format!("Method not found: {other}")})),
        }
    }
}

/// One JSON-RPC request object (or a batch) answered.
fn answer(node: &SharedNode, req: &Value) -> Value {
    if let Some(batch) = req.as_array() {
        return Value::Array(batch.iter().map(|r| answer(node, r)).collect());
    }
    let Some(method) = req["method"].as_str() else {
        return json!({"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32600, "message": "Invalid request"}});
    };
    let params = req.get("params").cloned().unwrap_or(json!([]));
    let out = node.lock().unwrap_or_else(|p| p.into_inner()).handle(method, &params);
    match out {
        Ok(result) => json!({"jsonrpc": "2.0", "id": req["id"], "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": req["id"], "error": error}),
    }
}

fn respond(stream: &mut TcpStream, status: &str, cors: &str, body: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\n{cors}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// One HTTP exchange: an `OPTIONS` preflight, a `GET` (health), or a `POST` of JSON-RPC.
fn connection(mut stream: TcpStream, node: &SharedNode) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let (mut len, mut asked_headers) = (0usize, String::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = lower.strip_prefix("access-control-request-headers:") {
            asked_headers = v.trim().to_string();
        }
    }
    let headers = if asked_headers.is_empty() { "content-type, solana-client".into() } else { asked_headers };
    let cors = format!(
        "access-control-allow-origin: *\r\naccess-control-allow-methods: POST, GET, OPTIONS\r\n\
         access-control-allow-headers: {headers}\r\naccess-control-max-age: 86400\r\n"
    );
    let method = request_line.split_whitespace().next().unwrap_or("");
    match method {
        "OPTIONS" => {
            write!(stream, "HTTP/1.1 204 No Content\r\n{cors}content-length: 0\r\nconnection: close\r\n\r\n")
        }
        "GET" => respond(&mut stream, "200 OK", &cors, "{\"status\":\"ok\",\"what\":\"rpv embedded SVM JSON-RPC\"}"),
        "POST" => {
            let mut body = vec![0; len];
            reader.read_exact(&mut body)?;
            match serde_json::from_slice::<Value>(&body) {
                Ok(req) => respond(&mut stream, "200 OK", &cors, &answer(node, &req).to_string()),
                Err(e) => {
                    let err = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": format!("Parse error: {e}")}});
                    respond(&mut stream, "200 OK", &cors, &err.to_string())
                }
            }
        }
        _ => respond(&mut stream, "405 Method Not Allowed", &cors, "{}"),
    }
}

/// Serves `node` on `listener` from a background thread (one more thread per connection).
pub fn spawn(listener: TcpListener, node: SharedNode) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let node = node.clone();
            std::thread::spawn(move || {
                let _ = connection(stream, &node);
            });
        }
    })
}

/// Binds `127.0.0.1:port` (0: any free port) and serves `node` there; returns its URL.
pub fn start(port: u16, node: SharedNode) -> Result<String, String> {
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    spawn(listener, node);
    Ok(url)
}
