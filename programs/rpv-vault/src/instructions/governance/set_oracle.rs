//! `set_oracle` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the vault admin (`Unauthorized`); `index` must name a registered slot
//!   (`UnknownAsset`); the settings must be in range as at registration — max age
//!   1..=86400, confidence 1..=10000 bps, a queue for Switchboard and none for Pyth
//!   (`InvalidOracleConfig`).
//! - Replaces the asset's price feed: the oracle account, its kind (Pyth / Switchboard), the
//!   feed id (Pyth) or feed hash (Switchboard), the queue, the maximum age and confidence. An
//!   option series' feed is its implied volatility. The mint, quantity, budget and terms stay.
//! - The `oracle` account must be the one named (`OracleAccountMismatch`) and pass a full read
//!   under the new settings — owner, layout, verification, feed id, queue, sample count,
//!   positive price, exponent, age, confidence — with the errors of every read: only a live
//!   feed of the declared kind can be installed.
//! - The slot's `last_publish_time` (the `OracleNotNewer` rule of `refresh`) restarts just below
//!   the publish time of that read. The old feed's times are another feed's clock (another
//!   kind counts slots, not seconds), so keeping them could refuse every value of the new feed
//!   forever, or let old ones through; restarting there lets the next refresh sample the value
//!   verified here or a newer one, never an older one — the rule's purpose (a verified but old
//!   value can never move the risk state backwards) holds from the first value the vault saw.
//! - **Timelock.** A feed decides what an asset is worth — in every deposit, withdrawal,
//!   rebalance and fee — so under a timelock (`timelock_secs` > 0) `set_oracle` is refused
//!   (`TimelockRequired`) and the change goes through `propose_change(OracleChange)` (kind 9;
//!   checked then as here, apart from the read) and, once matured, `apply_change` with the new
//!   oracle account as its first remaining account (`OracleAccountCount` without it); the
//!   guardian or the admin can cancel it until then (`cancel_change`). Without a timelock it
//!   applies at once.
//! - Emits `OracleSet`.
use anchor_lang::prelude::*;
use rpv_core::layout::VaultState;
use rpv_interface::OracleChange;

use crate::{
    checks,
    error::VaultError,
    events::OracleSet,
    oracle::{read_slot_price, Now},
    state::Vault,
};

/// `set_oracle`'s accounts: the admin, the vault and the new oracle account.
#[derive(Accounts)]
pub struct SetOracle<'info> {
    pub signer: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: the new price account; validated by reading it under the new settings.
    pub oracle: UncheckedAccount<'info>,
}

/// The rules of a change before any account is read: a registered slot (`UnknownAsset`),
/// settings in range (`InvalidOracleConfig`). Run at proposal, application and `set_oracle`.
pub(crate) fn check(v: &VaultState, c: &OracleChange) -> Result<()> {
    checks::registered(v, usize::from(c.index))?;
    require!(c.config_valid(), VaultError::InvalidOracleConfig);
    Ok(())
}

/// Installs `c` (checked with [`check`]) after a full read of `oracle` under its settings;
/// returns its event.
pub(crate) fn write(v: &mut VaultState, vault: Pubkey, c: &OracleChange, oracle: &AccountInfo) -> Result<OracleSet> {
    let i = usize::from(c.index);
    let mut slot = v.assets[i];
    let old_oracle = Pubkey::new_from_array(slot.oracle);
    slot.oracle = c.oracle;
    slot.oracle_kind = c.oracle_kind.code();
    slot.feed_id = c.feed_id;
    slot.max_oracle_age = c.max_oracle_age;
    slot.max_conf_bps = c.max_conf_bps;
    slot.oracle_queue = c.oracle_queue;
    let p = read_slot_price(&slot, oracle, Now::get()?).map_err(VaultError::from)?;
    slot.last_publish_time = p.publish_time.saturating_sub(1);
    slot.last_used_time = 0; // the new feed's own clock
    v.assets[i] = slot;
    Ok(OracleSet {
        vault,
        index: c.index,
        old_oracle,
        oracle: Pubkey::new_from_array(c.oracle),
        oracle_kind: c.oracle_kind,
        feed_id: c.feed_id,
        max_oracle_age: c.max_oracle_age,
        max_conf_bps: c.max_conf_bps,
        oracle_queue: c.oracle_queue,
        publish_time: p.publish_time,
    })
}

pub(crate) fn handler(ctx: Context<SetOracle>, change: OracleChange) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    check(&v, &change)?;
    checks::timelock_allows(&v, || true)?;
    let event = write(&mut v, vault_key, &change, &ctx.accounts.oracle)?;
    v.invariant().map_err(VaultError::from)?;
    emit!(event);
    Ok(())
}
