//! # rpv-keeper — the vault's keeper
//!
//! Cranks what the risk-parity vault needs from outside, permissionlessly: `settle_expired` for
//! expired option series, `refresh` (+ `update_positions`), `submit_weights` for risk-budgeting
//! vaults (solved off-chain exactly as the program verifies them), `rebalance` — in flash mode
//! through the venue or from the keeper's own inventory — sized with the program's own
//! computation (`rpv_sdk::sim`), request settlement, due proposals and fee accrual.
//!
//! | module | what |
//! |---|---|
//! | [`chain`] | the SDK's [`chain::Chain`] trait, `RpcChain` (JSON-RPC) and [`chain::LocalChain`] (embedded litesvm), re-exported |
//! | [`keeper`] | [`keeper::Keeper::tick`]: simulate, send, confirm, retry; what is due and when |
//! | [`weights`] | off-chain risk-budget weights, checked with the program's acceptance rule |
//! | [`config`] | flags > environment > TOML file > defaults |
//! | [`log`] | one JSON object per line on stderr |
//! | [`metrics`] | the metrics file, and the same in Prometheus' format |
//! | [`http`] | `/metrics` and `/health` on loopback |
//! | [`sandbox`] | the SDK's sandbox vault on the embedded SVM (`--embedded`, tests), re-exported |

pub mod chain;
pub mod config;
pub mod http;
pub mod keeper;
pub mod log;
pub mod metrics;
pub mod sandbox;
pub mod weights;

pub use chain::{Chain, ChainError, LocalChain};
pub use keeper::{Keeper, Settings, TickReport};
