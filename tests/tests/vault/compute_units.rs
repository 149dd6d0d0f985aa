//! Every compute-unit budget, measured on the `.so` and asserted here only (the budgets are the
//! constants below; the per-instruction files keep the functional checks): every instruction at
//! the largest supported asset count stays ≤ 150,000 CU (25 % headroom under the 200k default),
//! and the read-only and CPI paths stay within their tighter budgets.

use rpv_core::{layout::MAX_ASSETS, rebalance::AUTO_LEG};
use rpv_sdk::{events::Event, ix, TOKEN_PROGRAM_ID};
use rpv_tests::{integrator::Integration, *};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use super::{
    price_option::{args, CASES},
    rebalance::options_funded,
    redeem_in_kind::redeem_sixteen_through_a_lookup_table,
    solve_weights::solve_at,
};

/// Any instruction at the largest supported asset count (16 assets, or 8 spot + 8 options).
const BUDGET: u64 = 150_000;
/// What a `rebalance` aims for (printed next to its measurement; [`BUDGET`] is asserted).
const REBALANCE_GOAL: u64 = 60_000;
/// `price_option`: Black–Scholes and the Greeks, no accounts.
const PRICE_OPTION_BUDGET: u64 = 15_000;
/// Requests (deposits and withdrawals, half each) one `settle_requests` settles within
/// [`BUDGET`] at 16 assets, at least (v0 transaction, every account but the keeper's through a
/// lookup table): a transaction's 64 accounts bind first (9 fixed, 16 oracles, the fee payer
/// and the program leave 37), at ≈ 2k CU per request; `docs/compute-units.md` has the figures.
const SETTLE_BATCH: usize = 37;
/// `quote` at 0, 1 and 16 assets: `(assets, budget)`.
const QUOTE_BUDGETS: [(usize, u64); 3] = [(0, 3_000), (1, 4_500), (16, 22_000)];
/// The example integrator's `deposit`, `record_quote` and `withdraw` (whole instruction, the CPI
/// into the vault included) at 1, 8 and 16 assets: `(assets, budget)`.
const CPI_BUDGETS: [(usize, u64); 3] = [(1, 25_000), (8, 35_000), (16, 48_000)];

/// Prints the measurement and asserts it is within `budget` (and that something ran).
fn within(name: &str, cu: u64, budget: u64) {
    println!("{name}: {cu} CU");
    assert!(cu > 0 && cu <= budget, "{name} used {cu} CU > {budget}");
}

