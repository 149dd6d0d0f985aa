/// Specification:
/// - Changes that raise risk or fees wait `timelock_secs` (fixed at initialisation, ≤ 30 days;
///   0 = none) between a proposal and its application; changes that lower them apply at once
///   through `set_risk_params`, `set_risk_budgets` and `set_fees`, which refuse a raise under a
///   timelock with `TimelockRequired`. What counts as a raise is stated in those instructions:
///   a higher volatility target, leverage cap, band, maximum risk age or RC tolerance, a lower
///   prior volatility, any change of the estimator (method, λ, horizon, sampling interval), any
///   budget reshuffle, a higher fee rate.
/// - `propose_change(change)`: only the admin (`Unauthorized`), who pays for the proposal PDA
///   `["proposal", vault, kind]` (kind 0 = risk parameters, 1 = risk budgets, 2 = fee rates,
///   3 = rebalancing parameters, `InvalidRebalanceParams`; 4 = option parameters,
///   `InvalidOptionParams`). The
///   change is validated now as it will be at application (`InvalidRiskParams`;
///   `WrongVectorLength` / `InvalidBudgets`; `FeeAboveMaximum`). One pending proposal per kind
///   (`ChangeAlreadyPending`). `eta = now + timelock_secs`. Emits `ChangeProposed`.
/// - `apply_change()`: permissionless, from `eta` (`TimelockNotExpired` before) until
///   `eta + PROPOSAL_GRACE_SECS` (`ProposalExpired` after). The proposal must be this vault's
///   (`WrongProposal`), the rent goes back to its proposer (`WrongRentReceiver`), the risk
///   account and share mint must be the vault's (`WrongRiskAccount`, `WrongShareMint`). The
///   change is validated again against the vault as it is now, then applied exactly as the
///   immediate instruction would (a fee change first accrues fees at the old rates, with one
///   oracle per asset as remaining accounts). Closes the proposal; emits the change's own event
///   (`RiskParamsSet`, `RiskBudgetsSet`, `FeesSet`) and `ChangeApplied`.
/// - `cancel_change()`: the admin or the guardian (`NotAdminOrGuardian`), at any time; the
///   proposal must be this vault's (`WrongProposal`) and its rent goes back to the proposer
///   (`WrongRentReceiver`). Closes the proposal; emits `ChangeCancelled`.
use anchor_lang::prelude::*;
use rpv_core::layout::MAX_ASSETS;

use super::{
    fees::switch_rates, set_option_params::OptionParams, set_rebalance_params::RebalanceParams, set_risk_budgets,
    set_risk_params::RiskParams,
};
use crate::{
    error::VaultError,
    events::{ChangeApplied, ChangeCancelled, ChangeProposed, RiskBudgetsSet},
    invoke,
    state::{same, seeds, Risk, Vault},
};

/// A proposal can be applied during this long after its `eta`; after that it must be proposed
/// again (so a forgotten proposal cannot surprise depositors months later).
pub const PROPOSAL_GRACE_SECS: i64 = 14 * 86_400;
/// Longest timelock a vault may be created with.
pub const MAX_TIMELOCK_SECS: u32 = 30 * 86_400;

pub const KIND_RISK_PARAMS: u8 = 0;
pub const KIND_RISK_BUDGETS: u8 = 1;
pub const KIND_FEES: u8 = 2;
pub const KIND_REBALANCE: u8 = 3;
pub const KIND_OPTION_PARAMS: u8 = 4;

/// A configuration change that waits for the timelock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub enum ConfigChange {
    RiskParams(RiskParams),
    /// Parts per 10^9, one per registered asset.
    RiskBudgets(Vec<u64>),
    Fees {
        management_bps: u16,
        performance_bps: u16,
    },
    /// Rebalancing parameters (`set_rebalance_params`).
    Rebalance(RebalanceParams),
    /// Option rate, implied-vol blend and Greek limits (`set_option_params`).
    OptionParams(OptionParams),
}

impl ConfigChange {
    pub fn kind(&self) -> u8 {
        match self {
            Self::RiskParams(_) => KIND_RISK_PARAMS,
            Self::RiskBudgets(_) => KIND_RISK_BUDGETS,
            Self::Fees { .. } => KIND_FEES,
            Self::Rebalance(_) => KIND_REBALANCE,
            Self::OptionParams(_) => KIND_OPTION_PARAMS,
        }
    }

