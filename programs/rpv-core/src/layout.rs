//! The zero-copy account layouts — the bottom of the crate: this module imports nothing from
//! the rest of it, and holds no behaviour beyond plain accessors. What the vault *does* with
//! these bytes lives in inherent `impl` blocks in the layer it belongs to: the invariant and
//! share totals in [`accounting`](crate::accounting), fee accrual in [`fees`](crate::fees), NAV
//! and option marks in [`valuation`](crate::valuation), the risk model in
//! [`risk_account`](crate::risk_account), rebalance planning in [`rebalance`](crate::rebalance).
//!
//! One `VaultState` per vault and one `RiskState` per risk account, each stored after Anchor's
//! 8-byte discriminator. Every field has alignment ≤ 8 (SBF account data is 8-aligned), keys are
//! raw `[u8; 32]`, fixed-point values are I80F48 raw bits ([`FxBits`], alignment 1), and each
//! struct carries reserved bytes for later versions. Each `LEN` is written one commented line
//! per field and asserted at compile time against the compiler's layout.
//!
//! Position quantities are **accounted** here rather than read from token balances: NAV needs
//! only the oracle accounts, a 16-asset deposit fits one transaction, and tokens donated to the
//! vault's token accounts change nothing (the reconcile check only asserts balance ≥ accounted).

use bytemuck::{Pod, Zeroable};
use fixed::types::I80F48;

use crate::Address;

/// Assets (besides the base asset) a vault can hold.
pub use rpv_interface::args::MAX_ASSETS;
/// Largest number of risk factors (one per asset slot).
pub const MAX_N: usize = MAX_ASSETS;
/// Entries of the packed upper triangle for `MAX_N` (row stride fixed at `MAX_N`).
pub const PACKED_LEN: usize = MAX_N * (MAX_N + 1) / 2;
/// 2: `AssetSlot::in_kind_cap` and `AssetSlot::oracle_queue` (issue 14); 3: `VaultState::flows`
/// (issue 15).
pub const STATE_VERSION: u8 = 3;
/// Risk budgets are stored in parts per 10^9; a complete set sums to `BUDGET_ONE`.
pub const BUDGET_ONE: u64 = rpv_interface::units::PPB;
/// Decimals above this are refused (no SPL mint in use exceeds 18; keeps 10^k in range).
pub const MAX_DECIMALS: u8 = 18;

/// `RiskState::method`: inverse-volatility weights, or risk-budget weights (submitted or
/// solved).
pub use rpv_interface::kinds::{METHOD_INVERSE_VOL, METHOD_RISK_BUDGET};

/// An I80F48 stored as raw little-endian bits (alignment 1, for zero-copy accounts).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct FxBits(pub [u8; 16]);

impl FxBits {
    pub fn get(&self) -> I80F48 {
        I80F48::from_bits(i128::from_le_bytes(self.0))
    }
    pub fn set(&mut self, v: I80F48) {
        self.0 = v.to_bits().to_le_bytes();
    }
    pub fn from_fx(v: I80F48) -> Self {
        Self(v.to_bits().to_le_bytes())
    }
}

const _: () = assert!(core::mem::size_of::<FxBits>() == 16 && core::mem::align_of::<FxBits>() == 1);

/// Which oracle program a slot reads (the interface's enum; a slot stores its `code()`).
pub use rpv_interface::OracleKind;

