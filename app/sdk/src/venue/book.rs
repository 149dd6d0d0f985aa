//! A Manifest market's order book and seats, decoded from the market account's bytes.
//!
//! Layout (Manifest 2.0.1, facts of its published source): the fixed header (`MarketFixed`,
//! [`MARKET_FIXED_SIZE`] bytes, [`super::decode_market`]) then a dynamic area of
//! [`MARKET_BLOCK_SIZE`]-byte blocks. A block is a red-black-tree node — `left`, `right`,
//! `parent` (u32 indices into the dynamic area, [`NIL`] for none), colour and payload type (one
//! byte each, 2 bytes padding) — and a 64-byte payload: a resting order (payload type 2) or a
//! claimed seat (payload type 1); free blocks form a list. The header holds the root of each
//! tree (bids, asks, seats) and the best order of each side; a side's tree is ordered so that
//! its maximum is the best order (the highest bid, the lowest ask) and the venue matches by
//! walking from the maximum to each in-order predecessor — the order [`Book::bids`] and
//! [`Book::asks`] list them in (best first; equal prices in the venue's time priority).

use super::{decode_market, MarketHeader, MARKET_FIXED_SIZE};
use crate::Pubkey;

/// Bytes of one block of a market's dynamic area: tree links (16) and a payload (64).
pub const MARKET_BLOCK_SIZE: usize = 80;
/// Manifest's "no block" index (`hypertree::NIL`).
pub const NIL: u32 = u32::MAX;
/// Bytes of a tree node's links before its payload.
const NODE_LINKS: usize = 16;
/// Payload types of a block (`MarketDataTreeNodeType`).
const PAYLOAD_SEAT: u8 = 1;
const PAYLOAD_ORDER: u8 = 2;

/// Offsets in `MarketFixed` after the mints and vaults ([`super::decode_market`]).
mod at {
    pub const ORDER_SEQUENCE_NUMBER: usize = 144;
    pub const NUM_BYTES_ALLOCATED: usize = 152;
    pub const BIDS_ROOT: usize = 156;
    pub const BIDS_BEST: usize = 160;
    pub const ASKS_ROOT: usize = 164;
    pub const ASKS_BEST: usize = 168;
    pub const SEATS_ROOT: usize = 172;
    pub const FREE_LIST_HEAD: usize = 176;
}

/// A price as Manifest holds it (`QuoteAtomsPerBaseAtom`): quote atoms per base atom, times
/// 10^18, in a `u128` (a resting order's 16 price bytes, little-endian). Ordered as the venue
/// orders prices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(u128);

impl Price {
    /// The scale of the inner representation: `inner = quote atoms per base atom · 10^18`.
    pub const SCALE: u128 = 1_000_000_000_000_000_000;
    /// Exponent range of an order's `price_mantissa · 10^price_exponent`.
    pub const MIN_EXPONENT: i8 = -18;
    pub const MAX_EXPONENT: i8 = 8;
    /// The venue's bounds: mantissa 1 at the lowest exponent, `u32::MAX` at the highest (a
    /// swap's own order is priced at one of them, so it crosses every resting order).
    pub const MIN: Price = Price(1);
    pub const MAX: Price = Price(u32::MAX as u128 * 10u128.pow(26));

    pub const fn from_inner(inner: u128) -> Self {
        Self(inner)
    }

    pub const fn inner(self) -> u128 {
        self.0
    }

    /// `mantissa · 10^exponent` quote atoms per base atom, as an order's price parameters give
    /// it; `None` for an exponent outside `[-18, 8]` (the venue refuses the order).
    pub fn from_mantissa_exponent(mantissa: u32, exponent: i8) -> Option<Self> {
        if !(Self::MIN_EXPONENT..=Self::MAX_EXPONENT).contains(&exponent) {
            return None;
        }
        let scale = 10u128.pow(u32::try_from(i32::from(exponent) + 18).ok()?);
        Some(Self(u128::from(mantissa) * scale))
    }

