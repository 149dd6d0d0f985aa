//! `redeem_in_kind` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - A share holder burns `shares` from `user_share_token` (they sign as its owner) and receives
//!   the pro-rata part of every holding: the base asset and each registered asset.
//! - Needs no oracle and no fresh risk state: it works whatever the oracles' health, so
//!   depositors can always leave. Never refused by the pause or the allowlist.
//! - The fees due are accrued first, so the redemption is priced after them: the management
//!   fee, and the performance fee at the NAV per share of the last positions step while the
//!   risk state is fresh (within `max_risk_age`) — a holder cannot leave after a gain without
//!   paying the fee due on it. With a stale risk state the snapshot may be above today's NAV,
//!   and no oracle is read to tell, so the performance fee waits for the next priced accrual
//!   (the fee recipient bears the doubt, never the holders; `rpv_core::fees`).
//! - Remaining accounts: for the base, then each registered asset in registry order, four
//!   accounts: the vault's token account (w), the mint, the user's token account (w), the
//!   mint's token program (`WrongAccountCount`). Each is checked against the registry
//!   (`WrongBaseVault` / `WrongAssetVault`, `WrongMint`, `WrongTokenProgram`); the user's
//!   account must be for that mint (`WrongMint`) and not the vault's own (`DuplicateAccount`).
//! - Each holding pays ⌊shares × accounted quantity / total shares⌋ (rounded in the vault's
//!   favour; total shares include the dead shares). Tokens donated to the vault's accounts are
//!   not accounted and are never paid out.
//! - No in-kind redemption in a slot where an instant deposit minted shares
//!   (`SharesMintedThisSlot`, issue 15): a deposit at the price on chain then a redemption in
//!   kind after a newer price would take the price move from the other holders.
//! - A holding whose vault token account or user token account is frozen (a mint with a freeze
//!   authority, as USDC has: the token account's `state` is Frozen) is skipped: it pays
//!   nothing, its accounted quantity stays with the vault (the redeemer bears it; the shares
//!   left are not diluted), and the event's `skipped` names it. A bound in `min_amounts` on a
//!   skipped holding still applies (`SlippageExceeded`), so a redeemer who needs that leg is
//!   refused rather than paid without it. One frozen account thus never blocks the other
//!   holdings or the other holders.
//! - `shares = 0` → `ZeroShares`; more than the account holds → `InsufficientShares`; nothing to
//!   pay → `ZeroAmount`; `min_amounts` (empty = no bound, else one per holding:
//!   `WrongVectorLength`) not met → `SlippageExceeded`.
//! - Accounted quantities fall by the amounts paid; emits `RedeemedInKind` (with `skipped`); the
//!   invariant and balance ≥ accounted hold for every holding at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    engine::{self, flows::holding},
    layout::VaultState,
    token,
};

use super::flow::{burn_shares, emit_accrued, share_supply};
use crate::{
    error::VaultError,
    events::RedeemedInKind,
    invoke::{self, TokenMove},
    state::{seeds, Vault},
};

#[derive(Accounts)]
pub struct RedeemInKind<'info> {
    pub user: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: mint checked; the token program checks the burn authority
    #[account(mut)]
    pub user_share_token: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
}

pub(crate) fn handler<'info>(
    ctx: Context<'info, RedeemInKind<'info>>,
    shares: u64,
    min_amounts: Vec<u64>,
) -> Result<()> {
    let a = &ctx.accounts;
    let rest = ctx.remaining_accounts;
    let vault_key = a.vault.key();
    let (red, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        engine::no_flash_rebalance(&v).map_err(VaultError::from)?;
        engine::flows::instant_redeem_gate(&v, Clock::get()?.slot).map_err(VaultError::from)?;
        let held = token::token_amount(&a.user_share_token.try_borrow_data()?).map_err(VaultError::from)?;
        let supply = share_supply(&a.share_mint)?;
        let now = Clock::get()?.unix_timestamp;
        let frozen = frozen_holdings(rest)?;
        let red = engine::flows::redeem_in_kind(&mut v, held, supply, shares, &min_amounts, frozen, now)
            .map_err(VaultError::from)?;
        emit_accrued(&vault_key, &red.fees);
        (red, v.authority_bump)
    };

    burn_shares(&a.token_program, &a.share_mint, &a.user_share_token, &a.user, shares)?;
    let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[authority_bump]];
    let v = a.vault.load()?;
    for (k, amount) in red.amounts.iter().enumerate().take(red.holdings) {
        let h = holding(&v, k);
        let g = &rest[4 * k..4 * k + 4];
        if *amount > 0 {
            let pay = TokenMove { token_program: &g[3], from: &g[0], mint: &g[1], to: &g[2], authority: &a.authority };
            invoke::transfer_checked(&pay, *amount, h.decimals, &[authority_seeds])?;
        }
        let balance = token::token_amount(&g[0].try_borrow_data()?).map_err(VaultError::from)?;
        VaultState::check_reconciled(h.accounted, balance).map_err(VaultError::from)?;
    }

    emit!(RedeemedInKind {
        vault: vault_key,
        user: a.user.key(),
        shares,
        total_shares_before: red.total_shares_before,
        amounts: red.amounts[..red.holdings].to_vec(),
        skipped: red.skipped,
    });
    Ok(())
}

/// Bit `k` set = the vault's or the user's token account of holding `k` (remaining accounts
/// `4k` and `4k + 2`, checked by `access::redeem_in_kind`) is frozen.
fn frozen_holdings(rest: &[AccountInfo]) -> Result<u32> {
    let mut frozen = 0u32;
    for (k, g) in rest.chunks_exact(4).enumerate() {
        for account in [&g[0], &g[2]] {
            if token::is_frozen(&account.try_borrow_data()?).map_err(VaultError::from)? {
                frozen |= 1 << k;
            }
        }
    }
    Ok(frozen)
}
