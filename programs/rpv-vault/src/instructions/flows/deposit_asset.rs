//! `deposit_asset` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Any user may deposit a registered asset in kind — a spot asset or an unexpired option
//!   series' token (`SeriesExpired`); they sign as owner of `user_asset_token`.
//! - The risk account must be the vault's (`WrongRiskAccount`).
//! - `asset_index` must name a registered asset (`UnknownAsset`); the mint, the vault's token
//!   account and the token program must be that asset's (`WrongMint`, `WrongAssetVault`,
//!   `WrongTokenProgram`); authority, share mint and SPL Token are checked as in `deposit`; the
//!   user's asset account must not be the vault's own (`DuplicateAccount`).
//! - Remaining accounts: one oracle per registered asset in registry order, each passing every
//!   oracle check (the deposited asset's price comes from the same read).
//! - Refused while the vault is paused (`VaultPaused`). With the allowlist on, the depositor's
//!   entry follows the oracles (`NotAllowlisted`; see `governance/allowlist.rs`).
//! - Fees due are accrued first (`governance/fees.rs`): the deposit is priced after them.
//! - With assets registered, the risk state must have been refreshed within the vault's
//!   `max_risk_age` seconds (`RiskStateStale`).
//! - The deposit is valued at the low end of the oracles' confidence intervals,
//!   ⌊amount × (price − conf)⌋ in base units (an option series: Black–Scholes at implied vol
//!   σ − conf and the underlying's end that lowers it, or the lower bound outside the domain),
//!   against the NAV of `deposit` (every holding at the high end, rounded up; prices older than
//!   the newest used refused with `OracleNotNewer`): the vault never pays for oracle
//!   uncertainty. The instant fee (`instant_fee_bps` of the value, rounded up) buys no shares:
//!   shares = ⌊(value − fee) × total shares / NAV⌋. An interval reaching zero (conf ≥ price)
//!   is refused (`OracleConfidenceTooWide`), never computed. No instant redemption in the same
//!   slot afterwards (`SharesMintedThisSlot`).
//! - Greek limits: the deposit adds its delta, gamma and vega (at the exposures of the last
//!   positions step) to its underlying's; refused if that leaves a Greek beyond its limit and
//!   further from zero than before (`GreekLimitExceeded`).
//! - The asset's in-kind cap: the accounted quantity after the deposit must not exceed the
//!   slot's `in_kind_cap` (0 = no in-kind deposits; set at registration, raised only after the
//!   timelock) → `InKindCapExceeded`.
//! - `amount = 0` → `ZeroAmount`; value below the minimum → `DepositBelowMinimum`; NAV + value
//!   above the cap → `DepositCapExceeded`; zero shares → `ZeroShares`; fewer than
//!   `min_shares_out` → `SlippageExceeded`.
//! - The vault must receive exactly `amount` (`TransferAmountMismatch`); the asset's accounted
//!   quantity grows by `amount`; shares are minted to the user.
//! - Emits `AssetDeposited`; the invariant and balance ≥ accounted hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{engine, layout::VaultState};

use super::flow::{emit_accrued, issue_shares, receive, share_supply};
use crate::{
    checks::admit_depositor,
    error::VaultError,
    events::AssetDeposited,
    invoke,
    oracle::{note_used, priced_navs, Now},
    state::{Risk, Vault},
};

#[derive(Accounts)]
pub struct DepositAsset<'info> {
    pub user: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = the asset's mint
    pub asset_mint: UncheckedAccount<'info>,
    /// CHECK: = the asset's vault token account
    #[account(mut)]
    pub asset_vault: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint
    #[account(mut)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: mint checked; ownership checked by the token program
    #[account(mut)]
    pub user_asset_token: UncheckedAccount<'info>,
    /// CHECK: mint checked
    #[account(mut)]
    pub user_share_token: UncheckedAccount<'info>,
    /// CHECK: = the asset's token program
    pub asset_token_program: UncheckedAccount<'info>,
    /// CHECK: = SPL Token
    pub token_program: UncheckedAccount<'info>,
}

pub(crate) fn handler<'info>(
    ctx: Context<'info, DepositAsset<'info>>,
    asset_index: u8,
    amount: u64,
    min_shares_out: u64,
) -> Result<()> {
    let a = &ctx.accounts;
    let oracles = ctx.remaining_accounts;
    let index = usize::from(asset_index);
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (d, decimals, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        engine::flows::deposit_gate(&v, amount, now.time).map_err(VaultError::from)?;
        let oracles = admit_depositor(&v, &vault_key, a.user.key, oracles)?;
        let (navs, prices) = priced_navs(&v, oracles, now)?;
        let supply = share_supply(&a.share_mint)?;
        let mut r = a.risk.load_mut()?;
        let d = engine::flows::deposit_asset(
            &mut v,
            &mut r,
            supply,
            navs,
            &prices,
            index,
            amount,
            min_shares_out,
            now.time,
        )
        .map_err(VaultError::from)?;
        note_used(&mut v, &prices, now);
        engine::flows::note_instant_mint(&mut v, now.slot);
        emit_accrued(&vault_key, &d.fees);
        (d, v.assets[index].decimals, v.authority_bump)
    };

    let pay_in = invoke::TokenMove {
        token_program: &a.asset_token_program,
        from: &a.user_asset_token,
        mint: &a.asset_mint,
        to: &a.asset_vault,
        authority: &a.user,
    };
    let balance = receive(&pay_in, amount, decimals)?;

    issue_shares(
        &a.token_program,
        &a.share_mint,
        &a.user_share_token,
        &a.authority,
        (&vault_key, authority_bump),
        d.shares,
    )?;
    VaultState::check_reconciled(d.quantity_after, balance).map_err(VaultError::from)?;

    emit!(AssetDeposited {
        vault: vault_key,
        user: a.user.key(),
        asset_index,
        mint: a.asset_mint.key(),
        amount,
        value: d.value,
        shares: d.shares,
        nav_before: d.nav_before,
        total_shares_before: d.total_shares_before,
        quantity_after: d.quantity_after,
    });
    Ok(())
}
