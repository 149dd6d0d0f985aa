//! What the program equalises, measured on its accounts: each position's risk contribution on
//! the position covariance against its risk budget, and the volatility the vault runs at
//! against its target.
//!
//! The matrix and the budgets are the program's own ([`risk_account::book`]: the factor
//! covariance for a spot vault; with option series, the position covariance over the positions
//! in the model, from the exposures the last positions step stored, with the risk horizon of the
//! gamma term), the same book `submit_weights` checks and the keeper's solver solves on. Two
//! weight vectors are measured on it:
//! - the **holdings**: each position's value at the last sample (the values the rebalancer
//!   measures, [`rebalance::sampled_values`]) over the NAV they add up to;
//! - the **targets** `L·w_i` (the risk account's targets over its NAV snapshot): what the
//!   engine aims at. Their risk contributions are those of the weights in force — equal to the
//!   budgets within the RC tolerance while accepted weights hold, not after the program fell
//!   back to inverse-vol weights.
//!
//! Risk contributions are shares of the total, `RC_i = h_i (Σh)_i / hᵀΣh`
//! ([`risk_parity::risk_contributions`]); base (cash) carries no risk and no budget.
//! [`leg_state`] and [`stalled_leg`] say, with the rebalancer's own rules, why a position is
//! where it is after the keeper's tick; [`target_sensitivity`] how finely the holdings would
//! have to track the targets for their contributions to stay near the budgets (positions that
//! hedge each other make it coarse).

use std::collections::BTreeMap;

use rpv_core::{
    error::CoreResult,
    fixed_point::Fx,
    layout::{RiskState, VaultState, MAX_ASSETS, MAX_N},
    matrix::SymMatrix,
    price::OraclePrice,
    rebalance,
    risk_account::{self, Book},
    risk_parity::risk_contributions,
    CoreError,
};

use crate::{
    backtest::Track,
    svg::{Chart, Series, YFormat},
};

/// One position of the risk model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    /// Registry slot.
    pub slot: usize,
    /// Value of the holding over the NAV.
    pub value_share: f64,
    /// The target `L·w_i` over the NAV snapshot.
    pub target_share: f64,
    /// Risk contribution of the holdings (share of their total risk).
    pub rc: f64,
    /// Risk contribution of the targets (the weights in force).
    pub rc_target: f64,
    /// The risk budget, renormalised over the positions in the model.
    pub budget: f64,
}

/// The positions' parity and the vault's ex-ante volatility at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Parity {
    pub positions: Vec<Position>,
    /// `√(hᵀΣh)` for the holdings' value shares `h` (cash at zero risk): the volatility the
    /// vault's holdings carry now, annualised.
    pub holdings_vol: f64,
    /// `L·σ_p`: the ex-ante volatility of the targets, the vol target unless `L` is capped.
    pub target_vol: f64,
    /// The configured volatility target.
    pub vol_target: f64,
    /// Gross exposure `L` in force.
    pub leverage: f64,
}

fn mean(x: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = x.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

impl Parity {
    fn gaps(&self, target: bool) -> impl Iterator<Item = f64> + '_ {
        self.positions
            .iter()
            .filter(|p| p.budget > 0.0)
            .map(move |p| ((if target { p.rc_target } else { p.rc }) - p.budget).abs())
    }

    /// Mean `|RC − b|` of the holdings over the positions with a budget (NaN when the
    /// holdings carry no risk).
    pub fn mean_gap(&self) -> f64 {
        mean(self.gaps(false))
    }

    /// Largest `|RC − b|` of the holdings.
    pub fn max_gap(&self) -> f64 {
        self.gaps(false).fold(f64::NAN, f64::max)
    }

    /// Mean `|RC − b|` of the targets: 0 within the RC tolerance while accepted weights hold.
    pub fn target_mean_gap(&self) -> f64 {
        mean(self.gaps(true))
    }

    /// Mean `|value share − target share|`: how far the holdings stand from the targets, in
    /// shares of NAV (what the rebalancer's band and caps bound).
    pub fn weight_gap(&self) -> f64 {
        mean(self.positions.iter().map(|p| (p.value_share - p.target_share).abs()))
    }

    /// The position of slot `slot`, if it is in the model.
    pub fn position(&self, slot: usize) -> Option<&Position> {
        self.positions.iter().find(|p| p.slot == slot)
    }
}

