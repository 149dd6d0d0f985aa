//! `price_option` — one test per Specification bullet.

use rpv_core::{
    fixed_point::Fx,
    options::{black_scholes, BsInput, OptionKind},
};
use rpv_sdk::ix::{decode_option_quote, price_option, OptionQuoteArgs};
use rpv_tests::*;

fn args(kind: u8, s: f64, k: f64, vol: f64, r: f64, t: f64) -> OptionQuoteArgs {
    let b = |x: f64| Fx::from_num(x).to_bits();
    OptionQuoteArgs { kind, spot_bits: b(s), strike_bits: b(k), vol_bits: b(vol), rate_bits: b(r), years_bits: b(t) }
}

#[tokio::test]
async fn returns_the_core_greeks_bit_for_bit_without_accounts() {
    let mut env = Env::new().await;
    for (kind, s, k, vol, r, t) in [
        (0u8, 100.0, 100.0, 0.2, 0.05, 1.0),
        (1, 100.0, 100.0, 0.2, 0.05, 1.0),
        (0, 30.0, 140.0, 2.5, 0.01, 0.001),
        (1, 480.0, 100.0, 0.06, -0.05, 1.9),
    ] {
        let a = args(kind, s, k, vol, r, t);
        let out = env.send(&[price_option(a)], &[]).await;
        out.ok();
        println!("price_option {kind} S={s} K={k} σ={vol} T={t}: {} CU", out.cu);
        assert!(out.cu <= 15_000, "Black–Scholes + Greeks used {} CU", out.cu);
        let got = decode_option_quote(&out.return_data).expect("80 bytes of return data");
        let want = black_scholes(&BsInput {
            kind: if kind == 0 { OptionKind::Call } else { OptionKind::Put },
            spot: Fx::from_bits(a.spot_bits),
            strike: Fx::from_bits(a.strike_bits),
            vol: Fx::from_bits(a.vol_bits),
            rate: Fx::from_bits(a.rate_bits),
            years: Fx::from_bits(a.years_bits),
        })
        .unwrap();
        assert_eq!(got, [want.price, want.delta, want.gamma, want.vega, want.theta].map(|x| x.to_bits()));
    }
    // textbook call: 10.4506
    let out = env.send(&[price_option(args(0, 100.0, 100.0, 0.2, 0.05, 1.0))], &[]).await;
    let p = Fx::from_bits(decode_option_quote(&out.return_data).unwrap()[0]).to_num::<f64>();
    assert!((p - 10.450583572185565).abs() < 1e-9);
}

#[tokio::test]
async fn rejects_bad_kind_and_out_of_domain_inputs() {
    let mut env = Env::new().await;
    env.send(&[price_option(args(2, 100.0, 100.0, 0.2, 0.05, 1.0))], &[]).await.assert_error("InvalidOptionKind");
    for a in [
        args(0, 100.0, 100.0, 0.04, 0.05, 1.0), // σ below 5 %
        args(0, 100.0, 100.0, 0.2, 0.05, 2.5),  // T above 2 years
        args(0, 100.0, 600.0, 0.2, 0.05, 1.0),  // S/K below 0.2
        args(0, 100.0, 100.0, 0.2, 0.05, 1e-5), // T below 1 hour
    ] {
        env.send(&[price_option(a)], &[]).await.assert_error("MathDomain");
    }
}
