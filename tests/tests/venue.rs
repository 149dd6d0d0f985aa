//! The trading venue on the real VM beside the vault: Manifest's orderbook, built from its
//! published crate by `cargo xtask build-dex` (`dex/`) and loaded under its mainnet program id,
//! driven through the SDK's own encoding of its instructions (`rpv_sdk::venue`). A maker's
//! seat, deposits and first orders go in one transaction (`venue::claim_and_deposit`).
//!
//! The SDK's book and quote (`venue::decode_book`, `Book::quote_swap`) are checked against the
//! venue itself: every swap here is quoted first, then sent, and the token balances must move by
//! exactly the quoted amounts — or, when the quote says the swap's bound fails, the venue must
//! refuse it and nothing moves.

use std::collections::BTreeMap;

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use rpv_sdk::venue::{self, Book, SwapParams, SwapQuote};
use rpv_sdk::{Instruction, TOKEN_PROGRAM_ID};
use rpv_tests::Env;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// A bank with the venue beside the vault, and a market it opened for two SPL Token mints of 9
/// (base) and 6 (quote) decimals.
struct Opened {
    env: Env,
    market: Pubkey,
    base: Pubkey,
    quote: Pubkey,
    /// The market account's rent.
    rent: u64,
}

async fn open_market() -> Opened {
    let mut env = Env::with_programs(&[(venue::MANIFEST_ID, venue::default_venue_path())]).await;
    let base = env.create_mint(&TOKEN_PROGRAM_ID, 9).await;
    let quote = env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
    let market = Keypair::new();
    let payer = env.payer();
    let rent = env.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(venue::MARKET_FIXED_SIZE);
    let ixs = venue::create_market(&payer.pubkey(), &market.pubkey(), &base, &quote, rent);
    env.send(&ixs, &[&market]).await.ok();
    Opened { env, market: market.pubkey(), base, quote, rent }
}

#[tokio::test]
async fn a_market_opens_on_the_venue_built_from_its_crate() {
    let Opened { mut env, market, base, quote, rent } = open_market().await;
    let account = env.account(&market).await.expect("the market account");
    assert_eq!(account.owner, venue::MANIFEST_ID);
    let h = venue::decode_market(&account.data).expect("a Manifest market");
    assert_eq!((h.base_mint, h.quote_mint), (base, quote));
    assert_eq!((h.base_mint_decimals, h.quote_mint_decimals), (9, 6));
    assert_eq!((h.base_vault, h.quote_vault), (venue::vault(&market, &base), venue::vault(&market, &quote)));
    // its vaults are token accounts of the two mints, empty
    for (vault, mint) in [(h.base_vault, base), (h.quote_vault, quote)] {
        let v = env.account(&vault).await.expect("a vault");
        assert_eq!(v.owner, TOKEN_PROGRAM_ID);
        assert_eq!(&v.data[..32], mint.as_ref());
        assert_eq!(env.token_amount(&vault).await, 0);
    }
    // a second market for the same account is refused by the venue
    let again = venue::create_market(&env.payer().pubkey(), &market, &base, &quote, rent);
    env.send(&again[1..], &[]).await.assert_failed();
}

/// A SOL/USDC-like market (9 and 6 decimals) with a maker's bid and ask of 5 base tokens each
/// (`bid`, `ask`: price mantissa and exponent, quote atoms per base atom): `(env, market, header,
/// base mint, quote mint)`. The maker claims a seat, deposits 10 base and 2,000 quote tokens and
/// rests both orders in one transaction.
async fn market_with_quotes(bid: (u32, i8), ask: (u32, i8)) -> (Env, Pubkey, venue::MarketHeader, Pubkey, Pubkey) {
    let Opened { mut env, market: m, base, quote, .. } = open_market().await;
    let header = venue::decode_market(&env.data(&m).await.unwrap()).unwrap();
    let order = |is_bid, (price_mantissa, price_exponent): (u32, i8)| venue::Order {
        base_atoms: 5_000_000_000,
        price_mantissa,
        price_exponent,
        is_bid,
    };
    maker_with(&mut env, &m, 10_000_000_000, 2_000_000_000, &[order(true, bid), order(false, ask)]).await;
    assert_eq!(env.token_amount(&header.base_vault).await, 10_000_000_000);
    assert_eq!(env.token_amount(&header.quote_vault).await, 2_000_000_000);
    (env, m, header, base, quote)
}

