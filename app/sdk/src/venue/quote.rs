//! What Manifest's `Swap` does against a decoded [`Book`]: the venue's arithmetic, tested
//! against the venue (`tests/tests/venue.rs` compares every quote with the token balances the
//! real program moves, in all four modes, on random books).
//!
//! The swap (Manifest 2.0.1, `processor/swap.rs`) sizes one immediate-or-cancel order in base
//! atoms, then matches it against the other side from the best order on:
//!
//! | mode | order's base atoms |
//! |---|---|
//! | exact in, base in | `in_atoms` |
//! | exact in, quote in | base that `in_atoms` of quote buys walking the asks (`impact_base_atoms`) |
//! | exact out, base in | base that yields `out_atoms` of quote walking the bids |
//! | exact out, quote in | `out_atoms` |
//!
//! Each fill trades `min(remaining, order)` base atoms at the resting order's price; its quote
//! atoms are `base · price` rounded in the taker's favour when the resting order is filled
//! whole (a seller receives the quote rounded up, a buyer pays it rounded down) and in the
//! maker's favour when it is filled in part (the last fill). Expired and empty orders are
//! skipped (the venue removes them on the way). When the side runs out the swap trades what
//! there was: "exact" in or out is then not met, and only the bound decides — exact in: at
//! least `out_atoms` out; exact out: at most `in_atoms` in (a taker without a seat on the market
//! can never give more than `in_atoms`, which the venue credits before matching).
//!
//! Not modelled (none of them arises for a taker without a seat trading SPL Token mints
//! against limit orders): a taker's own seat balances and self-trades, global orders beyond the
//! first (matching stops there, see [`Book`]), and the free-block check after a reverse order
//! is re-rested. The venue also checks that an exact-in trader's wallet holds `in_atoms`.

use super::{Book, OrderType, Price, RestingOrder, SwapParams};

/// A swap's outcome on the venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapQuote {
    /// Atoms the trader gives (base when `is_base_in`, else quote), as the venue transfers them.
    pub in_atoms: u64,
    /// Atoms the trader receives.
    pub out_atoms: u64,
    /// Base atoms of the order the swap places (its size before matching, per mode).
    pub order_base_atoms: u64,
    /// Whether the venue accepts it: the trade stays within `in_atoms` and meets the swap's own
    /// bound (exact in: `out_atoms` at least the minimum; exact out: `in_atoms` at most the
    /// maximum). `false`: the transaction fails (nothing moves).
    pub passes: bool,
    /// Resting orders filled (in whole or in part).
    pub filled: usize,
    /// Expired or empty orders the walk removes.
    pub removed: usize,
    /// The side ran out before the order was filled.
    pub exhausted: bool,
}

impl SwapQuote {
    /// Orders the swap touches (filled or removed), what its compute cost grows with.
    pub fn orders_touched(&self) -> usize {
        self.filled + self.removed
    }

    /// Average price, quote atoms per base atom (`None` when nothing trades).
    pub fn average_price(&self, is_base_in: bool) -> Option<f64> {
        let (base, quote) = if is_base_in { (self.in_atoms, self.out_atoms) } else { (self.out_atoms, self.in_atoms) };
        (base > 0).then(|| quote as f64 / base as f64)
    }
}

/// The venue fails the swap on an arithmetic overflow (amounts beyond `u64` atoms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapOverflow;

impl std::fmt::Display for SwapOverflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the swap overflows the venue's arithmetic: use a smaller amount")
    }
}

impl std::error::Error for SwapOverflow {}

/// A walk's totals.
#[derive(Default)]
struct Fills {
    base: u64,
    quote: u64,
    filled: usize,
    removed: usize,
    remaining: u64,
}

/// The live orders a taker's walk reaches at `slot`: the side best first, expired ones skipped,
/// up to the first global order (no global accounts are passed, so the venue stops there).
fn reachable(side: &[RestingOrder], slot: u64) -> impl Iterator<Item = &RestingOrder> {
    side.iter().filter(move |o| !o.is_expired(slot)).take_while(|o| o.order_type != OrderType::Global)
}

/// Quote atoms of one fill: in the taker's favour on a whole order, the maker's on a part.
fn fill_quote(o: &RestingOrder, base: u64, taker_buys: bool, whole: bool) -> Result<u64, SwapOverflow> {
    o.price.quote_for_base(base, taker_buys != whole).ok_or(SwapOverflow)
}

