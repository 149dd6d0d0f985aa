//! `fees`: arbitrary histories of a vault's fee state (`rpv_core::layout::FeeState`): time
//! steps, NAV moves, deposits and withdrawals at the current share price, minting of the
//! pending fee shares and rate changes within the maxima (these two by the program's own steps,
//! `engine::fees::collect` for `accrue_fees` and `engine::fees::check_new_rates` /
//! `switch_rates` for `set_fees`: the performance fee due is taken first), replayed on two
//! copies of the state:
//! **split** accrues the management fee at every time step, **single** only when something
//! else happens (as the program does: it accrues before any supply change, rate change or
//! NAV observation).
//!
//! Asserted:
//! - **splitting cannot farm**: after every event both copies hold exactly the same fee shares
//!   (the module documents "accruing every second or once gives the same total");
//! - **management fee within what the rate allows**: the management shares issued so far lie
//!   in `(A − tol − 1, A + tol]`, `A = Σ S·((1 − r)^(−dt/year) − 1)` over the periods between
//!   supply changes (`S` = total shares at the period's start) in `f64`, `tol` the error of
//!   the Q48 growth factor propagated from `fmath`'s documented bounds (ln: 2e-14 absolute,
//!   exp: 1e-13 relative) plus the rounding of `1 − r` and of the result (two units);
//! - **performance fee**: none at or below the high-water mark (and the mark stays), never
//!   more than the rate of the gain above the mark — `fee·N/(S + fee) ≤ p·(N − S·mark)`,
//!   checked exactly in 512-bit integers — and the mark then moves to `N/(S + fee)`;
//! - **the mark never falls** (cross-multiplied exactly);
//! - no panic on any argument of `management_growth_bits`, `performance_fee_shares` and the
//!   accrual methods, from any state.

use arbitrary::Arbitrary;
use bytemuck::Zeroable;
use rpv_core::{
    engine::{self, fees::FeeSummary, EngineError, EngineResult},
    fees::{management_growth_bits, performance_fee_shares, MANAGEMENT_FEE_CEILING_BPS, PERFORMANCE_FEE_CEILING_BPS},
    fixed_point::SECONDS_PER_YEAR,
    layout::{FeeState, VaultState, STATE_VERSION},
    math::BPS,
    CoreError,
};

use crate::{reference::U, Mag, Wide};

const YEAR: f64 = SECONDS_PER_YEAR as f64;

#[derive(Arbitrary, Debug)]
pub struct Input {
    max_rates: [u16; 2],
    rates: [u16; 2],
    shares: Mag,
    nav: Mag,
    start: u32,
    ops: Vec<Op>,
    raw: Vec<RawCall>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// Time passes; only the split copy accrues.
    Tick(Step),
    /// Both copies accrue, then something happens.
    Event(Step, Event),
}

/// Seconds: mostly up to a day, sometimes up to ~136 years.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Step {
    long: bool,
    secs: u32,
}

