//! The engine's gates and summaries on the core alone (the `.so` tests run them end to end):
//! written against the mutants `cargo xtask mutants` found surviving the core's own suite.

use bytemuck::Zeroable;
use rpv_core::{
    engine::{self, EngineError},
    fixed_point::Fx,
    layout::{AssetSlot, RiskState, SampledPrice, VaultState, BUDGET_ONE},
    price::OraclePrice,
    risk_account::init_defaults,
    CoreError,
};

const T0: i64 = 1_000_000;

fn px(price: u64, publish_time: i64) -> OraclePrice {
    OraclePrice { price, conf: 0, expo: -8, publish_time }
}

/// A vault with two spot assets (6 decimals, budgets ½ each), 1,000 base units of cash.
mod support;

fn vault() -> VaultState {
    let mut v = support::base_vault();
    v.dead_shares = 1_000;
    v.base_quantity = 1_000_000_000;
    v.max_risk_age = 3_600;
    for i in 0..2u8 {
        v.assets[usize::from(i)] = AssetSlot {
            mint: [2 + i; 32],
            token_account: [20 + i; 32],
            quantity: 1_000_000,
            risk_budget: BUDGET_ONE / 2,
            max_oracle_age: 60,
            max_conf_bps: 100,
            decimals: 6,
            ..AssetSlot::zeroed()
        };
    }
    v.num_assets = 2;
    v
}

fn risk() -> RiskState {
    let mut r = RiskState::zeroed();
    init_defaults(&mut r);
    r
}

fn refreshed() -> (VaultState, RiskState) {
    let (mut v, mut r) = (vault(), risk());
    let mut prices = [px(10_000_000_000, T0 - 1), px(5_000_000_000, T0 - 1)];
    let s = engine::refresh::refresh(&mut v, &mut r, &mut prices, 0b11, T0).unwrap();
    assert!(s.positions_updated);
    (v, r)
}

#[test]
fn a_refresh_records_every_price_it_read_and_refuses_an_old_one() {
    let (v, r) = refreshed();
    assert_eq!(v.assets[0].last_publish_time, T0 - 1);
    assert_eq!(v.assets[1].last_publish_time, T0 - 1);
    assert_eq!(r.sampled[0], SampledPrice::of(&px(10_000_000_000, T0 - 1)));
    assert_eq!(r.sampled[1], SampledPrice::of(&px(5_000_000_000, T0 - 1)));
    assert_eq!(v.risk_refreshed_at, T0);
    // NAV: 1,000 cash + 1 × 100 + 1 × 50
    assert_eq!(r.nav_snapshot, 1_150_000_000);
    // the next one: newer prices move the samples; an old one is refused, nothing written
    let t1 = T0 + i64::from(r.min_sample_interval);
    let (mut v2, mut r2) = (v, r);
    let mut old = [px(11_000_000_000, T0 - 1), px(5_000_000_000, T0 + 5)];
    assert_eq!(
        engine::refresh::refresh(&mut v2, &mut r2, &mut old, 0b11, t1),
        Err(EngineError::Core(CoreError::OracleNotNewer))
    );
    let mut newer = [px(11_000_000_000, t1 - 1), px(5_000_000_000, t1 - 1)];
    engine::refresh::refresh(&mut v2, &mut r2, &mut newer, 0b11, t1).unwrap();
    assert_eq!(r2.sampled[0], SampledPrice::of(&px(11_000_000_000, t1 - 1)));
    assert_eq!(v2.assets[0].last_publish_time, t1 - 1);
    assert_eq!(r2.nav_snapshot, 1_160_000_000);
}

#[test]
fn refreshes_are_spaced_by_the_minimum_interval() {
    let (v, r) = refreshed();
    let min = i64::from(r.min_sample_interval);
    assert!(min > 0);
    assert_eq!(engine::refresh::refresh_gate(&v, &r, T0 + min - 1), Err(EngineError::RefreshTooSoon));
    assert_eq!(engine::refresh::refresh_gate(&v, &r, T0 + min), Ok(()));
    assert_eq!(engine::refresh::refresh_gate(&vault(), &risk(), 5), Ok(()), "the first sample at any time");
}

#[test]
fn the_positions_step_needs_every_asset_sampled_and_marked() {
    let (mut v, mut r) = refreshed();
    let s = engine::positions::update(&mut v, &mut r).unwrap();
    assert_eq!(s.sample_time, T0);
    assert_eq!(v.fee_snapshot.nav, r.nav_snapshot);
    let mut part = r;
    part.sampled_mask = 0b01;
    assert_eq!(engine::positions::update(&mut v, &mut part).err(), Some(EngineError::RefreshRequired));
    let mut unmarked = r;
    unmarked.marked_at = T0 - 1;
    assert_eq!(engine::positions::update(&mut v, &mut unmarked).err(), Some(EngineError::RefreshRequired));
}

