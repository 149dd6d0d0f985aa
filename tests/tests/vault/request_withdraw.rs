//! `request_withdraw` — one test per Specification bullet of
//! `instructions/requests/request_withdraw.rs`.

use rpv_core::{layout::REQUEST_WITHDRAW, math::Rounding};
use rpv_sdk::{events::Event, ix};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn burns_the_shares_into_the_queue_and_leaves_the_share_price() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 8_000_000, 0).await.ok();
    let (nav, total) = (f.nav(Rounding::Down).await, f.total_shares().await);
    let supply = f.env.mint_supply(&f.share_mint()).await;
    let (out, key) = f.request_withdraw(&u, 3_000_000).await;
    out.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, 5_000_000);
    assert_eq!(f.env.mint_supply(&f.share_mint()).await, supply - 3_000_000, "burnt");
    // counted in the total shares until settled: the share price does not move
    assert_eq!((f.nav(Rounding::Down).await, f.total_shares().await), (nav, total));
    let s = f.state().await;
    assert_eq!((s.flows.withdrawals.next_id, s.flows.withdrawals.head, s.flows.withdrawals.pending), (1, 0, 3_000_000));
    let r = f.request_state(&key).await.unwrap();
    assert_eq!((r.kind, r.id, r.pending), (REQUEST_WITHDRAW, 0, 3_000_000));
    assert!(
        matches!(&out.events()[..], [Event::FlowRequested(e)] if e.kind == REQUEST_WITHDRAW && e.amount == 3_000_000 && e.request == key)
    );
}

#[tokio::test]
async fn the_id_shares_and_accounts_are_checked() {
    let mut f = Fixture::with_assets(1).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let s = f.state().await;
    let ix = ix::request_withdraw(&u.kp.pubkey(), &f.vault, &s, &u.share_token, 3, 1_000_000);
    f.env.send(&[ix], &[&u.kp]).await.assert_error("WrongRequest");
    f.request_withdraw(&u, 0).await.0.assert_error("ZeroShares");
    f.request_withdraw(&u, 5_000_001).await.0.assert_error("InsufficientShares");
    let mut wrong = ix::request_withdraw(&u.kp.pubkey(), &f.vault, &s, &u.share_token, 0, 1_000_000);
    wrong.accounts[3].pubkey = f.base_vault();
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("WrongShareMint");
    let mut wrong = ix::request_withdraw(&u.kp.pubkey(), &f.vault, &s, &u.share_token, 0, 1_000_000);
    wrong.accounts[4].pubkey = u.base_token;
    f.env.send(&[wrong], &[&u.kp]).await.assert_error("WrongMint");
    // another holder's share account: the token program refuses the burn
    let thief = f.user(0).await;
    let mut wrong = ix::request_withdraw(&thief.kp.pubkey(), &f.vault, &s, &u.share_token, 0, 1_000_000);
    wrong.accounts[4].pubkey = u.share_token;
    f.env.send(&[wrong], &[&thief.kp]).await.assert_failed();
    assert_eq!(f.state().await, s);
    assert_eq!(f.env.token_amount(&u.share_token).await, 5_000_000);
}

#[tokio::test]
async fn allowed_while_paused_and_with_every_feed_dead() {
    let mut f = Fixture::with_assets(2).await;
    let u = f.user(10_000_000).await;
    f.deposit(&u, 5_000_000, 0).await.ok();
    let (g, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    f.env.advance_time(10_000).await; // every feed stale, the risk state too
    f.request_withdraw(&u, 1_000_000).await.0.ok();
    assert_eq!(f.state().await.flows.withdrawals.pending, 1_000_000);
}
