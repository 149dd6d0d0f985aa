/// Specification:
/// - Permissionless: the positions step of the last `refresh`, for vaults with option series
///   (sent after `refresh` in the same transaction); it reads no oracle and moves no tokens.
/// - The risk account must be the vault's (`WrongRiskAccount`); the last sample must cover every
///   registered asset (`RefreshRequired`).
/// - Computes everything at the sample's time from the sampled values and the marks and
///   exposures `refresh` recorded: the NAV snapshot (rounded down), the implied-vol blend of
///   the factor vols, the weights on the position covariance (inverse-vol, or the
///   risk-budget weights in force while the positions in the model are unchanged), σ_p, L,
///   the targets (zero for series outside the model), and the net delta, gamma and vega per
///   underlying with the Greek-limit breaches.
/// - Marks the risk state fresh as of the sample's time (calling it later does not make an old
///   sample look new); emits `PositionsUpdated`.
use anchor_lang::prelude::*;
use rpv_core::positions;

use super::refresh::Refresh;
use crate::{error::VaultError, events::PositionsUpdated, state::same};

pub(crate) fn handler(ctx: Context<Refresh>) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    require!(!v.is_rebalancing(), VaultError::RebalanceInProgress);
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    let n = u32::from(v.num_assets);
    let all = if n >= 32 { u32::MAX } else { (1u32 << n) - 1 };
    require!(
        r.samples > 0 && r.sampled_mask & all == all && r.marked_at == r.last_sample_time,
        VaultError::RefreshRequired
    );
    let t = r.last_sample_time;
    let out = positions::update_positions(&v, &mut r, t).map_err(VaultError::from)?;
    v.risk_refreshed_at = t;
    v.invariant().map_err(VaultError::from)?;
    emit!(PositionsUpdated {
        vault: vault_key,
        sample_time: t,
        nav: out.nav,
        included_mask: out.included_mask,
        greek_breach_mask: out.breach_mask,
        leverage_bits: r.leverage.get().to_bits(),
        portfolio_vol_bits: r.portfolio_vol.get().to_bits(),
    });
    Ok(())
}
