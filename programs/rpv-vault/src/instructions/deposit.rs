/// Specification:
/// - Any user may deposit the base asset; they sign as owner of `user_base_token`.
/// - Every account is checked against the vault: authority, base mint, base token account,
///   share mint and both token programs (`Wrong*` errors); the user's token accounts must be for
///   the base mint and the share mint (`WrongMint`), and the user's base account must not be the
///   vault's own (`DuplicateAccount`).
/// - Remaining accounts: one oracle per registered asset, in registry order
///   (`OracleAccountCount`, `OracleAccountMismatch`), each passing every oracle check.
/// - Refused while the vault is paused (`VaultPaused`). With the allowlist on, the depositor's
///   entry follows the oracles (`NotAllowlisted`; see `allowlist.rs`).
/// - Fees due are accrued first (`fees.rs`): the deposit is priced after them.
/// - With assets registered, the risk state must have been refreshed within the vault's
///   `max_risk_age` seconds (`RiskStateStale`).
/// - NAV = accounted base + Σ accounted quantity × oracle price, each term rounded up;
///   shares = ⌊amount × total shares / NAV⌋ where total shares = share supply + dead shares.
/// - `amount = 0` → `ZeroAmount`; below the vault minimum → `DepositBelowMinimum`; NAV + amount
///   above the cap → `DepositCapExceeded`; zero shares → `ZeroShares`; fewer shares than
///   `min_shares_out` → `SlippageExceeded`.
/// - The vault must receive exactly `amount` (`TransferAmountMismatch`); then shares are minted to
///   `user_share_token` and `base_quantity` grows by `amount`.
/// - Emits `Deposited`; the invariant and balance ≥ accounted hold at the end.
use anchor_lang::prelude::*;
use rpv_core::layout::VaultState;

use super::{
    allowlist::admit_depositor,
    fees::{self, priced_navs, share_supply},
    flow::{issue_shares, quote_deposit, receive, BaseFlow},
};
use crate::{
    error::VaultError,
    events::Deposited,
    invoke,
    oracle::{require_fresh_risk, Now},
};

pub(crate) fn handler<'info>(ctx: Context<'info, BaseFlow<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (nav, quote, decimals, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        a.validate(&v)?;
        require_fresh_risk(&v, now)?;
        require!(!v.is_paused(), VaultError::VaultPaused);
        require!(!v.is_rebalancing(), VaultError::RebalanceInProgress);
        require!(amount > 0, VaultError::ZeroAmount);
        let oracles = admit_depositor(&v, &vault_key, a.user.key, ctx.remaining_accounts)?;
        let (navs, _) = priced_navs(&v, oracles, now)?;
        fees::accrue(&mut v, &vault_key, share_supply(&a.share_mint)?, Some(navs.down), now.time)?;
        let quote = quote_deposit(&v, &a.share_mint, navs.up, amount, min_shares_out)?;
        (navs.up, quote, v.base_decimals, v.authority_bump)
    };

    let pay_in = invoke::TokenMove {
        token_program: &a.base_token_program,
        from: &a.user_base_token,
        mint: &a.base_mint,
        to: &a.base_vault,
        authority: &a.user,
    };
    let balance = receive(&pay_in, amount, decimals)?;
    issue_shares(
        &a.token_program,
        &a.share_mint,
        &a.user_share_token,
        &a.authority,
        (&vault_key, authority_bump),
        quote.shares,
    )?;

    let mut v = a.vault.load_mut()?;
    v.base_quantity = v.base_quantity.checked_add(amount).ok_or(VaultError::MathOverflow)?;
    v.invariant().map_err(VaultError::from)?;
    VaultState::check_reconciled(v.base_quantity, balance).map_err(VaultError::from)?;

    emit!(Deposited {
        vault: vault_key,
        user: a.user.key(),
        amount,
        shares: quote.shares,
        nav_before: nav,
        total_shares_before: quote.total_shares,
        base_quantity_after: v.base_quantity,
    });
    Ok(())
}
