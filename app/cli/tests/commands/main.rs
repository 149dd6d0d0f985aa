//! The vault commands (`init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`,
//! `apply-change`), the configuration file, `backtest` and the SVG writer. One test binary.

mod backtest;
mod config;
mod e2e;
mod mock_rpc;
mod support;
