//! A market maker's side of the venue: prices as Manifest's order parameters, a ladder of
//! orders around a mid, what it must hold, a `BatchUpdate` that cancels its resting orders and
//! places new ones in one instruction, and `Withdraw`.

use super::{signer_and_market, tag, vault, Book, Order, OrderType, Price, MANIFEST_ID};
use crate::{AccountMeta, Instruction, Pubkey, TOKEN_PROGRAM_ID};

/// `price · 10^-exponent`, with one rounding (powers of ten up to 10^18 are exact in `f64`).
fn scaled(price: f64, exponent: i8) -> f64 {
    let p = 10f64.powi(i32::from(exponent).abs());
    if exponent <= 0 {
        price * p
    } else {
        price / p
    }
}

/// `price` (quote atoms per base atom) as an order's `(price_mantissa, price_exponent)` with
/// the most significant digits the mantissa holds (the lowest exponent whose mantissa fits a
/// `u32`), rounded down for a bid (`round_up` false) and up for an ask, so a maker never
/// quotes better than it meant. A value within floating-point noise of a representable price
/// (0.15 → 1_500_000_000·10^-10) is that price exactly. `None`: not a positive finite price, or
/// outside what the venue represents (above `u32::MAX·10^8`, or rounding down to zero).
pub fn encode_price(price: f64, round_up: bool) -> Option<(u32, i8)> {
    if !price.is_finite() || price <= 0.0 {
        return None;
    }
    for exponent in Price::MIN_EXPONENT..=Price::MAX_EXPONENT {
        let x = scaled(price, exponent);
        let nearest = x.round();
        let m = if (x - nearest).abs() <= x * 1e-12 {
            nearest
        } else if round_up {
            x.ceil()
        } else {
            x.floor()
        };
        if m <= f64::from(u32::MAX) {
            return (m >= 1.0).then_some((m as u32, exponent));
        }
    }
    None
}

/// A ladder of resting orders around a mid price: `levels` orders per side of `size` base
/// atoms each, the best `half_spread_bps` from the mid, each next one `step_bps` further.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ladder {
    pub half_spread_bps: f64,
    pub step_bps: f64,
    pub levels: usize,
    /// Base atoms per order.
    pub size: u64,
}

impl Ladder {
    /// The ladder's orders around `mid` (quote atoms per base atom), level by level from the
    /// mid out, the bid then the ask of each: bids at `mid·(1 − off)` rounded down, asks at
    /// `mid·(1 + off)` rounded up ([`encode_price`]). `None`: a price the venue cannot hold
    /// (e.g. a bid at or below zero).
    pub fn orders(&self, mid: f64) -> Option<Vec<Order>> {
        let mut out = Vec::with_capacity(2 * self.levels);
        for k in 0..self.levels {
            let off = (self.half_spread_bps + k as f64 * self.step_bps) / 10_000.0;
            for is_bid in [true, false] {
                let p = if is_bid { mid * (1.0 - off) } else { mid * (1.0 + off) };
                let (price_mantissa, price_exponent) = encode_price(p, !is_bid)?;
                out.push(Order { base_atoms: self.size, price_mantissa, price_exponent, is_bid });
            }
        }
        Some(out)
    }
}

/// [`Ladder::orders`] of a ladder given by its parameters.
pub fn ladder(mid: f64, half_spread_bps: f64, step_bps: f64, levels: usize, size: u64) -> Option<Vec<Order>> {
    Ladder { half_spread_bps, step_bps, levels, size }.orders(mid)
}

/// What a seat must hold for `orders` to rest (none crossing the book): `(base atoms, quote
/// atoms)` — an ask reserves its base, a bid its base times its price rounded up, as the venue
/// debits them. `None`: an invalid price or an overflow.
pub fn order_funds(orders: &[Order]) -> Option<(u64, u64)> {
    let (mut base, mut quote) = (0u64, 0u64);
    for o in orders {
        if o.is_bid {
            let price = Price::from_mantissa_exponent(o.price_mantissa, o.price_exponent)?;
            quote = quote.checked_add(price.quote_for_base(o.base_atoms, true)?)?;
        } else {
            base = base.checked_add(o.base_atoms)?;
        }
    }
    Some((base, quote))
}

