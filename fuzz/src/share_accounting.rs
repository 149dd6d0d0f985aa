//! `share_accounting`: a vault (a base balance, up to three assets at oracle prices, shares
//! held by four users and by nobody — the dead shares) driven by arbitrary deposits of base and
//! of assets, withdrawals in base, in-kind redemptions and price moves, each run by the
//! program's own step, `rpv_core::engine::flows` (on a real `VaultState`, fees at zero rates),
//! and checked against the definitions in `rpv_core::math`: NAV rounded up prices entries
//! (`shares_for_deposit`), NAV rounded down prices exits (`amount_for_shares`), an asset
//! deposit is valued at `price − conf` rounded down (refused when conf ≥ price), an in-kind exit pays `⌊shares·q/total⌋` of
//! every holding.
//!
//! Asserted:
//! - **no value from nothing**: depositing and immediately withdrawing (in base or in kind)
//!   never returns more than was put in, compared exactly (every holding at its exact price,
//!   on a common power of ten, in 512-bit integers);
//! - **no dilution**: a deposit, withdrawal or redemption never lowers NAV per share for the
//!   others, `nav_after · shares_before ≥ nav_before · shares_after` exactly in `u128`, for NAV
//!   rounded down and rounded up (and, for in-kind exits, for every holding's quantity);
//! - the share functions return exactly `⌊value·total/nav⌋` / `⌊shares·nav/total⌋` or the
//!   error their documentation names; `value_in_base_both` equals the two `value_in_base`
//!   roundings, which bracket the exact value within one unit;
//! - the engine's NAV (`VaultState::nav_both_at`) is the sum of the holdings' values, and its
//!   shares, amounts and accounted quantities are those definitions (or it refuses with the
//!   error they name);
//! - no panic, for any argument of any of these functions (errors are fine).

use arbitrary::Arbitrary;
use bytemuck::Zeroable;
use rpv_core::{
    engine::{flows, EngineError, Navs},
    layout::{RiskState, VaultState, STATE_VERSION},
    math::{amount_for_shares, mul_div, share_price, shares_for_deposit, value_in_base, value_in_base_both, Rounding},
    price::OraclePrice,
    CoreError,
};

use crate::{Mag, Wide};

const USERS: usize = 4;

#[derive(Arbitrary, Debug)]
struct AssetSpec {
    qty: Mag,
    price: Mag,
    conf_bps: u16,
    expo: u8,
    decimals: u8,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Deposit { user: u8, amount: Mag },
    DepositAsset { user: u8, asset: u8, qty: Mag },
    Withdraw { user: u8, shares: Mag },
    RedeemInKind { user: u8, shares: Mag },
    RoundTrip { amount: Mag, in_kind: bool },
    RoundTripAsset { asset: u8, qty: Mag, in_kind: bool },
    Price { asset: u8, price: Mag, conf_bps: u16 },
}

/// Direct calls with unconstrained arguments.
#[derive(Arbitrary, Debug)]
enum RawCall {
    Shares { value: Mag, supply: Mag, nav: Mag },
    Amount { shares: Mag, supply: Mag, nav: Mag },
    Value { qty: Mag, price: Mag, expo: i32, asset_decimals: u8, base_decimals: u8 },
    MulDiv { a: u64, b: u64, d: u64, up: bool },
    SharePrice { nav: u64, supply: u64 },
}

#[derive(Arbitrary, Debug)]
pub struct Input {
    base_decimals: u8,
    seed_base: Mag,
    dead_shares: Mag,
    assets: Vec<AssetSpec>,
    ops: Vec<Op>,
    raw: Vec<RawCall>,
}

/// Cluster time of every step (the risk state is fresh throughout; fees run at zero rates).
const NOW: i64 = 1_000_000;

#[derive(Clone)]
struct Vault {
    state: VaultState,
    risk: RiskState,
    /// Oracle value of each asset slot.
    prices: Vec<OraclePrice>,
    /// Shares held by each user (the share mint's supply is their sum and `aside`).
    users: [u64; USERS],
    /// User 0's shares, set aside during a round trip.
    aside: u64,
}

