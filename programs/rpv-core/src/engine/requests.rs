//! Requests (issue 15): the asynchronous path in and out of the vault, as in ERC-7540 and the
//! Solana vaults that settle flows later. `request_deposit` escrows base, `request_withdraw`
//! escrows shares (burnt at once, counted in the total shares until settled); a permissionless
//! `settle_requests` fills them in order, each queue on its own, at a NAV from prices published
//! **after** the request ([`priced_after`]) and no older than `settle_max_age`; the owner then
//! claims what settled, or cancels what has not.
//!
//! | state | request account | queue (`VaultState::flows`) |
//! |---|---|---|
//! | pending | `pending` > 0 | `pending` (base for deposits, shares for withdrawals) |
//! | claimable | `claimable` > 0 | `claimable` (shares for deposits, base for withdrawals) |
//! | claimed / cancelled | both 0 and behind the head: the account closes | — |
//!
//! Settlement prices at the mid (NAV rounded in the vault's favour, no confidence band): the
//! requester cannot know the price, so there is nothing to charge for. A deposit fill is the
//! whole request (within the deposit cap); a withdrawal fill is what the vault's base pays —
//! the queue has first call on all of it, the cash buffer included — and the rest stays
//! pending at the head (a partial fill), so no later withdrawal is served before it. Deposits
//! settle before withdrawals in one call, so new money pays queued exits. The keeper's
//! incentive (`settle_incentive_bps` of the fill's value, rounded down) comes out of the
//! request's own flow. A withdrawal worth less than one base unit (dust left by rounding)
//! settles for nothing rather than wait for cash forever.

use super::{
    ensure, fees,
    flows::{note_prices_used, SlotRead},
    no_flash_rebalance, EngineError, EngineResult,
};
use crate::{
    layout::{OracleKind, RequestQueue, RequestState, VaultState, REQUEST_DEPOSIT, REQUEST_WITHDRAW},
    math::{amount_for_shares, mul_div, shares_for_deposit, Rounding, BPS},
    price::OraclePrice,
    valuation::needs_own_oracle,
    Address, CoreError,
};

/// The queue of `kind` (`MathDomain` for an unknown kind).
pub fn queue(v: &VaultState, kind: u8) -> EngineResult<&RequestQueue> {
    match kind {
        REQUEST_DEPOSIT => Ok(&v.flows.deposits),
        REQUEST_WITHDRAW => Ok(&v.flows.withdrawals),
        _ => Err(CoreError::MathDomain.into()),
    }
}

fn queue_mut(v: &mut VaultState, kind: u8) -> EngineResult<&mut RequestQueue> {
    match kind {
        REQUEST_DEPOSIT => Ok(&mut v.flows.deposits),
        REQUEST_WITHDRAW => Ok(&mut v.flows.withdrawals),
        _ => Err(CoreError::MathDomain.into()),
    }
}

/// The rules a deposit request meets: not paused (`VaultPaused`), no flash rebalance
/// (`RebalanceInProgress`), a non-zero amount (`ZeroAmount`) of at least the vault's minimum
/// deposit (`DepositBelowMinimum`). No oracle and no fresh risk state: nothing is priced yet.
pub fn deposit_request_gate(v: &VaultState, amount: u64) -> EngineResult<()> {
    ensure(!v.is_paused(), EngineError::VaultPaused)?;
    no_flash_rebalance(v)?;
    ensure(amount > 0, CoreError::ZeroAmount)?;
    ensure(amount >= v.min_deposit, EngineError::DepositBelowMinimum)
}

/// The rules a withdrawal request meets: no flash rebalance, non-zero shares (`ZeroShares`)
/// the caller holds (`held`, `InsufficientShares`). Allowed while paused: exits never stop.
pub fn withdraw_request_gate(v: &VaultState, shares: u64, held: u64) -> EngineResult<()> {
    no_flash_rebalance(v)?;
    ensure(shares > 0, CoreError::ZeroShares)?;
    ensure(held >= shares, EngineError::InsufficientShares)
}