/// A cancel in a `BatchUpdate`: the order's sequence number, and optionally its block index
/// ([`super::RestingOrder::index`]; the venue then checks it instead of scanning the book).
/// A cancel of an order no longer on the book fails the whole instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancel {
    pub sequence_number: u64,
    pub index_hint: Option<u32>,
}

/// An order with the options [`Order`] leaves at their defaults (a limit order, no expiry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderParams {
    pub order: Order,
    /// Last slot it may match in (0 = no expiry).
    pub last_valid_slot: u32,
    pub order_type: OrderType,
}

impl From<Order> for OrderParams {
    fn from(order: Order) -> Self {
        Self { order, last_valid_slot: 0, order_type: OrderType::Limit }
    }
}

fn push_hint(data: &mut Vec<u8>, hint: Option<u32>) {
    match hint {
        None => data.push(0),
        Some(i) => {
            data.push(1);
            data.extend_from_slice(&i.to_le_bytes());
        }
    }
}

/// `BatchUpdate`: `trader` (seat at `trader_index_hint` when given) cancels `cancels`, then
/// places `orders` from its seat's balances, in that order, in one instruction (the market
/// grows by a block per order resting, paid by the trader).
pub fn batch_update_with(
    trader: &Pubkey,
    market: &Pubkey,
    trader_index_hint: Option<u32>,
    cancels: &[Cancel],
    orders: &[OrderParams],
) -> Instruction {
    let mut data = vec![tag::BATCH_UPDATE];
    push_hint(&mut data, trader_index_hint);
    data.extend_from_slice(&(cancels.len() as u32).to_le_bytes());
    for c in cancels {
        data.extend_from_slice(&c.sequence_number.to_le_bytes());
        push_hint(&mut data, c.index_hint);
    }
    data.extend_from_slice(&(orders.len() as u32).to_le_bytes());
    for p in orders {
        let o = &p.order;
        data.extend_from_slice(&o.base_atoms.to_le_bytes());
        data.extend_from_slice(&o.price_mantissa.to_le_bytes());
        data.push(o.price_exponent as u8);
        data.push(u8::from(o.is_bid));
        data.extend_from_slice(&p.last_valid_slot.to_le_bytes());
        data.push(p.order_type as u8);
    }
    Instruction { program_id: MANIFEST_ID, accounts: signer_and_market(trader, market).to_vec(), data }
}

/// One `BatchUpdate` that replaces `trader`'s resting orders on the market `book` was read
/// from by `orders` (limit orders, no expiry): every order of its seat cancelled by sequence
/// number (with its index as the hint), then the new ones placed. Read the book just before:
/// an order filled or removed since makes the venue refuse the whole instruction (read again
/// and retry). `None`: `trader` has no seat.
pub fn replace_orders(trader: &Pubkey, market: &Pubkey, book: &Book, orders: &[Order]) -> Option<Instruction> {
    let seat = book.seat(trader)?;
    let cancels: Vec<Cancel> = book
        .orders_of(seat.index)
        .map(|o| Cancel { sequence_number: o.sequence_number, index_hint: Some(o.index) })
        .collect();
    let orders: Vec<OrderParams> = orders.iter().copied().map(OrderParams::from).collect();
    Some(batch_update_with(trader, market, Some(seat.index), &cancels, &orders))
}

