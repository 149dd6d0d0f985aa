//! Failures of the core crate. Each maps 1:1 onto a program error code (see the program's
//! `VaultError`), so a client sees exactly which check failed.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreError {
    // arithmetic
    MathOverflow,
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
}

impl core::fmt::Display for CoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for CoreError {}

pub type CoreResult<T> = Result<T, CoreError>;
