//! Issue 14's token and oracle attacks on the `.so`, each asserting the specific error and that
//! nothing changed: Token-2022 mints whose UI amount is not the raw amount (ScaledUiAmount,
//! InterestBearing) or that can be closed and re-created with other extensions
//! (MintCloseAuthority), as the base or as any asset; an in-kind deposit priced with a
//! confidence interval at or above the price; Switchboard feeds from another queue or with too
//! few samples (real mainnet accounts from the shared fixtures, and the program's own layout).

use rpv_core::switchboard::{PullFeed, MIN_SAMPLES, SWITCHBOARD_ON_DEMAND_PROGRAM_ID};
use rpv_sdk::{ix, pda, pyth, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// A mint with `extension` is refused as the base (no vault is created) and as an asset or an
/// option series of a live vault (no slot, no token account), with `UnsupportedMintExtension`.
async fn refused_as_base_and_asset(extension: MintExtension) {
    // as the base: the vault is never created
    let mut f = Fixture::empty().await;
    let mint = f.env.create_mint_with_extension(extension, 6).await;
    let admin = f.admin.pubkey();
    let admin_token = f.env.create_token_account(&TOKEN_2022_PROGRAM_ID, &mint, &admin).await;
    f.env.mint_to(&TOKEN_2022_PROGRAM_ID, &mint, &admin_token, 1_000_000_000).await;
    (f.base_mint, f.base_program, f.admin_base_token) = (mint, TOKEN_2022_PROGRAM_ID, admin_token);
    f.initialize(f.init_args()).await.assert_error("UnsupportedMintExtension");
    assert!(f.env.account(&f.vault).await.is_none(), "no vault may exist");
    assert_eq!(f.env.token_amount(&admin_token).await, 1_000_000_000, "the seed deposit stays with the admin");

    // as an asset and as an option series of a live vault
    let mut f = Fixture::with_assets(1).await;
    let mint = f.env.create_mint_with_extension(extension, 6).await;
    let mut a = f.new_asset(TOKEN_2022_PROGRAM_ID, 6, 2_000_000_000).await;
    a.mint = mint;
    let before = f.vault_and_risk_bytes().await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.assert_error("UnsupportedMintExtension");
    let now = f.env.now().await;
    let series = ix::OptionSeriesArgs {
        kind: ix::OptionKind::Call,
        underlying: 0,
        strike_bits: rpv_core::fixed_point::Fx::from_num(10).to_bits(),
        contract_size_bits: rpv_core::fixed_point::Fx::ONE.to_bits(),
        expiry: now + 30 * DAY,
    };
    let add_option = ix::add_option(
        &f.admin.pubkey(),
        &f.vault,
        &mint,
        &TOKEN_2022_PROGRAM_ID,
        &a.oracle,
        Fixture::asset_args(&a),
        series,
    );
    f.send_as_admin(add_option).await.assert_error("UnsupportedMintExtension");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert!(f.env.account(&pda::token_account(&f.vault, &mint).0).await.is_none(), "no token account may exist");
}

#[tokio::test]
async fn attack_scaled_ui_amount_mint_is_refused_as_base_and_asset() {
    refused_as_base_and_asset(MintExtension::ScaledUiAmount).await;
}

#[tokio::test]
async fn attack_interest_bearing_mint_is_refused_as_base_and_asset() {
    refused_as_base_and_asset(MintExtension::InterestBearing).await;
}

#[tokio::test]
async fn attack_mint_with_close_authority_is_refused_as_base_and_asset() {
    refused_as_base_and_asset(MintExtension::CloseAuthority).await;
}

/// A vault with asset 0 (Pyth) and asset 1 on a Switchboard feed written by the returned
/// closure's caller: `(fixture, oracle, feed hash)`. The clock's slot is moved past 1,000 so
/// stale results can be written.
async fn with_switchboard_asset(max_conf_bps: u16) -> (Fixture, Pubkey, [u8; 32]) {
    let mut f = Fixture::with_assets(1).await;
    let mint = f.env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
    let oracle = Pubkey::new_unique();
    let hash = pyth::feed_id("switchboard:ATTACK/USD");
    let mut clock = f.env.clock().await;
    clock.slot += 1_000;
    f.env.ctx.set_sysvar(&clock);
    let feed =
        switchboard_feed(hash, 2_000_000_000_000_000_000, 1_000_000_000_000_000, clock.slot, clock.unix_timestamp);
    f.env.set_pyth_owned(&oracle, feed, sb_owner());
    let args = ix::AddAssetArgs {
        oracle_kind: ix::OracleKind::Switchboard,
        feed_id: hash,
        max_oracle_age: 50,
        max_conf_bps,
        risk_budget: 1,
        oracle_queue: TEST_SWITCHBOARD_QUEUE,
        in_kind_cap: IN_KIND_CAP,
    };
    let add = ix::add_asset(&f.admin.pubkey(), &f.vault, &mint, &TOKEN_PROGRAM_ID, &oracle, args);
    f.send_as_admin(add).await.ok();
    f.assets.push(TestAsset::switchboard(mint, oracle, hash));
    f.set_budgets(vec![500_000_000, 500_000_000]).await.ok();
    f.env.advance_time(60).await;
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    let clock = f.env.clock().await;
    let feed =
        switchboard_feed(hash, 2_000_000_000_000_000_000, 1_000_000_000_000_000, clock.slot, clock.unix_timestamp);
    f.env.set_pyth_owned(&oracle, feed, sb_owner());
    f.refresh().await.ok();
    (f, oracle, hash)
}

fn sb_owner() -> Pubkey {
    Pubkey::new_from_array(SWITCHBOARD_ON_DEMAND_PROGRAM_ID)
}

/// `deposit_asset` values the deposit at price − conf. A Switchboard value above `u64::MAX`
/// (18 decimals) is scaled down with the conf rounded up, so at a 100 % confidence limit a
/// std_dev equal to the value gives conf = price + 1: the subtraction must not wrap or abort,
/// the deposit is refused with `OracleConfidenceTooWide` and nothing moves.
#[tokio::test]
async fn attack_deposit_asset_with_conf_not_below_price() {
    let (mut f, oracle, hash) = with_switchboard_asset(10_000).await;
    let u = f.user(0).await;
    let from = f.asset_account(1, &u.kp.pubkey(), 10_000_000).await;
    let clock = f.env.clock().await;
    let value = 20_000_000_000_000_000_001i128; // 20.000000000000000001: price 2e18, conf 2e18 + 1
    f.env.set_pyth_owned(&oracle, switchboard_feed(hash, value, value, clock.slot, clock.unix_timestamp), sb_owner());
    let before = f.vault_and_risk_bytes().await;
    let share_supply = f.total_shares().await;
    f.deposit_asset(&u, 1, &from, 10_000_000, 0).await.assert_error("OracleConfidenceTooWide");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert_eq!(f.env.token_amount(&from).await, 10_000_000, "the depositor keeps their tokens");
    assert_eq!(f.env.token_amount(&u.share_token).await, 0, "and gets no shares");
    assert_eq!(f.total_shares().await, share_supply);
}

/// The admin declares the queue a Switchboard feed must belong to; a feed from another queue
/// (a real mainnet feed, whose queue is Switchboard's mainnet queue) is refused at
/// registration, and a registered feed whose data names another queue is refused at every read.
#[tokio::test]
async fn attack_switchboard_feed_from_another_queue() {
    // registration: a real mainnet feed on queue A43D… declared as being on the other queue
    let mut f = Fixture::with_assets(1).await;
    let (address, owner, data) = oracle_fixture("sb_jito_jto_sol");
    let feed = PullFeed::decode(&data).unwrap();
    assert_eq!(feed.num_samples, 3, "the fixture holds enough samples: only the queue differs");
    let (_, _, other) = oracle_fixture("sb_drift_oracle_test");
    let other_queue = PullFeed::decode(&other).unwrap().queue;
    assert_ne!(other_queue, feed.queue);
    f.env.set_pyth_owned(&address, data, owner);
    let mut clock = f.env.clock().await;
    clock.slot = feed.result_slot;
    f.env.ctx.set_sysvar(&clock);
    let mint = f.env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
    let args = |queue| ix::AddAssetArgs {
        oracle_kind: ix::OracleKind::Switchboard,
        feed_id: feed.feed_hash,
        max_oracle_age: 50,
        max_conf_bps: 10_000,
        risk_budget: 1,
        oracle_queue: queue,
        in_kind_cap: IN_KIND_CAP,
    };
    let before = f.vault_and_risk_bytes().await;
    let add = ix::add_asset(&f.admin.pubkey(), &f.vault, &mint, &TOKEN_PROGRAM_ID, &address, args(other_queue));
    f.send_as_admin(add).await.assert_error("OracleQueueMismatch");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert!(f.env.account(&pda::token_account(&f.vault, &mint).0).await.is_none());
    // declared with its own queue, the same real feed registers
    let add = ix::add_asset(&f.admin.pubkey(), &f.vault, &mint, &TOKEN_PROGRAM_ID, &address, args(feed.queue));
    f.send_as_admin(add).await.ok();
    assert_eq!(f.state().await.assets[1].oracle_queue, feed.queue);

    // every read: the registered account now carries another queue
    registered_feed_result_refused(|feed| feed.queue = other_queue, "OracleQueueMismatch").await;
}

/// A result aggregated from fewer than `MIN_SAMPLES` oracle samples is refused: a real mainnet
/// feed with 2 samples at registration, and a registered feed's 2-sample result at refresh and
/// deposit.
#[tokio::test]
async fn attack_switchboard_result_with_too_few_samples() {
    let mut f = Fixture::with_assets(1).await;
    let (address, owner, data) = oracle_fixture("sb_marginfi_sol_bin");
    let feed = PullFeed::decode(&data).unwrap();
    assert!(feed.num_samples < MIN_SAMPLES && feed.value > 0, "the fixture: a live price from 2 samples");
    f.env.set_pyth_owned(&address, data, owner);
    let mut clock = f.env.clock().await;
    clock.slot = feed.result_slot;
    f.env.ctx.set_sysvar(&clock);
    let mint = f.env.create_mint(&TOKEN_PROGRAM_ID, 9).await;
    let args = ix::AddAssetArgs {
        oracle_kind: ix::OracleKind::Switchboard,
        feed_id: feed.feed_hash,
        max_oracle_age: 50,
        max_conf_bps: 10_000,
        risk_budget: 1,
        oracle_queue: feed.queue,
        in_kind_cap: IN_KIND_CAP,
    };
    let before = f.vault_and_risk_bytes().await;
    let add = ix::add_asset(&f.admin.pubkey(), &f.vault, &mint, &TOKEN_PROGRAM_ID, &address, args);
    f.send_as_admin(add).await.assert_error("OracleTooFewSamples");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert!(f.env.account(&pda::token_account(&f.vault, &mint).0).await.is_none());

    // a registered feed publishes a result from too few samples
    registered_feed_result_refused(|feed| feed.num_samples = MIN_SAMPLES - 1, "OracleTooFewSamples").await;
}

/// A registered Switchboard asset's feed publishes a fresh result edited by `edit`: an in-kind
/// deposit and a refresh are refused with `error`, and nothing moves.
async fn registered_feed_result_refused(edit: impl FnOnce(&mut PullFeed), error: &str) {
    let (mut f, oracle, hash) = with_switchboard_asset(100).await;
    let u = f.user(0).await;
    let from = f.asset_account(1, &u.kp.pubkey(), 10_000_000).await;
    let clock = f.env.clock().await;
    let fresh =
        switchboard_feed(hash, 2_000_000_000_000_000_000, 1_000_000_000_000_000, clock.slot, clock.unix_timestamp);
    let mut feed = PullFeed::decode(&fresh).unwrap();
    edit(&mut feed);
    f.env.set_pyth_owned(&oracle, feed.encode(), sb_owner());
    let before = f.vault_and_risk_bytes().await;
    f.deposit_asset(&u, 1, &from, 10_000_000, 0).await.assert_error(error);
    f.env.advance_time(60).await;
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    f.refresh().await.assert_error(error);
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert_eq!(f.env.token_amount(&from).await, 10_000_000, "the depositor keeps their tokens");
}

/// "Newer" is the result's own slot, not the time the update landed: re-landing a result from
/// the slot already sampled (or an older one) under a later `last_update_timestamp` does not
/// make it new, so a refresher cannot pick among results it has already seen.
#[tokio::test]
async fn attack_switchboard_old_result_relanded_is_not_newer() {
    let (mut f, oracle, hash) = with_switchboard_asset(100).await;
    let clock = f.env.clock().await;
    f.env.advance_time(60).await;
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    let now = f.env.now().await;
    // the same result slot (and an older one) landing 60 s later, at another value
    for slot in [clock.slot, clock.slot - 1] {
        let relanded = switchboard_feed(hash, 2_100_000_000_000_000_000, 1_000_000_000_000_000, slot, now);
        f.env.set_pyth_owned(&oracle, relanded, sb_owner());
        let before = f.vault_and_risk_bytes().await;
        f.refresh().await.assert_error("OracleNotNewer");
        assert_eq!(f.vault_and_risk_bytes().await, before);
    }
    assert_eq!(f.state().await.assets[1].last_publish_time, clock.slot as i64, "the sampled result's slot");
    // a result from a later slot is newer
    let mut c = f.env.clock().await;
    c.slot += 1;
    f.env.ctx.set_sysvar(&c);
    let newer = switchboard_feed(hash, 2_100_000_000_000_000_000, 1_000_000_000_000_000, c.slot, now);
    f.env.set_pyth_owned(&oracle, newer, sb_owner());
    f.refresh().await.ok();
    assert_eq!(f.state().await.assets[1].last_publish_time, c.slot as i64);
}
