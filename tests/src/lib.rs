//! Test harness: the built `rpv_vault.so` loaded by the BPF loader into solana-program-test's
//! bank (never a natively compiled stand-in), the mainnet token programs shipped with it (p-token,
//! Token-2022), real SPL mints and token accounts created through those programs, and Pyth
//! `PriceUpdateV2` accounts with the receiver's exact byte layout, owned by the receiver id.
//! The CPI tests load the example integrator's `.so` next to it ([`integrator`]).
//!
//! Three parts, re-exported here:
//! - [`environment`]: the bank with the `.so`, the clock, and the fixtures (mints, token
//!   accounts, oracles, users, keepers, vaults with assets);
//! - [`builders`]: instruction arguments and instructions for a fixture, all built by the SDK;
//! - [`client`]: sending ([`Outcome`]: result, compute units, logs, return data, events),
//!   reading and decoding state, and what the SDK / core compute the program should do.

pub mod builders;
pub mod client;
pub mod environment;
pub mod errors;
pub mod integrator;
pub mod market;
pub mod requests;

pub use builders::*;
pub use client::*;
pub use environment::*;
pub use market::*;
pub use rpv_sdk::ix::{OptionKind, ProposalKind};
