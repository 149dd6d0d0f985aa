//! Share flows: `deposit`, `deposit_asset`, `withdraw` and `redeem_in_kind`. Each prices the
//! flow after the fees due, applies the vault's bounds and the caller's slippage bound, and
//! books the accounted quantities; the caller then moves exactly the amounts of the summary and
//! checks each vault token account's balance against its accounted quantity
//! ([`VaultState::check_reconciled`]).
//!
//! Pricing always favours the vault (see [`crate::math`]): deposits against NAV rounded up,
//! shares rounded down; withdrawals against NAV rounded down, amounts rounded down; in kind,
//! `⌊shares × accounted / total shares⌋` of every holding.
//!
//! ## A dead feed: which price each party gets
//! A feed is *dead* for a flow when its account is the registered one but cannot be read as a
//! valid, fresh price (closed, wrong data, too old, confidence too wide, …); a wrong account
//! key is refused before any price matters. The flows read every slot on its own
//! ([`SlotRead`]) and take the dead feeds as the rule below says (issue 14: exits must never
//! be blocked by a feed, and the doubt goes against the party acting):
//!
//! | party | with a dead feed |
//! |---|---|
//! | `withdraw` (the withdrawer) | every leg whose value needs a dead feed ([`legs_needing`]) counts **zero** in the NAV it is priced at ([`exit_nav`]); the leg stays in the vault for the holders who stay |
//! | `redeem_in_kind` | reads no feed: pays its share of every holding |
//! | `deposit`, `deposit_asset` (the depositor) | refused with the feed's error ([`every_price`]): a deposit priced without a leg would buy the leg cheap |
//! | `accrue_fees` (the fee recipient) | accrues the management fee only (no NAV, no performance fee: a NAV without a leg would move the mark) |
//!
//! A withdrawal with a dead leg pays at most what the same withdrawal at fresh prices pays:
//! the NAV is smaller, and the performance fee due is measured at that smaller NAV, where the
//! value left to the holder after the fee (`nav − fee`) is smaller too (the fee takes less
//! than the whole gain); the management fee does not depend on the NAV. Nor does the risk
//! state enter the price: a withdrawal needs no fresh risk state (a dead feed stops `refresh`).

use super::{ensure, fees, fees::FeeSummary, no_flash_rebalance, EngineError, EngineResult, Navs};
use crate::{
    error::CoreResult,
    layout::{RiskState, VaultState, MAX_ASSETS},
    math::{amount_for_shares, mul_div, shares_for_deposit, Rounding, BPS},
    positions::apply_greek_change,
    price::OraclePrice,
    valuation::{legs_needing, needs_own_oracle, slot_bit, value_banded, Band, SlotSet},
    Address, CoreError,
};

/// One slot's oracle as a flow read it: the validated value (zero for a slot whose own oracle
/// is not needed, [`needs_own_oracle`]), or why it could not be read — the feed is dead.
pub type SlotRead = CoreResult<OraclePrice>;

/// Every slot's price, or the first dead feed's error (the flows that refuse a dead feed).
pub fn every_price(reads: &[SlotRead]) -> CoreResult<[OraclePrice; MAX_ASSETS]> {
    let mut prices = [OraclePrice::ZERO; MAX_ASSETS];
    for (p, r) in prices.iter_mut().zip(reads) {
        *p = (*r)?;
    }
    Ok(prices)
}

/// The NAV a withdrawal is priced at, the mark its fee accrual measures at, and the legs both
/// valued at zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitNav {
    /// NAV with the legs of `zeroed` at zero and every other holding at the low end of its
    /// oracle's confidence interval, rounded down: the price of the exit.
    pub nav_down: u64,
    /// The same NAV at the mid (rounded down): what fees are measured at. A fee accrued at the
    /// low end would pay the recipient in shares priced below the mid (issue 15).
    pub mark: u64,
    /// The legs whose value needs a dead feed (bit `i`: slot `i`), valued at zero.
    pub zeroed: SlotSet,
}

impl ExitNav {
    /// The mark when no leg was valued at zero (every held leg priced): what a performance fee
    /// may be measured at; `None` otherwise.
    pub fn complete(&self) -> Option<u64> {
        (self.zeroed == 0).then_some(self.mark)
    }
}