#[tokio::test]
async fn a_taker_swaps_against_resting_orders_at_their_prices() {
    // bid $149, ask $151: 0.149 and 0.151 quote atoms per base atom
    let (mut env, market, header, base, quote) = market_with_quotes((149, -3), (151, -3)).await;
    let taker = env.funded_keypair().await;
    let tb = env.create_token_account(&TOKEN_PROGRAM_ID, &base, &taker.pubkey()).await;
    let tq = env.create_token_account(&TOKEN_PROGRAM_ID, &quote, &taker.pubkey()).await;
    env.mint_to(&TOKEN_PROGRAM_ID, &base, &tb, 1_000_000_000).await;
    // sell 1 base token into the bid: 149 quote tokens
    let sell = venue::swap(&taker.pubkey(), &market, &header, &tb, &tq, 1_000_000_000, 149_000_000, true);
    let out = env.send(&[sell], &[&taker]).await;
    out.ok();
    assert_eq!((env.token_amount(&tb).await, env.token_amount(&tq).await), (0, 149_000_000));
    // buy it back from the ask: 151 quote tokens for 1 base token; asking for more is refused
    env.mint_to(&TOKEN_PROGRAM_ID, &quote, &tq, 2_000_000).await;
    let greedy = venue::swap(&taker.pubkey(), &market, &header, &tb, &tq, 151_000_000, 1_000_000_001, false);
    env.send(&[greedy], &[&taker]).await.assert_failed();
    let buy = venue::swap(&taker.pubkey(), &market, &header, &tb, &tq, 151_000_000, 1_000_000_000, false);
    env.send(&[buy], &[&taker]).await.ok();
    assert_eq!((env.token_amount(&tb).await, env.token_amount(&tq).await), (1_000_000_000, 0));
    // the vaults hold what the maker put in plus the trades' net: +0 base, +2 quote tokens
    assert_eq!(env.token_amount(&header.base_vault).await, 10_000_000_000);
    assert_eq!(env.token_amount(&header.quote_vault).await, 2_002_000_000);
    println!("Manifest swap against one resting order: {} CU", out.cu);
}

/// A maker on `market`: a seat with `base_atoms` and `quote_atoms` deposited and `orders`
/// resting, all in one transaction.
async fn maker_with(
    env: &mut Env,
    market: &Pubkey,
    base_atoms: u64,
    quote_atoms: u64,
    orders: &[venue::Order],
) -> Keypair {
    let header = venue::decode_market(&env.data(market).await.expect("the market")).expect("a market");
    let maker = env.funded_keypair().await;
    let mb = env.create_token_account(&TOKEN_PROGRAM_ID, &header.base_mint, &maker.pubkey()).await;
    let mq = env.create_token_account(&TOKEN_PROGRAM_ID, &header.quote_mint, &maker.pubkey()).await;
    env.mint_to(&TOKEN_PROGRAM_ID, &header.base_mint, &mb, base_atoms).await;
    env.mint_to(&TOKEN_PROGRAM_ID, &header.quote_mint, &mq, quote_atoms).await;
    let mut ixs = venue::claim_and_deposit(&maker.pubkey(), market, &header, &mb, base_atoms, &mq, quote_atoms);
    if !orders.is_empty() {
        ixs.push(venue::batch_update(&maker.pubkey(), market, orders));
    }
    env.send(&ixs, &[&maker]).await.ok();
    maker
}

/// A seat on `market` with `base_atoms` and `quote_atoms` deposited, no orders.
async fn maker(env: &mut Env, market: &Pubkey, base_atoms: u64, quote_atoms: u64) -> Keypair {
    maker_with(env, market, base_atoms, quote_atoms, &[]).await
}

