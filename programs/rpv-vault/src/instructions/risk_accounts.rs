//! Account lists shared by the risk instructions (not an instruction).

use anchor_lang::prelude::*;

use crate::state::{Risk, Vault};

/// `set_risk_params` and `set_risk_budgets`: the admin, the vault and its risk account.
#[derive(Accounts)]
pub struct RiskAdmin<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
}

/// `submit_weights` and `solve_weights`: anyone signing, the vault and its risk account.
#[derive(Accounts)]
pub struct RiskCrank<'info> {
    pub signer: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
}
