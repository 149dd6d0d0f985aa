/// Specification:
/// - Only the tracker's admin (`Unauthorized`), for the tracker's vault (`WrongVault`); the
///   program account must be the rpv vault program (Anchor's `InvalidProgramId`).
/// - Calls `rpv_vault::deposit(amount, min_shares_out)` by CPI with the holder PDA signing as
///   the vault's user, its token accounts as the user's, and the remaining accounts (the
///   vault's oracles) passed through; any vault error fails the instruction unchanged.
/// - Adds the shares the holder's share account actually received to `tracker.shares` and
///   `amount` to `tracker.deposited`; emits `HolderDeposited`.
use anchor_lang::prelude::*;

use super::flow::Flow;
use crate::{
    error::IntegratorError,
    events::HolderDeposited,
    state::{seeds, token_amount},
};

pub(crate) fn handler<'info>(ctx: Context<'info, Flow<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let tracker_key = a.tracker.key();
    let held = token_amount(&a.holder_share_token)?;
    let signer: &[&[&[u8]]] = &[&[seeds::HOLDER, tracker_key.as_ref(), &[a.tracker.holder_bump]]];
    let cpi = CpiContext::new_with_signer(a.rpv_vault_program.key(), a.vault_accounts(), signer)
        .with_remaining_accounts(ctx.remaining_accounts.to_vec());
    rpv_vault::cpi::deposit(cpi, amount, min_shares_out)?;
    let shares = token_amount(&a.holder_share_token)?.checked_sub(held).ok_or(IntegratorError::MathOverflow)?;

    let t = &mut ctx.accounts.tracker;
    t.shares = t.shares.checked_add(shares).ok_or(IntegratorError::MathOverflow)?;
    t.deposited = t.deposited.checked_add(amount).ok_or(IntegratorError::MathOverflow)?;
    emit!(HolderDeposited { tracker: tracker_key, vault: t.vault, amount, shares });
    Ok(())
}
