//! The vault commands (`init`, `deposit`, `withdraw`, `redeem-in-kind`, `show`, `asset`,
//! `apply-change`, the request commands, `flow-params`, `withdraw --to-base`), the configuration file, the off-chain `risk weights` and `option greeks`,
//! and the command line's errors. One test binary.

mod config;
mod e2e;
mod mock_rpc;
mod offchain;
mod requests;
mod support;
mod to_base;
