//! Fees, paid by issuing new shares (dilution), never by moving tokens.
//!
//! **Management fee**, an annual rate `r`: over one year the fee recipient receives exactly `r`
//! of the vault's value, whatever the number of accruals in between. Over `dt` seconds the
//! outstanding shares `S` grow by the factor
//!
//!   `G(dt) = (1 − r)^(−dt / year) = e^(x)`, `x = −ln(1 − r) · dt / year`,
//!
//! so the fee is `S · (G(dt) − 1)` new shares. `G` is multiplicative (`G(a + b) = G(a)·G(b)`),
//! which makes the fee path-independent: splitting a period cannot lower it.
//!
//! Rounding cannot be farmed either. The fee is not recomputed per call from the last call's
//! supply (which would round a 1-second accrual on a small vault to zero, and compound
//! fixed-point errors call after call). Instead it is measured from an **anchor** `(t_a, S_a)`:
//! at time `t` the fee due since the anchor is `C(t) = S_a · (G(t − t_a) − 1) + carry` in Q48
//! (2^-48 share) units; each accrual issues `⌊C(t)⌋` minus what was already issued since the
//! anchor. Accruing every second or once gives the same total. `G − 1` is Q48, within a couple
//! of ulps for periods of days to years (fixed-point `exp`; relative error ≤ 1e-13 beyond), so
//! the fee is exact to a few `2^-48 · S_a` shares (≈ 1e-14 of the supply) per anchor period,
//! and that error does not grow with the number of calls. The anchor moves only when the
//! supply changes for another reason (a deposit, a withdrawal, a redemption, a performance fee)
//! or the rate changes; the fraction of a share then due is carried into the next anchor.
//!
//! **Performance fee**, a rate `p` on the gain of NAV per share above a high-water mark
//! `hwm_nav / hwm_shares` (a price, stored as an exact ratio): with NAV `N` and shares `S`, the
//! gain in value is `N − S · hwm_nav / hwm_shares` (the mark's value rounded up), the fee value
//! `F = ⌊p · gain⌋`, paid by `⌊S · F / (N − F)⌋` new shares, after which the recipient holds
//! `F` of the value. The mark then moves to the post-fee price `N / (S + fee shares)`. Below or
//! at the mark nothing is charged and the mark stays; a gain too small to pay one share leaves
//! the mark where it was, so it is charged later rather than forgiven. With `p = 0` the mark
//! follows the price up, so a later rate increase never charges past gains.
//!
//! **The NAV the performance fee is measured at** ([`performance_nav`], issue 14) is one the
//! caller cannot raise. A priced flow or `accrue_fees` reads a fresh oracle update, but which
//! one (any within the maximum age) is the caller's choice, so the fee recipient could
//! crystallise the fee at a favourable print. The fee is therefore measured at the lower of
//! the live NAV and the NAV per share of the last positions step ([`FeeSnapshot`]) applied to
//! the current shares: a spike posted for the accrual is never charged until a refresh has
//! sampled it, and a fall since the refresh is charged at the fall. An in-kind exit reads no
//! oracle: it measures at the snapshot alone while the risk state is fresh (within
//! `max_risk_age`, the age at which deposits and withdrawals are still priced), so a holder
//! cannot leave after a gain without paying the fee due; with a stale snapshot, which may be
//! above today's NAV, it accrues the management fee only and the performance fee waits for the
//! next priced accrual (the recipient, not the holders, bears the doubt). Without a snapshot
//! (before the first positions step) the performance fee waits too.
//!
//! Accrued fee shares wait in `pending_shares` (counted in the vault's total shares at once, so
//! every entry and exit is priced after fees) until `accrue_fees` mints them to the recipient.

use fixed::types::I80F48;

use crate::{
    error::CoreResult,
    fixed_point::SECONDS_PER_YEAR,
    fmath,
    layout::{FeeSnapshot, FeeState, VaultState},
    math::{mul_div, Rounding, BPS},
    Address, CoreError,
};

/// Highest maximum fees a vault may be created with (the interface's ceilings: 10 % a year
/// management, 50 % of gains performance).
pub use rpv_interface::args::{MANAGEMENT_FEE_CEILING_BPS, PERFORMANCE_FEE_CEILING_BPS};

const FRAC_BITS: u32 = 48;
const FRAC_MASK: u128 = (1 << FRAC_BITS) - 1;
/// Largest exponent `x` accepted: `e^11 ≈ 60,000`, two centuries without an accrual at 5 %.
const MAX_GROWTH_EXPONENT_BITS: u128 = 11 << FRAC_BITS;

