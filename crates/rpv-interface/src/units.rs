//! Units of the integer parameters on the wire. One home: the program, the core crate and
//! every client use these.

/// Basis points in one (1 bp = 0.01 %).
pub const BPS: u64 = 10_000;
/// Parts per million in one.
pub const PPM: u64 = 1_000_000;
/// Parts per billion in one (risk budgets sum to this).
pub const PPB: u64 = 1_000_000_000;
/// Seconds in a day (daily caps, ranges).
pub const SECONDS_PER_DAY: u32 = 86_400;
