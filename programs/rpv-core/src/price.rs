//! An oracle value as the rest of the crate consumes it, whichever oracle produced it
//! ([`crate::pyth`], [`crate::switchboard`]), and its sampled form in the risk account.

use crate::layout::SampledPrice;

/// A validated price: `price · 10^expo` units of the quote currency per whole token, with
/// `price > 0` and `conf` its confidence interval in the same units.
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
}

impl SampledPrice {
    pub fn of(p: &OraclePrice) -> Self {
        Self { price: p.price, expo: p.expo, _pad: 0 }
    }
    pub fn get(&self) -> OraclePrice {
        OraclePrice { price: self.price, conf: 0, expo: self.expo, publish_time: 0 }
    }
}
