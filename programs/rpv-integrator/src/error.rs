use anchor_lang::prelude::*;

#[error_code]
pub enum IntegratorError {
    #[msg("signer is not the tracker's admin")]
    Unauthorized,
    #[msg("vault account is not the tracker's vault")]
    WrongVault,
    #[msg("the vault program returned no data")]
    NoReturnData,
    #[msg("return data was not set by the rpv vault program")]
    ReturnDataFromWrongProgram,
    #[msg("return data does not decode as a VaultQuote")]
    BadReturnData,
    #[msg("not a token account")]
    InvalidTokenAccount,
    #[msg("arithmetic overflow")]
    MathOverflow,
    #[msg("relay kind must be 0 (rebalance), 1 (rebalance_begin) or 2 (rebalance_end)")]
    UnknownRelayKind,
}
