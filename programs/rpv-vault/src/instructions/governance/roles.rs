//! Roles and pause (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - `set_paused(paused)`: only the guardian (`NotGuardian`). Pausing refuses `deposit` and
//!   `deposit_asset` (`VaultPaused`); withdrawals, in-kind redemption and `refresh` go on —
//!   depositors can always leave. Emits `PausedSet`.
//! - `set_guardian(guardian)`: only the admin (`Unauthorized`); not the zero address
//!   (`InvalidRole`). Emits `RoleChanged` (role 0).
//! - `propose_admin(new_admin)`: only the admin (`Unauthorized`); not the zero address
//!   (`InvalidRole`); replaces any earlier proposal. Emits `RoleChanged` (role 1).
//! - `accept_admin()`: only the proposed admin, signing (`NotPendingAdmin`); the old admin loses
//!   every admin right at once. Emits `RoleChanged` (role 2).
//! - `set_fee_recipient(recipient)`: only the admin (`Unauthorized`); not the zero address
//!   (`InvalidRole`); applies at once (it moves no value from depositors). Fee shares pending at
//!   the change are minted to the new recipient. Emits `RoleChanged` (role 3).
use anchor_lang::prelude::*;
use rpv_core::layout::VaultState;

use super::Governance;
use crate::{
    error::VaultError,
    events::{PausedSet, RoleChanged},
};

pub(crate) fn set_paused(ctx: Context<Governance>, paused: bool) -> Result<()> {
    let mut v = ctx.accounts.vault.load_mut()?;
    if paused {
        v.flags |= VaultState::FLAG_PAUSED;
    } else {
        v.flags &= !VaultState::FLAG_PAUSED;
    }
    v.invariant().map_err(VaultError::from)?;
    emit!(PausedSet { vault: ctx.accounts.vault.key(), paused, by: ctx.accounts.signer.key() });
    Ok(())
}

pub(crate) fn set_guardian(ctx: Context<Governance>, guardian: Pubkey) -> Result<()> {
    require!(guardian != Pubkey::default(), VaultError::InvalidRole);
    let mut v = ctx.accounts.vault.load_mut()?;
    let old = Pubkey::new_from_array(v.guardian);
    v.guardian = guardian.to_bytes();
    emit!(RoleChanged { vault: ctx.accounts.vault.key(), role: 0, old, new: guardian });
    Ok(())
}

pub(crate) fn propose_admin(ctx: Context<Governance>, new_admin: Pubkey) -> Result<()> {
    require!(new_admin != Pubkey::default(), VaultError::InvalidRole);
    let mut v = ctx.accounts.vault.load_mut()?;
    v.pending_admin = new_admin.to_bytes();
    emit!(RoleChanged {
        vault: ctx.accounts.vault.key(),
        role: 1,
        old: Pubkey::new_from_array(v.admin),
        new: new_admin
    });
    Ok(())
}

pub(crate) fn accept_admin(ctx: Context<Governance>) -> Result<()> {
    let mut v = ctx.accounts.vault.load_mut()?;
    let old = Pubkey::new_from_array(v.admin);
    v.admin = v.pending_admin;
    v.pending_admin = [0; 32];
    emit!(RoleChanged { vault: ctx.accounts.vault.key(), role: 2, old, new: ctx.accounts.signer.key() });
    Ok(())
}

pub(crate) fn set_fee_recipient(ctx: Context<Governance>, recipient: Pubkey) -> Result<()> {
    require!(recipient != Pubkey::default(), VaultError::InvalidRole);
    let mut v = ctx.accounts.vault.load_mut()?;
    let old = Pubkey::new_from_array(v.fees.recipient);
    v.fees.recipient = recipient.to_bytes();
    emit!(RoleChanged { vault: ctx.accounts.vault.key(), role: 3, old, new: recipient });
    Ok(())
}
