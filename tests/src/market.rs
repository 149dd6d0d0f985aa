//! The venue beside the vault: Manifest markets for a fixture's assets against its base, with
//! makers resting ladders of orders around the oracle, all on the real programs.

use rpv_sdk::{flash::Route, venue, TOKEN_PROGRAM_ID};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{Env, Fixture, Keeper};

/// A bank with the vault's and the venue's `.so` (the venue from `cargo xtask build-dex`).
pub async fn env_with_venue() -> Env {
    Env::with_programs(&[(venue::MANIFEST_ID, venue::default_venue_path())]).await
}

/// A ladder of resting orders around a mid price: `levels` orders per side of `size` base
/// atoms, the first `half_spread_bps` from the mid, each next one `step_bps` further.
#[derive(Clone, Copy, Debug)]
pub struct Ladder {
    pub half_spread_bps: f64,
    pub step_bps: f64,
    pub levels: usize,
    /// Base atoms per order.
    pub size: u64,
}

/// A price in quote atoms per base atom as Manifest's mantissa and exponent, nine significant
/// digits, rounded towards the maker (bids down, asks up).
pub fn manifest_price(p: f64, is_bid: bool) -> (u32, i8) {
    let exponent = p.log10().floor() as i32 - 8;
    let scaled = p / 10f64.powi(exponent);
    let mantissa = if is_bid { scaled.floor() } else { scaled.ceil() };
    (mantissa as u32, exponent as i8)
}

impl Fixture {
    /// Asset `i`'s oracle mid in quote (base-currency) atoms per atom of the asset.
    pub fn atom_price(&self, i: usize) -> f64 {
        let a = &self.assets[i];
        a.price as f64 * 10f64.powi(a.expo) * 10f64.powi(i32::from(self.base_decimals) - i32::from(a.decimals))
    }

    /// Opens a Manifest market for asset `i` (base) against the vault's base mint (quote).
    pub async fn open_market(&mut self, i: usize) -> Route {
        let market = Keypair::new();
        let payer = self.env.payer();
        let rent = self.env.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(venue::MARKET_FIXED_SIZE);
        let ixs = venue::create_market(&payer.pubkey(), &market.pubkey(), &self.assets[i].mint, &self.base_mint, rent);
        self.env.send(&ixs, &[&market]).await.ok();
        let header = venue::decode_market(&self.env.data(&market.pubkey()).await.expect("market")).expect("a market");
        Route { market: market.pubkey(), header }
    }

    /// A maker who claims a seat on `route`'s market, deposits what `ladder` needs on both
    /// sides and rests it around `mid` (quote atoms per base atom). Returns the maker.
    pub async fn make_market(&mut self, i: usize, route: &Route, mid: f64, ladder: Ladder) -> Keypair {
        let maker = self.env.funded_keypair().await;
        let m = route.market;
        let base_atoms = ladder.size * ladder.levels as u64;
        let quote_atoms = (base_atoms as f64 * mid * 1.2).ceil() as u64;
        let mb = self.asset_account(i, &maker.pubkey(), base_atoms).await;
        let mq = self.env.create_token_account(&TOKEN_PROGRAM_ID, &self.base_mint, &maker.pubkey()).await;
        let bm = self.base_mint;
        self.env.mint_to(&TOKEN_PROGRAM_ID, &bm, &mq, quote_atoms).await;
        // one transaction each (see tests/tests/venue.rs)
        for ix in [
            venue::claim_seat(&maker.pubkey(), &m),
            venue::deposit(&maker.pubkey(), &m, &self.assets[i].mint, &mb, base_atoms),
            venue::deposit(&maker.pubkey(), &m, &self.base_mint, &mq, quote_atoms),
        ] {
            self.env.send(&[ix], &[&maker]).await.ok();
        }
        let mut orders = Vec::new();
        for k in 0..ladder.levels {
            let off = (ladder.half_spread_bps + k as f64 * ladder.step_bps) / 10_000.0;
            for is_bid in [true, false] {
                let p = if is_bid { mid * (1.0 - off) } else { mid * (1.0 + off) };
                let (price_mantissa, price_exponent) = manifest_price(p, is_bid);
                orders.push(venue::Order { base_atoms: ladder.size, price_mantissa, price_exponent, is_bid });
            }
        }
        for chunk in orders.chunks(6) {
            self.env.send(&[venue::batch_update(&maker.pubkey(), &m, chunk)], &[&maker]).await.ok();
        }
        maker
    }

    /// The flash rebalance of `leg` through `route` for the program's plan now
    /// ([`rpv_sdk::flash::via_venue`]; no cap of the keeper's own).
    pub async fn flash_via(&mut self, k: &Keeper, leg: u8, route: &Route) -> Vec<rpv_sdk::Instruction> {
        let plan = self.planned(leg).await;
        let s = self.state().await;
        let (kb, kl) = (k.base_token, k.asset_tokens[usize::from(leg)]);
        rpv_sdk::flash::via_venue(&k.kp.pubkey(), &self.vault, &s, leg, &kb, &kl, route, &plan, 0).expect("a route")
    }
}
