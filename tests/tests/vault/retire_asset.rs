//! `retire_asset` (and `apply_change(Retire)`) — one test per Specification bullet.

use rpv_core::{
    fixed_point::{packed_index, Fx},
    layout::{AssetSlot, VaultState},
    math::Rounding,
};
use rpv_sdk::{events::Event, ix, pda};
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// Spot A, spot B, a call on A (2 h) and a put on B (30 days), holding 5 calls and 3 puts;
/// the call expired with A at `spot` and settled; a fresh refresh after it.
async fn settled_call(spot: i64) -> Fixture {
    let mut f =
        Fixture::with_options(&[Series::call(0, 10.0, 2 * 3_600, 0.6), Series::put(1, 20.0, 30 * 86_400, 0.5)]).await;
    f.set_holdings(&[0, 0, 5_000_000, 3_000_000]).await;
    let expiry = f.state().await.assets[2].option.expiry;
    let now = f.env.now().await;
    f.env.advance_time(expiry - now).await;
    f.set_price(0, spot).await;
    let caller = f.user(0).await;
    let s = f.state().await;
    f.env.send(&[ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 2)], &[&caller.kp]).await.ok();
    f.step(60).await.ok();
    f
}

async fn retire(f: &mut Fixture, index: u8) -> Outcome {
    let caller = f.env.funded_keypair().await;
    let ix = ix::retire_asset(&caller.pubkey(), &f.vault, index);
    f.env.send(&[distinct(u32::from(index)), ix], &[&caller]).await
}

/// Anyone retires a settled series once its tokens are sold at the payoff; the slots after it
/// move down in the registry and in every per-slot array of the risk account, indexes that
/// name slots are renumbered, NAV does not move, and the vault keeps working.
#[tokio::test]
async fn retire_asset_removes_a_sold_settled_series_and_compacts_every_array() {
    let mut f = settled_call(1_200_000_000).await; // payoff 2 per call
                                                   // still holding its tokens: refused, nothing changes
    let before = f.vault_and_risk_bytes().await;
    retire(&mut f, 2).await.assert_error("AssetNotEmpty");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // sold at the payoff through rebalance, then retired by a stranger
    let k = f.keeper(100 * USDC, 0).await;
    f.rebalance(&k, 2, ix::RebalanceArgs::any_price(2)).await.ok();
    let (s0, r0) = (f.state().await, f.risk().await);
    let nav0 = f.nav(Rounding::Down).await;
    let out = retire(&mut f, 2).await;
    out.ok();
    match &out.events()[..] {
        [Event::AssetRetired(e)] => {
            assert_eq!((e.index, e.quantity, e.settled_series), (2, 0, true));
            assert_eq!(e.mint.to_bytes(), s0.assets[2].mint);
        }
        other => panic!("expected AssetRetired, got {other:?}"),
    }
    let (s1, r1) = (f.state().await, f.risk().await);
    assert_eq!(s1.num_assets, 3);
    // the registry moved down, every slot as it was but for its budget: the four equal budgets
    // of 1/4 become three of 1/3, in proportion
    let unbudgeted = |mut a: AssetSlot| {
        a.risk_budget = 0;
        a
    };
    for (new, old) in [(0, 0), (1, 1), (2, 3)] {
        assert_eq!(unbudgeted(s1.assets[new]), unbudgeted(s0.assets[old]), "slot {old} → {new}");
    }
    assert_eq!(s1.assets[2].option.underlying, 1, "the put's underlying (B) is unchanged");
    let budgets: Vec<u64> = s1.assets[..3].iter().map(|a| a.risk_budget).collect();
    assert_eq!(budgets, vec![333_333_334, 333_333_333, 333_333_333]);
    assert_eq!(s1.assets[3], bytemuck::Zeroable::zeroed());
    for (new, old) in [(0, 0), (1, 1), (2, 3)] {
        assert_eq!(r1.targets[new], r0.targets[old]);
        assert_eq!(r1.weights[new], r0.weights[old]);
        assert_eq!(r1.mark[new], r0.mark[old]);
        assert_eq!(r1.factor[new], r0.factor[old]);
        assert_eq!(r1.elasticity[new], r0.elasticity[old]);
        assert_eq!(r1.sampled[new], r0.sampled[old]);
        assert_eq!(r1.book.last_trade[new], r0.book.last_trade[old]);
        for (new2, old2) in [(0, 0), (1, 1), (2, 3)] {
            assert_eq!(r1.cov[packed_index(new, new2)], r0.cov[packed_index(old, old2)]);
        }
    }
    assert_eq!(r1.included_mask, (r0.included_mask & 0b11) | ((r0.included_mask >> 3 & 1) << 2));
    // a settled series was out of the model: nothing goes stale, NAV is unchanged
    assert_eq!(s1.risk_refreshed_at, s0.risk_refreshed_at);
    f.assets.remove(2); // the fixture's view follows the registry
    assert_eq!(f.nav(Rounding::Down).await, nav0);
    // the vault refreshes and takes deposits
    f.step(120).await.ok();
    let u = f.user(10 * USDC).await;
    f.deposit(&u, 10 * USDC, 0).await.ok();
    // the token account is left open
    let ta = pda::token_account(&f.vault, &Pubkey::new_from_array(s0.assets[2].mint)).0;
    assert!(f.env.account(&ta).await.is_some());
}

