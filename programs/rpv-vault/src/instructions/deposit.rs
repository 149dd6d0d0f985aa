/// Specification:
/// - Any user may deposit the base asset; they sign as owner of `user_base_token`.
/// - Every account is checked against the vault: authority, base mint, base token account,
///   share mint and both token programs (`Wrong*` errors); the user's token accounts must be for
///   the base mint and the share mint (`WrongMint`).
/// - Remaining accounts: one oracle per registered asset, in registry order
///   (`OracleAccountCount`, `OracleAccountMismatch`), each passing every oracle check.
/// - NAV = accounted base + Σ accounted quantity × oracle price, each term rounded up;
///   shares = ⌊amount × total shares / NAV⌋ where total shares = share supply + dead shares.
/// - `amount = 0` → `ZeroAmount`; below the vault minimum → `DepositBelowMinimum`; NAV + amount
///   above the cap → `DepositCapExceeded`; zero shares → `ZeroShares`; fewer shares than
///   `min_shares_out` → `SlippageExceeded`.
/// - The vault must receive exactly `amount` (`TransferAmountMismatch`); then shares are minted to
///   `user_share_token` and `base_quantity` grows by `amount`.
/// - Emits `Deposited`; the invariant and balance ≥ accounted hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    math::{shares_for_deposit, Rounding},
    token,
};

use super::flow::FlowAccounts;
use crate::{
    cpi,
    error::VaultError,
    events::Deposited,
    oracle::nav_from_oracles,
    state::{seeds, Vault},
};

#[derive(Accounts)]
pub struct Deposit<'info> {
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
    /// CHECK: mint checked; ownership checked by the token program
    #[account(mut)]
    pub user_base_token: UncheckedAccount<'info>,
    /// CHECK: mint checked
    #[account(mut)]
    pub user_share_token: UncheckedAccount<'info>,
    /// CHECK: = vault.base_token_program
    pub base_token_program: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
}

impl<'info> Deposit<'info> {
    fn flow(&self) -> FlowAccounts<'_, 'info> {
        FlowAccounts {
            authority: &self.authority,
            base_mint: &self.base_mint,
            base_vault: &self.base_vault,
            share_mint: &self.share_mint,
            user_base_token: &self.user_base_token,
            user_share_token: &self.user_share_token,
            base_token_program: &self.base_token_program,
            token_program: &self.token_program,
        }
    }
}

pub(crate) fn handler<'info>(ctx: Context<'info, Deposit<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let vault_key = a.vault.key();
    let (nav, total_shares, shares, decimals, authority_bump) = {
        let v = a.vault.load()?;
        a.flow().validate(&v)?;
        require!(amount > 0, VaultError::ZeroAmount);
        require!(amount >= v.min_deposit, VaultError::DepositBelowMinimum);
        let nav = nav_from_oracles(&v, ctx.remaining_accounts, now, Rounding::Up)?;
        let nav_after = nav.checked_add(amount).ok_or(VaultError::MathOverflow)?;
        require!(nav_after <= v.deposit_cap, VaultError::DepositCapExceeded);
        let supply = token::parse_mint(&a.share_mint.try_borrow_data()?).map_err(VaultError::from)?.supply;
        let total_shares = v.total_shares(supply).map_err(VaultError::from)?;
        let shares = shares_for_deposit(amount, total_shares, nav).map_err(VaultError::from)?;
        require!(shares >= min_shares_out, VaultError::SlippageExceeded);
        (nav, total_shares, shares, v.base_decimals, v.authority_bump)
    };

    let before = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    let pay_in = cpi::TokenMove {
        token_program: &a.base_token_program,
        from: &a.user_base_token,
        mint: &a.base_mint,
        to: &a.base_vault,
        authority: &a.user,
    };
    cpi::transfer_checked(&pay_in, amount, decimals, &[])?;
    let after = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    require!(after.checked_sub(before) == Some(amount), VaultError::TransferAmountMismatch);

    let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[authority_bump]];
    let issue = cpi::TokenMove {
        token_program: &a.token_program,
        from: &a.share_mint,
        mint: &a.share_mint,
        to: &a.user_share_token,
        authority: &a.authority,
    };
    cpi::mint_to(&issue, shares, &[authority_seeds])?;

    let mut v = a.vault.load_mut()?;
    v.base_quantity = v.base_quantity.checked_add(amount).ok_or(VaultError::MathOverflow)?;
    v.invariant().map_err(VaultError::from)?;
    rpv_core::state::VaultState::check_reconciled(v.base_quantity, after).map_err(VaultError::from)?;

    emit!(Deposited {
        vault: vault_key,
        user: a.user.key(),
        amount,
        shares,
        nav_before: nav,
        total_shares_before: total_shares,
        base_quantity_after: v.base_quantity,
    });
    Ok(())
}
