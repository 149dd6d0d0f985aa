//! Option series as positions: `add_option`, `update_positions`, `settle_expired`,
//! `set_option_params`, and options in NAV, budgets and Greek limits — on the `.so`.

use rpv_core::{
    exposure::position_covariance,
    fixed_point::Fx,
    math::Rounding,
    options::{black_scholes, BsInput, OptionKind},
    risk_account,
    risk_parity::{risk_budget_weights, risk_contributions},
    valuation::fx_value_in_base,
};
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

fn fx(x: f64) -> Fx {
    Fx::from_num(x)
}

/// Spot A ($10.50, 9 decimals), spot B ($20.50, 8 decimals), then the given series; equal
/// budgets; refreshed (with the positions step).
async fn vault_with(series: &[Series]) -> Fixture {
    let mut f = Fixture::with_assets(2).await;
    for s in series {
        f.add_option(s, 100_000_000).await.ok();
    }
    f.set_equal_budgets().await.ok();
    f.env.advance_time(60).await;
    f.refresh_oracles().await;
    f.refresh().await.ok();
    f
}

fn positions(out: &Outcome) -> rpv_sdk::events::PositionsUpdated {
    out.events()
        .into_iter()
        .find_map(|e| if let Event::PositionsUpdated(p) = e { Some(p) } else { None })
        .expect("PositionsUpdated emitted")
}

#[tokio::test]
async fn add_option_registers_the_series_terms() {
    let mut f = Fixture::with_assets(1).await;
    let now = f.env.now().await;
    let out = f.add_option(&Series::put(0, 11.0, 30 * DAY, 0.55), 100_000_000).await;
    out.ok();
    let s = f.state().await;
    let t = s.assets[1].option;
    assert_eq!((t.kind, t.underlying, t.settled), (2, 0, 0));
    assert_eq!(t.expiry, now + 30 * DAY);
    assert_eq!(t.strike.get(), fx(11.0));
    assert_eq!(t.contract_size.get(), Fx::ONE);
    assert_eq!(s.risk_refreshed_at, 0, "the new series makes the risk state stale");
    assert!(out
        .events()
        .iter()
        .any(|e| matches!(e, Event::OptionAdded(o) if o.kind == OptionKind::Put && o.index == 1)));
}

#[tokio::test]
async fn add_option_rejects_bad_terms_underlyings_expiries_and_vols() {
    let mut f = Fixture::with_assets(1).await;
    f.add_option(&Series::call(0, 10.0, 30 * DAY, 0.6), 100_000_000).await.ok();
    let before = f.state().await;
    let cases: [(Series, &str); 6] = [
        (Series::call(0, 0.0, 30 * DAY, 0.6), "InvalidOptionTerms"),
        (Series { contract_size: 0.0, ..Series::call(0, 10.0, 30 * DAY, 0.6) }, "InvalidOptionTerms"),
        (Series::call(1, 10.0, 30 * DAY, 0.6), "InvalidUnderlying"), // an option is not an underlying
        (Series::call(5, 10.0, 30 * DAY, 0.6), "InvalidUnderlying"), // not registered
        (Series::call(0, 10.0, 3_600, 0.6), "InvalidExpiry"),        // one hour is too close
        (Series::call(0, 10.0, 2 * 365 * DAY + 1, 0.6), "InvalidExpiry"),
    ];
    for (s, err) in cases {
        f.add_option(&s, 100_000_000).await.assert_error(err);
    }
    for iv in [0.04, 3.5] {
        f.add_option(&Series::call(0, 10.0, 30 * DAY, iv), 100_000_000).await.assert_error("ImpliedVolOutOfRange");
    }
    // the kind is an `OptionKind` on the wire (call = 0, put = 1, after the 8-byte
    // discriminator and the 47 bytes of `AddAssetArgs`): any other byte does not deserialise
    for byte in [2u8, 255] {
        let (_, mut bad) = f.option_ix(&Series::call(0, 10.0, 30 * DAY, 0.6), 100_000_000).await;
        assert_eq!(bad.data[8 + 47], 0, "the series' kind byte");
        bad.data[8 + 47] = byte;
        let admin = f.admin.insecure_clone();
        f.env.send(&[bad], &[&admin]).await.assert_anchor_error(ANCHOR_INSTRUCTION_DID_NOT_DESERIALIZE);
    }
    // only the admin
    let (_, mut bad) = f.option_ix(&Series::call(0, 10.0, 30 * DAY, 0.6), 100_000_000).await;
    let intruder = solana_keypair::Keypair::new();
    f.env.fund(&intruder.pubkey(), 1_000_000_000).await;
    bad.accounts[0].pubkey = intruder.pubkey();
    f.env.send(&[bad], &[&intruder]).await.assert_error("Unauthorized");
    assert_eq!(f.state().await, before);
}