    /// Quote atoms per base atom as a float (for display and impact maths, never for amounts).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Quote atoms for `base_atoms` at this price, rounded up or down (`None`: the venue
    /// overflows and fails).
    pub fn quote_for_base(self, base_atoms: u64, round_up: bool) -> Option<u64> {
        let product = self.0.checked_mul(u128::from(base_atoms))?;
        let quote = if round_up { product.div_ceil(Self::SCALE) } else { product / Self::SCALE };
        u64::try_from(quote).ok()
    }

    /// Base atoms that `quote_atoms` buy at this price, rounded up or down (0 at a zero price,
    /// as the venue answers; `None`: more than `u64::MAX` atoms, the venue fails).
    pub fn base_for_quote(self, quote_atoms: u64, round_up: bool) -> Option<u64> {
        if self.0 == 0 {
            return Some(0);
        }
        let dividend = Self::SCALE * u128::from(quote_atoms); // < u128::MAX: 10^18 · u64::MAX
        let base = if round_up { dividend.div_ceil(self.0) } else { dividend / self.0 };
        u64::try_from(base).ok()
    }
}

/// An order's type (`OrderType`, its byte in orders and in instruction data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OrderType {
    Limit = 0,
    /// Takes only, never rests.
    ImmediateOrCancel = 1,
    /// Refused if it would cross the book.
    PostOnly = 2,
    /// Backed by the maker's global account, not the market's balances (see [`Book`]).
    Global = 3,
    /// An AMM-like order that, when filled, rests the other side at a spread (its
    /// `last_valid_slot` parameter carries the spread).
    Reverse = 4,
}

impl OrderType {
    pub fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::Limit,
            1 => Self::ImmediateOrCancel,
            2 => Self::PostOnly,
            3 => Self::Global,
            4 => Self::Reverse,
            _ => return None,
        })
    }
}

/// An order resting on the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestingOrder {
    /// Its block's index in the dynamic area (a cancel's hint).
    pub index: u32,
    pub price: Price,
    pub base_atoms: u64,
    pub sequence_number: u64,
    /// The maker's seat ([`Seat::index`]).
    pub trader_index: u32,
    /// Last slot it may match in; 0 = no expiry.
    pub last_valid_slot: u32,
    pub is_bid: bool,
    pub order_type: OrderType,
    /// Spread of a reverse order, in units of 10^-5.
    pub reverse_spread: u16,
}

impl RestingOrder {
    /// Whether the venue, at `slot`, skips this order (and removes it when a taker walks past):
    /// an expiry set and already behind. The venue compares the slot truncated to `u32`.
    pub fn is_expired(&self, slot: u64) -> bool {
        self.last_valid_slot != 0 && self.last_valid_slot < slot as u32
    }
}

/// A claimed seat: a trader's balances on the market, outside its resting orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seat {
    /// Its block's index in the dynamic area (the trader index of its orders).
    pub index: u32,
    pub trader: Pubkey,
    pub base_withdrawable: u64,
    pub quote_withdrawable: u64,
    /// Quote volume the venue counts for this trader (informational, may wrap).
    pub quote_volume: u64,
}

/// A market's book as the venue matches it.
///
/// Global orders (backed by a maker's global account): listed like the others; a swap built by
/// [`super::swap_with`] passes no global accounts, so the venue stops matching at the first
/// global order on the side it walks — [`Book::quote_swap`] stops there too. The SDK's makers
/// never place them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Book {
    pub header: MarketHeader,
    /// Sequence number the venue gives the next order (every placed order and swap takes one).
    pub next_sequence_number: u64,
    /// Bids, best (highest) first, expired ones included ([`RestingOrder::is_expired`]).
    pub bids: Vec<RestingOrder>,
    /// Asks, best (lowest) first, expired ones included.
    pub asks: Vec<RestingOrder>,
    /// Seats, in the venue's order (by trader key).
    pub seats: Vec<Seat>,
    /// Whether the free list has a block (a swap needs one; the venue grows the market first).
    pub has_free_block: bool,
}

impl Book {
    /// The seat of `trader`, if claimed.
    pub fn seat(&self, trader: &Pubkey) -> Option<&Seat> {
        self.seats.iter().find(|s| s.trader == *trader)
    }

