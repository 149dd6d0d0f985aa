/// Specification:
/// - Only the tracker's admin (`Unauthorized`), for the tracker's vault (`WrongVault`); the
///   program account must be the rpv vault program (Anchor's `InvalidProgramId`).
/// - Calls `rpv_vault::withdraw(shares, min_amount_out)` by CPI with the holder PDA signing as
///   the share owner and the vault's oracles passed through; any vault error fails the
///   instruction unchanged.
/// - Subtracts `shares` from `tracker.shares` and adds the base units the holder's base account
///   actually received to `tracker.withdrawn`; emits `HolderWithdrew`.
use anchor_lang::prelude::*;

use super::flow::Flow;
use crate::{
    error::IntegratorError,
    events::HolderWithdrew,
    state::{seeds, token_amount},
};

pub(crate) fn handler<'info>(ctx: Context<'info, Flow<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let tracker_key = a.tracker.key();
    let before = token_amount(&a.holder_base_token)?;
    let signer: &[&[&[u8]]] = &[&[seeds::HOLDER, tracker_key.as_ref(), &[a.tracker.holder_bump]]];
    let cpi = CpiContext::new_with_signer(a.rpv_vault_program.key(), a.vault_accounts(), signer)
        .with_remaining_accounts(ctx.remaining_accounts.to_vec());
    rpv_vault::cpi::withdraw(cpi, shares, min_amount_out)?;
    let amount = token_amount(&a.holder_base_token)?.checked_sub(before).ok_or(IntegratorError::MathOverflow)?;

    let t = &mut ctx.accounts.tracker;
    t.shares = t.shares.saturating_sub(shares);
    t.withdrawn = t.withdrawn.checked_add(amount).ok_or(IntegratorError::MathOverflow)?;
    emit!(HolderWithdrew { tracker: tracker_key, vault: t.vault, shares, amount });
    Ok(())
}
