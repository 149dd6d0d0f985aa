//! Compute-unit budgets, measured on the `.so`: every instruction at the largest supported
//! asset count stays ≤ 150,000 CU (25 % headroom under the 200k default).

use rpv_core::layout::MAX_ASSETS;
use rpv_sdk::TOKEN_PROGRAM_ID;
use rpv_tests::*;

const BUDGET: u64 = 150_000;

#[tokio::test]
async fn every_instruction_within_budget_at_sixteen_assets() {
    let mut f = Fixture::empty().await;
    let init = f.initialize(f.init_args()).await;
    init.ok();
    let mut add_max = 0;
    for i in 0..MAX_ASSETS {
        let (d, p) = asset_params(i);
        let a = f.new_asset(TOKEN_PROGRAM_ID, d, p).await;
        let out = f.add_asset(&a, Fixture::asset_args(&a)).await;
        out.ok();
        add_max = add_max.max(out.cu);
        f.assets.push(a);
    }
    f.set_holdings(&(0..MAX_ASSETS as u64).map(|i| 1_000 + i).collect::<Vec<_>>()).await;
    let first = f.refresh().await; // budgets 16 × 1/16 from add_asset
    first.ok();
    let refresh = f.step(60).await;
    refresh.ok();
    let u = f.user(100_000_000).await;
    let dep = f.deposit(&u, 10_000_000, 0).await;
    dep.ok();
    let wd = f.withdraw(&u, 4_000_000, 0).await;
    wd.ok();
    let from = f.asset_account(15, &solana_signer::Signer::pubkey(&u.kp), 1_000_000_000).await;
    let da = f.deposit_asset(&u, 15, &from, 1_000_000_000, 0).await;
    da.ok();
    // ERC verification of submitted weights at 16 assets
    let risk = f.risk().await;
    let b = vec![rpv_core::fixed_point::Fx::ONE / 16; 16];
    let mut w = vec![rpv_core::fixed_point::Fx::ZERO; 16];
    rpv_core::risk_parity::risk_budget_weights(
        &rpv_core::matrix::Packed { n: 16, bits: &risk.cov },
        &b,
        &mut w,
        rpv_core::fixed_point::Fx::from_bits(28),
        10_000,
    )
    .unwrap();
    let (k, v) = (f.admin.insecure_clone(), f.vault);
    let submit = f
        .env
        .send(
            &[rpv_sdk::ix::submit_weights(
                &solana_signer::Signer::pubkey(&k),
                &v,
                w.iter().map(|x| x.to_bits()).collect(),
            )],
            &[&k],
        )
        .await;
    submit.ok();
    let params = f.set_risk_params(rpv_sdk::ix::RiskParams::default()).await;
    params.ok();
    let budgets = f.set_budgets(Fixture::equal_budgets(16)).await;
    budgets.ok();
    f.step(60).await.ok();
    let quote = f.quote().await;
    quote.ok();
    for (name, cu) in [
        ("set_risk_params", params.cu),
        ("set_risk_budgets@16", budgets.cu),
        ("submit_weights@16", submit.cu),
        ("initialize_vault", init.cu),
        ("add_asset (max)", add_max),
        ("deposit@16", dep.cu),
        ("deposit_asset@16", da.cu),
        ("withdraw@16", wd.cu),
        ("refresh@16 (first sample)", first.cu),
        ("refresh@16", refresh.cu),
        ("quote@16", quote.cu),
    ] {
        println!("{name}: {cu} CU");
        assert!(cu > 0 && cu <= BUDGET, "{name} used {cu} CU > {BUDGET}");
    }
}
