//! Randomized operation sequences on the `.so`, checked after every step. A seeded,
//! reproducible generator mixes deposits, withdrawals, deposit/withdraw round trips, in-kind
//! deposits and redemptions, refreshes with random price moves, honest and malicious
//! rebalances (atomic and flash), fee accrual, pause/unpause, an option series' expiry and
//! settlement, and the request path (issue 15): deposit and withdrawal requests, settlements by
//! a keeper, cancellations and claims. After every step:
//! - every vault token account holds at least its accounted quantity;
//! - the holders' in-kind entitlements never exceed what the vault holds;
//! - a deposit or withdrawal never lowers the share price for the others (priced after fees, at
//!   the same instant);
//! - a deposit/withdraw round trip never returns more than was put in;
//! - what a keeper takes stays within the per-call and rolling-window bounds;
//! - a refused operation fails with an error expected for it and changes nothing;
//! - escrowed base and shares reconcile: the escrow account holds exactly the base of pending
//!   deposit requests plus settled, unclaimed withdrawals, and the open request accounts add up
//!   to each queue's pending and claimable amounts;
//! - no request settles at a price published before it (plus the settlement delay).
//!
//!
//! At the end it prints, per operation kind, how many were drawn, accepted, refused (by error)
//! and skipped, and requires enough of each kind accepted ([`MIN_ACCEPTED_PCT`],
//! [`OPS_PER_TRADE`]), every malicious rebalance refused, the expired series settled once, and
//! at most [`MAX_REFUSED_PCT`] % of the other operations refused — a run of mostly refusals
//! fails. A pause lasts about eight operations (the admin unpauses with probability 1/8 per
//! step), so most of the run is open for business.
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

/// The operation kinds a draw `op` in 0..[`DRAWS`] picks, with their shares of the draws.
const KINDS: [(&str, std::ops::RangeInclusive<u64>); 15] = [
    ("deposit", 0..=14),
    ("withdraw", 15..=26),
    ("round trip", 27..=34),
    ("deposit_asset", 35..=39),
    ("redeem_in_kind", 40..=43),
    ("refresh", 44..=60),
    ("honest rebalance", 61..=77),
    ("malicious rebalance", 78..=83),
    ("accrue_fees", 84..=89),
    ("set_paused", 90..=91),
    ("settle_expired", 92..=99),
    ("request_deposit", 100..=104),
    ("request_withdraw", 105..=109),
    ("settle_requests", 110..=116),
    ("cancel or claim", 117..=121),
];
const DRAWS: u64 = 122;

fn kind_of(op: u64) -> usize {
    KINDS.iter().position(|(_, r)| r.contains(&op)).expect("op in 0..DRAWS")
}

/// Per kind: operations drawn, sent and accepted, sent and refused (the rest were skipped
/// before sending: nothing to do, e.g. no leg outside its band or the series not expired yet).
#[derive(Clone, Default, Debug)]
struct Tally {
    drawn: usize,
    ok: usize,
    refused: usize,
    /// Refusals by error name.
    why: std::collections::BTreeMap<&'static str, usize>,
}

/// What a run must have done, so that the invariants were checked on operations that happened
/// and not only on refusals: per kind, at least this share (percent) of the operations sent
/// accepted (measured at 3,000, 10,000 and 100,000 operations of the default seed: the lowest
/// share of each kind minus a margin); at least one accepted rebalance trade per
/// [`OPS_PER_TRADE`] operations (the daily turnover cap binds: about 40 trades a simulated
/// day, a day being about 4,000 operations); at most
/// [`MAX_REFUSED_PCT`] % of all operations sent refused, malicious ones excepted. The malicious
/// keeper must be refused every time, and the expired series settle exactly once when the run
/// outlasts it.
const MIN_ACCEPTED_PCT: [(&str, usize); 13] = [
    ("deposit", 80),
    ("withdraw", 70),
    ("round trip", 80),
    ("deposit_asset", 70),
    ("redeem_in_kind", 95),
    ("refresh", 70),
    ("honest rebalance", 90),
    ("accrue_fees", 95),
    ("set_paused", 95),
    ("request_deposit", 80),
    ("request_withdraw", 95),
    ("settle_requests", 40),
    ("cancel or claim", 90),
];
const OPS_PER_TRADE: usize = 200;
const MAX_REFUSED_PCT: usize = 25;

