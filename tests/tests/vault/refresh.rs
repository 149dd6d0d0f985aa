//! `refresh` — one test per Specification bullet: the risk sample, vol targeting, the stale-risk
//! rule for deposits and withdrawals, and Switchboard-priced assets. The on-chain state is
//! compared bit for bit with the core crate's model run off-chain on the same inputs.

use rpv_core::{
    fixed_point::{packed_index, Fx},
    layout::RiskState,
    math::Rounding,
    price::OraclePrice,
    risk_account,
    switchboard::SWITCHBOARD_ON_DEMAND_PROGRAM_ID,
};
use rpv_sdk::{events::Event, ix, pda, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_pubkey::Pubkey;

use crate::submit_weights::{risk_budget_vault, solved_weights, to_bits, BUDGETS};
use solana_signer::Signer;

/// What `refresh` does, run off-chain with the core crate on the pre-refresh state.
/// What `refresh` does to the risk state of a spot vault, from the core crate: the sample, the
/// marks, and the positions step — whose NAV and weights are the spot model's
/// (`risk_account::update_targets` on `nav`, checked against the step's own result).
fn expected_after_refresh(
    before: &RiskState,
    v: &rpv_core::layout::VaultState,
    prices: &[OraclePrice],
    budgets: &[u64],
    nav: u64,
    now: i64,
) -> RiskState {
    let mut r = *before;
    let lp: Vec<Fx> = prices.iter().map(|p| risk_account::log_price(p).unwrap()).collect();
    risk_account::record_sample(&mut r, prices.len(), now, &lp).unwrap();
    for (i, p) in prices.iter().enumerate() {
        r.sampled[i] = rpv_core::layout::SampledPrice::of(p);
    }
    let mut spot = r;
    risk_account::update_targets(&mut spot, budgets, nav, now).unwrap();
    rpv_core::positions::mark_positions(v, &mut r, prices, now).unwrap();
    let out = rpv_core::positions::update_positions(v, &mut r, now).unwrap();
    assert_eq!(out.nav, nav);
    assert_eq!(
        (r.weights, r.targets, r.leverage, r.portfolio_vol),
        (spot.weights, spot.targets, spot.leverage, spot.portfolio_vol)
    );
    r
}

#[tokio::test]
async fn refresh_is_permissionless_and_matches_the_core_model_bit_for_bit() {
    let mut f = Fixture::with_assets(3).await;
    f.set_holdings(&[2_000_000_000, 50_000_000, 7_000_000]).await;
    let moves =
        [(60, [1.01, 0.99, 1.0]), (3_600, [0.97, 1.02, 1.003]), (45, [1.0, 1.0, 0.999]), (86_400, [1.05, 0.9, 1.1])];
    for (dt, m) in moves {
        let before = f.risk().await;
        f.move_prices(dt, &m).await;
        let now = f.env.now().await;
        let nav = f.nav(Rounding::Down).await;
        let v = f.state().await;
        // a stranger cranks it: no signer beyond the fee payer
        let out = f.refresh().await;
        out.ok();
        let after = f.risk().await;
        let want = expected_after_refresh(&before, &v, &f.prices(), &risk_budgets(&v), nav, now);
        assert_eq!(after, want, "on-chain risk state differs from the core model after a {dt}s step");
        assert_eq!(f.state().await.risk_refreshed_at, now);
        match &out.events()[..] {
            [Event::RiskRefreshed(e)] => {
                assert_eq!((e.time, e.interval, e.nav, e.samples), (now, dt, nav, after.samples));
                assert_eq!(e.leverage_bits, after.leverage.get().to_bits());
            }
            other => panic!("expected RiskRefreshed, got {other:?}"),
        }
    }
    let r = f.risk().await;
    assert_eq!(r.samples, 5);
    // every asset's publish time was recorded
    let v = f.state().await;
    assert!(v.active_assets().iter().all(|a| a.last_publish_time == r.last_sample_time));
}

#[tokio::test]
async fn refresh_refuses_samples_too_close_together() {
    let mut f = Fixture::with_assets(2).await;
    let r = f.risk().await;
    f.step(29).await.assert_error("RefreshTooSoon");
    assert_eq!(f.risk().await, r);
    f.step(1).await.ok();
}

#[tokio::test]
async fn an_old_or_repeated_price_cannot_move_the_risk_state_backwards() {
    let mut f = Fixture::with_assets(2).await;
    let r = f.risk().await;
    // 40 s later, the same (still fresh) updates: not newer than what was sampled
    f.env.advance_time(40).await;
    f.refresh().await.assert_error("OracleNotNewer");
    // an older but verified update for asset 1
    let a = f.assets[1].clone();
    f.write_oracle(&a, 50).await;
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    f.refresh().await.assert_error("OracleNotNewer");
    assert_eq!(f.risk().await, r, "nothing moved");
    f.refresh_oracles().await;
    f.refresh().await.ok();
}

#[tokio::test]
async fn refresh_refuses_stale_doubtful_or_misordered_oracles() {
    let mut f = Fixture::with_assets(3).await;
    let r = f.risk().await;
    f.env.advance_time(61).await; // older than max age 60
    f.refresh().await.assert_error("OracleStale");
    f.refresh_oracles().await;
    let mut wide = f.assets[2].clone();
    wide.conf = wide.price as u64 / 10; // 1000 bps > 200
    f.write_oracle(&wide, 0).await;
    f.refresh().await.assert_error("OracleConfidenceTooWide");
    f.refresh_oracles().await;
    let mut ix = f.refresh_ix().await;
    ix.accounts.pop();
    f.env.send(&[ix], &[]).await.assert_error("OracleAccountCount");
    let mut ix = f.refresh_ix().await;
    ix.accounts.swap(2, 3);
    f.env.send(&[ix], &[]).await.assert_error("OracleAccountMismatch");
    assert_eq!(f.risk().await, r);
}

#[tokio::test]
async fn the_risk_account_must_be_the_vaults() {
    let mut f = Fixture::with_assets(1).await;
    // a second vault of the same admin
    let other = ix::InitializeVaultArgs { vault_id: 8, ..f.init_args() };
    f.initialize(other).await.ok();
    let other_vault = pda::vault(&f.admin.pubkey(), 8).0;
    f.env.advance_time(60).await;
    f.refresh_oracles().await;
    let mut ix = f.refresh_ix().await;
    ix.accounts[1].pubkey = pda::risk(&other_vault).0;
    f.env.send(&[ix], &[]).await.assert_error("WrongRiskAccount");
    let mut ix = f.refresh_ix().await;
    ix.accounts[1].pubkey = f.vault; // not a risk account at all
    f.env.send(&[ix], &[]).await.assert_failed();
}

#[tokio::test]
async fn refresh_needs_budgets_summing_to_one() {
    let mut f = Fixture::empty().await;
    f.initialize(f.init_args()).await.ok();
    for i in 0..2 {
        let (d, p) = asset_params(i);
        let a = f.new_asset(TOKEN_PROGRAM_ID, d, p).await;
        f.add_asset(&a, Fixture::asset_args(&a)).await.ok(); // 1/16 each: 1/8 in all
        f.assets.push(a);
    }
    f.refresh().await.assert_error("InvalidBudgets");
    f.set_equal_budgets().await.ok();
    f.refresh().await.ok();
}

#[tokio::test]
async fn deposits_refuse_a_stale_risk_state_withdrawals_do_not() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    f.env.advance_time(901).await;
    f.refresh_oracles().await; // prices fresh, risk state not
    f.deposit(&u, 1_000_000, 0).await.assert_error("RiskStateStale");
    // an exit needs no fresh risk state: its price does not depend on it (issue 14)
    f.withdraw(&u, 1_000_000, 0).await.ok();
    let from = f.asset_account(0, &u.kp.pubkey(), 1_000_000_000).await;
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 0).await.assert_error("RiskStateStale");
    f.refresh().await.ok();
    f.withdraw(&u, 1_000_000, 0).await.ok();
    // registering an asset also makes the risk state stale until the next refresh
    let a = f.new_asset(TOKEN_PROGRAM_ID, 6, 100_000_000).await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
    f.assets.push(a);
    f.deposit(&u, 1_000_000, 0).await.assert_error("RiskStateStale");
    f.set_equal_budgets().await.ok();
    f.step(60).await.ok();
    f.deposit(&u, 1_000_000, 0).await.ok();
}

