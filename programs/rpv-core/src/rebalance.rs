//! # Rebalancing rules
//!
//! What `rebalance` (and the flash pair `rebalance_begin` / `rebalance_end`) may trade, how much,
//! at what price, and what a keeper can take for it. The program decides; the caller is only
//! the counterparty.
//!
//! ## Which leg, which way, how much
//! - **NAV** below is the *reference NAV* ([`reference_nav`]): the smaller of the last refresh's
//!   snapshot and the NAV now (last sample's prices, this leg at its fresh price, the holdings
//!   now). Targets, band, caps, the incentive budget and the Greek check are all measured on it,
//!   so money that arrived since the refresh — a deposit or `deposit_asset` in the same
//!   transaction as the trade — enlarges none of them, while money that left (withdrawals)
//!   shrinks them at once. Doubt goes against the caller: a deposit cannot make the legs look
//!   under target, nor lift the per-call, turnover, reduction or incentive caps; new money is
//!   deployed after the next `refresh` has sampled it (at most one per `min_sample_interval`).
//! - A leg's value is its holding at the fair (mid) price; its target is the risk account's
//!   target `L·w_i·NAV_snapshot` rescaled to the reference NAV: `target_i · NAV / NAV_snapshot`
//!   ([`scaled_target`], never above `target_i`).
//! - A leg trades only when `|value − target| > band` (`band_bps` of NAV), towards its target:
//!   the vault **sells** a leg above its target (for base) and **buys** one below it.
//! - Size (fair value) = min(distance to target, `max_leg_bps` of NAV, what is left of the
//!   window's turnover `max_turnover_bps` of NAV, the caller's own cap); a sale is also capped
//!   by what is left of the window's gross-exposure reduction `max_reduction_bps` of NAV — unless
//!   the leg's underlying is beyond a Greek limit (a *hard* limit: then the cut is not
//!   rate-limited, and the Greek rule still refuses any trade that pushes the breach further); a
//!   purchase by the vault's base holdings. The trade never overshoots the target, so a caller
//!   cannot make the vault trade back and forth.
//! - **Cash first** (issue 15): the vault keeps a *cash target* in base ([`cash_target`]) — the
//!   cash buffer (`cash_buffer_bps` of NAV) plus what the withdrawal queue is owed. Every
//!   target is measured on the investable part, `target_i · (NAV − cash) / NAV`
//!   (`investable_part`), so a queue makes the legs stand above target and the rebalancer
//!   sells towards base; a purchase may spend only the base above the cash target; while the
//!   base is below it no leg is picked to buy and a leg above its target sells even inside its
//!   band (the queue is owed the cash now). The caps above still bound every sale.
//! - After a leg trades it rests for `cooldown_secs`.
//! - A **settled series** ([`settled_leg`]) has target 0 and is only sold, whole, at exactly its
//!   payoff per token (no oracle read, no band, no per-call, turnover or reduction cap, not
//!   counted against them; the incentive below and the cooldown apply): its sale at its own
//!   value changes no NAV and it has no exposure left. An expired series that never settled
//!   does not trade.
//!
//! ## The rolling window of the "daily" caps
//! The turnover, reduction and incentive counters ([`RebalanceBook`]) cover a *run* of trades:
//! every trade since the first one after a quiet period; they reset only once [`DAY`] seconds
//! have passed since the last counted trade ([`roll_window`]). Bound: within any 24 h interval
//! `[t, t + 86 400)` the trades counted are at most each cap (as measured at the last of them) —
//! two trades in such an interval are less than a day apart, so no reset falls between them
//! and both are in one run, whose sum is checked against the cap. A fixed UTC day would allow
//! twice the cap within seconds of midnight; two half-day buckets still about 1.5×–2× within a
//! day. The price: a run that uses its cap slowly waits a quiet day before the next one (at
//! worst one cap per `run + 24 h`); refused calls do not count as trades, so they never extend
//! a run. It needs no more state than the day counters did (`last_counted` replaces `day`).
//!
//! ## Price and keeper incentive
//! Per whole token, three prices ([`LegPrices`]): the fair mid, the price the vault sells at
//! (the upper end of the oracle's confidence interval, ≥ fair) and the price it buys at (the
//! lower end, ≤ fair). For an option leg these are Black–Scholes values at the implied vol ± its
//! confidence and the underlying ± its confidence in the direction that raises / lowers the
//! option's value (upper / lower bounds outside the Black–Scholes domain). The keeper's
//! incentive is `keeper_bps` of the trade's fair value, limited by what is left of the window's
//! incentive budget (`incentive_budget_ppm` of NAV), paid as a better price:
//! - the vault sells `q` tokens and receives `⌈q·P_sell⌉ − incentive` base units;
//! - the vault buys `q` tokens and pays `⌊q·P_buy⌋ + incentive` base units.
//!
//! Hence the vault's cost against fair value is at most the incentive (the confidence spread
//! only ever helps the vault), so per call `cost ≤ keeper_bps · value ≤ max_slippage_bps ·
//! value`, and within any 24 h `Σ cost ≤ incentive_budget_ppm · NAV`. Both are checked again on the
//! amounts before any token moves.

use crate::{
    error::CoreResult,
    fixed_point::Fx,
    layout::{OptionTerms, RebalanceBook, RiskState, VaultState, MAX_ASSETS},
    math::{mul_div, pow10, value_in_base, Rounding},
    options::OptionKind,
    price::OraclePrice,
    valuation::{fx_value_in_base, option_mark, price_to_fx},
    CoreError,
};