impl Step {
    fn get(self) -> i64 {
        if self.long {
            i64::from(self.secs)
        } else {
            i64::from(self.secs % 86_401)
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Event {
    Sync,
    /// NAV times `ppm / 1e6` (0 ..= 4.29x), then the performance fee.
    Nav {
        ppm: u32,
    },
    Deposit {
        value: Mag,
    },
    Withdraw {
        shares: Mag,
    },
    /// The pending fee shares are minted to the recipient (the total does not change).
    Mint,
    SetRates {
        management: u16,
        performance: u16,
    },
}

#[derive(Arbitrary, Debug)]
enum RawCall {
    Growth { rate_bps: u16, dt: u64 },
    Performance { nav: u64, total: u64, hwm_nav: u64, hwm_shares: u64, rate_bps: u16 },
    Accrue { state: RawState, total: u64, now: i64, nav: u64 },
}

/// Every field of a `FeeState`, unconstrained.
#[derive(Arbitrary, Debug)]
struct RawState {
    pending_shares: u64,
    hwm_nav: u64,
    hwm_shares: u64,
    anchor_time: i64,
    anchor_shares: u64,
    anchor_accrued: u64,
    anchor_carry: u64,
    last_frac: u64,
    accrued_at: i64,
    rates: [u16; 4],
}

/// The f64 allowance and its tolerance for the management fee.
#[derive(Clone, Copy, Debug, Default)]
struct Allowance {
    shares: f64,
    tol: f64,
}

/// `(1 − r)^(−dt/year) − 1` in f64 and the documented error bound of the module's Q48 value.
fn growth(rate_bps: u16, dt: i64) -> (f64, f64) {
    if rate_bps == 0 || dt <= 0 {
        return (0.0, 0.0);
    }
    let years = dt as f64 / YEAR;
    let keep = 1.0 - f64::from(rate_bps) / 1e4;
    let l = -(-(f64::from(rate_bps) / 1e4)).ln_1p();
    let g = (l * years).exp_m1();
    // ln(1 − r): 2e-14 (fmath) + the truncation of 1 − r to I80F48 (≤ u/(1 − r): 1.12u at the
    // 10 % ceiling, more for the rates up to 99.99 % the function accepts); x = l·dt/year
    // rounded (u/2); exp: 1e-13 relative (result ≥ 1); −1 is exact
    let big_g = g + 1.0;
    let tol = big_g * (1e-13 + years * (2e-14 + U / keep) + U) + U;
    (g, tol)
}

struct Sim {
    split: FeeState,
    single: FeeState,
    /// Shares other than the pending fee shares (users, dead shares, minted fees).
    other: u64,
    nav: u64,
    now: i64,
    /// The current management period: its start, total shares then, and the allowance of the
    /// closed periods before it.
    period_start: i64,
    period_shares: u64,
    closed: Allowance,
    /// Management fee shares issued so far (single copy; minted ones too, so it may pass u64).
    issued: u128,
}

impl Sim {
    fn total(&self, f: &FeeState) -> Option<u64> {
        self.other.checked_add(f.pending_shares)
    }

    fn allowance(&self) -> Allowance {
        let (g, tol) = growth(self.single.management_bps, self.now - self.period_start);
        let s = self.period_shares as f64;
        Allowance { shares: self.closed.shares + s * g, tol: self.closed.tol + s * tol }
    }

    /// Starts a new management period at `now` after a supply or rate change (as the module
    /// moves its anchor; with an unchanged supply the period goes on: the fee compounds on
    /// the fraction of a share due too).
    fn new_period(&mut self) {
        self.closed = self.allowance();
        self.period_start = self.now;
        self.period_shares = self.total(&self.single).expect("checked by the caller");
    }

    /// Runs a fee step of the engine on a vault account holding the fee state `f`, whose
    /// shares other than the pending fee shares are all counted as dead shares (the engine's
    /// total is then `other + pending`, as here), at the NAV `nav`. The vault's fee snapshot is
    /// a positions step at that same NAV (so the performance fee, measured at the lower of the
    /// live NAV and the snapshot's NAV per share, is measured at `nav`: the model's NAV is what
    /// every keeper samples). Returns the fee state after and the step's summary; `None` when
    /// the program refuses for an overflow (past e^11 of growth, shares beyond a `u64`).
    fn fee_step(
        &self,
        f: FeeState,
        step: impl Fn(&mut VaultState, u64) -> EngineResult<FeeSummary>,
    ) -> Option<(FeeState, FeeSummary)> {
        let mut v = VaultState::zeroed();
        (v.version, v.dead_shares, v.fees) = (STATE_VERSION, self.other, f);
        v.fee_snapshot.record(self.nav);
        match step(&mut v, self.nav) {
            Ok(s) => Some((v.fees, s)),
            Err(e) => {
                assert_eq!(e, EngineError::Core(CoreError::MathOverflow), "fee step at NAV {}", self.nav);
                None
            }
        }
    }

    fn check_allowance(&self, what: &str) {
        let a = self.allowance();
        let issued = self.issued as f64;
        // f64 sums of up to 64 terms: relative 1e-14 of the allowance on top
        let slack = a.tol + a.shares * 1e-14;
        assert!(
            issued <= a.shares + slack,
            "{what}: {} management shares issued, the rate allows {} (+{slack})",
            self.issued,
            a.shares
        );
        assert!(
            issued > a.shares - slack - 1.0,
            "{what}: {} management shares issued, {} were due (−{slack} − 1)",
            self.issued,
            a.shares
        );
    }
}

pub fn run(data: &[u8]) {
    if let Some(input) = crate::decode::<Input>(data) {
        for call in input.raw.iter().take(16) {
            raw_call(call);
        }
        check(&input);
    }
}

fn mark_le(a: (u64, u64), b: (u64, u64)) -> bool {
    // a = (nav, shares) ≤ b as prices
    u128::from(a.0) * u128::from(b.1) <= u128::from(b.0) * u128::from(a.1)
}

fn check(input: &Input) {
    let max_m = input.max_rates[0] % (MANAGEMENT_FEE_CEILING_BPS + 1);
    let max_p = input.max_rates[1] % (PERFORMANCE_FEE_CEILING_BPS + 1);
    let rates = [max_m, max_p, input.rates[0] % (max_m + 1), input.rates[1] % (max_p + 1)];
    let shares = input.shares.get().max(1);
    let nav = input.nav.get().max(1);
    let now = i64::from(input.start);
    let fees = FeeState::new([7; 32], rates, nav, shares, now);
    assert!(fees.rates_valid());
    let mut sim = Sim {
        split: fees,
        single: fees,
        other: shares,
        nav,
        now,
        period_start: now,
        period_shares: shares,
        closed: Allowance::default(),
        issued: 0,
    };
    for op in input.ops.iter().take(64) {
        match op {
            Op::Tick(step) => {
                let now = sim.now + step.get();
                let mut split = sim.split;
                let Some(total) = sim.total(&split) else { continue };
                match split.accrue_management(total, now) {
                    Ok(_) => {
                        sim.split = split;
                        sim.now = now;
                    }
                    Err(e) => assert_eq!(e, CoreError::MathOverflow, "tick to {now}"),
                }
            }
            Op::Event(step, event) => event_step(&mut sim, step.get(), event),
        }
    }
}

fn event_step(sim: &mut Sim, dt: i64, event: &Event) {
    let now = sim.now + dt;
    let (mut split, mut single) = (sim.split, sim.single);
    let (Some(t_split), Some(t_single)) = (sim.total(&split), sim.total(&single)) else { return };
    let (a, b) = (split.accrue_management(t_split, now), single.accrue_management(t_single, now));
    let fee = match (a, b) {
        (Ok(_), Ok(fee)) => fee,
        (Err(x), Err(y)) => {
            // past e^11 of growth: refused (the vault would need a rate change first)
            assert_eq!((x, y), (CoreError::MathOverflow, CoreError::MathOverflow), "accrual to {now}");
            return;
        }
        (a, b) => panic!("split and single accruals disagree at {now}: {a:?} vs {b:?}"),
    };
    assert_eq!(
        split.pending_shares, single.pending_shares,
        "accruing at every step and once give different management fees at {now}"
    );
    assert_eq!(split, single, "split and single fee states differ at {now}");
    let Some(total) = sim.total(&single) else { return }; // the program would refuse
    let mark_before = (single.hwm_nav, single.hwm_shares);
    sim.now = now;
    sim.issued += u128::from(fee);
    sim.split = split;
    sim.single = single;
    sim.check_allowance(&format!("accrual to {now}"));

    match *event {
        Event::Sync => {}
        Event::Nav { ppm } => {
            let Some(nav) = u64::try_from(u128::from(sim.nav) * u128::from(ppm) / 1_000_000).ok() else { return };
            sim.nav = nav;
            let mut f = sim.single;
            let fee = match f.accrue_performance(nav, total) {
                Ok(fee) => fee,
                Err(e) => {
                    assert_eq!(e, CoreError::MathOverflow);
                    return;
                }
            };
            check_performance(&sim.single, &f, nav, total, fee);
            let mut g = sim.split;
            assert_eq!(g.accrue_performance(nav, total), Ok(fee));
            assert_eq!(g, f);
            sim.single = f;
            sim.split = g;
            if fee > 0 {
                sim.new_period();
            }
        }
        Event::Deposit { value } => {
            if sim.nav == 0 {
                return;
            }
            let minted = u128::from(value.get()) * u128::from(total) / u128::from(sim.nav);
            let (Ok(minted), Some(nav)) = (u64::try_from(minted), sim.nav.checked_add(value.get())) else { return };
            let Some(other) = sim.other.checked_add(minted) else { return };
            if other.checked_add(sim.single.pending_shares).is_none() {
                return;
            }
            sim.other = other;
            sim.nav = nav;
            if minted > 0 {
                sim.new_period();
            }
        }
        Event::Withdraw { shares } => {
            // anyone's shares but the pending ones, keeping at least one
            if sim.other <= 1 {
                return;
            }
            let burnt = 1 + shares.get() % (sim.other - 1);
            let paid = (u128::from(burnt) * u128::from(sim.nav) / u128::from(total)) as u64;
            sim.other -= burnt;
            sim.nav -= paid;
            sim.new_period();
        }
        Event::Mint => {
            // `accrue_fees`: the fees due (the performance fee at the NAV), then every pending
            // share minted to the recipient
            let collect = |v: &mut VaultState, nav: u64| engine::fees::collect(v, 0, nav, now);
            let Some((single, s)) = sim.fee_step(sim.single, collect) else { return };
            let (split, _) = sim.fee_step(sim.split, collect).expect("split and single agree");
            assert_eq!(split, single);
            assert_eq!((s.accrual.management, single.pending_shares), (0, 0), "managed already; all minted");
            check_performance(
                &sim.single,
                &FeeState { pending_shares: s.minted, ..single },
                sim.nav,
                total,
                s.accrual.performance,
            );
            sim.other += s.minted;
            (sim.single, sim.split) = (single, split);
            if s.accrual.performance > 0 {
                sim.new_period();
            }
        }
        Event::SetRates { management, performance } => {
            let m = management % (sim.single.max_management_bps + 1);
            let p = performance % (sim.single.max_performance_bps + 1);
            // `set_fees`: the program's rules on the new rates, the fees due at the old rates
            // (the performance fee at the NAV), then the switch
            let set_fees = |v: &mut VaultState, nav: u64| {
                engine::fees::check_new_rates(v, m, p)?;
                engine::fees::switch_rates(v, 0, nav, (m, p), now)
            };
            let Some((single, s)) = sim.fee_step(sim.single, set_fees) else { return };
            let (split, _) = sim.fee_step(sim.split, set_fees).expect("split and single agree");
            assert_eq!(split, single);
            assert_eq!(s.accrual.management, 0, "managed already");
            check_performance(&sim.single, &single, sim.nav, total, s.accrual.performance);
            // the period so far ran at the old rate; the next one starts on the shares after
            // the fee
            sim.new_period();
            (sim.single, sim.split) = (single, split);
            sim.period_shares = sim.total(&sim.single).expect("the engine's total fits");
            assert!(sim.single.rates_valid() && (sim.single.management_bps, sim.single.performance_bps) == (m, p));
        }
    }
    let mark_after = (sim.single.hwm_nav, sim.single.hwm_shares);
    if mark_before.1 > 0 {
        assert!(mark_le(mark_before, mark_after), "the high-water mark fell from {mark_before:?} to {mark_after:?}");
    }
    assert_eq!(sim.split, sim.single);
}

/// One performance accrual from `before` to `after` at NAV `nav` with `total` shares.
fn check_performance(before: &FeeState, after: &FeeState, nav: u64, total: u64, fee: u64) {
    let (h_nav, h_shares) = (before.hwm_nav, before.hwm_shares);
    let what = format!("NAV {nav}, {total} shares, mark {h_nav}/{h_shares}, {} bps", before.performance_bps);
    assert_eq!(after.pending_shares, before.pending_shares + fee, "{what}");
    if h_shares == 0 || nav == 0 || total == 0 {
        assert_eq!(fee, 0, "{what}");
        return;
    }
    let above = u128::from(nav) * u128::from(h_shares) > u128::from(h_nav) * u128::from(total);
    if !above {
        assert_eq!(fee, 0, "fee charged at or below the mark: {what}");
        assert_eq!((after.hwm_nav, after.hwm_shares), (h_nav, h_shares), "mark moved below it: {what}");
        return;
    }
    if fee == 0 {
        // rate 0: the mark follows the price; a gain too small to pay: the mark stays
        if before.performance_bps == 0 {
            assert_eq!((after.hwm_nav, after.hwm_shares), (nav, total), "{what}");
        } else {
            assert_eq!((after.hwm_nav, after.hwm_shares), (h_nav, h_shares), "{what}");
        }
        return;
    }
    // the recipient's value fee·N/(S + fee) ≤ p·(N − S·h_nav/h_shares), i.e.
    // fee·N·BPS·h_shares ≤ p·(N·h_shares − S·h_nav)·(S + fee)
    let lhs = Wide::product(&[u128::from(fee), u128::from(nav), u128::from(BPS), u128::from(h_shares)]);
    let gain = u128::from(nav) * u128::from(h_shares) - u128::from(h_nav) * u128::from(total);
    let rhs = Wide::product(&[u128::from(before.performance_bps), gain, u128::from(total) + u128::from(fee)]);
    assert!(lhs <= rhs, "performance fee of {fee} shares exceeds the rate of the gain: {what}");
    assert_eq!((after.hwm_nav, after.hwm_shares), (nav, total + fee), "{what}");
}

fn raw_call(call: &RawCall) {
    match call {
        RawCall::Growth { rate_bps, dt } => {
            let got = management_growth_bits(*rate_bps, *dt);
            if *rate_bps == 0 || *dt == 0 {
                assert_eq!(got, Ok(0));
            } else if u64::from(*rate_bps) >= BPS {
                assert_eq!(got, Err(CoreError::MathDomain), "rate {rate_bps}");
            } else if let Ok(bits) = got {
                let (g, tol) = growth(*rate_bps, i64::try_from(*dt).unwrap_or(i64::MAX));
                let have = bits as f64 * U;
                assert!((have - g).abs() <= tol + g * 1e-15, "growth({rate_bps}, {dt}) = {have:e}, f64 {g:e}");
            } else {
                assert_eq!(got, Err(CoreError::MathOverflow));
                // refused only past x = 11
                let (g, _) = growth(*rate_bps, i64::try_from(*dt).unwrap_or(i64::MAX));
                assert!(g.ln_1p() > 11.0 - 1e-6, "growth({rate_bps}, {dt}) refused at x = {}", g.ln_1p());
            }
        }
        RawCall::Performance { nav, total, hwm_nav, hwm_shares, rate_bps } => {
            let _ = performance_fee_shares(*nav, *total, *hwm_nav, *hwm_shares, *rate_bps);
        }
        RawCall::Accrue { state, total, now, nav } => {
            let [max_management_bps, max_performance_bps, management_bps, performance_bps] = state.rates;
            let mut f = FeeState {
                recipient: [0; 32],
                pending_shares: state.pending_shares,
                hwm_nav: state.hwm_nav,
                hwm_shares: state.hwm_shares,
                anchor_time: state.anchor_time,
                anchor_shares: state.anchor_shares,
                anchor_accrued: state.anchor_accrued,
                anchor_carry: state.anchor_carry,
                last_frac: state.last_frac,
                accrued_at: state.accrued_at,
                management_bps,
                performance_bps,
                max_management_bps,
                max_performance_bps,
            };
            let _ = f.accrue_management(*total, *now);
            let _ = f.accrue_performance(*nav, *total);
        }
    }
}
