//! `request_deposit` — one test per Specification bullet of
//! `instructions/requests/request_deposit.rs`.

use rpv_core::layout::REQUEST_DEPOSIT;
use rpv_sdk::{events::Event, ix, pda};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn escrows_the_amount_and_prices_nothing() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    let before = f.state().await;
    // every feed stale: a request reads no oracle
    f.env.advance_time(120).await;
    let (out, key) = f.request_deposit(&u, 4_000_000).await;
    out.ok();
    let now = f.env.now().await;
    let slot = f.env.clock().await.slot;
    assert_eq!(f.env.token_amount(&u.base_token).await, 6_000_000);
    assert_eq!(f.escrow_balance().await, 4_000_000);
    let s = f.state().await;
    assert_eq!((s.flows.deposits.next_id, s.flows.deposits.head, s.flows.deposits.pending), (1, 0, 4_000_000));
    assert_eq!((s.base_quantity, s.flows.deposits.claimable), (before.base_quantity, 0), "nothing is in the NAV yet");
    let r = f.request_state(&key).await.unwrap();
    assert_eq!((r.id, r.kind, r.pending, r.claimable, r.filled, r.claimed), (0, REQUEST_DEPOSIT, 4_000_000, 0, 0, 0));
    assert_eq!((r.owner, r.vault), (u.kp.pubkey().to_bytes(), f.vault.to_bytes()));
    assert_eq!((r.created_at, r.created_slot), (now, slot));
    match &out.events()[..] {
        [Event::FlowRequested(e)] => assert_eq!(
            (e.owner, e.request, e.kind, e.id, e.amount, e.created_at, e.queue_pending),
            (u.kp.pubkey(), key, REQUEST_DEPOSIT, 0, 4_000_000, now, 4_000_000)
        ),
        other => panic!("expected FlowRequested, got {other:?}"),
    }
    // the owner paid the request account's rent
    assert!(f.env.account(&key).await.unwrap().lamports > 0);
}

#[tokio::test]
async fn the_id_must_be_the_queues_next() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    let s = f.state().await;
    let ix = ix::request_deposit(&u.kp.pubkey(), &f.vault, &s, &u.base_token, 1, 1_000_000);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongRequest");
    assert_eq!(f.state().await, s);
    f.request_deposit(&u, 1_000_000).await.0.ok();
    // an id already taken: its account exists (Anchor's init refuses it)
    let s = f.state().await;
    let ix = ix::request_deposit(&u.kp.pubkey(), &f.vault, &s, &u.base_token, 0, 1_000_000);
    f.env.send(&[ix], &[&u.kp]).await.assert_failed();
    assert_eq!(f.state().await.flows.deposits.next_id, 1);
}

#[tokio::test]
async fn accounts_are_checked_against_the_vault() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    let s = f.state().await;
    let build = |s: &rpv_core::layout::VaultState| {
        ix::request_deposit(&u.kp.pubkey(), &f.vault, s, &u.base_token, 0, 1_000_000)
    };
    let mut wrong = build(&s);
    wrong.accounts[4].pubkey = f.base_vault(); // escrow
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("WrongEscrow");
    let mut wrong = build(&s);
    wrong.accounts[3].pubkey = f.share_mint(); // base mint
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("WrongBaseMint");
    let mut wrong = build(&s);
    wrong.accounts[6].pubkey = rpv_sdk::TOKEN_2022_PROGRAM_ID;
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("WrongTokenProgram");
    // the owner's account: for the base mint, and not the vault's own
    let mut wrong = build(&s);
    wrong.accounts[5].pubkey = u.share_token;
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("WrongMint");
    let mut wrong = build(&s);
    wrong.accounts[5].pubkey = f.base_vault();
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("DuplicateAccount");
    let mut wrong = build(&s);
    wrong.accounts[5].pubkey = pda::escrow(&f.vault).0;
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("DuplicateAccount");
    assert_eq!(f.state().await, s);
    assert_eq!(f.escrow_balance().await, 0);
}

#[tokio::test]
async fn paused_zero_and_below_minimum_are_refused() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    let s = f.state().await;
    f.request_deposit(&u, 0).await.0.assert_error("ZeroAmount");
    f.request_deposit(&u, s.min_deposit - 1).await.0.assert_error("DepositBelowMinimum");
    let (g, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    f.request_deposit(&u, 1_000_000).await.0.assert_error("VaultPaused");
    let after = f.state().await;
    assert_eq!(after.flows, s.flows);
    assert_eq!(f.env.token_amount(&u.base_token).await, 10_000_000);
}

#[tokio::test]
async fn the_allowlist_applies_to_deposit_requests() {
    let mut f = Fixture::with_assets_and(1, |a| a.allowlist = true).await;
    let u = f.user(10_000_000).await;
    let s = f.state().await;
    // no entry passed, then a wrong one
    f.request_deposit(&u, 1_000_000).await.0.assert_error("NotAllowlisted");
    f.set_depositor(&u.kp.pubkey(), true).await.ok();
    let other = f.user(0).await;
    let mut ix = ix::request_deposit(&u.kp.pubkey(), &f.vault, &s, &u.base_token, 0, 1_000_000);
    ix.accounts.last_mut().unwrap().pubkey = pda::allow_entry(&f.vault, &other.kp.pubkey()).0;
    f.env.send(&[ix], &[&u.kp]).await.assert_error("NotAllowlisted");
    f.request_deposit(&u, 1_000_000).await.0.ok();
    assert_eq!(f.state().await.flows.deposits.pending, 1_000_000);
}
