//! `set_option_params` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the vault admin (`Unauthorized`); the risk account must be the vault's
//!   (`WrongRiskAccount`).
//! - Ranges (`InvalidOptionParams`): rate −10 % ..= 50 % (the Black–Scholes domain), implied-vol
//!   blend 0 ..= 100 %, Greek limits 0 (none) ..= 1000× NAV.
//! - Sets the rate used to mark every option series, the weight of implied vol in the factor
//!   vols used for budgets, and the per-underlying Greek limits (multiples of NAV: net dollar
//!   delta, dollar gamma, vega per 1.00 of vol). Takes effect at the next positions step; emits
//!   `OptionParamsSet`.
//! - Timelock: a raise — any Greek limit higher or removed (0), or any change of the rate or the
//!   implied-vol blend (they move marks and budgets: not clearly a lowering) — is refused under a
//!   non-zero timelock (`TimelockRequired`) and goes through `propose_change`
//!   (`ConfigChange::OptionParams`, kind 4); tightening limits applies at once.
use anchor_lang::prelude::*;
use rpv_core::{
    layout::{RiskState, VaultState},
    risk_account::{read_option_params, write_option_params},
};
pub use rpv_interface::OptionParams;

use super::RiskAdmin;
use crate::{checks, error::VaultError, events::OptionParamsSet};

/// Whether applying `p` raises risk against the settings in force
/// ([`OptionParams::raises_risk`]).
pub(crate) fn raises(p: &OptionParams, v: &VaultState, r: &RiskState) -> bool {
    p.raises_risk(&read_option_params(v, r))
}

/// Writes the parameters and returns their event.
pub(crate) fn write(p: &OptionParams, vault: Pubkey, v: &mut VaultState, r: &mut RiskState) -> OptionParamsSet {
    write_option_params(p, v, r);
    OptionParamsSet {
        vault,
        rate_bits: v.option_rate.get().to_bits(),
        iv_blend_bits: r.iv_blend.get().to_bits(),
        max_delta_bits: r.max_delta.get().to_bits(),
        max_gamma_bits: r.max_gamma.get().to_bits(),
        max_vega_bits: r.max_vega.get().to_bits(),
    }
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, p: OptionParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(p.valid(), VaultError::InvalidOptionParams);
    checks::timelock_allows(&v, || raises(&p, &v, &r))?;
    let event = write(&p, vault_key, &mut v, &mut r);
    v.invariant().map_err(VaultError::from)?;
    emit!(event);
    Ok(())
}