/// A Switchboard On-Demand pull feed account for `value` (18 decimals) with result at `slot`.
#[tokio::test]
async fn a_switchboard_asset_is_priced_sampled_and_checked() {
    let mut f = Fixture::with_assets(1).await;
    let mint = f.env.create_mint(&TOKEN_PROGRAM_ID, 6).await;
    let oracle = Pubkey::new_unique();
    let hash = rpv_sdk::pyth::feed_id("switchboard:JUP/USD");
    let sb_owner = Pubkey::new_from_array(SWITCHBOARD_ON_DEMAND_PROGRAM_ID);
    let mut clock = f.env.clock().await;
    clock.slot += 1_000; // Switchboard staleness is counted in slots
    f.env.ctx.set_sysvar(&clock);
    // $0.85 ± 0.0004
    let write = |f: &mut Fixture, slot: u64, time: i64, hash: [u8; 32], owner: Pubkey| {
        let data = switchboard_feed(hash, 850_000_000_000_000_000, 400_000_000_000_000, slot, time);
        f.env.set_pyth_owned(&oracle, data, owner);
    };
    write(&mut f, clock.slot, clock.unix_timestamp, hash, sb_owner);
    let args = ix::AddAssetArgs {
        oracle_kind: ix::OracleKind::Switchboard,
        feed_id: hash,
        max_oracle_age: 50,
        max_conf_bps: 100,
        risk_budget: 500_000_000,
        in_kind_cap: IN_KIND_CAP,
        oracle_queue: TEST_SWITCHBOARD_QUEUE,
    };
    let add = ix::add_asset(&f.admin.pubkey(), &f.vault, &mint, &TOKEN_PROGRAM_ID, &oracle, args);
    let admin = f.admin.insecure_clone();
    f.env.send(&[add], &[&admin]).await.ok();
    f.assets.push(TestAsset::switchboard(mint, oracle, hash));
    f.set_equal_budgets().await.ok();
    f.env.advance_time(60).await;
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 0).await;
    let clock = f.env.clock().await;
    write(&mut f, clock.slot, clock.unix_timestamp, hash, sb_owner);
    f.refresh().await.ok();
    let s = f.state().await;
    assert_eq!(s.assets[1].last_publish_time, clock.slot as i64, "a Switchboard result is timed by its slot");
    // deposit it in kind: 10 tokens at (0.85 − 0.0004) = 8.496 USDC
    let u = f.user(0).await;
    let from = f.asset_account(1, &u.kp.pubkey(), 10_000_000).await;
    let out = f.deposit_asset(&u, 1, &from, 10_000_000, 0).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::AssetDeposited(e)] if e.value == 8_496_000));
    // failures, each with its own error
    write(&mut f, clock.slot.saturating_sub(51), clock.unix_timestamp, hash, sb_owner);
    f.deposit_asset(&u, 1, &from, 1_000_000, 0).await.assert_error("OracleStale");
    write(&mut f, clock.slot, clock.unix_timestamp, [9; 32], sb_owner);
    f.deposit_asset(&u, 1, &from, 1_000_000, 0).await.assert_error("OracleFeedMismatch");
    write(&mut f, clock.slot, clock.unix_timestamp, hash, rpv_sdk::PYTH_RECEIVER_PROGRAM_ID);
    f.deposit_asset(&u, 1, &from, 1_000_000, 0).await.assert_error("OracleWrongOwner");
    let wide =
        switchboard_feed(hash, 850_000_000_000_000_000, 85_000_000_000_000_000, clock.slot, clock.unix_timestamp);
    f.env.set_pyth_owned(&oracle, wide, sb_owner);
    f.deposit_asset(&u, 1, &from, 1_000_000, 0).await.assert_error("OracleConfidenceTooWide");
}

