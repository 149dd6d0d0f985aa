//! What the admin and the guardian decide: roles and pause, model / option / rebalancing
//! parameters and budgets, fees, the timelock on raises, the depositor allowlist.

use anchor_lang::prelude::*;

use crate::state::{Risk, Vault};

pub mod allowlist;
pub mod fees;
pub mod roles;
pub mod set_flow_params;
pub mod set_in_kind_cap;
pub mod set_option_params;
pub mod set_oracle;
pub mod set_rebalance_params;
pub mod set_risk_budgets;
pub mod set_risk_params;
pub mod timelock;

pub use allowlist::*;
pub use fees::*;
pub use roles::*;
pub use set_flow_params::FlowParams;
pub use set_option_params::*;
pub use set_oracle::*;
pub use set_rebalance_params::*;
pub use set_risk_params::*;
pub use timelock::*;

/// The role and switch instructions (`roles.rs`, `set_allowlist`): one signer and the vault.
#[derive(Accounts)]
pub struct Governance<'info> {
    /// The admin, the guardian or the proposed admin, depending on the instruction.
    pub signer: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
}

/// The parameter setters (`set_risk_params`, `set_risk_budgets`, `set_option_params`,
/// `set_rebalance_params`): the admin, the vault and its risk account.
#[derive(Accounts)]
pub struct RiskAdmin<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
}
