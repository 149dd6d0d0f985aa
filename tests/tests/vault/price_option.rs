//! `price_option` — one test per Specification bullet.

use rpv_core::{
    fixed_point::Fx,
    options::{black_scholes, BsInput},
};
use rpv_sdk::{
    events::Event,
    ix::{decode_option_quote, price_option, OptionKind, OptionQuoteArgs},
};
use rpv_tests::*;

const CALL: OptionKind = OptionKind::Call;
const PUT: OptionKind = OptionKind::Put;

pub(crate) fn args(kind: OptionKind, s: f64, k: f64, vol: f64, r: f64, t: f64) -> OptionQuoteArgs {
    let b = |x: f64| Fx::from_num(x).to_bits();
    OptionQuoteArgs { kind, spot_bits: b(s), strike_bits: b(k), vol_bits: b(vol), rate_bits: b(r), years_bits: b(t) }
}

/// Calls and puts at the money, deep out of the money at a high vol and a short expiry, and deep in
/// the money at a low vol and a negative rate: `(kind, spot, strike, vol, rate, years)`.
pub(crate) const CASES: [(OptionKind, f64, f64, f64, f64, f64); 4] = [
    (CALL, 100.0, 100.0, 0.2, 0.05, 1.0),
    (PUT, 100.0, 100.0, 0.2, 0.05, 1.0),
    (CALL, 30.0, 140.0, 2.5, 0.01, 0.001),
    (PUT, 480.0, 100.0, 0.06, -0.05, 1.9),
];

#[tokio::test]
async fn returns_the_core_greeks_bit_for_bit_without_accounts() {
    let mut env = Env::new().await;
    for (kind, s, k, vol, r, t) in CASES {
        let a = args(kind, s, k, vol, r, t);
        let out = env.send(&[price_option(a)], &[]).await;
        out.ok();
        let got = decode_option_quote(&out.return_data).expect("80 bytes of return data");
        let want = black_scholes(&BsInput {
            kind,
            spot: Fx::from_bits(a.spot_bits),
            strike: Fx::from_bits(a.strike_bits),
            vol: Fx::from_bits(a.vol_bits),
            rate: Fx::from_bits(a.rate_bits),
            years: Fx::from_bits(a.years_bits),
        })
        .unwrap();
        assert_eq!(
            [got.price_bits, got.delta_bits, got.gamma_bits, got.vega_bits, got.theta_bits],
            [want.price, want.delta, want.gamma, want.vega, want.theta].map(|x| x.to_bits())
        );
    }
    // textbook call: 10.4506
    let out = env.send(&[price_option(args(CALL, 100.0, 100.0, 0.2, 0.05, 1.0))], &[]).await;
    let p = Fx::from_bits(decode_option_quote(&out.return_data).unwrap().price_bits).to_num::<f64>();
    assert!((p - 10.450583572185565).abs() < 1e-9);
}

#[tokio::test]
async fn rejects_bad_kind_and_out_of_domain_inputs() {
    let mut env = Env::new().await;
    // the kind is an enum on the wire (call = 0, put = 1): any other byte does not deserialise
    let mut bad = price_option(args(CALL, 100.0, 100.0, 0.2, 0.05, 1.0));
    bad.data[8] = 2;
    env.send(&[bad], &[]).await.assert_anchor_error(ANCHOR_INSTRUCTION_DID_NOT_DESERIALIZE);
    for a in [
        args(CALL, 100.0, 100.0, 0.04, 0.05, 1.0), // σ below 5 %
        args(CALL, 100.0, 100.0, 0.2, 0.05, 2.5),  // T above 2 years
        args(CALL, 100.0, 600.0, 0.2, 0.05, 1.0),  // S/K below 0.2
        args(CALL, 100.0, 100.0, 0.2, 0.05, 1e-5), // T below 1 hour
    ] {
        env.send(&[price_option(a)], &[]).await.assert_error("MathDomain");
    }
}

/// Regression (issue 13): `price_option` took 0 = call / 1 = put while `add_option`, its
/// `OptionAdded` event and the keeper used 1 = call / 2 = put, so the kind a vault reported for
/// a call series priced a put (delta −0.40 instead of 0.60). Every instruction and event now
/// carries the interface's one `OptionKind`.
#[tokio::test]
async fn the_kind_a_vault_reports_for_a_series_prices_that_series() {
    let mut f = Fixture::with_assets(1).await;
    for series in [Series::call(0, 10.0, 30 * DAY, 0.6), Series::put(0, 10.0, 30 * DAY, 0.6)] {
        let out = f.add_option(&series, 100_000_000).await;
        out.ok();
        let kind = out
            .events()
            .iter()
            .find_map(|e| match e {
                Event::OptionAdded(o) => Some(o.kind),
                _ => None,
            })
            .expect("OptionAdded");
        assert_eq!(kind, series.kind);
        let q = f.env.send(&[price_option(args(kind, 100.0, 100.0, 0.2, 0.0, 0.25))], &[]).await;
        q.ok();
        let delta = Fx::from_bits(decode_option_quote(&q.return_data).unwrap().delta_bits).to_num::<f64>();
        match series.kind {
            OptionKind::Call => assert!((0.5..0.6).contains(&delta), "an ATM call's delta, got {delta}"),
            OptionKind::Put => assert!((-0.5..-0.4).contains(&delta), "an ATM put's delta, got {delta}"),
        }
    }
}
