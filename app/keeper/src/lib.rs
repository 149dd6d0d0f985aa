//! # rpv-keeper — the vault's keeper
//!
//! Cranks what the risk-parity vault needs from outside, permissionlessly: `settle_expired` for
//! expired option series, `refresh` (+ `update_positions`), `submit_weights` for risk-budgeting
//! vaults (solved off-chain exactly as the program verifies them) and atomic `rebalance` from the
//! keeper's own inventory, sized with the program's own computation (`rpv_sdk::sim`).
//!
//! | module | what |
//! |---|---|
//! | [`chain`] | the [`chain::Chain`] trait, and [`chain::LocalChain`] (embedded litesvm) |
//! | [`rpc`] | [`rpc::RpcChain`]: a real cluster over JSON-RPC (`solana-rpc-client` 4.2.2) |
//! | [`keeper`] | [`keeper::Keeper::tick`]: simulate, send, confirm, retry; what is due and when |
//! | [`weights`] | off-chain risk-budget weights, checked with the program's acceptance rule |
//! | [`oracle`] | oracle reads with the program's checks |
//! | [`config`] | flags > environment > TOML file > defaults |
//! | [`log`] | one JSON object per line on stderr |
//! | [`metrics`] | the metrics file |
//! | [`sandbox`] | a sandbox vault on the embedded SVM (`--embedded`, tests) |

pub mod chain;
pub mod config;
pub mod keeper;
pub mod log;
pub mod metrics;
pub mod oracle;
pub mod rpc;
pub mod sandbox;
pub mod weights;

pub use chain::{Chain, ChainError, LocalChain};
pub use keeper::{Keeper, Settings, TickReport};
