//! Associated token accounts: the address a wallet's token account for a mint has by
//! convention (PDA `[owner, token program, mint]` of the Associated Token Account program), and
//! the program's `CreateIdempotent` instruction, which creates it if it does not exist and
//! succeeds without change if it does.

use crate::{AccountMeta, Instruction, Pubkey, SYSTEM_PROGRAM_ID};

pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey = Pubkey::from_str_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/// The associated token account of `owner` for `mint` (owned by `token_program`).
pub fn address(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[owner.as_ref(), token_program.as_ref(), mint.as_ref()], &ASSOCIATED_TOKEN_PROGRAM_ID)
        .0
}

/// `CreateIdempotent` (instruction 1): `payer` funds the account if it has to be created.
/// Returns the instruction and the account's address.
pub fn create_idempotent(
    payer: &Pubkey,
    owner: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> (Instruction, Pubkey) {
    let ata = address(owner, mint, token_program);
    let ix = Instruction {
        program_id: ASSOCIATED_TOKEN_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(ata, false),
            AccountMeta::new_readonly(*owner, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            AccountMeta::new_readonly(*token_program, false),
        ],
        data: vec![1],
    };
    (ix, ata)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instruction creates the derived address; the address depends on the token program.
    /// (The ATA program itself checks the derivation: the CLI's end-to-end tests create these
    /// accounts through it on litesvm.)
    #[test]
    fn create_targets_the_derived_address() {
        let owner = Pubkey::from_str_const("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
        let usdc = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
        let (ix, ata) = create_idempotent(&owner, &owner, &usdc, &crate::TOKEN_PROGRAM_ID);
        assert_eq!(ata, address(&owner, &usdc, &crate::TOKEN_PROGRAM_ID));
        assert_eq!(ix.data, vec![1]);
        assert_eq!(ix.accounts.len(), 6);
        assert_ne!(ata, address(&owner, &usdc, &crate::TOKEN_2022_PROGRAM_ID));
    }
}
