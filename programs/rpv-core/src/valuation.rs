//! Valuation: what each holding is worth. Option series are marked per whole option token, spot
//! holdings at their oracle price, and the vault's NAV is the base plus every slot's value.
//!
//! ## Marks
//! An option series is marked per whole option token, in the base currency
//! ([`option_mark`]):
//! - settled: the fixed payoff recorded by `settle_expired`;
//! - expired, not yet settled: intrinsic value at the current underlying price;
//! - inside the Black–Scholes domain ([`crate::options`]): the Black–Scholes value at the
//!   sampled implied vol, with its Greeks; no haircut (the implied-vol feed's confidence is
//!   bounded by the slot's `max_conf_bps`);
//! - outside it (less than an hour to expiry, spot/strike beyond 1/5..5, σ beyond 5 %..300 %):
//!   two bounds instead of a value. The lower bound is the no-arbitrage floor
//!   `max(S − K·e^{−rT}, 0)` (call) / `max(K·e^{−rT} − S, 0)` (put); the upper bound adds
//!   `S·σ·√T/√(2π)`, which bounds Black–Scholes time value for every spot (it is the time value
//!   at the forward, where it is largest, to first order — and above it beyond). NAV rounded up
//!   (deposits) takes the upper bound and NAV rounded down (withdrawals, snapshots) the lower:
//!   doubt about a mark always goes against the party acting. Such a series has no Greeks and
//!   is left out of the risk model (weight 0) until it is back inside the domain.

use crate::{
    error::CoreResult,
    fixed_point::{add, mul, sub, Fx, SECONDS_PER_YEAR},
    fmath::{exp, sqrt},
    layout::{AssetSlot, OptionTerms, VaultState, MAX_ASSETS},
    math::{pow10, value_in_base, value_in_base_both, Rounding},
    options::{black_scholes, intrinsic, BsInput, Greeks, OptionKind},
    price::OraclePrice,
    CoreError,
};

/// `1/√(2π)`.
const INV_SQRT_2PI: Fx = Fx::from_bits(112_292_269_084_889); // 0.398942280401432…

/// An oracle value as I80F48, `price · 10^expo`, rounded to nearest.
pub fn price_to_fx(p: &OraclePrice) -> CoreResult<Fx> {
    let m = u128::from(p.price);
    let bits = if p.expo >= 0 {
        let f = pow10(p.expo as u32).ok_or(CoreError::MathOverflow)?;
        m.checked_mul(f).and_then(|x| x.checked_mul(1 << 48)).ok_or(CoreError::MathOverflow)?
    } else {
        match pow10(p.expo.unsigned_abs()) {
            // m < 2^64: m·2^48 < 2^112
            Some(f) => ((m << 48) + f / 2) / f,
            None => 0,
        }
    };
    i128::try_from(bits).map(Fx::from_bits).map_err(|_| CoreError::MathOverflow)
}

/// The mark of one option series per whole option token (module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionMark {
    pub low: Fx,
    pub high: Fx,
    /// Black–Scholes price and Greeks per unit of the underlying, inside the domain.
    pub greeks: Option<Greeks>,
}

/// Years from `now` to `expiry`, `(expiry − now) / 31 536 000` rounded down (an integer
/// division: exact to one `I80F48` unit); `MathDomain` once expired.
pub fn years_to(expiry: i64, now: i64) -> CoreResult<Fx> {
    // in i128: `expiry − now` overflows i64 for a negative `now` and a distant expiry
    let secs = u128::try_from(i128::from(expiry) - i128::from(now)).map_err(|_| CoreError::MathDomain)?;
    let bits = (secs << 48) / SECONDS_PER_YEAR as u128; // secs < 2^64: secs·2^48 < 2^112
    i128::try_from(bits).map(Fx::from_bits).map_err(|_| CoreError::MathOverflow)
}

