//! `oracle_decode`: arbitrary bytes, and structured accounts with arbitrary fields, patches and
//! truncations, into the Pyth (`rpv_core::pyth`) and Switchboard (`rpv_core::switchboard`)
//! readers, with arbitrary policies and clocks.
//!
//! Asserted (the layouts are read here independently, from the offset tables in each module's
//! documentation):
//! - no panic;
//! - an accepted price satisfies the policy: right owner and layout, fully verified (Pyth), the
//!   policy's feed, `price > 0`, exponent in range, age within `max_age` / `max_stale_slots`
//!   and not from the future (Pyth), `conf/price ≤ max_conf_bps` (Pyth exactly on the returned
//!   values; Switchboard exactly on the account's values), and for Switchboard the documented
//!   conversion: `price = ⌊value/10^k⌋` with the smallest such `k`, `conf = ⌈std_dev/10^k⌉`,
//!   `expo = k − 18`;
//! - a rejected price violates the condition its error names (`MathOverflow` from
//!   Switchboard only with `max_conf_bps ≥ 10 000`, as documented);
//! - the decoders read exactly the documented offsets, and `encode` inverts `decode`.

use arbitrary::Arbitrary;
use rpv_core::{CoreError, pyth::{self, FeedPolicy, PriceUpdateV2, PRICE_UPDATE_V2_DISCRIMINATOR, PYTH_RECEIVER_PROGRAM_ID}, price::OraclePrice, switchboard::{self, PullFeed, SwitchboardPolicy, PULL_FEED_DISCRIMINATOR, SWITCHBOARD_ON_DEMAND_PROGRAM_ID}};

use crate::Wide;

#[derive(Arbitrary, Debug)]
pub struct Input {
    cases: Vec<Case>,
}

#[derive(Arbitrary, Debug)]
enum Case {
    Pyth(PythCase),
    Switchboard(SbCase),
}

/// Bytes to overwrite (`at` taken modulo the length) and a possible truncation.
#[derive(Arbitrary, Debug)]
struct Damage {
    patches: Vec<(u16, u8)>,
    truncate: Option<u16>,
    extend: Vec<u8>,
}

impl Damage {
    fn apply(&self, d: &mut Vec<u8>) {
        for &(at, b) in self.patches.iter().take(8) {
            if !d.is_empty() {
                let i = usize::from(at) % d.len();
                d[i] = b;
            }
        }
        if let Some(t) = self.truncate {
            if !d.is_empty() {
                let cut = usize::from(t) % d.len();
                d.truncate(d.len() - cut);
            }
        }
        d.extend_from_slice(&self.extend[..self.extend.len().min(64)]);
    }
}

#[derive(Arbitrary, Debug)]
enum PythBytes {
    Raw(Vec<u8>),
    Fields {
        /// 0 = partial with `sigs` signatures, 1 = full, other = an invalid level byte.
        level: u8,
        sigs: u8,
        authority: [u8; 32],
        feed_is_policy: bool,
        feed: [u8; 32],
        price: i64,
        conf: Conf,
        expo: Expo,
        prev_publish_time: i64,
        ema: [u64; 2],
        posted_slot: u64,
        damage: Option<Damage>,
    },
}

/// `conf`: raw, or `price · bps / 10 000`.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Conf {
    Raw(u64),
    Bps(u16),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Expo {
    Raw(i32),
    Small(i8),
}

impl Expo {
    fn get(self) -> i32 {
        match self {
            Expo::Raw(e) => e,
            Expo::Small(e) => i32::from(e % 32),
        }
    }
}

/// A clock either raw or close to the account's own time.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Clock {
    Raw(i64),
    Near(i32),
}

#[derive(Arbitrary, Debug)]
struct PythCase {
    right_owner: bool,
    owner: [u8; 32],
    bytes: PythBytes,
    policy_feed: [u8; 32],
    publish_time: i64,
    now: Clock,
    max_age: u32,
    max_conf_bps: u16,
}

