//! The trading venue on the real VM beside the vault: Manifest's orderbook, built from its
//! published crate by `cargo xtask build-dex` (`dex/`) and loaded under its mainnet program id,
//! driven through the SDK's own encoding of its instructions (`rpv_sdk::venue`).

use rpv_sdk::{venue, TOKEN_PROGRAM_ID};
use rpv_tests::Env;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn a_market_opens_on_the_venue_built_from_its_crate() {
    let mut env = Env::with_programs(&[(venue::MANIFEST_ID, venue::default_venue_path())]).await;
    let base = env.create_mint(&TOKEN_PROGRAM_ID, 9).await;
    let quote = env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
    let market = Keypair::new();
    let payer = env.payer();
    let rent = env.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(venue::MARKET_FIXED_SIZE);
    let ixs = venue::create_market(&payer.pubkey(), &market.pubkey(), &base, &quote, rent);
    let out = env.send(&ixs, &[&market]).await;
    out.ok();
    let account = env.account(&market.pubkey()).await.expect("the market account");
    assert_eq!(account.owner, venue::MANIFEST_ID);
    let h = venue::decode_market(&account.data).expect("a Manifest market");
    assert_eq!((h.base_mint, h.quote_mint), (base, quote));
    assert_eq!((h.base_mint_decimals, h.quote_mint_decimals), (9, 6));
    assert_eq!(
        (h.base_vault, h.quote_vault),
        (venue::vault(&market.pubkey(), &base), venue::vault(&market.pubkey(), &quote))
    );
    // its vaults are token accounts of the two mints, empty
    for (vault, mint) in [(h.base_vault, base), (h.quote_vault, quote)] {
        let v = env.account(&vault).await.expect("a vault");
        assert_eq!(v.owner, TOKEN_PROGRAM_ID);
        assert_eq!(&v.data[..32], mint.as_ref());
        assert_eq!(env.token_amount(&vault).await, 0);
    }
    // a second market for the same account is refused by the venue
    let again = venue::create_market(&payer.pubkey(), &market.pubkey(), &base, &quote, rent);
    env.send(&again[1..], &[]).await.assert_failed();
}
