//! Valuation and share arithmetic.
//!
//! Value is measured in **base units** (the smallest unit of the vault's base mint, e.g. 1e-6
//! USDC). The base asset is the numéraire: an asset's oracle quotes it in the currency the base
//! token stands for (USD for USDC).
//!
//! Rounding always favours the vault: a deposit is priced against the NAV rounded up and mints
//! shares rounded down; a withdrawal is priced against the NAV rounded down and pays rounded
//! down. A round trip therefore never returns more than it put in.

use fixed::types::I80F48;

use crate::{error::CoreResult, price::OraclePrice, CoreError};

/// Basis points in one (the interface's unit).
pub use rpv_interface::units::BPS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Down,
    Up,
}

/// 10^k for k in 0..=38 (the largest power of ten below 2^128).
pub fn pow10(k: u32) -> Option<u128> {
    10u128.checked_pow(k)
}

/// `a · b / d` with a `u128` intermediate, rounded as asked. `None` if `d = 0` or the result
/// exceeds `u64`.
pub fn mul_div(a: u64, b: u64, d: u64, round: Rounding) -> Option<u64> {
    if d == 0 {
        return None;
    }
    let p = u128::from(a) * u128::from(b);
    let d = u128::from(d);
    let q = p / d;
    let q = if round == Rounding::Up && q * d != p { q + 1 } else { q };
    u64::try_from(q).ok()
}

/// The decimal scaling `k = expo + base_decimals − asset_decimals` of a valuation, as
/// `(k ≥ 0, |k|)`: computed in `i64`, so no exponent overflows (an exponent beyond ±38 then
/// gives `MathOverflow` or a fraction of a unit, as any `|k| > 38` does).
fn decimal_scale(price: &OraclePrice, asset_decimals: u8, base_decimals: u8) -> (bool, u32) {
    let k = i64::from(price.expo) + i64::from(base_decimals) - i64::from(asset_decimals);
    (k >= 0, u32::try_from(k.unsigned_abs()).unwrap_or(u32::MAX))
}

/// Value in base units of `qty` smallest units of an asset with `asset_decimals`, at `price`:
///
/// `qty · price · 10^(expo + base_decimals − asset_decimals)`
///
/// computed exactly in `u128` and rounded once.
pub fn value_in_base(
    qty: u64,
    price: &OraclePrice,
    asset_decimals: u8,
    base_decimals: u8,
    round: Rounding,
) -> CoreResult<u64> {
    let product = u128::from(qty) * u128::from(price.price); // < 2^128
    let (scale_up, e) = decimal_scale(price, asset_decimals, base_decimals);
    let v = if scale_up {
        let f = pow10(e).ok_or(CoreError::MathOverflow)?;
        product.checked_mul(f).ok_or(CoreError::MathOverflow)?
    } else {
        match pow10(e) {
            Some(f) => {
                let q = product / f;
                if round == Rounding::Up && q * f != product {
                    q + 1
                } else {
                    q
                }
            }
            // 10^k > 2^128 > product: the value is a fraction of a base unit
            None => u128::from(round == Rounding::Up && product != 0),
        }
    };
    u64::try_from(v).map_err(|_| CoreError::MathOverflow)
}

/// [`value_in_base`] rounded down and up, from one multiplication and one division.
pub fn value_in_base_both(
    qty: u64,
    price: &OraclePrice,
    asset_decimals: u8,
    base_decimals: u8,
) -> CoreResult<(u64, u64)> {
    let product = u128::from(qty) * u128::from(price.price);
    let (scale_up, e) = decimal_scale(price, asset_decimals, base_decimals);
    let (down, up) = if scale_up {
        let f = pow10(e).ok_or(CoreError::MathOverflow)?;
        let v = product.checked_mul(f).ok_or(CoreError::MathOverflow)?;
        (v, v)
    } else {
        match pow10(e) {
            Some(f) => {
                let q = product / f;
                (q, q + u128::from(q * f != product))
            }
            None => (0, u128::from(product != 0)),
        }
    };
    let fit = |v: u128| u64::try_from(v).map_err(|_| CoreError::MathOverflow);
    Ok((fit(down)?, fit(up)?))
}

