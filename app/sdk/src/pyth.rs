//! Pyth `PriceUpdateV2` accounts for local clusters, tests and tooling: the exact bytes the
//! Pyth receiver writes (layout and encoder in `rpv_core::pyth`).

use rpv_core::pyth::PriceUpdateV2;

/// A fully verified update for `feed_id` at `price · 10^expo` ± `conf`, published at
/// `publish_time`.
pub fn price_update(feed_id: [u8; 32], price: i64, conf: u64, expo: i32, publish_time: i64, slot: u64) -> Vec<u8> {
    PriceUpdateV2::verified(feed_id, price, conf, expo, publish_time, slot).encode()
}

/// A feed id for tests and demos: 32 bytes derived from a label.
pub fn feed_id(label: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("rpv-feed:{label}").as_bytes()).into()
}
