//! The risk model's cranks (permissionless): sampling, positions, weights, option pricing and
//! settlement.

use anchor_lang::prelude::*;

use crate::state::{Risk, Vault};

pub mod price_option;
pub mod refresh;
pub mod settle_expired;
pub mod solve_weights;
pub mod submit_weights;
pub mod update_positions;

pub use price_option::*;
pub use refresh::*;
pub use settle_expired::*;
pub use solve_weights::*;

/// `submit_weights` and `solve_weights`: anyone signing, the vault and its risk account.
#[derive(Accounts)]
pub struct RiskCrank<'info> {
    pub signer: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
}
