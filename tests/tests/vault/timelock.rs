//! Timelocked changes on the `.so` — one test per Specification bullet of
//! `instructions/timelock.rs` and the timelock bullets of `set_risk_params`, `set_risk_budgets`
//! and `set_fees`. `cargo test timelock` selects this group.

use rpv_core::{fixed_point::Fx, math::Rounding};
use rpv_sdk::{events::Event, ix, ix::ConfigChange, pda, TOKEN_PROGRAM_ID};
use rpv_tests::*;

const RP: ProposalKind = ProposalKind::RiskParams;
const RB: ProposalKind = ProposalKind::RiskBudgets;
const FEES: ProposalKind = ProposalKind::Fees;
const OPT: ProposalKind = ProposalKind::OptionParams;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// A vault with `n` assets, a one-day timelock and fees of 2 %/yr and 10 %.
async fn timelocked(n: usize) -> Fixture {
    Fixture::with_assets_and(n, |a| {
        a.timelock_secs = DAY as u32;
        a.management_fee_bps = 200;
        a.performance_fee_bps = 1_000;
    })
    .await
}

async fn funded(f: &mut Fixture) -> Keypair {
    let k = Keypair::new();
    f.env.fund(&k.pubkey(), 1_000_000_000).await;
    k
}

fn params() -> ix::RiskParams {
    ix::RiskParams::default()
}

fn bps(x: u32) -> Fx {
    Fx::from_num(x) / Fx::from_num(10_000)
}

#[tokio::test]
async fn timelock_boundary_eta_minus_one_refused_eta_accepted() {
    let mut f = timelocked(2).await;
    let raise = ix::RiskParams { vol_target_bps: 2_000, ..params() };
    let risk = f.risk().await;
    f.set_risk_params(raise).await.assert_error("TimelockRequired");
    assert_eq!(f.risk().await, risk, "refused at once, nothing changed");
    let now = f.env.now().await;
    let admin = f.admin.pubkey();
    let out = f.propose(&ConfigChange::RiskParams(raise)).await;
    out.ok();
    match &out.events()[..] {
        [Event::ChangeProposed(e)] => assert_eq!((e.kind, e.eta, e.proposer), (RP, now + DAY, admin)),
        other => panic!("expected ChangeProposed, got {other:?}"),
    }
    let p = f.proposal(RP).await.expect("proposal stored");
    assert_eq!((p.vault, p.proposer, p.proposed_at, p.eta), (f.vault, admin, now, now + DAY));
    assert_eq!(p.change, ConfigChange::RiskParams(raise));
    let key = pda::proposal(&f.vault, RP).0;
    let rent = f.env.account(&key).await.unwrap().lamports;
    let admin_before = f.env.account(&admin).await.unwrap().lamports;

    f.env.advance_time(DAY - 1).await;
    f.apply(RP).await.assert_error("TimelockNotExpired");
    assert_eq!(f.risk().await, risk);
    assert!(f.proposal(RP).await.is_some(), "still pending");

    f.env.advance_time(1).await;
    let out = f.apply(RP).await; // permissionless: only the test payer signs
    out.ok();
    match &out.events()[..] {
        [Event::RiskParamsSet(e), Event::ChangeApplied(a)] => {
            assert_eq!((e.params.vol_target_bps, a.kind), (2_000, RP));
        }
        other => panic!("expected RiskParamsSet then ChangeApplied, got {other:?}"),
    }
    assert_eq!(f.risk().await.vol_target.get(), bps(2_000));
    assert!(f.env.account(&key).await.is_none(), "proposal closed");
    assert_eq!(f.env.account(&admin).await.unwrap().lamports, admin_before + rent, "rent back to the proposer");
}

