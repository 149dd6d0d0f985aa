//! The vault commands (`init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`,
//! `apply-change`), and the configuration file. One test binary.

mod config;
mod e2e;
mod mock_rpc;
mod support;