/// [`ExitNav`] from one read per registered slot (module doc: a dead feed's legs count zero).
/// Every other holding is priced at the low end of its oracle's confidence interval
/// ([`Band::Low`]) and marked at the mid; a read whose low end reaches zero counts as dead.
pub fn exit_nav(v: &VaultState, reads: &[SlotRead], now: i64) -> CoreResult<ExitNav> {
    let mut prices = [OraclePrice::ZERO; MAX_ASSETS];
    let mut dead = 0;
    for (i, r) in reads.iter().enumerate().take(MAX_ASSETS) {
        match r {
            // a read price is positive; zero = not read (not needed)
            Ok(p) if p.price == 0 || p.low().is_ok() => prices[i] = *p,
            _ => dead |= slot_bit(i),
        }
    }
    let zeroed = legs_needing(v, dead, now);
    let n = usize::from(v.num_assets).min(MAX_ASSETS);
    Ok(ExitNav {
        nav_down: v.nav_banded(&prices[..n], zeroed, now, Band::Low)?,
        mark: v.nav_at_zeroing(&prices[..n], zeroed, now, Rounding::Down)?,
        zeroed,
    })
}

/// The NAVs an instant deposit is priced at from live `prices`: `down` at the mid, rounded
/// down (the fee accrual's), `up` with every holding at the high end of its oracle's
/// confidence interval, rounded up ([`Band::High`]: the depositor buys dear).
pub fn instant_navs(v: &VaultState, prices: &[OraclePrice], now: i64) -> CoreResult<Navs> {
    Ok(Navs { down: v.nav_at(prices, now, Rounding::Down)?, up: v.nav_banded(prices, 0, now, Band::High)? })
}

/// Records the prices a priced path used (issue 15): each slot's `last_used_time` moves up to
/// the read's publish time (never back). With [`SlotRead`]s refused when older than it
/// ([`check_not_older`], in the program's `read_slots`), no flow or settlement can use a price
/// older than one the vault has used.
pub fn note_prices_used(v: &mut VaultState, reads: &[SlotRead], now: i64) {
    for (i, r) in reads.iter().enumerate().take(usize::from(v.num_assets)) {
        if let (Ok(p), true) = (r, needs_own_oracle(v, i, now)) {
            let last = &mut v.assets[i].last_used_time;
            *last = (*last).max(p.publish_time);
        }
    }
}

/// The newest publish time slot `i` has used: sampled by `refresh` or traded at by
/// `rebalance` (`last_publish_time`), or priced at by a flow (`last_used_time`).
pub fn newest_used(v: &VaultState, i: usize) -> i64 {
    v.assets[i].last_publish_time.max(v.assets[i].last_used_time)
}

/// `read` unless it is older than the newest price slot `i` has used ([`newest_used`]):
/// `OracleNotNewer` then.
pub fn check_not_older(v: &VaultState, i: usize, read: SlotRead) -> SlotRead {
    let p = read?;
    if p.price != 0 && p.publish_time < newest_used(v, i) {
        return Err(CoreError::OracleNotNewer);
    }
    Ok(p)
}

/// Records `nav` (mid, rounded down) for `total` shares as the vault's last known share price
/// (`FlowState::last_price`: the rebalancer values the withdrawal queue with it).
pub fn note_share_price(v: &mut VaultState, nav: u64, total: u64) {
    v.flows.last_price = crate::layout::FeeSnapshot { nav, shares: total };
}

/// The instant-flow fee on `amount`: `instant_fee_bps` of it, rounded up (it stays in the
/// vault).
pub fn instant_fee(v: &VaultState, amount: u64) -> u64 {
    mul_div(amount, u64::from(v.flows.params.instant_fee_bps), BPS, Rounding::Up).unwrap_or(amount)
}

/// An instant deposit minted shares in `slot`: no instant redemption in that slot.
pub fn note_instant_mint(v: &mut VaultState, slot: u64) {
    v.flows.instant_mint_slot = slot;
}

/// The rule of an instant redemption (`withdraw`, `redeem_in_kind`) in cluster slot `slot`:
/// no instant deposit minted shares in the same slot (`SharesMintedThisSlot`). Shares are
/// fungible and move between accounts, so the rule is the vault's: it closes the one-
/// transaction round trip (deposit at the price on chain, post a newer one, redeem).
pub fn instant_redeem_gate(v: &VaultState, slot: u64) -> EngineResult<()> {
    ensure(v.flows.instant_mint_slot != slot || slot == 0, EngineError::SharesMintedThisSlot)
}

