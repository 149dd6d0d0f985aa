//! `rebalance` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Permissionless: the caller (keeper) signs and is the counterparty of one trade of one leg
//!   against the base asset, in one instruction. The program decides the leg, the direction
//!   and the size (`rpv_core::rebalance`); the caller can only shrink the size (`max_value`)
//!   and bound its price (`max_base_in` when the vault sells, `min_base_out` when it buys,
//!   `SlippageExceeded`).
//! - `leg` = 255: the tradable leg furthest outside its band at the last sample (not cooling
//!   down); the asset accounts must be that leg's (`WrongLeg`; nothing outside the bands →
//!   `WithinBand`). Otherwise `leg` names a registered slot (`UnknownAsset`) that must be
//!   outside its band (`WithinBand`).
//! - Accounts: the risk account must be the vault's (`WrongRiskAccount`); authority, base mint,
//!   base vault, the leg's mint, its vault token account and both token programs must be the
//!   vault's (`WrongAuthority`, `WrongBaseMint`, `WrongBaseVault`, `WrongMint`,
//!   `WrongAssetVault`, `WrongTokenProgram`); the keeper's two token accounts must be for the
//!   base and the leg's mints (`WrongMint`) and not the vault's own (`DuplicateAccount`); the
//!   oracle must be the leg's (`OracleAccountMismatch`).
//!   An option leg takes its underlying's oracle as the one remaining account
//!   (`OracleAccountCount`).
//! - A settled series (`settle_expired`) is a *settled leg*: its target is 0 and the vault
//!   sells its tokens to the caller, who exercises them, at exactly the payoff per whole token
//!   (less the ordinary keeper incentive, within the incentive budget); no oracle is read (its
//!   oracle account must still be the registered one, `OracleAccountMismatch`; no remaining
//!   account, `OracleAccountCount`); the whole holding goes at once (no band, no per-call,
//!   turnover or reduction cap, not counted against them: it has no exposure, and its sale at
//!   its own value moves no NAV), the caller's `max_value` still applies; a worthless or empty
//!   one has nothing to sell (`WithinBand`). `rpv_core::rebalance::settled_leg`.
//! - Refused while paused (`VaultPaused`), during a flash rebalance (`RebalanceInProgress`),
//!   with a stale risk state (`RiskStateStale`) or before any positions step
//!   (`RefreshRequired`), for an expired series left unsettled (`SeriesExpired`), for a leg cooling
//!   down (`CooldownActive`), when the window's turnover or reduction cap is used up
//!   (`TurnoverCapReached`, `ReductionCapReached`), when the trade rounds to nothing
//!   (`TradeTooSmall`), and when it would push a breached Greek limit further
//!   (`GreekLimitExceeded`).
//! - Sized against the reference NAV, the smaller of the last refresh's snapshot and the NAV
//!   now (`rpv_core::rebalance::reference_nav`): targets, band, the per-call, turnover and
//!   reduction caps, the incentive budget and the Greek check. A deposit or `deposit_asset`
//!   earlier in the same transaction (or since the last refresh) makes no leg look under target
//!   and lifts no cap (`WithinBand`, or the cap errors below);
//!   `attack_deposit_inflates_targets_caps_and_keeper_budget`,
//!   `attack_deposit_asset_round_trip_inflates_the_deleveraging_cap`.
//! - The turnover, reduction and incentive caps hold over a rolling window: the counters add up
//!   every trade since the last 24 h without one and reset only then, so within any 24 h at most
//!   each cap trades — no second cap after 00:00 UTC (`TurnoverCapReached`,
//!   `ReductionCapReached`; `attack_midnight_reset_doubles_the_daily_cap`).
//! - Oracles: every check of `refresh`, with the maximum age of the rebalance parameters when
//!   set (else each asset's own), and never older than the newest price the vault has used
//!   (`OracleNotNewer`).
//! - Prices, incentive and bounds as in `rpv_core::rebalance`: the vault sells at the upper end
//!   of the confidence interval and buys at the lower end, less / plus the keeper incentive;
//!   its cost against fair value is at most the incentive, within `max_slippage_bps` per call
//!   and the incentive budget per rolling window.
//! - The vault must receive exactly what it is owed (`TransferAmountMismatch`); accounted
//!   quantities move by the traded amounts; balance ≥ accounted for both accounts and the
//!   invariant hold at the end. Emits `Rebalanced` with the values before and after.
use anchor_lang::prelude::*;
use rpv_core::{
    engine::{self, rebalance::TradeSummary},
    layout::{RiskState, VaultState},
    rebalance::{settled_leg, Side, AUTO_LEG},
    token,
};

