//! What the core's integration tests share.

use bytemuck::Zeroable;
use rpv_core::layout::{VaultState, STATE_VERSION};

/// An empty vault at the current layout: base of 6 decimals holding 1 unit, the dead shares,
/// no deposit cap.
pub fn base_vault() -> VaultState {
    let mut v = VaultState::zeroed();
    v.version = STATE_VERSION;
    v.base_mint = [1; 32];
    v.base_decimals = 6;
    v.dead_shares = 1_000_000;
    v.base_quantity = 1_000_000;
    v.deposit_cap = u64::MAX;
    v
}