#[tokio::test]
async fn every_instruction_within_budget_at_sixteen_assets() {
    let mut f = Fixture::empty().await;
    let init = f.initialize(f.init_args()).await;
    init.ok();
    let mut add_max = 0;
    for i in 0..MAX_ASSETS {
        let (d, p) = asset_params(i);
        let a = f.new_asset(TOKEN_PROGRAM_ID, d, p).await;
        let out = f.add_asset(&a, Fixture::asset_args(&a)).await;
        out.ok();
        add_max = add_max.max(out.cu);
        f.assets.push(a);
    }
    f.set_holdings(&(0..MAX_ASSETS as u64).map(|i| 1_000 + i).collect::<Vec<_>>()).await;
    let first = f.refresh().await; // budgets 16 × 1/16 from add_asset
    first.ok();
    let refresh = f.step(60).await;
    refresh.ok();
    let u = f.user(100_000_000).await;
    let dep = f.deposit(&u, 10_000_000, 0).await;
    dep.ok();
    let wd = f.withdraw(&u, 4_000_000, 0).await;
    wd.ok();
    let from = f.asset_account(15, &solana_signer::Signer::pubkey(&u.kp), 1_000_000_000).await;
    let da = f.deposit_asset(&u, 15, &from, 1_000_000_000, 0).await;
    da.ok();
    // ERC verification of submitted weights at 16 assets
    let risk = f.risk().await;
    let b = vec![rpv_core::fixed_point::Fx::ONE / 16; 16];
    let mut w = vec![rpv_core::fixed_point::Fx::ZERO; 16];
    rpv_core::risk_parity::risk_budget_weights(
        &rpv_core::matrix::Packed { n: 16, bits: &risk.cov },
        &b,
        &mut w,
        rpv_core::fixed_point::Fx::from_bits(28),
        10_000,
    )
    .unwrap();
    let (k, v) = (f.admin.insecure_clone(), f.vault);
    let submit = f
        .env
        .send(
            &[rpv_sdk::ix::submit_weights(
                &solana_signer::Signer::pubkey(&k),
                &v,
                w.iter().map(|x| x.to_bits()).collect(),
            )],
            &[&k],
        )
        .await;
    submit.ok();
    let params = f.set_risk_params(rpv_sdk::ix::RiskParams::default()).await;
    params.ok();
    let budgets = f.set_budgets(Fixture::equal_budgets(16)).await;
    budgets.ok();
    f.step(60).await.ok();
    let quote = f.quote().await;
    quote.ok();
    for (name, cu) in [
        ("set_risk_params", params.cu),
        ("set_risk_budgets@16", budgets.cu),
        ("submit_weights@16", submit.cu),
        ("initialize_vault", init.cu),
        ("add_asset (max)", add_max),
        ("deposit@16", dep.cu),
        ("deposit_asset@16", da.cu),
        ("withdraw@16", wd.cu),
        ("refresh@16 (first sample)", first.cu),
        ("refresh@16", refresh.cu),
        ("quote@16", quote.cu),
    ] {
        within(name, cu, BUDGET);
    }
}

/// Compute units of the fee, timelock and allowlist paths at 16 assets, both fees charging.
#[tokio::test]
async fn fee_timelock_and_allowlist_instructions_within_cu_budget_at_sixteen_assets() {
    let recipient = Keypair::new().pubkey();
    let mut f = Fixture::with_assets_and(16, |a| {
        a.management_fee_bps = 200;
        a.performance_fee_bps = 2_000;
        a.fee_recipient = recipient;
        a.allowlist = true;
    })
    .await;
    f.set_holdings(&(0..16u64).map(|i| 1_000_000 + i).collect::<Vec<_>>()).await;
    let to = f.share_account(&recipient).await;
    let u = f.user(100_000_000).await;
    let listed = f.set_depositor(&u.kp.pubkey(), true).await;
    listed.ok();
    // a day later, prices 10 % up: both fees charge inside the deposit
    f.env.advance_time(DAY).await;
    for i in 0..16 {
        let p = f.assets[i].price * 11 / 10;
        f.set_price(i, p).await;
    }
    f.refresh().await.ok();
    let dep = f.deposit(&u, 10_000_000, 0).await;
    dep.ok();
    let e = fees_accrued(&dep);
    assert!(e.management_shares > 0 && e.performance_shares > 0, "{e:?}");
    let from = f.asset_account(15, &u.kp.pubkey(), 1_000_000_000).await;
    let da = f.deposit_asset(&u, 15, &from, 1_000_000_000, 0).await;
    da.ok();
    f.env.advance_time(DAY).await;
    f.step(60).await.ok();
    let held = f.env.token_amount(&u.share_token).await;
    let wd = f.withdraw(&u, held / 100, 0).await;
    wd.ok();
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    let acc = f.accrue_fees(&to).await;
    acc.ok();
    assert!(fees_accrued(&acc).minted > 0);
    let set = f.set_fees(100, 1_000).await;
    set.ok();
    let propose = f.propose(&ix::ConfigChange::Fees { management_bps: 200, performance_bps: 2_000 }).await;
    propose.ok();
    let apply = f.apply(ProposalKind::Fees).await;
    apply.ok();
    let budgets = f.propose(&ix::ConfigChange::RiskBudgets(Fixture::equal_budgets(16))).await;
    budgets.ok();
    let apply_budgets = f.apply(ProposalKind::RiskBudgets).await;
    apply_budgets.ok();
    // a new feed for the last asset: at once (no timelock here), and through a proposal
    let mut rotated = f.assets[15].clone();
    rotated.oracle = Keypair::new().pubkey();
    rotated.feed = rpv_sdk::pyth::feed_id("rotated");
    f.write_oracle(&rotated, 0).await;
    let change = ix::OracleChange {
        index: 15,
        oracle: rotated.oracle.to_bytes(),
        oracle_kind: ix::OracleKind::Pyth,
        feed_id: rotated.feed,
        max_oracle_age: 60,
        max_conf_bps: 200,
        oracle_queue: [0; 32],
    };
    let admin = f.admin.pubkey();
    let set_oracle = f.send_as_admin(ix::set_oracle(&admin, &f.vault, &change)).await;
    set_oracle.ok();
    f.propose(&ix::ConfigChange::OracleChange(change)).await.ok();
    let s = f.state().await;
    let apply_oracle = f.env.send(&[ix::apply_oracle_change(&f.vault, &s, &change, &admin)], &[]).await;
    apply_oracle.ok();
    for (name, cu) in [
        ("set_depositor (allow)", listed.cu),
        ("deposit@16 (allowlist, both fees accrue)", dep.cu),
        ("deposit_asset@16 (allowlist)", da.cu),
        ("withdraw@16 (fees accrue)", wd.cu),
        ("accrue_fees@16 (mints)", acc.cu),
        ("set_fees@16", set.cu),
        ("propose_change (fees)", propose.cu),
        ("apply_change@16 (fees)", apply.cu),
        ("propose_change (budgets@16)", budgets.cu),
        ("apply_change (budgets@16)", apply_budgets.cu),
        ("set_oracle", set_oracle.cu),
        ("apply_change (oracle)", apply_oracle.cu),
    ] {
        within(name, cu, BUDGET);
    }
}