use crate::{
    checks,
    error::VaultError,
    events::Rebalanced,
    instructions::flows::flow::receive,
    invoke::{self, TokenMove},
    oracle::{read_slot_price_aged, Now},
    state::{seeds, Risk, Vault},
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RebalanceArgs {
    /// Slot to trade, or 255 for the leg furthest outside its band.
    pub leg: u8,
    /// Largest fair value the caller will trade, base units (0 = no cap of its own).
    pub max_value: u64,
    /// When the vault sells: the most base units the caller pays.
    pub max_base_in: u64,
    /// When the vault buys: the fewest base units the caller receives.
    pub min_base_out: u64,
}

/// Accounts of `rebalance` (and, nested, of `rebalance_begin`).
#[derive(Accounts)]
pub struct Rebalance<'info> {
    /// The counterparty; owner of both keeper token accounts.
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    #[account(mut)]
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = vault.base_mint
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: = vault.base_vault
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: = the leg's mint
    pub asset_mint: UncheckedAccount<'info>,
    /// CHECK: = the leg's vault token account
    #[account(mut)]
    pub asset_vault: UncheckedAccount<'info>,
    /// CHECK: mint checked; the token program checks ownership
    #[account(mut)]
    pub keeper_base_token: UncheckedAccount<'info>,
    /// CHECK: mint checked; the token program checks ownership
    #[account(mut)]
    pub keeper_asset_token: UncheckedAccount<'info>,
    /// CHECK: = vault.base_token_program
    pub base_token_program: UncheckedAccount<'info>,
    /// CHECK: = the leg's token program
    pub asset_token_program: UncheckedAccount<'info>,
    /// CHECK: the leg's registered oracle (an option: its implied-vol feed), read by the reader
    pub leg_oracle: UncheckedAccount<'info>,
}

/// A planned trade with what the transfers need.
pub struct Prepared {
    pub trade: TradeSummary,
    pub authority_bump: u8,
}

impl Rebalance<'_> {
    /// The leg's checks (the other accounts are `access::rebalance`, run before), the plan, the
    /// Greek update and the book entry (the token moves and the accounted quantities are the
    /// caller's).
    pub fn prepare(&self, remaining: &[AccountInfo], args: &RebalanceArgs, now: Now) -> Result<Prepared> {
        let mut v = self.vault.load_mut()?;
        let mut r = self.risk.load_mut()?;
        let i = engine::rebalance::select_leg(&v, &r, args.leg, now.time).map_err(VaultError::from)?;
        if args.leg == AUTO_LEG {
            checks::chosen_leg(self.asset_mint.key, &v.assets[i])?;
        }
        checks::rebalance_leg(
            self.asset_mint.key,
            self.asset_vault.key,
            self.asset_token_program.key,
            &self.keeper_asset_token,
            &v.assets[i],
        )?;
        engine::rebalance::leg_gate(&v, &r, i, now.time).map_err(VaultError::from)?;

        // fresh prices: the leg's oracle (and an option's underlying); a settled series trades at
        // its payoff and reads neither (its oracle account must still be the registered one)
        let slot = &v.assets[i];
        let age = |max: u32| engine::rebalance::oracle_age(&r.rebalance, max);
        let settled = settled_leg(&v, i);
        let p = if settled {
            require!(remaining.is_empty(), VaultError::OracleAccountCount);
            checks::registered_oracle(&self.leg_oracle, slot).map_err(VaultError::from)?;
            None
        } else {
            Some(
                read_slot_price_aged(slot, &self.leg_oracle, now, age(slot.max_oracle_age))
                    .map_err(VaultError::from)?,
            )
        };
        let s = if settled {
            None
        } else if slot.option.is_option() {
            require!(remaining.len() == 1, VaultError::OracleAccountCount);
            let under = &v.assets[usize::from(slot.option.underlying)];
            Some(read_slot_price_aged(under, &remaining[0], now, age(under.max_oracle_age)).map_err(VaultError::from)?)
        } else {
            require!(remaining.is_empty(), VaultError::OracleAccountCount);
            None
        };
        let trade = engine::rebalance::trade(
            &mut v,
            &mut r,
            i,
            p.as_ref(),
            s.as_ref(),
            args.max_value,
            args.max_base_in,
            args.min_base_out,
            now.time,
        )
        .map_err(VaultError::from)?;
        Ok(Prepared { trade, authority_bump: v.authority_bump })
    }

    /// The vault's side of the trade: the tokens it gives, signed by its authority.
    pub fn pay_out(&self, p: &Prepared) -> Result<()> {
        let vault_key = self.vault.key();
        let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[p.authority_bump]];
        let t = &p.trade;
        let (m, decimals) = match t.plan.side {
            Side::Sell => (
                TokenMove {
                    token_program: &self.asset_token_program,
                    from: &self.asset_vault,
                    mint: &self.asset_mint,
                    to: &self.keeper_asset_token,
                    authority: &self.authority,
                },
                t.asset_decimals,
            ),
            Side::Buy => (
                TokenMove {
                    token_program: &self.base_token_program,
                    from: &self.base_vault,
                    mint: &self.base_mint,
                    to: &self.keeper_base_token,
                    authority: &self.authority,
                },
                t.base_decimals,
            ),
        };
        invoke::transfer_checked(&m, t.vault_gives(), decimals, &[authority_seeds])
    }
}