impl Vault {
    fn n(&self) -> usize {
        self.prices.len()
    }
    fn base(&self) -> u64 {
        self.state.base_quantity
    }
    fn qty(&self, i: usize) -> u64 {
        self.state.assets[i].quantity
    }
    fn quantities(&self) -> Vec<u64> {
        (0..self.n()).map(|i| self.qty(i)).collect()
    }
    /// The share mint's supply.
    fn supply(&self) -> u64 {
        self.users.iter().fold(self.aside, |s, u| s.saturating_add(*u))
    }
    /// Total shares, the dead ones included.
    fn total(&self) -> u64 {
        self.supply().saturating_add(self.state.dead_shares)
    }
}

/// NAV rounded down and up.
#[derive(Clone, Copy, Debug)]
struct Nav {
    down: u64,
    up: u64,
}

pub fn run(data: &[u8]) {
    if let Some(input) = crate::decode::<Input>(data) {
        check(&input);
    }
}

fn check(input: &Input) {
    for call in input.raw.iter().take(32) {
        raw_call(call);
    }
    let mut state = VaultState::zeroed();
    state.version = STATE_VERSION;
    state.base_decimals = input.base_decimals % 19;
    state.base_quantity = input.seed_base.get();
    state.dead_shares = input.dead_shares.get().max(1);
    state.deposit_cap = u64::MAX;
    state.risk_refreshed_at = NOW;
    state.max_risk_age = u32::MAX;
    let mut prices = Vec::new();
    for (i, a) in input.assets.iter().take(3).enumerate() {
        let slot = &mut state.assets[i];
        slot.mint = [i as u8 + 1; 32];
        slot.quantity = a.qty.get();
        slot.decimals = a.decimals % 19;
        // the share accounting is under test, not the in-kind cap (tests/…/attacks_registration.rs)
        slot.in_kind_cap = u64::MAX;
        prices.push(oracle(a.price.get().max(1), a.conf_bps, -18 + i32::from(a.expo % 25)));
    }
    state.num_assets = prices.len() as u8;
    let mut v = Vault { state, risk: RiskState::zeroed(), prices, users: [0; USERS], aside: 0 };
    for op in input.ops.iter().take(64) {
        step(&mut v, op);
    }
}

/// A price as the readers return it: positive, `conf ≤ price`, exponent in [-18, 6].
fn oracle(price: u64, conf_bps: u16, expo: i32) -> OraclePrice {
    let conf = mul_div(price, u64::from(conf_bps % 10_001), 10_000, Rounding::Down).unwrap_or(0);
    OraclePrice { price, conf, expo, publish_time: 0 }
}

/// One holding's value both ways, checked against `value_in_base` and the exact value.
fn holding_value(qty: u64, p: &OraclePrice, decimals: u8, base_decimals: u8) -> Result<(u64, u64), CoreError> {
    let both = value_in_base_both(qty, p, decimals, base_decimals);
    let down = value_in_base(qty, p, decimals, base_decimals, Rounding::Down);
    let up = value_in_base(qty, p, decimals, base_decimals, Rounding::Up);
    match (down, up) {
        (Ok(d), Ok(u)) => assert_eq!(both, Ok((d, u)), "value_in_base_both({qty}, {p:?}, {decimals}, {base_decimals})"),
        _ => assert_eq!(both, Err(CoreError::MathOverflow), "value_in_base_both({qty}, {p:?})"),
    }
    check_value_exact(qty, p, decimals, base_decimals, both);
    both
}

/// `10^e` as a wide integer (`e ≤ 140`).
fn pow10_wide(e: u32) -> Wide {
    let mut w = Wide::new(1);
    for _ in 0..e / 19 {
        w = w.times(10u128.pow(19));
    }
    w.times(10u128.pow(e % 19))
}

