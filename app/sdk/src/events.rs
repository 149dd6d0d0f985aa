//! Decoding of the program's events from transaction logs (`Program data: <base64>` lines,
//! each an 8-byte event discriminator followed by the borsh-encoded event).

use base64::Engine;
use borsh::BorshDeserialize;

use crate::{discriminator, Pubkey};

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct VaultInitialized {
    pub vault: [u8; 32],
    pub admin: [u8; 32],
    pub vault_id: u64,
    pub base_mint: [u8; 32],
    pub share_mint: [u8; 32],
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub seed_deposit: u64,
    pub dead_shares: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct AssetAdded {
    pub vault: [u8; 32],
    pub index: u8,
    pub mint: [u8; 32],
    pub token_account: [u8; 32],
    pub oracle: [u8; 32],
    pub feed_id: [u8; 32],
    pub max_oracle_age: u32,
    pub max_conf_bps: u16,
    pub risk_budget: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct Deposited {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub amount: u64,
    pub shares: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub base_quantity_after: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub shares: u64,
    pub amount: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub base_quantity_after: u64,
}

#[derive(BorshDeserialize, Debug, Clone, PartialEq, Eq)]
pub struct AssetDeposited {
    pub vault: [u8; 32],
    pub user: [u8; 32],
    pub asset_index: u8,
    pub mint: [u8; 32],
    pub amount: u64,
    pub value: u64,
    pub shares: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub quantity_after: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    AssetDeposited(AssetDeposited),
    VaultInitialized(VaultInitialized),
    AssetAdded(AssetAdded),
    Deposited(Deposited),
    Withdrawn(Withdrawn),
}

fn try_decode<T: BorshDeserialize>(name: &str, bytes: &[u8]) -> Option<T> {
    if bytes.len() < 8 || bytes[..8] != discriminator("event", name) {
        return None;
    }
    T::try_from_slice(&bytes[8..]).ok()
}

/// Events found in a transaction's log messages, in order.
pub fn parse_logs<S: AsRef<str>>(logs: &[S]) -> Vec<Event> {
    let engine = base64::engine::general_purpose::STANDARD;
    logs.iter()
        .filter_map(|l| l.as_ref().strip_prefix("Program data: "))
        .filter_map(|b64| engine.decode(b64.trim()).ok())
        .filter_map(|b| {
            try_decode("VaultInitialized", &b)
                .map(Event::VaultInitialized)
                .or_else(|| try_decode("AssetAdded", &b).map(Event::AssetAdded))
                .or_else(|| try_decode("Deposited", &b).map(Event::Deposited))
                .or_else(|| try_decode("Withdrawn", &b).map(Event::Withdrawn))
                .or_else(|| try_decode("AssetDeposited", &b).map(Event::AssetDeposited))
        })
        .collect()
}

pub fn key(k: &[u8; 32]) -> Pubkey {
    Pubkey::new_from_array(*k)
}
