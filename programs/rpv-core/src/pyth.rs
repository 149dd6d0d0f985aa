//! Pyth pull-oracle `PriceUpdateV2` accounts, read byte by byte.
//!
//! The Pyth Solana Receiver program (`rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ`) owns these
//! accounts; they are Anchor accounts serialised with borsh:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | discriminator `sha256("account:PriceUpdateV2")[..8]` |
//! | 8 | 32 | write authority |
//! | 40 | 1 or 2 | verification level: `0, n` = Partial { n signatures }, `1` = Full |
//! | +0 | 32 | feed id |
//! | +32 | 8 | price (i64) |
//! | +40 | 8 | confidence (u64) |
//! | +48 | 4 | exponent (i32) |
//! | +52 | 8 | publish time (i64, unix seconds) |
//! | +60 | 8 | previous publish time |
//! | +68 | 8 | EMA price |
//! | +76 | 8 | EMA confidence |
//! | +84 | 8 | posted slot |
//!
//! The verification level is a borsh enum, so every later field moves by one byte depending
//! on it; the account is allocated at 134 bytes (the Partial size) either way.

use crate::{
    bytes::{i32_at, u64_at},
    error::CoreResult,
    math::BPS,
    price::OraclePrice,
    Address, CoreError,
};

/// `rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ`
pub const PYTH_RECEIVER_PROGRAM_ID: Address = [
    12, 183, 250, 187, 82, 247, 166, 72, 187, 91, 49, 125, 154, 1, 139, 144, 87, 203, 2, 71, 116, 250, 254, 1, 230,
    196, 223, 152, 204, 56, 88, 129,
];
/// `sha256("account:PriceUpdateV2")[..8]`
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
/// Allocated size of a `PriceUpdateV2` account.
pub const PRICE_UPDATE_V2_LEN: usize = 134;
/// Accepted exponents: every Pyth feed uses -12..=-2; anything outside [-18, 6] is doubtful.
pub const MIN_EXPONENT: i32 = -18;
pub const MAX_EXPONENT: i32 = 6;
/// A publish time more than this many seconds ahead of the cluster clock is refused.
pub const MAX_FUTURE_SECONDS: i64 = 120;

/// What a vault requires of one price feed.
#[derive(Clone, Copy, Debug)]
pub struct FeedPolicy<'a> {
    pub feed_id: &'a [u8; 32],
    /// Maximum age of the publish time, seconds.
    pub max_age: u32,
    /// Maximum `conf / price`, basis points.
    pub max_conf_bps: u16,
}

/// The raw fields of a `PriceUpdateV2` (no validation beyond the layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdateV2 {
    pub write_authority: Address,
    /// `None` = Full, `Some(n)` = Partial with `n` guardian signatures.
    pub partial_signatures: Option<u8>,
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub prev_publish_time: i64,
    pub ema_price: i64,
    pub ema_conf: u64,
    pub posted_slot: u64,
}

impl PriceUpdateV2 {
    /// A fully verified update of `feed_id` at `price · 10^exponent` ± `conf`, published at
    /// `publish_time` (the previous one a second earlier, the EMA equal to the price), as tests
    /// and simulated oracles post it.
    pub fn verified(
        feed_id: [u8; 32],
        price: i64,
        conf: u64,
        exponent: i32,
        publish_time: i64,
        posted_slot: u64,
    ) -> Self {
        Self {
            write_authority: [0x50; 32],
            partial_signatures: None,
            feed_id,
            price,
            conf,
            exponent,
            publish_time,
            prev_publish_time: publish_time - 1,
            ema_price: price,
            ema_conf: conf,
            posted_slot,
        }
    }

