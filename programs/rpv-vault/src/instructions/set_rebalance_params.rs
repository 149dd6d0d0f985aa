/// Specification:
/// - `set_rebalance_params(params)`: only the admin (`Unauthorized`); the risk account must be
///   the vault's (`WrongRiskAccount`).
/// - Parameters (`rpv_core::layout::RebalanceConfig`): cooldown ≤ 30 days, oracle age ≤ 1 day
///   (0 = each asset's own), per-call size and daily turnover 1..10,000 bps of NAV, daily
///   reduction ≤ daily turnover, keeper incentive ≤ per-call cost bound ≤ 500 bps, daily
///   incentive budget ≤ 10,000 ppm of NAV; anything else → `InvalidRebalanceParams`.
/// - A change that allows more trading, cost or staleness in any parameter (a shorter cooldown,
///   a longer oracle age, a larger cap, incentive, bound or budget) is a raise: under a non-zero
///   timelock it is refused (`TimelockRequired`) and goes through `propose_change`
///   (`ConfigChange::Rebalance`, kind 3). A change that only tightens applies at once.
/// - Emits `RebalanceParamsSet`.
use anchor_lang::prelude::*;
use rpv_core::layout::RebalanceConfig;

use super::risk_accounts::RiskAdmin;
use crate::{error::VaultError, events::RebalanceParamsSet, state::same};

/// The rebalancing parameters as an instruction argument (same fields as the core's
/// `RebalanceConfig`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RebalanceParams {
    pub cooldown_secs: u32,
    pub max_oracle_age: u32,
    pub max_leg_bps: u16,
    pub max_turnover_bps: u16,
    pub max_reduction_bps: u16,
    pub keeper_bps: u16,
    pub max_slippage_bps: u16,
    pub incentive_budget_ppm: u16,
}

impl RebalanceParams {
    pub fn config(&self) -> RebalanceConfig {
        RebalanceConfig {
            cooldown_secs: self.cooldown_secs,
            max_oracle_age: self.max_oracle_age,
            max_leg_bps: self.max_leg_bps,
            max_turnover_bps: self.max_turnover_bps,
            max_reduction_bps: self.max_reduction_bps,
            keeper_bps: self.keeper_bps,
            max_slippage_bps: self.max_slippage_bps,
            incentive_budget_ppm: self.incentive_budget_ppm,
        }
    }

    pub fn event(&self, vault: Pubkey) -> RebalanceParamsSet {
        RebalanceParamsSet { vault, params: *self }
    }
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, params: RebalanceParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let v = ctx.accounts.vault.load()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(ctx.accounts.admin.key, &v.admin), VaultError::Unauthorized);
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    let cfg = params.config();
    require!(cfg.is_valid(), VaultError::InvalidRebalanceParams);
    require!(v.timelock_secs == 0 || !r.rebalance.raised_by(&cfg), VaultError::TimelockRequired);
    r.rebalance = cfg;
    emit!(params.event(vault_key));
    Ok(())
}
