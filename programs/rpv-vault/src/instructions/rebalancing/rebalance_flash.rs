//! Flash mode (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - Flash mode, for keepers without inventory: `rebalance_begin(args)` and `rebalance_end()` in
//!   one transaction, both top-level instructions (through CPI → `RebalanceViaCpi`).
//! - `rebalance_begin` takes `rebalance`'s accounts and arguments, then the instructions sysvar
//!   (`InvalidInstructionsSysvar`). It runs every check of `rebalance` (the reference NAV —
//!   never above the last refresh's snapshot — and the rolling window of the caps included),
//!   plans the same trade,
//!   sends the vault's side to the keeper (the leg's tokens when the vault sells, base when it
//!   buys), records what the vault must receive and locks the vault.
//! - It requires a later instruction of this transaction to be this program's `rebalance_end`
//!   for the same vault (`RebalanceEndMissing`): a begin without its end fails the whole
//!   transaction, so the vault is never left locked or unpaid.
//! - Anything may run in between (a swap on any venue). While locked, this program refuses
//!   deposits, withdrawals, in-kind redemptions, refreshes, weight updates, fee accrual,
//!   settlement, quotes and a second begin (`RebalanceInProgress`).
//! - `rebalance_end()`: accounts: keeper (signer), vault (w), risk (w), the vault's base token
//!   account, the leg's vault token account, the instructions sysvar. Refused without an open
//!   begin (`RebalanceNotStarted`), with other vault accounts (`WrongBaseVault`,
//!   `WrongAssetVault`, `WrongRiskAccount`), and when the receiving account has not grown by at
//!   least what is owed since the begin (`RebalanceUnderpaid`). It credits exactly what was owed
//!   (any excess is a donation, never accounted), checks balance ≥ accounted, unlocks and emits
//!   `FlashRebalanceSettled`. The trade itself is reported by `rebalance_begin`'s `Rebalanced`
//!   event (`flash = true`), which exists only if the whole transaction succeeded.
use anchor_lang::prelude::*;
use rpv_core::{engine, rebalance::Side, token};

use super::rebalance::*;
use crate::{
    checks,
    error::VaultError,
    events::FlashRebalanceSettled,
    oracle::Now,
    state::{Risk, Vault},
};

#[derive(Accounts)]
pub struct RebalanceBegin<'info> {
    pub trade: Rebalance<'info>,
    /// CHECK: the instructions sysvar (address checked by the checked loaders)
    pub instructions: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct RebalanceEnd<'info> {
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: = vault.base_vault
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: = the leg's vault token account
    pub asset_vault: UncheckedAccount<'info>,
    /// CHECK: the instructions sysvar (address checked by the checked loaders)
    pub instructions: UncheckedAccount<'info>,
}

pub(crate) fn begin<'info>(ctx: Context<'info, RebalanceBegin<'info>>, args: RebalanceArgs) -> Result<()> {
    let a = &ctx.accounts.trade;
    let sysvar = &ctx.accounts.instructions;
    let index = checks::top_level_index(sysvar)?;
    checks::end_follows(sysvar, index, &a.vault.key())?;
    let now = Now::get()?;
    let p = a.prepare(ctx.remaining_accounts, &args, now)?;
    let incoming = match p.trade.plan.side {
        Side::Sell => &a.base_vault,
        Side::Buy => &a.asset_vault,
    };
    let balance_before = token::token_amount(&incoming.try_borrow_data()?).map_err(VaultError::from)?;
    a.pay_out(&p)?;
    let mut v = a.vault.load_mut()?;
    let mut r = a.risk.load_mut()?;
    let quantity_after =
        engine::rebalance::open_flash(&mut v, &mut r, &p.trade, balance_before, index).map_err(VaultError::from)?;
    // the whole trade is reported now (if the end fails, so does the transaction and its logs)
    emit!(rebalanced_event(a.vault.key(), a.keeper.key(), &r, &p.trade, quantity_after, true));
    Ok(())
}

pub(crate) fn end(ctx: Context<RebalanceEnd>) -> Result<()> {
    let a = &ctx.accounts;
    let index = checks::top_level_index(&a.instructions)?;
    let vault_key = a.vault.key();
    let mut v = a.vault.load_mut()?;
    let mut r = a.risk.load_mut()?;
    let lock = engine::rebalance::flash_gate(&v, &r, index).map_err(VaultError::from)?;
    checks::asset_vault(a.asset_vault.key, &v.assets[usize::from(lock.leg)])?;
    let base_balance = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    let asset_balance = token::token_amount(&a.asset_vault.try_borrow_data()?).map_err(VaultError::from)?;
    let s = engine::rebalance::close_flash(&mut v, &mut r, base_balance, asset_balance).map_err(VaultError::from)?;
    emit!(FlashRebalanceSettled {
        vault: vault_key,
        keeper: a.keeper.key(),
        leg: s.lock.leg,
        side: s.lock.side,
        owed: s.owed,
        received: s.received,
    });
    Ok(())
}