#[derive(Arbitrary, Debug)]
enum SbBytes {
    Raw(Vec<u8>),
    Fields {
        filler: u8,
        feed_hash: [u8; 32],
        value: SbValue,
        std_dev: SbStd,
        last_update_timestamp: i64,
        result_slot: u64,
        other: [u64; 4],
        damage: Option<Damage>,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum SbValue {
    Raw(i128),
    /// `x >> shift`: any magnitude.
    Mag(u128, u8),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum SbStd {
    Raw(i128),
    /// `value · bps / 10 000` (wrapping).
    Bps(u16),
}

#[derive(Arbitrary, Debug)]
struct SbCase {
    right_owner: bool,
    owner: [u8; 32],
    bytes: SbBytes,
    /// `None`: no pinned hash; `Some(true)`: the account's; `Some(false)`: `other_hash`.
    pin: Option<bool>,
    other_hash: [u8; 32],
    slot: SlotClock,
    max_stale_slots: u64,
    max_conf_bps: u16,
    /// `None`: no pinned queue; `Some(true)`: the account's; `Some(false)`: `other_hash`.
    pin_queue: Option<bool>,
    min_samples: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum SlotClock {
    Raw(u64),
    After(u16),
    Before(u16),
}

pub fn run(data: &[u8]) {
    if let Some(input) = crate::decode::<Input>(data) {
        for case in input.cases.iter().take(8) {
            match case {
                Case::Pyth(c) => check_pyth(c),
                Case::Switchboard(c) => check_switchboard(c),
            }
        }
    }
}

// ------------------------------------------------------------------------------------ Pyth

/// Little-endian reads (the documentation's layout, read here independently).
fn le<const N: usize>(d: &[u8], at: usize) -> [u8; N] {
    d[at..at + N].try_into().expect("length checked")
}

/// The `PriceUpdateV2` layout as its documentation states it.
fn pyth_bytes(c: &PythCase) -> Vec<u8> {
    match &c.bytes {
        PythBytes::Raw(b) => b.clone(),
        PythBytes::Fields {
            level,
            sigs,
            authority,
            feed_is_policy,
            feed,
            price,
            conf,
            expo,
            prev_publish_time,
            ema,
            posted_slot,
            damage,
        } => {
            let mut d = PRICE_UPDATE_V2_DISCRIMINATOR.to_vec();
            d.extend_from_slice(authority);
            match level % 3 {
                0 => d.extend_from_slice(&[0, *sigs]),
                1 => d.push(1),
                _ => d.push(*level),
            }
            d.extend_from_slice(if *feed_is_policy { &c.policy_feed } else { feed });
            d.extend_from_slice(&price.to_le_bytes());
            let conf = match *conf {
                Conf::Raw(x) => x,
                Conf::Bps(b) => ((price.unsigned_abs() as u128 * u128::from(b)) / 10_000) as u64,
            };
            d.extend_from_slice(&conf.to_le_bytes());
            d.extend_from_slice(&expo.get().to_le_bytes());
            d.extend_from_slice(&c.publish_time.to_le_bytes());
            d.extend_from_slice(&prev_publish_time.to_le_bytes());
            d.extend_from_slice(&ema[0].to_le_bytes());
            d.extend_from_slice(&ema[1].to_le_bytes());
            d.extend_from_slice(&posted_slot.to_le_bytes());
            d.resize(pyth::PRICE_UPDATE_V2_LEN, 0);
            if let Some(damage) = damage {
                damage.apply(&mut d);
            }
            d
        }
    }
}

/// What the documentation says the fields are, if the bytes hold a `PriceUpdateV2`:
/// `(full, feed, price, conf, expo, publish_time)`.
fn pyth_fields(d: &[u8]) -> Option<(bool, [u8; 32], i64, u64, i32, i64)> {
    if d.len() < 41 || d[..8] != PRICE_UPDATE_V2_DISCRIMINATOR {
        return None;
    }
    let (full, m) = match d[40] {
        0 if d.len() >= 42 => (false, 42),
        1 => (true, 41),
        _ => return None,
    };
    if d.len() < m + 92 {
        return None;
    }
    Some((
        full,
        le(d, m),
        i64::from_le_bytes(le(d, m + 32)),
        u64::from_le_bytes(le(d, m + 40)),
        i32::from_le_bytes(le(d, m + 48)),
        i64::from_le_bytes(le(d, m + 52)),
    ))
}

fn check_pyth(c: &PythCase) {
    let data = pyth_bytes(c);
    let owner = if c.right_owner { PYTH_RECEIVER_PROGRAM_ID } else { c.owner };
    let now = match c.now {
        Clock::Raw(t) => t,
        Clock::Near(d) => c.publish_time.saturating_add(i64::from(d)),
    };
    let policy = FeedPolicy { feed_id: &c.policy_feed, max_age: c.max_age, max_conf_bps: c.max_conf_bps };
    let result = pyth::read_price(&owner, &data, &policy, now);

    // the decoder against the documented layout
    let fields = pyth_fields(&data);
    match PriceUpdateV2::decode(&data) {
        Ok(u) => {
            let (full, feed, price, conf, expo, publish_time) = fields.expect("decoded bytes the layout refuses");
            assert_eq!(
                (u.partial_signatures.is_none(), u.feed_id, u.price, u.conf, u.exponent, u.publish_time),
                (full, feed, price, conf, expo, publish_time)
            );
            let m = if full { 41 } else { 42 };
            let again = u.encode();
            assert_eq!(&again[..m + 92], &data[..m + 92], "encode does not invert decode");
            assert_eq!(PriceUpdateV2::decode(&again), Ok(u));
        }
        Err(e) => {
            assert_eq!(e, CoreError::OracleInvalidAccount);
            assert!(fields.is_none(), "refused a valid layout");
        }
    }

    let policy_holds = |p: &OraclePrice| -> bool {
        let Some((full, feed, price, conf, expo, publish_time)) = fields else { return false };
        owner == PYTH_RECEIVER_PROGRAM_ID
            && full
            && feed == c.policy_feed
            && price > 0
            && p.price == price as u64
            && p.conf == conf
            && p.expo == expo
            && p.publish_time == publish_time
            && (pyth::MIN_EXPONENT..=pyth::MAX_EXPONENT).contains(&expo)
            && i128::from(publish_time) <= i128::from(now) + i128::from(pyth::MAX_FUTURE_SECONDS)
            && i128::from(now) - i128::from(publish_time) <= i128::from(c.max_age)
            && u128::from(conf) * 10_000 <= u128::from(c.max_conf_bps) * u128::from(price as u64)
    };
    match result {
        Ok(p) => assert!(policy_holds(&p), "accepted against the policy: {p:?} now {now} {policy:?}"),
        Err(e) => {
            let f = fields;
            let violated = match e {
                CoreError::OracleWrongOwner => owner != PYTH_RECEIVER_PROGRAM_ID,
                CoreError::OracleInvalidAccount => f.is_none(),
                CoreError::OracleNotFullyVerified => f.is_some_and(|f| !f.0),
                CoreError::OracleFeedMismatch => f.is_some_and(|f| f.1 != c.policy_feed),
                CoreError::OracleNonPositivePrice => f.is_some_and(|f| f.2 <= 0),
                CoreError::OracleExponentOutOfRange => {
                    f.is_some_and(|f| !(pyth::MIN_EXPONENT..=pyth::MAX_EXPONENT).contains(&f.4))
                }
                CoreError::OracleTimestampInFuture => {
                    f.is_some_and(|f| i128::from(f.5) > i128::from(now) + i128::from(pyth::MAX_FUTURE_SECONDS))
                }
                CoreError::OracleStale => f.is_some_and(|f| i128::from(now) - i128::from(f.5) > i128::from(c.max_age)),
                CoreError::OracleConfidenceTooWide => f.is_some_and(|f| {
                    f.2 > 0 && u128::from(f.3) * 10_000 > u128::from(c.max_conf_bps) * u128::from(f.2 as u64)
                }),
                _ => false,
            };
            assert!(violated, "refused with {e:?} though that check passes: now {now} {policy:?} {f:?}");
        }
    }
}

// ------------------------------------------------------------------------------ Switchboard

/// Offsets in the account data, from the module documentation's table.
mod sb {
    pub const LEN: usize = 3208;
    pub const QUEUE: usize = 2088;
    pub const FEED_HASH: usize = 2120;
    pub const LAST_UPDATE: usize = 2216;
    pub const RESULT: usize = 2264;
    pub const VALUE: usize = RESULT;
    pub const STD_DEV: usize = RESULT + 16;
    pub const NUM_SAMPLES: usize = RESULT + 96;
    pub const SLOT: usize = RESULT + 104;
    /// A few more documented fields, each checked against the decoder: (offset, size).
    pub const OTHERS: [(usize, usize); 4] = [(2152, 8), (2168, 8), (2176, 4), (2392, 4)];
}

fn sb_value(v: SbValue) -> i128 {
    match v {
        SbValue::Raw(x) => x,
        SbValue::Mag(x, shift) => (x >> (1 + shift % 127)) as i128,
    }
}

fn sb_bytes(c: &SbCase) -> Vec<u8> {
    match &c.bytes {
        SbBytes::Raw(b) => {
            // raw bytes, the discriminator and the length made right one time in two
            let mut d = b.clone();
            if d.first().is_some_and(|x| x & 1 == 1) {
                d.resize(sb::LEN.max(d.len()), 0);
                d[..8].copy_from_slice(&PULL_FEED_DISCRIMINATOR);
            }
            d
        }
        SbBytes::Fields { filler, feed_hash, value, std_dev, last_update_timestamp, result_slot, other, damage } => {
            let mut d = vec![*filler; sb::LEN];
            d[..8].copy_from_slice(&PULL_FEED_DISCRIMINATOR);
            let value = sb_value(*value);
            let std_dev = match *std_dev {
                SbStd::Raw(x) => x,
                SbStd::Bps(b) => ((value as u128 / 10_000).wrapping_mul(u128::from(b))) as i128,
            };
            d[sb::FEED_HASH..sb::FEED_HASH + 32].copy_from_slice(feed_hash);
            d[sb::LAST_UPDATE..sb::LAST_UPDATE + 8].copy_from_slice(&last_update_timestamp.to_le_bytes());
            d[sb::VALUE..sb::VALUE + 16].copy_from_slice(&value.to_le_bytes());
            d[sb::STD_DEV..sb::STD_DEV + 16].copy_from_slice(&std_dev.to_le_bytes());
            d[sb::SLOT..sb::SLOT + 8].copy_from_slice(&result_slot.to_le_bytes());
            for (&(at, n), x) in sb::OTHERS.iter().zip(other) {
                d[at..at + n].copy_from_slice(&x.to_le_bytes()[..n]);
            }
            if let Some(damage) = damage {
                damage.apply(&mut d);
            }
            d
        }
    }
}

fn check_switchboard(c: &SbCase) {
    let data = sb_bytes(c);
    let owner = if c.right_owner { SWITCHBOARD_ON_DEMAND_PROGRAM_ID } else { c.owner };
    let layout_ok = data.len() >= sb::LEN && data[..8] == PULL_FEED_DISCRIMINATOR;
    let account_hash: [u8; 32] = if data.len() >= sb::FEED_HASH + 32 { le(&data, sb::FEED_HASH) } else { [0; 32] };
    let feed_hash = c.pin.map(|own| if own { account_hash } else { c.other_hash });
    let account_queue: [u8; 32] = if data.len() >= sb::QUEUE + 32 { le(&data, sb::QUEUE) } else { [0; 32] };
    let queue = c.pin_queue.map(|own| if own { account_queue } else { c.other_hash });
    let samples = if data.len() > sb::NUM_SAMPLES { data[sb::NUM_SAMPLES] } else { 0 };
    let result_slot = if data.len() >= sb::SLOT + 8 { u64::from_le_bytes(le(&data, sb::SLOT)) } else { 0 };
    let slot = match c.slot {
        SlotClock::Raw(s) => s,
        SlotClock::After(d) => result_slot.saturating_add(u64::from(d)),
        SlotClock::Before(d) => result_slot.saturating_sub(u64::from(d)),
    };
    let policy = SwitchboardPolicy { max_stale_slots: c.max_stale_slots, max_conf_bps: c.max_conf_bps, feed_hash, queue, min_samples: c.min_samples };
    let result = switchboard::read_price(&owner, &data, &policy, slot);

    // the decoder against the documented offsets
    match PullFeed::decode(&data) {
        Ok(f) => {
            assert!(layout_ok);
            assert_eq!(f.feed_hash, account_hash);
            assert_eq!((f.queue, f.num_samples), (account_queue, samples));
            assert_eq!(f.value, i128::from_le_bytes(le(&data, sb::VALUE)));
            assert_eq!(f.std_dev, i128::from_le_bytes(le(&data, sb::STD_DEV)));
            assert_eq!(f.result_slot, result_slot);
            assert_eq!(f.last_update_timestamp, i64::from_le_bytes(le(&data, sb::LAST_UPDATE)));
            let others =
                [f.initialized_at as u64, f.max_variance, u64::from(f.min_responses), u64::from(f.max_staleness)];
            for (&(at, n), &x) in sb::OTHERS.iter().zip(&others) {
                assert_eq!(&data[at..at + n], &x.to_le_bytes()[..n], "field at {at}");
            }
            let again = f.encode();
            assert_eq!(again.len(), sb::LEN);
            assert_eq!(PullFeed::decode(&again), Ok(f), "encode does not invert decode");
        }
        Err(e) => {
            assert_eq!(e, CoreError::OracleInvalidAccount);
            assert!(!layout_ok, "refused a valid layout");
        }
    }

    let value = if layout_ok { i128::from_le_bytes(le(&data, sb::VALUE)) } else { 0 };
    let std_dev = if layout_ok { i128::from_le_bytes(le(&data, sb::STD_DEV)) } else { 0 };
    // std_dev ≤ ⌊bps·value/10⁴⌋  ⇔  std_dev·10⁴ ≤ bps·value (std_dev an integer)
    let conf_ok = value > 0
        && std_dev >= 0
        && Wide::product(&[std_dev as u128, 10_000]) <= Wide::product(&[u128::from(c.max_conf_bps), value as u128]);
    match result {
        Ok(p) => {
            assert!(owner == SWITCHBOARD_ON_DEMAND_PROGRAM_ID && layout_ok, "accepted a wrong account");
            assert!(feed_hash.is_none_or(|h| h == account_hash), "accepted another feed");
            assert!(queue.is_none_or(|q| q == account_queue), "accepted a feed on another queue");
            assert!(samples >= c.min_samples, "accepted {samples} samples for {}", c.min_samples);
            assert!(result_slot != 0, "accepted an account with no result");
            assert!(slot.saturating_sub(result_slot) <= c.max_stale_slots, "accepted a stale result");
            assert!(conf_ok, "accepted value {value} std_dev {std_dev} at {} bps", c.max_conf_bps);
            // the result's own slot, not the landing time (`last_update_timestamp`)
            assert_eq!(p.publish_time, result_slot as i64, "publish time = the result's own slot");
            // the conversion: price = ⌊value/10^k⌋ with k the smallest making it fit a u64
            let k = p.expo + 18;
            assert!((0..=20).contains(&k), "expo {}", p.expo);
            let t = 10u128.pow(k as u32);
            let (v, s) = (value as u128, std_dev as u128);
            assert!(p.price > 0);
            assert_eq!(u128::from(p.price), v / t, "price of {value} at expo {}", p.expo);
            if k > 0 {
                assert!(v / (t / 10) > u128::from(u64::MAX), "{value} scaled by 10^{k}, 10^{} fits", k - 1);
            }
            assert_eq!(u128::from(p.conf), s.div_ceil(t), "conf of {std_dev} at expo {}", p.expo);
        }
        Err(e) => {
            let violated = match e {
                CoreError::OracleWrongOwner => owner != SWITCHBOARD_ON_DEMAND_PROGRAM_ID,
                CoreError::OracleInvalidAccount => !layout_ok || result_slot == 0 || result_slot > i64::MAX as u64,
                CoreError::OracleFeedMismatch => feed_hash.is_some_and(|h| h != account_hash),
                CoreError::OracleQueueMismatch => queue.is_some_and(|q| q != account_queue),
                CoreError::OracleTooFewSamples => samples < c.min_samples,
                CoreError::OracleStale => slot.saturating_sub(result_slot) > c.max_stale_slots,
                CoreError::OracleNonPositivePrice => value <= 0,
                CoreError::OracleConfidenceTooWide => !conf_ok,
                // documented: the scaled conf exceeds a u64 only with max_conf_bps ≥ 10 000
                CoreError::MathOverflow => c.max_conf_bps >= 10_000,
                _ => false,
            };
            assert!(violated, "refused with {e:?} though that check passes: value {value} std {std_dev} {policy:?}");
        }
    }
}
