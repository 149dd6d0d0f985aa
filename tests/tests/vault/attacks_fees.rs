//! Fee and in-kind attacks (issue 14, Low): the fee recipient crystallises the performance fee
//! at a print of its choosing; a holder leaves in kind after a gain without paying the
//! performance fee; one frozen token account blocks every in-kind exit. Before the fixes
//! (`/work/notes/issue14-fees-2-before.log`) the first two paid the recipient at the spike and
//! nothing respectively, and the third refused every redemption.

use rpv_core::{
    fees::performance_fee_shares,
    math::{mul_div, Rounding},
};
use rpv_sdk::{events::Event, pda, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_pubkey::Pubkey;

/// The performance fee of the fixture, basis points of the gain.
const PERFORMANCE_BPS: u16 = 2_000;

/// A one-asset vault (100 tokens at $10.50) charging 20 % of gains to a recipient, the mark at
/// the current price, a depositor of 100 USDC, then a genuine move of the asset's price by
/// `factor` sampled by a refresh: `(fixture, the recipient's share account, the depositor)`.
async fn vault_after_a_sampled_move(factor: f64) -> (Fixture, Pubkey, User) {
    let (mut f, _, to) = Fixture::with_fees(1, 0, 0).await;
    f.set_holdings(&[100_000_000_000]).await;
    f.step(60).await.ok();
    // at rate 0 the mark follows the price: it starts at the current price
    f.accrue_fees(&to).await.ok();
    f.set_fees(0, PERFORMANCE_BPS).await.ok();
    let u = f.user(100 * USDC).await;
    f.deposit(&u, 100 * USDC, 0).await.ok();
    f.move_prices(60, &[factor]).await;
    f.refresh().await.ok();
    (f, to, u)
}

#[tokio::test]
async fn attack_performance_fee_at_a_chosen_print() {
    let (mut f, to, _) = vault_after_a_sampled_move(1.05).await;
    let snapshot = f.risk().await.nav_snapshot;
    let before = f.state().await;
    let total = f.total_shares().await;
    let at = |nav| performance_fee_shares(nav, total, before.fees.hwm_nav, before.fees.hwm_shares, PERFORMANCE_BPS);
    // the recipient posts a valid, fresh print 30 % above the sample and accrues at once
    f.env.advance_time(5).await;
    let spike = (f.assets[0].price as f64 * 1.3) as i64;
    f.set_price(0, spike).await;
    let live = f.nav(Rounding::Down).await;
    let (at_spike, at_snapshot) = (at(live).unwrap(), at(snapshot).unwrap());
    assert!(0 < at_snapshot && at_snapshot < at_spike, "{at_snapshot} vs {at_spike}");
    let out = f.accrue_fees(&to).await;
    out.ok();
    let e = fees_accrued(&out);
    assert_eq!((e.performance_shares, e.nav), (at_snapshot, snapshot), "measured at the snapshot, not at the spike");
    let s = f.state().await;
    assert_eq!((s.fees.hwm_nav, s.fees.hwm_shares), (snapshot, total + at_snapshot), "the mark at the snapshot");
    assert_eq!(f.env.token_amount(&to).await, at_snapshot);
    // accruing again at the spike charges nothing more: the snapshot is diluted by the fee
    f.env.advance_time(5).await;
    f.set_price(0, spike).await;
    let again = f.accrue_fees(&to).await;
    again.ok();
    assert_eq!(fees_accrued(&again).performance_shares, 0);
    assert_eq!(f.env.token_amount(&to).await, at_snapshot);
    // once a refresh samples the higher price, the rest of the gain is charged: deferred, not forgiven
    f.step(60).await.ok();
    let (snapshot2, s2, total2) = (f.risk().await.nav_snapshot, f.state().await, f.total_shares().await);
    let rest = performance_fee_shares(snapshot2, total2, s2.fees.hwm_nav, s2.fees.hwm_shares, PERFORMANCE_BPS).unwrap();
    assert!(rest > 0);
    let later = f.accrue_fees(&to).await;
    later.ok();
    assert_eq!((fees_accrued(&later).performance_shares, fees_accrued(&later).nav), (rest, snapshot2));
}

#[tokio::test]
async fn attack_in_kind_exit_skips_the_performance_fee() {
    let (mut f, _, u) = vault_after_a_sampled_move(1.2).await;
    let snapshot = f.risk().await.nav_snapshot;
    let before = f.state().await;
    let total = f.total_shares().await;
    let due =
        performance_fee_shares(snapshot, total, before.fees.hwm_nav, before.fees.hwm_shares, PERFORMANCE_BPS).unwrap();
    assert!(due > 0);
    let accounts = f.holding_accounts(&u).await;
    let shares = f.env.token_amount(&u.share_token).await;
    let out = f.redeem(&u, &accounts, shares, vec![]).await;
    out.ok();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::RedeemedInKind(r)] => {
            assert_eq!((e.performance_shares, e.nav), (due, snapshot), "the fee due is accrued first");
            assert_eq!(r.total_shares_before, total + due, "the exit is priced after it");
        }
        other => panic!("expected FeesAccrued then RedeemedInKind, got {other:?}"),
    }
    let s = f.state().await;
    assert_eq!(s.fees.pending_shares, due);
    assert_eq!((s.fees.hwm_nav, s.fees.hwm_shares), (snapshot, total + due));

    // a snapshot older than the maximum risk age proves nothing about today's NAV: an exit
    // then accrues the management fee only (here none)
    let (mut f, _, u) = vault_after_a_sampled_move(1.2).await;
    let age = i64::from(f.state().await.max_risk_age);
    f.env.advance_time(age + 1).await;
    let before = f.state().await;
    let accounts = f.holding_accounts(&u).await;
    let shares = f.env.token_amount(&u.share_token).await;
    let out = f.redeem(&u, &accounts, shares, vec![]).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RedeemedInKind(_)]), "{:?}", out.events());
    let s = f.state().await;
    assert_eq!(
        (s.fees.pending_shares, s.fees.hwm_nav, s.fees.hwm_shares),
        (0, before.fees.hwm_nav, before.fees.hwm_shares)
    );
}