/// One registered spot asset.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct AssetSlot {
    pub mint: Address,
    /// The vault's token account for this mint (PDA `["token", vault, mint]`).
    pub token_account: Address,
    pub token_program: Address,
    /// The price account (for Pyth: a `PriceUpdateV2` account address).
    pub oracle: Address,
    /// Pyth feed id the oracle account must carry.
    pub feed_id: [u8; 32],
    /// Accounted quantity held, in the mint's smallest units.
    pub quantity: u64,
    /// Risk budget, parts per 10^9.
    pub risk_budget: u64,
    /// Publish time of the newest price the vault has used (never moves backwards): unix
    /// seconds for Pyth, the result's slot for Switchboard.
    pub last_publish_time: i64,
    /// Maximum accepted oracle age, seconds.
    pub max_oracle_age: u32,
    /// Maximum accepted confidence / price, basis points.
    pub max_conf_bps: u16,
    pub decimals: u8,
    pub oracle_kind: u8,
    pub token_bump: u8,
    pub _pad: [u8; 7],
    /// Spot (all zero) or the terms of an option series.
    pub option: OptionTerms,
    /// Largest accounted quantity an in-kind deposit may leave this slot at, smallest units
    /// (0 = no in-kind deposits); set at registration, lowered at once, raised after the
    /// timelock.
    pub in_kind_cap: u64,
    /// Switchboard: the queue the feed must belong to (pinned at registration; issue 14).
    /// Pyth: all zero. Appended after `option` so every earlier offset stays.
    pub oracle_queue: Address,
    /// Publish time (Switchboard: slot) of the newest price a flow or a request settlement
    /// priced this slot at (issue 15): no priced path takes an older one. Kept apart from
    /// `last_publish_time` so a flow does not use up the print a `refresh` samples.
    pub last_used_time: i64,
}

impl AssetSlot {
    #[rustfmt::skip]
    pub const LEN: usize =
        32 +             // mint
        32 +             // token_account
        32 +             // token_program
        32 +             // oracle
        32 +             // feed_id
        8 +              // quantity
        8 +              // risk_budget
        8 +              // last_publish_time
        4 +              // max_oracle_age
        2 +              // max_conf_bps
        1 +              // decimals
        1 +              // oracle_kind
        1 +              // token_bump
        7 +              // _pad
        OptionTerms::LEN + // option
        8 + // in_kind_cap
        32 + // oracle_queue
        8; // last_used_time
}

/// `OptionTerms::kind` codes: a spot holding, a European call, a European put.
pub use rpv_interface::kinds::{SLOT_CALL as KIND_CALL, SLOT_PUT as KIND_PUT, SLOT_SPOT as KIND_SPOT};

/// What makes a slot an option series. The slot's mint is the option token (one whole token =
/// `contract_size` units of the underlying); the slot's oracle is the series' **implied
/// volatility** (a feed whose value is σ, e.g. 0.65); the underlying is an earlier spot slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct OptionTerms {
    /// [`KIND_SPOT`], [`KIND_CALL`] or [`KIND_PUT`].
    pub kind: u8,
    /// Slot index of the underlying (a spot slot registered before this one).
    pub underlying: u8,
    /// 1 once `settle_expired` has fixed the payoff.
    pub settled: u8,
    /// Switchboard underlying: the cluster slot at which `settle_expired` first saw the series
    /// expired (40-bit little-endian; 0 = not yet); settlement takes a result of this slot or
    /// later. Unused (0) for a Pyth underlying. Formerly padding.
    pub expiry_slot: [u8; 5],
    /// Expiry, unix seconds.
    pub expiry: i64,
    /// Strike, in the base currency per whole unit of the underlying.
    pub strike: FxBits,
    /// Whole units of the underlying per whole option token.
    pub contract_size: FxBits,
    /// After settlement: the payoff per whole option token, in the base currency.
    pub settlement_value: FxBits,
}

impl OptionTerms {
    #[rustfmt::skip]
    pub const LEN: usize =
        1 +  // kind
        1 +  // underlying
        1 +  // settled
        5 +  // expiry_slot
        8 +  // expiry
        16 + // strike
        16 + // contract_size
        16; // settlement_value