    /// Decodes the layout; `OracleInvalidAccount` if the bytes are not a `PriceUpdateV2`.
    pub fn decode(data: &[u8]) -> CoreResult<Self> {
        if data.len() < 8 + 32 + 1 || data[..8] != PRICE_UPDATE_V2_DISCRIMINATOR {
            return Err(CoreError::OracleInvalidAccount);
        }
        let (partial_signatures, m) = match data[40] {
            0 => (Some(*data.get(41).ok_or(CoreError::OracleInvalidAccount)?), 42),
            1 => (None, 41),
            _ => return Err(CoreError::OracleInvalidAccount),
        };
        if data.len() < m + 92 {
            return Err(CoreError::OracleInvalidAccount);
        }
        let mut write_authority = [0u8; 32];
        write_authority.copy_from_slice(&data[8..40]);
        let mut feed_id = [0u8; 32];
        feed_id.copy_from_slice(&data[m..m + 32]);
        Ok(Self {
            write_authority,
            partial_signatures,
            feed_id,
            price: u64_at(data, m + 32) as i64,
            conf: u64_at(data, m + 40),
            exponent: i32_at(data, m + 48),
            publish_time: u64_at(data, m + 52) as i64,
            prev_publish_time: u64_at(data, m + 60) as i64,
            ema_price: u64_at(data, m + 68) as i64,
            ema_conf: u64_at(data, m + 76),
            posted_slot: u64_at(data, m + 84),
        })
    }

    /// The account bytes the receiver program would write (134 bytes, zero-padded).
    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(PRICE_UPDATE_V2_LEN);
        d.extend_from_slice(&PRICE_UPDATE_V2_DISCRIMINATOR);
        d.extend_from_slice(&self.write_authority);
        match self.partial_signatures {
            Some(n) => d.extend_from_slice(&[0, n]),
            None => d.push(1),
        }
        d.extend_from_slice(&self.feed_id);
        d.extend_from_slice(&self.price.to_le_bytes());
        d.extend_from_slice(&self.conf.to_le_bytes());
        d.extend_from_slice(&self.exponent.to_le_bytes());
        d.extend_from_slice(&self.publish_time.to_le_bytes());
        d.extend_from_slice(&self.prev_publish_time.to_le_bytes());
        d.extend_from_slice(&self.ema_price.to_le_bytes());
        d.extend_from_slice(&self.ema_conf.to_le_bytes());
        d.extend_from_slice(&self.posted_slot.to_le_bytes());
        d.resize(PRICE_UPDATE_V2_LEN, 0);
        d
    }
}

