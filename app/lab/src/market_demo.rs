//! `rpv-lab demo`: the vault through a simulated market on an embedded SVM (`rpv_sdk::svm`, the
//! built `.so` run by the BPF loader, real SPL token accounts, Pyth accounts in the receiver's
//! layout). Three underlyings follow seeded price paths through four regimes — calm, a
//! volatility spike, a crash, a recovery — with every oracle re-published each step, the
//! implied-vol feeds following the regime. The vault holds spot and two option series (a SOL call
//! that expires, is settled and has its empty slot retired during the run, an ETH put) and uses
//! risk budgeting. The keeper
//! (`rpv_keeper::Keeper`, the same code as the `rpv-keeper` binary) cranks it every step:
//! settlement, refresh, off-chain weights, rebalancing from its own inventory. Depositors come
//! and go along the way. At the end: a summary table per regime and four SVG charts (weights,
//! risk contributions, realised vs target volatility, NAV against an equal-weight and a
//! static-weight benchmark), drawn from account state read back from the SVM.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use rpv_core::{
    fixed_point::Fx,
    layout::{RiskState, VaultState},
    math::Rounding,
    matrix::Packed,
    price::OraclePrice,
    risk_parity::{quad_form, risk_contributions},
};
use rpv_keeper::{
    chain::LocalChain,
    keeper::{Keeper, Settings},
    log::{Level, Logger},
    sandbox::{OptionSpec, Sandbox, Spec},
};
use rpv_sdk::{
    events::Rebalanced,
    ix,
    ix::OptionKind,
    pda,
    svm::market_maker::{atom_price, load_venue, MarketMaker, Quoting},
    svm::LocalSvm,
    venue, Pubkey,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    backtest::{max_drawdown, Track},
    demo::usdc,
};

/// Hours between steps.
const STEP_HOURS: i64 = 4;
const DAYS: i64 = 60;
const STEPS_PER_DAY: i64 = 24 / STEP_HOURS;
const USDC: u64 = 1_000_000;

/// A market regime: from `day`, annual volatility multiplier and daily drift.
struct Regime {
    name: &'static str,
    from_day: i64,
    vol_scale: f64,
    daily_drift: f64,
}

const REGIMES: [Regime; 4] = [
    Regime { name: "calm", from_day: 0, vol_scale: 1.0, daily_drift: 0.001 },
    Regime { name: "volatility spike", from_day: 20, vol_scale: 3.0, daily_drift: 0.0 },
    Regime { name: "crash", from_day: 32, vol_scale: 2.5, daily_drift: -0.06 },
    Regime { name: "recovery", from_day: 38, vol_scale: 1.3, daily_drift: 0.012 },
];

/// Calm annual vols of SOL, BTC, ETH.
const BASE_VOL: [f64; 3] = [0.55, 0.35, 0.45];
const NAMES: [&str; 3] = ["SOL", "BTC", "ETH"];

fn regime(day: i64) -> &'static Regime {
    REGIMES.iter().rev().find(|r| day >= r.from_day).expect("day ≥ 0")
}