    pub fn is_option(&self) -> bool {
        self.kind == KIND_CALL || self.kind == KIND_PUT
    }
    pub fn is_settled(&self) -> bool {
        self.settled != 0
    }
    /// [`Self::expiry_slot`] as a number.
    pub fn expiry_slot(&self) -> u64 {
        let mut b = [0u8; 8];
        b[..5].copy_from_slice(&self.expiry_slot);
        u64::from_le_bytes(b)
    }
    /// Records `slot` as [`Self::expiry_slot`] (`false`, nothing written, when it does not fit
    /// in 40 bits).
    pub fn set_expiry_slot(&mut self, slot: u64) -> bool {
        if slot >> 40 != 0 {
            return false;
        }
        self.expiry_slot.copy_from_slice(&slot.to_le_bytes()[..5]);
        true
    }
}

/// Fee configuration and accrual state, part of [`VaultState`] (behaviour: [`crate::fees`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct FeeState {
    /// Owner of the share token account fee shares are minted to.
    pub recipient: Address,
    /// Fee shares accrued but not minted yet (part of the total shares).
    pub pending_shares: u64,
    /// High-water mark: NAV per share `hwm_nav / hwm_shares` (0 shares = no mark yet).
    pub hwm_nav: u64,
    pub hwm_shares: u64,
    /// Management-fee anchor: time and total shares.
    pub anchor_time: i64,
    pub anchor_shares: u64,
    /// Management-fee shares accrued since the anchor.
    pub anchor_accrued: u64,
    /// Fraction of a share (Q48) due at the anchor, carried from the previous anchor period.
    pub anchor_carry: u64,
    /// Fraction of a share (Q48) due at the last accrual.
    pub last_frac: u64,
    /// Time of the last accrual.
    pub accrued_at: i64,
    /// Management fee, basis points a year.
    pub management_bps: u16,
    /// Performance fee, basis points of the gain above the mark.
    pub performance_bps: u16,
    /// Maxima fixed at initialisation.
    pub max_management_bps: u16,
    pub max_performance_bps: u16,
}

impl FeeState {
    #[rustfmt::skip]
    pub const LEN: usize =
        32 + // recipient
        8 +  // pending_shares
        8 +  // hwm_nav
        8 +  // hwm_shares
        8 +  // anchor_time
        8 +  // anchor_shares
        8 +  // anchor_accrued
        8 +  // anchor_carry
        8 +  // last_frac
        8 +  // accrued_at
        2 +  // management_bps
        2 +  // performance_bps
        2 +  // max_management_bps
        2; // max_performance_bps
}

/// The NAV of the last positions step and the shares it is for (part of [`VaultState`];
/// behaviour: [`crate::fees`]). The positions step knows the NAV but not the share mint's
/// supply, so it records the NAV with `shares = 0` and the next fee accrual (every instruction
/// that changes the total shares accrues first) fills in the total shares of that moment; each
/// fee share issued afterwards is added too, so the snapshot's price is diluted as the live
/// one is. `nav = 0`: no snapshot.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct FeeSnapshot {
    /// NAV of the last positions step (rounded down), base units.
    pub nav: u64,
    /// Total shares the NAV is for, plus every fee share issued since (0 = not captured yet).
    pub shares: u64,
}

impl FeeSnapshot {
    #[rustfmt::skip]
    pub const LEN: usize =
        8 + // nav
        8; // shares
}

/// One queue of requests (deposits or withdrawals), part of [`FlowState`]. Requests are
/// numbered from 0 in the order they are made and settle in that order: `head` is the first
/// not finished.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct RequestQueue {
    /// The id the next request gets.
    pub next_id: u64,
    /// The oldest request with something still pending (= `next_id` when none).
    pub head: u64,
    /// Escrowed and not settled: base units (deposits) or shares (withdrawals).
    pub pending: u64,
    /// Settled and not claimed: shares (deposits, minted on claim) or base units
    /// (withdrawals, in the escrow account).
    pub claimable: u64,
}

impl RequestQueue {
    #[rustfmt::skip]
    pub const LEN: usize =
        8 + // next_id
        8 + // head
        8 + // pending
        8; // claimable
}

