//! Money in and out: deposits, withdrawals, in-kind redemption, and the read-only `quote` of
//! what they are priced against.

pub mod deposit;
pub mod deposit_asset;
pub mod flow;
pub mod quote;
pub mod redeem_in_kind;
pub mod withdraw;

pub use deposit_asset::*;
pub use flow::*;
pub use quote::*;
pub use redeem_in_kind::*;
