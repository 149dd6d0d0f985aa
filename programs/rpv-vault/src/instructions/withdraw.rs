/// Specification:
/// - A share holder burns `shares` from `user_share_token` (they sign as its owner) and receives
///   base tokens in `user_base_token`.
/// - Every account is checked against the vault exactly as in `deposit` (`Wrong*`, `WrongMint`).
/// - Remaining accounts: one oracle per registered asset, in registry order, each fresh and valid.
/// - With assets registered, the risk state must have been refreshed within the vault's
///   `max_risk_age` seconds (`RiskStateStale`).
/// - Fees due are accrued first (`fees.rs`), so the exit is priced after them; the allowlist
///   never applies to withdrawals.
/// - NAV is rounded down per asset; amount = ⌊shares × NAV / total shares⌋.
/// - `shares = 0` → `ZeroShares`; more than the account holds → `InsufficientShares`; a
///   zero payout → `ZeroAmount`; less than `min_amount_out` → `SlippageExceeded`.
/// - Pays in the base asset only: if the accounted base balance is below the amount, fails with
///   `InsufficientBaseLiquidity` (in-kind redemption is a separate instruction, later).
/// - Emits `Withdrawn`; the invariant and balance ≥ accounted hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    math::{amount_for_shares, Rounding},
    token,
};

use super::{fees, flow::BaseFlow};
use crate::{
    error::VaultError,
    events::Withdrawn,
    invoke,
    oracle::{nav_from_oracles, require_fresh_risk, Now},
    state::seeds,
};

pub(crate) fn handler<'info>(ctx: Context<'info, BaseFlow<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (nav, total_shares, amount, decimals, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        require!(!v.is_rebalancing(), VaultError::RebalanceInProgress);
        a.validate(&v)?;
        require_fresh_risk(&v, now)?;
        require!(shares > 0, VaultError::ZeroShares);
        let held = token::token_amount(&a.user_share_token.try_borrow_data()?).map_err(VaultError::from)?;
        require!(held >= shares, VaultError::InsufficientShares);
        let nav = nav_from_oracles(&v, ctx.remaining_accounts, now, Rounding::Down)?;
        let supply = token::parse_mint(&a.share_mint.try_borrow_data()?).map_err(VaultError::from)?.supply;
        fees::accrue(&mut v, &vault_key, supply, Some(nav), now.time)?;
        let total_shares = v.total_shares(supply).map_err(VaultError::from)?;
        let amount = amount_for_shares(shares, total_shares, nav).map_err(VaultError::from)?;
        require!(amount >= min_amount_out, VaultError::SlippageExceeded);
        require!(amount <= v.base_quantity, VaultError::InsufficientBaseLiquidity);
        (nav, total_shares, amount, v.base_decimals, v.authority_bump)
    };

    let redeem = invoke::TokenMove {
        token_program: &a.token_program,
        from: &a.user_share_token,
        mint: &a.share_mint,
        to: &a.user_share_token,
        authority: &a.user,
    };
    invoke::burn(&redeem, shares)?;
    let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[authority_bump]];
    let pay_out = invoke::TokenMove {
        token_program: &a.base_token_program,
        from: &a.base_vault,
        mint: &a.base_mint,
        to: &a.user_base_token,
        authority: &a.authority,
    };
    invoke::transfer_checked(&pay_out, amount, decimals, &[authority_seeds])?;
    let after = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;

    let mut v = a.vault.load_mut()?;
    v.base_quantity -= amount; // amount <= base_quantity checked above
    v.invariant().map_err(VaultError::from)?;
    rpv_core::layout::VaultState::check_reconciled(v.base_quantity, after).map_err(VaultError::from)?;

    emit!(Withdrawn {
        vault: vault_key,
        user: a.user.key(),
        shares,
        amount,
        nav_before: nav,
        total_shares_before: total_shares,
        base_quantity_after: v.base_quantity,
    });
    Ok(())
}