/// The flow state of a vault ([`VaultState::flows`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct FlowState {
    pub params: FlowParams,
    /// Bump of the escrow token account (PDA `["escrow", vault]`).
    pub escrow_bump: u8,
    pub _pad: [u8; 5],
    /// The escrow token account: base escrowed by deposit requests and base settled to
    /// withdrawal requests, until claimed.
    pub escrow: Address,
    /// The last cluster slot in which an instant deposit minted shares: no instant redemption
    /// in that slot.
    pub instant_mint_slot: u64,
    pub deposits: RequestQueue,
    pub withdrawals: RequestQueue,
    /// NAV (mid, rounded down) and total shares at the last instruction that priced the vault
    /// (an instant flow or a request settlement): what the rebalancer values the withdrawal
    /// queue at between refreshes (`rebalance::cash_target`).
    pub last_price: FeeSnapshot,
    pub reserved: [u8; 16],
}

impl FlowState {
    #[rustfmt::skip]
    pub const LEN: usize =
        FlowParams::LEN +    // params
        1 +                  // escrow_bump
        5 +                  // _pad
        32 +                 // escrow
        8 +                  // instant_mint_slot
        RequestQueue::LEN +  // deposits
        RequestQueue::LEN +  // withdrawals
        FeeSnapshot::LEN +   // last_price
        16; // reserved
}

/// The flow parameters (`set_flow_params`), stored as is.
pub use rpv_interface::FlowParams;

/// One request (an account per request, PDA `["request", vault, [kind], id]`): what its owner
/// escrowed, what has settled, what is left. Behaviour: `engine::requests`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct RequestState {
    pub vault: Address,
    pub owner: Address,
    /// Position in its queue.
    pub id: u64,
    /// Cluster time and slot when it was made: it settles only at prices published after.
    pub created_at: i64,
    pub created_slot: u64,
    /// Escrow not yet settled: base units (deposit) or shares (withdrawal).
    pub pending: u64,
    /// Settled and not yet claimed: shares (deposit) or base units (withdrawal).
    pub claimable: u64,
    /// Escrow settled so far, and output claimed so far.
    pub filled: u64,
    pub claimed: u64,
    /// `REQUEST_DEPOSIT` or `REQUEST_WITHDRAW`.
    pub kind: u8,
    pub bump: u8,
    pub _pad: [u8; 6],
}

impl RequestState {
    #[rustfmt::skip]
    pub const LEN: usize =
        32 + // vault
        32 + // owner
        8 +  // id
        8 +  // created_at
        8 +  // created_slot
        8 +  // pending
        8 +  // claimable
        8 +  // filled
        8 +  // claimed
        1 +  // kind
        1 +  // bump
        6; // _pad
}

pub use rpv_interface::kinds::{REQUEST_DEPOSIT, REQUEST_WITHDRAW};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct VaultState {
    pub admin: Address,
    pub base_mint: Address,
    pub base_token_program: Address,
    /// The vault's base token account (PDA `["token", vault, base_mint]`).
    pub base_vault: Address,
    /// Share mint (PDA `["shares", vault]`, SPL Token, decimals = base decimals).
    pub share_mint: Address,
    /// Vault authority (PDA `["authority", vault]`): owns every vault token account and mints shares.
    pub authority: Address,
    pub vault_id: u64,
    /// Maximum NAV after a deposit, base units.
    pub deposit_cap: u64,
    /// Minimum deposit, base units.
    pub min_deposit: u64,
    /// Accounted base balance, base units.
    pub base_quantity: u64,
    /// Shares created at initialisation against the seed deposit and owned by nobody: they make
    /// the share price impossible to inflate from an empty vault.
    pub dead_shares: u64,
    pub created_at: i64,
    pub version: u8,
    pub bump: u8,
    pub authority_bump: u8,
    pub share_mint_bump: u8,
    pub base_vault_bump: u8,
    pub base_decimals: u8,
    pub num_assets: u8,
    pub flags: u8,
    /// Cluster time of the last successful `refresh` (0 = never, or reset by `add_asset`).
    pub risk_refreshed_at: i64,
    /// Deposits and withdrawals refuse a risk state older than this (seconds).
    pub max_risk_age: u32,
    pub _pad_risk: [u8; 4],
    /// May pause and unpause (set by the admin; the admin at initialisation).
    pub guardian: Address,
    /// Proposed new admin, until it accepts (zero = none).
    pub pending_admin: Address,
    /// Annual risk-free rate (continuously compounded) used to price option series.
    pub option_rate: FxBits,
    /// Management and performance fees ([`crate::fees`]).
    pub fees: FeeState,
    /// Seconds a change that raises risk or fees waits between `propose_change` and
    /// `apply_change` (fixed at initialisation; 0 = every change applies at once).
    pub timelock_secs: u32,
    pub _pad_gov: [u8; 4],
    /// The NAV per share the performance fee may be measured at ([`crate::fees`], issue 14):
    /// the last positions step's. Taken from the reserved bytes: all zero in a vault written
    /// before it (no snapshot yet).
    pub fee_snapshot: FeeSnapshot,
    pub reserved: [u8; 24],
    pub assets: [AssetSlot; MAX_ASSETS],
    /// Requests, the withdrawal queue, the cash buffer and the instant-flow rules (issue 15;
    /// behaviour: `engine::requests`). Appended after `assets` so every earlier offset stays.
    pub flows: FlowState,
}

