//! Builders: instruction arguments and instructions for the fixture's vault. Every instruction
//! and every address comes from the SDK (`rpv_sdk::ix`, `rpv_sdk::pda`); these only fill in the
//! fixture's accounts and the test defaults.

use rpv_sdk::{ix, pda, spl, TOKEN_PROGRAM_ID};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::{Fixture, Keeper, OptionKind, TestAsset, User, DEFAULT_CAP, DEFAULT_MIN, SEED_DEPOSIT};

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

/// The in-kind cap of the fixture's assets: room for every in-kind deposit of the tests not
/// about the cap (10^15 smallest units: 10^6 whole tokens of 9 decimals).
pub const IN_KIND_CAP: u64 = 1_000_000_000_000_000;

/// A compute-budget instruction that changes nothing but makes otherwise identical transactions
/// distinct (so a test can send the same instruction many times in one slot).
pub fn distinct(n: u32) -> Instruction {
    rpv_sdk::cu::limit_to(200_000 + n)
}

pub use rpv_sdk::ix::loose_rebalance_params;

/// Arguments and addresses.
impl Fixture {
    /// The SDK's defaults (fee recipient = admin, maxima 5 %/yr and 30 %, no fee charged, no
    /// allowlist) except the timelock: the general fixture applies every change at once, the
    /// timelock tests set one.
    pub fn init_args(&self) -> ix::InitializeVaultArgs {
        ix::InitializeVaultArgs {
            timelock_secs: 0,
            ..ix::InitializeVaultArgs::new(self.vault_id, DEFAULT_CAP, DEFAULT_MIN, SEED_DEPOSIT, &self.admin.pubkey())
        }
    }

    pub fn asset_args(a: &TestAsset) -> ix::AddAssetArgs {
        ix::AddAssetArgs {
            oracle_kind: ix::OracleKind::Pyth,
            feed_id: a.feed,
            max_oracle_age: 60,
            max_conf_bps: 200,
            risk_budget: 62_500_000,
            in_kind_cap: IN_KIND_CAP,
            oracle_queue: [0; 32],
        }
    }

    /// Budgets summing to exactly 10^9 over the registered assets (the remainder on the last).
    pub fn equal_budgets(n: usize) -> Vec<u64> {
        let each = 1_000_000_000 / n as u64;
        let mut b = vec![each; n];
        b[n - 1] += 1_000_000_000 - each * n as u64;
        b
    }

    pub fn share_mint(&self) -> Pubkey {
        pda::share_mint(&self.vault).0
    }

    pub fn base_vault(&self) -> Pubkey {
        pda::token_account(&self.vault, &self.base_mint).0
    }
}

/// Instructions.
impl Fixture {
    pub fn init_ix(&self, args: ix::InitializeVaultArgs) -> Instruction {
        ix::initialize_vault(&self.admin.pubkey(), &self.base_mint, &self.base_program, &self.admin_base_token, args)
    }

    pub fn add_asset_ix(&self, a: &TestAsset, args: ix::AddAssetArgs) -> Instruction {
        ix::add_asset(&self.admin.pubkey(), &self.vault, &a.mint, &a.token_program, &a.oracle, args)
    }

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

    pub async fn refresh_ix(&mut self) -> Instruction {
        let s = self.state().await;
        ix::refresh(&self.vault, &s)
    }

    pub async fn deposit_ix(&mut self, u: &User, amount: u64, min_shares: u64) -> Instruction {
        let s = self.state().await;
        ix::deposit(&u.kp.pubkey(), &self.vault, &s, &u.base_token, &u.share_token, amount, min_shares)
    }

    pub async fn withdraw_ix(&mut self, u: &User, shares: u64, min_amount: u64) -> Instruction {
        let s = self.state().await;
        ix::withdraw(&u.kp.pubkey(), &self.vault, &s, &u.base_token, &u.share_token, shares, min_amount)
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

    pub async fn redeem_ix(&mut self, u: &User, accounts: &[Pubkey], shares: u64, min: Vec<u64>) -> Instruction {
        let s = self.state().await;
        ix::redeem_in_kind(&u.kp.pubkey(), &self.vault, &s, &u.share_token, accounts, shares, min)
    }

    pub async fn accrue_fees_ix(&mut self, recipient_share_token: &Pubkey) -> Instruction {
        let s = self.state().await;
        ix::accrue_fees(&self.vault, &s, recipient_share_token)
    }

    /// `apply_change` of the admin's pending proposal of `kind` (permissionless).
    pub async fn apply_ix(&mut self, kind: ix::ProposalKind) -> Instruction {
        let s = self.state().await;
        ix::apply_change(&self.vault, &s, kind, &self.admin.pubkey())
    }

    pub async fn quote_ix(&mut self) -> Instruction {
        let s = self.state().await;
        ix::quote(&self.vault, &s)
    }

    pub async fn rebalance_ix(&mut self, k: &Keeper, leg: u8, args: ix::RebalanceArgs) -> Instruction {
        let s = self.state().await;
        ix::rebalance(&k.kp.pubkey(), &self.vault, &s, leg, &k.base_token, &k.asset_tokens[usize::from(leg)], args)
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
}
