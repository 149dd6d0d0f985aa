//! `update_positions` — one test per Specification bullet: option series as positions, valued at
//! Black–Scholes in NAV, in the budgets (gamma, implied-vol blend) and in the Greek limits.

use rpv_core::{
    exposure::position_covariance,
    fixed_point::Fx,
    math::Rounding,
    options::{black_scholes, BsInput, OptionKind},
    risk_account,
    risk_parity::{risk_budget_weights, risk_contributions},
    valuation::fx_value_in_base,
};
use rpv_sdk::ix;
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn refresh_defers_to_update_positions_for_vaults_with_options() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.5, 30 * DAY, 0.6)]).await;
    assert!(f.state().await.risk_refreshed_at > 0);
    f.env.advance_time(60).await;
    f.refresh_oracles().await;
    let t = f.env.now().await;
    // refresh alone samples but does not make the risk state fresh
    let ix = f.refresh_ix().await;
    let out = f.env.send(&[ix], &[]).await;
    out.ok();
    println!("refresh (2 spot + 1 option): {} CU", out.cu);
    assert!(f.state().await.risk_refreshed_at < t);
    let r = f.risk().await;
    assert_eq!(r.last_sample_time, t);
    assert!(r.positions_at < t);
    // the positions step completes it, as of the sample's time
    f.env.advance_time(5).await;
    let out = f.env.send(&[ix::update_positions(&f.vault)], &[]).await;
    out.ok();
    println!("update_positions (2 spot + 1 option): {} CU", out.cu);
    assert_eq!(f.state().await.risk_refreshed_at, t);
    let p = positions_updated(&out);
    assert_eq!(p.sample_time, t);
    assert_eq!(p.included_mask, 0b111);
    assert_eq!(f.risk().await.positions_at, t);
}

#[tokio::test]
async fn update_positions_requires_a_sample_of_every_asset() {
    let mut f = Fixture::with_assets(1).await;
    f.add_option(&Series::call(0, 10.5, 30 * DAY, 0.6), 100_000_000).await.ok();
    let before = f.risk().await;
    f.env.send(&[ix::update_positions(&f.vault)], &[]).await.assert_error("RefreshRequired");
    assert_eq!(f.risk().await, before);
}

/// NAV: the option holding at Black–Scholes (core, bit for bit), both in the positions step's
/// snapshot and in a deposit's pricing.
#[tokio::test]
async fn nav_values_options_at_black_scholes_with_the_implied_vol() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.0, 90 * DAY, 0.6)]).await;
    f.set_holdings(&[3_000_000_000, 0, 40_000_000]).await; // 3 A, 40 calls (6 decimals)
    f.env.advance_time(60).await;
    f.refresh_oracles().await;
    let out = f.refresh().await;
    out.ok();
    let s = f.state().await;
    let now = f.risk().await.last_sample_time;
    let g = black_scholes(&BsInput {
        kind: OptionKind::Call,
        spot: Fx::from_num(10.5),
        strike: Fx::from_num(10.0),
        vol: Fx::from_num(0.6),
        rate: Fx::ZERO,
        years: Fx::from_num(s.assets[2].option.expiry - now) / Fx::from_num(365 * DAY),
    })
    .unwrap();
    let option_value = fx_value_in_base(40_000_000, g.price, 6, 6, Rounding::Down).unwrap();
    // against the textbook value in f64: BS(10.5, 10, σ 0.6, T ≈ 0.2466, r 0) = 1.47993
    assert!((option_value as f64 / 40e6 - 1.47993).abs() < 1e-4, "{option_value}");
    let want = SEED_DEPOSIT + 31_500_000 + option_value;
    assert_eq!(positions_updated(&out).nav, want);
    assert_eq!(f.nav(Rounding::Down).await, want);
    // a deposit is priced on the same marks at the top of every confidence interval (the
    // call at the underlying's and the implied vol's high ends), rounded up: shares = value ×
    // supply / NAV
    let u = f.user(10_000_000).await;
    let supply = f.total_shares().await;
    let nav_up = f.banded_nav(rpv_core::valuation::Band::High).await;
    assert!(nav_up > f.nav(Rounding::Up).await);
    f.deposit(&u, 10_000_000, 0).await.ok();
    let got = f.env.token_amount(&u.share_token).await;
    assert_eq!(got, (10_000_000u128 * supply as u128 / nav_up as u128) as u64);
}

