//! Instruction arguments and return values, with each parameter set's ranges, defaults and
//! (where it needs no vault state) its "raises risk" rule. The program takes these types as its
//! instruction arguments; clients serialise the same types.
//!
//! `InitializeVaultArgs` carries an address, so it is written once in [`keyed_args!`] and
//! instantiated by the program and by [`crate::client`].

#[cfg(feature = "idl-build")]
use anchor_lang::{AnchorDeserialize, AnchorSerialize};
#[cfg(not(feature = "idl-build"))]
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{
    kinds::{OptionKind, OracleKind, ProposalKind, METHOD_RISK_BUDGET},
    units::SECONDS_PER_DAY,
};

/// The most assets (spot and option slots) one vault registers.
pub const MAX_ASSETS: usize = 16;

/// `rebalance`'s `leg` meaning "the leg furthest outside its band".
pub const AUTO_LEG: u8 = u8::MAX;
/// Largest asset count `solve_weights` solves on-chain (`SolveTooLarge` beyond; larger vaults
/// submit weights with `submit_weights`). Measured when the bound was set: a typical 6-asset
/// solve takes 6 sweeps and ≈135k CU, 7 assets ≈190k; 5 leaves room for slower convergence
/// under the 150k budget.
pub const MAX_ONCHAIN_SOLVE: usize = 5;

/// Smallest seed deposit at initialisation, base units (they become dead shares).
pub const MIN_SEED_DEPOSIT: u64 = 1_000;
/// Ceiling of the maximum management fee: 10 % a year.
pub const MANAGEMENT_FEE_CEILING_BPS: u16 = 1_000;
/// Ceiling of the maximum performance fee: 50 % of gains above the high-water mark.
pub const PERFORMANCE_FEE_CEILING_BPS: u16 = 5_000;
/// Longest timelock: 30 days.
pub const MAX_TIMELOCK_SECS: u32 = 30 * SECONDS_PER_DAY;
/// Default maximum management fee: 5 % a year.
pub const DEFAULT_MAX_MANAGEMENT_FEE_BPS: u16 = 500;
/// Default maximum performance fee: 30 % of gains above the high-water mark.
pub const DEFAULT_MAX_PERFORMANCE_FEE_BPS: u16 = 3_000;
/// Default timelock: two days.
pub const DEFAULT_TIMELOCK_SECS: u32 = 2 * SECONDS_PER_DAY;
/// Longest oracle age an asset may be configured with (seconds, or slots for Switchboard).
pub const MAX_ORACLE_AGE: u32 = SECONDS_PER_DAY;

/// A field, its value and its inclusive range, as a parameter set's `ranges()` lists them.
pub type FieldRange = (&'static str, i64, i64, i64);

/// The first field of `ranges` outside its range.
fn first_out_of_range<const N: usize>(ranges: [FieldRange; N]) -> Option<FieldRange> {
    ranges.into_iter().find(|(_, v, lo, hi)| v < lo || v > hi)
}

/// Defines the argument types that carry account addresses, once. `$callback` receives the
/// struct definitions (with their docs) and adds its attributes; the caller's `Pubkey` is the
/// address type.
#[macro_export]
macro_rules! keyed_args {
    ($callback:ident) => {
        $callback! {
            /// `initialize_vault`'s arguments.
            pub struct InitializeVaultArgs {
                pub vault_id: u64,
                /// Largest NAV deposits may take the vault to, base units.
                pub deposit_cap: u64,
                /// Smallest deposit, base units.
                pub min_deposit: u64,
                /// Paid by the admin; becomes as many dead shares (≥ 1,000 base units).
                pub seed_deposit: u64,
                /// Owner of the share token account fee shares are minted to.
                pub fee_recipient: Pubkey,
                /// Maximum fee rates, fixed for the vault's life (basis points; management per
                /// year; ceilings 1,000 and 5,000).
                pub max_management_fee_bps: u16,
                pub max_performance_fee_bps: u16,
                /// Starting fee rates (basis points).
                pub management_fee_bps: u16,
                pub performance_fee_bps: u16,
                /// Delay of changes that raise risk or fees, seconds (0 = none; at most 30 days).
                pub timelock_secs: u32,
                /// Only allowlisted depositors may deposit.
                pub allowlist: bool,
            }
        }
    };
}

/// `add_asset`'s (and `add_option`'s) arguments.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddAssetArgs {
    pub oracle_kind: OracleKind,
    /// Pyth feed id, or Switchboard feed hash.
    pub feed_id: [u8; 32],
    /// Seconds (Pyth) or slots (Switchboard), 1 ..= 86,400.
    pub max_oracle_age: u32,
    /// Widest accepted confidence interval, basis points of the price, 1 ..= 10,000.
    pub max_conf_bps: u16,
    /// Risk budget, parts per 10^9, in (0, 10^9].
    pub risk_budget: u64,
    /// In-kind cap: the largest accounted quantity a `deposit_asset` may leave the asset at, in
    /// the mint's smallest units ([`NO_IN_KIND`] = 0: in-kind deposits refused). Lowered at once
    /// with `set_in_kind_cap`; a raise waits for the timelock.
    pub in_kind_cap: u64,
    /// Switchboard: the queue (oracle operator set) the feed must belong to, pinned for the
    /// asset's life. Pyth: all zero.
    pub oracle_queue: [u8; 32],
}

