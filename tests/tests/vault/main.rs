//! Integration tests of `rpv_vault.so` in solana-program-test's BPF VM: one module per
//! instruction, one test per `/// Specification:` bullet (success and failure), plus attacks,
//! known answers and compute-unit budgets.

mod add_asset;
mod attacks;
mod compute_units;
mod deposit;
mod deposit_asset;
mod initialize_vault;
mod withdraw;