#[tokio::test]
async fn rebalance_compute_units_at_sixteen_positions() {
    // 16 spot assets
    let mut f = Fixture::with_assets(16).await.funded_for_rebalance(loose_rebalance_params(), 1_000_000 * USDC).await;
    let k = f.rich_keeper().await;
    let leg = f.auto_leg().await.unwrap();
    let atomic = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(AUTO_LEG)).await;
    atomic.ok();
    let leg2 = f.auto_leg().await.unwrap();
    let ixs = f
        .flash_with_delivery(&k, leg2, &k.kp.insecure_clone(), (k.base_token, k.asset_tokens[usize::from(leg2)]))
        .await;
    let flash = f.env.send(&ixs, &[&k.kp]).await;
    flash.ok();
    // 8 spot + 8 options: an option leg
    let mut o = options_funded().await;
    let ko = o.rich_keeper().await;
    let option = o.rebalance(&ko, 8, ix::RebalanceArgs::any_price(8)).await;
    option.ok();
    for (name, cu) in [
        ("rebalance@16 spot (auto leg)", atomic.cu),
        ("rebalance_begin + transfer + rebalance_end @16 spot", flash.cu),
        ("rebalance of an option leg @8+8", option.cu),
    ] {
        println!("{name}: goal {REBALANCE_GOAL} CU");
        within(name, cu, BUDGET);
    }
}

/// A flash rebalance through the real venue (Manifest): the whole transaction, the swap
/// against the makers' resting orders included.
#[tokio::test]
async fn flash_through_the_venue_within_budget_at_sixteen_assets() {
    let out = flash_through_venue_at(MAX_ASSETS).await;
    out.ok();
    assert!(rebalanced(&out)[0].flash);
    within("rebalance_begin + Manifest swap + pay + rebalance_end @16 spot", out.cu, BUDGET);
}