/// Shares minted for a deposit worth `value` base units, into a vault whose NAV (rounded up)
/// is `nav` and whose outstanding shares (including dead shares) are `supply`.
pub fn shares_for_deposit(value: u64, supply: u64, nav_up: u64) -> CoreResult<u64> {
    if value == 0 {
        return Err(CoreError::ZeroAmount);
    }
    if nav_up == 0 || supply == 0 {
        return Err(CoreError::VaultInsolvent);
    }
    let shares = mul_div(value, supply, nav_up, Rounding::Down).ok_or(CoreError::MathOverflow)?;
    if shares == 0 {
        return Err(CoreError::ZeroShares);
    }
    Ok(shares)
}

/// Base units paid for burning `shares` out of `supply`, against the NAV rounded down.
pub fn amount_for_shares(shares: u64, supply: u64, nav_down: u64) -> CoreResult<u64> {
    if shares == 0 {
        return Err(CoreError::ZeroShares);
    }
    if supply == 0 || shares > supply {
        return Err(CoreError::InvariantViolated);
    }
    let amount = mul_div(shares, nav_down, supply, Rounding::Down).ok_or(CoreError::MathOverflow)?;
    if amount == 0 {
        return Err(CoreError::ZeroAmount);
    }
    Ok(amount)
}

