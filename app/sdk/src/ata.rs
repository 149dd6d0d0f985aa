//! Associated token accounts: the address a wallet's token account for a mint has by
//! convention, and the program's `CreateIdempotent` instruction (creates it if it does not
//! exist, succeeds without change if it does), from `spl-associated-token-account-interface`.

use spl_associated_token_account_interface::{address, instruction};

use crate::{Instruction, Pubkey};

pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey = spl_associated_token_account_interface::program::ID;

/// The associated token account of `owner` for `mint` (owned by `token_program`).
pub fn address(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    address::get_associated_token_address_with_program_id(owner, mint, token_program)
}

/// `CreateIdempotent`: `payer` funds the account if it has to be created. Returns the
/// instruction and the account's address.
pub fn create_idempotent(
    payer: &Pubkey,
    owner: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> (Instruction, Pubkey) {
    let ix = instruction::create_associated_token_account_idempotent(payer, owner, mint, token_program);
    (ix, address(owner, mint, token_program))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known address (USDC of a known wallet), the instruction creating it, and the
    /// dependence on the token program. (The program itself checks the derivation: the
    /// embedded-SVM tests create these accounts through it.)
    #[test]
    fn create_targets_the_derived_address() {
        let owner = Pubkey::from_str_const("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
        let usdc = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
        let (ix, ata) = create_idempotent(&owner, &owner, &usdc, &crate::TOKEN_PROGRAM_ID);
        assert_eq!(ata, address(&owner, &usdc, &crate::TOKEN_PROGRAM_ID));
        let derived = Pubkey::find_program_address(
            &[owner.as_ref(), crate::TOKEN_PROGRAM_ID.as_ref(), usdc.as_ref()],
            &ASSOCIATED_TOKEN_PROGRAM_ID,
        )
        .0;
        assert_eq!(ata, derived);
        assert_eq!(ix.program_id, ASSOCIATED_TOKEN_PROGRAM_ID);
        assert_eq!(ix.data, vec![1], "CreateIdempotent");
        assert_eq!(ix.accounts[1].pubkey, ata);
        assert_ne!(ata, address(&owner, &usdc, &crate::TOKEN_2022_PROGRAM_ID));
    }
}