#[tokio::test]
async fn timelock_lowering_applies_at_once_raising_is_refused() {
    let mut f = timelocked(2).await;
    let tighter = [
        ix::RiskParams { vol_target_bps: 1_000, ..params() },
        ix::RiskParams { vol_target_bps: 1_000, max_leverage_bps: 5_000, ..params() },
        ix::RiskParams {
            vol_target_bps: 1_000,
            max_leverage_bps: 5_000,
            band_bps: 100,
            max_risk_age: 600,
            rc_tolerance_ppb: 10_000,
            prior_vol_bps: 8_000,
            ..params()
        },
    ];
    for p in tighter {
        f.set_risk_params(p).await.ok();
    }
    let now = tighter[2];
    let r = f.risk().await;
    assert_eq!((r.vol_target.get(), r.max_leverage.get(), r.band_bps), (bps(1_000), bps(5_000), 100));
    assert_eq!(f.state().await.max_risk_age, 600);
    // raising any one of them, or touching the estimator, waits for the timelock
    let raises = [
        ix::RiskParams { vol_target_bps: 1_001, ..now },
        ix::RiskParams { max_leverage_bps: 5_001, ..now },
        ix::RiskParams { band_bps: 101, ..now },
        ix::RiskParams { max_risk_age: 601, ..now },
        ix::RiskParams { rc_tolerance_ppb: 10_001, ..now },
        ix::RiskParams { prior_vol_bps: 7_999, ..now },
        ix::RiskParams { method: 1, ..now },
        ix::RiskParams { lambda_ppm: 950_000, ..now },
        ix::RiskParams { horizon_secs: 3_600, ..now },
        ix::RiskParams { min_sample_interval: 31, ..now },
    ];
    let (v, r) = (f.state().await, f.risk().await);
    for p in raises {
        f.set_risk_params(p).await.assert_error("TimelockRequired");
    }
    assert_eq!((f.state().await, f.risk().await), (v, r), "nothing changed");
    f.set_risk_params(now).await.ok(); // unchanged is not a raise
                                       // budgets: a reshuffle waits; the budgets in force again do not
    f.set_budgets(vec![300_000_000, 700_000_000]).await.assert_error("TimelockRequired");
    f.set_budgets(Fixture::equal_budgets(2)).await.ok();
    // fees: lowering at once, raising refused
    let out = f.set_fees(100, 1_000).await;
    out.ok();
    assert!(matches!(out.events().last(), Some(Event::FeesSet(e)) if e.management_bps == 100));
    f.set_fees(100, 500).await.ok();
    let s = f.state().await;
    f.set_fees(150, 500).await.assert_error("TimelockRequired");
    f.set_fees(100, 600).await.assert_error("TimelockRequired");
    assert_eq!(f.state().await, s);
    assert_eq!((s.fees.management_bps, s.fees.performance_bps), (100, 500));
}

#[tokio::test]
async fn timelock_budgets_and_fee_rates_go_through_proposals() {
    let mut f = timelocked(2).await;
    f.propose(&ConfigChange::RiskBudgets(vec![300_000_000, 700_000_000])).await.ok();
    f.propose(&ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 }).await.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await; // the fee change accrues at the old rates, at a fresh NAV
    let out = f.apply(RB).await;
    out.ok();
    match &out.events()[..] {
        [Event::RiskBudgetsSet(e), Event::ChangeApplied(a)] => {
            assert_eq!((e.budgets_ppb.clone(), a.kind), (vec![300_000_000, 700_000_000], RB))
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
    let out = f.apply(FEES).await;
    out.ok();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::FeesSet(r), Event::ChangeApplied(a)] => {
            assert_eq!(e.management_shares, acc.management);
            assert_eq!((r.management_bps, r.performance_bps, a.kind), (300, 1_000, FEES));
        }
        other => panic!("expected FeesAccrued, FeesSet, ChangeApplied, got {other:?}"),
    }
    let s = f.state().await;
    assert_eq!((s.fees.management_bps, s.fees.anchor_time, s.fees.pending_shares), (300, now, acc.management));
}

#[tokio::test]
async fn timelock_proposals_are_validated_unique_and_admin_only() {
    let mut f = timelocked(2).await;
    let stranger = funded(&mut f).await;
    let fees = ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 };
    let v = f.vault;
    let out = f.env.send(&[ix::propose_change(&stranger.pubkey(), &v, &fees)], &[&stranger]).await;
    out.assert_error("Unauthorized");
    let invalid = [
        (ConfigChange::RiskParams(ix::RiskParams { vol_target_bps: 0, ..params() }), "InvalidRiskParams"),
        (ConfigChange::RiskBudgets(vec![1_000_000_000]), "WrongVectorLength"),
        (ConfigChange::RiskBudgets(vec![500_000_000, 400_000_000]), "InvalidBudgets"),
        (ConfigChange::Fees { management_bps: 501, performance_bps: 0 }, "FeeAboveMaximum"),
        (ConfigChange::Fees { management_bps: 0, performance_bps: 3_001 }, "FeeAboveMaximum"),
    ];
    for (change, err) in invalid {
        f.propose(&change).await.assert_error(err);
    }
    for kind in [RP, RB, FEES] {
        assert!(f.proposal(kind).await.is_none(), "nothing created");
    }
    f.propose(&fees).await.ok();
    let again = ConfigChange::Fees { management_bps: 200, performance_bps: 1_500 };
    f.propose(&again).await.assert_error("ChangeAlreadyPending");
    assert_eq!(f.proposal(FEES).await.unwrap().change, fees, "the first proposal stands");
    // one pending proposal per kind, independent of the others
    f.propose(&ConfigChange::RiskParams(ix::RiskParams { vol_target_bps: 2_000, ..params() })).await.ok();
    assert!(f.proposal(RP).await.is_some() && f.proposal(FEES).await.is_some());
}

