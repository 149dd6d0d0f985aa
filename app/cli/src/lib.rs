//! Library side of the `rpv` command line (so its commands can be tested).

pub mod args;
pub mod backtest;
pub mod chain;
pub mod commands;
pub mod config;
pub mod demo;
pub mod option_cmd;
pub mod risk_cmd;
pub mod show;
pub mod svg;
pub mod vault_cmd;
