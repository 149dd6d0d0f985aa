/// Specification:
/// - Only the vault admin (`Unauthorized`); the risk account must be the vault's
///   (`WrongRiskAccount`).
/// - Ranges (`InvalidRiskParams`): method 0 (inverse vol) or 1 (risk budgeting); λ in
///   [0.5, 0.9999] (ppm); horizon 60 s ..= 30 days; volatility target 0.1 % ..= 500 %; leverage
///   cap 1 % ..= 400 %; prior volatility 1 % ..= 500 %; risk-contribution tolerance 1e-9 ..= 0.1;
///   minimum sampling interval 1 s ..= 1 day; maximum risk age ≥ the sampling interval and
///   ≤ 7 days; band 1 ..= 5000 bps.
/// - Switching the method clears the weights in force (the next `refresh` or an accepted
///   submission sets them); emits `RiskParamsSet`.
use anchor_lang::prelude::*;
use rpv_core::fx::{Fx, FxBits};

use super::risk_accounts::RiskAdmin;
use crate::{error::VaultError, events::RiskParamsSet, state::same};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct RiskParams {
    pub method: u8,
    pub lambda_ppm: u32,
    pub horizon_secs: u32,
    pub vol_target_bps: u32,
    pub max_leverage_bps: u32,
    pub prior_vol_bps: u32,
    pub rc_tolerance_ppb: u32,
    pub min_sample_interval: u32,
    pub max_risk_age: u32,
    pub band_bps: u16,
}

impl RiskParams {
    fn valid(&self) -> bool {
        self.method <= 1
            && (500_000..=999_900).contains(&self.lambda_ppm)
            && (60..=30 * 86_400).contains(&self.horizon_secs)
            && (10..=50_000).contains(&self.vol_target_bps)
            && (100..=40_000).contains(&self.max_leverage_bps)
            && (100..=50_000).contains(&self.prior_vol_bps)
            && (1..=100_000_000).contains(&self.rc_tolerance_ppb)
            && (1..=86_400).contains(&self.min_sample_interval)
            && self.max_risk_age >= self.min_sample_interval
            && self.max_risk_age <= 7 * 86_400
            && (1..=5_000).contains(&self.band_bps)
    }
}

fn ratio(num: u32, den: u32) -> FxBits {
    FxBits::from_fx(Fx::from_num(num) / Fx::from_num(den))
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, p: RiskParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(ctx.accounts.admin.key, &v.admin), VaultError::Unauthorized);
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    require!(p.valid(), VaultError::InvalidRiskParams);
    if r.method != p.method {
        r.weights_n = 0;
    }
    r.method = p.method;
    r.lambda = ratio(p.lambda_ppm, 1_000_000);
    r.horizon = i64::from(p.horizon_secs);
    r.vol_target = ratio(p.vol_target_bps, 10_000);
    r.max_leverage = ratio(p.max_leverage_bps, 10_000);
    r.prior_vol = ratio(p.prior_vol_bps, 10_000);
    r.rc_tolerance = ratio(p.rc_tolerance_ppb, 1_000_000_000);
    r.min_sample_interval = p.min_sample_interval;
    r.band_bps = p.band_bps;
    v.max_risk_age = p.max_risk_age;
    v.invariant().map_err(VaultError::from)?;
    emit!(RiskParamsSet {
        vault: vault_key,
        method: p.method,
        lambda_ppm: p.lambda_ppm,
        horizon_secs: p.horizon_secs,
        vol_target_bps: p.vol_target_bps,
        max_leverage_bps: p.max_leverage_bps,
        prior_vol_bps: p.prior_vol_bps,
        rc_tolerance_ppb: p.rc_tolerance_ppb,
        min_sample_interval: p.min_sample_interval,
        max_risk_age: p.max_risk_age,
        band_bps: p.band_bps,
    });
    Ok(())
}