impl VaultState {
    #[rustfmt::skip]
    pub const LEN: usize =
        32 +                           // admin
        32 +                           // base_mint
        32 +                           // base_token_program
        32 +                           // base_vault
        32 +                           // share_mint
        32 +                           // authority
        8 +                            // vault_id
        8 +                            // deposit_cap
        8 +                            // min_deposit
        8 +                            // base_quantity
        8 +                            // dead_shares
        8 +                            // created_at
        1 +                            // version
        1 +                            // bump
        1 +                            // authority_bump
        1 +                            // share_mint_bump
        1 +                            // base_vault_bump
        1 +                            // base_decimals
        1 +                            // num_assets
        1 +                            // flags
        8 +                            // risk_refreshed_at
        4 +                            // max_risk_age
        4 +                            // _pad_risk
        32 +                           // guardian
        32 +                           // pending_admin
        16 +                           // option_rate
        FeeState::LEN +                // fees
        4 +                            // timelock_secs
        4 +                            // _pad_gov
        FeeSnapshot::LEN +             // fee_snapshot
        24 +                           // reserved
        MAX_ASSETS * AssetSlot::LEN +  // assets
        FlowState::LEN; // flows

    /// `flags` bit: deposits (and, later, rebalances) are paused.
    pub const FLAG_PAUSED: u8 = 1;
    /// `flags` bit: only depositors with an allowlist entry may deposit.
    pub const FLAG_ALLOWLIST: u8 = 2;
    /// `flags` bit: a flash rebalance is open (between `rebalance_begin` and `rebalance_end`).
    pub const FLAG_REBALANCING: u8 = 4;

    pub fn active_assets(&self) -> &[AssetSlot] {
        &self.assets[..usize::from(self.num_assets).min(MAX_ASSETS)]
    }

    pub fn find_asset(&self, mint: &Address) -> Option<usize> {
        self.active_assets().iter().position(|a| a.mint == *mint)
    }

    /// Whether any registered slot is an option series.
    pub fn has_options(&self) -> bool {
        self.active_assets().iter().any(|a| a.option.is_option())
    }

    pub fn is_paused(&self) -> bool {
        self.flags & Self::FLAG_PAUSED != 0
    }

    pub fn allowlist_enabled(&self) -> bool {
        self.flags & Self::FLAG_ALLOWLIST != 0
    }

    pub fn is_rebalancing(&self) -> bool {
        self.flags & Self::FLAG_REBALANCING != 0
    }

