//! Switchboard On-Demand `PullFeedAccountData` accounts, read byte by byte.
//!
//! The Switchboard On-Demand program (`SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv`) owns these
//! accounts; they are Anchor zero-copy accounts: an 8-byte discriminator followed by a
//! `#[repr(C)]` struct of 3200 bytes (account length 3208). Offsets are given in the account
//! data (the struct offset is 8 less):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | discriminator `sha256("account:PullFeedAccountData")[..8]` |
//! | 8 | 2048 | submissions: 32 × {oracle `[u8; 32]`, slot u64, landed_at u64, value i128} |
//! | 2056 | 32 | authority |
//! | 2088 | 32 | queue |
//! | 2120 | 32 | feed hash (sha256 of the job definition) |
//! | 2152 | 8 | initialized_at (i64) |
//! | 2160 | 8 | permissions (u64) |
//! | 2168 | 8 | max_variance (u64) |
//! | 2176 | 4 | min_responses (u32) |
//! | 2180 | 32 | name |
//! | 2212 | 2 | padding |
//! | 2214 | 1 | historical_result_idx (u8) |
//! | 2215 | 1 | min_sample_size (u8) |
//! | 2216 | 8 | last_update_timestamp (i64, unix seconds) |
//! | 2224 | 8 | lut_slot (u64) |
//! | 2232 | 32 | reserved |
//! | 2264 | 128 | result (`CurrentResult`, below) |
//! | 2392 | 4 | max_staleness (u32, slots) |
//! | 2396 | 12 | padding |
//! | 2408 | 512 | historical results: 32 × 16 bytes |
//! | 2920 | 32 | ebuf |
//! | 2952 | 256 | submission timestamps: 32 × i64 |
//!
//! `CurrentResult`, relative to its start (2264):
//!
//! | offset | size | field |
//! |---|---|---|
//! | +0 | 16 | value (i128, 18 decimals: the median of the samples) |
//! | +16 | 16 | std_dev (i128, 18 decimals) |
//! | +32 | 16 | mean (i128, 18 decimals) |
//! | +48 | 16 | range (i128, 18 decimals) |
//! | +64 | 16 | min_value (i128, 18 decimals) |
//! | +80 | 16 | max_value (i128, 18 decimals) |
//! | +96 | 1 | num_samples (u8) |
//! | +97 | 1 | submission_idx (u8) |
//! | +98 | 6 | padding |
//! | +104 | 8 | slot (u64; 0 = no result yet) |
//! | +112 | 8 | min_slot (u64) |
//! | +120 | 8 | max_slot (u64) |
//!
//! Every value is a fixed-point integer with [`PRECISION_DECIMALS`] = 18 decimals
//! (1.5 = 1_500_000_000_000_000_000). The account data is not necessarily 16-byte aligned, so
//! every field is read with `from_le_bytes` at its offset; nothing is cast in place.

use crate::{
    bytes::{bytes32_at, i128_at, u32_at, u64_at},
    error::CoreResult,
    layout::AssetSlot,
    math::BPS,
    price::OraclePrice,
    Address, CoreError,
};

/// `SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv`
pub const SWITCHBOARD_ON_DEMAND_PROGRAM_ID: Address = [
    6, 115, 189, 70, 242, 228, 126, 4, 241, 43, 217, 47, 183, 49, 150, 142, 205, 157, 151, 87, 194, 116, 218, 135, 71,
    111, 70, 92, 4, 12, 101, 115,
];
/// `sha256("account:PullFeedAccountData")[..8]`
pub const PULL_FEED_DISCRIMINATOR: [u8; 8] = [196, 27, 108, 196, 10, 215, 219, 40];
/// Size of a `PullFeedAccountData` account: discriminator + 3200-byte struct.
pub const PULL_FEED_ACCOUNT_LEN: usize = 3208;
/// Decimals of every Switchboard fixed-point value.
pub const PRECISION_DECIMALS: i32 = 18;
/// Fewest oracle samples a result must aggregate for the vault to use it
/// (`OracleTooFewSamples`), whatever the feed's own `min_sample_size` says: one or two
/// operators alone cannot set the vault's price.
pub const MIN_SAMPLES: u8 = 3;

