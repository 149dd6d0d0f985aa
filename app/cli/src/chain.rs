//! Where the vault commands run: a cluster over JSON-RPC (`--url`, `--keypair`) or an embedded
//! SVM (`--svm`, litesvm running the built `.so`) whose ledger is kept in a state file between
//! commands. Both implement [`Chain`], so every command is written once.
//!
//! ## The embedded SVM (`--svm [--state FILE] [--program SO] [--advance SECS]`)
//! For trying the vault out without a validator. The state file (default `.rpv-svm.json`)
//! holds every account the commands created (wallets, mints, token accounts, oracles, the
//! vault's accounts), the clock, the default signer (the "admin", used when no `--keypair` is
//! given) and a faucet key that is the mint authority of the mints `rpv init --svm` creates.
//! Each command loads it into a fresh litesvm with the program, moves the clock forward by
//! `--advance` seconds (default 60), republishes every simulated oracle at the new time (Pyth
//! `PriceUpdateV2` or Switchboard `PullFeedAccountData` bytes, from `rpv_core`'s encoders),
//! runs, and writes the state back. Signers are given SOL as needed, and `deposit` mints the
//! base tokens a depositor lacks from the faucet.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use litesvm::LiteSVM;
use rpv_sdk::{
    ata, pk,
    rpc::{self, RpcClient},
    spl, Instruction, Pubkey, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID,
};
use serde::{Deserialize, Serialize};
use solana_account::{Account, ReadableAccount};
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::{Hash, InstructionError, Transaction, TransactionError};

use crate::cmd::Target;

/// A transaction that went through.
#[derive(Clone, Debug)]
pub struct Sent {
    pub signature: String,
    pub logs: Vec<String>,
    pub compute_units: Option<u64>,
}

