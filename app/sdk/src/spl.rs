//! SPL Token / Token-2022 and System instructions a client needs (creating mints and token
//! accounts, minting, transferring), built by the programs' published interface crates
//! (`spl-token-2022-interface`, `solana-system-interface`): no encoding is written here.
//! Token-2022's builders serve both token programs (the base instructions share their
//! encoding; the crate checks the program id is one of the two), so one crate covers both.

use spl_token_2022_interface::instruction as token;

use crate::{Instruction, Pubkey};

pub const MINT_LEN: u64 = rpv_core::token::MINT_LEN as u64;
pub const TOKEN_ACCOUNT_LEN: u64 = rpv_core::token::TOKEN_ACCOUNT_LEN as u64;

/// The interface crates refuse only a `token_program` that is neither token program.
fn checked<E: std::fmt::Display>(ix: Result<Instruction, E>, token_program: &Pubkey) -> Instruction {
    ix.unwrap_or_else(|e| panic!("{token_program} is not a token program: {e}"))
}

/// System program `CreateAccount`.
pub fn create_account(payer: &Pubkey, new: &Pubkey, lamports: u64, space: u64, owner: &Pubkey) -> Instruction {
    solana_system_interface::instruction::create_account(payer, new, lamports, space, owner)
}

/// System program `Transfer` (lamports).
pub fn transfer_lamports(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
    solana_system_interface::instruction::transfer(from, to, lamports)
}

/// `InitializeMint2` with `authority` as mint authority and no freeze authority.
pub fn initialize_mint2(token_program: &Pubkey, mint: &Pubkey, authority: &Pubkey, decimals: u8) -> Instruction {
    checked(token::initialize_mint2(token_program, mint, authority, None, decimals), token_program)
}

pub fn initialize_account3(token_program: &Pubkey, account: &Pubkey, mint: &Pubkey, owner: &Pubkey) -> Instruction {
    checked(token::initialize_account3(token_program, account, mint, owner), token_program)
}

pub fn mint_to(token_program: &Pubkey, mint: &Pubkey, to: &Pubkey, authority: &Pubkey, amount: u64) -> Instruction {
    checked(token::mint_to(token_program, mint, to, authority, &[], amount), token_program)
}

pub fn transfer_checked(
    token_program: &Pubkey,
    from: &Pubkey,
    mint: &Pubkey,
    to: &Pubkey,
    authority: &Pubkey,
    amount: u64,
    decimals: u8,
) -> Instruction {
    checked(token::transfer_checked(token_program, from, mint, to, authority, &[], amount, decimals), token_program)
}

/// Token amount held by a token account's data.
pub fn amount(data: &[u8]) -> u64 {
    rpv_core::token::token_amount(data).expect("token account data")
}

/// Supply of a mint's data.
pub fn supply(data: &[u8]) -> u64 {
    rpv_core::token::parse_mint(data).expect("mint data").supply
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};

    /// The builders address the program they are given, with the token programs' wire tags
    /// (the same bytes for both programs).
    #[test]
    fn both_token_programs_share_the_encoding() {
        let (mint, to, auth) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let a = mint_to(&TOKEN_PROGRAM_ID, &mint, &to, &auth, 42);
        let b = mint_to(&TOKEN_2022_PROGRAM_ID, &mint, &to, &auth, 42);
        assert_eq!((a.program_id, b.program_id), (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID));
        assert_eq!(a.data, b.data);
        assert_eq!(a.data[0], 7, "MintTo");
        assert_eq!(u64::from_le_bytes(a.data[1..9].try_into().unwrap()), 42);
        assert!(a.accounts[2].is_signer);
        let t = transfer_checked(&TOKEN_PROGRAM_ID, &to, &mint, &auth, &auth, 5, 6);
        assert_eq!((t.data[0], t.data[9]), (12, 6), "TransferChecked, decimals");
        let c = create_account(&auth, &to, 10, MINT_LEN, &TOKEN_PROGRAM_ID);
        assert_eq!(c.program_id, crate::SYSTEM_PROGRAM_ID);
        assert!(c.accounts.iter().all(|m| m.is_signer && m.is_writable));
    }

    #[test]
    #[should_panic(expected = "is not a token program")]
    fn another_program_is_refused() {
        let k = Pubkey::new_unique();
        mint_to(&crate::SYSTEM_PROGRAM_ID, &k, &k, &k, 1);
    }
}
