//! `add_option` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Everything `add_asset` enforces (admin only, mint and token program, the Token-2022
//!   extension policy, not the base mint, not registered twice, at most 16 slots, oracle
//!   settings and budget ranges, a Switchboard feed's queue and sample count, the oracle
//!   passing every check now), with the series' **implied-volatility feed** as the slot's
//!   oracle (Pyth or Switchboard, any feed whose value is σ, e.g. 0.65).
//! - Series terms (`InvalidOptionTerms`): kind call or put (an `OptionKind`, the same enum as
//!   `price_option` and `OptionAdded`); strike and contract size
//!   (whole underlying units per whole option token) positive I80F48 values.
//! - The underlying must be a spot slot already registered (`InvalidUnderlying`).
//! - Expiry more than one hour and at most two years after now (`InvalidExpiry`) — the
//!   Black–Scholes domain.
//! - The implied vol read now must be within 5 %..300 % (`ImpliedVolOutOfRange`).
//! - The timelock rule of `add_asset`: under a timelock with outside shares the series waits
//!   for a matured `Registration` proposal naming it, series terms included
//!   (`TimelockRequired`, `ProposalMismatch`, …); its in-kind cap as `add_asset`'s.
//! - Creates the vault's token account for the option mint like `add_asset`; the risk state is
//!   stale until the next refresh; emits `AssetAdded` and `OptionAdded`.
use anchor_lang::prelude::*;
use bytemuck::Zeroable;
use rpv_core::{
    fixed_point::{Fx, SECONDS_PER_YEAR},
    layout::{FxBits, OptionTerms},
    options::{VOL_MAX, VOL_MIN},
    valuation::price_to_fx,
};

use super::add_asset::{register, AddAsset, AddAssetArgs};
use crate::{error::VaultError, events::OptionAdded, oracle::Now};

pub use rpv_interface::OptionSeriesArgs;

pub(crate) fn handler(ctx: Context<AddAsset>, args: AddAssetArgs, series: OptionSeriesArgs) -> Result<()> {
    let now = Now::get()?;
    require!(series.strike_bits > 0 && series.contract_size_bits > 0, VaultError::InvalidOptionTerms);
    {
        let v = ctx.accounts.vault.load()?;
        let u = usize::from(series.underlying);
        require!(u < usize::from(v.num_assets) && !v.assets[u].option.is_option(), VaultError::InvalidUnderlying);
    }
    require!(
        series.expiry > now.time + 3_600 && series.expiry <= now.time + 2 * SECONDS_PER_YEAR,
        VaultError::InvalidExpiry
    );
    let terms = OptionTerms {
        kind: series.kind.slot_code(),
        underlying: series.underlying,
        expiry: series.expiry,
        strike: FxBits::from_fx(Fx::from_bits(series.strike_bits)),
        contract_size: FxBits::from_fx(Fx::from_bits(series.contract_size_bits)),
        ..OptionTerms::zeroed()
    };
    let vault_key = ctx.accounts.vault.key();
    let mint = ctx.accounts.mint.key();
    let oracle = ctx.accounts.oracle.key();
    let (index, iv) = register(ctx, &args, Some(&series), terms)?;
    let sigma = price_to_fx(&iv).map_err(VaultError::from)?;
    require!((VOL_MIN..=VOL_MAX).contains(&sigma), VaultError::ImpliedVolOutOfRange);
    emit!(OptionAdded {
        vault: vault_key,
        index,
        mint,
        oracle,
        kind: series.kind,
        underlying: series.underlying,
        strike_bits: series.strike_bits,
        contract_size_bits: series.contract_size_bits,
        expiry: series.expiry,
        risk_budget: args.risk_budget,
    });
    Ok(())
}
