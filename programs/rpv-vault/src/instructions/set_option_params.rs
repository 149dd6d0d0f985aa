/// Specification:
/// - Only the vault admin (`Unauthorized`); the risk account must be the vault's
///   (`WrongRiskAccount`).
/// - Ranges (`InvalidOptionParams`): rate −10 % ..= 50 % (the Black–Scholes domain), implied-vol
///   blend 0 ..= 100 %, Greek limits 0 (none) ..= 1000× NAV.
/// - Sets the rate used to mark every option series, the weight of implied vol in the factor
///   vols used for budgets, and the per-underlying Greek limits (multiples of NAV: net dollar
///   delta, dollar gamma, vega per 1.00 of vol). Takes effect at the next positions step; emits
///   `OptionParamsSet`.
/// - Timelock: a raise — any Greek limit higher or removed (0), or any change of the rate or the
///   implied-vol blend (they move marks and budgets: not clearly a lowering) — is refused under a
///   non-zero timelock (`TimelockRequired`) and goes through `propose_change`
///   (`ConfigChange::OptionParams`, kind 4); tightening limits applies at once.
use anchor_lang::prelude::*;
use rpv_core::{
    fixed_point::Fx,
    layout::{FxBits, RiskState, VaultState},
};

use super::risk_accounts::RiskAdmin;
use crate::{error::VaultError, events::OptionParamsSet, state::same};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionParams {
    /// Annual rate, continuously compounded, basis points (−1000 ..= 5000).
    pub rate_bps: i32,
    /// Weight of implied vol in the budgets' σ, basis points (0 ..= 10000).
    pub iv_blend_bps: u16,
    /// Greek limits per underlying, basis points of NAV (0 = none, ≤ 10^7).
    pub max_delta_bps: u32,
    pub max_gamma_bps: u32,
    pub max_vega_bps: u32,
}

/// Largest Greek limit: 1000× NAV.
const MAX_LIMIT_BPS: u32 = 10_000_000;

impl OptionParams {
    pub fn valid(&self) -> bool {
        (-1_000..=5_000).contains(&self.rate_bps)
            && self.iv_blend_bps <= 10_000
            && self.max_delta_bps <= MAX_LIMIT_BPS
            && self.max_gamma_bps <= MAX_LIMIT_BPS
            && self.max_vega_bps <= MAX_LIMIT_BPS
    }
}

fn bps(x: i64) -> Fx {
    Fx::from_num(x) / Fx::from_num(10_000)
}

impl OptionParams {
    /// Whether applying `self` raises risk against the vault's current settings (spec above).
    pub fn raises(&self, v: &VaultState, r: &RiskState) -> bool {
        let limit_up = |new_bps: u32, old: Fx| {
            let new = bps(new_bps.into());
            (new_bps == 0 && old != Fx::ZERO) || (old != Fx::ZERO && new > old)
        };
        bps(self.rate_bps.into()) != v.option_rate.get()
            || bps(self.iv_blend_bps.into()) != r.iv_blend.get()
            || limit_up(self.max_delta_bps, r.max_delta.get())
            || limit_up(self.max_gamma_bps, r.max_gamma.get())
            || limit_up(self.max_vega_bps, r.max_vega.get())
    }

    /// Writes the parameters and returns their event.
    pub fn write(&self, vault: Pubkey, v: &mut VaultState, r: &mut RiskState) -> OptionParamsSet {
        v.option_rate = FxBits::from_fx(bps(self.rate_bps.into()));
        r.iv_blend = FxBits::from_fx(bps(self.iv_blend_bps.into()));
        r.max_delta = FxBits::from_fx(bps(self.max_delta_bps.into()));
        r.max_gamma = FxBits::from_fx(bps(self.max_gamma_bps.into()));
        r.max_vega = FxBits::from_fx(bps(self.max_vega_bps.into()));
        OptionParamsSet {
            vault,
            rate_bits: v.option_rate.get().to_bits(),
            iv_blend_bits: r.iv_blend.get().to_bits(),
            max_delta_bits: r.max_delta.get().to_bits(),
            max_gamma_bits: r.max_gamma.get().to_bits(),
            max_vega_bits: r.max_vega.get().to_bits(),
        }
    }
}

pub(crate) fn handler(ctx: Context<RiskAdmin>, p: OptionParams) -> Result<()> {
    let vault_key = ctx.accounts.vault.key();
    let mut v = ctx.accounts.vault.load_mut()?;
    let mut r = ctx.accounts.risk.load_mut()?;
    require!(same(ctx.accounts.admin.key, &v.admin), VaultError::Unauthorized);
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    require!(p.valid(), VaultError::InvalidOptionParams);
    require!(v.timelock_secs == 0 || !p.raises(&v, &r), VaultError::TimelockRequired);
    let event = p.write(vault_key, &mut v, &mut r);
    v.invariant().map_err(VaultError::from)?;
    emit!(event);
    Ok(())
}
