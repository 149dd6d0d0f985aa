//! An embedded SVM with the vault program loaded (feature `svm`): litesvm with mainnet-beta's
//! feature set and the token programs it ships, the built `rpv_vault.so` run by the BPF loader,
//! real SPL mints and token accounts created through those programs, and Pyth `PriceUpdateV2`
//! accounts in the receiver's byte layout. Used by `rpv-lab`'s demos, by the keeper's embedded
//! mode, by `rpv --svm` (a [`crate::chain::Ledger`] kept in a file between commands) and by tests;
//! nothing here replaces the program with a native stand-in.

use std::path::Path;

use litesvm::LiteSVM;
use solana_account::Account;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::{versioned::VersionedTransaction, Transaction};
use solana_transaction_error::TransactionError;

use crate::{ata, errors, spl, Instruction, Pubkey, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID, TOKEN_PROGRAM_ID};

pub mod market_maker;
pub mod rpc;
pub mod sandbox;

/// Cluster time the embedded SVM starts at (unix seconds, late 2026).
pub const START_TIME: i64 = 1_795_000_000;
/// Slots per second of simulated time when the clock is moved ([`LocalSvm::advance`]).
pub const SLOTS_PER_SECOND: u64 = 2;

pub use crate::default_program_path;

/// The custom program error code a transaction failed with, if any.
pub fn custom_code(err: &TransactionError) -> Option<u32> {
    match err {
        TransactionError::InstructionError(_, solana_transaction::InstructionError::Custom(c)) => Some(*c),
        _ => None,
    }
}

/// A transaction that ran.
#[derive(Clone, Debug)]
pub struct Executed {
    pub signature: solana_transaction::Signature,
    pub cu: u64,
    pub logs: Vec<String>,
    /// Program and data of the last `set_return_data`, when there was one.
    pub return_data: Option<(Pubkey, Vec<u8>)>,
}

/// A transaction that failed, with its logs and the compute units it used.
#[derive(Clone, Debug)]
pub struct Failed {
    pub err: TransactionError,
    pub logs: Vec<String>,
    pub cu: u64,
}

impl Failed {
    /// The vault error the transaction failed with, when it is one.
    pub fn vault_error(&self) -> Option<&'static str> {
        custom_code(&self.err).and_then(errors::name)
    }

    /// The error and, when the program logged one, its `Error Code` line.
    pub fn summary(&self) -> String {
        let line = self.logs.iter().find(|l| l.contains("Error Code")).cloned().unwrap_or_default();
        format!("{:?} {line}", self.err)
    }
}

/// litesvm with the program loaded and a funded payer.
pub struct LocalSvm {
    pub svm: LiteSVM,
    /// Pays fees and rent, and is the mint authority of every mint created here.
    pub payer: Keypair,
}

impl std::ops::Deref for LocalSvm {
    type Target = LiteSVM;
    fn deref(&self) -> &LiteSVM {
        &self.svm
    }
}

impl std::ops::DerefMut for LocalSvm {
    fn deref_mut(&mut self) -> &mut LiteSVM {
        &mut self.svm
    }
}

impl LocalSvm {
    /// A new SVM (mainnet-beta's feature set) with the program at `program` loaded under
    /// [`PROGRAM_ID`], a payer holding 1,000 SOL and the clock at [`START_TIME`].
    pub fn load(program: &Path) -> Result<Self, String> {
        Self::load_with_payer(program, Keypair::new())
    }