/// What each holding's accounted quantity is worth per share: `(quantity, total shares)`.
fn claims(s: &rpv_core::layout::VaultState, total: u64) -> Vec<(u64, u64)> {
    let mut out = vec![(s.base_quantity, total)];
    out.extend(s.active_assets().iter().map(|a| (a.quantity, total)));
    out
}

#[tokio::test]
async fn attack_frozen_leg_blocks_every_in_kind_exit() {
    // asset 0 as usual; asset 1 a USDC-like token whose issuer can freeze accounts
    let mut f = Fixture::with_assets(1).await;
    let a = f.new_freezable_asset(TOKEN_PROGRAM_ID, 6, 100_000_000).await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
    f.assets.push(a.clone());
    f.set_equal_budgets().await.ok();
    f.set_holdings(&[10_000_000_000, 500 * USDC]).await;
    f.step(60).await.ok();
    let (alice, bob) = (f.user(100 * USDC).await, f.user(100 * USDC).await);
    f.deposit(&alice, 100 * USDC, 0).await.ok();
    f.deposit(&bob, 100 * USDC, 0).await.ok();

    // the issuer freezes bob's account of asset 1: his exit skips that leg, pays the others
    let bob_accounts = f.holding_accounts(&bob).await;
    f.env.freeze(&a.token_program, &bob_accounts[2], &a.mint).await;
    let q1 = f.state().await.assets[1].quantity;
    let half = f.env.token_amount(&bob.share_token).await / 2;
    let out = f.redeem(&bob, &bob_accounts, half, vec![]).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::RedeemedInKind(e)] if e.skipped == 0b100 && e.amounts[2] == 0));
    assert_eq!(f.env.token_amount(&bob_accounts[2]).await, 0);
    assert!(f.env.token_amount(&bob_accounts[0]).await > 0 && f.env.token_amount(&bob_accounts[1]).await > 0);
    assert_eq!(f.state().await.assets[1].quantity, q1, "the skipped leg stays with the vault");

    // the issuer freezes the vault's own account of asset 1: every exit used to be refused
    let frozen = pda::token_account(&f.vault, &a.mint).0;
    f.env.freeze(&a.token_program, &frozen, &a.mint).await;
    let before = f.state().await;
    let total = f.total_shares().await;
    let accounts = f.holding_accounts(&alice).await;
    let shares = f.env.token_amount(&alice.share_token).await;
    let out = f.redeem(&alice, &accounts, shares, vec![]).await;
    out.ok();
    let want: Vec<u64> = claims(&before, total)
        .iter()
        .enumerate()
        .map(|(k, (q, t))| if k == 2 { 0 } else { mul_div(shares, *q, *t, Rounding::Down).unwrap() })
        .collect();
    for (k, acct) in accounts.iter().enumerate() {
        assert_eq!(f.env.token_amount(acct).await, want[k], "holding {k}");
    }
    match &out.events()[..] {
        [Event::RedeemedInKind(e)] => assert_eq!((e.amounts.clone(), e.skipped), (want.clone(), 0b100)),
        other => panic!("expected RedeemedInKind, got {other:?}"),
    }
    let after = f.state().await;
    assert_eq!(after.base_quantity, before.base_quantity - want[0]);
    assert_eq!(after.assets[0].quantity, before.assets[0].quantity - want[1]);
    assert_eq!(after.assets[1].quantity, before.assets[1].quantity, "the frozen leg stays with the vault");
    assert_eq!(f.env.token_amount(&frozen).await, before.assets[1].quantity);
    // nobody left is diluted: every holding's quantity per share is at least what it was
    let total_after = f.total_shares().await;
    for ((q0, t0), (q1, t1)) in claims(&before, total).into_iter().zip(claims(&after, total_after)) {
        assert!(u128::from(q1) * u128::from(t0) >= u128::from(q0) * u128::from(t1), "{q0}/{t0} → {q1}/{t1}");
    }

    // a redeemer who asks for the frozen leg is still protected by their bound
    let rest = f.env.token_amount(&bob.share_token).await;
    let unchanged = f.vault_and_risk_bytes().await;
    f.redeem(&bob, &bob_accounts, rest, vec![0, 0, 1]).await.assert_error("SlippageExceeded");
    assert_eq!(f.vault_and_risk_bytes().await, unchanged);
}