#[tokio::test]
async fn timelock_cancel_by_admin_or_guardian_returns_the_rent() {
    let mut f = timelocked(1).await;
    let (admin, v) = (f.admin.insecure_clone(), f.vault);
    let guardian = funded(&mut f).await;
    f.env.send(&[ix::set_guardian(&admin.pubkey(), &v, &guardian.pubkey())], &[&admin]).await.ok();
    let stranger = funded(&mut f).await;
    f.propose(&ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 }).await.ok();
    let cancel = |by: &Pubkey| ix::cancel_change(by, &v, FEES, &admin.pubkey());
    f.env.send(&[cancel(&stranger.pubkey())], &[&stranger]).await.assert_error("NotAdminOrGuardian");
    assert!(f.proposal(FEES).await.is_some());
    let key = pda::proposal(&v, FEES).0;
    let rent = f.env.account(&key).await.unwrap().lamports;
    let admin_before = f.env.account(&admin.pubkey()).await.unwrap().lamports;
    let out = f.env.send(&[cancel(&guardian.pubkey())], &[&guardian]).await;
    out.ok();
    match &out.events()[..] {
        [Event::ChangeCancelled(e)] => assert_eq!((e.kind, e.by), (FEES, guardian.pubkey())),
        other => panic!("expected ChangeCancelled, got {other:?}"),
    }
    assert!(f.env.account(&key).await.is_none());
    assert_eq!(f.env.account(&admin.pubkey()).await.unwrap().lamports, admin_before + rent);
    // nothing left to apply (Anchor: AccountNotInitialized)
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    f.apply(FEES).await.assert_anchor_error(3012);
    assert_eq!(f.state().await.fees.management_bps, 200);
    // the admin may cancel too
    f.propose(&ConfigChange::Fees { management_bps: 300, performance_bps: 1_000 }).await.ok();
    f.env.send(&[cancel(&admin.pubkey())], &[&admin]).await.ok();
    assert!(f.proposal(FEES).await.is_none());
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
    let mut f = timelocked(1).await;
    let raise = ix::RiskParams { vol_target_bps: 2_000, ..params() };
    f.propose(&ConfigChange::RiskParams(raise)).await.ok();
    f.env.advance_time(DAY).await;
    let (proposal, risk) = (pda::proposal(&f.vault, RP).0, pda::risk(&f.vault).0);
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
        let mut ix = f.apply_ix(RP).await;
        ix.accounts[index].pubkey = key;
        f.env.send(&[ix], &[]).await.assert_error(err);
    }
    assert_eq!((f.state().await, f.risk().await), before, "nothing changed");
    // not applied within 14 days of its eta: expired; it can still be cancelled
    f.env.advance_time(14 * DAY + 1).await;
    f.apply(RP).await.assert_error("ProposalExpired");
    assert_eq!(f.risk().await, before.1);
    let admin = f.admin.insecure_clone();
    let v = f.vault;
    f.env.send(&[ix::cancel_change(&admin.pubkey(), &v, RP, &admin.pubkey())], &[&admin]).await.ok();
}

#[tokio::test]
async fn timelock_budgets_are_rescaled_at_once_after_add_asset_and_rechecked_at_apply() {
    let mut f = timelocked(2).await;
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
    f.apply(RB).await.assert_error("WrongVectorLength");
    assert_eq!(f.state().await, s);
}

#[tokio::test]
async fn timelock_option_params_tighten_at_once_and_raise_through_a_proposal() {
    let mut f = Fixture::with_assets_and(2, |a| a.timelock_secs = 3_600).await;
    let d = ix::OptionParams::default();
    // a tighter delta limit applies at once
    f.set_option_params(ix::OptionParams { max_delta_bps: 10_000, ..d }).await.ok();
    assert_eq!(f.risk().await.max_delta.get(), rpv_core::fixed_point::Fx::ONE);
    // a higher limit, a removed limit, a rate or blend change: refused
    let before = f.risk().await;
    f.set_option_params(d).await.assert_error("TimelockRequired");
    f.set_option_params(ix::OptionParams { max_delta_bps: 0, ..d }).await.assert_error("TimelockRequired");
    f.set_option_params(ix::OptionParams { max_delta_bps: 10_000, rate_bps: 100, ..d })
        .await
        .assert_error("TimelockRequired");
    f.set_option_params(ix::OptionParams { max_delta_bps: 10_000, iv_blend_bps: 5_000, ..d })
        .await
        .assert_error("TimelockRequired");
    assert_eq!(f.risk().await, before);
    // through a proposal, from its eta
    f.propose(&ix::ConfigChange::OptionParams(d)).await.ok();
    f.env.advance_time(3_599).await;
    f.apply(OPT).await.assert_error("TimelockNotExpired");
    f.env.advance_time(1).await;
    f.apply(OPT).await.ok();
    assert_eq!(f.risk().await.max_delta.get(), rpv_core::fixed_point::Fx::from_num(2));
}
