//! Compute-unit estimates per instruction, from the units measured on the `.so` by
//! `cargo xtask bench` (regenerated into `cu_table.rs` with the table in `docs/compute-units.md`, never typed).
//!
//! ```
//! // a deposit into a vault of 8 assets (measured), and of 10 (interpolated)
//! let at8 = rpv_sdk::cu::estimate("deposit", 8).unwrap();
//! let at10 = rpv_sdk::cu::estimate("deposit", 10).unwrap();
//! assert!(at10 > at8);
//! // a compute budget with headroom
//! let limit = rpv_sdk::cu::with_headroom(at10);
//! assert!(u64::from(limit) > at10);
//! ```

use solana_compute_budget_interface::ComputeBudgetInstruction;

use crate::{
    cu_table::{ASSET_COUNTS, ROWS},
    Instruction,
};

/// The compute budget instructions to put first in a transaction: a unit `limit` and a price
/// of `micro_lamports` per unit (the priority fee is `limit × micro_lamports / 10^6` lamports).
pub fn budget(limit: u32, micro_lamports: u64) -> [Instruction; 2] {
    [limit_to(limit), price(micro_lamports)]
}

/// The compute budget instruction setting a transaction's compute-unit price (its priority fee
/// per unit, micro-lamports).
pub fn price(micro_lamports: u64) -> Instruction {
    ComputeBudgetInstruction::set_compute_unit_price(micro_lamports)
}

/// The compute budget instruction setting a transaction's unit limit.
pub fn limit_to(units: u32) -> Instruction {
    ComputeBudgetInstruction::set_compute_unit_limit(units)
}

/// CU of instruction `name` (e.g. `"deposit"`, `"refresh"`, `"rebalance"`) in a vault of
/// `assets` registered assets: the measured figure, linear between measured asset counts, the
/// largest measured beyond them. `None` for an instruction the benchmark does not measure per
/// asset count.
pub fn estimate(name: &str, assets: usize) -> Option<u64> {
    let tick = format!("`{name}`");
    let (_, cells) = ROWS.iter().find(|(row, _)| *row == tick || row.starts_with(&format!("{tick} ")))?;
    let measured: Vec<(usize, u64)> =
        ASSET_COUNTS.iter().zip(cells.iter()).filter_map(|(n, c)| c.map(|c| (*n, c))).collect();
    let (first, last) = (*measured.first()?, *measured.last()?);
    if assets <= first.0 {
        return Some(first.1);
    }
    if assets >= last.0 {
        return Some(last.1);
    }
    let w = measured.windows(2).find(|w| assets >= w[0].0 && assets <= w[1].0)?;
    let ((n0, c0), (n1, c1)) = (w[0], w[1]);
    let t = (assets - n0) as f64 / (n1 - n0) as f64;
    Some((c0 as f64 + t * (c1 as f64 - c0 as f64)).round() as u64)
}

/// A compute-unit limit for an estimate: +20 % and 5,000 CU of headroom (measured costs move
/// slightly with account contents and PDA bump searches).
pub fn with_headroom(cu: u64) -> u32 {
    u32::try_from(cu + cu / 5 + 5_000).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_follow_the_measured_table() {
        for name in ["deposit", "withdraw", "refresh", "rebalance", "quote"] {
            let e = estimate(name, 16).unwrap_or_else(|| panic!("{name} is measured"));
            assert!(e > 1_000 && e < 200_000, "{name}: {e}");
            assert!(estimate(name, 1).unwrap() <= e, "{name} grows with the asset count");
        }
        // exact at a measured count, between its neighbours elsewhere
        let row = ROWS.iter().find(|(n, _)| *n == "`deposit`").unwrap().1;
        assert_eq!(estimate("deposit", 8), row[4]);
        let mid = estimate("deposit", 12).unwrap();
        assert!(mid >= row[4].unwrap() && mid <= row[5].unwrap());
        assert_eq!(estimate("no_such_instruction", 3), None);
        // the request path (issue 15) is measured at every asset count
        for name in ["request_deposit", "request_withdraw", "settle_requests", "claim_request", "cancel_request"] {
            let e = estimate(name, 16).unwrap_or_else(|| panic!("{name} is measured"));
            assert!(e > 1_000 && e <= 150_000, "{name}: {e}");
        }
        // settling reads every oracle: it grows with the asset count
        assert!(estimate("settle_requests", 16).unwrap() > estimate("settle_requests", 1).unwrap());
        assert!(estimate("set_flow_params", 16).is_some());
    }

    /// The compute budget program's wire format: a tag, then the value little-endian.
    #[test]
    fn budget_instructions() {
        let [l, p] = budget(300_000, 1_000);
        assert_eq!(l.program_id, crate::Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"));
        assert_eq!(l.data, [&[2u8][..], &300_000u32.to_le_bytes()].concat());
        assert_eq!(p.data, [&[3u8][..], &1_000u64.to_le_bytes()].concat());
        assert!(l.accounts.is_empty() && p.accounts.is_empty());
        assert_eq!(limit_to(7), ComputeBudgetInstruction::set_compute_unit_limit(7));
    }
}
