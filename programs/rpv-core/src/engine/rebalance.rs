//! `rebalance` and the flash pair `rebalance_begin` / `rebalance_end`: which leg, the plan at
//! fresh prices ([`crate::rebalance`] for every rule and bound), the Greek update, the book,
//! and the accounted quantities. The caller is the counterparty: it pays the vault first
//! (`rebalance`) or by `rebalance_end` (flash), and the vault pays it what the plan says.

use super::{ensure, no_flash_rebalance, EngineError, EngineResult};
use crate::{
    fixed_point::Fx,
    layout::{FlashLock, RebalanceConfig, RiskState, VaultState},
    math::Rounding,
    positions::apply_greek_value,
    price::OraclePrice,
    rebalance::{
        cooling_down, furthest_leg, leg_prices, plan_for, record, roll_window, settled_leg, tradable, LegPrices, Plan,
        Side, AUTO_LEG,
    },
    valuation::fx_value_in_base,
    CoreError,
};

/// A planned trade of one leg (the `Rebalanced` event, with [`TradeSummary::value_after`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeSummary {
    pub plan: Plan,
    /// The leg's slot.
    pub index: usize,
    pub prices: LegPrices,
    /// NAV the plan was sized against (`rebalance::reference_nav`: at most the snapshot).
    pub nav: u64,
    pub asset_decimals: u8,
    pub base_decimals: u8,
}

impl TradeSummary {
    /// What the vault gives: tokens of the leg when it sells, base units when it buys.
    pub fn vault_gives(&self) -> u64 {
        match self.plan.side {
            Side::Sell => self.plan.qty,
            Side::Buy => self.plan.base_amount,
        }
    }

    /// What the vault receives: base when it sells, the leg when it buys.
    pub fn vault_receives(&self) -> u64 {
        match self.plan.side {
            Side::Sell => self.plan.base_amount,
            Side::Buy => self.plan.qty,
        }
    }

    /// The leg's value at the fair price for a holding of `quantity_after` (0 on overflow).
    pub fn value_after(&self, quantity_after: u64) -> u64 {
        fx_value_in_base(quantity_after, self.prices.fair, self.asset_decimals, self.base_decimals, Rounding::Down)
            .unwrap_or(0)
    }
}

/// The leg to trade: not paused (`VaultPaused`), no flash rebalance open
/// (`RebalanceInProgress`), a fresh risk state (`RiskStateStale`) with a positions step
/// (`RefreshRequired`); [`AUTO_LEG`] = the tradable leg furthest outside its band at the last
/// sample (`WithinBand` when none), else a registered slot (`UnknownAsset`).
pub fn select_leg(v: &VaultState, r: &RiskState, leg: u8, now: i64) -> EngineResult<usize> {
    ensure(!v.is_paused(), EngineError::VaultPaused)?;
    no_flash_rebalance(v)?;
    ensure(v.risk_is_fresh(now), EngineError::RiskStateStale)?;
    ensure(r.nav_snapshot > 0 && r.positions_at > 0, EngineError::RefreshRequired)?;
    let i = if leg == AUTO_LEG {
        furthest_leg(v, r, &r.rebalance, now)?.ok_or(CoreError::WithinBand)?
    } else {
        usize::from(leg)
    };
    ensure(i < usize::from(v.num_assets), EngineError::UnknownAsset)?;
    Ok(i)
}

/// Leg `i` can trade now: spot, an unexpired series or a settled one (sold at its payoff,
/// `rebalance::settled_leg`) — not an expired series left unsettled (`SeriesExpired`) — not
/// resting after its last trade (`CooldownActive`).
pub fn leg_gate(v: &VaultState, r: &RiskState, i: usize, now: i64) -> EngineResult<()> {
    ensure(tradable(v, i, now), EngineError::SeriesExpired)?;
    ensure(!cooling_down(&r.rebalance, &r.book, i, now), EngineError::CooldownActive)
}

