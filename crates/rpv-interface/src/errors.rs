//! Every error code the program returns: Anchor custom errors numbered from 6000 in this
//! order. Codes are stable: new variants are only ever appended.
//!
//! [`errors!`](crate::errors) is the one list (name and message). The program instantiates it
//! as its `#[error_code] enum VaultError`; clients get [`VaultError`] with
//! [`VaultError::code`], [`VaultError::name`], [`VaultError::message`] and
//! [`VaultError::from_code`].

/// First custom error code (Anchor's `ERROR_CODE_OFFSET`).
pub const FIRST_CODE: u32 = 6000;

/// Passes the list of `Name => "message"` pairs to `$callback`.
#[macro_export]
macro_rules! errors {
    ($callback:ident) => {
        $callback! {
            // ---- mirrored from rpv_core::CoreError (6000..) ----
            MathOverflow => "arithmetic overflow",
            MathDomain => "argument outside the function's domain",
            OracleWrongOwner => "oracle account is not owned by the Pyth receiver program",
            OracleInvalidAccount => "oracle account is not a PriceUpdateV2 account",
            OracleNotFullyVerified => "oracle price update is only partially verified",
            OracleFeedMismatch => "oracle price update is for another feed",
            OracleNonPositivePrice => "oracle price is zero or negative",
            OracleExponentOutOfRange => "oracle exponent out of the accepted range",
            OracleStale => "oracle price is older than the asset's maximum age",
            OracleTimestampInFuture => "oracle publish time is ahead of the cluster clock",
            OracleConfidenceTooWide => "oracle confidence interval is too wide relative to the price",
            OracleAccountMismatch => "remaining account is not the registered oracle of the asset at that position",
            InvalidTokenAccount => "not a valid token account",
            InvalidMint => "not a valid mint",
            UnsupportedMintExtension => "mint has a Token-2022 extension the vault does not accept",
            VaultInsolvent => "vault NAV or share supply is zero",
            ZeroShares => "operation would mint or burn zero shares",
            ZeroAmount => "operation would move zero tokens",
            InvariantViolated => "vault invariant violated",
            // ---- program (6018..) ----
            Unauthorized => "signer is not the vault admin",
            OracleAccountCount => "wrong number of oracle accounts: pass one per registered asset, in registry order",
            WrongAuthority => "vault authority account does not match the vault",
            WrongBaseMint => "base mint does not match the vault",
            WrongBaseVault => "base token account does not match the vault",
            WrongShareMint => "share mint does not match the vault",
            WrongTokenProgram => "token program does not match the mint",
            WrongMint => "token account is for a different mint",
            InvalidDepositLimits => "deposit limits invalid: need 0 < min_deposit <= deposit_cap",
            SeedDepositTooSmall => "initial deposit below the minimum seed",
            TooManyAssets => "the vault already holds the maximum number of assets",
            AssetAlreadyRegistered => "asset mint already registered",
            AssetIsBaseMint => "the base mint cannot be registered as an asset",
            InvalidRiskBudget => "risk budget must be in (0, 1e9] parts per billion",
            InvalidOracleConfig => "oracle settings invalid: max age must be in 1..=86400 s, max confidence in 1..=10000 bps, a queue named for Switchboard and none for Pyth",
            UnsupportedOracleKind => "unsupported oracle kind",
            DepositBelowMinimum => "deposit below the vault minimum",
            DepositCapExceeded => "deposit would take NAV above the vault's cap",
            SlippageExceeded => "result is worse than the caller's slippage bound",
            InsufficientBaseLiquidity => "vault base balance is too low to pay this withdrawal in the base asset",
            TransferAmountMismatch => "vault received a different amount than transferred",
            AccountAlreadyInUse => "account to create already holds data",
            UnsupportedDecimals => "mint decimals above 18 are not supported",
            InsufficientShares => "share token account holds fewer shares than requested",
            UnknownAsset => "asset index is not a registered asset",
            WrongAssetVault => "asset token account does not match the vault's account for that asset",
            // ---- risk engine ----
            OracleNotNewer => "oracle price is not newer than the one last sampled into the risk state",
            InvalidBudgets => "risk budgets must be positive and sum to 1 (1e9 parts per billion)",
            ZeroVariance => "an asset has zero variance",
            NotPositiveDefinite => "covariance is not positive definite",
            NotConverged => "weight solver did not converge within its sweep limit",
            RiskBudgetMismatch => "submitted weights' risk contributions do not match the budgets",
            RiskStateStale => "risk state is older than the vault's maximum risk age: crank refresh",
            RefreshTooSoon => "refresh called before the minimum sampling interval elapsed",
            WrongRiskAccount => "risk account does not belong to this vault",
            InvalidRiskParams => "risk parameter out of range",
            WrongVectorLength => "one value per registered asset is required",
            SolveTooLarge => "too many assets for an on-chain solve within the compute budget",
            InvalidOptionKind => "option kind must be call or put",
            WrongAccountCount => "wrong number of remaining accounts: four per holding (base first, then each asset)",
            VaultPaused => "the vault is paused: deposits are refused (in-kind redemption still works)",
            NotGuardian => "signer is not the vault guardian",
            NotPendingAdmin => "signer is not the proposed admin",
            InvalidRole => "invalid role address",
            // ---- option series ----
            GreekLimitExceeded => "the action would push a breached Greek limit (net delta, gamma or vega) further",
            InvalidOptionTerms => "option terms out of range: positive strike and contract size",
            InvalidUnderlying => "the underlying must be a spot asset registered before the option series",
            InvalidExpiry => "expiry must be more than one hour and at most two years away",
            ImpliedVolOutOfRange => "implied volatility feed value outside 5 %..300 %",
            NotAnOption => "the asset is not an option series",
            NotExpired => "the option series has not expired yet",
            AlreadySettled => "the option series is already settled",
            SettlementPriceTooEarly => "settlement needs an underlying price published at or after expiry",
            RefreshRequired => "the last sample does not cover every registered asset: crank refresh first",
            InvalidOptionParams => "option parameter out of range",
            SeriesExpired => "the option series has expired: it can no longer be deposited",
            // ---- fees, timelocks, allowlist ----
            FeeAboveMaximum => "fee rate above the maximum fixed at initialisation",
            InvalidFeeConfig => "fee maxima above the program ceilings (10 %/yr management, 50 % performance)",
            WrongFeeRecipient => "share token account is not owned by the vault's fee recipient",
            InvalidTimelock => "timelock above the 30-day limit",
            TimelockRequired => "this change raises risk or fees: propose it (propose_change) and apply it after the timelock",
            ChangeAlreadyPending => "a change of this kind is already proposed: cancel it first",
            TimelockNotExpired => "the proposal's timelock has not expired yet",
            ProposalExpired => "the proposal was not applied within its grace period: cancel it and propose again",
            WrongProposal => "proposal does not belong to this vault",
            WrongRentReceiver => "rent receiver is not the proposal's proposer",
            NotAdminOrGuardian => "signer is neither the vault admin nor the guardian",
            NotAllowlisted => "depositor is not on the vault's allowlist",
            // ---- rebalancing ----
            WithinBand => "the leg is inside its band: nothing to trade",
            CooldownActive => "the leg traded recently: wait for its cooldown",
            TurnoverCapReached => "the turnover cap of the rolling 24 h window is used up",
            ReductionCapReached => "the gross-exposure reduction cap of the rolling 24 h window is used up",
            TradeTooSmall => "the trade rounds to nothing",
            WrongLeg => "the asset accounts are not those of the leg furthest outside its band",
            RebalanceInProgress => "a flash rebalance is open: finish it with rebalance_end in the same transaction",
            RebalanceNotStarted => "no flash rebalance is open: rebalance_end needs rebalance_begin earlier in the transaction",
            RebalanceEndMissing => "rebalance_begin needs rebalance_end for the same vault later in the same transaction",
            RebalanceUnderpaid => "the vault did not receive what the flash rebalance owes it",
            RebalanceViaCpi => "flash rebalance instructions must be top-level instructions, not CPIs",
            InvalidInstructionsSysvar => "not the instructions sysvar",
            InvalidRebalanceParams => "rebalance parameter out of range",
            DuplicateAccount => "a vault account is passed where the caller's own account is expected",
            // ---- registry (issue 14) ----
            ProposalMismatch => "the pending registration proposal names other accounts or arguments (registrations are applied by add_asset / add_option, not apply_change)",
            InKindCapExceeded => "this in-kind deposit would take the asset's accounted quantity above its in-kind cap",
            // ---- issue 14: oracles ----
            OracleQueueMismatch => "Switchboard feed belongs to another queue than the one registered for the asset",
            OracleTooFewSamples => "Switchboard result has fewer samples than the vault requires",
            // ---- issue 14: settlement and retirement ----
            SettlementWindowMissed => "settlement needs an underlying price published within the settlement window after expiry",
            AssetNotEmpty => "the slot still holds something of value: only a slot whose accounted holding is zero (or a settled series worth nothing) can be retired",
            AssetIsUnderlying => "a registered option series uses this asset as its underlying: retire the series first",
            // ---- issue 15: requests, the queue, instant flows ----
            SharesMintedThisSlot => "shares were minted by an instant deposit in this slot: redeem in a later slot, or request a withdrawal",
            InvalidFlowParams => "flow parameters out of range",
            WrongRequest => "not a request of this vault and kind, or not the one at the head of its queue",
            NotRequestOwner => "signer is not the owner of the request",
            NothingToCancel => "the request has nothing left pending",
            NothingToClaim => "the request has nothing to claim and is not finished",
            PriceNotAfterRequest => "no request can settle: every price must be published after the request (settle_delay_secs) and no older than settle_max_age",
            WrongEscrow => "escrow account does not match the vault",
        }
    };
}

