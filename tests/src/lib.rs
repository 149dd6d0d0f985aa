//! Test harness: the built `rpv_vault.so` loaded by the BPF loader into solana-program-test's
//! bank (never a natively compiled stand-in), the mainnet token programs shipped with it (p-token,
//! Token-2022), real SPL mints and token accounts created through those programs, and Pyth
//! `PriceUpdateV2` accounts with the receiver's exact byte layout, owned by the receiver id.
//! The CPI tests load the example integrator's `.so` next to it ([`integrator`]).

use std::{collections::HashSet, path::PathBuf};

use rpv_core::layout::VaultState;
pub use rpv_sdk::ix::{OptionKind, ProposalKind};
use rpv_sdk::{
    events::{parse_logs, Event},
    ix, pda, pyth, spl, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use solana_account::{Account, AccountSharedData};
use solana_clock::Clock;
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_program_test::{ProgramTest, ProgramTestContext};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub mod errors;
pub mod integrator;

/// Path of the program under test: `$RPV_PROGRAM_SO`, else `<workspace>/target/deploy/rpv_vault.so`.
pub fn program_so() -> PathBuf {
    std::env::var_os("RPV_PROGRAM_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/deploy/rpv_vault.so"))
}

/// Result of one transaction.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<(), TransactionError>,
    pub cu: u64,
    pub logs: Vec<String>,
    /// Return data set by the program (empty if none).
    pub return_data: Vec<u8>,
}

impl Outcome {
    pub fn ok(&self) -> &Self {
        assert!(self.result.is_ok(), "transaction failed: {:?}\n{}", self.result, self.logs.join("\n"));
        self
    }

    /// The program's custom error code, if the transaction failed with one.
    pub fn custom_code(&self) -> Option<u32> {
        match &self.result {
            Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) => Some(*c),
            _ => None,
        }
    }

    /// Asserts the transaction failed with the vault error `name`: the custom code must be the
    /// one the SDK's table gives for `name`, and the program's log must name it.
    pub fn assert_error(&self, name: &str) {
        let code = errors::code(name).unwrap_or_else(|| panic!("unknown vault error {name}"));
        assert_eq!(
            self.custom_code(),
            Some(code),
            "expected {name} ({code}), got {:?}\n{}",
            self.result,
            self.logs.join("\n")
        );
        assert!(
            self.logs.iter().any(|l| l.contains(&format!("Error Code: {name}."))),
            "log does not name {name}:\n{}",
            self.logs.join("\n")
        );
    }

    pub fn events(&self) -> Vec<Event> {
        parse_logs(&self.logs)
    }
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Anchor's framework error for instruction data that does not deserialise (e.g. an enum byte
/// out of range): `InstructionDidNotDeserialize`.
pub const ANCHOR_INSTRUCTION_DID_NOT_DESERIALIZE: u32 = 102;

pub struct Env {
    pub ctx: ProgramTestContext,
    seen: HashSet<solana_transaction::Signature>,
}

impl Env {
    pub async fn new() -> Self {
        Self::with_programs(&[]).await
    }