/// A taker holding `base_atoms` and `quote_atoms` in token accounts, no seat.
struct Taker {
    key: Keypair,
    base: Pubkey,
    quote: Pubkey,
}

async fn taker(env: &mut Env, base: &Pubkey, quote: &Pubkey, base_atoms: u64, quote_atoms: u64) -> Taker {
    let key = env.funded_keypair().await;
    let tb = env.create_token_account(&TOKEN_PROGRAM_ID, base, &key.pubkey()).await;
    let tq = env.create_token_account(&TOKEN_PROGRAM_ID, quote, &key.pubkey()).await;
    env.mint_to(&TOKEN_PROGRAM_ID, base, &tb, base_atoms).await;
    env.mint_to(&TOKEN_PROGRAM_ID, quote, &tq, quote_atoms).await;
    Taker { key, base: tb, quote: tq }
}

async fn book(env: &mut Env, market: &Pubkey) -> Book {
    venue::decode_book(&env.data(market).await.expect("the market")).expect("a book")
}

async fn slot(env: &mut Env) -> u64 {
    env.clock().await.slot
}

/// Quotes `p` on the book as it is, sends the swap as `t`, and checks the venue did exactly
/// that: the taker's balances moved by the quoted in and out atoms, or — the quote saying the
/// swap's bound fails — the venue refused it and nothing moved. Returns the quote and the CU.
async fn swap_as_quoted(env: &mut Env, market: &Pubkey, t: &Taker, p: SwapParams) -> (SwapQuote, u64) {
    let b = book(env, market).await;
    let q = b.quote_swap(p, slot(env).await).expect("no overflow");
    let before = (env.token_amount(&t.base).await, env.token_amount(&t.quote).await);
    let ix = venue::swap_with(&t.key.pubkey(), market, &b.header, &t.base, &t.quote, p);
    let out = env.send(&[ix], &[&t.key]).await;
    let after = (env.token_amount(&t.base).await, env.token_amount(&t.quote).await);
    if q.passes {
        out.ok();
        let (gave, got) = if p.is_base_in {
            (before.0 - after.0, after.1 - before.1)
        } else {
            (before.1 - after.1, after.0 - before.0)
        };
        assert_eq!((gave, got), (q.in_atoms, q.out_atoms), "{p:?}: venue vs quote {q:?}");
    } else {
        out.assert_failed();
        assert_eq!(after, before, "{p:?}: a refused swap moved tokens");
    }
    (q, out.cu)
}

fn exact_in(in_atoms: u64, min_out: u64, is_base_in: bool) -> SwapParams {
    SwapParams { in_atoms, out_atoms: min_out, is_base_in, is_exact_in: true }
}

fn exact_out(out_atoms: u64, max_in: u64, is_base_in: bool) -> SwapParams {
    SwapParams { in_atoms: max_in, out_atoms, is_base_in, is_exact_in: false }
}

/// `(price, base atoms)` of each order, to compare a maker's resting orders with its ladder.
fn levels<'a>(orders: impl IntoIterator<Item = &'a venue::RestingOrder>) -> Vec<(bool, u128, u64)> {
    let mut v: Vec<_> = orders.into_iter().map(|o| (o.is_bid, o.price.inner(), o.base_atoms)).collect();
    v.sort();
    v
}

fn ladder_levels(orders: &[venue::Order]) -> Vec<(bool, u128, u64)> {
    let mut v: Vec<_> = orders
        .iter()
        .map(|o| {
            let p = venue::Price::from_mantissa_exponent(o.price_mantissa, o.price_exponent).expect("a price");
            (o.is_bid, p.inner(), o.base_atoms)
        })
        .collect();
    v.sort();
    v
}

