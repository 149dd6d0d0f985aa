//! `set_fees` — one test per Specification bullet (the timelock bullets: `apply_change.rs`).

use rpv_core::fixed_point::SECONDS_PER_YEAR;
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn fee_rates_change_only_by_the_admin_after_accruing_at_the_old_rate() {
    let (mut f, _, to) = Fixture::with_fees(0, 200, 0).await;
    let stranger = f.env.funded_keypair().await;
    let s = f.state().await;
    let v = f.vault;
    let out = f.env.send(&[ix::set_fees(&stranger.pubkey(), &v, &s, 100, 0)], &[&stranger]).await;
    out.assert_error("Unauthorized");
    let mut bad = ix::set_fees(&f.admin.pubkey(), &v, &s, 100, 0);
    bad.accounts[2].pubkey = f.base_mint;
    let admin = f.admin.insecure_clone();
    f.env.send(&[bad], &[&admin]).await.assert_error("WrongShareMint");
    f.set_fees(501, 0).await.assert_error("FeeAboveMaximum");
    f.set_fees(0, 3_001).await.assert_error("FeeAboveMaximum");
    assert_eq!(f.state().await, s, "nothing changed");
    // a year at 2 %, then the rate drops to 1 %: the first year is charged at 2 %
    f.env.advance_time(SECONDS_PER_YEAR).await;
    let out = f.set_fees(100, 0).await;
    out.ok();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::FeesSet(r)] => {
            assert_eq!(e.management_shares, 20_408);
            assert_eq!((r.management_bps, r.performance_bps), (100, 0));
        }
        other => panic!("expected FeesAccrued then FeesSet, got {other:?}"),
    }
    // the second year at 1 % on 1,020,408 shares: 10,307.15 (+ the 0.16 carried) shares
    f.env.advance_time(SECONDS_PER_YEAR).await;
    f.accrue_fees(&to).await.ok();
    assert_eq!(f.env.token_amount(&to).await, 20_408 + 10_307);
}
