//! The depositor allowlist (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - Optional depositor allowlist: on at initialisation (`InitializeVaultArgs::allowlist`) or
//!   with `set_allowlist(enabled)` (admin, `Unauthorized`; emits `AllowlistSet`).
//! - While it is on, `deposit` and `deposit_asset` take one more remaining account after the
//!   oracles: the depositor's entry, PDA `["allow", vault, user]`. A missing entry, or one that is
//!   not this program's entry for this vault and this signer, is refused with `NotAllowlisted`
//!   (more accounts than oracles + 1 → `OracleAccountCount`; `checks::admit_depositor`).
//!   `withdraw` and `redeem_in_kind` never look at the allowlist: nobody is ever kept from
//!   leaving. The allowlist gates who deposits (the signer), not who holds shares (SPL tokens,
//!   freely transferable).
//! - `set_depositor(user, allowed)`: only the admin (`Unauthorized`), who pays for the entry.
//!   `allowed = true` creates the entry (`AccountAlreadyInUse` if it exists); `false` closes it
//!   and returns the rent to the admin (`NotAllowlisted` if there is none). A wrong entry address
//!   for `user` is refused by the seeds check (Anchor `ConstraintSeeds`). Emits
//!   `DepositorAllowed`.
use anchor_lang::prelude::*;
use rpv_core::layout::VaultState;

use super::Governance;
use crate::{
    checks,
    error::VaultError,
    events::{AllowlistSet, DepositorAllowed},
    invoke,
    state::{seeds, AllowEntry, Vault},
};

#[derive(Accounts)]
#[instruction(user: Pubkey)]
pub struct SetDepositor<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA `["allow", vault, user]`; created or closed here.
    #[account(mut, seeds = [seeds::ALLOW, vault.key().as_ref(), user.as_ref()], bump)]
    pub entry: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub(crate) fn set_allowlist(ctx: Context<Governance>, enabled: bool) -> Result<()> {
    let mut v = ctx.accounts.vault.load_mut()?;
    if enabled {
        v.flags |= VaultState::FLAG_ALLOWLIST;
    } else {
        v.flags &= !VaultState::FLAG_ALLOWLIST;
    }
    v.invariant().map_err(VaultError::from)?;
    emit!(AllowlistSet { vault: ctx.accounts.vault.key(), enabled });
    Ok(())
}

pub(crate) fn set_depositor(ctx: Context<SetDepositor>, user: Pubkey, allowed: bool) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    if allowed {
        let entry_seeds: &[&[u8]] = &[seeds::ALLOW, vault_key.as_ref(), user.as_ref(), &[ctx.bumps.entry]];
        let new_account = invoke::NewPda {
            payer: &a.admin,
            target: &a.entry,
            system_program: &a.system_program,
            owner: &crate::ID,
            space: AllowEntry::SPACE,
        };
        invoke::create_pda_account(&new_account, entry_seeds)?;
        let record = AllowEntry { vault: vault_key, user, added_at: Clock::get()?.unix_timestamp };
        record.try_serialize(&mut &mut a.entry.try_borrow_mut_data()?[..])?;
    } else {
        checks::existing_entry(&a.entry)?;
        invoke::close_to(&a.entry, &a.admin)?;
    }
    emit!(DepositorAllowed { vault: vault_key, user, allowed });
    Ok(())
}