/// Two makers' ladders (three levels a side each, interleaved, sizes not round): the decoded
/// book lists them best first; then the quote equals what the venue does in each mode —
/// partial fills inside a level, a minimum out the quote says fails (refused), a maximum in the
/// quote says is too small (refused), and swaps exhausting each side.
#[tokio::test]
async fn the_sdk_quote_is_what_the_venue_does_in_all_four_modes() {
    let Opened { mut env, market, base, quote, .. } = open_market().await;
    let la = venue::ladder(0.15, 10.0, 20.0, 3, 1_234_567_891).unwrap();
    let lb = venue::ladder(0.1501, 15.0, 20.0, 3, 2_345_678_901).unwrap();
    let a = maker_with(&mut env, &market, 100_000_000_000, 20_000_000_000, &la).await;
    let b = maker_with(&mut env, &market, 100_000_000_000, 20_000_000_000, &lb).await;
    let bk = book(&mut env, &market).await;
    assert_eq!((bk.bids.len(), bk.asks.len()), (6, 6));
    assert!(bk.bids.windows(2).all(|w| w[0].price >= w[1].price));
    assert!(bk.asks.windows(2).all(|w| w[0].price <= w[1].price));
    assert!(bk.bids[0].price < bk.asks[0].price);
    let (sa, sb) = (bk.seat(&a.pubkey()).unwrap().index, bk.seat(&b.pubkey()).unwrap().index);
    assert_eq!(levels(bk.orders_of(sa)), ladder_levels(&la));
    assert_eq!(levels(bk.orders_of(sb)), ladder_levels(&lb));
    // the seats hold what the orders do not reserve
    let (fa_base, fa_quote) = venue::order_funds(&la).unwrap();
    let seat_a = bk.seat(&a.pubkey()).unwrap();
    assert_eq!(
        (seat_a.base_withdrawable, seat_a.quote_withdrawable),
        (100_000_000_000 - fa_base, 20_000_000_000 - fa_quote)
    );

    let t = taker(&mut env, &base, &quote, 1_000_000_000_000, 1_000_000_000_000).await;
    // sell a level and a half plus 7 atoms: the second fill is partial
    let x = bk.bids[0].base_atoms + bk.bids[1].base_atoms / 2 + 7;
    let q = bk.quote_swap(exact_in(x, 0, true), slot(&mut env).await).unwrap();
    assert_eq!((q.filled, q.exhausted), (2, false));
    // a minimum out one atom above the quote: refused; at the quote: filled exactly
    let (refused, _) = swap_as_quoted(&mut env, &market, &t, exact_in(x, q.out_atoms + 1, true)).await;
    assert!(!refused.passes);
    let (q1, _) = swap_as_quoted(&mut env, &market, &t, exact_in(x, q.out_atoms, true)).await;
    assert_eq!(q1, q);
    // buy with quote, exact in: about one and a half asks
    let ask_quote = |o: &venue::RestingOrder| o.price.quote_for_base(o.base_atoms, false).unwrap();
    let bk = book(&mut env, &market).await;
    let y = ask_quote(&bk.asks[0]) + ask_quote(&bk.asks[1]) / 2;
    let (q2, _) = swap_as_quoted(&mut env, &market, &t, exact_in(y, 0, false)).await;
    assert!(q2.passes && q2.filled == 2 && q2.in_atoms <= y);
    // sell base for an exact quote out; its maximum in one atom short is refused
    let want = 150_000_000;
    let q3 = book(&mut env, &market).await.quote_swap(exact_out(want, u64::MAX, true), slot(&mut env).await).unwrap();
    let (short, _) = swap_as_quoted(&mut env, &market, &t, exact_out(want, q3.in_atoms - 1, true)).await;
    assert!(!short.passes);
    let (q3, _) = swap_as_quoted(&mut env, &market, &t, exact_out(want, q3.in_atoms, true)).await;
    assert!(q3.passes && q3.out_atoms >= want);
    // buy an exact base out, inside a level
    let bk = book(&mut env, &market).await;
    let z = bk.asks[0].base_atoms + 12_345;
    let (q4, _) = swap_as_quoted(&mut env, &market, &t, exact_out(z, u64::MAX, false)).await;
    assert_eq!((q4.out_atoms, q4.filled), (z, 2));
    // the keeper's sizing: the largest sale within 15 bps of a reference 5 bps above the best
    // bid, sent with its own output as the minimum
    let bk = book(&mut env, &market).await;
    let s = slot(&mut env).await;
    let reference = bk.best(s).0.unwrap().price.as_f64() * 1.0005;
    let l = bk.max_exact_in_within_impact(true, reference, 15.0, s).unwrap();
    assert!(l.in_atoms > bk.bids[0].base_atoms, "deeper than the best bid: {l:?}");
    let (q, _) = swap_as_quoted(&mut env, &market, &t, exact_in(l.in_atoms, l.out_atoms, true)).await;
    assert!(q.passes && (q.in_atoms, q.out_atoms) == (l.in_atoms, l.out_atoms));
    assert!(q.out_atoms as f64 >= q.in_atoms as f64 * reference * (1.0 - 0.0015));
    // exhaust the bids (exact in) and the asks (exact out): the venue trades what there is
    let bk = book(&mut env, &market).await;
    let all_bids: u64 = bk.bids.iter().map(|o| o.base_atoms).sum();
    let q5 = bk.quote_swap(exact_in(all_bids + 1_000_000_000, 0, true), slot(&mut env).await).unwrap();
    let (q5b, _) = swap_as_quoted(&mut env, &market, &t, exact_in(all_bids + 1_000_000_000, q5.out_atoms, true)).await;
    assert!(q5b.passes && q5b.exhausted && q5b.in_atoms == all_bids);
    let all_asks: u64 = bk.asks.iter().map(|o| o.base_atoms).sum();
    let (q6, _) = swap_as_quoted(&mut env, &market, &t, exact_out(all_asks + 5, u64::MAX, false)).await;
    assert!(q6.passes && q6.exhausted && q6.out_atoms == all_asks);
    let bk = book(&mut env, &market).await;
    assert!(bk.bids.is_empty() && bk.asks.is_empty());
    // on an empty book: nothing trades, and a positive minimum out is refused
    let (q7, _) = swap_as_quoted(&mut env, &market, &t, exact_in(1_000, 1, true)).await;
    assert!(!q7.passes && q7.out_atoms == 0);
}