#[tokio::test]
async fn cpi_compute_units_within_budget() {
    for (n, budget) in CPI_BUDGETS {
        let mut t = Integration::new(n, 100_000_000).await;
        let ix = t.deposit_ix(10_000_000, 0).await;
        let dep = t.send(ix).await;
        dep.ok();
        t.f.advance_slots(1).await;
        let ix = t.quote_ix().await;
        let quote = t.f.env.send(&[ix], &[]).await;
        quote.ok();
        let ix = t.withdraw_ix(5_000_000, 0).await;
        let wd = t.send(ix).await;
        wd.ok();
        for (name, cu) in [("deposit", dep.cu), ("record_quote", quote.cu), ("withdraw", wd.cu)] {
            within(&format!("integrator {name} (CPI) at {n} assets"), cu, budget);
        }
    }
}

#[tokio::test]
async fn quote_cu_within_budget() {
    for (n, budget) in QUOTE_BUDGETS {
        let mut f = Fixture::with_assets(n).await;
        let out = f.quote().await;
        out.ok();
        within(&format!("quote@{n}"), out.cu, budget);
    }
}

/// Compute units at 8 spot assets and 8 option series (goal: `refresh` ≤ 150k — here in two
/// instructions of one transaction, each ≤ 150k), and a deposit and a withdrawal that mark all
/// 8 series at Black–Scholes.
#[tokio::test]
async fn refresh_update_positions_and_flows_fit_at_8_spot_and_8_options() {
    let mut f = Fixture::with_spot_and_options(8).await;
    for _ in 0..2 {
        let (a, b) = f.refresh_then_update_positions().await;
        a.ok();
        b.ok();
        within("refresh (8 spot + 8 options)", a.cu, BUDGET);
        within("update_positions (8 spot + 8 options)", b.cu, BUDGET);
        assert_eq!(positions_updated(&b).included_mask, 0xFFFF);
    }
    let u = f.user(50_000_000).await;
    let d = f.deposit(&u, 50_000_000, 0).await;
    d.ok();
    let shares = f.env.token_amount(&u.share_token).await;
    let w = f.withdraw(&u, shares, 0).await;
    w.ok();
    within("deposit (8 spot + 8 options)", d.cu, BUDGET);
    within("withdraw (8 spot + 8 options)", w.cu, BUDGET);
}

#[tokio::test]
async fn price_option_within_budget() {
    let mut env = Env::new().await;
    for (kind, s, k, vol, r, t) in CASES {
        let out = env.send(&[ix::price_option(args(kind, s, k, vol, r, t))], &[]).await;
        out.ok();
        within(&format!("price_option {} S={s} K={k} σ={vol} T={t}", kind.name()), out.cu, PRICE_OPTION_BUDGET);
    }
}

#[tokio::test]
async fn redeem_in_kind_through_a_lookup_table_within_budget_at_sixteen_assets() {
    let out = redeem_sixteen_through_a_lookup_table().await;
    out.ok();
    within("redeem_in_kind@16 via lookup table", out.cu, BUDGET);
}

#[tokio::test]
async fn solve_weights_within_budget_up_to_the_on_chain_bound() {
    for n in 2..=MAX_ONCHAIN_SOLVE {
        let (_, _, out) = solve_at(n).await;
        out.ok();
        within(&format!("solve_weights n={n}"), out.cu, BUDGET);
    }
}

