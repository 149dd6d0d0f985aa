//! What the keeper needs from a chain, and the embedded implementation.
//!
//! [`Chain`] is the handful of calls a keeper makes: read an account, read the cluster clock,
//! get a blockhash, simulate a transaction, send it, ask for its status and its logs. Two
//! implementations: [`crate::rpc::RpcChain`] (JSON-RPC against a real cluster) and
//! [`LocalChain`] (the embedded litesvm of [`rpv_sdk::svm`], running the built `.so`).

use std::collections::HashMap;

use rpv_sdk::{svm::LocalSvm, Pubkey};
use solana_account::Account;
use solana_hash::Hash;
use solana_transaction::{Signature, Transaction};
use solana_transaction_error::TransactionError;

/// The Clock sysvar's address.
pub const CLOCK_SYSVAR_ID: Pubkey = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");

/// A chain call that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// Transport or node trouble that may pass (connection refused, timeout, HTTP 429 / 5xx,
    /// node behind): retried with backoff.
    Transient(String),
    /// A failure that retrying will not fix (malformed request, unexpected answer).
    Fatal(String),
}

impl ChainError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
    pub fn message(&self) -> &str {
        match self {
            Self::Transient(m) | Self::Fatal(m) => m,
        }
    }
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ChainError {}

/// The cluster clock as programs see it (the Clock sysvar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterClock {
    pub slot: u64,
    pub unix_timestamp: i64,
}

impl ClusterClock {
    /// Decodes the Clock sysvar's data (bincode: slot, epoch start timestamp, epoch, leader
    /// schedule epoch, unix timestamp).
    pub fn decode(data: &[u8]) -> Option<Self> {
        if data.len() < 40 {
            return None;
        }
        let slot = u64::from_le_bytes(data[0..8].try_into().ok()?);
        let unix_timestamp = i64::from_le_bytes(data[32..40].try_into().ok()?);
        Some(Self { slot, unix_timestamp })
    }
}

/// Result of a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// `None` when the transaction would succeed.
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units: u64,
}

/// Where a sent transaction stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Not seen yet, or not at the configured commitment yet.
    Pending,
    Confirmed,
    Failed(TransactionError),
}

/// The calls a keeper makes. Methods take `&mut self` so implementations may keep state (the
/// embedded chain records what it executed).
pub trait Chain {
    /// Human-readable name of the chain (the RPC URL, or `embedded`).
    fn label(&self) -> String;
    /// An account, `None` when it does not exist.
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError>;
    /// The cluster clock (default: read and decode the Clock sysvar account).
    fn clock(&mut self) -> Result<ClusterClock, ChainError> {
        let acct = self.account(&CLOCK_SYSVAR_ID)?.ok_or_else(|| ChainError::Fatal("no Clock sysvar".into()))?;
        ClusterClock::decode(&acct.data).ok_or_else(|| ChainError::Fatal("Clock sysvar does not decode".into()))
    }
    fn latest_blockhash(&mut self) -> Result<Hash, ChainError>;
    /// Runs `tx` against the current state without committing it.
    fn simulate(&mut self, tx: &Transaction) -> Result<Simulation, ChainError>;
    /// Submits a signed transaction (no preflight: the keeper simulated it already).
    fn send(&mut self, tx: &Transaction) -> Result<Signature, ChainError>;
    fn status(&mut self, signature: &Signature) -> Result<TxStatus, ChainError>;
    /// The log messages of an executed transaction, when the chain can give them.
    fn logs(&mut self, signature: &Signature) -> Result<Option<Vec<String>>, ChainError>;
}

/// What the embedded chain did with a transaction it was asked to send.
#[derive(Clone, Debug)]
pub struct Executed {
    pub signature: Signature,
    pub result: Result<(), TransactionError>,
    pub logs: Vec<String>,
}

/// The embedded chain: litesvm with the program loaded ([`LocalSvm`]). Transactions sent are
/// executed at once; every one is recorded in [`LocalChain::sent`].
pub struct LocalChain {
    pub svm: LocalSvm,
    /// Every transaction sent through [`Chain::send`], in order.
    pub sent: Vec<Executed>,
    /// Number of simulations run.
    pub simulations: usize,
    by_signature: HashMap<Signature, usize>,
}

impl LocalChain {
    pub fn new(svm: LocalSvm) -> Self {
        Self { svm, sent: Vec::new(), simulations: 0, by_signature: HashMap::new() }
    }
}

impl Chain for LocalChain {
    fn label(&self) -> String {
        "embedded".into()
    }

    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError> {
        Ok(self.svm.get_account(key))
    }

    fn clock(&mut self) -> Result<ClusterClock, ChainError> {
        let c = self.svm.get_sysvar::<solana_clock::Clock>();
        Ok(ClusterClock { slot: c.slot, unix_timestamp: c.unix_timestamp })
    }

    fn latest_blockhash(&mut self) -> Result<Hash, ChainError> {
        Ok(self.svm.latest_blockhash())
    }

    fn simulate(&mut self, tx: &Transaction) -> Result<Simulation, ChainError> {
        self.simulations += 1;
        Ok(match self.svm.simulate_signed(tx.clone()) {
            Ok(e) => Simulation { err: None, logs: e.logs, units: e.cu },
            Err(f) => Simulation { err: Some(f.err), logs: f.logs, units: 0 },
        })
    }

    fn send(&mut self, tx: &Transaction) -> Result<Signature, ChainError> {
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let (result, logs) = match self.svm.send_transaction_signed(tx.clone()) {
            Ok(e) => (Ok(()), e.logs),
            Err(f) => (Err(f.err), f.logs),
        };
        self.by_signature.insert(signature, self.sent.len());
        self.sent.push(Executed { signature, result, logs });
        Ok(signature)
    }

    fn status(&mut self, signature: &Signature) -> Result<TxStatus, ChainError> {
        Ok(match self.by_signature.get(signature).map(|i| &self.sent[*i].result) {
            None => TxStatus::Pending,
            Some(Ok(())) => TxStatus::Confirmed,
            Some(Err(e)) => TxStatus::Failed(e.clone()),
        })
    }

    fn logs(&mut self, signature: &Signature) -> Result<Option<Vec<String>>, ChainError> {
        Ok(self.by_signature.get(signature).map(|i| self.sent[*i].logs.clone()))
    }
}
