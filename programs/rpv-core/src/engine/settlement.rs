//! `settle_expired`: when an option series may settle, on which underlying price, and what
//! settling writes. A series settles once, on an underlying price taken within the settlement
//! window after its expiry ([`SETTLEMENT_WINDOW_SECS`]); from then on NAV values it at the
//! fixed payoff and the rebalance path sells its tokens at exactly that payoff
//! ([`crate::rebalance::settled_leg`]) until the slot is empty and can be retired
//! ([`super::retire`]).
//!
//! When the price was taken depends on the underlying's oracle:
//! - **Pyth**: the price's publish time must lie in `[expiry, expiry + window]`
//!   (`SettlementPriceTooEarly` before, `SettlementWindowMissed` after).
//! - **Switchboard** results carry the slot they were sampled at and no time; the time their
//!   update landed says nothing about when the price was observed (a result sampled before
//!   expiry can land after it). So the vault times the expiry in slots itself: the first
//!   `settle_expired` at or after expiry records the cluster slot ([`record_expiry_slot`],
//!   which settles nothing), and settlement takes a result sampled at that slot or later
//!   (`SettlementPriceTooEarly`), in a transaction landing within the window
//!   (`SettlementWindowMissed`). The recorded slot is at or after expiry by construction; a
//!   result of that slot or later was sampled after expiry.
//!
//! A series nobody settled within the window is never settled: nobody can choose its price
//! any more. It stays valued at intrinsic value on the live underlying price, read like a spot
//! price at every valuation (no party picks the moment), out of the risk model, and its
//! tokens leave only in kind.

use super::{ensure, EngineError, EngineResult};
use crate::{
    fixed_point::Fx,
    layout::{FxBits, OptionTerms, OracleKind, RiskState, VaultState},
    price::OraclePrice,
    valuation::{price_to_fx, settlement_value},
};
pub use rpv_interface::args::SETTLEMENT_WINDOW_SECS;

/// The last second of series `t`'s settlement window.
pub fn window_close(t: &OptionTerms) -> i64 {
    t.expiry.saturating_add(SETTLEMENT_WINDOW_SECS)
}

/// Series `i` may settle at `now`: a registered slot (`UnknownAsset`), an option series
/// (`NotAnOption`), not settled yet (`AlreadySettled`), expired (`NotExpired`). Returns its
/// terms.
pub fn settle_gate(v: &VaultState, i: usize, now: i64) -> EngineResult<OptionTerms> {
    ensure(i < usize::from(v.num_assets), EngineError::UnknownAsset)?;
    let t = v.assets[i].option;
    ensure(t.is_option(), EngineError::NotAnOption)?;
    ensure(!t.is_settled(), EngineError::AlreadySettled)?;
    ensure(now >= t.expiry, EngineError::NotExpired)?;
    Ok(t)
}

/// The kind of oracle series `i`'s underlying reads.
fn underlying_kind(v: &VaultState, t: &OptionTerms) -> Option<OracleKind> {
    OracleKind::from_u8(v.assets[usize::from(t.underlying)].oracle_kind)
}

/// For a Switchboard underlying whose expiry slot is not recorded yet: records `slot` (the
/// cluster slot now, at or after expiry: [`settle_gate`] ran) as the series' expiry slot and
/// returns `true` — the call settles nothing. Refused once the window has closed
/// (`SettlementWindowMissed`). `false` (nothing written) for a Pyth underlying or a recorded
/// slot.
pub fn record_expiry_slot(v: &mut VaultState, i: usize, now: i64, slot: u64) -> EngineResult<bool> {
    let t = v.assets[i].option;
    if underlying_kind(v, &t) != Some(OracleKind::Switchboard) || t.expiry_slot() != 0 {
        return Ok(false);
    }
    ensure(now <= window_close(&t), EngineError::SettlementWindowMissed)?;
    ensure(v.assets[i].option.set_expiry_slot(slot.max(1)), crate::CoreError::MathOverflow)?;
    Ok(true)
}

/// The underlying price `p` (just read and validated) was taken within series `t`'s window
/// (module doc): `p.publish_time` is a unix time for Pyth, the result's slot for Switchboard.
pub fn price_in_window(kind: Option<OracleKind>, t: &OptionTerms, p: &OraclePrice, now: i64) -> EngineResult<()> {
    match kind {
        Some(OracleKind::Switchboard) => {
            ensure(now <= window_close(t), EngineError::SettlementWindowMissed)?;
            let recorded = t.expiry_slot();
            ensure(recorded != 0 && p.publish_time >= 0, EngineError::SettlementPriceTooEarly)?;
            ensure(p.publish_time as u64 >= recorded, EngineError::SettlementPriceTooEarly)
        }
        _ => {
            ensure(p.publish_time >= t.expiry, EngineError::SettlementPriceTooEarly)?;
            ensure(p.publish_time <= window_close(t), EngineError::SettlementWindowMissed)
        }
    }
}

/// What settling fixed (the `OptionSettled` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The underlying price used, and when it was taken (unix seconds; Switchboard: its slot).
    pub spot: Fx,
    pub published: i64,
    /// Payoff per whole option token, base currency.
    pub payoff: Fx,
}

