//! `add_option` — one test per Specification bullet.

use rpv_core::{fixed_point::Fx, options::OptionKind};
use rpv_sdk::events::Event;
use rpv_tests::*;
use solana_signer::Signer;

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
    assert_eq!(t.strike.get(), Fx::from_num(11.0));
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
    // discriminator and the 79 bytes of `AddAssetArgs`): any other byte does not deserialise
    for byte in [2u8, 255] {
        let (a, mut bad) = f.option_ix(&Series::call(0, 10.0, 30 * DAY, 0.6), 100_000_000).await;
        let kind_at = 8 + borsh::to_vec(&Fixture::asset_args(&a)).unwrap().len();
        assert_eq!(kind_at, 8 + 79);
        assert_eq!(bad.data[kind_at], 0, "the series' kind byte");
        bad.data[kind_at] = byte;
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
