//! The accounts `deposit` and `withdraw` share (not an instruction): the tracker, its holder PDA
//! and the vault's `BaseFlow` accounts with the holder as the vault's user.

use anchor_lang::prelude::*;
use rpv_vault::{cpi::accounts::BaseFlow, program::RpvVault};

use crate::{
    error::IntegratorError,
    state::{seeds, Tracker},
};

#[derive(Accounts)]
pub struct Flow<'info> {
    pub admin: Signer<'info>,
    #[account(
        mut,
        has_one = admin @ IntegratorError::Unauthorized,
        has_one = vault @ IntegratorError::WrongVault,
    )]
    pub tracker: Account<'info, Tracker>,
    /// CHECK: PDA `["holder", tracker]`: the vault's user, signing by seeds.
    #[account(seeds = [seeds::HOLDER, tracker.key().as_ref()], bump = tracker.holder_bump)]
    pub holder: UncheckedAccount<'info>,
    /// CHECK: = tracker.vault; the vault program checks everything else.
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: passed to the vault program, which checks it.
    pub vault_authority: UncheckedAccount<'info>,
    /// CHECK: passed to the vault program, which checks it.
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: passed to the vault program, which checks it.
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: passed to the vault program, which checks it.
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: the holder's base token account; the vault and token programs check it.
    #[account(mut)]
    pub holder_base_token: UncheckedAccount<'info>,
    /// CHECK: the holder's share token account; the vault and token programs check it.
    #[account(mut)]
    pub holder_share_token: UncheckedAccount<'info>,
    /// CHECK: passed to the vault program, which checks it.
    pub base_token_program: UncheckedAccount<'info>,
    /// CHECK: passed to the vault program, which checks it.
    pub token_program: UncheckedAccount<'info>,
    /// Must be the rpv vault program (Anchor: `InvalidProgramId` otherwise).
    pub rpv_vault_program: Program<'info, RpvVault>,
}

impl<'info> Flow<'info> {
    /// The vault's `deposit` / `withdraw` accounts, the holder as user.
    pub fn vault_accounts(&self) -> BaseFlow<'info> {
        BaseFlow {
            user: self.holder.to_account_info(),
            vault: self.vault.to_account_info(),
            authority: self.vault_authority.to_account_info(),
            base_mint: self.base_mint.to_account_info(),
            base_vault: self.base_vault.to_account_info(),
            share_mint: self.share_mint.to_account_info(),
            user_base_token: self.holder_base_token.to_account_info(),
            user_share_token: self.holder_share_token.to_account_info(),
            base_token_program: self.base_token_program.to_account_info(),
            token_program: self.token_program.to_account_info(),
        }
    }
}