/// Marks a series at underlying price `spot` and implied vol `vol` with rate `rate` at `now`.
pub fn option_mark(t: &OptionTerms, spot: Fx, vol: Fx, rate: Fx, now: i64) -> CoreResult<OptionMark> {
    let kind = t.option_kind().ok_or(CoreError::MathDomain)?;
    let size = t.contract_size.get();
    let strike = t.strike.get();
    if t.is_settled() {
        let v = t.settlement_value.get();
        return Ok(OptionMark { low: v, high: v, greeks: None });
    }
    if now >= t.expiry {
        let v = mul(intrinsic(kind, spot, strike), size)?;
        return Ok(OptionMark { low: v, high: v, greeks: None });
    }
    let years = years_to(t.expiry, now)?;
    if let Ok(g) = black_scholes(&BsInput { kind, spot, strike, vol, rate, years }) {
        let v = mul(g.price, size)?;
        return Ok(OptionMark { low: v, high: v, greeks: Some(g) });
    }
    // outside the domain: no-arbitrage floor and floor + S·σ·√T/√(2π)
    let kd = mul(strike, exp(sub(Fx::ZERO, mul(rate, years)?)?)?)?; // checked: −Fx::MIN overflows
    let floor = match kind {
        OptionKind::Call => sub(spot, kd)?.max(Fx::ZERO),
        OptionKind::Put => sub(kd, spot)?.max(Fx::ZERO),
    };
    let cap = match kind {
        OptionKind::Call => spot,
        OptionKind::Put => kd,
    };
    let time_value = mul(mul(mul(spot, vol.max(Fx::ZERO))?, sqrt(years)?)?, INV_SQRT_2PI)?;
    let high = add(floor, time_value)?.min(cap).max(floor);
    Ok(OptionMark { low: mul(floor, size)?, high: mul(high, size)?, greeks: None })
}

/// Value in base units of `qty` smallest units of a token with `decimals` at `unit` (base
/// currency per whole token): `qty · unit · 10^(base_decimals − decimals)`, rounded once.
pub fn fx_value_in_base(qty: u64, unit: Fx, decimals: u8, base_decimals: u8, round: Rounding) -> CoreResult<u64> {
    let uv = unit.to_bits().max(0) as u128;
    let p = u128::from(qty).checked_mul(uv).ok_or(CoreError::MathOverflow)?;
    let (num, den) = if base_decimals >= decimals {
        let f = pow10(u32::from(base_decimals - decimals)).ok_or(CoreError::MathOverflow)?;
        (p.checked_mul(f).ok_or(CoreError::MathOverflow)?, 1u128 << 48)
    } else {
        let f = pow10(u32::from(decimals - base_decimals)).ok_or(CoreError::MathOverflow)?;
        (p, f.checked_mul(1 << 48).ok_or(CoreError::MathOverflow)?)
    };
    let q = num / den;
    let q = if round == Rounding::Up && q * den != num { q + 1 } else { q };
    u64::try_from(q).map_err(|_| CoreError::MathOverflow)
}

/// Whether slot `i`'s own oracle must be read to value it: always for spot, and for option
/// series until they expire (after expiry only the underlying's price matters).
pub fn needs_own_oracle(v: &VaultState, i: usize, now: i64) -> bool {
    let t = &v.assets[i].option;
    !t.is_option() || (!t.is_settled() && now < t.expiry)
}

/// Slots as a bit set: bit `i` = asset slot `i` (`MAX_ASSETS` ≤ 32).
pub type SlotSet = u32;

/// Bit `i` of a [`SlotSet`] (empty for an index beyond the set).
pub fn slot_bit(i: usize) -> SlotSet {
    u32::try_from(i).ok().and_then(|i| 1u32.checked_shl(i)).unwrap_or(0)
}

/// The legs whose value needs a feed in `dead` (bit `j`: slot `j`'s own oracle could not be
/// read): a leg holding something whose value needs a dead feed — a spot leg its own feed; an
/// option series before expiry its implied vol and its underlying's price; an expired series
/// not yet settled its underlying's price; a settled series none. A leg holding nothing needs
/// no feed.
pub fn legs_needing(v: &VaultState, dead: SlotSet, now: i64) -> SlotSet {
    let mut legs = 0;
    for (i, a) in v.active_assets().iter().enumerate() {
        let t = &a.option;
        let own = needs_own_oracle(v, i, now) && dead & slot_bit(i) != 0;
        let underlying = t.is_option() && !t.is_settled() && dead & slot_bit(usize::from(t.underlying)) != 0;
        if a.quantity > 0 && (own || underlying) {
            legs |= slot_bit(i);
        }
    }
    legs
}

