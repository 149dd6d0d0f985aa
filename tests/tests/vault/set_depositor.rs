//! `set_depositor` — one test per Specification bullet: the allowlist admits listed depositors
//! and never stops a revoked one from leaving. `cargo test allowlist` selects the allowlist group.

use rpv_sdk::{events::Event, ix, pda};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn allowlisted() -> Fixture {
    Fixture::with_assets_and(1, |a| a.allowlist = true).await
}

#[tokio::test]
async fn allowlist_refuses_unlisted_depositors_and_admits_listed_ones() {
    let mut f = allowlisted().await;
    assert!(f.state().await.allowlist_enabled());
    let u = f.user(10_000_000).await;
    let from = f.asset_account(0, &u.kp.pubkey(), 2_000_000_000).await;
    let sm = f.share_mint();
    let before = (f.state().await, f.env.mint_supply(&sm).await);
    // the builder appends the (not yet existing) entry
    f.deposit(&u, 1_000_000, 0).await.assert_error("NotAllowlisted");
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 0).await.assert_error("NotAllowlisted");
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    ix.accounts.pop(); // no entry at all
    f.env.send(&[ix], &[&u.kp]).await.assert_error("NotAllowlisted");
    let mut ix = f.deposit_ix(&u, 1_000_000, 0).await;
    let extra = ix.accounts[10].clone();
    ix.accounts.push(extra); // more than oracles + entry
    f.env.send(&[ix], &[&u.kp]).await.assert_error("OracleAccountCount");
    assert_eq!((f.state().await, f.env.mint_supply(&sm).await), before, "nothing moved");

    let out = f.set_depositor(&u.kp.pubkey(), true).await;
    out.ok();
    match &out.events()[..] {
        [Event::DepositorAllowed(e)] => {
            assert_eq!((e.vault, e.user, e.allowed), (f.vault, u.kp.pubkey(), true))
        }
        other => panic!("expected DepositorAllowed, got {other:?}"),
    }
    f.deposit(&u, 1_000_000, 0).await.ok();
    f.deposit_asset(&u, 0, &from, 1_000_000_000, 0).await.ok();
    assert!(f.env.token_amount(&u.share_token).await > 0);

    // someone else cannot use u's entry, nor a copy of it the program does not own
    let w = f.user(10_000_000).await;
    let before = (f.state().await, f.env.mint_supply(&sm).await);
    let entry = pda::allow_entry(&f.vault, &u.kp.pubkey()).0;
    let mut ix = f.deposit_ix(&w, 1_000_000, 0).await;
    let last = ix.accounts.len() - 1;
    ix.accounts[last].pubkey = entry;
    f.env.send(&[ix], &[&w.kp]).await.assert_error("NotAllowlisted");
    let mut copy = f.env.account(&entry).await.unwrap();
    copy.data[40..72].copy_from_slice(&w.kp.pubkey().to_bytes());
    copy.owner = rpv_sdk::SYSTEM_PROGRAM_ID;
    let fake = Keypair::new().pubkey();
    f.env.set_account(&fake, copy);
    let mut ix = f.deposit_ix(&w, 1_000_000, 0).await;
    ix.accounts[last].pubkey = fake;
    f.env.send(&[ix], &[&w.kp]).await.assert_error("NotAllowlisted");
    assert_eq!((f.state().await, f.env.mint_supply(&sm).await), before, "nothing moved");
}

#[tokio::test]
async fn allowlist_never_stops_a_revoked_depositor_leaving_by_withdraw_or_in_kind_while_paused() {
    let mut f = allowlisted().await;
    f.set_holdings(&[2_000_000_000]).await;
    let u = f.user(20_000_000).await;
    f.set_depositor(&u.kp.pubkey(), true).await.ok();
    f.deposit(&u, 20_000_000, 0).await.ok();
    // revoked: the entry closes and its rent returns to the admin
    let entry = pda::allow_entry(&f.vault, &u.kp.pubkey()).0;
    let rent = f.env.account(&entry).await.unwrap().lamports;
    let admin = f.admin.pubkey();
    let admin_before = f.env.account(&admin).await.unwrap().lamports;
    let out = f.set_depositor(&u.kp.pubkey(), false).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::DepositorAllowed(e)] if !e.allowed));
    assert!(f.env.account(&entry).await.is_none());
    assert_eq!(f.env.account(&admin).await.unwrap().lamports, admin_before + rent);
    f.deposit(&u, 1_000_000, 0).await.assert_error("NotAllowlisted");
    // withdrawals go on
    f.withdraw(&u, 100_000, 0).await.ok();
    // paused, a day later with every oracle stale: in-kind redemption still pays out
    let (g, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    f.env.advance_time(86_400).await;
    // (a withdrawal now would value every stale leg at zero: `attacks_feeds.rs`)
    let accounts = f.holding_accounts(&u).await;
    let shares = f.env.token_amount(&u.share_token).await;
    f.redeem(&u, &accounts, shares, vec![]).await.ok();
    assert_eq!(f.env.token_amount(&u.share_token).await, 0);
    assert!(f.env.token_amount(&accounts[1]).await > 0, "paid in the asset too");
}
