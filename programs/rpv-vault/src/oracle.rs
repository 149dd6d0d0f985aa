//! Oracle reads for NAV and the risk state: one account per registered asset, passed as
//! remaining accounts in registry order (asset 0 first). Each key must be the registered oracle
//! of that asset (`checks::registered_oracle`); each asset names its oracle kind (Pyth or
//! Switchboard), and the kind's reader checks the account's owner and data (for Switchboard also
//! the registered feed hash and queue and the minimum sample count: `SwitchboardPolicy::of_slot`).

use anchor_lang::prelude::*;
use rpv_core::{
    engine::{self, flows::SlotRead, Navs},
    error::CoreResult,
    layout::{AssetSlot, OracleKind, VaultState, MAX_ASSETS},
    math::Rounding,
    price::OraclePrice,
    pyth::{self, FeedPolicy},
    switchboard::{self, SwitchboardPolicy},
    valuation::needs_own_oracle,
    CoreError,
};

use crate::{checks, error::VaultError};

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
    read_slot_price_aged(slot, account, now, slot.max_oracle_age)
}

/// [`read_slot_price`] with maximum age `max_age` (seconds; slots for Switchboard) instead of
/// the slot's own.
pub fn read_slot_price_aged(
    slot: &AssetSlot,
    account: &AccountInfo,
    now: Now,
    max_age: u32,
) -> CoreResult<OraclePrice> {
    checks::registered_oracle(account, slot)?;
    let data = account.try_borrow_data().map_err(|_| CoreError::OracleInvalidAccount)?;
    let owner = account.owner.to_bytes();
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &owner,
            &data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age, max_conf_bps: slot.max_conf_bps },
            now.time,
        ),
        // the feed's job definition and queue must still be the registered ones
        Some(OracleKind::Switchboard) => {
            switchboard::read_price(&owner, &data, &SwitchboardPolicy::of_slot(slot, max_age), now.slot)
        }
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// Every slot's oracle read on its own (one remaining account per slot, in registry order): the
/// account count and every key must be the registered ones (`OracleAccountCount`,
/// `OracleAccountMismatch`: refused here, whatever the flow); then each slot's validated value,
/// or its reader's refusal (a dead feed, [`engine::flows::SlotRead`]). An option series past
/// expiry needs no implied vol: its data is not read (the feed may have stopped) and its entry
/// stays zero.
///
/// A price older than the newest the vault has used for that slot is refused like a dead
/// feed (`OracleNotNewer`, issue 15): no priced path goes back in time.
pub fn read_slots(vault: &VaultState, oracles: &[AccountInfo], now: Now) -> Result<[SlotRead; MAX_ASSETS]> {
    read_slots_aged(vault, oracles, now, |slot| slot.max_oracle_age)
}

/// [`read_slots`] with each slot's maximum age from `max_age`.
pub fn read_slots_aged(
    vault: &VaultState,
    oracles: &[AccountInfo],
    now: Now,
    max_age: impl Fn(&AssetSlot) -> u32,
) -> Result<[SlotRead; MAX_ASSETS]> {
    checks::oracle_count(oracles, vault)?;
    let n = usize::from(vault.num_assets);
    let mut reads = [Ok(OraclePrice::ZERO); MAX_ASSETS];
    for i in 0..n {
        let slot = &vault.assets[i];
        checks::registered_oracle(&oracles[i], slot).map_err(VaultError::from)?;
        if needs_own_oracle(vault, i, now.time) {
            let read = read_slot_price_aged(slot, &oracles[i], now, max_age(slot));
            reads[i] = engine::flows::check_not_older(vault, i, read);
        }
    }
    Ok(reads)
}

/// The NAV an exit is priced at and the mark fees are measured at ([`exit_nav_and_reads`]).
pub fn exit_nav_from_oracles(vault: &VaultState, oracles: &[AccountInfo], now: Now) -> Result<engine::flows::ExitNav> {
    Ok(exit_nav_and_reads(vault, oracles, now)?.0)
}

/// The NAV an exit is priced at from one read per slot ([`read_slots`]): a dead feed's legs at
/// zero, the rest at the low end of their confidence intervals ([`engine::flows::exit_nav`]);
/// and the reads it priced from (a withdrawal records them used).
pub fn exit_nav_and_reads(
    vault: &VaultState,
    oracles: &[AccountInfo],
    now: Now,
) -> Result<(engine::flows::ExitNav, [SlotRead; MAX_ASSETS])> {
    let reads = read_slots(vault, oracles, now)?;
    let n = usize::from(vault.num_assets);
    Ok((engine::flows::exit_nav(vault, &reads[..n], now.time).map_err(VaultError::from)?, reads))
}

/// Validated oracle values of every slot ([`read_slots`]), each feed live: the first dead
/// feed's error otherwise (the flows that refuse a dead feed, [`engine::flows::every_price`]).
pub fn read_prices(vault: &VaultState, oracles: &[AccountInfo], now: Now) -> Result<[OraclePrice; MAX_ASSETS]> {
    let reads = read_slots(vault, oracles, now)?;
    Ok(engine::flows::every_price(&reads[..usize::from(vault.num_assets)]).map_err(VaultError::from)?)
}

/// NAV of the vault from fresh oracle reads, rounded in the vault's favour by `round`.
pub fn nav_from_oracles(vault: &VaultState, oracles: &[AccountInfo], now: Now, round: Rounding) -> Result<u64> {
    let prices = read_prices(vault, oracles, now)?;
    let n = usize::from(vault.num_assets);
    Ok(vault.nav_at(&prices[..n], now.time, round).map_err(VaultError::from)?)
}

/// The NAVs an instant deposit is priced at from one read of every oracle (one per asset in
/// registry order, as in [`read_prices`]; `engine::flows::instant_navs`: the holdings at the
/// top of each confidence interval), and the prices read (one per slot).
pub fn priced_navs(v: &VaultState, oracles: &[AccountInfo], now: Now) -> Result<(Navs, [OraclePrice; MAX_ASSETS])> {
    let prices = read_prices(v, oracles, now)?;
    let n = usize::from(v.num_assets);
    let navs = engine::flows::instant_navs(v, &prices[..n], now.time).map_err(VaultError::from)?;
    Ok((navs, prices))
}

/// Records that a priced path used `prices` (`engine::flows::note_prices_used`).
pub fn note_used(v: &mut VaultState, prices: &[OraclePrice], now: Now) {
    let n = usize::from(v.num_assets).min(prices.len());
    let mut reads = [Ok(OraclePrice::ZERO); MAX_ASSETS];
    for (r, p) in reads.iter_mut().zip(&prices[..n]) {
        *r = Ok(*p);
    }
    engine::flows::note_prices_used(v, &reads[..n], now.time);
}