/// Oracle settings in range (`InvalidOracleConfig`, at registration and at an oracle change):
/// max age 1 ..= [`MAX_ORACLE_AGE`], confidence 1 ..= 10,000 bps; a Switchboard feed names its
/// queue, a Pyth feed none.
pub fn oracle_config_valid(kind: OracleKind, max_oracle_age: u32, max_conf_bps: u16, queue: &[u8; 32]) -> bool {
    let queue_named = *queue != [0; 32];
    (1..=MAX_ORACLE_AGE).contains(&max_oracle_age)
        && (1..=10_000).contains(&max_conf_bps)
        && queue_named == (kind == OracleKind::Switchboard)
}

/// A new price feed for a registered asset: `set_oracle`'s argument, and the change a
/// `propose_change(OracleChange)` proposal waits to apply (addresses as raw bytes). The fields
/// after `oracle` mean what they mean in [`AddAssetArgs`].
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleChange {
    /// Slot index of the asset (an option series: its implied-vol feed is replaced).
    pub index: u8,
    /// The new price account.
    pub oracle: [u8; 32],
    pub oracle_kind: OracleKind,
    pub feed_id: [u8; 32],
    pub max_oracle_age: u32,
    pub max_conf_bps: u16,
    pub oracle_queue: [u8; 32],
}

impl OracleChange {
    /// Its settings in range ([`oracle_config_valid`]).
    pub fn config_valid(&self) -> bool {
        oracle_config_valid(self.oracle_kind, self.max_oracle_age, self.max_conf_bps, &self.oracle_queue)
    }
}

/// `AddAssetArgs::in_kind_cap` of an asset that takes no in-kind deposits (the default of the
/// clients: in-kind deposits are opted into per asset, with a cap).
pub const NO_IN_KIND: u64 = 0;

impl AddAssetArgs {
    /// Oracle settings in range (`InvalidOracleConfig`): max age and confidence in range; a
    /// Switchboard asset names its queue, a Pyth asset none.
    pub fn oracle_config_valid(&self) -> bool {
        oracle_config_valid(self.oracle_kind, self.max_oracle_age, self.max_conf_bps, &self.oracle_queue)
    }

    /// Budget in range (`InvalidRiskBudget`).
    pub fn budget_valid(&self) -> bool {
        self.risk_budget > 0 && self.risk_budget <= crate::units::PPB
    }
}

/// `add_option`'s series terms.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionSeriesArgs {
    pub kind: OptionKind,
    /// Slot index of the underlying spot asset (registered before the series).
    pub underlying: u8,
    /// Strike in the base currency per whole underlying unit, I80F48 bits (> 0).
    pub strike_bits: i128,
    /// Whole underlying units per whole option token, I80F48 bits (> 0).
    pub contract_size_bits: i128,
    /// Unix seconds: more than one hour and at most two years away.
    pub expiry: i64,
}

/// `set_risk_params`: the risk model's parameters in integer units.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default, deny_unknown_fields))]
pub struct RiskParams {
    /// 0 = inverse volatility, 1 = risk budgeting ([`crate::kinds::METHOD_INVERSE_VOL`],
    /// [`crate::kinds::METHOD_RISK_BUDGET`]).
    pub method: u8,
    /// EWMA decay λ per horizon, parts per million, 500,000 ..= 999,900.
    pub lambda_ppm: u32,
    /// The horizon λ applies to, seconds, 60 ..= 30 days.
    pub horizon_secs: u32,
    /// Volatility target, basis points a year, 10 ..= 50,000.
    pub vol_target_bps: u32,
    /// Leverage cap L_max, basis points, 100 ..= 40,000.
    pub max_leverage_bps: u32,
    /// Volatility assumed before enough samples, basis points a year, 100 ..= 50,000.
    pub prior_vol_bps: u32,
    /// Tolerance of the risk-contribution check, parts per 10^9, 1 ..= 10^8.
    pub rc_tolerance_ppb: u32,
    /// Minimum seconds between samples, 1 ..= 1 day.
    pub min_sample_interval: u32,
    /// Oldest risk state flows accept, seconds, ≥ the sampling interval and ≤ 7 days.
    pub max_risk_age: u32,
    /// Rebalancing band, basis points of a leg's target, 1 ..= 5,000.
    pub band_bps: u16,
    /// Samples accepted risk-budget weights stay in force, 1 ..= 100,000: the refresh that
    /// records the `max_weight_samples`-th sample since they were accepted drops them for
    /// inverse-volatility weights until new ones are submitted or solved.
    pub max_weight_samples: u32,
}

