use anchor_lang::prelude::*;

#[event]
pub struct HolderDeposited {
    pub tracker: Pubkey,
    pub vault: Pubkey,
    pub amount: u64,
    pub shares: u64,
}

#[event]
pub struct HolderWithdrew {
    pub tracker: Pubkey,
    pub vault: Pubkey,
    pub shares: u64,
    pub amount: u64,
}

#[event]
pub struct SharePriceRecorded {
    pub tracker: Pubkey,
    pub vault: Pubkey,
    /// Base units per 10^9 shares.
    pub share_price_e9: u128,
    pub nav: u64,
    pub total_shares: u64,
    pub quoted_at: i64,
}