/// Seconds in a rebalancing day.
pub const DAY: i64 = 86_400;
const BPS: u128 = crate::math::BPS as u128;
const PPM: u128 = 1_000_000;
pub use rpv_interface::args::AUTO_LEG;

/// Rebalancing parameters as stored in the risk account: the interface's
/// [`rpv_interface::RebalanceParams`] (`set_rebalance_params`'s argument), with its defaults,
/// ranges and raise rule.
pub use rpv_interface::args::{
    RebalanceParams as RebalanceConfig, MAX_COOLDOWN_SECS, MAX_INCENTIVE_BUDGET_PPM, MAX_REBALANCE_ORACLE_AGE,
    MAX_SLIPPAGE_CEILING_BPS,
};

/// Which way the vault trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Side {
    /// The vault sells the leg's tokens for base.
    Sell = 1,
    /// The vault buys the leg's tokens with base.
    Buy = 2,
}

impl Side {
    pub fn from_u8(x: u8) -> Option<Self> {
        match x {
            1 => Some(Self::Sell),
            2 => Some(Self::Buy),
            _ => None,
        }
    }
}

/// Per whole token of a leg, base currency: fair mid, the price the vault sells at (≥ fair)
/// and the price it buys at (≤ fair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegPrices {
    pub fair: Fx,
    pub sell: Fx,
    pub buy: Fx,
}

/// A spot leg's prices from one oracle read: mid, mid + conf, mid − conf.
pub fn spot_leg_prices(p: &OraclePrice) -> CoreResult<LegPrices> {
    let at = |price: u64| price_to_fx(&OraclePrice { price, ..*p });
    Ok(LegPrices {
        fair: at(p.price)?,
        sell: at(p.price.checked_add(p.conf).ok_or(CoreError::MathOverflow)?)?,
        buy: at(p.price.saturating_sub(p.conf))?,
    })
}

/// An option leg's prices from its underlying's price and its implied vol (module doc).
pub fn option_leg_prices(
    t: &OptionTerms,
    spot: &OraclePrice,
    iv: &OraclePrice,
    rate: Fx,
    now: i64,
) -> CoreResult<LegPrices> {
    let kind = t.option_kind().ok_or(CoreError::MathDomain)?;
    let s = |price: u64| price_to_fx(&OraclePrice { price, ..*spot });
    let v = |price: u64| price_to_fx(&OraclePrice { price, ..*iv });
    let (s_up, s_down) =
        (spot.price.checked_add(spot.conf).ok_or(CoreError::MathOverflow)?, spot.price.saturating_sub(spot.conf));
    let (v_up, v_down) =
        (iv.price.checked_add(iv.conf).ok_or(CoreError::MathOverflow)?, iv.price.saturating_sub(iv.conf));
    // the spot move that raises the option's value
    let (s_rich, s_cheap) = match kind {
        OptionKind::Call => (s_up, s_down),
        OptionKind::Put => (s_down, s_up),
    };
    let mid = option_mark(t, s(spot.price)?, v(iv.price)?, rate, now)?;
    let rich = option_mark(t, s(s_rich)?, v(v_up)?, rate, now)?;
    let cheap = option_mark(t, s(s_cheap)?, v(v_down)?, rate, now)?;
    let fair = Fx::from_bits((mid.low.to_bits() >> 1) + (mid.high.to_bits() >> 1));
    Ok(LegPrices { fair, sell: rich.high.max(fair), buy: cheap.low.min(fair) })
}

/// Whole tokens' smallest units worth at most `value` base units at `unit` base currency per
/// whole token (rounded down).
pub fn qty_for_value(value: u64, unit: Fx, decimals: u8, base_decimals: u8) -> CoreResult<u64> {
    let u = unit.to_bits();
    if u <= 0 {
        return Err(CoreError::MathDomain);
    }
    let u = u as u128;
    let v = u128::from(value) << 48;
    let q = if decimals >= base_decimals {
        let f = pow10(u32::from(decimals - base_decimals)).ok_or(CoreError::MathOverflow)?;
        v.checked_mul(f).ok_or(CoreError::MathOverflow)? / u
    } else {
        let f = pow10(u32::from(base_decimals - decimals)).ok_or(CoreError::MathOverflow)?;
        v / u.checked_mul(f).ok_or(CoreError::MathOverflow)?
    };
    u64::try_from(q).map_err(|_| CoreError::MathOverflow)
}

/// `x · num / den` in u128, rounded down.
fn frac(x: u64, num: u128, den: u128) -> u64 {
    (u128::from(x) * num / den) as u64
}

/// The NAV targets, band, caps and budgets are measured on: the smaller of the last refresh's
/// snapshot and `live` (module doc). Money that arrived since the refresh counts only once a
/// refresh has sampled it; money that left counts at once.
pub fn reference_nav(r: &RiskState, live: u64) -> u64 {
    live.min(r.nav_snapshot)
}

/// The band at the NAV now `live`: `band_bps` of the [`reference_nav`], base units.
pub fn band(r: &RiskState, live: u64) -> u64 {
    frac(reference_nav(r, live), u128::from(r.band_bps), BPS)
}

/// Target of slot `i` at the NAV now `live`: rescaled to the [`reference_nav`]
/// (`target_i · min(live, nav_snapshot) / nav_snapshot`, never above `target_i`).
pub fn scaled_target(r: &RiskState, i: usize, live: u64) -> CoreResult<u64> {
    if r.nav_snapshot == 0 {
        return Err(CoreError::MathDomain);
    }
    let t = u128::from(r.targets[i]) * u128::from(reference_nav(r, live)) / u128::from(r.nav_snapshot);
    u64::try_from(t).map_err(|_| CoreError::MathOverflow)
}