/// `Withdraw`: `trader` moves `amount` atoms of `mint` (SPL Token) from its seat's balance on
/// `market` to its token account `to`.
pub fn withdraw(trader: &Pubkey, market: &Pubkey, mint: &Pubkey, to: &Pubkey, amount: u64) -> Instruction {
    let mut data = vec![tag::WITHDRAW];
    data.extend_from_slice(&amount.to_le_bytes());
    data.push(0); // no trader index hint
    Instruction {
        program_id: MANIFEST_ID,
        accounts: vec![
            AccountMeta::new(*trader, true),
            AccountMeta::new(*market, false),
            AccountMeta::new(*to, false),
            AccountMeta::new(vault(market, mint), false),
            AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
            AccountMeta::new_readonly(*mint, false),
        ],
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value((m, e): (u32, i8)) -> Price {
        Price::from_mantissa_exponent(m, e).unwrap()
    }

    #[test]
    fn prices_encode_with_all_digits_rounded_towards_the_maker() {
        // representable prices map exactly, bid or ask
        assert_eq!(encode_price(0.15, false), Some((1_500_000_000, -10)));
        assert_eq!(encode_price(0.15, true), Some((1_500_000_000, -10)));
        assert_eq!(encode_price(150.0, false), Some((1_500_000_000, -7)));
        // a third: the bid below, the ask above, one mantissa unit apart, nine-plus digits
        let (bid, ask) = (encode_price(1.0 / 3.0, false).unwrap(), encode_price(1.0 / 3.0, true).unwrap());
        assert_eq!((bid, ask), ((3_333_333_333, -10), (3_333_333_334, -10)));
        assert!(value(bid).as_f64() < 1.0 / 3.0 && value(ask).as_f64() > 1.0 / 3.0);
        // the extremes of the venue's range, and what it cannot hold
        assert_eq!(encode_price(1e-18, true), Some((1, -18)));
        assert_eq!(encode_price(4e-19, false), None);
        assert_eq!(encode_price(4e-19, true), Some((1, -18)));
        assert_eq!(encode_price(4e17, false), Some((4_000_000_000, 8)));
        assert_eq!(encode_price(5e17, false), None);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(encode_price(bad, false), None);
        }
    }

    #[test]
    fn a_ladder_straddles_the_mid_and_its_funds_are_what_the_venue_reserves() {
        let orders = ladder(0.15, 10.0, 5.0, 3, 1_000_000_000).unwrap();
        assert_eq!(orders.len(), 6);
        let bids: Vec<f64> =
            orders.iter().filter(|o| o.is_bid).map(|o| value((o.price_mantissa, o.price_exponent)).as_f64()).collect();
        let asks: Vec<f64> =
            orders.iter().filter(|o| !o.is_bid).map(|o| value((o.price_mantissa, o.price_exponent)).as_f64()).collect();
        for (k, (b, a)) in bids.iter().zip(&asks).enumerate() {
            let off = (10.0 + 5.0 * k as f64) / 10_000.0;
            assert!((b - 0.15 * (1.0 - off)).abs() < 1e-12 && (a - 0.15 * (1.0 + off)).abs() < 1e-12);
        }
        assert!(bids.windows(2).all(|w| w[0] > w[1]) && asks.windows(2).all(|w| w[0] < w[1]));
        // 0.15 · (1 − 0.001 / 0.0015 / 0.002) · 10^9 quote atoms for the bids
        assert_eq!(order_funds(&orders), Some((3_000_000_000, 149_850_000 + 149_775_000 + 149_700_000)));
        assert_eq!(ladder(0.15, 10_000.0, 0.0, 1, 1), None);
    }

    /// The BatchUpdate bytes: hint, cancels (sequence number, hint), orders with their options.
    #[test]
    fn a_batch_update_encodes_cancels_and_order_options() {
        let (t, m) = (Pubkey::new_unique(), Pubkey::new_unique());
        let cancels =
            [Cancel { sequence_number: 9, index_hint: Some(160) }, Cancel { sequence_number: 3, index_hint: None }];
        let o = Order { base_atoms: 5, price_mantissa: 149, price_exponent: -3, is_bid: false };
        let p = OrderParams { order: o, last_valid_slot: 77, order_type: OrderType::PostOnly };
        let ix = batch_update_with(&t, &m, Some(80), &cancels, &[p]);
        let mut want = vec![6, 1, 80, 0, 0, 0, 2, 0, 0, 0];
        want.extend_from_slice(&9u64.to_le_bytes());
        want.extend_from_slice(&[1, 160, 0, 0, 0]);
        want.extend_from_slice(&3u64.to_le_bytes());
        want.extend_from_slice(&[0, 1, 0, 0, 0]);
        want.extend_from_slice(&5u64.to_le_bytes());
        want.extend_from_slice(&149u32.to_le_bytes());
        want.extend_from_slice(&[0xFD, 0, 77, 0, 0, 0, 2]);
        assert_eq!(ix.data, want);
        let w = withdraw(&t, &m, &Pubkey::new_unique(), &Pubkey::new_unique(), 0x0102);
        assert_eq!(w.data, [3, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0]);
        assert!(w.accounts[0].is_signer && w.accounts[0].is_writable);
    }
}
