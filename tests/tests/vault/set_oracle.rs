//! `set_oracle` and the oracle change through the timelock (`ConfigChange::OracleChange`, kind
//! 9) — one test per Specification bullet of `instructions/governance/set_oracle.rs`.

use rpv_sdk::{events::Event, ix, ix::ConfigChange, pda, pyth};
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// A new Pyth feed for asset `i` (its price as the fixture has it, a new account and feed id),
/// published now.
async fn new_feed(f: &mut Fixture, i: usize, label: &str) -> TestAsset {
    let mut a = f.assets[i].clone();
    a.oracle = Pubkey::new_unique();
    a.feed = pyth::feed_id(label);
    f.write_oracle(&a, 0).await;
    a
}

fn change_to(i: u8, a: &TestAsset) -> ix::OracleChange {
    ix::OracleChange {
        index: i,
        oracle: a.oracle.to_bytes(),
        oracle_kind: ix::OracleKind::Pyth,
        feed_id: a.feed,
        max_oracle_age: 120,
        max_conf_bps: 300,
        oracle_queue: [0; 32],
    }
}

/// Asset 1's feed dies; two minutes later asset 0 is republished (asset 1 cannot be).
async fn vault_with_dead_feed(f: &mut Fixture) {
    let dead = f.assets[1].oracle;
    f.env.set_pyth(&dead, vec![0; 16]);
    f.env.advance_time(120).await;
    let live = f.assets[0].clone();
    f.write_oracle(&live, 0).await;
    f.refresh().await.assert_error("OracleInvalidAccount");
}

#[tokio::test]
async fn without_a_timelock_a_live_feed_replaces_a_dead_one_at_once() {
    let mut f = Fixture::with_assets(2).await;
    vault_with_dead_feed(&mut f).await;
    let rotated = new_feed(&mut f, 1, "rotated").await;
    let change = change_to(1, &rotated);
    let admin = f.admin.pubkey();
    let before = f.state().await;
    let out = f.send_as_admin(ix::set_oracle(&admin, &f.vault, &change)).await;
    out.ok();
    let now = f.env.now().await;
    match &out.events()[..] {
        [Event::OracleSet(e)] => {
            assert_eq!((e.index, e.old_oracle, e.oracle), (1, f.assets[1].oracle, rotated.oracle));
            assert_eq!(
                (e.oracle_kind, e.feed_id, e.max_oracle_age, e.max_conf_bps),
                (ix::OracleKind::Pyth, rotated.feed, 120, 300)
            );
            assert_eq!(e.publish_time, now);
        }
        other => panic!("expected OracleSet, got {other:?}"),
    }
    let s = f.state().await;
    let slot = &s.assets[1];
    assert_eq!(
        (slot.oracle, slot.feed_id, slot.max_oracle_age, slot.max_conf_bps),
        (rotated.oracle.to_bytes(), rotated.feed, 120, 300)
    );
    assert_eq!(slot.last_publish_time, now - 1, "restarts just below the value read");
    assert_eq!(
        (slot.mint, slot.quantity, slot.risk_budget),
        (before.assets[1].mint, before.assets[1].quantity, before.assets[1].risk_budget)
    );
    // refresh samples the new feed at once (the value verified at the change is newer than the restart)
    f.assets[1] = rotated;
    f.refresh().await.ok();
    assert_eq!(f.state().await.assets[1].last_publish_time, now);
    // and deposits work again
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
}

#[tokio::test]
async fn only_the_admin_a_registered_slot_and_settings_in_range() {
    let mut f = Fixture::with_assets(2).await;
    let rotated = new_feed(&mut f, 1, "rotated").await;
    let admin = f.admin.pubkey();
    let s = f.state().await;
    let intruder = f.env.funded_keypair().await;
    let change = change_to(1, &rotated);
    f.env
        .send(&[ix::set_oracle(&intruder.pubkey(), &f.vault, &change)], &[&intruder])
        .await
        .assert_error("Unauthorized");
    let unknown = ix::OracleChange { index: 2, ..change };
    f.send_as_admin(ix::set_oracle(&admin, &f.vault, &unknown)).await.assert_error("UnknownAsset");
    for bad in [
        ix::OracleChange { max_oracle_age: 0, ..change },
        ix::OracleChange { max_conf_bps: 10_001, ..change },
        ix::OracleChange { oracle_queue: [1; 32], ..change }, // a queue for a Pyth feed
        ix::OracleChange { oracle_kind: ix::OracleKind::Switchboard, ..change }, // Switchboard without one
    ] {
        f.send_as_admin(ix::set_oracle(&admin, &f.vault, &bad)).await.assert_error("InvalidOracleConfig");
        f.propose(&ConfigChange::OracleChange(bad)).await.assert_error("InvalidOracleConfig");
    }
    assert_eq!(f.state().await, s, "refused changes change nothing");
}