// Field offsets in the account data (struct offset + 8 for the discriminator).
const D: usize = 8;
const AUTHORITY: usize = D + 2048;
const QUEUE: usize = D + 2080;
const FEED_HASH: usize = D + 2112;
const INITIALIZED_AT: usize = D + 2144;
const MAX_VARIANCE: usize = D + 2160;
const MIN_RESPONSES: usize = D + 2168;
const MIN_SAMPLE_SIZE: usize = D + 2207;
const LAST_UPDATE_TIMESTAMP: usize = D + 2208;
const RESULT: usize = D + 2256;
const RESULT_VALUE: usize = RESULT;
const RESULT_STD_DEV: usize = RESULT + 16;
const RESULT_MEAN: usize = RESULT + 32;
const RESULT_RANGE: usize = RESULT + 48;
const RESULT_MIN_VALUE: usize = RESULT + 64;
const RESULT_MAX_VALUE: usize = RESULT + 80;
const RESULT_NUM_SAMPLES: usize = RESULT + 96;
const RESULT_SLOT: usize = RESULT + 104;
const RESULT_MIN_SLOT: usize = RESULT + 112;
const RESULT_MAX_SLOT: usize = RESULT + 120;
const MAX_STALENESS: usize = D + 2384;

/// The fields of a `PullFeedAccountData` the vault uses (no validation beyond the layout).
/// Values are fixed-point with 18 decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PullFeed {
    pub authority: Address,
    pub queue: Address,
    pub feed_hash: [u8; 32],
    pub initialized_at: i64,
    pub max_variance: u64,
    pub min_responses: u32,
    pub min_sample_size: u8,
    /// Unix seconds of the last accepted update.
    pub last_update_timestamp: i64,
    /// The feed's own staleness limit, slots (not enforced here: the vault's policy is).
    pub max_staleness: u32,
    /// `result.value`: the median of the samples.
    pub value: i128,
    pub std_dev: i128,
    pub mean: i128,
    pub range: i128,
    pub min_value: i128,
    pub max_value: i128,
    pub num_samples: u8,
    /// `result.slot`; 0 = no result yet.
    pub result_slot: u64,
    pub result_min_slot: u64,
    pub result_max_slot: u64,
}

/// What the vault requires of a Switchboard feed.
#[derive(Clone, Copy, Debug)]
pub struct SwitchboardPolicy {
    /// Maximum `current_slot - result.slot`.
    pub max_stale_slots: u64,
    /// Maximum `std_dev / value`, basis points.
    pub max_conf_bps: u16,
    /// The feed hash (job definition) the account must carry, if pinned (`OracleFeedMismatch`).
    pub feed_hash: Option<[u8; 32]>,
    /// The queue (oracle operator set) the feed must belong to, if pinned
    /// (`OracleQueueMismatch`).
    pub queue: Option<Address>,
    /// Fewest samples the result must hold (`OracleTooFewSamples`).
    pub min_samples: u8,
}

impl SwitchboardPolicy {
    /// What the vault requires of asset `slot`'s feed with maximum age `max_age` slots: its
    /// registered feed hash and queue, [`MIN_SAMPLES`] samples, the slot's confidence limit.
    pub fn of_slot(slot: &AssetSlot, max_age: u32) -> Self {
        Self {
            max_stale_slots: u64::from(max_age),
            max_conf_bps: slot.max_conf_bps,
            feed_hash: Some(slot.feed_id),
            queue: Some(slot.oracle_queue),
            min_samples: MIN_SAMPLES,
        }
    }
}

impl PullFeed {
    /// Decodes the layout; `OracleInvalidAccount` if the bytes are shorter than
    /// [`PULL_FEED_ACCOUNT_LEN`] or do not start with [`PULL_FEED_DISCRIMINATOR`]. Longer data is
    /// accepted (as Anchor's zero-copy loader does); the tail is ignored.
    pub fn decode(data: &[u8]) -> CoreResult<Self> {
        if data.len() < PULL_FEED_ACCOUNT_LEN || data[..8] != PULL_FEED_DISCRIMINATOR {
            return Err(CoreError::OracleInvalidAccount);
        }
        Ok(Self {
            authority: bytes32_at(data, AUTHORITY),
            queue: bytes32_at(data, QUEUE),
            feed_hash: bytes32_at(data, FEED_HASH),
            initialized_at: u64_at(data, INITIALIZED_AT) as i64,
            max_variance: u64_at(data, MAX_VARIANCE),
            min_responses: u32_at(data, MIN_RESPONSES),
            min_sample_size: data[MIN_SAMPLE_SIZE],
            last_update_timestamp: u64_at(data, LAST_UPDATE_TIMESTAMP) as i64,
            max_staleness: u32_at(data, MAX_STALENESS),
            value: i128_at(data, RESULT_VALUE),
            std_dev: i128_at(data, RESULT_STD_DEV),
            mean: i128_at(data, RESULT_MEAN),
            range: i128_at(data, RESULT_RANGE),
            min_value: i128_at(data, RESULT_MIN_VALUE),
            max_value: i128_at(data, RESULT_MAX_VALUE),
            num_samples: data[RESULT_NUM_SAMPLES],
            result_slot: u64_at(data, RESULT_SLOT),
            result_min_slot: u64_at(data, RESULT_MIN_SLOT),
            result_max_slot: u64_at(data, RESULT_MAX_SLOT),
        })
    }