/// Maximum age of the prices a trade reads: the rebalance parameters' when set, never more
/// than the asset's own `max` (seconds; Switchboard: slots).
pub fn oracle_age(cfg: &RebalanceConfig, max: u32) -> u32 {
    if cfg.max_oracle_age == 0 {
        max
    } else {
        cfg.max_oracle_age.min(max)
    }
}

/// The trade of leg `i` at fresh prices (`leg` = the leg's oracle value; `underlying` = its
/// underlying's price, for an option leg; neither for a settled leg, which trades at its
/// payoff: `rebalance::settled_leg`): each no older than the newest the vault has used
/// (`OracleNotNewer`), the plan, the caller's bounds (`max_value`; `max_base_in` when the vault
/// sells, `min_base_out` when it buys: `SlippageExceeded`), the Greek-limit rule
/// (`GreekLimitExceeded`) and the book. The accounted quantities move with [`settle`] (or
/// [`open_flash`] / [`close_flash`]).
#[allow(clippy::too_many_arguments)]
pub fn trade(
    v: &mut VaultState,
    r: &mut RiskState,
    i: usize,
    leg: Option<&OraclePrice>,
    underlying: Option<&OraclePrice>,
    max_value: u64,
    max_base_in: u64,
    min_base_out: u64,
    now: i64,
) -> EngineResult<TradeSummary> {
    let slot = v.assets[i];
    let prices = leg_prices(v, i, leg, underlying, now)?;
    if !settled_leg(v, i) {
        // the reads behind the prices: none older than the newest the vault has used
        let leg = leg.ok_or(CoreError::MathDomain)?;
        ensure(leg.publish_time >= super::flows::newest_used(v, i), CoreError::OracleNotNewer)?;
        if let (true, Some(s)) = (slot.option.is_option(), underlying) {
            let u = usize::from(slot.option.underlying);
            ensure(s.publish_time >= super::flows::newest_used(v, u), CoreError::OracleNotNewer)?;
            v.assets[u].last_publish_time = s.publish_time;
        }
        v.assets[i].last_publish_time = leg.publish_time;
    }

    let (plan, nav) = plan_for(v, r, i, prices, max_value, now)?;
    roll_window(&mut r.book, now);
    match plan.side {
        Side::Sell => ensure(plan.base_amount <= max_base_in, EngineError::SlippageExceeded)?,
        Side::Buy => ensure(plan.base_amount >= min_base_out, EngineError::SlippageExceeded)?,
    }
    let signed = match plan.side {
        Side::Sell => -Fx::from_num(plan.fair_value),
        Side::Buy => Fx::from_num(plan.fair_value),
    };
    apply_greek_value(r, i, signed, nav)?;
    record(&mut r.book, i, &plan, now);
    Ok(TradeSummary { plan, index: i, prices, nav, asset_decimals: slot.decimals, base_decimals: v.base_decimals })
}

/// The vault's side paid out: its accounted quantity of what it gave falls.
fn debit(v: &mut VaultState, t: &TradeSummary) -> EngineResult<()> {
    let amount = t.vault_gives();
    match t.plan.side {
        Side::Sell => {
            let q = &mut v.assets[t.index].quantity;
            *q = q.checked_sub(amount).ok_or(CoreError::MathOverflow)?;
        }
        Side::Buy => {
            v.base_quantity = v.base_quantity.checked_sub(amount).ok_or(EngineError::InsufficientBaseLiquidity)?;
        }
    }
    Ok(())
}

/// The caller's side received: the accounted quantity of what the vault got grows.
fn credit(v: &mut VaultState, index: usize, side: Side, received: u64) -> EngineResult<()> {
    match side {
        Side::Sell => v.base_quantity = v.base_quantity.checked_add(received).ok_or(CoreError::MathOverflow)?,
        Side::Buy => {
            let q = &mut v.assets[index].quantity;
            *q = q.checked_add(received).ok_or(CoreError::MathOverflow)?;
        }
    }
    Ok(())
}

