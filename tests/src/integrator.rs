//! The example integrator program (`programs/rpv-integrator`) in the test bank: its `.so`, PDAs,
//! instruction builders (accounts in program order), tracker decoding and error names.

use std::path::PathBuf;

use borsh::BorshDeserialize;
use rpv_core::layout::VaultState;
use rpv_sdk::{
    discriminator, pda, pk, AccountMeta, Instruction, Pubkey, PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID,
};

use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{Env, Fixture, Outcome};

/// `declare_id!` of `programs/rpv-integrator`.
pub const INTEGRATOR_ID: Pubkey = Pubkey::from_str_const("JBS3mnhUkQu3DuZuCDyoRZUxXTdfpo6itFfzBBRr6bMj");

/// Path of the integrator under test: `$RPV_INTEGRATOR_SO`, else
/// `<workspace>/target/deploy/rpv_integrator.so`.
pub fn integrator_so() -> PathBuf {
    std::env::var_os("RPV_INTEGRATOR_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/deploy/rpv_integrator.so"))
}

/// A bank with both programs loaded: the vault and the integrator.
pub async fn env() -> Env {
    Env::with_programs(&[(INTEGRATOR_ID, integrator_so())]).await
}

pub fn tracker(admin: &Pubkey, vault: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"tracker", admin.as_ref(), vault.as_ref()], &INTEGRATOR_ID).0
}

pub fn holder(tracker: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"holder", tracker.as_ref()], &INTEGRATOR_ID).0
}

fn data(name: &str, args: &impl borsh::BorshSerialize) -> Vec<u8> {
    let mut d = discriminator("global", name).to_vec();
    args.serialize(&mut d).expect("serialising into a Vec cannot fail");
    d
}

/// `relay_rebalance(kind, args)`: the rpv vault program, then `inner`'s accounts (a vault
/// `rebalance` (kind 0), `rebalance_begin` (1) or `rebalance_end` (2) built by the SDK).
pub fn relay_rebalance(inner: &Instruction, kind: u8, args: rpv_sdk::ix::RebalanceArgs) -> Instruction {
    let mut accounts = vec![AccountMeta::new_readonly(rpv_sdk::PROGRAM_ID, false)];
    accounts.extend(inner.accounts.iter().cloned());
    Instruction { program_id: INTEGRATOR_ID, accounts, data: data("relay_rebalance", &(kind, args)) }
}

/// `initialize`: admin, vault, tracker PDA, holder PDA, system program.
pub fn initialize(admin: &Pubkey, vault: &Pubkey) -> Instruction {
    let t = tracker(admin, vault);
    Instruction {
        program_id: INTEGRATOR_ID,
        accounts: vec![
            AccountMeta::new(*admin, true),
            AccountMeta::new_readonly(*vault, false),
            AccountMeta::new(t, false),
            AccountMeta::new_readonly(holder(&t), false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: data("initialize", &()),
    }
}

/// Accounts of `deposit` / `withdraw`: admin, tracker, holder, the vault's flow accounts with the
/// holder's token accounts, the vault program, then the vault's oracles.
fn flow_accounts(
    admin: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    holder_base_token: &Pubkey,
    holder_share_token: &Pubkey,
) -> Vec<AccountMeta> {
    let t = tracker(admin, vault_key);
    let mut a = vec![
        AccountMeta::new_readonly(*admin, true),
        AccountMeta::new(t, false),
        AccountMeta::new_readonly(holder(&t), false),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new_readonly(pk(&vault.base_mint), false),
        AccountMeta::new(pk(&vault.base_vault), false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*holder_base_token, false),
        AccountMeta::new(*holder_share_token, false),
        AccountMeta::new_readonly(pk(&vault.base_token_program), false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
        AccountMeta::new_readonly(PROGRAM_ID, false),
    ];
    a.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    a
}

/// Index of the vault program in the `deposit` / `withdraw` account list.
pub const FLOW_PROGRAM_INDEX: usize = 12;
/// Index of the vault program in the `record_quote` account list.
pub const QUOTE_PROGRAM_INDEX: usize = 4;

/// `deposit(amount, min_shares_out)` for the tracker of (`admin`, `vault_key`).
pub fn deposit(
    admin: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    holder_tokens: (&Pubkey, &Pubkey),
    amount: u64,
    min_shares_out: u64,
) -> Instruction {
    Instruction {
        program_id: INTEGRATOR_ID,
        accounts: flow_accounts(admin, vault_key, vault, holder_tokens.0, holder_tokens.1),
        data: data("deposit", &(amount, min_shares_out)),
    }
}

/// `withdraw(shares, min_amount_out)` for the tracker of (`admin`, `vault_key`).
pub fn withdraw(
    admin: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    holder_tokens: (&Pubkey, &Pubkey),
    shares: u64,
    min_amount_out: u64,
) -> Instruction {
    Instruction {
        program_id: INTEGRATOR_ID,
        accounts: flow_accounts(admin, vault_key, vault, holder_tokens.0, holder_tokens.1),
        data: data("withdraw", &(shares, min_amount_out)),
    }
}

/// `record_quote()`: tracker, vault, risk, share mint, the vault program, then the oracles.
/// Permissionless.
pub fn record_quote(tracker: &Pubkey, vault_key: &Pubkey, vault: &VaultState) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*tracker, false),
        AccountMeta::new_readonly(*vault_key, false),
        AccountMeta::new_readonly(pda::risk(vault_key).0, false),
        AccountMeta::new_readonly(pk(&vault.share_mint), false),
        AccountMeta::new_readonly(PROGRAM_ID, false),
    ];
    accounts.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    Instruction { program_id: INTEGRATOR_ID, accounts, data: data("record_quote", &()) }
}

