//! `request_deposit` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Any user may request a deposit of `amount` base units; they sign as owner of
//!   `owner_base_token` and pay the request account's rent (returned when it closes).
//! - `id` must be the deposit queue's next id (`WrongRequest`): the request account is the
//!   PDA `["request", vault, [0], id]`, created here.
//! - Accounts checked against the vault: base mint, escrow, base token program (`Wrong*`); the
//!   owner's base account must be for the base mint and not the vault's (`WrongMint`,
//!   `DuplicateAccount`).
//! - Refused while paused (`VaultPaused`) or during a flash rebalance (`RebalanceInProgress`);
//!   `amount = 0` → `ZeroAmount`; below the vault minimum → `DepositBelowMinimum`. With the
//!   allowlist on, the owner's entry is the one remaining account (`NotAllowlisted`).
//! - No oracle is read and nothing is priced: exactly `amount` moves to the escrow
//!   (`TransferAmountMismatch`), the deposit queue's pending grows by it, and the request waits
//!   for `settle_requests` at prices published after it (`created_at`, `created_slot`).
//! - Emits `FlowRequested`; the invariant and escrow ≥ what it owes hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{engine::requests, layout::REQUEST_DEPOSIT};

use crate::{
    checks,
    error::VaultError,
    events::FlowRequested,
    instructions::flows::receive,
    invoke,
    oracle::Now,
    state::{seeds, Request, Vault},
};

#[derive(Accounts)]
#[instruction(id: u64)]
pub struct RequestDeposit<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(
        init,
        payer = owner,
        space = Request::SPACE,
        seeds = [seeds::REQUEST, vault.key().as_ref(), &[REQUEST_DEPOSIT], &id.to_le_bytes()],
        bump,
    )]
    pub request: AccountLoader<'info, Request>,
    /// CHECK: = vault.base_mint
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: = vault.flows.escrow
    #[account(mut)]
    pub escrow: UncheckedAccount<'info>,
    /// CHECK: for the base mint; the token program checks ownership
    #[account(mut)]
    pub owner_base_token: UncheckedAccount<'info>,
    /// CHECK: = vault.base_token_program
    pub base_token_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, RequestDeposit<'info>>, id: u64, amount: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (state, decimals, queue_pending, owed) = {
        let mut v = a.vault.load_mut()?;
        checks::base_mint(a.base_mint.key, &v)?;
        checks::escrow(a.escrow.key, &v)?;
        checks::base_token_program(a.base_token_program.key, &v)?;
        checks::caller_base_account(&a.owner_base_token, &v)?;
        requests::deposit_request_gate(&v, amount).map_err(VaultError::from)?;
        checks::admit_requester(&v, &vault_key, a.owner.key, ctx.remaining_accounts)?;
        require!(id == v.flows.deposits.next_id, VaultError::WrongRequest);
        let mut state = requests::open(
            &mut v,
            vault_key.to_bytes(),
            a.owner.key.to_bytes(),
            REQUEST_DEPOSIT,
            amount,
            now.time,
            now.slot,
        )
        .map_err(VaultError::from)?;
        state.bump = ctx.bumps.request;
        let owed = v.escrow_owed();
        (state, v.base_decimals, v.flows.deposits.pending, owed)
    };
    a.request.load_init()?.state = state;
    let pay_in = invoke::TokenMove {
        token_program: &a.base_token_program,
        from: &a.owner_base_token,
        mint: &a.base_mint,
        to: &a.escrow,
        authority: &a.owner,
    };
    let balance = receive(&pay_in, amount, decimals)?;
    rpv_core::layout::VaultState::check_reconciled(owed, balance).map_err(VaultError::from)?;
    emit!(FlowRequested {
        vault: vault_key,
        owner: a.owner.key(),
        request: a.request.key(),
        kind: REQUEST_DEPOSIT,
        id,
        amount,
        created_at: now.time,
        created_slot: now.slot,
        queue_pending,
    });
    Ok(())
}