/// The value's definition: `qty·price·10^k` with `k = expo + base_decimals − decimals`,
/// rounded down and up (equal when it is an integer, one apart otherwise), `MathOverflow`
/// when either does not fit a `u64` or `10^k` (k > 0) does not fit a `u128`.
fn check_value_exact(qty: u64, p: &OraclePrice, decimals: u8, base_decimals: u8, got: Result<(u64, u64), CoreError>) {
    let k = i64::from(p.expo) + i64::from(base_decimals) - i64::from(decimals);
    let m = u128::from(qty) * u128::from(p.price);
    let want = if k >= 0 {
        if k > 38 {
            None
        } else {
            let w = pow10_wide(k as u32).times(m);
            (w <= Wide::new(u128::from(u64::MAX))).then(|| (w.0[0], w.0[0]))
        }
    } else if k < -38 {
        // 10^-k > 2^128 > m: a fraction of a unit
        Some((0, u64::from(m != 0)))
    } else {
        let t = 10u128.pow((-k) as u32);
        let q = m / t;
        let up = q + u128::from(q * t != m);
        u64::try_from(q).ok().zip(u64::try_from(up).ok())
    };
    match (got, want) {
        (Ok(g), Some(w)) => assert_eq!(g, w, "value of {qty} at {p:?} ({decimals} → {base_decimals} decimals)"),
        (Err(e), None) => assert_eq!(e, CoreError::MathOverflow),
        (g, w) => panic!("value of {qty} at {p:?} ({decimals} → {base_decimals} decimals): {g:?}, expected {w:?}"),
    }
}

/// NAV from the holdings' values (each checked against its definition), and the engine's own
/// NAV checked against it.
fn nav(v: &Vault) -> Result<Nav, CoreError> {
    let (mut down, mut up) = (v.base(), v.base());
    let mut sum = Ok(());
    for (i, p) in v.prices.iter().enumerate() {
        match holding_value(v.qty(i), p, v.state.assets[i].decimals, v.state.base_decimals) {
            Ok((d, u)) if sum.is_ok() => match (down.checked_add(d), up.checked_add(u)) {
                (Some(d), Some(u)) => (down, up) = (d, u),
                _ => sum = Err(CoreError::MathOverflow),
            },
            Ok(_) => {}
            Err(e) => sum = sum.and(Err(e)),
        }
    }
    let engine = v.state.nav_both_at(&v.prices, NOW);
    match sum {
        Ok(()) => assert_eq!(engine, Ok((down, up)), "the engine's NAV is the sum of the holdings"),
        Err(_) => assert!(engine.is_err(), "the engine's NAV where a holding's value fails: {engine:?}"),
    }
    engine.map(|(down, up)| Nav { down, up })
}

/// NAV per share did not fall: `after · s_before ≥ before · s_after`, both roundings.
fn assert_no_dilution(before: Nav, s_before: u64, after: Nav, s_after: u64, what: &str) {
    let x = |a: u64, b: u64| u128::from(a) * u128::from(b);
    assert!(
        x(after.down, s_before) >= x(before.down, s_after),
        "{what}: NAV↓/share fell from {}/{s_before} to {}/{s_after}",
        before.down,
        after.down
    );
    assert!(
        x(after.up, s_before) >= x(before.up, s_after),
        "{what}: NAV↑/share fell from {}/{s_before} to {}/{s_after}",
        before.up,
        after.up
    );
}

/// The exact value of the holdings `base` + `qty[i]` at the vault's prices, times `10^36`
/// (every exponent `k = expo + base_decimals − decimals` is ≥ −36 here).
fn exact_value_e36(v: &Vault, base: u64, qty: &[u64]) -> Wide {
    let mut total = pow10_wide(36).times(u128::from(base));
    for (i, (p, &q)) in v.prices.iter().zip(qty).enumerate() {
        let k = i64::from(p.expo) + i64::from(v.state.base_decimals) - i64::from(v.state.assets[i].decimals);
        let e = u32::try_from(k + 36).expect("k ≥ −36");
        total = total.plus(pow10_wide(e).times(u128::from(q) * u128::from(p.price)));
    }
    total
}

