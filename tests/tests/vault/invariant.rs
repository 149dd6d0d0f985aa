//! Randomized operation sequences on the `.so`, checked after every step. A seeded,
//! reproducible generator mixes deposits, withdrawals, deposit/withdraw round trips, in-kind
//! deposits and redemptions, refreshes with random price moves, honest and malicious
//! rebalances (atomic and flash), fee accrual, pause/unpause and an option series' expiry and
//! settlement. After every step:
//! - every vault token account holds at least its accounted quantity;
//! - the holders' in-kind entitlements never exceed what the vault holds;
//! - a deposit or withdrawal never lowers the share price for the others (priced after fees, at
//!   the same instant);
//! - a deposit/withdraw round trip never returns more than was put in;
//! - what a keeper takes stays within the per-call and rolling-window bounds;
//! - a refused operation fails with an error expected for it and changes nothing.
//!
//! `cargo test invariant` runs 10,000 operations (`RPV_INVARIANT_OPS` for more, e.g. 100,000;
//! `RPV_INVARIANT_SEED` to replay another seed).

use rpv_core::{math::Rounding, rebalance::AUTO_LEG};
use rpv_sdk::{errors, ix, pda};
use rpv_tests::*;
use solana_signer::Signer;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Share price as a fraction (NAV rounded down, total shares after the fees due now).
async fn share_price(f: &mut Fixture) -> (u128, u128) {
    let s = f.state().await;
    let nav = f.nav(Rounding::Down).await;
    let supply = f.env.mint_supply(&f.share_mint()).await;
    let now = f.env.now().await;
    let total = s.total_shares_after_fees(supply, Some(nav), now).unwrap();
    (u128::from(nav), u128::from(total))
}

fn not_lower(before: (u128, u128), after: (u128, u128)) -> bool {
    // after.nav / after.total ≥ before.nav / before.total
    after.0 * before.1 >= before.0 * after.1
}

/// The errors an operation may legitimately meet in a random run.
const EXPECTED: &[&str] = &[
    "VaultPaused",
    "RiskStateStale",
    "RefreshRequired",
    "RefreshTooSoon",
    "ZeroShares",
    "ZeroAmount",
    "DepositBelowMinimum",
    "InsufficientShares",
    "InsufficientBaseLiquidity",
    "WithinBand",
    "CooldownActive",
    "TurnoverCapReached",
    "ReductionCapReached",
    "TradeTooSmall",
    "GreekLimitExceeded",
    "NotExpired",
    "SeriesExpired",
];

fn expected_failure(out: &Outcome, also: &[&str]) -> bool {
    let code = out.custom_code();
    EXPECTED.iter().chain(also).any(|n| errors::code(n) == code)
}

async fn check_books(f: &mut Fixture, users: &[User], step: usize) {
    let s = f.state().await;
    let base = f.env.token_amount(&f.base_vault()).await;
    assert!(base >= s.base_quantity, "step {step}: base balance {base} < accounted {}", s.base_quantity);
    let supply = f.env.mint_supply(&f.share_mint()).await;
    let total = u128::from(s.total_shares(supply).unwrap());
    let mut held = Vec::new();
    for u in users {
        held.push(u128::from(f.env.token_amount(&u.share_token).await));
    }
    let entitled = |q: u64| held.iter().map(|h| h * u128::from(q) / total).sum::<u128>();
    assert!(entitled(s.base_quantity) <= u128::from(base), "step {step}: base entitlements exceed holdings");
    for i in 0..usize::from(s.num_assets) {
        let bal = f.env.token_amount(&pda::token_account(&f.vault, &f.assets[i].mint).0).await;
        let q = s.assets[i].quantity;
        assert!(bal >= q, "step {step}: asset {i} balance {bal} < accounted {q}");
        assert!(entitled(q) <= u128::from(bal), "step {step}: asset {i} entitlements exceed holdings");
    }
}