/// The `Rebalanced` event of a finished trade.
pub fn rebalanced_event(
    vault: Pubkey,
    keeper: Pubkey,
    r: &RiskState,
    t: &TradeSummary,
    quantity_after: u64,
    flash: bool,
) -> Rebalanced {
    Rebalanced {
        vault,
        keeper,
        leg: t.index as u8,
        side: t.plan.side as u8,
        flash,
        qty: t.plan.qty,
        base_amount: t.plan.base_amount,
        fair_value: t.plan.fair_value,
        incentive: t.plan.incentive,
        cost: t.plan.cost,
        fair_price_bits: t.prices.fair.to_bits(),
        value_before: t.plan.value_before,
        value_after: t.value_after(quantity_after),
        target: t.plan.target,
        band: t.plan.band,
        nav: t.nav,
        turnover_today: r.book.turnover,
        reduction_today: r.book.reduction,
        incentive_today: r.book.incentive,
    }
}

pub(crate) fn handler<'info>(ctx: Context<'info, Rebalance<'info>>, args: RebalanceArgs) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let p = a.prepare(ctx.remaining_accounts, &args, now)?;
    let t = &p.trade;
    // the caller pays first, then the vault
    let (pay_in, decimals_in) = match t.plan.side {
        Side::Sell => (
            TokenMove {
                token_program: &a.base_token_program,
                from: &a.keeper_base_token,
                mint: &a.base_mint,
                to: &a.base_vault,
                authority: &a.keeper,
            },
            t.base_decimals,
        ),
        Side::Buy => (
            TokenMove {
                token_program: &a.asset_token_program,
                from: &a.keeper_asset_token,
                mint: &a.asset_mint,
                to: &a.asset_vault,
                authority: &a.keeper,
            },
            t.asset_decimals,
        ),
    };
    receive(&pay_in, t.vault_receives(), decimals_in)?;
    a.pay_out(&p)?;
    let base_balance = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    let asset_balance = token::token_amount(&a.asset_vault.try_borrow_data()?).map_err(VaultError::from)?;
    let mut v = a.vault.load_mut()?;
    let quantity_after = engine::rebalance::settle(&mut v, t).map_err(VaultError::from)?;
    VaultState::check_reconciled(v.base_quantity, base_balance).map_err(VaultError::from)?;
    VaultState::check_reconciled(quantity_after, asset_balance).map_err(VaultError::from)?;
    let r = a.risk.load()?;
    emit!(rebalanced_event(a.vault.key(), a.keeper.key(), &r, t, quantity_after, false));
    Ok(())
}
