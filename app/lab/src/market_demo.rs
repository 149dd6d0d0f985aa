//! `rpv-lab demo`: the vault through a simulated market on an embedded SVM (`rpv_sdk::svm`, the
//! built `.so` run by the BPF loader, real SPL token accounts, Pyth accounts in the receiver's
//! layout, the venue's `.so` — Manifest — beside it). Three underlyings follow seeded price paths
//! through four regimes — calm, a volatility spike, a crash, a recovery — with every oracle
//! re-published each step, the implied-vol feeds following the regime. The vault holds spot and
//! two option series (a SOL call that expires, is settled and has its empty slot retired during
//! the run, and an ETH call — or, with `--hedged`, an ETH put) and uses risk budgeting. A market
//! per spot asset is kept near the oracle by a market-making bot. The keeper
//! (`rpv_keeper::Keeper`, the same code as the `rpv-keeper` binary) cranks it every step:
//! settlement, refresh, off-chain weights, rebalancing — spot legs in flash mode through the
//! markets, option series from its inventory. Depositors come and go along the way. At the end:
//! the execution against the oracle, a summary table per regime — returns, and what the program
//! equalises: each position's risk contribution on the position covariance against its budget
//! after every rebalance, realised against target volatility ([`crate::parity`]) — where each
//! position stood after the ticks, and four SVG charts (weights per position, risk
//! contributions against budgets, realised vs target volatility, NAV against an equal-weight
//! and a static-weight benchmark), drawn from account state read back from the SVM.
//!
//! `--hedged` holds an ETH put instead of the call: long ETH and a put on it hedge each other,
//! so their risk contributions are a small difference of large terms — at the targets one
//! position moved by 1 % of NAV moves a contribution by up to hundreds of points — and the
//! holdings cannot track the budgets finely (the run reports by how much).

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use rpv_core::{layout::VaultState, math::Rounding, price::OraclePrice};
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
    svm::market_maker::{load_venue, MarketMaker, Quoting},
    svm::LocalSvm,
    venue, Pubkey,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    backtest::{max_drawdown, Track},
    demo::usdc,
    parity::{self, ParityTrack},
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

