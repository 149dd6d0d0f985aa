//! The trading venue the keeper routes through: Manifest, CKS Systems' on-chain orderbook
//! (crates.io `manifest-dex` 2.0.1, GPL-2.0-or-later), built from its published crate in the
//! `dex/` workspace (`cargo xtask build-dex`) and loaded under its mainnet program id. Its
//! instructions and accounts are encoded here from the program's published layout (the crate is
//! not a dependency of this workspace: its Solana 1.18 stack stays in `dex/`).
//!
//! Why Manifest: an orderbook Solana aggregators route through, with no per-market fee and
//! mainnet markets for the majors; its crate is the project's own (the crates.io
//! `raydium-cp-swap` is a modified third-party fork with other program ids, not Raydium's).
//!
//! | what | where |
//! |---|---|
//! | instructions: market, seat, deposit, withdraw, batch update, swap (four modes) | here, [`batch_update_with`], [`withdraw`] |
//! | the book and seats of a market account | [`decode_book`] → [`Book`] |
//! | what a swap does, as the venue computes it; keeper sizing within a price impact | [`Book::quote_swap`], [`Book::max_exact_in_within_impact`] |
//! | a maker: prices, ladders, funds, replacing its orders in one instruction | [`encode_price`], [`Ladder`], [`order_funds`], [`replace_orders`], [`claim_and_deposit`] |

use crate::{spl, AccountMeta, Instruction, Pubkey, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};

mod book;
mod maker;
mod quote;
pub use book::{decode_book, Book, BookError, OrderType, Price, RestingOrder, Seat, MARKET_BLOCK_SIZE, NIL};
pub use maker::{
    batch_update_with, claim_and_deposit, encode_price, ladder, order_funds, replace_orders, withdraw, Cancel, Ladder,
    OrderParams,
};
pub use quote::{ImpactLimit, SwapOverflow, SwapQuote};

/// Manifest's program id (mainnet), declared by the crate.
pub const MANIFEST_ID: Pubkey = Pubkey::from_str_const("MNFSTqtC93rEfYHB6hF82sKdZpUDFWkViLByLd1k1Ms");

/// Bytes of a market's fixed header (`MarketFixed`); the order tree grows after it.
pub const MARKET_FIXED_SIZE: usize = 256;
/// `MarketFixed::discriminant` of a market account.
pub const MARKET_DISCRIMINANT: u64 = 4_859_840_929_024_028_656;

/// Instruction tags (`ManifestInstruction`, the first data byte); the parameters after it are
/// borsh (`Option<u32>` = a 0/1 byte and the value, `Vec` = a `u32` length and the items).
pub mod tag {
    pub const CREATE_MARKET: u8 = 0;
    pub const CLAIM_SEAT: u8 = 1;
    pub const DEPOSIT: u8 = 2;
    pub const WITHDRAW: u8 = 3;
    pub const SWAP: u8 = 4;
    pub const BATCH_UPDATE: u8 = 6;
}

/// A limit order for [`batch_update`]: `base_atoms` at `price_mantissa · 10^price_exponent`
/// quote atoms per base atom (Manifest's price), resting until cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub base_atoms: u64,
    pub price_mantissa: u32,
    pub price_exponent: i8,
    pub is_bid: bool,
}

/// `ClaimSeat`: `trader` takes a seat on `market` (the market grows by one block, paid by the
/// trader), needed to deposit and to rest orders.
pub fn claim_seat(trader: &Pubkey, market: &Pubkey) -> Instruction {
    Instruction {
        program_id: MANIFEST_ID,
        accounts: signer_and_market(trader, market).to_vec(),
        data: vec![tag::CLAIM_SEAT],
    }
}

/// `Deposit`: `trader` moves `amount` atoms of `mint` (SPL Token) from `from` into its seat's
/// balance on `market`.
pub fn deposit(trader: &Pubkey, market: &Pubkey, mint: &Pubkey, from: &Pubkey, amount: u64) -> Instruction {
    let mut data = vec![tag::DEPOSIT];
    data.extend_from_slice(&amount.to_le_bytes());
    data.push(0); // no trader index hint
    Instruction {
        program_id: MANIFEST_ID,
        accounts: vec![
            AccountMeta::new_readonly(*trader, true),
            AccountMeta::new(*market, false),
            AccountMeta::new(*from, false),
            AccountMeta::new(vault(market, mint), false),
            AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
            AccountMeta::new_readonly(*mint, false),
        ],
        data,
    }
}

/// `BatchUpdate` with no cancels: `trader` rests `orders` (limit orders, no expiry) from its
/// seat's balances ([`batch_update_with`] for cancels and the other options).
pub fn batch_update(trader: &Pubkey, market: &Pubkey, orders: &[Order]) -> Instruction {
    let orders: Vec<OrderParams> = orders.iter().copied().map(OrderParams::from).collect();
    batch_update_with(trader, market, None, &[], &orders)
}