#[tokio::test]
async fn packed_covariance_is_symmetric_and_positive_on_the_diagonal() {
    let mut f = Fixture::with_assets(4).await;
    f.step(600).await.ok();
    let r = f.risk().await;
    for i in 0..4 {
        assert!(r.cov[packed_index(i, i)].get() > 0);
        for j in 0..4 {
            assert_eq!(r.cov[packed_index(i, j)], r.cov[packed_index(j, i)]);
        }
    }
}

#[tokio::test]
async fn vol_targeting_cuts_exposure_when_volatility_rises_and_restores_it() {
    let mut f = Fixture::with_assets(2).await;
    f.set_risk_params(ix::RiskParams { vol_target_bps: 2_000, prior_vol_bps: 1_000, ..ix::RiskParams::default() })
        .await
        .ok();
    f.set_holdings(&[1_000_000_000, 0]).await;
    let calm = |f: &Fixture, k: usize| {
        let s = if k % 2 == 0 { 1.001 } else { 0.999 };
        [(f.assets[0].price as f64 * s) as i64, (f.assets[1].price as f64 / s) as i64]
    };
    // calm days (long enough for the 60 % prior of the first sample to decay)
    for k in 0..45 {
        let p = calm(&f, k);
        f.env.advance_time(86_400).await;
        f.set_price(0, p[0]).await;
        f.set_price(1, p[1]).await;
        f.refresh().await.ok();
    }
    let calm_l = f.risk().await.leverage.get();
    let calm_targets: u64 = f.risk().await.targets[..2].iter().sum();
    assert_eq!(calm_l, Fx::ONE, "calm markets: exposure at the cap");
    // a turbulent day of hourly ±6 % swings
    for k in 0..24 {
        let s = if k % 2 == 0 { 1.06 } else { 1.0 / 1.06 };
        let p = [(f.assets[0].price as f64 * s) as i64, (f.assets[1].price as f64 * s) as i64];
        f.env.advance_time(3_600).await;
        f.set_price(0, p[0]).await;
        f.set_price(1, p[1]).await;
        f.refresh().await.ok();
    }
    let r = f.risk().await;
    let hot_l = r.leverage.get();
    assert!(hot_l < Fx::from_num(0.5), "volatility up → exposure cut, L = {hot_l}");
    let hot_targets: u64 = r.targets[..2].iter().sum();
    assert!(hot_targets < calm_targets / 2, "targets shrink with L: {hot_targets} vs {calm_targets}");
    // three calm months later the shock has decayed and exposure is restored
    for k in 0..90 {
        let p = calm(&f, k);
        f.env.advance_time(86_400).await;
        f.set_price(0, p[0]).await;
        f.set_price(1, p[1]).await;
        f.refresh().await.ok();
    }
    let back = f.risk().await.leverage.get();
    assert!(back > hot_l * 2, "exposure restored: {back} vs {hot_l}");
}

