//! Instructions of this area (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - Fees are paid in new shares, never in tokens: a management fee (annual rate, accrued per
//!   second) and a performance fee on the gain of NAV per share above a high-water mark (the
//!   maths, rounding and anchoring are in `rpv_core::fees`). Accrued fee shares are *pending*:
//!   they count in the total shares at once, so every deposit, withdrawal and in-kind redemption
//!   is priced after fees, and `accrue_fees` mints them to the fee recipient.
//! - `deposit`, `deposit_asset` and `withdraw` accrue both fees (the performance fee at the NAV
//!   rounded down) before pricing; `redeem_in_kind` accrues the management fee only (it reads no
//!   oracle). Each emits `FeesAccrued` when a fee share was issued.
//! - `accrue_fees()`: permissionless. Authority, share mint and SPL Token are checked against
//!   the vault (`WrongAuthority`, `WrongShareMint`, `WrongTokenProgram`); the recipient's account
//!   must be a share token account (`WrongMint`) owned by the vault's fee recipient
//!   (`WrongFeeRecipient`). Remaining accounts: one oracle per asset in registry order, each
//!   valid and fresh. Accrues both fees, mints every pending fee share to the recipient and emits
//!   `FeesAccrued` (with `minted`). Needs no fresh risk state; works while paused.
//! - `set_fees(management_bps, performance_bps)`: only the admin (`Unauthorized`); the share mint
//!   must be the vault's (`WrongShareMint`); rates above the maxima fixed at initialisation →
//!   `FeeAboveMaximum`. Raising either rate under a non-zero timelock → `TimelockRequired` (use
//!   `propose_change`); lowering (or keeping) both applies at once. Takes the oracles as
//!   remaining accounts: fees are first accrued at the old rates up to now, then the new rates
//!   run from now. Emits `FeesSet`.
//! - The fee recipient is set at initialisation and by the admin with `set_fee_recipient`; fee
//!   shares pending at a change go to the recipient in force when they are minted.
use anchor_lang::prelude::*;
use rpv_core::{
    engine::{self, fees::FeeSummary, Navs},
    layout::{VaultState, MAX_ASSETS},
    math::Rounding,
    price::OraclePrice,
    token::{self, TOKEN_PROGRAM_ID},
};

use super::flow::issue_shares;
use crate::{
    error::VaultError,
    events::{FeesAccrued, FeesSet},
    oracle::{nav_from_oracles, read_prices, Now},
    state::{same, Vault},
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

/// NAV in both rounding directions from one read of every oracle (one oracle per asset in
/// registry order, as in `oracle::read_prices`), and the prices read (one per slot).
pub fn priced_navs(v: &VaultState, oracles: &[AccountInfo], now: Now) -> Result<(Navs, [OraclePrice; MAX_ASSETS])> {
    let prices = read_prices(v, oracles, now)?;
    let n = usize::from(v.num_assets);
    let (down, up) = v.nav_both_at(&prices[..n], now.time).map_err(VaultError::from)?;
    Ok((Navs { down, up }, prices))
}

/// The share mint's supply.
pub fn share_supply(share_mint: &AccountInfo) -> Result<u64> {
    Ok(token::parse_mint(&share_mint.try_borrow_data()?).map_err(VaultError::from)?.supply)
}

/// The `FeesAccrued` event of an accrual.
pub fn accrued_event(vault: &Pubkey, s: &FeeSummary) -> FeesAccrued {
    FeesAccrued {
        vault: *vault,
        time: s.time,
        management_shares: s.accrual.management,
        performance_shares: s.accrual.performance,
        minted: s.minted,
        pending_after: s.pending_after,
        nav: s.nav,
        total_shares_after: s.total_shares_after,
        hwm_nav: s.hwm_nav,
        hwm_shares: s.hwm_shares,
    }
}

/// Emits `FeesAccrued` for the accrual a flow ran first, when it issued a fee share.
pub fn emit_accrued(vault: &Pubkey, s: &FeeSummary) {
    if s.issued() {
        emit!(accrued_event(vault, s));
    }
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
        require!(same(a.authority.key, &v.authority), VaultError::WrongAuthority);
        require!(same(a.share_mint.key, &v.share_mint), VaultError::WrongShareMint);
        require!(same(a.token_program.key, &TOKEN_PROGRAM_ID), VaultError::WrongTokenProgram);
        let to = token::parse_token_account(&a.recipient_share_token.try_borrow_data()?).map_err(VaultError::from)?;
        require!(to.mint == v.share_mint, VaultError::WrongMint);
        require!(to.owner == v.fees.recipient, VaultError::WrongFeeRecipient);
        let nav = nav_from_oracles(&v, ctx.remaining_accounts, now, Rounding::Down)?;
        let supply = share_supply(&a.share_mint)?;
        (engine::fees::collect(&mut v, supply, nav, now.time).map_err(VaultError::from)?, v.authority_bump)
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
    require!(same(a.admin.key, &v.admin), VaultError::Unauthorized);
    require!(same(a.share_mint.key, &v.share_mint), VaultError::WrongShareMint);
    engine::fees::check_new_rates(&v, management_bps, performance_bps).map_err(VaultError::from)?;
    switch_rates(&mut v, &vault_key, &a.share_mint, ctx.remaining_accounts, (management_bps, performance_bps))?;
    v.invariant().map_err(VaultError::from)?;
    Ok(())
}
