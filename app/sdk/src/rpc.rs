//! A minimal blocking JSON-RPC client for a Solana cluster (feature `rpc`).
//!
//! Only what a client of the vault needs: read accounts (`getAccountInfo`,
//! `getMultipleAccounts`), build transactions (`getLatestBlockhash`,
//! `getMinimumBalanceForRentExemption`), dry-run them (`simulateTransaction`, which returns the
//! program logs and return data), send them (`sendTransaction`) and wait for them
//! (`getSignatureStatuses`). Requests are JSON over HTTP(S) (`reqwest`'s blocking client with
//! rustls); accounts and transactions travel base64-encoded. The types are plain (bytes,
//! [`Pubkey`], `serde_json::Value` for errors), so the CLI and a keeper can share it without
//! pulling in the validator's RPC crates.
//!
//! Errors keep the cluster's answer: a JSON-RPC error object ([`RpcError::Rpc`], e.g. a
//! failed preflight with its logs in `data`), a transport failure, or a response that does not
//! have the documented shape. A transaction's own failure is the `err` value of
//! [`Simulation`] / [`SignatureStatus`]; [`custom_error`] extracts an Anchor error code from
//! it (see [`crate::errors`] for the names).

use std::{
    cell::Cell,
    str::FromStr,
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde_json::{json, Value};

use crate::Pubkey;

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum RpcError {
    /// Connection refused, timeout, HTTP error status, a body that is not JSON.
    Transport(String),
    /// The node answered with a JSON-RPC error object.
    Rpc { code: i64, message: String, data: Option<Value> },
    /// The answer does not have the documented shape.
    Decode(String),
    /// A transaction was not confirmed in time.
    Timeout(String),
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(m) => write!(f, "RPC transport error: {m}"),
            Self::Rpc { code, message, .. } => write!(f, "RPC error {code}: {message}"),
            Self::Decode(m) => write!(f, "unexpected RPC answer: {m}"),
            Self::Timeout(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for RpcError {}

/// An account as `getAccountInfo` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcAccount {
    pub lamports: u64,
    pub owner: Pubkey,
    pub data: Vec<u8>,
    pub executable: bool,
    pub rent_epoch: u64,
}

/// The result of `simulateTransaction`.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// `None` when the transaction would succeed; else the cluster's `TransactionError` as JSON
    /// (e.g. `{"InstructionError": [0, {"Custom": 6008}]}`).
    pub err: Option<Value>,
    pub logs: Vec<String>,
    pub units_consumed: Option<u64>,
    /// Program id and data of the last `set_return_data`, if any.
    pub return_data: Option<(Pubkey, Vec<u8>)>,
}

/// One entry of `getSignatureStatuses`.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureStatus {
    pub slot: u64,
    /// `None` when the transaction succeeded.
    pub err: Option<Value>,
    /// `processed`, `confirmed` or `finalized`.
    pub confirmation_status: Option<String>,
}

/// Blocking JSON-RPC client for one cluster URL.
pub struct RpcClient {
    url: String,
    http: reqwest::blocking::Client,
    commitment: String,
    next_id: Cell<u64>,
}

