//! `rebalance` — one test per Specification bullet: convergence, bands, cooldowns, the caps'
//! rolling window, the keeper's bounds, adversarial callers, option legs, a randomized run
//! against oracle fair value, and the attacks on what the caps are measured against.
//! `cargo test rebalance` selects the rebalancing group (with `rebalance_begin`, `rebalance_end`
//! and `set_rebalance_params`).

use rpv_core::rebalance::AUTO_LEG;
use rpv_sdk::ix;
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// 3 spot assets, 1,000,000 USDC deposited and a fresh positions step: every asset is far
/// below its target (the vault holds only base).
pub(crate) async fn funded(params: ix::RebalanceParams) -> Fixture {
    Fixture::with_assets(3).await.funded_for_rebalance(params, 1_000_000 * USDC).await
}

#[tokio::test]
async fn rebalance_converges_a_misweighted_vault_to_its_targets() {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    let mut trades = 0;
    while let Some(leg) = f.auto_leg().await {
        let out = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
        out.ok();
        let e = &rebalanced(&out)[0];
        assert_eq!(e.side, 2, "an underweight leg is bought");
        assert!(e.value_after.abs_diff(e.target) < e.value_before.abs_diff(e.target), "{e:?}");
        trades += 1;
        assert!(trades <= 10, "does not converge");
        f.step(61).await.ok();
    }
    assert!(trades >= 3, "each of the 3 legs traded");
    let r = f.risk().await;
    let s = f.state().await;
    let nav = rpv_core::rebalance::sampled_nav(&s, &r).unwrap();
    for i in 0..3 {
        let target = rpv_core::rebalance::scaled_target(&r, i, nav).unwrap();
        let band = rpv_core::rebalance::band(&r, nav);
        assert!(f.value_of(i).await.abs_diff(target) <= band + 1, "leg {i} inside its band");
    }
    // the accounts reconcile
    let base = f.env.token_amount(&f.base_vault()).await;
    assert!(base >= s.base_quantity);
}

#[tokio::test]
async fn rebalance_inside_the_bands_nothing_trades() {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    while let Some(leg) = f.auto_leg().await {
        f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await.ok();
        f.step(61).await.ok();
    }
    let before = f.vault_and_risk_bytes().await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("WithinBand");
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(AUTO_LEG)).await.assert_error("WithinBand");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn rebalance_cooldown_per_leg() {
    let mut f =
        funded(ix::RebalanceParams { cooldown_secs: 3_600, max_leg_bps: 100, ..loose_rebalance_params() }).await;
    let k = f.rich_keeper().await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.ok();
    let before = f.vault_and_risk_bytes().await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("CooldownActive");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // another leg is free; the auto leg skips the resting one
    assert_ne!(f.auto_leg().await, Some(0));
    f.rebalance(&k, 1, ix::RebalanceArgs::any_price(1)).await.ok();
    // after the cooldown (and a fresh risk state) leg 0 trades again
    for _ in 0..12 {
        f.step(300).await.ok();
    }
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.ok();
}

#[tokio::test]
async fn rebalance_daily_turnover_and_size_caps() {
    let mut f = funded(ix::RebalanceParams {
        max_leg_bps: 200,
        max_turnover_bps: 300,
        max_reduction_bps: 300,
        ..loose_rebalance_params()
    })
    .await;
    // no confidence spread: trades cannot raise NAV, so the day's cap is used up exactly
    for a in f.assets.iter_mut() {
        a.conf = 0;
    }
    f.step(60).await.ok();
    let k = f.rich_keeper().await;
    let out = f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    out.ok();
    let e = &rebalanced(&out)[0];
    assert!(
        e.fair_value <= e.nav * 200 / 10_000 && e.fair_value + 2 >= e.nav * 200 / 10_000,
        "2 % of NAV per call: {e:?}"
    );
    // an oversized request is clamped to the caps, never trades more
    let out = f.rebalance(&k, 1, ix::RebalanceArgs { max_value: u64::MAX, ..ix::RebalanceArgs::any_price(1) }).await;
    out.ok();
    let e2 = &rebalanced(&out)[0];
    assert!(e2.turnover_today <= e2.nav * 300 / 10_000 + 1, "{e2:?}");
    let before = f.vault_and_risk_bytes().await;
    f.rebalance(&k, 2, ix::RebalanceArgs::any_price(2)).await.assert_error("TurnoverCapReached");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // a day after the last counted trade the rolling window resets
    f.step(86_400).await.ok();
    f.rebalance(&k, 2, ix::RebalanceArgs::any_price(2)).await.ok();
}

