//! `retire_asset` (and `apply_change(Retire)`): which slot may leave the registry, and the
//! vault and risk state without it.
//!
//! A slot may go once it holds nothing of value ([`retire_gate`]): its accounted quantity is
//! zero, or it is a settled series whose payoff is zero (worthless tokens; they stay in the
//! vault's token account, unaccounted). A slot that is the underlying of a registered series
//! (settled or not) cannot go before that series (`AssetIsUnderlying`): the series' terms and
//! its payoff's provenance name it.
//! - A **settled series** goes permissionlessly: its payoff is fixed, its target and weight
//!   are 0 and it is out of the model, so removing it changes no value, target or weight.
//! - **Anything else** (a spot asset, a series that never settled) goes only through the
//!   admin's timelock (`propose_change(Retire { index, mint })`, the guardian can cancel): the
//!   registry is the admin's, and removing a spot asset changes the model (the weights are
//!   recomputed at the next `refresh`, which deposits and withdrawals wait for).
//!
//! The remaining risk budgets are scaled in proportion to sum to one again
//! ([`rescale_budgets`]): the allocation among them is unchanged.
//!
//! Removing slot `i` compacts every per-slot array ([`compact`]): the slots after `i` move
//! down by one in the registry and in every array of the risk account (covariance rows and
//! columns, log prices, weights, targets, sampled prices, exposures, Greeks per underlying,
//! factors, marks, last trades, the sample / model / weight / breach masks), and every index
//! that names a slot (an option's underlying, a factor) is renumbered. The result is exactly
//! the state the vault would have had if the slot had never been registered
//! (`retiring_a_slot_equals_never_having_it`).

use super::{ensure, no_flash_rebalance, EngineError, EngineResult};
use crate::{
    fixed_point::packed_index,
    layout::{AssetSlot, FxBits, RiskState, VaultState, BUDGET_ONE, MAX_N},
};
use bytemuck::Zeroable;

/// Who may retire a slot ([`retire_gate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retirement {
    /// A settled series: anyone, at once.
    Open,
    /// Anything else: the admin, through the timelock.
    Timelocked,
}

/// Slot `i` may be retired: no flash rebalance open (`RebalanceInProgress`), a registered
/// slot (`UnknownAsset`) holding nothing of value (`AssetNotEmpty`), the underlying of no
/// registered series (`AssetIsUnderlying`). Returns who may do it.
pub fn retire_gate(v: &VaultState, i: usize) -> EngineResult<Retirement> {
    no_flash_rebalance(v)?;
    let n = usize::from(v.num_assets);
    ensure(i < n, EngineError::UnknownAsset)?;
    let a = &v.assets[i];
    let settled = a.option.is_option() && a.option.is_settled();
    let worthless = settled && a.option.settlement_value.get() <= 0;
    ensure(a.quantity == 0 || worthless, EngineError::AssetNotEmpty)?;
    let underlies = v.active_assets().iter().any(|b| b.option.is_option() && usize::from(b.option.underlying) == i);
    ensure(a.option.is_option() || !underlies, EngineError::AssetIsUnderlying)?;
    Ok(if settled { Retirement::Open } else { Retirement::Timelocked })
}

/// Retires slot `i` under [`retire_gate`] (`through_timelock`: a matured `Retire` proposal is
/// being applied; without one only a settled series may go, `TimelockRequired`): the vault and
/// risk state without it ([`compact`]); a slot that was not a settled series leaves the model
/// changed, so the risk state counts as stale until the next `refresh`. Returns the removed
/// slot and who could retire it.
pub fn retire(
    v: &mut VaultState,
    r: &mut RiskState,
    i: usize,
    through_timelock: bool,
) -> EngineResult<(AssetSlot, Retirement)> {
    let kind = retire_gate(v, i)?;
    ensure(kind == Retirement::Open || through_timelock, EngineError::TimelockRequired)?;
    let removed = v.assets[i];
    compact(v, r, i);
    rescale_budgets(v)?;
    if kind == Retirement::Timelocked {
        v.risk_refreshed_at = 0;
    }
    v.check_registry()?;
    Ok((removed, kind))
}