    /// The resting orders of the seat at `trader_index`, bids then asks, best first.
    pub fn orders_of(&self, trader_index: u32) -> impl Iterator<Item = &RestingOrder> {
        self.bids.iter().chain(&self.asks).filter(move |o| o.trader_index == trader_index)
    }

    /// The side a taker walks: the asks when it buys base, the bids when it sells.
    pub fn side(&self, taker_buys_base: bool) -> &[RestingOrder] {
        if taker_buys_base {
            &self.asks
        } else {
            &self.bids
        }
    }

    /// Best bid and ask at `slot` (expired orders skipped).
    pub fn best(&self, slot: u64) -> (Option<&RestingOrder>, Option<&RestingOrder>) {
        let live = |side: &[RestingOrder]| side.iter().position(|o| !o.is_expired(slot));
        (live(&self.bids).map(|i| &self.bids[i]), live(&self.asks).map(|i| &self.asks[i]))
    }
}

/// Why a market account does not decode as a book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookError {
    /// Too short, or not a market (discriminant).
    NotAMarket,
    /// The dynamic area is inconsistent (an index outside it or misaligned, a block of the
    /// wrong type in a tree, a cycle, a best index that is not its tree's maximum).
    Malformed(&'static str),
}

impl std::fmt::Display for BookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotAMarket => f.write_str("not a Manifest market account: check the market address"),
            Self::Malformed(why) => write!(f, "market account is malformed ({why}): re-read it"),
        }
    }
}

impl std::error::Error for BookError {}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"))
}

/// The dynamic area and its tree walks.
struct Blocks<'a>(&'a [u8]);

impl<'a> Blocks<'a> {
    /// The node at `index` with its payload type checked.
    fn node(&self, index: u32, payload: u8) -> Result<&'a [u8], BookError> {
        let i = index as usize;
        if !i.is_multiple_of(MARKET_BLOCK_SIZE) || i + MARKET_BLOCK_SIZE > self.0.len() {
            return Err(BookError::Malformed("index outside the blocks"));
        }
        let node = &self.0[i..i + MARKET_BLOCK_SIZE];
        if node[13] != payload {
            return Err(BookError::Malformed("block of the wrong type in a tree"));
        }
        Ok(node)
    }

    /// The tree at `root` from its maximum down (in-order predecessors: right, node, left),
    /// each node's index and payload.
    fn descending(&self, root: u32, payload: u8) -> Result<Vec<(u32, &'a [u8])>, BookError> {
        let limit = self.0.len() / MARKET_BLOCK_SIZE;
        let (mut out, mut stack, mut at) = (Vec::new(), Vec::new(), root);
        loop {
            while at != NIL {
                if stack.len() + out.len() > limit {
                    return Err(BookError::Malformed("a cycle in a tree"));
                }
                stack.push(at);
                at = u32_at(self.node(at, payload)?, 4); // right
            }
            let Some(index) = stack.pop() else { break };
            let node = self.node(index, payload)?;
            out.push((index, &node[NODE_LINKS..]));
            at = u32_at(node, 0); // left
        }
        Ok(out)
    }
}

fn order_from(index: u32, p: &[u8], is_bid: bool) -> Result<RestingOrder, BookError> {
    let order = RestingOrder {
        index,
        price: Price(u128::from_le_bytes(p[0..16].try_into().expect("16 bytes"))),
        base_atoms: u64_at(p, 16),
        sequence_number: u64_at(p, 24),
        trader_index: u32_at(p, 32),
        last_valid_slot: u32_at(p, 36),
        is_bid: p[40] == 1,
        order_type: OrderType::from_u8(p[41]).ok_or(BookError::Malformed("unknown order type"))?,
        reverse_spread: u16::from_le_bytes([p[42], p[43]]),
    };
    if order.is_bid != is_bid {
        return Err(BookError::Malformed("an order on the wrong side"));
    }
    Ok(order)
}

