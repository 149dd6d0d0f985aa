//! Library side of the `rpv` command line (so its commands can be tested).
//!
//! | module | contents |
//! |---|---|
//! | [`commands`] | argument handling of `init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`, `apply-change`, `backtest` |
//! | [`config`] | the vault configuration file (`examples/vault.toml`), checked against the program's ranges |
//! | [`chain`] | where commands run: a cluster over JSON-RPC or the embedded SVM with its state file |
//! | [`vault_cmd`] | the on-chain commands, built with `rpv_sdk::ix` |
//! | [`show`] | the vault report (NAV, positions, risk, Greeks, oracle health) |
//! | [`backtest`] | the vault's engine over a price history; statistics and charts |
//! | [`svg`] | a small SVG line-chart writer |
//! | [`args`] | flag parsing and exact decimal amounts |
//! | [`demo`], [`risk_cmd`], [`option_cmd`] | `rpv demo`, `rpv risk weights`, `rpv option greeks` |

pub mod args;
pub mod backtest;
pub mod chain;
pub mod commands;
pub mod config;
pub mod demo;
pub mod market_demo;
pub mod option_cmd;
pub mod risk_cmd;
pub mod show;
pub mod svg;
pub mod vault_cmd;
