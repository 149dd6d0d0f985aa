//! Compute-unit benchmark: runs every instruction of `rpv_vault.so` in solana-program-test's
//! BPF VM at several asset counts and prints a markdown table (CU is deterministic, so one run
//! per cell is the measurement). `cargo xtask bench [--update-docs]`.

use rpv_core::{fixed_point::Fx, matrix::Packed, risk_parity::risk_budget_weights};
use rpv_sdk::{ix, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use rpv_tests::{asset_params, integrator, Fixture, OptionKind, ProposalKind};
use solana_signer::Signer;

const COUNTS: [usize; 6] = [0, 1, 4, 5, 8, 16];

struct Row {
    name: &'static str,
    cells: Vec<Option<u64>>,
}

struct Bench {
    f: Fixture,
    first_refresh: Option<u64>,
}

impl std::ops::Deref for Bench {
    type Target = Fixture;
    fn deref(&self) -> &Fixture {
        &self.f
    }
}

impl std::ops::DerefMut for Bench {
    fn deref_mut(&mut self) -> &mut Fixture {
        &mut self.f
    }
}

/// A vault with `n` assets, equal budgets, one refresh (measured) and some holdings.
async fn vault_with(n: usize) -> Bench {
    // the example CPI integrator is loaded too, for its rows
    let mut f = Fixture::empty_in(integrator::env().await, TOKEN_PROGRAM_ID).await;
    f.initialize(f.init_args()).await.ok();
    for i in 0..n {
        let (d, p) = asset_params(i);
        let a = f.new_asset(TOKEN_PROGRAM_ID, d, p).await;
        f.add_asset(&a, Fixture::asset_args(&a)).await.ok();
        f.assets.push(a);
    }
    let mut first_refresh = None;
    if n > 0 {
        f.set_equal_budgets().await.ok();
        let r = f.refresh().await;
        r.ok();
        first_refresh = Some(r.cu);
    }
    let q: Vec<u64> = (0..n as u64).map(|i| 1_000_000 + i).collect();
    f.set_holdings(&q).await;
    Bench { f, first_refresh }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // the same keys every run: PDA bump searches (≈ 1.5k CU per attempt) depend on them
    rpv_tests::environment::deterministic_keys(0x5250_565f_4355);
    let mut deposit = Row { name: "`deposit`", cells: vec![] };
    let mut deposit_asset = Row { name: "`deposit_asset`", cells: vec![] };
    let mut withdraw = Row { name: "`withdraw`", cells: vec![] };
    let mut refresh_first = Row { name: "`refresh` (first sample)", cells: vec![] };
    let mut refresh = Row { name: "`refresh`", cells: vec![] };
    let mut submit = Row { name: "`submit_weights` (ERC verification + targets)", cells: vec![] };
    let mut inv_vol = Row {
        name:
            "`refresh` with inverse-vol weights minus `refresh` keeping (and re-checking) accepted risk-budget weights",
        cells: vec![],
    };
    let mut redeem =
        Row { name: "`redeem_in_kind` (beyond 5 assets: v0 transaction with a lookup table)", cells: vec![] };
    let mut solve = Row { name: "`solve_weights` (on-chain ERC solve, ≤ 5 assets)", cells: vec![] };
    let mut quote = Row { name: "`quote` (read-only NAV, shares, price, risk summary)", cells: vec![] };
    let mut cpi_deposit =
        Row { name: "example integrator: `deposit` by CPI (whole instruction, PDA as user)", cells: vec![] };
    let mut cpi_quote =
        Row { name: "example integrator: `record_quote` (CPI `quote`, return data, tracker write)", cells: vec![] };
    let mut cpi_withdraw = Row { name: "example integrator: `withdraw` by CPI", cells: vec![] };
    for &n in &COUNTS {
        eprintln!("[cu-bench] vault with {n} assets");
        let mut f = vault_with(n).await;
        refresh_first.cells.push(f.first_refresh);
        if n > 0 {
            // a few moves so the covariance has correlations
            f.correlated_history().await;
            let r = f.step(60).await;
            r.ok();
            refresh.cells.push(Some(r.cu));
            // verification of submitted ERC weights
            let risk = f.risk().await;
            let b: Vec<Fx> =
                Fixture::equal_budgets(n).iter().map(|x| Fx::from_num(*x) / Fx::from_num(1_000_000_000u64)).collect();
            let mut w = vec![Fx::ZERO; n];
            risk_budget_weights(&Packed { n, bits: &risk.cov }, &b, &mut w, Fx::from_bits(28), 10_000).unwrap();
            let (k, v) = (f.admin.insecure_clone(), f.vault);
            let out = f
                .env
                .send(&[ix::submit_weights(&k.pubkey(), &v, w.iter().map(|x| x.to_bits()).collect())], &[&k])
                .await;
            out.ok();
            submit.cells.push(Some(out.cu));
            // method 1 keeps the submitted weights (re-checking their risk contributions each sample):
            // the refresh difference is the inverse-vol step less that re-check
            f.set_risk_params(ix::RiskParams { method: 1, ..Default::default() }).await.ok();
            let out = f
                .env
                .send(&[ix::submit_weights(&k.pubkey(), &v, w.iter().map(|x| x.to_bits()).collect())], &[&k])
                .await;
            out.ok();
            let kept = f.step(60).await;
            kept.ok();
            f.set_risk_params(ix::RiskParams::default()).await.ok();
            let again = f.step(60).await;
            again.ok();
            inv_vol.cells.push(Some(again.cu.saturating_sub(kept.cu)));
            if n <= 5 && n >= 2 {
                let out = f.env.send(&[ix::solve_weights(&k.pubkey(), &v, 2_000)], &[&k]).await;
                out.ok();
                solve.cells.push(Some(out.cu));
            } else {
                solve.cells.push(None);
            }
        } else {
            refresh.cells.push(None);
            submit.cells.push(None);
            inv_vol.cells.push(None);
            solve.cells.push(None);
        }
        let u = f.user(100_000_000).await;
        let d = f.deposit(&u, 10_000_000, 0).await;
        d.ok();
        deposit.cells.push(Some(d.cu));
        let held = f.env.token_amount(&u.share_token).await;
        let w = f.withdraw(&u, held / 2, 0).await;
        w.ok();
        withdraw.cells.push(Some(w.cu));
        let accounts = f.holding_accounts(&u).await;
        let left = f.env.token_amount(&u.share_token).await;
        let r = if n <= 5 {
            f.redeem(&u, &accounts, left / 2, vec![]).await
        } else {
            let s = f.state().await;
            let vault = f.vault;
            let addresses = rpv_sdk::alt::vault_addresses(&vault, &s);
            let table = f.env.lookup_table(&addresses).await;
            let ix = f.redeem_ix(&u, &accounts, left / 2, vec![]).await;
            let kp = solana_keypair::Keypair::insecure_clone(&u.kp);
            f.env.send_v0(&[ix], &[&kp], &[(table, addresses)]).await
        };
        r.ok();
        redeem.cells.push(Some(r.cu));
        if n > 0 {
            let i = n - 1;
            let from = f.asset_account(i, &u.kp.pubkey(), 10_000_000_000).await;
            let da = f.deposit_asset(&u, i as u8, &from, 1_000_000_000, 0).await;
            da.ok();
            deposit_asset.cells.push(Some(da.cu));
        } else {
            deposit_asset.cells.push(None);
        }
        let q = f.quote().await;
        q.ok();
        quote.cells.push(Some(q.cu));
        // the same vault through the example integrator
        let mut t = integrator::Integration::attach(f.f, 100_000_000).await;
        let ix = t.deposit_ix(10_000_000, 0).await;
        let out = t.send(ix).await;
        out.ok();
        cpi_deposit.cells.push(Some(out.cu));
        t.f.advance_slots(1).await; // no instant redemption in the slot of a deposit
        let ix = t.quote_ix().await;
        let out = t.f.env.send(&[ix], &[]).await;
        out.ok();
        cpi_quote.cells.push(Some(out.cu));
        let half = t.tracker().await.shares / 2;
        let ix = t.withdraw_ix(half, 0).await;
        let out = t.send(ix).await;
        out.ok();
        cpi_withdraw.cells.push(Some(out.cu));
    }

    eprintln!("[cu-bench] initialize_vault and add_asset");
    let mut f = Fixture::empty().await;
    let init_spl = f.initialize(f.init_args()).await;
    init_spl.ok();
    let mut adds = vec![];
    for i in 0..16 {
        let (d, p) = asset_params(i);
        let a = f.new_asset(TOKEN_PROGRAM_ID, d, p).await;
        let out = f.add_asset(&a, Fixture::asset_args(&a)).await;
        out.ok();
        adds.push(out.cu);
        f.assets.push(a);
    }
    let mut g = Fixture::empty_with(TOKEN_2022_PROGRAM_ID).await;
    let init_2022 = g.initialize(g.init_args()).await;
    init_2022.ok();

    eprintln!("[cu-bench] price_option");
    let mut quotes = vec![];
    for (kind, spot, strike, vol, t) in [
        (OptionKind::Call, 100.0, 100.0, 0.2, 1.0),
        (OptionKind::Put, 100.0, 100.0, 0.2, 1.0),
        (OptionKind::Call, 30.0, 140.0, 2.5, 0.001),
    ] {
        let b = |x: f64| Fx::from_num(x).to_bits();
        let a = ix::OptionQuoteArgs {
            kind,
            spot_bits: b(spot),
            strike_bits: b(strike),
            vol_bits: b(vol),
            rate_bits: b(0.05),
            years_bits: b(t),
        };
        let out = g.env.send(&[ix::price_option(a)], &[]).await;
        out.ok();
        quotes.push(out.cu);
    }

    eprintln!("[cu-bench] 8 spot assets + 8 option series");
    let mut o = Fixture::with_spot_and_options(8).await;
    let (o_refresh, o_update) = o.refresh_then_update_positions().await;
    o_refresh.ok();
    o_update.ok();
    let u = o.user(50_000_000).await;
    let o_deposit = o.deposit(&u, 50_000_000, 0).await;
    o_deposit.ok();
    let from = o.asset_account(8, &u.kp.pubkey(), 1_000_000).await;
    let o_deposit_option = o.deposit_asset(&u, 8, &from, 1_000_000, 0).await;
    o_deposit_option.ok();
    let shares = o.env.token_amount(&u.share_token).await;
    let o_withdraw = o.withdraw(&u, shares, 0).await;
    o_withdraw.ok();
    eprintln!("[cu-bench] fees, timelock, allowlist");
    let fees = fee_rows().await;
    eprintln!("[cu-bench] rebalance");
    let rb = rebalance_rows().await;
    eprintln!("[cu-bench] requests");
    let rq = request_rows().await;

    let header: Vec<String> = COUNTS.iter().map(|n| format!("{n} assets")).collect();
    println!("| instruction | {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(COUNTS.len()));
    for r in [
        &deposit,
        &deposit_asset,
        &withdraw,
        &redeem,
        &refresh_first,
        &refresh,
        &submit,
        &inv_vol,
        &solve,
        &quote,
        &cpi_deposit,
        &cpi_quote,
        &cpi_withdraw,
    ] {
        let cells: Vec<String> = r.cells.iter().map(|c| c.map_or("–".into(), |v| format!("{v}"))).collect();
        println!("| {} | {} |", r.name, cells.join(" | "));
    }
    let at = |i: usize| adds[i];
    let blank = "| – ".repeat(COUNTS.len() - 1);
    println!("| `add_asset` (k-th asset registered, k = 1 and 16) | – | {} | – | – | – | {} |", at(0), at(15));
    println!("| `initialize_vault`, SPL Token base | {} {blank}|", init_spl.cu);
    println!("| `initialize_vault`, Token-2022 base | {} {blank}|", init_2022.cu);
    println!(
        "| `price_option` (Black–Scholes price + 4 Greeks, whole instruction): ATM call, ATM put, deep OTM short-dated | {} | {} | {} {}|",
        quotes[0],
        quotes[1],
        quotes[2],
        "| – ".repeat(COUNTS.len() - 3)
    );
    for r in &fees.rows {
        let cells: Vec<String> = r.cells.iter().map(|c| c.map_or("–".into(), |v| format!("{v}"))).collect();
        println!("| {} | {} |", r.name, cells.join(" | "));
    }
    for (name, cu) in &fees.single {
        println!("| {name} | {cu} {blank}|");
    }
    for r in rb.rows.iter().chain(&rq.rows) {
        let cells: Vec<String> = r.cells.iter().map(|c| c.map_or("–".into(), |v| format!("{v}"))).collect();
        println!("| {} | {} |", r.name, cells.join(" | "));
    }
    for (name, cu) in &rq.single {
        println!("| {name} | {cu} {blank}|");
    }
    let fit = &rq.batch;
    let (deposits, withdrawals) = (fit.n.div_ceil(2), fit.n / 2);
    println!(
        "| `settle_requests` of {} requests ({deposits} deposits, {withdrawals} withdrawals; v0 transaction, lookup table) {}| {} |",
        fit.n,
        "| – ".repeat(COUNTS.len() - 1),
        fit.settled.cu
    );
    println!();
    println!(
        "With option series (8 spot assets and 8 options, one per underlying, all inside the Black–Scholes domain):"
    );
    println!();
    println!("| instruction (8 spot + 8 options) | CU |");
    println!("|---|---:|");
    println!(
        "| `refresh` (16 oracle reads incl. 8 implied vols, EWMA, 8 Black–Scholes marks and exposures) | {} |",
        o_refresh.cu
    );
    println!(
        "| `update_positions` (NAV, position covariance, inverse-vol weights, σ_p, L, targets, Greeks) | {} |",
        o_update.cu
    );
    println!("| `deposit` (NAV with 8 series at Black–Scholes) | {} |", o_deposit.cu);
    println!("| `deposit_asset` of an option series | {} |", o_deposit_option.cu);
    println!("| `withdraw` | {} |", o_withdraw.cu);
    for (name, cu) in &rb.single {
        println!("| {name} | {cu} |");
    }
    let slope = |r: &Row| (r.cells[5].unwrap() - r.cells[1].unwrap()) as f64 / 15.0;
    let one = rq.rows[2].cells[5].unwrap(); // settle_requests of one deposit request at 16 assets
    let per = (fit.settled.cu - one) as f64 / (fit.n - 1) as f64;
    let why = match &fit.one_more {
        Some(o) if o.result == Err(solana_transaction_error::TransactionError::TooManyAccountLocks) => format!(
            "a transaction's 64 accounts bind before the compute budget (9 fixed accounts, 16 oracles, the fee payer and the program leave room for {}); by compute units alone ≈ {} would fit",
            fit.n,
            ((150_000 - one) as f64 / per) as u64 + 1
        ),
        Some(o) => format!("one more would use {} CU", o.cu),
        None => "every request offered fitted".to_string(),
    };
    println!();
    println!(
        "One `settle_requests` at 16 assets settles {} requests within 150,000 CU ({} CU; ≈ {per:.0} CU per request after the first): {why}.",
        fit.n, fit.settled.cu
    );
    println!();
    println!(
        "`initialize_vault`, `add_asset`, `request_deposit` and `request_withdraw` derive PDAs with a bump search (Anchor `seeds` + `bump`): their cost moves by ≈1.5k CU per extra attempt, which depends on the keys: the benchmark derives them from a fixed seed, so the table is the same on every run."
    );
    println!();
    println!(
        "Marginal cost per registered asset (one oracle read and valuation): deposit {:.0} CU, withdraw {:.0} CU.",
        slope(&deposit),
        slope(&withdraw)
    );
}

struct FeeRows {
    rows: Vec<Row>,
    single: Vec<(&'static str, u64)>,
}

/// Fee paths at every asset count: a vault charging 2 %/yr and 20 % with the allowlist on, a day
/// of 5 % gains, then a deposit (both fees accrue, entry checked) and `accrue_fees` (mints).
/// Single figures for the timelock and allowlist instructions (0 assets).
async fn fee_rows() -> FeeRows {
    let mut deposit = Row { name: "`deposit`, both fees accruing, allowlist on", cells: vec![] };
    let mut accrue = Row { name: "`accrue_fees` (both fees, mints to the recipient)", cells: vec![] };
    let mut single = vec![];
    for &n in &COUNTS {
        let mut f = Fixture::with_assets_and(n, |a| {
            (a.management_fee_bps, a.performance_fee_bps, a.allowlist) = (200, 2_000, true)
        })
        .await;
        f.set_holdings(&(0..n as u64).map(|i| 1_000_000 + i).collect::<Vec<_>>()).await;
        let u = f.user(100_000_000).await;
        let listed = f.set_depositor(&u.kp.pubkey(), true).await;
        listed.ok();
        f.env.advance_time(86_400).await;
        if n > 0 {
            for i in 0..n {
                let p = f.assets[i].price * 105 / 100;
                f.set_price(i, p).await;
            }
            f.refresh().await.ok();
        } else {
            // base only: a 5 % gain as accounted base backed by real tokens
            let mut s = f.state().await;
            let gain = s.base_quantity / 20;
            s.base_quantity += gain;
            f.write_state(&s).await;
            let (bp, bm, bv) = (f.base_program, f.base_mint, f.base_vault());
            f.env.mint_to(&bp, &bm, &bv, gain).await;
        }
        let d = f.deposit(&u, 10_000_000, 0).await;
        d.ok();
        deposit.cells.push(Some(d.cu));
        f.env.advance_time(3_600).await;
        f.refresh_oracles().await;
        let recipient = f.admin.pubkey();
        let to = f.share_account(&recipient).await;
        let a = f.accrue_fees(&to).await;
        a.ok();
        accrue.cells.push(Some(a.cu));
        if n == 0 {
            single.push(("`set_depositor` (create entry)", listed.cu));
            let set = f.set_fees(100, 1_000).await;
            set.ok();
            single.push(("`set_fees` (accrues at the old rates first)", set.cu));
            let change = ix::ConfigChange::Fees { management_bps: 200, performance_bps: 2_000 };
            let p = f.propose(&change).await;
            p.ok();
            single.push(("`propose_change` (fee rates)", p.cu));
            let ap = f.apply(ProposalKind::Fees).await;
            ap.ok();
            single.push(("`apply_change` (fee rates, accrues first)", ap.cu));
            f.propose(&change).await.ok();
            let (admin, v) = (f.admin.insecure_clone(), f.vault);
            let c = f
                .env
                .send(&[ix::cancel_change(&admin.pubkey(), &v, ProposalKind::Fees, &admin.pubkey())], &[&admin])
                .await;
            c.ok();
            single.push(("`cancel_change`", c.cu));
        }
    }
    FeeRows { rows: vec![deposit, accrue], single }
}

/// `rebalance` (auto leg, a purchase) and the flash pair (begin + the keeper's own transfer +
/// end) at every asset count, on a vault whose deposit sits in base; an option leg at 8 + 8.
async fn rebalance_rows() -> FeeRows {
    let mut atomic = Row { name: "`rebalance` (auto leg: furthest outside its band; one leg)", cells: vec![] };
    let mut flash =
        Row { name: "`rebalance_begin` + token transfer + `rebalance_end` (flash mode, one leg)", cells: vec![] };
    for &n in &COUNTS {
        if n == 0 {
            atomic.cells.push(None);
            flash.cells.push(None);
            continue;
        }
        let mut f = Fixture::with_assets(n)
            .await
            .funded_for_rebalance(rpv_tests::loose_rebalance_params(), 1_000_000_000_000)
            .await;
        let k = f.keeper(10_000_000_000_000, 1_000_000_000_000_000).await;
        let leg = f.auto_leg().await.expect("a leg outside its band");
        let out = f.rebalance(&k, leg, ix::RebalanceArgs::any_price(rpv_core::rebalance::AUTO_LEG)).await;
        out.ok();
        atomic.cells.push(Some(out.cu));
        let cell = match f.auto_leg().await {
            Some(leg) => {
                let tokens = (k.base_token, k.asset_tokens[usize::from(leg)]);
                let ixs = f.flash_with_delivery(&k, leg, &k.kp.insecure_clone(), tokens).await;
                let out = f.env.send(&ixs, &[&k.kp]).await;
                out.ok();
                Some(out.cu)
            }
            None => None,
        };
        flash.cells.push(cell);
    }
    let mut o = Fixture::with_spot_and_options(8).await;
    // a 0.1 % band: the series' targets are small next to the default 5 %
    o.set_risk_params(ix::RiskParams { band_bps: 10, ..Default::default() }).await.ok();
    let mut o = o.funded_for_rebalance(rpv_tests::loose_rebalance_params(), 1_000_000_000_000).await;
    let k = o.keeper(10_000_000_000_000, 1_000_000_000_000_000).await;
    let out = o.rebalance(&k, 8, ix::RebalanceArgs::any_price(8)).await;
    out.ok();
    let venue = rpv_tests::flash_through_venue_at(16).await;
    venue.ok();
    FeeRows {
        rows: vec![atomic, flash],
        single: vec![
            ("`rebalance` of an option leg (Black–Scholes three ways: mid, rich, cheap)", out.cu),
            (
                "flash rebalance through Manifest at 16 assets: `rebalance_begin` + swap + payment + `rebalance_end` (whole transaction)",
                venue.cu,
            ),
        ],
    }
}

struct RequestRows {
    rows: Vec<Row>,
    single: Vec<(&'static str, u64)>,
    /// At 16 assets: the most requests one `settle_requests` settles within 150k CU.
    batch: rpv_tests::requests::SettleFit,
}

/// The request path at every asset count (`Fixture::every_request_instruction`: a 5 % cash
/// buffer, one request of each kind settled alone, claimed, then two cancelled); at 16 assets,
/// the most requests (20 of each kind pending) one `settle_requests` settles within 150k CU.
async fn request_rows() -> RequestRows {
    let names = [
        "`request_deposit` (escrows the base; no oracle read)",
        "`request_withdraw` (burns the shares into the queue)",
        "`settle_requests` (one deposit request; every oracle, NAV at the mid both ways)",
        "`settle_requests` (one withdrawal request)",
        "`claim_request` (deposit: mints the shares, closes)",
        "`claim_request` (withdrawal: pays the base, closes)",
        "`cancel_request` (deposit: base back)",
        "`cancel_request` (withdrawal: shares minted back)",
    ];
    let mut rows: Vec<Row> = names.iter().map(|name| Row { name, cells: vec![] }).collect();
    let mut single = vec![];
    for &n in &COUNTS {
        let mut f = Fixture::with_assets(n).await;
        f.set_holdings(&(0..n as u64).map(|i| 1_000_000 + i).collect::<Vec<_>>()).await;
        let r = f.every_request_instruction().await;
        let cells = [
            &r.request_deposit,
            &r.request_withdraw,
            &r.settle_deposit,
            &r.settle_withdrawal,
            &r.claim_deposit,
            &r.claim_withdrawal,
            &r.cancel_deposit,
            &r.cancel_withdrawal,
        ];
        for (row, out) in rows.iter_mut().zip(cells) {
            row.cells.push(Some(out.cu));
        }
        if n == 0 {
            single.push(("`set_flow_params` (cash buffer: applies at once)", r.set_flow_params.cu));
        }
    }
    let mut f = Fixture::with_assets(16).await;
    f.set_holdings(&(0..16u64).map(|i| 1_000_000 + i).collect::<Vec<_>>()).await;
    let batch = f.settle_batch_within(20, 150_000).await;
    batch.settled.ok();
    RequestRows { rows, single, batch }
}
