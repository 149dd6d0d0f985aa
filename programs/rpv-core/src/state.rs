//! The vault account, zero-copy.
//!
//! One `VaultState` per vault, stored after Anchor's 8-byte discriminator. Every field has
//! alignment ≤ 8 (SBF account data is 8-aligned), keys are raw `[u8; 32]`, and each struct
//! carries reserved bytes for later versions. Sizes are asserted at compile time.
//!
//! Position quantities are **accounted** here rather than read from token balances: NAV needs
//! only the oracle accounts, a 16-asset deposit fits one transaction, and tokens donated to the
//! vault's token accounts change nothing (the reconcile check only asserts balance ≥ accounted).

use bytemuck::{Pod, Zeroable};

use crate::{
    error::CoreResult,
    fees::FeeState,
    math::Rounding,
    pyth::{OraclePrice, BPS},
    Address, CoreError,
};

/// Assets (besides the base asset) a vault can hold.
pub use rpv_interface::args::MAX_ASSETS;
pub const STATE_VERSION: u8 = 1;
/// Risk budgets are stored in parts per 10^9; a complete set sums to `BUDGET_ONE`.
pub const BUDGET_ONE: u64 = rpv_interface::units::PPB;
/// Decimals above this are refused (no SPL mint in use exceeds 18; keeps 10^k in range).
pub const MAX_DECIMALS: u8 = 18;

/// Which oracle program a slot reads (the interface's enum; stored as its `code()`).
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
    /// Publish time of the newest price the vault has used (never moves backwards).
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
    pub _pad: [u8; 5],
    /// Expiry, unix seconds.
    pub expiry: i64,
    /// Strike, in the base currency per whole unit of the underlying.
    pub strike: crate::fx::FxBits,
    /// Whole units of the underlying per whole option token.
    pub contract_size: crate::fx::FxBits,
    /// After settlement: the payoff per whole option token, in the base currency.
    pub settlement_value: crate::fx::FxBits,
}

impl OptionTerms {
    pub fn is_option(&self) -> bool {
        self.kind == KIND_CALL || self.kind == KIND_PUT
    }
    pub fn is_settled(&self) -> bool {
        self.settled != 0
    }
    pub fn option_kind(&self) -> Option<crate::options::OptionKind> {
        crate::options::OptionKind::from_slot_code(self.kind)
    }
}

const _: () = assert!(core::mem::size_of::<OptionTerms>() == 64);

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
    pub option_rate: crate::fx::FxBits,
    /// Management and performance fees ([`crate::fees`]).
    pub fees: FeeState,
    /// Seconds a change that raises risk or fees waits between `propose_change` and
    /// `apply_change` (fixed at initialisation; 0 = every change applies at once).
    pub timelock_secs: u32,
    pub _pad_gov: [u8; 4],
    pub reserved: [u8; 40],
    pub assets: [AssetSlot; MAX_ASSETS],
}

const _: () = assert!(core::mem::size_of::<AssetSlot>() == 264);
const _: () = assert!(core::mem::size_of::<VaultState>() == 504 + MAX_ASSETS * 264);
const _: () = assert!(core::mem::align_of::<VaultState>() <= 8);

impl VaultState {
    pub const LEN: usize = core::mem::size_of::<Self>();

    pub fn active_assets(&self) -> &[AssetSlot] {
        &self.assets[..usize::from(self.num_assets).min(MAX_ASSETS)]
    }

    pub fn find_asset(&self, mint: &Address) -> Option<usize> {
        self.active_assets().iter().position(|a| a.mint == *mint)
    }

    /// Total outstanding shares: the share mint's supply plus the dead shares plus the fee
    /// shares accrued but not minted yet.
    pub fn total_shares(&self, share_mint_supply: u64) -> CoreResult<u64> {
        share_mint_supply
            .checked_add(self.dead_shares)
            .and_then(|s| s.checked_add(self.fees.pending_shares))
            .ok_or(CoreError::MathOverflow)
    }

    /// Whether any registered slot is an option series.
    pub fn has_options(&self) -> bool {
        self.active_assets().iter().any(|a| a.option.is_option())
    }

