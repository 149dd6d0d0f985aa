//! `add_asset` — one test per Specification bullet.

use rpv_core::layout::MAX_ASSETS;
use rpv_sdk::{events::Event, ix::AddAssetArgs, pda, pyth, PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_signer::Signer;

async fn fixture() -> Fixture {
    let mut f = Fixture::empty().await;
    f.initialize(f.init_args()).await.ok();
    f
}

#[tokio::test]
async fn registers_the_asset_and_creates_its_token_account() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    let out = f.add_asset(&a, Fixture::asset_args(&a)).await;
    out.ok();
    let s = f.state().await;
    assert_eq!(s.num_assets, 1);
    let slot = s.assets[0];
    assert_eq!(slot.mint, a.mint.to_bytes());
    assert_eq!(slot.oracle, a.oracle.to_bytes());
    assert_eq!(slot.feed_id, a.feed);
    assert_eq!(
        (slot.quantity, slot.decimals, slot.max_oracle_age, slot.max_conf_bps, slot.risk_budget),
        (0, 9, 60, 200, 62_500_000)
    );
    assert_eq!(slot.last_publish_time, 0, "not sampled into the risk state yet");
    assert_eq!(s.risk_refreshed_at, 0, "deposits wait for a refresh that includes the new asset");
    let ta = pda::token_account(&f.vault, &a.mint).0;
    assert_eq!(slot.token_account, ta.to_bytes());
    let acct = f.env.account(&ta).await.unwrap();
    assert_eq!(acct.owner, TOKEN_PROGRAM_ID);
    let view = rpv_core::token::parse_token_account(&acct.data).unwrap();
    assert_eq!((view.mint, view.owner, view.amount), (a.mint.to_bytes(), s.authority, 0));
    match &out.events()[..] {
        [Event::AssetAdded(e)] => assert_eq!((e.index, e.mint, e.feed_id), (0, a.mint, a.feed)),
        other => panic!("expected AssetAdded, got {other:?}"),
    }
}

#[tokio::test]
async fn only_the_admin_may_register() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    let intruder = f.env.funded_keypair().await;
    let mut ix = f.add_asset_ix(&a, Fixture::asset_args(&a));
    ix.accounts[0].pubkey = intruder.pubkey();
    f.env.send(&[ix], &[&intruder]).await.assert_error("Unauthorized");
    // and the admin must sign
    let mut ix = f.add_asset_ix(&a, Fixture::asset_args(&a));
    ix.accounts[0].is_signer = false;
    f.env.send(&[ix], &[]).await.assert_anchor_error(3010);
    assert_eq!(f.state().await.num_assets, 0);
}

#[tokio::test]
async fn mint_must_belong_to_the_named_token_program() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    let mut wrong = a.clone();
    wrong.token_program = TOKEN_2022_PROGRAM_ID;
    f.add_asset(&wrong, Fixture::asset_args(&a)).await.assert_error("WrongTokenProgram");
    let mut not_token = a.clone();
    not_token.token_program = PROGRAM_ID;
    f.add_asset(&not_token, Fixture::asset_args(&a)).await.assert_error("WrongTokenProgram");
    // a Token-2022 asset is fine
    let b = f.new_asset(TOKEN_2022_PROGRAM_ID, 6, 100_000_000).await;
    f.add_asset(&b, Fixture::asset_args(&b)).await.ok();
    assert_eq!(f.state().await.assets[0].token_program, TOKEN_2022_PROGRAM_ID.to_bytes());
}

#[tokio::test]
async fn refuses_base_mint_duplicates_and_a_seventeenth_asset() {
    let mut f = fixture().await;
    let mut base = f.new_asset(TOKEN_PROGRAM_ID, 6, 100_000_000).await;
    base.mint = f.base_mint;
    f.add_asset(&base, Fixture::asset_args(&base)).await.assert_error("AssetIsBaseMint");
    let mut added = vec![];
    for i in 0..MAX_ASSETS {
        let (d, p) = asset_params(i);
        let a = f.new_asset(TOKEN_PROGRAM_ID, d, p).await;
        f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
        added.push(a);
    }
    assert_eq!(usize::from(f.state().await.num_assets), MAX_ASSETS);
    let dup = added[3].clone();
    f.add_asset(&dup, Fixture::asset_args(&dup)).await.assert_error("TooManyAssets");
    let extra = f.new_asset(TOKEN_PROGRAM_ID, 6, 100_000_000).await;
    f.add_asset(&extra, Fixture::asset_args(&extra)).await.assert_error("TooManyAssets");
}

#[tokio::test]
async fn refuses_a_duplicate_mint() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
    let s = f.state().await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.assert_error("AssetAlreadyRegistered");
    assert_eq!(f.state().await, s);
}