/// Decodes a market account's book: both sides best first, and the seats.
pub fn decode_book(data: &[u8]) -> Result<Book, BookError> {
    let header = decode_market(data).ok_or(BookError::NotAMarket)?;
    let allocated = u32_at(data, at::NUM_BYTES_ALLOCATED) as usize;
    let dynamic = data.get(MARKET_FIXED_SIZE..MARKET_FIXED_SIZE + allocated).ok_or(BookError::Malformed("short"))?;
    let blocks = Blocks(dynamic);
    let side = |root_at: usize, best_at: usize, is_bid: bool| -> Result<Vec<RestingOrder>, BookError> {
        let orders = blocks
            .descending(u32_at(data, root_at), PAYLOAD_ORDER)?
            .into_iter()
            .map(|(i, p)| order_from(i, p, is_bid))
            .collect::<Result<Vec<_>, _>>()?;
        let best = u32_at(data, best_at);
        if orders.first().map_or(NIL, |o| o.index) != best {
            return Err(BookError::Malformed("best index is not the tree's best order"));
        }
        Ok(orders)
    };
    let bids = side(at::BIDS_ROOT, at::BIDS_BEST, true)?;
    let asks = side(at::ASKS_ROOT, at::ASKS_BEST, false)?;
    let mut seats: Vec<Seat> = blocks
        .descending(u32_at(data, at::SEATS_ROOT), PAYLOAD_SEAT)?
        .into_iter()
        .map(|(index, p)| Seat {
            index,
            trader: Pubkey::new_from_array(p[0..32].try_into().expect("32 bytes")),
            base_withdrawable: u64_at(p, 32),
            quote_withdrawable: u64_at(p, 40),
            quote_volume: u64_at(p, 48),
        })
        .collect();
    seats.reverse();
    Ok(Book {
        header,
        next_sequence_number: u64_at(data, at::ORDER_SEQUENCE_NUMBER),
        bids,
        asks,
        seats,
        has_free_block: u32_at(data, at::FREE_LIST_HEAD) != NIL,
    })
}

#[cfg(test)]
mod tests {
    use super::super::MARKET_DISCRIMINANT;
    use super::*;

    /// A market's bytes with `blocks` blocks, header fields set by `at`.
    fn market(blocks: usize, header: &[(usize, u32)]) -> Vec<u8> {
        let mut d = vec![0u8; MARKET_FIXED_SIZE + blocks * MARKET_BLOCK_SIZE];
        d[..8].copy_from_slice(&MARKET_DISCRIMINANT.to_le_bytes());
        d[at::NUM_BYTES_ALLOCATED..at::NUM_BYTES_ALLOCATED + 4]
            .copy_from_slice(&((blocks * MARKET_BLOCK_SIZE) as u32).to_le_bytes());
        for f in [at::BIDS_ROOT, at::BIDS_BEST, at::ASKS_ROOT, at::ASKS_BEST, at::SEATS_ROOT, at::FREE_LIST_HEAD] {
            d[f..f + 4].copy_from_slice(&NIL.to_le_bytes());
        }
        for &(f, v) in header {
            d[f..f + 4].copy_from_slice(&v.to_le_bytes());
        }
        d
    }

    /// Writes a node at block `b`: links (block numbers, `None` = NIL), payload type, payload.
    fn node(d: &mut [u8], b: usize, links: [Option<usize>; 3], payload_type: u8, payload: &[u8]) {
        let at = MARKET_FIXED_SIZE + b * MARKET_BLOCK_SIZE;
        for (k, l) in links.iter().enumerate() {
            let v = l.map_or(NIL, |x| (x * MARKET_BLOCK_SIZE) as u32);
            d[at + 4 * k..at + 4 * k + 4].copy_from_slice(&v.to_le_bytes());
        }
        d[at + 13] = payload_type;
        d[at + 16..at + 16 + payload.len()].copy_from_slice(payload);
    }