/// An order with an expiry: the venue skips it once its slot has passed (and removes it on the
/// walk); the quote skips it too.
#[tokio::test]
async fn expired_orders_are_skipped_as_the_venue_skips_them() {
    let Opened { mut env, market, base, quote, .. } = open_market().await;
    let a = maker(&mut env, &market, 10_000_000_000, 2_000_000_000).await;
    let now = slot(&mut env).await;
    let bid = |m, e| venue::Order { base_atoms: 1_000_000_000, price_mantissa: m, price_exponent: e, is_bid: true };
    let expiring = venue::OrderParams { last_valid_slot: (now + 2) as u32, ..bid(151, -3).into() };
    let ix = venue::batch_update_with(&a.pubkey(), &market, None, &[], &[expiring, bid(149, -3).into()]);
    env.send(&[ix], &[&a]).await.ok();
    let t = taker(&mut env, &base, &quote, 10_000_000_000, 0).await;
    // still valid: it fills first at 0.151
    let (q, _) = swap_as_quoted(&mut env, &market, &t, exact_in(100_000_000, 0, true)).await;
    assert_eq!((q.out_atoms, q.removed), (15_100_000, 0));
    let mut clock = env.clock().await;
    clock.slot = now + 3;
    env.ctx.set_sysvar(&clock);
    let bk = book(&mut env, &market).await;
    assert!(bk.bids[0].is_expired(now + 3) && bk.best(now + 3).0.unwrap().price == bk.bids[1].price);
    let (q, _) = swap_as_quoted(&mut env, &market, &t, exact_in(100_000_000, 0, true)).await;
    assert_eq!((q.out_atoms, q.removed, q.filled), (14_900_000, 1, 1));
    let bk = book(&mut env, &market).await;
    assert_eq!(bk.bids.len(), 1, "the venue removed the expired order on the walk");
}

