//! A vault at a glance: [`VaultView::report`] computes, from the fetched accounts and with the
//! core crate, NAV and share price, each position against its target and band, volatilities
//! from the EWMA covariance and risk contributions (of the weights in force and of the
//! holdings), Greeks per underlying against their limits, oracle health (value, age,
//! confidence), fees and the rebalancing book. `rpv show` prints it; its JSON is this type's
//! serialisation (amounts in the token's smallest units, addresses in base58). Labels are a
//! shortened mint; a client with symbols replaces them.

use rpv_core::{
    fixed_point::{packed_index, Fx},
    layout::{OracleKind, MAX_ASSETS, MAX_N},
    math::Rounding,
    oracle_health::OracleHealth,
    positions::greek_bounds,
    price::OraclePrice,
    rebalance::scaled_target,
    risk_account,
    risk_parity::risk_contributions,
    valuation::{needs_own_oracle, slot_value},
};
use serde::Serialize;

use crate::{
    client::{read_oracle, VaultView},
    pk, Pubkey,
};

/// `abcd…wxyz`: a mint's label when no symbol is known.
pub fn short(key: &Pubkey) -> String {
    let s = key.to_string();
    format!("{}…{}", &s[..4], &s[s.len() - 4..])
}

/// The vault at a glance (module doc). Amounts in base units; `None` where a value cannot be
/// computed (an oracle that cannot be read at all, no risk sample yet).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub vault: String,
    pub admin: String,
    pub guardian: String,
    pub base_mint: String,
    pub share_mint: String,
    pub base_decimals: u8,
    pub now: i64,
    pub slot: u64,
    pub paused: bool,
    pub allowlist: bool,
    pub timelock_secs: u32,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    /// Every oracle the NAV needs is valid (else the last published values are used).
    pub prices_fresh: bool,
    pub nav: Option<u64>,
    pub nav_round_up: Option<u64>,
    pub share_supply: u64,
    pub total_shares: Option<u64>,
    pub share_price: Option<f64>,
    /// Base units per 10^9 shares, ⌊NAV × 10^9 / total shares⌋, as `quote` answers.
    pub share_price_e9: Option<u128>,
    pub base: Base,
    pub risk: Risk,
    pub positions: Vec<Position>,
    pub greeks: Vec<Greeks>,
    pub oracles: Vec<Oracle>,
    pub fees: Fees,
    pub rebalance: Book,
}

/// The base token held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Base {
    pub quantity: u64,
    pub weight: Option<f64>,
}

/// The risk model in force: method, EWMA samples, freshness, σ of the portfolio, leverage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Risk {
    pub method: &'static str,
    pub samples: u64,
    pub refreshed_at: i64,
    pub age_secs: Option<i64>,
    pub fresh: bool,
    pub max_risk_age: u32,
    pub portfolio_vol: f64,
    pub leverage: f64,
    pub vol_target: f64,
    pub max_leverage: f64,
    pub band_bps: u16,
    pub nav_snapshot: u64,
}

/// One registered asset: holding, price, value, weight against its target and band, risk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Position {
    pub index: usize,
    pub label: String,
    pub mint: String,
    pub kind: &'static str,
    pub quantity: u64,
    pub decimals: u8,
    pub price: Option<f64>,
    pub value: Option<u64>,
    pub weight: Option<f64>,
    pub target: Option<u64>,
    pub target_weight: f64,
    pub band: Option<u64>,
    pub distance: Option<f64>,
    pub outside_band: Option<bool>,
    pub budget: f64,
    pub model_weight: f64,
    pub risk_contribution_target: Option<f64>,
    pub risk_contribution_now: Option<f64>,
    pub vol: Option<f64>,
    pub underlying: Option<u8>,
    pub expiry: Option<i64>,
}

/// Net Greeks of the options on one underlying against their limits (at the last refresh).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Greeks {
    pub underlying: usize,
    pub label: String,
    pub net_delta: f64,
    pub net_gamma: f64,
    pub net_vega: f64,
    pub max_delta: Option<f64>,
    pub max_gamma: Option<f64>,
    pub max_vega: Option<f64>,
    pub breach: bool,
}

