//! Oracle reads for NAV and the risk state: one account per registered asset, passed as
//! remaining accounts in registry order (asset 0 first). Each key must be the registered oracle
//! of that asset; each asset names its oracle kind (Pyth or Switchboard).

use anchor_lang::prelude::*;
use rpv_core::{
    error::CoreResult,
    math::Rounding,
    pyth::{self, FeedPolicy, OraclePrice},
    state::{AssetSlot, OracleKind, VaultState},
    switchboard::{self, SwitchboardPolicy},
    CoreError,
};

use crate::{error::VaultError, state::same};

/// Cluster time and slot, read once per instruction.
#[derive(Clone, Copy)]
pub struct Now {
    pub time: i64,
    pub slot: u64,
}

impl Now {
    pub fn get() -> Result<Self> {
        let c = Clock::get()?;
        Ok(Self { time: c.unix_timestamp, slot: c.slot })
    }
}

/// Validated price of `slot` from `account`.
pub fn read_slot_price(slot: &AssetSlot, account: &AccountInfo, now: Now) -> CoreResult<OraclePrice> {
    if !same(account.key, &slot.oracle) {
        return Err(CoreError::OracleAccountMismatch);
    }
    let data = account.try_borrow_data().map_err(|_| CoreError::OracleInvalidAccount)?;
    let owner = account.owner.to_bytes();
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &owner,
            &data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age: slot.max_oracle_age, max_conf_bps: slot.max_conf_bps },
            now.time,
        ),
        Some(OracleKind::Switchboard) => switchboard::read_price(
            &owner,
            &data,
            &SwitchboardPolicy {
                max_stale_slots: u64::from(slot.max_oracle_age),
                max_conf_bps: slot.max_conf_bps,
                // the feed's job definition must still be the registered one
                feed_hash: Some(slot.feed_id),
            },
            now.slot,
        ),
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// NAV of the vault from fresh oracle reads, rounded in the vault's favour by `round`.
pub fn nav_from_oracles(vault: &VaultState, oracles: &[AccountInfo], now: Now, round: Rounding) -> Result<u64> {
    require!(oracles.len() == usize::from(vault.num_assets), VaultError::OracleAccountCount);
    let nav = vault.nav(|i, slot| read_slot_price(slot, &oracles[i], now), round).map_err(VaultError::from)?;
    Ok(nav)
}

/// Refuses to act on a risk state older than the vault's maximum risk age.
pub fn require_fresh_risk(vault: &VaultState, now: Now) -> Result<()> {
    require!(vault.risk_is_fresh(now.time), VaultError::RiskStateStale);
    Ok(())
}