/// Default of [`RiskParams::max_weight_samples`]: a day of samples five minutes apart.
pub const DEFAULT_MAX_WEIGHT_SAMPLES: u32 = 288;
/// Ceiling of [`RiskParams::max_weight_samples`].
pub const MAX_WEIGHT_SAMPLES: u32 = 100_000;

impl Default for RiskParams {
    /// The parameters of a new vault: inverse volatility, RiskMetrics' λ = 0.94 per day, 15 %
    /// volatility target, no leverage, 60 % prior volatility, 1e-4 RC tolerance, 30 s sampling,
    /// 15 min risk age, 5 % band, accepted weights in force for 288 samples.
    fn default() -> Self {
        Self {
            method: crate::kinds::METHOD_INVERSE_VOL,
            lambda_ppm: 940_000,
            horizon_secs: SECONDS_PER_DAY,
            vol_target_bps: 1_500,
            max_leverage_bps: 10_000,
            prior_vol_bps: 6_000,
            rc_tolerance_ppb: 100_000,
            min_sample_interval: 30,
            max_risk_age: 900,
            band_bps: 500,
            max_weight_samples: DEFAULT_MAX_WEIGHT_SAMPLES,
        }
    }
}

impl RiskParams {
    /// Each field with its value and inclusive range (the maximum risk age must also be at
    /// least the sampling interval).
    pub fn ranges(&self) -> [FieldRange; 11] {
        let day = i64::from(SECONDS_PER_DAY);
        [
            ("method", self.method.into(), 0, METHOD_RISK_BUDGET.into()),
            ("lambda_ppm", self.lambda_ppm.into(), 500_000, 999_900),
            ("horizon_secs", self.horizon_secs.into(), 60, 30 * day),
            ("vol_target_bps", self.vol_target_bps.into(), 10, 50_000),
            ("max_leverage_bps", self.max_leverage_bps.into(), 100, 40_000),
            ("prior_vol_bps", self.prior_vol_bps.into(), 100, 50_000),
            ("rc_tolerance_ppb", self.rc_tolerance_ppb.into(), 1, 100_000_000),
            ("min_sample_interval", self.min_sample_interval.into(), 1, day),
            ("max_risk_age", self.max_risk_age.into(), self.min_sample_interval.into(), 7 * day),
            ("band_bps", self.band_bps.into(), 1, 5_000),
            ("max_weight_samples", self.max_weight_samples.into(), 1, MAX_WEIGHT_SAMPLES.into()),
        ]
    }

    /// The first field outside its range, if any.
    pub fn out_of_range(&self) -> Option<FieldRange> {
        first_out_of_range(self.ranges())
    }

    /// Every field in its range (`InvalidRiskParams`).
    pub fn valid(&self) -> bool {
        self.out_of_range().is_none()
    }

    /// Whether moving from `current` to `self` raises risk (then it waits for the timelock):
    /// anything but a volatility target, leverage cap, band, risk age, RC tolerance and
    /// weight lifetime not above their values in force, a prior volatility not below, and the
    /// estimator (method, λ, horizon, sampling interval) unchanged.
    pub fn raises_risk(&self, current: &Self) -> bool {
        !(self.method == current.method
            && self.lambda_ppm == current.lambda_ppm
            && self.horizon_secs == current.horizon_secs
            && self.min_sample_interval == current.min_sample_interval
            && self.vol_target_bps <= current.vol_target_bps
            && self.max_leverage_bps <= current.max_leverage_bps
            && self.rc_tolerance_ppb <= current.rc_tolerance_ppb
            && self.prior_vol_bps >= current.prior_vol_bps
            && self.band_bps <= current.band_bps
            && self.max_risk_age <= current.max_risk_age
            && self.max_weight_samples <= current.max_weight_samples)
    }
}

/// Settlement window of an option series, seconds after its expiry: `settle_expired` takes only
/// an underlying price published in `[expiry, expiry + SETTLEMENT_WINDOW_SECS]` (Pyth: the
/// price's publish time; Switchboard, whose results carry a slot and no time: the settling
/// transaction's cluster time, with a result slot at or after the slot the vault recorded when
/// it first saw the series expired). Fifteen minutes: long enough for any keeper to land a
/// transaction, short enough that whoever settles first chooses among a quarter of an hour
/// of prices at most. A series nobody settled in time is never settled: it stays valued at
/// intrinsic value on the live underlying price (`SettlementWindowMissed`).
pub const SETTLEMENT_WINDOW_SECS: i64 = 15 * 60;

/// Largest Greek limit: 1000× NAV, in basis points.
pub const MAX_GREEK_LIMIT_BPS: u32 = 10_000_000;

