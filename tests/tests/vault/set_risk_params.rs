//! `set_risk_params` — one test per Specification bullet.

use rpv_core::fixed_point::Fx;
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn risk_params_are_admin_only_and_range_checked() {
    let mut f = Fixture::with_assets(2).await;
    let intruder = f.env.funded_keypair().await;
    let v = f.vault;
    f.env
        .send(&[ix::set_risk_params(&intruder.pubkey(), &v, ix::RiskParams::default())], &[&intruder])
        .await
        .assert_error("Unauthorized");
    let p = ix::RiskParams::default();
    for bad in [
        ix::RiskParams { method: 2, ..p },
        ix::RiskParams { lambda_ppm: 1_000_000, ..p },
        ix::RiskParams { lambda_ppm: 400_000, ..p },
        ix::RiskParams { horizon_secs: 59, ..p },
        ix::RiskParams { vol_target_bps: 0, ..p },
        ix::RiskParams { max_leverage_bps: 40_001, ..p },
        ix::RiskParams { prior_vol_bps: 50_001, ..p },
        ix::RiskParams { rc_tolerance_ppb: 0, ..p },
        ix::RiskParams { min_sample_interval: 0, ..p },
        ix::RiskParams { max_risk_age: 10, min_sample_interval: 30, ..p },
        ix::RiskParams { band_bps: 0, ..p },
    ] {
        f.set_risk_params(bad).await.assert_error("InvalidRiskParams");
    }
    let new = ix::RiskParams { method: 1, lambda_ppm: 970_000, vol_target_bps: 1_000, max_risk_age: 600, ..p };
    let out = f.set_risk_params(new).await;
    out.ok();
    let r = f.risk().await;
    assert_eq!((r.method, r.weights_n), (1, 0), "switching method clears the weights in force");
    assert_eq!(r.lambda.get(), Fx::from_num(970_000) / Fx::from_num(1_000_000));
    assert_eq!(r.vol_target.get(), Fx::from_num(1_000) / Fx::from_num(10_000));
    assert_eq!(f.state().await.max_risk_age, 600);
    assert!(matches!(&out.events()[..], [Event::RiskParamsSet(e)] if e.params.lambda_ppm == 970_000));
}
