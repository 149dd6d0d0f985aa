//! `price_option` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Read-only and permissionless: takes no accounts, changes nothing.
//! - Inputs are I80F48 raw bits: spot, strike, annual volatility, annual rate (continuously
//!   compounded), years to expiry; `kind` an `OptionKind` (call or put: the same enum as
//!   `add_option` and `OptionAdded`; any other byte fails to deserialise).
//! - Outside the stated domain (T 1 h–2 y, σ 5 %–300 %, spot/strike 0.2–5, rate −10 %–50 %,
//!   spot 1e-6–1e9) it fails with `MathDomain`.
//! - Returns the Black–Scholes price, delta, gamma, vega (per 1.00 of volatility) and theta
//!   (−∂V/∂T, per year) as I80F48 bits through return data, computed by
//!   `rpv_core::options::black_scholes`: the same code as `rpv option greeks`.
use anchor_lang::prelude::*;
use rpv_core::{
    fixed_point::Fx,
    options::{black_scholes, BsInput},
};

use crate::error::VaultError;

pub use rpv_interface::{OptionQuote, OptionQuoteArgs};

#[derive(Accounts)]
pub struct PriceOption {}

pub(crate) fn handler(_ctx: Context<PriceOption>, a: OptionQuoteArgs) -> Result<OptionQuote> {
    let g = black_scholes(&BsInput {
        kind: a.kind,
        spot: Fx::from_bits(a.spot_bits),
        strike: Fx::from_bits(a.strike_bits),
        vol: Fx::from_bits(a.vol_bits),
        rate: Fx::from_bits(a.rate_bits),
        years: Fx::from_bits(a.years_bits),
    })
    .map_err(VaultError::from)?;
    Ok(OptionQuote {
        price_bits: g.price.to_bits(),
        delta_bits: g.delta.to_bits(),
        gamma_bits: g.gamma.to_bits(),
        vega_bits: g.vega.to_bits(),
        theta_bits: g.theta.to_bits(),
    })
}