/// The base the rebalancer keeps at reference NAV `nav`: the cash buffer (`cash_buffer_bps`
/// of `nav`) plus what the withdrawal queue is owed — its pending shares at the higher of two
/// recent share prices, the last positions step's (the fee snapshot, once captured) and the
/// last priced instruction's (`FlowState::last_price`), so the estimate errs towards raising
/// cash — never more than `nav`.
pub fn cash_target(v: &VaultState, nav: u64) -> u64 {
    let buffer = mul_div(nav, u64::from(v.flows.params.cash_buffer_bps), crate::math::BPS, Rounding::Up).unwrap_or(nav);
    // a price known for no shares yet counts nothing
    let at = |p: &crate::layout::FeeSnapshot| match p.shares {
        0 => 0,
        shares => v.queue_value(p.nav, shares).unwrap_or(nav),
    };
    let queue = at(&v.fee_snapshot).max(at(&v.flows.last_price));
    buffer.saturating_add(queue).min(nav)
}

/// A target on the investable part of the reference NAV `nav`: `target · (nav − cash) / nav`
/// (module doc: cash first), the [`cash_target`] `cash` computed once by the caller.
fn investable_part(target: u64, nav: u64, cash: u64) -> CoreResult<u64> {
    if cash == 0 || nav == 0 {
        return Ok(target);
    }
    Ok(frac(target, u128::from(nav - cash), u128::from(nav)))
}

/// Value of slot `i`'s holding at the risk account's last sample, base units, rounded down:
/// a spot asset at its sampled price, an option at its stored mark.
pub fn sampled_value(v: &VaultState, r: &RiskState, i: usize) -> CoreResult<u64> {
    let a = &v.assets[i];
    if a.option.is_option() {
        fx_value_in_base(a.quantity, r.mark[i].get(), a.decimals, v.base_decimals, Rounding::Down)
    } else {
        value_in_base(a.quantity, &r.sampled[i].get(), a.decimals, v.base_decimals, Rounding::Down)
    }
}

/// Whether slot `i` can trade at `now`: spot, an option series before expiry, or a settled
/// series (sold at its payoff: [`settled_leg`]). An expired series not (or never) settled
/// cannot.
pub fn tradable(v: &VaultState, i: usize, now: i64) -> bool {
    let t = &v.assets[i].option;
    !t.is_option() || t.is_settled() || now < t.expiry
}

/// Whether slot `i` is a settled series: a *settled leg*. Its target is 0 and the vault only
/// sells it, at exactly its payoff per whole token (no oracle is read: [`settled_leg_prices`])
/// to keepers, who exercise the tokens; no band (the whole holding goes), no per-call,
/// turnover or reduction cap and no Greek check (the leg has no exposure left and its sale at
/// its own value moves no NAV); the keeper incentive is the ordinary `keeper_bps` within the
/// incentive budget, and the cooldown holds. Once its holding is zero the slot can be retired.
pub fn settled_leg(v: &VaultState, i: usize) -> bool {
    let t = &v.assets[i].option;
    t.is_option() && t.is_settled()
}

/// A settled leg's prices: its payoff per whole token, on every side.
pub fn settled_leg_prices(t: &OptionTerms) -> LegPrices {
    let payoff = t.settlement_value.get();
    LegPrices { fair: payoff, sell: payoff, buy: payoff }
}

/// Slot `i`'s prices at `now` from what was read: a settled leg needs no read, an option leg
/// its implied vol `leg` and its underlying's price, a spot leg its price (`MathDomain` when
/// one is missing).
pub fn leg_prices(
    v: &VaultState,
    i: usize,
    leg: Option<&OraclePrice>,
    underlying: Option<&OraclePrice>,
    now: i64,
) -> CoreResult<LegPrices> {
    let t = &v.assets[i].option;
    match (t.is_option(), leg, underlying) {
        _ if settled_leg(v, i) => Ok(settled_leg_prices(t)),
        (true, Some(iv), Some(s)) => option_leg_prices(t, s, iv, v.option_rate.get(), now),
        (false, Some(p), _) => spot_leg_prices(p),
        _ => Err(CoreError::MathDomain),
    }
}

/// Whether slot `i` is resting after a trade.
pub fn cooling_down(cfg: &RebalanceConfig, book: &RebalanceBook, i: usize, now: i64) -> bool {
    let last = i64::from(book.last_trade[i]);
    last != 0 && now < last + i64::from(cfg.cooldown_secs)
}

/// The rolling window's counters as of `now`: reset once [`DAY`] seconds have passed since the
/// last counted trade (module doc for the bound).
pub fn roll_window(book: &mut RebalanceBook, now: i64) {
    if now.saturating_sub(book.last_counted) >= DAY {
        book.turnover = 0;
        book.reduction = 0;
        book.incentive = 0;
    }
}

/// Every slot's [`sampled_value`] and the NAV they add up to with the base, in one pass.
pub fn sampled_values(v: &VaultState, r: &RiskState) -> CoreResult<([u64; MAX_ASSETS], u64)> {
    let mut values = [0u64; MAX_ASSETS];
    let mut nav = v.base_quantity;
    for (i, value) in values.iter_mut().enumerate().take(v.active_assets().len()) {
        *value = sampled_value(v, r, i)?;
        nav = nav.checked_add(*value).ok_or(CoreError::MathOverflow)?;
    }
    Ok((values, nav))
}

/// NAV at the last sample's prices and marks, with the accounted holdings now.
pub fn sampled_nav(v: &VaultState, r: &RiskState) -> CoreResult<u64> {
    sampled_values(v, r).map(|(_, nav)| nav)
}

