//! The request path (issue 15): `request_deposit` and `request_withdraw` escrow, a keeper's
//! `settle_requests` fills them in order at prices published after each request, the owner's
//! `claim_request` takes what settled and `cancel_request` takes back what has not. The rules
//! are `rpv_core::engine::requests`; the accounts each instruction shares are here.

pub mod cancel_request;
pub mod claim_request;
pub mod request_deposit;
pub mod request_withdraw;
pub mod settle_requests;

use anchor_lang::prelude::*;
pub use request_deposit::*;
pub use request_withdraw::*;
pub use settle_requests::*;

use crate::state::{Request, Vault};

/// Accounts of `claim_request` and `cancel_request` (same list, same order).
#[derive(Accounts)]
pub struct RequestAction<'info> {
    /// The request's owner; receives the request's rent when it closes.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// The request (its vault and owner are checked against the accounts above).
    #[account(mut)]
    pub request: AccountLoader<'info, Request>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = vault.base_mint
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: = vault.flows.escrow
    #[account(mut)]
    pub escrow: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: for the base mint; the token program checks ownership
    #[account(mut)]
    pub owner_base_token: UncheckedAccount<'info>,
    /// CHECK: for the share mint; the token program checks ownership
    #[account(mut)]
    pub owner_share_token: UncheckedAccount<'info>,
    /// CHECK: = vault.base_token_program
    pub base_token_program: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
}