/// `rebalance`, after both transfers: the accounted quantities move by the traded amounts and
/// the invariant holds. Returns the leg's quantity after.
pub fn settle(v: &mut VaultState, t: &TradeSummary) -> EngineResult<u64> {
    debit(v, t)?;
    credit(v, t.index, t.plan.side, t.vault_receives())?;
    v.invariant()?;
    Ok(v.assets[t.index].quantity)
}

/// `rebalance_begin`, after the vault paid out: the vault's side is debited, the vault is
/// marked rebalancing and the lock records what `rebalance_end` must find (`balance_before` =
/// the balance of the vault account to be paid, before; `begin_index` = this instruction's
/// index). Returns the leg's quantity once the trade completes.
pub fn open_flash(
    v: &mut VaultState,
    r: &mut RiskState,
    t: &TradeSummary,
    balance_before: u64,
    begin_index: u16,
) -> EngineResult<u64> {
    debit(v, t)?;
    v.flags |= VaultState::FLAG_REBALANCING;
    r.flash = FlashLock {
        qty: t.plan.qty,
        base_amount: t.plan.base_amount,
        fair_value: t.plan.fair_value,
        incentive: t.plan.incentive,
        balance_before,
        begin_index,
        leg: t.index as u8,
        side: t.plan.side as u8,
        _pad: [0; 4],
    };
    Ok(match t.plan.side {
        Side::Sell => v.assets[t.index].quantity,
        Side::Buy => v.assets[t.index].quantity.saturating_add(t.plan.qty),
    })
}

/// The open flash rebalance `rebalance_end` at instruction `index` settles: one is open and
/// began before it (`RebalanceNotStarted`). Returns the lock.
pub fn flash_gate(v: &VaultState, r: &RiskState, index: u16) -> EngineResult<FlashLock> {
    ensure(v.is_rebalancing(), EngineError::RebalanceNotStarted)?;
    let lock = r.flash;
    Side::from_u8(lock.side).ok_or(EngineError::RebalanceNotStarted)?;
    ensure(index > lock.begin_index, EngineError::RebalanceNotStarted)?;
    Ok(lock)
}

/// What `rebalance_end` found (the `FlashRebalanceSettled` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlashSettlement {
    pub lock: FlashLock,
    /// What the caller owed the vault and what arrived since `rebalance_begin`.
    pub owed: u64,
    pub received: u64,
}

/// `rebalance_end` (after [`flash_gate`]) with the balances of the vault's base and leg
/// accounts now: the account to be paid grew by at least what is owed (`RebalanceUnderpaid`);
/// it is credited, the invariant and balance ≥ accounted hold for both accounts, the vault
/// leaves the rebalancing state.
pub fn close_flash(
    v: &mut VaultState,
    r: &mut RiskState,
    base_balance: u64,
    asset_balance: u64,
) -> EngineResult<FlashSettlement> {
    let lock = r.flash;
    let side = Side::from_u8(lock.side).ok_or(EngineError::RebalanceNotStarted)?;
    let i = usize::from(lock.leg);
    let (owed, now_balance) = match side {
        Side::Sell => (lock.base_amount, base_balance),
        Side::Buy => (lock.qty, asset_balance),
    };
    let due = lock.balance_before.checked_add(owed).ok_or(CoreError::MathOverflow)?;
    ensure(now_balance >= due, EngineError::RebalanceUnderpaid)?;
    credit(v, i, side, owed)?;
    v.invariant()?;
    VaultState::check_reconciled(v.base_quantity, base_balance)?;
    VaultState::check_reconciled(v.assets[i].quantity, asset_balance)?;
    v.flags &= !VaultState::FLAG_REBALANCING;
    r.flash = FlashLock::default();
    Ok(FlashSettlement { lock, owed, received: now_balance - lock.balance_before })
}
