//! `settle_expired` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless (a keeper): settles option series `index` once it has expired
//!   (`rpv_core::engine::settlement` for the rules and their reasons).
//! - The slot must be an option series (`UnknownAsset`, `NotAnOption`), not yet settled
//!   (`AlreadySettled`), at or past its expiry (`NotExpired`).
//! - The risk account must be the vault's (`WrongRiskAccount`). The oracle account must be the
//!   underlying's registered price oracle (`OracleAccountMismatch`) and pass every check of its
//!   kind.
//! - The settlement window: the price must have been taken in `[expiry, expiry +
//!   SETTLEMENT_WINDOW_SECS]` (15 minutes, `rpv_interface::args::SETTLEMENT_WINDOW_SECS`):
//!   before → `SettlementPriceTooEarly`, after → `SettlementWindowMissed`
//!   (`attack_settle_on_a_price_chosen_long_after_expiry`). Pyth: the price's publish time.
//!   Switchboard, whose results carry the slot they were sampled at and no time (the time the
//!   update landed is not used): the first call at or after expiry records the cluster slot as
//!   the series' `expiry_slot` and settles nothing (refused after the window,
//!   `SettlementWindowMissed`); a later call settles on a result sampled at that slot or later
//!   (`SettlementPriceTooEarly`) in a transaction landing within the window
//!   (`SettlementWindowMissed`).
//! - A series nobody settled within the window is never settled: it stays valued at intrinsic
//!   value on the live underlying price at every valuation (no party picks the moment), out of
//!   the risk model, and leaves only in kind.
//! - Settling records the payoff per whole option token, `max(S − K, 0)` (call) or
//!   `max(K − S, 0)` (put) times the contract size: from then on NAV values the series at that
//!   payoff and its feed is no longer read; the series' target and weight are 0 and it leaves
//!   the model (the other targets stand until the next positions step), so `rebalance` sells
//!   its tokens at exactly the payoff to keepers who exercise them. Emits `OptionSettled`
//!   (`publish_time`: the price's publish time, for Switchboard the result's slot).
use anchor_lang::prelude::*;
use rpv_core::engine::settlement;

use crate::{
    checks,
    error::VaultError,
    events::OptionSettled,
    oracle::{read_slot_price, Now},
    state::{Risk, Vault},
};

#[derive(Accounts)]
pub struct SettleExpired<'info> {
    pub caller: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: the underlying's registered price oracle, validated by the oracle reader.
    pub underlying_oracle: UncheckedAccount<'info>,
}

pub(crate) fn handler(ctx: Context<SettleExpired>, index: u8) -> Result<()> {
    let now = Now::get()?;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let mut v = a.vault.load_mut()?;
    checks::not_rebalancing(&v)?;
    let mut r = a.risk.load_mut()?;
    let i = usize::from(index);
    let terms = settlement::settle_gate(&v, i, now.time).map_err(VaultError::from)?;
    let underlying = v.assets[usize::from(terms.underlying)];
    if settlement::record_expiry_slot(&mut v, i, now.time, now.slot).map_err(VaultError::from)? {
        // Switchboard: the expiry is now timed in slots; settlement takes a later result
        checks::registered_oracle(&a.underlying_oracle, &underlying).map_err(VaultError::from)?;
        return Ok(());
    }
    let p = read_slot_price(&underlying, &a.underlying_oracle, now).map_err(VaultError::from)?;
    let s = settlement::settle(&mut v, &mut r, i, &p, now.time).map_err(VaultError::from)?;
    emit!(OptionSettled {
        vault: vault_key,
        index,
        spot_bits: s.spot.to_bits(),
        publish_time: s.published,
        settlement_value_bits: s.payoff.to_bits(),
        by: a.caller.key(),
    });
    Ok(())
}
