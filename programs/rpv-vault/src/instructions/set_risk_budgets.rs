/// Specification:
/// - Only the vault admin (`Unauthorized`); the risk account must be the vault's
///   (`WrongRiskAccount`).
/// - One budget per registered asset in registry order (`WrongVectorLength`), each > 0 and
///   summing to exactly 1e9 parts per billion (`InvalidBudgets`).
/// - Stores the budgets, clears the weights in force (they were for the old budgets) and marks
///   the risk state stale until the next `refresh`; emits `RiskBudgetsSet`.
use anchor_lang::prelude::*;
use rpv_core::state::BUDGET_ONE;

use super::risk_accounts::RiskAdmin;
use crate::{error::VaultError, events::RiskBudgetsSet, state::same};

pub(crate) fn handler(ctx: Context<RiskAdmin>, budgets_ppb: Vec<u64>) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(ctx.accounts.admin.key, &v.admin), VaultError::Unauthorized);
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    require!(budgets_ppb.len() == usize::from(v.num_assets), VaultError::WrongVectorLength);
    let total: u128 = budgets_ppb.iter().map(|b| u128::from(*b)).sum();
    require!(!budgets_ppb.contains(&0) && total == u128::from(BUDGET_ONE), VaultError::InvalidBudgets);
    for (slot, b) in v.assets.iter_mut().zip(&budgets_ppb) {
        slot.risk_budget = *b;
    }
    r.weights_n = 0;
    v.risk_refreshed_at = 0;
    v.check_registry().map_err(VaultError::from)?;
    emit!(RiskBudgetsSet { vault: vault_key, budgets_ppb });
    Ok(())
}
