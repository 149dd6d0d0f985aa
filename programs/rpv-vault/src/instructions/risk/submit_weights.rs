//! `submit_weights` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless: anyone may propose a weight vector (I80F48 raw bits, one per registered
//!   asset in registry order: `WrongVectorLength`).
//! - The risk account must be the vault's (`WrongRiskAccount`) and fresh (`RiskStateStale`).
//! - Accepted only if every weight is positive, they sum to 1 within `WEIGHT_SUM_TOLERANCE`
//!   (≈ 1e-9, its own constant, not the RC tolerance: a uniform scale keeps every relative risk
//!   contribution and would lift every target above L·NAV), and every risk contribution
//!   `w_i (Cw)_i / wᵀCw` is within the configured RC tolerance of its budget under the current
//!   covariance (`RiskBudgetMismatch`; budgets must sum to 1: `InvalidBudgets`).
//! - On acceptance the weights are in force (used by `refresh` while the method is risk
//!   budgeting, re-checked at every later sample and dropped for inverse-volatility weights
//!   when they expire after `max_weight_samples` samples, the model changes or they miss the
//!   budgets: see `refresh`); σ_p, L and the targets are recomputed against the NAV snapshot;
//!   emits `WeightsAccepted`. A rejected vector changes nothing.
use anchor_lang::prelude::*;
use rpv_core::engine::weights;

use super::RiskCrank;
use crate::{error::VaultError, events::WeightsAccepted, oracle::Now};

pub(crate) fn handler(ctx: Context<RiskCrank>, submitted: Vec<i128>) -> Result<()> {
    let now = Now::get()?;
    let vault_key = ctx.accounts.vault.key();
    let v = ctx.accounts.vault.load()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    let done = weights::submit(&v, &mut r, &submitted, now.time).map_err(VaultError::from)?;
    emit!(WeightsAccepted {
        vault: vault_key,
        source: 0,
        by: ctx.accounts.signer.key(),
        n: done.n as u8,
        leverage_bits: r.leverage.get().to_bits(),
        portfolio_vol_bits: r.portfolio_vol.get().to_bits(),
        sweeps: 0,
    });
    Ok(())
}