/// One asset's oracle: last published value, age (seconds, or slots for Switchboard),
/// confidence and health grade.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Oracle {
    pub index: usize,
    pub label: String,
    pub oracle: String,
    pub kind: &'static str,
    pub value: Option<f64>,
    pub age: Option<i64>,
    pub age_unit: &'static str,
    pub max_age: u32,
    pub conf_bps: Option<f64>,
    pub max_conf_bps: u16,
    pub health: &'static str,
    pub error: Option<String>,
    pub needed: bool,
}

/// Fee rates, their maxima, the fee shares pending and the high-water mark.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fees {
    pub recipient: String,
    pub management_bps: u16,
    pub performance_bps: u16,
    pub max_management_bps: u16,
    pub max_performance_bps: u16,
    pub pending_shares: u64,
    pub high_water_mark: Option<f64>,
}

/// The rebalancing book: trades, incentives, net cost, and the rolling window's turnover and
/// reduction (`day_*`: the window of the "per day" caps).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Book {
    pub trades: u64,
    pub total_incentive: u64,
    pub total_cost: i64,
    pub day_turnover: u64,
    pub day_reduction: u64,
    pub day_incentive: u64,
}

fn health_name(h: OracleHealth) -> &'static str {
    match h {
        OracleHealth::Valid => "valid",
        OracleHealth::Stale => "stale",
        OracleHealth::TooUncertain => "too-uncertain",
        OracleHealth::Invalid => "invalid",
    }
}

fn f(x: Fx) -> f64 {
    x.to_num::<f64>()
}

fn price_f64(p: &OraclePrice) -> f64 {
    if p.expo < 0 {
        p.price as f64 / 10f64.powi(-p.expo)
    } else {
        p.price as f64 * 10f64.powi(p.expo)
    }
}

impl VaultView {
    /// The vault now ([`Report`]). Oracles the NAV needs that are not valid are read without
    /// their age and confidence bounds (the last published values) and `prices_fresh` says so.
    pub fn report(&self) -> Report {
        self.report_labelled(&short)
    }

    /// [`VaultView::report`] with each asset named by `label(mint)`.
    pub fn report_labelled(&self, label: &dyn Fn(&Pubkey) -> String) -> Report {
        let l = self;
        let vault_key = &self.key;
        let (v, r, clock, supply) = (&l.vault, &l.risk, &l.clock, l.share_supply);
        let now = clock.unix_timestamp;
        let n = usize::from(v.num_assets);
        let bd = v.base_decimals;

        // oracles: the strict read gives the health; a relaxed read (no age or confidence bound)
        // gives the last published value, used when the strict one fails
        let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_ASSETS];
        let mut all_fresh = true;
        let mut priced = true;
        let mut oracles = vec![];
        for (i, slot) in v.active_assets().iter().enumerate() {
            let acct = l.oracles[i].as_ref();
            let unread = Err(rpv_core::CoreError::OracleInvalidAccount);
            let strict = acct.map_or(unread, |a| read_oracle(slot, a, clock, slot.max_oracle_age));
            let any_conf = rpv_core::layout::AssetSlot { max_conf_bps: 10_000, ..*slot };
            let relaxed = acct.map_or(unread, |a| read_oracle(&any_conf, a, clock, u32::MAX));
            let health = OracleHealth::of(&strict);
            let needed = needs_own_oracle(v, i, now);
            if needed {
                all_fresh &= health == OracleHealth::Valid;
                match relaxed {
                    Ok(p) => prices[i] = p,
                    Err(_) => priced = false,
                }
            }
            let switchboard = OracleKind::from_u8(slot.oracle_kind) == Some(OracleKind::Switchboard);
            let (age, unit) = match (&relaxed, switchboard, acct) {
                (_, true, Some(a)) => match rpv_core::switchboard::PullFeed::decode(&a.data) {
                    Ok(feed) => (Some(clock.slot as i64 - feed.result_slot as i64), "slots"),
                    Err(_) => (None, "slots"),
                },
                (Ok(p), false, _) => (Some(now - p.publish_time), "seconds"),
                _ => (None, if switchboard { "slots" } else { "seconds" }),
            };
            let conf_bps = relaxed.as_ref().ok().map(|p| p.conf as f64 * 10_000.0 / p.price as f64);
            oracles.push(Oracle {
                index: i,
                label: label(&pk(&slot.mint)),
                oracle: pk(&slot.oracle).to_string(),
                kind: OracleKind::from_code(slot.oracle_kind).map_or("unknown", |k| k.name()),
                value: relaxed.as_ref().ok().map(price_f64),
                age,
                age_unit: unit,
                max_age: slot.max_oracle_age,
                conf_bps,
                max_conf_bps: slot.max_conf_bps,
                health: health_name(health),
                error: strict.err().map(|e| format!("{e:?}")),
                needed,
            });
        }