#[tokio::test]
async fn the_new_feed_must_pass_a_full_read_of_the_declared_kind() {
    let mut f = Fixture::with_assets(2).await;
    let rotated = new_feed(&mut f, 1, "rotated").await;
    let admin = f.admin.pubkey();
    let s = f.state().await;
    let change = change_to(1, &rotated);
    // another account than the one named
    let mut wrong = ix::set_oracle(&admin, &f.vault, &change);
    wrong.accounts[2].pubkey = f.assets[0].oracle;
    f.send_as_admin(wrong).await.assert_error("OracleAccountMismatch");
    // declared Switchboard (with a queue), but the account is a Pyth update
    let sb = ix::OracleChange { oracle_kind: ix::OracleKind::Switchboard, oracle_queue: [9; 32], ..change };
    f.send_as_admin(ix::set_oracle(&admin, &f.vault, &sb)).await.assert_error("OracleWrongOwner");
    // another feed id than the account carries
    let other = ix::OracleChange { feed_id: pyth::feed_id("other"), ..change };
    f.send_as_admin(ix::set_oracle(&admin, &f.vault, &other)).await.assert_error("OracleFeedMismatch");
    // a feed that is not live
    f.write_oracle(&rotated, 600).await;
    f.send_as_admin(ix::set_oracle(&admin, &f.vault, &change)).await.assert_error("OracleStale");
    f.env.set_pyth(&rotated.oracle, vec![3; 50]);
    f.send_as_admin(ix::set_oracle(&admin, &f.vault, &change)).await.assert_error("OracleInvalidAccount");
    assert_eq!(f.state().await, s, "refused changes change nothing");
}

#[tokio::test]
async fn timelock_oracle_change_waits_and_the_guardian_can_cancel() {
    let mut f = Fixture::with_timelock(2).await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let guardian = f.env.funded_keypair().await;
    f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &guardian.pubkey())], &[&admin]).await.ok();
    vault_with_dead_feed(&mut f).await;
    let rotated = new_feed(&mut f, 1, "rotated").await;
    let change = change_to(1, &rotated);
    let s = f.state().await;
    // not at once
    f.send_as_admin(ix::set_oracle(&admin.pubkey(), &v, &change)).await.assert_error("TimelockRequired");
    assert_eq!(f.state().await, s);
    // proposed (kind 9), cancelled by the guardian
    f.propose(&ConfigChange::OracleChange(change)).await.ok();
    assert_eq!(ProposalKind::OracleChange.code(), 9);
    assert!(f.env.account(&pda::proposal(&v, ProposalKind::OracleChange).0).await.is_some());
    let cancel = ix::cancel_change(&guardian.pubkey(), &v, ProposalKind::OracleChange, &admin.pubkey());
    f.env.send(&[cancel], &[&guardian]).await.ok();
    assert!(f.proposal(ProposalKind::OracleChange).await.is_none());
    // proposed again: refused before its eta, applied after
    f.propose(&ConfigChange::OracleChange(change)).await.ok();
    let apply = |s: &rpv_core::layout::VaultState| ix::apply_oracle_change(&v, s, &change, &admin.pubkey());
    f.env.advance_time(DAY - 1).await;
    f.env.send(&[apply(&s)], &[]).await.assert_error("TimelockNotExpired");
    f.env.advance_time(1).await;
    f.write_oracle(&rotated, 0).await;
    let mut without = apply(&s);
    without.accounts.pop();
    f.env.send(&[without], &[]).await.assert_error("OracleAccountCount");
    assert_eq!(f.state().await, s);
    let out = f.env.send(&[apply(&s)], &[]).await;
    out.ok();
    match &out.events()[..] {
        [Event::OracleSet(e), Event::ChangeApplied(a)] => {
            assert_eq!((e.index, e.oracle, a.kind), (1, rotated.oracle, ProposalKind::OracleChange))
        }
        other => panic!("expected OracleSet then ChangeApplied, got {other:?}"),
    }
    assert_eq!(f.state().await.assets[1].oracle, rotated.oracle.to_bytes());
    assert!(f.proposal(ProposalKind::OracleChange).await.is_none(), "consumed");
    // refresh works again with the new feed
    f.assets[1] = rotated;
    f.step(60).await.ok();
}
