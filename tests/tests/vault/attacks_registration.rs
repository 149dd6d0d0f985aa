//! The registry attack (issue 14, High): the admin registers a worthless mint priced by a
//! valuable asset's feed (or a worthless "option" token struck near zero), lets the budget
//! repair apply, refreshes, deposits the worthless token in kind at the feed's price and
//! withdraws the depositors' base. Before the fix `add_asset` / `add_option` applied at once and
//! the accomplice walked away with ≈ 51,200 of a victim's 100,000 USDC
//! (`/work/notes/issue14-registry-before.log`). Now, under a timelock and with outside shares,
//! a registration needs a matured, public proposal that the guardian can cancel, and in-kind
//! deposits are capped per asset.

use rpv_sdk::{events::Event, ix, pda, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_signer::Signer;

/// A one-day-timelock vault with two assets, a guardian (set while the vault had no outside
/// shares) and an outside depositor of 100,000 USDC. Returns the guardian.
async fn victim_vault_with_guardian() -> (Fixture, solana_keypair::Keypair) {
    let mut f = Fixture::with_timelock(2).await;
    let guardian = f.env.funded_keypair().await;
    let set = ix::set_guardian(&f.admin.pubkey(), &f.vault, &guardian.pubkey());
    f.send_as_admin(set).await.ok();
    let victim = f.user(100_000 * USDC).await;
    f.deposit(&victim, 100_000 * USDC, 0).await.ok();
    (f, guardian)
}

/// [`victim_vault_with_guardian`] without the guardian.
async fn victim_vault() -> Fixture {
    victim_vault_with_guardian().await.0
}

/// A mint the admin controls, to be registered with asset 1's oracle and feed ($20.50).
async fn worthless_spot(f: &mut Fixture) -> TestAsset {
    let worthless = f.env.create_mint(&TOKEN_PROGRAM_ID, f.assets[1].decimals).await;
    TestAsset { mint: worthless, ..f.assets[1].clone() }
}

/// The registration proposal of spot asset `a` with `args`.
fn registration_of(a: &TestAsset, args: ix::AddAssetArgs) -> ix::ConfigChange {
    ix::registration(&a.mint, &a.token_program, &a.oracle, args, None)
}

/// After the registration of slot `index`: the budget repair and a refresh, then an accomplice
/// holding `amount` of the slot's tokens. Returns the accomplice and its token account.
async fn accomplice_ready(f: &mut Fixture, index: u8, amount: u64) -> (User, solana_pubkey::Pubkey) {
    let b = rescaled(&risk_budgets(&f.state().await));
    f.set_budgets(b).await.ok();
    f.step(60).await.ok();
    let accomplice = f.user(0).await;
    let src = f.asset_account(usize::from(index), &accomplice.kp.pubkey(), amount).await;
    (accomplice, src)
}

#[tokio::test]
async fn attack_worthless_mint_registration_waits_for_the_timelock() {
    let mut f = victim_vault().await;
    let fake = worthless_spot(&mut f).await;
    let before = f.vault_and_risk_bytes().await;
    f.add_asset(&fake, Fixture::asset_args(&fake)).await.assert_error("TimelockRequired");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert!(f.env.account(&pda::token_account(&f.vault, &fake.mint).0).await.is_none(), "no token account created");
}

#[tokio::test]
async fn attack_worthless_option_registration_waits_for_the_timelock() {
    let mut f = victim_vault().await;
    // a "call" on asset 1 struck at one cent: valued at about the spot price per token
    let (_, add) = f.option_ix(&Series::call(1, 0.01, 30 * DAY, 0.5), 62_500_000).await;
    let before = f.vault_and_risk_bytes().await;
    f.send_as_admin(add).await.assert_error("TimelockRequired");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_registration_proposal_is_public_and_the_guardian_cancels_it() {
    let (mut f, guardian) = victim_vault_with_guardian().await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let fake = worthless_spot(&mut f).await;
    let args = Fixture::asset_args(&fake);
    let out = f.propose(&registration_of(&fake, args)).await;
    out.ok();
    match &out.events()[..] {
        [Event::ChangeProposed(e)] => assert_eq!(e.kind, ProposalKind::Registration),
        other => panic!("expected ChangeProposed, got {other:?}"),
    }
    let before = f.vault_and_risk_bytes().await;
    // not before its eta
    f.add_asset(&fake, args).await.assert_error("TimelockNotExpired");
    // the guardian cancels it during the delay; afterwards there is nothing to consume
    let cancel = ix::cancel_change(&guardian.pubkey(), &v, ProposalKind::Registration, &admin.pubkey());
    f.env.send(&[cancel], &[&guardian]).await.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    f.add_asset(&fake, args).await.assert_error("TimelockRequired");
    assert_eq!(f.vault_and_risk_bytes().await, before);
}

#[tokio::test]
async fn attack_registration_must_match_its_proposal_field_by_field() {
    let mut f = victim_vault().await;
    let fake = worthless_spot(&mut f).await;
    let args = Fixture::asset_args(&fake);
    f.propose(&registration_of(&fake, ix::AddAssetArgs { in_kind_cap: 1, ..args })).await.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    let before = f.vault_and_risk_bytes().await;
    // a larger cap, another oracle, another budget than proposed; a spot proposal used for a series
    f.add_asset(&fake, args).await.assert_error("ProposalMismatch");
    let other_oracle = TestAsset { oracle: f.assets[0].oracle, feed: f.assets[0].feed, ..fake.clone() };
    let proposed = ix::AddAssetArgs { in_kind_cap: 1, ..args };
    f.add_asset(&other_oracle, ix::AddAssetArgs { feed_id: other_oracle.feed, ..proposed })
        .await
        .assert_error("ProposalMismatch");
    f.add_asset(&fake, ix::AddAssetArgs { risk_budget: 1, ..proposed }).await.assert_error("ProposalMismatch");
    let now = f.env.now().await;
    let series = ix::OptionSeriesArgs {
        kind: OptionKind::Call,
        underlying: 1,
        strike_bits: rpv_core::fixed_point::Fx::from_num(1).to_bits(),
        contract_size_bits: rpv_core::fixed_point::Fx::from_num(1).to_bits(),
        expiry: now + 30 * DAY,
    };
    let as_series =
        ix::add_option(&f.admin.pubkey(), &f.vault, &fake.mint, &fake.token_program, &fake.oracle, proposed, series);
    f.send_as_admin(as_series).await.assert_error("ProposalMismatch");
    // apply_change does not apply a registration
    f.apply(ProposalKind::Registration).await.assert_error("ProposalMismatch");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // exactly as proposed: registered, the proposal consumed and its rent back to the admin
    let key = pda::proposal(&f.vault, ProposalKind::Registration).0;
    let rent = f.env.account(&key).await.unwrap().lamports;
    let admin_before = f.env.account(&f.admin.pubkey()).await.unwrap().lamports;
    let out = f.add_asset(&fake, proposed).await;
    out.ok();
    assert!(out.events().iter().any(|e| matches!(e, Event::ChangeApplied(c) if c.kind == ProposalKind::Registration)));
    assert!(f.proposal(ProposalKind::Registration).await.is_none());
    let s = f.state().await;
    assert_eq!((s.num_assets, s.assets[2].mint, s.assets[2].in_kind_cap), (3, fake.mint.to_bytes(), 1));
    let token_rent = f.env.account(&pda::token_account(&f.vault, &fake.mint).0).await.unwrap().lamports;
    assert_eq!(f.env.account(&f.admin.pubkey()).await.unwrap().lamports, admin_before + rent - token_rent);
}

#[tokio::test]
async fn attack_in_kind_cap_bounds_a_registered_asset() {
    // even a registration that went through the timelock takes in kind only up to its cap
    let mut f = victim_vault().await;
    let fake = worthless_spot(&mut f).await;
    let cap = 100 * 100_000_000; // 100 tokens ($2,050)
    let args = ix::AddAssetArgs { in_kind_cap: cap, ..Fixture::asset_args(&fake) };
    f.propose(&registration_of(&fake, args)).await.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    f.add_asset(&fake, args).await.ok();
    f.assets.push(fake);
    let (accomplice, src) = accomplice_ready(&mut f, 2, 2_500 * 100_000_000).await;
    let before = f.vault_and_risk_bytes().await;
    let sm = f.share_mint();
    let supply = f.env.mint_supply(&sm).await;
    f.deposit_asset(&accomplice, 2, &src, 2_500 * 100_000_000, 0).await.assert_error("InKindCapExceeded");
    f.deposit_asset(&accomplice, 2, &src, cap + 1, 0).await.assert_error("InKindCapExceeded");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert_eq!(f.env.mint_supply(&sm).await, supply);
    assert_eq!(f.env.token_amount(&src).await, 2_500 * 100_000_000);
    assert_eq!(f.env.token_amount(&accomplice.share_token).await, 0);
    // up to the cap it is taken (and bounded by it)
    f.deposit_asset(&accomplice, 2, &src, cap, 0).await.ok();
    assert_eq!(f.state().await.assets[2].quantity, cap);
    f.deposit_asset(&accomplice, 2, &src, 1, 0).await.assert_error("InKindCapExceeded");
}

#[tokio::test]
async fn attack_admin_cannot_swap_the_guardian_during_a_registration_delay() {
    // the admin proposes a registration and, to keep the guardian from cancelling it, tries to
    // replace the guardian at once
    let (mut f, guardian) = victim_vault_with_guardian().await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let fake = worthless_spot(&mut f).await;
    f.propose(&registration_of(&fake, Fixture::asset_args(&fake))).await.ok();
    let before = f.vault_and_risk_bytes().await;
    let swap = ix::set_guardian(&admin.pubkey(), &v, &admin.pubkey());
    f.send_as_admin(swap).await.assert_error("TimelockRequired");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    // a guardian change waits like the registration; the guardian cannot cancel its own
    // replacement (only the admin can), but it cancels the registration meanwhile
    f.propose(&ix::ConfigChange::Guardian(admin.pubkey().to_bytes())).await.ok();
    let cancel = |kind| ix::cancel_change(&guardian.pubkey(), &v, kind, &admin.pubkey());
    f.env.send(&[cancel(ProposalKind::Guardian)], &[&guardian]).await.assert_error("Unauthorized");
    f.env.send(&[cancel(ProposalKind::Registration)], &[&guardian]).await.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    assert_eq!(f.state().await.guardian, guardian.pubkey().to_bytes(), "not before the eta");
    f.apply(ProposalKind::Guardian).await.ok();
    assert_eq!(f.state().await.guardian, admin.pubkey().to_bytes());
    f.add_asset(&fake, Fixture::asset_args(&fake)).await.assert_error("TimelockRequired");
    assert_eq!(f.state().await.num_assets, 2);
}