/// How long one HTTP request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl RpcClient {
    /// A client for `url` at commitment `confirmed`.
    pub fn new(url: &str) -> Result<Self, RpcError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        Ok(Self { url: url.to_string(), http, commitment: "confirmed".into(), next_id: Cell::new(1) })
    }

    /// The same client at another commitment (`processed`, `confirmed`, `finalized`).
    pub fn with_commitment(mut self, commitment: &str) -> Self {
        self.commitment = commitment.to_string();
        self
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn commitment(&self) -> &str {
        &self.commitment
    }

    /// One JSON-RPC call: the `result` member of the answer.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .map_err(|e| RpcError::Transport(format!("{method} to {}: {e}", self.url)))?;
        let status = response.status();
        let text = response.text().map_err(|e| RpcError::Transport(format!("{method}: {e}")))?;
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) if !status.is_success() => {
                return Err(RpcError::Transport(format!("{method}: HTTP {status}: {}", first_line(&text))))
            }
            Err(e) => return Err(RpcError::Transport(format!("{method}: answer is not JSON ({e})"))),
        };
        if let Some(err) = value.get("error") {
            return Err(RpcError::Rpc {
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
                data: err.get("data").cloned(),
            });
        }
        if !status.is_success() {
            return Err(RpcError::Transport(format!("{method}: HTTP {status}")));
        }
        value.get("result").cloned().ok_or_else(|| RpcError::Decode(format!("{method}: no `result`")))
    }

    /// `getAccountInfo` (base64): `None` when the account does not exist.
    pub fn get_account(&self, key: &Pubkey) -> Result<Option<RpcAccount>, RpcError> {
        let r = self
            .call("getAccountInfo", json!([key.to_string(), {"encoding": "base64", "commitment": self.commitment}]))?;
        match r.get("value") {
            Some(Value::Null) => Ok(None),
            Some(v) => decode_account(v).map(Some),
            None => Err(RpcError::Decode("getAccountInfo: no `value`".into())),
        }
    }

    /// `getMultipleAccounts` (base64), in the order of `keys` (requests of at most 100 keys).
    pub fn get_multiple_accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<RpcAccount>>, RpcError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let names: Vec<String> = chunk.iter().map(Pubkey::to_string).collect();
            let r = self
                .call("getMultipleAccounts", json!([names, {"encoding": "base64", "commitment": self.commitment}]))?;
            let values = r
                .get("value")
                .and_then(Value::as_array)
                .ok_or_else(|| RpcError::Decode("getMultipleAccounts: no `value` array".into()))?;
            if values.len() != chunk.len() {
                return Err(RpcError::Decode("getMultipleAccounts: wrong number of accounts".into()));
            }
            for v in values {
                out.push(if v.is_null() { None } else { Some(decode_account(v)?) });
            }
        }
        Ok(out)
    }

    /// `getLatestBlockhash`: the blockhash bytes.
    pub fn get_latest_blockhash(&self) -> Result<[u8; 32], RpcError> {
        let r = self.call("getLatestBlockhash", json!([{"commitment": self.commitment}]))?;
        let s = r
            .pointer("/value/blockhash")
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::Decode("getLatestBlockhash: no `value.blockhash`".into()))?;
        Pubkey::from_str(s).map(|p| p.to_bytes()).map_err(|_| RpcError::Decode(format!("bad blockhash `{s}`")))
    }

    /// `getMinimumBalanceForRentExemption(len)`.
    pub fn get_minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, RpcError> {
        let r = self.call("getMinimumBalanceForRentExemption", json!([len, {"commitment": self.commitment}]))?;
        r.as_u64().ok_or_else(|| RpcError::Decode("getMinimumBalanceForRentExemption: not a number".into()))
    }

    /// `simulateTransaction` of a signed wire transaction ([`wire_transaction`]), signatures
    /// verified, blockhash not replaced.
    pub fn simulate_transaction(&self, wire: &[u8]) -> Result<Simulation, RpcError> {
        let r = self.call(
            "simulateTransaction",
            json!([B64.encode(wire), {
                "encoding": "base64",
                "commitment": self.commitment,
                "sigVerify": true,
                "replaceRecentBlockhash": false,
            }]),
        )?;
        let v = r.get("value").ok_or_else(|| RpcError::Decode("simulateTransaction: no `value`".into()))?;
        let logs = match v.get("logs") {
            Some(Value::Array(a)) => a.iter().filter_map(|l| l.as_str().map(String::from)).collect(),
            _ => vec![],
        };
        let return_data = match v.get("returnData") {
            Some(Value::Object(o)) => {
                let program = o
                    .get("programId")
                    .and_then(Value::as_str)
                    .and_then(|s| Pubkey::from_str(s).ok())
                    .ok_or_else(|| RpcError::Decode("returnData: bad programId".into()))?;
                let data = o
                    .get("data")
                    .and_then(|d| d.get(0))
                    .and_then(Value::as_str)
                    .and_then(|s| B64.decode(s).ok())
                    .ok_or_else(|| RpcError::Decode("returnData: bad data".into()))?;
                Some((program, data))
            }
            _ => None,
        };
        Ok(Simulation {
            err: v.get("err").filter(|e| !e.is_null()).cloned(),
            logs,
            units_consumed: v.get("unitsConsumed").and_then(Value::as_u64),
            return_data,
        })
    }

    /// `sendTransaction` of a signed wire transaction: its signature (base58). With
    /// `skip_preflight` the node does not simulate it first (use after
    /// [`Self::simulate_transaction`]).
    pub fn send_transaction(&self, wire: &[u8], skip_preflight: bool) -> Result<String, RpcError> {
        let r = self.call(
            "sendTransaction",
            json!([B64.encode(wire), {
                "encoding": "base64",
                "skipPreflight": skip_preflight,
                "preflightCommitment": self.commitment,
            }]),
        )?;
        r.as_str().map(String::from).ok_or_else(|| RpcError::Decode("sendTransaction: not a signature".into()))
    }

    /// `getSignatureStatuses` (recent history only), in the order of `signatures`.
    pub fn get_signature_statuses(&self, signatures: &[&str]) -> Result<Vec<Option<SignatureStatus>>, RpcError> {
        let r = self.call("getSignatureStatuses", json!([signatures]))?;
        let values = r
            .get("value")
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::Decode("getSignatureStatuses: no `value` array".into()))?;
        values
            .iter()
            .map(|v| {
                if v.is_null() {
                    return Ok(None);
                }
                Ok(Some(SignatureStatus {
                    slot: v.get("slot").and_then(Value::as_u64).unwrap_or(0),
                    err: v.get("err").filter(|e| !e.is_null()).cloned(),
                    confirmation_status: v.get("confirmationStatus").and_then(Value::as_str).map(String::from),
                }))
            })
            .collect()
    }

    /// Polls `getSignatureStatuses` until `signature` reaches the client's commitment (or
    /// failed), at most `timeout`. The status tells whether it succeeded (`err`).
    pub fn confirm_transaction(&self, signature: &str, timeout: Duration) -> Result<SignatureStatus, RpcError> {
        let start = Instant::now();
        let wanted = commitment_rank(&self.commitment);
        loop {
            if let Some(Some(s)) = self.get_signature_statuses(&[signature])?.into_iter().next() {
                let reached = s.confirmation_status.as_deref().map(commitment_rank).unwrap_or(0);
                if s.err.is_some() || reached >= wanted {
                    return Ok(s);
                }
            }
            if start.elapsed() >= timeout {
                return Err(RpcError::Timeout(format!(
                    "transaction {signature} not {} after {} s",
                    self.commitment,
                    timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(400));
        }
    }
}

fn commitment_rank(c: &str) -> u8 {
    match c {
        "processed" => 1,
        "confirmed" => 2,
        "finalized" => 3,
        _ => 2,
    }
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    &line[..line.len().min(200)]
}

/// An account object of `getAccountInfo` / `getMultipleAccounts` in base64 encoding.
fn decode_account(v: &Value) -> Result<RpcAccount, RpcError> {
    let bad = |what: &str| RpcError::Decode(format!("account: bad or missing `{what}`"));
    let data = v
        .get("data")
        .and_then(|d| d.get(0))
        .and_then(Value::as_str)
        .and_then(|s| B64.decode(s).ok())
        .ok_or_else(|| bad("data"))?;
    Ok(RpcAccount {
        lamports: v.get("lamports").and_then(Value::as_u64).ok_or_else(|| bad("lamports"))?,
        owner: v
            .get("owner")
            .and_then(Value::as_str)
            .and_then(|s| Pubkey::from_str(s).ok())
            .ok_or_else(|| bad("owner"))?,
        data,
        executable: v.get("executable").and_then(Value::as_bool).unwrap_or(false),
        // u64::MAX (rent-exempt) does not fit a JSON double exactly; not needed by clients
        rent_epoch: v.get("rentEpoch").and_then(Value::as_u64).unwrap_or(0),
    })
}

/// Appends `n` in the "compact-u16" (short vector) encoding of the wire format.
pub fn short_vec_len(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The wire bytes of a signed legacy transaction: the signatures (short vector) and the
/// serialised message.
pub fn wire_transaction(tx: &solana_transaction::Transaction) -> Vec<u8> {
    let mut out = Vec::new();
    short_vec_len(tx.signatures.len(), &mut out);
    for s in &tx.signatures {
        out.extend_from_slice(s.as_ref());
    }
    out.extend_from_slice(&tx.message_data());
    out
}

/// The largest wire transaction a cluster accepts (IPv6 MTU minus headers).
pub const PACKET_DATA_SIZE: usize = 1232;

/// `(instruction index, custom code)` of a `{"InstructionError": [i, {"Custom": code}]}`
/// transaction error.
pub fn custom_error(err: &Value) -> Option<(u8, u32)> {
    let pair = err.get("InstructionError")?.as_array()?;
    let index = u8::try_from(pair.first()?.as_u64()?).ok()?;
    let code = u32::try_from(pair.get(1)?.get("Custom")?.as_u64()?).ok()?;
    Some((index, code))
}

/// A transaction error as one line: the vault's error name for its custom codes
/// (`OracleStale (6008) in instruction 1`), else the cluster's JSON.
pub fn describe_error(err: &Value) -> String {
    match custom_error(err) {
        Some((i, code)) => match crate::errors::name(code) {
            Some(name) => format!("{name} ({code}) in instruction {i}"),
            None => format!("custom error {code} in instruction {i}"),
        },
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{
        io::{BufRead, BufReader, Read, Write},
        net::TcpListener,
        sync::mpsc,
    };

    /// A one-connection-at-a-time HTTP server answering each request with the next canned body
    /// (status 200 unless the body starts with `HTTP `); sends the request bodies back.
    fn serve(answers: Vec<String>) -> (String, mpsc::Receiver<Value>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for answer in answers {
                let (stream, _) = listener.accept().unwrap();
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
                tx.send(serde_json::from_slice(&body).unwrap()).unwrap();
                let (status, answer) = match answer.strip_prefix("HTTP ") {
                    Some(rest) => (rest[..3].to_string(), rest[4..].to_string()),
                    None => ("200".to_string(), answer),
                };
                let mut stream = stream;
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .unwrap();
            }
        });
        (url, rx)
    }

    #[test]
    fn reads_accounts_blockhash_and_rent() {
        let owner = Pubkey::new_unique();
        let answers = vec![
            json!({"jsonrpc": "2.0", "id": 1, "result": {"context": {"slot": 5}, "value": {
                "data": [B64.encode([1u8, 2, 3]), "base64"], "executable": false, "lamports": 42,
                "owner": owner.to_string(), "rentEpoch": 18446744073709551615u64, "space": 3}}})
            .to_string(),
            json!({"jsonrpc": "2.0", "id": 2, "result": {"context": {"slot": 5}, "value": null}}).to_string(),
            json!({"jsonrpc": "2.0", "id": 3, "result": {"context": {"slot": 5}, "value": {
                "blockhash": Pubkey::new_from_array([7; 32]).to_string(), "lastValidBlockHeight": 9}}})
            .to_string(),
            json!({"jsonrpc": "2.0", "id": 4, "result": 1_461_600}).to_string(),
            json!({"jsonrpc": "2.0", "id": 5, "result": {"context": {"slot": 5}, "value": [null, {
                "data": ["", "base64"], "executable": true, "lamports": 1, "owner": owner.to_string(), "rentEpoch": 0}]}})
            .to_string(),
        ];
        let (url, requests) = serve(answers);
        let c = RpcClient::new(&url).unwrap();
        let key = Pubkey::new_unique();
        let a = c.get_account(&key).unwrap().unwrap();
        assert_eq!((a.lamports, a.owner, a.data.as_slice()), (42, owner, &[1u8, 2, 3][..]));
        let req = requests.recv().unwrap();
        assert_eq!(req["method"], "getAccountInfo");
        assert_eq!(req["params"][0], key.to_string());
        assert_eq!(req["params"][1]["encoding"], "base64");
        assert_eq!(c.get_account(&key).unwrap(), None);
        assert_eq!(c.get_latest_blockhash().unwrap(), [7; 32]);
        assert_eq!(c.get_minimum_balance_for_rent_exemption(82).unwrap(), 1_461_600);
        let many = c.get_multiple_accounts(&[key, owner]).unwrap();
        assert_eq!(many[0], None);
        assert!(many[1].as_ref().unwrap().executable);
    }

    #[test]
    fn simulation_send_and_statuses() {
        let program = Pubkey::new_unique();
        let answers = vec![
            json!({"jsonrpc": "2.0", "id": 1, "result": {"context": {"slot": 5}, "value": {
                "err": {"InstructionError": [1, {"Custom": 6008}]}, "logs": ["Program log: a", "Program log: b"],
                "unitsConsumed": 1234, "returnData": {"programId": program.to_string(), "data": [B64.encode([9u8; 4]), "base64"]}}}})
            .to_string(),
            json!({"jsonrpc": "2.0", "id": 2, "result": "5sig"}).to_string(),
            json!({"jsonrpc": "2.0", "id": 3, "result": {"context": {"slot": 5}, "value": [
                {"slot": 7, "confirmations": null, "err": null, "confirmationStatus": "confirmed"}, null]}})
            .to_string(),
            json!({"jsonrpc": "2.0", "id": 4, "result": {"context": {"slot": 5}, "value": [
                {"slot": 8, "confirmations": 0, "err": {"InstructionError": [0, "InvalidAccountData"]}, "confirmationStatus": "processed"}]}})
            .to_string(),
        ];
        let (url, requests) = serve(answers);
        let c = RpcClient::new(&url).unwrap();
        let sim = c.simulate_transaction(&[1, 2, 3]).unwrap();
        assert_eq!(sim.logs.len(), 2);
        assert_eq!(sim.units_consumed, Some(1234));
        assert_eq!(sim.return_data, Some((program, vec![9; 4])));
        let err = sim.err.unwrap();
        assert_eq!(custom_error(&err), Some((1, 6008)));
        assert_eq!(describe_error(&err), "OracleStale (6008) in instruction 1");
        let req = requests.recv().unwrap();
        assert_eq!(req["params"][0], B64.encode([1u8, 2, 3]));
        assert_eq!(c.send_transaction(&[1], true).unwrap(), "5sig");
        assert_eq!(requests.recv().unwrap()["params"][1]["skipPreflight"], true);
        let st = c.get_signature_statuses(&["a", "b"]).unwrap();
        assert_eq!(st[0].as_ref().unwrap().slot, 7);
        assert!(st[1].is_none());
        // a failed transaction is returned as soon as it is seen, whatever its commitment
        let failed = c.confirm_transaction("c", Duration::from_secs(5)).unwrap();
        assert_eq!(custom_error(failed.err.as_ref().unwrap()), None);
        assert!(describe_error(failed.err.as_ref().unwrap()).contains("InvalidAccountData"));
    }

    #[test]
    fn errors_are_reported() {
        let answers = vec![
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32002, "message": "Transaction simulation failed",
                "data": {"logs": ["x"]}}})
            .to_string(),
            "HTTP 503 upstream unavailable".to_string(),
            json!({"jsonrpc": "2.0", "id": 3, "result": {"context": {"slot": 1}}}).to_string(),
        ];
        let (url, _requests) = serve(answers);
        let c = RpcClient::new(&url).unwrap();
        match c.send_transaction(&[0], false) {
            Err(RpcError::Rpc { code: -32002, message, data: Some(d) }) => {
                assert_eq!(message, "Transaction simulation failed");
                assert_eq!(d["logs"][0], "x");
            }
            other => panic!("{other:?}"),
        }
        let e = c.get_latest_blockhash().unwrap_err();
        assert!(matches!(&e, RpcError::Transport(m) if m.contains("503")), "{e}");
        let e = c.get_account(&Pubkey::new_unique()).unwrap_err();
        assert!(matches!(e, RpcError::Decode(_)), "{e}");
        // nothing listening
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let e = RpcClient::new(&format!("http://{closed}")).unwrap().get_latest_blockhash().unwrap_err();
        assert!(matches!(e, RpcError::Transport(_)), "{e}");
    }

    #[test]
    fn short_vec_encoding() {
        for (n, bytes) in
            [(0usize, vec![0u8]), (127, vec![0x7f]), (128, vec![0x80, 0x01]), (16_384, vec![0x80, 0x80, 0x01])]
        {
            let mut out = vec![];
            short_vec_len(n, &mut out);
            assert_eq!(out, bytes, "{n}");
        }
    }
}