    /// NAV in base units: accounted base balance plus every holding at its oracle price (spot)
    /// or at its mark (options, [`crate::portfolio::option_mark`], which takes the underlying's
    /// price from the same pass), each rounded in direction `round` — for options `Up` takes the
    /// upper bound of the mark and `Down` the lower. `price_of(i, slot)` must return the
    /// validated oracle value of slot `i` (a price; an implied vol for an option series).
    pub fn nav<F>(&self, mut price_of: F, now: i64, round: Rounding) -> CoreResult<u64>
    where
        F: FnMut(usize, &AssetSlot) -> CoreResult<OraclePrice>,
    {
        let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_ASSETS];
        for (i, a) in self.active_assets().iter().enumerate() {
            prices[i] = price_of(i, a)?;
        }
        self.nav_at(&prices, now, round)
    }

    /// [`Self::nav`] from prices already read (`prices[i]` for slot `i`).
    pub fn nav_at(&self, prices: &[OraclePrice], now: i64, round: Rounding) -> CoreResult<u64> {
        let mut nav = self.base_quantity;
        for i in 0..self.active_assets().len() {
            let v = crate::portfolio::slot_value(self, i, prices, now, round)?;
            nav = nav.checked_add(v).ok_or(CoreError::MathOverflow)?;
        }
        Ok(nav)
    }

    /// [`Self::nav_at`] rounded down and up from one pass (`(down, up)`).
    pub fn nav_both_at(&self, prices: &[OraclePrice], now: i64) -> CoreResult<(u64, u64)> {
        let (mut down, mut up) = (self.base_quantity, self.base_quantity);
        for i in 0..self.active_assets().len() {
            let (d, u) = crate::portfolio::slot_value_both(self, i, prices, now)?;
            down = down.checked_add(d).ok_or(CoreError::MathOverflow)?;
            up = up.checked_add(u).ok_or(CoreError::MathOverflow)?;
        }
        Ok((down, up))
    }

    /// Cheap invariant, checked at the end of every mutating instruction.
    pub fn invariant(&self) -> CoreResult<()> {
        let ok = self.version == STATE_VERSION
            && usize::from(self.num_assets) <= MAX_ASSETS
            && self.dead_shares > 0
            && self.base_decimals <= MAX_DECIMALS
            && self.min_deposit <= self.deposit_cap
            && self.fees.rates_valid();
        if ok {
            Ok(())
        } else {
            Err(CoreError::InvariantViolated)
        }
    }

    /// `flags` bit: deposits (and, later, rebalances) are paused.
    pub const FLAG_PAUSED: u8 = 1;

    pub fn is_paused(&self) -> bool {
        self.flags & Self::FLAG_PAUSED != 0
    }

    /// `flags` bit: only depositors with an allowlist entry may deposit.
    pub const FLAG_ALLOWLIST: u8 = 2;

    pub fn allowlist_enabled(&self) -> bool {
        self.flags & Self::FLAG_ALLOWLIST != 0
    }

    /// `flags` bit: a flash rebalance is open (between `rebalance_begin` and `rebalance_end`).
    pub const FLAG_REBALANCING: u8 = 4;

    pub fn is_rebalancing(&self) -> bool {
        self.flags & Self::FLAG_REBALANCING != 0
    }

    /// Whether the risk state is recent enough to price deposits and withdrawals: always with
    /// no assets, else refreshed within `max_risk_age` seconds.
    pub fn risk_is_fresh(&self, now: i64) -> bool {
        self.num_assets == 0
            || (self.risk_refreshed_at > 0
                && now.saturating_sub(self.risk_refreshed_at) <= i64::from(self.max_risk_age))
    }

    /// Risk budgets of the active assets (parts per 10^9).
    pub fn budgets_ppb(&self, out: &mut [u64; MAX_ASSETS]) -> usize {
        let n = self.active_assets().len();
        for (o, a) in out.iter_mut().zip(self.active_assets()) {
            *o = a.risk_budget;
        }
        n
    }

    /// The vault's token account holds at least what the vault accounts for.
    pub fn check_reconciled(accounted: u64, token_balance: u64) -> CoreResult<()> {
        if token_balance >= accounted {
            Ok(())
        } else {
            Err(CoreError::InvariantViolated)
        }
    }

    /// Full registry check (O(n²)), run when the asset set changes: each active asset is
    /// well-formed and distinct from the base and from every other asset; unused slots are empty.
    pub fn check_registry(&self) -> CoreResult<()> {
        self.invariant()?;
        let active = self.active_assets();
        for (i, a) in active.iter().enumerate() {
            let ok = a.mint != self.base_mint
                && a.mint != [0; 32]
                && a.risk_budget > 0
                && a.risk_budget <= BUDGET_ONE
                && a.max_oracle_age > 0
                && a.max_conf_bps > 0
                && u64::from(a.max_conf_bps) <= BPS
                && a.decimals <= MAX_DECIMALS
                && OracleKind::from_u8(a.oracle_kind).is_some()
                && a.option.kind <= KIND_PUT
                && (!a.option.is_option()
                    || (usize::from(a.option.underlying) < i
                        && !active[usize::from(a.option.underlying)].option.is_option()
                        && a.option.strike.get() > 0
                        && a.option.contract_size.get() > 0))
                && active[..i].iter().all(|b| b.mint != a.mint && b.token_account != a.token_account);
            if !ok {
                return Err(CoreError::InvariantViolated);
            }
        }
        if self.assets[active.len()..].iter().any(|s| *s != AssetSlot::zeroed()) {
            return Err(CoreError::InvariantViolated);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> VaultState {
        let mut v = VaultState::zeroed();
        v.version = STATE_VERSION;
        v.base_mint = [1; 32];
        v.base_decimals = 6;
        v.dead_shares = 1_000_000;
        v.base_quantity = 1_000_000;
        v.deposit_cap = u64::MAX;
        v
    }

    fn asset(mint: u8, qty: u64, decimals: u8) -> AssetSlot {
        AssetSlot {
            mint: [mint; 32],
            token_account: [mint + 100; 32],
            quantity: qty,
            risk_budget: BUDGET_ONE / 2,
            max_oracle_age: 60,
            max_conf_bps: 100,
            decimals,
            ..AssetSlot::zeroed()
        }
    }

    #[test]
    fn nav_known_answer() {
        let mut v = vault();
        v.assets[0] = asset(2, 2_000_000_000, 9); // 2 SOL
        v.assets[1] = asset(3, 50_000_000, 8); // 0.5 BTC
        v.num_assets = 2;
        let prices = [
            OraclePrice { price: 15_000_000_000, conf: 0, expo: -8, publish_time: 0 }, // $150
            OraclePrice { price: 6_000_000_000_000, conf: 0, expo: -8, publish_time: 0 }, // $60,000
        ];
        let nav = v.nav(|i, _| Ok(prices[i]), 0, Rounding::Down).unwrap();
        // 1 USDC + 300 USDC + 30,000 USDC
        assert_eq!(nav, 1_000_000 + 300_000_000 + 30_000_000_000);
        // an oracle failure propagates
        assert_eq!(v.nav(|_, _| Err(CoreError::OracleStale), 0, Rounding::Down), Err(CoreError::OracleStale));
    }

    #[test]
    fn registry_rules() {
        let mut v = vault();
        v.assets[0] = asset(2, 0, 9);
        v.assets[1] = asset(3, 0, 9);
        v.num_assets = 2;
        assert_eq!(v.check_registry(), Ok(()));
        let mut dup = v;
        dup.assets[1].mint = [2; 32];
        assert_eq!(dup.check_registry(), Err(CoreError::InvariantViolated));
        let mut base = v;
        base.assets[1].mint = base.base_mint;
        assert_eq!(base.check_registry(), Err(CoreError::InvariantViolated));
        let mut stray = v;
        stray.assets[5].quantity = 1;
        assert_eq!(stray.check_registry(), Err(CoreError::InvariantViolated));
        let mut no_dead = v;
        no_dead.dead_shares = 0;
        assert_eq!(no_dead.invariant(), Err(CoreError::InvariantViolated));
        assert_eq!(VaultState::check_reconciled(10, 9), Err(CoreError::InvariantViolated));
        assert_eq!(VaultState::check_reconciled(10, 11), Ok(()));
    }
}

/// Risk-model account (PDA `["risk", vault]`): the EWMA covariance, the last sampled log prices,
/// the weights and targets in force, and the model's parameters. Fixed-point values are
/// I80F48 raw bits ([`crate::fx::FxBits`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[cfg_attr(feature = "idl-build", derive(anchor_lang::AnchorSerialize))]
pub struct RiskState {
    pub vault: Address,
    /// Annualised covariance of log returns, packed upper triangle (row stride 16).
    pub cov: [crate::fx::FxBits; crate::fx::PACKED_LEN],
    /// ln of the last sampled price of each asset (`ln mantissa + expo·ln 10`).
    pub log_price: [crate::fx::FxBits; MAX_ASSETS],
    /// Weights in force (sum 1 over the active assets).
    pub weights: [crate::fx::FxBits; MAX_ASSETS],
    /// Target value of each asset, base units (`L · w_i · NAV`).
    pub targets: [u64; MAX_ASSETS],
    /// EWMA decay per `horizon` seconds.
    pub lambda: crate::fx::FxBits,
    /// Annualised volatility target.
    pub vol_target: crate::fx::FxBits,
    /// Cap on gross exposure `L`.
    pub max_leverage: crate::fx::FxBits,
    /// Volatility assumed for an asset's first sample.
    pub prior_vol: crate::fx::FxBits,
    /// Tolerance on risk contributions for submitted weights.
    pub rc_tolerance: crate::fx::FxBits,
    /// Last computed gross exposure and portfolio volatility.
    pub leverage: crate::fx::FxBits,
    pub portfolio_vol: crate::fx::FxBits,
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
    /// 0 = inverse volatility, 1 = risk budgeting (submitted or solved weights).
    pub method: u8,
    pub bump: u8,
    /// Number of assets the weights in force were computed for.
    pub weights_n: u8,
    /// 1 when the last positions step found option series (the weights then live on the
    /// position covariance, [`crate::position::PositionModel`]).
    pub positions_model: u8,
    /// Greek limits breached at the last positions step: bit `u` = underlying `u`.
    pub greek_breach_mask: u16,
    // ---- positions (written by the positions step, `portfolio::update_positions`) ----
    /// The oracle values of the last sample, per slot (price, or implied vol for an option).
    pub sampled: [SampledPrice; MAX_ASSETS],
    /// Per slot: elasticity `λ = ΔS/V` (1 for spot), convexity `g = ΓS²/V`, vol elasticity
    /// `ν = vega·σ/V` and `vega/V` (per 1.00 of vol), at the last positions step, unscaled.
    pub elasticity: [crate::fx::FxBits; MAX_ASSETS],
    pub convexity: [crate::fx::FxBits; MAX_ASSETS],
    pub vol_elasticity: [crate::fx::FxBits; MAX_ASSETS],
    pub vega_ratio: [crate::fx::FxBits; MAX_ASSETS],
    /// Per price factor: the forward-looking scale `σ_blend/σ_realised` (1 without blending).
    pub vol_scale: [crate::fx::FxBits; MAX_ASSETS],
    /// Per underlying (slot index of the spot asset), base units: net dollar delta `Σ ΔS·q`,
    /// dollar gamma `Σ ΓS²·q` and vega `Σ vega·q` (per 1.00 of vol) of every position on it.
    pub net_delta: [crate::fx::FxBits; MAX_ASSETS],
    pub net_gamma: [crate::fx::FxBits; MAX_ASSETS],
    pub net_vega: [crate::fx::FxBits; MAX_ASSETS],
    /// Weight of implied vol in the σ used for budgets: `σ = (1 − β)·σ_EWMA + β·σ_implied`.
    pub iv_blend: crate::fx::FxBits,
    /// Greek limits as multiples of NAV, per underlying (0 = no limit): `|net delta|`,
    /// `net gamma`, `|net vega|`.
    pub max_delta: crate::fx::FxBits,
    pub max_gamma: crate::fx::FxBits,
    pub max_vega: crate::fx::FxBits,
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
    pub mark: [crate::fx::FxBits; MAX_ASSETS],
    /// Cluster time of the sample the marks are for.
    pub marked_at: i64,
    // ---- rebalancing ([`crate::rebalance`]) ----
    pub rebalance: crate::rebalance::RebalanceConfig,
    pub _pad_rebalance: [u8; 4],
    pub book: crate::rebalance::RebalanceBook,
    /// The open flash rebalance (all zero when none).
    pub flash: crate::rebalance::FlashLock,
    pub reserved: [u8; 40],
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
    pub fn of(p: &OraclePrice) -> Self {
        Self { price: p.price, expo: p.expo, _pad: 0 }
    }
    pub fn get(&self) -> OraclePrice {
        OraclePrice { price: self.price, conf: 0, expo: self.expo, publish_time: 0 }
    }
}

const _: () = assert!(core::mem::size_of::<RiskState>() == 3272 + 256 + 16 * 16 * 9 + 4 * 16 + 16);

pub use rpv_interface::kinds::{METHOD_INVERSE_VOL, METHOD_RISK_BUDGET};

impl RiskState {
    pub const LEN: usize = core::mem::size_of::<Self>();
}
