//! Integration tests of `rpv_vault.so` in solana-program-test's BPF VM: one module per
//! instruction, named after it, with one test per `/// Specification:` bullet (success and
//! failure) and known answers; then the properties — attacks, randomized invariants, the CPI
//! surface — and every compute-unit budget in `compute_units.rs`.

// one file per instruction (`accept_admin` shares `propose_admin.rs`: the two steps of one transfer)
mod accrue_fees;
mod add_asset;
mod add_option;
mod apply_change;
mod cancel_change;
mod cancel_request;
mod claim_request;
mod deposit;
mod deposit_asset;
mod initialize_vault;
mod price_option;
mod propose_admin;
mod propose_change;
mod quote;
mod rebalance;
mod rebalance_begin;
mod rebalance_end;
mod redeem_in_kind;
mod refresh;
mod request_deposit;
mod request_withdraw;
mod retire_asset;
mod set_allowlist;
mod set_depositor;
mod set_fee_recipient;
mod set_fees;
mod set_flow_params;
mod set_guardian;
mod set_in_kind_cap;
mod set_option_params;
mod set_oracle;
mod set_paused;
mod set_rebalance_params;
mod set_risk_budgets;
mod set_risk_params;
mod settle_expired;
mod settle_requests;
mod solve_weights;
mod submit_weights;
mod update_positions;
mod withdraw;

// properties: attacks, invariants, the CPI surface, compute-unit budgets
mod attacks;
mod attacks_feeds;
mod attacks_fees;
mod attacks_flows;
mod attacks_registration;
mod attacks_token_oracle;
mod compute_units;
mod cpi;
mod invariant;
mod through_venue;
mod withdrawal_queue;

/// The harness runs mainnet-beta's feature set (see `Env::new`).
#[tokio::test]
async fn harness_runs_the_mainnet_feature_set() {
    let mut env = rpv_tests::Env::new().await;
    let gaps_off = agave_feature_set::virtual_address_space_adjustments::id();
    let v3 = agave_feature_set::enable_sbpf_v3_deployment_and_execution::id();
    assert!(env.account(&gaps_off).await.is_none(), "a feature not active on mainnet is active in the test bank");
    assert!(env.account(&v3).await.is_some(), "SBPF v3 execution (active on mainnet) is missing");
}