/// Risk shares of compact weights `w` on the book's matrix and `wᵀΣw`; NaN shares when the
/// weights carry no risk (nothing held yet).
fn shares(bk: &Book, w: &[Fx]) -> CoreResult<(Vec<f64>, f64)> {
    let m = bk.m;
    let q = bk.view.quad(w)?.to_num::<f64>();
    let mut rc = [Fx::ZERO; MAX_N];
    match risk_contributions(&bk.view, w, &mut rc[..m]) {
        Ok(()) => Ok((rc[..m].iter().map(|x| x.to_num()).collect(), q)),
        Err(CoreError::NotPositiveDefinite) => Ok((vec![f64::NAN; m], q)),
        Err(e) => Err(e),
    }
}

/// [`Parity`] for holdings worth `values[i]` (base units, one per registered slot) in a vault
/// of NAV `nav`, under the risk state `r` and budgets `budgets_ppb` (one per registered slot).
pub fn measure_values(r: &RiskState, budgets_ppb: &[u64], values: &[u64], nav: u64) -> CoreResult<Parity> {
    if values.len() != budgets_ppb.len() || nav == 0 {
        return Err(CoreError::MathDomain);
    }
    let bk = risk_account::book(r, budgets_ppb)?;
    let m = bk.m;
    let (mut held, mut target) = ([Fx::ZERO; MAX_N], [Fx::ZERO; MAX_N]);
    let nav_fx = Fx::from_num(nav);
    let snap = Fx::from_num(r.nav_snapshot.max(1));
    for k in 0..m {
        let i = bk.idx[k];
        held[k] = Fx::from_num(values[i]) / nav_fx;
        target[k] = Fx::from_num(r.targets[i]) / snap;
    }
    let (rc, q_held) = shares(&bk, &held[..m])?;
    let (rc_target, _) = shares(&bk, &target[..m])?;
    let positions = (0..m)
        .map(|k| Position {
            slot: bk.idx[k],
            value_share: held[k].to_num(),
            target_share: target[k].to_num(),
            rc: rc[k],
            rc_target: rc_target[k],
            budget: bk.b[k].to_num(),
        })
        .collect();
    let leverage: f64 = r.leverage.get().to_num();
    Ok(Parity {
        positions,
        holdings_vol: q_held.max(0.0).sqrt(),
        target_vol: leverage * r.portfolio_vol.get().to_num::<f64>(),
        vol_target: r.vol_target.get().to_num(),
        leverage,
    })
}

/// [`Parity`] of the vault now: the holdings at the last sample's prices and marks (what the
/// rebalancer measures), the vault's budgets.
pub fn measure(v: &VaultState, r: &RiskState) -> CoreResult<Parity> {
    let mut b = [0u64; MAX_ASSETS];
    let n = v.budgets_ppb(&mut b);
    let (values, nav) = rebalance::sampled_values(v, r)?;
    measure_values(r, &b[..n], &values[..n], nav)
}

/// How finely the holdings must track the targets for their risk contributions to stay near
/// the budgets: the largest change of any position's risk contribution (share of risk) when
/// one position of the targets `L·w` grows by `step` (a share of NAV), the others unchanged.
/// Of the order of `step` for positions that diversify each other; far larger for positions
/// that hedge each other (a put beside its underlying), whose contributions are differences
/// of large terms.
pub fn target_sensitivity(r: &RiskState, budgets_ppb: &[u64], step: f64) -> CoreResult<f64> {
    let n = budgets_ppb.len();
    let snap = r.nav_snapshot;
    let base = measure_values(r, budgets_ppb, &r.targets[..n], snap)?;
    let bump = (step * snap as f64).round() as u64;
    let mut worst = 0f64;
    for p in &base.positions {
        let mut values = r.targets;
        values[p.slot] = values[p.slot].saturating_add(bump);
        let moved = measure_values(r, budgets_ppb, &values[..n], snap)?;
        for (a, b) in base.positions.iter().zip(&moved.positions) {
            worst = worst.max((a.rc - b.rc).abs());
        }
    }
    Ok(worst)
}

