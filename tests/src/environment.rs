//! The environment: the built `rpv_vault.so` loaded by the BPF loader into solana-program-test's
//! bank with mainnet-beta's feature set, the clock, and the fixtures a test starts from — SPL
//! mints and token accounts created through the real token programs, funded users and keepers,
//! Pyth / Switchboard oracle accounts in their exact byte layouts, and vaults with assets.

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        OnceLock,
    },
};

use rpv_core::layout::VaultState;
use rpv_sdk::{ix, pda, pyth, spl, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID, TOKEN_PROGRAM_ID};
use solana_account::{Account, AccountSharedData};
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_program_test::{ProgramTest, ProgramTestContext};
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::{Outcome, Series};

static KEY_SEED: OnceLock<u64> = OnceLock::new();
static KEY_COUNT: AtomicU64 = AtomicU64::new(0);

/// From now on [`new_keypair`] derives keys from `seed` and a counter instead of the OS's
/// randomness. The CU benchmark calls it: instructions that derive a PDA by bump search cost
/// ≈ 1.5k CU per attempt, so its table is only reproducible with the same keys on every run.
pub fn deterministic_keys(seed: u64) {
    let _ = KEY_SEED.set(seed);
}

/// A new keypair for the test environment: random, or the next of the seeded sequence after
/// [`deterministic_keys`].
pub fn new_keypair() -> Keypair {
    let Some(seed) = KEY_SEED.get() else { return Keypair::new() };
    // splitmix64 over (seed, counter): 32 bytes of secret key per call
    let mut x = seed ^ KEY_COUNT.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut secret = [0u8; 32];
    for chunk in secret.chunks_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    Keypair::new_from_array(secret)
}