/// Opens request number `next_id` of `kind` for `owner`, escrowing `amount` (after its gate):
/// the queue's `next_id` and `pending` grow. Returns the request's state (bump 0: the caller
/// sets it).
pub fn open(
    v: &mut VaultState,
    vault: Address,
    owner: Address,
    kind: u8,
    amount: u64,
    time: i64,
    slot: u64,
) -> EngineResult<RequestState> {
    let q = queue_mut(v, kind)?;
    let id = q.next_id;
    q.next_id = id.checked_add(1).ok_or(CoreError::MathOverflow)?;
    q.pending = q.pending.checked_add(amount).ok_or(CoreError::MathOverflow)?;
    v.invariant()?;
    Ok(RequestState {
        vault,
        owner,
        id,
        created_at: time,
        created_slot: slot,
        pending: amount,
        claimable: 0,
        filled: 0,
        claimed: 0,
        kind,
        bump: 0,
        _pad: [0; 6],
    })
}

/// Whether request `r` is finished: nothing pending or claimable, and its queue's head is past
/// it (settlement no longer needs its account). Its account may close.
pub fn finished(v: &VaultState, r: &RequestState) -> bool {
    r.pending == 0 && r.claimable == 0 && queue(v, r.kind).is_ok_and(|q| r.id < q.head)
}

/// Takes back what request `r` still has pending (`NothingToCancel` when nothing): the queue's
/// pending falls, and the head moves past `r` if it is at the head. Returns the refund (base
/// for a deposit, shares to mint back for a withdrawal). No flash rebalance may be open.
pub fn cancel(v: &mut VaultState, r: &mut RequestState) -> EngineResult<u64> {
    no_flash_rebalance(v)?;
    ensure(r.pending > 0, EngineError::NothingToCancel)?;
    let refund = r.pending;
    r.pending = 0;
    let q = queue_mut(v, r.kind)?;
    q.pending = q.pending.checked_sub(refund).ok_or(CoreError::InvariantViolated)?;
    if q.head == r.id {
        q.head += 1;
    }
    v.invariant()?;
    Ok(refund)
}

/// Pays out what request `r` has settled: returns the amount (shares to mint for a deposit,
/// base from the escrow for a withdrawal; 0 when only the account is to close). Refused
/// (`NothingToClaim`) when there is nothing to claim and the request is not finished.
pub fn claim(v: &mut VaultState, r: &mut RequestState) -> EngineResult<u64> {
    let amount = r.claimable;
    ensure(amount > 0 || finished(v, r), EngineError::NothingToClaim)?;
    r.claimable = 0;
    r.claimed = r.claimed.checked_add(amount).ok_or(CoreError::MathOverflow)?;
    let q = queue_mut(v, r.kind)?;
    q.claimable = q.claimable.checked_sub(amount).ok_or(CoreError::InvariantViolated)?;
    v.invariant()?;
    Ok(amount)
}

/// The rule that a request settles only at prices its owner could not know: every price the
/// NAV reads (each slot whose own oracle is read, [`needs_own_oracle`]) was published after
/// the request — a Pyth price at least `settle_delay_secs` after its cluster time, a
/// Switchboard result (whose time is a slot) in a later slot.
pub fn priced_after(v: &VaultState, prices: &[OraclePrice], r: &RequestState, now: i64) -> bool {
    let delay = i64::from(v.flows.params.settle_delay_secs);
    v.active_assets().iter().enumerate().all(|(i, a)| {
        if !needs_own_oracle(v, i, now) {
            return true;
        }
        let Some(p) = prices.get(i) else { return false };
        if OracleKind::from_u8(a.oracle_kind) == Some(OracleKind::Switchboard) {
            u64::try_from(p.publish_time).is_ok_and(|s| s > r.created_slot)
        } else {
            p.publish_time >= r.created_at.saturating_add(delay)
        }
    })
}

