//! Trading toward the targets: one leg per call, with the caller as counterparty, directly or
//! in flash mode.

pub mod rebalance;
pub mod rebalance_flash;

pub use rebalance::*;
pub use rebalance_flash::*;