/// The tradable leg furthest outside its band at the last sample (targets and band on the
/// [`reference_nav`]; a settled leg has no band), not cooling down (`None` when every leg is
/// inside its band).
pub fn furthest_leg(v: &VaultState, r: &RiskState, cfg: &RebalanceConfig, now: i64) -> CoreResult<Option<usize>> {
    furthest_leg_except(v, r, cfg, now, 0)
}

/// [`furthest_leg`] among the legs not in `except` (bit `i` = slot `i`): the next leg a caller
/// names when the furthest one cannot trade now (a cap reached, a price refused).
pub fn furthest_leg_except(
    v: &VaultState,
    r: &RiskState,
    cfg: &RebalanceConfig,
    now: i64,
    except: u32,
) -> CoreResult<Option<usize>> {
    let (values, live) = sampled_values(v, r)?;
    let band = band(r, live);
    // the cash target, once for every leg
    let nav = reference_nav(r, live);
    let cash = cash_target(v, nav);
    let short = v.base_quantity < cash;
    let spendable = v.base_quantity > cash;
    let book = &r.book;
    let mut best: Option<(usize, u64)> = None;
    for (i, value) in values.iter().enumerate().take(v.active_assets().len()) {
        if except & (1 << i) != 0 || !tradable(v, i, now) || cooling_down(cfg, book, i, now) {
            continue;
        }
        let target = investable_part(scaled_target(r, i, live)?, nav, cash)?;
        // cash first: no purchase is picked while the base is at or below the cash target …
        if *value < target && !spendable {
            continue;
        }
        let d = value.abs_diff(target);
        // … and while it is below, a leg above its target sells inside its band too
        let band = if settled_leg(v, i) || (short && *value > target) { 0 } else { band };
        if d > band && best.is_none_or(|(_, b)| d > b) {
            best = Some((i, d));
        }
    }
    Ok(best.map(|(i, _)| i))
}

/// One leg as `plan` sees it.
#[derive(Clone, Copy, Debug)]
pub struct LegInput {
    /// Accounted quantity and decimals of the leg.
    pub quantity: u64,
    pub decimals: u8,
    pub prices: LegPrices,
    /// The leg's target at `nav` ([`scaled_target`]).
    pub target: u64,
    /// The [`reference_nav`], base units: band, caps and budget are fractions of it.
    pub nav: u64,
    /// Base units the vault holds (accounted).
    pub base_available: u64,
    /// The leg's underlying is beyond a Greek limit: sales are not rate-limited.
    pub breach: bool,
    /// The caller's own cap on the trade's fair value (0 = none).
    pub max_value: u64,
    /// A settled leg ([`settled_leg`]): no band and no caps but the caller's and the
    /// incentive budget.
    pub settled: bool,
}

/// A trade the vault will do (module doc for every bound).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub side: Side,
    /// Tokens of the leg (smallest units) the vault sells or buys.
    pub qty: u64,
    /// Base units the vault receives (sell) or pays (buy).
    pub base_amount: u64,
    /// Fair value of `qty`, rounded down.
    pub fair_value: u64,
    /// Keeper incentive inside `base_amount`.
    pub incentive: u64,
    /// Upper bound of the vault's cost against fair value (negative = a gain).
    pub cost: i64,
    /// The leg's value before, its target and the band, base units.
    pub value_before: u64,
    pub target: u64,
    pub band: u64,
    /// The sale of a settled leg: not counted against turnover or reduction.
    pub settled: bool,
}

/// The trade for one leg, or why there is none: `WithinBand`, `TurnoverCapReached`,
/// `ReductionCapReached` or `TradeTooSmall`. `book` must be rolled to now ([`roll_window`]).
pub fn plan(
    cfg: &RebalanceConfig,
    book: &RebalanceBook,
    band_bps: u16,
    base_decimals: u8,
    leg: &LegInput,
) -> CoreResult<Plan> {
    let LegInput { quantity, decimals, prices, target, nav, max_value, settled, .. } = *leg;
    let value_before = fx_value_in_base(quantity, prices.fair, decimals, base_decimals, Rounding::Down)?;
    let band = if settled { 0 } else { frac(nav, u128::from(band_bps), BPS) };
    let (side, distance) =
        if value_before > target { (Side::Sell, value_before - target) } else { (Side::Buy, target - value_before) };
    if distance <= band || (settled && side == Side::Buy) {
        return Err(CoreError::WithinBand);
    }
    let incentive_left = frac(nav, u128::from(cfg.incentive_budget_ppm), PPM).saturating_sub(book.incentive);
    let qty = if settled {
        // the whole holding, or what the caller's cap buys
        if max_value > 0 && max_value < value_before {
            qty_for_value(max_value, prices.fair, decimals, base_decimals)?.min(quantity)
        } else {
            quantity
        }
    } else {
        plain_qty(cfg, book, base_decimals, leg, side, distance)?
    };
    finish_plan(cfg, base_decimals, leg, Sizing { side, qty, incentive_left, value_before, band })
}

/// What [`plan`] sized: side, quantity, the incentive budget left, the value before, the band.
struct Sizing {
    side: Side,
    qty: u64,
    incentive_left: u64,
    value_before: u64,
    band: u64,
}