/// A ledger the commands read and write.
pub trait Chain {
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, String>;
    fn accounts(&mut self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, String> {
        keys.iter().map(|k| self.account(k)).collect()
    }
    /// The cluster's clock (unix time and slot).
    fn clock(&mut self) -> Result<Clock, String>;
    fn rent(&mut self, len: usize) -> Result<u64, String>;
    /// Signs with `signers` (the first pays) and sends `ixs` in one legacy transaction; an error
    /// names `label` and the reason (the vault's error name for its codes).
    fn send(&mut self, label: &str, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Sent, String>;
    /// The embedded SVM, when that is the target.
    fn svm(&mut self) -> Option<&mut SvmChain> {
        None
    }
    /// Writes what must outlive the command (the SVM's state file).
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Reads the data of an account that must exist.
pub fn data_of(chain: &mut dyn Chain, key: &Pubkey, what: &str) -> Result<Vec<u8>, String> {
    Ok(chain.account(key)?.ok_or_else(|| format!("{what} {key} does not exist"))?.data)
}

/// Token balance of a token account (0 when it does not exist).
pub fn token_balance(chain: &mut dyn Chain, key: &Pubkey) -> Result<u64, String> {
    Ok(match chain.account(key)? {
        Some(a) => rpv_core::token::token_amount(&a.data).map_err(|e| format!("token account {key}: {e}"))?,
        None => 0,
    })
}

/// One line for a failed transaction: the failing instruction's program and, for the vault's
/// custom codes, the error name and the program's message.
fn describe_failure(
    label: &str,
    ixs: &[Instruction],
    index: Option<u8>,
    code: Option<u32>,
    other: &str,
    logs: &[String],
) -> String {
    let program = index.and_then(|i| ixs.get(usize::from(i))).map(|ix| ix.program_id);
    let what = match (code, program) {
        (Some(c), Some(p)) if p == PROGRAM_ID => match rpv_sdk::errors::name(c) {
            Some(name) => format!("{name} ({c})"),
            None => format!("error {c}"),
        },
        (Some(c), Some(p)) => format!("custom error {c} of program {p}"),
        _ => other.to_string(),
    };
    let message = logs
        .iter()
        .find_map(|l| l.split_once("Error Message: ").map(|(_, m)| m.trim().trim_end_matches('.').to_string()))
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    format!("{label} failed: {what}{message}")
}

fn size_check(label: &str, tx: &Transaction) -> Result<(), String> {
    let n = rpc::wire_transaction(tx).len();
    if n > rpc::PACKET_DATA_SIZE {
        return Err(format!(
            "{label}: the transaction is {n} bytes, more than the {} a cluster accepts",
            rpc::PACKET_DATA_SIZE
        ));
    }
    Ok(())
}

// ---- keypairs -----------------------------------------------------------------------------

/// Reads a Solana CLI keypair file (a JSON array of the 64 secret-and-public key bytes).
pub fn read_keypair(path: &Path) -> Result<Keypair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read keypair `{}`: {e}", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|_| format!("`{}` is not a Solana CLI keypair file (a JSON array of 64 bytes)", path.display()))?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|_| format!("`{}` is not a valid keypair (64 bytes: secret key, then public key)", path.display()))
}

/// Writes `kp` in the Solana CLI keypair format.
pub fn write_keypair(kp: &Keypair, path: &Path) -> Result<(), String> {
    let text = serde_json::to_string(&kp.to_bytes().to_vec()).expect("a byte array serialises");
    std::fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// The Solana CLI's default keypair, `~/.config/solana/id.json`.
pub fn default_keypair_path() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".config/solana/id.json")
}

/// Opens the target the flags name, and the signer. `create` lets `--svm` start a new state.
pub fn open(target: &Target, create: bool) -> Result<(Box<dyn Chain>, Keypair), String> {
    match (&target.url, target.svm) {
        (Some(_), true) => Err("give either --url or --svm, not both".into()),
        (None, false) => Err("needs a target: --url URL (a cluster) or --svm (embedded SVM)".into()),
        (Some(url), false) => {
            let svm_only = [("state", target.state.is_some()), ("program", target.program.is_some())];
            for (f, given) in svm_only.into_iter().chain([("advance", target.advance.is_some())]) {
                if given {
                    return Err(format!("--{f} is only for --svm"));
                }
            }
            let path = target.keypair.clone().unwrap_or_else(default_keypair_path);
            let signer = read_keypair(&path)?;
            let client = RpcClient::new(url).map_err(|e| e.to_string())?;
            Ok((Box::new(RpcChain { client }), signer))
        }
        (None, true) => {
            let state = target.state.clone().unwrap_or_else(|| PathBuf::from(".rpv-svm.json"));
            let program = target.program.clone().unwrap_or_else(rpv_sdk::svm::default_program_path);
            let mut chain = SvmChain::open(&state, &program, create, i64::from(target.advance.unwrap_or(60)))?;
            let signer = match &target.keypair {
                Some(p) => read_keypair(p)?,
                None => chain.admin(),
            };
            chain.ensure_sol(&signer.pubkey())?;
            Ok((Box::new(chain), signer))
        }
    }
}

// ---- a cluster over JSON-RPC --------------------------------------------------------------

pub struct RpcChain {
    pub client: RpcClient,
}

/// How long `send` waits for a confirmation.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(90);

impl Chain for RpcChain {
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, String> {
        Ok(self.client.get_account(key).map_err(|e| e.to_string())?.map(|a| Account {
            lamports: a.lamports,
            data: a.data,
            owner: a.owner,
            executable: a.executable,
            rent_epoch: a.rent_epoch,
        }))
    }

    fn accounts(&mut self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, String> {
        Ok(self
            .client
            .get_multiple_accounts(keys)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|a| {
                a.map(|a| Account {
                    lamports: a.lamports,
                    data: a.data,
                    owner: a.owner,
                    executable: a.executable,
                    rent_epoch: a.rent_epoch,
                })
            })
            .collect())
    }

    fn clock(&mut self) -> Result<Clock, String> {
        let id = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");
        let d = self.account(&id)?.ok_or("the cluster has no Clock sysvar account")?.data;
        if d.len() < 40 {
            return Err("the Clock sysvar account is too short".into());
        }
        let at = |o: usize| u64::from_le_bytes(d[o..o + 8].try_into().expect("8 bytes"));
        Ok(Clock {
            slot: at(0),
            epoch_start_timestamp: at(8) as i64,
            epoch: at(16),
            leader_schedule_epoch: at(24),
            unix_timestamp: at(32) as i64,
        })
    }

    fn rent(&mut self, len: usize) -> Result<u64, String> {
        self.client.get_minimum_balance_for_rent_exemption(len).map_err(|e| e.to_string())
    }