#[tokio::test]
async fn validates_oracle_settings_and_budget() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    let good = Fixture::asset_args(&a);
    let cases = [
        (AddAssetArgs { max_oracle_age: 0, ..good }, "InvalidOracleConfig"),
        (AddAssetArgs { max_oracle_age: 86_401, ..good }, "InvalidOracleConfig"),
        (AddAssetArgs { max_conf_bps: 0, ..good }, "InvalidOracleConfig"),
        (AddAssetArgs { max_conf_bps: 10_001, ..good }, "InvalidOracleConfig"),
        (AddAssetArgs { risk_budget: 0, ..good }, "InvalidRiskBudget"),
        (AddAssetArgs { risk_budget: 1_000_000_001, ..good }, "InvalidRiskBudget"),
        // a Pyth asset names no queue, a Switchboard asset must name one
        (AddAssetArgs { oracle_queue: [1; 32], ..good }, "InvalidOracleConfig"),
        (AddAssetArgs { oracle_kind: rpv_sdk::ix::OracleKind::Switchboard, ..good }, "InvalidOracleConfig"),
    ];
    for (args, err) in cases {
        f.add_asset(&a, args).await.assert_error(err);
    }
    // the oracle kind is an `OracleKind` on the wire (Pyth = 0, Switchboard = 1, the first byte
    // after the discriminator): any other byte does not deserialise
    let mut bad = f.add_asset_ix(&a, good);
    bad.data[8] = 2;
    let admin = f.admin.insecure_clone();
    f.env.send(&[bad], &[&admin]).await.assert_anchor_error(ANCHOR_INSTRUCTION_DID_NOT_DESERIALIZE);
    assert_eq!(f.state().await.num_assets, 0);
}

#[tokio::test]
async fn the_oracle_must_pass_every_check_at_registration() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    let args = Fixture::asset_args(&a);
    let now = f.env.now().await;
    let write = |price: i64, conf: u64, expo: i32, t: i64| pyth::price_update(a.feed, price, conf, expo, t, 1);
    // wrong owner
    f.env.set_pyth_owned(&a.oracle, write(a.price, a.conf, -8, now), PROGRAM_ID);
    f.add_asset(&a, args).await.assert_error("OracleWrongOwner");
    // not a PriceUpdateV2
    f.env.set_pyth(&a.oracle, vec![7; 134]);
    f.add_asset(&a, args).await.assert_error("OracleInvalidAccount");
    // partially verified
    let mut u = rpv_core::pyth::PriceUpdateV2::decode(&write(a.price, a.conf, -8, now)).unwrap();
    u.partial_signatures = Some(5);
    f.env.set_pyth(&a.oracle, u.encode());
    f.add_asset(&a, args).await.assert_error("OracleNotFullyVerified");
    // another feed
    f.env.set_pyth(&a.oracle, write(a.price, a.conf, -8, now));
    f.add_asset(&a, AddAssetArgs { feed_id: [1; 32], ..args }).await.assert_error("OracleFeedMismatch");
    // stale, negative, too uncertain, bad exponent
    f.env.set_pyth(&a.oracle, write(a.price, a.conf, -8, now - 61));
    f.add_asset(&a, args).await.assert_error("OracleStale");
    f.env.set_pyth(&a.oracle, write(-a.price, a.conf, -8, now));
    f.add_asset(&a, args).await.assert_error("OracleNonPositivePrice");
    f.env.set_pyth(&a.oracle, write(a.price, (a.price as u64) / 40, -8, now)); // 250 bps > 200
    f.add_asset(&a, args).await.assert_error("OracleConfidenceTooWide");
    f.env.set_pyth(&a.oracle, write(a.price, a.conf, -30, now));
    f.add_asset(&a, args).await.assert_error("OracleExponentOutOfRange");
    f.env.set_pyth(&a.oracle, write(a.price, a.conf, -8, now + 600));
    f.add_asset(&a, args).await.assert_error("OracleTimestampInFuture");
    assert_eq!(f.state().await.num_assets, 0, "no failure registered anything");
    // and once valid, it registers
    f.env.set_pyth(&a.oracle, write(a.price, a.conf, -8, now));
    f.add_asset(&a, args).await.ok();
}

#[tokio::test]
async fn refuses_an_asset_with_more_than_18_decimals() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 19, 100_000_000).await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.assert_error("UnsupportedDecimals");
    let ok = f.new_asset(TOKEN_PROGRAM_ID, 18, 100_000_000).await;
    f.add_asset(&ok, Fixture::asset_args(&ok)).await.ok();
}

#[tokio::test]
async fn under_a_timelock_registration_applies_at_once_until_the_first_outside_share() {
    // the timelock fixture registered its assets at once (no outside shares yet)
    let mut f = Fixture::with_timelock(1).await;
    assert_eq!(f.state().await.num_assets, 1);
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
    f.assets.push(a);
    assert_eq!(f.state().await.num_assets, 2);
    // after a deposit it waits for a proposal (see attacks_registration.rs)
    let repaired = rescaled(&risk_budgets(&f.state().await));
    f.set_budgets(repaired).await.ok();
    f.step(60).await.ok();
    let u = f.user(10 * USDC).await;
    f.deposit(&u, 10 * USDC, 0).await.ok();
    let b = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    f.add_asset(&b, Fixture::asset_args(&b)).await.assert_error("TimelockRequired");
    // the share mint must be the vault's
    let mut ix = f.add_asset_ix(&b, Fixture::asset_args(&b));
    ix.accounts[8].pubkey = f.base_mint;
    f.send_as_admin(ix).await.assert_error("WrongShareMint");
    assert_eq!(f.state().await.num_assets, 2);
}

#[tokio::test]
async fn stores_the_in_kind_cap() {
    let mut f = fixture().await;
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 15_000_000_000).await;
    let out = f.add_asset(&a, AddAssetArgs { in_kind_cap: 77, ..Fixture::asset_args(&a) }).await;
    out.ok();
    assert_eq!(f.state().await.assets[0].in_kind_cap, 77);
    match &out.events()[..] {
        [Event::AssetAdded(e)] => assert_eq!(e.in_kind_cap, 77),
        other => panic!("expected AssetAdded, got {other:?}"),
    }
}