/// Found by the randomized invariant run (issue 15): the fee snapshot's price was diluted by
/// each fee share as if the snapshot were for the shares outstanding now. After withdrawals
/// since the snapshot was captured (more snapshot shares than outstanding), a performance fee
/// measured at the snapshot left the snapshot's price above the new mark, and the next accrual
/// — at once, with nothing changed — charged the holders again for the same gain. The
/// snapshot is now diluted in proportion (`FeeSnapshot::dilute`).
#[tokio::test]
async fn attack_performance_fee_charged_twice_after_withdrawals() {
    let (mut f, _, to) = Fixture::with_fees(1, 0, 0).await;
    f.set_holdings(&[100_000_000_000]).await; // 100 tokens at $10.50
    f.step(60).await.ok();
    f.accrue_fees(&to).await.ok(); // the mark at the current price (rate 0)
    f.set_fees(0, PERFORMANCE_BPS).await.ok();
    let u = f.user(5_000 * USDC).await;
    f.deposit(&u, 5_000 * USDC, 0).await.ok();
    // a genuine rise, sampled: the snapshot (captured at the next accrual) is above the mark
    f.move_prices(60, &[1.2]).await;
    f.refresh().await.ok();
    let risen = f.assets[0].price;
    // the price dips below the mark before anyone accrues: the capture charges nothing
    f.env.advance_time(5).await;
    f.set_price(0, risen * 3 / 4).await;
    let out = f.accrue_fees(&to).await;
    out.ok();
    assert_eq!(fees_accrued(&out).performance_shares, 0);
    // most of the vault leaves (the snapshot now stands for many more shares than exist)
    let shares = f.env.token_amount(&u.share_token).await;
    f.withdraw(&u, shares * 4 / 5, 0).await.ok();
    // the price is back: the fee is measured at the snapshot and charged once…
    f.env.advance_time(5).await;
    f.set_price(0, risen).await;
    let first = f.accrue_fees(&to).await;
    first.ok();
    assert!(fees_accrued(&first).performance_shares > 0, "the sampled gain is charged");
    // …and an accrual right after, with nothing changed, charges nothing more
    let (state, paid) = (f.state().await, f.env.token_amount(&to).await);
    f.env.advance_time(1).await;
    f.set_price(0, risen).await;
    let again = f.accrue_fees(&to).await;
    again.ok();
    assert_eq!(fees_accrued(&again).performance_shares, 0, "the same gain charged twice");
    let after = f.state().await;
    assert_eq!((after.fees.hwm_nav, after.fees.hwm_shares), (state.fees.hwm_nav, state.fees.hwm_shares));
    assert_eq!(f.env.token_amount(&to).await, paid);
}
