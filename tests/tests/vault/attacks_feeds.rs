//! Attacks through a dead oracle feed (issue 14): one closed, stale or broken feed must never
//! block an exit. A withdrawal prices every leg whose value needs a dead feed at zero (the
//! doubt falls on the withdrawer), deposits still refuse it, and the feed can be replaced
//! through the timelock (`set_oracle.rs`).

use rpv_core::{engine, layout::VaultState, math::Rounding};
use rpv_sdk::events::Event;
use rpv_tests::*;
use solana_account::Account;
use solana_signer::Signer;

/// Ways a registered feed dies while its account key stays the registered one, and the error
/// a strict read (refresh, deposit) refuses it with.
#[derive(Clone, Copy, Debug)]
enum Death {
    /// The account is closed (no lamports, no data, owned by the system program).
    Closed,
    /// The feed stopped publishing: its last update is older than the asset's maximum age.
    Stale,
    /// The account holds data that is not a price update.
    Garbage,
}

impl Death {
    const ALL: [Self; 3] = [Self::Closed, Self::Stale, Self::Garbage];

    fn error(self) -> &'static str {
        match self {
            Self::Closed => "OracleWrongOwner",
            Self::Stale => "OracleStale",
            Self::Garbage => "OracleInvalidAccount",
        }
    }
}

/// Two spot assets, two depositors, holdings in both legs; then a day passes in which asset 0's
/// feed keeps publishing and asset 1's dies `how` (the risk state is stale by then and refresh
/// cannot run: it reads every feed).
async fn vault_with_a_dead_feed(how: Death) -> (Fixture, User, User) {
    let mut f = Fixture::with_assets(2).await;
    let (u1, u2) = (f.user(100_000_000).await, f.user(100_000_000).await);
    f.deposit(&u1, 60_000_000, 0).await.ok();
    f.deposit(&u2, 30_000_000, 0).await.ok();
    // part of the base became assets (as rebalances would): 2 units of asset 0, 1 of asset 1
    let mut s = f.state().await;
    s.base_quantity -= 41_500_000;
    f.write_state(&s).await;
    f.set_holdings(&[2_000_000_000, 100_000_000]).await;
    f.env.advance_time(86_400).await;
    let live = f.assets[0].clone();
    f.write_oracle(&live, 0).await;
    let dead = f.assets[1].clone();
    match how {
        Death::Closed => f.env.set_account(&dead.oracle, Account::default()),
        Death::Stale => f.write_oracle(&dead, 3_600).await,
        Death::Garbage => f.env.set_pyth(&dead.oracle, vec![7; 40]),
    }
    f.refresh().await.assert_error(how.error());
    (f, u1, u2)
}

/// What the engine pays for `shares` when leg `dead` counts zero: the withdrawal step run on a
/// copy of the vault whose dead leg holds nothing, at the oracle prices as written.
fn zeroed_quote(f: &Fixture, s: &VaultState, supply: u64, dead: usize, shares: u64, now: i64) -> u64 {
    let mut copy = *s;
    copy.assets[dead].quantity = 0;
    // a withdrawal values every live leg at the low end of its confidence interval and
    // accrues its fees at the mid
    let nav_down = copy.nav_banded(&f.prices(), 0, now, rpv_core::valuation::Band::Low).unwrap();
    let mark = copy.nav_at(&f.prices(), now, Rounding::Down).unwrap();
    let mut v = *s;
    let exit = engine::flows::ExitNav { nav_down, mark, zeroed: 1 << dead };
    engine::flows::withdraw(&mut v, supply, &exit, shares, 0, now).unwrap().amount
}

/// Value of one share of the vault at the written prices (every leg, the dead one at its last
/// price), as a fraction `(nav, total shares)`.
async fn share_value(f: &mut Fixture) -> (u128, u128) {
    let nav = f.nav(Rounding::Down).await;
    (u128::from(nav), u128::from(f.total_shares().await))
}

#[tokio::test]
async fn attack_dead_feed_blocks_every_exit() {
    for how in Death::ALL {
        let (mut f, u1, u2) = vault_with_a_dead_feed(how).await;
        let s = f.state().await;
        let sm = f.share_mint();
        let supply = f.env.mint_supply(&sm).await;
        let now = f.env.now().await;
        let shares = f.env.token_amount(&u1.share_token).await;
        let want = zeroed_quote(&f, &s, supply, 1, shares, now);
        let (nav_before, total_before) = share_value(&mut f).await;
        let base_before = f.env.token_amount(&u1.base_token).await;

        // the withdrawal goes through, at NAV with the dead leg at zero, and says so
        let out = f.withdraw(&u1, shares, want).await;
        out.ok();
        assert_eq!(f.env.token_amount(&u1.base_token).await - base_before, want, "{how:?}");
        assert_eq!(f.env.token_amount(&u1.share_token).await, 0);
        let after = f.state().await;
        assert_eq!(after.base_quantity, s.base_quantity - want);
        assert_eq!(after.assets[1].quantity, s.assets[1].quantity, "the dead leg stays in the vault");
        match &out.events()[..] {
            [Event::Withdrawn(e)] => assert_eq!((e.amount, e.zeroed_legs), (want, 0b10), "{how:?}"),
            other => panic!("expected Withdrawn, got {other:?}"),
        }
        // the holders who stay lost nothing: their share is worth at least what it was
        let (nav_after, total_after) = share_value(&mut f).await;
        assert!(nav_after * total_before >= nav_before * total_after, "{how:?}: the share price fell");
        // and can leave the same way
        let rest = f.env.token_amount(&u2.share_token).await;
        f.withdraw(&u2, rest / 20, 1).await.ok(); // (within the base left)
    }
}

