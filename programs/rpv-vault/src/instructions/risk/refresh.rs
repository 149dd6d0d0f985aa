//! `refresh` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless: anyone (a keeper) may call it; it moves no tokens.
//! - The risk account must be the vault's (`WrongRiskAccount`).
//! - Remaining accounts: one oracle per registered asset in registry order (`OracleAccountCount`,
//!   `OracleAccountMismatch`), each passing every oracle check of its kind. For an option
//!   series the oracle is its implied-volatility feed; once the series has expired its feed is
//!   no longer read (the factor keeps its last value).
//! - Samples closer together than the minimum interval are refused (`RefreshTooSoon`); every
//!   value read must be newer than the one last sampled for its slot (`OracleNotNewer`), so an
//!   old but verified update can never move the risk state backwards.
//! - Updates the EWMA covariance of the factors (underlying prices and implied vols) with the
//!   log returns since the previous sample (decay λ per horizon, scaled for the elapsed time,
//!   annualised), starting new factors at the prior volatility; records each publish time and
//!   stores the sampled values for the positions step.
//! - Marks every position at the sample: option series at Black–Scholes with the sampled
//!   implied vol (bounds outside the domain, intrinsic once expired), with their exposures
//!   (elasticity ΔS/V, convexity ΓS²/V, vol elasticity vega·σ/V) for the risk model.
//! - Vault without option series: runs the positions step in the same instruction — NAV
//!   snapshot (rounded down), weights (inverse-vol, or the accepted risk-budget weights while
//!   they hold — see the next rule), σ_p, L = min(L_max, σ_target/σ_p), the targets, the net
//!   delta per underlying — and marks the risk state fresh for deposits and withdrawals. Its
//!   NAV becomes the vault's fee snapshot: the performance fee is never measured above this
//!   NAV per share (see `accrue_fees`).
//!   Budgets must sum to 1 (`InvalidBudgets`).
//! - Accepted risk-budget weights (method 1, from `submit_weights` or `solve_weights`) are
//!   re-checked at every positions step and dropped for inverse-volatility weights, with a
//!   `WeightsFellBack` event naming the reason, when: the assets, budgets or positions in the
//!   model changed since they were accepted (`ModelChanged`); `max_weight_samples` samples
//!   have been recorded since (`Expired`); or under the new covariance their risk
//!   contributions miss the budgets by more than the RC tolerance — the rule that accepted
//!   them (`BudgetMismatch`). Inverse-volatility weights are recomputed at every sample until
//!   new weights are accepted.
//! - Vault with option series: the positions step (Black–Scholes marks and Greeks) is the
//!   separate `update_positions`, sent in the same transaction; the risk state becomes fresh
//!   when it runs.
//! - Emits `RiskRefreshed` (NAV 0 when the positions step is separate), then `WeightsFellBack`
//!   when the positions step dropped the accepted weights.
use anchor_lang::prelude::*;
use rpv_core::{engine, layout::MAX_ASSETS, price::OraclePrice, valuation::needs_own_oracle};

use crate::{
    checks,
    error::VaultError,
    events::{RiskRefreshed, WeightsFellBack},
    oracle::{read_slot_price, Now},
    state::{Risk, Vault},
};

#[derive(Accounts)]
pub struct Refresh<'info> {
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, Refresh<'info>>) -> Result<()> {
    let now = Now::get()?;
    let oracles = ctx.remaining_accounts;
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    engine::no_flash_rebalance(&v).map_err(VaultError::from)?;
    let mut r = ctx.accounts.risk.load_mut()?;
    let n = usize::from(v.num_assets);
    checks::oracle_count(oracles, &v)?;
    engine::refresh::refresh_gate(&v, &r, now.time).map_err(VaultError::from)?;

    // read every oracle once; an expired series' feed is not read (its account must still be
    // the registered one)
    let mut prices = [OraclePrice::ZERO; MAX_ASSETS];
    let mut read = 0u32;
    for i in 0..n {
        let slot = &v.assets[i];
        if needs_own_oracle(&v, i, now.time) {
            prices[i] = read_slot_price(slot, &oracles[i], now).map_err(VaultError::from)?;
            read |= 1 << i;
        } else {
            checks::registered_oracle(&oracles[i], slot).map_err(VaultError::from)?;
        }
    }
    let s = engine::refresh::refresh(&mut v, &mut r, &mut prices[..n], read, now.time).map_err(VaultError::from)?;

    emit!(RiskRefreshed {
        vault: vault_key,
        time: s.time,
        interval: s.interval,
        samples: s.samples,
        nav: s.nav,
        leverage_bits: s.leverage.to_bits(),
        portfolio_vol_bits: s.portfolio_vol.to_bits(),
        method: s.method,
    });
    if let Some(d) = s.weights_dropped {
        emit!(WeightsFellBack {
            vault: vault_key,
            sample_time: s.time,
            reason: d.reason,
            age_samples: d.age_samples,
            max_weight_samples: d.max_weight_samples,
        });
    }
    Ok(())
}
