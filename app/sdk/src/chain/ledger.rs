//! An embedded chain whose ledger outlives the process: [`Ledger`] keeps a [`LocalChain`]'s
//! accounts in a JSON file between runs (`rpv --svm --state FILE`), so a vault can be tried
//! command by command without a validator.
//!
//! The file holds every account the runs created (wallets, mints, token accounts, oracles, the
//! vault's accounts; not what a fresh SVM with the program already has), the clock, a default
//! signer (the "admin") and a faucet key, which pays for the ledger's own transactions and is
//! the mint authority of the mints [`Ledger::create_mint`] makes. Opening it loads the program
//! into a fresh litesvm, restores the accounts, moves the clock forward and republishes every
//! simulated oracle at the new time (Pyth `PriceUpdateV2` or Switchboard `PullFeedAccountData`
//! bytes, from `rpv_core`'s encoders); [`Ledger::save`] writes it back.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde::{Deserialize, Serialize};
use solana_account::{Account, ReadableAccount};
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::LocalChain;
use crate::svm::LocalSvm;
use crate::{ata, ix::OracleKind, pk, spl, Pubkey, PYTH_RECEIVER_PROGRAM_ID};

/// Version of the file format.
const STATE_VERSION: u32 = 1;
/// Slots per second of simulated time ([`crate::svm::SLOTS_PER_SECOND`]).
const SLOTS_PER_SECOND: u64 = crate::svm::SLOTS_PER_SECOND;
/// A signer with less than this gets [`AIRDROP`] lamports ([`Ledger::ensure_sol`]).
const LOW_BALANCE: u64 = 1_000_000_000;
const AIRDROP: u64 = 10_000_000_000;