/// Where a leg stands after the keeper's tick, by the rebalancer's own rules
/// ([`rebalance::plan_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegState {
    /// Inside its band (or nothing to trade).
    InBand,
    /// Resting after a trade (`cooldown_secs`).
    CoolingDown,
    /// An expired series not settled: it does not trade.
    Untradable,
    /// The program would refuse a trade now (turnover or reduction cap reached, too small, …).
    Refused(CoreError),
    /// A trade is open that the keeper did not take this tick; `capped` when the program's
    /// caps (per call, turnover, reduction, base) size it below the distance to target.
    Open { capped: bool },
}

impl LegState {
    /// A short label for tables.
    pub fn label(&self) -> String {
        match self {
            Self::InBand => "in band".into(),
            Self::CoolingDown => "traded (cooling down)".into(),
            Self::Untradable => "untradable".into(),
            Self::Refused(e) => format!("{e:?}"),
            Self::Open { capped: true } => "open, capped".into(),
            Self::Open { capped: false } => "open".into(),
        }
    }
}

/// [`LegState`] of slot `i` at `now` with the oracle values `prices` (one per registered slot,
/// an option's implied vol at its own slot).
pub fn leg_state(v: &VaultState, r: &RiskState, i: usize, prices: &[OraclePrice], now: i64) -> LegState {
    if !rebalance::tradable(v, i, now) {
        return LegState::Untradable;
    }
    if rebalance::cooling_down(&r.rebalance, &r.book, i, now) {
        return LegState::CoolingDown;
    }
    let under = usize::from(v.assets[i].option.underlying);
    let legs = rebalance::leg_prices(v, i, prices.get(i), prices.get(under), now);
    match legs.and_then(|lp| rebalance::plan_for(v, r, i, lp, 0, now)) {
        Ok((p, _)) => {
            // sized below the distance beyond the rounding of whole token units
            let distance = p.value_before.abs_diff(p.target);
            LegState::Open { capped: p.fair_value + distance / 1_000 + 1 < distance }
        }
        Err(CoreError::WithinBand) => LegState::InBand,
        Err(e) => LegState::Refused(e),
    }
}

/// The leg the program picks for an automatic rebalance (`AUTO_LEG`: the tradable leg
/// furthest outside its band, not cooling down, [`rebalance::furthest_leg`]) when the program
/// would refuse its trade now: a keeper that trades `AUTO_LEG` stops its tick there, whatever
/// the other legs could do. `None` when there is no such leg or its trade would go through.
pub fn stalled_leg(v: &VaultState, r: &RiskState, prices: &[OraclePrice], now: i64) -> Option<(usize, LegState)> {
    let i = rebalance::furthest_leg(v, r, &r.rebalance, now).ok().flatten()?;
    match leg_state(v, r, i, prices, now) {
        s @ LegState::Refused(_) => Some((i, s)),
        _ => None,
    }
}

/// Annualised zero-mean realised volatility of log returns over equal steps of `step_years`
/// (the backtest's estimator, [`crate::backtest::realised`]).
pub fn realised(log_returns: &[f64], step_years: f64) -> f64 {
    let r: Vec<(f64, f64)> = log_returns.iter().map(|x| (*x, step_years)).collect();
    crate::backtest::realised(&r)
}

/// [`realised`] over the last `window` returns, NaN until `min` of them exist.
pub fn rolling_realised(log_returns: &[f64], step_years: f64, window: usize, min: usize) -> f64 {
    let from = log_returns.len().saturating_sub(window);
    if log_returns.len() - from < min.max(2) {
        return f64::NAN;
    }
    realised(&log_returns[from..], step_years)
}

