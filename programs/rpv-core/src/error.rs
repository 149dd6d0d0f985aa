//! Failures of the core crate. Each maps 1:1 onto a program error code (see the program's
//! `VaultError`), so a client sees exactly which check failed.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreError {
    // arithmetic
    MathOverflow,
    /// An argument outside the function's stated domain (e.g. ln of a non-positive number).
    MathDomain,
    // oracle
    OracleWrongOwner,
    OracleInvalidAccount,
    OracleNotFullyVerified,
    OracleFeedMismatch,
    OracleNonPositivePrice,
    OracleExponentOutOfRange,
    OracleStale,
    OracleTimestampInFuture,
    OracleConfidenceTooWide,
    /// A remaining account is not the oracle registered for the asset at that position.
    OracleAccountMismatch,
    /// The price is not newer than the one last sampled into the risk state.
    OracleNotNewer,
    // tokens
    InvalidTokenAccount,
    InvalidMint,
    UnsupportedMintExtension,
    // shares
    VaultInsolvent,
    ZeroShares,
    ZeroAmount,
    // state
    InvariantViolated,
    // risk model
    /// Budgets not all positive or not summing to 1.
    InvalidBudgets,
    /// An underlying with zero (or negative) variance.
    ZeroVariance,
    /// Covariance not positive definite (or a portfolio with no variance).
    NotPositiveDefinite,
    /// The iterative solver did not reach its tolerance.
    NotConverged,
    /// Submitted weights whose risk contributions do not match the budgets.
    RiskBudgetMismatch,
    // options
    /// The action would push a breached Greek limit (net delta, gamma or vega) further.
    GreekLimitExceeded,
    // rebalancing
    /// The leg is inside its band: nothing to trade.
    WithinBand,
    /// The turnover cap of the rolling 24 h window is used up.
    TurnoverCapReached,
    /// The gross-exposure reduction cap of the rolling 24 h window is used up.
    ReductionCapReached,
    /// The trade rounds to nothing.
    TradeTooSmall,
    // oracles (issue 14)
    /// A Switchboard feed on another queue than the asset's registered one.
    OracleQueueMismatch,
    /// A Switchboard result with fewer samples than the vault requires.
    OracleTooFewSamples,
}

impl core::fmt::Display for CoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for CoreError {}

pub type CoreResult<T> = Result<T, CoreError>;