    /// Risk budgets of the active assets (parts per 10^9).
    pub fn budgets_ppb(&self, out: &mut [u64; MAX_ASSETS]) -> usize {
        let n = self.active_assets().len();
        for (o, a) in out.iter_mut().zip(self.active_assets()) {
            *o = a.risk_budget;
        }
        n
    }
}

/// Rebalancing parameters (part of the risk account): the interface's
/// [`rpv_interface::RebalanceParams`], `set_rebalance_params`'s argument stored as is (its
/// size arithmetic, defaults, ranges and raise rule live there).
pub use rpv_interface::args::RebalanceParams as RebalanceConfig;

/// What rebalancing has done (part of the risk account).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct RebalanceBook {
    /// Per slot: cluster time of its last trade (0 = never).
    pub last_trade: [u32; MAX_ASSETS],
    /// Cluster time of the last trade the counters below include (0 = none): they reset once a
    /// day has passed since (`rebalance::roll_window`, the rolling window).
    pub last_counted: i64,
    /// Fair value traded, gross exposure cut and incentives paid in the current window (every
    /// trade since the last quiet day), base units.
    pub turnover: u64,
    pub reduction: u64,
    pub incentive: u64,
    /// Since inception: incentives paid, the vault's net cost against fair value (negative =
    /// the confidence spread earned more than the incentives cost), trades.
    pub total_incentive: u64,
    pub total_cost: i64,
    pub trades: u64,
}

impl RebalanceBook {
    #[rustfmt::skip]
    pub const LEN: usize =
        4 * MAX_ASSETS + // last_trade
        8 +              // last_counted
        8 +              // turnover
        8 +              // reduction
        8 +              // incentive
        8 +              // total_incentive
        8 +              // total_cost
        8; // trades
}

/// A flash rebalance between `rebalance_begin` and `rebalance_end` (part of the risk account;
/// all zero when none is open).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct FlashLock {
    /// Tokens of the leg and base units the trade moves (see `rebalance::Plan`).
    pub qty: u64,
    pub base_amount: u64,
    pub fair_value: u64,
    pub incentive: u64,
    /// Balance of the vault account that must be paid, when `rebalance_begin` ran.
    pub balance_before: u64,
    /// Index of `rebalance_begin` in the transaction.
    pub begin_index: u16,
    pub leg: u8,
    /// `rebalance::Side` as u8 (0 = no flash rebalance open).
    pub side: u8,
    pub _pad: [u8; 4],
}

impl FlashLock {
    #[rustfmt::skip]
    pub const LEN: usize =
        8 + // qty
        8 + // base_amount
        8 + // fair_value
        8 + // incentive
        8 + // balance_before
        2 + // begin_index
        1 + // leg
        1 + // side
        4; // _pad
}

/// An oracle value as sampled (`price · 10^expo`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct SampledPrice {
    pub price: u64,
    pub expo: i32,
    pub _pad: u32,
}

impl SampledPrice {
    #[rustfmt::skip]
    pub const LEN: usize =
        8 + // price
        4 + // expo
        4; // _pad
}