    /// The vault program plus further BPF programs `(program id, .so path)`, e.g. the example
    /// integrator ([`integrator::env`]).
    pub async fn with_programs(extra: &[(Pubkey, PathBuf)]) -> Self {
        let so = program_so();
        let elf = std::fs::read(&so).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}. Build it with `cargo xtask build-sbf` (or run `cargo xtask test`).",
                so.display()
            )
        });
        let mut pt = ProgramTest::default();
        pt.prefer_bpf(true);
        // Run with the features active on mainnet-beta, not every feature agave knows: e.g.
        // without `virtual_address_space_adjustments` the VM keeps gaps between stack frames,
        // which is what the program meets in production.
        let mainnet = litesvm::LiteSVM::mainnet_feature_set();
        for id in agave_feature_set::FEATURE_NAMES.keys() {
            if !mainnet.is_active(id) {
                pt.deactivate_feature(*id);
            }
        }
        // exactly what ProgramTest::add_program does for a BPF program, from our own path
        pt.add_account(
            PROGRAM_ID,
            Account {
                lamports: 1_000_000_000_000,
                data: elf,
                owner: solana_sdk_ids_bpf_loader(),
                executable: true,
                rent_epoch: 0,
            },
        );
        for (id, path) in extra {
            let elf = std::fs::read(path).unwrap_or_else(|e| {
                panic!("cannot read {}: {e}. Build it with `cargo xtask build-sbf`.", path.display())
            });
            pt.add_account(
                *id,
                Account {
                    lamports: 1_000_000_000_000,
                    data: elf,
                    owner: solana_sdk_ids_bpf_loader(),
                    executable: true,
                    rent_epoch: 0,
                },
            );
        }
        let ctx = pt.start_with_context().await;
        Self { ctx, seen: HashSet::new() }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sends one transaction (payer = the test payer) and returns its outcome.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Outcome {
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let mut tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
        if !self.seen.insert(tx.signatures[0]) {
            // the identical transaction was sent before: a new blockhash makes it distinct
            self.ctx.last_blockhash = self.ctx.get_new_latest_blockhash().await.expect("blockhash");
            tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
            self.seen.insert(tx.signatures[0]);
        }
        let r = self.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks client");
        let md = r.metadata.unwrap_or_else(|| panic!("no metadata: {:?}", r.result));
        let return_data = md.return_data.map(|d| d.data).unwrap_or_default();
        Outcome { result: r.result, cu: md.compute_units_consumed, logs: md.log_messages, return_data }
    }

    /// Sends a v0 transaction that loads accounts through the lookup tables `tables`
    /// (`(table address, addresses in it)`).
    pub async fn send_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[(Pubkey, Vec<Pubkey>)],
    ) -> Outcome {
        use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let luts: Vec<AddressLookupTableAccount> = tables
            .iter()
            .map(|(key, addresses)| AddressLookupTableAccount { key: *key, addresses: addresses.clone() })
            .collect();
        let msg = v0::Message::try_compile(&payer.pubkey(), ixs, &luts, self.ctx.last_blockhash).expect("compile v0");
        let tx = solana_transaction::versioned::VersionedTransaction::try_new(VersionedMessage::V0(msg), &all)
            .expect("sign v0");
        let r = self.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks client");
        let md = r.metadata.unwrap_or_else(|| panic!("no metadata: {:?}", r.result));
        let return_data = md.return_data.map(|d| d.data).unwrap_or_default();
        Outcome { result: r.result, cu: md.compute_units_consumed, logs: md.log_messages, return_data }
    }

    /// Creates a lookup table holding `addresses` and advances a slot so it is usable.
    pub async fn lookup_table(&mut self, addresses: &[Pubkey]) -> Pubkey {
        let payer = self.payer();
        let slot = self.clock().await.slot;
        self.ctx.warp_to_slot(slot + 2).expect("warp");
        let recent = slot + 1;
        let (create, table) = rpv_sdk::alt::create(&payer.pubkey(), &payer.pubkey(), recent);
        self.send(&[create], &[]).await.ok();
        for chunk in addresses.chunks(20) {
            self.send(&[rpv_sdk::alt::extend(&table, &payer.pubkey(), &payer.pubkey(), chunk)], &[]).await.ok();
        }
        let slot = self.clock().await.slot;
        self.ctx.warp_to_slot(slot + 1).expect("warp");
        self.ctx.last_blockhash = self.ctx.get_new_latest_blockhash().await.expect("blockhash");
        table
    }

    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock")
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Moves the cluster clock's unix timestamp by `seconds` (slot unchanged).
    pub async fn advance_time(&mut self, seconds: i64) {
        let mut c = self.clock().await;
        c.unix_timestamp += seconds;
        self.ctx.set_sysvar(&c);
    }

    pub async fn data(&mut self, key: &Pubkey) -> Option<Vec<u8>> {
        self.ctx.banks_client.get_account(*key).await.expect("get_account").map(|a| a.data)
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.expect("get_account")
    }

    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        self.ctx.set_account(key, &AccountSharedData::from(account));
    }

    pub async fn token_amount(&mut self, key: &Pubkey) -> u64 {
        spl::amount(&self.data(key).await.expect("token account exists"))
    }

    pub async fn mint_supply(&mut self, key: &Pubkey) -> u64 {
        spl::supply(&self.data(key).await.expect("mint exists"))
    }

    pub async fn vault(&mut self, key: &Pubkey) -> VaultState {
        rpv_sdk::decode_vault(&self.data(key).await.expect("vault exists")).expect("vault decodes")
    }

    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.payer().pubkey();
        self.send(&[spl::transfer_lamports(&payer, to, lamports)], &[]).await.ok();
    }

    /// A new mint (authority = test payer) under `token_program`.
    pub async fn create_mint(&mut self, token_program: &Pubkey, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.payer().pubkey();
        let rent = self.ctx.banks_client.get_rent().await.unwrap().minimum_balance(spl::MINT_LEN as usize);
        self.send(
            &[
                spl::create_account(&payer, &mint.pubkey(), rent, spl::MINT_LEN, token_program),
                spl::initialize_mint2(token_program, &mint.pubkey(), &payer, decimals),
            ],
            &[&mint],
        )
        .await
        .ok();
        mint.pubkey()
    }

    pub async fn create_token_account(&mut self, token_program: &Pubkey, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let acct = Keypair::new();
        let payer = self.payer().pubkey();
        let rent = self.ctx.banks_client.get_rent().await.unwrap().minimum_balance(spl::TOKEN_ACCOUNT_LEN as usize);
        self.send(
            &[
                spl::create_account(&payer, &acct.pubkey(), rent, spl::TOKEN_ACCOUNT_LEN, token_program),
                spl::initialize_account3(token_program, &acct.pubkey(), mint, owner),
            ],
            &[&acct],
        )
        .await
        .ok();
        acct.pubkey()
    }

    pub async fn mint_to(&mut self, token_program: &Pubkey, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let payer = self.payer().pubkey();
        self.send(&[spl::mint_to(token_program, mint, to, &payer, amount)], &[]).await.ok();
    }

    /// Writes a Pyth `PriceUpdateV2` account (owner: the Pyth receiver program).
    pub fn set_pyth(&mut self, key: &Pubkey, data: Vec<u8>) {
        self.set_pyth_owned(key, data, PYTH_RECEIVER_PROGRAM_ID);
    }

    pub fn set_pyth_owned(&mut self, key: &Pubkey, data: Vec<u8>, owner: Pubkey) {
        self.set_account(key, Account { lamports: 10_000_000, data, owner, executable: false, rent_epoch: 0 });
    }
}

fn solana_sdk_ids_bpf_loader() -> Pubkey {
    Pubkey::from_str_const("BPFLoader2111111111111111111111111111111111")
}

