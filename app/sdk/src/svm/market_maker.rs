//! Markets for a sandbox (the demo's, the keeper's tests): one Manifest market per spot asset against the vault's base, on the
//! embedded SVM beside the vault (the venue's `.so` from `cargo xtask build-dex`), and the
//! market-making bot that keeps each of them near the oracle — after every price move it
//! cancels its ladder and rests a new one around the new oracle price, in one `BatchUpdate`
//! per market. The books are of finite depth: `levels` orders a side, `depth_per_level` of
//! value each, so a large trade walks the book and pays for it.

use std::{collections::BTreeMap, path::Path};

use crate::{flash::Route, svm::LocalSvm, venue, Pubkey};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The bot's quoting parameters.
#[derive(Clone, Copy, Debug)]
pub struct Quoting {
    /// Distance of the best bid and ask from the oracle, bps.
    pub half_spread_bps: f64,
    /// Distance between consecutive levels, bps.
    pub step_bps: f64,
    pub levels: usize,
    /// Value of each order, base units.
    pub depth_per_level: u64,
}

/// One spot asset's market.
pub struct Market {
    /// The asset's slot in the vault.
    pub slot: usize,
    pub route: Route,
    pub decimals: u8,
}

/// The bot and its markets.
pub struct MarketMaker {
    pub kp: Keypair,
    pub markets: Vec<Market>,
    pub quoting: Quoting,
    base_decimals: u8,
}

fn sent(what: &str) -> impl Fn(crate::svm::Failed) -> String + '_ {
    move |f| format!("{what} failed: {}", f.summary())
}

/// Loads the venue's program into `svm` under its id.
pub fn load_venue(svm: &mut LocalSvm, so: &Path) -> Result<(), String> {
    let elf = std::fs::read(so)
        .map_err(|e| format!("cannot read the venue {}: {e} (build it with `cargo xtask build-dex`)", so.display()))?;
    svm.add_program(venue::MANIFEST_ID, &elf).map_err(|e| format!("loading {}: {e:?}", so.display()))
}

impl MarketMaker {
    /// Opens a market for each `(slot, mint, decimals)` against `base_mint` and funds the bot's
    /// seat on each with `inventory` base units' worth of both sides at `prices` (mantissa at
    /// exponent −8).
    pub fn open(
        svm: &mut LocalSvm,
        base_mint: &Pubkey,
        base_decimals: u8,
        assets: &[(usize, Pubkey, u8, i64)],
        quoting: Quoting,
        inventory: u64,
    ) -> Result<Self, String> {
        let kp = Keypair::new();
        svm.fund(&kp.pubkey(), 100_000_000_000)?;
        let quote_account = svm.token_account(base_mint, &kp.pubkey(), inventory * assets.len() as u64)?;
        let rent = svm.minimum_balance_for_rent_exemption(venue::MARKET_FIXED_SIZE);
        let mut markets = Vec::new();
        for &(slot, mint, decimals, price) in assets {
            let market = Keypair::new();
            let ixs = venue::create_market(&kp.pubkey(), &market.pubkey(), &mint, base_mint, rent);
            svm.send(&ixs, &[&kp, &market]).map_err(sent("create the market"))?;
            let header = venue::decode_market(&svm.data(&market.pubkey())).ok_or("not a market")?;
            let tokens = (inventory as f64 / venue::atom_price(price, -8, decimals, base_decimals)) as u64;
            let base_account = svm.token_account(&mint, &kp.pubkey(), tokens)?;
            let m = market.pubkey();
            let ixs =
                venue::claim_and_deposit(&kp.pubkey(), &m, &header, &base_account, tokens, &quote_account, inventory);
            svm.send(&ixs, &[&kp]).map_err(sent("fund the maker's seat"))?;
            markets.push(Market { slot, route: Route { market: m, header }, decimals });
        }
        Ok(Self { kp, markets, quoting, base_decimals })
    }

    /// The markets by the asset's mint, as the keeper's `[markets]` configuration.
    pub fn routes(&self) -> BTreeMap<Pubkey, Pubkey> {
        self.markets.iter().map(|m| (m.route.header.base_mint, m.route.market)).collect()
    }

