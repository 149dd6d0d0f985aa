//! `propose_change` — one test per Specification bullet, and which changes need a proposal
//! under a timelock (the timelock bullets of `set_risk_params`, `set_risk_budgets` and
//! `set_fees`: tightening applies at once, raising is refused). `cargo test timelock` selects the
//! timelock group.

use rpv_sdk::{events::Event, ix, ix::ConfigChange};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn timelock_proposals_are_validated_unique_and_admin_only() {
    let mut f = Fixture::with_timelock(2).await;
    let stranger = f.env.funded_keypair().await;
    let fees = ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 };
    let v = f.vault;
    let out = f.env.send(&[ix::propose_change(&stranger.pubkey(), &v, &fees)], &[&stranger]).await;
    out.assert_error("Unauthorized");
    let invalid = [
        (
            ConfigChange::RiskParams(ix::RiskParams { vol_target_bps: 0, ..ix::RiskParams::default() }),
            "InvalidRiskParams",
        ),
        (ConfigChange::RiskBudgets(vec![1_000_000_000]), "WrongVectorLength"),
        (ConfigChange::RiskBudgets(vec![500_000_000, 400_000_000]), "InvalidBudgets"),
        (ConfigChange::Fees { management_bps: 501, performance_bps: 0 }, "FeeAboveMaximum"),
        (ConfigChange::Fees { management_bps: 0, performance_bps: 3_001 }, "FeeAboveMaximum"),
    ];
    for (change, err) in invalid {
        f.propose(&change).await.assert_error(err);
    }
    for kind in [ProposalKind::RiskParams, ProposalKind::RiskBudgets, ProposalKind::Fees] {
        assert!(f.proposal(kind).await.is_none(), "nothing created");
    }
    f.propose(&fees).await.ok();
    let again = ConfigChange::Fees { management_bps: 200, performance_bps: 1_500 };
    f.propose(&again).await.assert_error("ChangeAlreadyPending");
    assert_eq!(f.proposal(ProposalKind::Fees).await.unwrap().change, fees, "the first proposal stands");
    // one pending proposal per kind, independent of the others
    f.propose(&ConfigChange::RiskParams(ix::RiskParams { vol_target_bps: 2_000, ..ix::RiskParams::default() }))
        .await
        .ok();
    assert!(f.proposal(ProposalKind::RiskParams).await.is_some() && f.proposal(ProposalKind::Fees).await.is_some());
}

#[tokio::test]
async fn timelock_lowering_applies_at_once_raising_is_refused() {
    let mut f = Fixture::with_timelock(2).await;
    let tighter = [
        ix::RiskParams { vol_target_bps: 1_000, ..ix::RiskParams::default() },
        ix::RiskParams { vol_target_bps: 1_000, max_leverage_bps: 5_000, ..ix::RiskParams::default() },
        ix::RiskParams {
            vol_target_bps: 1_000,
            max_leverage_bps: 5_000,
            band_bps: 100,
            max_risk_age: 600,
            rc_tolerance_ppb: 10_000,
            prior_vol_bps: 8_000,
            ..ix::RiskParams::default()
        },
    ];
    for p in tighter {
        f.set_risk_params(p).await.ok();
    }
    let now = tighter[2];
    let r = f.risk().await;
    assert_eq!(
        (r.vol_target.get(), r.max_leverage.get(), r.band_bps),
        (fraction_of_bps(1_000), fraction_of_bps(5_000), 100)
    );
    assert_eq!(f.state().await.max_risk_age, 600);
    // raising any one of them, or touching the estimator, waits for the timelock
    let raises = [
        ix::RiskParams { vol_target_bps: 1_001, ..now },
        ix::RiskParams { max_leverage_bps: 5_001, ..now },
        ix::RiskParams { band_bps: 101, ..now },
        ix::RiskParams { max_risk_age: 601, ..now },
        ix::RiskParams { rc_tolerance_ppb: 10_001, ..now },
        ix::RiskParams { prior_vol_bps: 7_999, ..now },
        ix::RiskParams { method: 1, ..now },
        ix::RiskParams { lambda_ppm: 950_000, ..now },
        ix::RiskParams { horizon_secs: 3_600, ..now },
        ix::RiskParams { min_sample_interval: 31, ..now },
    ];
    let (v, r) = (f.state().await, f.risk().await);
    for p in raises {
        f.set_risk_params(p).await.assert_error("TimelockRequired");
    }
    assert_eq!((f.state().await, f.risk().await), (v, r), "nothing changed");
    f.set_risk_params(now).await.ok(); // unchanged is not a raise
                                       // budgets: a reshuffle waits; the budgets in force again do not
    f.set_budgets(vec![300_000_000, 700_000_000]).await.assert_error("TimelockRequired");
    f.set_budgets(Fixture::equal_budgets(2)).await.ok();
    // fees: lowering at once, raising refused
    let out = f.set_fees(100, 1_000).await;
    out.ok();
    assert!(matches!(out.events().last(), Some(Event::FeesSet(e)) if e.management_bps == 100));
    f.set_fees(100, 500).await.ok();
    let s = f.state().await;
    f.set_fees(150, 500).await.assert_error("TimelockRequired");
    f.set_fees(100, 600).await.assert_error("TimelockRequired");
    assert_eq!(f.state().await, s);
    assert_eq!((s.fees.management_bps, s.fees.performance_bps), (100, 500));
}
