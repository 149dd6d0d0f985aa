//! `withdraw` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - A share holder burns `shares` from `user_share_token` (they sign as its owner) and receives
//!   base tokens in `user_base_token`.
//! - Every account is checked against the vault exactly as in `deposit` (`Wrong*`, `WrongMint`).
//! - Remaining accounts: one oracle per registered asset, in registry order
//!   (`OracleAccountCount`), each the registered account (`OracleAccountMismatch`).
//! - **Exits are never blocked by a feed** (issue 14): a feed that cannot be read as a valid,
//!   fresh price (closed, wrong data, stale, confidence too wide, …) is *dead*, and every leg
//!   whose value needs it — a spot leg its own feed, an option series its implied vol and its
//!   underlying — counts zero in the NAV of this withdrawal (`rpv_core::engine::flows::exit_nav`):
//!   the doubt falls on the withdrawer, the leg stays with the holders who stay, and the payout
//!   is never above what fresh prices would pay. `Withdrawn.zeroed_legs` names those legs
//!   (bit `i` = slot `i`); the withdrawer's `min_amount_out` guards against it.
//! - No fresh risk state is needed (the price does not depend on it, and a dead feed stops
//!   `refresh`).
//! - Fees due are accrued first (`governance/fees.rs`), so the exit is priced after them, the
//!   performance fee at this withdrawal's NAV; the allowlist never applies to withdrawals.
//! - **Priced against the withdrawer** (issue 15): every holding at the low end of its oracle's
//!   confidence interval (option series through their Black–Scholes bounds), rounded down;
//!   a price older than the newest the vault has used for that slot counts as dead
//!   (`OracleNotNewer`), and the prices used become the newest. gross = ⌊shares × NAV / total
//!   shares⌋; the instant fee (`instant_fee_bps` of gross, rounded up) stays in the vault;
//!   amount = gross − fee.
//! - No instant withdrawal in a slot where an instant deposit minted shares
//!   (`SharesMintedThisSlot`).
//! - `shares = 0` → `ZeroShares`; more than the account holds → `InsufficientShares`; a
//!   zero payout → `ZeroAmount`; less than `min_amount_out` → `SlippageExceeded`.
//! - Pays in the base asset only, from the base left after what the withdrawal queue is owed at
//!   this NAV (the queue is served first); beyond it → `InsufficientBaseLiquidity`: request the
//!   withdrawal (`request_withdraw`) or redeem in kind.
//! - Emits `Withdrawn`; the invariant and balance ≥ accounted hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{engine, layout::VaultState, token};

use super::flow::{burn_shares, emit_accrued, share_supply, BaseFlow};
use crate::{
    error::VaultError,
    events::Withdrawn,
    invoke,
    oracle::{exit_nav_and_reads, Now},
    state::seeds,
};

pub(crate) fn handler<'info>(ctx: Context<'info, BaseFlow<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (w, zeroed_legs, decimals, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        engine::no_flash_rebalance(&v).map_err(VaultError::from)?;
        engine::flows::instant_redeem_gate(&v, now.slot).map_err(VaultError::from)?;
        let held = token::token_amount(&a.user_share_token.try_borrow_data()?).map_err(VaultError::from)?;
        engine::flows::withdraw_gate(shares, held).map_err(VaultError::from)?;
        let (exit, reads) = exit_nav_and_reads(&v, ctx.remaining_accounts, now)?;
        let supply = share_supply(&a.share_mint)?;
        let w = engine::flows::withdraw(&mut v, supply, &exit, shares, min_amount_out, now.time)
            .map_err(VaultError::from)?;
        let n = usize::from(v.num_assets);
        engine::flows::note_prices_used(&mut v, &reads[..n], now.time);
        emit_accrued(&vault_key, &w.fees);
        (w, exit.zeroed, v.base_decimals, v.authority_bump)
    };

    burn_shares(&a.token_program, &a.share_mint, &a.user_share_token, &a.user, shares)?;
    let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[authority_bump]];
    let pay_out = invoke::TokenMove {
        token_program: &a.base_token_program,
        from: &a.base_vault,
        mint: &a.base_mint,
        to: &a.user_base_token,
        authority: &a.authority,
    };
    invoke::transfer_checked(&pay_out, w.amount, decimals, &[authority_seeds])?;
    let after = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    VaultState::check_reconciled(w.base_quantity_after, after).map_err(VaultError::from)?;

    emit!(Withdrawn {
        vault: vault_key,
        user: a.user.key(),
        shares,
        amount: w.amount,
        nav_before: w.nav_before,
        total_shares_before: w.total_shares_before,
        base_quantity_after: w.base_quantity_after,
        zeroed_legs,
        instant_fee: w.instant_fee,
    });
    Ok(())
}