fn expected_failure(out: &Outcome, also: &[&str]) -> bool {
    let code = out.custom_code();
    EXPECTED.iter().chain(also).any(|n| errors::code(n) == code)
}

/// The request accounts still open, in creation order (each queue's in id order).
type OpenRequests = Vec<solana_pubkey::Pubkey>;

async fn check_requests(f: &mut Fixture, open: &mut OpenRequests, step: usize) {
    let s = f.state().await;
    let escrow = f.env.token_amount(&pda::escrow(&f.vault).0).await;
    let owed = s.escrow_owed();
    assert_eq!(escrow, owed, "step {step}: escrow {escrow} ≠ pending deposits + settled withdrawals {owed}");
    let mut sums = [[0u64; 2]; 2]; // [kind][pending, claimable]
    let mut still = Vec::new();
    for key in open.iter() {
        if let Some(r) = f.request_state(key).await {
            let k = usize::from(r.kind);
            sums[k][0] += r.pending;
            sums[k][1] += r.claimable;
            still.push(*key);
        }
    }
    *open = still;
    let q = [s.flows.deposits, s.flows.withdrawals];
    for k in 0..2 {
        assert_eq!(
            sums[k],
            [q[k].pending, q[k].claimable],
            "step {step}: queue {k} does not reconcile with its requests"
        );
    }
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
        max_turnover_bps: 10_000,
        max_reduction_bps: 5_000,
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
    let settler = f.user(0).await;
    let mut open: OpenRequests = Vec::new();
    let admin = f.admin.insecure_clone();
    let fee_account = f.share_account(&admin.pubkey()).await;
    let budget_ppm = 100u128;
    let (mut trades, mut last_refresh) = (0usize, 0i64);
    let mut tally: Vec<Tally> = vec![Tally::default(); KINDS.len()];
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
        // a pause lasts about eight operations: the admin unpauses with probability 1/8 per step
        let paused = f.state().await.is_paused();
        // an expired series is settled by the next keeper that sees it (the settlement window
        // is 15 minutes: the random draws alone may miss it)
        let series = f.state().await.assets[3].option;
        let op = if !series.is_settled() && now >= series.expiry && rng.below(2) == 0 {
            92
        } else if paused && rng.below(8) == 0 {
            *KINDS[kind_of(90)].1.start()
        } else {
            rng.below(DRAWS)
        };
        let kind = kind_of(op);
        tally[kind].drawn += 1;
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
                // an honest keeper: the auto leg, atomic or flash, sent only when the SDK's plan
                // says the program will take it (as the keeper does; the daily caps, the band and
                // the cooldown refuse the malicious keeper's attempts below)
                let Some(leg) = f.auto_leg().await else { continue };
                if f.state().await.is_paused() || f.plan_now(leg).await.is_err() {
                    continue;
                }
                let out = if rng.below(2) == 0 || f.state().await.assets[usize::from(leg)].option.is_option() {
                    f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await
                } else {
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
            100..=104 => {
                let (out, key) = f.request_deposit(&users[u], 1_000_000 + rng.below(50_000_000)).await;
                if out.result.is_ok() {
                    open.push(key);
                }
                (out, &[])
            }
            105..=109 => {
                let held = f.env.token_amount(&users[u].share_token).await;
                if held == 0 {
                    continue;
                }
                let (out, key) = f.request_withdraw(&users[u], 1 + rng.below(held / 4 + 1)).await;
                if out.result.is_ok() {
                    open.push(key);
                }
                (out, &[])
            }
            110..=116 => {
                // the keeper passes every request not yet behind its queue's head, in order
                let s = f.state().await;
                let mut due = Vec::new();
                for key in &open {
                    if let Some(r) = f.request_state(key).await {
                        let head = if r.kind == 0 { s.flows.deposits.head } else { s.flows.withdrawals.head };
                        if r.id >= head {
                            due.push((*key, r));
                        }
                    }
                }
                if due.is_empty() {
                    continue;
                }
                // as many as fit one transaction (each queue stays in order: a prefix of each)
                let keys: Vec<_> = due.iter().map(|(k, _)| *k).take(8).collect();
                // (a distinct compute limit: the same list may be sent again at another step)
                let ix = ix::settle_requests(&settler.kp.pubkey(), &f.vault, &s, &settler.base_token, &keys);
                let out = f.env.send(&[distinct(step as u32), ix], &[&settler.kp]).await;
                // every fill was priced after its request (the oracles were published at `now`)
                for e in out.events() {
                    if let rpv_sdk::events::Event::RequestSettled(e) = e {
                        let r = due.iter().find(|(k, _)| *k == e.request).expect("a passed request").1;
                        assert!(r.created_at + 2 <= now, "step {step}: request {} settled at a price before it", e.id);
                    }
                }
                (out, &["PriceNotAfterRequest", "DepositCapExceeded"][..])
            }
            117..=121 => {
                if open.is_empty() {
                    continue;
                }
                let key = open[rng.below(open.len() as u64) as usize];
                let Some(r) = f.request_state(&key).await else { continue };
                let owner = users.iter().position(|x| x.kp.pubkey().to_bytes() == r.owner).expect("a user's request");
                let (o, s) = (&users[owner], f.state().await);
                let ix = if r.pending > 0 && rng.below(3) == 0 {
                    ix::cancel_request(&o.kp.pubkey(), &f.vault, &s, &key, &o.base_token, &o.share_token)
                } else if r.claimable > 0 || r.pending == 0 {
                    ix::claim_request(&o.kp.pubkey(), &f.vault, &s, &key, &o.base_token, &o.share_token)
                } else {
                    continue;
                };
                let out = f.env.send(&[distinct(step as u32), ix], &[&o.kp]).await;
                (out, &["NothingToClaim"][..])
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
        if out.result.is_ok() {
            tally[kind].ok += 1;
        } else {
            tally[kind].refused += 1;
            let name = out.custom_code().and_then(errors::name).unwrap_or("other");
            *tally[kind].why.entry(name).or_default() += 1;
            assert!(
                expected_failure(&out, also),
                "step {step} (op {op}): unexpected failure {:?}\n{}",
                out.result,
                out.logs.join("\n")
            );
            assert_eq!(f.vault_and_risk_bytes().await, before, "step {step}: a refused operation changed state");
        }
        check_books(&mut f, &users, step).await;
        check_requests(&mut f, &mut open, step).await;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{ops} operations, seed {seed:#x}, {secs:.1} s, {trades} rebalance trades");
    println!("{:<20} {:>7} {:>7} {:>7} {:>7}", "kind", "drawn", "ok", "refused", "skipped");
    for ((name, _), t) in KINDS.iter().zip(&tally) {
        let skipped = t.drawn - t.ok - t.refused;
        println!("{name:<20} {:>7} {:>7} {:>7} {skipped:>7}  {:?}", t.drawn, t.ok, t.refused, t.why);
    }
    let by_name = |n: &str| tally[KINDS.iter().position(|(k, _)| *k == n).unwrap()].clone();
    for (name, pct) in MIN_ACCEPTED_PCT {
        let t = by_name(name);
        let sent = t.ok + t.refused;
        assert!(sent > 0 && t.ok * 100 >= sent * pct, "{name}: {} of {sent} sent accepted, want ≥ {pct} %", t.ok);
    }
    assert!(trades * OPS_PER_TRADE >= ops, "{trades} rebalance trades in {ops} operations");
    let m = by_name("malicious rebalance");
    assert_eq!(m.ok, 0, "a malicious rebalance was accepted");
    assert!(m.refused * 2 >= m.drawn, "malicious rebalances were tried: {m:?}");
    let settle = by_name("settle_expired");
    let expired = f.env.now().await >= f.state().await.assets[3].option.expiry;
    assert_eq!(settle.ok, usize::from(expired), "the expired series settles once: {settle:?}");
    let (sent, refused) = tally
        .iter()
        .zip(&KINDS)
        .filter(|(_, (n, _))| *n != "malicious rebalance")
        .fold((0, 0), |(s, r), (t, _)| (s + t.ok + t.refused, r + t.refused));
    assert!(
        refused * 100 <= sent * MAX_REFUSED_PCT,
        "{refused} of {sent} operations refused, want ≤ {MAX_REFUSED_PCT} %"
    );
    assert!(trades > 0, "the run rebalanced");
}