/// Seeded normal draws (xorshift64* + Box–Muller), so every run prints the same path.
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn draw(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn fx(bits: rpv_core::layout::FxBits) -> f64 {
    bits.get().to_num::<f64>()
}

/// The oracle values as published (price, or implied vol), one per slot.
fn prices(sb: &Sandbox) -> Vec<OraclePrice> {
    sb.feeds.iter().map(|f| sb.quote(f)).collect()
}

/// NAV (rounded down) and total shares, as a withdrawal would be priced now.
fn nav_and_shares(svm: &LocalSvm, sb: &Sandbox, v: &VaultState) -> Result<(u64, u64), String> {
    let p = prices(sb);
    let nav = v.nav_at(&p[..usize::from(v.num_assets)], svm.now(), Rounding::Down).map_err(|e| format!("NAV: {e}"))?;
    let supply = rpv_sdk::spl::supply(&svm.data(&pda::share_mint(&sb.vault).0));
    let total = v.total_shares_after_fees(supply, Some(nav), svm.now()).map_err(|e| format!("shares: {e}"))?;
    Ok((nav, total))
}

/// Per underlying: dollar-delta exposure as a share of NAV (held) and of the targets.
fn exposures(v: &VaultState, r: &RiskState, nav: u64) -> ([f64; 3], [f64; 3]) {
    let (mut held, mut target) = ([0.0; 3], [0.0; 3]);
    let navf = nav.max(1) as f64;
    for u in 0..3 {
        held[u] = fx(r.net_delta[u]) / navf;
    }
    let snap = r.nav_snapshot.max(1) as f64;
    for i in 0..usize::from(v.num_assets) {
        let u = usize::from(r.factor[i]).min(2);
        target[u] += r.targets[i] as f64 * fx(r.elasticity[i]) / snap;
    }
    (held, target)
}

/// Risk contributions of the dollar-delta exposures on the EWMA covariance of the three
/// underlyings, and their ex-ante volatility.
fn risk_split(r: &RiskState, held: &[f64; 3]) -> ([f64; 3], f64) {
    let c = Packed { n: 3, bits: &r.cov };
    let w: Vec<Fx> = held.iter().map(|x| Fx::from_num(*x)).collect();
    let mut rc = [Fx::ZERO; 3];
    let split = if risk_contributions(&c, &w, &mut rc).is_ok() {
        [rc[0].to_num(), rc[1].to_num(), rc[2].to_num()]
    } else {
        [f64::NAN; 3]
    };
    let q: f64 = quad_form(&c, &w).map(|q| q.to_num()).unwrap_or(f64::NAN);
    (split, q.max(0.0).sqrt())
}

/// Annualised realised volatility of per-step log returns (the backtest's zero-mean estimator).
fn realised(returns: &[f64]) -> f64 {
    let dt = STEP_HOURS as f64 / (24.0 * 365.0);
    let r: Vec<(f64, f64)> = returns.iter().map(|x| (*x, dt)).collect();
    crate::backtest::realised(&r)
}

/// The flash trades' execution against the oracle: what the vault paid or received against the
/// oracle's mid (its cost: the keeper's incentive and the confidence band it prices against
/// itself), per trade and in total, and the trades the keeper skipped, by reason.
#[derive(Default)]
struct Execution {
    trades: u64,
    /// Mid value traded and the vault's cost against it, base units.
    mid_value: f64,
    cost: f64,
    worst_bps: f64,
    incentives: u64,
    skipped: std::collections::BTreeMap<String, u64>,
}

impl Execution {
    fn record(&mut self, t: &Rebalanced, mid_atom_price: f64) {
        let mid = t.qty as f64 * mid_atom_price;
        let cost = if t.side == rpv_core::rebalance::Side::Buy as u8 {
            t.base_amount as f64 - mid
        } else {
            mid - t.base_amount as f64
        };
        self.trades += 1;
        self.mid_value += mid;
        self.cost += cost;
        self.worst_bps = self.worst_bps.max(10_000.0 * cost / mid);
        self.incentives += t.incentive;
    }

    fn print(&self, venue_margin: u64) {
        println!(
            "Flash trades through the venue: {}, {} USDC at the oracle's mid; the vault's execution cost against the mid",
            self.trades,
            usdc(self.mid_value as u64)
        );
        println!(
            "  {} USDC in total, {:.2} bps on average, {:.2} bps at worst (incentives {} USDC); the keeper's margin on the venue {} USDC",
            usdc(self.cost.max(0.0) as u64),
            10_000.0 * self.cost / self.mid_value.max(1.0),
            self.worst_bps,
            usdc(self.incentives),
            usdc(venue_margin)
        );
        if self.skipped.is_empty() {
            println!("  no flash trade skipped");
        }
        for (why, n) in &self.skipped {
            println!("  skipped {n}×: {why}");
        }
    }
}

struct User {
    kp: Keypair,
    base: Pubkey,
    shares: Pubkey,
}

fn new_user(svm: &mut LocalSvm, sb: &Sandbox, base: u64) -> Result<User, String> {
    let kp = Keypair::new();
    svm.fund(&kp.pubkey(), 1_000_000_000)?;
    let base_acct = svm.token_account(&sb.base_mint, &kp.pubkey(), base)?;
    let shares = svm.token_account(&pda::share_mint(&sb.vault).0, &kp.pubkey(), 0)?;
    Ok(User { kp, base: base_acct, shares })
}

/// Runs the demo; the charts go to `out`.
pub fn run(program: &Path, out: &Path) -> Result<(), String> {
    let mut svm = LocalSvm::load(program)?;
    println!("Real-time risk-parity vault — market simulation on an embedded SVM (litesvm, the built .so)");
    println!();
    let mut spec = Spec::spot();
    // the keeper trades through the venue: its incentive (20 bps) has to pay the oracle's
    // confidence band the vault prices against itself (5 bps), the makers' half spread (5 bps)
    // and the book's impact; the daily budget covers the turnover cap at that rate
    spec.rebalance = ix::RebalanceParams {
        cooldown_secs: 3_600,
        max_leg_bps: 500,
        max_turnover_bps: 4_000,
        max_reduction_bps: 1_500,
        keeper_bps: 20,
        max_slippage_bps: 50,
        incentive_budget_ppm: 1_000,
        ..ix::RebalanceParams::default()
    };
    spec.options = vec![
        OptionSpec {
            kind: OptionKind::Call,
            underlying: 0,
            strike: 160.0,
            expires_in: 45 * 86_400,
            iv: 0.6,
            quantity: 500_000_000,
        },
        OptionSpec {
            kind: OptionKind::Put,
            underlying: 2,
            strike: 3_000.0,
            expires_in: 90 * 86_400,
            iv: 0.5,
            quantity: 100_000_000,
        },
    ];
    let mut sb = Sandbox::create(&mut svm, &spec)?;
    println!(
        "Vault {} — SOL, BTC, ETH, a SOL 160 call (45 days) and an ETH 3,000 put (90 days); risk budgeting, 1/5 each;",
        sb.vault
    );
    println!("1,000,000 USDC deposited in base, the option tokens in kind: the keeper has to build the portfolio.");
    println!(
        "Regimes: calm (days 0–20), volatility spike (20–32), crash (32–38), recovery (38–{DAYS}); a step is {STEP_HOURS} h."
    );
    println!();

    // the venue: a market per spot asset, kept near the oracle by a market-making bot
    load_venue(&mut svm, &venue::default_venue_path())?;
    let spot: Vec<(usize, Pubkey, u8, i64)> =
        (0..3).map(|i| (i, sb.feeds[i].mint, sb.feeds[i].decimals, sb.feeds[i].price)).collect();
    let quoting = Quoting { half_spread_bps: 5.0, step_bps: 2.0, levels: 12, depth_per_level: 25_000 * USDC };
    let maker = MarketMaker::open(&mut svm, &sb.base_mint, 6, &spot, quoting, 3_000_000 * USDC)?;
    maker.requote(&mut svm, &sb.feeds.iter().map(|f| f.price).collect::<Vec<_>>())?;
    println!(
        "Venue: Manifest (built from its crate), a market per spot asset; a bot quotes {} levels a side, {} USDC each,",
        quoting.levels,
        usdc(quoting.depth_per_level)
    );
    println!(
        "{} bps from the oracle then every {} bps, re-quoted after every price move. The keeper holds no spot tokens:",
        quoting.half_spread_bps, quoting.step_bps
    );
    println!("it rebalances spot legs in flash mode through the venue; option series from its inventory (no venue lists them).");
    println!();

    let keeper_kp = Keypair::new();
    sb.fund_keeper(&mut svm, &keeper_kp.pubkey(), 20_000_000 * USDC, 0, 5_000_000_000)?;
    let (log, _lines) = Logger::memory(Level::Warn);
    let mut settings = Settings::for_vault(sb.vault);
    settings.max_trades_per_tick = 3;
    settings.markets = maker.routes();
    settings.max_impact_bps = 30;
    // a priority fee of 10,000 micro-lamports per CU and SOL at the demo's starting price
    settings.priority_fee = 10_000;
    settings.sol_price = (sb.feeds[0].price / 100) as u64;
    let mut keeper = Keeper::new(settings, keeper_kp, log, "embedded SVM");
    let mut chain = LocalChain::new(svm);

    let mut alice = None;
    let mut bob = None;
    let mut rng = Normal(0x0DDB_1A5E_5BAD_5EED);
    let initial: Vec<f64> = (0..3).map(|i| sb.feeds[i].price as f64).collect();
    let mut track = Track::default();
    let mut log_returns: Vec<f64> = Vec::new();
    let mut regime_marks: Vec<(usize, &'static str)> = Vec::new();
    let (mut trades, mut incentives, mut settled, mut refreshes) = (0usize, 0u64, 0usize, 0usize);
    let mut eq = 1.0f64;
    let total_steps = (DAYS * STEPS_PER_DAY) as usize;
    let mut events: Vec<String> = Vec::new();
    let mut execution = Execution::default();

    for step in 0..=total_steps {
        let day = step as i64 / STEPS_PER_DAY;
        let reg = regime(day);
        if regime_marks.last().is_none_or(|(_, n)| *n != reg.name) {
            regime_marks.push((track.times.len(), reg.name));
        }
        if step > 0 {
            // the market moves; the pushers publish every feed at the new time
            chain.svm.advance(STEP_HOURS * 3_600);
            let dt = STEP_HOURS as f64 / (24.0 * 365.0);
            let common = rng.draw();
            let mut ret = [0.0; 3];
            for i in 0..3 {
                let sigma = BASE_VOL[i] * reg.vol_scale;
                let z = 0.6 * common + 0.8 * rng.draw();
                let r = reg.daily_drift / STEPS_PER_DAY as f64 - 0.5 * sigma * sigma * dt + sigma * dt.sqrt() * z;
                ret[i] = r;
                let p = (sb.feeds[i].price as f64 * r.exp()).max(1e6);
                sb.feeds[i].price = p as i64;
            }
            // implied vols drift towards 1.1 × the regime's vol (a quarter of the way each step)
            let registry = sb.state(&chain.svm)?;
            for k in 3..sb.feeds.len() {
                let u = usize::from(registry.assets[k].option.underlying);
                let want = (BASE_VOL[u] * reg.vol_scale * 1.1).clamp(0.1, 2.5);
                let now = sb.feeds[k].price as f64 / 1e8;
                sb.feeds[k].price = ((now + 0.25 * (want - now)) * 1e8) as i64;
            }
            sb.publish(&mut chain.svm)?;
            maker.requote(&mut chain.svm, &sb.feeds.iter().map(|f| f.price).collect::<Vec<_>>())?;
            eq *= 1.0 + ret.iter().map(|r| r.exp() - 1.0).sum::<f64>() / 3.0;
        }
        // the keeper's tick
        let report = keeper.tick(&mut chain).map_err(|e| format!("keeper: {e}"))?;
        refreshes += usize::from(report.refreshed);
        for s in &report.settled {
            settled += 1;
            events.push(format!("day {day:>2}: keeper settles option series #{s} at expiry"));
        }
        // a series sold at its payoff and retired leaves the registry: the feeds follow it
        for s in &report.retired {
            let f = sb.feeds.remove(usize::from(*s));
            events.push(format!(
                "day {day:>2}: series #{s} ({}) holds nothing of value any more (sold at its payoff, or worthless): the keeper retires its slot",
                f.symbol
            ));
        }
        for t in &report.trades {
            trades += 1;
            incentives += t.incentive;
            if t.flash {
                let f = &sb.feeds[usize::from(t.leg)];
                execution.record(t, atom_price(f.price, f.decimals, 6));
            }
        }
        for (what, why) in &report.skipped {
            if what == "rebalance_flash" {
                *execution.skipped.entry(why.clone()).or_default() += 1;
            }
        }
        // depositors come and go
        let v = sb.state(&chain.svm)?;
        match step as i64 {
            s if s == 5 * STEPS_PER_DAY => {
                let u = new_user(&mut chain.svm, &sb, 500_000 * USDC)?;
                let dep = ix::deposit(&u.kp.pubkey(), &sb.vault, &v, &u.base, &u.shares, 500_000 * USDC, 1);
                match chain.svm.send(&[dep], &[&u.kp]) {
                    Ok(_) => events.push(format!("day {day:>2}: Alice deposits 500,000 USDC")),
                    Err(f) => events.push(format!("day {day:>2}: Alice's deposit refused: {}", f.summary())),
                }
                alice = Some(u);
            }
            s if s == 26 * STEPS_PER_DAY => {
                if let Some(u) = &alice {
                    let held = rpv_sdk::spl::amount(&chain.svm.data(&u.shares));
                    let wd = ix::withdraw(&u.kp.pubkey(), &sb.vault, &v, &u.base, &u.shares, held * 3 / 10, 1);
                    match chain.svm.send(&[wd], &[&u.kp]) {
                        Ok(_) => events.push(format!("day {day:>2}: Alice withdraws 30 % of her shares (spike)")),
                        Err(f) => events.push(format!("day {day:>2}: Alice's withdrawal refused: {}", f.summary())),
                    }
                }
            }
            s if s == 35 * STEPS_PER_DAY => {
                let u = new_user(&mut chain.svm, &sb, 250_000 * USDC)?;
                let dep = ix::deposit(&u.kp.pubkey(), &sb.vault, &v, &u.base, &u.shares, 250_000 * USDC, 1);
                match chain.svm.send(&[dep], &[&u.kp]) {
                    Ok(_) => events.push(format!("day {day:>2}: Bob deposits 250,000 USDC into the crash")),
                    Err(f) => events.push(format!("day {day:>2}: Bob's deposit refused: {}", f.summary())),
                }
                bob = Some(u);
            }
            s if s == 55 * STEPS_PER_DAY => {
                if let Some(u) = &bob {
                    let held = rpv_sdk::spl::amount(&chain.svm.data(&u.shares));
                    let mut holdings = vec![u.base];
                    for f in &sb.feeds {
                        holdings.push(chain.svm.token_account(&f.mint, &u.kp.pubkey(), 0)?);
                    }
                    let r = ix::redeem_in_kind(&u.kp.pubkey(), &sb.vault, &v, &u.shares, &holdings, held / 2, vec![]);
                    match chain.svm.send(&[r], &[&u.kp]) {
                        Ok(_) => {
                            events.push(format!("day {day:>2}: Bob redeems half his shares in kind (no oracle needed)"))
                        }
                        Err(f) => events.push(format!("day {day:>2}: Bob's redemption refused: {}", f.summary())),
                    }
                }
            }
            _ => {}
        }
        // what the accounts say
        let v = sb.state(&chain.svm)?;
        let r = sb.risk(&chain.svm)?;
        let (nav, total) = nav_and_shares(&chain.svm, &sb, &v)?;
        let per_share = nav as f64 / total as f64 * 1.0;
        let (held, target) = exposures(&v, &r, nav);
        let (rc, ex_ante) = risk_split(&r, &held);
        if let Some(last) = track.nav.last() {
            log_returns.push((per_share / last).ln());
        }
        let window = (7 * STEPS_PER_DAY) as usize;
        let from = log_returns.len().saturating_sub(window);
        track.times.push(chain.svm.now());
        track.nav.push(per_share);
        track.equal_weight.push(eq);
        track.static_weights.push((0..3).map(|i| sb.feeds[i].price as f64 / initial[i]).sum::<f64>() / 3.0);
        track.weights.push(held.to_vec());
        track.target_weights.push(target.to_vec());
        track.risk_contributions.push(rc.to_vec());
        track.cash.push(v.base_quantity as f64 / nav.max(1) as f64);
        track.realised_vol.push(if log_returns.len() - from >= 6 { realised(&log_returns[from..]) } else { f64::NAN });
        track.ex_ante_vol.push(ex_ante);
        track.leverage.push(fx(r.leverage));
        // progress
        let done = step * 30 / total_steps;
        eprint!(
            "\r[{}{}] day {day:>2}/{DAYS} {:<16} NAV/share {per_share:.4}  trades {trades:>3}",
            "#".repeat(done),
            "-".repeat(30 - done),
            reg.name
        );
        let _ = std::io::stderr().flush();
    }
    eprintln!();
    // NAV per share relative to the start
    let first = track.nav[0];
    for x in track.nav.iter_mut() {
        *x /= first;
    }

    println!("What happened:");
    for e in &events {
        println!("  {e}");
    }
    println!();
    println!("{:<18} {:>26} {:>26} {:>26}", "regime", "vault (NAV/share)", "equal weight", "static weights");
    println!(
        "{:<18} {:>26} {:>26} {:>26}",
        "", "return / vol / max DD", "return / vol / max DD", "return / vol / max DD"
    );
    let mut bounds: Vec<(usize, usize, &str)> = Vec::new();
    // a regime's returns are those of its own steps: from the point before its first step
    for (k, (start, name)) in regime_marks.iter().enumerate() {
        let end = regime_marks.get(k + 1).map_or(track.times.len() - 1, |(s, _)| *s - 1);
        bounds.push((start.saturating_sub(1), end, name));
    }
    bounds.push((0, track.times.len() - 1, "whole run"));
    for (a, b, name) in &bounds {
        let cell = |s: &[f64]| {
            let seg = &s[*a..=*b];
            let rets: Vec<f64> = seg.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
            format!(
                "{:>+7.2}% / {:>5.1}% / {:>5.1}%",
                100.0 * (seg[seg.len() - 1] / seg[0] - 1.0),
                100.0 * realised(&rets),
                100.0 * max_drawdown(seg)
            )
        };
        println!(
            "{:<18} {:>26} {:>26} {:>26}",
            name,
            cell(&track.nav),
            cell(&track.equal_weight),
            cell(&track.static_weights)
        );
    }
    let v = sb.state(&chain.svm)?;
    let r = sb.risk(&chain.svm)?;
    let (nav, _) = nav_and_shares(&chain.svm, &sb, &v)?;
    println!();
    println!(
        "Keeper: {refreshes} refreshes, {trades} rebalance trades, {} USDC of incentives ({:.4} % of final NAV), {settled} settlement(s)",
        usdc(incentives),
        100.0 * incentives as f64 / nav as f64
    );
    execution.print(keeper.metrics.venue_margin);
    println!(
        "Vol target {:.0} %, final gross exposure L = {:.3}, final NAV {} USDC, cash {:.1} %",
        100.0 * fx(r.vol_target),
        fx(r.leverage),
        usdc(nav),
        100.0 * v.base_quantity as f64 / nav as f64
    );
    println!();
    println!("{:<14} {:>22} {:>18} {:>12}", "slot", "holding", "value (USDC)", "target");
    let p = prices(&sb);
    for (i, f) in sb.feeds.iter().enumerate() {
        let slot = &v.assets[i];
        let value =
            rpv_core::valuation::slot_value(&v, i, &p[..usize::from(v.num_assets)], chain.svm.now(), Rounding::Down)
                .unwrap_or(0);
        let whole = slot.quantity as f64 / 10f64.powi(i32::from(slot.decimals));
        let state = if slot.option.is_settled() { " (settled)" } else { "" };
        println!(
            "{:<14} {:>22} {:>18} {:>12}",
            format!("{}{state}", f.symbol),
            format!("{whole:.4}"),
            usdc(value),
            usdc(r.targets[i])
        );
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    let budgets = [0.4, 0.2, 0.4];
    let mut written: Vec<PathBuf> = Vec::new();
    for (file, chart) in crate::backtest::charts(&NAMES.map(String::from), &track, &budgets, fx(r.vol_target)) {
        let path = out.join(file);
        std::fs::write(&path, chart.render()).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    let csv = out.join("series.csv");
    std::fs::write(&csv, crate::backtest::series_csv(&NAMES.map(String::from), &track))
        .map_err(|e| format!("cannot write `{}`: {e}", csv.display()))?;
    written.push(csv);
    println!();
    println!("Charts (exposures are dollar deltas per underlying, options included):");
    for w in &written {
        println!("  {}", w.display());
    }
    println!();
    println!("Demo complete.");
    Ok(())
}