/// The remaining slots' risk budgets scaled in proportion to sum to [`BUDGET_ONE`] again (the
/// rounding remainder to the largest, the first of equals): their ratios — the risk allocation
/// among them — do not change. Nothing to do with no slot left.
pub fn rescale_budgets(v: &mut VaultState) -> EngineResult<()> {
    let n = usize::from(v.num_assets);
    let total: u128 = v.assets[..n].iter().map(|a| u128::from(a.risk_budget)).sum();
    if n == 0 || total == u128::from(BUDGET_ONE) {
        return Ok(());
    }
    ensure(total > 0, crate::CoreError::InvalidBudgets)?;
    let mut sum = 0u64;
    for a in v.assets[..n].iter_mut() {
        a.risk_budget = (u128::from(a.risk_budget) * u128::from(BUDGET_ONE) / total) as u64;
        sum += a.risk_budget;
    }
    let largest = (0..n).max_by_key(|&k| (v.assets[k].risk_budget, core::cmp::Reverse(k))).unwrap_or(0);
    v.assets[largest].risk_budget += BUDGET_ONE - sum;
    Ok(())
}

/// `mask` without bit `i`, the bits above it moved down by one.
fn drop_bit(mask: u32, i: usize) -> u32 {
    let low = mask & ((1u32 << i) - 1);
    let high = if i + 1 >= 32 { 0 } else { (mask >> (i + 1)) << i };
    low | high
}

/// Removes element `i` of the first `n` of `a`: the ones after it move down, the freed last
/// one is `empty`.
fn remove_at<T: Copy>(a: &mut [T], n: usize, i: usize, empty: T) {
    a.copy_within(i + 1..n, i);
    a[n - 1] = empty;
}

/// A slot index after slot `i` left (`i` itself never asked: nothing names a retired slot).
fn renumber(x: u8, i: usize) -> u8 {
    if usize::from(x) > i {
        x - 1
    } else {
        x
    }
}