    /// [`LocalSvm::load`] with `payer` as the payer (a ledger kept between runs keeps its own).
    pub fn load_with_payer(program: &Path, payer: Keypair) -> Result<Self, String> {
        let elf = std::fs::read(program).map_err(|e| {
            format!("cannot read the program {}: {e} (build it with `cargo xtask build-sbf`)", program.display())
        })?;
        let mut svm = LiteSVM::new();
        svm.add_program(PROGRAM_ID, &elf).map_err(|e| format!("loading {}: {e:?}", program.display()))?;
        svm.airdrop(&payer.pubkey(), 1_000_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
        let mut c = svm.get_sysvar::<Clock>();
        c.unix_timestamp = START_TIME;
        svm.set_sysvar(&c);
        Ok(Self { svm, payer })
    }

    /// Signs `ixs` with the payer (fee payer) and `signers`, and executes them.
    pub fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Executed, Failed> {
        let tx = self.sign(ixs, signers);
        self.send_transaction_signed(tx)
    }

    /// A transaction of `ixs` paid by the payer and signed by it and `signers`, on the latest
    /// blockhash.
    pub fn sign(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != self.payer.pubkey()));
        Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &all, self.svm.latest_blockhash())
    }

    /// Executes a signed transaction. The blockhash is expired afterwards, so the next
    /// transaction with the same instructions is a new one.
    pub fn send_transaction_signed(&mut self, tx: impl Into<VersionedTransaction>) -> Result<Executed, Failed> {
        let out = self.svm.send_transaction(tx);
        self.svm.expire_blockhash();
        match out {
            Ok(m) => Ok(Executed {
                signature: m.signature,
                cu: m.compute_units_consumed,
                logs: m.logs,
                return_data: (!m.return_data.data.is_empty()).then_some((m.return_data.program_id, m.return_data.data)),
            }),
            Err(f) => Err(Failed { err: f.err, logs: f.meta.logs, cu: f.meta.compute_units_consumed }),
        }
    }

    /// Runs a signed transaction without committing anything.
    pub fn simulate_signed(&self, tx: impl Into<VersionedTransaction>) -> Result<Executed, Failed> {
        match self.svm.simulate_transaction(tx) {
            Ok(s) => Ok(Executed {
                signature: s.meta.signature,
                cu: s.meta.compute_units_consumed,
                logs: s.meta.logs,
                return_data: (!s.meta.return_data.data.is_empty())
                    .then_some((s.meta.return_data.program_id, s.meta.return_data.data)),
            }),
            Err(f) => Err(Failed { err: f.err, logs: f.meta.logs, cu: f.meta.compute_units_consumed }),
        }
    }

    /// Account data (empty when the account does not exist).
    pub fn data(&self, key: &Pubkey) -> Vec<u8> {
        self.svm.get_account(key).map(|a| a.data).unwrap_or_default()
    }

    /// Cluster time, unix seconds.
    pub fn now(&self) -> i64 {
        self.svm.get_sysvar::<Clock>().unix_timestamp
    }

    /// Moves the clock forward by `seconds` (and the slot by [`SLOTS_PER_SECOND`] per second).
    pub fn advance(&mut self, seconds: i64) {
        let mut c = self.svm.get_sysvar::<Clock>();
        c.unix_timestamp += seconds;
        c.slot += seconds.max(0) as u64 * SLOTS_PER_SECOND;
        self.svm.set_sysvar(&c);
    }

    /// Gives `to` `lamports`.
    pub fn fund(&mut self, to: &Pubkey, lamports: u64) -> Result<(), String> {
        self.svm.airdrop(to, lamports).map(|_| ()).map_err(|e| format!("airdrop: {:?}", e.err))
    }

    /// A new SPL Token mint with `decimals`; the payer is its mint authority.
    pub fn create_mint(&mut self, decimals: u8) -> Result<Pubkey, String> {
        self.create_mint_of(&TOKEN_PROGRAM_ID, decimals)
    }

    /// A new mint of `token_program` (SPL Token or Token-2022) with `decimals`; the payer is its
    /// mint authority.
    pub fn create_mint_of(&mut self, token_program: &Pubkey, decimals: u8) -> Result<Pubkey, String> {
        let mint = Keypair::new();
        let rent = self.svm.minimum_balance_for_rent_exemption(spl::MINT_LEN as usize);
        let payer = self.payer.pubkey();
        self.send(
            &[
                spl::create_account(&payer, &mint.pubkey(), rent, spl::MINT_LEN, token_program),
                spl::initialize_mint2(token_program, &mint.pubkey(), &payer, decimals),
            ],
            &[&mint],
        )
        .map_err(|f| format!("create mint failed: {}", f.summary()))?;
        Ok(mint.pubkey())
    }

    /// A new SPL Token account of `mint` owned by `owner`, holding `amount` (minted by the payer).
    pub fn token_account(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey, String> {
        let acct = Keypair::new();
        let rent = self.svm.minimum_balance_for_rent_exemption(spl::TOKEN_ACCOUNT_LEN as usize);
        let payer = self.payer.pubkey();
        let mut ixs = vec![
            spl::create_account(&payer, &acct.pubkey(), rent, spl::TOKEN_ACCOUNT_LEN, &TOKEN_PROGRAM_ID),
            spl::initialize_account3(&TOKEN_PROGRAM_ID, &acct.pubkey(), mint, owner),
        ];
        if amount > 0 {
            ixs.push(spl::mint_to(&TOKEN_PROGRAM_ID, mint, &acct.pubkey(), &payer, amount));
        }
        self.send(&ixs, &[&acct]).map_err(|f| format!("create token account failed: {}", f.summary()))?;
        Ok(acct.pubkey())
    }

    /// `owner`'s associated token account for the SPL Token `mint` (created through the
    /// associated token account program if missing), topped up with `amount` minted by the payer.
    pub fn associated_token_account(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey, String> {
        let payer = self.payer.pubkey();
        let (create, ata) = ata::create_idempotent(&payer, owner, mint, &TOKEN_PROGRAM_ID);
        let mut ixs = vec![create];
        if amount > 0 {
            ixs.push(spl::mint_to(&TOKEN_PROGRAM_ID, mint, &ata, &payer, amount));
        }
        self.send(&ixs, &[]).map_err(|f| format!("associated token account failed: {}", f.summary()))?;
        Ok(ata)
    }

    /// Mints `amount` of `mint` (SPL Token, payer's authority) to `to`.
    pub fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, amount: u64) -> Result<(), String> {
        let payer = self.payer.pubkey();
        self.send(&[spl::mint_to(&TOKEN_PROGRAM_ID, mint, to, &payer, amount)], &[])
            .map(|_| ())
            .map_err(|f| format!("mint_to failed: {}", f.summary()))
    }

    /// Writes a Pyth `PriceUpdateV2` account at `key` (owned by the receiver program).
    pub fn set_price_account(&mut self, key: &Pubkey, data: Vec<u8>) -> Result<(), String> {
        let acct =
            Account { lamports: 10_000_000, data, owner: PYTH_RECEIVER_PROGRAM_ID, executable: false, rent_epoch: 0 };
        self.svm.set_account(*key, acct).map_err(|e| format!("set oracle account {key}: {e:?}"))
    }

    /// Publishes `price · 10^expo ± conf` for `feed` at `key`, published now.
    pub fn publish_price(
        &mut self,
        key: &Pubkey,
        feed: [u8; 32],
        price: i64,
        conf: u64,
        expo: i32,
    ) -> Result<(), String> {
        let now = self.now();
        let slot = self.svm.get_sysvar::<Clock>().slot;
        self.set_price_account(key, crate::pyth::price_update(feed, price, conf, expo, now, slot))
    }
}