/// A deposit in the base asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositSummary {
    pub fees: FeeSummary,
    /// Shares to mint to the depositor.
    pub shares: u64,
    /// NAV (rounded up) and total shares the deposit was priced against.
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub base_quantity_after: u64,
    /// The instant-flow fee kept by the vault out of the amount.
    pub instant_fee: u64,
}

/// A deposit of a registered asset in kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssetDepositSummary {
    pub fees: FeeSummary,
    /// What the deposit is worth, base units (the low end of the oracle's confidence interval).
    pub value: u64,
    pub shares: u64,
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub quantity_after: u64,
    /// The instant-flow fee (in value, base units) the shares were not issued for.
    pub instant_fee: u64,
}

/// A withdrawal in the base asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawSummary {
    pub fees: FeeSummary,
    /// Base units to pay out.
    pub amount: u64,
    /// NAV (rounded down) and total shares the withdrawal was priced against.
    pub nav_before: u64,
    pub total_shares_before: u64,
    pub base_quantity_after: u64,
    /// The instant-flow fee kept by the vault (`amount` is net of it).
    pub instant_fee: u64,
}

/// An in-kind redemption: `amounts[k]` of holding `k` ([`holding`]) for `k < holdings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedeemSummary {
    pub fees: FeeSummary,
    pub holdings: usize,
    pub amounts: [u64; MAX_ASSETS + 1],
    pub total_shares_before: u64,
    /// Bit `k` set = holding `k` was skipped (a frozen token account): it paid nothing and its
    /// part stays with the vault.
    pub skipped: u32,
}

/// What a holding (holding 0 = the base, holding `k` = asset slot `k − 1`) is registered as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holding {
    pub vault_account: Address,
    pub mint: Address,
    pub token_program: Address,
    pub accounted: u64,
    pub decimals: u8,
    pub is_base: bool,
}

/// Holding `k` of the vault (0 = the base asset, `k` = asset slot `k − 1`).
pub fn holding(v: &VaultState, k: usize) -> Holding {
    if k == 0 {
        Holding {
            vault_account: v.base_vault,
            mint: v.base_mint,
            token_program: v.base_token_program,
            accounted: v.base_quantity,
            decimals: v.base_decimals,
            is_base: true,
        }
    } else {
        let a = &v.assets[k - 1];
        Holding {
            vault_account: a.token_account,
            mint: a.mint,
            token_program: a.token_program,
            accounted: a.quantity,
            decimals: a.decimals,
            is_base: false,
        }
    }
}

/// The rules a deposit (base or in kind) meets before any oracle is read: a fresh risk state
/// (`RiskStateStale`), not paused (`VaultPaused`), no flash rebalance open
/// (`RebalanceInProgress`), a non-zero amount (`ZeroAmount`).
pub fn deposit_gate(v: &VaultState, amount: u64, now: i64) -> EngineResult<()> {
    ensure(v.risk_is_fresh(now), EngineError::RiskStateStale)?;
    ensure(!v.is_paused(), EngineError::VaultPaused)?;
    no_flash_rebalance(v)?;
    ensure(amount > 0, CoreError::ZeroAmount)
}

/// The vault's minimum, its cap and the caller's slippage bound on a deposit worth `value`
/// against `nav_up`: `(total shares, shares bought)`.
pub fn quote_deposit(
    v: &VaultState,
    supply: u64,
    nav_up: u64,
    value: u64,
    min_shares_out: u64,
) -> EngineResult<(u64, u64)> {
    ensure(value >= v.min_deposit, EngineError::DepositBelowMinimum)?;
    let nav_after = nav_up.checked_add(value).ok_or(CoreError::MathOverflow)?;
    ensure(nav_after <= v.deposit_cap, EngineError::DepositCapExceeded)?;
    let total_shares = v.total_shares(supply)?;
    let shares = shares_for_deposit(value, total_shares, nav_up)?;
    ensure(shares >= min_shares_out, EngineError::SlippageExceeded)?;
    Ok((total_shares, shares))
}

