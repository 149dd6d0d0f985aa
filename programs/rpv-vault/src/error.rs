//! One error enum for the whole program, defined in `rpv_interface::errors` (codes start at
//! 6000, Anchor's custom range, and are stable: new variants are only ever appended).

use anchor_lang::prelude::*;
use rpv_core::{engine::EngineError, CoreError};

macro_rules! anchor_errors {
    ($($name:ident => $msg:tt,)*) => {
        /// The program's errors, from [`rpv_interface::errors!`] (codes from 6000 in that order).
        #[error_code]
        pub enum VaultError {
            $(
                #[msg($msg)]
                $name,
            )*
        }
    };
}

rpv_interface::errors!(anchor_errors);

impl From<CoreError> for VaultError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::MathOverflow => Self::MathOverflow,
            CoreError::MathDomain => Self::MathDomain,
            CoreError::OracleWrongOwner => Self::OracleWrongOwner,
            CoreError::OracleInvalidAccount => Self::OracleInvalidAccount,
            CoreError::OracleNotFullyVerified => Self::OracleNotFullyVerified,
            CoreError::OracleFeedMismatch => Self::OracleFeedMismatch,
            CoreError::OracleNonPositivePrice => Self::OracleNonPositivePrice,
            CoreError::OracleExponentOutOfRange => Self::OracleExponentOutOfRange,
            CoreError::OracleStale => Self::OracleStale,
            CoreError::OracleTimestampInFuture => Self::OracleTimestampInFuture,
            CoreError::OracleConfidenceTooWide => Self::OracleConfidenceTooWide,
            CoreError::OracleAccountMismatch => Self::OracleAccountMismatch,
            CoreError::InvalidTokenAccount => Self::InvalidTokenAccount,
            CoreError::InvalidMint => Self::InvalidMint,
            CoreError::UnsupportedMintExtension => Self::UnsupportedMintExtension,
            CoreError::VaultInsolvent => Self::VaultInsolvent,
            CoreError::ZeroShares => Self::ZeroShares,
            CoreError::ZeroAmount => Self::ZeroAmount,
            CoreError::InvariantViolated => Self::InvariantViolated,
            CoreError::OracleNotNewer => Self::OracleNotNewer,
            CoreError::InvalidBudgets => Self::InvalidBudgets,
            CoreError::ZeroVariance => Self::ZeroVariance,
            CoreError::NotPositiveDefinite => Self::NotPositiveDefinite,
            CoreError::NotConverged => Self::NotConverged,
            CoreError::RiskBudgetMismatch => Self::RiskBudgetMismatch,
            CoreError::GreekLimitExceeded => Self::GreekLimitExceeded,
            CoreError::WithinBand => Self::WithinBand,
            CoreError::TurnoverCapReached => Self::TurnoverCapReached,
            CoreError::ReductionCapReached => Self::ReductionCapReached,
            CoreError::TradeTooSmall => Self::TradeTooSmall,
            CoreError::OracleQueueMismatch => Self::OracleQueueMismatch,
            CoreError::OracleTooFewSamples => Self::OracleTooFewSamples,
        }
    }
}

/// How the program reports a refusal of the engine (`rpv_core::engine`): each rule maps onto
/// the program error of the same name, a core failure through `From<CoreError>`.
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
            EngineError::SolveTooLarge => Self::SolveTooLarge,
            EngineError::SeriesExpired => Self::SeriesExpired,
            EngineError::UnknownAsset => Self::UnknownAsset,
            EngineError::RefreshTooSoon => Self::RefreshTooSoon,
            EngineError::RefreshRequired => Self::RefreshRequired,
            EngineError::CooldownActive => Self::CooldownActive,
            EngineError::RebalanceNotStarted => Self::RebalanceNotStarted,
            EngineError::RebalanceUnderpaid => Self::RebalanceUnderpaid,
            EngineError::FeeAboveMaximum => Self::FeeAboveMaximum,
            EngineError::TimelockRequired => Self::TimelockRequired,
            EngineError::InKindCapExceeded => Self::InKindCapExceeded,
            EngineError::NotAnOption => Self::NotAnOption,
            EngineError::AlreadySettled => Self::AlreadySettled,
            EngineError::NotExpired => Self::NotExpired,
            EngineError::SettlementPriceTooEarly => Self::SettlementPriceTooEarly,
            EngineError::SettlementWindowMissed => Self::SettlementWindowMissed,
            EngineError::AssetNotEmpty => Self::AssetNotEmpty,
            EngineError::AssetIsUnderlying => Self::AssetIsUnderlying,
            EngineError::SharesMintedThisSlot => Self::SharesMintedThisSlot,
            EngineError::WrongRequest => Self::WrongRequest,
            EngineError::NothingToCancel => Self::NothingToCancel,
            EngineError::NothingToClaim => Self::NothingToClaim,
            EngineError::PriceNotAfterRequest => Self::PriceNotAfterRequest,
        }
    }
}