/// One spot asset of a test vault.
#[derive(Clone, Debug)]
pub struct TestAsset {
    pub mint: Pubkey,
    pub token_program: Pubkey,
    pub decimals: u8,
    pub oracle: Pubkey,
    pub feed: [u8; 32],
    /// Current price mantissa and exponent written to the oracle.
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
}

pub struct User {
    pub kp: Keypair,
    pub base_token: Pubkey,
    pub share_token: Pubkey,
}

/// A vault with its base mint, assets and oracles.
pub struct Fixture {
    pub env: Env,
    pub admin: Keypair,
    pub base_mint: Pubkey,
    pub base_program: Pubkey,
    pub base_decimals: u8,
    pub vault: Pubkey,
    pub vault_id: u64,
    pub assets: Vec<TestAsset>,
    pub admin_base_token: Pubkey,
}

pub const SEED_DEPOSIT: u64 = 1_000_000;
/// The program's `solve_weights::MAX_ONCHAIN_SOLVE` (the tests check both sides of the bound).
pub const MAX_ONCHAIN_SOLVE: usize = 5;
pub const DEFAULT_CAP: u64 = 1_000_000_000_000_000;
pub const DEFAULT_MIN: u64 = 1_000;

/// Asset `i` of a generated vault: decimals cycle 9, 8, 6; price $(10·(i+1)).5 at expo −8.
pub fn asset_params(i: usize) -> (u8, i64) {
    let decimals = [9u8, 8, 6][i % 3];
    let price = (10 * (i as i64 + 1)) * 100_000_000 + 50_000_000;
    (decimals, price)
}

impl Fixture {
    /// A vault with no assets yet (base: SPL Token, 6 decimals).
    pub async fn empty() -> Self {
        Self::empty_with(TOKEN_PROGRAM_ID).await
    }

    pub async fn empty_with(base_program: Pubkey) -> Self {
        Self::empty_in(Env::new().await, base_program).await
    }

    /// [`Fixture::empty_with`] in a given environment (e.g. one with more programs loaded).
    pub async fn empty_in(mut env: Env, base_program: Pubkey) -> Self {
        let admin = Keypair::new();
        env.fund(&admin.pubkey(), 10_000_000_000).await;
        let base_decimals = 6;
        let base_mint = env.create_mint(&base_program, base_decimals).await;
        let admin_base_token = env.create_token_account(&base_program, &base_mint, &admin.pubkey()).await;
        env.mint_to(&base_program, &base_mint, &admin_base_token, 1_000_000_000_000).await;
        let vault_id = 7;
        let mut f = Self {
            env,
            admin,
            base_mint,
            base_program,
            base_decimals,
            vault: pda::vault(&Pubkey::default(), 0).0,
            vault_id,
            assets: vec![],
            admin_base_token,
        };
        f.vault = pda::vault(&f.admin.pubkey(), vault_id).0;
        f
    }

    /// The SDK's defaults (fee recipient = admin, maxima 5 %/yr and 30 %, no fee charged, no
    /// allowlist) except the timelock: the general fixture applies every change at once, the
    /// timelock tests set one.
    pub fn init_args(&self) -> ix::InitializeVaultArgs {
        ix::InitializeVaultArgs {
            timelock_secs: 0,
            ..ix::InitializeVaultArgs::new(self.vault_id, DEFAULT_CAP, DEFAULT_MIN, SEED_DEPOSIT, &self.admin.pubkey())
        }
    }

    pub fn init_ix(&self, args: ix::InitializeVaultArgs) -> Instruction {
        ix::initialize_vault(&self.admin.pubkey(), &self.base_mint, &self.base_program, &self.admin_base_token, args)
    }

    pub async fn initialize(&mut self, args: ix::InitializeVaultArgs) -> Outcome {
        let ix = self.init_ix(args);
        let admin = self.admin.insecure_clone();
        self.env.send(&[ix], &[&admin]).await
    }

    /// Initialised vault with `n` spot assets (SPL Token mints, fresh Pyth prices).
    pub async fn with_assets(n: usize) -> Self {
        Self::with_assets_and(n, |_| {}).await
    }

    /// [`Fixture::with_assets`] in a given environment.
    pub async fn with_assets_in(env: Env, n: usize) -> Self {
        Self::with_assets_in_and(env, n, |_| {}).await
    }

    /// As [`Fixture::with_assets`], with initialisation arguments edited by `edit`.
    pub async fn with_assets_and(n: usize, edit: impl FnOnce(&mut ix::InitializeVaultArgs)) -> Self {
        Self::with_assets_in_and(Env::new().await, n, edit).await
    }

    async fn with_assets_in_and(env: Env, n: usize, edit: impl FnOnce(&mut ix::InitializeVaultArgs)) -> Self {
        let mut f = Self::empty_in(env, TOKEN_PROGRAM_ID).await;
        let mut args = f.init_args();
        edit(&mut args);
        f.initialize(args).await.ok();
        for i in 0..n {
            let (decimals, price) = asset_params(i);
            let a = f.new_asset(TOKEN_PROGRAM_ID, decimals, price).await;
            f.add_asset(&a, Self::asset_args(&a)).await.ok();
            f.assets.push(a);
        }
        if n > 0 {
            f.set_equal_budgets().await.ok();
            f.refresh().await.ok();
        }
        f
    }

    /// Budgets summing to exactly 10^9 over the registered assets (the remainder on the last).
    pub fn equal_budgets(n: usize) -> Vec<u64> {
        let each = 1_000_000_000 / n as u64;
        let mut b = vec![each; n];
        b[n - 1] += 1_000_000_000 - each * n as u64;
        b
    }

