//! `apply_change` — one test per Specification bullet of the apply side of
//! `instructions/governance/timelock.rs`: the eta boundary, the accounts, the grace period, and budgets and
//! fee rates applied through proposals. `cargo test timelock` selects the timelock group.

use rpv_core::math::Rounding;
use rpv_sdk::{events::Event, ix, ix::ConfigChange, pda, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn timelock_boundary_eta_minus_one_refused_eta_accepted() {
    let mut f = Fixture::with_timelock(2).await;
    let raise = ix::RiskParams { vol_target_bps: 2_000, ..ix::RiskParams::default() };
    let risk = f.risk().await;
    f.set_risk_params(raise).await.assert_error("TimelockRequired");
    assert_eq!(f.risk().await, risk, "refused at once, nothing changed");
    let now = f.env.now().await;
    let admin = f.admin.pubkey();
    let out = f.propose(&ConfigChange::RiskParams(raise)).await;
    out.ok();
    match &out.events()[..] {
        [Event::ChangeProposed(e)] => {
            assert_eq!((e.kind, e.eta, e.proposer), (ProposalKind::RiskParams, now + DAY, admin))
        }
        other => panic!("expected ChangeProposed, got {other:?}"),
    }
    let p = f.proposal(ProposalKind::RiskParams).await.expect("proposal stored");
    assert_eq!((p.vault, p.proposer, p.proposed_at, p.eta), (f.vault, admin, now, now + DAY));
    assert_eq!(p.change, ConfigChange::RiskParams(raise));
    let key = pda::proposal(&f.vault, ProposalKind::RiskParams).0;
    let rent = f.env.account(&key).await.unwrap().lamports;
    let admin_before = f.env.account(&admin).await.unwrap().lamports;

    f.env.advance_time(DAY - 1).await;
    f.apply(ProposalKind::RiskParams).await.assert_error("TimelockNotExpired");
    assert_eq!(f.risk().await, risk);
    assert!(f.proposal(ProposalKind::RiskParams).await.is_some(), "still pending");

    f.env.advance_time(1).await;
    let out = f.apply(ProposalKind::RiskParams).await; // permissionless: only the test payer signs
    out.ok();
    match &out.events()[..] {
        [Event::RiskParamsSet(e), Event::ChangeApplied(a)] => {
            assert_eq!((e.params.vol_target_bps, a.kind), (2_000, ProposalKind::RiskParams));
        }
        other => panic!("expected RiskParamsSet then ChangeApplied, got {other:?}"),
    }
    assert_eq!(f.risk().await.vol_target.get(), fraction_of_bps(2_000));
    assert!(f.env.account(&key).await.is_none(), "proposal closed");
    assert_eq!(f.env.account(&admin).await.unwrap().lamports, admin_before + rent, "rent back to the proposer");
}

#[tokio::test]
async fn timelock_budgets_and_fee_rates_go_through_proposals() {
    let mut f = Fixture::with_timelock(2).await;
    f.propose(&ConfigChange::RiskBudgets(vec![300_000_000, 700_000_000])).await.ok();
    f.propose(&ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 }).await.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await; // the fee change accrues at the old rates, at a fresh NAV
    let out = f.apply(ProposalKind::RiskBudgets).await;
    out.ok();
    match &out.events()[..] {
        [Event::RiskBudgetsSet(e), Event::ChangeApplied(a)] => {
            assert_eq!((e.budgets_ppb.clone(), a.kind), (vec![300_000_000, 700_000_000], ProposalKind::RiskBudgets))
        }
        other => panic!("expected RiskBudgetsSet then ChangeApplied, got {other:?}"),
    }
    let s = f.state().await;
    assert_eq!((s.assets[0].risk_budget, s.assets[1].risk_budget), (300_000_000, 700_000_000));
    assert_eq!(s.risk_refreshed_at, 0, "new budgets: the risk state is stale until the next refresh");
    // the day at 2 % is charged before 3 % applies
    let nav = f.nav(Rounding::Down).await;
    let mut want = f.state().await;
    let now = f.env.now().await;
    let sm = f.share_mint();
    let acc = want.accrue_fees(f.env.mint_supply(&sm).await, Some(nav), now).unwrap();
    assert!(acc.management > 0);
    let out = f.apply(ProposalKind::Fees).await;
    out.ok();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::FeesSet(r), Event::ChangeApplied(a)] => {
            assert_eq!(e.management_shares, acc.management);
            assert_eq!((r.management_bps, r.performance_bps, a.kind), (300, 1_000, ProposalKind::Fees));
        }
        other => panic!("expected FeesAccrued, FeesSet, ChangeApplied, got {other:?}"),
    }
    let s = f.state().await;
    assert_eq!((s.fees.management_bps, s.fees.anchor_time, s.fees.pending_shares), (300, now, acc.management));
}