/// Checks `shares_for_deposit` against its definition; returns its result.
fn deposit_shares(value: u64, supply: u64, nav_up: u64) -> Result<u64, CoreError> {
    let got = shares_for_deposit(value, supply, nav_up);
    let want = if value == 0 {
        Err(CoreError::ZeroAmount)
    } else if nav_up == 0 || supply == 0 {
        Err(CoreError::VaultInsolvent)
    } else {
        let q = u128::from(value) * u128::from(supply) / u128::from(nav_up);
        match u64::try_from(q) {
            Err(_) => Err(CoreError::MathOverflow),
            Ok(0) => Err(CoreError::ZeroShares),
            Ok(q) => Ok(q),
        }
    };
    assert_eq!(got, want, "shares_for_deposit({value}, {supply}, {nav_up})");
    got
}

/// Checks `amount_for_shares` against its definition; returns its result.
fn exit_amount(shares: u64, supply: u64, nav_down: u64) -> Result<u64, CoreError> {
    let got = amount_for_shares(shares, supply, nav_down);
    let want = if shares == 0 {
        Err(CoreError::ZeroShares)
    } else if supply == 0 || shares > supply {
        Err(CoreError::InvariantViolated)
    } else {
        // shares ≤ supply: the quotient is ≤ nav_down, so it fits
        match (u128::from(shares) * u128::from(nav_down) / u128::from(supply)) as u64 {
            0 => Err(CoreError::ZeroAmount),
            q => Ok(q),
        }
    };
    assert_eq!(got, want, "amount_for_shares({shares}, {supply}, {nav_down})");
    got
}

/// The engine refused with `got` where the definitions say `want`: the same error, or an
/// overflow of a sum the definitions do not form (NAV after, an accounted quantity).
fn assert_refusal<T: core::fmt::Debug>(got: EngineError, want: Result<T, CoreError>, what: &str) {
    match (got, want) {
        (EngineError::Core(e), Err(w)) if e == w => {}
        (EngineError::Core(CoreError::MathOverflow), _) => {}
        (g, w) => panic!("{what}: the engine refused with {g:?}, the definitions give {w:?}"),
    }
}

/// Deposit of base `amount` (`asset = None`) or of `amount` units of an asset, by
/// `engine::flows`; returns the shares minted and the value credited, or `None` if the program
/// refuses.
fn deposit(v: &mut Vault, user: usize, asset: Option<usize>, amount: u64) -> Option<(u64, u64)> {
    let before = nav(v).ok()?;
    // an asset is valued at `price − conf`; none is left (conf ≥ price): refused
    let value = match asset {
        None => Ok(amount),
        // the gate refuses an empty deposit before any price is looked at
        Some(_) if amount == 0 => Err(CoreError::ZeroAmount),
        Some(i) => {
            let p = &v.prices[i];
            match p.price.checked_sub(p.conf).filter(|&low| low > 0) {
                Some(low) => Ok(value_in_base(
                    amount,
                    &OraclePrice { price: low, ..*p },
                    v.state.assets[i].decimals,
                    v.state.base_decimals,
                    Rounding::Down,
                )
                .ok()?),
                None => Err(CoreError::OracleConfidenceTooWide),
            }
        }
    };
    let want = value.and_then(|value| deposit_shares(value, v.total(), before.up));
    let mut next = v.clone();
    let navs = Navs { down: before.down, up: before.up };
    let what = format!("deposit of {amount} (asset {asset:?})");
    let (shares, credited) = match flows::deposit_gate(&next.state, amount, NOW).and_then(|()| match asset {
        None => flows::deposit(&mut next.state, v.supply(), navs, amount, 0, NOW).map(|d| (d.shares, amount)),
        Some(i) => {
            flows::deposit_asset(&mut next.state, &mut next.risk, v.supply(), navs, &v.prices, i, amount, 0, NOW)
                .map(|d| (d.shares, d.value))
        }
    }) {
        Ok((shares, credited)) => {
            assert_eq!(Ok(credited), value, "{what}: value credited");
            assert_eq!(Ok(shares), want, "{what}: shares");
            (shares, credited)
        }
        Err(e) => {
            assert_refusal(e, want, &what);
            return None;
        }
    };
    match asset {
        None => assert_eq!(next.base(), v.base() + amount),
        Some(i) => assert_eq!(next.qty(i), v.qty(i) + amount),
    }
    // the share mint's supply (and every total) stays a u64, or the mint refuses
    v.total().checked_add(shares)?;
    next.users[user] += shares;
    let after = nav(&next).ok()?;
    assert_no_dilution(before, v.total(), after, next.total(), &what);
    *v = next;
    Some((shares, credited))
}

