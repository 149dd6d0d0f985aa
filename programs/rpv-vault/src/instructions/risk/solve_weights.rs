//! `solve_weights` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless: computes the risk-budgeting weights on-chain by cyclical coordinate descent
//!   (relative tolerance 1e-9 per coordinate, at most `max_sweeps` sweeps: `NotConverged`).
//! - Only for vaults with at most `MAX_ONCHAIN_SOLVE` assets (`SolveTooLarge`); larger vaults
//!   use `submit_weights`. The bound is what fits the compute budget (`docs/compute-units.md`).
//! - The risk account must be the vault's (`WrongRiskAccount`) and fresh (`RiskStateStale`);
//!   budgets must sum to 1 (`InvalidBudgets`).
//! - The solution is stored as the weights in force, accepted as `submit_weights`' are (so
//!   re-checked at every later sample and dropped when they expire after `max_weight_samples`
//!   samples, the model changes or they miss the budgets: see `refresh`); σ_p, L and the
//!   targets are recomputed; emits `WeightsAccepted` with the sweeps used.
use anchor_lang::prelude::*;
use rpv_core::engine::weights;

use super::RiskCrank;
use crate::{error::VaultError, events::WeightsAccepted, oracle::Now};

pub use rpv_interface::args::MAX_ONCHAIN_SOLVE;

pub(crate) fn handler(ctx: Context<RiskCrank>, max_sweeps: u16) -> Result<()> {
    let now = Now::get()?;
    let vault_key = ctx.accounts.vault.key();
    let v = ctx.accounts.vault.load()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    let done = weights::solve(&v, &mut r, u32::from(max_sweeps), now.time).map_err(VaultError::from)?;
    emit!(WeightsAccepted {
        vault: vault_key,
        source: 1,
        by: ctx.accounts.signer.key(),
        n: done.n as u8,
        leverage_bits: r.leverage.get().to_bits(),
        portfolio_vol_bits: r.portfolio_vol.get().to_bits(),
        sweeps: done.sweeps,
    });
    Ok(())
}
