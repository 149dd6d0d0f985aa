//! One way for a client to talk to a chain.
//!
//! [`Chain`] is the handful of calls a client of the vault makes: read accounts (one or many),
//! read the cluster clock and rent, get a blockhash, simulate a transaction (logs, compute
//! units, the error by the program's name), send it, ask for its status and its logs, and get
//! lamports where the chain gives them away. Transactions are [`VersionedTransaction`]s, legacy
//! or v0 with address lookup tables ([`sign`] builds either).
//!
//! Two implementations:
//! - [`RpcChain`] (feature `rpc`): a cluster over JSON-RPC with agave's own client
//!   (`solana-rpc-client`), at a stated commitment;
//! - [`LocalChain`] (feature `svm`): the embedded SVM of [`crate::svm`] running the built `.so`.
//!
//! On top of the trait, [`submit`] is the whole "send this and tell me what happened" a CLI
//! needs (simulate, refuse to send what fails, send, wait for the commitment), and
//! [`lookup_table`] reads an address lookup table for a v0 transaction.

use std::time::{Duration, Instant};

pub use solana_account::Account;
pub use solana_clock::Clock;
pub use solana_hash::Hash;
pub use solana_message::AddressLookupTableAccount;
use solana_message::{v0, Message, VersionedMessage};
pub use solana_transaction::{versioned::VersionedTransaction, Signature, Transaction};
pub use solana_transaction_error::TransactionError;

use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{Instruction, Pubkey, PROGRAM_ID};

#[cfg(feature = "svm")]
mod ledger;
#[cfg(feature = "rpc")]
mod rpc;
#[cfg(feature = "svm")]
mod svm;
#[cfg(feature = "svm")]
pub use ledger::Ledger;
#[cfg(feature = "rpc")]
pub use rpc::{check_url, classify, cluster_url, CommitmentLevel, RpcChain, MONIKERS};
#[cfg(feature = "svm")]
pub use svm::{Executed, LocalChain};

/// The Clock sysvar's address.
pub const CLOCK_SYSVAR_ID: Pubkey = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");

/// The largest wire transaction a cluster accepts (IPv6 MTU minus headers).
pub const PACKET_DATA_SIZE: usize = 1232;

/// A chain call that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// Transport or node trouble that may pass (connection refused, timeout, HTTP 429 / 5xx,
    /// node behind): worth retrying with backoff.
    Transient(String),
    /// A failure that retrying will not fix (malformed request, unexpected answer, a chain
    /// that cannot do what was asked).
    Fatal(String),
    /// The transaction was refused: its simulation failed (it was not sent), or it failed on
    /// chain.
    Rejected(Box<Rejection>),
}

impl ChainError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }

    /// One line.
    pub fn message(&self) -> String {
        match self {
            Self::Transient(m) | Self::Fatal(m) => m.clone(),
            Self::Rejected(r) => r.to_string(),
        }
    }
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ChainError {}

/// A transaction the chain refused, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// What the caller called the transaction.
    pub label: String,
    pub err: TransactionError,
    /// The failing instruction's program, when the error names an instruction.
    pub program: Option<Pubkey>,
    /// The vault's error name and code, when the vault program failed with one of its own.
    pub vault_error: Option<(&'static str, u32)>,
    /// The program's `Error Message:` log line, if any.
    pub message: Option<String>,
    pub logs: Vec<String>,
}

impl Rejection {
    /// Explains `err` for the transaction `label` made of `ixs` (in order), from its logs.
    pub fn new(label: &str, ixs: &[Instruction], err: TransactionError, logs: Vec<String>) -> Self {
        let index = match &err {
            TransactionError::InstructionError(i, _) => Some(usize::from(*i)),
            _ => None,
        };
        let program = index.and_then(|i| ixs.get(i)).map(|ix| ix.program_id);
        let vault_error = match (&err, program) {
            (TransactionError::InstructionError(_, InstructionError::Custom(c)), Some(p)) if p == PROGRAM_ID => {
                crate::errors::name(*c).map(|n| (n, *c))
            }
            _ => None,
        };
        let message = logs
            .iter()
            .find_map(|l| l.split_once("Error Message: ").map(|(_, m)| m.trim().trim_end_matches('.').to_string()));
        Self { label: label.to_string(), err, program, vault_error, message, logs }
    }