/// A step, in years (the realised volatility's `dt`).
const STEP_YEARS: f64 = STEP_HOURS as f64 / (24.0 * 365.0);

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
pub fn run(program: &Path, out: &Path, hedged: bool) -> Result<(), String> {
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
            kind: if hedged { OptionKind::Put } else { OptionKind::Call },
            underlying: 2,
            strike: if hedged { 3_000.0 } else { 3_600.0 },
            expires_in: 90 * 86_400,
            iv: 0.5,
            quantity: 100_000_000,
        },
    ];
    let mut sb = Sandbox::create(&mut svm, &spec)?;
    // a 0.1 % band (the default is 5 %): the positions of 4–25 % of NAV then track their
    // budgets to about a point; the hedged book keeps the default (a finer band only makes it
    // trade more, not track better)
    if !hedged {
        let p = ix::RiskParams { method: 1, band_bps: 10, ..Default::default() };
        svm.send(&[ix::set_risk_params(&sb.admin.pubkey(), &sb.vault, p)], &[&sb.admin])
            .map_err(|f| format!("set_risk_params: {}", f.summary()))?;
    }
    let mut par = ParityTrack::new(sb.feeds.iter().map(|f| f.symbol.clone()).collect());
    println!(
        "Vault {} — SOL, BTC, ETH, a SOL 160 call (45 days) and an ETH {} (90 days); risk budgeting, 1/5 each;",
        sb.vault,
        if hedged { "3,000 put" } else { "3,600 call" }
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
    let mut skipped: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();

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
        // the other cranks' skips (the flash trades' are the execution report's)
        for (instruction, reason) in report.skipped.iter().filter(|(what, _)| what != "rebalance_flash") {
            *skipped.entry(format!("{instruction}: {reason}")).or_default() += 1;
        }
        for t in &report.trades {
            trades += 1;
            incentives += t.incentive;
            if t.flash {
                let f = &sb.feeds[usize::from(t.leg)];
                execution.record(t, venue::atom_price(f.price, -8, f.decimals, 6));
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
        if let Some(last) = track.nav.last() {
            log_returns.push((per_share / last).ln());
        }
        track.times.push(chain.svm.now());
        track.nav.push(per_share);
        track.equal_weight.push(eq);
        track.static_weights.push((0..3).map(|i| sb.feeds[i].price as f64 / initial[i]).sum::<f64>() / 3.0);
        track.cash.push(v.base_quantity as f64 / nav.max(1) as f64);
        track.realised_vol.push(parity::rolling_realised(&log_returns, STEP_YEARS, (7 * STEPS_PER_DAY) as usize, 6));
        // what the program equalises: the positions' risk contributions after the tick
        let measured = parity::measure(&v, &r).map_err(|e| format!("parity on day {day}: {e}"))?;
        par.push(&mut track, &measured, !report.trades.is_empty(), |slot| sb.feeds.get(slot).map(|f| f.symbol.clone()));
        let p = prices(&sb);
        for pos in &measured.positions {
            par.count_leg(&sb.feeds[pos.slot].symbol, parity::leg_state(&v, &r, pos.slot, &p, chain.svm.now()));
        }
        if let Some((i, state)) = parity::stalled_leg(&v, &r, &p, chain.svm.now()) {
            par.count_stall(&sb.feeds[i].symbol, state);
        }
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
    // a regime's steps, first to last
    let mut bounds: Vec<(usize, usize, &str)> = Vec::new();
    for (k, (start, name)) in regime_marks.iter().enumerate() {
        let end = regime_marks.get(k + 1).map_or(track.times.len() - 1, |(s, _)| *s - 1);
        bounds.push((*start, end, name));
    }
    bounds.push((0, track.times.len() - 1, "whole run"));
    // a regime's returns are those of its own steps: from the point before its first step
    let returns = |s: &[f64], a: usize, b: usize| -> Vec<f64> {
        s[a.saturating_sub(1)..=b].windows(2).map(|w| (w[1] / w[0]).ln()).collect()
    };
    for (a, b, name) in &bounds {
        let cell = |s: &[f64]| {
            let seg = &s[a.saturating_sub(1)..=*b];
            format!(
                "{:>+7.2}% / {:>5.1}% / {:>5.1}%",
                100.0 * (seg[seg.len() - 1] / seg[0] - 1.0),
                100.0 * parity::realised(&returns(s, *a, *b), STEP_YEARS),
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
    println!();
    println!(
        "What the program equalises: each position's risk contribution RC (share of risk, on the position covariance)"
    );
    println!("against its budget b, after every keeper tick that rebalanced; the holdings' distance from the targets L·w (share");
    println!("of NAV); the targets' own RCs; the volatility the vault ran at against its target and the targets' ex-ante L·σp.");
    println!(
        "{:<18} {:>10} {:>20} {:>10} {:>13} {:>30}",
        "regime", "rebalances", "|RC − b| mean / max", "|h − L·w|", "targets' gap", "vol realised / target / L·σp"
    );
    // a figure, or a dash where there is none (no rebalance in the regime)
    let num = |x: f64, width: usize, decimals: usize| {
        if x.is_finite() {
            format!("{:>width$.decimals$}", 100.0 * x)
        } else {
            format!("{:>width$}", "–")
        }
    };
    for (a, b, name) in &bounds {
        let s = par.summary(*a, *b);
        println!(
            "{:<18} {:>10} {} pp / {} pp {} pp {} pp {}% / {}% / {}%",
            name,
            s.rebalances,
            num(s.mean_gap, 7, 1),
            num(s.max_gap, 5, 1),
            num(s.weight_gap, 7, 2),
            num(s.target_gap, 10, 2),
            num(parity::realised(&returns(&track.nav, *a, *b), STEP_YEARS), 10, 1),
            num(s.vol_target, 4, 1),
            num(s.target_vol, 5, 1)
        );
    }
    println!();
    println!("Where each position stood after the keeper's ticks (steps; the rebalancer's own rules):");
    for name in &par.names {
        let states: Vec<String> =
            par.legs.iter().filter(|((n, _), _)| n == name).map(|((_, state), k)| format!("{state} {k}")).collect();
        println!("  {name:<12} {}", states.join(", "));
    }
    let skips: Vec<String> = skipped.iter().map(|(why, k)| format!("{why} {k}")).collect();
    println!("Other keeper skips: {}", if skips.is_empty() { "none".to_string() } else { skips.join(", ") });
    let stalls: Vec<String> = par.stalls.iter().map(|((n, state), k)| format!("{n} {state} {k}")).collect();
    println!(
        "Ticks where the program's automatic leg (the furthest outside its band) was refused and the keeper named the next: {}",
        if stalls.is_empty() { "none".to_string() } else { stalls.join(", ") }
    );
    let v = sb.state(&chain.svm)?;
    let r = sb.risk(&chain.svm)?;
    let (nav, _) = nav_and_shares(&chain.svm, &sb, &v)?;
    let last = parity::measure(&v, &r).map_err(|e| format!("parity at the end: {e}"))?;
    let whole = par.summary(0, track.times.len() - 1);
    let mut budgets = [0u64; rpv_core::layout::MAX_ASSETS];
    let n = v.budgets_ppb(&mut budgets);
    let sensitivity = parity::target_sensitivity(&r, &budgets[..n], 0.01).unwrap_or(f64::NAN);
    println!(
        "How close: after rebalancing, the positions' RCs stood {:.1} pp from their budgets on average (at most {:.1} pp), the",
        100.0 * whole.mean_gap,
        100.0 * whole.max_gap
    );
    println!(
        "holdings {:.2} pp of NAV from their targets, the targets' RCs {:.2} pp from the budgets. At the final targets one position",
        100.0 * whole.weight_gap,
        100.0 * whole.target_gap
    );
    println!(
        "moved by 1 % of NAV moves a risk contribution by up to {:.1} pp: the holdings track the budgets only as finely as that.",
        100.0 * sensitivity
    );
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
    println!(
        "{:<14} {:>22} {:>18} {:>14} {:>8} {:>8} {:>8} {:>8}",
        "slot", "holding", "value (USDC)", "target", "value", "L·w", "RC", "budget"
    );
    let p = prices(&sb);
    for (i, f) in sb.feeds.iter().enumerate() {
        let slot = &v.assets[i];
        let value =
            rpv_core::valuation::slot_value(&v, i, &p[..usize::from(v.num_assets)], chain.svm.now(), Rounding::Down)
                .unwrap_or(0);
        let whole = slot.quantity as f64 / 10f64.powi(i32::from(slot.decimals));
        let state = if slot.option.is_settled() { " (settled)" } else { "" };
        let pct = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{:.1}%", 100.0 * x));
        let pos = last.position(i);
        println!(
            "{:<14} {:>22} {:>18} {:>14} {:>8} {:>8} {:>8} {:>8}",
            format!("{}{state}", f.symbol),
            format!("{whole:.4}"),
            usdc(value),
            usdc(r.targets[i]),
            pct(pos.map(|p| p.value_share)),
            pct(pos.map(|p| p.target_share)),
            pct(pos.map(|p| p.rc)),
            pct(pos.map(|p| p.budget))
        );
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    let marks: Vec<(f64, String)> =
        regime_marks.iter().map(|(k, name)| (track.times[*k] as f64, name.to_string())).collect();
    let mut charts = [
        ("weights.svg", crate::backtest::weights_chart(&par.names, &track)),
        ("risk_contributions.svg", par.rc_chart(&track, &marks)),
        ("volatility.svg", par.vol_chart(&track, &marks)),
        ("nav.svg", crate::backtest::nav_chart(&track)),
    ];
    let mut written: Vec<PathBuf> = Vec::new();
    for (file, chart) in charts.iter_mut() {
        chart.marks.clone_from(&marks);
        let path = out.join(file);
        std::fs::write(&path, chart.render()).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    let csv = out.join("series.csv");
    std::fs::write(&csv, crate::backtest::series_csv_with(&par.names, &track, &par.csv_columns()))
        .map_err(|e| format!("cannot write `{}`: {e}", csv.display()))?;
    written.push(csv);
    println!();
    println!("Charts (per position: value and target shares of NAV, risk contributions on the position covariance):");
    for w in &written {
        println!("  {}", w.display());
    }
    println!();
    println!("Demo complete.");
    Ok(())
}