/// Risk-model account (PDA `["risk", vault]`): the EWMA covariance, the last sampled log prices,
/// the weights and targets in force, and the model's parameters. Fixed-point values are
/// I80F48 raw bits ([`FxBits`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct RiskState {
    pub vault: Address,
    /// Annualised covariance of log returns, packed upper triangle (row stride 16).
    pub cov: [FxBits; PACKED_LEN],
    /// ln of the last sampled price of each asset (`ln mantissa + expo·ln 10`).
    pub log_price: [FxBits; MAX_ASSETS],
    /// Weights in force (sum 1 over the active assets).
    pub weights: [FxBits; MAX_ASSETS],
    /// Target value of each asset, base units (`L · w_i · NAV`).
    pub targets: [u64; MAX_ASSETS],
    /// EWMA decay per `horizon` seconds.
    pub lambda: FxBits,
    /// Annualised volatility target.
    pub vol_target: FxBits,
    /// Cap on gross exposure `L`.
    pub max_leverage: FxBits,
    /// Volatility assumed for an asset's first sample.
    pub prior_vol: FxBits,
    /// Tolerance on risk contributions for submitted weights.
    pub rc_tolerance: FxBits,
    /// Last computed gross exposure and portfolio volatility.
    pub leverage: FxBits,
    pub portfolio_vol: FxBits,
    pub horizon: i64,
    /// Cluster time of the last sample (0 = none).
    pub last_sample_time: i64,
    /// When the weights in force were accepted (submitted, solved or computed).
    pub weights_set_at: i64,
    pub nav_snapshot: u64,
    pub samples: u64,
    /// Minimum seconds between samples.
    pub min_sample_interval: u32,
    /// Bit i set = asset i has a sampled log price.
    pub sampled_mask: u32,
    /// Rebalance band, basis points of NAV (used by `rebalance`).
    pub band_bps: u16,
    /// 0 = inverse volatility ([`METHOD_INVERSE_VOL`]), 1 = risk budgeting ([`METHOD_RISK_BUDGET`]:
    /// submitted or solved weights).
    pub method: u8,
    pub bump: u8,
    /// Number of assets the weights in force were computed for.
    pub weights_n: u8,
    /// 1 when the last positions step found option series (the weights then live on the
    /// position covariance, `exposure::PositionModel`).
    pub positions_model: u8,
    /// Greek limits breached at the last positions step: bit `u` = underlying `u`.
    pub greek_breach_mask: u16,
    // ---- positions (written by the positions step, `positions::update_positions`) ----
    /// The oracle values of the last sample, per slot (price, or implied vol for an option).
    pub sampled: [SampledPrice; MAX_ASSETS],
    /// Per slot: elasticity `λ = ΔS/V` (1 for spot), convexity `g = ΓS²/V`, vol elasticity
    /// `ν = vega·σ/V` and `vega/V` (per 1.00 of vol), at the last positions step, unscaled.
    pub elasticity: [FxBits; MAX_ASSETS],
    pub convexity: [FxBits; MAX_ASSETS],
    pub vol_elasticity: [FxBits; MAX_ASSETS],
    pub vega_ratio: [FxBits; MAX_ASSETS],
    /// Per price factor: the forward-looking scale `σ_blend/σ_realised` (1 without blending).
    pub vol_scale: [FxBits; MAX_ASSETS],
    /// Per underlying (slot index of the spot asset), base units: net dollar delta `Σ ΔS·q`,
    /// dollar gamma `Σ ΓS²·q` and vega `Σ vega·q` (per 1.00 of vol) of every position on it.
    pub net_delta: [FxBits; MAX_ASSETS],
    pub net_gamma: [FxBits; MAX_ASSETS],
    pub net_vega: [FxBits; MAX_ASSETS],
    /// Weight of implied vol in the σ used for budgets: `σ = (1 − β)·σ_EWMA + β·σ_implied`.
    pub iv_blend: FxBits,
    /// Greek limits as multiples of NAV, per underlying (0 = no limit): `|net delta|`,
    /// `net gamma`, `|net vega|`.
    pub max_delta: FxBits,
    pub max_gamma: FxBits,
    pub max_vega: FxBits,
    /// Positions in the model at the last positions step (bit i = slot i).
    pub included_mask: u32,
    /// `included_mask` when the weights in force were accepted.
    pub weights_mask: u32,
    /// Cluster time of the last positions step.
    pub positions_at: i64,
    /// Per slot: the price factor its exposure is on (its own index for spot, the underlying's
    /// for an option series).
    pub factor: [u8; MAX_ASSETS],
    /// Per option slot: its mark at the last sample (lower bound, base currency per whole
    /// token); the payoff once settled.
    pub mark: [FxBits; MAX_ASSETS],
    /// Cluster time of the sample the marks are for.
    pub marked_at: i64,
    // ---- rebalancing (`crate::rebalance`) ----
    pub rebalance: RebalanceConfig,
    pub _pad_rebalance: [u8; 4],
    pub book: RebalanceBook,
    /// The open flash rebalance (all zero when none).
    pub flash: FlashLock,
    // ---- the lifetime of accepted weights (`risk_account::update_targets`) ----
    /// `samples` when the weights in force were accepted (submitted or solved).
    pub weights_sample: u64,
    /// `RiskParams::max_weight_samples` (0 in an account written before the field: the default).
    pub max_weight_samples: u32,
    /// 1 while the weights in force are accepted risk-budget weights (submitted or solved); 0
    /// when a refresh computed them (inverse volatility).
    pub weights_accepted: u8,
    pub reserved: [u8; 27],
}