    /// The error's name: the vault's (`OracleStale`), else another program's custom code, else
    /// the runtime's error.
    pub fn name(&self) -> String {
        match (&self.vault_error, &self.err, self.program) {
            (Some((name, _)), _, _) => (*name).to_string(),
            (None, TransactionError::InstructionError(_, InstructionError::Custom(c)), Some(p)) => {
                format!("custom error {c} of program {p}")
            }
            (None, TransactionError::InstructionError(i, e), _) => format!("{e:?} in instruction {i}"),
            (None, e, _) => format!("{e:?}"),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: {}", self.label, self.name())?;
        if let Some((_, code)) = self.vault_error {
            write!(f, " ({code})")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// The name of the error a transaction failed with, when the instructions are not at hand: the
/// vault's name for its custom codes, else the program's `Error Code:` log line, else the
/// runtime's error.
pub fn error_name(err: &TransactionError, logs: &[String]) -> String {
    if let TransactionError::InstructionError(_, InstructionError::Custom(code)) = err {
        if let Some(n) = crate::errors::name(*code) {
            return n.to_string();
        }
    }
    for l in logs.iter().rev() {
        if let Some(rest) = l.split("Error Code: ").nth(1) {
            if let Some(name) = rest.split('.').next() {
                return name.to_string();
            }
        }
    }
    format!("{err:?}")
}

/// Result of a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// `None` when the transaction would succeed.
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    /// Compute units consumed (0 when the chain did not say).
    pub units: u64,
    /// Data of the last `set_return_data`, if any.
    pub return_data: Option<(Pubkey, Vec<u8>)>,
}

impl Simulation {
    /// The name of the error the simulation failed with ([`error_name`]).
    pub fn error_name(&self) -> Option<String> {
        self.err.as_ref().map(|e| error_name(e, &self.logs))
    }
}

/// Where a sent transaction stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Not seen yet, or not at the chain's commitment yet.
    Pending,
    Confirmed,
    Failed(TransactionError),
}

/// The calls a client makes. Methods take `&mut self` so implementations may keep state (the
/// embedded chain records what it executed).
pub trait Chain {
    /// Human-readable name of the chain (the RPC URL, or `embedded`).
    fn label(&self) -> String;
    /// An account, `None` when it does not exist.
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError>;
    /// Several accounts, in the order of `keys`.
    fn accounts(&mut self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        keys.iter().map(|k| self.account(k)).collect()
    }
    /// The cluster clock (default: read and decode the Clock sysvar account).
    fn clock(&mut self) -> Result<Clock, ChainError> {
        let acct = self.account(&CLOCK_SYSVAR_ID)?.ok_or_else(|| ChainError::Fatal("no Clock sysvar".into()))?;
        decode_clock(&acct.data).ok_or_else(|| ChainError::Fatal("the Clock sysvar does not decode".into()))
    }
    /// The current slot.
    fn slot(&mut self) -> Result<u64, ChainError> {
        Ok(self.clock()?.slot)
    }
    /// Lamports an account of `len` bytes needs to be rent-exempt.
    fn rent(&mut self, len: usize) -> Result<u64, ChainError>;
    fn latest_blockhash(&mut self) -> Result<Hash, ChainError>;
    /// Runs `tx` against the current state without committing it (signatures not checked).
    fn simulate(&mut self, tx: &VersionedTransaction) -> Result<Simulation, ChainError>;
    /// Submits a signed transaction, without preflight (simulate first: [`submit`] does).
    fn send(&mut self, tx: &VersionedTransaction) -> Result<Signature, ChainError>;
    fn status(&mut self, signature: &Signature) -> Result<TxStatus, ChainError>;
    /// The log messages of an executed transaction, when the chain can give them.
    fn logs(&mut self, signature: &Signature) -> Result<Option<Vec<String>>, ChainError>;
    /// Compute-unit prices (micro-lamports) paid in recent slots by transactions that wrote
    /// `accounts` (`getRecentPrioritizationFees`); chains without a fee market give none.
    fn recent_prioritization_fees(&mut self, accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        let _ = accounts;
        Ok(vec![])
    }
    /// Gives `to` `lamports`, where the chain allows it (the embedded SVM; test validators and
    /// devnet over RPC); the default refuses.
    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, ChainError> {
        let _ = (to, lamports);
        Err(ChainError::Fatal(format!("{} gives no airdrops", self.label())))
    }
}

/// Decodes the Clock sysvar's data (bincode of five 8-byte fields: slot, epoch start timestamp,
/// epoch, leader schedule epoch, unix timestamp).
pub fn decode_clock(data: &[u8]) -> Option<Clock> {
    let at = |i: usize| data.get(i * 8..i * 8 + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    Some(Clock {
        slot: at(0)?,
        epoch_start_timestamp: at(1)? as i64,
        epoch: at(2)?,
        leader_schedule_epoch: at(3)?,
        unix_timestamp: at(4)? as i64,
    })
}

/// A transaction of `ixs` signed by `signers` (the first pays the fees) on `blockhash`: legacy
/// when `tables` is empty, else v0 with the addresses the tables hold looked up through them.
pub fn sign(
    ixs: &[Instruction],
    signers: &[&Keypair],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<VersionedTransaction, ChainError> {
    let payer = signers.first().ok_or_else(|| ChainError::Fatal("a transaction needs a fee payer".into()))?.pubkey();
    let message = if tables.is_empty() {
        VersionedMessage::Legacy(Message::new_with_blockhash(ixs, Some(&payer), &blockhash))
    } else {
        VersionedMessage::V0(
            v0::Message::try_compile(&payer, ixs, tables, blockhash)
                .map_err(|e| ChainError::Fatal(format!("v0 message: {e}")))?,
        )
    };
    VersionedTransaction::try_new(message, signers).map_err(|e| ChainError::Fatal(format!("signing: {e}")))
}

/// Size of `tx` on the wire: the signatures (a short vector) and the serialised message.
pub fn wire_size(tx: &VersionedTransaction) -> usize {
    let n = tx.signatures.len();
    let prefix = if n < 0x80 {
        1
    } else if n < 0x4000 {
        2
    } else {
        3
    };
    prefix + 64 * n + tx.message.serialize().len()
}

/// The address lookup table at `key`, for [`sign`].
pub fn lookup_table(chain: &mut dyn Chain, key: &Pubkey) -> Result<AddressLookupTableAccount, ChainError> {
    let acct = chain.account(key)?.ok_or_else(|| ChainError::Fatal(format!("lookup table {key} does not exist")))?;
    let table = solana_address_lookup_table_interface::state::AddressLookupTable::deserialize(&acct.data)
        .map_err(|e| ChainError::Fatal(format!("lookup table {key}: {e:?}")))?;
    Ok(AddressLookupTableAccount { key: *key, addresses: table.addresses.to_vec() })
}

/// A transaction that landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub signature: Signature,
    /// The executed transaction's logs (its simulation's when the chain keeps none).
    pub logs: Vec<String>,
    /// Compute units its simulation consumed.
    pub compute_units: u64,
}

/// Sends `ixs` as one transaction signed by `signers` (the first pays), v0 when `tables` are
/// given: simulates it and refuses to send it when the simulation fails
/// ([`ChainError::Rejected`], with the vault's error name), checks its size, sends it and waits
/// up to `timeout` for the chain's commitment.
pub fn submit(
    chain: &mut dyn Chain,
    label: &str,
    ixs: &[Instruction],
    signers: &[&Keypair],
    tables: &[AddressLookupTableAccount],
    timeout: Duration,
) -> Result<Sent, ChainError> {
    let blockhash = chain.latest_blockhash()?;
    let tx = sign(ixs, signers, tables, blockhash)?;
    let size = wire_size(&tx);
    if size > PACKET_DATA_SIZE {
        return Err(ChainError::Fatal(format!(
            "{label}: the transaction is {size} bytes, more than the {PACKET_DATA_SIZE} a cluster accepts"
        )));
    }
    let sim = chain.simulate(&tx)?;
    if let Some(err) = sim.err {
        return Err(ChainError::Rejected(Box::new(Rejection::new(label, ixs, err, sim.logs))));
    }
    let signature = chain.send(&tx)?;
    let deadline = Instant::now() + timeout;
    loop {
        match chain.status(&signature)? {
            TxStatus::Confirmed => {
                let logs = chain.logs(&signature).ok().flatten().unwrap_or(sim.logs);
                return Ok(Sent { signature, logs, compute_units: sim.units });
            }
            TxStatus::Failed(err) => {
                let logs = chain.logs(&signature).ok().flatten().unwrap_or(sim.logs);
                return Err(ChainError::Rejected(Box::new(Rejection::new(label, ixs, err, logs))));
            }
            TxStatus::Pending if Instant::now() >= deadline => {
                return Err(ChainError::Transient(format!(
                    "{label}: transaction {signature} not confirmed after {} s",
                    timeout.as_secs()
                )));
            }
            TxStatus::Pending => std::thread::sleep(Duration::from_millis(400)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_decodes_the_sysvar_layout() {
        let mut data = Vec::new();
        for v in [7u64, 100, 2, 3, 1_795_000_000] {
            data.extend_from_slice(&v.to_le_bytes());
        }
        let c = decode_clock(&data).unwrap();
        assert_eq!((c.slot, c.epoch_start_timestamp, c.epoch, c.leader_schedule_epoch), (7, 100, 2, 3));
        assert_eq!(c.unix_timestamp, 1_795_000_000);
        assert_eq!(decode_clock(&data[..39]), None);
    }

    #[test]
    fn rejections_name_the_vault_error_only_for_the_vault_program() {
        let code = crate::errors::code("OracleStale").unwrap();
        let ix = |p: Pubkey| Instruction { program_id: p, accounts: vec![], data: vec![] };
        let ixs = [ix(Pubkey::new_unique()), ix(PROGRAM_ID)];
        let logs = vec!["Program log: AnchorError occurred. Error Code: OracleStale. Error Number: 6008. Error Message: Oracle price is stale.".to_string()];
        let r = Rejection::new(
            "refresh",
            &ixs,
            TransactionError::InstructionError(1, InstructionError::Custom(code)),
            logs.clone(),
        );
        assert_eq!(r.vault_error, Some(("OracleStale", code)));
        assert_eq!(r.to_string(), format!("refresh failed: OracleStale ({code}): Oracle price is stale"));
        // the same code from another program is not the vault's
        let other =
            Rejection::new("x", &ixs, TransactionError::InstructionError(0, InstructionError::Custom(code)), vec![]);
        assert_eq!(other.vault_error, None);
        assert!(other.name().starts_with(&format!("custom error {code} of program")));
        let e = TransactionError::InstructionError(1, InstructionError::Custom(code));
        assert_eq!(error_name(&e, &[]), "OracleStale");
        assert_eq!(error_name(&TransactionError::AccountNotFound, &logs), "OracleStale");
        assert_eq!(error_name(&TransactionError::AccountNotFound, &[]), "AccountNotFound");
    }

    #[test]
    fn legacy_without_tables_v0_with_them() {
        let payer = Keypair::new();
        let far = Pubkey::new_unique();
        let ix = Instruction {
            program_id: PROGRAM_ID,
            accounts: vec![solana_instruction::AccountMeta::new(far, false)],
            data: vec![1, 2, 3],
        };
        let legacy = sign(&[ix.clone()], &[&payer], &[], Hash::new_from_array([3; 32])).unwrap();
        assert!(matches!(legacy.message, VersionedMessage::Legacy(_)));
        assert_eq!(legacy.signatures.len(), 1);
        assert_ne!(legacy.signatures[0], Signature::default());
        assert_eq!(legacy.message.static_account_keys()[0], payer.pubkey(), "the first signer pays");
        let table = AddressLookupTableAccount { key: Pubkey::new_unique(), addresses: vec![far] };
        let v0 = sign(&[ix], &[&payer], &[table], Hash::new_from_array([3; 32])).unwrap();
        match &v0.message {
            VersionedMessage::V0(m) => {
                assert_eq!(m.address_table_lookups.len(), 1);
                assert!(!m.account_keys.contains(&far), "the looked-up key is not inline");
            }
            _ => panic!("not v0"),
        }
        // one key (32 bytes) became a one-byte index, the table key added 32 + lookup bytes
        assert!(wire_size(&legacy) > 0 && wire_size(&v0) > 0);
        assert!(sign(&[], &[], &[], Hash::default()).is_err());
    }
}
