//! Oracle reads for NAV: one account per registered asset, passed as remaining accounts in
//! registry order (asset 0 first). Each key must be the registered oracle of that asset.

use anchor_lang::prelude::*;
use rpv_core::{
    error::CoreResult,
    math::Rounding,
    pyth::{self, FeedPolicy, OraclePrice},
    state::{AssetSlot, OracleKind, VaultState},
    CoreError,
};

use crate::{error::VaultError, state::same};

/// Validated price of `slot` from `account` at cluster time `now`.
pub fn read_slot_price(slot: &AssetSlot, account: &AccountInfo, now: i64) -> CoreResult<OraclePrice> {
    if !same(account.key, &slot.oracle) {
        return Err(CoreError::OracleAccountMismatch);
    }
    let data = account.try_borrow_data().map_err(|_| CoreError::OracleInvalidAccount)?;
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &account.owner.to_bytes(),
            &data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age: slot.max_oracle_age, max_conf_bps: slot.max_conf_bps },
            now,
        ),
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// NAV of the vault from fresh oracle reads, rounded in the vault's favour by `round`.
pub fn nav_from_oracles(vault: &VaultState, oracles: &[AccountInfo], now: i64, round: Rounding) -> Result<u64> {
    require!(oracles.len() == usize::from(vault.num_assets), VaultError::OracleAccountCount);
    let nav = vault.nav(|i, slot| read_slot_price(slot, &oracles[i], now), round).map_err(VaultError::from)?;
    Ok(nav)
}