#[test]
fn the_quote_prices_a_share_at_nav_over_shares() {
    let (v, r) = refreshed();
    let prices = [px(10_000_000_000, T0), px(5_000_000_000, T0)];
    // 1,150 base units of NAV over 1,000 dead + 99,000 minted shares, no fees
    let q = engine::quote::quote(&v, &r, 99_000, &prices, T0).unwrap();
    assert_eq!((q.nav, q.total_shares), (1_150_000_000, 100_000));
    assert_eq!(q.share_price_e9, 11_500 * 1_000_000_000);
    assert!(q.risk_fresh);
}

#[test]
fn weights_are_submitted_for_every_registered_asset() {
    let (v, mut r) = refreshed();
    // equal prior vols: ½, ½ is the risk-parity answer
    let half = Fx::from_num(0.5).to_bits();
    let s = engine::weights::submit(&v, &mut r, &[half, half], T0 + 1).unwrap();
    assert_eq!(s.n, 2);
    assert_eq!(engine::weights::submit(&v, &mut r, &[half], T0 + 1).err(), Some(EngineError::WrongVectorLength));
    let mut none = v;
    none.num_assets = 0;
    none.assets = [AssetSlot::zeroed(); rpv_core::layout::MAX_ASSETS];
    assert_eq!(engine::weights::submit(&none, &mut r, &[], T0 + 1).err(), Some(EngineError::WrongVectorLength));
}

#[test]
fn fee_rates_raise_only_through_the_timelock() {
    let mut v = vault();
    v.fees = rpv_core::layout::FeeState::new([7; 32], [500, 3_000, 100, 1_000], 1, 1, 0);
    v.timelock_secs = 60;
    assert_eq!(engine::fees::check_new_rates(&v, 100, 1_000), Ok(()), "unchanged");
    assert_eq!(engine::fees::check_new_rates(&v, 50, 500), Ok(()), "lower");
    assert_eq!(engine::fees::check_new_rates(&v, 100, 1_001), Err(EngineError::TimelockRequired));
    assert_eq!(engine::fees::check_new_rates(&v, 101, 1_000), Err(EngineError::TimelockRequired));
    assert_eq!(engine::fees::check_new_rates(&v, 501, 0), Err(EngineError::FeeAboveMaximum));
    v.timelock_secs = 0;
    assert_eq!(engine::fees::check_new_rates(&v, 200, 2_000), Ok(()), "no timelock: at once");
}

#[test]
fn a_summary_says_whether_a_fee_share_was_issued() {
    let mut v = vault();
    v.fees = rpv_core::layout::FeeState::new([7; 32], [500, 3_000, 200, 0], 1, 1_000, 0);
    let none = engine::fees::accrue(&mut v, 0, None, 0).unwrap();
    assert!(!none.issued());
    let year = engine::fees::accrue(&mut v, 0, None, 365 * 86_400).unwrap();
    assert!(year.accrual.total() > 0 && year.issued(), "{year:?}");
}

#[test]
fn a_rebalance_picks_a_registered_leg_of_a_fresh_unpaused_vault() {
    let (mut v, mut r) = refreshed();
    engine::positions::update(&mut v, &mut r).unwrap();
    assert_eq!(engine::rebalance::select_leg(&v, &r, 1, T0 + 1), Ok(1));
    assert_eq!(engine::rebalance::select_leg(&v, &r, 2, T0 + 1), Err(EngineError::UnknownAsset));
    let stale = T0 + i64::from(v.max_risk_age) + 1;
    assert_eq!(engine::rebalance::select_leg(&v, &r, 1, stale), Err(EngineError::RiskStateStale));
    let mut no_step = r;
    no_step.positions_at = 0;
    assert_eq!(engine::rebalance::select_leg(&v, &no_step, 1, T0 + 1), Err(EngineError::RefreshRequired));
    assert_eq!(engine::rebalance::leg_gate(&v, &r, 0, T0 + 1), Ok(()));
    let mut resting = r;
    resting.rebalance.cooldown_secs = 600;
    resting.book.last_trade[0] = (T0 - 10) as u32;
    assert_eq!(engine::rebalance::leg_gate(&v, &resting, 0, T0 + 1), Err(EngineError::CooldownActive));
    assert_eq!(engine::rebalance::leg_gate(&v, &resting, 1, T0 + 1), Ok(()));
}