/// Fee shares issued by one accrual.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accrual {
    pub management: u64,
    pub performance: u64,
}

impl Accrual {
    pub fn total(&self) -> u64 {
        self.management.saturating_add(self.performance)
    }
}

/// `G(dt) − 1 = (1 − r)^(−dt/year) − 1` as Q48 bits, for an annual management fee of
/// `rate_bps`. Zero for a zero rate or no elapsed time. `MathOverflow` beyond
/// `x = −ln(1 − r)·dt/year > 11` (centuries without an accrual).
pub fn management_growth_bits(rate_bps: u16, dt: u64) -> CoreResult<u128> {
    if rate_bps == 0 || dt == 0 {
        return Ok(0);
    }
    if u64::from(rate_bps) >= BPS {
        return Err(CoreError::MathDomain);
    }
    let keep = I80F48::from_num(BPS - u64::from(rate_bps))
        .checked_div(I80F48::from_num(BPS))
        .ok_or(CoreError::MathOverflow)?;
    // −ln(1 − r) > 0; for r ≤ 99.99 % it is < 9.3, so its bits are < 2^52
    let l = fmath::ln(keep)?.checked_neg().ok_or(CoreError::MathOverflow)?;
    let l_bits = u128::try_from(l.to_bits()).map_err(|_| CoreError::MathDomain)?;
    let year = SECONDS_PER_YEAR as u128;
    // x = l · dt / year, rounded to nearest; l_bits · dt < 2^52 · 2^64
    let x = (l_bits.checked_mul(u128::from(dt)).ok_or(CoreError::MathOverflow)? + year / 2) / year;
    if x > MAX_GROWTH_EXPONENT_BITS {
        return Err(CoreError::MathOverflow);
    }
    let g = fmath::exp(I80F48::from_bits(x as i128))?;
    Ok(u128::try_from(g.to_bits() - I80F48::ONE.to_bits()).unwrap_or(0))
}

/// New shares paying a performance fee of `rate_bps` on the gain of NAV per share above the
/// mark `hwm_nav / hwm_shares`, for NAV `nav` and `total` outstanding shares (see the module
/// documentation). Zero at or below the mark. Every rounding favours the share holders.
/// `MathDomain` for a rate of 100 % or more (like [`management_growth_bits`]).
pub fn performance_fee_shares(nav: u64, total: u64, hwm_nav: u64, hwm_shares: u64, rate_bps: u16) -> CoreResult<u64> {
    if rate_bps == 0 || total == 0 || hwm_shares == 0 {
        return Ok(0);
    }
    if u64::from(rate_bps) >= BPS {
        return Err(CoreError::MathDomain);
    }
    // value of `total` shares at the mark, rounded up: ≤ 2^128 / 1
    let p = u128::from(hwm_nav) * u128::from(total);
    let d = u128::from(hwm_shares);
    let mark_value = p / d + u128::from(p % d != 0);
    let nav128 = u128::from(nav);
    if nav128 <= mark_value {
        return Ok(0);
    }
    let gain = (nav128 - mark_value) as u64; // < nav
    let fee = mul_div(gain, u64::from(rate_bps), BPS, Rounding::Down).ok_or(CoreError::MathOverflow)?;
    if fee == 0 {
        return Ok(0);
    }
    // fee ≤ gain · 0.9999 < nav, so nav − fee > 0
    mul_div(total, fee, nav - fee, Rounding::Down).ok_or(CoreError::MathOverflow)
}

impl FeeState {
    /// Fee state of a new vault: rates within their maxima and the maxima within the program's
    /// ceilings (checked by the caller with [`FeeState::rates_valid`]), the mark at the seed's
    /// price, the management anchor at `now` on the seed's shares.
    pub fn new(recipient: Address, rates: [u16; 4], seed_nav: u64, seed_shares: u64, now: i64) -> Self {
        let [max_management_bps, max_performance_bps, management_bps, performance_bps] = rates;
        Self {
            recipient,
            pending_shares: 0,
            hwm_nav: seed_nav,
            hwm_shares: seed_shares,
            anchor_time: now,
            anchor_shares: seed_shares,
            anchor_accrued: 0,
            anchor_carry: 0,
            last_frac: 0,
            accrued_at: now,
            management_bps,
            performance_bps,
            max_management_bps,
            max_performance_bps,
        }
    }

    /// Maxima within the program's ceilings, rates within the maxima.
    pub fn rates_valid(&self) -> bool {
        self.max_management_bps <= MANAGEMENT_FEE_CEILING_BPS
            && self.max_performance_bps <= PERFORMANCE_FEE_CEILING_BPS
            && self.management_bps <= self.max_management_bps
            && self.performance_bps <= self.max_performance_bps
    }