/// Reads and validates a price for a vault: the owner must be the Pyth receiver, the update
/// fully verified (all guardian signatures checked), for the expected feed, positive, with a
/// sane exponent, no older than `max_age` (and not from the future), and with
/// `conf / price ≤ max_conf_bps`. Each failure is its own error.
pub fn read_price(owner: &Address, data: &[u8], policy: &FeedPolicy, now: i64) -> CoreResult<OraclePrice> {
    if *owner != PYTH_RECEIVER_PROGRAM_ID {
        return Err(CoreError::OracleWrongOwner);
    }
    let u = PriceUpdateV2::decode(data)?;
    if u.partial_signatures.is_some() {
        return Err(CoreError::OracleNotFullyVerified);
    }
    if u.feed_id != *policy.feed_id {
        return Err(CoreError::OracleFeedMismatch);
    }
    if u.price <= 0 {
        return Err(CoreError::OracleNonPositivePrice);
    }
    if !(MIN_EXPONENT..=MAX_EXPONENT).contains(&u.exponent) {
        return Err(CoreError::OracleExponentOutOfRange);
    }
    if u.publish_time > now.saturating_add(MAX_FUTURE_SECONDS) {
        return Err(CoreError::OracleTimestampInFuture);
    }
    if now.saturating_sub(u.publish_time) > i64::from(policy.max_age) {
        return Err(CoreError::OracleStale);
    }
    let price = u.price as u64;
    // conf / price ≤ bps / 10_000  ⇔  conf · 10_000 ≤ bps · price   (u128: no overflow)
    if u128::from(u.conf) * u128::from(BPS) > u128::from(policy.max_conf_bps) * u128::from(price) {
        return Err(CoreError::OracleConfidenceTooWide);
    }
    Ok(OraclePrice { price, conf: u.conf, expo: u.exponent, publish_time: u.publish_time })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: [u8; 32] = [7; 32];

    fn update(price: i64, conf: u64, expo: i32, publish_time: i64) -> PriceUpdateV2 {
        PriceUpdateV2::verified(FEED, price, conf, expo, publish_time, 42)
    }

    fn policy() -> FeedPolicy<'static> {
        FeedPolicy { feed_id: &FEED, max_age: 60, max_conf_bps: 100 }
    }

    fn read(u: &PriceUpdateV2, now: i64) -> CoreResult<OraclePrice> {
        read_price(&PYTH_RECEIVER_PROGRAM_ID, &u.encode(), &policy(), now)
    }

    #[test]
    fn round_trip_both_verification_levels() {
        let mut u = update(15_000_000_000, 1_000_000, -8, 1_000);
        assert_eq!(PriceUpdateV2::decode(&u.encode()).unwrap(), u);
        assert_eq!(u.encode().len(), PRICE_UPDATE_V2_LEN);
        u.partial_signatures = Some(5);
        assert_eq!(PriceUpdateV2::decode(&u.encode()).unwrap(), u);
        // Full is one byte shorter: the feed id starts at 41, not 42
        let full = update(1, 0, 0, 0).encode();
        assert_eq!(full[40], 1);
        assert_eq!(&full[41..73], &FEED);
    }

    #[test]
    fn known_answer_valid_price() {
        let p = read(&update(15_012_345_678, 2_000_000, -8, 990), 1_000).unwrap();
        assert_eq!(p, OraclePrice { price: 15_012_345_678, conf: 2_000_000, expo: -8, publish_time: 990 });
    }

    #[test]
    fn every_failure_has_its_own_error() {
        let good = update(100_000_000, 100_000, -8, 1_000);
        let data = good.encode();
        assert_eq!(read_price(&[1; 32], &data, &policy(), 1_000), Err(CoreError::OracleWrongOwner));
        let mut bad_disc = data.clone();
        bad_disc[0] ^= 1;
        assert_eq!(
            read_price(&PYTH_RECEIVER_PROGRAM_ID, &bad_disc, &policy(), 1_000),
            Err(CoreError::OracleInvalidAccount)
        );
        assert_eq!(
            read_price(&PYTH_RECEIVER_PROGRAM_ID, &data[..60], &policy(), 1_000),
            Err(CoreError::OracleInvalidAccount)
        );
        let mut bad_level = data.clone();
        bad_level[40] = 2;
        assert_eq!(
            read_price(&PYTH_RECEIVER_PROGRAM_ID, &bad_level, &policy(), 1_000),
            Err(CoreError::OracleInvalidAccount)
        );
        let partial = PriceUpdateV2 { partial_signatures: Some(13), ..good };
        assert_eq!(read(&partial, 1_000), Err(CoreError::OracleNotFullyVerified));
        let other_feed = PriceUpdateV2 { feed_id: [8; 32], ..good };
        assert_eq!(read(&other_feed, 1_000), Err(CoreError::OracleFeedMismatch));
        assert_eq!(read(&update(0, 0, -8, 1_000), 1_000), Err(CoreError::OracleNonPositivePrice));
        assert_eq!(read(&update(-5, 0, -8, 1_000), 1_000), Err(CoreError::OracleNonPositivePrice));
        assert_eq!(read(&update(5, 0, -19, 1_000), 1_000), Err(CoreError::OracleExponentOutOfRange));
        assert_eq!(read(&update(5, 0, 7, 1_000), 1_000), Err(CoreError::OracleExponentOutOfRange));
        assert_eq!(read(&good, 1_061), Err(CoreError::OracleStale));
        assert!(read(&good, 1_060).is_ok(), "exactly max_age old is accepted");
        assert_eq!(read(&good, 1_000 - MAX_FUTURE_SECONDS - 1), Err(CoreError::OracleTimestampInFuture));
        assert!(read(&good, 1_000 - MAX_FUTURE_SECONDS).is_ok());
        // 100 bps of 1.00000000 is 1_000_000; one more unit is too wide
        assert!(read(&update(100_000_000, 1_000_000, -8, 1_000), 1_000).is_ok());
        assert_eq!(read(&update(100_000_000, 1_000_001, -8, 1_000), 1_000), Err(CoreError::OracleConfidenceTooWide));
    }

    #[test]
    fn confidence_check_cannot_overflow() {
        let u = update(i64::MAX, u64::MAX, -8, 1_000);
        assert_eq!(read(&u, 1_000), Err(CoreError::OracleConfidenceTooWide));
        let ok = update(i64::MAX, (i64::MAX as u64) / 100, -8, 1_000);
        assert!(read(&ok, 1_000).is_ok());
    }
}