#[tokio::test]
async fn refresh_defers_to_update_positions_for_vaults_with_options() {
    let mut f = vault_with(&[Series::call(0, 10.5, 30 * DAY, 0.6)]).await;
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
    let p = positions(&out);
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
    let mut f = vault_with(&[Series::call(0, 10.0, 90 * DAY, 0.6)]).await;
    f.set_holdings(&[3_000_000_000, 0, 40_000_000]).await; // 3 A, 40 calls (6 decimals)
    f.env.advance_time(60).await;
    f.refresh_oracles().await;
    let out = f.refresh().await;
    out.ok();
    let s = f.state().await;
    let now = f.risk().await.last_sample_time;
    let g = black_scholes(&BsInput {
        kind: OptionKind::Call,
        spot: fx(10.5),
        strike: fx(10.0),
        vol: fx(0.6),
        rate: Fx::ZERO,
        years: Fx::from_num(s.assets[2].option.expiry - now) / Fx::from_num(365 * DAY),
    })
    .unwrap();
    let option_value = fx_value_in_base(40_000_000, g.price, 6, 6, Rounding::Down).unwrap();
    // against the textbook value in f64: BS(10.5, 10, σ 0.6, T ≈ 0.2466, r 0) = 1.47993
    assert!((option_value as f64 / 40e6 - 1.47993).abs() < 1e-4, "{option_value}");
    let want = SEED_DEPOSIT + 31_500_000 + option_value;
    assert_eq!(positions(&out).nav, want);
    assert_eq!(f.nav(Rounding::Down).await, want);
    // a deposit is priced on the same NAV (rounded up): shares = value × supply / NAV
    let u = f.user(10_000_000).await;
    let supply = f.total_shares().await;
    let nav_up = f.nav(Rounding::Up).await;
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
    let mut f = vault_with(&[short, long]).await;
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
    bad[2] += fx(0.01);
    bad[3] -= fx(0.01);
    f.env
        .send(&[ix::submit_weights(&u.kp.pubkey(), &f.vault, bad.map(|x| x.to_bits()).to_vec())], &[&u.kp])
        .await
        .assert_error("RiskBudgetMismatch");
}

#[tokio::test]
async fn implied_vol_blend_scales_the_underlying_vol_used_for_budgets() {
    let mut f = vault_with(&[Series::call(0, 10.5, 90 * DAY, 1.2)]).await;
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
    let mut f = vault_with(&[Series::call(0, 10.5, 90 * DAY, 0.6), Series::put(0, 10.5, 90 * DAY, 0.6)]).await;
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

#[tokio::test]
async fn deposit_asset_values_an_option_at_the_low_end_of_its_implied_vol() {
    let mut f = vault_with(&[Series::call(0, 10.0, 60 * DAY, 0.6)]).await;
    // no Greek limits here: a $1 vault would refuse any option (see the Greek-limit test)
    f.set_option_params(ix::OptionParams { max_delta_bps: 0, max_gamma_bps: 0, max_vega_bps: 0, ..Default::default() })
        .await
        .ok();
    let u = f.user(0).await;
    let calls = f.asset_account(2, &u.kp.pubkey(), 1_000_000).await;
    let out = f.deposit_asset(&u, 2, &calls, 1_000_000, 0).await;
    out.ok();
    let now = f.env.now().await;
    let s = f.state().await;
    let g = black_scholes(&BsInput {
        kind: OptionKind::Call,
        spot: fx(10.5),
        strike: fx(10.0),
        vol: rpv_core::valuation::price_to_fx(&rpv_core::price::OraclePrice {
            price: 60_000_000 - 60_000,
            conf: 0,
            expo: -8,
            publish_time: 0,
        })
        .unwrap(),
        rate: Fx::ZERO,
        years: Fx::from_num(s.assets[2].option.expiry - now) / Fx::from_num(365 * DAY),
    })
    .unwrap();
    let want = fx_value_in_base(1_000_000, g.price, 6, 6, Rounding::Down).unwrap();
    let value = out
        .events()
        .into_iter()
        .find_map(|e| if let Event::AssetDeposited(d) = e { Some(d.value) } else { None })
        .unwrap();
    assert_eq!(value, want);
    assert_eq!(s.assets[2].quantity, 1_000_000);
}

#[tokio::test]
async fn settle_expired_across_the_expiry_boundary() {
    let mut f = vault_with(&[Series::call(0, 10.0, 2 * 3_600, 0.6)]).await;
    f.set_holdings(&[0, 0, 5_000_000]).await; // 5 calls
    let expiry = f.state().await.assets[2].option.expiry;
    let caller = f.user(0).await;
    let settle =
        |f: &Fixture, s: &rpv_core::layout::VaultState| ix::settle_expired(&caller.kp.pubkey(), &f.vault, s, 2);
    // one second before expiry: refused
    let now = f.env.now().await;
    f.env.advance_time(expiry - now - 1).await;
    f.refresh_oracles().await;
    let s = f.state().await;
    f.env.send(&[settle(&f, &s)], &[&caller.kp]).await.assert_error("NotExpired");
    // inside the last hour NAV takes bounds: withdrawals see at least intrinsic, deposits at most
    // intrinsic plus S·σ·√T/√(2π)
    let (down, up) = (f.nav(Rounding::Down).await, f.nav(Rounding::Up).await);
    assert!(down >= SEED_DEPOSIT + 2_500_000 - 1 && up > down && up - down < 100_000, "{down} {up}");
    // at expiry, with an underlying price published before expiry: refused
    f.env.advance_time(1).await;
    f.set_price(0, 1_200_000_000).await; // $12
    let a0 = f.assets[0].clone();
    f.write_oracle(&a0, 30).await;
    let s = f.state().await;
    f.env.send(&[settle(&f, &s)], &[&caller.kp]).await.assert_error("SettlementPriceTooEarly");
    // the settle instruction must name the underlying's oracle
    let mut wrong = settle(&f, &s);
    wrong.accounts[3].pubkey = f.assets[1].oracle;
    f.env.send(&[wrong], &[&caller.kp]).await.assert_error("OracleAccountMismatch");
    // with a price at or after expiry: settled at (12 − 10) × 1 per token
    f.write_oracle(&a0, 0).await;
    let out = f.env.send(&[settle(&f, &s)], &[&caller.kp]).await;
    out.ok();
    println!("settle_expired: {} CU", out.cu);
    let s = f.state().await;
    assert_eq!(s.assets[2].option.settled, 1);
    assert_eq!(s.assets[2].option.settlement_value.get(), fx(2.0));
    let r = f.risk().await;
    assert_eq!((r.targets[2], r.weights[2].get(), r.included_mask & 0b100), (0, Fx::ZERO, 0));
    // NAV holds the payoff whatever the underlying does next, and the dead IV feed is not read
    f.set_price(0, 2_000_000_000).await;
    f.env.advance_time(600).await;
    let (a0, a1) = (f.assets[0].clone(), f.assets[1].clone());
    f.write_oracle(&a0, 0).await;
    f.write_oracle(&a1, 0).await;
    let out = f.refresh().await;
    out.ok();
    assert_eq!(positions(&out).nav, SEED_DEPOSIT + 10_000_000);
    assert_eq!(positions(&out).included_mask, 0b011);
    f.env.send(&[settle(&f, &s)], &[&caller.kp]).await.assert_error("AlreadySettled");
    // a spot slot is not an option
    let spot = ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 1);
    f.env.send(&[spot], &[&caller.kp]).await.assert_error("NotAnOption");
}

