//! The instructions, grouped by area; one file per instruction (or per tightly coupled group),
//! each opening with the `# Specification` of the rules it enforces and the error of each.
//!
//! | area | instructions |
//! |---|---|
//! | [`setup`] | `initialize_vault`, `add_asset`, `add_option` |
//! | [`flows`] | `deposit`, `deposit_asset`, `withdraw`, `redeem_in_kind`, `quote` |
//! | [`risk`] | `refresh`, `update_positions`, `submit_weights`, `solve_weights`, `price_option`, `settle_expired` |
//! | [`requests`] | `request_deposit`, `request_withdraw`, `settle_requests`, `claim_request`, `cancel_request` |
//! | [`rebalancing`] | `rebalance`, `rebalance_begin` / `rebalance_end` |
//! | [`governance`] | roles and pause, parameters (`set_risk_params`, `set_risk_budgets`, `set_option_params`, `set_rebalance_params`), fees, timelock, allowlist |
//!
//! Every account check they run is a named function of [`crate::checks`], attached to the
//! instruction with `#[access_control]` in `lib.rs`.

pub mod flows;
pub mod governance;
pub mod rebalancing;
pub mod requests;
pub mod risk;
pub mod setup;

pub use flows::*;
pub use governance::*;
pub use rebalancing::*;
pub use requests::*;
pub use risk::*;
pub use setup::*;