/// A settled series whose payoff is zero goes at once, its worthless tokens unaccounted in its
/// token account; a series not settled, or a spot asset, needs the timelock.
#[tokio::test]
async fn retire_asset_a_worthless_series_goes_at_once_others_need_the_timelock() {
    let mut f = settled_call(900_000_000).await; // A at $9: the $10 call is worthless
    assert_eq!(f.state().await.assets[2].option.settlement_value.get(), Fx::ZERO);
    let before = f.vault_and_risk_bytes().await;
    // the unsettled put (holding 3) and spot B (empty, but B underlies the put)
    retire(&mut f, 3).await.assert_error("AssetNotEmpty");
    retire(&mut f, 1).await.assert_error("AssetIsUnderlying");
    retire(&mut f, 0).await.assert_error("AssetIsUnderlying"); // the call, settled or not, names A
    retire(&mut f, 4).await.assert_error("UnknownAsset");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    let mint = Pubkey::new_from_array(f.state().await.assets[2].mint);
    let out = retire(&mut f, 2).await;
    out.ok();
    match &out.events()[..] {
        [Event::AssetRetired(e)] => assert_eq!((e.index, e.quantity), (2, 5_000_000)),
        other => panic!("expected AssetRetired, got {other:?}"),
    }
    let s = f.state().await;
    assert_eq!((s.num_assets, s.find_asset(&mint.to_bytes())), (3, None));
    let ta = pda::token_account(&f.vault, &mint).0;
    assert_eq!(f.env.token_amount(&ta).await, 5_000_000);
    s.check_registry().unwrap();
    // A (empty) no longer underlies anything: a spot asset, the admin's through the timelock
    retire(&mut f, 0).await.assert_error("TimelockRequired");
}

/// A spot asset holding nothing goes through `propose_change(Retire)` / `apply_change` after
/// the timelock (the guardian may cancel it); the proposal must name the slot's mint; the risk
/// state is stale until the next refresh, which then works on the smaller registry.
#[tokio::test]
async fn retire_asset_of_a_spot_asset_waits_for_the_timelock() {
    let mut f = Fixture::with_timelock(3).await;
    let s = f.state().await;
    let mint = s.assets[1].mint;
    retire(&mut f, 1).await.assert_error("TimelockRequired");
    f.propose(&ix::ConfigChange::Retire { index: 1, mint: s.assets[0].mint }).await.assert_error("ProposalMismatch");
    f.propose(&ix::ConfigChange::Retire { index: 1, mint }).await.ok();
    f.apply(ix::ProposalKind::Retire).await.assert_error("TimelockNotExpired");
    // the guardian (here the admin) cancels; proposed again and applied after the delay
    let cancel = ix::cancel_change(&f.admin.pubkey(), &f.vault, ix::ProposalKind::Retire, &f.admin.pubkey());
    f.send_as_admin(cancel).await.ok();
    f.propose(&ix::ConfigChange::Retire { index: 1, mint }).await.ok();
    f.env.advance_time(DAY).await;
    let out = f.apply(ix::ProposalKind::Retire).await;
    out.ok();
    assert!(out.events().iter().any(|e| matches!(e, Event::AssetRetired(r) if r.index == 1 && !r.settled_series)));
    let s1: VaultState = f.state().await;
    assert_eq!((s1.num_assets, s1.assets[1].mint, s1.risk_refreshed_at), (2, s.assets[2].mint, 0));
    // stale until a refresh on the two remaining oracles
    let u = f.user(10 * USDC).await;
    f.deposit(&u, 10 * USDC, 0).await.assert_error("RiskStateStale");
    f.assets.remove(1);
    f.step(60).await.ok();
    f.deposit(&u, 10 * USDC, 0).await.ok();
}

/// A slot that still holds something cannot be retired through the timelock either: the rules
/// are checked again when the change applies.
#[tokio::test]
async fn retire_asset_through_the_timelock_still_needs_an_empty_slot() {
    let mut f = Fixture::with_timelock(2).await;
    f.set_holdings(&[0, 7]).await;
    let mint = f.state().await.assets[1].mint;
    f.propose(&ix::ConfigChange::Retire { index: 1, mint }).await.ok();
    f.env.advance_time(DAY).await;
    let before = f.vault_and_risk_bytes().await;
    f.apply(ix::ProposalKind::Retire).await.assert_error("AssetNotEmpty");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}