/// The parity figures of a run, one entry per step, beside the [`Track`] whose `weights`,
/// `target_weights`, `risk_contributions` and `ex_ante_vol` [`ParityTrack::push`] fills with
/// the positions' value shares, target shares, risk contributions and the holdings' ex-ante
/// volatility. Positions are columns by name (`names`): a slot retired during the run leaves
/// its column empty (NaN) from then on, and the slots after it keep their names.
#[derive(Clone, Debug, Default)]
pub struct ParityTrack {
    pub names: Vec<String>,
    /// Whether the step's keeper tick rebalanced (a trade landed).
    pub rebalanced: Vec<bool>,
    /// `[step][position]`: budget, and the targets' risk contribution.
    pub budget: Vec<Vec<f64>>,
    pub rc_target: Vec<Vec<f64>>,
    /// Mean and largest `|RC − b|` of the holdings, mean `|RC − b|` of the targets.
    pub mean_gap: Vec<f64>,
    pub max_gap: Vec<f64>,
    pub target_gap: Vec<f64>,
    /// Mean `|value share − target share|` ([`Parity::weight_gap`]).
    pub weight_gap: Vec<f64>,
    /// `L·σ_p` of the targets, and the configured target.
    pub target_vol: Vec<f64>,
    pub vol_target: Vec<f64>,
    /// Leg states after each tick: `(position, state label) → steps`.
    pub legs: BTreeMap<(String, String), usize>,
    /// Ticks that ended on a refused `AUTO_LEG` ([`stalled_leg`]): `(position, state label) →
    /// steps`.
    pub stalls: BTreeMap<(String, String), usize>,
}

/// One regime's (or the run's) parity figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Steps whose tick rebalanced.
    pub rebalances: usize,
    /// Over those steps: mean of the mean `|RC − b|`, largest `|RC − b|`.
    pub mean_gap: f64,
    pub max_gap: f64,
    /// Mean `|RC − b|` of the targets over every step.
    pub target_gap: f64,
    /// Over the steps that rebalanced: mean `|value share − target share|`.
    pub weight_gap: f64,
    /// Mean over every step of `L·σ_p` and of the configured target.
    pub target_vol: f64,
    pub vol_target: f64,
}

impl ParityTrack {
    pub fn new(names: Vec<String>) -> Self {
        Self { names, ..Self::default() }
    }