/// `deposit` of `amount` base units (after [`deposit_gate`]): fees, then the quote against NAV
/// rounded up, then the accounted base grows by `amount`. `supply` = the share mint's supply.
pub fn deposit(
    v: &mut VaultState,
    supply: u64,
    navs: Navs,
    amount: u64,
    min_shares_out: u64,
    now: i64,
) -> EngineResult<DepositSummary> {
    let fees = fees::accrue(v, supply, Some(navs.down), now)?;
    ensure(amount >= v.min_deposit, EngineError::DepositBelowMinimum)?;
    let instant_fee = instant_fee(v, amount);
    let (total_shares_before, shares) = quote_deposit(v, supply, navs.up, amount - instant_fee, min_shares_out)?;
    note_share_price(v, navs.down, total_shares_before);
    v.base_quantity = v.base_quantity.checked_add(amount).ok_or(CoreError::MathOverflow)?;
    v.invariant()?;
    Ok(DepositSummary {
        fees,
        shares,
        nav_before: navs.up,
        total_shares_before,
        base_quantity_after: v.base_quantity,
        instant_fee,
    })
}

/// Value of `amount` of slot `index` at the low end of its oracles' confidence intervals
/// ([`value_banded`] at [`Band::Low`]: a spot asset at `price − conf`; an option series at the
/// lower bound of its mark from implied vol σ − conf and the underlying's end that lowers it;
/// `SeriesExpired` once it can no longer be priced from its own feed), base units, rounded
/// down. An interval reaching zero (`conf ≥ price`) is refused with `OracleConfidenceTooWide`
/// ([`OraclePrice::low`]).
pub fn deposit_value(v: &VaultState, prices: &[OraclePrice], index: usize, amount: u64, now: i64) -> EngineResult<u64> {
    if v.assets[index].option.is_option() {
        ensure(needs_own_oracle(v, index, now), EngineError::SeriesExpired)?;
    }
    Ok(value_banded(v, index, amount, prices, now, Band::Low)?)
}

/// `deposit_asset` of `amount` of slot `index` (after [`deposit_gate`]): the slot's in-kind cap
/// on its accounted quantity after the deposit (`InKindCapExceeded`), fees, the deposit's
/// value ([`deposit_value`]), the Greek-limit rule for its underlying (`GreekLimitExceeded`),
/// the quote against NAV rounded up; the slot's accounted quantity grows by `amount`.
/// `prices[i]` = the oracle value of slot `i` (as read for the NAV).
#[allow(clippy::too_many_arguments)]
pub fn deposit_asset(
    v: &mut VaultState,
    r: &mut RiskState,
    supply: u64,
    navs: Navs,
    prices: &[OraclePrice],
    index: usize,
    amount: u64,
    min_shares_out: u64,
    now: i64,
) -> EngineResult<AssetDepositSummary> {
    let quantity_after = v.assets[index].quantity.checked_add(amount).ok_or(CoreError::MathOverflow)?;
    ensure(quantity_after <= v.assets[index].in_kind_cap, EngineError::InKindCapExceeded)?;
    let fees = fees::accrue(v, supply, Some(navs.down), now)?;
    let nav = navs.up;
    let value = deposit_value(v, prices, index, amount, now)?;
    let nav_after = nav.checked_add(value).ok_or(CoreError::MathOverflow)?;
    apply_greek_change(r, index, value, nav_after)?;
    ensure(value >= v.min_deposit, EngineError::DepositBelowMinimum)?;
    let instant_fee = instant_fee(v, value);
    let (total_shares_before, shares) = quote_deposit(v, supply, nav, value - instant_fee, min_shares_out)?;
    note_share_price(v, navs.down, total_shares_before);
    v.assets[index].quantity = quantity_after;
    v.invariant()?;
    Ok(AssetDepositSummary { fees, value, shares, nav_before: nav, total_shares_before, quantity_after, instant_fee })
}

