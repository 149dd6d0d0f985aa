//! `deposit` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Any user may deposit the base asset; they sign as owner of `user_base_token`.
//! - Every account is checked against the vault: authority, base mint, base token account,
//!   share mint and both token programs (`Wrong*` errors); the user's token accounts must be for
//!   the base mint and the share mint (`WrongMint`), and the user's base account must not be the
//!   vault's own (`DuplicateAccount`).
//! - Remaining accounts: one oracle per registered asset, in registry order
//!   (`OracleAccountCount`, `OracleAccountMismatch`), each passing every oracle check.
//! - Refused while the vault is paused (`VaultPaused`). With the allowlist on, the depositor's
//!   entry follows the oracles (`NotAllowlisted`; see `governance/allowlist.rs`).
//! - Fees due are accrued first (`governance/fees.rs`): the deposit is priced after them.
//! - With assets registered, the risk state must have been refreshed within the vault's
//!   `max_risk_age` seconds (`RiskStateStale`).
//! - **Priced against the depositor** (issue 15): NAV = accounted base + every holding at the
//!   high end of its oracle's confidence interval (option series through their Black–Scholes
//!   bounds), each term rounded up; a price older than the newest the vault has used for that
//!   slot is refused (`OracleNotNewer`) and the prices used become the newest. The instant fee
//!   (`instant_fee_bps` of `amount`, rounded up) stays in the vault: shares =
//!   ⌊(amount − fee) × total shares / NAV⌋ (total shares: `VaultState::total_shares`).
//! - The slot is recorded: no instant redemption (`withdraw`, `redeem_in_kind`) in the same slot.
//! - `amount = 0` → `ZeroAmount`; below the vault minimum → `DepositBelowMinimum`; NAV + amount
//!   above the cap → `DepositCapExceeded`; zero shares → `ZeroShares`; fewer shares than
//!   `min_shares_out` → `SlippageExceeded`.
//! - The vault must receive exactly `amount` (`TransferAmountMismatch`); then shares are minted to
//!   `user_share_token` and `base_quantity` grows by `amount`.
//! - Emits `Deposited`; the invariant and balance ≥ accounted hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{engine, layout::VaultState};

use super::flow::{emit_accrued, issue_shares, receive, share_supply, BaseFlow};
use crate::{
    checks::admit_depositor,
    error::VaultError,
    events::Deposited,
    invoke,
    oracle::{note_used, priced_navs, Now},
};

pub(crate) fn handler<'info>(ctx: Context<'info, BaseFlow<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let (d, decimals, authority_bump) = {
        let mut v = a.vault.load_mut()?;
        engine::flows::deposit_gate(&v, amount, now.time).map_err(VaultError::from)?;
        let oracles = admit_depositor(&v, &vault_key, a.user.key, ctx.remaining_accounts)?;
        let (navs, prices) = priced_navs(&v, oracles, now)?;
        let supply = share_supply(&a.share_mint)?;
        let d =
            engine::flows::deposit(&mut v, supply, navs, amount, min_shares_out, now.time).map_err(VaultError::from)?;
        note_used(&mut v, &prices, now);
        engine::flows::note_instant_mint(&mut v, now.slot);
        emit_accrued(&vault_key, &d.fees);
        (d, v.base_decimals, v.authority_bump)
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
        d.shares,
    )?;
    VaultState::check_reconciled(d.base_quantity_after, balance).map_err(VaultError::from)?;

    emit!(Deposited {
        vault: vault_key,
        user: a.user.key(),
        amount,
        shares: d.shares,
        nav_before: d.nav_before,
        total_shares_before: d.total_shares_before,
        base_quantity_after: d.base_quantity_after,
        instant_fee: d.instant_fee,
    });
    Ok(())
}