    /// Records one step: `p` measured after the keeper's tick, `rebalanced` whether it traded,
    /// `name_of(slot)` the position's name now; fills the step's entries of `track` (whose
    /// `times`, NAV and benchmark columns the caller fills).
    pub fn push(&mut self, track: &mut Track, p: &Parity, rebalanced: bool, name_of: impl Fn(usize) -> Option<String>) {
        let n = self.names.len();
        let mut cols = [vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n]];
        for pos in &p.positions {
            let Some(k) = name_of(pos.slot).and_then(|name| self.names.iter().position(|x| *x == name)) else {
                continue;
            };
            for (c, x) in cols.iter_mut().zip([pos.value_share, pos.target_share, pos.rc, pos.budget, pos.rc_target]) {
                c[k] = x;
            }
        }
        let [value, target, rc, budget, rc_target] = cols;
        track.weights.push(value);
        track.target_weights.push(target);
        track.risk_contributions.push(rc);
        track.ex_ante_vol.push(p.holdings_vol);
        track.leverage.push(p.leverage);
        self.budget.push(budget);
        self.rc_target.push(rc_target);
        self.rebalanced.push(rebalanced);
        self.mean_gap.push(p.mean_gap());
        self.max_gap.push(p.max_gap());
        self.target_gap.push(p.target_mean_gap());
        self.weight_gap.push(p.weight_gap());
        self.target_vol.push(p.target_vol);
        self.vol_target.push(p.vol_target);
    }

    /// Counts one leg's state after a tick.
    pub fn count_leg(&mut self, name: &str, state: LegState) {
        *self.legs.entry((name.to_string(), state.label())).or_default() += 1;
    }

    /// Counts a tick that ended on a refused `AUTO_LEG` ([`stalled_leg`]).
    pub fn count_stall(&mut self, name: &str, state: LegState) {
        *self.stalls.entry((name.to_string(), state.label())).or_default() += 1;
    }

    /// The figures of steps `from..=to`.
    pub fn summary(&self, from: usize, to: usize) -> Summary {
        let steps = from..=to.min(self.rebalanced.len().saturating_sub(1));
        let traded: Vec<usize> = steps.clone().filter(|k| self.rebalanced[*k]).collect();
        let finite = |x: f64| x.is_finite().then_some(x);
        Summary {
            rebalances: traded.len(),
            mean_gap: mean(traded.iter().filter_map(|k| finite(self.mean_gap[*k]))),
            max_gap: traded.iter().filter_map(|k| finite(self.max_gap[*k])).fold(f64::NAN, f64::max),
            target_gap: mean(steps.clone().filter_map(|k| finite(self.target_gap[k]))),
            weight_gap: mean(traded.iter().filter_map(|k| finite(self.weight_gap[*k]))),
            target_vol: mean(steps.clone().filter_map(|k| finite(self.target_vol[k]))),
            vol_target: mean(steps.filter_map(|k| finite(self.vol_target[k]))),
        }
    }

    /// Each position's risk contribution after every rebalance (solid, one point per tick
    /// that traded) against its budget (dashed); `marks` on the time axis (regimes).
    pub fn rc_chart(&self, track: &Track, marks: &[(f64, String)]) -> Chart {
        let mut c = Chart::new(
            "Risk contribution per position after each rebalance, on the position covariance (dashed: budget)",
            "share of risk",
            YFormat::Percent,
        );
        c.y_zero = true;
        for (i, name) in self.names.iter().enumerate() {
            let pts = (0..track.times.len())
                .filter(|k| self.rebalanced[*k])
                .map(|k| (track.times[k] as f64, track.risk_contributions[k][i]))
                .collect();
            c.series.push(Series::new(name, pts).colour(i));
        }
        for (i, name) in self.names.iter().enumerate() {
            let pts = (0..track.times.len()).map(|k| (track.times[k] as f64, self.budget[k][i])).collect();
            c.series.push(Series::new(&format!("{name} budget"), pts).colour(i).dashed());
        }
        c.marks = marks.to_vec();
        c
    }

    /// Realised (rolling) against target volatility, with the ex-ante volatility of the
    /// targets (`L·σ_p`) and of the holdings on the position covariance; `marks` (regimes).
    pub fn vol_chart(&self, track: &Track, marks: &[(f64, String)]) -> Chart {
        let col = |f: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
            (0..track.times.len()).map(|k| (track.times[k] as f64, f(k))).collect()
        };
        let mut c = Chart::new("Realised vs target volatility (annualised)", "volatility", YFormat::Percent);
        c.y_zero = true;
        c.series.push(Series::new("realised (NAV/share, 7-day rolling)", col(&|k| track.realised_vol[k])));
        c.series.push(Series::new("vol target", col(&|k| self.vol_target[k])));
        c.series.push(Series::new("ex-ante, targets (L·σp)", col(&|k| self.target_vol[k])).dashed());
        c.series.push(Series::new("ex-ante, holdings", col(&|k| track.ex_ante_vol[k])).dashed());
        c.marks = marks.to_vec();
        c
    }

    /// The columns [`crate::backtest::series_csv_with`] appends: `rebalanced`, per position
    /// `budget_*` and `rc_target_*`, the gaps and the target volatilities.
    pub fn csv_columns(&self) -> Vec<(String, Vec<f64>)> {
        let mut out =
            vec![("rebalanced".to_string(), self.rebalanced.iter().map(|b| f64::from(u8::from(*b))).collect())];
        for (i, name) in self.names.iter().enumerate() {
            out.push((format!("budget_{name}"), self.budget.iter().map(|r| r[i]).collect()));
        }
        for (i, name) in self.names.iter().enumerate() {
            out.push((format!("rc_target_{name}"), self.rc_target.iter().map(|r| r[i]).collect()));
        }
        out.push(("mean_abs_rc_gap".into(), self.mean_gap.clone()));
        out.push(("max_abs_rc_gap".into(), self.max_gap.clone()));
        out.push(("target_mean_abs_rc_gap".into(), self.target_gap.clone()));
        out.push(("mean_abs_weight_gap".into(), self.weight_gap.clone()));
        out.push(("target_ex_ante_vol".into(), self.target_vol.clone()));
        out.push(("vol_target".into(), self.vol_target.clone()));
        out
    }
}