    /// Whether `(management, performance)` stays within the maxima.
    pub fn within_maxima(&self, management_bps: u16, performance_bps: u16) -> bool {
        management_bps <= self.max_management_bps && performance_bps <= self.max_performance_bps
    }

    /// Starts a new management-fee anchor at `time` on `total` shares, carrying the fraction of
    /// a share due at the last accrual.
    fn rebase(&mut self, total: u64, time: i64) {
        self.anchor_time = time;
        self.anchor_shares = total;
        self.anchor_accrued = 0;
        self.anchor_carry = self.last_frac;
    }

    /// Accrues the management fee due at `now` on `total` outstanding shares (pending fee
    /// shares included); adds it to `pending_shares` and returns it.
    pub fn accrue_management(&mut self, total: u64, now: i64) -> CoreResult<u64> {
        // The supply changed after the last accrual (in the same instruction, after pricing):
        // the period since then ran on the new supply, so the anchor moves there.
        if self.anchor_shares.checked_add(self.anchor_accrued) != Some(total) {
            self.rebase(total, self.accrued_at);
        }
        let dt = u64::try_from(now.saturating_sub(self.anchor_time)).unwrap_or(0);
        let growth = management_growth_bits(self.management_bps, dt)?;
        let due_q48 = u128::from(self.anchor_shares)
            .checked_mul(growth)
            .and_then(|c| c.checked_add(u128::from(self.anchor_carry)))
            .ok_or(CoreError::MathOverflow)?;
        let target = u64::try_from(due_q48 >> FRAC_BITS).map_err(|_| CoreError::MathOverflow)?;
        let fee = target.saturating_sub(self.anchor_accrued);
        self.anchor_accrued = self.anchor_accrued.checked_add(fee).ok_or(CoreError::MathOverflow)?;
        self.pending_shares = self.pending_shares.checked_add(fee).ok_or(CoreError::MathOverflow)?;
        self.last_frac = (due_q48 & FRAC_MASK) as u64;
        self.accrued_at = self.accrued_at.max(now);
        Ok(fee)
    }

    /// Accrues the performance fee for NAV `nav` (rounded down) and `total` outstanding shares
    /// (after the management fee); adds it to `pending_shares`, moves the mark, returns it.
    pub fn accrue_performance(&mut self, nav: u64, total: u64) -> CoreResult<u64> {
        if total == 0 || nav == 0 {
            return Ok(0);
        }
        if self.hwm_shares == 0 {
            (self.hwm_nav, self.hwm_shares) = (nav, total);
            return Ok(0);
        }
        let above = u128::from(nav) * u128::from(self.hwm_shares) > u128::from(self.hwm_nav) * u128::from(total);
        if !above {
            return Ok(0);
        }
        if self.performance_bps == 0 {
            (self.hwm_nav, self.hwm_shares) = (nav, total);
            return Ok(0);
        }
        let fee = performance_fee_shares(nav, total, self.hwm_nav, self.hwm_shares, self.performance_bps)?;
        if fee == 0 {
            return Ok(0); // too small to pay a share: the gain stays above the mark
        }
        let after = total.checked_add(fee).ok_or(CoreError::MathOverflow)?;
        self.pending_shares = self.pending_shares.checked_add(fee).ok_or(CoreError::MathOverflow)?;
        (self.hwm_nav, self.hwm_shares) = (nav, after);
        Ok(fee)
    }

    /// Switches to new rates at `now`, after fees were accrued at the old ones up to `now`;
    /// `total` = outstanding shares after that accrual.
    pub fn set_rates(&mut self, management_bps: u16, performance_bps: u16, total: u64, now: i64) {
        self.rebase(total, now);
        self.accrued_at = self.accrued_at.max(now);
        self.management_bps = management_bps;
        self.performance_bps = performance_bps;
    }
}

impl FeeSnapshot {
    /// A positions step valued the vault at `nav` (rounded down): its shares are captured by
    /// the next accrual ([`FeeSnapshot::capture`]).
    pub fn record(&mut self, nav: u64) {
        (self.nav, self.shares) = (nav, 0);
    }

    /// Fills in the total shares of a snapshot not captured yet (`total`: before any fee of
    /// this accrual, so the shares the positions step's NAV was for).
    pub fn capture(&mut self, total: u64) {
        if self.nav > 0 && self.shares == 0 {
            self.shares = total;
        }
    }

