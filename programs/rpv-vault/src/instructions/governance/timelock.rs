//! The timelock on raises (see [`crate::rpv_vault`] for their arguments and accounts).
//!
//! # Specification
//!
//! - Changes that raise risk or fees wait `timelock_secs` (fixed at initialisation, ≤ 30 days;
//!   0 = none) between a proposal and its application; changes that lower them apply at once
//!   through `set_risk_params`, `set_risk_budgets` and `set_fees`, which refuse a raise under a
//!   timelock with `TimelockRequired`. What counts as a raise is stated in those instructions:
//!   a higher volatility target, leverage cap, band, maximum risk age or RC tolerance, a lower
//!   prior volatility, any change of the estimator (method, λ, horizon, sampling interval), any
//!   budget reshuffle, a higher fee rate.
//! - `propose_change(change)`: only the admin (`Unauthorized`), who pays for the proposal PDA
//!   `["proposal", vault, kind]` (kind 0 = risk parameters, 1 = risk budgets, 2 = fee rates,
//!   3 = rebalancing parameters, `InvalidRebalanceParams`; 4 = option parameters,
//!   `InvalidOptionParams`; 5 = a registration, `InvalidOracleConfig` / `InvalidRiskBudget` /
//!   `InvalidOptionTerms`; 6 = an in-kind cap raise, `UnknownAsset`; 7 = a new guardian,
//!   `InvalidRole`; 8 = the retirement of slot `index`, which must hold `mint`, `UnknownAsset`
//!   / `ProposalMismatch`, applied under the rules of `setup/retire_asset`: `AssetNotEmpty`,
//!   `AssetIsUnderlying`; 9 = an oracle change, `UnknownAsset` / `InvalidOracleConfig`). The
//!   change is validated now as it will be at application (`InvalidRiskParams`;
//!   `WrongVectorLength` / `InvalidBudgets`; `FeeAboveMaximum`). One pending proposal per kind
//!   (`ChangeAlreadyPending`). `eta = now + timelock_secs`. Emits `ChangeProposed`.
//! - `apply_change()`: permissionless, from `eta` (`TimelockNotExpired` before) until
//!   `eta + PROPOSAL_GRACE_SECS` (`ProposalExpired` after). The proposal must be this vault's
//!   (`WrongProposal`), the rent goes back to its proposer (`WrongRentReceiver`), the risk
//!   account and share mint must be the vault's (`WrongRiskAccount`, `WrongShareMint`). The
//!   change is validated again against the vault as it is now, then applied exactly as the
//!   immediate instruction would (a fee change first accrues fees at the old rates, with one
//!   oracle per asset as remaining accounts; an oracle change reads the new oracle account,
//!   its first remaining account, as `set_oracle` does). Closes the proposal; emits the
//!   change's own event (`RiskParamsSet`, `RiskBudgetsSet`, `FeesSet`, `InKindCapSet`,
//!   `AssetRetired`, `OracleSet`) and `ChangeApplied`.
//! - A registration proposal is not applied here (`ProposalMismatch`): the admin's `add_asset`
//!   / `add_option` with exactly the proposed accounts and arguments consumes it once matured,
//!   in the same window (`TimelockNotExpired`, `ProposalExpired`; see `setup/add_asset`).
//! - `cancel_change()`: the admin or the guardian (`NotAdminOrGuardian`), at any time — a
//!   guardian change (kind 7) only the admin (`Unauthorized`); the
//!   proposal must be this vault's (`WrongProposal`) and its rent goes back to the proposer
//!   (`WrongRentReceiver`). Closes the proposal; emits `ChangeCancelled`.
use anchor_lang::prelude::*;
pub use rpv_interface::{ConfigChange, OracleChange, ProposalKind};

use rpv_interface::Registration;

use super::{
    fees::switch_rates, roles, set_flow_params, set_in_kind_cap, set_option_params, set_oracle, set_risk_budgets,
    set_risk_params,
};
use crate::instructions::setup::retire_asset::retire_slot;
use crate::{
    checks,
    error::VaultError,
    events::{ChangeApplied, ChangeCancelled, ChangeProposed, FlowParamsSet, RebalanceParamsSet, RiskBudgetsSet},
    invoke,
    state::{seeds, Proposal, Risk, Vault},
};