/// Base units per share as a fixed-point number (for display and events).
pub fn share_price(nav: u64, supply: u64) -> CoreResult<I80F48> {
    if supply == 0 {
        return Err(CoreError::VaultInsolvent);
    }
    I80F48::from_num(nav).checked_div(I80F48::from_num(supply)).ok_or(CoreError::MathOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn px(price: u64, expo: i32) -> OraclePrice {
        OraclePrice { price, conf: 0, expo, publish_time: 0 }
    }

    #[test]
    fn value_known_answers() {
        // 2.5 SOL (9 decimals) at $150.12345678 (expo −8) in USDC (6 decimals) = $375.30864195
        let v = value_in_base(2_500_000_000, &px(15_012_345_678, -8), 9, 6, Rounding::Down).unwrap();
        assert_eq!(v, 375_308_641);
        let v = value_in_base(2_500_000_000, &px(15_012_345_678, -8), 9, 6, Rounding::Up).unwrap();
        assert_eq!(v, 375_308_642);
        // 1 BTC (8 decimals) at $97,000.5 (expo −2) = 97_000_500_000 micro-USDC, exact
        let v = value_in_base(100_000_000, &px(9_700_050, -2), 8, 6, Rounding::Up).unwrap();
        assert_eq!(v, 97_000_500_000);
        // positive scaling: 0-decimal token at price 3 (expo 0), base with 6 decimals
        assert_eq!(value_in_base(7, &px(3, 0), 0, 6, Rounding::Down).unwrap(), 21_000_000);
        // dust below one base unit
        assert_eq!(value_in_base(1, &px(1, -18), 18, 0, Rounding::Down).unwrap(), 0);
        assert_eq!(value_in_base(1, &px(1, -18), 18, 0, Rounding::Up).unwrap(), 1);
        // overflow of u64 is an error, not a wrap
        assert_eq!(value_in_base(u64::MAX, &px(u64::MAX, 0), 0, 6, Rounding::Down), Err(CoreError::MathOverflow));
    }

    /// Regression (fuzz target share_accounting): `expo + base_decimals − asset_decimals`
    /// overflowed `i32` (a panic) for exponents near `i32::MAX` / `i32::MIN`, which no oracle
    /// reader returns but the type allows.
    #[test]
    fn extreme_exponents_do_not_overflow() {
        for round in [Rounding::Down, Rounding::Up] {
            assert_eq!(value_in_base(5, &px(7, i32::MAX), 0, 255, round), Err(CoreError::MathOverflow));
            assert_eq!(value_in_base(0, &px(7, i32::MAX), 0, 18, round), Err(CoreError::MathOverflow));
            assert_eq!(value_in_base(5, &px(7, i32::MIN), 255, 0, round), Ok(u64::from(round == Rounding::Up)));
        }
        assert_eq!(value_in_base_both(5, &px(7, i32::MAX), 0, 255), Err(CoreError::MathOverflow));
        assert_eq!(value_in_base_both(5, &px(7, i32::MIN), 255, 0), Ok((0, 1)));
        assert_eq!(value_in_base_both(0, &px(7, i32::MIN), 255, 0), Ok((0, 0)));
    }

    #[test]
    fn share_known_answers() {
        // 1_000 USDC in a vault of NAV 2_000 with 1_000 shares -> 500 shares
        assert_eq!(shares_for_deposit(1_000, 1_000, 2_000), Ok(500));
        assert_eq!(shares_for_deposit(3, 1_000, 2_000), Ok(1));
        assert_eq!(shares_for_deposit(1, 1_000, 2_000), Err(CoreError::ZeroShares));
        assert_eq!(shares_for_deposit(0, 1_000, 2_000), Err(CoreError::ZeroAmount));
        assert_eq!(shares_for_deposit(5, 1_000, 0), Err(CoreError::VaultInsolvent));
        assert_eq!(amount_for_shares(500, 1_500, 3_000), Ok(1_000));
        assert_eq!(amount_for_shares(1, 3_000, 1_000), Err(CoreError::ZeroAmount));
        assert_eq!(amount_for_shares(0, 3_000, 1_000), Err(CoreError::ZeroShares));
        assert_eq!(share_price(3_000, 1_500).unwrap(), I80F48::from_num(2));
    }

    proptest! {
        /// The exact integer valuation matches an f64 reference to f64's precision.
        #[test]
        fn value_matches_f64(qty in 0u64..1u64 << 50, price in 1u64..1u64 << 40, expo in -12i32..=0,
                             ad in 0u8..=9, bd in 0u8..=9) {
            let p = px(price, expo);
            let down = value_in_base(qty, &p, ad, bd, Rounding::Down);
            let reference = qty as f64 * price as f64 * 10f64.powi(expo + bd as i32 - ad as i32);
            if reference < 1.8e19 {
                let down = down.unwrap();
                let up = value_in_base(qty, &p, ad, bd, Rounding::Up).unwrap();
                prop_assert!(up == down || up == down + 1);
                let tol = reference * 1e-12 + 1.0;
                prop_assert!((down as f64 - reference).abs() <= tol, "{down} vs {reference}");
            }
        }

        /// Both roundings from one computation equal the two separate ones.
        #[test]
        fn value_both_roundings_match(qty in 0u64..u64::MAX, price in 1u64..u64::MAX, expo in -18i32..=6,
                                      ad in 0u8..=18, bd in 0u8..=18) {
            let p = px(price, expo);
            let both = value_in_base_both(qty, &p, ad, bd);
            let down = value_in_base(qty, &p, ad, bd, Rounding::Down);
            let up = value_in_base(qty, &p, ad, bd, Rounding::Up);
            match (down, up) {
                (Ok(d), Ok(u)) => prop_assert_eq!(both, Ok((d, u))),
                _ => prop_assert_eq!(both, Err(CoreError::MathOverflow)),
            }
        }

        /// Depositing then withdrawing the minted shares never returns more than was put in,
        /// whatever the vault's size and NAV.
        #[test]
        fn round_trip_never_profits(value in 1u64..1u64 << 40, supply in 1u64..1u64 << 50,
                                    nav in 1u64..1u64 << 50) {
            if let Ok(shares) = shares_for_deposit(value, supply, nav) {
                let back = amount_for_shares(shares, supply + shares, nav + value).unwrap_or(0);
                prop_assert!(back <= value, "deposit {value} returned {back}");
            }
        }

        /// Shares and amounts agree with the f64 reference within one unit.
        #[test]
        fn shares_match_f64(value in 1u64..1u64 << 40, supply in 1u64..1u64 << 40, nav in 1u64..1u64 << 40) {
            let reference = value as f64 * supply as f64 / nav as f64;
            match shares_for_deposit(value, supply, nav) {
                Ok(s) => prop_assert!((s as f64 - reference).abs() <= 1.0 + reference * 1e-12),
                Err(e) => prop_assert!(e == CoreError::ZeroShares && reference < 1.0),
            }
        }
    }
}
