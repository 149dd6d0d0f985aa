//! `rpv_lab::parity`: risk contributions on the program's book against closed forms, the
//! budgets, the volatility estimator, and the track the demo keeps.

use bytemuck::Zeroable;
use rpv_core::{
    fixed_point::{packed_index, Fx},
    layout::{FxBits, RiskState, SampledPrice, VaultState},
};
use rpv_lab::{
    backtest::Track,
    parity::{self, Parity, ParityTrack, Position},
};

const ONE: u64 = 1_000_000_000;

fn bits(x: f64) -> FxBits {
    FxBits::from_fx(Fx::from_num(x))
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}");
}

/// A spot vault's risk state: the factor covariance `c` (annualised) of its assets.
fn spot_risk(c: &[[f64; 2]; 2]) -> RiskState {
    let mut r = RiskState::zeroed();
    for (i, j) in [(0, 0), (0, 1), (1, 1)] {
        r.cov[packed_index(i, j)] = bits(c[i][j]);
    }
    r
}

/// A spot (σ 60 %) and an option on it with elasticity `lambda`, no convexity and no vega (its
/// implied-vol factor, σ 80 %, carries nothing): the positions model over both.
fn option_risk(lambda: f64) -> RiskState {
    let mut r = RiskState::zeroed();
    r.cov[packed_index(0, 0)] = bits(0.36);
    r.cov[packed_index(1, 1)] = bits(0.64);
    r.positions_model = 1;
    r.included_mask = 0b11;
    r.horizon = 86_400;
    r.vol_scale[0] = bits(1.0);
    r.elasticity[1] = bits(lambda);
    r
}

/// Two uncorrelated assets with vols 50 % and 25 %, held at 20 % and 40 % of NAV: each
/// contributes `w²σ² = 0.01`, half the risk; the holdings' vol is √0.02.
#[test]
fn equal_contributions_in_closed_form() {
    let r = spot_risk(&[[0.25, 0.0], [0.0, 0.0625]]);
    let p = parity::measure_values(&r, &[ONE / 2, ONE / 2], &[200, 400], 1_000).unwrap();
    assert_eq!(p.positions.len(), 2);
    for (k, pos) in p.positions.iter().enumerate() {
        assert_eq!(pos.slot, k);
        close(pos.rc, 0.5, "RC");
        close(pos.budget, 0.5, "budget");
    }
    close(p.positions[0].value_share, 0.2, "value share");
    close(p.positions[1].value_share, 0.4, "value share");
    close(p.holdings_vol, 0.02f64.sqrt(), "holdings vol");
    close(p.mean_gap(), 0.0, "mean gap");
    // the same holdings against budgets 70 / 30: both 20 points off
    let p = parity::measure_values(&r, &[7 * ONE / 10, 3 * ONE / 10], &[200, 400], 1_000).unwrap();
    close(p.mean_gap(), 0.2, "mean gap");
    close(p.max_gap(), 0.2, "max gap");
}

/// Vols 40 % and 20 %, correlation ½, held 50 / 50: `Cw = (0.10, 0.04)`, `wᵀCw = 0.07`, so the
/// contributions are 5/7 and 2/7. The targets (L·w = 0.3, 0.6 of a snapshot NAV, L = 0.9)
/// are measured on the same matrix: `Cw = (0.072, 0.036)`, RC = 0.0216/0.0432 = ½ each.
#[test]
fn correlated_contributions_and_the_targets() {
    let mut r = spot_risk(&[[0.16, 0.04], [0.04, 0.04]]);
    r.targets[0] = 3_000;
    r.targets[1] = 6_000;
    r.nav_snapshot = 10_000;
    r.leverage = bits(0.9);
    r.portfolio_vol = bits(0.2);
    r.vol_target = bits(0.15);
    let p = parity::measure_values(&r, &[ONE / 2, ONE / 2], &[500, 500], 1_000).unwrap();
    close(p.positions[0].rc, 5.0 / 7.0, "RC 0");
    close(p.positions[1].rc, 2.0 / 7.0, "RC 1");
    close(p.positions[0].target_share, 0.3, "target share");
    close(p.positions[0].rc_target, 0.5, "target RC");
    close(p.positions[1].rc_target, 0.5, "target RC");
    close(p.target_mean_gap(), 0.0, "targets' gap");
    close(p.mean_gap(), 5.0 / 7.0 - 0.5, "holdings' gap");
    close(p.target_vol, 0.9 * 0.2, "L·σp");
    close(p.vol_target, 0.15, "vol target");
    close(p.holdings_vol, 0.07f64.sqrt(), "holdings vol");
}