/// The rules a withdrawal meets before any oracle is read: a non-zero number of shares
/// (`ZeroShares`) the caller holds (`held`, `InsufficientShares`). (A flash rebalance in
/// progress, `RebalanceInProgress`, is checked first of all by [`super::no_flash_rebalance`].)
/// No fresh risk state: the price of an exit does not depend on it (module doc), and a dead
/// feed, which stops `refresh`, must not stop exits.
pub fn withdraw_gate(shares: u64, held: u64) -> EngineResult<()> {
    ensure(shares > 0, CoreError::ZeroShares)?;
    ensure(held >= shares, EngineError::InsufficientShares)
}

/// `withdraw` of `shares` (after [`withdraw_gate`]) at `exit` ([`exit_nav`]): fees at its
/// mark, the amount at its price, the instant fee, the caller's bound (`SlippageExceeded`), the
/// base left after what the withdrawal queue is owed (`InsufficientBaseLiquidity`); the
/// accounted base falls by the amount.
pub fn withdraw(
    v: &mut VaultState,
    supply: u64,
    exit: &ExitNav,
    shares: u64,
    min_amount_out: u64,
    now: i64,
) -> EngineResult<WithdrawSummary> {
    let nav_down = exit.nav_down;
    let fees = fees::accrue(v, supply, Some(exit.mark), now)?;
    let total_shares_before = v.total_shares(supply)?;
    note_share_price(v, exit.mark, total_shares_before);
    let gross = amount_for_shares(shares, total_shares_before, nav_down)?;
    let instant_fee = instant_fee(v, gross);
    let amount = gross - instant_fee;
    ensure(amount > 0, CoreError::ZeroAmount)?;
    ensure(amount >= min_amount_out, EngineError::SlippageExceeded)?;
    // the withdrawal queue has first call on the base (FIFO): an instant exit takes only what
    // is left after what the queue is owed at the mark
    let owed = super::requests::queue_owed(v, exit.mark, total_shares_before)?;
    ensure(amount <= v.base_quantity.saturating_sub(owed), EngineError::InsufficientBaseLiquidity)?;
    v.base_quantity -= amount;
    v.invariant()?;
    Ok(WithdrawSummary {
        fees,
        amount,
        nav_before: nav_down,
        total_shares_before,
        base_quantity_after: v.base_quantity,
        instant_fee,
    })
}

/// `redeem_in_kind` of `shares` (`held` = the caller's balance): no flash rebalance open,
/// `min_amounts` empty or one per holding (`WrongVectorLength`), shares non-zero (`ZeroShares`)
/// and held (`InsufficientShares`); the fees due (no live NAV: the performance fee at the last
/// positions step's NAV per share while the risk state is fresh, [`fees::accrue`]), then
/// `⌊shares × accounted / total⌋` of every holding — nothing of a holding whose bit is set in
/// `frozen` (its vault or user token account is frozen: that part stays with the vault) — each
/// against its bound (`SlippageExceeded`), not all zero (`ZeroAmount`). The accounted
/// quantities fall by the amounts.
pub fn redeem_in_kind(
    v: &mut VaultState,
    held: u64,
    supply: u64,
    shares: u64,
    min_amounts: &[u64],
    frozen: u32,
    now: i64,
) -> EngineResult<RedeemSummary> {
    no_flash_rebalance(v)?;
    let holdings = 1 + usize::from(v.num_assets);
    ensure(min_amounts.is_empty() || min_amounts.len() == holdings, EngineError::WrongVectorLength)?;
    ensure(shares > 0, CoreError::ZeroShares)?;
    ensure(held >= shares, EngineError::InsufficientShares)?;
    let fees = fees::accrue(v, supply, None, now)?;
    let total_shares_before = v.total_shares(supply)?;
    let mut amounts = [0u64; MAX_ASSETS + 1];
    let skipped = frozen & ((1u32 << holdings) - 1);
    for (k, amount) in amounts.iter_mut().enumerate().take(holdings) {
        let accounted = if skipped & (1 << k) != 0 { 0 } else { holding(v, k).accounted };
        *amount = mul_div(shares, accounted, total_shares_before, Rounding::Down).ok_or(CoreError::MathOverflow)?;
        if let Some(min) = min_amounts.get(k) {
            ensure(*amount >= *min, EngineError::SlippageExceeded)?;
        }
    }
    ensure(amounts.iter().any(|x| *x > 0), CoreError::ZeroAmount)?;
    for (k, amount) in amounts.iter().enumerate().take(holdings) {
        // amount ≤ accounted: shares ≤ total shares
        if k == 0 {
            v.base_quantity -= amount;
        } else {
            v.assets[k - 1].quantity -= amount;
        }
    }
    v.invariant()?;
    Ok(RedeemSummary { fees, holdings, amounts, total_shares_before, skipped })
}