/// What the file holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerFile {
    pub version: u32,
    pub clock: ClockFile,
    /// Default signer (64 keypair bytes).
    pub admin: Vec<u8>,
    /// Fee payer of the ledger's own transactions, mint authority of the mints created here.
    pub faucet: Vec<u8>,
    pub mints: Vec<LedgerMint>,
    pub oracles: Vec<LedgerOracle>,
    /// Vaults initialised here, oldest first.
    pub vaults: Vec<String>,
    pub accounts: Vec<LedgerAccount>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClockFile {
    pub slot: u64,
    pub epoch_start_timestamp: i64,
    pub epoch: u64,
    pub leader_schedule_epoch: u64,
    pub unix_timestamp: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerMint {
    pub address: String,
    pub symbol: String,
    pub decimals: u8,
    pub token_program: String,
}

/// A simulated oracle, republished whenever the clock moves.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerOracle {
    pub address: String,
    pub symbol: String,
    /// [`OracleKind::code`].
    pub kind: u8,
    /// 64 hex digits.
    pub feed_id: String,
    pub price: f64,
    pub conf_bps: u16,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerAccount {
    pub address: String,
    pub lamports: u64,
    pub owner: String,
    pub executable: bool,
    pub rent_epoch: u64,
    /// Base64.
    pub data: String,
}

/// Owners whose accounts come with a fresh litesvm (programs, sysvars, features): not saved.
const BUILTIN_OWNERS: &[&str] = &[
    "NativeLoader1111111111111111111111111111111",
    "BPFLoader1111111111111111111111111111111111",
    "BPFLoader2111111111111111111111111111111111",
    "BPFLoaderUpgradeab1e11111111111111111111111",
    "LoaderV411111111111111111111111111111111111",
    "Sysvar1111111111111111111111111111111111111",
    "Feature111111111111111111111111111111111111",
];

/// The embedded chain and its file.
pub struct Ledger {
    pub chain: LocalChain,
    pub file: LedgerFile,
    path: PathBuf,
}

fn corrupt(what: &str) -> String {
    format!("the SVM state's {what} is corrupt")
}

fn key(text: &str, what: &str) -> Result<Pubkey, String> {
    Pubkey::from_str(text).map_err(|_| corrupt(what))
}

fn keypair(bytes: &[u8], what: &str) -> Result<Keypair, String> {
    Keypair::try_from(bytes).map_err(|_| corrupt(what))
}

impl Ledger {
    /// Loads the ledger at `path` (with `create`, starts one when there is none) on a fresh SVM
    /// running the program at `program`, and moves its clock forward by `advance` seconds.
    pub fn open(path: &Path, program: &Path, create: bool, advance: i64) -> Result<Self, String> {
        let file = if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let f: LedgerFile = serde_json::from_str(&text)
                .map_err(|e| format!("`{}` is not an rpv SVM state file: {e}", path.display()))?;
            if f.version != STATE_VERSION {
                return Err(format!("`{}`: unsupported state version {}", path.display(), f.version));
            }
            f
        } else if create {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(crate::svm::START_TIME);
            LedgerFile {
                version: STATE_VERSION,
                clock: ClockFile {
                    slot: 1_000,
                    epoch_start_timestamp: now,
                    epoch: 0,
                    leader_schedule_epoch: 1,
                    unix_timestamp: now,
                },
                admin: Keypair::new().to_bytes().to_vec(),
                faucet: Keypair::new().to_bytes().to_vec(),
                mints: vec![],
                oracles: vec![],
                vaults: vec![],
                accounts: vec![],
            }
        } else {
            return Err(format!(
                "no SVM state at `{}` (create one with `rpv init --svm --state {0} --config FILE`)",
                path.display()
            ));
        };
        let mut svm = LocalSvm::load_with_payer(program, keypair(&file.faucet, "faucet key")?)?;
        for a in &file.accounts {
            let address = key(&a.address, "account address")?;
            let account = Account {
                lamports: a.lamports,
                data: B64.decode(&a.data).map_err(|_| corrupt("account data"))?,
                owner: key(&a.owner, "account owner")?,
                executable: a.executable,
                rent_epoch: a.rent_epoch,
            };
            svm.set_account(address, account).map_err(|e| format!("restoring {address}: {e:?}"))?;
        }
        let payer = svm.payer.pubkey();
        let mut ledger = Ledger { chain: LocalChain::new(svm), file, path: path.to_path_buf() };
        ledger.ensure_sol(&payer)?;
        ledger.advance(advance)?;
        Ok(ledger)
    }

    fn svm(&mut self) -> &mut LocalSvm {
        &mut self.chain.svm
    }

    /// Moves the clock forward by `seconds` (two slots per second) and republishes the oracles.
    pub fn advance(&mut self, seconds: i64) -> Result<(), String> {
        let c = &mut self.file.clock;
        c.unix_timestamp += seconds;
        c.slot += SLOTS_PER_SECOND * seconds.max(0) as u64;
        let clock = Clock {
            slot: c.slot,
            epoch_start_timestamp: c.epoch_start_timestamp,
            epoch: c.epoch,
            leader_schedule_epoch: c.leader_schedule_epoch,
            unix_timestamp: c.unix_timestamp,
        };
        self.svm().set_sysvar(&clock);
        self.publish_oracles()
    }

    /// The default signer.
    pub fn admin(&self) -> Result<Keypair, String> {
        keypair(&self.file.admin, "admin key")
    }

    /// Gives `key` SOL for fees and rent when it has less than 1 SOL.
    pub fn ensure_sol(&mut self, key: &Pubkey) -> Result<(), String> {
        if self.svm().get_balance(key).unwrap_or(0) < LOW_BALANCE {
            self.svm().fund(key, AIRDROP)?;
        }
        Ok(())
    }

    /// Writes every oracle's account at the current time.
    pub fn publish_oracles(&mut self) -> Result<(), String> {
        let clock = self.svm().get_sysvar::<Clock>();
        for o in self.file.oracles.clone() {
            let address = key(&o.address, "oracle address")?;
            let kind = OracleKind::from_code(o.kind).ok_or_else(|| corrupt("oracle kind"))?;
            let feed = crate::pyth::parse_feed_id(&o.feed_id).ok_or_else(|| corrupt("oracle feed id"))?;
            let account = oracle_account(kind, feed, o.price, o.conf_bps, clock.unix_timestamp, clock.slot);
            self.svm().set_account(address, account).map_err(|e| format!("oracle {}: {e:?}", o.symbol))?;
        }
        Ok(())
    }

    /// A new simulated oracle for `symbol` publishing `price` ± `conf_bps`, published now.
    pub fn create_oracle(
        &mut self,
        symbol: &str,
        kind: OracleKind,
        feed_id: [u8; 32],
        price: f64,
        conf_bps: u16,
    ) -> Result<Pubkey, String> {
        let address = Keypair::new().pubkey();
        self.file.oracles.push(LedgerOracle {
            address: address.to_string(),
            symbol: symbol.to_string(),
            kind: kind.code(),
            feed_id: crate::pyth::feed_id_hex(&feed_id),
            price,
            conf_bps,
        });
        self.publish_oracles()?;
        Ok(address)
    }

    /// A new mint of `token_program` with `decimals`, the faucet its mint authority.
    pub fn create_mint(&mut self, symbol: &str, decimals: u8, token_program: &Pubkey) -> Result<Pubkey, String> {
        let mint = self.svm().create_mint_of(token_program, decimals)?;
        self.file.mints.push(LedgerMint {
            address: mint.to_string(),
            symbol: symbol.to_string(),
            decimals,
            token_program: token_program.to_string(),
        });
        Ok(mint)
    }

    /// Makes `owner`'s associated token account for `mint` hold at least `amount`, minting the
    /// shortfall from the faucet (only for mints created here). Returns the account.
    pub fn fund(&mut self, owner: &Pubkey, mint: &Pubkey, amount: u64) -> Result<Pubkey, String> {
        let m = mint.to_string();
        let entry = self.file.mints.iter().find(|x| x.address == m).cloned();
        let entry = entry.ok_or_else(|| format!("mint {mint} was not created by this SVM state; cannot fund it"))?;
        let program = key(&entry.token_program, "mint entry")?;
        let faucet = self.svm().payer.pubkey();
        let (create, account) = ata::create_idempotent(&faucet, owner, mint, &program);
        let have =
            self.svm().get_account(&account).map(|a| rpv_core::token::token_amount(&a.data).unwrap_or(0)).unwrap_or(0);
        let mut ixs = vec![create];
        if have < amount {
            ixs.push(spl::mint_to(&program, mint, &account, &faucet, amount - have));
        }
        self.svm().send(&ixs, &[]).map_err(|f| format!("fund {} {owner} failed: {}", entry.symbol, f.summary()))?;
        Ok(account)
    }

    /// Records `vault` as the last one initialised here.
    pub fn record_vault(&mut self, vault: &Pubkey) {
        let v = vault.to_string();
        self.file.vaults.retain(|x| *x != v);
        self.file.vaults.push(v);
    }

    /// The vault initialised last here.
    pub fn last_vault(&self) -> Option<Pubkey> {
        self.file.vaults.last().and_then(|v| Pubkey::from_str(v).ok())
    }

    /// The accounts to keep: everything a fresh litesvm with the program does not have.
    fn saved_accounts(&self) -> Vec<LedgerAccount> {
        let skip: Vec<Pubkey> = BUILTIN_OWNERS.iter().map(|o| Pubkey::from_str_const(o)).collect();
        let svm = &self.chain.svm.svm;
        // each litesvm has its own airdrop source account: not part of the ledger
        let airdrop = svm.airdrop_pubkey();
        let mut out: Vec<LedgerAccount> = svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(k, a)| !a.executable() && !skip.contains(a.owner()) && **k != airdrop)
            .map(|(k, a)| LedgerAccount {
                address: k.to_string(),
                lamports: a.lamports(),
                owner: a.owner().to_string(),
                executable: false,
                rent_epoch: a.rent_epoch(),
                data: B64.encode(a.data()),
            })
            .collect();
        out.sort_by(|a, b| a.address.cmp(&b.address));
        out
    }

    /// Writes the ledger back to its file (atomically: a temporary file, then a rename).
    pub fn save(&mut self) -> Result<(), String> {
        self.file.accounts = self.saved_accounts();
        let text = serde_json::to_string(&self.file).map_err(|e| format!("the SVM state does not serialise: {e}"))?;
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write `{}`: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| format!("cannot write `{}`: {e}", self.path.display()))
    }
}