/// The seeds' claim on the `.so`: for equal budgets, the higher-gamma option receives less
/// capital than the lower-gamma one — under inverse volatility (computed in `update_positions`)
/// and under risk budgeting (solved off-chain with the core crate, verified by `submit_weights`),
/// where the risk contributions still equal the budgets.
#[tokio::test]
async fn a_higher_gamma_option_receives_less_capital_for_equal_budgets() {
    let short = Series::call(0, 10.5, 7 * DAY, 0.6); // one week at the money: high gamma
    let long = Series::call(0, 10.5, 365 * DAY, 0.6); // one year: low gamma
    let mut f = Fixture::with_options(&[short, long]).await;
    let r = f.risk().await;
    assert_eq!(r.included_mask, 0b1111);
    assert!(r.convexity[2].get() > r.convexity[3].get(), "the short-dated call has the larger gamma per unit value");
    assert!(r.elasticity[2].get() > r.elasticity[3].get());
    // inverse volatility
    assert!(r.weights[2].get() < r.weights[3].get(), "{} vs {}", r.weights[2].get(), r.weights[3].get());
    assert!(r.targets[2] < r.targets[3]);

    // risk budgeting: solve off-chain on the same position model, submit, verify on-chain
    let budgets = Fixture::equal_budgets(4);
    let (w, rc) = {
        let bk = risk_account::book(&r, &budgets).unwrap();
        let risk_account::View::Positions(p) = &bk.view else { panic!("a vault with options uses the position model") };
        let dense = position_covariance(&p.c, &p.e, risk_account::gamma_horizon(&r).unwrap()).unwrap();
        let mut w = [Fx::ZERO; 4];
        risk_budget_weights(&dense, &bk.b[..4], &mut w, Fx::from_bits(28), 10_000).unwrap();
        let mut rc = [Fx::ZERO; 4];
        risk_contributions(&bk.view, &w, &mut rc).unwrap();
        (w, rc)
    };
    for x in rc {
        assert!((x.to_num::<f64>() - 0.25).abs() < 1e-6, "risk contribution {x}");
    }
    let u = f.user(0).await;
    let out =
        f.env.send(&[ix::submit_weights(&u.kp.pubkey(), &f.vault, w.map(|x| x.to_bits()).to_vec())], &[&u.kp]).await;
    out.ok();
    let r = f.risk().await;
    assert_eq!(r.weights[2].get(), w[2]);
    assert!(w[2] < w[3], "ERC: high-gamma weight {} ≥ low-gamma weight {}", w[2], w[3]);
    assert!(r.targets[2] < r.targets[3]);
    // a perturbed vector is refused
    let mut bad = w;
    bad[2] += Fx::from_num(0.01);
    bad[3] -= Fx::from_num(0.01);
    f.env
        .send(&[ix::submit_weights(&u.kp.pubkey(), &f.vault, bad.map(|x| x.to_bits()).to_vec())], &[&u.kp])
        .await
        .assert_error("RiskBudgetMismatch");
}

#[tokio::test]
async fn implied_vol_blend_scales_the_underlying_vol_used_for_budgets() {
    let mut f = Fixture::with_options(&[Series::call(0, 10.5, 90 * DAY, 1.2)]).await;
    let w0 = f.risk().await.weights[0].get();
    f.set_option_params(ix::OptionParams { iv_blend_bps: 10_000, ..Default::default() }).await.ok();
    f.step(60).await.ok();
    let r = f.risk().await;
    // prior vol 60 % realised, 120 % implied: the underlying's σ doubles, its weight falls
    let scale = r.vol_scale[0].get().to_num::<f64>();
    assert!((scale - 2.0).abs() < 0.05, "scale {scale}");
    assert!(r.weights[0].get() < w0);
    assert_eq!(r.vol_scale[1].get(), Fx::ONE, "B has no implied vol");
}

#[tokio::test]
async fn greek_limits_refuse_the_action_that_pushes_a_breach_further() {
    let mut f =
        Fixture::with_options(&[Series::call(0, 10.5, 90 * DAY, 0.6), Series::put(0, 10.5, 90 * DAY, 0.6)]).await;
    // a limit on net delta only: 50 % of NAV
    f.set_option_params(ix::OptionParams {
        max_delta_bps: 5_000,
        max_gamma_bps: 0,
        max_vega_bps: 0,
        ..Default::default()
    })
    .await
    .ok();
    f.step(60).await.ok();
    let u = f.user(0).await;
    let calls = f.asset_account(2, &u.kp.pubkey(), 100_000_000).await;
    let puts = f.asset_account(3, &u.kp.pubkey(), 100_000_000).await;
    // 100 calls (≈ $150, delta ≈ $600 on a $1 vault): refused
    let state = f.state().await;
    let risk = f.risk().await;
    f.deposit_asset(&u, 2, &calls, 100_000_000, 0).await.assert_error("GreekLimitExceeded");
    assert_eq!((f.state().await, f.risk().await), (state, risk));
    // a deposit that stays inside the limit is accepted: 0.01 call on a $1 vault
    f.deposit_asset(&u, 2, &calls, 10_000, 0).await.ok();
    // breach the limit from outside (the price doubles), then: the put (negative delta) brings
    // it back and is accepted; another call pushes it further and is refused
    f.set_holdings(&[2_000_000_000, 0, 10_000, 0]).await;
    f.step(60).await.ok();
    let r = f.risk().await;
    assert!(r.greek_breach_mask & 1 == 1, "underlying 0 is beyond its delta limit");
    let d0 = r.net_delta[0].get();
    f.deposit_asset(&u, 3, &puts, 1_000_000, 0).await.ok();
    assert!(f.risk().await.net_delta[0].get() < d0);
    f.deposit_asset(&u, 2, &calls, 1_000_000, 0).await.assert_error("GreekLimitExceeded");
}
