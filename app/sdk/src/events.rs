//! Decoding of the program's events from transaction logs (`Program data: <base64>` lines,
//! each an 8-byte event discriminator followed by the borsh-encoded event).

use base64::Engine;
use borsh::BorshDeserialize;

use crate::{discriminator, Pubkey};

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct VaultInitialized {
    pub vault: [u8; 32],
    pub admin: [u8; 32],
    pub vault_id: u64,
    pub base_mint: [u8; 32],
    pub share_mint: [u8; 32],
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub seed_deposit: u64,
    pub dead_shares: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct AssetAdded {
    pub vault: [u8; 32],
    pub index: u8,
    pub mint: [u8; 32],
    pub token_account: [u8; 32],
    pub oracle: [u8; 32],
    pub feed_id: [u8; 32],
    pub max_oracle_age: u32,
    pub max_conf_bps: u16,
    pub risk_budget: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct Deposited {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub amount: u64,
    pub shares: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub base_quantity_after: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub shares: u64,
    pub amount: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub base_quantity_after: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct AssetDeposited {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub asset_index: u8,
    pub mint: [u8; 32],
    pub amount: u64,
    pub value: u64,
    pub shares: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub quantity_after: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct RiskRefreshed {
    pub vault: [u8; 32],
    pub time: i64,
    pub interval: i64,
    pub samples: u64,
    pub nav: u64,
    pub leverage_bits: i128,
    pub portfolio_vol_bits: i128,
    pub method: u8,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct WeightsAccepted {
    pub vault: [u8; 32],
    pub source: u8,
    pub by: [u8; 32],
    pub n: u8,
    pub leverage_bits: i128,
    pub portfolio_vol_bits: i128,
    pub sweeps: u32,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct RiskParamsSet {
    pub vault: [u8; 32],
    pub method: u8,
    pub lambda_ppm: u32,
    pub horizon_secs: u32,
    pub vol_target_bps: u32,
    pub max_leverage_bps: u32,
    pub prior_vol_bps: u32,
    pub rc_tolerance_ppb: u32,
    pub min_sample_interval: u32,
    pub max_risk_age: u32,
    pub band_bps: u16,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct RiskBudgetsSet {
    pub vault: [u8; 32],
    pub budgets_ppb: Vec<u64>,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct RedeemedInKind {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub shares: u64,
    pub total_shares_before: u64,
    pub amounts: Vec<u64>,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct PausedSet {
    pub vault: [u8; 32],
    pub paused: bool,
    pub by: [u8; 32],
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct RoleChanged {
    pub vault: [u8; 32],
    pub role: u8,
    pub old: [u8; 32],
    pub new: [u8; 32],
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct OptionAdded {
    pub vault: [u8; 32],
    pub index: u8,
    pub mint: [u8; 32],
    pub oracle: [u8; 32],
    pub kind: u8,
    pub underlying: u8,
    pub strike_bits: i128,
    pub contract_size_bits: i128,
    pub expiry: i64,
    pub risk_budget: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct PositionsUpdated {
    pub vault: [u8; 32],
    pub sample_time: i64,
    pub nav: u64,
    pub included_mask: u32,
    pub greek_breach_mask: u16,
    pub leverage_bits: i128,
    pub portfolio_vol_bits: i128,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct OptionSettled {
    pub vault: [u8; 32],
    pub index: u8,
    pub spot_bits: i128,
    pub publish_time: i64,
    pub settlement_value_bits: i128,
    pub by: [u8; 32],
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct OptionParamsSet {
    pub vault: [u8; 32],
    pub rate_bits: i128,
    pub iv_blend_bits: i128,
    pub max_delta_bits: i128,
    pub max_gamma_bits: i128,
    pub max_vega_bits: i128,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct FeesAccrued {
    pub vault: [u8; 32],
    pub time: i64,
    pub management_shares: u64,
    pub performance_shares: u64,
    pub minted: u64,
    pub pending_after: u64,
    pub nav: u64,
    pub total_shares_after: u64,
    pub hwm_nav: u64,
    pub hwm_shares: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct FeesSet {
    pub vault: [u8; 32],
    pub management_bps: u16,
    pub performance_bps: u16,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct ChangeProposed {
    pub vault: [u8; 32],
    pub kind: u8,
    pub proposer: [u8; 32],
    pub eta: i64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct ChangeApplied {
    pub vault: [u8; 32],
    pub kind: u8,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct ChangeCancelled {
    pub vault: [u8; 32],
    pub kind: u8,
    pub by: [u8; 32],
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct AllowlistSet {
    pub vault: [u8; 32],
    pub enabled: bool,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct DepositorAllowed {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub allowed: bool,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct Rebalanced {
    pub vault: [u8; 32],
    pub keeper: [u8; 32],
    pub leg: u8,
    pub side: u8,
    pub flash: bool,
    pub qty: u64,
    pub base_amount: u64,
    pub fair_value: u64,
    pub incentive: u64,
    pub cost: i64,
    pub fair_price_bits: i128,
    pub value_before: u64,
    pub value_after: u64,
    pub target: u64,
    pub band: u64,
    pub nav: u64,
    pub turnover_today: u64,
    pub reduction_today: u64,
    pub incentive_today: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct FlashRebalanceSettled {
    pub vault: [u8; 32],
    pub keeper: [u8; 32],
    pub leg: u8,
    pub side: u8,
    pub owed: u64,
    pub received: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct RebalanceParamsSet {
    pub vault: [u8; 32],
    pub params: crate::ix::RebalanceParams,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    OptionAdded(OptionAdded),
    PositionsUpdated(PositionsUpdated),
    OptionSettled(OptionSettled),
    OptionParamsSet(OptionParamsSet),
    PausedSet(PausedSet),
    RoleChanged(RoleChanged),
    RedeemedInKind(RedeemedInKind),
    RiskRefreshed(RiskRefreshed),
    WeightsAccepted(WeightsAccepted),
    RiskParamsSet(RiskParamsSet),
    RiskBudgetsSet(RiskBudgetsSet),
    AssetDeposited(AssetDeposited),
    VaultInitialized(VaultInitialized),
    AssetAdded(AssetAdded),
    Deposited(Deposited),
    Withdrawn(Withdrawn),
    FeesAccrued(FeesAccrued),
    FeesSet(FeesSet),
    ChangeProposed(ChangeProposed),
    ChangeApplied(ChangeApplied),
    ChangeCancelled(ChangeCancelled),
    AllowlistSet(AllowlistSet),
    DepositorAllowed(DepositorAllowed),
    Rebalanced(Rebalanced),
    FlashRebalanceSettled(FlashRebalanceSettled),
    RebalanceParamsSet(RebalanceParamsSet),
}

fn try_decode<T: BorshDeserialize>(name: &str, bytes: &[u8]) -> Option<T> {
    if bytes.len() < 8 || bytes[..8] != discriminator("event", name) {
        return None;
    }
    T::try_from_slice(&bytes[8..]).ok()
}

/// Events found in a transaction's log messages, in order.
pub fn parse_logs<S: AsRef<str>>(logs: &[S]) -> Vec<Event> {
    let engine = base64::engine::general_purpose::STANDARD;
    logs.iter()
        .filter_map(|l| l.as_ref().strip_prefix("Program data: "))
        .filter_map(|b64| engine.decode(b64.trim()).ok())
        .filter_map(|b| {
            try_decode("VaultInitialized", &b)
                .map(Event::VaultInitialized)
                .or_else(|| try_decode("AssetAdded", &b).map(Event::AssetAdded))
                .or_else(|| try_decode("Deposited", &b).map(Event::Deposited))
                .or_else(|| try_decode("Withdrawn", &b).map(Event::Withdrawn))
                .or_else(|| try_decode("AssetDeposited", &b).map(Event::AssetDeposited))
                .or_else(|| try_decode("RiskRefreshed", &b).map(Event::RiskRefreshed))
                .or_else(|| try_decode("RedeemedInKind", &b).map(Event::RedeemedInKind))
                .or_else(|| try_decode("PausedSet", &b).map(Event::PausedSet))
                .or_else(|| try_decode("RoleChanged", &b).map(Event::RoleChanged))
                .or_else(|| try_decode("WeightsAccepted", &b).map(Event::WeightsAccepted))
                .or_else(|| try_decode("RiskParamsSet", &b).map(Event::RiskParamsSet))
                .or_else(|| try_decode("RiskBudgetsSet", &b).map(Event::RiskBudgetsSet))
                .or_else(|| try_decode("OptionAdded", &b).map(Event::OptionAdded))
                .or_else(|| try_decode("PositionsUpdated", &b).map(Event::PositionsUpdated))
                .or_else(|| try_decode("OptionSettled", &b).map(Event::OptionSettled))
                .or_else(|| try_decode("OptionParamsSet", &b).map(Event::OptionParamsSet))
                .or_else(|| try_decode("FeesAccrued", &b).map(Event::FeesAccrued))
                .or_else(|| try_decode("FeesSet", &b).map(Event::FeesSet))
                .or_else(|| try_decode("ChangeProposed", &b).map(Event::ChangeProposed))
                .or_else(|| try_decode("ChangeApplied", &b).map(Event::ChangeApplied))
                .or_else(|| try_decode("ChangeCancelled", &b).map(Event::ChangeCancelled))
                .or_else(|| try_decode("AllowlistSet", &b).map(Event::AllowlistSet))
                .or_else(|| try_decode("DepositorAllowed", &b).map(Event::DepositorAllowed))
                .or_else(|| try_decode("Rebalanced", &b).map(Event::Rebalanced))
                .or_else(|| try_decode("FlashRebalanceSettled", &b).map(Event::FlashRebalanceSettled))
                .or_else(|| try_decode("RebalanceParamsSet", &b).map(Event::RebalanceParamsSet))
        })
        .collect()
}

pub fn key(k: &[u8; 32]) -> Pubkey {
    Pubkey::new_from_array(*k)
}