/// `set_option_params`: option rate, implied-vol blend and Greek limits, integer units.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default, deny_unknown_fields))]
pub struct OptionParams {
    /// Annual rate, continuously compounded, basis points (−1,000 ..= 5,000).
    pub rate_bps: i32,
    /// Weight of implied vol in the budgets' σ, basis points (0 ..= 10,000).
    pub iv_blend_bps: u16,
    /// Greek limits per underlying, basis points of NAV (0 = none, ≤ 10^7): net dollar delta,
    /// dollar gamma, vega per 1.00 of vol.
    pub max_delta_bps: u32,
    pub max_gamma_bps: u32,
    pub max_vega_bps: u32,
}

impl Default for OptionParams {
    /// The parameters of a new vault: rate 0, no blend, limits 2× / 100× / 1× NAV.
    fn default() -> Self {
        Self { rate_bps: 0, iv_blend_bps: 0, max_delta_bps: 20_000, max_gamma_bps: 1_000_000, max_vega_bps: 10_000 }
    }
}

impl OptionParams {
    /// Each field with its value and inclusive range.
    pub fn ranges(&self) -> [FieldRange; 5] {
        let limit = i64::from(MAX_GREEK_LIMIT_BPS);
        [
            ("rate_bps", self.rate_bps.into(), -1_000, 5_000),
            ("iv_blend_bps", self.iv_blend_bps.into(), 0, 10_000),
            ("max_delta_bps", self.max_delta_bps.into(), 0, limit),
            ("max_gamma_bps", self.max_gamma_bps.into(), 0, limit),
            ("max_vega_bps", self.max_vega_bps.into(), 0, limit),
        ]
    }

    /// The first field outside its range, if any.
    pub fn out_of_range(&self) -> Option<FieldRange> {
        first_out_of_range(self.ranges())
    }

    /// Every field in its range (`InvalidOptionParams`).
    pub fn valid(&self) -> bool {
        self.out_of_range().is_none()
    }

    /// Whether moving from `current` to `self` raises risk: any Greek limit higher or removed
    /// (0), or any change of the rate or the blend (they move marks and budgets).
    pub fn raises_risk(&self, current: &Self) -> bool {
        let limit_up = |new: u32, old: u32| (new == 0 && old != 0) || (old != 0 && new > old);
        self.rate_bps != current.rate_bps
            || self.iv_blend_bps != current.iv_blend_bps
            || limit_up(self.max_delta_bps, current.max_delta_bps)
            || limit_up(self.max_gamma_bps, current.max_gamma_bps)
            || limit_up(self.max_vega_bps, current.max_vega_bps)
    }
}

/// `set_rebalance_params`: the rebalancing parameters (also their stored form in the risk
/// account, see `rpv_core`'s `RebalanceConfig`).
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default, deny_unknown_fields))]
pub struct RebalanceParams {
    /// Seconds a leg rests after it traded (≤ 30 days).
    pub cooldown_secs: u32,
    /// Maximum oracle age for the prices a trade uses, seconds (Switchboard: slots), ≤ 1 day;
    /// 0 = each asset's own maximum.
    pub max_oracle_age: u32,
    /// Largest trade per call, basis points of NAV (1 ..= 10,000).
    pub max_leg_bps: u16,
    /// Traded fair value per day, basis points of NAV (1 ..= 10,000).
    pub max_turnover_bps: u16,
    /// Gross exposure cut (sales) per day, basis points of NAV (≤ the turnover cap).
    pub max_reduction_bps: u16,
    /// Keeper incentive, basis points of a trade's fair value (≤ the cost bound).
    pub keeper_bps: u16,
    /// Bound on the vault's cost against fair value per call, basis points (≤ 500).
    pub max_slippage_bps: u16,
    /// Incentives paid per day, parts per million of NAV (≤ 10,000).
    pub incentive_budget_ppm: u16,
}

/// Ceilings of the rebalancing parameters.
pub const MAX_COOLDOWN_SECS: u32 = 30 * SECONDS_PER_DAY;
pub const MAX_REBALANCE_ORACLE_AGE: u32 = SECONDS_PER_DAY;
pub const MAX_SLIPPAGE_CEILING_BPS: u16 = 500;
pub const MAX_INCENTIVE_BUDGET_PPM: u16 = 10_000;

impl RebalanceParams {
    /// The parameters of a new vault: 1 h cooldown, the assets' own oracle ages, 5 % of NAV per
    /// call, 25 % turnover and 10 % gross reduction per day, 5 bps incentive, 50 bps cost bound
    /// per call, 20 ppm of NAV incentives per day (≤ 0.73 %/yr).
    pub const DEFAULT: Self = Self {
        cooldown_secs: 3_600,
        max_oracle_age: 0,
        max_leg_bps: 500,
        max_turnover_bps: 2_500,
        max_reduction_bps: 1_000,
        keeper_bps: 5,
        max_slippage_bps: 50,
        incentive_budget_ppm: 20,
    };