/// A proposal can be applied during this long after its `eta`; after that it must be proposed
/// again (so a forgotten proposal cannot surprise depositors months later).
pub const PROPOSAL_GRACE_SECS: i64 = 14 * 86_400;
pub use rpv_interface::args::MAX_TIMELOCK_SECS;

/// The checks a change must pass both when proposed and when applied.
fn check(change: &ConfigChange, v: &rpv_core::layout::VaultState) -> Result<()> {
    match change {
        ConfigChange::RiskParams(p) => require!(p.valid(), VaultError::InvalidRiskParams),
        ConfigChange::RiskBudgets(b) => set_risk_budgets::check(v, b)?,
        ConfigChange::Fees { management_bps, performance_bps } => {
            require!(v.fees.within_maxima(*management_bps, *performance_bps), VaultError::FeeAboveMaximum)
        }
        ConfigChange::Rebalance(p) => require!(p.valid(), VaultError::InvalidRebalanceParams),
        ConfigChange::OptionParams(p) => require!(p.valid(), VaultError::InvalidOptionParams),
        ConfigChange::Registration(r) => {
            require!(r.args.oracle_config_valid(), VaultError::InvalidOracleConfig);
            require!(r.args.budget_valid(), VaultError::InvalidRiskBudget);
            if let Some(s) = &r.series {
                require!(s.strike_bits > 0 && s.contract_size_bits > 0, VaultError::InvalidOptionTerms);
            }
        }
        ConfigChange::InKindCap { index, .. } => {
            checks::registered(v, usize::from(*index))?;
        }
        ConfigChange::Guardian(key) => require!(*key != [0; 32], VaultError::InvalidRole),
        ConfigChange::Retire { index, mint } => {
            let slot = checks::registered(v, usize::from(*index))?;
            require!(slot.mint == *mint, VaultError::ProposalMismatch);
        }
        ConfigChange::OracleChange(c) => set_oracle::check(v, c)?,
        ConfigChange::Flow(p) => set_flow_params::check(p)?,
    }
    Ok(())
}

/// A proposal may be acted on from its `eta` (`TimelockNotExpired`) for `PROPOSAL_GRACE_SECS`
/// (`ProposalExpired`).
fn matured(p: &Proposal, now: i64) -> Result<()> {
    require!(now >= p.eta, VaultError::TimelockNotExpired);
    require!(now <= p.eta.saturating_add(PROPOSAL_GRACE_SECS), VaultError::ProposalExpired);
    Ok(())
}

/// A registration that waits for the timelock (`setup/add_asset`): the pending registration
/// proposal exists (`TimelockRequired`), is this vault's and the admin's (`WrongProposal`,
/// `WrongRentReceiver`), names exactly `named` (`ProposalMismatch`) and is matured. The caller
/// closes it ([`invoke::close_to`], rent back to the admin) after its own CPIs: lamports moved
/// before a CPI on an account the CPI does not take would unbalance it.
pub(crate) fn check_registration(
    proposal: &AccountInfo,
    admin: &Pubkey,
    vault: &Pubkey,
    named: &Registration,
) -> Result<()> {
    require!(!proposal.data_is_empty(), VaultError::TimelockRequired);
    // this program's `Proposal` (owner: Anchor's `AccountOwnedByWrongProgram`; discriminator)
    require_keys_eq!(*proposal.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
    let p = Proposal::try_deserialize(&mut &proposal.try_borrow_data()?[..])?;
    checks::proposal_of(&p, vault, admin)?;
    require!(p.change == ConfigChange::Registration(*named), VaultError::ProposalMismatch);
    matured(&p, Clock::get()?.unix_timestamp)
}

#[derive(Accounts)]
#[instruction(change: ConfigChange)]
pub struct ProposeChange<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA `["proposal", vault, kind]`, created here.
    #[account(mut, seeds = [seeds::PROPOSAL, vault.key().as_ref(), &[change.kind().code()]], bump)]
    pub proposal: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct ApplyChange<'info> {
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
    #[account(mut, close = proposer)]
    pub proposal: Account<'info, Proposal>,
    /// CHECK: = proposal.proposer; receives the rent.
    #[account(mut)]
    pub proposer: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint (fee changes accrue fees at the old rates first).
    pub share_mint: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct CancelChange<'info> {
    /// The admin or the guardian.
    pub signer: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut, close = proposer)]
    pub proposal: Account<'info, Proposal>,
    /// CHECK: = proposal.proposer; receives the rent.
    #[account(mut)]
    pub proposer: UncheckedAccount<'info>,
}