/// `settle_expired` and `retire_asset` at 8 spot + 8 options: the first series (slot 8, a call
/// 5 % out of the money, left worthless at expiry) settles and is retired, so every slot after
/// it and every per-slot array of the risk account are compacted.
#[tokio::test]
async fn settle_and_retire_within_budget_at_8_spot_and_8_options() {
    let mut f = Fixture::with_spot_and_options(8).await;
    let expiry = f.state().await.assets[8].option.expiry;
    let now = f.env.now().await;
    f.env.advance_time(expiry - now).await;
    f.refresh_oracles().await;
    let caller = f.user(0).await;
    let s = f.state().await;
    let settle = f.env.send(&[ix::settle_expired(&caller.kp.pubkey(), &f.vault, &s, 8)], &[&caller.kp]).await;
    settle.ok();
    let retire = f.env.send(&[ix::retire_asset(&caller.kp.pubkey(), &f.vault, 8)], &[&caller.kp]).await;
    retire.ok();
    assert_eq!(f.state().await.num_assets, 15);
    within("settle_expired (8 spot + 8 options)", settle.cu, BUDGET);
    within("retire_asset (slot 8 of 16)", retire.cu, BUDGET);
}

/// The request path at 16 assets (a 5 % cash buffer): `set_flow_params`, `request_deposit`,
/// `request_withdraw`, `settle_requests` of one deposit and of one withdrawal (every oracle
/// read, NAV at the mid both ways), `claim_request` of each (mint the shares; pay the base and
/// close), `cancel_request` of each (base back; shares minted back).
#[tokio::test]
async fn request_instructions_within_budget_at_sixteen_assets() {
    let mut f = Fixture::with_assets(16).await;
    f.set_holdings(&(0..16u64).map(|i| 1_000_000 + i).collect::<Vec<_>>()).await;
    let r = f.every_request_instruction().await;
    let settled = |o: &Outcome| o.events().into_iter().filter(|e| matches!(e, Event::RequestSettled(_))).count();
    assert_eq!((settled(&r.settle_deposit), settled(&r.settle_withdrawal)), (1, 1));
    for (name, out) in [
        ("set_flow_params", &r.set_flow_params),
        ("request_deposit", &r.request_deposit),
        ("request_withdraw", &r.request_withdraw),
        ("settle_requests@16 (one deposit)", &r.settle_deposit),
        ("settle_requests@16 (one withdrawal)", &r.settle_withdrawal),
        ("claim_request (deposit: mints the shares)", &r.claim_deposit),
        ("claim_request (withdrawal: pays the base)", &r.claim_withdrawal),
        ("cancel_request (deposit: base back)", &r.cancel_deposit),
        ("cancel_request (withdrawal: shares minted back)", &r.cancel_withdrawal),
    ] {
        within(name, out.cu, BUDGET);
    }
}

/// How many requests one `settle_requests` settles within [`BUDGET`] at 16 assets: 20 deposit
/// and 20 withdrawal requests are pending, priced after; the largest batch (deposits first,
/// half each) within the budget is settled, at least [`SETTLE_BATCH`], one `RequestSettled`
/// per request; one request more needs more than [`BUDGET`] or more accounts than a
/// transaction holds (64: here the limit that binds).
#[tokio::test]
async fn settle_requests_batch_within_budget_at_sixteen_assets() {
    let mut f = Fixture::with_assets(16).await;
    f.set_holdings(&(0..16u64).map(|i| 1_000_000 + i).collect::<Vec<_>>()).await;
    let fit = f.settle_batch_within(20, BUDGET).await;
    fit.settled.ok();
    within(&format!("settle_requests@16 of {} requests", fit.n), fit.settled.cu, BUDGET);
    assert!(fit.n >= SETTLE_BATCH, "{} requests fit, fewer than {SETTLE_BATCH}", fit.n);
    let settled = fit.settled.events().into_iter().filter(|e| matches!(e, Event::RequestSettled(_))).count();
    assert_eq!(settled, fit.n);
    let one_more = fit.one_more.expect("40 requests do not fit one call");
    // one more is over the budget, or past a transaction's 64 accounts
    let locks = one_more.result == Err(TransactionError::TooManyAccountLocks);
    assert!(locks || one_more.cu > BUDGET, "one more request: {:?}, {} CU", one_more.result, one_more.cu);
    println!("settle_requests@16: {} requests, {} CU; one more: {:?}", fit.n, fit.settled.cu, one_more.result);
}