    /// Each field with its value and inclusive range; the gross-reduction cap is bounded by the
    /// turnover cap and the keeper incentive by the cost bound, as set in `self`.
    pub fn ranges(&self) -> [FieldRange; 8] {
        [
            ("cooldown_secs", self.cooldown_secs.into(), 0, MAX_COOLDOWN_SECS.into()),
            ("max_oracle_age", self.max_oracle_age.into(), 0, MAX_REBALANCE_ORACLE_AGE.into()),
            ("max_leg_bps", self.max_leg_bps.into(), 1, 10_000),
            ("max_turnover_bps", self.max_turnover_bps.into(), 1, 10_000),
            ("max_reduction_bps", self.max_reduction_bps.into(), 0, self.max_turnover_bps.into()),
            ("max_slippage_bps", self.max_slippage_bps.into(), 0, MAX_SLIPPAGE_CEILING_BPS.into()),
            ("keeper_bps", self.keeper_bps.into(), 0, self.max_slippage_bps.into()),
            ("incentive_budget_ppm", self.incentive_budget_ppm.into(), 0, MAX_INCENTIVE_BUDGET_PPM.into()),
        ]
    }

    /// The first field outside its range, if any.
    pub fn out_of_range(&self) -> Option<FieldRange> {
        first_out_of_range(self.ranges())
    }

    /// Within the program's ceilings and self-consistent (`InvalidRebalanceParams`).
    pub fn valid(&self) -> bool {
        self.out_of_range().is_none()
    }

    /// Whether moving from `current` to `self` allows more trading, cost or staleness in any
    /// parameter (then it waits for the timelock; a change that only tightens applies at once).
    pub fn raises_risk(&self, current: &Self) -> bool {
        let age = |a: u32| if a == 0 { u32::MAX } else { a };
        self.cooldown_secs < current.cooldown_secs
            || age(self.max_oracle_age) > age(current.max_oracle_age)
            || self.max_leg_bps > current.max_leg_bps
            || self.max_turnover_bps > current.max_turnover_bps
            || self.max_reduction_bps > current.max_reduction_bps
            || self.keeper_bps > current.keeper_bps
            || self.max_slippage_bps > current.max_slippage_bps
            || self.incentive_budget_ppm > current.incentive_budget_ppm
    }
}

impl Default for RebalanceParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl RebalanceParams {
    /// Stored in the risk account: its size, one line per field (no padding).
    #[rustfmt::skip]
    pub const LEN: usize =
        4 + // cooldown_secs
        4 + // max_oracle_age
        2 + // max_leg_bps
        2 + // max_turnover_bps
        2 + // max_reduction_bps
        2 + // keeper_bps
        2 + // max_slippage_bps
        2; // incentive_budget_ppm
}

const _: () = assert!(core::mem::size_of::<RebalanceParams>() == RebalanceParams::LEN);

/// How depositors come and go (issue 15), stored as is in the vault account
/// (`VaultState::flows`): the cash buffer the rebalancer keeps in base, the instant-flow fee,
/// and the request path's keeper incentive and price rules. Set by `set_flow_params`.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default, deny_unknown_fields))]
pub struct FlowParams {
    /// Base the rebalancer keeps uninvested, basis points of NAV (≤ 5,000): what lets small
    /// instant withdrawals succeed in an invested vault.
    pub cash_buffer_bps: u16,
    /// Fee on an instant deposit or withdrawal, basis points of the flow (≤ 100); it stays in
    /// the vault (the other holders are paid for the trader's option to pick the moment).
    pub instant_fee_bps: u16,
    /// Keeper incentive for settling a request, basis points of the settled value (≤ 10),
    /// paid from the request's own flow.
    pub settle_incentive_bps: u16,
    /// A Pyth price settles a request only if published at least this many seconds after the
    /// request was made (1 ..= 300): the cluster clock may lag the oracles' clock. (A
    /// Switchboard result must come from a later slot than the request.)
    pub settle_delay_secs: u16,
    /// Oldest price a settlement reads, seconds (Switchboard: slots), 1 ..= 3,600, never more
    /// than the asset's own maximum: bounds the choice of print a settling requester has.
    pub settle_max_age: u16,
}

/// Ceilings of the flow parameters.
pub const MAX_CASH_BUFFER_BPS: u16 = 5_000;
pub const MAX_INSTANT_FEE_BPS: u16 = 100;
pub const MAX_SETTLE_INCENTIVE_BPS: u16 = 10;
pub const MAX_SETTLE_DELAY_SECS: u16 = 300;
pub const MAX_SETTLE_AGE: u16 = 3_600;

