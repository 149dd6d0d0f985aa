//! `settle_expired` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless (a keeper): settles option series `index` once it has expired.
//! - The slot must be an option series (`UnknownAsset`, `NotAnOption`), not yet settled
//!   (`AlreadySettled`), at or past its expiry (`NotExpired`).
//! - The risk account must be the vault's (`WrongRiskAccount`). The oracle account must be the
//!   underlying's registered price oracle (`OracleAccountMismatch`) and pass every check of its
//!   kind; its price must have been published at or after expiry (`SettlementPriceTooEarly`;
//!   for a Switchboard underlying, whose results are timed by slot, the time its update
//!   landed).
//! - Records the payoff per whole option token, `max(S − K, 0)` (call) or `max(K − S, 0)`
//!   (put) times the contract size: from then on NAV values the series at that payoff and its
//!   feed is no longer read. Removes the series from the targets and the model (weight and
//!   target 0; the other targets stand until the next positions step); emits `OptionSettled`.
use anchor_lang::prelude::*;
use rpv_core::{
    layout::FxBits,
    valuation::{price_to_fx, settlement_value},
};

use crate::{
    checks,
    error::VaultError,
    events::OptionSettled,
    oracle::{read_slot_price, unix_publish_time, Now},
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
    let terms = checks::registered(&v, i)?.option;
    require!(terms.is_option(), VaultError::NotAnOption);
    require!(!terms.is_settled(), VaultError::AlreadySettled);
    require!(now.time >= terms.expiry, VaultError::NotExpired);
    let underlying = v.assets[usize::from(terms.underlying)];
    let p = read_slot_price(&underlying, &a.underlying_oracle, now).map_err(VaultError::from)?;
    let published = unix_publish_time(&underlying, &a.underlying_oracle, &p).map_err(VaultError::from)?;
    require!(published >= terms.expiry, VaultError::SettlementPriceTooEarly);
    let spot = price_to_fx(&p).map_err(VaultError::from)?;
    let payoff = settlement_value(&terms, spot).map_err(VaultError::from)?;
    let slot = &mut v.assets[i];
    slot.option.settled = 1;
    slot.option.settlement_value = FxBits::from_fx(payoff);
    r.mark[i] = FxBits::from_fx(payoff);
    r.targets[i] = 0;
    r.weights[i] = FxBits::default();
    r.included_mask &= !(1u32 << i);
    v.check_registry().map_err(VaultError::from)?;
    emit!(OptionSettled {
        vault: vault_key,
        index,
        spot_bits: spot.to_bits(),
        publish_time: published,
        settlement_value_bits: payoff.to_bits(),
        by: a.caller.key(),
    });
    Ok(())
}