/// NAV and total shares a settlement call prices at, kept current as fills move them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pricing {
    /// NAV rounded up (deposits) and down (withdrawals), base units.
    pub nav_up: u64,
    pub nav_down: u64,
    pub total_shares: u64,
}

/// One fill of one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fill {
    /// Escrow consumed: base (deposit) or shares (withdrawal).
    pub filled: u64,
    /// Made claimable: shares (deposit) or base (withdrawal, net of the incentive).
    pub out: u64,
    /// Keeper incentive, base units.
    pub incentive: u64,
    /// Base moving between the vault's base account and the escrow: into the vault for a
    /// deposit (`filled − incentive`), out of it for a withdrawal (`out`).
    pub base_moved: u64,
    /// NAV and total shares the fill was priced at.
    pub nav: u64,
    pub total_shares: u64,
}

/// Why a settlement call stopped at a request (the first such reason is the call's error
/// when nothing settled).
pub type Stop = EngineError;

/// The start of a settlement call from one read per slot (each no older than the call's age,
/// [`super::flows::check_not_older`]): every feed must be live (the first dead one's error:
/// a request never settles with a leg at zero), its value goes into `prices` (one per read),
/// the reads are recorded as used, the fees due accrued at the mid NAV rounded down; then the
/// pricing the fills start from (the mid NAV both ways). No flash rebalance may be open.
pub fn begin_settlement(
    v: &mut VaultState,
    supply: u64,
    reads: &[SlotRead],
    prices: &mut [OraclePrice],
    now: i64,
) -> EngineResult<(fees::FeeSummary, Pricing)> {
    no_flash_rebalance(v)?;
    for (p, r) in prices.iter_mut().zip(reads) {
        *p = (*r)?;
    }
    let (nav_down, nav_up) = v.nav_both_at(&prices[..reads.len()], now)?;
    note_prices_used(v, reads, now);
    let fees = fees::accrue(v, supply, Some(nav_down), now)?;
    let total_shares = v.total_shares(supply)?;
    super::flows::note_share_price(v, nav_down, total_shares);
    Ok((fees, Pricing { nav_up, nav_down, total_shares }))
}

/// The keeper's incentive on a fill worth `value`: `settle_incentive_bps` of it, rounded down.
pub fn incentive(v: &VaultState, value: u64) -> u64 {
    mul_div(value, u64::from(v.flows.params.settle_incentive_bps), BPS, Rounding::Down).unwrap_or(0)
}

/// Settles what it can of request `r`, which must be its queue's head (`WrongRequest`; one
/// already behind the head is done and left alone: a keeper's list may be stale),
/// priced after it ([`priced_after`], else `PriceNotAfterRequest`). A request with nothing
/// pending (cancelled) just moves the head. Deposits need the deposit rules of the moment:
/// fresh risk state, not paused; the fill is capped by the deposit cap. Withdrawals are
/// filled from the vault's base, whole or in part. `Ok(None)`: the request was already done
/// (the head moved); an error: this queue stops here (the caller stops this queue). The head
/// moves past `r` once nothing is pending.
pub fn settle(
    v: &mut VaultState,
    r: &mut RequestState,
    p: &mut Pricing,
    prices: &[OraclePrice],
    now: i64,
) -> EngineResult<Option<Fill>> {
    let head = queue(v, r.kind)?.head;
    if r.id < head {
        return Ok(None); // already done (settled or passed over by an earlier call)
    }
    ensure(head == r.id, EngineError::WrongRequest)?;
    if r.pending == 0 {
        queue_mut(v, r.kind)?.head += 1;
        return Ok(None);
    }
    ensure(priced_after(v, prices, r, now), EngineError::PriceNotAfterRequest)?;
    let fill = if r.kind == REQUEST_DEPOSIT { settle_deposit(v, r, p, now)? } else { settle_withdrawal(v, r, p)? };
    r.pending -= fill.filled;
    r.filled = r.filled.checked_add(fill.filled).ok_or(CoreError::MathOverflow)?;
    r.claimable = r.claimable.checked_add(fill.out).ok_or(CoreError::MathOverflow)?;
    let q = queue_mut(v, r.kind)?;
    q.pending -= fill.filled; // filled ≤ r.pending ≤ q.pending
    q.claimable = q.claimable.checked_add(fill.out).ok_or(CoreError::MathOverflow)?;
    if r.pending == 0 {
        q.head += 1;
    }
    v.invariant()?;
    Ok(Some(fill))
}

