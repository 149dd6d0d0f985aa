//! # rpv-sdk — client side of the risk-parity vault
//!
//! PDAs, instruction builders (with the exact account order each instruction takes), decoding
//! of the vault account and of events, one [`chain::Chain`] trait for talking to a chain
//! (JSON-RPC with feature `rpc`, the embedded SVM with feature `svm`), and a
//! [`client::VaultClient`] that reads a vault through it and quotes with the program's own
//! maths. Maths and layouts come from `rpv-core`, never re-derived here; the instructions of
//! other programs (SPL Token, associated token accounts, lookup tables, compute budget, System)
//! come from their published interface crates.
//!
//! | module | what |
//! |---|---|
//! | [`pda`] | every PDA from the program's own seed constants |
//! | [`ix`] | one builder per instruction; [`cu::estimate`] gives each one's measured compute units |
//! | [`sim`] | "what will the program do": the rebalance trade it plans, the leg it picks (the program's own core code) |
//! | [`events`], [`errors`] | events decoded from logs; error names and codes |
//! | [`decode_vault`], [`decode_risk`] | the zero-copy accounts |
//! | [`chain`] | the [`chain::Chain`] trait, [`chain::submit`]; `RpcChain` (feature `rpc`), `LocalChain` (feature `svm`) |
//! | [`client`] | [`client::VaultClient`]: fetch a vault, quote deposit / withdraw / redeem, plan a rebalance |
//! | [`exit`] | exit to base: an in-kind redemption plus a swap of each spot leg on the venue, with an overall minimum |
//! | [`report`] | the vault at a glance ([`client::VaultView::report`]), serialisable |
//! | [`spl`], [`ata`], [`alt`], [`cu::budget`] | other programs' instructions, from their interface crates |
//! | [`keypair`] | Solana CLI keypair files (written 0600) |
//! | `svm` (feature `svm`) | litesvm with the program loaded, a sandbox vault built on it, a ledger kept in a file between runs, a Solana JSON-RPC endpoint over it (`svm::rpc`: what the CLI tests, `rpv-lab serve` and the web page use) |
//!
//! A deposit into a vault read from the chain, with its compute budget (sketch):
//!
//! ```ignore
//! let vault = rpv_sdk::decode_vault(&vault_account_data)?;
//! let risk = rpv_sdk::decode_risk(&risk_account_data)?;
//! let ix = rpv_sdk::ix::deposit(&user, &vault_key, &vault, &user_usdc, &user_shares, 250_000_000, min_shares);
//! let limit = rpv_sdk::cu::with_headroom(rpv_sdk::cu::estimate("deposit", vault.num_assets.into()).unwrap());
//! // what a keeper's rebalance of slot 2 would do at these oracle values
//! let (plan, nav) = rpv_sdk::sim::rebalance_plan(&vault, &risk, 2, Some(&price), None, 0, now)?;
//! // what `quote` would answer (NAV both ways, shares after the fees due, share price)
//! let q = rpv_sdk::ix::VaultQuote::expected(&vault, &risk, share_supply, &prices, now);
//! ```

pub mod alt;
pub mod ata;
pub mod chain;
pub mod client;
pub mod cu;
mod cu_table;
pub mod errors;
pub mod events;
pub mod exit;
pub mod flash;
pub mod ix;
pub mod keypair;
pub mod pda;
pub mod pyth;
pub mod report;
pub mod sim;
pub mod spl;
#[cfg(feature = "svm")]
pub mod svm;
pub mod venue;

/// Path of the built program: `$RPV_PROGRAM_SO` when set, else `target/deploy/rpv_vault.so` in
/// the working directory or the nearest of its ancestors that has one (so a test run from a
/// crate's directory finds the workspace's build), else that path relative to the working
/// directory.
pub fn default_program_path() -> std::path::PathBuf {
    const BUILT: &str = "target/deploy/rpv_vault.so";
    if let Some(p) = std::env::var_os("RPV_PROGRAM_SO") {
        return std::path::PathBuf::from(p);
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.ancestors().map(|d| d.join(BUILT)).find(|p| p.is_file()))
        .unwrap_or_else(|| std::path::PathBuf::from(BUILT))
}

use rpv_core::layout::VaultState;
pub use solana_instruction::{AccountMeta, Instruction};
pub use solana_pubkey::Pubkey;

/// The program id (`rpv_interface::PROGRAM_ID_STR`).
pub const PROGRAM_ID: Pubkey = rpv_interface::client::PROGRAM_PUBKEY;
pub const TOKEN_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::token::TOKEN_PROGRAM_ID);
pub const TOKEN_2022_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::token::TOKEN_2022_PROGRAM_ID);
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::pyth::PYTH_RECEIVER_PROGRAM_ID);
pub const SYSTEM_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::SYSTEM_PROGRAM_ID);
/// The queue of every simulated Switchboard feed (embedded SVM, tests): a Switchboard asset
/// priced by one registers it as its `oracle_queue`.
pub const SIMULATED_SWITCHBOARD_QUEUE: [u8; 32] = [0x52; 32];