/// With option series the book is the position covariance: an option on the spot's own
/// underlying with elasticity λ (no convexity, no vega) loads `λ` on the same factor, so
/// `RC_j = w_j λ_j / Σ_k w_k λ_k`. A call (λ = 2) held 10 % beside 40 % spot: 1/3 and 2/3. A
/// put (λ = −3) held 10 % beside 60 % spot hedges it: +2 and −1 — a near-hedged pair's
/// contributions are differences of large terms, and far from any positive budget.
#[test]
fn the_position_covariance_of_an_option_on_the_same_underlying() {
    for (lambda, spot, option, want) in [(2.0, 400u64, 100u64, [2.0 / 3.0, 1.0 / 3.0]), (-3.0, 600, 100, [2.0, -1.0])] {
        let r = option_risk(lambda);
        let p = parity::measure_values(&r, &[ONE / 2, ONE / 2], &[spot, option], 1_000).unwrap();
        close(p.positions[0].rc, want[0], "spot RC");
        close(p.positions[1].rc, want[1], "option RC");
        let net = spot as f64 / 1e3 + lambda * option as f64 / 1e3;
        close(p.holdings_vol, 0.6 * net.abs(), "holdings vol");
    }
}

/// A position outside the model (an option series the positions step left out) is not
/// measured, and the budgets are renormalised over those in it.
#[test]
fn positions_outside_the_model_and_renormalised_budgets() {
    let mut r = RiskState::zeroed();
    r.cov[packed_index(0, 0)] = bits(0.25);
    r.cov[packed_index(1, 1)] = bits(0.25);
    r.cov[packed_index(2, 2)] = bits(0.5);
    r.positions_model = 1;
    r.included_mask = 0b011;
    r.horizon = 86_400;
    r.vol_scale[0] = bits(1.0);
    r.vol_scale[1] = bits(1.0);
    r.factor[1] = 1;
    let p = parity::measure_values(&r, &[ONE / 5, 3 * ONE / 5, ONE / 5], &[100, 100, 50], 1_000).unwrap();
    assert_eq!(p.positions.iter().map(|x| x.slot).collect::<Vec<_>>(), [0, 1]);
    close(p.positions[0].budget, 0.25, "renormalised budget");
    close(p.positions[1].budget, 0.75, "renormalised budget");
    close(p.positions[0].rc, 0.5, "RC");
    assert!(p.position(2).is_none());
    close(p.mean_gap(), 0.25, "gap");
    // nothing held: no risk to share
    let empty = parity::measure_values(&r, &[ONE / 5, 3 * ONE / 5, ONE / 5], &[0, 0, 50], 1_000).unwrap();
    assert!(empty.positions.iter().all(|x| x.rc.is_nan()) && empty.mean_gap().is_nan());
    assert!(parity::measure_values(&r, &[ONE], &[1, 2], 1_000).is_err(), "one value per budget");
}

/// `measure` reads the holdings as the rebalancer does: quantities at the last sample's prices,
/// the NAV with the base.
#[test]
fn measure_reads_the_sampled_values_and_the_budgets() {
    let mut v = VaultState::zeroed();
    v.num_assets = 2;
    v.base_decimals = 6;
    v.base_quantity = 5_000_000; // 5 base tokens
    let mut r = spot_risk(&[[0.25, 0.0], [0.0, 0.0625]]);
    for (i, (qty, price)) in [(1_000_000u64, 200_000_000u64), (2_000_000, 200_000_000)].into_iter().enumerate() {
        v.assets[i].decimals = 6;
        v.assets[i].quantity = qty;
        v.assets[i].risk_budget = ONE / 2;
        r.sampled[i] = SampledPrice { price, expo: -8, _pad: 0 };
    }
    // 2 + 4 in the assets, 5 in base: shares 2/11 and 4/11, equal risk (as the first test)
    let p = parity::measure(&v, &r).unwrap();
    close(p.positions[0].value_share, 2.0 / 11.0, "value share");
    close(p.positions[1].value_share, 4.0 / 11.0, "value share");
    close(p.positions[0].rc, 0.5, "RC");
    close(p.mean_gap(), 0.0, "gap");
}