/// The vault the engine's unit tests start from.
#[cfg(test)]
pub(crate) mod test_vault {
    use crate::layout::VaultState;

    /// The core's test vault (a base-only vault: 1,000,000 base units against 1,000,000 dead
    /// shares, fees at zero, no cap) with a minimum deposit of 10.
    pub(crate) fn vault() -> VaultState {
        let mut v = crate::accounting::tests::vault();
        v.min_deposit = 10;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::{test_vault::vault, *};

    const NOW: i64 = 1_000;

    /// NAV of [`vault`]: its base.
    const NAVS: Navs = Navs { down: 1_000_000, up: 1_000_000 };

    /// An exit priced and marked at `nav` (no band, no dead leg).
    fn at(nav: u64) -> ExitNav {
        ExitNav { nav_down: nav, mark: nav, zeroed: 0 }
    }

    #[test]
    fn gates_refuse_in_the_program_order() {
        let mut v = vault();
        v.num_assets = 1; // never refreshed: stale
        v.flags = VaultState::FLAG_PAUSED | VaultState::FLAG_REBALANCING;
        assert_eq!(deposit_gate(&v, 0, NOW), Err(EngineError::RiskStateStale));
        v.num_assets = 0;
        assert_eq!(deposit_gate(&v, 0, NOW), Err(EngineError::VaultPaused));
        v.flags = VaultState::FLAG_REBALANCING;
        assert_eq!(deposit_gate(&v, 0, NOW), Err(EngineError::RebalanceInProgress));
        v.flags = 0;
        assert_eq!(deposit_gate(&v, 0, NOW), Err(EngineError::Core(CoreError::ZeroAmount)));
        assert_eq!(deposit_gate(&v, 1, NOW), Ok(()));
        assert_eq!(withdraw_gate(0, 5), Err(EngineError::Core(CoreError::ZeroShares)));
        assert_eq!(withdraw_gate(6, 5), Err(EngineError::InsufficientShares));
        assert_eq!(withdraw_gate(5, 5), Ok(()));
    }

    #[test]
    fn deposit_then_withdraw_books_and_prices_in_the_vaults_favour() {
        let mut v = vault();
        assert_eq!(deposit(&mut v, 0, NAVS, 9, 0, NOW), Err(EngineError::DepositBelowMinimum));
        assert_eq!(v.base_quantity, 1_000_000, "a refused deposit books nothing");
        assert_eq!(deposit(&mut v, 0, NAVS, 500_000, 500_001, NOW), Err(EngineError::SlippageExceeded));
        let mut v = vault();
        let d = deposit(&mut v, 0, NAVS, 500_000, 500_000, NOW).unwrap();
        assert_eq!((d.shares, d.total_shares_before, d.nav_before), (500_000, 1_000_000, 1_000_000));
        assert_eq!(d.base_quantity_after, 1_500_000);
        assert_eq!(v.base_quantity, 1_500_000);
        assert!(!d.fees.issued());
        // 500,000 shares of 1,500,000 at NAV 1,500,000 − 1 (a unit lost somewhere): rounded down
        let w = withdraw(&mut v, 500_000, &at(1_499_999), 500_000, 0, NOW).unwrap();
        assert_eq!(w.amount, 499_999);
        assert_eq!(v.base_quantity, 1_000_001);
        let mut v2 = v;
        assert_eq!(withdraw(&mut v2, 0, &at(1_000_001), 1, 2, NOW), Err(EngineError::SlippageExceeded));
        v2.base_quantity = 0;
        assert_eq!(withdraw(&mut v2, 0, &at(10_000_000), 1_000, 0, NOW), Err(EngineError::InsufficientBaseLiquidity));
    }

    #[test]
    fn in_kind_pays_every_holding_pro_rata_rounded_down() {
        let mut v = vault();
        v.num_assets = 1;
        v.assets[0].quantity = 333;
        v.base_quantity = 1_000;
        // 100 of 1,000,300 total shares (1,000,000 dead): every holding rounds to nothing
        assert_eq!(redeem_in_kind(&mut v, 100, 300, 100, &[], 0, NOW), Err(EngineError::Core(CoreError::ZeroAmount)));
        let mut v = vault();
        v.num_assets = 1;
        v.assets[0].quantity = 2_000_000;
        let r = redeem_in_kind(&mut v, 500_000, 1_000_000, 500_000, &[], 0, NOW).unwrap();
        assert_eq!((r.holdings, r.total_shares_before), (2, 2_000_000));
        assert_eq!(&r.amounts[..2], &[250_000, 500_000]);
        assert_eq!((v.base_quantity, v.assets[0].quantity), (750_000, 1_500_000));
        assert_eq!(
            redeem_in_kind(&mut v, 10, 500_000, 10, &[1], 0, NOW),
            Err(EngineError::WrongVectorLength),
            "one bound per holding"
        );
        assert_eq!(redeem_in_kind(&mut v, 10, 500_000, 10, &[1, 100], 0, NOW), Err(EngineError::SlippageExceeded));
    }

    #[test]
    fn in_kind_skips_frozen_holdings_which_stay_with_the_vault() {
        let mut v = vault();
        v.num_assets = 2;
        v.assets[0].quantity = 2_000_000;
        v.assets[1].quantity = 4_000_000;
        // holding 1 (asset 0) frozen; bits beyond the holdings are ignored
        let r = redeem_in_kind(&mut v, 500_000, 1_000_000, 500_000, &[], 0b10 | 1 << 20, NOW).unwrap();
        assert_eq!((r.skipped, &r.amounts[..3]), (0b10, &[250_000, 0, 1_000_000][..]));
        assert_eq!((v.base_quantity, v.assets[0].quantity, v.assets[1].quantity), (750_000, 2_000_000, 3_000_000));
        // a bound on the skipped holding still protects the redeemer
        let mut w = vault();
        w.num_assets = 1;
        w.assets[0].quantity = 2_000_000;
        assert_eq!(redeem_in_kind(&mut w, 10, 0, 10, &[0, 1], 0b10, NOW), Err(EngineError::SlippageExceeded));
        // every holding frozen: nothing to pay
        assert_eq!(
            redeem_in_kind(&mut w, 500_000, 1_000_000, 500_000, &[], 0b11, NOW),
            Err(EngineError::Core(CoreError::ZeroAmount))
        );
    }

    /// Two spot legs (9 decimals at $10, 8 decimals at $20) and a call on the first, all held.
    fn vault_with_legs(now: i64) -> (VaultState, [OraclePrice; 3]) {
        use crate::{fixed_point::Fx, layout::KIND_CALL};
        let mut v = vault();
        v.num_assets = 3;
        v.assets[0].quantity = 2_000_000_000; // 2 units: $20
        v.assets[0].decimals = 9;
        v.assets[1].quantity = 50_000_000; // 0.5 unit: $10
        v.assets[1].decimals = 8;
        let c = &mut v.assets[2];
        c.quantity = 1_000_000;
        c.decimals = 6;
        c.option.kind = KIND_CALL;
        c.option.underlying = 0;
        c.option.expiry = now + 30 * 86_400;
        c.option.strike.set(Fx::from_num(9));
        c.option.contract_size.set(Fx::from_num(1));
        let px = |price| OraclePrice { price, conf: 0, expo: -8, publish_time: 1 };
        (v, [px(1_000_000_000), px(2_000_000_000), px(50_000_000)]) // σ = 0.5
    }

    #[test]
    fn a_dead_feed_zeroes_every_leg_that_needs_it_for_a_withdrawal() {
        let (mut v, p) = vault_with_legs(NOW);
        let live: [SlotRead; 3] = [Ok(p[0]), Ok(p[1]), Ok(p[2])];
        let fresh = exit_nav(&v, &live, NOW).unwrap();
        assert_eq!(
            fresh,
            ExitNav {
                nav_down: v.nav_at(&p, NOW, Rounding::Down).unwrap(),
                mark: v.nav_at(&p, NOW, Rounding::Down).unwrap(),
                zeroed: 0
            }
        );
        let without = |v: &VaultState, legs: &[usize]| {
            let mut c = *v;
            for i in legs {
                c.assets[*i].quantity = 0;
            }
            c.nav_at(&p, NOW, Rounding::Down).unwrap()
        };
        // the call's own feed (implied vol) dead: the call alone
        let e = exit_nav(&v, &[Ok(p[0]), Ok(p[1]), Err(CoreError::OracleStale)], NOW).unwrap();
        assert_eq!(e, ExitNav { nav_down: without(&v, &[2]), mark: without(&v, &[2]), zeroed: 0b100 });
        // the underlying's feed dead: the spot leg and the call on it
        let e = exit_nav(&v, &[Err(CoreError::OracleWrongOwner), Ok(p[1]), Ok(p[2])], NOW).unwrap();
        assert_eq!(e, ExitNav { nav_down: without(&v, &[0, 2]), mark: without(&v, &[0, 2]), zeroed: 0b101 });
        assert!(e.nav_down < fresh.nav_down);
        // a dead leg holding nothing is not reported
        let mut empty = v;
        empty.assets[1].quantity = 0;
        let e = exit_nav(&empty, &[Ok(p[0]), Err(CoreError::OracleStale), Ok(p[2])], NOW).unwrap();
        assert_eq!(e.zeroed, 0);
        // expired, not settled: needs only its underlying (its own read is not made)
        let later = v.assets[2].option.expiry;
        let unread = Ok(OraclePrice::ZERO);
        assert_eq!(exit_nav(&v, &[Ok(p[0]), Ok(p[1]), unread], later).unwrap().zeroed, 0);
        assert_eq!(exit_nav(&v, &[Err(CoreError::OracleStale), Ok(p[1]), unread], later).unwrap().zeroed, 0b101);
        // settled: needs no feed at all
        v.assets[2].option.settled = 1;
        v.assets[2].option.settlement_value.set(crate::fixed_point::Fx::from_num(1));
        assert_eq!(exit_nav(&v, &[Err(CoreError::OracleStale), Ok(p[1]), unread], later).unwrap().zeroed, 0b001);
        // the flows that refuse a dead feed get its error
        assert_eq!(every_price(&[Ok(p[0]), Err(CoreError::OracleStale)]), Err(CoreError::OracleStale));
        assert_eq!(every_price(&live).map(|x| x[..3] == p), Ok(true));
    }

    #[test]
    fn a_withdrawal_with_a_dead_leg_never_pays_more_than_fresh_prices() {
        use crate::layout::FeeState;
        // performance fee 20 %, a mark well below NAV (a gain is due), management 2 %/yr
        for (dead, mark) in [(0usize, 500_000u64), (1, 500_000), (2, 500_000), (0, 10_000_000), (1, 60_000_000)] {
            let (mut v, p) = vault_with_legs(NOW);
            v.fees = FeeState::new([9; 32], [500, 3_000, 200, 2_000], mark, 1_000_000, NOW - 86_400);
            let mut reads: [SlotRead; 3] = [Ok(p[0]), Ok(p[1]), Ok(p[2])];
            let fresh = exit_nav(&v, &reads, NOW).unwrap();
            reads[dead] = Err(CoreError::OracleStale);
            let zeroed = exit_nav(&v, &reads, NOW).unwrap();
            assert!(zeroed.zeroed & slot_bit(dead) != 0);
            for shares in [1u64, 333_333, 999_999, 1_500_000] {
                let mut a = v;
                a.base_quantity = u64::MAX / 4; // liquidity is not what is tested
                let mut b = a;
                let supply = 1_000_000;
                let paid = withdraw(&mut a, supply, &zeroed, shares, 0, NOW).unwrap().amount;
                let at_fresh = withdraw(&mut b, supply, &fresh, shares, 0, NOW).unwrap().amount;
                assert!(paid <= at_fresh, "dead {dead} mark {mark} shares {shares}: {paid} > {at_fresh}");
            }
        }
    }

    #[test]
    fn a_withdrawal_needs_no_fresh_risk_state() {
        let mut v = vault();
        v.num_assets = 1; // never refreshed: stale
        assert!(!v.risk_is_fresh(NOW));
        assert_eq!(withdraw_gate(5, 5), Ok(()));
        assert_eq!(deposit_gate(&v, 5, NOW), Err(EngineError::RiskStateStale), "a deposit still needs it");
    }
}