impl FlowParams {
    /// The parameters of a new vault: no cash buffer, no instant fee (the confidence bands and
    /// the same-slot rule price instant flows against the trader), 2 bps settlement incentive,
    /// a settlement price at least 2 s after its request and at most 60 s old.
    pub const DEFAULT: Self = Self {
        cash_buffer_bps: 0,
        instant_fee_bps: 0,
        settle_incentive_bps: 2,
        settle_delay_secs: 2,
        settle_max_age: 60,
    };

    /// Each field with its value and inclusive range.
    pub fn ranges(&self) -> [FieldRange; 5] {
        [
            ("cash_buffer_bps", self.cash_buffer_bps.into(), 0, MAX_CASH_BUFFER_BPS.into()),
            ("instant_fee_bps", self.instant_fee_bps.into(), 0, MAX_INSTANT_FEE_BPS.into()),
            ("settle_incentive_bps", self.settle_incentive_bps.into(), 0, MAX_SETTLE_INCENTIVE_BPS.into()),
            ("settle_delay_secs", self.settle_delay_secs.into(), 1, MAX_SETTLE_DELAY_SECS.into()),
            ("settle_max_age", self.settle_max_age.into(), 1, MAX_SETTLE_AGE.into()),
        ]
    }

    /// The first field outside its range, if any.
    pub fn out_of_range(&self) -> Option<FieldRange> {
        first_out_of_range(self.ranges())
    }

    /// Within the program's ceilings (`InvalidFlowParams`).
    pub fn valid(&self) -> bool {
        self.out_of_range().is_none()
    }

    /// Whether moving from `current` to `self` costs the depositors more or widens a
    /// requester's choice of price: a higher instant fee or settlement incentive, a shorter
    /// delay or a longer settlement age (it waits for the timelock). The cash buffer only
    /// moves base between invested and not: it applies at once.
    pub fn raises_cost(&self, current: &Self) -> bool {
        self.instant_fee_bps > current.instant_fee_bps
            || self.settle_incentive_bps > current.settle_incentive_bps
            || self.settle_delay_secs < current.settle_delay_secs
            || self.settle_max_age > current.settle_max_age
    }

    /// Stored in the vault account: its size, one line per field (no padding).
    #[rustfmt::skip]
    pub const LEN: usize =
        2 + // cash_buffer_bps
        2 + // instant_fee_bps
        2 + // settle_incentive_bps
        2 + // settle_delay_secs
        2; // settle_max_age
}

impl Default for FlowParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

const _: () = assert!(core::mem::size_of::<FlowParams>() == FlowParams::LEN);

/// Fee rates, basis points (management per year; performance of gains above the high-water
/// mark).
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeRates {
    pub management_bps: u16,
    pub performance_bps: u16,
}

impl FeeRates {
    /// Whether moving from `current` to `self` raises either rate.
    pub fn raises(&self, current: &Self) -> bool {
        self.management_bps > current.management_bps || self.performance_bps > current.performance_bps
    }
}

/// `rebalance` / `rebalance_begin` arguments.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RebalanceArgs {
    /// Slot to trade, or [`AUTO_LEG`] (255) for the leg furthest outside its band.
    pub leg: u8,
    /// Largest fair value the caller will trade, base units (0 = no cap of its own).
    pub max_value: u64,
    /// When the vault sells: the most base units the caller pays.
    pub max_base_in: u64,
    /// When the vault buys: the fewest base units the caller receives.
    pub min_base_out: u64,
}

impl RebalanceArgs {
    /// Trade `leg` at whatever price the program sets (no caller bound).
    pub fn any_price(leg: u8) -> Self {
        Self { leg, max_value: 0, max_base_in: u64::MAX, min_base_out: 0 }
    }
}

/// `price_option`'s inputs (I80F48 bits).
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionQuoteArgs {
    pub kind: OptionKind,
    pub spot_bits: i128,
    pub strike_bits: i128,
    /// Annual volatility σ.
    pub vol_bits: i128,
    /// Annual rate, continuously compounded.
    pub rate_bits: i128,
    /// Years to expiry.
    pub years_bits: i128,
}

/// `price_option`'s return data: Black–Scholes price and Greeks, I80F48 bits.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionQuote {
    pub price_bits: i128,
    pub delta_bits: i128,
    pub gamma_bits: i128,
    pub vega_bits: i128,
    pub theta_bits: i128,
}

