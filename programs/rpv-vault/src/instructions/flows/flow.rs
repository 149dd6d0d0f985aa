//! What the flows share (not an instruction): the accounts of a base-asset flow (checked by
//! `checks::base_flow`), receiving tokens, issuing shares, the share supply and the fee accrual
//! a flow runs first (the pricing is `rpv_core::engine::flows`).

use anchor_lang::prelude::*;
use rpv_core::{engine::fees::FeeSummary, token};

use crate::{
    error::VaultError,
    events::FeesAccrued,
    invoke::{self, TokenMove},
    state::{seeds, Vault},
};

/// Accounts of `deposit` and `withdraw` (same list, same order), followed by one oracle per
/// registered asset as remaining accounts.
#[derive(Accounts)]
pub struct BaseFlow<'info> {
    /// The depositor / share holder; owner of both user token accounts.
    pub user: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = vault.base_mint
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: = vault.base_vault
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: mint checked; the token program checks ownership
    #[account(mut)]
    pub user_base_token: UncheckedAccount<'info>,
    /// CHECK: mint checked; the token program checks ownership
    #[account(mut)]
    pub user_share_token: UncheckedAccount<'info>,
    /// CHECK: = vault.base_token_program
    pub base_token_program: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
}

/// Transfers `amount` into the vault account `m.to` and checks that exactly `amount` arrived
/// (`TransferAmountMismatch`); returns the vault account's balance afterwards.
pub fn receive(m: &TokenMove, amount: u64, decimals: u8) -> Result<u64> {
    let before = token::token_amount(&m.to.try_borrow_data()?).map_err(VaultError::from)?;
    invoke::transfer_checked(m, amount, decimals, &[])?;
    let after = token::token_amount(&m.to.try_borrow_data()?).map_err(VaultError::from)?;
    require!(after.checked_sub(before) == Some(amount), VaultError::TransferAmountMismatch);
    Ok(after)
}

/// Mints `shares` of `share_mint` to `to`, signed by the vault authority PDA of `vault`.
pub fn issue_shares<'info>(
    token_program: &AccountInfo<'info>,
    share_mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    (vault, authority_bump): (&Pubkey, u8),
    shares: u64,
) -> Result<()> {
    let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault.as_ref(), &[authority_bump]];
    let issue = TokenMove { token_program, from: share_mint, mint: share_mint, to, authority };
    invoke::mint_to(&issue, shares, &[authority_seeds])
}

/// Burns `shares` from the user's share account (the user signs; withdrawals and in-kind
/// redemptions).
pub fn burn_shares<'info>(
    token_program: &AccountInfo<'info>,
    share_mint: &AccountInfo<'info>,
    user_share_token: &AccountInfo<'info>,
    user: &AccountInfo<'info>,
    shares: u64,
) -> Result<()> {
    let redeem =
        TokenMove { token_program, from: user_share_token, mint: share_mint, to: user_share_token, authority: user };
    invoke::burn(&redeem, shares)
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