/// Value of slot `i`'s accounted holding in base units, from `prices` (one per slot: a price,
/// or the implied vol of an option series), rounded `round` (options: `Up` takes the upper
/// bound of the mark, `Down` the lower).
pub fn slot_value(v: &VaultState, i: usize, prices: &[OraclePrice], now: i64, round: Rounding) -> CoreResult<u64> {
    let a = &v.assets[i];
    if !a.option.is_option() {
        return value_in_base(a.quantity, &prices[i], a.decimals, v.base_decimals, round);
    }
    if a.quantity == 0 {
        return Ok(0);
    }
    let m = mark_slot(v, i, prices, now)?;
    let unit = if round == Rounding::Up { m.high } else { m.low };
    fx_value_in_base(a.quantity, unit, a.decimals, v.base_decimals, round)
}

/// [`slot_value`] rounded down and up (one price read, one mark for an option).
pub fn slot_value_both(v: &VaultState, i: usize, prices: &[OraclePrice], now: i64) -> CoreResult<(u64, u64)> {
    let a = &v.assets[i];
    if !a.option.is_option() {
        return value_in_base_both(a.quantity, &prices[i], a.decimals, v.base_decimals);
    }
    if a.quantity == 0 {
        return Ok((0, 0));
    }
    let m = mark_slot(v, i, prices, now)?;
    Ok((
        fx_value_in_base(a.quantity, m.low, a.decimals, v.base_decimals, Rounding::Down)?,
        fx_value_in_base(a.quantity, m.high, a.decimals, v.base_decimals, Rounding::Up)?,
    ))
}

/// The mark of option slot `i` from the slot prices.
pub fn mark_slot(v: &VaultState, i: usize, prices: &[OraclePrice], now: i64) -> CoreResult<OptionMark> {
    let (spot, vol) = mark_inputs(v, i, prices, now)?;
    option_mark(&v.assets[i].option, spot, vol, v.option_rate.get(), now)
}

/// The underlying price and implied vol that mark option slot `i` (zero where not needed).
pub fn mark_inputs(v: &VaultState, i: usize, prices: &[OraclePrice], now: i64) -> CoreResult<(Fx, Fx)> {
    let t = &v.assets[i].option;
    let u = usize::from(t.underlying);
    if u >= prices.len() {
        return Err(CoreError::MathDomain);
    }
    let spot = if t.is_settled() { Fx::ZERO } else { price_to_fx(&prices[u])? };
    let vol = if needs_own_oracle(v, i, now) { price_to_fx(&prices[i])? } else { Fx::ZERO };
    Ok((spot, vol))
}

/// Which end of every oracle's confidence interval an instant flow is priced at (issue 15): a
/// deposit values the vault's holdings at the top ([`Band::High`], rounded up: the depositor
/// buys dear), a withdrawal at the bottom ([`Band::Low`], rounded down: the withdrawer sells
/// cheap). Doubt about a price goes against the party acting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    Low,
    High,
}

impl Band {
    /// The rounding that goes with the band.
    pub fn rounding(self) -> Rounding {
        match self {
            Self::Low => Rounding::Down,
            Self::High => Rounding::Up,
        }
    }

    /// `p` moved to this end of its interval (`up` = the end that raises the value).
    fn end(self, p: &OraclePrice, raises: bool) -> CoreResult<OraclePrice> {
        if (self == Self::High) == raises {
            p.high()
        } else {
            p.low()
        }
    }
}

/// Value of slot `i`'s holding at the `band` end of the confidence intervals: a spot leg at
/// `price ± conf`; an option series at the bound of its mark ([`option_mark`]) from the
/// underlying's end that moves it the band's way (a call rises with the underlying, a put
/// falls) and the implied vol's (the value rises with σ); a settled series at its payoff.
/// `OracleConfidenceTooWide` when a low end reaches zero ([`OraclePrice::low`]).
pub fn slot_value_banded(v: &VaultState, i: usize, prices: &[OraclePrice], now: i64, band: Band) -> CoreResult<u64> {
    value_banded(v, i, v.assets[i].quantity, prices, now, band)
}