    pub async fn set_equal_budgets(&mut self) -> Outcome {
        let n = self.assets.len();
        self.set_budgets(Self::equal_budgets(n)).await
    }

    pub async fn set_budgets(&mut self, b: Vec<u64>) -> Outcome {
        let admin = self.admin.insecure_clone();
        let ix = ix::set_risk_budgets(&admin.pubkey(), &self.vault, b);
        self.env.send(&[ix], &[&admin]).await
    }

    pub async fn set_risk_params(&mut self, p: ix::RiskParams) -> Outcome {
        let admin = self.admin.insecure_clone();
        let ix = ix::set_risk_params(&admin.pubkey(), &self.vault, p);
        self.env.send(&[ix], &[&admin]).await
    }

    pub async fn refresh_ix(&mut self) -> Instruction {
        let s = self.state().await;
        ix::refresh(&self.vault, &s)
    }

    /// Cranks `refresh` with the oracles as they are (followed by `update_positions` in the
    /// same transaction when the vault has option series).
    pub async fn refresh(&mut self) -> Outcome {
        let s = self.state().await;
        let ixs = ix::refresh_all(&self.vault, &s);
        self.env.send(&ixs, &[]).await
    }

    /// Moves the clock by `seconds`, re-publishes every oracle at the new time and refreshes.
    pub async fn step(&mut self, seconds: i64) -> Outcome {
        self.env.advance_time(seconds).await;
        self.refresh_oracles().await;
        self.refresh().await
    }

    pub async fn risk(&mut self) -> rpv_core::layout::RiskState {
        let k = pda::risk(&self.vault).0;
        rpv_sdk::decode_risk(&self.env.data(&k).await.expect("risk account")).expect("risk decodes")
    }

    /// Creates a mint and a fresh oracle for it (not registered).
    pub async fn new_asset(&mut self, token_program: Pubkey, decimals: u8, price: i64) -> TestAsset {
        let mint = self.env.create_mint(&token_program, decimals).await;
        let oracle = Pubkey::new_unique();
        let feed = pyth::feed_id(&oracle.to_string());
        let a = TestAsset { mint, token_program, decimals, oracle, feed, price, conf: price as u64 / 1_000, expo: -8 };
        self.write_oracle(&a, 0).await;
        a
    }

    /// Writes asset `a`'s oracle with its current price, published `age` seconds ago.
    pub async fn write_oracle(&mut self, a: &TestAsset, age: i64) {
        let now = self.env.now().await;
        let data = pyth::price_update(a.feed, a.price, a.conf, a.expo, now - age, 1);
        self.env.set_pyth(&a.oracle, data);
    }

    /// Re-publishes every registered asset's oracle at the current clock.
    pub async fn refresh_oracles(&mut self) {
        for a in self.assets.clone() {
            self.write_oracle(&a, 0).await;
        }
    }

    pub async fn set_price(&mut self, i: usize, price: i64) {
        self.assets[i].price = price;
        self.assets[i].conf = price as u64 / 1_000;
        let a = self.assets[i].clone();
        self.write_oracle(&a, 0).await;
    }

    pub fn asset_args(a: &TestAsset) -> ix::AddAssetArgs {
        ix::AddAssetArgs {
            oracle_kind: ix::OracleKind::Pyth,
            feed_id: a.feed,
            max_oracle_age: 60,
            max_conf_bps: 200,
            risk_budget: 62_500_000,
        }
    }

    pub fn add_asset_ix(&self, a: &TestAsset, args: ix::AddAssetArgs) -> Instruction {
        ix::add_asset(&self.admin.pubkey(), &self.vault, &a.mint, &a.token_program, &a.oracle, args)
    }

    pub async fn add_asset(&mut self, a: &TestAsset, args: ix::AddAssetArgs) -> Outcome {
        let ix = self.add_asset_ix(a, args);
        let admin = self.admin.insecure_clone();
        self.env.send(&[ix], &[&admin]).await
    }

    /// The vault and risk accounts' bytes (what a refused instruction must leave untouched).
    pub async fn vault_and_risk_bytes(&mut self) -> (Vec<u8>, Vec<u8>) {
        let v = self.vault;
        (self.env.data(&v).await.expect("vault account"), self.env.data(&pda::risk(&v).0).await.expect("risk account"))
    }

    pub async fn state(&mut self) -> VaultState {
        let v = self.vault;
        self.env.vault(&v).await
    }

    /// A user with SOL, `base_amount` base tokens and an empty share token account.
    pub async fn user(&mut self, base_amount: u64) -> User {
        let kp = Keypair::new();
        self.env.fund(&kp.pubkey(), 1_000_000_000).await;
        let base_token = self.env.create_token_account(&self.base_program, &self.base_mint, &kp.pubkey()).await;
        if base_amount > 0 {
            let (p, m) = (self.base_program, self.base_mint);
            self.env.mint_to(&p, &m, &base_token, base_amount).await;
        }
        let share_mint = pda::share_mint(&self.vault).0;
        let share_token = self.env.create_token_account(&TOKEN_PROGRAM_ID, &share_mint, &kp.pubkey()).await;
        User { kp, base_token, share_token }
    }

    pub async fn deposit_ix(&mut self, u: &User, amount: u64, min_shares: u64) -> Instruction {
        let s = self.state().await;
        ix::deposit(&u.kp.pubkey(), &self.vault, &s, &u.base_token, &u.share_token, amount, min_shares)
    }

