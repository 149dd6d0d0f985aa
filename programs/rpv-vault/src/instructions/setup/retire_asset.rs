//! `retire_asset` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless: removes slot `index` from the registry when it is a **settled option
//!   series** that holds nothing of value — its accounted quantity is zero (its tokens were
//!   sold at the payoff through `rebalance`), or its payoff is zero (worthless tokens, left
//!   unaccounted in its token account). `rpv_core::engine::retire` for the rules.
//! - The risk account must be the vault's (`WrongRiskAccount`); no flash rebalance may be open
//!   (`RebalanceInProgress`); `index` must name a registered slot (`UnknownAsset`) holding
//!   nothing of value (`AssetNotEmpty`).
//! - Any other slot — a spot asset, or a series that never settled — is the admin's to retire,
//!   through the timelock (`TimelockRequired` here): `propose_change(Retire { index, mint })`
//!   (kind 8; the guardian or the admin can cancel it), then `apply_change` once matured, which
//!   checks the slot still holds `mint` (`ProposalMismatch`) and runs the same rules. A spot
//!   asset that is the underlying of any registered series cannot go before the series
//!   (`AssetIsUnderlying`). Its weight leaves the model, so the risk state counts as stale until
//!   the next `refresh` (deposits and withdrawals wait for it); a settled series is already out
//!   of the model and nothing goes stale.
//! - The slots after `index` move down by one, in the registry and in every per-slot array of
//!   the risk account (covariance rows and columns, weights, targets, marks, exposures, Greeks,
//!   masks, last trades), and every index naming a slot (an option's underlying, a factor) is
//!   renumbered: the state is exactly that of a vault that never registered the slot.
//! - The slot's token account is left open (its rent stays with it; a worthless series' tokens
//!   stay in it); the same mint cannot be registered again, since the account exists.
//! - Emits `AssetRetired`; the registry check holds at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    engine::retire::{self, Retirement},
    layout::{RiskState, VaultState},
};

use crate::{
    error::VaultError,
    events::AssetRetired,
    state::{Risk, Vault},
};

#[derive(Accounts)]
pub struct RetireAsset<'info> {
    pub caller: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
}

/// Retires slot `i` (the rules of `rpv_core::engine::retire`; `through_timelock` when a matured
/// `Retire` proposal is applied) and returns its event.
pub(crate) fn retire_slot(
    v: &mut VaultState,
    r: &mut RiskState,
    vault: Pubkey,
    i: usize,
    by: Pubkey,
    through_timelock: bool,
) -> Result<AssetRetired> {
    let (removed, kind) = retire::retire(v, r, i, through_timelock).map_err(VaultError::from)?;
    Ok(AssetRetired {
        vault,
        index: i as u8,
        mint: Pubkey::new_from_array(removed.mint),
        token_account: Pubkey::new_from_array(removed.token_account),
        quantity: removed.quantity,
        settled_series: kind == Retirement::Open,
        by,
    })
}

pub(crate) fn handler(ctx: Context<RetireAsset>, index: u8) -> Result<()> {
    let a = &ctx.accounts;
    let mut v = a.vault.load_mut()?;
    let mut r = a.risk.load_mut()?;
    let event = retire_slot(&mut v, &mut r, a.vault.key(), usize::from(index), a.caller.key(), false)?;
    emit!(event);
    Ok(())
}
