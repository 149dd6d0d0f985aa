//! [`Chain`] over JSON-RPC with agave's own client (`solana-rpc-client` 4.2.2, the version of
//! the pinned stack). Calls used: `getAccountInfo` / `getMultipleAccounts` (accounts and the
//! Clock sysvar, base64), `getMinimumBalanceForRentExemption`, `getLatestBlockhash`,
//! `simulateTransaction`, `sendTransaction` (no preflight: callers simulate first),
//! `getSignatureStatuses`, `getTransaction` (logs of a confirmed transaction, for the events it
//! emitted) and `requestAirdrop`. Every call is at the chain's commitment.

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde_json::json;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding};
use solana_commitment_config::CommitmentConfig;
pub use solana_commitment_config::CommitmentLevel;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::{
    client_error::{Error as ClientError, ErrorKind},
    config::{RpcAccountInfoConfig, RpcSendTransactionConfig, RpcSimulateTransactionConfig, RpcTransactionConfig},
    custom_error,
    request::{RpcError, RpcRequest},
    response::Response,
};
use solana_transaction_status_client_types::{option_serializer::OptionSerializer, UiTransactionEncoding};

use super::{Account, Chain, ChainError, Hash, Signature, Simulation, TxStatus, VersionedTransaction};
use crate::Pubkey;

/// Most accounts one `getMultipleAccounts` request may ask for.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// JSON-RPC server errors that say "not now" rather than "never".
const TRANSIENT_RPC_CODES: &[i64] = &[
    custom_error::JSON_RPC_SERVER_ERROR_BLOCK_NOT_AVAILABLE,
    custom_error::JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY,
    custom_error::JSON_RPC_SERVER_ERROR_BLOCK_STATUS_NOT_AVAILABLE_YET,
    custom_error::JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
    custom_error::JSON_RPC_SERVER_ERROR_LONG_TERM_STORAGE_UNREACHABLE,
    -32603, // internal error
];

/// Whether a client error is worth retrying, with a one-line description.
pub fn classify(e: &ClientError) -> ChainError {
    let msg = e.to_string().replace('\n', " ");
    let transient = match e.kind() {
        ErrorKind::Io(_) => true,
        ErrorKind::Reqwest(r) => {
            r.is_timeout()
                || r.is_connect()
                || r.is_request()
                || r.status().is_some_and(|s| s.is_server_error() || s.as_u16() == 429)
        }
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => TRANSIENT_RPC_CODES.contains(code),
        ErrorKind::RpcError(RpcError::RpcRequestError(_)) => true,
        ErrorKind::Middleware(_) => true,
        _ => false,
    };
    if transient {
        ChainError::Transient(msg)
    } else {
        ChainError::Fatal(msg)
    }
}

/// The Solana CLI's cluster monikers (`-u mainnet-beta`, or its first letter) and their
/// public endpoints; anything else is taken as a URL.
pub const MONIKERS: &[(&str, &str)] = &[
    ("mainnet-beta", "https://api.mainnet-beta.solana.com"),
    ("devnet", "https://api.devnet.solana.com"),
    ("testnet", "https://api.testnet.solana.com"),
    ("localhost", "http://localhost:8899"),
];

/// `url_or_moniker` as an endpoint: a moniker's URL ([`MONIKERS`], also by its first letter),
/// else the text itself.
pub fn cluster_url(url_or_moniker: &str) -> String {
    MONIKERS
        .iter()
        .find(|(m, _)| *m == url_or_moniker || m.get(..1) == Some(url_or_moniker))
        .map_or_else(|| url_or_moniker.to_string(), |(_, u)| (*u).to_string())
}

/// Checks that `url` looks like an RPC endpoint: `http://` or `https://` and a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("bad RPC URL `{url}`: expected http://host[:port], https://host[:port] or a moniker (mainnet-beta, devnet, testnet, localhost)"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // [v6]:port, or host:port
    let (host_only, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => return Err(format!("bad RPC URL `{url}`: unclosed `[`")),
        },
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if let Some(p) = port {
        if p.parse::<u16>().is_err() {
            return Err(format!("bad RPC URL `{url}`: port `{p}` is not a number"));
        }
    }
    if host_only.is_empty() || host_only.contains(char::is_whitespace) {
        return Err(format!("bad RPC URL `{url}`: no host"));
    }
    Ok(())
}

/// A cluster reached over JSON-RPC.
pub struct RpcChain {
    client: RpcClient,
    url: String,
    commitment: CommitmentConfig,
}

impl RpcChain {
    /// A client for `url` at `commitment`, each request timing out after `timeout`.
    pub fn new(url: &str, commitment: CommitmentLevel, timeout: Duration) -> Result<Self, String> {
        check_url(url)?;
        let commitment = CommitmentConfig { commitment };
        let client = RpcClient::new_with_timeout_and_commitment(url.to_string(), timeout, commitment);
        Ok(Self { client, url: url.to_string(), commitment })
    }

    /// The commitment every call is made at.
    pub fn commitment(&self) -> CommitmentLevel {
        self.commitment.commitment
    }

    fn config(&self) -> RpcAccountInfoConfig {
        RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(self.commitment),
            data_slice: None,
            min_context_slot: None,
        }
    }
}