    pub async fn withdraw_ix(&mut self, u: &User, shares: u64, min_amount: u64) -> Instruction {
        let s = self.state().await;
        ix::withdraw(&u.kp.pubkey(), &self.vault, &s, &u.base_token, &u.share_token, shares, min_amount)
    }

    pub async fn deposit(&mut self, u: &User, amount: u64, min_shares: u64) -> Outcome {
        let ix = self.deposit_ix(u, amount, min_shares).await;
        self.env.send(&[ix], &[&u.kp]).await
    }

    pub async fn withdraw(&mut self, u: &User, shares: u64, min_amount: u64) -> Outcome {
        let ix = self.withdraw_ix(u, shares, min_amount).await;
        self.env.send(&[ix], &[&u.kp]).await
    }

    pub fn share_mint(&self) -> Pubkey {
        pda::share_mint(&self.vault).0
    }

    pub fn base_vault(&self) -> Pubkey {
        pda::token_account(&self.vault, &self.base_mint).0
    }

    /// Total shares (share mint supply + dead shares + fee shares accrued but not minted).
    pub async fn total_shares(&mut self) -> u64 {
        let sm = self.share_mint();
        let supply = self.env.mint_supply(&sm).await;
        self.state().await.total_shares(supply).expect("total shares fit in u64")
    }
}

impl Outcome {
    /// Asserts an Anchor framework error (e.g. 3010 AccountNotSigner, 3007 wrong owner).
    pub fn assert_anchor_error(&self, code: u32) {
        assert_eq!(
            self.custom_code(),
            Some(code),
            "expected Anchor error {code}, got {:?}\n{}",
            self.result,
            self.logs.join("\n")
        );
    }

    /// Asserts the transaction failed (for failures raised by another program, e.g. the token
    /// program refusing a transfer signed by the wrong owner).
    pub fn assert_failed(&self) {
        assert!(self.result.is_err(), "transaction unexpectedly succeeded:\n{}", self.logs.join("\n"));
    }
}

impl Fixture {
    /// Test set-up only: gives the vault accounted `quantities` of its assets, minting the same
    /// real tokens into its token accounts (as a future rebalance would leave it).
    pub async fn set_holdings(&mut self, quantities: &[u64]) {
        let key = self.vault;
        let mut acct = self.env.account(&key).await.unwrap();
        let mut s = rpv_sdk::decode_vault(&acct.data).unwrap();
        for (i, q) in quantities.iter().enumerate() {
            let a = self.assets[i].clone();
            let ta = pda::token_account(&self.vault, &a.mint).0;
            let have = self.env.token_amount(&ta).await;
            if *q > have {
                self.env.mint_to(&a.token_program, &a.mint, &ta, q - have).await;
            }
            s.assets[i].quantity = *q;
        }
        acct.data[8..].copy_from_slice(bytemuck::bytes_of(&s));
        self.env.set_account(&key, acct);
    }

    /// Test set-up only: overwrites the vault state.
    pub async fn write_state(&mut self, s: &VaultState) {
        let key = self.vault;
        let mut acct = self.env.account(&key).await.unwrap();
        acct.data[8..].copy_from_slice(bytemuck::bytes_of(s));
        self.env.set_account(&key, acct);
    }

    /// NAV computed off-chain with the core crate from the oracle accounts as written.
    pub async fn nav(&mut self, round: rpv_core::math::Rounding) -> u64 {
        let s = self.state().await;
        let prices: Vec<_> = self
            .assets
            .iter()
            .map(|a| rpv_core::price::OraclePrice {
                price: a.price as u64,
                conf: a.conf,
                expo: a.expo,
                publish_time: 0,
            })
            .collect();
        let now = self.env.now().await;
        s.nav(|i, _| Ok(prices[i]), now, round).unwrap()
    }
}

/// An option series to register with [`Fixture::add_option`].
#[derive(Clone, Copy, Debug)]
pub struct Series {
    pub kind: OptionKind,
    pub underlying: u8,
    pub strike: f64,
    pub contract_size: f64,
    /// Seconds from now.
    pub expires_in: i64,
    /// Implied vol published by its feed.
    pub iv: f64,
}

impl Series {
    pub fn call(underlying: u8, strike: f64, expires_in: i64, iv: f64) -> Self {
        Self { kind: OptionKind::Call, underlying, strike, contract_size: 1.0, expires_in, iv }
    }
    pub fn put(underlying: u8, strike: f64, expires_in: i64, iv: f64) -> Self {
        Self { kind: OptionKind::Put, ..Self::call(underlying, strike, expires_in, iv) }
    }
}

impl Fixture {
    /// An option token mint (6 decimals) and an implied-vol feed (Pyth layout, value `iv`) for
    /// `s`, and the `add_option` instruction registering them with `budget` (ppb).
    pub async fn option_ix(&mut self, s: &Series, budget: u64) -> (TestAsset, Instruction) {
        let a = self.new_asset(TOKEN_PROGRAM_ID, 6, (s.iv * 1e8).round() as i64).await;
        let now = self.env.now().await;
        let b = |x: f64| rpv_core::fixed_point::Fx::from_num(x).to_bits();
        let series = ix::OptionSeriesArgs {
            kind: s.kind,
            underlying: s.underlying,
            strike_bits: b(s.strike),
            contract_size_bits: b(s.contract_size),
            expiry: now + s.expires_in,
        };
        let args = ix::AddAssetArgs { risk_budget: budget, ..Self::asset_args(&a) };
        let ix = ix::add_option(&self.admin.pubkey(), &self.vault, &a.mint, &a.token_program, &a.oracle, args, series);
        (a, ix)
    }

