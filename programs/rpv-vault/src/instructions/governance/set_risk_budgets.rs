//! `set_risk_budgets` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the vault admin (`Unauthorized`); the risk account must be the vault's
//!   (`WrongRiskAccount`).
//! - One budget per registered asset in registry order (`WrongVectorLength`), each > 0 and
//!   summing to exactly 1e9 parts per billion (`InvalidBudgets`).
//! - Stores the budgets, clears the weights in force (they were for the old budgets) and marks
//!   the risk state stale until the next `refresh`; emits `RiskBudgetsSet`.
//! - Timelock (vaults created with a non-zero `timelock_secs`): a budget change is not clearly a
//!   lowering of risk, so it is refused with `TimelockRequired` and goes through
//!   `propose_change` / `apply_change` — except when the budgets are unchanged, or when the budgets
//!   in force do not form a valid set (right after `add_asset`, whose budget leaves the sum ≠ 1e9
//!   and blocks `refresh`) and the new set is that set rescaled to 1e9 (each budget within one
//!   part per billion of `b_i · 1e9 / Σb`): that repair applies at once. Any other repair is a
//!   reshuffle and waits for the timelock, so registering an asset cannot be used to change the
//!   other budgets at once.
use anchor_lang::prelude::*;
use rpv_core::layout::{RiskState, VaultState, BUDGET_ONE};

use super::RiskAdmin;
use crate::{checks, error::VaultError, events::RiskBudgetsSet};

/// One budget per registered asset, each > 0, summing to 1e9.
pub(crate) fn check(v: &VaultState, budgets_ppb: &[u64]) -> Result<()> {
    require!(budgets_ppb.len() == usize::from(v.num_assets), VaultError::WrongVectorLength);
    let total: u128 = budgets_ppb.iter().map(|b| u128::from(*b)).sum();
    require!(!budgets_ppb.contains(&0) && total == u128::from(BUDGET_ONE), VaultError::InvalidBudgets);
    Ok(())
}

/// Stores checked budgets, clears the weights in force and marks the risk state stale.
pub(crate) fn write(v: &mut VaultState, r: &mut RiskState, budgets_ppb: &[u64]) -> Result<()> {
    for (slot, b) in v.assets.iter_mut().zip(budgets_ppb) {
        slot.risk_budget = *b;
    }
    r.weights_n = 0;
    v.risk_refreshed_at = 0;
    v.check_registry().map_err(VaultError::from)?;
    Ok(())
}

/// Whether `budgets_ppb` is a reshuffle that waits for a timelock: neither the budgets in force
/// nor their repair (see the Specification).
fn reshuffles(v: &VaultState, budgets_ppb: &[u64]) -> bool {
    let current = v.active_assets().iter().map(|a| a.risk_budget);
    let sum = current.clone().map(u128::from).sum::<u128>();
    let one = u128::from(BUDGET_ONE);
    // the in-force set rescaled to 1e9: |b_new·Σb − b·1e9| ≤ Σb for every asset
    let rescaled = sum > 0
        && current.clone().zip(budgets_ppb).all(|(b, n)| (u128::from(*n) * sum).abs_diff(u128::from(b) * one) <= sum);
    !(current.eq(budgets_ppb.iter().copied()) || (sum != one && rescaled))
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, budgets_ppb: Vec<u64>) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    check(&v, &budgets_ppb)?;
    checks::timelock_allows(&v, || reshuffles(&v, &budgets_ppb))?;
    write(&mut v, &mut r, &budgets_ppb)?;
    emit!(RiskBudgetsSet { vault: vault_key, budgets_ppb });
    Ok(())
}
