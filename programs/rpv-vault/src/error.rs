//! One error enum for the whole program. Codes start at 6000 (Anchor's custom range) and are
//! stable: new variants are only ever appended.

use anchor_lang::prelude::*;
use rpv_core::CoreError;

#[error_code]
pub enum VaultError {
    // ---- mirrored from rpv_core::CoreError (6000..) ----
    #[msg("arithmetic overflow")]
    MathOverflow,
    #[msg("argument outside the function's domain")]
    MathDomain,
    #[msg("oracle account is not owned by the Pyth receiver program")]
    OracleWrongOwner,
    #[msg("oracle account is not a PriceUpdateV2 account")]
    OracleInvalidAccount,
    #[msg("oracle price update is only partially verified")]
    OracleNotFullyVerified,
    #[msg("oracle price update is for another feed")]
    OracleFeedMismatch,
    #[msg("oracle price is zero or negative")]
    OracleNonPositivePrice,
    #[msg("oracle exponent out of the accepted range")]
    OracleExponentOutOfRange,
    #[msg("oracle price is older than the asset's maximum age")]
    OracleStale,
    #[msg("oracle publish time is ahead of the cluster clock")]
    OracleTimestampInFuture,
    #[msg("oracle confidence interval is too wide relative to the price")]
    OracleConfidenceTooWide,
    #[msg("remaining account is not the registered oracle of the asset at that position")]
    OracleAccountMismatch,
    #[msg("not a valid token account")]
    InvalidTokenAccount,
    #[msg("not a valid mint")]
    InvalidMint,
    #[msg("mint has a Token-2022 extension the vault does not accept")]
    UnsupportedMintExtension,
    #[msg("vault NAV or share supply is zero")]
    VaultInsolvent,
    #[msg("operation would mint or burn zero shares")]
    ZeroShares,
    #[msg("operation would move zero tokens")]
    ZeroAmount,
    #[msg("vault invariant violated")]
    InvariantViolated,
    // ---- program (6018..) ----
    #[msg("signer is not the vault admin")]
    Unauthorized,
    #[msg("wrong number of oracle accounts: pass one per registered asset, in registry order")]
    OracleAccountCount,
    #[msg("vault authority account does not match the vault")]
    WrongAuthority,
    #[msg("base mint does not match the vault")]
    WrongBaseMint,
    #[msg("base token account does not match the vault")]
    WrongBaseVault,
    #[msg("share mint does not match the vault")]
    WrongShareMint,
    #[msg("token program does not match the mint")]
    WrongTokenProgram,
    #[msg("token account is for a different mint")]
    WrongMint,
    #[msg("deposit limits invalid: need 0 < min_deposit <= deposit_cap")]
    InvalidDepositLimits,
    #[msg("initial deposit below the minimum seed")]
    SeedDepositTooSmall,
    #[msg("the vault already holds the maximum number of assets")]
    TooManyAssets,
    #[msg("asset mint already registered")]
    AssetAlreadyRegistered,
    #[msg("the base mint cannot be registered as an asset")]
    AssetIsBaseMint,
    #[msg("risk budget must be in (0, 1e9] parts per billion")]
    InvalidRiskBudget,
    #[msg("oracle settings invalid: max age must be in 1..=86400 s, max confidence in 1..=10000 bps")]
    InvalidOracleConfig,
    #[msg("unsupported oracle kind")]
    UnsupportedOracleKind,
    #[msg("deposit below the vault minimum")]
    DepositBelowMinimum,
    #[msg("deposit would take NAV above the vault's cap")]
    DepositCapExceeded,
    #[msg("result is worse than the caller's slippage bound")]
    SlippageExceeded,
    #[msg("vault base balance is too low to pay this withdrawal in the base asset")]
    InsufficientBaseLiquidity,
    #[msg("vault received a different amount than transferred")]
    TransferAmountMismatch,
    #[msg("account to create already holds data")]
    AccountAlreadyInUse,
    #[msg("mint decimals above 18 are not supported")]
    UnsupportedDecimals,
    #[msg("share token account holds fewer shares than requested")]
    InsufficientShares,
    #[msg("asset index is not a registered asset")]
    UnknownAsset,
    #[msg("asset token account does not match the vault's account for that asset")]
    WrongAssetVault,
    // ---- risk engine ----
    #[msg("oracle price is not newer than the one last sampled into the risk state")]
    OracleNotNewer,
    #[msg("risk budgets must be positive and sum to 1 (1e9 parts per billion)")]
    InvalidBudgets,
    #[msg("an asset has zero variance")]
    ZeroVariance,
    #[msg("covariance is not positive definite")]
    NotPositiveDefinite,
    #[msg("weight solver did not converge within its sweep limit")]
    NotConverged,
    #[msg("submitted weights' risk contributions do not match the budgets")]
    RiskBudgetMismatch,
    #[msg("risk state is older than the vault's maximum risk age: crank refresh")]
    RiskStateStale,
    #[msg("refresh called before the minimum sampling interval elapsed")]
    RefreshTooSoon,
    #[msg("risk account does not belong to this vault")]
    WrongRiskAccount,
    #[msg("risk parameter out of range")]
    InvalidRiskParams,
    #[msg("one value per registered asset is required")]
    WrongVectorLength,
    #[msg("too many assets for an on-chain solve within the compute budget")]
    SolveTooLarge,
    #[msg("option kind must be 0 (call) or 1 (put)")]
    InvalidOptionKind,
    #[msg("wrong number of remaining accounts: four per holding (base first, then each asset)")]
    WrongAccountCount,
    #[msg("the vault is paused: deposits are refused (in-kind redemption still works)")]
    VaultPaused,
    #[msg("signer is not the vault guardian")]
    NotGuardian,
    #[msg("signer is not the proposed admin")]
    NotPendingAdmin,
    #[msg("invalid role address")]
    InvalidRole,
    // ---- option series ----
    #[msg("the action would push a breached Greek limit (net delta, gamma or vega) further")]
    GreekLimitExceeded,
    #[msg("option terms out of range: kind 1 (call) or 2 (put), positive strike and contract size")]
    InvalidOptionTerms,
    #[msg("the underlying must be a spot asset registered before the option series")]
    InvalidUnderlying,
    #[msg("expiry must be more than one hour and at most two years away")]
    InvalidExpiry,
    #[msg("implied volatility feed value outside 5 %..300 %")]
    ImpliedVolOutOfRange,
    #[msg("the asset is not an option series")]
    NotAnOption,
    #[msg("the option series has not expired yet")]
    NotExpired,
    #[msg("the option series is already settled")]
    AlreadySettled,
    #[msg("settlement needs an underlying price published at or after expiry")]
    SettlementPriceTooEarly,
    #[msg("the last sample does not cover every registered asset: crank refresh first")]
    RefreshRequired,
    #[msg("option parameter out of range")]
    InvalidOptionParams,
    #[msg("the option series has expired: it can no longer be deposited")]
    SeriesExpired,
    // ---- fees, timelocks, allowlist ----
    #[msg("fee rate above the maximum fixed at initialisation")]
    FeeAboveMaximum,
    #[msg("fee maxima above the program ceilings (10 %/yr management, 50 % performance)")]
    InvalidFeeConfig,
    #[msg("share token account is not owned by the vault's fee recipient")]
    WrongFeeRecipient,
    #[msg("timelock above the 30-day limit")]
    InvalidTimelock,
    #[msg("this change raises risk or fees: propose it (propose_change) and apply it after the timelock")]
    TimelockRequired,
    #[msg("a change of this kind is already proposed: cancel it first")]
    ChangeAlreadyPending,
    #[msg("the proposal's timelock has not expired yet")]
    TimelockNotExpired,
    #[msg("the proposal was not applied within its grace period: cancel it and propose again")]
    ProposalExpired,
    #[msg("proposal does not belong to this vault")]
    WrongProposal,
    #[msg("rent receiver is not the proposal's proposer")]
    WrongRentReceiver,
    #[msg("signer is neither the vault admin nor the guardian")]
    NotAdminOrGuardian,
    #[msg("depositor is not on the vault's allowlist")]
    NotAllowlisted,
    // ---- rebalancing ----
    #[msg("the leg is inside its band: nothing to trade")]
    WithinBand,
    #[msg("the leg traded recently: wait for its cooldown")]
    CooldownActive,
    #[msg("the day's turnover cap is used up")]
    TurnoverCapReached,
    #[msg("the day's gross-exposure reduction cap is used up")]
    ReductionCapReached,
    #[msg("the trade rounds to nothing")]
    TradeTooSmall,
    #[msg("the asset accounts are not those of the leg furthest outside its band")]
    WrongLeg,
    #[msg("a flash rebalance is open: finish it with rebalance_end in the same transaction")]
    RebalanceInProgress,
    #[msg("no flash rebalance is open: rebalance_end needs rebalance_begin earlier in the transaction")]
    RebalanceNotStarted,
    #[msg("rebalance_begin needs rebalance_end for the same vault later in the same transaction")]
    RebalanceEndMissing,
    #[msg("the vault did not receive what the flash rebalance owes it")]
    RebalanceUnderpaid,
    #[msg("flash rebalance instructions must be top-level instructions, not CPIs")]
    RebalanceViaCpi,
    #[msg("not the instructions sysvar")]
    InvalidInstructionsSysvar,
    #[msg("rebalance parameter out of range")]
    InvalidRebalanceParams,
    #[msg("a vault account is passed where the caller's own account is expected")]
    DuplicateAccount,
}

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
        }
    }
}