    fn send(&mut self, label: &str, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Sent, String> {
        let blockhash = self.client.get_latest_blockhash().map_err(|e| format!("{label}: {e}"))?;
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&signers[0].pubkey()),
            signers,
            Hash::new_from_array(blockhash),
        );
        size_check(label, &tx)?;
        let wire = rpc::wire_transaction(&tx);
        let sim = self.client.simulate_transaction(&wire).map_err(|e| format!("{label}: {e}"))?;
        if let Some(err) = &sim.err {
            let (index, code) = match rpc::custom_error(err) {
                Some((i, c)) => (Some(i), Some(c)),
                None => (err.pointer("/InstructionError/0").and_then(|v| v.as_u64()).map(|i| i as u8), None),
            };
            return Err(describe_failure(label, ixs, index, code, &err.to_string(), &sim.logs));
        }
        let signature = self.client.send_transaction(&wire, true).map_err(|e| format!("{label}: {e}"))?;
        let status =
            self.client.confirm_transaction(&signature, CONFIRM_TIMEOUT).map_err(|e| format!("{label}: {e}"))?;
        if let Some(err) = status.err {
            let (index, code) = rpc::custom_error(&err).map(|(i, c)| (Some(i), Some(c))).unwrap_or((None, None));
            return Err(describe_failure(label, ixs, index, code, &err.to_string(), &sim.logs));
        }
        Ok(Sent { signature, logs: sim.logs, compute_units: sim.units_consumed })
    }
}

// ---- the embedded SVM ---------------------------------------------------------------------

/// What the state file holds besides the accounts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SvmFile {
    pub version: u32,
    pub clock: ClockFile,
    /// Default signer (64 keypair bytes).
    pub admin: Vec<u8>,
    /// Mint authority of the mints created here.
    pub faucet: Vec<u8>,
    pub mints: Vec<SvmMint>,
    pub oracles: Vec<SvmOracle>,
    /// Vaults initialised here, oldest first.
    pub vaults: Vec<String>,
    pub accounts: Vec<SvmAccount>,
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
pub struct SvmMint {
    pub address: String,
    pub symbol: String,
    pub decimals: u8,
    pub token_program: String,
}

/// A simulated oracle, republished at every command.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SvmOracle {
    pub address: String,
    pub symbol: String,
    /// 0 = Pyth, 1 = Switchboard.
    pub kind: u8,
    pub feed_id: String,
    pub price: f64,
    pub conf_bps: u16,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SvmAccount {
    pub address: String,
    pub lamports: u64,
    pub owner: String,
    pub executable: bool,
    pub rent_epoch: u64,
    pub data: String,
}

const STATE_VERSION: u32 = 1;

