//! [`Chain`] on the embedded SVM: [`LocalSvm`] (litesvm running the built `.so`). Transactions
//! sent are executed at once and recorded in [`LocalChain::sent`]; the fixture calls a test
//! makes on [`LocalChain::svm`] directly (minting, moving the clock) are not.

use std::collections::HashMap;

use super::{Account, Chain, ChainError, Clock, Hash, Signature, Simulation, TxStatus, VersionedTransaction};
use crate::{svm::LocalSvm, Pubkey};
use solana_transaction_error::TransactionError;

/// What the embedded chain did with a transaction it was asked to send.
#[derive(Clone, Debug)]
pub struct Executed {
    pub signature: Signature,
    pub result: Result<(), TransactionError>,
    pub logs: Vec<String>,
    pub units: u64,
}

/// The embedded chain.
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
        // a closed account lingers in litesvm with no lamports and no data: gone for a cluster
        Ok(self.svm.get_account(key).filter(|a| a.lamports > 0 || !a.data.is_empty()))
    }

    fn clock(&mut self) -> Result<Clock, ChainError> {
        Ok(self.svm.get_sysvar::<Clock>())
    }

    fn rent(&mut self, len: usize) -> Result<u64, ChainError> {
        Ok(self.svm.minimum_balance_for_rent_exemption(len))
    }

    fn latest_blockhash(&mut self) -> Result<Hash, ChainError> {
        Ok(self.svm.latest_blockhash())
    }

    fn simulate(&mut self, tx: &VersionedTransaction) -> Result<Simulation, ChainError> {
        self.simulations += 1;
        Ok(match self.svm.simulate_signed(tx.clone()) {
            Ok(e) => Simulation { err: None, logs: e.logs, units: e.cu, return_data: e.return_data },
            Err(f) => Simulation { err: Some(f.err), logs: f.logs, units: f.cu, return_data: None },
        })
    }

    fn send(&mut self, tx: &VersionedTransaction) -> Result<Signature, ChainError> {
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let (result, logs, units) = match self.svm.send_transaction_signed(tx.clone()) {
            Ok(e) => (Ok(()), e.logs, e.cu),
            Err(f) => (Err(f.err), f.logs, f.cu),
        };
        self.by_signature.insert(signature, self.sent.len());
        self.sent.push(Executed { signature, result, logs, units });
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

    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, ChainError> {
        self.svm
            .airdrop(to, lamports)
            .map(|m| m.signature)
            .map_err(|e| ChainError::Fatal(format!("airdrop: {:?}", e.err)))
    }
}