/// [`slot_value_banded`] of `qty` smallest units of slot `i` (what an in-kind deposit of `qty`
/// is worth at [`Band::Low`]).
pub fn value_banded(
    v: &VaultState,
    i: usize,
    qty: u64,
    prices: &[OraclePrice],
    now: i64,
    band: Band,
) -> CoreResult<u64> {
    let a = &v.assets[i];
    let round = band.rounding();
    if qty == 0 {
        return Ok(0);
    }
    if !a.option.is_option() {
        return value_in_base(qty, &band.end(&prices[i], true)?, a.decimals, v.base_decimals, round);
    }
    let t = &a.option;
    let u = usize::from(t.underlying);
    if u >= prices.len() || i >= prices.len() {
        return Err(CoreError::MathDomain);
    }
    let call = t.option_kind() == Some(OptionKind::Call);
    let spot = if t.is_settled() { Fx::ZERO } else { price_to_fx(&band.end(&prices[u], call)?)? };
    let vol = if needs_own_oracle(v, i, now) { price_to_fx(&band.end(&prices[i], true)?)? } else { Fx::ZERO };
    let m = option_mark(t, spot, vol, v.option_rate.get(), now)?;
    let unit = if band == Band::High { m.high } else { m.low };
    fx_value_in_base(qty, unit, a.decimals, v.base_decimals, round)
}

/// Settlement payoff per whole option token at underlying price `spot`.
pub fn settlement_value(t: &OptionTerms, spot: Fx) -> CoreResult<Fx> {
    let kind = t.option_kind().ok_or(CoreError::MathDomain)?;
    mul(intrinsic(kind, spot, t.strike.get()), t.contract_size.get())
}

impl VaultState {
    /// NAV in base units: accounted base balance plus every holding at its oracle price (spot)
    /// or at its mark (options, [`option_mark`], which takes the underlying's
    /// price from the same pass), each rounded in direction `round` — for options `Up` takes the
    /// upper bound of the mark and `Down` the lower. `price_of(i, slot)` must return the
    /// validated oracle value of slot `i` (a price; an implied vol for an option series).
    pub fn nav<F>(&self, mut price_of: F, now: i64, round: Rounding) -> CoreResult<u64>
    where
        F: FnMut(usize, &AssetSlot) -> CoreResult<OraclePrice>,
    {
        let mut prices = [OraclePrice::ZERO; MAX_ASSETS];
        for (i, a) in self.active_assets().iter().enumerate() {
            prices[i] = price_of(i, a)?;
        }
        self.nav_at(&prices, now, round)
    }

    /// [`Self::nav`] from prices already read (`prices[i]` for slot `i`).
    pub fn nav_at(&self, prices: &[OraclePrice], now: i64, round: Rounding) -> CoreResult<u64> {
        self.nav_at_zeroing(prices, 0, now, round)
    }

    /// [`Self::nav_at`] with the legs in `zeroed` valued at zero (their prices are not read).
    pub fn nav_at_zeroing(
        &self,
        prices: &[OraclePrice],
        zeroed: SlotSet,
        now: i64,
        round: Rounding,
    ) -> CoreResult<u64> {
        let mut nav = self.base_quantity;
        for i in 0..self.active_assets().len() {
            if zeroed & slot_bit(i) == 0 {
                let v = slot_value(self, i, prices, now, round)?;
                nav = nav.checked_add(v).ok_or(CoreError::MathOverflow)?;
            }
        }
        Ok(nav)
    }

    /// NAV at the `band` end of every oracle's confidence interval ([`slot_value_banded`]),
    /// with the legs in `zeroed` valued at zero: what an instant flow is priced at.
    pub fn nav_banded(&self, prices: &[OraclePrice], zeroed: SlotSet, now: i64, band: Band) -> CoreResult<u64> {
        let mut nav = self.base_quantity;
        for i in 0..self.active_assets().len() {
            if zeroed & slot_bit(i) == 0 {
                let v = slot_value_banded(self, i, prices, now, band)?;
                nav = nav.checked_add(v).ok_or(CoreError::MathOverflow)?;
            }
        }
        Ok(nav)
    }

