/// Specification:
/// - Permissionless: anyone (a keeper) may call it; it moves no tokens.
/// - The risk account must be the vault's (`WrongRiskAccount`).
/// - Remaining accounts: one oracle per registered asset in registry order (`OracleAccountCount`,
///   `OracleAccountMismatch`), each passing every oracle check of its kind. For an option
///   series the oracle is its implied-volatility feed; once the series has expired its feed is
///   no longer read (the factor keeps its last value).
/// - Samples closer together than the minimum interval are refused (`RefreshTooSoon`); every
///   value read must be newer than the one last sampled for its slot (`OracleNotNewer`), so an
///   old but verified update can never move the risk state backwards.
/// - Updates the EWMA covariance of the factors (underlying prices and implied vols) with the
///   log returns since the previous sample (decay λ per horizon, scaled for the elapsed time,
///   annualised), starting new factors at the prior volatility; records each publish time and
///   stores the sampled values for the positions step.
/// - Marks every position at the sample: option series at Black–Scholes with the sampled
///   implied vol (bounds outside the domain, intrinsic once expired), with their exposures
///   (elasticity ΔS/V, convexity ΓS²/V, vol elasticity vega·σ/V) for the risk model.
/// - Vault without option series: runs the positions step in the same instruction — NAV
///   snapshot (rounded down), weights (inverse-vol, or the risk-budget weights in force), σ_p,
///   L = min(L_max, σ_target/σ_p), the targets, the net delta per underlying — and marks the
///   risk state fresh for deposits and withdrawals. Budgets must sum to 1 (`InvalidBudgets`).
/// - Vault with option series: the positions step (Black–Scholes marks and Greeks) is the
///   separate `update_positions`, sent in the same transaction; the risk state becomes fresh
///   when it runs.
/// - Emits `RiskRefreshed` (NAV 0 when the positions step is separate).
use anchor_lang::prelude::*;
use rpv_core::{
    fixed_point::Fx,
    layout::{SampledPrice, MAX_N},
    positions,
    price::OraclePrice,
    risk_account,
    valuation::needs_own_oracle,
};

use crate::{
    error::VaultError,
    events::RiskRefreshed,
    oracle::{read_slot_price, Now},
    state::{same, Risk, Vault},
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
    require!(!v.is_rebalancing(), VaultError::RebalanceInProgress);
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    let n = usize::from(v.num_assets);
    require!(oracles.len() == n, VaultError::OracleAccountCount);
    let interval = if r.samples > 0 { now.time - r.last_sample_time } else { 0 };
    require!(r.samples == 0 || interval >= i64::from(r.min_sample_interval), VaultError::RefreshTooSoon);

    // sample every oracle once: log values for the model, values for the positions step
    let mut lp = [Fx::ZERO; MAX_N];
    let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_N];
    for i in 0..n {
        let slot = &v.assets[i];
        if !needs_own_oracle(&v, i, now.time) {
            // an expired series: its implied vol is no longer a factor that moves
            require!(same(oracles[i].key, &slot.oracle), VaultError::OracleAccountMismatch);
            lp[i] = r.log_price[i].get();
            prices[i] = r.sampled[i].get();
            continue;
        }
        let p = read_slot_price(slot, &oracles[i], now).map_err(VaultError::from)?;
        require!(p.publish_time > slot.last_publish_time, VaultError::OracleNotNewer);
        lp[i] = risk_account::log_price(&p).map_err(VaultError::from)?;
        prices[i] = p;
    }
    for i in 0..n {
        if prices[i].publish_time > 0 {
            v.assets[i].last_publish_time = prices[i].publish_time;
        }
        r.sampled[i] = SampledPrice::of(&prices[i]);
    }
    risk_account::record_sample(&mut r, n, now.time, &lp[..n]).map_err(VaultError::from)?;
    positions::mark_positions(&v, &mut r, &prices[..n], now.time).map_err(VaultError::from)?;
    let mut nav = 0;
    if !v.has_options() {
        nav = positions::update_positions(&v, &mut r, now.time).map_err(VaultError::from)?.nav;
        v.risk_refreshed_at = now.time;
    }
    v.invariant().map_err(VaultError::from)?;

    emit!(RiskRefreshed {
        vault: vault_key,
        time: now.time,
        interval,
        samples: r.samples,
        nav,
        leverage_bits: r.leverage.get().to_bits(),
        portfolio_vol_bits: r.portfolio_vol.get().to_bits(),
        method: r.method,
    });
    Ok(())
}