/// `Swap` on a market of two SPL Token mints: `trader` gives `in_atoms` (base when `is_base_in`)
/// from its token accounts and takes at least `min_out_atoms` of the other side from the
/// resting orders; no seat needed.
#[allow(clippy::too_many_arguments)]
pub fn swap(
    trader: &Pubkey,
    market: &Pubkey,
    header: &MarketHeader,
    trader_base: &Pubkey,
    trader_quote: &Pubkey,
    in_atoms: u64,
    min_out_atoms: u64,
    is_base_in: bool,
) -> Instruction {
    let params = SwapParams { in_atoms, out_atoms: min_out_atoms, is_base_in, is_exact_in: true };
    swap_with(trader, market, header, trader_base, trader_quote, params)
}

/// A `Swap`'s parameters, in the venue's terms. Exact in (`is_exact_in`): `in_atoms` given, at
/// least `out_atoms` taken. Exact out: `out_atoms` taken, at most `in_atoms` given. The side
/// given is the base when `is_base_in`, else the quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapParams {
    pub in_atoms: u64,
    pub out_atoms: u64,
    pub is_base_in: bool,
    pub is_exact_in: bool,
}

/// `Swap` with any of its four forms ([`SwapParams`]).
pub fn swap_with(
    trader: &Pubkey,
    market: &Pubkey,
    header: &MarketHeader,
    trader_base: &Pubkey,
    trader_quote: &Pubkey,
    p: SwapParams,
) -> Instruction {
    let mut data = vec![tag::SWAP];
    data.extend_from_slice(&p.in_atoms.to_le_bytes());
    data.extend_from_slice(&p.out_atoms.to_le_bytes());
    data.push(u8::from(p.is_base_in));
    data.push(u8::from(p.is_exact_in));
    Instruction {
        program_id: MANIFEST_ID,
        // the trader writable: a swap may grow the market by a block, paid by the trader
        accounts: [
            &signer_and_market(trader, market)[..],
            &[
                AccountMeta::new(*trader_base, false),
                AccountMeta::new(*trader_quote, false),
                AccountMeta::new(header.base_vault, false),
                AccountMeta::new(header.quote_vault, false),
                AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
            ],
        ]
        .concat(),
        data,
    }
}

/// The accounts most instructions open with: the signer (writable: it pays when the market
/// grows), the market, the system program.
fn signer_and_market(signer: &Pubkey, market: &Pubkey) -> [AccountMeta; 3] {
    [
        AccountMeta::new(*signer, true),
        AccountMeta::new(*market, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ]
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
        accounts: [
            &signer_and_market(creator, market)[..],
            &[
                AccountMeta::new_readonly(*base_mint, false),
                AccountMeta::new_readonly(*quote_mint, false),
                AccountMeta::new(vault(market, base_mint), false),
                AccountMeta::new(vault(market, quote_mint), false),
                AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
                AccountMeta::new_readonly(TOKEN_2022_PROGRAM_ID, false),
            ],
        ]
        .concat(),
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

    /// The borsh bytes of each instruction's parameters, field by field.
    #[test]
    fn parameters_encode_as_the_program_reads_them() {
        let (t, m, x) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        assert_eq!(claim_seat(&t, &m).data, [1]);
        let d = deposit(&t, &m, &x, &x, 0x0102);
        assert_eq!(d.data, [2, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0]);
        let o = Order { base_atoms: 5, price_mantissa: 149, price_exponent: -3, is_bid: true };
        let b = batch_update(&t, &m, &[o]);
        let mut want = vec![6, 0, 0, 0, 0, 0, 1, 0, 0, 0]; // tag, no hint, no cancels, one order
        want.extend_from_slice(&5u64.to_le_bytes());
        want.extend_from_slice(&149u32.to_le_bytes());
        want.extend_from_slice(&[0xFD, 1, 0, 0, 0, 0, 0]); // −3, bid, no expiry, limit
        assert_eq!(b.data, want);
        let h = MarketHeader {
            base_mint_decimals: 9,
            quote_mint_decimals: 6,
            base_mint: x,
            quote_mint: x,
            base_vault: Pubkey::new_unique(),
            quote_vault: Pubkey::new_unique(),
        };
        let s = swap(&t, &m, &h, &x, &x, 7, 3, true);
        let mut want = vec![4];
        want.extend_from_slice(&7u64.to_le_bytes());
        want.extend_from_slice(&3u64.to_le_bytes());
        want.extend_from_slice(&[1, 1]);
        assert_eq!(s.data, want);
        assert!(s.accounts[0].is_signer && s.accounts[0].is_writable);
        assert_eq!((s.accounts[5].pubkey, s.accounts[6].pubkey), (h.base_vault, h.quote_vault));
    }
}

/// A price in the venue's unit, quote atoms per base atom: `mantissa · 10^expo` quote tokens per
/// whole base token (an oracle's price), for a base of `base_decimals` and a quote of
/// `quote_decimals`. The reference the keeper sizes against and makers quote around.
pub fn atom_price(mantissa: i64, expo: i32, base_decimals: u8, quote_decimals: u8) -> f64 {
    mantissa as f64 * 10f64.powi(expo + i32::from(quote_decimals) - i32::from(base_decimals))
}

/// The venue's error codes a client acts on (`ManifestError`, custom program errors).
pub mod error {
    /// A swap's minimum out (exact in) or maximum in (exact out) not met by the book.
    pub const INSUFFICIENT_OUT: u32 = 8;
}