impl Book {
    /// Base atoms that `limit_quote` quote atoms buy (`taker_buys`, walking the asks) or that
    /// yield them (walking the bids): the venue's `impact_base_atoms`.
    fn impact_base_atoms(&self, taker_buys: bool, limit_quote: u64, slot: u64) -> Result<u64, SwapOverflow> {
        let (mut total, mut remaining) = (0u64, limit_quote);
        for o in reachable(self.side(taker_buys), slot) {
            let limit = o.price.base_for_quote(remaining, !taker_buys).ok_or(SwapOverflow)?;
            let whole = limit >= o.base_atoms;
            let base = o.base_atoms.min(limit);
            let quote = fill_quote(o, base, taker_buys, whole)?;
            total = total.checked_add(base).ok_or(SwapOverflow)?;
            if !whole {
                break;
            }
            remaining = remaining.checked_sub(quote).ok_or(SwapOverflow)?;
            if remaining == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// An immediate-or-cancel order of `base_atoms` matched against the book.
    fn match_order(&self, taker_buys: bool, base_atoms: u64, slot: u64) -> Result<Fills, SwapOverflow> {
        let mut f = Fills { remaining: base_atoms, ..Fills::default() };
        for o in self.side(taker_buys) {
            if f.remaining == 0 {
                break;
            }
            if o.is_expired(slot) || o.base_atoms == 0 {
                f.removed += 1;
                continue;
            }
            if o.order_type == OrderType::Global {
                break;
            }
            // the swap's own price is the venue's extreme, so only a zero bid stops it
            if !taker_buys && o.price < Price::MIN {
                break;
            }
            let whole = f.remaining >= o.base_atoms;
            let base = if whole { o.base_atoms } else { f.remaining };
            let quote = fill_quote(o, base, taker_buys, whole)?;
            f.base = f.base.checked_add(base).ok_or(SwapOverflow)?;
            f.quote = f.quote.checked_add(quote).ok_or(SwapOverflow)?;
            f.filled += 1;
            f.remaining -= base;
        }
        Ok(f)
    }

    /// What `Swap` with `p` does at `slot` for a trader without a seat on the market: the
    /// venue's arithmetic, tested against the venue.
    pub fn quote_swap(&self, p: SwapParams, slot: u64) -> Result<SwapQuote, SwapOverflow> {
        let taker_buys = !p.is_base_in;
        let order_base_atoms = match (p.is_exact_in, p.is_base_in) {
            (true, true) => p.in_atoms,
            (true, false) => self.impact_base_atoms(true, p.in_atoms, slot)?,
            (false, true) => self.impact_base_atoms(false, p.out_atoms, slot)?,
            (false, false) => p.out_atoms,
        };
        let f = self.match_order(taker_buys, order_base_atoms, slot)?;
        let (in_atoms, out_atoms) = if p.is_base_in { (f.base, f.quote) } else { (f.quote, f.base) };
        let within_credit = in_atoms <= p.in_atoms;
        let bound = if p.is_exact_in { out_atoms >= p.out_atoms } else { in_atoms <= p.in_atoms };
        Ok(SwapQuote {
            in_atoms,
            out_atoms,
            order_base_atoms,
            passes: within_credit && bound,
            filled: f.filled,
            removed: f.removed,
            exhausted: f.remaining > 0,
        })
    }

    /// Sizing for a keeper: the largest exact-in swap (base in: selling base; else buying base
    /// with quote) whose average execution price stays within `max_impact_bps` of `reference`
    /// (quote atoms per base atom, the oracle): a seller gets at least `reference · (1 − bps)`
    /// per base atom on average, a buyer pays at most `reference · (1 + bps)`.
    ///
    /// The trade's size in value is [`ImpactLimit::value`]: its base atoms at the reference
    /// price, in quote atoms — the `max_value` a keeper passes the vault when the vault's base
    /// is this market's quote. Found by bisection on [`Book::quote_swap`] itself: the answer
    /// meets the bound as the venue rounds; the average worsens with size except for the one
    /// atom a partial fill rounds, so a trade a few atoms larger may also meet it.
    pub fn max_exact_in_within_impact(
        &self,
        is_base_in: bool,
        reference: f64,
        max_impact_bps: f64,
        slot: u64,
    ) -> Result<ImpactLimit, SwapOverflow> {
        let params = |in_atoms| SwapParams { in_atoms, out_atoms: 0, is_base_in, is_exact_in: true };
        let bound = reference * (1.0 + if is_base_in { -max_impact_bps } else { max_impact_bps } / 10_000.0);
        let within = |q: &SwapQuote| match q.average_price(is_base_in) {
            None => true,
            Some(avg) if is_base_in => avg >= bound,
            Some(avg) => avg <= bound,
        };
        // everything the side can take: its base (selling), the quote of its whole orders (buying)
        let mut hi = 0u64;
        for o in reachable(self.side(!is_base_in), slot) {
            let add = if is_base_in {
                o.base_atoms
            } else {
                o.price.quote_for_base(o.base_atoms, false).ok_or(SwapOverflow)?
            };
            hi = hi.checked_add(add).ok_or(SwapOverflow)?;
        }
        let (mut lo, mut best) = (0u64, self.quote_swap(params(0), slot)?);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let q = self.quote_swap(params(mid), slot)?;
            if within(&q) {
                (lo, best) = (mid, q);
            } else {
                hi = mid - 1;
            }
        }
        let base_atoms = if is_base_in { best.in_atoms } else { best.out_atoms };
        Ok(ImpactLimit {
            in_atoms: best.in_atoms,
            out_atoms: best.out_atoms,
            value: (base_atoms as f64 * reference).floor() as u64,
            average_price: best.average_price(is_base_in),
        })
    }
}

/// The largest trade within a price-impact bound ([`Book::max_exact_in_within_impact`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImpactLimit {
    /// Atoms given (base when selling, quote when buying), as the venue would take them.
    pub in_atoms: u64,
    /// Atoms received.
    pub out_atoms: u64,
    /// The trade's base atoms at the reference price, quote atoms (rounded down).
    pub value: u64,
    /// Quote atoms per base atom on average (`None`: nothing within the bound trades).
    pub average_price: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::{MarketHeader, OrderType};
    use crate::Pubkey;

