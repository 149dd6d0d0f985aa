//! The instruction steps, as the program runs them: each function takes the vault (and risk)
//! state, the prices the caller read and the clock, checks the vault's rules, does the
//! accounting in place and returns a summary of what changed. The program's handler only loads
//! the accounts, checks them, reads the oracles, calls the engine, moves the tokens the summary
//! names and emits its events; the SDK, the backtest and the fuzz targets call the same
//! functions, so every client computes what the program computes.
//!
//! | step | instructions |
//! |---|---|
//! | [`flows`] | `deposit`, `deposit_asset`, `withdraw`, `redeem_in_kind` |
//! | [`fees`] | the fee accrual every flow runs first, `accrue_fees`, `set_fees` |
//! | [`refresh`] | `refresh`: sample, EWMA, marks (and the positions step for spot vaults) |
//! | [`positions`] | `update_positions`: the positions step of the last sample |
//! | [`quote`] | `quote`: NAV both ways, shares with the fees due, share price, risk summary |
//! | [`rebalance`] | `rebalance`, `rebalance_begin` / `rebalance_end`: leg choice, plan, accounting |
//! | [`settlement`] | `settle_expired`: the settlement window, the payoff |
//! | [`retire`] | `retire_asset`, `apply_change(Retire)`: which slot may go, the state without it |
//! | [`requests`] | `request_deposit`, `request_withdraw`, `settle_requests`, `claim_request`, `cancel_request`; the rebalancer's cash target |
//! | [`weights`] | `submit_weights`, `solve_weights`: risk-budget weights put in force |
//!
//! A refused step may leave the state it was given partly updated (the fee accrual runs
//! first): the program's transaction then reverts as a whole; an off-chain caller runs a step
//! on a copy when it needs the state as it was.
//!
//! Where a step needs an account read between two of its rules (an oracle read after the
//! freshness rule, say), it comes in two calls — a `*_gate` with the rules before the read and
//! the step itself — so the program refuses in the same order as before the engine existed.

pub mod fees;
pub mod flows;
pub mod positions;
pub mod quote;
pub mod rebalance;
pub mod refresh;
pub mod requests;
pub mod retire;
pub mod settlement;
pub mod weights;

use crate::{layout::VaultState, CoreError};

/// Why the engine refuses a step: a failure of the core, or one of the vault's rules. Each
/// variant maps onto the program error of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineError {
    Core(CoreError),
    VaultPaused,
    RebalanceInProgress,
    RiskStateStale,
    DepositBelowMinimum,
    DepositCapExceeded,
    SlippageExceeded,
    InsufficientShares,
    InsufficientBaseLiquidity,
    WrongVectorLength,
    SeriesExpired,
    UnknownAsset,
    RefreshTooSoon,
    RefreshRequired,
    CooldownActive,
    RebalanceNotStarted,
    RebalanceUnderpaid,
    FeeAboveMaximum,
    TimelockRequired,
    SolveTooLarge,
    InKindCapExceeded,
    NotAnOption,
    AlreadySettled,
    NotExpired,
    SettlementPriceTooEarly,
    SettlementWindowMissed,
    AssetNotEmpty,
    AssetIsUnderlying,
    SharesMintedThisSlot,
    WrongRequest,
    NothingToCancel,
    NothingToClaim,
    PriceNotAfterRequest,
}

impl From<CoreError> for EngineError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

impl core::fmt::Display for EngineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Core(e) => core::fmt::Debug::fmt(e, f),
            e => core::fmt::Debug::fmt(e, f),
        }
    }
}

impl std::error::Error for EngineError {}

pub type EngineResult<T> = Result<T, EngineError>;

/// `Err(e)` unless `ok`.
#[inline]
pub(crate) fn ensure(ok: bool, e: impl Into<EngineError>) -> EngineResult<()> {
    if ok {
        Ok(())
    } else {
        Err(e.into())
    }
}

/// `RebalanceInProgress` while a flash rebalance is open: nothing else may change the vault
/// between `rebalance_begin` and `rebalance_end`.
pub fn no_flash_rebalance(v: &VaultState) -> EngineResult<()> {
    ensure(!v.is_rebalancing(), EngineError::RebalanceInProgress)
}

/// NAV rounded down (fees, withdrawals) and up (deposit pricing), base units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Navs {
    pub down: u64,
    pub up: u64,
}
