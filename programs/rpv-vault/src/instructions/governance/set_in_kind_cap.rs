//! `set_in_kind_cap` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the vault admin (`Unauthorized`); `index` must name a registered slot
//!   (`UnknownAsset`).
//! - Sets the slot's in-kind cap: the largest accounted quantity `deposit_asset` may leave it
//!   at (smallest units; 0 = no in-kind deposits). The quantity already held is not touched.
//! - Timelock: a raise (a cap above the one in force) lets more of the asset in at its oracle's
//!   price, so under a timelock it is refused with `TimelockRequired` and goes through
//!   `propose_change(InKindCap { index, cap })` / `apply_change`; a lowering, or the same cap,
//!   applies at once.
//! - Emits `InKindCapSet`.
use anchor_lang::prelude::*;
use rpv_core::layout::VaultState;

use super::Governance;
use crate::{checks, events::InKindCapSet};

/// Stores slot `index`'s cap (registered: checked by the caller) and returns its event.
pub(crate) fn write(v: &mut VaultState, vault: Pubkey, index: u8, cap: u64) -> InKindCapSet {
    v.assets[usize::from(index)].in_kind_cap = cap;
    InKindCapSet { vault, index, cap }
}

pub(crate) fn handler(ctx: Context<Governance>, index: u8, cap: u64) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let current = checks::registered(&v, usize::from(index))?.in_kind_cap;
    checks::timelock_allows(&v, || cap > current)?;
    let event = write(&mut v, vault_key, index, cap);
    emit!(event);
    Ok(())
}