/// Risk-budget weights accepted under one covariance, then a regime change: asset 0 swings
/// hard while the others hold still. The weights no longer meet the budgets under the new
/// covariance, so the refresh drops them for inverse-volatility weights (and says why); the
/// old weights cannot be re-submitted either (`RiskBudgetMismatch`, nothing changes).
#[tokio::test]
async fn attack_risk_budget_weights_outlive_a_regime_change() {
    let budgets = BUDGETS;
    let mut f = risk_budget_vault(ix::RiskParams::default()).await;
    let w = to_bits(&solved_weights(&f.risk().await));
    let keeper = f.env.funded_keypair().await;
    let vault = f.vault;
    f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, w.clone())], &[&keeper]).await.ok();
    assert_eq!(weight_bits(&f.risk().await, 3), w);
    // the regime changes: asset 0 moves 15 % in an hour, the others stay put
    f.move_prices(3_600, &[1.15, 1.0, 1.0]).await;
    let before = f.risk().await;
    let out = f.refresh().await;
    out.ok();
    let after = f.risk().await;
    let now = f.env.now().await;
    let fx: Vec<Fx> = w.iter().map(|b| Fx::from_bits(*b)).collect();
    assert_eq!(
        risk_account::accept_weights(&mut after.clone(), &budgets, &fx, now),
        Err(rpv_core::CoreError::RiskBudgetMismatch),
        "the accepted weights miss the budgets under the new covariance"
    );
    let mut inverse_vol = [Fx::ZERO; 3];
    let bk = risk_account::book(&after, &budgets).unwrap();
    rpv_core::risk_parity::inverse_vol_weights(&bk.view, &bk.b[..3], &mut inverse_vol).unwrap();
    let want: Vec<i128> = inverse_vol.iter().map(|x| x.to_bits()).collect();
    assert_ne!(weight_bits(&after, 3), w, "the refresh still applies weights that miss the budgets");
    assert_eq!(weight_bits(&after, 3), want, "it falls back to inverse volatility");
    assert_eq!((after.samples, after.weights_accepted), (before.samples + 1, 0));
    match &out.events()[..] {
        [Event::RiskRefreshed(_), Event::WeightsFellBack(e)] => {
            assert_eq!((e.reason, e.age_samples, e.sample_time), (ix::WeightsFallback::BudgetMismatch, 1, now));
        }
        other => panic!("expected RiskRefreshed and WeightsFellBack, got {other:?}"),
    }
    // re-submitting the old weights is refused and changes nothing
    let state = f.vault_and_risk_bytes().await;
    f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, w)], &[&keeper]).await.assert_error("RiskBudgetMismatch");
    assert_eq!(f.vault_and_risk_bytes().await, state);
}