#[tokio::test]
async fn attack_dead_feed_blocks_withdrawal_with_a_fresh_risk_state() {
    // the feed died within the risk age: the withdrawal itself read the dead feed and failed
    for how in Death::ALL {
        let (mut f, u1, _) = vault_with_a_dead_feed(how).await;
        f.step_live_only().await;
        let s = f.state().await;
        let sm = f.share_mint();
        let supply = f.env.mint_supply(&sm).await;
        let now = f.env.now().await;
        let shares = f.env.token_amount(&u1.share_token).await / 3;
        let want = zeroed_quote(&f, &s, supply, 1, shares, now);
        let before = f.env.token_amount(&u1.base_token).await;
        f.withdraw(&u1, shares, want).await.ok();
        assert_eq!(f.env.token_amount(&u1.base_token).await - before, want, "{how:?}");
    }
}

/// Fees of 2 %/yr and 20 % charging, one depositor, holdings in both legs (a gain above the
/// mark: a performance fee is due); a day later asset 0's feed is republished, asset 1's is a
/// day old (dead). Returns the fixture, the depositor and the fee recipient's share account.
async fn fees_due_with_a_dead_feed() -> (Fixture, User, solana_pubkey::Pubkey) {
    let (mut f, _recipient, to) = Fixture::with_fees(2, 200, 2_000).await;
    let u = f.user(100_000_000).await;
    f.deposit(&u, 90_000_000, 0).await.ok();
    f.set_holdings(&[2_000_000_000, 100_000_000]).await; // a gain above the mark
    f.env.advance_time(86_400).await;
    let live = f.assets[0].clone();
    f.write_oracle(&live, 0).await;
    (f, u, to)
}

#[tokio::test]
async fn attack_dead_feed_never_pays_a_withdrawer_more_than_fresh_prices() {
    // a performance fee is due (asset 0 rose) and the dead leg would have been worth something:
    // the payout with the leg at zero stays at or below what fresh prices pay
    let (mut f, u, _) = fees_due_with_a_dead_feed().await;
    let s = f.state().await;
    let sm = f.share_mint();
    let supply = f.env.mint_supply(&sm).await;
    let now = f.env.now().await;
    let shares = f.env.token_amount(&u.share_token).await / 2;
    let fresh_nav = s.nav_at(&f.prices(), now, Rounding::Down).unwrap();
    let fresh_exit = engine::flows::ExitNav { nav_down: fresh_nav, mark: fresh_nav, zeroed: 0 };
    let fresh = engine::flows::withdraw(&mut { s }, supply, &fresh_exit, shares, 0, now).unwrap().amount;
    let want = zeroed_quote(&f, &s, supply, 1, shares, now);
    assert!(want < fresh);
    let before = f.env.token_amount(&u.base_token).await;
    f.withdraw(&u, shares, 0).await.ok();
    let paid = f.env.token_amount(&u.base_token).await - before;
    assert_eq!(paid, want);
    assert!(paid <= fresh, "paid {paid} > fresh pricing {fresh}");
}

#[tokio::test]
async fn a_dead_feed_still_refuses_deposits() {
    for how in Death::ALL {
        let (mut f, u1, _) = vault_with_a_dead_feed(how).await;
        f.step_live_only().await;
        let s = f.state().await;
        f.deposit(&u1, 1_000_000, 0).await.assert_error(how.error());
        let from = f.asset_account(0, &u1.kp.pubkey(), 1_000_000_000).await;
        f.deposit_asset(&u1, 0, &from, 1_000_000_000, 0).await.assert_error(how.error());
        assert_eq!(f.state().await, s, "{how:?}: a refused deposit changes nothing");
    }
}

/// Makes the risk state fresh although one feed is dead (deposits check it before any oracle):
/// test set-up only, as a refresh of the live feeds would.
trait FreshRisk {
    async fn step_live_only(&mut self);
}

impl FreshRisk for Fixture {
    async fn step_live_only(&mut self) {
        let mut s = self.state().await;
        s.risk_refreshed_at = self.env.now().await;
        self.write_state(&s).await;
    }
}

#[tokio::test]
async fn a_dead_feed_accrues_the_management_fee_only() {
    let (mut f, _, to) = fees_due_with_a_dead_feed().await;
    let hwm = f.state().await.fees;
    let out = f.accrue_fees(&to).await;
    out.ok();
    let e = fees_accrued(&out);
    assert!(e.management_shares > 0, "{e:?}");
    assert_eq!((e.performance_shares, e.nav), (0, 0), "no performance fee without every leg priced");
    let after = f.state().await.fees;
    assert_eq!((after.hwm_nav, after.hwm_shares), (hwm.hwm_nav, hwm.hwm_shares), "the mark did not move");
    // with every feed live again and a refresh whose snapshot sees the gain (the fee is
    // measured at the lower of the live NAV and the snapshot's), the performance fee is charged
    f.refresh_oracles().await;
    f.refresh().await.ok();
    let out = f.accrue_fees(&to).await;
    out.ok();
    assert!(fees_accrued(&out).performance_shares > 0);
}