/// The quantity of an ordinary (not settled) leg: the distance to target within the per-call,
/// turnover, reduction (sales) and base (purchases) caps and the caller's own.
fn plain_qty(
    cfg: &RebalanceConfig,
    book: &RebalanceBook,
    base_decimals: u8,
    leg: &LegInput,
    side: Side,
    distance: u64,
) -> CoreResult<u64> {
    let LegInput { quantity, decimals, prices, nav, base_available, breach, max_value, .. } = *leg;
    let turnover_left = frac(nav, u128::from(cfg.max_turnover_bps), BPS).saturating_sub(book.turnover);
    if turnover_left == 0 {
        return Err(CoreError::TurnoverCapReached);
    }
    let mut size = distance.min(frac(nav, u128::from(cfg.max_leg_bps), BPS)).min(turnover_left);
    if max_value > 0 {
        size = size.min(max_value);
    }
    Ok(match side {
        Side::Sell => {
            if !breach {
                let left = frac(nav, u128::from(cfg.max_reduction_bps), BPS).saturating_sub(book.reduction);
                if left == 0 {
                    return Err(CoreError::ReductionCapReached);
                }
                size = size.min(left);
            }
            qty_for_value(size, prices.fair, decimals, base_decimals)?.min(quantity)
        }
        Side::Buy => {
            // the vault pays at most size·(1 + keeper_bps) ≤ its base
            let affordable = frac(base_available, BPS, BPS + u128::from(cfg.keeper_bps));
            qty_for_value(size.min(affordable), prices.fair, decimals, base_decimals)?
        }
    })
}

/// The amounts of a sized trade, the keeper incentive and the bounds re-checked on them.
fn finish_plan(cfg: &RebalanceConfig, base_decimals: u8, leg: &LegInput, z: Sizing) -> CoreResult<Plan> {
    let LegInput { decimals, prices, target, base_available, settled, .. } = *leg;
    let Sizing { side, qty, incentive_left, value_before, band } = z;
    let fair_value = fx_value_in_base(qty, prices.fair, decimals, base_decimals, Rounding::Down)?;
    let fair_up = fx_value_in_base(qty, prices.fair, decimals, base_decimals, Rounding::Up)?;
    let incentive = frac(fair_value, u128::from(cfg.keeper_bps), BPS).min(incentive_left);
    let (base_amount, cost) = match side {
        Side::Sell => {
            let gross = fx_value_in_base(qty, prices.sell, decimals, base_decimals, Rounding::Up)?;
            let got = gross.saturating_sub(incentive);
            (got, i128::from(fair_up) - i128::from(got))
        }
        Side::Buy => {
            let gross = fx_value_in_base(qty, prices.buy, decimals, base_decimals, Rounding::Down)?;
            let paid = gross.checked_add(incentive).ok_or(CoreError::MathOverflow)?;
            (paid, i128::from(paid) - i128::from(fair_value))
        }
    };
    if qty == 0 || fair_value == 0 || base_amount == 0 {
        return Err(CoreError::TradeTooSmall);
    }
    // the bounds, re-checked on the amounts (rounding included)
    let cost_cap = i128::from(incentive) + 1;
    let slip_cap = (u128::from(fair_up) * u128::from(cfg.max_slippage_bps)).div_ceil(BPS) as i128 + 1;
    if cost > cost_cap || cost > slip_cap || (side == Side::Buy && base_amount > base_available) {
        return Err(CoreError::MathDomain);
    }
    Ok(Plan {
        side,
        qty,
        base_amount,
        fair_value,
        incentive,
        cost: i64::try_from(cost).map_err(|_| CoreError::MathOverflow)?,
        value_before,
        target,
        band,
        settled,
    })
}

/// The trade `rebalance` plans for slot `i` at `now` from fresh leg `prices` — the program's own
/// computation, also what the SDK and keepers simulate: the NAV now from the last sample with
/// this leg at its fresh fair price, the [`reference_nav`] (at most the snapshot) the target,
/// band and caps are measured on, the window's counters as of `now`, the Greek breach of the
/// leg's underlying. Returns the plan and the reference NAV.
pub fn plan_for(
    v: &VaultState,
    r: &RiskState,
    i: usize,
    prices: LegPrices,
    max_value: u64,
    now: i64,
) -> CoreResult<(Plan, u64)> {
    let slot = &v.assets[i];
    let fresh = fx_value_in_base(slot.quantity, prices.fair, slot.decimals, v.base_decimals, Rounding::Down)?;
    let (values, sampled) = sampled_values(v, r)?;
    let live = sampled.checked_sub(values[i]).and_then(|n| n.checked_add(fresh)).ok_or(CoreError::MathOverflow)?;
    let nav = reference_nav(r, live);
    // the cash target, once: targets on the investable part, purchases only from the base above
    // it, and while the base is below it a leg above its target sells inside its band too
    let cash = cash_target(v, nav);
    let target = investable_part(scaled_target(r, i, nav)?, nav, cash)?;
    let band_bps = if v.base_quantity < cash && fresh > target { 0 } else { r.band_bps };
    let mut book = r.book;
    roll_window(&mut book, now);
    let leg = LegInput {
        quantity: slot.quantity,
        decimals: slot.decimals,
        prices,
        target,
        nav,
        base_available: v.base_quantity.saturating_sub(cash),
        breach: r.greek_breach_mask & (1u16 << r.factor[i].min(15)) != 0,
        max_value,
        settled: settled_leg(v, i),
    };
    Ok((plan(&r.rebalance, &book, band_bps, v.base_decimals, &leg)?, nav))
}

