//! How the program reports a refusal of the engine (`rpv_core::engine`): each rule maps onto
//! the program error of the same name, a core failure through `From<CoreError>`.

use rpv_core::engine::EngineError;

use crate::error::VaultError;

impl From<EngineError> for VaultError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Core(e) => e.into(),
            EngineError::VaultPaused => Self::VaultPaused,
            EngineError::RebalanceInProgress => Self::RebalanceInProgress,
            EngineError::RiskStateStale => Self::RiskStateStale,
            EngineError::DepositBelowMinimum => Self::DepositBelowMinimum,
            EngineError::DepositCapExceeded => Self::DepositCapExceeded,
            EngineError::SlippageExceeded => Self::SlippageExceeded,
            EngineError::InsufficientShares => Self::InsufficientShares,
            EngineError::InsufficientBaseLiquidity => Self::InsufficientBaseLiquidity,
            EngineError::WrongVectorLength => Self::WrongVectorLength,
            EngineError::SeriesExpired => Self::SeriesExpired,
            EngineError::UnknownAsset => Self::UnknownAsset,
            EngineError::RefreshTooSoon => Self::RefreshTooSoon,
            EngineError::RefreshRequired => Self::RefreshRequired,
            EngineError::CooldownActive => Self::CooldownActive,
            EngineError::RebalanceNotStarted => Self::RebalanceNotStarted,
            EngineError::RebalanceUnderpaid => Self::RebalanceUnderpaid,
            EngineError::FeeAboveMaximum => Self::FeeAboveMaximum,
            EngineError::TimelockRequired => Self::TimelockRequired,
        }
    }
}