/// What one settlement call did ([`settle_batch`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Requests filled (in whole or part) or passed over (cancelled at the head).
    pub progressed: usize,
    /// The first reason a queue stopped (prices too early, no cash, the deposit rules).
    pub first_stop: Option<EngineError>,
    /// Why each queue stopped (`[deposits, withdrawals]`), if it did.
    pub stops: [Option<EngineError>; 2],
}

/// `settle_requests`' loop, the program's and every client's: settles `requests` in the order
/// given (deposits and withdrawals may be mixed, each queue in its own order) with [`settle`];
/// a queue stops at its first request that cannot settle now, or after a partial fill (the
/// head keeps its place); requests already behind their head are left alone; a request ahead
/// of its head, or a queue's requests not in strictly increasing id order (a request passed
/// twice), refuses the whole call (`WrongRequest`). `on_progress(i, request, fill)` sees
/// each request that progressed: filled (`Some`), or a cancelled head passed over (`None`).
pub fn settle_batch(
    v: &mut VaultState,
    p: &mut Pricing,
    prices: &[OraclePrice],
    now: i64,
    requests: &mut [RequestState],
    mut on_progress: impl FnMut(usize, &RequestState, Option<&Fill>),
) -> EngineResult<Batch> {
    let mut stopped = [false; 2];
    let mut last: [Option<u64>; 2] = [None, None];
    let mut b = Batch::default();
    for (i, r) in requests.iter_mut().enumerate() {
        let k = usize::from(r.kind.min(1));
        // ids strictly increasing per queue: no request passed twice (its stale copy would
        // be written back over its settled state)
        ensure(last[k].is_none_or(|l| r.id > l), EngineError::WrongRequest)?;
        last[k] = Some(r.id);
        if stopped[k] {
            continue;
        }
        let head = queue(v, r.kind)?.head;
        match settle(v, r, p, prices, now) {
            // a cancelled head passed over counts; a request already done does not
            Ok(None) => {
                if queue(v, r.kind)?.head != head {
                    b.progressed += 1;
                    on_progress(i, r, None);
                }
            }
            Ok(Some(f)) => {
                b.progressed += 1;
                on_progress(i, r, Some(&f));
                stopped[k] = r.pending > 0;
            }
            Err(EngineError::WrongRequest) => return Err(EngineError::WrongRequest),
            Err(e) => {
                stopped[k] = true;
                b.stops[k] = Some(e);
                b.first_stop.get_or_insert(e);
            }
        }
    }
    Ok(b)
}

fn settle_deposit(v: &mut VaultState, r: &RequestState, p: &mut Pricing, now: i64) -> EngineResult<Fill> {
    ensure(v.risk_is_fresh(now), EngineError::RiskStateStale)?;
    ensure(!v.is_paused(), EngineError::VaultPaused)?;
    let headroom = v.deposit_cap.saturating_sub(p.nav_up);
    let filled = r.pending.min(headroom);
    ensure(filled > 0, EngineError::DepositCapExceeded)?;
    let incentive = incentive(v, filled);
    let value = filled - incentive;
    let shares = shares_for_deposit(value, p.total_shares, p.nav_up)?;
    let fill = Fill { filled, out: shares, incentive, base_moved: value, nav: p.nav_up, total_shares: p.total_shares };
    v.base_quantity = v.base_quantity.checked_add(value).ok_or(CoreError::MathOverflow)?;
    p.nav_up = p.nav_up.checked_add(value).ok_or(CoreError::MathOverflow)?;
    p.nav_down = p.nav_down.checked_add(value).ok_or(CoreError::MathOverflow)?;
    p.total_shares = p.total_shares.checked_add(shares).ok_or(CoreError::MathOverflow)?;
    Ok(fill)
}