/// Settles series `i` (after [`settle_gate`] and, for Switchboard, [`record_expiry_slot`]) on
/// its underlying's price `p` at `now`: the price inside the window ([`price_in_window`]), the
/// payoff `max(S − K, 0)` (call) or `max(K − S, 0)` (put) times the contract size recorded, the
/// series out of the targets and the model (weight and target 0, its mark the payoff).
pub fn settle(v: &mut VaultState, r: &mut RiskState, i: usize, p: &OraclePrice, now: i64) -> EngineResult<Settlement> {
    let t = v.assets[i].option;
    price_in_window(underlying_kind(v, &t), &t, p, now)?;
    let spot = price_to_fx(p)?;
    let payoff = settlement_value(&t, spot)?;
    let o = &mut v.assets[i].option;
    o.settled = 1;
    o.settlement_value = FxBits::from_fx(payoff);
    r.mark[i] = FxBits::from_fx(payoff);
    r.targets[i] = 0;
    r.weights[i] = FxBits::default();
    r.included_mask &= !(1u32 << i);
    v.check_registry()?;
    Ok(Settlement { spot, published: p.publish_time, payoff })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{AssetSlot, KIND_CALL};
    use bytemuck::Zeroable;

    const EXPIRY: i64 = 1_000_000;

    fn vault(kind: OracleKind) -> VaultState {
        let mut v = VaultState::zeroed();
        v.num_assets = 2;
        v.assets[0] = AssetSlot { oracle_kind: kind.code(), ..AssetSlot::zeroed() };
        v.assets[1].option = OptionTerms {
            kind: KIND_CALL,
            underlying: 0,
            expiry: EXPIRY,
            strike: FxBits::from_fx(Fx::from_num(10)),
            contract_size: FxBits::from_fx(Fx::ONE),
            ..OptionTerms::zeroed()
        };
        v
    }

    fn price(publish_time: i64) -> OraclePrice {
        OraclePrice { price: 1_200, conf: 1, expo: -2, publish_time }
    }

    #[test]
    fn pyth_takes_only_a_price_published_inside_the_window() {
        let v = vault(OracleKind::Pyth);
        let t = v.assets[1].option;
        let k = Some(OracleKind::Pyth);
        let close = EXPIRY + SETTLEMENT_WINDOW_SECS;
        assert_eq!(price_in_window(k, &t, &price(EXPIRY - 1), close), Err(EngineError::SettlementPriceTooEarly));
        assert_eq!(price_in_window(k, &t, &price(EXPIRY), close + 50), Ok(()));
        assert_eq!(price_in_window(k, &t, &price(close), close + 50), Ok(()));
        assert_eq!(price_in_window(k, &t, &price(close + 1), close + 1), Err(EngineError::SettlementWindowMissed));
    }

    #[test]
    fn switchboard_records_the_expiry_slot_then_takes_results_of_that_slot_or_later() {
        let mut v = vault(OracleKind::Switchboard);
        let k = Some(OracleKind::Switchboard);
        assert_eq!(settle_gate(&v, 1, EXPIRY - 1), Err(EngineError::NotExpired));
        settle_gate(&v, 1, EXPIRY).unwrap();
        // the landing time is irrelevant: a result sampled before the recorded slot is refused
        assert_eq!(
            price_in_window(k, &v.assets[1].option, &price(500), EXPIRY),
            Err(EngineError::SettlementPriceTooEarly)
        );
        assert_eq!(record_expiry_slot(&mut v, 1, EXPIRY + 5, 500), Ok(true));
        assert_eq!(v.assets[1].option.expiry_slot(), 500);
        assert_eq!(record_expiry_slot(&mut v, 1, EXPIRY + 6, 600), Ok(false), "recorded once");
        let t = v.assets[1].option;
        assert_eq!(price_in_window(k, &t, &price(499), EXPIRY + 10), Err(EngineError::SettlementPriceTooEarly));
        assert_eq!(price_in_window(k, &t, &price(500), EXPIRY + 10), Ok(()));
        let late = EXPIRY + SETTLEMENT_WINDOW_SECS + 1;
        assert_eq!(price_in_window(k, &t, &price(900), late), Err(EngineError::SettlementWindowMissed));
        // a first sight after the window records nothing
        let mut w = vault(OracleKind::Switchboard);
        assert_eq!(record_expiry_slot(&mut w, 1, late, 900), Err(EngineError::SettlementWindowMissed));
        assert_eq!(w.assets[1].option.expiry_slot(), 0);
        // a Pyth underlying records nothing
        let mut p = vault(OracleKind::Pyth);
        assert_eq!(record_expiry_slot(&mut p, 1, EXPIRY, 500), Ok(false));
        assert_eq!(p.assets[1].option.expiry_slot(), 0);
    }

    #[test]
    fn expiry_slot_round_trips_in_40_bits() {
        let mut t = OptionTerms::zeroed();
        for s in [1u64, 300_000_000, (1 << 40) - 1] {
            assert!(t.set_expiry_slot(s));
            assert_eq!(t.expiry_slot(), s);
        }
        assert!(!t.set_expiry_slot(1 << 40));
        assert_eq!(t.expiry_slot(), (1 << 40) - 1);
    }
}
