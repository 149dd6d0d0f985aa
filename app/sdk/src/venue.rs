//! The trading venue the keeper routes through: Manifest, CKS Systems' on-chain orderbook
//! (crates.io `manifest-dex` 2.0.1, GPL-2.0-or-later), built from its published crate in the
//! `dex/` workspace (`cargo xtask build-dex`) and loaded under its mainnet program id. Its
//! instructions and accounts are encoded here from the program's published layout (the crate is
//! not a dependency of this workspace: its Solana 1.18 stack stays in `dex/`).
//!
//! Why Manifest: an orderbook Solana aggregators route through, with no per-market fee and
//! mainnet markets for the majors; its crate is the project's own (the crates.io
//! `raydium-cp-swap` is a modified third-party fork with other program ids, not Raydium's).

use crate::{spl, AccountMeta, Instruction, Pubkey, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};

/// Manifest's program id (mainnet), declared by the crate.
pub const MANIFEST_ID: Pubkey = Pubkey::from_str_const("MNFSTqtC93rEfYHB6hF82sKdZpUDFWkViLByLd1k1Ms");

/// Bytes of a market's fixed header (`MarketFixed`); the order tree grows after it.
pub const MARKET_FIXED_SIZE: usize = 256;
/// `MarketFixed::discriminant` of a market account.
pub const MARKET_DISCRIMINANT: u64 = 4_859_840_929_024_028_656;

/// Instruction tags (`ManifestInstruction`, the first data byte).
pub mod tag {
    pub const CREATE_MARKET: u8 = 0;
}

/// The market's vault for `mint`: PDA `["vault", market, mint]` of Manifest.
pub fn vault(market: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"vault", market.as_ref(), mint.as_ref()], &MANIFEST_ID).0
}

/// The two instructions that open a market for `base_mint` / `quote_mint`: the market account
/// (`market`, a new keypair that signs) allocated with `lamports` (rent of
/// [`MARKET_FIXED_SIZE`] bytes) and owned by Manifest, then `CreateMarket`, which creates both
/// vaults.
pub fn create_market(
    creator: &Pubkey,
    market: &Pubkey,
    base_mint: &Pubkey,
    quote_mint: &Pubkey,
    lamports: u64,
) -> [Instruction; 2] {
    let create = spl::create_account(creator, market, lamports, MARKET_FIXED_SIZE as u64, &MANIFEST_ID);
    let open = Instruction {
        program_id: MANIFEST_ID,
        accounts: vec![
            AccountMeta::new(*creator, true),
            AccountMeta::new(*market, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            AccountMeta::new_readonly(*base_mint, false),
            AccountMeta::new_readonly(*quote_mint, false),
            AccountMeta::new(vault(market, base_mint), false),
            AccountMeta::new(vault(market, quote_mint), false),
            AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
            AccountMeta::new_readonly(TOKEN_2022_PROGRAM_ID, false),
        ],
        data: vec![tag::CREATE_MARKET],
    };
    [create, open]
}

/// A market account's fixed header, as far as a client needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketHeader {
    pub base_mint_decimals: u8,
    pub quote_mint_decimals: u8,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub base_vault: Pubkey,
    pub quote_vault: Pubkey,
}

/// Decodes a market account's header (`None`: too short, or not a market).
pub fn decode_market(data: &[u8]) -> Option<MarketHeader> {
    if data.len() < MARKET_FIXED_SIZE || data[..8] != MARKET_DISCRIMINANT.to_le_bytes() {
        return None;
    }
    let key = |at: usize| Pubkey::new_from_array(data[at..at + 32].try_into().expect("32 bytes"));
    Some(MarketHeader {
        base_mint_decimals: data[9],
        quote_mint_decimals: data[10],
        base_mint: key(16),
        quote_mint: key(48),
        base_vault: key(80),
        quote_vault: key(112),
    })
}

/// Path of the built venue: `$RPV_MANIFEST_SO`, else `target/deploy/manifest_program.so` beside
/// the vault's `.so` ([`crate::default_program_path`]).
pub fn default_venue_path() -> std::path::PathBuf {
    match std::env::var_os("RPV_MANIFEST_SO") {
        Some(p) => p.into(),
        None => crate::default_program_path().with_file_name("manifest_program.so"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_decodes_only_with_the_market_discriminant() {
        let mut data = vec![0u8; MARKET_FIXED_SIZE];
        assert_eq!(decode_market(&data), None);
        data[..8].copy_from_slice(&MARKET_DISCRIMINANT.to_le_bytes());
        data[9] = 9;
        data[10] = 6;
        data[16..48].copy_from_slice(&[1; 32]);
        data[112..144].copy_from_slice(&[4; 32]);
        let h = decode_market(&data).unwrap();
        assert_eq!((h.base_mint_decimals, h.quote_mint_decimals), (9, 6));
        assert_eq!((h.base_mint, h.quote_vault), (Pubkey::new_from_array([1; 32]), Pubkey::new_from_array([4; 32])));
        assert_eq!(decode_market(&data[..255]), None);
        let [create, open] = create_market(
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            1,
        );
        assert_eq!(
            (create.program_id, open.program_id, open.data.as_slice()),
            (SYSTEM_PROGRAM_ID, MANIFEST_ID, &[0u8][..])
        );
    }
}