fn settle_withdrawal(v: &mut VaultState, r: &RequestState, p: &mut Pricing) -> EngineResult<Fill> {
    let owed = mul_div(r.pending, p.nav_down, p.total_shares, Rounding::Down).ok_or(CoreError::MathOverflow)?;
    if owed == 0 {
        // dust: shares worth less than one base unit leave for nothing (the queue never stalls on
        // them; the requester loses less than a unit)
        p.total_shares -= r.pending;
        let nav = p.nav_down;
        return Ok(Fill {
            filled: r.pending,
            out: 0,
            incentive: 0,
            base_moved: 0,
            nav,
            total_shares: p.total_shares + r.pending,
        });
    }
    let filled = if owed <= v.base_quantity {
        r.pending
    } else {
        // the shares the base on hand pays for, rounded down
        mul_div(v.base_quantity, p.total_shares, p.nav_down, Rounding::Down)
            .ok_or(CoreError::MathOverflow)?
            .min(r.pending)
    };
    ensure(filled > 0, EngineError::InsufficientBaseLiquidity)?;
    let amount = amount_for_shares(filled, p.total_shares, p.nav_down)?;
    ensure(amount <= v.base_quantity, EngineError::InsufficientBaseLiquidity)?;
    let incentive = incentive(v, amount);
    let out = amount - incentive;
    let fill = Fill { filled, out, incentive, base_moved: out, nav: p.nav_down, total_shares: p.total_shares };
    v.base_quantity -= amount;
    p.nav_down = p.nav_down.saturating_sub(amount);
    p.nav_up = p.nav_up.saturating_sub(amount);
    p.total_shares -= filled; // filled ≤ the queue's pending ≤ total shares
    Ok(fill)
}

