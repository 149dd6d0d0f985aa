//! # rpv-interface — the vault's wire contract
//!
//! Everything a client, the program and the tests must agree on, written once:
//!
//! | module | contents |
//! |---|---|
//! | [`PROGRAM_ID`] | the program id (base58 and bytes) |
//! | [`seeds`] | PDA seed prefixes and seed lists; with `client`, the address derivations |
//! | [`units`] | basis points, parts per million / billion, time constants |
//! | [`kinds`] | the enums on the wire: option kind, oracle kind, proposal kind, weighting method, role, weights source |
//! | [`args`] | every instruction argument and return type, with each parameter set's ranges, defaults and "raises risk" rule |
//! | [`events`] | every event ([`events!`](crate::events) defines them once; the program instantiates them with Anchor's `#[event]`) |
//! | [`errors`] | every error code, name and message ([`errors!`](crate::errors)) |
//! | [`accounts`] | the borsh accounts (`Proposal`, `AllowEntry`) and the zero-copy accounts' names |
//!
//! No Anchor and no maths. The program depends on it with `default-features = false`; the
//! `client` feature (default) adds what off-chain code needs: `Pubkey` (solana-pubkey 4), PDA
//! derivation, the event types and their log decoder, error lookup.
//!
//! Types that carry account addresses (events, `InitializeVaultArgs`, `Proposal`, `AllowEntry`)
//! are written once as a macro body ([`events!`](crate::events),
//! [`keyed_args!`](crate::keyed_args), [`keyed_accounts!`](crate::keyed_accounts)) and
//! instantiated twice: by the program with Anchor's attributes and its own `Pubkey` (Anchor
//! 1.2 is on solana-pubkey 3), and here with solana-pubkey 4 for clients. Same field list, same
//! borsh bytes; the IDL freshness test and `tests/interface.rs` check both sides agree.

pub mod accounts;
pub mod args;
pub mod errors;
pub mod events;
pub mod kinds;
pub mod seeds;
pub mod units;

#[cfg(feature = "client")]
pub mod client;

pub use args::*;
pub use kinds::*;

/// The program id (Anchor.toml and `declare_id!` in the program carry the same literal; the
/// committed IDL's `address` is checked against it).
pub const PROGRAM_ID_STR: &str = "B3PpQqpNYG2egJu63xKf2HC7EEEJzFJBxEareUH5Ka8";

/// [`PROGRAM_ID_STR`] as bytes, decoded at compile time.
pub const PROGRAM_ID: [u8; 32] = decode_base58_32(PROGRAM_ID_STR);

/// Decodes a base58 string of a 32-byte address at compile time (panics, i.e. fails the build,
/// on a malformed literal).
pub const fn decode_base58_32(s: &str) -> [u8; 32] {
    const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let input = s.as_bytes();
    // big-endian base-256 accumulator, wide enough for 32 bytes
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < input.len() {
        let mut digit = 58;
        let mut a = 0;
        while a < 58 {
            if ALPHABET[a] == input[i] {
                digit = a;
            }
            a += 1;
        }
        assert!(digit < 58, "not a base58 character");
        let mut carry = digit as u32;
        let mut j = 32;
        while j > 0 {
            j -= 1;
            let v = out[j] as u32 * 58 + carry;
            out[j] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        assert!(carry == 0, "base58 value longer than 32 bytes");
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_id_bytes_match_the_base58_literal() {
        let parsed: solana_pubkey::Pubkey = PROGRAM_ID_STR.parse().unwrap();
        assert_eq!(parsed.to_bytes(), PROGRAM_ID);
        // leading '1's are leading zero bytes
        assert_eq!(decode_base58_32("11111111111111111111111111111111"), [0u8; 32]);
    }
}
