//! The withdrawal queue end to end on the `.so` (issue 15): a holder of half the shares of a
//! fully invested vault leaves in base — the request waits, the keeper's rebalances sell towards
//! the cash the queue is owed (within the per-call, turnover and reduction caps), and the
//! settlements fill it in order with the requests behind it.

use rpv_core::{math::Rounding, rebalance::AUTO_LEG};
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;

#[tokio::test]
async fn a_holder_of_half_the_shares_leaves_in_base_through_the_queue() {
    let params = ix::RebalanceParams {
        cooldown_secs: 60,
        max_leg_bps: 1_000,
        max_turnover_bps: 5_000,
        max_reduction_bps: 2_500,
        ..ix::loose_rebalance_params()
    };
    let mut f = Fixture::with_assets(3).await;
    f.set_rebalance_params(params).await.ok();
    // the whole NAV at risk (leverage 1, a volatility target above the assets'): targets sum
    // to the NAV, so an invested vault holds almost no base
    let risk = ix::RiskParams { vol_target_bps: 50_000, max_leverage_bps: 10_000, ..Default::default() };
    f.set_risk_params(risk).await.ok();
    let (a, b, k) = (f.user(600_000 * USDC).await, f.user(400_000 * USDC).await, f.user(0).await);
    f.deposit(&a, 600_000 * USDC, 0).await.ok();
    f.deposit(&b, 400_000 * USDC, 0).await.ok();
    f.step(60).await.ok();
    let keeper = f.rich_keeper().await;
    // the keeper invests the vault
    let mut rounds = 0;
    while let Some(leg) = f.auto_leg().await {
        match f.rebalance(&keeper, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await.custom_code() {
            None => {}
            Some(_) => f.env.advance_time(86_400).await,
        }
        f.step(61).await.ok();
        rounds += 1;
        assert!(rounds < 60, "the vault does not invest");
    }
    let nav = f.nav(Rounding::Down).await;
    let s = f.state().await;
    // invested to the targets (each leg within its band): little base left
    assert!(s.base_quantity * 100 < nav * 15, "invested: {} of {nav} in base", s.base_quantity);

    // half the shares cannot leave instantly …
    let total = f.total_shares().await;
    let half = total / 2;
    let before = f.state().await;
    f.withdraw(&a, half, 0).await.assert_error("InsufficientBaseLiquidity");
    assert_eq!(f.state().await, before);
    // … so they are requested; a smaller request follows
    let price_before = (u128::from(f.nav(Rounding::Down).await), u128::from(f.total_shares().await));
    let (out, ra) = f.request_withdraw(&a, half).await;
    out.ok();
    let (out, rb) = f.request_withdraw(&b, total / 20).await;
    out.ok();

    // the keeper's loop: refresh, settle what it can, rebalance towards cash
    let (mut fills, mut sells, mut rounds) = (vec![], 0, 0);
    while f.state().await.flows.withdrawals.pending > 0 {
        rounds += 1;
        assert!(rounds < 200, "the queue does not drain");
        f.step(61).await.ok();
        let out = f.settle(&k, &[ra, rb]).await;
        if out.result.is_ok() {
            fills.extend(out.events().into_iter().filter_map(|e| match e {
                Event::RequestSettled(s) => Some((s.request, s.remaining)),
                _ => None,
            }));
        } else {
            out.assert_error("InsufficientBaseLiquidity");
        }
        if f.state().await.flows.withdrawals.pending == 0 {
            break;
        }
        let Some(leg) = f.auto_leg().await else { continue };
        let out = f.rebalance(&keeper, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
        match out.custom_code() {
            None => {
                let e = &rebalanced(&out)[0];
                assert_eq!(e.side, 1, "with the queue owed cash, the rebalancer only sells");
                assert!(
                    u128::from(e.fair_value) * 10_000 <= u128::from(e.nav) * 1_000 + 10_000,
                    "within the per-call cap"
                );
                sells += 1;
            }
            // a cap of the rolling day: the next day
            Some(_) => f.env.advance_time(86_400).await,
        }
    }
    assert!(sells >= 4, "half the vault took several capped sales: {sells}");
    // FIFO: the first request finished before the second got anything
    let first_done = fills.iter().position(|(r, rem)| *r == ra && *rem == 0).expect("the first request finished");
    assert!(fills.iter().position(|(r, _)| *r == rb).unwrap() > first_done, "{fills:?}");
    assert!(fills.iter().filter(|(r, _)| *r == ra).count() > 1, "the large request filled in parts: {fills:?}");

    // both claim their base
    let owed_a = f.request_state(&ra).await.unwrap().claimable;
    f.claim(&a, &ra).await.ok();
    f.claim(&b, &rb).await.ok();
    assert_eq!(f.env.token_amount(&a.base_token).await, owed_a);
    assert_eq!(f.escrow_balance().await, 0);
    // about half the vault (the fills were at the mids of the moment, less 2 bps incentive)
    assert!(owed_a > nav / 2 * 99 / 100 && owed_a < nav / 2 * 101 / 100, "{owed_a} of {nav}");
    // and the holders who stayed lost nothing to the exits (prices did not move)
    let price_after = (u128::from(f.nav(Rounding::Down).await), u128::from(f.total_shares().await));
    assert!(
        price_after.0 * price_before.1 >= price_before.0 * price_after.1 * 9_999 / 10_000,
        "{price_before:?} → {price_after:?}"
    );
}
