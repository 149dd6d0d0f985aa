//! Library side of the `rpv` command line (so its commands can be tested).
//!
//! | module | contents |
//! |---|---|
//! | [`commands`] | argument handling of `init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`, `apply-change` |
//! | [`config`] | the vault configuration file (`examples/vault.toml`), checked against the program's ranges |
//! | [`chain`] | where commands run: a cluster over JSON-RPC or the embedded SVM with its state file |
//! | [`vault_cmd`] | the on-chain commands, built with `rpv_sdk::ix` |
//! | [`show`] | the vault report (NAV, positions, risk, Greeks, oracle health) |
//! | [`args`] | flag parsing and exact decimal amounts |
//! | [`risk_cmd`], [`option_cmd`] | `rpv risk weights`, `rpv option greeks` |

pub mod args;
pub mod chain;
pub mod commands;
pub mod config;
pub mod option_cmd;
pub mod risk_cmd;
pub mod show;
pub mod vault_cmd;
