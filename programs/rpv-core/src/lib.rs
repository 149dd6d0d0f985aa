//! # rpv-core
//!
//! Everything the risk-parity vault computes, as pure Rust with no Solana dependency: the
//! on-chain program, the SDK, the keeper, the CLI and the demo compile this same code, so
//! "what would the program do?" is answered off-chain bit-for-bit.
//!
//! | module | contents |
//! |---|---|
//! | [`bytes`] | little-endian reads at explicit offsets, shared by the account readers |
//! | [`error`] | [`CoreError`], one variant per failure; the program maps each to its own code |
//! | [`fees`] | management fee (path-independent per-second accrual) and performance fee above a high-water mark, as new shares |
//! | [`fmath`] | fixed-point (I80F48) ln, exp, sqrt with stated domains and accuracy |
//! | [`portfolio`] | option marks (Black–Scholes, bounds outside its domain), slot values, the positions step (exposures, Greeks, limits) |
//! | [`position`] | Greek-aware position risk: exposures (elasticity, convexity, vol elasticity) and the delta–gamma–vega position covariance |
//! | [`pyth`] | byte-level `PriceUpdateV2` reader (and encoder, for tests and tooling) |
//! | [`switchboard`] | byte-level Switchboard On-Demand `PullFeedAccountData` reader (and encoder) |
//! | [`token`] | SPL Token / Token-2022 account and mint views, mint-extension policy |
//! | [`fx`] | I80F48 storage for zero-copy accounts, packed symmetric matrices |
//! | [`rebalance`] | which leg `rebalance` trades, how much, at what price; the keeper incentive and the per-call and per-day bounds |
//! | [`risk`] | EWMA covariance, inverse-vol and risk-budget weights (solver, verifier), vol targeting |
//! | [`model`] | the risk model applied to the risk account (what `refresh` / `submit_weights` do) |
//! | [`health`] | graded oracle health and the action policy |
//! | [`options`] | fixed-point Black–Scholes: Φ, φ, European option prices and Greeks in one pass |
//! | [`math`] | valuation of token amounts at oracle prices, share arithmetic, rounding |
//! | [`state`] | the zero-copy vault account layout and its invariant |
//!
//! Conventions: token amounts are `u64` base units; intermediate products are `u128`;
//! every rounding direction is explicit ([`math::Rounding`]) and always favours the vault.

pub mod bytes;
pub mod error;
pub mod fees;
pub mod fmath;
pub mod fx;
pub mod health;
pub mod math;
pub mod model;
pub mod options;
pub mod portfolio;
pub mod position;
pub mod pyth;
pub mod rebalance;
pub mod risk;
pub mod state;
pub mod switchboard;
pub mod token;

pub use error::CoreError;

/// A 32-byte account address, independent of any Solana crate version.
pub type Address = [u8; 32];

/// `11111111111111111111111111111111`
pub const SYSTEM_PROGRAM_ID: Address = [0; 32];
