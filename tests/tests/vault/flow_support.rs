//! The request path from a test: thin wrappers over the SDK's builders (`rpv_sdk::ix`) that
//! send as the owner (or the keeper) and return the request's address with the outcome.

use rpv_core::layout::{RequestState, REQUEST_DEPOSIT, REQUEST_WITHDRAW};
use rpv_sdk::{decode_request, ix, pda};
use rpv_tests::*;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// `request_deposit` of `amount` by `u` with the deposit queue's next id.
pub async fn request_deposit(f: &mut Fixture, u: &User, amount: u64) -> (Outcome, Pubkey) {
    let s = f.state().await;
    let id = s.flows.deposits.next_id;
    let ix = ix::request_deposit(&u.kp.pubkey(), &f.vault, &s, &u.base_token, id, amount);
    (f.env.send(&[ix], &[&u.kp]).await, pda::request(&f.vault, REQUEST_DEPOSIT, id).0)
}

/// `request_withdraw` of `shares` by `u` with the withdrawal queue's next id.
pub async fn request_withdraw(f: &mut Fixture, u: &User, shares: u64) -> (Outcome, Pubkey) {
    let s = f.state().await;
    let id = s.flows.withdrawals.next_id;
    let ix = ix::request_withdraw(&u.kp.pubkey(), &f.vault, &s, &u.share_token, id, shares);
    (f.env.send(&[ix], &[&u.kp]).await, pda::request(&f.vault, REQUEST_WITHDRAW, id).0)
}

/// `settle_requests` of `requests` by `keeper` (its incentive to `keeper.base_token`).
pub async fn settle(f: &mut Fixture, keeper: &User, requests: &[Pubkey]) -> Outcome {
    let s = f.state().await;
    let ix = ix::settle_requests(&keeper.kp.pubkey(), &f.vault, &s, &keeper.base_token, requests);
    f.env.send(&[ix], &[&keeper.kp]).await
}

/// `claim_request` of `request` by `u`.
pub async fn claim(f: &mut Fixture, u: &User, request: &Pubkey) -> Outcome {
    let s = f.state().await;
    let ix = ix::claim_request(&u.kp.pubkey(), &f.vault, &s, request, &u.base_token, &u.share_token);
    f.env.send(&[ix], &[&u.kp]).await
}

/// `cancel_request` of `request` by `u`.
pub async fn cancel(f: &mut Fixture, u: &User, request: &Pubkey) -> Outcome {
    let s = f.state().await;
    let ix = ix::cancel_request(&u.kp.pubkey(), &f.vault, &s, request, &u.base_token, &u.share_token);
    f.env.send(&[ix], &[&u.kp]).await
}

/// The request account's state; `None` once closed.
pub async fn request(f: &mut Fixture, key: &Pubkey) -> Option<RequestState> {
    let data = f.env.data(key).await?;
    (!data.is_empty()).then(|| decode_request(&data).expect("a request account"))
}

/// Time passes and the feeds publish again: prices published after any request made so far
/// (the settlement delay is 2 s by default).
pub async fn later_prices(f: &mut Fixture) {
    f.env.advance_time(3).await;
    f.refresh_oracles().await;
}

/// The vault's escrow balance.
pub async fn escrow_balance(f: &mut Fixture) -> u64 {
    f.env.token_amount(&pda::escrow(&f.vault).0).await
}