/// `quote`'s return data.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultQuote {
    /// NAV in base units, rounded down per asset (withdrawal pricing).
    pub nav: u64,
    /// NAV in base units, rounded up per asset (deposit pricing).
    pub nav_round_up: u64,
    /// Share supply plus dead shares plus fee shares pending and due now.
    pub total_shares: u64,
    /// ⌊nav × 10^9 / total_shares⌋: base units per 10^9 shares.
    pub share_price_e9: u128,
    pub base_decimals: u8,
    pub num_assets: u8,
    /// Deposits are paused.
    pub paused: bool,
    /// Whether deposits and withdrawals would accept the risk state now.
    pub risk_fresh: bool,
    /// Cluster time of the last `refresh` (0 = never, or reset by `add_asset` / budgets).
    pub risk_refreshed_at: i64,
    /// Annualised portfolio volatility σ_p of the last refresh, I80F48 bits.
    pub portfolio_vol_bits: i128,
    /// Gross exposure L = min(L_max, σ_target / σ_p) of the last refresh, I80F48 bits.
    pub leverage_bits: i128,
    /// Cluster time of this quote.
    pub quoted_at: i64,
    /// The NAV an instant withdrawal is priced at now: every holding at the bottom of its
    /// oracle's confidence interval, rounded down (issue 15).
    pub nav_instant_withdraw: u64,
    /// The NAV an instant deposit is priced at now: every holding at the top of its oracle's
    /// confidence interval, rounded up.
    pub nav_instant_deposit: u64,
}

/// A configuration change that waits for the timelock (`propose_change`). The variant order
/// is [`ProposalKind`]'s.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigChange {
    RiskParams(RiskParams),
    /// Parts per 10^9, one per registered asset.
    RiskBudgets(Vec<u64>),
    Fees {
        management_bps: u16,
        performance_bps: u16,
    },
    /// Rebalancing parameters (`set_rebalance_params`).
    Rebalance(RebalanceParams),
    /// Option rate, implied-vol blend and Greek limits (`set_option_params`).
    OptionParams(OptionParams),
    /// The registration of an asset (`add_asset`, `series` = `None`) or an option series
    /// (`add_option`): once matured, the admin's `add_asset` / `add_option` with exactly these
    /// accounts and arguments consumes it (`apply_change` does not apply it: registration creates
    /// the asset's token account, paid by the admin).
    Registration(Registration),
    /// A raise of slot `index`'s in-kind cap (`set_in_kind_cap`).
    InKindCap {
        index: u8,
        cap: u64,
    },
    /// A new guardian (`set_guardian` once the vault has outside shares), address as raw bytes.
    Guardian([u8; 32]),
    /// The retirement of slot `index`, which must still hold `mint` when the change applies
    /// (slots move down when an earlier one is retired): an empty spot asset or a series that
    /// never settled (`retire_asset` retires settled series at once).
    Retire {
        index: u8,
        mint: [u8; 32],
    },
    /// A new price feed for an asset (`set_oracle`): `apply_change` applies it with the new
    /// oracle account as its first remaining account.
    OracleChange(OracleChange),
    /// Flow parameters that cost depositors more (`set_flow_params`, [`FlowParams::raises_cost`]).
    Flow(FlowParams),
}

/// What a registration proposal names: the accounts and arguments `add_asset` / `add_option`
/// must be called with (addresses as raw bytes).
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration {
    pub mint: [u8; 32],
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: [u8; 32],
    /// The price account (an option series: its implied-vol feed).
    pub oracle: [u8; 32],
    pub args: AddAssetArgs,
    /// The series terms of an option (`add_option`); `None` for a spot asset.
    pub series: Option<OptionSeriesArgs>,
}

impl Registration {
    /// Size of its borsh encoding: three addresses, the arguments (oracle kind, feed id, age,
    /// confidence, budget, in-kind cap, oracle queue) and the optional series (tag, kind, underlying, strike,
    /// contract size, expiry).
    pub const MAX_LEN: usize = 3 * 32 + (1 + 32 + 4 + 2 + 8 + 8 + 32) + (1 + 1 + 1 + 16 + 16 + 8);
}

