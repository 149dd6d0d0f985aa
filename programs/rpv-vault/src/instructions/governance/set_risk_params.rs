//! `set_risk_params` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the vault admin (`Unauthorized`); the risk account must be the vault's
//!   (`WrongRiskAccount`).
//! - Ranges (`InvalidRiskParams`): method 0 (inverse vol) or 1 (risk budgeting); λ in
//!   [0.5, 0.9999] (ppm); horizon 60 s ..= 30 days; volatility target 0.1 % ..= 500 %; leverage
//!   cap 1 % ..= 400 %; prior volatility 1 % ..= 500 %; risk-contribution tolerance 1e-9 ..= 0.1;
//!   minimum sampling interval 1 s ..= 1 day; maximum risk age ≥ the sampling interval and
//!   ≤ 7 days; band 1 ..= 5000 bps; lifetime of accepted weights 1 ..= 100,000 samples
//!   (`max_weight_samples`).
//! - Switching the method clears the weights in force (the next `refresh` or an accepted
//!   submission sets them); emits `RiskParamsSet`.
//! - Timelock (vaults created with a non-zero `timelock_secs`): the change applies at once only
//!   if it does not raise risk — volatility target, leverage cap, band, maximum risk age, RC
//!   tolerance and weight lifetime not above their values in force, prior volatility not below, and the
//!   estimator (method, λ, horizon, minimum sampling interval) unchanged. Anything else is
//!   refused with `TimelockRequired` and goes through `propose_change` / `apply_change`.
use anchor_lang::prelude::*;
use rpv_core::{
    layout::{RiskState, VaultState},
    risk_account::{read_risk_params, write_risk_params},
};
pub use rpv_interface::RiskParams;

use super::RiskAdmin;
use crate::{checks, error::VaultError, events::RiskParamsSet};

/// Whether `p` may apply without the timelock: it does not raise risk against the parameters
/// in force ([`RiskParams::raises_risk`]).
pub(crate) fn only_lowers_risk(p: &RiskParams, v: &VaultState, r: &RiskState) -> bool {
    !p.raises_risk(&read_risk_params(v, r))
}

/// Writes valid parameters; returns their event.
pub(crate) fn write(p: &RiskParams, vault: Pubkey, v: &mut VaultState, r: &mut RiskState) -> RiskParamsSet {
    write_risk_params(p, v, r);
    RiskParamsSet { vault, params: *p }
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, p: RiskParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(p.valid(), VaultError::InvalidRiskParams);
    checks::timelock_allows(&v, || !only_lowers_risk(&p, &v, &r))?;
    let event = write(&p, vault_key, &mut v, &mut r);
    v.invariant().map_err(VaultError::from)?;
    emit!(event);
    Ok(())
}