/// Withdrawal of `shares` in base by `engine::flows`; returns the amount paid.
fn withdraw(v: &mut Vault, user: usize, shares: u64) -> Option<u64> {
    let before = nav(v).ok()?;
    let mut next = v.clone();
    let what = format!("withdrawal of {shares} shares");
    let amount = match flows::withdraw_gate(shares, v.users[user])
        .and_then(|()| {
            let exit = flows::ExitNav { nav_down: before.down, mark: before.down, zeroed: 0 };
            flows::withdraw(&mut next.state, v.supply(), &exit, shares, 0, NOW)
        })
    {
        Ok(w) => {
            assert_eq!(Ok(w.amount), exit_amount(shares, v.total(), before.down), "{what}");
            assert_eq!(next.base(), v.base() - w.amount);
            w.amount
        }
        Err(EngineError::InsufficientShares) => {
            assert!(shares > v.users[user]);
            return None;
        }
        Err(EngineError::InsufficientBaseLiquidity) => {
            assert!(exit_amount(shares, v.total(), before.down).is_ok_and(|a| a > v.base()), "{what}");
            return None;
        }
        Err(e) => {
            assert_refusal(e, exit_amount(shares, v.total(), before.down), &what);
            return None;
        }
    };
    next.users[user] -= shares;
    let after = nav(&next).ok()?;
    assert_no_dilution(before, v.total(), after, next.total(), &what);
    *v = next;
    Some(amount)
}

/// In-kind redemption of `shares` by `engine::flows`: `⌊shares·q/total⌋` of every holding;
/// returns what was paid (base, then each asset).
fn redeem(v: &mut Vault, user: usize, shares: u64) -> Option<(u64, Vec<u64>)> {
    let total = v.total();
    let mut next = v.clone();
    let r = match flows::redeem_in_kind(&mut next.state, v.users[user], v.supply(), shares, &[], 0, NOW) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                shares == 0 || shares > v.users[user] || e == EngineError::Core(CoreError::ZeroAmount),
                "redemption of {shares} refused: {e:?}"
            );
            return None;
        }
    };
    let pay = |q: u64| mul_div(shares, q, total, Rounding::Down).expect("shares ≤ total: fits");
    assert_eq!(r.holdings, 1 + v.n());
    assert_eq!(r.total_shares_before, total);
    let base_paid = pay(v.base());
    let paid: Vec<u64> = (0..v.n()).map(|i| pay(v.qty(i))).collect();
    assert_eq!(r.amounts[0], base_paid, "in kind: base");
    assert_eq!(&r.amounts[1..r.holdings], &paid[..], "in kind: assets");
    assert_eq!(next.base(), v.base() - base_paid);
    assert_eq!(next.quantities(), v.quantities().iter().zip(&paid).map(|(q, p)| q - p).collect::<Vec<_>>());
    next.users[user] -= shares;
    // every holding per share, exactly
    let x = |a: u64, b: u64| u128::from(a) * u128::from(b);
    assert!(x(next.base(), total) >= x(v.base(), next.total()), "in-kind exit diluted the base");
    for i in 0..v.n() {
        assert!(x(next.qty(i), total) >= x(v.qty(i), next.total()), "in-kind exit diluted an asset");
    }
    // (NAV rounded per holding may lose a unit per holding; the exact NAV per share cannot fall)
    let e_before = exact_value_e36(v, v.base(), &v.quantities());
    let e_after = exact_value_e36(&next, next.base(), &next.quantities());
    assert!(
        e_after.times(u128::from(total)) >= e_before.times(u128::from(next.total())),
        "in-kind exit diluted the NAV"
    );
    *v = next;
    Some((base_paid, paid))
}

