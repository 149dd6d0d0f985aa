//! Address lookup tables, for the instructions whose account lists outgrow a legacy transaction
//! (`redeem_in_kind` beyond about five assets): the Address Lookup Table program's
//! `CreateLookupTable` and `ExtendLookupTable` (from `solana-address-lookup-table-interface`),
//! and the vault addresses worth putting in a table. [`crate::chain::lookup_table`] reads a
//! table back for a v0 transaction.

use rpv_core::layout::VaultState;
use solana_address_lookup_table_interface::instruction as table;

use crate::{pda, pk, Instruction, Pubkey, PROGRAM_ID, TOKEN_PROGRAM_ID};

pub const ADDRESS_LOOKUP_TABLE_PROGRAM_ID: Pubkey = solana_address_lookup_table_interface::program::ID;

/// The table address for `authority` and a recent slot.
pub fn table_address(authority: &Pubkey, recent_slot: u64) -> (Pubkey, u8) {
    table::derive_lookup_table_address(authority, recent_slot)
}

/// `CreateLookupTable`; `recent_slot` must be in the SlotHashes sysvar. Returns the
/// instruction and the table's address.
pub fn create(authority: &Pubkey, payer: &Pubkey, recent_slot: u64) -> (Instruction, Pubkey) {
    table::create_lookup_table(*authority, *payer, recent_slot)
}

/// `ExtendLookupTable` with `addresses`.
pub fn extend(table: &Pubkey, authority: &Pubkey, payer: &Pubkey, addresses: &[Pubkey]) -> Instruction {
    table::extend_lookup_table(*table, *authority, Some(*payer), addresses.to_vec())
}

/// Every vault-side address `redeem_in_kind` (and the flows) use: the program, the vault, its
/// authority, share mint and risk account, the token programs, and each holding's vault token
/// account and mint. The user's own accounts stay in the transaction.
pub fn vault_addresses(vault_key: &Pubkey, vault: &VaultState) -> Vec<Pubkey> {
    let mut out = vec![
        PROGRAM_ID,
        *vault_key,
        pk(&vault.authority),
        pk(&vault.share_mint),
        pda::risk(vault_key).0,
        TOKEN_PROGRAM_ID,
        pk(&vault.base_token_program),
        pk(&vault.base_vault),
        pk(&vault.base_mint),
    ];
    for a in vault.active_assets() {
        out.extend([pk(&a.token_account), pk(&a.mint), pk(&a.token_program), pk(&a.oracle)]);
    }
    out.sort();
    out.dedup();
    out
}