/// Path of the program under test ([`rpv_sdk::default_program_path`]).
pub fn program_so() -> PathBuf {
    rpv_sdk::default_program_path()
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// One base token (the fixtures' base mint has 6 decimals, like USDC).
pub const USDC: u64 = 1_000_000;

pub const SEED_DEPOSIT: u64 = 1_000_000;
/// The program's bound on `solve_weights` (the tests check both sides of it).
pub use rpv_sdk::ix::MAX_ONCHAIN_SOLVE;
pub const DEFAULT_CAP: u64 = 1_000_000_000_000_000;
pub const DEFAULT_MIN: u64 = 1_000;

pub struct Env {
    pub ctx: ProgramTestContext,
    /// Signatures sent so far (see [`Env::send`]).
    pub(crate) seen: HashSet<solana_transaction::Signature>,
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
        // exactly what ProgramTest::add_program does for a BPF program, from our own paths
        pt.add_account(PROGRAM_ID, program_account(elf));
        for (id, path) in extra {
            let elf = std::fs::read(path).unwrap_or_else(|e| {
                panic!(
                    "cannot read {}: {e}. Build it with `cargo xtask build-sbf` (our programs) or \
                     `cargo xtask build-dex` (the venue), or run `cargo xtask test`.",
                    path.display()
                )
            });
            pt.add_account(*id, program_account(elf));
        }
        let ctx = pt.start_with_context().await;
        Self { ctx, seen: HashSet::new() }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// A new keypair holding 1 SOL (a caller, intruder or keeper with no tokens).
    pub async fn funded_keypair(&mut self) -> Keypair {
        let k = new_keypair();
        self.fund(&k.pubkey(), 1_000_000_000).await;
        k
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

    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        self.ctx.set_account(key, &AccountSharedData::from(account));
    }

    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.payer().pubkey();
        self.send(&[spl::transfer_lamports(&payer, to, lamports)], &[]).await.ok();
    }

    /// A new mint (authority = test payer) under `token_program`.
    pub async fn create_mint(&mut self, token_program: &Pubkey, decimals: u8) -> Pubkey {
        self.create_mint_frozen_by(token_program, decimals, None).await
    }

    /// A new mint (authority = test payer) whose freeze authority is the test payer, as USDC's
    /// is its issuer ([`Env::freeze`] freezes its accounts).
    pub async fn create_freezable_mint(&mut self, token_program: &Pubkey, decimals: u8) -> Pubkey {
        let payer = self.payer().pubkey();
        self.create_mint_frozen_by(token_program, decimals, Some(payer)).await
    }

    async fn create_mint_frozen_by(&mut self, token_program: &Pubkey, decimals: u8, freeze: Option<Pubkey>) -> Pubkey {
        let mint = new_keypair();
        let payer = self.payer().pubkey();
        let rent = self.ctx.banks_client.get_rent().await.unwrap().minimum_balance(spl::MINT_LEN as usize);
        let init = spl_token_2022_interface::instruction::initialize_mint2(
            token_program,
            &mint.pubkey(),
            &payer,
            freeze.as_ref(),
            decimals,
        )
        .expect("a token program");
        self.send(&[spl::create_account(&payer, &mint.pubkey(), rent, spl::MINT_LEN, token_program), init], &[&mint])
            .await
            .ok();
        mint.pubkey()
    }

    /// Freezes token `account` of `mint`, signed by its freeze authority (the test payer).
    pub async fn freeze(&mut self, token_program: &Pubkey, account: &Pubkey, mint: &Pubkey) {
        let payer = self.payer().pubkey();
        let ix = spl_token_2022_interface::instruction::freeze_account(token_program, account, mint, &payer, &[])
            .expect("a token program");
        self.send(&[ix], &[]).await.ok();
    }

    pub async fn create_token_account(&mut self, token_program: &Pubkey, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let acct = new_keypair();
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

    /// A new Token-2022 mint (authority = test payer) carrying `extension`, initialised through
    /// the Token-2022 program the bank loads (the extension's own instruction, then
    /// `InitializeMint2`).
    pub async fn create_mint_with_extension(&mut self, extension: MintExtension, decimals: u8) -> Pubkey {
        use spl_token_2022_interface::{extension::ExtensionType, state::Mint};
        let program = rpv_sdk::TOKEN_2022_PROGRAM_ID;
        let mint = new_keypair();
        let payer = self.payer().pubkey();
        let (ty, init) = match extension {
            MintExtension::ScaledUiAmount => (
                ExtensionType::ScaledUiAmount,
                spl_token_2022_interface::extension::scaled_ui_amount::instruction::initialize(
                    &program,
                    &mint.pubkey(),
                    Some(payer),
                    2.0,
                ),
            ),
            MintExtension::InterestBearing => (
                ExtensionType::InterestBearingConfig,
                spl_token_2022_interface::extension::interest_bearing_mint::instruction::initialize(
                    &program,
                    &mint.pubkey(),
                    Some(payer),
                    500,
                ),
            ),
            MintExtension::CloseAuthority => (
                ExtensionType::MintCloseAuthority,
                spl_token_2022_interface::instruction::initialize_mint_close_authority(
                    &program,
                    &mint.pubkey(),
                    Some(&payer),
                ),
            ),
        };
        let len = ExtensionType::try_calculate_account_len::<Mint>(&[ty]).expect("mint length");
        let rent = self.ctx.banks_client.get_rent().await.unwrap().minimum_balance(len);
        self.send(
            &[
                spl::create_account(&payer, &mint.pubkey(), rent, len as u64, &program),
                init.expect("extension instruction"),
                spl::initialize_mint2(&program, &mint.pubkey(), &payer, decimals),
            ],
            &[&mint],
        )
        .await
        .ok();
        mint.pubkey()
    }

    /// Writes a Pyth `PriceUpdateV2` account (owner: the Pyth receiver program).
    pub fn set_pyth(&mut self, key: &Pubkey, data: Vec<u8>) {
        self.set_pyth_owned(key, data, PYTH_RECEIVER_PROGRAM_ID);
    }

    pub fn set_pyth_owned(&mut self, key: &Pubkey, data: Vec<u8>, owner: Pubkey) {
        self.set_account(key, Account { lamports: 10_000_000, data, owner, executable: false, rent_epoch: 0 });
    }
}

/// An executable account of the BPF loader holding `elf`.
fn program_account(elf: Vec<u8>) -> Account {
    const BPF_LOADER: Pubkey = Pubkey::from_str_const("BPFLoader2111111111111111111111111111111111");
    Account { lamports: 1_000_000_000_000, data: elf, owner: BPF_LOADER, executable: true, rent_epoch: 0 }
}

/// Token-2022 mint extensions the attack tests create real mints with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExtension {
    /// UI amount = raw amount × a multiplier the authority changes at will.
    ScaledUiAmount,
    /// UI amount accrues interest at a rate the authority sets.
    InterestBearing,
    /// The mint can be closed (at zero supply) and re-created with other extensions.
    CloseAuthority,
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

impl TestAsset {
    /// A Switchboard-priced spot asset (SPL Token mint with 6 decimals) as the fixture records
    /// it; its price lives in the feed account (18 decimals), not in `price`.
    pub fn switchboard(mint: Pubkey, oracle: Pubkey, feed: [u8; 32]) -> Self {
        Self { mint, token_program: TOKEN_PROGRAM_ID, decimals: 6, oracle, feed, price: 0, conf: 0, expo: -18 }
    }
}

pub struct User {
    pub kp: Keypair,
    pub base_token: Pubkey,
    pub share_token: Pubkey,
}

/// A rebalancing keeper: token accounts for the base and every asset.
pub struct Keeper {
    pub kp: Keypair,
    pub base_token: Pubkey,
    pub asset_tokens: Vec<Pubkey>,
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

/// Asset `i` of a generated vault: decimals cycle 9, 8, 6; price $(10·(i+1)).5 at expo −8.
pub fn asset_params(i: usize) -> (u8, i64) {
    let decimals = [9u8, 8, 6][i % 3];
    let price = (10 * (i as i64 + 1)) * 100_000_000 + 50_000_000;
    (decimals, price)
}

/// Vaults to start from.
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
        let admin = new_keypair();
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

    /// Spot A ($10.50, 9 decimals), spot B ($20.50, 8 decimals), then `series` (budget 10 %
    /// each on registration); equal budgets; refreshed a minute later (with the positions step).
    pub async fn with_options(series: &[Series]) -> Self {
        let mut f = Self::with_assets(2).await;
        for s in series {
            f.add_option(s, 100_000_000).await.ok();
        }
        f.set_equal_budgets().await.ok();
        f.step(60).await.ok();
        f
    }

    /// A vault with `n` assets charging `management_bps` / `performance_bps` to a fresh
    /// recipient, and that recipient's share token account: `(fixture, recipient, its account)`.
    pub async fn with_fees(n: usize, management_bps: u16, performance_bps: u16) -> (Self, Pubkey, Pubkey) {
        let recipient = new_keypair().pubkey();
        let mut f = Self::with_assets_and(n, |a| {
            a.management_fee_bps = management_bps;
            a.performance_fee_bps = performance_bps;
            a.fee_recipient = recipient;
        })
        .await;
        let to = f.share_account(&recipient).await;
        (f, recipient, to)
    }

    /// A vault with `n` assets, a one-day timelock and fees of 2 %/yr and 10 %.
    pub async fn with_timelock(n: usize) -> Self {
        Self::with_assets_and(n, |a| {
            a.timelock_secs = DAY as u32;
            a.management_fee_bps = 200;
            a.performance_fee_bps = 1_000;
        })
        .await
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

    /// `self` with `params`, `base` base units deposited by a fresh user and a positions step
    /// after it: every asset is below its target (the deposit sits in base).
    pub async fn funded_for_rebalance(mut self, params: ix::RebalanceParams, base: u64) -> Self {
        self.set_rebalance_params(params).await.ok();
        let u = self.user(base).await;
        self.deposit(&u, base, 0).await.ok();
        self.step(60).await.ok();
        self
    }
}

/// Oracles, the clock and test-only state.
impl Fixture {
    /// Creates a mint and a fresh oracle for it (not registered).
    pub async fn new_asset(&mut self, token_program: Pubkey, decimals: u8, price: i64) -> TestAsset {
        let mint = self.env.create_mint(&token_program, decimals).await;
        self.asset_of(mint, token_program, decimals, price).await
    }

    /// [`Fixture::new_asset`] with a mint whose freeze authority is the test payer.
    pub async fn new_freezable_asset(&mut self, token_program: Pubkey, decimals: u8, price: i64) -> TestAsset {
        let mint = self.env.create_freezable_mint(&token_program, decimals).await;
        self.asset_of(mint, token_program, decimals, price).await
    }

    /// A fresh oracle for `mint` (not registered).
    async fn asset_of(&mut self, mint: Pubkey, token_program: Pubkey, decimals: u8, price: i64) -> TestAsset {
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

    /// Moves the clock by `seconds` and multiplies asset `i`'s price by `factors[i]`, its oracle
    /// re-published at the new time (no refresh).
    pub async fn move_prices(&mut self, seconds: i64, factors: &[f64]) {
        self.env.advance_time(seconds).await;
        for (i, k) in factors.iter().enumerate() {
            let p = (self.assets[i].price as f64 * k) as i64;
            self.set_price(i, p).await;
        }
    }

    /// Two hourly refreshes in which the even assets move by +2 % then −1.5 % and the odd ones
    /// by the inverse square root of that: a covariance with correlations.
    pub async fn correlated_history(&mut self) {
        for bump in [1.02f64, 0.985] {
            let factors: Vec<f64> =
                (0..self.assets.len()).map(|i| if i % 2 == 0 { bump } else { 1.0 / bump.sqrt() }).collect();
            self.move_prices(3_600, &factors).await;
            self.refresh().await.ok();
        }
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

    /// Moves the clock by `seconds`, re-publishes every oracle at the new time and refreshes.
    pub async fn step(&mut self, seconds: i64) -> Outcome {
        self.env.advance_time(seconds).await;
        self.refresh_oracles().await;
        self.refresh().await
    }

    /// Registers a spot asset (SPL Token, 6 decimals) priced by a Switchboard feed named `name`
    /// at `usd` (max age 50 slots, confidence ≤ 1 %, budget 1 ppb) and records it in
    /// [`Fixture::assets`]. Returns its feed account and hash.
    pub async fn add_switchboard_asset(&mut self, name: &str, usd: f64) -> (Pubkey, [u8; 32]) {
        let mint = self.env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
        let oracle = Pubkey::new_unique();
        let hash = pyth::feed_id(name);
        let slot = self.env.clock().await.slot;
        self.write_switchboard(&oracle, hash, usd, slot).await;
        let args = ix::AddAssetArgs {
            oracle_kind: ix::OracleKind::Switchboard,
            feed_id: hash,
            max_oracle_age: 50,
            max_conf_bps: 100,
            risk_budget: 1,
            oracle_queue: TEST_SWITCHBOARD_QUEUE,
            in_kind_cap: crate::IN_KIND_CAP,
        };
        let add = ix::add_asset(&self.admin.pubkey(), &self.vault, &mint, &TOKEN_PROGRAM_ID, &oracle, args);
        self.send_as_admin(add).await.ok();
        self.assets.push(TestAsset::switchboard(mint, oracle, hash));
        (oracle, hash)
    }

    /// Writes the Switchboard feed `oracle` (hash `hash`) with value `usd` ± 0.05 % sampled at
    /// `result_slot`, landed now.
    pub async fn write_switchboard(&mut self, oracle: &Pubkey, hash: [u8; 32], usd: f64, result_slot: u64) {
        let now = self.env.now().await;
        let value = (usd * 1e6) as i128 * 1_000_000_000_000;
        let feed = switchboard_feed(hash, value, value / 2_000, result_slot, now);
        let owner = Pubkey::new_from_array(rpv_core::switchboard::SWITCHBOARD_ON_DEMAND_PROGRAM_ID);
        self.env.set_pyth_owned(oracle, feed, owner);
    }

    /// Moves the cluster clock's slot by `slots` (time unchanged); returns the new slot.
    pub async fn advance_slots(&mut self, slots: u64) -> u64 {
        let mut clock = self.env.clock().await;
        clock.slot += slots;
        self.env.ctx.set_sysvar(&clock);
        clock.slot
    }

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
}

/// Users, keepers and their token accounts.
impl Fixture {
    /// A user with SOL, `base_amount` base tokens and an empty share token account.
    pub async fn user(&mut self, base_amount: u64) -> User {
        let kp = self.env.funded_keypair().await;
        let base_token = self.env.create_token_account(&self.base_program, &self.base_mint, &kp.pubkey()).await;
        if base_amount > 0 {
            let (p, m) = (self.base_program, self.base_mint);
            self.env.mint_to(&p, &m, &base_token, base_amount).await;
        }
        let share_mint = pda::share_mint(&self.vault).0;
        let share_token = self.env.create_token_account(&TOKEN_PROGRAM_ID, &share_mint, &kp.pubkey()).await;
        User { kp, base_token, share_token }
    }

    /// A keeper holding `base_amount` base units and `asset_amount` of every asset.
    pub async fn keeper(&mut self, base_amount: u64, asset_amount: u64) -> Keeper {
        let kp = self.env.funded_keypair().await;
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

    /// A token account of asset `i` for `owner`, holding `amount`.
    pub async fn asset_account(&mut self, i: usize, owner: &Pubkey, amount: u64) -> Pubkey {
        let a = self.assets[i].clone();
        let t = self.env.create_token_account(&a.token_program, &a.mint, owner).await;
        if amount > 0 {
            self.env.mint_to(&a.token_program, &a.mint, &t, amount).await;
        }
        t
    }

    /// A keeper with plenty of everything (10 M base, 10^15 units of every asset).
    pub async fn rich_keeper(&mut self) -> Keeper {
        self.keeper(10_000_000 * USDC, 1_000_000_000_000_000).await
    }

    /// The user's token accounts for the base then every asset (created empty where missing).
    pub async fn holding_accounts(&mut self, u: &User) -> Vec<Pubkey> {
        let mut out = vec![u.base_token];
        for i in 0..self.assets.len() {
            out.push(self.asset_account(i, &u.kp.pubkey(), 0).await);
        }
        out
    }

    /// A share token account of this vault for `owner` (e.g. the fee recipient).
    pub async fn share_account(&mut self, owner: &Pubkey) -> Pubkey {
        let sm = self.share_mint();
        self.env.create_token_account(&TOKEN_PROGRAM_ID, &sm, owner).await
    }
}

/// The queue of [`switchboard_feed`]'s feeds (the embedded SVM's simulated queue).
pub const TEST_SWITCHBOARD_QUEUE: [u8; 32] = rpv_sdk::SIMULATED_SWITCHBOARD_QUEUE;

/// A real mainnet oracle account from the shared fixtures (`/work/shared/fixtures/oracles`,
/// third-party bytes read in place, never copied into the repository; `RPV_ORACLE_FIXTURES`
/// overrides the directory): `(address, owner, data)`.
pub fn oracle_fixture(name: &str) -> (Pubkey, Pubkey, Vec<u8>) {
    use base64::Engine;
    let dir = std::env::var_os("RPV_ORACLE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/oracles"));
    let path = dir.join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the oracle fixture {}: {e}", path.display()));
    let j: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
    let field = |k: &str| j[k].as_str().unwrap_or_else(|| panic!("{name}: no `{k}`")).to_string();
    let data = base64::engine::general_purpose::STANDARD.decode(field("data_base64")).expect("base64");
    (field("pubkey").parse().expect("pubkey"), field("owner").parse().expect("owner"), data)
}

/// A Switchboard On-Demand `PullFeedAccountData` account (the program's exact layout, from the
/// core's encoder) for `feed_hash` at `value` ± `std_dev` (18-decimal fixed point), its result
/// at `slot` and `time`, on [`TEST_SWITCHBOARD_QUEUE`] with [`rpv_core::switchboard::MIN_SAMPLES`]
/// samples.
pub fn switchboard_feed(feed_hash: [u8; 32], value: i128, std_dev: i128, slot: u64, time: i64) -> Vec<u8> {
    use rpv_core::switchboard::{PullFeed, PULL_FEED_ACCOUNT_LEN, PULL_FEED_DISCRIMINATOR};
    let mut empty = vec![0u8; PULL_FEED_ACCOUNT_LEN];
    empty[..8].copy_from_slice(&PULL_FEED_DISCRIMINATOR);
    let mut d = PullFeed::decode(&empty).expect("an empty feed decodes");
    d.feed_hash = feed_hash;
    d.value = value;
    d.std_dev = std_dev;
    d.queue = TEST_SWITCHBOARD_QUEUE;
    d.num_samples = rpv_core::switchboard::MIN_SAMPLES;
    d.result_slot = slot;
    d.last_update_timestamp = time;
    d.encode()
}