    /// Registers option series `s`; on success it joins `self.assets`.
    pub async fn add_option(&mut self, s: &Series, budget: u64) -> Outcome {
        let (a, ix) = self.option_ix(s, budget).await;
        let admin = self.admin.insecure_clone();
        let out = self.env.send(&[ix], &[&admin]).await;
        if out.result.is_ok() {
            self.assets.push(a);
        }
        out
    }

    /// `k` spot assets and `k` option series (one per underlying; calls and puts alternate,
    /// 5 % out of the money, 1 week to 7 months, implied vols 50 %–85 %), equal budgets, holdings
    /// in every slot, refreshed with the positions step. The vault of the options CU budget.
    pub async fn with_spot_and_options(k: usize) -> Self {
        let mut f = Self::with_assets(k).await;
        for i in 0..k {
            let (_, price) = asset_params(i);
            let spot = price as f64 / 1e8;
            let (days, iv) = (7 + 30 * i as i64, 0.5 + 0.05 * i as f64);
            let s = if i % 2 == 0 {
                Series::call(i as u8, spot * 1.05, days * 86_400, iv)
            } else {
                Series::put(i as u8, spot * 0.95, days * 86_400, iv)
            };
            f.add_option(&s, 100_000_000).await.ok();
        }
        f.set_equal_budgets().await.ok();
        let holdings: Vec<u64> =
            (0..2 * k as u64).map(|i| if i < k as u64 { 1_000_000_000 } else { 1_000_000 * i }).collect();
        f.set_holdings(&holdings).await;
        f.env.advance_time(60).await;
        f.refresh_oracles().await;
        f.refresh().await.ok();
        f
    }

    pub async fn set_option_params(&mut self, p: ix::OptionParams) -> Outcome {
        let admin = self.admin.insecure_clone();
        let ix = ix::set_option_params(&admin.pubkey(), &self.vault, p);
        self.env.send(&[ix], &[&admin]).await
    }
}

impl Fixture {
    /// A token account of asset `i` for `owner`, holding `amount`.
    pub async fn asset_account(&mut self, i: usize, owner: &Pubkey, amount: u64) -> Pubkey {
        let a = self.assets[i].clone();
        let t = self.env.create_token_account(&a.token_program, &a.mint, owner).await;
        if amount > 0 {
            self.env.mint_to(&a.token_program, &a.mint, &t, amount).await;
        }
        t
    }

    pub async fn deposit_asset_ix(
        &mut self,
        u: &User,
        i: u8,
        from: &Pubkey,
        amount: u64,
        min_shares: u64,
    ) -> Instruction {
        let s = self.state().await;
        ix::deposit_asset(&u.kp.pubkey(), &self.vault, &s, i, from, &u.share_token, amount, min_shares)
    }

    pub async fn deposit_asset(&mut self, u: &User, i: u8, from: &Pubkey, amount: u64, min_shares: u64) -> Outcome {
        let ix = self.deposit_asset_ix(u, i, from, amount, min_shares).await;
        self.env.send(&[ix], &[&u.kp]).await
    }
}

impl Fixture {
    /// The user's token accounts for the base then every asset (created empty where missing).
    pub async fn holding_accounts(&mut self, u: &User) -> Vec<Pubkey> {
        let mut out = vec![u.base_token];
        for i in 0..self.assets.len() {
            out.push(self.asset_account(i, &u.kp.pubkey(), 0).await);
        }
        out
    }

    pub async fn redeem_ix(&mut self, u: &User, accounts: &[Pubkey], shares: u64, min: Vec<u64>) -> Instruction {
        let s = self.state().await;
        ix::redeem_in_kind(&u.kp.pubkey(), &self.vault, &s, &u.share_token, accounts, shares, min)
    }

    pub async fn redeem(&mut self, u: &User, accounts: &[Pubkey], shares: u64, min: Vec<u64>) -> Outcome {
        let ix = self.redeem_ix(u, accounts, shares, min).await;
        self.env.send(&[ix], &[&u.kp]).await
    }
}

/// Fees, timelocked changes and the allowlist.
impl Fixture {
    /// A share token account of this vault for `owner` (e.g. the fee recipient).
    pub async fn share_account(&mut self, owner: &Pubkey) -> Pubkey {
        let sm = self.share_mint();
        self.env.create_token_account(&TOKEN_PROGRAM_ID, &sm, owner).await
    }

    pub async fn accrue_fees_ix(&mut self, recipient_share_token: &Pubkey) -> Instruction {
        let s = self.state().await;
        ix::accrue_fees(&self.vault, &s, recipient_share_token)
    }

    /// Cranks `accrue_fees` (permissionless: only the test payer signs).
    pub async fn accrue_fees(&mut self, recipient_share_token: &Pubkey) -> Outcome {
        let ix = self.accrue_fees_ix(recipient_share_token).await;
        self.env.send(&[ix], &[]).await
    }

    pub async fn set_fees(&mut self, management_bps: u16, performance_bps: u16) -> Outcome {
        let s = self.state().await;
        let admin = self.admin.insecure_clone();
        let ix = ix::set_fees(&admin.pubkey(), &self.vault, &s, management_bps, performance_bps);
        self.env.send(&[ix], &[&admin]).await
    }