macro_rules! client_errors {
    ($($name:ident => $msg:literal,)*) => {
        /// The program's errors (code = [`FIRST_CODE`] + index).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum VaultError {
            $($name,)*
        }

        impl VaultError {
            pub const ALL: &'static [VaultError] = &[$(VaultError::$name,)*];

            pub const fn code(self) -> u32 {
                FIRST_CODE + self as u32
            }

            pub const fn name(self) -> &'static str {
                match self {
                    $(VaultError::$name => stringify!($name),)*
                }
            }

            pub const fn message(self) -> &'static str {
                match self {
                    $(VaultError::$name => $msg,)*
                }
            }

            pub fn from_code(code: u32) -> Option<Self> {
                let i = code.checked_sub(FIRST_CODE)? as usize;
                Self::ALL.get(i).copied()
            }

            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|e| e.name() == name)
            }
        }

        impl core::fmt::Display for VaultError {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{} ({}): {}", self.name(), self.code(), self.message())
            }
        }
    };
}

errors!(client_errors);

/// The name of a program error code; `None` outside the program's range.
pub fn error_name(code: u32) -> Option<&'static str> {
    VaultError::from_code(code).map(VaultError::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_and_names_unique() {
        for (i, e) in VaultError::ALL.iter().enumerate() {
            assert_eq!(e.code(), FIRST_CODE + i as u32);
            assert_eq!(VaultError::from_code(e.code()), Some(*e));
            assert_eq!(VaultError::from_name(e.name()), Some(*e));
        }
        assert_eq!(VaultError::from_code(FIRST_CODE - 1), None);
        assert_eq!(error_name(6000), Some("MathOverflow"));
    }
}