/// The integrator's `Tracker` account (after its 8-byte discriminator).
#[derive(BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracker {
    pub admin: [u8; 32],
    pub vault: [u8; 32],
    pub bump: u8,
    pub holder_bump: u8,
    pub shares: u64,
    pub deposited: u64,
    pub withdrawn: u64,
    pub share_price_e9: u128,
    pub nav: u64,
    pub total_shares: u64,
    pub quoted_at: i64,
}

pub fn decode_tracker(data: &[u8]) -> Tracker {
    assert_eq!(data[..8], discriminator("account", "Tracker"), "not a tracker account");
    Tracker::deserialize(&mut &data[8..]).expect("tracker decodes")
}

/// The integrator's events (`programs/rpv-integrator/src/events.rs`).
#[derive(BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderDeposited {
    pub tracker: [u8; 32],
    pub vault: [u8; 32],
    pub amount: u64,
    pub shares: u64,
}

#[derive(BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderWithdrew {
    pub tracker: [u8; 32],
    pub vault: [u8; 32],
    pub shares: u64,
    pub amount: u64,
}

#[derive(BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharePriceRecorded {
    pub tracker: [u8; 32],
    pub vault: [u8; 32],
    pub share_price_e9: u128,
    pub nav: u64,
    pub total_shares: u64,
    pub quoted_at: i64,
}

/// The event `name` of type `T` logged by the transaction (exactly one), if any.
pub fn event<T: BorshDeserialize>(out: &Outcome, name: &str) -> Option<T> {
    use base64::Engine;
    let disc = discriminator("event", name);
    let found: Vec<T> = out
        .logs
        .iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .filter(|b| b.len() >= 8 && b[..8] == disc)
        .map(|b| T::try_from_slice(&b[8..]).expect("event decodes"))
        .collect();
    assert!(found.len() <= 1, "{name} logged {} times", found.len());
    found.into_iter().next()
}

/// `IntegratorError` variants in order (codes from Anchor's offset, `rpv_sdk::errors::FIRST_CODE`).
pub const ERROR_NAMES: &[&str] = &[
    "Unauthorized",
    "WrongVault",
    "NoReturnData",
    "ReturnDataFromWrongProgram",
    "BadReturnData",
    "InvalidTokenAccount",
    "MathOverflow",
    "UnknownRelayKind",
];

impl Outcome {
    /// Asserts the transaction failed with the integrator's error `name` (code and log line).
    pub fn assert_integrator_error(&self, name: &str) {
        let i = ERROR_NAMES.iter().position(|n| *n == name).unwrap_or_else(|| panic!("unknown error {name}"));
        self.assert_named_error(rpv_sdk::errors::FIRST_CODE + i as u32, name);
    }
}

/// A vault with `n` assets, the integrator loaded, a tracker for `admin` and the holder's token
/// accounts (base funded with `base`).
pub struct Integration {
    pub f: Fixture,
    pub admin: Keypair,
    pub tracker: Pubkey,
    pub holder: Pubkey,
    pub base_token: Pubkey,
    pub share_token: Pubkey,
}

impl Integration {
    pub async fn new(n: usize, base: u64) -> Self {
        Self::attach(Fixture::with_assets_in(env().await, n).await, base).await
    }

    /// Opens a position on `f`'s vault (its bank must have the integrator loaded: [`env`]).
    pub async fn attach(mut f: Fixture, base: u64) -> Self {
        let admin = crate::environment::new_keypair();
        f.env.fund(&admin.pubkey(), 1_000_000_000).await;
        let vault = f.vault;
        f.env.send(&[initialize(&admin.pubkey(), &vault)], &[&admin]).await.ok();
        let tracker = tracker(&admin.pubkey(), &vault);
        let holder = holder(&tracker);
        let (bp, bm, sm) = (f.base_program, f.base_mint, f.share_mint());
        let base_token = f.env.create_token_account(&bp, &bm, &holder).await;
        let share_token = f.env.create_token_account(&TOKEN_PROGRAM_ID, &sm, &holder).await;
        if base > 0 {
            f.env.mint_to(&bp, &bm, &base_token, base).await;
        }
        Self { f, admin, tracker, holder, base_token, share_token }
    }

    pub async fn deposit_ix(&mut self, amount: u64, min: u64) -> Instruction {
        let s = self.f.state().await;
        deposit(&self.admin.pubkey(), &self.f.vault, &s, (&self.base_token, &self.share_token), amount, min)
    }

    pub async fn withdraw_ix(&mut self, shares: u64, min: u64) -> Instruction {
        let s = self.f.state().await;
        withdraw(&self.admin.pubkey(), &self.f.vault, &s, (&self.base_token, &self.share_token), shares, min)
    }

    pub async fn quote_ix(&mut self) -> Instruction {
        let s = self.f.state().await;
        record_quote(&self.tracker, &self.f.vault, &s)
    }

    pub async fn send(&mut self, ix: Instruction) -> Outcome {
        let admin = self.admin.insecure_clone();
        self.f.env.send(&[ix], &[&admin]).await
    }

    pub async fn tracker(&mut self) -> Tracker {
        let t = self.tracker;
        decode_tracker(&self.f.env.data(&t).await.expect("tracker exists"))
    }

    pub async fn balances(&mut self) -> (u64, u64) {
        let (b, s) = (self.base_token, self.share_token);
        (self.f.env.token_amount(&b).await, self.f.env.token_amount(&s).await)
    }
}
