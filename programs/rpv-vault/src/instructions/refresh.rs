/// Specification:
/// - Permissionless: anyone (a keeper) may call it; it moves no tokens.
/// - The risk account must be the vault's (`WrongRiskAccount`).
/// - Remaining accounts: one oracle per registered asset in registry order (`OracleAccountCount`,
///   `OracleAccountMismatch`), each passing every oracle check of its kind.
/// - Samples closer together than the minimum interval are refused (`RefreshTooSoon`); every
///   price must be newer than the one last sampled for its asset (`OracleNotNewer`), so an old
///   but verified update can never move the risk state backwards.
/// - Updates the EWMA covariance with the log returns since the previous sample (decay λ per
///   horizon, scaled for the elapsed time, annualised), starting new assets at the prior
///   volatility; records each asset's publish time.
/// - Snapshots NAV (rounded down) and recomputes the weights (inverse-vol, or the risk-budget
///   weights in force), σ_p, the gross exposure L = min(L_max, σ_target/σ_p) and the targets;
///   budgets must sum to 1 (`InvalidBudgets`).
/// - Marks the risk state fresh for deposits and withdrawals; emits `RiskRefreshed`.
use anchor_lang::prelude::*;
use rpv_core::{
    fx::{Fx, MAX_N},
    math::Rounding,
    model,
    pyth::OraclePrice,
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
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    let n = usize::from(v.num_assets);
    require!(oracles.len() == n, VaultError::OracleAccountCount);
    let interval = if r.samples > 0 { now.time - r.last_sample_time } else { 0 };
    require!(r.samples == 0 || interval >= i64::from(r.min_sample_interval), VaultError::RefreshTooSoon);

    // sample every oracle once: log prices for the model, prices for the NAV snapshot
    let mut lp = [Fx::ZERO; MAX_N];
    let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_N];
    for i in 0..n {
        let slot = &v.assets[i];
        let p = read_slot_price(slot, &oracles[i], now).map_err(VaultError::from)?;
        require!(p.publish_time > slot.last_publish_time, VaultError::OracleNotNewer);
        lp[i] = model::log_price(&p).map_err(VaultError::from)?;
        prices[i] = p;
    }
    for i in 0..n {
        v.assets[i].last_publish_time = prices[i].publish_time;
    }
    model::record_sample(&mut r, n, now.time, &lp[..n]).map_err(VaultError::from)?;
    let nav = v.nav(|i, _| Ok(prices[i]), Rounding::Down).map_err(VaultError::from)?;
    let mut budgets = [0u64; MAX_N];
    let n = v.budgets_ppb(&mut budgets);
    model::update_targets(&mut r, &budgets[..n], nav, now.time).map_err(VaultError::from)?;
    v.risk_refreshed_at = now.time;
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
