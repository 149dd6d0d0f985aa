//! `request_withdraw` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - A share holder requests the withdrawal of `shares`; they sign as owner of
//!   `owner_share_token` and pay the request account's rent (returned when it closes).
//! - `id` must be the withdrawal queue's next id (`WrongRequest`): the request account is the
//!   PDA `["request", vault, [1], id]`, created here.
//! - The share mint must be the vault's (`WrongShareMint`), the owner's share account for it
//!   (`WrongMint`), SPL Token the token program.
//! - During a flash rebalance → `RebalanceInProgress`; `shares = 0` → `ZeroShares`; more than
//!   the account holds → `InsufficientShares`. Allowed while paused and with any feed dead:
//!   nothing is priced now.
//! - The shares are burnt at once (they stay in the total shares as the queue's pending until
//!   settled, and are minted back on cancel); the request waits for `settle_requests` at prices
//!   published after it. Pending withdrawals are a cash target of the rebalancer.
//! - Emits `FlowRequested`.
use anchor_lang::prelude::*;
use rpv_core::{engine::requests, layout::REQUEST_WITHDRAW, token};

use crate::{
    checks,
    error::VaultError,
    events::FlowRequested,
    instructions::flows::burn_shares,
    oracle::Now,
    state::{seeds, Request, Vault},
};

#[derive(Accounts)]
#[instruction(id: u64)]
pub struct RequestWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(
        init,
        payer = owner,
        space = Request::SPACE,
        seeds = [seeds::REQUEST, vault.key().as_ref(), &[REQUEST_WITHDRAW], &id.to_le_bytes()],
        bump,
    )]
    pub request: AccountLoader<'info, Request>,
    /// CHECK: = vault.share_mint
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: for the share mint; the token program checks ownership
    #[account(mut)]
    pub owner_share_token: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub(crate) fn handler(ctx: Context<RequestWithdraw>, id: u64, shares: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (state, queue_pending) = {
        let mut v = a.vault.load_mut()?;
        checks::share_mint(a.share_mint.key, &v)?;
        checks::spl_token(a.token_program.key)?;
        checks::token_account_for(&a.owner_share_token, &v.share_mint)?;
        let held = token::token_amount(&a.owner_share_token.try_borrow_data()?).map_err(VaultError::from)?;
        requests::withdraw_request_gate(&v, shares, held).map_err(VaultError::from)?;
        require!(id == v.flows.withdrawals.next_id, VaultError::WrongRequest);
        let mut state = requests::open(
            &mut v,
            vault_key.to_bytes(),
            a.owner.key.to_bytes(),
            REQUEST_WITHDRAW,
            shares,
            now.time,
            now.slot,
        )
        .map_err(VaultError::from)?;
        state.bump = ctx.bumps.request;
        (state, v.flows.withdrawals.pending)
    };
    a.request.load_init()?.state = state;
    burn_shares(&a.token_program, &a.share_mint, &a.owner_share_token, &a.owner, shares)?;
    emit!(FlowRequested {
        vault: vault_key,
        owner: a.owner.key(),
        request: a.request.key(),
        kind: REQUEST_WITHDRAW,
        id,
        amount: shares,
        created_at: now.time,
        created_slot: now.slot,
        queue_pending,
    });
    Ok(())
}