pub(crate) fn propose_change(ctx: Context<ProposeChange>, change: ConfigChange) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let now = Clock::get()?.unix_timestamp;
    let eta = {
        let v = a.vault.load()?;
        check(&change, &v)?;
        now.checked_add(i64::from(v.timelock_secs)).ok_or(VaultError::MathOverflow)?
    };
    let kind = change.kind();
    let proposal_seeds: &[&[u8]] = &[seeds::PROPOSAL, vault_key.as_ref(), &[kind.code()], &[ctx.bumps.proposal]];
    let new_account = invoke::NewPda {
        payer: &a.admin,
        target: &a.proposal,
        system_program: &a.system_program,
        owner: &crate::ID,
        space: Proposal::SPACE,
    };
    invoke::create_pda_account(&new_account, proposal_seeds)?;
    let record = Proposal { vault: vault_key, proposer: a.admin.key(), proposed_at: now, eta, change };
    record.try_serialize(&mut &mut a.proposal.try_borrow_mut_data()?[..])?;
    emit!(ChangeProposed { vault: vault_key, kind, proposer: a.admin.key(), eta });
    Ok(())
}

pub(crate) fn apply_change<'info>(ctx: Context<'info, ApplyChange<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let now = Clock::get()?.unix_timestamp;
    let p = &a.proposal;
    matured(p, now)?;
    let mut v = a.vault.load_mut()?;
    checks::not_rebalancing(&v)?;
    let mut r = a.risk.load_mut()?;
    checks::risk_and_share_mint(&a.vault.key(), a.share_mint.key, &v, &r)?;
    check(&p.change, &v)?;
    match &p.change {
        ConfigChange::RiskParams(params) => {
            let event = set_risk_params::write(params, vault_key, &mut v, &mut r);
            emit!(event);
        }
        ConfigChange::RiskBudgets(budgets) => {
            set_risk_budgets::write(&mut v, &mut r, budgets)?;
            emit!(RiskBudgetsSet { vault: vault_key, budgets_ppb: budgets.clone() });
        }
        ConfigChange::Fees { management_bps, performance_bps } => {
            let rates = (*management_bps, *performance_bps);
            switch_rates(&mut v, &vault_key, &a.share_mint, ctx.remaining_accounts, rates)?;
        }
        ConfigChange::Rebalance(params) => {
            r.rebalance = *params;
            emit!(RebalanceParamsSet { vault: vault_key, params: *params });
        }
        ConfigChange::OptionParams(params) => {
            let event = set_option_params::write(params, vault_key, &mut v, &mut r);
            emit!(event);
        }
        ConfigChange::Registration(_) => return err!(VaultError::ProposalMismatch),
        ConfigChange::InKindCap { index, cap } => {
            emit!(set_in_kind_cap::write(&mut v, vault_key, *index, *cap));
        }
        ConfigChange::Guardian(key) => {
            emit!(roles::write_guardian(&mut v, vault_key, Pubkey::new_from_array(*key)));
        }
        ConfigChange::Retire { index, .. } => {
            let event = retire_slot(&mut v, &mut r, vault_key, usize::from(*index), p.proposer, true)?;
            emit!(event);
        }
        ConfigChange::OracleChange(c) => {
            let oracle = ctx.remaining_accounts.first().ok_or(VaultError::OracleAccountCount)?;
            emit!(set_oracle::write(&mut v, vault_key, c, oracle)?);
        }
        ConfigChange::Flow(params) => {
            v.flows.params = *params;
            emit!(FlowParamsSet { vault: vault_key, params: *params });
        }
    }
    v.invariant().map_err(VaultError::from)?;
    emit!(ChangeApplied { vault: vault_key, kind: p.change.kind() });
    Ok(())
}

pub(crate) fn cancel_change(ctx: Context<CancelChange>) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    emit!(ChangeCancelled { vault: vault_key, kind: a.proposal.change.kind(), by: a.signer.key() });
    Ok(())
}
