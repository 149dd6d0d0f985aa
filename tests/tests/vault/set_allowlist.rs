//! `set_allowlist` — one test per Specification bullet: the switch and the entries are
//! admin-only; switched on only listed depositors enter, switched off everyone does.
//! `cargo test allowlist` selects the allowlist group.

use rpv_sdk::{events::Event, ix, pda};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn allowlist_entries_and_switch_are_admin_only() {
    let mut f = Fixture::with_assets(1).await; // allowlist off
    let stranger = f.env.funded_keypair().await;
    let u = f.user(10_000_000).await;
    let v = f.vault;
    let out = f.env.send(&[ix::set_depositor(&stranger.pubkey(), &v, &u.kp.pubkey(), true)], &[&stranger]).await;
    out.assert_error("Unauthorized");
    f.env.send(&[ix::set_allowlist(&stranger.pubkey(), &v, true)], &[&stranger]).await.assert_error("Unauthorized");
    f.set_depositor(&u.kp.pubkey(), false).await.assert_error("NotAllowlisted");
    f.set_depositor(&u.kp.pubkey(), true).await.ok();
    f.set_depositor(&u.kp.pubkey(), true).await.assert_error("AccountAlreadyInUse");
    // the entry address must be the user's PDA (Anchor ConstraintSeeds)
    let admin = f.admin.insecure_clone();
    let mut ix = ix::set_depositor(&admin.pubkey(), &v, &stranger.pubkey(), true);
    ix.accounts[2].pubkey = pda::allow_entry(&v, &Keypair::new().pubkey()).0;
    f.env.send(&[ix], &[&admin]).await.assert_anchor_error(2006);
    // switched on: only listed depositors; off again: everyone
    let w = f.user(10_000_000).await;
    f.deposit(&w, 1_000_000, 0).await.ok();
    let out = f.env.send(&[ix::set_allowlist(&admin.pubkey(), &v, true)], &[&admin]).await;
    out.ok();
    assert!(matches!(&out.events()[..], [Event::AllowlistSet(e)] if e.enabled));
    f.deposit(&w, 1_000_000, 0).await.assert_error("NotAllowlisted");
    f.deposit(&u, 1_000_000, 0).await.ok();
    f.env.send(&[ix::set_allowlist(&admin.pubkey(), &v, false)], &[&admin]).await.ok();
    assert!(!f.state().await.allowlist_enabled());
    f.deposit(&w, 1_000_000, 0).await.ok();
}
