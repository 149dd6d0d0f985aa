//! Roles and pause (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - `set_paused(paused)`: only the guardian (`NotGuardian`). Pausing refuses `deposit` and
//!   `deposit_asset` (`VaultPaused`); withdrawals, in-kind redemption and `refresh` go on —
//!   depositors can always leave. Emits `PausedSet`.
//! - `set_guardian(guardian)`: only the admin (`Unauthorized`); the share mint is the vault's
//!   (`WrongShareMint`); not the zero address (`InvalidRole`). Emits `RoleChanged` (role 0).
//!   Under a timelock, once the vault has outside shares (`VaultState::setup_change_waits`, the
//!   rule of registrations), it is refused (`TimelockRequired`) and goes through
//!   `propose_change(Guardian(key))` / `apply_change`; only the admin may cancel that proposal
//!   (`Unauthorized`): the guardian in place keeps its power to cancel for the whole delay of
//!   any change proposed before or with its replacement, and cannot block its own replacement.
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
    checks,
    error::VaultError,
    events::{PausedSet, RoleChanged},
    instructions::flows::flow::share_supply,
    state::Vault,
};

/// `set_guardian`'s accounts: the admin, the vault and its share mint (whether the vault has
/// outside shares).
#[derive(Accounts)]
pub struct SetGuardian<'info> {
    pub signer: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: = vault.share_mint
    pub share_mint: UncheckedAccount<'info>,
}

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

pub(crate) fn set_guardian(ctx: Context<SetGuardian>, guardian: Pubkey) -> Result<()> {
    require!(guardian != Pubkey::default(), VaultError::InvalidRole);
    let supply = share_supply(&ctx.accounts.share_mint)?;
    let mut v = ctx.accounts.vault.load_mut()?;
    checks::timelock_allows(&v, || v.setup_change_waits(supply))?;
    emit!(write_guardian(&mut v, ctx.accounts.vault.key(), guardian));
    Ok(())
}

/// Installs `guardian` (not zero: checked by the caller) and returns its event.
pub(crate) fn write_guardian(v: &mut VaultState, vault: Pubkey, guardian: Pubkey) -> RoleChanged {
    let old = Pubkey::new_from_array(v.guardian);
    v.guardian = guardian.to_bytes();
    RoleChanged { vault, role: 0, old, new: guardian }
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