    /// `fee_shares` new fee shares issued on `total` outstanding shares dilute the snapshot's
    /// price as they dilute the live one: by `total / (total + fee_shares)`, whatever the shares
    /// the snapshot stands for (flows since its capture change the total, not the snapshot), so
    /// its shares grow by `⌈fee_shares · shares / total⌉` (rounded against the fee recipient).
    /// Adding the fee shares as such under-diluted a snapshot standing for more shares than
    /// exist (after withdrawals): the performance fee then found the same gain again at the
    /// next accrual (issue 15, `attack_performance_fee_charged_twice_after_withdrawals`).
    pub fn dilute(&mut self, fee_shares: u64, total: u64) {
        if self.shares > 0 && fee_shares > 0 {
            let add = mul_div(fee_shares, self.shares, total.max(1), Rounding::Up).unwrap_or(u64::MAX);
            self.shares = self.shares.saturating_add(add);
        }
    }

    /// The snapshot's NAV per share applied to `total` shares, rounded down; `None` without a
    /// captured snapshot (or beyond a `u64`).
    pub fn nav_for(&self, total: u64) -> Option<u64> {
        if self.nav == 0 || self.shares == 0 {
            return None;
        }
        mul_div(self.nav, total, self.shares, Rounding::Down)
    }
}

/// The NAV the performance fee is measured at (see the module documentation): with a live NAV
/// (a priced flow, `accrue_fees`, a rate change) the lower of it and the snapshot's `snapshot`;
/// without (an in-kind exit) the snapshot's while `snapshot_fresh`; `None` (the performance
/// fee waits) otherwise.
pub fn performance_nav(live: Option<u64>, snapshot: Option<u64>, snapshot_fresh: bool) -> Option<u64> {
    match live {
        Some(live) => snapshot.map(|s| s.min(live)),
        None => snapshot.filter(|_| snapshot_fresh),
    }
}

impl FeeState {
    /// Accrues the fees due at `now` on `total` outstanding shares (pending fee shares
    /// included): the management fee always, the performance fee at NAV `nav` (rounded down)
    /// when given. The vault measures at [`performance_nav`]: [`VaultState::accrue_fees`].
    pub fn accrue(&mut self, total: u64, nav: Option<u64>, now: i64) -> CoreResult<Accrual> {
        self.accrue_then(total, now, |_, _| nav).map(|(a, _)| a)
    }

    /// The management fee due at `now` on `total`, then the performance fee at the NAV
    /// `nav_of(management fee shares, total after them)` gives, if any; returns that NAV too.
    fn accrue_then(
        &mut self,
        total: u64,
        now: i64,
        nav_of: impl FnOnce(u64, u64) -> Option<u64>,
    ) -> CoreResult<(Accrual, Option<u64>)> {
        let management = self.accrue_management(total, now)?;
        let total = total.checked_add(management).ok_or(CoreError::MathOverflow)?;
        let nav = nav_of(management, total);
        let performance = match nav {
            Some(nav) => self.accrue_performance(nav, total)?,
            None => 0,
        };
        Ok((Accrual { management, performance }, nav))
    }
}

/// Accrues the fees due at `now` on `total` outstanding shares (pending fee shares included):
/// the management fee, then the performance fee at [`performance_nav`] of the live NAV `live`
/// (rounded down; `None` in kind) and the snapshot `snap` (captured here if it was not yet, and
/// diluted by the fee shares issued). Returns the NAV the performance fee was measured at.
pub fn accrue(
    fees: &mut FeeState,
    snap: &mut FeeSnapshot,
    total: u64,
    live: Option<u64>,
    snapshot_fresh: bool,
    now: i64,
) -> CoreResult<(Accrual, Option<u64>)> {
    snap.capture(total);
    let mut after_management = total;
    let (accrual, nav) = fees.accrue_then(total, now, |management, total_after| {
        snap.dilute(management, total_after - management);
        after_management = total_after;
        performance_nav(live, snap.nav_for(total_after), snapshot_fresh)
    })?;
    snap.dilute(accrual.performance, after_management);
    Ok((accrual, nav))
}

impl VaultState {
    /// [`accrue`] on this vault's total shares and snapshot (fresh while the risk state is):
    /// the accrual and the NAV the performance fee was measured at. `supply` is the share
    /// mint's supply; `live` the NAV rounded down (`None` for an in-kind exit).
    pub fn accrue_fees_measured(
        &mut self,
        supply: u64,
        live: Option<u64>,
        now: i64,
    ) -> CoreResult<(Accrual, Option<u64>)> {
        let total = self.total_shares(supply)?;
        let fresh = self.risk_is_fresh(now);
        accrue(&mut self.fees, &mut self.fee_snapshot, total, live, fresh, now)
    }