/// A maker replaces its ladder in one `BatchUpdate` (its orders cancelled by sequence number,
/// the new ladder placed): the decoded book is the new ladder, the other maker's orders stay,
/// the seat holds what the new orders do not reserve; then it withdraws that balance.
#[tokio::test]
async fn a_maker_replaces_its_ladder_in_one_batch_update() {
    let Opened { mut env, market, base, .. } = open_market().await;
    let (base_in, quote_in) = (50_000_000_000, 10_000_000_000);
    let a = maker(&mut env, &market, base_in, quote_in).await;
    let b = maker(&mut env, &market, base_in, quote_in).await;
    let old = venue::ladder(0.15, 10.0, 10.0, 4, 1_000_000_000).unwrap();
    let other = venue::ladder(0.15, 50.0, 10.0, 2, 3_000_000_000).unwrap();
    env.send(&[venue::batch_update(&a.pubkey(), &market, &old)], &[&a]).await.ok();
    env.send(&[venue::batch_update(&b.pubkey(), &market, &other)], &[&b]).await.ok();
    // inside the other maker's quotes (0.14925 / 0.15075), so nothing crosses
    let new =
        venue::Ladder { half_spread_bps: 15.0, step_bps: 7.5, levels: 3, size: 2_500_000_000 }.orders(0.1503).unwrap();
    let bk = book(&mut env, &market).await;
    let ix = venue::replace_orders(&a.pubkey(), &market, &bk, &new).expect("a seat");
    let out = env.send(&[ix], &[&a]).await;
    out.ok();
    let after = book(&mut env, &market).await;
    let (sa, sb) = (after.seat(&a.pubkey()).unwrap(), after.seat(&b.pubkey()).unwrap());
    assert_eq!(levels(after.orders_of(sa.index)), ladder_levels(&new));
    assert_eq!(levels(after.orders_of(sb.index)), ladder_levels(&other));
    assert!(after.orders_of(sa.index).all(|o| o.sequence_number >= bk.next_sequence_number));
    let (fb, fq) = venue::order_funds(&new).unwrap();
    assert_eq!((sa.base_withdrawable, sa.quote_withdrawable), (base_in - fb, quote_in - fq));
    println!("BatchUpdate cancelling 8 orders and placing 6: {} CU", out.cu);
    // a maker without a seat has nothing to replace
    assert!(venue::replace_orders(&Pubkey::new_unique(), &market, &after, &new).is_none());
    // it withdraws its free base
    let to = env.create_token_account(&TOKEN_PROGRAM_ID, &base, &a.pubkey()).await;
    env.send(&[venue::withdraw(&a.pubkey(), &market, &base, &to, sa.base_withdrawable)], &[&a]).await.ok();
    assert_eq!(env.token_amount(&to).await, base_in - fb);
    assert_eq!(book(&mut env, &market).await.seat(&a.pubkey()).unwrap().base_withdrawable, 0);
}