impl ConfigChange {
    pub fn kind(&self) -> ProposalKind {
        match self {
            Self::RiskParams(_) => ProposalKind::RiskParams,
            Self::RiskBudgets(_) => ProposalKind::RiskBudgets,
            Self::Fees { .. } => ProposalKind::Fees,
            Self::Rebalance(_) => ProposalKind::Rebalance,
            Self::OptionParams(_) => ProposalKind::OptionParams,
            Self::Registration(_) => ProposalKind::Registration,
            Self::InKindCap { .. } => ProposalKind::InKindCap,
            Self::Guardian(_) => ProposalKind::Guardian,
            Self::Retire { .. } => ProposalKind::Retire,
            Self::OracleChange(_) => ProposalKind::OracleChange,
            Self::Flow(_) => ProposalKind::Flow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rebalance_rule_names_its_field() {
        let d = RebalanceParams::DEFAULT;
        let cases = [
            (RebalanceParams { cooldown_secs: MAX_COOLDOWN_SECS + 1, ..d }, "cooldown_secs"),
            (RebalanceParams { max_oracle_age: MAX_REBALANCE_ORACLE_AGE + 1, ..d }, "max_oracle_age"),
            (RebalanceParams { max_leg_bps: 0, ..d }, "max_leg_bps"),
            (RebalanceParams { max_leg_bps: 10_001, ..d }, "max_leg_bps"),
            (RebalanceParams { max_turnover_bps: 0, max_reduction_bps: 0, ..d }, "max_turnover_bps"),
            (RebalanceParams { max_reduction_bps: d.max_turnover_bps + 1, ..d }, "max_reduction_bps"),
            (RebalanceParams { max_slippage_bps: MAX_SLIPPAGE_CEILING_BPS + 1, ..d }, "max_slippage_bps"),
            (RebalanceParams { keeper_bps: d.max_slippage_bps + 1, ..d }, "keeper_bps"),
            (RebalanceParams { incentive_budget_ppm: MAX_INCENTIVE_BUDGET_PPM + 1, ..d }, "incentive_budget_ppm"),
        ];
        assert!(d.valid());
        for (p, field) in cases {
            assert!(!p.valid(), "{field}");
            assert_eq!(p.out_of_range().map(|r| r.0), Some(field));
        }
    }

    #[test]
    fn defaults_are_valid() {
        assert!(RiskParams::default().valid());
        assert!(OptionParams::default().valid());
        assert!(RebalanceParams::DEFAULT.valid());
    }

    #[test]
    fn config_change_tag_is_the_proposal_kind() {
        let changes = [
            ConfigChange::RiskParams(RiskParams::default()),
            ConfigChange::RiskBudgets(vec![1]),
            ConfigChange::Fees { management_bps: 1, performance_bps: 2 },
            ConfigChange::Rebalance(RebalanceParams::DEFAULT),
            ConfigChange::OptionParams(OptionParams::default()),
            ConfigChange::Registration(registration()),
            ConfigChange::InKindCap { index: 1, cap: 2 },
            ConfigChange::Guardian([5; 32]),
            ConfigChange::Retire { index: 1, mint: [7; 32] },
            ConfigChange::OracleChange(OracleChange {
                index: 1,
                oracle: [2; 32],
                oracle_kind: OracleKind::Switchboard,
                feed_id: [3; 32],
                max_oracle_age: 60,
                max_conf_bps: 100,
                oracle_queue: [4; 32],
            }),
        ];
        for c in changes {
            assert_eq!(borsh::to_vec(&c).unwrap()[0], c.kind().code());
        }
    }

    fn registration() -> Registration {
        let args = AddAssetArgs {
            oracle_kind: OracleKind::Switchboard,
            feed_id: [3; 32],
            max_oracle_age: 60,
            max_conf_bps: 100,
            risk_budget: 1,
            in_kind_cap: u64::MAX,
            oracle_queue: [5; 32],
        };
        let series =
            OptionSeriesArgs { kind: OptionKind::Put, underlying: 0, strike_bits: 1, contract_size_bits: 1, expiry: 9 };
        Registration { mint: [1; 32], token_program: [2; 32], oracle: [4; 32], args, series: Some(series) }
    }

    #[test]
    fn registration_len_is_its_largest_encoding() {
        assert_eq!(borsh::to_vec(&registration()).unwrap().len(), Registration::MAX_LEN);
    }

    #[test]
    fn raise_rules() {
        let r = RiskParams::default();
        assert!(!r.raises_risk(&r));
        assert!(RiskParams { vol_target_bps: r.vol_target_bps + 1, ..r }.raises_risk(&r));
        assert!(!RiskParams { vol_target_bps: r.vol_target_bps - 1, ..r }.raises_risk(&r));
        assert!(RiskParams { prior_vol_bps: r.prior_vol_bps - 1, ..r }.raises_risk(&r));
        assert!(RiskParams { lambda_ppm: r.lambda_ppm - 1, ..r }.raises_risk(&r));
        assert!(RiskParams { max_weight_samples: r.max_weight_samples + 1, ..r }.raises_risk(&r));
        assert!(!RiskParams { max_weight_samples: 1, ..r }.raises_risk(&r));
        assert_eq!(RiskParams { max_weight_samples: 0, ..r }.out_of_range().map(|f| f.0), Some("max_weight_samples"));
        assert!(!RiskParams { max_weight_samples: MAX_WEIGHT_SAMPLES + 1, ..r }.valid());
        let o = OptionParams::default();
        assert!(!o.raises_risk(&o));
        assert!(OptionParams { max_delta_bps: 0, ..o }.raises_risk(&o));
        assert!(!OptionParams { max_delta_bps: 1, ..o }.raises_risk(&o));
        assert!(OptionParams { rate_bps: 1, ..o }.raises_risk(&o));
        let b = RebalanceParams::DEFAULT;
        assert!(!b.raises_risk(&b));
        assert!(RebalanceParams { max_oracle_age: 0, ..RebalanceParams { max_oracle_age: 60, ..b } }
            .raises_risk(&RebalanceParams { max_oracle_age: 60, ..b }));
        assert!(!RebalanceParams { cooldown_secs: b.cooldown_secs + 1, ..b }.raises_risk(&b));
    }
}
