//! `set_rebalance_params` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - `set_rebalance_params(params)`: only the admin (`Unauthorized`); the risk account must be
//!   the vault's (`WrongRiskAccount`).
//! - Parameters (`rpv_interface::RebalanceParams`, stored as is in the risk account): cooldown ≤ 30 days, oracle age ≤ 1 day
//!   (0 = each asset's own), per-call size and daily turnover 1..10,000 bps of NAV, daily
//!   reduction ≤ daily turnover, keeper incentive ≤ per-call cost bound ≤ 500 bps, daily
//!   incentive budget ≤ 10,000 ppm of NAV; anything else → `InvalidRebalanceParams`.
//! - A change that allows more trading, cost or staleness in any parameter (a shorter cooldown,
//!   a longer oracle age, a larger cap, incentive, bound or budget) is a raise: under a non-zero
//!   timelock it is refused (`TimelockRequired`) and goes through `propose_change`
//!   (`ConfigChange::Rebalance`, kind 3). A change that only tightens applies at once.
//! - Emits `RebalanceParamsSet`.
use anchor_lang::prelude::*;
pub use rpv_interface::RebalanceParams;

use super::RiskAdmin;
use crate::{checks, error::VaultError, events::RebalanceParamsSet};

pub(crate) fn handler(ctx: Context<RiskAdmin>, params: RebalanceParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let v = ctx.accounts.vault.load()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(params.valid(), VaultError::InvalidRebalanceParams);
    checks::timelock_allows(&v, || params.raises_risk(&r.rebalance))?;
    r.rebalance = params;
    emit!(RebalanceParamsSet { vault: vault_key, params });
    Ok(())
}
