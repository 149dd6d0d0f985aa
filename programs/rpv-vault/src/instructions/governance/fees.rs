//! Fees (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - Fees are paid in new shares, never in tokens: a management fee (annual rate, accrued per
//!   second) and a performance fee on the gain of NAV per share above a high-water mark (the
//!   maths, rounding and anchoring are in `rpv_core::fees`). Accrued fee shares are *pending*:
//!   they count in the total shares at once, so every deposit, withdrawal and in-kind redemption
//!   is priced after fees, and `accrue_fees` mints them to the fee recipient.
//! - The performance fee is measured at a NAV the caller cannot raise: the lower of the live
//!   NAV (rounded down) and the NAV per share of the last positions step (`refresh`, or
//!   `update_positions` for a vault with options) applied to the current shares, diluted by
//!   every fee share issued since. Which fresh oracle update a caller posts is its choice, so a
//!   print above the last sample is never charged until a refresh has sampled it. Before the
//!   first positions step there is no snapshot and the performance fee waits. `FeesAccrued`'s
//!   `nav` is the NAV it was measured at (`rpv_core::fees`).
//! - `deposit`, `deposit_asset` and `withdraw` accrue both fees before pricing; `redeem_in_kind`
//!   reads no oracle and measures the performance fee at the snapshot alone while the risk state
//!   is fresh, otherwise accrues the management fee only. Each emits `FeesAccrued` when a fee
//!   share was issued.
//! - `accrue_fees()`: permissionless. Authority, share mint and SPL Token are checked against
//!   the vault (`WrongAuthority`, `WrongShareMint`, `WrongTokenProgram`); the recipient's account
//!   must be a share token account (`WrongMint`) owned by the vault's fee recipient
//!   (`WrongFeeRecipient`). Remaining accounts: one oracle per asset in registry order, each the
//!   registered account (`OracleAccountCount`, `OracleAccountMismatch`). Accrues both fees (the
//!   performance fee by the rule above), mints every pending fee share to the recipient and emits
//!   `FeesAccrued` (with `minted`). Needs no fresh risk state (an old snapshot only lowers the
//!   performance fee); works while paused. When a feed a held leg needs is dead (closed, stale,
//!   invalid: the rule of `withdraw`), it accrues the management fee only (`nav` 0 in the event):
//!   a NAV without that leg would crystallise the performance fee, and move its mark, at a value
//!   nobody can check; the performance fee waits for the next accrual with every feed live.
//! - `set_fees(management_bps, performance_bps)`: only the admin (`Unauthorized`); the share mint
//!   must be the vault's (`WrongShareMint`); rates above the maxima fixed at initialisation →
//!   `FeeAboveMaximum`. Raising either rate under a non-zero timelock → `TimelockRequired` (use
//!   `propose_change`); lowering (or keeping) both applies at once. Takes the oracles as
//!   remaining accounts: fees are first accrued at the old rates up to now, then the new rates
//!   run from now. Emits `FeesSet`.
//! - The fee recipient is set at initialisation and by the admin with `set_fee_recipient`; fee
//!   shares pending at a change go to the recipient in force when they are minted.
use anchor_lang::prelude::*;
use rpv_core::{engine, layout::VaultState, math::Rounding};

use crate::{
    error::VaultError,
    events::FeesSet,
    instructions::flows::flow::{accrued_event, emit_accrued, issue_shares, share_supply},
    oracle::{exit_nav_from_oracles, nav_from_oracles, Now},
    state::Vault,
};

#[derive(Accounts)]
pub struct AccrueFees<'info> {
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: a share token account owned by the fee recipient (checked in the handler)
    #[account(mut)]
    pub recipient_share_token: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct SetFees<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: = vault.share_mint (its supply is needed to accrue at the old rates)
    pub share_mint: UncheckedAccount<'info>,
}

/// Accrues at the rates in force up to now (NAV from `oracles`), then switches to the new
/// rates; emits `FeesSet`. The caller checked the rates (`engine::fees::check_new_rates`).
pub fn switch_rates(
    v: &mut VaultState,
    vault: &Pubkey,
    share_mint: &AccountInfo,
    oracles: &[AccountInfo],
    rates: (u16, u16),
) -> Result<()> {
    let now = Now::get()?;
    let nav = nav_from_oracles(v, oracles, now, Rounding::Down)?;
    let supply = share_supply(share_mint)?;
    let s = engine::fees::switch_rates(v, supply, nav, rates, now.time).map_err(VaultError::from)?;
    emit_accrued(vault, &s);
    emit!(FeesSet { vault: *vault, management_bps: rates.0, performance_bps: rates.1 });
    Ok(())
}

pub(crate) fn accrue_fees<'info>(ctx: Context<'info, AccrueFees<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (summary, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        engine::no_flash_rebalance(&v).map_err(VaultError::from)?;
        let exit = exit_nav_from_oracles(&v, ctx.remaining_accounts, now)?;
        let supply = share_supply(&a.share_mint)?;
        let summary = engine::fees::collect_at(&mut v, supply, exit.complete(), now.time).map_err(VaultError::from)?;
        (summary, v.authority_bump)
    };
    if summary.minted > 0 {
        issue_shares(
            &a.token_program,
            &a.share_mint,
            &a.recipient_share_token,
            &a.authority,
            (&vault_key, authority_bump),
            summary.minted,
        )?;
    }
    emit!(accrued_event(&vault_key, &summary));
    Ok(())
}

pub(crate) fn set_fees<'info>(
    ctx: Context<'info, SetFees<'info>>,
    management_bps: u16,
    performance_bps: u16,
) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let mut v = a.vault.load_mut()?;
    engine::fees::check_new_rates(&v, management_bps, performance_bps).map_err(VaultError::from)?;
    switch_rates(&mut v, &vault_key, &a.share_mint, ctx.remaining_accounts, (management_bps, performance_bps))?;
    v.invariant().map_err(VaultError::from)?;
    Ok(())
}
