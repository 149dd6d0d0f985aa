//! Graded oracle health and which action needs which grade.
//!
//! | grade | meaning | from |
//! |---|---|---|
//! | `Valid` | passes every check | — |
//! | `Stale` | well-formed and verified, but older than the asset's maximum age (or from the future) | `OracleStale`, `OracleTimestampInFuture`, `OracleNotNewer` |
//! | `TooUncertain` | fresh, but confidence / price above the asset's limit, or a Switchboard result from too few samples | `OracleConfidenceTooWide`, `OracleTooFewSamples` |
//! | `Invalid` | wrong owner, wrong account, feed or queue, partial verification, non-positive price, bad exponent | the other oracle errors |
//!
//! Policy: `deposit`, `deposit_asset`, `withdraw`, `add_asset` and `refresh` need `Valid` for
//! every asset (a price that is stale or too uncertain would let a depositor trade against the
//! vault at a wrong price, or feed noise into the covariance). No action accepts `Invalid`.
//! `redeem_in_kind` needs no oracle at all, so depositors can leave whatever the grades are.

use crate::CoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OracleHealth {
    Valid,
    Stale,
    TooUncertain,
    Invalid,
}

impl OracleHealth {
    /// Grade of an oracle read's result.
    pub fn of<T>(read: &Result<T, CoreError>) -> Self {
        match read {
            Ok(_) => Self::Valid,
            Err(CoreError::OracleStale | CoreError::OracleTimestampInFuture | CoreError::OracleNotNewer) => Self::Stale,
            Err(CoreError::OracleConfidenceTooWide | CoreError::OracleTooFewSamples) => Self::TooUncertain,
            Err(_) => Self::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        assert_eq!(OracleHealth::of(&Ok::<(), CoreError>(())), OracleHealth::Valid);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleStale)), OracleHealth::Stale);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleNotNewer)), OracleHealth::Stale);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleConfidenceTooWide)), OracleHealth::TooUncertain);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleTooFewSamples)), OracleHealth::TooUncertain);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleQueueMismatch)), OracleHealth::Invalid);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleWrongOwner)), OracleHealth::Invalid);
        assert_eq!(OracleHealth::of::<()>(&Err(CoreError::OracleNotFullyVerified)), OracleHealth::Invalid);
    }
}