        let nav_pair = if priced { v.nav_both_at(&prices[..n], now).ok() } else { None };
        let nav = nav_pair.map(|p| p.0);
        let total = v.total_shares_after_fees(supply, nav, now).ok();
        // the program's band: on the reference NAV (at most the last refresh's snapshot)
        let band = nav.map(|x| rpv_core::rebalance::band(r, x));

        // risk contributions: of the weights in force, and of the holdings now
        let mut budgets = [0u64; MAX_N];
        let nb = v.budgets_ppb(&mut budgets);
        let mut rc_model = [None::<f64>; MAX_ASSETS];
        let mut rc_now = [None::<f64>; MAX_ASSETS];
        let mut values = [0u64; MAX_ASSETS];
        for (i, value) in values.iter_mut().enumerate().take(n) {
            *value = if priced { slot_value(v, i, &prices[..n], now, Rounding::Down).unwrap_or(0) } else { 0 };
        }
        if r.samples > 0 && nb > 0 {
            if let Ok(bk) = risk_account::book(r, &budgets[..nb]) {
                let m = bk.m;
                let mut rc = [Fx::ZERO; MAX_N];
                if usize::from(r.weights_n) == n {
                    let w: Vec<Fx> = (0..m).map(|k| r.weights[bk.idx[k]].get()).collect();
                    if risk_contributions(&bk.view, &w, &mut rc).is_ok() {
                        for k in 0..m {
                            rc_model[bk.idx[k]] = Some(f(rc[k]));
                        }
                    }
                }
                if let Some(nav) = nav.filter(|x| *x > 0) {
                    let w: Vec<Fx> = (0..m).map(|k| Fx::from_num(values[bk.idx[k]]) / Fx::from_num(nav)).collect();
                    if w.iter().any(|x| *x > 0) && risk_contributions(&bk.view, &w, &mut rc).is_ok() {
                        for k in 0..m {
                            rc_now[bk.idx[k]] = Some(f(rc[k]));
                        }
                    }
                }
            }
        }

        let mut positions = vec![];
        for (i, slot) in v.active_assets().iter().enumerate() {
            let sampled = r.sampled_mask & (1 << i) != 0;
            let vol = sampled.then(|| f(r.cov[packed_index(i, i)].get()).max(0.0).sqrt());
            let value = priced.then_some(values[i]);
            let target = match nav {
                Some(x) if r.nav_snapshot > 0 => scaled_target(r, i, x).ok(),
                _ => None,
            };
            let distance = match (value, target) {
                (Some(a), Some(b)) => Some(a as i128 - b as i128),
                _ => None,
            };
            let kind = crate::ix::OptionKind::from_slot_code(slot.option.kind).map_or("spot", |k| k.name());
            positions.push(Position {
                index: i,
                label: label(&pk(&slot.mint)),
                mint: pk(&slot.mint).to_string(),
                kind,
                quantity: slot.quantity,
                decimals: slot.decimals,
                price: needs_own_oracle(v, i, now).then(|| price_f64(&prices[i])).filter(|_| priced),
                value,
                weight: match (value, nav) {
                    (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64),
                    _ => None,
                },
                target,
                target_weight: f(r.weights[i].get()) * f(r.leverage.get()),
                band,
                distance: distance.map(|d| d as f64),
                outside_band: match (distance, band) {
                    (Some(d), Some(b)) => Some(d.unsigned_abs() > u128::from(b)),
                    _ => None,
                },
                budget: slot.risk_budget as f64 / 1e9,
                model_weight: f(r.weights[i].get()),
                risk_contribution_target: rc_model[i],
                risk_contribution_now: rc_now[i],
                vol,
                underlying: slot.option.is_option().then_some(slot.option.underlying),
                expiry: slot.option.is_option().then_some(slot.option.expiry),
            });
        }