    fn order(price: (u32, i8), base_atoms: u64, is_bid: bool, seq: u64) -> RestingOrder {
        RestingOrder {
            index: 0,
            price: Price::from_mantissa_exponent(price.0, price.1).unwrap(),
            base_atoms,
            sequence_number: seq,
            trader_index: 0,
            last_valid_slot: 0,
            is_bid,
            order_type: OrderType::Limit,
            reverse_spread: 0,
        }
    }

    /// Bids 10 @ 1.15, 10 @ 1.10; asks 10 @ 1.15, 10 @ 1.20 (quote atoms per base atom).
    fn book(size: u64) -> Book {
        let header = MarketHeader {
            base_mint_decimals: 0,
            quote_mint_decimals: 0,
            base_mint: Pubkey::default(),
            quote_mint: Pubkey::default(),
            base_vault: Pubkey::default(),
            quote_vault: Pubkey::default(),
        };
        Book {
            header,
            next_sequence_number: 4,
            bids: vec![order((115, -2), size, true, 0), order((110, -2), size, true, 1)],
            asks: vec![order((115, -2), size, false, 2), order((120, -2), size, false, 3)],
            seats: vec![],
            has_free_block: true,
        }
    }

    fn swap(in_atoms: u64, out_atoms: u64, is_base_in: bool, is_exact_in: bool) -> SwapParams {
        SwapParams { in_atoms, out_atoms, is_base_in, is_exact_in }
    }

    /// The four modes by hand: a whole order's quote rounds for the taker (a seller gets 11.5
    /// as 12, a buyer pays it as 11), the last, partial one for the maker.
    #[test]
    fn four_modes_round_as_the_venue() {
        let b = book(10);
        let q = |p| b.quote_swap(p, 0).unwrap();
        // sell 15 base: 10 @ 1.15 → 12 (up), 5 @ 1.10 → 5 (5.5 down)
        let sell = q(swap(15, 17, true, true));
        assert_eq!((sell.in_atoms, sell.out_atoms, sell.filled, sell.passes, sell.exhausted), (15, 17, 2, true, false));
        assert!(!q(swap(15, 18, true, true)).passes);
        // buy 15 base exact out: 10 @ 1.15 → 11 (down), 5 @ 1.20 → 6
        let buy = q(swap(17, 15, false, false));
        assert_eq!((buy.in_atoms, buy.out_atoms, buy.order_base_atoms, buy.passes), (17, 15, 15, true));
        assert!(!q(swap(16, 15, false, false)).passes);
        // 17 quote in buys 14 → 10 whole (11 quote), 6 left buys 5 @ 1.20
        let qin = q(swap(17, 15, false, true));
        assert_eq!((qin.in_atoms, qin.out_atoms, qin.order_base_atoms, qin.passes), (17, 15, 15, true));
        // 17 quote out: ceil(17 / 1.15) = 15 ≥ 10 whole (12 quote), 5 left: ceil(5 / 1.1) = 5
        let qout = q(swap(15, 17, true, false));
        assert_eq!((qout.in_atoms, qout.out_atoms, qout.order_base_atoms, qout.passes), (15, 17, 15, true));
        assert!(!q(swap(14, 17, true, false)).passes);
        // exhausting the bids: 20 of 25 base trade for 12 + 11
        let all = q(swap(25, 23, true, true));
        assert_eq!((all.in_atoms, all.out_atoms, all.exhausted, all.passes), (20, 23, true, true));
        assert!(!q(swap(25, 24, true, true)).passes);
        // exact out on an exhausted side passes if within the maximum in (the venue's "desired")
        let over = q(swap(1_000, 50, false, false));
        assert_eq!((over.in_atoms, over.out_atoms, over.exhausted, over.passes), (23, 20, true, true));
    }