/// Accepted weights expire: with `max_weight_samples = 3`, calm refreshes (the covariance only
/// decays, the weights still meet their budgets) keep them for two samples; the third drops them
/// for inverse-volatility weights and says so. A new submission starts a new lifetime.
#[tokio::test]
async fn accepted_weights_expire_after_max_weight_samples() {
    let mut f = risk_budget_vault(ix::RiskParams { max_weight_samples: 3, ..Default::default() }).await;
    let keeper = f.env.funded_keypair().await;
    let vault = f.vault;
    let submit = |r: &RiskState| to_bits(&solved_weights(r));
    let w = submit(&f.risk().await);
    f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, w.clone())], &[&keeper]).await.ok();
    let accepted_at = f.risk().await.samples;
    for age in 1..3u64 {
        let out = f.step(60).await;
        out.ok();
        assert!(matches!(&out.events()[..], [Event::RiskRefreshed(_)]), "kept at age {age}");
        let r = f.risk().await;
        assert_eq!((weight_bits(&r, 3), r.samples - accepted_at, r.weights_accepted), (w.clone(), age, 1));
    }
    let before = f.risk().await;
    let out = f.step(60).await;
    out.ok();
    let after = f.risk().await;
    match &out.events()[..] {
        [Event::RiskRefreshed(_), Event::WeightsFellBack(e)] => {
            assert_eq!((e.reason, e.age_samples, e.max_weight_samples), (ix::WeightsFallback::Expired, 3, 3));
        }
        other => panic!("expected RiskRefreshed and WeightsFellBack, got {other:?}"),
    }
    // the core model of the same refresh: inverse-volatility weights, not the expired ones
    let v = f.state().await;
    let nav = f.nav(Rounding::Down).await;
    let want = expected_after_refresh(&before, &v, &f.prices(), &BUDGETS, nav, f.env.now().await);
    assert_eq!(after, want);
    assert_ne!(weight_bits(&after, 3), w);
    assert_eq!(after.weights_accepted, 0);
    // a fresh submission is accepted and lives again
    let w2 = submit(&after);
    f.env.send(&[ix::submit_weights(&keeper.pubkey(), &vault, w2.clone())], &[&keeper]).await.ok();
    let out = f.step(60).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RiskRefreshed(_)]));
    assert_eq!(weight_bits(&f.risk().await, 3), w2);
}
