//! `claim_request` and `cancel_request` (see [`crate::rpv_vault`] for the accounts, the same
//! for both: [`super::RequestAction`]).
//!
//! # Specification
//!
//! - Only the request's owner signs (`NotRequestOwner`); the request must be this vault's
//!   (`WrongRequest`); authority, base mint, escrow, share mint and both token programs are
//!   the vault's (`Wrong*`); the owner's accounts are for the base and share mints (`WrongMint`),
//!   the base one neither the vault's base account nor its escrow (`DuplicateAccount`).
//! - `claim_request`: pays what has settled — shares minted to `owner_share_token` for a
//!   deposit request, base from the escrow to `owner_base_token` for a withdrawal — and closes
//!   the request (rent to the owner) once it is finished: nothing pending, nothing claimable,
//!   the queue's head past it. Nothing to pay and not finished → `NothingToClaim`.
//! - `cancel_request`: takes back what is still pending — base from the escrow for a deposit
//!   request, shares minted back for a withdrawal — at once, whatever the prices (nothing was
//!   priced); what already settled stays claimable. Nothing pending → `NothingToCancel`;
//!   refused during a flash rebalance (`RebalanceInProgress`). The request closes if finished.
//! - Emit `RequestClaimed` / `RequestCancelled`; escrow ≥ what it owes at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    engine::requests,
    layout::{VaultState, REQUEST_DEPOSIT},
    token,
};

use super::RequestAction;
use crate::{
    checks,
    error::VaultError,
    events::{RequestCancelled, RequestClaimed},
    instructions::flows::issue_shares,
    invoke,
    state::{same, seeds},
};

/// What a claim or cancel pays the owner.
enum Payout {
    Claim,
    Cancel,
}

fn run(ctx: Context<RequestAction>, action: Payout) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let (amount, kind, id, closed, decimals, authority_bump, owed) = {
        let mut v = a.vault.load_mut()?;
        let mut r = a.request.load_mut()?;
        require!(same(&vault_key, &r.vault), VaultError::WrongRequest);
        require!(same(a.owner.key, &r.owner), VaultError::NotRequestOwner);
        checks::authority(a.authority.key, &v)?;
        checks::base_mint(a.base_mint.key, &v)?;
        checks::escrow(a.escrow.key, &v)?;
        checks::share_mint(a.share_mint.key, &v)?;
        checks::base_token_program(a.base_token_program.key, &v)?;
        checks::spl_token(a.token_program.key)?;
        checks::caller_base_account(&a.owner_base_token, &v)?;
        checks::token_account_for(&a.owner_share_token, &v.share_mint)?;
        let amount = match action {
            Payout::Claim => requests::claim(&mut v, &mut r),
            Payout::Cancel => requests::cancel(&mut v, &mut r),
        }
        .map_err(VaultError::from)?;
        let owed = v.escrow_owed();
        (amount, r.kind, r.id, requests::finished(&v, &r), v.base_decimals, v.authority_bump, owed)
    };
    // a deposit request's claim and a withdrawal's cancel pay shares; the others base
    let pays_shares = matches!(action, Payout::Claim) == (kind == REQUEST_DEPOSIT);
    if amount > 0 {
        if pays_shares {
            issue_shares(
                &a.token_program,
                &a.share_mint,
                &a.owner_share_token,
                &a.authority,
                (&vault_key, authority_bump),
                amount,
            )?;
        } else {
            let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[authority_bump]];
            let pay = invoke::TokenMove {
                token_program: &a.base_token_program,
                from: &a.escrow,
                mint: &a.base_mint,
                to: &a.owner_base_token,
                authority: &a.authority,
            };
            invoke::transfer_checked(&pay, amount, decimals, &[authority_seeds])?;
        }
    }
    let balance = token::token_amount(&a.escrow.try_borrow_data()?).map_err(VaultError::from)?;
    VaultState::check_reconciled(owed, balance).map_err(VaultError::from)?;
    if closed {
        invoke::close_to(&a.request.to_account_info(), &a.owner.to_account_info())?;
    }
    let (vault, request, owner) = (vault_key, a.request.key(), a.owner.key());
    match action {
        Payout::Claim => emit!(RequestClaimed { vault, request, owner, kind, id, amount, closed }),
        Payout::Cancel => emit!(RequestCancelled { vault, request, owner, kind, id, refunded: amount, closed }),
    }
    Ok(())
}

pub(crate) fn claim_handler(ctx: Context<RequestAction>) -> Result<()> {
    run(ctx, Payout::Claim)
}

pub(crate) fn cancel_handler(ctx: Context<RequestAction>) -> Result<()> {
    run(ctx, Payout::Cancel)
}