/// Seeded random books and swaps: three makers re-quote ladders of random depth, spread and size
/// around a moving mid (each reads the book and sends one replacing `BatchUpdate`, some orders
/// expiring; the mid moves at most 5 bps a round and the makers' mids differ by at most 3 bps,
/// so a new ladder never crosses an old one and the book after is exactly the ladders), then random
/// swaps in random modes and sizes (up to past the whole side) with bounds at, one atom beyond,
/// or far from the quote; every one is compared with the venue. Prints the swap's compute units
/// per orders touched.
#[tokio::test]
async fn random_books_and_swaps_quote_exactly() {
    let Opened { mut env, market, base, quote, .. } = open_market().await;
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut pick = move |n: u64| rng.next_u64() % n;
    let mut makers = Vec::new();
    for _ in 0..3 {
        makers.push(maker(&mut env, &market, 1_000_000_000_000, 200_000_000_000).await);
    }
    let t = taker(&mut env, &base, &quote, 10_000_000_000_000, 10_000_000_000_000).await;
    let mut cu: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    let (mut swaps, mut refused, mut exhausted) = (0, 0, 0);
    let mut mid = 0.15;
    for round in 0..50 {
        mid *= 1.0 + (pick(11) as f64 - 5.0) / 10_000.0;
        let now = slot(&mut env).await;
        let mut want = Vec::new();
        for m in &makers {
            let bk = book(&mut env, &market).await;
            let l = venue::Ladder {
                half_spread_bps: 10.0 + pick(30) as f64,
                step_bps: 1.0 + pick(30) as f64,
                levels: 1 + pick(4) as usize,
                size: 1_000_000 + pick(5_000_000_000),
            };
            let own_mid = mid * (1.0 + (pick(7) as f64 - 3.0) / 10_000.0);
            let orders = l.orders(own_mid).unwrap();
            // some orders expire two slots from now
            let params: Vec<venue::OrderParams> = orders
                .iter()
                .map(|&o| venue::OrderParams {
                    last_valid_slot: if pick(4) == 0 { (now + 2) as u32 } else { 0 },
                    ..o.into()
                })
                .collect();
            let ix: Instruction = venue::replace_orders(&m.pubkey(), &market, &bk, &params).unwrap();
            env.send(&[ix], &[m]).await.ok();
            want.push(orders);
        }
        let after = book(&mut env, &market).await;
        for (m, orders) in makers.iter().zip(&want) {
            let seat = after.seat(&m.pubkey()).unwrap();
            assert_eq!(levels(after.orders_of(seat.index)), ladder_levels(orders), "round {round}");
        }
        if round % 3 == 2 {
            let mut clock = env.clock().await;
            clock.slot = now + 3;
            env.ctx.set_sysvar(&clock);
        }
        for _ in 0..4 {
            let bk = book(&mut env, &market).await;
            let s = slot(&mut env).await;
            let (is_base_in, is_exact_in) = (pick(2) == 0, pick(2) == 0);
            let taker_buys = !is_base_in;
            let side = bk.side(taker_buys);
            let base_depth: u64 = side.iter().filter(|o| !o.is_expired(s)).map(|o| o.base_atoms).sum::<u64>().max(1);
            let quote_depth: u64 = side
                .iter()
                .filter(|o| !o.is_expired(s))
                .map(|o| o.price.quote_for_base(o.base_atoms, false).unwrap())
                .sum::<u64>()
                .max(1);
            // the amount asked: of the base side or the quote side, up to 130 % of the book
            let base_side = is_base_in == is_exact_in;
            let depth = if base_side { base_depth } else { quote_depth };
            let amount = 1 + depth / 100 * pick(131);
            let loose =
                if is_exact_in { exact_in(amount, 0, is_base_in) } else { exact_out(amount, u64::MAX, is_base_in) };
            let q = bk.quote_swap(loose, s).unwrap();
            let p = match pick(3) {
                0 => loose,
                1 if is_exact_in => exact_in(amount, q.out_atoms, is_base_in),
                1 => exact_out(amount, q.in_atoms, is_base_in),
                _ if is_exact_in => exact_in(amount, q.out_atoms + 1, is_base_in),
                _ => exact_out(amount, q.in_atoms.saturating_sub(1), is_base_in),
            };
            let (q, used) = swap_as_quoted(&mut env, &market, &t, p).await;
            swaps += 1;
            refused += usize::from(!q.passes);
            exhausted += usize::from(q.exhausted);
            if q.passes {
                cu.entry(q.orders_touched()).or_default().push(used);
            }
        }
    }
    assert!(refused > 0 && refused < swaps && exhausted > 0, "{refused} refused, {exhausted} exhausted of {swaps}");
    println!(
        "{swaps} random swaps equal to their quotes ({refused} refused by their bound, {exhausted} exhausting a side)"
    );
    println!("Manifest swap compute units by orders touched (filled or removed):");
    for (touched, v) in &cu {
        let (lo, hi) = (v.iter().min().unwrap(), v.iter().max().unwrap());
        println!("  {touched:>2} orders: {lo:>6}..{hi:>6} CU ({} swaps)", v.len());
    }
}