    /// The management fee only; the performance fee and its mark wait (`accrue_fees` with a
    /// dead feed: no NAV anyone can check).
    pub fn accrue_management_only(&mut self, supply: u64, now: i64) -> CoreResult<(Accrual, Option<u64>)> {
        let total = self.total_shares(supply)?;
        accrue(&mut self.fees, &mut self.fee_snapshot, total, None, false, now)
    }

    /// [`Self::accrue_fees_measured`] without the NAV.
    pub fn accrue_fees(&mut self, supply: u64, live: Option<u64>, now: i64) -> CoreResult<Accrual> {
        self.accrue_fees_measured(supply, live, now).map(|(a, _)| a)
    }

    /// The total shares a flow at `now` is priced against: [`Self::total_shares`] plus the fee
    /// shares due now, accrued on a copy of the fee state (the vault is not changed).
    pub fn total_shares_after_fees(&self, supply: u64, live: Option<u64>, now: i64) -> CoreResult<u64> {
        let total = self.total_shares(supply)?;
        let (mut fees, mut snap) = (self.fees, self.fee_snapshot);
        let (due, _) = accrue(&mut fees, &mut snap, total, live, self.risk_is_fresh(now), now)?;
        total.checked_add(due.total()).ok_or(CoreError::MathOverflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;
    use proptest::prelude::*;

    const YEAR: i64 = SECONDS_PER_YEAR;

    fn fees(management_bps: u16, performance_bps: u16, shares: u64) -> FeeState {
        FeeState::new([7; 32], [1_000, 5_000, management_bps, performance_bps], shares, shares, 0)
    }

    fn exact_growth(rate_bps: u16, dt: i64) -> f64 {
        (1.0 - rate_bps as f64 / 1e4).powf(-(dt as f64) / YEAR as f64) - 1.0
    }

    #[test]
    fn management_known_answer_two_percent_for_one_year() {
        // 2 %/yr on 1,000,000 shares at constant NAV: 1e6 · (1/0.98 − 1) = 20,408.16 shares,
        // after which the recipient owns 2 % of the vault
        let mut f = fees(200, 0, 1_000_000);
        assert_eq!(f.accrue_management(1_000_000, YEAR), Ok(20_408));
        assert_eq!(f.pending_shares, 20_408);
        let owned: f64 = 20_408.0 / 1_020_408.0;
        assert!((owned - 0.02).abs() < 1.0 / 1_020_408.0, "recipient owns {owned}");
        // the same through the vault: pending shares count in the total at once
        let mut v = VaultState::zeroed();
        v.dead_shares = 1_000_000;
        v.fees = fees(200, 0, 1_000_000);
        let a = v.accrue_fees(0, Some(1_000_000), YEAR).unwrap();
        assert_eq!(a, Accrual { management: 20_408, performance: 0 });
        assert_eq!(v.total_shares(0), Ok(1_020_408));
    }

    #[test]
    fn management_growth_matches_f64() {
        for (rate, dt) in [(200u16, YEAR), (500, 1), (500, 86_400), (1_000, 10 * YEAR), (1, 1), (9_999, 1)] {
            let got = management_growth_bits(rate, dt as u64).unwrap() as f64 / 2f64.powi(48);
            let want = exact_growth(rate, dt);
            assert!((got - want).abs() <= want * 1e-11 + 4e-15, "rate {rate} dt {dt}: {got} vs {want}");
        }
        assert_eq!(management_growth_bits(0, 1_000), Ok(0));
        assert_eq!(management_growth_bits(500, 0), Ok(0));
        assert_eq!(management_growth_bits(10_000, 1), Err(CoreError::MathDomain));
        assert_eq!(management_growth_bits(500, 300 * YEAR as u64), Err(CoreError::MathOverflow));
    }

    #[test]
    fn management_is_not_lost_to_rounding_under_per_second_accrual() {
        // 1 %/yr on 1,000 shares: 3e-7 shares a second, a share only every ~37 days
        let mut every_second = fees(100, 0, 1_000);
        let mut total = 1_000;
        for t in 1..=200_000 {
            total += every_second.accrue_management(total, t).unwrap();
        }
        let mut once = fees(100, 0, 1_000);
        assert_eq!(once.accrue_management(1_000, 200_000), Ok(every_second.pending_shares));
        // and a full year of daily accruals gives the yearly answer
        let mut daily = fees(100, 0, 1_000_000);
        let mut total = 1_000_000;
        for d in 1..=365 {
            total += daily.accrue_management(total, d * 86_400).unwrap();
        }
        assert_eq!(daily.pending_shares, (1e6 * exact_growth(100, YEAR)).floor() as u64);
    }

    #[test]
    fn management_anchor_moves_with_the_supply_and_carries_the_fraction() {
        let mut f = fees(500, 0, 1_000_000);
        let a = f.accrue_management(1_000_000, 1_000).unwrap();
        // a deposit of 500,000 shares right after the accrual
        let total = 1_000_000 + a + 500_000;
        let b = f.accrue_management(total, 2_000).unwrap();
        assert_eq!((f.anchor_time, f.anchor_shares), (1_000, total));
        let want = 1e6 * exact_growth(500, 1_000) + (total as f64) * exact_growth(500, 1_000);
        assert!(((a + b) as f64 - want).abs() <= 1.0, "{} vs {want}", a + b);
        // a rate change starts a new anchor at the current time
        let total = total + b;
        f.set_rates(100, 0, total, 2_000);
        assert_eq!((f.anchor_time, f.anchor_shares, f.anchor_accrued), (2_000, total, 0));
        let c = f.accrue_management(total, 2_000 + YEAR).unwrap();
        assert!((c as f64 - total as f64 * exact_growth(100, YEAR)).abs() <= 1.0);
    }

    #[test]
    fn performance_high_water_mark_cycle() {
        // 20 % on 1,000,000 shares, mark at 1.0
        let mut f = fees(0, 2_000, 1_000_000);
        // gain: NAV 1.5e6 → fee value 100,000 → ⌊1e6 · 1e5 / 1.4e6⌋ = 71,428 shares
        assert_eq!(f.accrue_performance(1_500_000, 1_000_000), Ok(71_428));
        assert_eq!((f.hwm_nav, f.hwm_shares), (1_500_000, 1_071_428));
        let total = 1_071_428;
        // drawdown: no fee, the mark stays
        assert_eq!(f.accrue_performance(1_200_000, total), Ok(0));
        // recovery below the mark: no fee
        assert_eq!(f.accrue_performance(1_499_999, total), Ok(0));
        assert_eq!(f.accrue_performance(1_500_000, total), Ok(0));
        assert_eq!((f.hwm_nav, f.hwm_shares), (1_500_000, 1_071_428));
        // past the mark: only the excess, 100,000 → fee 20,000 → ⌊1,071,428 · 2e4 / 1.58e6⌋
        assert_eq!(f.accrue_performance(1_600_000, total), Ok(13_562));
        assert_eq!(f.pending_shares, 71_428 + 13_562);
        assert_eq!((f.hwm_nav, f.hwm_shares), (1_600_000, total + 13_562));
    }

    #[test]
    fn performance_gain_too_small_to_pay_is_not_forgiven() {
        let mut f = fees(0, 2_000, 1_000_000);
        // +4 base units: fee value 0.8 → 0; the mark stays at 1.0
        assert_eq!(f.accrue_performance(1_000_004, 1_000_000), Ok(0));
        assert_eq!((f.hwm_nav, f.hwm_shares), (1_000_000, 1_000_000));
        // charged once it is large enough
        assert_eq!(f.accrue_performance(1_000_010, 1_000_000), Ok(1));
        // at rate 0 the mark follows the price up without a fee
        let mut z = fees(0, 0, 1_000_000);
        assert_eq!(z.accrue_performance(1_300_000, 1_000_000), Ok(0));
        assert_eq!((z.hwm_nav, z.hwm_shares), (1_300_000, 1_000_000));
    }

    #[test]
    fn performance_mark_is_a_price_not_a_supply() {
        // deposits at the mark price are no gain
        let mut f = fees(0, 3_000, 1_000_000);
        assert_eq!(f.accrue_performance(3_000_000, 3_000_000), Ok(0));
        assert_eq!(performance_fee_shares(2_000_000, 1_000_000, 1, 1, 0), Ok(0));
    }

    /// Regression (fuzz target fees): a rate above 100 % made the fee value exceed the NAV and
    /// `nav − fee` panicked; a rate of 100 % or more is now refused, as for the management fee.
    #[test]
    fn performance_rate_of_one_hundred_percent_or_more_is_refused() {
        assert_eq!(performance_fee_shares(2_000_000, 1_000_000, 1, 1, 20_000), Err(CoreError::MathDomain));
        assert_eq!(performance_fee_shares(2_000_000, 1_000_000, 1, 1, 10_000), Err(CoreError::MathDomain));
        assert_eq!(performance_fee_shares(u64::MAX, 1, 0, 1, u16::MAX), Err(CoreError::MathDomain));
        assert!(performance_fee_shares(2_000_000, 1_000_000, 1, 1, 9_999).is_ok());
        let mut f = fees(0, 0, 1_000_000);
        f.performance_bps = 12_000;
        assert_eq!(f.accrue_performance(2_000_000, 1_000_000), Err(CoreError::MathDomain));
    }

    #[test]
    fn rates_and_maxima() {
        let f = fees(1_000, 5_000, 1);
        assert!(f.rates_valid());
        assert!(!FeeState { management_bps: 1_001, max_management_bps: 2_000, ..f }.rates_valid());
        assert!(!FeeState { performance_bps: 5_001, ..f }.rates_valid());
        assert!(f.within_maxima(1_000, 5_000) && !f.within_maxima(1_001, 0));
    }

    #[test]
    fn performance_nav_is_never_above_the_snapshot() {
        // priced: the lower of the two; no snapshot: the fee waits
        assert_eq!(performance_nav(Some(130), Some(105), false), Some(105));
        assert_eq!(performance_nav(Some(90), Some(105), false), Some(90));
        assert_eq!(performance_nav(Some(130), None, true), None);
        // in kind: the snapshot while fresh
        assert_eq!(performance_nav(None, Some(105), true), Some(105));
        assert_eq!(performance_nav(None, Some(105), false), None);
        assert_eq!(performance_nav(None, None, true), None);
    }

    /// A vault of 1,000,000 shares, 20 % of gains, the mark at 1.0, a positions step at NAV
    /// `snapshot`; the risk state fresh at [`NOW`].
    fn vault_with_snapshot(snapshot: u64) -> VaultState {
        let mut v = VaultState::zeroed();
        (v.dead_shares, v.fees, v.num_assets) = (1_000_000, fees(0, 2_000, 1_000_000), 1);
        (v.risk_refreshed_at, v.max_risk_age) = (NOW, 900);
        v.fee_snapshot.record(snapshot);
        v
    }

    const NOW: i64 = 10_000;

    #[test]
    fn performance_fee_at_a_spike_is_measured_at_the_snapshot() {
        let mut v = vault_with_snapshot(1_050_000);
        // a print 30 % up: charged at +5 %, as performance_fee_shares at the snapshot
        let (a, nav) = v.accrue_fees_measured(0, Some(1_300_000), NOW).unwrap();
        let want = performance_fee_shares(1_050_000, 1_000_000, 1_000_000, 1_000_000, 2_000).unwrap();
        assert_eq!((a.performance, nav), (want, Some(1_050_000)));
        assert_eq!((v.fees.hwm_nav, v.fees.hwm_shares), (1_050_000, 1_000_000 + want));
        assert_eq!(v.fee_snapshot, FeeSnapshot { nav: 1_050_000, shares: 1_000_000 + want });
        // again at the spike: nothing more (the snapshot is diluted as the mark moved)
        let (again, nav) = v.accrue_fees_measured(0, Some(1_300_000), NOW + 1).unwrap();
        assert_eq!((again.performance, nav), (0, Some(1_050_000)));
        // a deposit at the current price after the capture is no gain
        v.dead_shares += 500_000;
        assert_eq!(v.accrue_fees(0, Some(1_800_000), NOW + 2).unwrap().performance, 0);
        // in kind: at the snapshot while fresh (gain 200,000 → fee 40,000 → ⌊1e6 · 4e4 / 1.16e6⌋),
        // not at all once stale
        let mut k = vault_with_snapshot(1_200_000);
        assert_eq!(k.total_shares_after_fees(0, None, NOW + 900), Ok(1_000_000 + 34_482));
        assert_eq!(k.total_shares_after_fees(0, None, NOW + 901), Ok(1_000_000));
        assert_eq!(k.accrue_fees(0, None, NOW + 901).unwrap().performance, 0);
        assert_eq!(
            k.accrue_fees_measured(0, None, NOW + 900).unwrap(),
            (Accrual { management: 0, performance: 34_482 }, Some(1_200_000))
        );
        // a fall below the snapshot is charged at the fall; no snapshot, no performance fee
        let mut d = vault_with_snapshot(1_200_000);
        assert_eq!(d.accrue_fees_measured(0, Some(1_100_000), NOW).unwrap().1, Some(1_100_000));
        let mut none = vault_with_snapshot(0);
        assert_eq!(none.accrue_fees_measured(0, Some(2_000_000), NOW).unwrap(), (Accrual::default(), None));
    }

    proptest! {
        /// Whatever print the caller posts and however often it accrues, the fee recipient
        /// never receives more than the fee at the snapshot, nor more than at the print; and a
        /// second accrual right after the first issues nothing.
        #[test]
        fn performance_fee_is_bounded_by_snapshot_and_print(
            snapshot in 500_000u64..5_000_000, live in 500_000u64..5_000_000, management in 0u16..=500,
            dt in 0i64..86_400, calls in 1usize..5,
        ) {
            let mut v = vault_with_snapshot(snapshot);
            v.fees.management_bps = management;
            let mut issued = Accrual::default();
            for c in 0..calls {
                let a = v.accrue_fees(0, Some(live), NOW + dt + c as i64).unwrap();
                if c > 0 {
                    prop_assert_eq!(a.performance, 0, "a repeated accrual charged again");
                }
                issued.management += a.management;
                issued.performance += a.performance;
            }
            let total = 1_000_000 + issued.management;
            // the bound: the fee at the lower of the two NAVs, on the shares after management
            let cap = |nav| performance_fee_shares(nav, total, 1_000_000, 1_000_000, 2_000).unwrap();
            prop_assert!(issued.performance <= cap(snapshot.min(live)) + 1, "{issued:?}");
        }
    }

    proptest! {
        /// The snapshot captured for more (or fewer) shares than are outstanding when a fee is
        /// charged (flows since the capture): an accrual right after the first still charges
        /// no performance fee — the snapshot is diluted in proportion (issue 15).
        #[test]
        fn a_snapshot_for_other_shares_is_charged_once(
            snapshot in 1_000_000u64..5_000_000, supply_at_capture in 0u64..10_000_000,
            supply_later in 0u64..10_000_000, live in 1_000_000u64..8_000_000, management in 0u16..=500,
        ) {
            let mut v = vault_with_snapshot(snapshot);
            v.fees.management_bps = management;
            // captured with no gain (the live NAV at the mark), then the total changes
            let total0 = 1_000_000 + supply_at_capture;
            let mark = total0; // the mark's price: 1 base unit per share
            v.fees.hwm_nav = mark;
            v.fees.hwm_shares = total0;
            v.accrue_fees(supply_at_capture, Some(mark), NOW).unwrap();
            let live_later = mul_div(live, 1_000_000 + supply_later, 1_000_000, Rounding::Down).unwrap();
            let first = v.accrue_fees(supply_later, Some(live_later), NOW + 60).unwrap();
            let again = v.accrue_fees(supply_later, Some(live_later), NOW + 60).unwrap();
            prop_assert_eq!(again.performance, 0, "charged again after {:?}", first);
        }
    }

    proptest! {
        /// Accruing at arbitrary times gives, within one share, what one accrual over the whole
        /// span gives, and never less by more than a share.
        #[test]
        fn management_splitting_cannot_farm(rate in 1u16..=1_000, shares in 1_000u64..1u64 << 50,
                                           steps in proptest::collection::vec(1i64..100_000, 1..60)) {
            let mut split = fees(rate, 0, shares);
            let mut total = shares;
            let mut t = 0;
            for dt in &steps {
                t += dt;
                total += split.accrue_management(total, t).unwrap();
            }
            let mut once = fees(rate, 0, shares);
            let single = once.accrue_management(shares, t).unwrap();
            prop_assert!(split.pending_shares + 1 >= single && split.pending_shares <= single + 1,
                         "split {} vs single {single}", split.pending_shares);
            // G is Q48: a few ulps of it, times the supply, on top of the floor
            let want = shares as f64 * exact_growth(rate, t);
            let tol = 1.0 + shares as f64 * 4.0 / 2f64.powi(48) + want * 1e-11;
            prop_assert!((single as f64 - want).abs() <= tol, "{single} vs {want}");
        }

        /// After a performance fee the recipient holds the fee's value, within one share's worth,
        /// and the price falls exactly to the new mark.
        #[test]
        fn performance_fee_value_matches_f64(shares in 1_000u64..1u64 << 40, gain_ppm in 1u64..5_000_000,
                                             rate in 1u16..=5_000) {
            let nav = shares + mul_div(shares, gain_ppm, 1_000_000, Rounding::Down).unwrap();
            let mut f = fees(0, rate, shares);
            let s = f.accrue_performance(nav, shares).unwrap();
            let fee_value = (nav - shares) as f64 * rate as f64 / 1e4;
            let held = s as f64 * nav as f64 / (shares + s) as f64;
            let share_value = nav as f64 / (shares + s) as f64;
            prop_assert!(held <= fee_value + 1e-6 * fee_value.max(1.0), "{held} > {fee_value}");
            prop_assert!(held + 2.0 * share_value + 1.0 >= fee_value, "{held} ≪ {fee_value}");
            if s > 0 {
                prop_assert_eq!((f.hwm_nav, f.hwm_shares), (nav, shares + s));
            }
        }
    }
}
