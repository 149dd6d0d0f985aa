//! `rebalance_end` — one test per Specification bullet: the pairing with `rebalance_begin` is
//! enforced. `cargo test rebalance` selects the rebalancing group.

use rpv_sdk::ix;
use rpv_tests::*;
use solana_pubkey::Pubkey;

use super::rebalance::funded;

#[tokio::test]
async fn rebalance_flash_pairing_is_enforced() {
    let mut f = funded(loose_rebalance_params()).await;
    let k = f.rich_keeper().await;
    let before = f.vault_and_risk_bytes().await;
    let (begin, end) = f.flash_ixs(&k, 0, ix::RebalanceArgs::any_price(0)).await;
    // begin without end
    f.env.send(&[begin.clone()], &[&k.kp]).await.assert_error("RebalanceEndMissing");
    // end without begin
    f.env.send(&[end.clone()], &[&k.kp]).await.assert_error("RebalanceNotStarted");
    // end before begin
    f.env.send(&[end.clone(), begin.clone()], &[&k.kp]).await.assert_failed();
    // double begin
    let (begin1, end1) = f.flash_ixs(&k, 1, ix::RebalanceArgs::any_price(1)).await;
    f.env.send(&[begin.clone(), begin1, end.clone(), end1], &[&k.kp]).await.assert_error("RebalanceInProgress");
    // underpaying: nothing delivered between begin and end
    f.env.send(&[begin.clone(), end.clone()], &[&k.kp]).await.assert_error("RebalanceUnderpaid");
    // a deposit, a withdrawal or an atomic rebalance between begin and end
    let u = f.user(10 * USDC).await;
    let dep = f.deposit_ix(&u, 10 * USDC, 0).await;
    f.env.send(&[begin.clone(), dep, end.clone()], &[&k.kp, &u.kp]).await.assert_error("RebalanceInProgress");
    let wd = f.withdraw_ix(&u, 1, 0).await;
    f.env.send(&[begin.clone(), wd, end.clone()], &[&k.kp, &u.kp]).await.assert_error("RebalanceInProgress");
    let atomic = f.rebalance_ix(&k, 2, ix::RebalanceArgs::any_price(2)).await;
    f.env.send(&[begin.clone(), atomic, end.clone()], &[&k.kp]).await.assert_error("RebalanceInProgress");
    let q = f.quote_ix().await;
    f.env.send(&[begin.clone(), q, end.clone()], &[&k.kp]).await.assert_error("RebalanceInProgress");
    // a wrong instructions sysvar
    let mut bad = begin.clone();
    let n = bad.accounts.len();
    bad.accounts[n - 1].pubkey = Pubkey::new_unique();
    f.env.send(&[bad, end.clone()], &[&k.kp]).await.assert_error("InvalidInstructionsSysvar");
    assert_eq!(f.vault_and_risk_bytes().await, before, "nothing changed");
}