        let bounds = greek_bounds(r, r.nav_snapshot).unwrap_or([None; 3]);
        let mut greeks = vec![];
        for (u, slot) in v.active_assets().iter().enumerate() {
            if slot.option.is_option() {
                continue;
            }
            let g = [f(r.net_delta[u].get()), f(r.net_gamma[u].get()), f(r.net_vega[u].get())];
            greeks.push(Greeks {
                underlying: u,
                label: label(&pk(&slot.mint)),
                net_delta: g[0],
                net_gamma: g[1],
                net_vega: g[2],
                max_delta: bounds[0].map(f),
                max_gamma: bounds[1].map(f),
                max_vega: bounds[2].map(f),
                breach: r.greek_breach_mask & (1 << u) != 0,
            });
        }

        let fees = &v.fees;
        Report {
            vault: vault_key.to_string(),
            admin: pk(&v.admin).to_string(),
            guardian: pk(&v.guardian).to_string(),
            base_mint: pk(&v.base_mint).to_string(),
            share_mint: pk(&v.share_mint).to_string(),
            base_decimals: bd,
            now,
            slot: clock.slot,
            paused: v.is_paused(),
            allowlist: v.allowlist_enabled(),
            timelock_secs: v.timelock_secs,
            deposit_cap: v.deposit_cap,
            min_deposit: v.min_deposit,
            prices_fresh: all_fresh,
            nav,
            nav_round_up: nav_pair.map(|p| p.1),
            share_supply: supply,
            total_shares: total,
            share_price_e9: match (nav, total) {
                (Some(a), Some(b)) if b > 0 => Some(u128::from(a) * 1_000_000_000 / u128::from(b)),
                _ => None,
            },
            share_price: match (nav, total) {
                (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64),
                _ => None,
            },
            base: Base {
                quantity: v.base_quantity,
                weight: nav.filter(|x| *x > 0).map(|x| v.base_quantity as f64 / x as f64),
            },
            risk: Risk {
                method: if r.method == 1 { "risk-budget" } else { "inverse-vol" },
                samples: r.samples,
                refreshed_at: v.risk_refreshed_at,
                age_secs: (v.risk_refreshed_at > 0).then(|| now - v.risk_refreshed_at),
                fresh: v.risk_is_fresh(now),
                max_risk_age: v.max_risk_age,
                portfolio_vol: f(r.portfolio_vol.get()),
                leverage: f(r.leverage.get()),
                vol_target: f(r.vol_target.get()),
                max_leverage: f(r.max_leverage.get()),
                band_bps: r.band_bps,
                nav_snapshot: r.nav_snapshot,
            },
            positions,
            greeks,
            oracles,
            fees: Fees {
                recipient: pk(&fees.recipient).to_string(),
                management_bps: fees.management_bps,
                performance_bps: fees.performance_bps,
                max_management_bps: fees.max_management_bps,
                max_performance_bps: fees.max_performance_bps,
                pending_shares: fees.pending_shares,
                high_water_mark: (fees.hwm_shares > 0).then(|| fees.hwm_nav as f64 / fees.hwm_shares as f64),
            },
            rebalance: Book {
                trades: r.book.trades,
                total_incentive: r.book.total_incentive,
                total_cost: r.book.total_cost,
                day_turnover: r.book.turnover,
                day_reduction: r.book.reduction,
                day_incentive: r.book.incentive,
            },
        }
    }
}
