//! What `deposit`, `withdraw` and `deposit_asset` share (not an instruction): the accounts of a
//! base-asset flow and their checks, receiving tokens and issuing shares (the pricing is
//! `rpv_core::engine::flows`).

use anchor_lang::prelude::*;
use rpv_core::{
    layout::VaultState,
    token::{self, TOKEN_PROGRAM_ID},
};

use crate::{
    error::VaultError,
    invoke::{self, TokenMove},
    state::{same, seeds, Vault},
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

impl BaseFlow<'_> {
    /// Checks every account against the vault with plain key comparisons (the addresses were
    /// derived once, at initialisation).
    pub fn validate(&self, v: &VaultState) -> Result<()> {
        require!(same(self.authority.key, &v.authority), VaultError::WrongAuthority);
        require!(same(self.base_mint.key, &v.base_mint), VaultError::WrongBaseMint);
        require!(same(self.base_vault.key, &v.base_vault), VaultError::WrongBaseVault);
        require!(same(self.share_mint.key, &v.share_mint), VaultError::WrongShareMint);
        require!(same(self.base_token_program.key, &v.base_token_program), VaultError::WrongTokenProgram);
        require!(same(self.token_program.key, &TOKEN_PROGRAM_ID), VaultError::WrongTokenProgram);
        require!(!same(self.user_base_token.key, &v.base_vault), VaultError::DuplicateAccount);
        require!(token_mint_is(&self.user_base_token, &v.base_mint)?, VaultError::WrongMint);
        require!(token_mint_is(&self.user_share_token, &v.share_mint)?, VaultError::WrongMint);
        Ok(())
    }
}

/// Whether a token account (of either token program) is for `mint`.
pub fn token_mint_is(account: &AccountInfo, mint: &[u8; 32]) -> Result<bool> {
    let data = account.try_borrow_data()?;
    require!(data.len() >= token::TOKEN_ACCOUNT_LEN, VaultError::InvalidTokenAccount);
    Ok(data[..32] == mint[..])
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
