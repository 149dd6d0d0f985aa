//! The program's error codes (Anchor custom errors, from 6000, in `VaultError` order), for
//! clients that need to turn a code into a name. Kept in step with
//! `programs/rpv-vault/src/error.rs`; the integration tests check every code they meet against
//! the name the program logs.

pub const FIRST_CODE: u32 = 6000;

pub const NAMES: &[&str] = &[
    "MathOverflow",
    "MathDomain",
    "OracleWrongOwner",
    "OracleInvalidAccount",
    "OracleNotFullyVerified",
    "OracleFeedMismatch",
    "OracleNonPositivePrice",
    "OracleExponentOutOfRange",
    "OracleStale",
    "OracleTimestampInFuture",
    "OracleConfidenceTooWide",
    "OracleAccountMismatch",
    "InvalidTokenAccount",
    "InvalidMint",
    "UnsupportedMintExtension",
    "VaultInsolvent",
    "ZeroShares",
    "ZeroAmount",
    "InvariantViolated",
    "Unauthorized",
    "OracleAccountCount",
    "WrongAuthority",
    "WrongBaseMint",
    "WrongBaseVault",
    "WrongShareMint",
    "WrongTokenProgram",
    "WrongMint",
    "InvalidDepositLimits",
    "SeedDepositTooSmall",
    "TooManyAssets",
    "AssetAlreadyRegistered",
    "AssetIsBaseMint",
    "InvalidRiskBudget",
    "InvalidOracleConfig",
    "UnsupportedOracleKind",
    "DepositBelowMinimum",
    "DepositCapExceeded",
    "SlippageExceeded",
    "InsufficientBaseLiquidity",
    "TransferAmountMismatch",
    "AccountAlreadyInUse",
    "UnsupportedDecimals",
    "InsufficientShares",
    "UnknownAsset",
    "WrongAssetVault",
    "OracleNotNewer",
    "InvalidBudgets",
    "ZeroVariance",
    "NotPositiveDefinite",
    "NotConverged",
    "RiskBudgetMismatch",
    "RiskStateStale",
    "RefreshTooSoon",
    "WrongRiskAccount",
    "InvalidRiskParams",
    "WrongVectorLength",
    "SolveTooLarge",
    "InvalidOptionKind",
    "WrongAccountCount",
    "VaultPaused",
    "NotGuardian",
    "NotPendingAdmin",
    "InvalidRole",
    "FeeAboveMaximum",
    "InvalidFeeConfig",
    "WrongFeeRecipient",
    "InvalidTimelock",
    "TimelockRequired",
    "ChangeAlreadyPending",
    "TimelockNotExpired",
    "ProposalExpired",
    "WrongProposal",
    "WrongRentReceiver",
    "NotAdminOrGuardian",
    "NotAllowlisted",
];

/// Code of the error `name`.
pub fn code(name: &str) -> Option<u32> {
    NAMES.iter().position(|n| *n == name).map(|i| FIRST_CODE + i as u32)
}

/// Name of the error `code`.
pub fn name(code: u32) -> Option<&'static str> {
    code.checked_sub(FIRST_CODE).and_then(|i| NAMES.get(i as usize).copied())
}
