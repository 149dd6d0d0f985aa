//! The trading venue on the real VM beside the vault: Manifest's orderbook, built from its
//! published crate by `cargo xtask build-dex` (`dex/`) and loaded under its mainnet program id,
//! driven through the SDK's own encoding of its instructions (`rpv_sdk::venue`). Each venue
//! instruction goes in a transaction of its own (a maker's seat, deposits and orders in one
//! transaction failed in the seat's CPI with `PrivilegeEscalation`; not investigated yet).

use rpv_sdk::{venue, TOKEN_PROGRAM_ID};
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
/// rests both orders, one transaction each.
async fn market_with_quotes(bid: (u32, i8), ask: (u32, i8)) -> (Env, Pubkey, venue::MarketHeader, Pubkey, Pubkey) {
    let Opened { mut env, market: m, base, quote, .. } = open_market().await;
    let header = venue::decode_market(&env.data(&m).await.unwrap()).unwrap();
    let maker = env.funded_keypair().await;
    let mb = env.create_token_account(&TOKEN_PROGRAM_ID, &base, &maker.pubkey()).await;
    let mq = env.create_token_account(&TOKEN_PROGRAM_ID, &quote, &maker.pubkey()).await;
    env.mint_to(&TOKEN_PROGRAM_ID, &base, &mb, 10_000_000_000).await;
    env.mint_to(&TOKEN_PROGRAM_ID, &quote, &mq, 2_000_000_000).await;
    let order = |is_bid, (price_mantissa, price_exponent): (u32, i8)| venue::Order {
        base_atoms: 5_000_000_000,
        price_mantissa,
        price_exponent,
        is_bid,
    };
    for ix in [
        venue::claim_seat(&maker.pubkey(), &m),
        venue::deposit(&maker.pubkey(), &m, &base, &mb, 10_000_000_000),
        venue::deposit(&maker.pubkey(), &m, &quote, &mq, 2_000_000_000),
        venue::batch_update(&maker.pubkey(), &m, &[order(true, bid), order(false, ask)]),
    ] {
        env.send(&[ix], &[&maker]).await.ok();
    }
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