    #[test]
    fn expired_orders_are_skipped_and_global_ones_stop_the_walk() {
        let mut b = book(10);
        b.bids[0].last_valid_slot = 5;
        let q = b.quote_swap(swap(10, 0, true, true), 6).unwrap();
        assert_eq!((q.out_atoms, q.filled, q.removed), (11, 1, 1));
        let q = b.quote_swap(swap(10, 0, true, true), 5).unwrap();
        assert_eq!((q.out_atoms, q.filled, q.removed), (12, 1, 0));
        b.bids[0].last_valid_slot = 0;
        b.bids[1].order_type = OrderType::Global;
        let q = b.quote_swap(swap(15, 0, true, true), 0).unwrap();
        assert_eq!((q.in_atoms, q.out_atoms, q.exhausted), (10, 12, true));
    }

    /// Selling into bids of 1,000 @ 1.15 and 1,000 @ 1.10 with the reference at 1.15: within
    /// 200 bps (average ≥ 1.127) about 1,850 base (1150 + 1.1·(x − 1000) ≥ 1.127·x; the partial
    /// fill's quote rounded down makes the average jitter around the bound by an atom); within
    /// 300 bps all of it.
    #[test]
    fn the_largest_trade_within_an_impact_bound() {
        let b = book(1_000);
        let l = b.max_exact_in_within_impact(true, 1.15, 200.0, 0).unwrap();
        assert!((1_800..=1_851).contains(&l.in_atoms), "{l:?}");
        let q = b.quote_swap(swap(l.in_atoms, 0, true, true), 0).unwrap();
        assert_eq!((q.in_atoms, q.out_atoms), (l.in_atoms, l.out_atoms));
        assert!(l.out_atoms as f64 >= l.in_atoms as f64 * 1.15 * 0.98);
        assert_eq!(l.value, (l.in_atoms as f64 * 1.15).floor() as u64);
        let next = b.quote_swap(swap(1_852, 0, true, true), 0).unwrap();
        assert!(next.average_price(true).unwrap() < 1.15 * 0.98);
        let l = b.max_exact_in_within_impact(true, 1.15, 300.0, 0).unwrap();
        assert_eq!((l.in_atoms, l.out_atoms), (2_000, 2_250));
        // buying with the reference at 1.15: within 200 bps (≤ 1.173) → 1,000 @ 1.15 and x @ 1.2
        // with 1150 + 1.2x ≤ 1.173 (1000 + x): x ≤ 851 (1,021.2 quote, paid as 1,022 partial)
        let l = b.max_exact_in_within_impact(false, 1.15, 200.0, 0).unwrap();
        let q = b.quote_swap(swap(l.in_atoms, 0, false, true), 0).unwrap();
        assert_eq!((q.in_atoms, q.out_atoms), (l.in_atoms, l.out_atoms));
        assert!(l.average_price.unwrap() <= 1.15 * 1.02);
        let more = b.quote_swap(swap(2_200, 0, false, true), 0).unwrap();
        assert!(more.average_price(false).unwrap() > 1.15 * 1.02);
        assert_eq!(l.value, (l.out_atoms as f64 * 1.15).floor() as u64);
        assert!((1_800..=1_851).contains(&l.out_atoms), "{l:?}");
        // nothing within a bound tighter than the best order
        let l = b.max_exact_in_within_impact(true, 1.30, 10.0, 0).unwrap();
        assert_eq!((l.in_atoms, l.out_atoms, l.average_price), (0, 0, None));
    }
}