fn decode(key: &Pubkey, ui: Option<UiAccount>) -> Result<Option<Account>, ChainError> {
    match ui {
        None => Ok(None),
        Some(ui) => ui
            .to_account()
            .map(Some)
            .ok_or_else(|| ChainError::Fatal(format!("account {key}: the node's answer does not decode"))),
    }
}

impl Chain for RpcChain {
    fn label(&self) -> String {
        self.url.clone()
    }

    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError> {
        // `getAccountInfo` sent directly: the client's own helper folds transport errors into
        // "AccountNotFound", which would hide what is worth retrying
        let r: Response<Option<UiAccount>> = self
            .client
            .send(RpcRequest::GetAccountInfo, json!([key.to_string(), self.config()]))
            .map_err(|e| classify(&e))?;
        decode(key, r.value)
    }

    fn accounts(&mut self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_MULTIPLE_ACCOUNTS) {
            let names: Vec<String> = chunk.iter().map(Pubkey::to_string).collect();
            let r: Response<Vec<Option<UiAccount>>> = self
                .client
                .send(RpcRequest::GetMultipleAccounts, json!([names, self.config()]))
                .map_err(|e| classify(&e))?;
            if r.value.len() != chunk.len() {
                return Err(ChainError::Fatal(format!(
                    "getMultipleAccounts answered {} accounts for {}",
                    r.value.len(),
                    chunk.len()
                )));
            }
            for (key, ui) in chunk.iter().zip(r.value) {
                out.push(decode(key, ui)?);
            }
        }
        Ok(out)
    }

    fn rent(&mut self, len: usize) -> Result<u64, ChainError> {
        self.client.get_minimum_balance_for_rent_exemption(len).map_err(|e| classify(&e))
    }

    fn latest_blockhash(&mut self) -> Result<Hash, ChainError> {
        self.client.get_latest_blockhash_with_commitment(self.commitment).map(|(h, _)| h).map_err(|e| classify(&e))
    }

    fn simulate(&mut self, tx: &VersionedTransaction) -> Result<Simulation, ChainError> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: false,
            commitment: Some(self.commitment),
            ..RpcSimulateTransactionConfig::default()
        };
        let r = self.client.simulate_transaction_with_config(tx, config).map_err(|e| classify(&e))?.value;
        let return_data = match r.return_data {
            None => None,
            Some(d) => {
                let program =
                    d.program_id.parse::<Pubkey>().map_err(|_| ChainError::Fatal("bad return data".into()))?;
                let bytes = B64.decode(&d.data.0).map_err(|_| ChainError::Fatal("bad return data".into()))?;
                Some((program, bytes))
            }
        };
        Ok(Simulation {
            err: r.err.map(Into::into),
            logs: r.logs.unwrap_or_default(),
            units: r.units_consumed.unwrap_or(0),
            return_data,
        })
    }

    fn send(&mut self, tx: &VersionedTransaction) -> Result<Signature, ChainError> {
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            preflight_commitment: Some(self.commitment.commitment),
            ..RpcSendTransactionConfig::default()
        };
        self.client.send_transaction_with_config(tx, config).map_err(|e| classify(&e))
    }

    fn status(&mut self, signature: &Signature) -> Result<TxStatus, ChainError> {
        let r = self.client.get_signature_statuses(&[*signature]).map_err(|e| classify(&e))?.value;
        Ok(match r.into_iter().next().flatten() {
            None => TxStatus::Pending,
            Some(s) => match s.err {
                Some(err) => TxStatus::Failed(err),
                None if s.satisfies_commitment(self.commitment) => TxStatus::Confirmed,
                None => TxStatus::Pending,
            },
        })
    }

    fn logs(&mut self, signature: &Signature) -> Result<Option<Vec<String>>, ChainError> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.commitment),
            max_supported_transaction_version: Some(0),
        };
        let tx = self.client.get_transaction_with_config(signature, config).map_err(|e| classify(&e))?;
        Ok(tx.transaction.meta.and_then(|m| match m.log_messages {
            OptionSerializer::Some(l) => Some(l),
            _ => None,
        }))
    }

    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, ChainError> {
        self.client.request_airdrop(to, lamports).map_err(|e| classify(&e))
    }

    fn recent_prioritization_fees(&mut self, accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        let fees = self.client.get_recent_prioritization_fees(accounts).map_err(|e| classify(&e))?;
        Ok(fees.into_iter().map(|f| f.prioritization_fee).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers() {
        assert_eq!(cluster_url("devnet"), "https://api.devnet.solana.com");
        assert_eq!(cluster_url("m"), "https://api.mainnet-beta.solana.com");
        assert_eq!(cluster_url("l"), "http://localhost:8899");
        assert_eq!(cluster_url("http://127.0.0.1:8899"), "http://127.0.0.1:8899");
        for (_, u) in MONIKERS {
            assert_eq!(check_url(u), Ok(()));
        }
    }

    #[test]
    fn urls() {
        for ok in ["http://127.0.0.1:8899", "https://api.mainnet-beta.solana.com", "http://localhost/rpc?x=1"] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in ["127.0.0.1:8899", "ftp://x", "http://", "http://:80", "https://host:port", "http://a b"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
