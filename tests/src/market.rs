//! The venue beside the vault: Manifest markets for a fixture's assets against its base, with
//! makers resting ladders of orders around the oracle, all on the real programs.

use rpv_sdk::{
    flash::Route,
    ix,
    venue::{self, Ladder},
    TOKEN_PROGRAM_ID,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{Env, Fixture, Keeper};

/// A bank with the vault's and the venue's `.so` (the venue from `cargo xtask build-dex`).
pub async fn env_with_venue() -> Env {
    Env::with_programs(&[(venue::MANIFEST_ID, venue::default_venue_path())]).await
}

/// The parameters of the venue tests: a 40 bps keeper incentive within a 100 bps cost bound
/// (the fixture's oracles have a 10 bps confidence interval the vault prices against itself,
/// and the makers quote 5 bps either side of the mid), otherwise loose.
pub fn venue_params() -> ix::RebalanceParams {
    ix::RebalanceParams { keeper_bps: 40, max_slippage_bps: 100, ..crate::loose_rebalance_params() }
}

/// A vault of `n` spot assets holding 1,000,000 base and nothing else ([`venue_params`]), a
/// market per asset with a maker's ladder around its oracle ([`Fixture::ladder`]), and a keeper
/// that holds nothing.
pub async fn vault_beside_markets(n: usize) -> (Fixture, Vec<Route>, Keeper) {
    let f = Fixture::with_assets_in(env_with_venue().await, n).await;
    let mut f = f.funded_for_rebalance(venue_params(), 1_000_000 * crate::USDC).await;
    let mut routes = Vec::new();
    for i in 0..n {
        let route = f.open_market(i).await;
        let (mid, l) = (f.atom_price(i), f.ladder(i));
        f.make_market(i, &route, mid, l).await;
        routes.push(route);
    }
    let k = f.keeper(0, 0).await;
    (f, routes, k)
}

impl Fixture {
    /// Asset `i`'s oracle mid in quote (base-currency) atoms per atom of the asset.
    pub fn atom_price(&self, i: usize) -> f64 {
        let a = &self.assets[i];
        venue::atom_price(a.price, a.expo, a.decimals, self.base_decimals)
    }

    /// Opens a Manifest market for asset `i` (base) against the vault's base mint (quote).
    pub async fn open_market(&mut self, i: usize) -> Route {
        let market = crate::environment::new_keypair();
        let payer = self.env.payer();
        let rent = self.env.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(venue::MARKET_FIXED_SIZE);
        let ixs = venue::create_market(&payer.pubkey(), &market.pubkey(), &self.assets[i].mint, &self.base_mint, rent);
        self.env.send(&ixs, &[&market]).await.ok();
        let header = venue::decode_market(&self.env.data(&market.pubkey()).await.expect("market")).expect("a market");
        Route { market: market.pubkey(), header }
    }

    /// A maker who claims a seat on `route`'s market, deposits what `ladder` needs on both
    /// sides and rests it around `mid` (quote atoms per base atom). Returns the maker.
    /// The makers' usual ladder for asset `i`: 5 bps either side of the oracle, 2 bps apart, 20
    /// levels per side, each worth about $25,000.
    pub fn ladder(&self, i: usize) -> Ladder {
        let size = (25_000.0 * 1e6 / self.atom_price(i)) as u64;
        Ladder { half_spread_bps: 5.0, step_bps: 2.0, levels: 20, size }
    }

    pub async fn make_market(&mut self, i: usize, route: &Route, mid: f64, ladder: Ladder) -> Keypair {
        let maker = self.env.funded_keypair().await;
        let m = route.market;
        let orders = ladder.orders(mid).expect("prices the venue holds");
        let (base_atoms, quote_atoms) = venue::order_funds(&orders).expect("the ladder's funds");
        let mb = self.asset_account(i, &maker.pubkey(), base_atoms).await;
        let mq = self.env.create_token_account(&TOKEN_PROGRAM_ID, &self.base_mint, &maker.pubkey()).await;
        let bm = self.base_mint;
        self.env.mint_to(&TOKEN_PROGRAM_ID, &bm, &mq, quote_atoms).await;
        let header = route.header;
        let ixs = venue::claim_and_deposit(&maker.pubkey(), &m, &header, &mb, base_atoms, &mq, quote_atoms);
        self.env.send(&ixs, &[&maker]).await.ok();
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
        rpv_sdk::flash::via_venue(&k.kp.pubkey(), &self.vault, &s, leg, &kb, &kl, route, &plan, 0, 0).expect("a route")
    }
}

/// One flash rebalance through the venue (begin → swap → pay → end, a legacy transaction) on a
/// vault of `n` spot assets all in base, against a market with the usual ladder for the leg the
/// program picks; its outcome (the compute units of the whole transaction).
pub async fn flash_through_venue_at(n: usize) -> crate::Outcome {
    let f = Fixture::with_assets_in(env_with_venue().await, n).await;
    let mut f = f.funded_for_rebalance(venue_params(), 1_000_000 * crate::USDC).await;
    let leg = f.auto_leg().await.expect("an all-base vault buys");
    let route = f.open_market(usize::from(leg)).await;
    let (mid, l) = (f.atom_price(usize::from(leg)), f.ladder(usize::from(leg)));
    f.make_market(usize::from(leg), &route, mid, l).await;
    let k = f.keeper(0, 0).await;
    let ixs = f.flash_via(&k, leg, &route).await;
    f.env.send(&ixs, &[&k.kp]).await
}
