//! Program-derived addresses (seeds as in `programs/rpv-vault/src/state.rs`).

use crate::{Pubkey, PROGRAM_ID};

pub fn vault(admin: &Pubkey, vault_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"vault", admin.as_ref(), &vault_id.to_le_bytes()], &PROGRAM_ID)
}

pub fn authority(vault: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"authority", vault.as_ref()], &PROGRAM_ID)
}

pub fn share_mint(vault: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"shares", vault.as_ref()], &PROGRAM_ID)
}

/// The vault's token account for `mint` (base or asset).
pub fn token_account(vault: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"token", vault.as_ref(), mint.as_ref()], &PROGRAM_ID)
}

pub fn risk(vault: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"risk", vault.as_ref()], &PROGRAM_ID)
}

/// The pending proposal of `kind` (0 = risk parameters, 1 = budgets, 2 = fee rates).
pub fn proposal(vault: &Pubkey, kind: u8) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"proposal", vault.as_ref(), &[kind]], &PROGRAM_ID)
}

/// A depositor's allowlist entry.
pub fn allow_entry(vault: &Pubkey, user: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"allow", vault.as_ref(), user.as_ref()], &PROGRAM_ID)
}