impl RiskState {
    #[rustfmt::skip]
    pub const LEN: usize =
        32 +                              // vault
        16 * PACKED_LEN +                 // cov
        16 * MAX_ASSETS +                 // log_price
        16 * MAX_ASSETS +                 // weights
        8 * MAX_ASSETS +                  // targets
        16 +                              // lambda
        16 +                              // vol_target
        16 +                              // max_leverage
        16 +                              // prior_vol
        16 +                              // rc_tolerance
        16 +                              // leverage
        16 +                              // portfolio_vol
        8 +                               // horizon
        8 +                               // last_sample_time
        8 +                               // weights_set_at
        8 +                               // nav_snapshot
        8 +                               // samples
        4 +                               // min_sample_interval
        4 +                               // sampled_mask
        2 +                               // band_bps
        1 +                               // method
        1 +                               // bump
        1 +                               // weights_n
        1 +                               // positions_model
        2 +                               // greek_breach_mask
        SampledPrice::LEN * MAX_ASSETS +  // sampled
        16 * MAX_ASSETS +                 // elasticity
        16 * MAX_ASSETS +                 // convexity
        16 * MAX_ASSETS +                 // vol_elasticity
        16 * MAX_ASSETS +                 // vega_ratio
        16 * MAX_ASSETS +                 // vol_scale
        16 * MAX_ASSETS +                 // net_delta
        16 * MAX_ASSETS +                 // net_gamma
        16 * MAX_ASSETS +                 // net_vega
        16 +                              // iv_blend
        16 +                              // max_delta
        16 +                              // max_gamma
        16 +                              // max_vega
        4 +                               // included_mask
        4 +                               // weights_mask
        8 +                               // positions_at
        MAX_ASSETS +                      // factor
        16 * MAX_ASSETS +                 // mark
        8 +                               // marked_at
        RebalanceConfig::LEN +            // rebalance
        4 +                               // _pad_rebalance
        RebalanceBook::LEN +              // book
        FlashLock::LEN +                  // flash
        8 +                               // weights_sample
        4 +                               // max_weight_samples
        1 +                               // weights_accepted
        27; // reserved
}

/// Every layout's size is its commented sum (no hidden padding: `Pod` would refuse it too),
/// its alignment at most 8 (SBF account data is 8-aligned), and the accounts keep the sizes
/// they were deployed with (vault 5,648 and risk 5,912 bytes after the discriminator; the vault
/// grew from 4,728 when each slot gained its in-kind cap, and from 5,368 when it gained its
/// flow state and each slot its `last_used_time`, before launch).
macro_rules! assert_layout {
    ($($t:ty),*) => {$(
        const _: () = assert!(core::mem::size_of::<$t>() == <$t>::LEN);
        const _: () = assert!(core::mem::align_of::<$t>() <= 8);
    )*};
}
assert_layout!(
    AssetSlot,
    OptionTerms,
    FeeState,
    FeeSnapshot,
    RequestQueue,
    FlowState,
    RequestState,
    VaultState,
    RebalanceConfig,
    RebalanceBook,
    FlashLock,
    SampledPrice,
    RiskState
);
const _: () = assert!(VaultState::LEN == 504 + MAX_ASSETS * 312 + 152);
const _: () = assert!(RequestState::LEN == 128);
const _: () = assert!(RiskState::LEN == 5_912);