pub use rpv_interface::client::discriminator;

#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    WrongDiscriminator,
    WrongLength { expected: usize, got: usize },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WrongDiscriminator => write!(f, "not a vault account (discriminator mismatch)"),
            Self::WrongLength { expected, got } => write!(f, "vault account has {got} bytes, expected {expected}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Size of the vault account (discriminator + state).
pub const VAULT_ACCOUNT_LEN: usize = 8 + VaultState::LEN;

/// Decodes a vault account's data.
pub fn decode_vault(data: &[u8]) -> Result<VaultState, DecodeError> {
    if data.len() != VAULT_ACCOUNT_LEN {
        return Err(DecodeError::WrongLength { expected: VAULT_ACCOUNT_LEN, got: data.len() });
    }
    if data[..8] != discriminator("account", rpv_interface::accounts::VAULT_ACCOUNT) {
        return Err(DecodeError::WrongDiscriminator);
    }
    Ok(bytemuck::pod_read_unaligned(&data[8..]))
}

/// Size of the risk account (discriminator + state).
pub const RISK_ACCOUNT_LEN: usize = 8 + rpv_core::layout::RiskState::LEN;

/// Decodes a risk account's data.
pub fn decode_risk(data: &[u8]) -> Result<rpv_core::layout::RiskState, DecodeError> {
    if data.len() != RISK_ACCOUNT_LEN {
        return Err(DecodeError::WrongLength { expected: RISK_ACCOUNT_LEN, got: data.len() });
    }
    if data[..8] != discriminator("account", rpv_interface::accounts::RISK_ACCOUNT) {
        return Err(DecodeError::WrongDiscriminator);
    }
    Ok(bytemuck::pod_read_unaligned(&data[8..]))
}

/// Size of a request account (discriminator + state).
pub const REQUEST_ACCOUNT_LEN: usize = 8 + rpv_core::layout::RequestState::LEN;

/// Decodes a request account (`["request", vault, [kind], id]`).
pub fn decode_request(data: &[u8]) -> Result<rpv_core::layout::RequestState, DecodeError> {
    if data.len() != REQUEST_ACCOUNT_LEN {
        return Err(DecodeError::WrongLength { expected: REQUEST_ACCOUNT_LEN, got: data.len() });
    }
    if data[..8] != discriminator("account", rpv_interface::accounts::REQUEST_ACCOUNT) {
        return Err(DecodeError::WrongDiscriminator);
    }
    Ok(bytemuck::pod_read_unaligned(&data[8..]))
}

/// `Pubkey` from a key stored in the vault state.
pub fn pk(a: &[u8; 32]) -> Pubkey {
    Pubkey::new_from_array(*a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discriminators_known_answers() {
        // sha256("account:PriceUpdateV2")[..8] is also pinned in rpv_core::pyth
        assert_eq!(discriminator("account", "PriceUpdateV2"), rpv_core::pyth::PRICE_UPDATE_V2_DISCRIMINATOR);
        assert_ne!(discriminator("global", "deposit"), discriminator("global", "withdraw"));
    }

    #[test]
    fn decode_vault_checks_length_and_discriminator() {
        let mut data = vec![0u8; VAULT_ACCOUNT_LEN];
        assert_eq!(decode_vault(&data), Err(DecodeError::WrongDiscriminator));
        data[..8].copy_from_slice(&discriminator("account", "Vault"));
        data[8 + 32] = 0xAB; // base_mint[0]
        assert_eq!(decode_vault(&data).unwrap().base_mint[0], 0xAB);
        assert_eq!(decode_vault(&data[..100]), Err(DecodeError::WrongLength { expected: VAULT_ACCOUNT_LEN, got: 100 }));
    }

    #[test]
    fn events_round_trip_through_logs() {
        use base64::Engine;
        let mut bytes = discriminator("event", "Withdrawn").to_vec();
        for v in [[1u8; 32], [2u8; 32]] {
            bytes.extend_from_slice(&v);
        }
        for v in [5u64, 6, 7, 8, 9] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&0b10u32.to_le_bytes());
        bytes.extend_from_slice(&11u64.to_le_bytes());
        let line = format!("Program data: {}", base64::engine::general_purpose::STANDARD.encode(&bytes));
        let evs = events::parse_logs(&["Program log: x".to_string(), line]);
        assert_eq!(
            evs,
            vec![events::Event::Withdrawn(events::Withdrawn {
                vault: Pubkey::new_from_array([1; 32]),
                user: Pubkey::new_from_array([2; 32]),
                shares: 5,
                amount: 6,
                nav_before: 7,
                total_shares_before: 8,
                base_quantity_after: 9,
                zeroed_legs: 0b10,
                instant_fee: 11,
            })]
        );
    }
}