#[tokio::test]
async fn rebalance_rate_limits_deleveraging() {
    let mut f = funded(ix::RebalanceParams { max_reduction_bps: 100, ..loose_rebalance_params() }).await;
    // make asset 0 hugely overweight: a sale, limited to 1 % of NAV per day
    let q0 = f.state().await.assets[0].quantity;
    f.set_holdings(&[q0 + 100_000_000_000_000, 0, 0]).await;
    // no confidence spread on this leg: the sale cannot raise NAV, so the cap is used up exactly
    f.assets[0].conf = 0;
    f.step(60).await.ok();
    let k = f.rich_keeper().await;
    let out = f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    out.ok();
    let e = &rebalanced(&out)[0];
    assert_eq!(e.side, 1);
    assert!(e.reduction_today <= e.nav / 100 + 1, "{e:?}");
    f.env.advance_time(120).await;
    f.refresh_oracles().await;
    f.refresh().await.ok();
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("ReductionCapReached");
}

#[tokio::test]
async fn rebalance_prices_against_the_caller_within_the_bounds() {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    let base_before = f.env.token_amount(&k.base_token).await;
    let out = f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    out.ok();
    let e = &rebalanced(&out)[0];
    // the vault bought e.qty at the lower end of the confidence interval plus 5 bps
    let a = f.assets[0].clone();
    let low = rpv_core::price::OraclePrice { price: a.price as u64 - a.conf, conf: 0, expo: a.expo, publish_time: 0 };
    let at_low = rpv_core::math::value_in_base(e.qty, &low, a.decimals, 6, rpv_core::math::Rounding::Down).unwrap();
    assert!(e.base_amount.abs_diff(at_low + e.incentive) <= 1, "{e:?} vs {at_low}");
    assert_eq!(e.incentive, e.fair_value * 5 / 10_000);
    assert!(e.cost <= e.incentive as i64 + 1);
    assert!(e.base_amount * 10_000 <= (e.fair_value + 1) * (10_000 + 50), "within max slippage");
    assert_eq!(base_before + e.base_amount, f.env.token_amount(&k.base_token).await);
    // the caller's own price bound
    f.step(61).await.ok();
    let before = f.vault_and_risk_bytes().await;
    let args = ix::RebalanceArgs { min_base_out: u64::MAX, ..ix::RebalanceArgs::any_price(1) };
    f.rebalance(&k, 1, args).await.assert_error("SlippageExceeded");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn rebalance_refuses_adversarial_callers() {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    let before = f.vault_and_risk_bytes().await;
    // wrong mint: the keeper's account for another asset
    let mut ix0 = f.rebalance_ix(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    ix0.accounts[9].pubkey = k.asset_tokens[1];
    f.env.send(&[ix0], &[&k.kp]).await.assert_error("WrongMint");
    // the auto leg with another leg's accounts
    let auto = f.auto_leg().await.unwrap();
    let other = (auto + 1) % 3;
    f.rebalance(&k, other, ix::RebalanceArgs::any_price(AUTO_LEG)).await.assert_error("WrongLeg");
    // a named leg with another slot's oracle
    let mut ix1 = f.rebalance_ix(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    ix1.accounts[12].pubkey = f.assets[1].oracle;
    f.env.send(&[ix1], &[&k.kp]).await.assert_error("OracleAccountMismatch");
    // the keeper must sign
    let mut ix2 = f.rebalance_ix(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    ix2.accounts[0].is_signer = false;
    f.env.send(&[ix2], &[]).await.assert_failed();
    // the risk account must be the vault's
    let mut ix3 = f.rebalance_ix(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    ix3.accounts[2].pubkey = Pubkey::new_unique();
    f.env.send(&[ix3], &[&k.kp]).await.assert_failed();
    // a stale oracle for the leg
    let a = f.assets[0].clone();
    f.write_oracle(&a, 120).await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("OracleStale");
    // an older (still fresh) price than the vault has used
    f.write_oracle(&a, 30).await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("OracleNotNewer");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // a stale risk state
    f.env.advance_time(3_600).await;
    f.refresh_oracles().await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("RiskStateStale");
    // paused
    f.step(60).await.ok();
    let admin = f.admin.insecure_clone();
    f.env.send(&[ix::set_paused(&admin.pubkey(), &f.vault, true)], &[&admin]).await.ok();
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("VaultPaused");
}

#[tokio::test]
async fn rebalance_a_keeper_cannot_make_the_vault_trade_away_from_its_targets() {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    // every leg is underweight: whatever the keeper names, the vault only buys, and never past
    // the target
    for leg in 0..3u8 {
        let out = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(leg)).await;
        out.ok();
        let e = &rebalanced(&out)[0];
        assert_eq!(e.side, 2);
        assert!(e.value_after <= e.target + 1, "{e:?}");
    }
}

#[tokio::test]
async fn rebalance_randomized_run_stays_within_the_bounds() {
    // many rebalances with random price moves: what the vault gave up against oracle fair
    // value stays within keeper_bps per call and the daily incentive budget
    let params = ix::RebalanceParams { cooldown_secs: 60, incentive_budget_ppm: 200, ..ix::RebalanceParams::default() };
    let mut f = funded(params).await;
    let k = f.rich_keeper().await;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut calls = 0;
    let mut day = 0i64;
    let mut day_cost = 0i64;
    for step in 0..60 {
        for i in 0..3 {
            let p = f.assets[i].price;
            let m = 1.0 + ((rnd() % 2001) as f64 - 1000.0) / 20_000.0; // ±5 %
            f.set_price(i, (p as f64 * m) as i64).await;
        }
        f.env.advance_time(61 + (rnd() % 600) as i64).await;
        f.refresh_oracles().await;
        f.refresh().await.ok();
        let Some(leg) = f.auto_leg().await else { continue };
        let a = f.assets[usize::from(leg)].clone();
        let out = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
        if out.result.is_err() {
            // only the caps may stop a trade the core planned
            let code = out.custom_code();
            assert!(
                ["TurnoverCapReached", "ReductionCapReached", "TradeTooSmall"]
                    .iter()
                    .any(|n| Some(rpv_sdk::errors::code(n).unwrap()) == code),
                "step {step}: {:?}",
                out.logs
            );
            continue;
        }
        let e = &rebalanced(&out)[0];
        calls += 1;
        // cost against the oracle mid, from the amounts that actually moved
        let mid = rpv_core::price::OraclePrice { price: a.price as u64, conf: 0, expo: a.expo, publish_time: 0 };
        let fair = |round| rpv_core::math::value_in_base(e.qty, &mid, a.decimals, 6, round).unwrap() as i64;
        let cost = if e.side == 1 {
            fair(rpv_core::math::Rounding::Up) - e.base_amount as i64
        } else {
            e.base_amount as i64 - fair(rpv_core::math::Rounding::Down)
        };
        assert!(cost <= (e.fair_value as i64 * 5 + 9_999) / 10_000 + 1, "per call: {cost} on {e:?}");
        let today = f.env.now().await / 86_400;
        if today != day {
            day = today;
            day_cost = 0;
        }
        day_cost += cost.max(0);
        assert!(day_cost <= (e.nav as i64 * 200) / 1_000_000 + calls, "per day: {day_cost}");
    }
    assert!(calls >= 10, "the run traded ({calls} calls)");
    let b = f.risk().await.book;
    assert_eq!(b.trades, calls as u64);
}

/// 8 spot assets and 8 option series, 1,000,000 USDC deposited: every leg below its target.
/// The band is 0.1 % of NAV: the series' targets are small next to the default 5 % band.
pub(crate) async fn options_funded() -> Fixture {
    let mut f = Fixture::with_spot_and_options(8).await;
    f.set_risk_params(ix::RiskParams { band_bps: 10, ..Default::default() }).await.ok();
    f.funded_for_rebalance(loose_rebalance_params(), 1_000_000 * USDC).await
}

#[tokio::test]
async fn rebalance_an_option_leg_at_black_scholes_with_the_implied_vol() {
    let mut f = options_funded().await;
    let k = f.rich_keeper().await;
    let leg = 8u8; // the first series (a call on asset 0)
    let plan = f.planned(leg).await;
    assert_eq!(plan.side, rpv_core::rebalance::Side::Buy);
    let q_before = f.state().await.assets[8].quantity;
    let r_before = f.risk().await;
    // the option leg needs its underlying's oracle
    let mut no_underlying = f.rebalance_ix(&k, leg, ix::RebalanceArgs::any_price(leg)).await;
    no_underlying.accounts.pop();
    f.env.send(&[no_underlying], &[&k.kp]).await.assert_error("OracleAccountCount");
    let out = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(leg)).await;
    out.ok();
    let e = &rebalanced(&out)[0];
    assert_eq!(
        (e.qty, e.base_amount, e.incentive),
        (plan.qty, plan.base_amount, plan.incentive),
        "as the SDK simulated"
    );
    assert!(e.cost <= e.incentive as i64 + 1);
    // the vault paid at most Black–Scholes at σ − conf (and the cheaper side of spot), plus the incentive
    assert!(e.base_amount <= e.fair_value + e.incentive + 1, "{e:?}");
    assert_eq!(f.state().await.assets[8].quantity, q_before + e.qty);
    // the underlying's net delta grew by the call's delta exposure
    let r = f.risk().await;
    assert!(r.net_delta[0].get() > r_before.net_delta[0].get());
}

// ---- attacks on what the caps are measured against (issue 14) ----

/// A vault converged to its targets under the loose parameters, then `tight` in force; the last
/// refresh's NAV snapshot is the NAV now and every leg is inside its band.
async fn converged(tight: ix::RebalanceParams) -> (Fixture, Keeper) {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    while let Some(leg) = f.auto_leg().await {
        f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await.ok();
        f.step(61).await.ok();
    }
    f.set_rebalance_params(tight).await.ok();
    (f, k)
}

/// Base and leg balances of a keeper.
async fn keeper_balances(f: &mut Fixture, k: &Keeper, leg: usize) -> (u64, u64) {
    (f.env.token_amount(&k.base_token).await, f.env.token_amount(&k.asset_tokens[leg]).await)
}

/// Attack: deposit 20× the vault's NAV and, in the same transaction, trade as the keeper. Sized
/// against the live NAV, every leg would look far below its target, and the per-call cap, the
/// day's turnover and the incentive budget would be 21× the vault's; the attacker then withdraws
/// and leaves the vault above its target risk. Against the snapshot (the smaller of snapshot and
/// live NAV), the converged legs stay inside their bands: refused with `WithinBand`, nothing moves.
#[tokio::test]
async fn attack_deposit_inflates_targets_caps_and_keeper_budget() {
    let tight = ix::RebalanceParams {
        max_leg_bps: 200,
        max_turnover_bps: 300,
        max_reduction_bps: 300,
        ..loose_rebalance_params()
    };
    let (mut f, k) = converged(tight).await;
    let snapshot = f.risk().await.nav_snapshot;
    let amount = 20 * snapshot;
    let u = f.user(amount).await;
    let before = f.vault_and_risk_bytes().await;
    let keeper_before = keeper_balances(&mut f, &k, 0).await;
    let dep = f.deposit_ix(&u, amount, 0).await;
    let reb = f.rebalance_ix(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    let out = f.env.send(&[dep, reb], &[&u.kp, &k.kp]).await;
    if out.result.is_ok() {
        // the exploit went through: finish it and show what it took and left
        let e = rebalanced(&out)[0].clone();
        let shares = f.env.token_amount(&u.share_token).await;
        f.withdraw(&u, shares, 0).await.ok();
        let r = f.risk().await;
        let value = f.value_of(0).await;
        panic!(
            "attack succeeded: the keeper traded {} of fair value (the snapshot allows {} per call) for an \
             incentive of {} (day's turnover {}, incentive {}); after the withdrawal leg 0 is worth {} against \
             its target {}",
            e.fair_value,
            snapshot * 200 / 10_000,
            e.incentive,
            e.turnover_today,
            e.incentive_today,
            value,
            r.targets[0]
        );
    }
    out.assert_error("WithinBand");
    assert_eq!(f.vault_and_risk_bytes().await, before, "vault and risk unchanged");
    assert_eq!(keeper_balances(&mut f, &k, 0).await, keeper_before);
    assert_eq!(f.env.token_amount(&u.base_token).await, amount, "the deposit was rolled back");
    assert_eq!(f.env.token_amount(&u.share_token).await, 0);
}

/// Attack: `deposit_asset` 10× the vault's NAV of one leg, then (same transaction) sell it back
/// to the vault as the keeper. The leg is really overweight now, so a sale is due, but the day's
/// deleveraging cap is measured on the snapshot, not on the inflated NAV: the trade is bounded by
/// `max_reduction_bps` of the snapshot, and the next one is refused with `ReductionCapReached`
/// with nothing moved.
#[tokio::test]
async fn attack_deposit_asset_round_trip_inflates_the_deleveraging_cap() {
    let tight = ix::RebalanceParams { max_reduction_bps: 100, ..loose_rebalance_params() };
    let (mut f, k) = converged(tight).await;
    let snapshot = f.risk().await.nav_snapshot;
    let cap = snapshot / 100;
    let a = f.assets[0].clone();
    assert_eq!((a.decimals, a.expo), (9, -8));
    // 10× NAV of leg 0 (9 decimals, price at 10^-8, base 6 decimals)
    let qty = (u128::from(10 * snapshot) * 1_000 * 100_000_000 / a.price as u128) as u64;
    let u = f.user(0).await;
    let from = f.asset_account(0, &u.kp.pubkey(), qty).await;
    let dep = f.deposit_asset_ix(&u, 0, &from, qty, 0).await;
    let reb = f.rebalance_ix(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    let out = f.env.send(&[dep, reb], &[&u.kp, &k.kp]).await;
    out.ok();
    let e = rebalanced(&out)[0].clone();
    assert_eq!(e.side, 1, "the overweight leg is sold");
    assert!(
        e.fair_value <= cap + 1 && e.reduction_today <= cap + 1,
        "the sale is bounded by 1 % of the snapshot ({cap}): sold {} (reduction today {}), sized on NAV {}",
        e.fair_value,
        e.reduction_today,
        e.nav
    );
    assert!(e.nav <= snapshot, "sized against at most the snapshot: {e:?}");
    // the cap is used up until a refresh samples the deposit: the next sale (after the
    // cooldown, before any refresh) is refused, nothing moves
    f.env.advance_time(61).await;
    f.refresh_oracles().await;
    let before = f.vault_and_risk_bytes().await;
    let keeper_before = keeper_balances(&mut f, &k, 0).await;
    let left = cap - e.reduction_today.min(cap);
    assert!(left <= 1, "at most a rounding unit of the cap is left: {left}");
    let out = f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    // nothing left: the cap is reached; one base unit left: a trade of it rounds to nothing
    out.assert_error(if left == 0 { "ReductionCapReached" } else { "TradeTooSmall" });
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert_eq!(keeper_balances(&mut f, &k, 0).await, keeper_before);
}

/// Attack: use the whole turnover cap a minute before 00:00 UTC and again a minute after. With
/// counters that reset at midnight, twice the cap trades within two minutes; with the rolling
/// window the second trade is refused with `TurnoverCapReached` and nothing moves.
#[tokio::test]
async fn attack_midnight_reset_doubles_the_daily_cap() {
    let caps = ix::RebalanceParams {
        max_leg_bps: 300,
        max_turnover_bps: 300,
        max_reduction_bps: 300,
        ..loose_rebalance_params()
    };
    let mut f = funded(caps).await;
    for a in f.assets.iter_mut() {
        a.conf = 0;
    }
    // refresh at 23:59:00 UTC
    let now = f.env.now().await;
    let mut wait = (86_400 - 60 - now.rem_euclid(86_400)).rem_euclid(86_400);
    if wait < 61 {
        wait += 86_400;
    }
    f.step(wait).await.ok();
    assert_eq!(f.env.now().await.rem_euclid(86_400), 86_400 - 60);
    let k = f.rich_keeper().await;
    let out = f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    out.ok();
    let e = rebalanced(&out)[0].clone();
    assert!(e.turnover_today + 2 >= e.nav * 300 / 10_000, "the whole cap used before midnight: {e:?}");
    // 00:01:00 UTC, a fresh refresh
    f.step(120).await.ok();
    assert_eq!(f.env.now().await.rem_euclid(86_400), 60);
    let before = f.vault_and_risk_bytes().await;
    let keeper_before = keeper_balances(&mut f, &k, 1).await;
    let out = f.rebalance(&k, 1, ix::RebalanceArgs::any_price(1)).await;
    if out.result.is_ok() {
        let e2 = rebalanced(&out)[0].clone();
        panic!(
            "attack succeeded: {} then {} of turnover two minutes apart across midnight (cap {})",
            e.fair_value,
            e2.fair_value,
            e.nav * 300 / 10_000
        );
    }
    out.assert_error("TurnoverCapReached");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert_eq!(keeper_balances(&mut f, &k, 1).await, keeper_before);
}

/// The Greek rule of `rebalance` on the `.so`: net delta on asset 0 is held beyond a limit of
/// 5 % of NAV (a spot position's dollar delta is its value). A purchase of asset 0 would push the
/// breach further: refused (`GreekLimitExceeded`) and nothing changes. Once the holding is above
/// its target, the sale that brings delta back toward the limit is allowed.
#[tokio::test]
async fn rebalance_refuses_a_trade_that_pushes_a_breached_greek_further() {
    let mut f = funded(loose_rebalance_params()).await;
    let limit = ix::OptionParams { max_delta_bps: 500, max_gamma_bps: 0, max_vega_bps: 0, ..Default::default() };
    f.set_option_params(limit).await.ok();
    // ≈ 8 % of NAV in asset 0 ($10.50, 9 decimals): beyond the limit, below its target
    f.set_holdings(&[8_300_000_000_000, 0, 0]).await;
    f.step(61).await.ok();
    let (s, r) = (f.state().await, f.risk().await);
    let nav = rpv_core::rebalance::sampled_nav(&s, &r).unwrap();
    let (value, target) = (f.value_of(0).await, rpv_core::rebalance::scaled_target(&r, 0, nav).unwrap());
    assert!(value > nav / 20 && value < target, "breached ({value} > 5 % of {nav}) and under target {target}");
    assert_eq!(r.greek_breach_mask & 1, 1, "asset 0 is beyond its delta limit");
    let k = f.rich_keeper().await;
    let before = f.vault_and_risk_bytes().await;
    let keeper_base = f.env.token_amount(&k.base_token).await;
    f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await.assert_error("GreekLimitExceeded");
    assert_eq!(f.vault_and_risk_bytes().await, before, "nothing changes");
    assert_eq!(f.env.token_amount(&k.base_token).await, keeper_base);
    // another leg trades as long as its own delta stays inside the limit (2 % of NAV here)
    let small = ix::RebalanceArgs { max_value: nav / 50, ..ix::RebalanceArgs::any_price(1) };
    f.rebalance(&k, 1, small).await.ok();
    let d1 = f.risk().await.net_delta[1].get().to_num::<f64>();
    assert!(d1 > 0.0 && d1 <= nav as f64 * 0.05, "asset 1's delta {d1} inside the limit");
    // ≈ 60 % of NAV in asset 0: above its target, so the keeper sells it — back toward the limit
    let q1 = f.state().await.assets[1].quantity;
    f.set_holdings(&[100_000_000_000_000, q1, 0]).await;
    f.step(61).await.ok();
    let r = f.risk().await;
    assert_eq!(r.greek_breach_mask & 1, 1);
    let d0 = r.net_delta[0].get();
    let out = f.rebalance(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    out.ok();
    assert_eq!(rebalanced(&out)[0].side, 1, "the vault sold asset 0");
    assert!(f.risk().await.net_delta[0].get() < d0, "net delta fell");
}

/// After settlement the series' target is 0 and `rebalance` sells the whole holding to the
/// keeper (who exercises the tokens) at exactly the payoff per token, less the ordinary
/// incentive; no oracle is read, turnover and reduction are not counted, and NAV moves by the
/// incentive only. Nothing is left to sell afterwards.
#[tokio::test]
async fn rebalance_sells_a_settled_series_at_its_payoff() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 2 * 3_600, 0.6)]).await;
    f.set_holdings(&[0, 0, 5_000_000]).await; // 5 calls
    let expiry = f.state().await.assets[2].option.expiry;
    let now = f.env.now().await;
    f.env.advance_time(expiry - now).await;
    f.set_price(0, 1_200_000_000).await; // $12: payoff 2 per token
    let caller = f.user(0).await;
    let s = f.state().await;
    f.env.send(&[ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 2)], &[&caller.kp]).await.ok();
    f.step(60).await.ok();
    // the implied-vol feed is dead: its account holds garbage, never read for a settled leg
    let iv_feed = f.assets[2].oracle;
    f.env.set_pyth(&iv_feed, vec![0u8; 16]);
    let k = f.keeper(100 * USDC, 0).await;
    let (r0, s0) = (f.risk().await, f.state().await);
    let nav0 = f.nav(rpv_core::math::Rounding::Down).await;
    let out = f.rebalance(&k, 2, ix::RebalanceArgs::any_price(2)).await;
    out.ok();
    let t = rebalanced(&out).remove(0);
    let fair = 10 * USDC; // 5 tokens × 2
                          // the ordinary incentive: keeper_bps of the fair value within what is left of the budget
    let budget_left =
        nav0.min(r0.nav_snapshot) * u64::from(r0.rebalance.incentive_budget_ppm) / 1_000_000 - r0.book.incentive;
    let incentive = (fair * u64::from(r0.rebalance.keeper_bps) / 10_000).min(budget_left);
    assert_eq!(
        (t.side, t.qty, t.fair_value, t.incentive, t.base_amount),
        (1, 5_000_000, fair, incentive, fair - incentive)
    );
    assert_eq!(f.env.token_amount(&k.asset_tokens[2]).await, 5_000_000);
    assert_eq!(f.env.token_amount(&k.base_token).await, 100 * USDC - (fair - incentive));
    let (r1, s1) = (f.risk().await, f.state().await);
    assert_eq!((s1.assets[2].quantity, s1.base_quantity), (0, s0.base_quantity + fair - incentive));
    assert_eq!((r1.book.turnover, r1.book.reduction), (r0.book.turnover, r0.book.reduction));
    assert_eq!(f.nav(rpv_core::math::Rounding::Down).await, nav0 - incentive);
    // nothing left: the leg is inside its (zero) band
    f.step(i64::from(r1.rebalance.cooldown_secs) + 60).await.ok();
    f.env.set_pyth(&iv_feed, vec![0u8; 16]);
    let again = f.rebalance_ix(&k, 2, ix::RebalanceArgs::any_price(2)).await;
    f.env.send(&[distinct(1), again], &[&k.kp]).await.assert_error("WithinBand");
}