/// Zero-mean realised volatility: returns ±1 % a day give √(2·10⁻⁴ / (2/365)).
#[test]
fn realised_volatility() {
    let day = 1.0 / 365.0;
    close(parity::realised(&[0.01, -0.01], day), (0.0002f64 / (2.0 * day)).sqrt(), "realised");
    let rets = [0.5, 0.01, -0.01, 0.01];
    close(parity::rolling_realised(&rets, day, 3, 2), (0.0003f64 / (3.0 * day)).sqrt(), "last three");
    assert!(parity::rolling_realised(&rets, day, 3, 4).is_nan(), "fewer than the minimum");
}

fn pos(slot: usize, rc: f64, budget: f64) -> Position {
    Position { slot, value_share: 0.1, target_share: 0.1, rc, rc_target: budget, budget }
}

/// The track: gaps averaged over the ticks that rebalanced only, positions by name (a retired
/// slot leaves an empty column and the next slot keeps its name), the CSV columns.
#[test]
fn the_track_counts_rebalances_and_follows_names() {
    let mut track = Track::default();
    let mut t = ParityTrack::new(vec!["A".into(), "B".into(), "C".into()]);
    let p = |positions| Parity { positions, holdings_vol: 0.1, target_vol: 0.15, vol_target: 0.15, leverage: 1.0 };
    let abc = ["A", "B", "C"];
    // step 0 rebalanced: gaps 0.1, 0.1, 0.0 → mean 1/15
    t.push(&mut track, &p(vec![pos(0, 0.2, 0.3), pos(1, 0.4, 0.3), pos(2, 0.4, 0.4)]), true, |s| {
        abc.get(s).map(|x| x.to_string())
    });
    // step 1 did not trade: not in the mean
    t.push(&mut track, &p(vec![pos(0, 0.9, 0.3), pos(1, 0.0, 0.3), pos(2, 0.1, 0.4)]), false, |s| {
        abc.get(s).map(|x| x.to_string())
    });
    // step 2: B retired, C now in slot 1
    let ac = ["A", "C"];
    t.push(&mut track, &p(vec![pos(0, 0.5, 0.5), pos(1, 0.3, 0.5)]), true, |s| ac.get(s).map(|x| x.to_string()));
    assert_eq!(track.risk_contributions[2][2], 0.3);
    assert!(track.risk_contributions[2][1].is_nan() && t.budget[2][1].is_nan());
    let s = t.summary(0, 2);
    assert_eq!(s.rebalances, 2);
    close(s.mean_gap, (0.2 / 3.0 + 0.2 / 2.0) / 2.0, "mean gap over rebalances");
    close(s.max_gap, 0.2, "max gap");
    close(s.target_gap, 0.0, "targets' gap");
    close(t.summary(1, 1).rebalances as f64, 0.0, "no rebalance");
    assert!(t.summary(1, 1).mean_gap.is_nan());
    let cols = t.csv_columns();
    assert_eq!(cols[0], ("rebalanced".to_string(), vec![1.0, 0.0, 1.0]));
    assert!(cols.iter().any(|(n, v)| n == "budget_C" && v[2] == 0.5));
    assert!(cols.iter().all(|(_, v)| v.len() == 3));
    track.times = vec![0, 100, 200];
    let chart = t.rc_chart(&track, &[(100.0, "spike".into())]);
    // one RC line per position over the two rebalances, one budget line each
    assert_eq!(chart.series.len(), 6);
    assert_eq!(chart.series[0].points.len(), 2);
    assert!(chart.render().contains(">spike</text>"));
}

/// How finely the holdings must track the targets: 1 % of NAV more of one target moves the
/// contributions by `0.21²·0.25 / (0.21²·0.25 + 0.01) − ½ ≈ 0.0244` for two diversifying
/// assets (the first test's), by `0.6 / (0.6 − 3·0.11) − 2 = 2/9` for a spot and its hedging
/// put (λ = −3): nine times as much.
#[test]
fn sensitivity_of_the_contributions_to_the_targets() {
    let mut r = spot_risk(&[[0.25, 0.0], [0.0, 0.0625]]);
    r.targets[..2].copy_from_slice(&[200, 400]);
    r.nav_snapshot = 1_000;
    let a = 0.21f64 * 0.21 * 0.25;
    close(parity::target_sensitivity(&r, &[ONE / 2, ONE / 2], 0.01).unwrap(), a / (a + 0.01) - 0.5, "diversified");
    let mut r = option_risk(-3.0);
    r.targets[..2].copy_from_slice(&[600, 100]);
    r.nav_snapshot = 1_000;
    close(parity::target_sensitivity(&r, &[ONE / 2, ONE / 2], 0.01).unwrap(), 2.0 / 9.0, "hedged");
}
