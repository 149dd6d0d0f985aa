//! # rpv-core
//!
//! Everything the risk-parity vault computes, as pure Rust with no Solana dependency: the
//! on-chain program, the SDK, the keeper, the CLI and the demo compile this same code, so
//! "what would the program do?" is answered off-chain bit-for-bit.
//!
//! ## Layers
//! A one-way stack: a module imports only from its own layer and the layers before it in this
//! table (layout → numbers → oracle → valuation → risk → engine), never from a layer below it.
//! `tests/layers.rs` reads this table and every module's `crate::` paths and fails on an arrow
//! the wrong way, on a cycle between modules, and on a module missing from the table.
//!
//! | layer | module | contents |
//! |---|---|---|
//! | layout | [`layout`] | the zero-copy account layouts (vault, asset slot, option terms, fees, risk account, rebalance config / book / flash lock, sampled price, I80F48 storage), size asserts, plain accessors |
//! | numbers | [`bytes`] | little-endian reads at explicit offsets, shared by the account readers |
//! | numbers | [`error`] | [`CoreError`], one variant per failure; the program maps each to its own code |
//! | numbers | [`fixed_point`] | I80F48 ([`fixed_point::Fx`]), checked arithmetic with fast paths, the packed-triangle index |
//! | numbers | [`fmath`] | fixed-point (I80F48) ln, exp, sqrt with stated domains and accuracy |
//! | numbers | [`matrix`] | symmetric matrices as the weight algorithms read them (packed storage, dense) |
//! | numbers | [`math`] | valuation of token amounts at oracle prices, share arithmetic, rounding, basis points |
//! | numbers | [`price`] | [`price::OraclePrice`], the validated value every oracle reader returns |
//! | numbers | [`accounting`] | outstanding shares, the vault invariant, the registry check, risk freshness, reconciliation |
//! | numbers | [`fees`] | management fee (path-independent per-second accrual) and performance fee above a high-water mark, as new shares |
//! | oracle | [`pyth`] | byte-level `PriceUpdateV2` reader (and encoder, for tests and tooling) |
//! | oracle | [`switchboard`] | byte-level Switchboard On-Demand `PullFeedAccountData` reader (and encoder) |
//! | oracle | [`oracle_health`] | graded oracle health (not margin health) and the action policy |
//! | oracle | [`token`] | SPL Token / Token-2022 account and mint views, mint-extension policy |
//! | valuation | [`options`] | fixed-point Black–Scholes: Φ, φ, European option prices and Greeks in one pass |
//! | valuation | [`valuation`] | option marks (Black–Scholes, bounds outside its domain), slot values, NAV |
//! | risk | [`risk_parity`] | EWMA covariance, inverse-vol and risk-budget weights (solver, verifier), vol targeting |
//! | risk | [`exposure`] | Greek-aware exposures of one position (elasticity, convexity, vol elasticity) and the delta–gamma–vega position covariance |
//! | risk | [`risk_account`] | the risk model applied to the risk account (samples, weights, targets, parameters) |
//! | risk | [`positions`] | the positions step: marks and exposures per slot, NAV snapshot, weights, Greeks per underlying and their limits |
//! | risk | [`rebalance`] | which leg `rebalance` trades, how much, at what price; the keeper incentive and the per-call and per-day bounds |
//! | engine | [`engine`] | the instruction steps: `refresh`, `positions`, `rebalance`, `flows`, `fees` take the state and prices and return a summary |
//!
//! Conventions: token amounts are `u64` base units; intermediate products are `u128`;
//! every rounding direction is explicit ([`math::Rounding`]) and always favours the vault.

pub mod layout;

pub mod accounting;
pub mod bytes;
pub mod error;
pub mod fees;
pub mod fixed_point;
pub mod fmath;
pub mod math;
pub mod matrix;
pub mod price;

pub mod oracle_health;
pub mod pyth;
pub mod switchboard;
pub mod token;

pub mod options;
pub mod valuation;

pub mod exposure;
pub mod positions;
pub mod rebalance;
pub mod risk_account;
pub mod risk_parity;

pub mod engine;

pub use error::CoreError;

/// A 32-byte account address, independent of any Solana crate version.
pub type Address = [u8; 32];

/// `11111111111111111111111111111111`
pub const SYSTEM_PROGRAM_ID: Address = [0; 32];