/// The account of a simulated oracle publishing `price` ± `conf_bps` (parts per 10,000) for
/// `feed_id` at `now` / `slot`: a Pyth `PriceUpdateV2` (exponent −8) or a Switchboard pull
/// feed (18 decimals).
pub fn oracle_account(kind: OracleKind, feed_id: [u8; 32], price: f64, conf_bps: u16, now: i64, slot: u64) -> Account {
    let (data, owner) = match kind {
        OracleKind::Switchboard => {
            let value = (price * 1e18).round() as i128;
            let feed = rpv_core::switchboard::PullFeed {
                authority: [0x51; 32],
                queue: crate::SIMULATED_SWITCHBOARD_QUEUE,
                feed_hash: feed_id,
                initialized_at: now - 86_400,
                max_variance: 0,
                min_responses: 1,
                min_sample_size: 1,
                last_update_timestamp: now,
                max_staleness: 1_000,
                value,
                std_dev: value / 10_000 * i128::from(conf_bps),
                mean: value,
                range: 0,
                min_value: value,
                max_value: value,
                num_samples: rpv_core::switchboard::MIN_SAMPLES,
                result_slot: slot,
                result_min_slot: slot,
                result_max_slot: slot,
            };
            (feed.encode(), pk(&rpv_core::switchboard::SWITCHBOARD_ON_DEMAND_PROGRAM_ID))
        }
        OracleKind::Pyth => {
            let mantissa = (price * 1e8).round() as i64;
            let conf = (mantissa as u64) / 10_000 * u64::from(conf_bps);
            (crate::pyth::price_update(feed_id, mantissa, conf, -8, now, slot), PYTH_RECEIVER_PROGRAM_ID)
        }
    };
    Account { lamports: 10_000_000, data, owner, executable: false, rent_epoch: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_oracles_read_back_with_the_programs_checks() {
        let feed = [9u8; 32];
        let pyth = oracle_account(OracleKind::Pyth, feed, 150.0, 5, 1_000, 50);
        assert_eq!(pyth.owner, PYTH_RECEIVER_PROGRAM_ID);
        let policy = rpv_core::pyth::FeedPolicy { feed_id: &feed, max_age: 60, max_conf_bps: 10 };
        let p = rpv_core::pyth::read_price(&pyth.owner.to_bytes(), &pyth.data, &policy, 1_010).unwrap();
        assert_eq!((p.price, p.conf, p.expo), (15_000_000_000, 7_500_000, -8));
        let sb = oracle_account(OracleKind::Switchboard, feed, 2.5, 5, 1_000, 50);
        let policy = rpv_core::switchboard::SwitchboardPolicy {
            max_stale_slots: 10,
            max_conf_bps: 10,
            feed_hash: Some(feed),
            queue: Some(crate::SIMULATED_SWITCHBOARD_QUEUE),
            min_samples: rpv_core::switchboard::MIN_SAMPLES,
        };
        let p = rpv_core::switchboard::read_price(&sb.owner.to_bytes(), &sb.data, &policy, 55).unwrap();
        assert!(p.price > 0 && p.conf > 0, "{p:?}");
    }
}