    /// [`Self::nav_at`] rounded down and up from one pass (`(down, up)`).
    pub fn nav_both_at(&self, prices: &[OraclePrice], now: i64) -> CoreResult<(u64, u64)> {
        let (mut down, mut up) = (self.base_quantity, self.base_quantity);
        for i in 0..self.active_assets().len() {
            let (d, u) = slot_value_both(self, i, prices, now)?;
            down = down.checked_add(d).ok_or(CoreError::MathOverflow)?;
            up = up.checked_add(u).ok_or(CoreError::MathOverflow)?;
        }
        Ok((down, up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::tests::{asset, vault};

    #[test]
    fn nav_known_answer() {
        let mut v = vault();
        v.assets[0] = asset(2, 2_000_000_000, 9); // 2 SOL
        v.assets[1] = asset(3, 50_000_000, 8); // 0.5 BTC
        v.num_assets = 2;
        let prices = [
            OraclePrice { price: 15_000_000_000, conf: 0, expo: -8, publish_time: 0 }, // $150
            OraclePrice { price: 6_000_000_000_000, conf: 0, expo: -8, publish_time: 0 }, // $60,000
        ];
        let nav = v.nav(|i, _| Ok(prices[i]), 0, Rounding::Down).unwrap();
        // 1 USDC + 300 USDC + 30,000 USDC
        assert_eq!(nav, 1_000_000 + 300_000_000 + 30_000_000_000);
        // an oracle failure propagates
        assert_eq!(v.nav(|_, _| Err(CoreError::OracleStale), 0, Rounding::Down), Err(CoreError::OracleStale));
    }

    /// A spot leg, a call and a put on it: every band bound brackets the mid, both roundings.
    #[test]
    fn the_bands_bracket_the_mid_for_spot_calls_and_puts() {
        use crate::layout::{KIND_CALL, KIND_PUT};
        let now = 1_000;
        for (conf_bps, vol_conf_bps) in [(0u64, 0u64), (10, 50), (200, 1_000), (3_000, 4_000)] {
            let mut v = vault();
            v.assets[0] = asset(2, 2_000_000_000, 9); // 2 SOL
            for (i, kind) in [(1usize, KIND_CALL), (2, KIND_PUT)] {
                let mut a = asset(3 + i as u8, 5_000_000, 6);
                a.option.kind = kind;
                a.option.underlying = 0;
                a.option.expiry = now + 30 * 86_400;
                a.option.strike.set(Fx::from_num(150));
                a.option.contract_size.set(Fx::from_num(1));
                v.assets[i] = a;
            }
            v.num_assets = 3;
            let px =
                |price: u64, bps: u64| OraclePrice { price, conf: price * bps / 10_000, expo: -8, publish_time: 0 };
            let prices = [px(15_000_000_000, conf_bps), px(60_000_000, vol_conf_bps), px(60_000_000, vol_conf_bps)];
            let (down, up) = v.nav_both_at(&prices, now).unwrap();
            let low = v.nav_banded(&prices, 0, now, Band::Low).unwrap();
            let high = v.nav_banded(&prices, 0, now, Band::High).unwrap();
            assert!(low <= down && down <= up && up <= high, "{conf_bps}/{vol_conf_bps}: {low} {down} {up} {high}");
            if conf_bps > 0 {
                assert!(low < down && up < high, "a confidence interval widens both ends");
            }
            for i in 0..3 {
                let l = slot_value_banded(&v, i, &prices, now, Band::Low).unwrap();
                let h = slot_value_banded(&v, i, &prices, now, Band::High).unwrap();
                let (d, u) = slot_value_both(&v, i, &prices, now).unwrap();
                assert!(l <= d && u <= h, "slot {i}: {l} {d} {u} {h}");
            }
            // a put is worth more with the underlying at its low end: the High band took it
            let put_high = slot_value_banded(&v, 2, &prices, now, Band::High).unwrap();
            let mut lower = prices;
            lower[0].price -= lower[0].conf;
            lower[0].conf = 0;
            lower[2].price += lower[2].conf;
            lower[2].conf = 0;
            assert_eq!(put_high, slot_value(&v, 2, &lower, now, Rounding::Up).unwrap());
        }
    }

    #[test]
    fn a_band_reaching_zero_is_refused() {
        let mut v = vault();
        v.assets[0] = asset(2, 1_000, 9);
        v.num_assets = 1;
        let p = [OraclePrice { price: 100, conf: 100, expo: -8, publish_time: 0 }];
        assert_eq!(v.nav_banded(&p, 0, 0, Band::Low), Err(CoreError::OracleConfidenceTooWide));
        assert!(v.nav_banded(&p, 0, 0, Band::High).is_ok());
        assert_eq!(v.nav_banded(&p, 1, 0, Band::Low), Ok(v.base_quantity), "a zeroed leg is not priced");
    }
}