    fn order_bytes(price: u128, base: u64, seq: u64, trader: u32, is_bid: bool) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&price.to_le_bytes());
        p.extend_from_slice(&base.to_le_bytes());
        p.extend_from_slice(&seq.to_le_bytes());
        p.extend_from_slice(&trader.to_le_bytes());
        p.extend_from_slice(&7u32.to_le_bytes()); // last valid slot
        p.extend_from_slice(&[u8::from(is_bid), 0, 0, 0]);
        p
    }

    /// Bids in a three-node tree (root 10, left 9, right 11) come out best first; a seat
    /// decodes with its balances; an empty ask side is empty.
    #[test]
    fn a_tree_decodes_best_first_and_seats_with_balances() {
        let s = MARKET_BLOCK_SIZE as u32;
        let mut d = market(4, &[(at::BIDS_ROOT, 0), (at::BIDS_BEST, 2 * s), (at::SEATS_ROOT, 3 * s)]);
        node(&mut d, 0, [Some(1), Some(2), None], PAYLOAD_ORDER, &order_bytes(10, 100, 1, 3 * s, true));
        node(&mut d, 1, [None, None, Some(0)], PAYLOAD_ORDER, &order_bytes(9, 200, 2, 3 * s, true));
        node(&mut d, 2, [None, None, Some(0)], PAYLOAD_ORDER, &order_bytes(11, 300, 3, 3 * s, true));
        let trader = Pubkey::new_unique();
        let mut seat = trader.to_bytes().to_vec();
        for v in [5u64, 6, 7] {
            seat.extend_from_slice(&v.to_le_bytes());
        }
        node(&mut d, 3, [None, None, None], PAYLOAD_SEAT, &seat);
        let book = decode_book(&d).unwrap();
        let bids: Vec<(u128, u64, u64, u32)> =
            book.bids.iter().map(|o| (o.price.inner(), o.base_atoms, o.sequence_number, o.index)).collect();
        assert_eq!(bids, [(11, 300, 3, 2 * s), (10, 100, 1, 0), (9, 200, 2, s)]);
        assert!(book.asks.is_empty() && !book.has_free_block);
        assert!(book.bids.iter().all(|o| o.is_bid && o.order_type == OrderType::Limit && o.last_valid_slot == 7));
        let seat = book.seat(&trader).unwrap();
        assert_eq!((seat.index, seat.base_withdrawable, seat.quote_withdrawable, seat.quote_volume), (3 * s, 5, 6, 7));
        assert_eq!(book.orders_of(3 * s).count(), 3);
        // expiry: valid through slot 7, expired from slot 8
        assert!(!book.bids[0].is_expired(7) && book.bids[0].is_expired(8));
        assert_eq!(book.best(8), (None, None));

        // a best index that is not the tree's maximum, a seat in the order tree, a cycle
        let mut bad = d.clone();
        bad[at::BIDS_BEST..at::BIDS_BEST + 4].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(decode_book(&bad), Err(BookError::Malformed(_))));
        let mut bad = d.clone();
        bad[MARKET_FIXED_SIZE + 2 * MARKET_BLOCK_SIZE + 13] = PAYLOAD_SEAT;
        assert!(matches!(decode_book(&bad), Err(BookError::Malformed(_))));
        let mut bad = d.clone();
        node(&mut bad, 2, [None, Some(0), Some(0)], PAYLOAD_ORDER, &order_bytes(11, 300, 3, 3 * s, true));
        assert!(matches!(decode_book(&bad), Err(BookError::Malformed(_))));
        assert_eq!(decode_book(&d[..200]), Err(BookError::NotAMarket));
    }

    #[test]
    fn prices_hold_the_venue_representation_and_rounding() {
        // 1.15 quote atoms per base atom
        let p = Price::from_mantissa_exponent(115, -2).unwrap();
        assert_eq!(p.inner(), 1_150_000_000_000_000_000);
        assert_eq!((p.quote_for_base(10, false), p.quote_for_base(10, true)), (Some(11), Some(12)));
        assert_eq!((p.base_for_quote(17, false), p.base_for_quote(17, true)), (Some(14), Some(15)));
        assert_eq!(Price::from_mantissa_exponent(u32::MAX, 8), Some(Price::MAX));
        assert_eq!(Price::from_mantissa_exponent(1, -18), Some(Price::MIN));
        assert_eq!((Price::from_mantissa_exponent(1, 9), Price::from_mantissa_exponent(1, -19)), (None, None));
        assert_eq!(Price::MAX.quote_for_base(u64::MAX, false), None);
        assert_eq!(Price::ZERO_FOR_TEST.base_for_quote(5, true), Some(0));
        assert!((p.as_f64() - 1.15).abs() < 1e-15);
    }

    impl Price {
        const ZERO_FOR_TEST: Price = Price(0);
    }
}