    /// `propose_change` signed by the admin.
    pub async fn propose(&mut self, change: &ix::ConfigChange) -> Outcome {
        let admin = self.admin.insecure_clone();
        let ix = ix::propose_change(&admin.pubkey(), &self.vault, change);
        self.env.send(&[ix], &[&admin]).await
    }

    /// `apply_change` of the admin's pending proposal of `kind` (permissionless).
    pub async fn apply_ix(&mut self, kind: ix::ProposalKind) -> Instruction {
        let s = self.state().await;
        ix::apply_change(&self.vault, &s, kind, &self.admin.pubkey())
    }

    pub async fn apply(&mut self, kind: ix::ProposalKind) -> Outcome {
        let ix = self.apply_ix(kind).await;
        self.env.send(&[ix], &[]).await
    }

    /// The pending proposal of `kind`, if any.
    pub async fn proposal(&mut self, kind: ix::ProposalKind) -> Option<ix::Proposal> {
        let key = pda::proposal(&self.vault, kind).0;
        self.env.data(&key).await.and_then(|d| ix::decode_proposal(&d))
    }

    /// `set_depositor(user, allowed)` signed by the admin.
    pub async fn set_depositor(&mut self, user: &Pubkey, allowed: bool) -> Outcome {
        let admin = self.admin.insecure_clone();
        let ix = ix::set_depositor(&admin.pubkey(), &self.vault, user, allowed);
        self.env.send(&[ix], &[&admin]).await
    }
}

/// A compute-budget instruction that changes nothing but makes otherwise identical transactions
/// distinct (so a test can send the same instruction many times in one slot).
pub fn distinct(n: u32) -> Instruction {
    rpv_sdk::cu::limit_to(200_000 + n)
}

impl Fixture {
    /// The oracle prices as written (one per asset, registry order).
    pub fn prices(&self) -> Vec<rpv_core::price::OraclePrice> {
        self.assets
            .iter()
            .map(|a| rpv_core::price::OraclePrice {
                price: a.price as u64,
                conf: a.conf,
                expo: a.expo,
                publish_time: 0,
            })
            .collect()
    }

    pub async fn quote_ix(&mut self) -> Instruction {
        let s = self.state().await;
        ix::quote(&self.vault, &s)
    }

    /// Sends `quote` (no signer besides the fee payer).
    pub async fn quote(&mut self) -> Outcome {
        let ix = self.quote_ix().await;
        self.env.send(&[ix], &[]).await
    }

    /// What the SDK computes `quote` should answer now, from the accounts as they are.
    pub async fn expected_quote(&mut self) -> ix::VaultQuote {
        let s = self.state().await;
        let r = self.risk().await;
        let sm = self.share_mint();
        let supply = self.env.mint_supply(&sm).await;
        let now = self.env.now().await;
        ix::expected_quote(&s, &r, supply, &self.prices(), now).expect("no overflow")
    }
}

/// A rebalancing keeper: token accounts for the base and every asset.
pub struct Keeper {
    pub kp: Keypair,
    pub base_token: Pubkey,
    pub asset_tokens: Vec<Pubkey>,
}

/// Rebalancing parameters with every cap open (1-minute cooldown, whole-NAV legs and days,
/// 1 % of NAV incentive budget): for tests and benchmarks that are not about the caps.
pub fn loose_rebalance_params() -> ix::RebalanceParams {
    ix::RebalanceParams {
        cooldown_secs: 60,
        max_leg_bps: 10_000,
        max_turnover_bps: 10_000,
        max_reduction_bps: 10_000,
        incentive_budget_ppm: 10_000,
        ..ix::RebalanceParams::default()
    }
}

/// Rebalancing.
impl Fixture {
    /// `self` with `params`, `base` base units deposited by a fresh user and a positions step
    /// after it: every asset is below its target (the deposit sits in base).
    pub async fn funded_for_rebalance(mut self, params: ix::RebalanceParams, base: u64) -> Self {
        self.set_rebalance_params(params).await.ok();
        let u = self.user(base).await;
        self.deposit(&u, base, 0).await.ok();
        self.step(60).await.ok();
        self
    }

    /// A keeper holding `base_amount` base units and `asset_amount` of every asset.
    pub async fn keeper(&mut self, base_amount: u64, asset_amount: u64) -> Keeper {
        let kp = Keypair::new();
        self.env.fund(&kp.pubkey(), 1_000_000_000).await;
        let base_token = self.env.create_token_account(&self.base_program, &self.base_mint, &kp.pubkey()).await;
        if base_amount > 0 {
            let (p, m) = (self.base_program, self.base_mint);
            self.env.mint_to(&p, &m, &base_token, base_amount).await;
        }
        let mut asset_tokens = Vec::new();
        for i in 0..self.assets.len() {
            asset_tokens.push(self.asset_account(i, &kp.pubkey(), asset_amount).await);
        }
        Keeper { kp, base_token, asset_tokens }
    }

    /// The leg `rebalance` picks with `leg = AUTO_LEG` now (computed off-chain with the core).
    pub async fn auto_leg(&mut self) -> Option<u8> {
        let s = self.state().await;
        let r = self.risk().await;
        let now = self.env.now().await;
        rpv_sdk::sim::auto_leg(&s, &r, now).unwrap().map(|i| i as u8)
    }