    /// The checks the change must pass both when proposed and when applied.
    fn check(&self, v: &rpv_core::layout::VaultState) -> Result<()> {
        match self {
            Self::RiskParams(p) => require!(p.valid(), VaultError::InvalidRiskParams),
            Self::RiskBudgets(b) => set_risk_budgets::check(v, b)?,
            Self::Fees { management_bps, performance_bps } => {
                require!(v.fees.within_maxima(*management_bps, *performance_bps), VaultError::FeeAboveMaximum)
            }
            Self::Rebalance(p) => require!(p.config().is_valid(), VaultError::InvalidRebalanceParams),
            Self::OptionParams(p) => require!(p.valid(), VaultError::InvalidOptionParams),
        }
        Ok(())
    }
}

/// A pending change (PDA `["proposal", vault, kind]`).
#[account]
pub struct Proposal {
    pub vault: Pubkey,
    /// Paid the rent; receives it back when the proposal is applied or cancelled.
    pub proposer: Pubkey,
    pub proposed_at: i64,
    /// Earliest application time.
    pub eta: i64,
    pub change: ConfigChange,
}

impl Proposal {
    /// Discriminator, keys, times, enum tag, and the largest variant (a full budget vector).
    pub const SPACE: usize = 8 + 32 + 32 + 8 + 8 + 1 + 4 + 8 * MAX_ASSETS;
}

#[derive(Accounts)]
#[instruction(change: ConfigChange)]
pub struct ProposeChange<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA `["proposal", vault, kind]`, created here.
    #[account(mut, seeds = [seeds::PROPOSAL, vault.key().as_ref(), &[change.kind()]], bump)]
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
        require!(same(a.admin.key, &v.admin), VaultError::Unauthorized);
        change.check(&v)?;
        now.checked_add(i64::from(v.timelock_secs)).ok_or(VaultError::MathOverflow)?
    };
    require!(a.proposal.data_is_empty(), VaultError::ChangeAlreadyPending);
    let kind = change.kind();
    let proposal_seeds: &[&[u8]] = &[seeds::PROPOSAL, vault_key.as_ref(), &[kind], &[ctx.bumps.proposal]];
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
    require!(p.vault == vault_key, VaultError::WrongProposal);
    require!(p.proposer == a.proposer.key(), VaultError::WrongRentReceiver);
    require!(now >= p.eta, VaultError::TimelockNotExpired);
    require!(now <= p.eta.saturating_add(PROPOSAL_GRACE_SECS), VaultError::ProposalExpired);
    let mut v = a.vault.load_mut()?;
    require!(!v.is_rebalancing(), VaultError::RebalanceInProgress);
    let mut r = a.risk.load_mut()?;
    require!(same(&vault_key, &r.vault), VaultError::WrongRiskAccount);
    require!(same(a.share_mint.key, &v.share_mint), VaultError::WrongShareMint);
    p.change.check(&v)?;
    match &p.change {
        ConfigChange::RiskParams(params) => {
            params.write(&mut v, &mut r);
            emit!(params.event(vault_key));
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
            r.rebalance = params.config();
            emit!(params.event(vault_key));
        }
        ConfigChange::OptionParams(params) => {
            let event = params.write(vault_key, &mut v, &mut r);
            emit!(event);
        }
    }
    v.invariant().map_err(VaultError::from)?;
    emit!(ChangeApplied { vault: vault_key, kind: p.change.kind() });
    Ok(())
}

pub(crate) fn cancel_change(ctx: Context<CancelChange>) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    {
        let v = a.vault.load()?;
        require!(same(a.signer.key, &v.admin) || same(a.signer.key, &v.guardian), VaultError::NotAdminOrGuardian);
    }
    require!(a.proposal.vault == vault_key, VaultError::WrongProposal);
    require!(a.proposal.proposer == a.proposer.key(), VaultError::WrongRentReceiver);
    emit!(ChangeCancelled { vault: vault_key, kind: a.proposal.change.kind(), by: a.signer.key() });
    Ok(())
}