#[tokio::test]
async fn set_option_params_admin_only_with_ranges() {
    let mut f = vault_with(&[]).await;
    let risk = f.risk().await;
    for p in [
        ix::OptionParams { rate_bps: 5_001, ..Default::default() },
        ix::OptionParams { rate_bps: -1_001, ..Default::default() },
        ix::OptionParams { iv_blend_bps: 10_001, ..Default::default() },
        ix::OptionParams { max_gamma_bps: 10_000_001, ..Default::default() },
    ] {
        f.set_option_params(p).await.assert_error("InvalidOptionParams");
    }
    let u = f.user(0).await;
    let p = ix::OptionParams { rate_bps: 400, ..Default::default() };
    f.env.send(&[ix::set_option_params(&u.kp.pubkey(), &f.vault, p)], &[&u.kp]).await.assert_error("Unauthorized");
    assert_eq!(f.risk().await, risk);
    f.set_option_params(p).await.ok();
    assert_eq!(f.state().await.option_rate.get(), Fx::from_num(400) / Fx::from_num(10_000));
}

/// Compute units at 8 spot assets and 8 option series (goal: `refresh` ≤ 150k — here in two
/// instructions of one transaction, each ≤ 150k), and a deposit and a withdrawal that mark all
/// 8 series at Black–Scholes.
#[tokio::test]
async fn refresh_update_positions_and_flows_fit_at_8_spot_and_8_options() {
    let mut f = Fixture::with_spot_and_options(8).await;
    for _ in 0..2 {
        f.env.advance_time(60).await;
        f.refresh_oracles().await;
        let ix = f.refresh_ix().await;
        let a = f.env.send(&[ix], &[]).await;
        a.ok();
        let b = f.env.send(&[ix::update_positions(&f.vault)], &[]).await;
        b.ok();
        println!("8 spot + 8 options: refresh {} CU, update_positions {} CU", a.cu, b.cu);
        assert!(a.cu <= 150_000, "refresh {} CU", a.cu);
        assert!(b.cu <= 150_000, "update_positions {} CU", b.cu);
        assert_eq!(positions(&b).included_mask, 0xFFFF);
    }
    let u = f.user(50_000_000).await;
    let d = f.deposit(&u, 50_000_000, 0).await;
    d.ok();
    let shares = f.env.token_amount(&u.share_token).await;
    let w = f.withdraw(&u, shares, 0).await;
    w.ok();
    println!("8 spot + 8 options: deposit {} CU, withdraw {} CU", d.cu, w.cu);
    assert!(d.cu <= 150_000 && w.cu <= 150_000);
}