#[test]
fn a_flash_rebalance_opens_is_paid_and_closes() {
    use rpv_core::rebalance::{Side, AUTO_LEG};
    let (mut v, mut r) = refreshed();
    engine::positions::update(&mut v, &mut r).unwrap();
    r.targets[0] = 0; // leg 0 far above its target: the vault sells
    r.targets[1] = 50_000_000; // leg 1 on its target
    assert_eq!(engine::rebalance::select_leg(&v, &r, AUTO_LEG, T0 + 1), Ok(0));
    let leg = px(10_000_000_000, T0);
    let t = engine::rebalance::trade(&mut v, &mut r, 0, Some(&leg), None, 0, u64::MAX, 0, T0 + 1).unwrap();
    assert_eq!(t.plan.side, Side::Sell);
    assert!(t.plan.qty > 0 && t.plan.base_amount > 0);
    assert_eq!(v.assets[0].last_publish_time, T0, "the read is recorded");
    assert_eq!((t.vault_gives(), t.vault_receives()), (t.plan.qty, t.plan.base_amount), "a sale");
    let (q0, base0) = (v.assets[0].quantity, v.base_quantity);
    engine::rebalance::open_flash(&mut v, &mut r, &t, base0, 0).unwrap();
    assert_eq!(v.assets[0].quantity, q0 - t.plan.qty, "the vault's side is debited at once");
    assert!(v.is_rebalancing());
    assert_eq!(engine::rebalance::flash_gate(&v, &r, 0).err(), Some(EngineError::RebalanceNotStarted));
    assert!(engine::rebalance::flash_gate(&v, &r, 1).is_ok());
    let asset_after = q0 - t.plan.qty;
    let (mut v2, mut r2) = (v, r);
    assert_eq!(
        engine::rebalance::close_flash(&mut v2, &mut r2, base0 + t.plan.base_amount - 1, asset_after).err(),
        Some(EngineError::RebalanceUnderpaid)
    );
    let s = engine::rebalance::close_flash(&mut v, &mut r, base0 + t.plan.base_amount, asset_after).unwrap();
    assert_eq!((s.owed, s.received), (t.plan.base_amount, t.plan.base_amount));
    assert!(!v.is_rebalancing(), "the vault leaves the rebalancing state");
    assert_eq!(v.base_quantity, base0 + t.plan.base_amount);
    assert_eq!(engine::rebalance::flash_gate(&v, &r, 1).err(), Some(EngineError::RebalanceNotStarted));
    // a price older than the one the vault used is refused, nothing moves
    let older = px(10_000_000_000, T0 - 1);
    let (v0, r0) = (v, r);
    assert_eq!(
        engine::rebalance::trade(&mut v, &mut r, 0, Some(&older), None, 0, u64::MAX, 0, T0 + 2).err(),
        Some(EngineError::Core(CoreError::OracleNotNewer))
    );
    assert_eq!((v, r.book), (v0, r0.book));
}

#[test]
fn summaries_of_refresh_intervals_exits_and_oracle_ages() {
    let (mut v, mut r) = (vault(), risk());
    let mut prices = [px(10_000_000_000, T0 - 1), px(5_000_000_000, T0 - 1)];
    assert_eq!(engine::refresh::refresh(&mut v, &mut r, &mut prices, 0b11, T0).unwrap().interval, 0);
    let t1 = T0 + i64::from(r.min_sample_interval) + 7;
    let mut prices = [px(10_000_000_000, t1), px(5_000_000_000, t1)];
    assert_eq!(engine::refresh::refresh(&mut v, &mut r, &mut prices, 0b11, t1).unwrap().interval, t1 - T0);
    let whole = engine::flows::ExitNav { nav_down: 490, mark: 500, zeroed: 0 };
    assert_eq!(whole.complete(), Some(500));
    assert_eq!(engine::flows::ExitNav { zeroed: 0b10, ..whole }.complete(), None);
    let cfg = rpv_core::layout::RebalanceConfig { max_oracle_age: 0, ..Default::default() };
    assert_eq!(engine::rebalance::oracle_age(&cfg, 60), 60, "no own limit: the asset's");
    let cfg = rpv_core::layout::RebalanceConfig { max_oracle_age: 30, ..cfg };
    assert_eq!(engine::rebalance::oracle_age(&cfg, 60), 30);
    assert_eq!(engine::rebalance::oracle_age(&cfg, 20), 20, "never beyond the asset's own");
}

#[test]
fn every_underlying_beyond_its_delta_limit_is_marked() {
    let (mut v, mut r) = refreshed();
    r.max_delta = rpv_core::layout::FxBits::from_fx(Fx::from_num(0.01));
    let s = engine::positions::update(&mut v, &mut r).unwrap();
    assert_eq!(s.outcome.breach_mask, 0b11);
    assert_eq!(r.greek_breach_mask, 0b11);
}

#[test]
fn an_in_kind_exit_may_burn_every_share_held() {
    let (mut v, _) = refreshed();
    let s = engine::flows::redeem_in_kind(&mut v, 5_000, 5_000, 5_000, &[], 0, T0).unwrap();
    assert_eq!(s.total_shares_before, 6_000);
    assert_eq!(
        engine::flows::redeem_in_kind(&mut v, 5_000, 5_000, 5_001, &[], 0, T0).err(),
        Some(EngineError::InsufficientShares)
    );
}

#[test]
fn budgets_rescale_after_a_retirement_and_an_empty_registry_has_none() {
    use rpv_core::engine::retire::rescale_budgets;
    let mut v = vault();
    v.assets[0].risk_budget = BUDGET_ONE / 4;
    v.assets[1].risk_budget = BUDGET_ONE / 4;
    rescale_budgets(&mut v).unwrap();
    assert_eq!((v.assets[0].risk_budget, v.assets[1].risk_budget), (BUDGET_ONE / 2, BUDGET_ONE / 2));
    let mut empty = vault();
    empty.num_assets = 0;
    empty.assets = [AssetSlot::zeroed(); rpv_core::layout::MAX_ASSETS];
    assert_eq!(rescale_budgets(&mut empty), Ok(()));
}