/// Records a trade of slot `i` at `now` in the book (`book` rolled to `now`: [`roll_window`]).
pub fn record(book: &mut RebalanceBook, i: usize, p: &Plan, now: i64) {
    book.last_trade[i] = u32::try_from(now.max(1)).unwrap_or(u32::MAX);
    book.last_counted = now;
    if !p.settled {
        book.turnover = book.turnover.saturating_add(p.fair_value);
        if p.side == Side::Sell {
            book.reduction = book.reduction.saturating_add(p.fair_value);
        }
    }
    book.incentive = book.incentive.saturating_add(p.incentive);
    book.total_incentive = book.total_incentive.saturating_add(p.incentive);
    book.total_cost = book.total_cost.saturating_add(p.cost);
    book.trades = book.trades.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;
    use proptest::prelude::*;

    #[test]
    fn the_cash_target_is_the_buffer_plus_the_queue() {
        let mut v = VaultState::zeroed();
        v.flows.params.cash_buffer_bps = 500;
        assert_eq!(cash_target(&v, 1_000_000), 50_000);
        v.flows.withdrawals.pending = 100_000;
        assert_eq!(cash_target(&v, 1_000_000), 50_000, "no share price known yet");
        v.fee_snapshot.nav = 2_000_000;
        v.fee_snapshot.shares = 1_000_000;
        assert_eq!(cash_target(&v, 1_000_000), 250_000);
        v.flows.last_price.nav = 3_000_000;
        v.flows.last_price.shares = 1_000_000;
        assert_eq!(cash_target(&v, 1_000_000), 350_000, "the higher of the two prices");
        v.flows.last_price.nav = 1_000_000;
        assert_eq!(cash_target(&v, 1_000_000), 250_000);
        v.flows.withdrawals.pending = 10_000_000;
        assert_eq!(cash_target(&v, 1_000_000), 1_000_000, "never above the NAV");
    }

    fn fx(x: f64) -> Fx {
        Fx::from_num(x)
    }

    fn spot(price: f64, conf_frac: f64) -> LegPrices {
        let p = (price * 1e8) as u64;
        spot_leg_prices(&OraclePrice { price: p, conf: (p as f64 * conf_frac) as u64, expo: -8, publish_time: 0 })
            .unwrap()
    }

    fn leg(quantity: u64, prices: LegPrices, target: u64, nav: u64) -> LegInput {
        LegInput {
            quantity,
            decimals: 9,
            prices,
            target,
            nav,
            base_available: nav,
            breach: false,
            max_value: 0,
            settled: false,
        }
    }

    fn book() -> RebalanceBook {
        RebalanceBook::default()
    }

    #[test]
    fn defaults_are_valid_and_raises_are_detected() {
        let d = RebalanceConfig::DEFAULT;
        assert!(d.valid());
        assert!(!d.raises_risk(&d));
        assert!(RebalanceConfig { cooldown_secs: 60, ..d }.raises_risk(&d));
        assert!(RebalanceConfig { keeper_bps: 6, ..d }.raises_risk(&d));
        assert!(!RebalanceConfig { keeper_bps: 4, max_leg_bps: 100, ..d }.raises_risk(&d));
        let aged = RebalanceConfig { max_oracle_age: 30, ..d };
        assert!(!aged.raises_risk(&d), "a finite age is tighter than the assets' own");
        assert!(d.raises_risk(&aged));
        assert!(!RebalanceConfig { keeper_bps: 60, ..d }.valid());
        assert!(!RebalanceConfig { max_reduction_bps: 3_000, ..d }.valid());
    }

    #[test]
    fn sells_above_target_buys_below_and_respects_the_band() {
        // 1,000 USDC NAV (6 decimals), leg of 4 tokens at 100 = 400 vs target 300: sell
        let nav = 1_000_000_000;
        let p = spot(100.0, 0.0);
        let l = leg(4_000_000_000, p, 300_000_000, nav);
        let cfg = RebalanceConfig {
            max_leg_bps: 10_000,
            max_turnover_bps: 10_000,
            max_reduction_bps: 10_000,
            incentive_budget_ppm: 1_000,
            ..RebalanceConfig::DEFAULT
        };
        let s = plan(&cfg, &book(), 500, 6, &l).unwrap();
        assert_eq!(s.side, Side::Sell);
        assert_eq!(s.qty, 1_000_000_000, "exactly the distance: 1 token");
        assert_eq!(s.fair_value, 100_000_000);
        assert_eq!(s.incentive, 50_000, "5 bps");
        assert_eq!(s.base_amount, 100_000_000 - 50_000);
        // below target: buy
        let b = plan(&cfg, &book(), 500, 6, &leg(2_000_000_000, p, 300_000_000, nav)).unwrap();
        assert_eq!(b.side, Side::Buy);
        assert_eq!(b.qty, 1_000_000_000);
        assert_eq!(b.base_amount, 100_000_000 + 50_000);
        // inside the band (5 % of 1,000 = 50): 340 vs 300
        assert_eq!(plan(&cfg, &book(), 500, 6, &leg(3_400_000_000, p, 300_000_000, nav)), Err(CoreError::WithinBand));
    }

    #[test]
    fn caps_bind_in_order() {
        let nav = 1_000_000_000;
        let p = spot(100.0, 0.0);
        let cfg = RebalanceConfig::DEFAULT; // 5 % per leg, 25 % turnover, 10 % reduction
        let l = leg(9_000_000_000, p, 0, nav); // 900 above target
        let s = plan(&cfg, &book(), 500, 6, &l).unwrap();
        assert_eq!(s.fair_value, 50_000_000, "5 % of NAV per call");
        let mut bk = book();
        bk.reduction = 80_000_000;
        assert_eq!(plan(&cfg, &bk, 500, 6, &l).unwrap().fair_value, 20_000_000, "what is left of the 10 % reduction");
        bk.reduction = 100_000_000;
        assert_eq!(plan(&cfg, &bk, 500, 6, &l), Err(CoreError::ReductionCapReached));
        // a Greek breach lifts the reduction cap, not the others
        assert_eq!(plan(&cfg, &bk, 500, 6, &LegInput { breach: true, ..l }).unwrap().fair_value, 50_000_000);
        bk.turnover = 250_000_000;
        assert_eq!(plan(&cfg, &bk, 500, 6, &LegInput { breach: true, ..l }), Err(CoreError::TurnoverCapReached));
        // the caller may ask for less
        assert_eq!(plan(&cfg, &book(), 500, 6, &LegInput { max_value: 7_000_000, ..l }).unwrap().fair_value, 7_000_000);
        // the incentive budget: 20 ppm of NAV = 20,000 per day
        let mut bk = book();
        bk.incentive = 19_000;
        assert_eq!(plan(&cfg, &bk, 500, 6, &l).unwrap().incentive, 1_000);
        bk.incentive = 20_000;
        assert_eq!(plan(&cfg, &bk, 500, 6, &l).unwrap().incentive, 0);
        // a purchase is limited by the base the vault holds
        let b = plan(&cfg, &book(), 500, 6, &LegInput { base_available: 10_000_000, ..leg(0, p, 900_000_000, nav) })
            .unwrap();
        assert!(b.base_amount <= 10_000_000 && b.base_amount > 9_900_000, "{b:?}");
    }

    #[test]
    fn targets_follow_the_smaller_of_snapshot_and_live_nav() {
        let mut r: RiskState = bytemuck::Zeroable::zeroed();
        assert_eq!(scaled_target(&r, 0, 1_000), Err(CoreError::MathDomain), "no snapshot yet");
        r.nav_snapshot = 1_000_000;
        r.targets[0] = 300_000;
        // money in since the refresh (a deposit): neither the reference NAV nor the target grows
        assert_eq!(reference_nav(&r, 21_000_000), 1_000_000);
        assert_eq!(scaled_target(&r, 0, 21_000_000), Ok(300_000));
        // money out (a withdrawal): both shrink at once
        assert_eq!(reference_nav(&r, 500_000), 500_000);
        assert_eq!(scaled_target(&r, 0, 500_000), Ok(150_000));
        assert_eq!(scaled_target(&r, 0, 1_000_000), Ok(300_000));
    }

    #[test]
    fn a_settled_leg_sells_whole_at_its_payoff_past_every_cap_but_the_incentive_budget() {
        // 3 tokens (9 decimals) of a series settled at 2.5 per token = 7.5 base; NAV 1,000
        let nav = 1_000_000_000;
        let t = OptionTerms { settlement_value: crate::layout::FxBits::from_fx(fx(2.5)), ..OptionTerms::zeroed() };
        let prices = settled_leg_prices(&t);
        assert_eq!((prices.fair, prices.sell, prices.buy), (fx(2.5), fx(2.5), fx(2.5)));
        let cfg =
            RebalanceConfig { max_leg_bps: 1, max_turnover_bps: 1, max_reduction_bps: 1, ..RebalanceConfig::DEFAULT };
        // turnover and reduction used up, a band far wider than the leg
        let used = RebalanceBook { turnover: nav, reduction: nav, last_counted: 5, ..book() };
        let l = LegInput { settled: true, ..leg(3_000_000_000, prices, 0, nav) };
        let p = plan(&cfg, &used, 5_000, 6, &l).unwrap();
        assert_eq!((p.side, p.qty, p.fair_value, p.band, p.settled), (Side::Sell, 3_000_000_000, 7_500_000, 0, true));
        // at exactly the payoff, less the ordinary incentive
        let incentive = 7_500_000 * u64::from(cfg.keeper_bps) / 10_000;
        assert_eq!((p.incentive, p.base_amount), (incentive, 7_500_000 - incentive));
        // not counted against turnover or reduction
        let mut bk = used;
        record(&mut bk, 0, &p, 10);
        assert_eq!((bk.turnover, bk.reduction, bk.incentive), (nav, nav, incentive));
        // the caller's cap still holds; an empty or worthless leg has nothing to sell
        let capped = plan(&cfg, &used, 5_000, 6, &LegInput { max_value: 2_500_000, ..l }).unwrap();
        assert_eq!((capped.qty, capped.fair_value), (1_000_000_000, 2_500_000));
        assert_eq!(plan(&cfg, &used, 5_000, 6, &LegInput { quantity: 0, ..l }), Err(CoreError::WithinBand));
        let worthless = settled_leg_prices(&OptionTerms::zeroed());
        assert_eq!(plan(&cfg, &used, 5_000, 6, &LegInput { prices: worthless, ..l }), Err(CoreError::WithinBand));
    }

    #[test]
    fn cooldown_and_rolling_window() {
        let cfg = RebalanceConfig::DEFAULT;
        let mut bk = book();
        let p = Plan {
            side: Side::Sell,
            qty: 1,
            base_amount: 1,
            fair_value: 10,
            incentive: 1,
            cost: 1,
            value_before: 0,
            target: 0,
            band: 0,
            settled: false,
        };
        // a trade one second before 00:00 UTC
        let t0 = 12 * DAY - 1;
        roll_window(&mut bk, t0);
        record(&mut bk, 3, &p, t0);
        assert!(cooling_down(&cfg, &bk, 3, t0 + 3_599));
        assert!(!cooling_down(&cfg, &bk, 3, t0 + 3_600));
        assert!(!cooling_down(&cfg, &bk, 2, t0));
        assert_eq!((bk.turnover, bk.reduction, bk.incentive, bk.trades), (10, 10, 1, 1));
        // midnight passes: the window does not reset
        roll_window(&mut bk, t0 + 2);
        assert_eq!((bk.turnover, bk.reduction, bk.incentive), (10, 10, 1));
        // another trade 12 h later extends the run: still no reset a day after the first
        roll_window(&mut bk, t0 + DAY / 2);
        record(&mut bk, 2, &p, t0 + DAY / 2);
        roll_window(&mut bk, t0 + DAY);
        assert_eq!((bk.turnover, bk.reduction, bk.incentive, bk.trades), (20, 20, 2, 2));
        // a whole day after the last counted trade: reset (totals kept)
        roll_window(&mut bk, t0 + DAY / 2 + DAY - 1);
        assert_eq!(bk.turnover, 20);
        roll_window(&mut bk, t0 + DAY / 2 + DAY);
        assert_eq!((bk.turnover, bk.reduction, bk.incentive, bk.total_incentive, bk.trades), (0, 0, 0, 2, 2));
    }

    proptest! {
        /// The window's bound: whatever the trade times and sizes, the fair value admitted within
        /// any interval `[t, t + DAY)` is at most the turnover cap.
        #[test]
        fn the_window_admits_at_most_the_cap_within_any_day(
            gaps in proptest::collection::vec(0i64..2 * DAY, 1..40),
            sizes in proptest::collection::vec(1u64..400, 40),
        ) {
            let nav = 10_000u64;
            let cfg = RebalanceConfig { max_turnover_bps: 1_000, ..RebalanceConfig::DEFAULT }; // cap 1,000
            let mut bk = book();
            let mut t = 5 * DAY;
            let mut admitted: Vec<(i64, u64)> = Vec::new();
            for (gap, want) in gaps.iter().zip(sizes.iter()) {
                t += gap;
                roll_window(&mut bk, t);
                let left = frac(nav, u128::from(cfg.max_turnover_bps), BPS).saturating_sub(bk.turnover);
                let size = (*want).min(left);
                if size == 0 {
                    continue;
                }
                let p = Plan {
                    side: Side::Buy, qty: size, base_amount: size, fair_value: size, incentive: 0, cost: 0,
                    value_before: 0, target: 0, band: 0, settled: false,
                };
                record(&mut bk, 0, &p, t);
                admitted.push((t, size));
            }
            for (start, _) in &admitted {
                let sum: u64 = admitted.iter().filter(|(u, _)| *u >= *start && *u < start + DAY).map(|(_, s)| s).sum();
                prop_assert!(sum <= 1_000, "{sum} within a day from {start}");
            }
        }
    }

    #[test]
    fn option_leg_prices_bracket_the_fair_value() {
        let t = OptionTerms {
            kind: crate::layout::KIND_CALL,
            underlying: 0,
            settled: 0,
            expiry_slot: [0; 5],
            expiry: 30 * DAY,
            strike: crate::layout::FxBits::from_fx(fx(100.0)),
            contract_size: crate::layout::FxBits::from_fx(Fx::ONE),
            settlement_value: crate::layout::FxBits::default(),
        };
        let s = OraclePrice { price: 100_0000_0000, conf: 5_000_0000, expo: -8, publish_time: 0 };
        let v = OraclePrice { price: 60_000_000, conf: 1_000_000, expo: -8, publish_time: 0 };
        let p = option_leg_prices(&t, &s, &v, Fx::ZERO, 0).unwrap();
        assert!(p.buy < p.fair && p.fair < p.sell, "{p:?}");
        let put = OptionTerms { kind: crate::layout::KIND_PUT, ..t };
        let q = option_leg_prices(&put, &s, &v, Fx::ZERO, 0).unwrap();
        assert!(q.buy < q.fair && q.fair < q.sell, "{q:?}");
    }

    proptest! {
        /// Whatever the prices, sizes and state: the vault's cost against fair value is at most
        /// the incentive (+1 unit of rounding), the incentive at most `keeper_bps` of the trade
        /// and within the day's budget, and the trade never passes the target.
        #[test]
        fn the_vault_never_gives_up_more_than_the_bounds(
            price in 0.001f64..100_000.0, conf in 0.0f64..0.02, qty in 0u64..1_000_000_000_000,
            target_frac in 0.0f64..2.0, nav in 1_000_000u64..1_000_000_000_000_000,
            keeper_bps in 0u16..50, used in 0u64..1_000_000, dec in 0u8..=12,
        ) {
            let p = (price * 1e8) as u64;
            prop_assume!(p > 0);
            let prices = spot_leg_prices(&OraclePrice { price: p, conf: (p as f64 * conf) as u64, expo: -8, publish_time: 0 }).unwrap();
            let cfg = RebalanceConfig { keeper_bps, ..RebalanceConfig::DEFAULT };
            let value = fx_value_in_base(qty, prices.fair, dec, 6, Rounding::Down).unwrap_or(u64::MAX);
            prop_assume!(value < u64::MAX / 4);
            let target = (value as f64 * target_frac) as u64;
            let mut bk = book();
            bk.incentive = used;
            let l = LegInput { quantity: qty, decimals: dec, prices, target, nav, base_available: nav, breach: false, max_value: 0, settled: false };
            if let Ok(pl) = plan(&cfg, &bk, 100, 6, &l) {
                prop_assert!(pl.cost <= pl.incentive as i64 + 1);
                prop_assert!(u128::from(pl.incentive) * BPS <= u128::from(pl.fair_value) * u128::from(keeper_bps));
                prop_assert!(pl.incentive + used <= frac(nav, 20, PPM).max(used));
                match pl.side {
                    Side::Sell => prop_assert!(pl.fair_value <= value - target && pl.qty <= qty),
                    Side::Buy => prop_assert!(pl.fair_value <= target - value),
                }
                prop_assert!(u128::from(pl.fair_value) * BPS <= u128::from(nav) * u128::from(cfg.max_leg_bps));
            }
        }
    }
}
