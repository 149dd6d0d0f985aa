//! `set_flow_params` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the admin (`Unauthorized`).
//! - Parameters (`rpv_interface::FlowParams`, stored as is in `VaultState::flows`): cash buffer
//!   ≤ 5,000 bps of NAV, instant fee ≤ 100 bps, settlement incentive ≤ 10 bps, settlement delay
//!   1..=300 s, settlement price age 1..=3,600 s; anything else → `InvalidFlowParams`.
//! - A change that costs depositors more or widens a requester's choice of price (a higher
//!   instant fee or incentive, a shorter delay, a longer age: `FlowParams::raises_cost`) waits
//!   for the timelock (`TimelockRequired`; `propose_change(Flow)`, kind 10); the cash buffer and
//!   every tightening apply at once.
//! - Emits `FlowParamsSet`.
use anchor_lang::prelude::*;
pub use rpv_interface::FlowParams;

use super::Governance;
use crate::{checks, error::VaultError, events::FlowParamsSet};

/// The range rule, shared with `propose_change` / `apply_change`.
pub(crate) fn check(params: &FlowParams) -> Result<()> {
    require!(params.valid(), VaultError::InvalidFlowParams);
    Ok(())
}

pub(crate) fn handler(ctx: Context<Governance>, params: FlowParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    check(&params)?;
    checks::timelock_allows(&v, || params.raises_cost(&v.flows.params))?;
    v.flows.params = params;
    emit!(FlowParamsSet { vault: vault_key, params });
    Ok(())
}
