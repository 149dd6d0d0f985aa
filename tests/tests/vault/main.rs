//! Integration tests of `rpv_vault.so` in solana-program-test's BPF VM: one module per
//! instruction, one test per `/// Specification:` bullet (success and failure), plus attacks,
//! known answers and compute-unit budgets.

mod add_asset;
mod allowlist;
mod attacks;
mod compute_units;
mod cpi;
mod deposit;
mod deposit_asset;
mod fees;
mod governance;
mod initialize_vault;
mod invariant;
mod options;
mod price_option;
mod quote;
mod rebalance;
mod redeem_in_kind;
mod risk_engine;
mod timelock;
mod withdraw;

/// The harness runs mainnet-beta's feature set (see `Env::new`).
#[tokio::test]
async fn harness_runs_the_mainnet_feature_set() {
    let mut env = rpv_tests::Env::new().await;
    let gaps_off = agave_feature_set::virtual_address_space_adjustments::id();
    let v3 = agave_feature_set::enable_sbpf_v3_deployment_and_execution::id();
    assert!(env.account(&gaps_off).await.is_none(), "a feature not active on mainnet is active in the test bank");
    assert!(env.account(&v3).await.is_some(), "SBPF v3 execution (active on mainnet) is missing");
}