    /// The full account bytes ([`PULL_FEED_ACCOUNT_LEN`] long) with these fields set and every
    /// other byte (submissions, name, history, ...) zero. For tests and tooling.
    pub fn encode(&self) -> Vec<u8> {
        let mut d = vec![0u8; PULL_FEED_ACCOUNT_LEN];
        fn put(d: &mut [u8], at: usize, b: &[u8]) {
            d[at..at + b.len()].copy_from_slice(b);
        }
        put(&mut d, 0, &PULL_FEED_DISCRIMINATOR);
        put(&mut d, AUTHORITY, &self.authority);
        put(&mut d, QUEUE, &self.queue);
        put(&mut d, FEED_HASH, &self.feed_hash);
        put(&mut d, INITIALIZED_AT, &self.initialized_at.to_le_bytes());
        put(&mut d, MAX_VARIANCE, &self.max_variance.to_le_bytes());
        put(&mut d, MIN_RESPONSES, &self.min_responses.to_le_bytes());
        put(&mut d, MIN_SAMPLE_SIZE, &[self.min_sample_size]);
        put(&mut d, LAST_UPDATE_TIMESTAMP, &self.last_update_timestamp.to_le_bytes());
        put(&mut d, MAX_STALENESS, &self.max_staleness.to_le_bytes());
        put(&mut d, RESULT_VALUE, &self.value.to_le_bytes());
        put(&mut d, RESULT_STD_DEV, &self.std_dev.to_le_bytes());
        put(&mut d, RESULT_MEAN, &self.mean.to_le_bytes());
        put(&mut d, RESULT_RANGE, &self.range.to_le_bytes());
        put(&mut d, RESULT_MIN_VALUE, &self.min_value.to_le_bytes());
        put(&mut d, RESULT_MAX_VALUE, &self.max_value.to_le_bytes());
        put(&mut d, RESULT_NUM_SAMPLES, &[self.num_samples]);
        put(&mut d, RESULT_SLOT, &self.result_slot.to_le_bytes());
        put(&mut d, RESULT_MIN_SLOT, &self.result_min_slot.to_le_bytes());
        put(&mut d, RESULT_MAX_SLOT, &self.result_max_slot.to_le_bytes());
        d
    }
}

/// `floor(bps · value / 10_000)` (the largest std_dev accepted), or `None` if that exceeds
/// `u128::MAX` (then every std_dev is accepted). Exact: with `value = q·10_000 + r`,
/// `floor(bps·value / 10_000) = bps·q + floor(bps·r / 10_000)`.
fn max_std_dev(value: u128, bps: u16) -> Option<u128> {
    let bps = u128::from(bps);
    let q = value / u128::from(BPS);
    let r = value % u128::from(BPS);
    bps.checked_mul(q)?.checked_add(bps * r / u128::from(BPS))
}

