//! Oracle reads off-chain, with the program's own checks (`rpv_core::pyth` and
//! `rpv_core::switchboard`, the code the program runs), so the keeper sizes a trade on exactly
//! the value the program will read.

use rpv_core::{
    error::CoreResult,
    layout::{AssetSlot, OracleKind},
    price::OraclePrice,
    pyth::{self, FeedPolicy},
    switchboard::{self, SwitchboardPolicy},
    CoreError,
};
use solana_account::Account;

use crate::chain::ClusterClock;

/// The validated value of `slot`'s oracle from its account, with maximum age `max_age`
/// (seconds for Pyth, slots for Switchboard), as the program's `read_slot_price_aged`.
pub fn read_slot(slot: &AssetSlot, account: &Account, clock: &ClusterClock, max_age: u32) -> CoreResult<OraclePrice> {
    let owner = account.owner.to_bytes();
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &owner,
            &account.data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age, max_conf_bps: slot.max_conf_bps },
            clock.unix_timestamp,
        ),
        Some(OracleKind::Switchboard) => switchboard::read_price(
            &owner,
            &account.data,
            &SwitchboardPolicy {
                max_stale_slots: u64::from(max_age),
                max_conf_bps: slot.max_conf_bps,
                feed_hash: Some(slot.feed_id),
            },
            clock.slot,
        ),
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// The maximum age `rebalance` applies to `slot`: the rebalance parameters' when set (never
/// above the asset's own), else the asset's own.
pub fn rebalance_max_age(rebalance_max_oracle_age: u32, slot: &AssetSlot) -> u32 {
    if rebalance_max_oracle_age == 0 {
        slot.max_oracle_age
    } else {
        rebalance_max_oracle_age.min(slot.max_oracle_age)
    }
}