    /// The trade the program would plan now for slot `leg` (SDK simulation on the accounts and
    /// oracle values as written).
    pub async fn planned(&mut self, leg: u8) -> rpv_core::rebalance::Plan {
        self.plan_now(leg).await.expect("a trade")
    }

    /// [`Fixture::planned`], or the core error the program would refuse with.
    pub async fn plan_now(&mut self, leg: u8) -> rpv_core::error::CoreResult<rpv_core::rebalance::Plan> {
        let s = self.state().await;
        let r = self.risk().await;
        let now = self.env.now().await;
        let prices = self.prices();
        let i = usize::from(leg);
        let under = s.assets[i].option.is_option().then(|| prices[usize::from(s.assets[i].option.underlying)]);
        rpv_sdk::sim::rebalance_plan(&s, &r, i, &prices[i], under.as_ref(), 0, now).map(|p| p.0)
    }

    /// A flash rebalance of slot `leg` in which `venue` (owning `venue_tokens`: its base and leg
    /// token accounts) delivers what the vault is owed between begin and end, as a swap would.
    pub async fn flash_with_delivery(
        &mut self,
        k: &Keeper,
        leg: u8,
        venue: &Keypair,
        venue_tokens: (Pubkey, Pubkey),
    ) -> Vec<Instruction> {
        let plan = self.planned(leg).await;
        let s = self.state().await;
        let (begin, end) = self.flash_ixs(k, leg, ix::RebalanceArgs::any_price(leg)).await;
        let slot = &s.assets[usize::from(leg)];
        let deliver = match plan.side {
            rpv_core::rebalance::Side::Sell => spl::transfer_checked(
                &self.base_program,
                &venue_tokens.0,
                &self.base_mint,
                &Pubkey::new_from_array(s.base_vault),
                &venue.pubkey(),
                plan.base_amount,
                s.base_decimals,
            ),
            rpv_core::rebalance::Side::Buy => spl::transfer_checked(
                &Pubkey::new_from_array(slot.token_program),
                &venue_tokens.1,
                &Pubkey::new_from_array(slot.mint),
                &Pubkey::new_from_array(slot.token_account),
                &venue.pubkey(),
                plan.qty,
                slot.decimals,
            ),
        };
        vec![begin, deliver, end]
    }

    pub async fn rebalance_ix(&mut self, k: &Keeper, leg: u8, args: ix::RebalanceArgs) -> Instruction {
        let s = self.state().await;
        ix::rebalance(&k.kp.pubkey(), &self.vault, &s, leg, &k.base_token, &k.asset_tokens[usize::from(leg)], args)
    }

    /// `rebalance` of slot `leg` with `args` (the keeper signs).
    pub async fn rebalance(&mut self, k: &Keeper, leg: u8, args: ix::RebalanceArgs) -> Outcome {
        let ix = self.rebalance_ix(k, leg, args).await;
        self.env.send(&[ix], &[&k.kp]).await
    }

    /// `rebalance_begin` and `rebalance_end` of slot `leg`.
    pub async fn flash_ixs(&mut self, k: &Keeper, leg: u8, args: ix::RebalanceArgs) -> (Instruction, Instruction) {
        let s = self.state().await;
        let begin = ix::rebalance_begin(
            &k.kp.pubkey(),
            &self.vault,
            &s,
            leg,
            &k.base_token,
            &k.asset_tokens[usize::from(leg)],
            args,
        );
        (begin, ix::rebalance_end(&k.kp.pubkey(), &self.vault, &s, leg))
    }

    pub async fn set_rebalance_params(&mut self, p: ix::RebalanceParams) -> Outcome {
        let admin = self.admin.insecure_clone();
        let ix = ix::set_rebalance_params(&admin.pubkey(), &self.vault, p);
        self.env.send(&[ix], &[&admin]).await
    }

    /// Value of slot `i`'s accounted holding at the oracle mid price (base units, rounded down).
    pub async fn value_of(&mut self, i: usize) -> u64 {
        let s = self.state().await;
        let a = &self.assets[i];
        let p = rpv_core::price::OraclePrice { price: a.price as u64, conf: 0, expo: a.expo, publish_time: 0 };
        rpv_core::math::value_in_base(
            s.assets[i].quantity,
            &p,
            a.decimals,
            s.base_decimals,
            rpv_core::math::Rounding::Down,
        )
        .unwrap()
    }
}

/// The `Rebalanced` events of an outcome.
pub fn rebalanced(out: &Outcome) -> Vec<rpv_sdk::events::Rebalanced> {
    out.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Rebalanced(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// A Switchboard On-Demand `PullFeedAccountData` account (the program's exact layout, from the
/// core's encoder) for `feed_hash` at `value` ± `std_dev` (18-decimal fixed point), its result
/// at `slot` and `time`.
pub fn switchboard_feed(feed_hash: [u8; 32], value: i128, std_dev: i128, slot: u64, time: i64) -> Vec<u8> {
    use rpv_core::switchboard::{PullFeed, PULL_FEED_ACCOUNT_LEN, PULL_FEED_DISCRIMINATOR};
    let mut empty = vec![0u8; PULL_FEED_ACCOUNT_LEN];
    empty[..8].copy_from_slice(&PULL_FEED_DISCRIMINATOR);
    let mut d = PullFeed::decode(&empty).expect("an empty feed decodes");
    d.feed_hash = feed_hash;
    d.value = value;
    d.std_dev = std_dev;
    d.num_samples = 3;
    d.result_slot = slot;
    d.last_update_timestamp = time;
    d.encode()
}