/// Reads and validates a price for a vault: the owner must be the Switchboard On-Demand
/// program (`OracleWrongOwner`); the data a `PullFeedAccountData` (`OracleInvalidAccount`)
/// carrying the pinned feed hash (`OracleFeedMismatch`) and queue (`OracleQueueMismatch`),
/// holding a result (`result.slot != 0`, else `OracleInvalidAccount`) aggregated from at least
/// `min_samples` samples (`OracleTooFewSamples`); the result no more
/// than `max_stale_slots` slots old (`OracleStale`; a result slot ahead of `current_slot`
/// counts as age 0); the value positive (`OracleNonPositivePrice`); and
/// `0 ≤ std_dev ≤ value · max_conf_bps / 10_000` (`OracleConfidenceTooWide`, compared exactly).
///
/// Conversion to [`OraclePrice`]: `expo = -18`, `price = value`, `conf = std_dev` when
/// `value ≤ u64::MAX`. Otherwise the smallest `k` (≤ 20, as `value < 2^127`) with
/// `value / 10^k ≤ u64::MAX` is used: `price = floor(value / 10^k)`,
/// `conf = ceil(std_dev / 10^k)` (never understating the uncertainty), `expo = -18 + k`.
/// The relative error of the price is then below `1 / price < 5.5e-19`. If the scaled `conf`
/// does not fit a `u64` (only possible when `max_conf_bps ≥ 10_000`) the result is
/// `MathOverflow`.
///
/// `publish_time` is the result's own slot (`result.slot`, refused above `i64::MAX` as
/// `OracleInvalidAccount`), not the time the update landed (`last_update_timestamp`): a result
/// re-landed later is not newer, so the vault's "newer than the last sample" rule
/// (`OracleNotNewer`) compares the slots the samples were taken at. A Switchboard slot's
/// `last_publish_time` is therefore a slot, as its `max_oracle_age` is.
pub fn read_price(
    owner: &Address,
    data: &[u8],
    policy: &SwitchboardPolicy,
    current_slot: u64,
) -> CoreResult<OraclePrice> {
    if *owner != SWITCHBOARD_ON_DEMAND_PROGRAM_ID {
        return Err(CoreError::OracleWrongOwner);
    }
    let f = PullFeed::decode(data)?;
    if policy.feed_hash.is_some_and(|h| h != f.feed_hash) {
        return Err(CoreError::OracleFeedMismatch);
    }
    if policy.queue.is_some_and(|q| q != f.queue) {
        return Err(CoreError::OracleQueueMismatch);
    }
    if f.result_slot == 0 {
        return Err(CoreError::OracleInvalidAccount);
    }
    if f.num_samples < policy.min_samples {
        return Err(CoreError::OracleTooFewSamples);
    }
    if current_slot.saturating_sub(f.result_slot) > policy.max_stale_slots {
        return Err(CoreError::OracleStale);
    }
    if f.value <= 0 {
        return Err(CoreError::OracleNonPositivePrice);
    }
    if f.std_dev < 0 {
        return Err(CoreError::OracleConfidenceTooWide);
    }
    let value = f.value as u128;
    let std_dev = f.std_dev as u128;
    if let Some(limit) = max_std_dev(value, policy.max_conf_bps) {
        if std_dev > limit {
            return Err(CoreError::OracleConfidenceTooWide);
        }
    }
    // scale down by powers of ten until the price fits a u64
    let mut div: u128 = 1;
    let mut expo = -PRECISION_DECIMALS;
    while value / div > u128::from(u64::MAX) {
        div = div.checked_mul(10).ok_or(CoreError::MathOverflow)?;
        expo += 1;
    }
    let price = u64::try_from(value / div).map_err(|_| CoreError::MathOverflow)?;
    let conf_scaled = std_dev.div_ceil(div);
    let conf = u64::try_from(conf_scaled).map_err(|_| CoreError::MathOverflow)?;
    let publish_time = i64::try_from(f.result_slot).map_err(|_| CoreError::OracleInvalidAccount)?;
    Ok(OraclePrice { price, conf, expo, publish_time })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 10^18: one unit at 18 decimals.
    const ONE: i128 = 1_000_000_000_000_000_000;

    fn feed(value: i128, std_dev: i128, result_slot: u64) -> PullFeed {
        PullFeed {
            authority: [1; 32],
            queue: [2; 32],
            feed_hash: [3; 32],
            initialized_at: 1_600_000_000,
            max_variance: 5,
            min_responses: 3,
            min_sample_size: 2,
            last_update_timestamp: 1_700_000_000,
            max_staleness: 250,
            value,
            std_dev,
            mean: value,
            range: std_dev.wrapping_mul(2),
            min_value: value.wrapping_sub(std_dev),
            max_value: value.wrapping_add(std_dev),
            num_samples: 5,
            result_slot,
            result_min_slot: result_slot.saturating_sub(2),
            result_max_slot: result_slot,
        }
    }

    #[test]
    fn a_pinned_feed_hash_must_match() {
        let f = feed(1_500_000_000_000_000_000, 1_000_000_000_000_000, 990);
        let data = f.encode();
        let pinned = |h| SwitchboardPolicy { feed_hash: Some(h), ..policy() };
        assert!(read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &data, &pinned(f.feed_hash), 1_000).is_ok());
        assert_eq!(
            read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &data, &pinned([0xEE; 32]), 1_000),
            Err(CoreError::OracleFeedMismatch)
        );
    }

    #[test]
    fn a_pinned_queue_must_match_and_the_result_hold_enough_samples() {
        let f = feed(1_500_000_000_000_000_000, 1_000_000_000_000_000, 990);
        let sb = &SWITCHBOARD_ON_DEMAND_PROGRAM_ID;
        let pinned = |q, n| SwitchboardPolicy { queue: Some(q), min_samples: n, ..policy() };
        assert!(read_price(sb, &f.encode(), &pinned(f.queue, 5), 1_000).is_ok(), "5 samples, 5 required");
        assert_eq!(read_price(sb, &f.encode(), &pinned([0xEE; 32], 0), 1_000), Err(CoreError::OracleQueueMismatch));
        assert_eq!(read_price(sb, &f.encode(), &pinned(f.queue, 6), 1_000), Err(CoreError::OracleTooFewSamples));
        // the vault's policy for a slot: its feed hash and queue, MIN_SAMPLES
        let slot = AssetSlot {
            feed_id: f.feed_hash,
            oracle_queue: f.queue,
            max_conf_bps: 100,
            ..bytemuck::Zeroable::zeroed()
        };
        let p = SwitchboardPolicy::of_slot(&slot, 50);
        assert_eq!(
            (p.feed_hash, p.queue, p.min_samples, p.max_stale_slots),
            (Some(f.feed_hash), Some(f.queue), MIN_SAMPLES, 50)
        );
        let thin = PullFeed { num_samples: MIN_SAMPLES - 1, ..f };
        assert_eq!(read_price(sb, &thin.encode(), &p, 1_000), Err(CoreError::OracleTooFewSamples));
        let enough = PullFeed { num_samples: MIN_SAMPLES, ..f };
        assert!(read_price(sb, &enough.encode(), &p, 1_000).is_ok());
        // an unset queue in the feed does not match a pinned one either
        let unset = PullFeed { queue: [0; 32], ..enough };
        assert_eq!(read_price(sb, &unset.encode(), &p, 1_000), Err(CoreError::OracleQueueMismatch));
    }

    fn policy() -> SwitchboardPolicy {
        SwitchboardPolicy { max_stale_slots: 50, max_conf_bps: 100, feed_hash: None, queue: None, min_samples: 0 }
    }

    fn read(f: &PullFeed, slot: u64) -> CoreResult<OraclePrice> {
        read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &f.encode(), &policy(), slot)
    }

    fn read_with(f: &PullFeed, max_conf_bps: u16) -> CoreResult<OraclePrice> {
        let p = SwitchboardPolicy { max_stale_slots: 50, max_conf_bps, feed_hash: None, queue: None, min_samples: 0 };
        read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &f.encode(), &p, 1_000)
    }

    #[test]
    fn round_trip() {
        let f = feed(150 * ONE + ONE / 4, ONE / 10, 1_000);
        let data = f.encode();
        assert_eq!(data.len(), PULL_FEED_ACCOUNT_LEN);
        assert_eq!(&data[..8], &PULL_FEED_DISCRIMINATOR);
        assert_eq!(PullFeed::decode(&data).unwrap(), f);
        // extreme values survive too
        let g = PullFeed {
            value: i128::MIN,
            std_dev: i128::MAX,
            initialized_at: i64::MIN,
            last_update_timestamp: -1,
            result_slot: u64::MAX,
            max_staleness: u32::MAX,
            num_samples: u8::MAX,
            ..f
        };
        assert_eq!(PullFeed::decode(&g.encode()).unwrap(), g);
        // a longer buffer decodes the same (the tail is ignored)
        let mut longer = data.clone();
        longer.extend_from_slice(&[0xAB; 40]);
        assert_eq!(PullFeed::decode(&longer).unwrap(), f);
    }

    /// Writes a distinct sentinel at every documented offset of a raw buffer (struct offsets
    /// from the published layout, +8 for the discriminator) and checks the decoder reads each
    /// one from exactly there.
    #[test]
    fn offsets_match_the_documented_layout() {
        let mut d = vec![0u8; 3208];
        let mut put = |struct_off: usize, b: &[u8]| d[8 + struct_off..8 + struct_off + b.len()].copy_from_slice(b);
        put(0, &[0xEE; 2048]); // submissions: noise the decoder must not read
        put(2048, &[0xA1; 32]); // authority
        put(2080, &[0xA2; 32]); // queue
        put(2112, &[0xA3; 32]); // feed_hash
        put(2144, &(-11i64).to_le_bytes()); // initialized_at
        put(2152, &0xDDDD_DDDD_DDDD_DDDDu64.to_le_bytes()); // permissions (not decoded)
        put(2160, &12u64.to_le_bytes()); // max_variance
        put(2168, &13u32.to_le_bytes()); // min_responses
        put(2172, &[0xCC; 32]); // name (not decoded)
        put(2204, &[0xBB, 0xBB]); // padding
        put(2206, &[0xBA]); // historical_result_idx (not decoded)
        put(2207, &[14]); // min_sample_size
        put(2208, &15i64.to_le_bytes()); // last_update_timestamp
        put(2216, &0xDEu64.to_le_bytes()); // lut_slot (not decoded)
        put(2224, &[0xDF; 32]); // reserved
        put(2256, &16i128.to_le_bytes()); // result.value
        put(2272, &(-17i128).to_le_bytes()); // result.std_dev
        put(2288, &18i128.to_le_bytes()); // result.mean
        put(2304, &19i128.to_le_bytes()); // result.range
        put(2320, &20i128.to_le_bytes()); // result.min_value
        put(2336, &(i128::MAX - 21).to_le_bytes()); // result.max_value
        put(2352, &[22]); // result.num_samples
        put(2353, &[0xB9]); // result.submission_idx (not decoded)
        put(2354, &[0xB8; 6]); // result padding
        put(2360, &23u64.to_le_bytes()); // result.slot
        put(2368, &24u64.to_le_bytes()); // result.min_slot
        put(2376, &(u64::MAX - 25).to_le_bytes()); // result.max_slot
        put(2384, &26u32.to_le_bytes()); // max_staleness
        put(2388, &[0xB7; 12]); // padding
        put(2400, &[0xB6; 512]); // historical_results
        put(2912, &[0xB5; 32]); // ebuf
        put(2944, &[0xB4; 256]); // submission_timestamps
        d[..8].copy_from_slice(&PULL_FEED_DISCRIMINATOR);
        let f = PullFeed::decode(&d).unwrap();
        assert_eq!(
            f,
            PullFeed {
                authority: [0xA1; 32],
                queue: [0xA2; 32],
                feed_hash: [0xA3; 32],
                initialized_at: -11,
                max_variance: 12,
                min_responses: 13,
                min_sample_size: 14,
                last_update_timestamp: 15,
                max_staleness: 26,
                value: 16,
                std_dev: -17,
                mean: 18,
                range: 19,
                min_value: 20,
                max_value: i128::MAX - 21,
                num_samples: 22,
                result_slot: 23,
                result_min_slot: 24,
                result_max_slot: u64::MAX - 25,
            }
        );
        // and the encoder writes to the same places: re-encoding touches only decoded fields
        let e = f.encode();
        for (i, (a, b)) in e.iter().zip(d.iter()).enumerate() {
            if a != b {
                assert_eq!(*a, 0, "encode wrote byte {i} outside a decoded field");
            }
        }
    }

    #[test]
    fn unaligned_slice_decodes_the_same() {
        let f = feed(150 * ONE + ONE / 4, 123_456_789, 1_000);
        let data = f.encode();
        let mut v = Vec::with_capacity(data.len() + 1);
        v.push(0x55);
        v.extend_from_slice(&data);
        let odd = &v[1..];
        assert_eq!(PullFeed::decode(odd).unwrap(), f);
        assert_eq!(
            read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, odd, &policy(), 1_000),
            read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &data, &policy(), 1_000)
        );
    }

    #[test]
    fn known_answer_150_25_scales_to_expo_minus_17() {
        // 150.25 = 150_250_000_000_000_000_000 at 18 decimals, > u64::MAX ≈ 1.8447e19
        let value = 150_250_000_000_000_000_000i128;
        // std_dev 0.150250000000000001: one unit past a multiple of 10, so the conf rounds up
        let std_dev = 150_250_000_000_000_001i128;
        let p = read(&feed(value, std_dev, 1_000), 1_010).unwrap();
        assert_eq!(
            p,
            OraclePrice {
                price: 15_025_000_000_000_000_000,
                conf: 15_025_000_000_000_001,
                expo: -17,
                publish_time: 1_000
            }
        );
    }

    #[test]
    fn small_value_stays_at_expo_minus_18() {
        let p = read(&feed(ONE / 2, 1_234_567, 1_000), 1_000).unwrap();
        assert_eq!(p, OraclePrice { price: 500_000_000_000_000_000, conf: 1_234_567, expo: -18, publish_time: 1_000 });
    }

    #[test]
    fn scaling_boundaries() {
        let max = u64::MAX as i128;
        let p = read(&feed(max, 0, 1_000), 1_000).unwrap();
        assert_eq!((p.price, p.conf, p.expo), (u64::MAX, 0, -18));
        let p = read(&feed(max + 1, 1, 1_000), 1_000).unwrap();
        assert_eq!((p.price, p.conf, p.expo), (((max + 1) / 10) as u64, 1, -17));
        // the largest representable value needs k = 19: expo +1
        let p = read_with(&feed(i128::MAX, i128::MAX / 100, 1_000), 100).unwrap();
        assert_eq!(p.expo, 1);
        assert_eq!(p.price, (i128::MAX / 10i128.pow(19)) as u64);
        assert_eq!(p.price, 17_014_118_346_046_923_173);
        assert_eq!(u128::from(p.conf), (i128::MAX as u128 / 100).div_ceil(10u128.pow(19)));
        // std_dev == value is accepted at 10_000 bps and the conf (rounded up) still fits here
        let p = read_with(&feed(i128::MAX, i128::MAX, 1_000), 10_000).unwrap();
        assert_eq!((p.price, p.conf, p.expo), (17_014_118_346_046_923_173, 17_014_118_346_046_923_174, 1));
    }

    #[test]
    fn every_failure_has_its_own_error() {
        let good = feed(100 * ONE, ONE / 2, 1_000); // conf 50 bps
        let data = good.encode();
        let sb = &SWITCHBOARD_ON_DEMAND_PROGRAM_ID;
        assert!(read(&good, 1_000).is_ok());
        // owner
        assert_eq!(read_price(&[1; 32], &data, &policy(), 1_000), Err(CoreError::OracleWrongOwner));
        assert_eq!(
            read_price(&crate::pyth::PYTH_RECEIVER_PROGRAM_ID, &data, &policy(), 1_000),
            Err(CoreError::OracleWrongOwner)
        );
        // discriminator, length
        let mut bad_disc = data.clone();
        bad_disc[7] ^= 1;
        assert_eq!(read_price(sb, &bad_disc, &policy(), 1_000), Err(CoreError::OracleInvalidAccount));
        assert_eq!(
            read_price(sb, &data[..PULL_FEED_ACCOUNT_LEN - 1], &policy(), 1_000),
            Err(CoreError::OracleInvalidAccount)
        );
        assert_eq!(read_price(sb, &data[..8], &policy(), 1_000), Err(CoreError::OracleInvalidAccount));
        assert_eq!(read_price(sb, &[], &policy(), 1_000), Err(CoreError::OracleInvalidAccount));
        // no result yet
        assert_eq!(read(&feed(100 * ONE, 0, 0), 1_000), Err(CoreError::OracleInvalidAccount));
        // staleness: exactly max_stale_slots old is fine, one more is stale
        assert!(read(&good, 1_050).is_ok());
        assert_eq!(read(&good, 1_051), Err(CoreError::OracleStale));
        assert_eq!(read(&good, u64::MAX), Err(CoreError::OracleStale));
        // the result's slot is its publish time; one beyond i64 is refused
        assert_eq!(read(&good, 1_000).unwrap().publish_time, 1_000);
        assert_eq!(read(&feed(ONE, 0, 1 << 63), 1 << 63), Err(CoreError::OracleInvalidAccount));
        assert_eq!(read(&feed(ONE, 0, i64::MAX as u64), i64::MAX as u64).unwrap().publish_time, i64::MAX);
        // a result slot ahead of the current slot is age 0
        assert!(read(&good, 0).is_ok());
        assert!(read(&good, 999).is_ok());
        // sign of the value
        assert_eq!(read(&feed(0, 0, 1_000), 1_000), Err(CoreError::OracleNonPositivePrice));
        assert_eq!(read(&feed(-ONE, 0, 1_000), 1_000), Err(CoreError::OracleNonPositivePrice));
        assert_eq!(read(&feed(i128::MIN, 0, 1_000), 1_000), Err(CoreError::OracleNonPositivePrice));
        // negative std_dev
        assert_eq!(read(&feed(ONE, -1, 1_000), 1_000), Err(CoreError::OracleConfidenceTooWide));
        assert_eq!(read(&feed(ONE, i128::MIN, 1_000), 1_000), Err(CoreError::OracleConfidenceTooWide));
        // 100 bps of 1.0 is 0.01 = 10^16; one more unit is too wide
        assert!(read(&feed(ONE, ONE / 100, 1_000), 1_000).is_ok());
        assert_eq!(read(&feed(ONE, ONE / 100 + 1, 1_000), 1_000), Err(CoreError::OracleConfidenceTooWide));
        // 0 bps demands std_dev == 0
        assert!(read_with(&feed(ONE, 0, 1_000), 0).is_ok());
        assert_eq!(read_with(&feed(ONE, 1, 1_000), 0), Err(CoreError::OracleConfidenceTooWide));
        // the scaled conf does not fit a u64 (only reachable with a policy above 10_000 bps):
        // std_dev = 2 × value with the price already at u64::MAX (k = 0 and k = 1)
        let max = u64::MAX as i128;
        assert_eq!(read_with(&feed(max, 2 * max, 1_000), 20_000), Err(CoreError::MathOverflow));
        assert_eq!(read_with(&feed(10 * max, 20 * max, 1_000), 20_000), Err(CoreError::MathOverflow));
        assert!(read_with(&feed(max, max, 1_000), 20_000).is_ok());
    }

    #[test]
    fn confidence_check_is_exact_and_cannot_overflow() {
        // value near i128::MAX: bps·value overflows u128, and the check stays exact
        let v = i128::MAX - 12_345;
        for bps in [1u16, 99, 100, 9_999, 10_000] {
            // floor(bps · v / 10_000) ≤ v, computed the long way round
            let limit =
                ((v as u128 / 10_000) * u128::from(bps) + (v as u128 % 10_000) * u128::from(bps) / 10_000) as i128;
            assert!(read_with(&feed(v, limit, 1_000), bps).is_ok(), "bps {bps}");
            assert_eq!(read_with(&feed(v, limit + 1, 1_000), bps), Err(CoreError::OracleConfidenceTooWide));
        }
        // above 10_000 bps the limit exceeds every i128: any non-negative std_dev passes
        assert!(read_with(&feed(v, i128::MAX, 1_000), u16::MAX).is_ok());
        // tiny value: floor(65_535 · 1 / 10_000) = 6
        assert!(read_with(&feed(1, 6, 1_000), u16::MAX).is_ok());
        assert_eq!(read_with(&feed(1, 7, 1_000), u16::MAX), Err(CoreError::OracleConfidenceTooWide));
        assert_eq!(max_std_dev(u128::MAX, u16::MAX), None);
        assert_eq!(max_std_dev(10_001, 1), Some(1));
        assert_eq!(max_std_dev(9_999, 1), Some(0));
        assert_eq!(max_std_dev(12_345, 10_000), Some(12_345));
    }

    proptest! {
        #[test]
        fn price_matches_value(v in 1e-6f64..1e12f64, rel_sd in 0.0f64..0.009f64) {
            prop_assume!(v > 1e-6);
            let scaled = (v * 1e18) as i128;
            let std_dev = (scaled as f64 * rel_sd) as i128;
            let f = feed(scaled, std_dev, 1_000);
            let p = read(&f, 1_000).unwrap();
            prop_assert!(p.expo >= -18 && p.expo <= -7);
            let k = (p.expo + 18) as u32;
            let div = 10u128.pow(k);
            // exact: price·10^k ≤ value < (price + 1)·10^k, so the relative error is < 1/price
            let back = u128::from(p.price) * div;
            prop_assert!(back <= scaled as u128 && scaled as u128 - back < div);
            prop_assert!((scaled as u128 - back) * 1_000_000_000_000_000 <= scaled as u128);
            // the conf never understates the std_dev, by less than one scaled unit
            let conf_back = u128::from(p.conf) * div;
            prop_assert!(conf_back >= std_dev as u128 && conf_back - (std_dev as u128) < div);
            // in floating point: price · 10^expo == v within 1e-15 relative (10^k exact in f64)
            let recon = p.price as f64 * (div as f64) / 1e18;
            prop_assert!(((recon - v) / v).abs() <= 1e-15, "v {} recon {} p {:?}", v, recon, p);
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..3300),
            disc in any::<bool>(),
            slot in any::<u64>(),
            max_stale_slots in any::<u64>(),
            max_conf_bps in any::<u16>(),
        ) {
            let mut bytes = bytes;
            if disc && bytes.len() >= 8 {
                bytes[..8].copy_from_slice(&PULL_FEED_DISCRIMINATOR);
            }
            let pol = SwitchboardPolicy { max_stale_slots, max_conf_bps, feed_hash: None, queue: None, min_samples: 0 };
            let _ = read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &bytes, &pol, slot);
        }

        #[test]
        fn never_panics_on_arbitrary_results(
            value in any::<i128>(),
            std_dev in any::<i128>(),
            result_slot in any::<u64>(),
            slot in any::<u64>(),
            max_stale_slots in any::<u64>(),
            max_conf_bps in any::<u16>(),
        ) {
            let mut f = feed(0, 0, result_slot);
            f.value = value;
            f.std_dev = std_dev;
            let pol = SwitchboardPolicy { max_stale_slots, max_conf_bps, feed_hash: None, queue: None, min_samples: 0 };
            if let Ok(p) = read_price(&SWITCHBOARD_ON_DEMAND_PROGRAM_ID, &f.encode(), &pol, slot) {
                prop_assert!(p.price > 0 && (-18..=2).contains(&p.expo));
            }
        }
    }
}