/// The pure compaction of slot `i` out of `v` and `r` (module doc): no rule is checked here.
pub fn compact(v: &mut VaultState, r: &mut RiskState, i: usize) {
    let n = usize::from(v.num_assets);
    if i >= n {
        return;
    }
    // the registry
    remove_at(&mut v.assets, n, i, AssetSlot::zeroed());
    for a in v.assets[..n - 1].iter_mut().filter(|a| a.option.is_option()) {
        a.option.underlying = renumber(a.option.underlying, i);
    }
    v.num_assets -= 1;

    // the covariance: row and column i out, the rest moved up and left
    let old = r.cov;
    r.cov = Zeroable::zeroed();
    let keep = |k: usize| if k < i { k } else { k + 1 };
    for a in 0..n - 1 {
        for b in a..n - 1 {
            r.cov[packed_index(a, b)] = old[packed_index(keep(a), keep(b))];
        }
    }
    // per slot
    let z = FxBits::default();
    for arr in [
        &mut r.log_price,
        &mut r.weights,
        &mut r.elasticity,
        &mut r.convexity,
        &mut r.vol_elasticity,
        &mut r.vega_ratio,
        &mut r.vol_scale,
        &mut r.net_delta,
        &mut r.net_gamma,
        &mut r.net_vega,
        &mut r.mark,
    ] {
        remove_at(arr, n, i, z);
    }
    remove_at(&mut r.targets, n, i, 0);
    remove_at(&mut r.sampled, n, i, Zeroable::zeroed());
    remove_at(&mut r.book.last_trade, n, i, 0);
    remove_at(&mut r.factor, n, i, 0);
    for f in r.factor[..n - 1].iter_mut() {
        *f = renumber(*f, i);
    }
    r.sampled_mask = drop_bit(r.sampled_mask, i);
    r.included_mask = drop_bit(r.included_mask, i);
    r.weights_mask = drop_bit(r.weights_mask, i);
    r.greek_breach_mask = drop_bit(u32::from(r.greek_breach_mask), i) as u16;
    if usize::from(r.weights_n) > i {
        r.weights_n -= 1;
    }
    debug_assert!(n <= MAX_N);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        fixed_point::Fx,
        layout::{OptionTerms, SampledPrice, KIND_CALL, STATE_VERSION},
    };
    use proptest::prelude::*;

    /// One slot as the property test describes it: an identity, and for an option series the
    /// identity of its underlying.
    #[derive(Clone, Copy, Debug)]
    struct Spec {
        id: u8,
        underlying: Option<u8>,
    }

    fn bits(x: i64) -> FxBits {
        FxBits::from_fx(Fx::from_num(x))
    }

    /// The vault and risk state of a vault whose slots are `specs`, in order: every per-slot
    /// value a function of the slot's identity (the covariance of the pair), every index the
    /// position of what it names.
    fn build(specs: &[Spec]) -> (VaultState, RiskState) {
        let mut v = VaultState::zeroed();
        let mut r = RiskState::zeroed();
        v.version = STATE_VERSION;
        v.dead_shares = 1;
        v.num_assets = specs.len() as u8;
        let pos = |id: u8| specs.iter().position(|s| s.id == id).unwrap();
        let mut wn = 0;
        for (k, s) in specs.iter().enumerate() {
            let id = i64::from(s.id);
            let a = &mut v.assets[k];
            a.mint = [s.id + 1; 32];
            a.token_account = [s.id + 101; 32];
            a.quantity = 1_000 * id as u64;
            a.risk_budget = 1 + id as u64;
            a.max_oracle_age = 60;
            a.max_conf_bps = 100;
            a.oracle_kind = 1;
            if let Some(u) = s.underlying {
                a.option = OptionTerms {
                    kind: KIND_CALL,
                    underlying: pos(u) as u8,
                    strike: bits(10 + id),
                    contract_size: bits(1),
                    settled: 1,
                    settlement_value: bits(id),
                    ..OptionTerms::zeroed()
                };
            }
            for (m, t) in specs.iter().enumerate().skip(k) {
                r.cov[packed_index(k, m)] = bits(id * 1_000 + i64::from(t.id));
            }
            r.log_price[k] = bits(id + 1);
            r.weights[k] = bits(id + 2);
            r.elasticity[k] = bits(id + 3);
            r.convexity[k] = bits(id + 4);
            r.vol_elasticity[k] = bits(id + 5);
            r.vega_ratio[k] = bits(id + 6);
            r.vol_scale[k] = bits(id + 7);
            r.net_delta[k] = bits(id + 8);
            r.net_gamma[k] = bits(id + 9);
            r.net_vega[k] = bits(id + 10);
            r.mark[k] = bits(id + 11);
            r.targets[k] = 7 * id as u64;
            r.sampled[k] = SampledPrice { price: 3 * id as u64, expo: -(id as i32), _pad: 0 };
            r.book.last_trade[k] = 5 * u32::from(s.id);
            r.factor[k] = s.underlying.map_or(k, pos) as u8;
            let bit = 1u32 << k;
            if s.id % 2 == 0 {
                r.sampled_mask |= bit;
            }
            if s.id % 3 != 0 {
                r.included_mask |= bit;
            }
            if s.id % 5 != 0 {
                r.weights_mask |= bit;
                wn = k + 1;
            }
            if s.id % 4 == 1 {
                r.greek_breach_mask |= bit as u16;
            }
        }
        r.weights_n = wn as u8;
        (v, r)
    }

    /// Up to 16 slots with distinct identities; each option's underlying an earlier spot slot.
    fn specs() -> impl Strategy<Value = Vec<Spec>> {
        (1usize..=MAX_N, prop::collection::vec((any::<bool>(), any::<u8>()), MAX_N)).prop_map(|(n, choices)| {
            let mut out: Vec<Spec> = Vec::with_capacity(n);
            for (k, (option, pick)) in choices.into_iter().take(n).enumerate() {
                let spots: Vec<u8> = out.iter().filter(|s| s.underlying.is_none()).map(|s| s.id).collect();
                let underlying = (option && !spots.is_empty()).then(|| spots[usize::from(pick) % spots.len()]);
                out.push(Spec { id: k as u8 * 3 + 1, underlying });
            }
            out
        })
    }

    proptest! {
        /// Retiring slot `i` leaves exactly the state of a vault that never had it (the weights'
        /// asset count aside: it counts the slots the weights were computed for, which the
        /// builder derives from the remaining slots).
        #[test]
        fn retiring_a_slot_equals_never_having_it(s in specs(), pick in any::<usize>()) {
            let removable: Vec<usize> = (0..s.len())
                .filter(|&i| !s.iter().any(|t| t.underlying == Some(s[i].id)))
                .collect();
            let i = removable[pick % removable.len()];
            let (mut v, mut r) = build(&s);
            compact(&mut v, &mut r, i);
            let mut rest = s.clone();
            rest.remove(i);
            let (v2, mut r2) = build(&rest);
            // weights_n counts slots up to the last one with weights: removing a slot takes one
            // off when it was below that count
            let (_, r_before) = build(&s);
            r2.weights_n = r_before.weights_n - u8::from(usize::from(r_before.weights_n) > i);
            prop_assert_eq!(bytemuck::bytes_of(&v), bytemuck::bytes_of(&v2));
            prop_assert_eq!(bytemuck::bytes_of(&r), bytemuck::bytes_of(&r2));
        }
    }

    proptest! {
        /// After a retirement the budgets sum to exactly 10^9 again, each stays positive, and
        /// their ratios move by at most the rounding (one part per 10^9 each, the remainder on
        /// the largest).
        #[test]
        fn budgets_are_rescaled_in_proportion(b in prop::collection::vec(1u64..=BUDGET_ONE / 16, 1..MAX_N)) {
            let mut v = VaultState::zeroed();
            v.num_assets = b.len() as u8;
            for (a, x) in v.assets.iter_mut().zip(&b) {
                a.risk_budget = *x;
            }
            rescale_budgets(&mut v).unwrap();
            let after: Vec<u64> = v.assets[..b.len()].iter().map(|a| a.risk_budget).collect();
            prop_assert_eq!(after.iter().sum::<u64>(), BUDGET_ONE);
            let total: u64 = b.iter().sum();
            for (x, y) in b.iter().zip(&after) {
                let exact = *x as f64 * BUDGET_ONE as f64 / total as f64;
                prop_assert!(*y >= 1 && (*y as f64) >= exact.floor());
                prop_assert!((*y as f64) <= exact.floor() + b.len() as f64);
            }
        }
    }

    #[test]
    fn drop_bit_moves_the_higher_bits_down() {
        assert_eq!(drop_bit(0b1011, 1), 0b101);
        assert_eq!(drop_bit(0b1011, 0), 0b101);
        assert_eq!(drop_bit(0b1011, 3), 0b011);
        assert_eq!(drop_bit(u32::MAX, 31), u32::MAX >> 1);
        assert_eq!(drop_bit(u32::MAX, 15), u32::MAX >> 1);
    }

    #[test]
    fn the_gate_names_who_may_retire_and_refuses_what_has_value() {
        let spec = |id, underlying| Spec { id, underlying };
        let (mut v, _) = build(&[spec(1, None), spec(2, Some(1)), spec(4, None)]);
        // everything holds something
        for i in 0..3 {
            assert_eq!(retire_gate(&v, i), Err(EngineError::AssetNotEmpty));
        }
        assert_eq!(retire_gate(&v, 3), Err(EngineError::UnknownAsset));
        for a in v.assets.iter_mut() {
            a.quantity = 0;
        }
        assert_eq!(retire_gate(&v, 0), Err(EngineError::AssetIsUnderlying));
        assert_eq!(retire_gate(&v, 1), Ok(Retirement::Open), "a settled series");
        assert_eq!(retire_gate(&v, 2), Ok(Retirement::Timelocked), "a spot asset");
        // an unsettled series waits for the timelock too
        v.assets[1].option.settled = 0;
        assert_eq!(retire_gate(&v, 1), Ok(Retirement::Timelocked));
        // a worthless settled series goes with its tokens still accounted
        v.assets[1].option.settled = 1;
        v.assets[1].option.settlement_value = bits(0);
        v.assets[1].quantity = 9;
        assert_eq!(retire_gate(&v, 1), Ok(Retirement::Open));
        v.assets[1].option.settlement_value = bits(1);
        assert_eq!(retire_gate(&v, 1), Err(EngineError::AssetNotEmpty));
        v.flags |= VaultState::FLAG_REBALANCING;
        assert_eq!(retire_gate(&v, 2), Err(EngineError::RebalanceInProgress));
    }
}
