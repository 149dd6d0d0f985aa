//! The vault account: an Anchor zero-copy wrapper around [`rpv_core::layout::VaultState`], whose
//! layout (and invariant) lives in the core crate so the SDK decodes exactly these bytes.

use anchor_lang::prelude::*;
pub use rpv_core::layout::{AssetSlot, RiskState, VaultState, MAX_ASSETS};

/// PDA seeds, shared with the SDK (`rpv_sdk::pda`).
pub mod seeds {
    pub const VAULT: &[u8] = b"vault";
    pub const AUTHORITY: &[u8] = b"authority";
    pub const SHARES: &[u8] = b"shares";
    pub const TOKEN: &[u8] = b"token";
    pub const RISK: &[u8] = b"risk";
    pub const PROPOSAL: &[u8] = b"proposal";
    pub const ALLOW: &[u8] = b"allow";
}

#[account(zero_copy)]
pub struct Vault {
    pub state: VaultState,
}

impl core::ops::Deref for Vault {
    type Target = VaultState;
    fn deref(&self) -> &VaultState {
        &self.state
    }
}

impl core::ops::DerefMut for Vault {
    fn deref_mut(&mut self) -> &mut VaultState {
        &mut self.state
    }
}

impl Vault {
    pub const SPACE: usize = 8 + VaultState::LEN;
}

/// The risk-model account: zero-copy wrapper around [`rpv_core::layout::RiskState`].
#[account(zero_copy)]
pub struct Risk {
    pub state: RiskState,
}

impl core::ops::Deref for Risk {
    type Target = RiskState;
    fn deref(&self) -> &RiskState {
        &self.state
    }
}

impl core::ops::DerefMut for Risk {
    fn deref_mut(&mut self) -> &mut RiskState {
        &mut self.state
    }
}

impl Risk {
    pub const SPACE: usize = 8 + RiskState::LEN;
}

/// Key comparison without building a `Pubkey`.
#[inline(always)]
pub fn same(key: &Pubkey, stored: &[u8; 32]) -> bool {
    key.as_ref() == stored.as_slice()
}