fn step(v: &mut Vault, op: &Op) {
    let n = v.n();
    let pick_user = |u: u8| usize::from(u) % USERS;
    let fraction = |held: u64, m: Mag| if held == 0 { 0 } else { 1 + m.get() % held };
    match *op {
        Op::Deposit { user, amount } => {
            deposit(v, pick_user(user), None, amount.get());
        }
        Op::DepositAsset { user, asset, qty } if n > 0 => {
            deposit(v, pick_user(user), Some(usize::from(asset) % n), qty.get());
        }
        Op::Withdraw { user, shares } => {
            let u = pick_user(user);
            withdraw(v, u, fraction(v.users[u], shares));
        }
        Op::RedeemInKind { user, shares } => {
            let u = pick_user(user);
            redeem(v, u, fraction(v.users[u], shares));
        }
        Op::RoundTrip { amount, in_kind } => round_trip(v, None, amount.get(), in_kind),
        Op::RoundTripAsset { asset, qty, in_kind } if n > 0 => {
            round_trip(v, Some(usize::from(asset) % n), qty.get(), in_kind)
        }
        Op::Price { asset, price, conf_bps } if n > 0 => {
            let p = &mut v.prices[usize::from(asset) % n];
            *p = oracle(price.get().max(1), conf_bps, p.expo);
        }
        _ => {}
    }
}

/// A fresh depositor (user 0's slot is borrowed: its shares are set aside and restored) puts
/// in `amount` and takes out every share minted, at the same prices.
fn round_trip(v: &mut Vault, asset: Option<usize>, amount: u64, in_kind: bool) {
    v.aside = core::mem::take(&mut v.users[0]);
    if let Some((shares, value)) = deposit(v, 0, asset, amount) {
        // what was put in, exactly (an asset at its price, not the credited value)
        let mut qty_in = vec![0u64; v.n()];
        let base_in = match asset {
            None => amount,
            Some(i) => {
                qty_in[i] = amount;
                0
            }
        };
        let put_in = exact_value_e36(v, base_in, &qty_in);
        if in_kind {
            if let Some((base_out, qty_out)) = redeem(v, 0, shares) {
                let got = exact_value_e36(v, base_out, &qty_out);
                assert!(got <= put_in, "in-kind round trip of {amount} (asset {asset:?}) returned more");
            }
        } else if let Some(back) = withdraw(v, 0, shares) {
            // (an asset is credited at `price − conf` but then counts at `price` in the NAV, so
            // the exit may pay more than the credited value — never more than the asset's value)
            assert!(asset.is_some() || back <= value, "round trip of {amount}: returned {back}");
            assert!(
                pow10_wide(36).times(u128::from(back)) <= put_in,
                "round trip of {amount} (asset {asset:?}) returned {back}, more than its value"
            );
        }
    }
    v.users[0] += core::mem::take(&mut v.aside);
}

fn raw_call(call: &RawCall) {
    match *call {
        RawCall::Shares { value, supply, nav } => {
            let _ = deposit_shares(value.get(), supply.get(), nav.get());
        }
        RawCall::Amount { shares, supply, nav } => {
            let _ = exit_amount(shares.get(), supply.get(), nav.get());
        }
        RawCall::Value { qty, price, expo, asset_decimals, base_decimals } => {
            let p = OraclePrice { price: price.get(), conf: 0, expo, publish_time: 0 };
            let _ = holding_value(qty.get(), &p, asset_decimals, base_decimals);
        }
        RawCall::MulDiv { a, b, d, up } => {
            let round = if up { Rounding::Up } else { Rounding::Down };
            let got = mul_div(a, b, d, round);
            let want = if d == 0 {
                None
            } else {
                let p = u128::from(a) * u128::from(b);
                let q = p / u128::from(d) + u128::from(up && p % u128::from(d) != 0);
                u64::try_from(q).ok()
            };
            assert_eq!(got, want, "mul_div({a}, {b}, {d}, {round:?})");
        }
        RawCall::SharePrice { nav, supply } => {
            let _ = share_price(nav, supply);
        }
    }
}