pub struct SvmChain {
    pub svm: LiteSVM,
    pub file: SvmFile,
    path: PathBuf,
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

fn keypair_from(bytes: &[u8], what: &str) -> Result<Keypair, String> {
    Keypair::try_from(bytes).map_err(|_| format!("the SVM state's {what} key is corrupt"))
}

impl SvmChain {
    /// Loads (or, with `create`, starts) the state at `path`, with the program at `program`,
    /// and moves the clock forward by `advance` seconds.
    pub fn open(path: &Path, program: &Path, create: bool, advance: i64) -> Result<Self, String> {
        let elf = std::fs::read(program).map_err(|e| {
            format!("cannot read the program {}: {e} (build it with `cargo xtask build-sbf`)", program.display())
        })?;
        let mut svm = LiteSVM::new();
        svm.add_program(PROGRAM_ID, &elf).map_err(|e| format!("loading {}: {e:?}", program.display()))?;
        let file = if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let f: SvmFile = serde_json::from_str(&text)
                .map_err(|e| format!("`{}` is not an rpv SVM state file: {e}", path.display()))?;
            if f.version != STATE_VERSION {
                return Err(format!("`{}`: unsupported state version {}", path.display(), f.version));
            }
            f
        } else if create {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(1_800_000_000);
            SvmFile {
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
                "no SVM state at `{}` (create one with `rpv init --svm --state {0} --config …`)",
                path.display()
            ));
        };
        for a in &file.accounts {
            let key = Pubkey::from_str(&a.address).map_err(|_| "corrupt account address in the state".to_string())?;
            let account = Account {
                lamports: a.lamports,
                data: B64.decode(&a.data).map_err(|_| "corrupt account data in the state".to_string())?,
                owner: Pubkey::from_str(&a.owner).map_err(|_| "corrupt account owner in the state".to_string())?,
                executable: a.executable,
                rent_epoch: a.rent_epoch,
            };
            svm.set_account(key, account).map_err(|e| format!("restoring {key}: {e:?}"))?;
        }
        let mut chain = SvmChain { svm, file, path: path.to_path_buf() };
        chain.advance(advance)?;
        Ok(chain)
    }

    /// Moves the clock forward by `seconds` (two slots per second) and republishes the oracles.
    pub fn advance(&mut self, seconds: i64) -> Result<(), String> {
        let c = &mut self.file.clock;
        c.unix_timestamp += seconds;
        c.slot += 2 * seconds as u64;
        let clock = Clock {
            slot: c.slot,
            epoch_start_timestamp: c.epoch_start_timestamp,
            epoch: c.epoch,
            leader_schedule_epoch: c.leader_schedule_epoch,
            unix_timestamp: c.unix_timestamp,
        };
        self.svm.set_sysvar(&clock);
        self.publish_oracles()
    }

    pub fn admin(&self) -> Keypair {
        keypair_from(&self.file.admin, "admin").expect("checked when the state was written")
    }

    fn faucet(&self) -> Result<Keypair, String> {
        keypair_from(&self.file.faucet, "faucet")
    }

    /// Gives `key` SOL for fees and rent when it has less than 1 SOL.
    pub fn ensure_sol(&mut self, key: &Pubkey) -> Result<(), String> {
        if self.svm.get_balance(key).unwrap_or(0) < 1_000_000_000 {
            self.svm.airdrop(key, 10_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
        }
        Ok(())
    }

    /// Writes every oracle's account at the current time.
    pub fn publish_oracles(&mut self) -> Result<(), String> {
        let clock = self.svm.get_sysvar::<Clock>();
        for o in self.file.oracles.clone() {
            let key = Pubkey::from_str(&o.address).map_err(|_| "corrupt oracle address in the state".to_string())?;
            let feed = crate::config::hex32(&o.feed_id, "oracle feed id")?;
            let (data, owner) = oracle_bytes(o.kind, feed, o.price, o.conf_bps, clock.unix_timestamp, clock.slot);
            let account = Account { lamports: 10_000_000, data, owner, executable: false, rent_epoch: 0 };
            self.svm.set_account(key, account).map_err(|e| format!("oracle {}: {e:?}", o.symbol))?;
        }
        Ok(())
    }

    /// A new simulated oracle for `symbol`, published now.
    pub fn create_oracle(
        &mut self,
        symbol: &str,
        kind: u8,
        feed_id: [u8; 32],
        price: f64,
        conf_bps: u16,
    ) -> Result<Pubkey, String> {
        let key = Keypair::new().pubkey();
        self.file.oracles.push(SvmOracle {
            address: key.to_string(),
            symbol: symbol.to_string(),
            kind,
            feed_id: feed_id.iter().map(|b| format!("{b:02x}")).collect(),
            price,
            conf_bps,
        });
        self.publish_oracles()?;
        Ok(key)
    }

    /// A new mint with `decimals`, the faucet as its mint authority.
    pub fn create_mint(&mut self, symbol: &str, decimals: u8, token_program: &Pubkey) -> Result<Pubkey, String> {
        let faucet = self.faucet()?;
        self.ensure_sol(&faucet.pubkey())?;
        let mint = Keypair::new();
        let rent = self.svm.minimum_balance_for_rent_exemption(spl::MINT_LEN as usize);
        self.send(
            &format!("create mint {symbol}"),
            &[
                spl::create_account(&faucet.pubkey(), &mint.pubkey(), rent, spl::MINT_LEN, token_program),
                spl::initialize_mint2(token_program, &mint.pubkey(), &faucet.pubkey(), decimals),
            ],
            &[&faucet, &mint],
        )?;
        self.file.mints.push(SvmMint {
            address: mint.pubkey().to_string(),
            symbol: symbol.to_string(),
            decimals,
            token_program: token_program.to_string(),
        });
        Ok(mint.pubkey())
    }

    /// Makes `owner`'s associated token account for `mint` hold at least `amount`, minting the
    /// shortfall from the faucet (only for mints created here). Returns the account.
    pub fn fund(&mut self, owner: &Pubkey, mint: &Pubkey, amount: u64) -> Result<Pubkey, String> {
        let m = self
            .file
            .mints
            .iter()
            .find(|m| m.address == mint.to_string())
            .cloned()
            .ok_or_else(|| format!("mint {mint} was not created by this SVM state; cannot fund it"))?;
        let program = Pubkey::from_str(&m.token_program).map_err(|_| "corrupt mint entry".to_string())?;
        let faucet = self.faucet()?;
        self.ensure_sol(&faucet.pubkey())?;
        let (create, account) = ata::create_idempotent(&faucet.pubkey(), owner, mint, &program);
        let have = match self.svm.get_account(&account) {
            Some(a) => rpv_core::token::token_amount(&a.data).unwrap_or(0),
            None => 0,
        };
        let mut ixs = vec![create];
        if have < amount {
            ixs.push(spl::mint_to(&program, mint, &account, &faucet.pubkey(), amount - have));
        }
        self.send(&format!("fund {} {}", m.symbol, owner), &ixs, &[&faucet])?;
        Ok(account)
    }

    /// The accounts to keep: everything a fresh litesvm with the program does not have.
    fn saved_accounts(&self) -> Vec<SvmAccount> {
        let skip: Vec<Pubkey> = BUILTIN_OWNERS.iter().map(|o| Pubkey::from_str_const(o)).collect();
        // each litesvm has its own airdrop source account: not part of the ledger
        let airdrop = self.svm.airdrop_pubkey();
        let mut out: Vec<SvmAccount> = self
            .svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(k, a)| !a.executable() && !skip.contains(a.owner()) && **k != airdrop)
            .map(|(k, a)| SvmAccount {
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

    pub fn save(&mut self) -> Result<(), String> {
        self.file.accounts = self.saved_accounts();
        let text = serde_json::to_string(&self.file).expect("the state serialises");
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write `{}`: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| format!("cannot write `{}`: {e}", self.path.display()))
    }

    /// The vault initialised last in this state.
    pub fn last_vault(&self) -> Option<Pubkey> {
        self.file.vaults.last().and_then(|v| Pubkey::from_str(v).ok())
    }
}

/// The account bytes and owner of a simulated oracle publishing `price` ± `conf_bps`.
pub fn oracle_bytes(kind: u8, feed_id: [u8; 32], price: f64, conf_bps: u16, now: i64, slot: u64) -> (Vec<u8>, Pubkey) {
    if kind == 1 {
        let value = (price * 1e18).round() as i128;
        let std_dev = value / 10_000 * i128::from(conf_bps);
        let feed = rpv_core::switchboard::PullFeed {
            authority: [0x51; 32],
            queue: [0x52; 32],
            feed_hash: feed_id,
            initialized_at: now - 86_400,
            max_variance: 0,
            min_responses: 1,
            min_sample_size: 1,
            last_update_timestamp: now,
            max_staleness: 1_000,
            value,
            std_dev,
            mean: value,
            range: 0,
            min_value: value,
            max_value: value,
            num_samples: 1,
            result_slot: slot,
            result_min_slot: slot,
            result_max_slot: slot,
        };
        (feed.encode(), pk(&rpv_core::switchboard::SWITCHBOARD_ON_DEMAND_PROGRAM_ID))
    } else {
        let mantissa = (price * 1e8).round() as i64;
        let conf = (mantissa as u64) / 10_000 * u64::from(conf_bps);
        (rpv_sdk::pyth::price_update(feed_id, mantissa, conf, -8, now, slot), PYTH_RECEIVER_PROGRAM_ID)
    }
}

impl Chain for SvmChain {
    fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, String> {
        Ok(self.svm.get_account(key).filter(|a| a.lamports > 0 || !a.data.is_empty()))
    }

    fn clock(&mut self) -> Result<Clock, String> {
        Ok(self.svm.get_sysvar::<Clock>())
    }

    fn rent(&mut self, len: usize) -> Result<u64, String> {
        Ok(self.svm.minimum_balance_for_rent_exemption(len))
    }

    fn send(&mut self, label: &str, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Sent, String> {
        let tx =
            Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, self.svm.latest_blockhash());
        size_check(label, &tx)?;
        let result = self.svm.send_transaction(tx);
        self.svm.expire_blockhash();
        match result {
            Ok(meta) => Ok(Sent {
                signature: meta.signature.to_string(),
                logs: meta.logs,
                compute_units: Some(meta.compute_units_consumed),
            }),
            Err(f) => {
                let (index, code) = match &f.err {
                    TransactionError::InstructionError(i, InstructionError::Custom(c)) => (Some(*i), Some(*c)),
                    TransactionError::InstructionError(i, _) => (Some(*i), None),
                    _ => (None, None),
                };
                let other = match &f.err {
                    TransactionError::InstructionError(i, e) => format!("{e:?} in instruction {i}"),
                    e => format!("{e:?}"),
                };
                if std::env::var_os("RPV_DEBUG").is_some() {
                    eprintln!("{}", f.meta.logs.join("\n"));
                }
                Err(describe_failure(label, ixs, index, code, &other, &f.meta.logs))
            }
        }
    }

    fn svm(&mut self) -> Option<&mut SvmChain> {
        Some(self)
    }

    fn finish(&mut self) -> Result<(), String> {
        self.save()
    }
}
