//! The tracker account and the PDA seeds.

use anchor_lang::prelude::*;

pub mod seeds {
    /// `["tracker", admin, vault]`: the tracker account.
    pub const TRACKER: &[u8] = b"tracker";
    /// `["holder", tracker]`: owns the integrator's token accounts and signs the vault's flows.
    pub const HOLDER: &[u8] = b"holder";
}

/// One integrator position in one rpv vault.
#[account]
#[derive(InitSpace, Debug)]
pub struct Tracker {
    /// May deposit and withdraw through this tracker.
    pub admin: Pubkey,
    /// The rpv vault account.
    pub vault: Pubkey,
    pub bump: u8,
    pub holder_bump: u8,
    /// Shares the holder received by deposits minus shares it burnt by withdrawals.
    pub shares: u64,
    /// Base units deposited and received back, in total.
    pub deposited: u64,
    pub withdrawn: u64,
    /// The last recorded quote: base units per 10^9 shares, NAV (rounded down), total shares,
    /// and the cluster time of the quote (0 = none yet).
    pub share_price_e9: u128,
    pub nav: u64,
    pub total_shares: u64,
    pub quoted_at: i64,
}

/// Amount held by an SPL Token / Token-2022 account (bytes 64..72).
pub fn token_amount(account: &AccountInfo) -> Result<u64> {
    let data = account.try_borrow_data()?;
    require!(data.len() >= 165, crate::error::IntegratorError::InvalidTokenAccount);
    let mut amount = [0u8; 8];
    amount.copy_from_slice(&data[64..72]);
    Ok(u64::from_le_bytes(amount))
}
