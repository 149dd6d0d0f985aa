//! Address lookup tables, for the instructions whose account lists outgrow a legacy transaction
//! (`redeem_in_kind` beyond about five assets). Builders for the Address Lookup Table program's
//! `CreateLookupTable` and `ExtendLookupTable` (bincode: a u32 variant tag, then the fields; a
//! `Vec` as a u64 length and its items), and the vault addresses worth putting in a table.

use rpv_core::layout::VaultState;

use crate::{pda, pk, AccountMeta, Instruction, Pubkey, PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID};

pub const ADDRESS_LOOKUP_TABLE_PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("AddressLookupTab1e1111111111111111111111111");

/// The table address for `authority` and a recent slot.
pub fn table_address(authority: &Pubkey, recent_slot: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[authority.as_ref(), &recent_slot.to_le_bytes()], &ADDRESS_LOOKUP_TABLE_PROGRAM_ID)
}

/// `CreateLookupTable` (variant 0); `recent_slot` must be in the SlotHashes sysvar.
pub fn create(authority: &Pubkey, payer: &Pubkey, recent_slot: u64) -> (Instruction, Pubkey) {
    let (table, bump) = table_address(authority, recent_slot);
    let mut data = 0u32.to_le_bytes().to_vec();
    data.extend_from_slice(&recent_slot.to_le_bytes());
    data.push(bump);
    let ix = Instruction {
        program_id: ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(table, false),
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*payer, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data,
    };
    (ix, table)
}

/// `ExtendLookupTable` (variant 2) with `addresses`.
pub fn extend(table: &Pubkey, authority: &Pubkey, payer: &Pubkey, addresses: &[Pubkey]) -> Instruction {
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&(addresses.len() as u64).to_le_bytes());
    for a in addresses {
        data.extend_from_slice(a.as_ref());
    }
    Instruction {
        program_id: ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*table, false),
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*payer, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data,
    }
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