/// A copy of `key`'s account at a new address with bytes 8..40 (the `vault` field) replaced.
async fn with_other_vault(f: &mut Fixture, key: &Pubkey) -> Pubkey {
    let mut acct = f.env.account(key).await.unwrap();
    acct.data[8..40].copy_from_slice(&[9; 32]);
    let fake = Keypair::new().pubkey();
    f.env.set_account(&fake, acct);
    fake
}

#[tokio::test]
async fn timelock_apply_checks_every_account_and_expires_after_the_grace_period() {
    let mut f = Fixture::with_timelock(1).await;
    let raise = ix::RiskParams { vol_target_bps: 2_000, ..ix::RiskParams::default() };
    f.propose(&ConfigChange::RiskParams(raise)).await.ok();
    f.env.advance_time(DAY).await;
    let (proposal, risk) = (pda::proposal(&f.vault, ProposalKind::RiskParams).0, pda::risk(&f.vault).0);
    let other_proposal = with_other_vault(&mut f, &proposal).await;
    let other_risk = with_other_vault(&mut f, &risk).await;
    let before = (f.state().await, f.risk().await);
    let cases: [(usize, Pubkey, &str); 4] = [
        (2, other_proposal, "WrongProposal"),
        (3, Keypair::new().pubkey(), "WrongRentReceiver"),
        (1, other_risk, "WrongRiskAccount"),
        (4, f.base_mint, "WrongShareMint"),
    ];
    for (index, key, err) in cases {
        let mut ix = f.apply_ix(ProposalKind::RiskParams).await;
        ix.accounts[index].pubkey = key;
        f.env.send(&[ix], &[]).await.assert_error(err);
    }
    assert_eq!((f.state().await, f.risk().await), before, "nothing changed");
    // not applied within 14 days of its eta: expired; it can still be cancelled
    f.env.advance_time(14 * DAY + 1).await;
    f.apply(ProposalKind::RiskParams).await.assert_error("ProposalExpired");
    assert_eq!(f.risk().await, before.1);
    let admin = f.admin.insecure_clone();
    let v = f.vault;
    f.env
        .send(&[ix::cancel_change(&admin.pubkey(), &v, ProposalKind::RiskParams, &admin.pubkey())], &[&admin])
        .await
        .ok();
}

#[tokio::test]
async fn timelock_budgets_are_rescaled_at_once_after_add_asset_and_rechecked_at_apply() {
    let mut f = Fixture::with_timelock(2).await;
    // a reshuffle proposed for two assets…
    f.propose(&ConfigChange::RiskBudgets(vec![300_000_000, 700_000_000])).await.ok();
    // …then a third asset: its budget leaves the set invalid and refresh refuses it
    let a = f.new_asset(TOKEN_PROGRAM_ID, 9, 3_050_000_000).await;
    f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
    f.assets.push(a);
    f.step(60).await.assert_error("InvalidBudgets");
    // a "repair" that reshuffles the others waits for the timelock…
    f.set_budgets(Fixture::equal_budgets(3)).await.assert_error("TimelockRequired");
    // …the in-force set (½, ½, 1/16) rescaled to 1e9 applies at once
    f.set_budgets(vec![470_588_235, 470_588_235, 58_823_530]).await.ok();
    f.refresh().await.ok();
    // once valid, a reshuffle waits again
    f.set_budgets(vec![200_000_000, 300_000_000, 500_000_000]).await.assert_error("TimelockRequired");
    // and the old two-asset proposal no longer fits the vault
    f.env.advance_time(DAY).await;
    let s = f.state().await;
    f.apply(ProposalKind::RiskBudgets).await.assert_error("WrongVectorLength");
    assert_eq!(f.state().await, s);
}
