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
/// - Timelock (vaults created with a non-zero `timelock_secs`): the change applies at once only
///   if it does not raise risk — volatility target, leverage cap, band, maximum risk age and
///   RC tolerance not above their values in force, prior volatility not below, and the
///   estimator (method, λ, horizon, minimum sampling interval) unchanged. Anything else is
///   refused with `TimelockRequired` and goes through `propose_change` / `apply_change`.
use anchor_lang::prelude::*;
use rpv_core::{
    layout::{RiskState, VaultState},
    risk_account::{ratio, RiskSettings},
};

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
    pub(crate) fn valid(&self) -> bool {
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

impl RiskParams {
    /// Whether moving from the parameters in force to `self` does not raise risk (see the
    /// Specification): such a change needs no timelock.
    pub(crate) fn only_lowers_risk(&self, v: &VaultState, r: &RiskState) -> bool {
        self.method == r.method
            && ratio(self.lambda_ppm, 1_000_000) == r.lambda
            && i64::from(self.horizon_secs) == r.horizon
            && self.min_sample_interval == r.min_sample_interval
            && ratio(self.vol_target_bps, 10_000).get() <= r.vol_target.get()
            && ratio(self.max_leverage_bps, 10_000).get() <= r.max_leverage.get()
            && ratio(self.rc_tolerance_ppb, 1_000_000_000).get() <= r.rc_tolerance.get()
            && ratio(self.prior_vol_bps, 10_000).get() >= r.prior_vol.get()
            && self.band_bps <= r.band_bps
            && self.max_risk_age <= v.max_risk_age
    }

    /// Writes valid parameters into the vault and its risk account.
    pub(crate) fn write(&self, v: &mut VaultState, r: &mut RiskState) {
        RiskSettings {
            method: self.method,
            lambda_ppm: self.lambda_ppm,
            horizon_secs: self.horizon_secs,
            vol_target_bps: self.vol_target_bps,
            max_leverage_bps: self.max_leverage_bps,
            prior_vol_bps: self.prior_vol_bps,
            rc_tolerance_ppb: self.rc_tolerance_ppb,
            min_sample_interval: self.min_sample_interval,
            max_risk_age: self.max_risk_age,
            band_bps: self.band_bps,
        }
        .write(v, r);
    }

    pub(crate) fn event(&self, vault: Pubkey) -> RiskParamsSet {
        RiskParamsSet {
            vault,
            method: self.method,
            lambda_ppm: self.lambda_ppm,
            horizon_secs: self.horizon_secs,
            vol_target_bps: self.vol_target_bps,
            max_leverage_bps: self.max_leverage_bps,
            prior_vol_bps: self.prior_vol_bps,
            rc_tolerance_ppb: self.rc_tolerance_ppb,
            min_sample_interval: self.min_sample_interval,
            max_risk_age: self.max_risk_age,
            band_bps: self.band_bps,
        }
    }
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, p: RiskParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(ctx.accounts.admin.key, &v.admin), VaultError::Unauthorized);
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    require!(p.valid(), VaultError::InvalidRiskParams);
    require!(v.timelock_secs == 0 || p.only_lowers_risk(&v, &r), VaultError::TimelockRequired);
    p.write(&mut v, &mut r);
    v.invariant().map_err(VaultError::from)?;
    emit!(p.event(vault_key));
    Ok(())
}
