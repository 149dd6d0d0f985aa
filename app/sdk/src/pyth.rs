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

/// A feed id (or a Switchboard feed hash) from 64 hex digits, with an optional `0x` prefix.
pub fn parse_feed_id(text: &str) -> Option<[u8; 32]> {
    let h = text.strip_prefix("0x").unwrap_or(text);
    let mut out = [0u8; 32];
    if h.len() != 64 || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A feed id as 64 lowercase hex digits ([`parse_feed_id`] reads it back).
pub fn feed_id_hex(id: &[u8; 32]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_ids_round_trip_through_hex() {
        let id = feed_id("SOL/USD");
        assert_eq!(parse_feed_id(&feed_id_hex(&id)), Some(id));
        assert_eq!(parse_feed_id(&format!("0x{}", feed_id_hex(&id))), Some(id));
        assert_eq!(parse_feed_id("zz"), None);
        assert_eq!(parse_feed_id(&"g".repeat(64)), None);
        assert_eq!(parse_feed_id(&"+1".repeat(32)), None);
    }
}
