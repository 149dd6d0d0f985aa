//! # rpv-sdk — client side of the risk-parity vault
//!
//! PDAs, instruction builders (with the exact account order each instruction takes), decoding
//! of the vault account and of events, and builders for the SPL Token and Pyth accounts a
//! client or a test needs. Maths and layouts come from `rpv-core`, never re-derived here.

pub mod errors;
pub mod events;
pub mod ix;
pub mod pda;
pub mod pyth;
pub mod spl;

use rpv_core::state::VaultState;
pub use solana_instruction::{AccountMeta, Instruction};
pub use solana_pubkey::Pubkey;

/// The program id (`declare_id!` in `programs/rpv-vault`).
pub const PROGRAM_ID: Pubkey = Pubkey::from_str_const("B3PpQqpNYG2egJu63xKf2HC7EEEJzFJBxEareUH5Ka8");
pub const TOKEN_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::token::TOKEN_PROGRAM_ID);
pub const TOKEN_2022_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::token::TOKEN_2022_PROGRAM_ID);
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::pyth::PYTH_RECEIVER_PROGRAM_ID);
pub const SYSTEM_PROGRAM_ID: Pubkey = Pubkey::new_from_array(rpv_core::SYSTEM_PROGRAM_ID);

/// First 8 bytes of `sha256(namespace:name)`: Anchor's instruction/account/event discriminators.
pub fn discriminator(namespace: &str, name: &str) -> [u8; 8] {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{namespace}:{name}").as_bytes());
    let mut d = [0u8; 8];
    d.copy_from_slice(&h[..8]);
    d
}

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
    if data[..8] != discriminator("account", "Vault") {
        return Err(DecodeError::WrongDiscriminator);
    }
    Ok(bytemuck::pod_read_unaligned(&data[8..]))
}

/// `Pubkey` from a key stored in the vault state.
pub fn pk(a: &[u8; 32]) -> Pubkey {
    Pubkey::new_from_array(*a)
}
