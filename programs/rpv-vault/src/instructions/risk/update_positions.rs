//! `update_positions` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless: the positions step of the last `refresh`, for vaults with option series
//!   (sent after `refresh` in the same transaction); it reads no oracle and moves no tokens.
//! - The risk account must be the vault's (`WrongRiskAccount`); the last sample must cover every
//!   registered asset (`RefreshRequired`).
//! - Computes everything at the sample's time from the sampled values and the marks and
//!   exposures `refresh` recorded: the NAV snapshot (rounded down), the implied-vol blend of
//!   the factor vols, the weights on the position covariance (inverse-vol, or the accepted
//!   risk-budget weights while they hold: the rules and the `WeightsFellBack` event of
//!   `refresh`), σ_p, L,
//!   the targets (zero for series outside the model), and the net delta, gamma and vega per
//!   underlying with the Greek-limit breaches.
//! - Marks the risk state fresh as of the sample's time (calling it later does not make an old
//!   sample look new) and records its NAV as the vault's fee snapshot (the performance fee is
//!   never measured above this NAV per share: see `accrue_fees`); emits `PositionsUpdated`, then `WeightsFellBack` when the step dropped
//!   the accepted weights.
use anchor_lang::prelude::*;
use rpv_core::engine;

use super::refresh::Refresh;
use crate::{
    error::VaultError,
    events::{PositionsUpdated, WeightsFellBack},
};

pub(crate) fn handler(ctx: Context<Refresh>) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    engine::no_flash_rebalance(&v).map_err(VaultError::from)?;
    let mut r = ctx.accounts.risk.load_mut()?;
    let s = engine::positions::update(&mut v, &mut r).map_err(VaultError::from)?;
    emit!(PositionsUpdated {
        vault: vault_key,
        sample_time: s.sample_time,
        nav: s.outcome.nav,
        included_mask: s.outcome.included_mask,
        greek_breach_mask: s.outcome.breach_mask,
        leverage_bits: s.leverage.to_bits(),
        portfolio_vol_bits: s.portfolio_vol.to_bits(),
    });
    if let Some(d) = s.outcome.weights_dropped {
        emit!(WeightsFellBack {
            vault: vault_key,
            sample_time: s.sample_time,
            reason: d.reason,
            age_samples: d.age_samples,
            max_weight_samples: d.max_weight_samples,
        });
    }
    Ok(())
}