#[tokio::test]
async fn invariant_randomized_operations_on_the_so() {
    let ops: usize = std::env::var("RPV_INVARIANT_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let seed: u64 = std::env::var("RPV_INVARIANT_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_1234_abcd);
    let mut rng = Rng(seed | 1);
    let mut f = Fixture::with_assets_and(3, |a| {
        a.management_fee_bps = 200;
        a.performance_fee_bps = 1_000;
    })
    .await;
    // an option series on asset 0 that expires during the run
    f.add_option(&Series::call(0, 11.0, 2 * 86_400, 0.6), 100_000_000).await.ok();
    f.set_equal_budgets().await.ok();
    f.set_rebalance_params(ix::RebalanceParams {
        cooldown_secs: 120,
        max_leg_bps: 300,
        max_turnover_bps: 5_000,
        max_reduction_bps: 2_000,
        incentive_budget_ppm: 100,
        ..ix::RebalanceParams::default()
    })
    .await
    .ok();
    f.step(60).await.ok();
    let mut users = Vec::new();
    for _ in 0..4 {
        let u = f.user(5_000_000_000).await;
        users.push(u);
    }
    let mut asset_tokens = Vec::new();
    for u in &users {
        asset_tokens.push(f.asset_account(1, &u.kp.pubkey(), 1_000_000_000_000).await);
    }
    for u in &users {
        f.deposit(u, 1_000_000_000, 0).await.ok();
    }
    let k = f.keeper(100_000_000_000, 1_000_000_000_000_000).await;
    let admin = f.admin.insecure_clone();
    let fee_account = f.share_account(&admin.pubkey()).await;
    let budget_ppm = 100u128;
    let (mut trades, mut refused, mut last_refresh) = (0usize, 0usize, 0i64);
    // the rebalance window (`rpv_core::rebalance::roll_window`): time of its last trade, largest NAV
    let (mut window_last, mut max_nav_window) = (i64::MIN / 2, 0u128);
    let started = std::time::Instant::now();
    for step in 0..ops {
        // time passes; the oracle pushers keep publishing
        f.env.advance_time(1 + rng.below(40) as i64).await;
        let now = f.env.now().await;
        if now - last_refresh > 600 || rng.below(6) == 0 {
            for i in 0..3 {
                let p = f.assets[i].price as f64;
                let m = 1.0 + (rng.below(801) as f64 - 400.0) / 20_000.0;
                f.set_price(i, (p * m).max(1e6) as i64).await;
            }
        }
        f.refresh_oracles().await;
        let u = rng.below(users.len() as u64) as usize;
        let op = rng.below(100);
        let before = f.vault_and_risk_bytes().await;
        let (out, also): (Outcome, &[&str]) = match op {
            0..=14 => {
                let amount = 1_000 + rng.below(200_000_000);
                let p0 = share_price(&mut f).await;
                let out = f.deposit(&users[u], amount, 0).await;
                if out.result.is_ok() {
                    assert!(not_lower(p0, share_price(&mut f).await), "step {step}: deposit lowered the share price");
                }
                (out, &[])
            }
            15..=26 => {
                let held = f.env.token_amount(&users[u].share_token).await;
                let shares = if held == 0 { 1 } else { 1 + rng.below(held) };
                let p0 = share_price(&mut f).await;
                let out = f.withdraw(&users[u], shares, 0).await;
                if out.result.is_ok() {
                    assert!(
                        not_lower(p0, share_price(&mut f).await),
                        "step {step}: withdrawal lowered the share price"
                    );
                }
                (out, &[])
            }
            27..=34 => {
                // a deposit and withdrawal of the shares it bought, back to back
                let amount = 1_000 + rng.below(50_000_000);
                let base0 = f.env.token_amount(&users[u].base_token).await;
                let shares0 = f.env.token_amount(&users[u].share_token).await;
                let out = f.deposit(&users[u], amount, 0).await;
                if out.result.is_ok() {
                    let bought = f.env.token_amount(&users[u].share_token).await - shares0;
                    let w = f.withdraw(&users[u], bought, 0).await;
                    if w.result.is_ok() {
                        let base1 = f.env.token_amount(&users[u].base_token).await;
                        assert!(base1 <= base0, "step {step}: a round trip gained {}", base1 - base0);
                    }
                }
                (out, &[])
            }
            35..=39 => {
                let amount = 1_000_000 + rng.below(1_000_000_000);
                let out = f.deposit_asset(&users[u], 1, &asset_tokens[u], amount, 0).await;
                (out, &[])
            }
            40..=43 => {
                let held = f.env.token_amount(&users[u].share_token).await;
                let accounts = f.holding_accounts(&users[u]).await;
                let s = f.state().await;
                if held == 0 || s.num_assets > 5 {
                    continue;
                }
                let out = f.redeem(&users[u], &accounts, 1 + rng.below(held), vec![]).await;
                (out, &[])
            }
            44..=60 => {
                last_refresh = now;
                let out = f.refresh().await;
                (out, &[])
            }
            61..=77 => {
                // an honest keeper: the auto leg, atomic or flash
                let Some(leg) = f.auto_leg().await else { continue };
                let out = if rng.below(2) == 0 || f.state().await.assets[usize::from(leg)].option.is_option() {
                    f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await
                } else {
                    if f.plan_now(leg).await.is_err() {
                        continue; // the program would refuse it (cap, band): covered by the atomic path
                    }
                    let tokens = (k.base_token, k.asset_tokens[usize::from(leg)]);
                    let kp = k.kp.insecure_clone();
                    let ixs = f.flash_with_delivery(&k, leg, &kp, tokens).await;
                    f.env.send(&ixs, &[&k.kp]).await
                };
                for e in rebalanced(&out) {
                    trades += 1;
                    assert!(
                        e.cost <= e.incentive as i64 + 1,
                        "step {step}: cost {} > incentive {}",
                        e.cost,
                        e.incentive
                    );
                    // the window's incentives stay within the budget at the largest NAV a trade saw
                    // in that window, and a paid trade fits the budget at its own NAV
                    if now - window_last >= rpv_core::rebalance::DAY {
                        max_nav_window = 0;
                    }
                    window_last = now;
                    max_nav_window = max_nav_window.max(u128::from(e.nav));
                    let cap = |nav: u128| nav * budget_ppm / 1_000_000 + 1;
                    assert!(
                        u128::from(e.incentive_today) <= cap(max_nav_window),
                        "step {step}: the window's incentives over budget"
                    );
                    if e.incentive > 0 {
                        assert!(
                            u128::from(e.incentive_today) <= cap(u128::from(e.nav)),
                            "step {step}: paid over budget"
                        );
                    }
                }
                (out, &[])
            }
            78..=83 => {
                // a malicious keeper: another leg's accounts, an impossible price, or no payment
                let Some(leg) = f.auto_leg().await else { continue };
                let other = (leg + 1) % 3;
                match rng.below(3) {
                    0 => {
                        let out = f.rebalance(&k, other, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
                        (out, &["WrongLeg"][..])
                    }
                    1 => {
                        let args = ix::RebalanceArgs {
                            max_base_in: 0,
                            min_base_out: u64::MAX,
                            ..ix::RebalanceArgs::any_price(leg)
                        };
                        (f.rebalance(&k, leg, args).await, &["SlippageExceeded"][..])
                    }
                    _ => {
                        let (begin, end) = f.flash_ixs(&k, leg, ix::RebalanceArgs::any_price(leg)).await;
                        (f.env.send(&[begin, end], &[&k.kp]).await, &["RebalanceUnderpaid"][..])
                    }
                }
            }
            84..=89 => (f.accrue_fees(&fee_account).await, &[]),
            90..=91 => {
                let paused = f.state().await.is_paused();
                let out = f.env.send(&[ix::set_paused(&admin.pubkey(), &f.vault, !paused)], &[&admin]).await;
                (out, &[])
            }
            _ => {
                let s = f.state().await;
                let opt = &s.assets[3].option;
                if opt.is_settled() || now < opt.expiry {
                    continue;
                }
                let caller = k.kp.insecure_clone();
                let out = f.env.send(&[ix::settle_expired(&caller.pubkey(), &f.vault, &s, 3)], &[&caller]).await;
                (out, &["SettlementPriceTooEarly"][..])
            }
        };
        if out.result.is_err() {
            refused += 1;
            assert!(
                expected_failure(&out, also),
                "step {step} (op {op}): unexpected failure {:?}\n{}",
                out.result,
                out.logs.join("\n")
            );
            assert_eq!(f.vault_and_risk_bytes().await, before, "step {step}: a refused operation changed state");
        }
        check_books(&mut f, &users, step).await;
    }
    println!(
        "{ops} operations ({trades} rebalance trades, {refused} refused as expected) in {:.1} s, seed {seed:#x}",
        started.elapsed().as_secs_f64()
    );
    assert!(trades > 0, "the run rebalanced");
}
