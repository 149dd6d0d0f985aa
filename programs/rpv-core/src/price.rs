//! An oracle value as the rest of the crate consumes it, whichever oracle produced it
//! ([`crate::pyth`], [`crate::switchboard`]), and its sampled form in the risk account.

use crate::{error::CoreResult, layout::SampledPrice, CoreError};

/// A validated price: `price · 10^expo` units of the quote currency per whole token, with
/// `price > 0` and `conf` its confidence interval in the same units. `publish_time` is on the
/// oracle's own clock: unix seconds for Pyth, the result's slot for Switchboard (see
/// [`crate::switchboard::read_price`]); it is only ever compared with times of the same asset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OraclePrice {
    pub price: u64,
    pub conf: u64,
    pub expo: i32,
    pub publish_time: i64,
}

impl OraclePrice {
    /// No price (a slot whose oracle is not read).
    pub const ZERO: Self = Self { price: 0, conf: 0, expo: 0, publish_time: 0 };

    /// The low end of the confidence interval, `price − conf`, which must stay positive
    /// (`OracleConfidenceTooWide` otherwise): a value priced against its depositor is never
    /// computed from an interval reaching zero. The readers bound `conf` relative to the price,
    /// but a Switchboard value scaled to fit a `u64` rounds its conf up, so at a 100 % limit
    /// `conf` can exceed `price` by one unit.
    pub fn low(&self) -> CoreResult<Self> {
        match self.price.checked_sub(self.conf) {
            Some(low) if low > 0 => Ok(Self { price: low, ..*self }),
            _ => Err(CoreError::OracleConfidenceTooWide),
        }
    }
}

impl OraclePrice {
    /// The high end of the confidence interval, `price + conf` (`MathOverflow` beyond `u64`).
    pub fn high(&self) -> CoreResult<Self> {
        let high = self.price.checked_add(self.conf).ok_or(CoreError::MathOverflow)?;
        Ok(Self { price: high, ..*self })
    }
}

impl SampledPrice {
    pub fn of(p: &OraclePrice) -> Self {
        Self { price: p.price, expo: p.expo, _pad: 0 }
    }
    pub fn get(&self) -> OraclePrice {
        OraclePrice { price: self.price, conf: 0, expo: self.expo, publish_time: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_end_of_the_interval_stays_positive() {
        let p = |price, conf| OraclePrice { price, conf, expo: -8, publish_time: 7 };
        assert_eq!(p(100, 1).low(), Ok(p(99, 1)));
        assert_eq!(p(100, 0).low(), Ok(p(100, 0)));
        assert_eq!(p(100, 99).low(), Ok(p(1, 99)));
        assert_eq!(p(100, 100).low(), Err(CoreError::OracleConfidenceTooWide));
        assert_eq!(p(100, 101).low(), Err(CoreError::OracleConfidenceTooWide));
        assert_eq!(p(0, 0).low(), Err(CoreError::OracleConfidenceTooWide));
        assert_eq!(p(u64::MAX - 1, u64::MAX).low(), Err(CoreError::OracleConfidenceTooWide));
    }
}
