//! The vault account: an Anchor zero-copy wrapper around [`rpv_core::layout::VaultState`], whose
//! layout (and invariant) lives in the core crate so the SDK decodes exactly these bytes.

use anchor_lang::prelude::*;
pub use rpv_core::layout::{AssetSlot, RequestState, RiskState, VaultState, MAX_ASSETS};

/// PDA seeds (`rpv_interface::seeds`, shared with every client).
pub use rpv_interface::seeds;

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

/// A flow request (issue 15): zero-copy wrapper around [`rpv_core::layout::RequestState`], PDA
/// `["request", vault, [kind], id]`. Closed (rent back to its owner) once finished.
#[account(zero_copy)]
pub struct Request {
    pub state: RequestState,
}

impl core::ops::Deref for Request {
    type Target = RequestState;
    fn deref(&self) -> &RequestState {
        &self.state
    }
}

impl core::ops::DerefMut for Request {
    fn deref_mut(&mut self) -> &mut RequestState {
        &mut self.state
    }
}

impl Request {
    pub const SPACE: usize = 8 + RequestState::LEN;
}

/// Key comparison without building a `Pubkey`.
#[inline(always)]
pub fn same(key: &Pubkey, stored: &[u8; 32]) -> bool {
    key.as_ref() == stored.as_slice()
}

macro_rules! anchor_accounts {
    ($($(#[$($m:tt)*])* pub struct $name:ident { $($body:tt)* })*) => {
        $(
            #[account]
            $(#[$($m)*])*
            pub struct $name { $($body)* }
        )*
    };
}

// `Proposal` and `AllowEntry`, defined once in `rpv_interface::keyed_accounts!`.
rpv_interface::keyed_accounts!(anchor_accounts);

impl Proposal {
    pub const SPACE: usize = rpv_interface::accounts::PROPOSAL_SPACE;
}

impl AllowEntry {
    pub const SPACE: usize = rpv_interface::accounts::ALLOW_ENTRY_SPACE;
}
