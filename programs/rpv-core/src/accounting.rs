//! The vault's accounting rules on its layout: outstanding shares, the invariant checked at the
//! end of every mutating instruction, the registry check run when the asset set changes, the
//! freshness of the risk state and the balance ≥ accounted reconciliation.

use bytemuck::Zeroable;

use crate::{
    error::CoreResult,
    layout::{AssetSlot, OracleKind, VaultState, BUDGET_ONE, KIND_PUT, MAX_ASSETS, MAX_DECIMALS, STATE_VERSION},
    math::{mul_div, Rounding, BPS},
    CoreError,
};

impl VaultState {
    /// Total outstanding shares: the share mint's supply plus the dead shares plus the fee
    /// shares accrued but not minted yet, plus the request queues' shares outside the mint —
    /// settled to deposit requests and not claimed (minted on claim), and escrowed by
    /// withdrawal requests and not settled (burnt at the request, minted back on cancel).
    pub fn total_shares(&self, share_mint_supply: u64) -> CoreResult<u64> {
        share_mint_supply
            .checked_add(self.dead_shares)
            .and_then(|s| s.checked_add(self.fees.pending_shares))
            .and_then(|s| s.checked_add(self.flows.deposits.claimable))
            .and_then(|s| s.checked_add(self.flows.withdrawals.pending))
            .ok_or(CoreError::MathOverflow)
    }

    /// What the withdrawal queue's pending shares are worth at NAV `nav` for `shares` total
    /// shares, rounded up (`None` on overflow): what instant withdrawals must leave in the vault
    /// and what the rebalancer raises cash for.
    pub fn queue_value(&self, nav: u64, shares: u64) -> Option<u64> {
        match self.flows.withdrawals.pending {
            0 => Some(0),
            pending => mul_div(pending, nav, shares.max(1), Rounding::Up),
        }
    }

    /// What the request escrow owes: the base of pending deposit requests plus the base settled
    /// to withdrawal requests and not yet claimed (its balance is at least this).
    pub fn escrow_owed(&self) -> u64 {
        self.flows.deposits.pending.saturating_add(self.flows.withdrawals.claimable)
    }

    /// Whether a setup change — a registration (`add_asset` / `add_option`) or a new guardian —
    /// must wait for the timelock: under a timelock, as soon as shares exist beyond the dead
    /// ones (minted, or fee shares pending). Until then no depositor's value is at stake and
    /// the registry is public before anyone deposits, so a vault is set up at once (`rpv init`).
    pub fn setup_change_waits(&self, share_mint_supply: u64) -> bool {
        self.timelock_secs != 0 && (share_mint_supply != 0 || self.fees.pending_shares != 0)
    }

    /// Cheap invariant, checked at the end of every mutating instruction.
    pub fn invariant(&self) -> CoreResult<()> {
        let ok = self.version == STATE_VERSION
            && usize::from(self.num_assets) <= MAX_ASSETS
            && self.dead_shares > 0
            && self.base_decimals <= MAX_DECIMALS
            && self.min_deposit <= self.deposit_cap
            && self.fees.rates_valid()
            && self.flows.deposits.head <= self.flows.deposits.next_id
            && self.flows.withdrawals.head <= self.flows.withdrawals.next_id;
        if ok {
            Ok(())
        } else {
            Err(CoreError::InvariantViolated)
        }
    }

    /// Whether the risk state is recent enough to price deposits and withdrawals: always with
    /// no assets, else refreshed within `max_risk_age` seconds.
    pub fn risk_is_fresh(&self, now: i64) -> bool {
        self.num_assets == 0
            || (self.risk_refreshed_at > 0
                && now.saturating_sub(self.risk_refreshed_at) <= i64::from(self.max_risk_age))
    }

    /// The vault's token account holds at least what the vault accounts for.
    pub fn check_reconciled(accounted: u64, token_balance: u64) -> CoreResult<()> {
        if token_balance >= accounted {
            Ok(())
        } else {
            Err(CoreError::InvariantViolated)
        }
    }

    /// Full registry check (O(n²)), run when the asset set changes: each active asset is
    /// well-formed and distinct from the base and from every other asset; unused slots are empty.
    pub fn check_registry(&self) -> CoreResult<()> {
        self.invariant()?;
        let active = self.active_assets();
        for (i, a) in active.iter().enumerate() {
            let ok = a.mint != self.base_mint
                && a.mint != [0; 32]
                && a.risk_budget > 0
                && a.risk_budget <= BUDGET_ONE
                && a.max_oracle_age > 0
                && a.max_conf_bps > 0
                && u64::from(a.max_conf_bps) <= BPS
                && a.decimals <= MAX_DECIMALS
                && OracleKind::from_u8(a.oracle_kind).is_some()
                && a.option.kind <= KIND_PUT
                && (!a.option.is_option()
                    || (usize::from(a.option.underlying) < i
                        && !active[usize::from(a.option.underlying)].option.is_option()
                        && a.option.strike.get() > 0
                        && a.option.contract_size.get() > 0))
                && active[..i].iter().all(|b| b.mint != a.mint && b.token_account != a.token_account);
            if !ok {
                return Err(CoreError::InvariantViolated);
            }
        }
        if self.assets[active.len()..].iter().any(|s| *s != AssetSlot::zeroed()) {
            return Err(CoreError::InvariantViolated);
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn vault() -> VaultState {
        let mut v = VaultState::zeroed();
        v.version = STATE_VERSION;
        v.base_mint = [1; 32];
        v.base_decimals = 6;
        v.dead_shares = 1_000_000;
        v.base_quantity = 1_000_000;
        v.deposit_cap = u64::MAX;
        v
    }

    pub(crate) fn asset(mint: u8, qty: u64, decimals: u8) -> AssetSlot {
        AssetSlot {
            mint: [mint; 32],
            token_account: [mint + 100; 32],
            quantity: qty,
            risk_budget: BUDGET_ONE / 2,
            max_oracle_age: 60,
            max_conf_bps: 100,
            decimals,
            ..AssetSlot::zeroed()
        }
    }

    #[test]
    fn registry_rules() {
        let mut v = vault();
        v.assets[0] = asset(2, 0, 9);
        v.assets[1] = asset(3, 0, 9);
        v.num_assets = 2;
        assert_eq!(v.check_registry(), Ok(()));
        let mut dup = v;
        dup.assets[1].mint = [2; 32];
        assert_eq!(dup.check_registry(), Err(CoreError::InvariantViolated));
        let mut base = v;
        base.assets[1].mint = base.base_mint;
        assert_eq!(base.check_registry(), Err(CoreError::InvariantViolated));
        let mut stray = v;
        stray.assets[5].quantity = 1;
        assert_eq!(stray.check_registry(), Err(CoreError::InvariantViolated));
        let mut no_dead = v;
        no_dead.dead_shares = 0;
        assert_eq!(no_dead.invariant(), Err(CoreError::InvariantViolated));
        assert_eq!(VaultState::check_reconciled(10, 9), Err(CoreError::InvariantViolated));
        assert_eq!(VaultState::check_reconciled(10, 11), Ok(()));
    }

    #[test]
    fn setup_changes_wait_under_a_timelock_once_outside_shares_exist() {
        let mut v = vault();
        assert!(!v.setup_change_waits(5), "no timelock: at once");
        v.timelock_secs = 60;
        assert!(!v.setup_change_waits(0), "only dead shares: at once");
        assert!(v.setup_change_waits(1));
        v.fees.pending_shares = 1;
        assert!(v.setup_change_waits(0), "fee shares are outside shares");
    }
}