/// Base the withdrawal queue is owed at NAV `nav` and `total_shares`: its pending shares'
/// value, rounded up (what instant withdrawals must leave in the vault;
/// `VaultState::queue_value`).
pub fn queue_owed(v: &VaultState, nav: u64, total_shares: u64) -> EngineResult<u64> {
    Ok(v.queue_value(nav, total_shares).ok_or(CoreError::MathOverflow)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::FlowParams;

    const NOW: i64 = 10_000;

    /// The engine's test vault with a 10 bps settlement incentive.
    fn vault() -> VaultState {
        let mut v = crate::engine::flows::test_vault::vault();
        v.flows.params = FlowParams { settle_incentive_bps: 10, ..FlowParams::DEFAULT };
        v
    }

    fn pricing(v: &VaultState, supply: u64) -> Pricing {
        let nav = v.base_quantity;
        Pricing { nav_up: nav, nav_down: nav, total_shares: v.total_shares(supply).unwrap() }
    }

    #[test]
    fn a_request_opens_settles_and_is_claimed_in_order() {
        let mut v = vault();
        assert_eq!(deposit_request_gate(&v, 9), Err(EngineError::DepositBelowMinimum));
        let mut a = open(&mut v, [1; 32], [2; 32], REQUEST_DEPOSIT, 500_000, NOW, 7).unwrap();
        let mut b = open(&mut v, [1; 32], [3; 32], REQUEST_DEPOSIT, 100_000, NOW, 7).unwrap();
        assert_eq!((a.id, b.id, v.flows.deposits.pending, v.flows.deposits.next_id), (0, 1, 600_000, 2));
        // the escrow is not in the NAV nor the shares
        assert_eq!(v.total_shares(0), Ok(1_000_000));
        let mut p = pricing(&v, 0);
        // b is not the head
        assert_eq!(settle(&mut v, &mut b, &mut p, &[], NOW), Err(EngineError::WrongRequest));
        let f = settle(&mut v, &mut a, &mut p, &[], NOW).unwrap().unwrap();
        // 10 bps incentive: 500; 499,500 in at NAV 1,000,000 for 1,000,000 shares
        assert_eq!((f.filled, f.incentive, f.base_moved, f.out), (500_000, 500, 499_500, 499_500));
        assert_eq!((v.base_quantity, v.flows.deposits.head, v.flows.deposits.claimable), (1_499_500, 1, 499_500));
        assert_eq!(v.total_shares(0), Ok(1_499_500), "settled shares count before they are minted");
        assert_eq!(claim(&mut v, &mut b), Err(EngineError::NothingToClaim));
        assert_eq!(claim(&mut v, &mut a), Ok(499_500));
        assert!(finished(&v, &a));
        assert_eq!(v.flows.deposits.claimable, 0);
        // b cancelled: the head moves past it
        assert_eq!(cancel(&mut v, &mut b), Ok(100_000));
        assert_eq!((v.flows.deposits.pending, v.flows.deposits.head), (0, 2));
        assert!(finished(&v, &b));
        assert_eq!(cancel(&mut v, &mut b), Err(EngineError::NothingToCancel));
    }

    #[test]
    fn a_withdrawal_fills_in_part_from_the_base_on_hand_and_keeps_the_head() {
        let mut v = vault();
        v.base_quantity = 300_000;
        v.assets[0].quantity = 1; // a leg worth 700,000 in the NAV below
                                  // 1,000,000 total shares: the holder of 500,000 escrows them (burnt from the mint)
        let mut r = open(&mut v, [1; 32], [2; 32], REQUEST_WITHDRAW, 500_000, NOW, 7).unwrap();
        let supply = 500_000 - 500_000; // supply after the burn (dead shares 1,000,000 hold the rest)
        let total = v.total_shares(supply).unwrap();
        assert_eq!(total, 1_500_000);
        let mut p = Pricing { nav_up: 1_500_000, nav_down: 1_500_000, total_shares: total };
        let f = settle(&mut v, &mut r, &mut p, &[], NOW).unwrap().unwrap();
        // owed 500,000; the base pays 300,000 = 300,000 shares
        assert_eq!((f.filled, f.incentive, f.out), (300_000, 300, 299_700));
        assert_eq!((r.pending, v.flows.withdrawals.head, v.base_quantity), (200_000, 0, 0));
        assert_eq!(settle(&mut v, &mut r, &mut p, &[], NOW), Err(EngineError::InsufficientBaseLiquidity));
        // cash arrives: the rest fills
        v.base_quantity = 400_000;
        p.nav_down += 400_000;
        p.nav_up += 400_000;
        let f = settle(&mut v, &mut r, &mut p, &[], NOW).unwrap().unwrap();
        assert_eq!(f.filled, 200_000);
        assert_eq!((r.pending, r.claimable, v.flows.withdrawals.head), (0, 299_700 + f.out, 1));
    }

    #[test]
    fn a_request_needs_prices_published_after_it() {
        let mut v = vault();
        v.num_assets = 1;
        v.risk_refreshed_at = NOW;
        v.max_risk_age = 60;
        let r = open(&mut v, [1; 32], [2; 32], REQUEST_DEPOSIT, 100, NOW, 7).unwrap();
        let px = |t| [OraclePrice { price: 1, conf: 0, expo: 0, publish_time: t }];
        assert!(!priced_after(&v, &px(NOW), &r, NOW + 10));
        assert!(!priced_after(&v, &px(NOW + 1), &r, NOW + 10), "within the delay");
        assert!(priced_after(&v, &px(NOW + 2), &r, NOW + 10));
        // Switchboard: slots
        v.assets[0].oracle_kind = 1;
        assert!(!priced_after(&v, &px(7), &r, NOW + 10));
        assert!(priced_after(&v, &px(8), &r, NOW + 10));
    }

    #[test]
    fn a_batch_stops_each_queue_on_its_own() {
        let mut v = vault();
        v.base_quantity = 100_000; // NAV 1,100,000 with a leg below (not priced here)
        let w1 = open(&mut v, [1; 32], [2; 32], REQUEST_WITHDRAW, 300_000, NOW, 7).unwrap();
        let w2 = open(&mut v, [1; 32], [3; 32], REQUEST_WITHDRAW, 1_000, NOW, 7).unwrap();
        let mut d0 = open(&mut v, [1; 32], [4; 32], REQUEST_DEPOSIT, 50_000, NOW, 7).unwrap();
        let d1 = open(&mut v, [1; 32], [4; 32], REQUEST_DEPOSIT, 70_000, NOW, 7).unwrap();
        cancel(&mut v, &mut d0).unwrap(); // the deposit head: cancelled, the head moves to d1
        let mut p = Pricing { nav_up: 1_100_000, nav_down: 1_100_000, total_shares: v.total_shares(0).unwrap() };
        let mut seen = vec![];
        // withdrawals first in the list, deposits after: each queue in its own order
        let mut list = [w1, w2, d0, d1];
        let b = settle_batch(&mut v, &mut p, &[], NOW, &mut list, |i, r, f| seen.push((i, r.id, f.map(|f| f.filled))))
            .unwrap();
        // w1 fills in part from the 100,000 of base (+ nothing yet from d1, which comes later in
        // the list): the withdrawal queue stops there; d0 (behind the head) is left alone; d1 fills
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!((seen[0].0, seen[0].1), (0, 0));
        assert!(seen[0].2.unwrap() < 300_000, "a partial fill");
        assert_eq!(seen[1], (3, 1, Some(70_000)));
        assert_eq!((b.progressed, b.first_stop), (2, None));
        assert_eq!(list[1].pending, 1_000, "w2 waits behind the partial head");
        // the same request twice, or out of order, refuses the whole call
        let mut twice = [list[0], list[0]];
        assert_eq!(settle_batch(&mut v, &mut p, &[], NOW, &mut twice, |_, _, _| ()), Err(EngineError::WrongRequest));
        // a request ahead of its head refuses the whole call
        let mut ahead = [list[1]];
        assert_eq!(settle_batch(&mut v, &mut p, &[], NOW, &mut ahead, |_, _, _| ()), Err(EngineError::WrongRequest));
        // the head alone, with no base left: the queue's stop is reported
        v.base_quantity = 0;
        let mut head = [list[0]];
        let b = settle_batch(&mut v, &mut p, &[], NOW, &mut head, |_, _, _| ()).unwrap();
        assert_eq!((b.progressed, b.stops), (0, [None, Some(EngineError::InsufficientBaseLiquidity)]));
    }

    #[test]
    fn dust_worth_less_than_a_unit_settles_for_nothing() {
        let mut v = vault();
        v.base_quantity = 0; // no cash at all
        let mut r = open(&mut v, [1; 32], [2; 32], REQUEST_WITHDRAW, 1, NOW, 7).unwrap();
        // 1 share of 3 at NAV 2: worth 0.67 unit
        let mut p = Pricing { nav_up: 2, nav_down: 2, total_shares: 3 };
        let f = settle(&mut v, &mut r, &mut p, &[], NOW).unwrap().unwrap();
        assert_eq!((f.filled, f.out, f.base_moved, r.pending, v.flows.withdrawals.head), (1, 0, 0, 0, 1));
        assert_eq!(p.total_shares, 2);
    }

    #[test]
    fn the_queue_is_owed_its_pending_shares_at_the_nav() {
        let mut v = vault();
        assert_eq!(queue_owed(&v, 2_000_000, 1_000_000), Ok(0));
        v.flows.withdrawals.pending = 10_000_000;
        assert_eq!(queue_owed(&v, 2_000_000, 1_000_000), Ok(20_000_000));
        v.flows.withdrawals.pending = 1;
        assert_eq!(queue_owed(&v, 2, 3), Ok(1), "rounded up");
    }
}