    /// Re-quotes every market around its asset's price now (`prices[slot]`, mantissa at
    /// exponent −8): the bot's orders cancelled and a new ladder rested, one instruction each.
    /// The ladder shrinks to what the seat still holds when fills have used one side up.
    pub fn requote(&self, svm: &mut LocalSvm, prices: &[i64]) -> Result<(), String> {
        let q = self.quoting;
        for m in &self.markets {
            let mid = venue::atom_price(prices[m.slot], -8, m.decimals, self.base_decimals);
            let book = venue::decode_book(&svm.data(&m.route.market)).map_err(|e| format!("book: {e}"))?;
            let seat = book.seat(&self.kp.pubkey()).ok_or("the maker has no seat")?;
            // what the seat holds once its orders are cancelled: free balances + what rests
            let (mut base, mut quote) = (seat.base_withdrawable, seat.quote_withdrawable);
            for o in book.orders_of(seat.index) {
                if o.is_bid {
                    quote += o.price.quote_for_base(o.base_atoms, true).unwrap_or(0);
                } else {
                    base += o.base_atoms;
                }
            }
            let size = (q.depth_per_level as f64 / mid) as u64;
            let mut levels = q.levels;
            let orders = loop {
                let orders = venue::ladder(mid, q.half_spread_bps, q.step_bps, levels, size).ok_or("ladder price")?;
                match venue::order_funds(&orders) {
                    Some((b, qt)) if b <= base && qt <= quote => break orders,
                    _ if levels > 1 => levels -= 1,
                    _ => return Err(format!("the maker's seat on market {} is empty", m.route.market)),
                }
            };
            let ix = venue::replace_orders(&self.kp.pubkey(), &m.route.market, &book, &orders).ok_or("no seat")?;
            svm.send(&[crate::cu::limit_to(1_400_000), ix], &[&self.kp]).map_err(sent("re-quote"))?;
        }
        Ok(())
    }
}

/// The venue on the embedded SVM the demo runs ([`crate::svm::LocalSvm`]): a maker opens in
/// one transaction (seat, deposits, ladder), and a taker's swaps move exactly what
/// [`Book::quote_swap`] says.
#[cfg(test)]
mod on_the_embedded_svm {
    use crate::{spl, svm::LocalSvm, venue::*, Pubkey};
    use solana_clock::Clock;
    use solana_keypair::Keypair;
    use solana_signer::Signer;

    #[test]
    fn a_maker_opens_in_one_transaction_and_swaps_move_what_the_book_quotes() {
        let mut s = LocalSvm::load(&crate::default_program_path()).unwrap();
        s.svm.add_program(MANIFEST_ID, &std::fs::read(default_venue_path()).expect("cargo xtask build-dex")).unwrap();
        let (base, quote) = (s.create_mint(9).unwrap(), s.create_mint(6).unwrap());
        let market = Keypair::new();
        let rent = s.svm.minimum_balance_for_rent_exemption(MARKET_FIXED_SIZE);
        let payer = s.payer.pubkey();
        s.send(&create_market(&payer, &market.pubkey(), &base, &quote, rent), &[&market]).unwrap();
        let m = market.pubkey();
        let header = decode_market(&s.data(&m)).unwrap();
        let orders = ladder(0.15, 10.0, 10.0, 3, 1_234_567_891).unwrap();
        let (need_base, need_quote) = order_funds(&orders).unwrap();
        let maker = Keypair::new();
        s.fund(&maker.pubkey(), 1_000_000_000).unwrap();
        let mb = s.token_account(&base, &maker.pubkey(), need_base).unwrap();
        let mq = s.token_account(&quote, &maker.pubkey(), need_quote).unwrap();
        let mut ixs = claim_and_deposit(&maker.pubkey(), &m, &header, &mb, need_base, &mq, need_quote);
        ixs.push(batch_update(&maker.pubkey(), &m, &orders));
        s.send(&ixs, &[&maker]).unwrap();
        let book = decode_book(&s.data(&m)).unwrap();
        let seat = *book.seat(&maker.pubkey()).unwrap();
        assert_eq!((book.bids.len(), book.asks.len(), book.orders_of(seat.index).count()), (3, 3, 6));
        assert_eq!((seat.base_withdrawable, seat.quote_withdrawable), (0, 0));

        let taker = Keypair::new();
        s.fund(&taker.pubkey(), 1_000_000_000).unwrap();
        let tb = s.token_account(&base, &taker.pubkey(), 10_000_000_000).unwrap();
        let tq = s.token_account(&quote, &taker.pubkey(), 1_000_000_000).unwrap();
        let amount = |s: &LocalSvm, k: &Pubkey| spl::amount(&s.data(k));
        for p in [
            SwapParams { in_atoms: 2_000_000_000, out_atoms: 0, is_base_in: true, is_exact_in: true },
            SwapParams { in_atoms: 400_000_000, out_atoms: 0, is_base_in: false, is_exact_in: true },
            SwapParams { in_atoms: u64::MAX, out_atoms: 1_500_000_000, is_base_in: false, is_exact_in: false },
            SwapParams { in_atoms: u64::MAX, out_atoms: 100_000_000, is_base_in: true, is_exact_in: false },
        ] {
            let q = decode_book(&s.data(&m)).unwrap().quote_swap(p, s.svm.get_sysvar::<Clock>().slot).unwrap();
            let before = (amount(&s, &tb), amount(&s, &tq));
            s.send(&[swap_with(&taker.pubkey(), &m, &header, &tb, &tq, p)], &[&taker]).unwrap();
            let after = (amount(&s, &tb), amount(&s, &tq));
            let moved = if p.is_base_in {
                (before.0 - after.0, after.1 - before.1)
            } else {
                (before.1 - after.1, after.0 - before.0)
            };
            assert!(q.passes && q.filled > 0);
            assert_eq!(moved, (q.in_atoms, q.out_atoms), "{p:?}");
        }
    }
}
