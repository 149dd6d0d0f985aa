pub mod deposit;
pub mod flow;
pub mod initialize;
pub mod record_quote;
pub mod relay_rebalance;
pub mod withdraw;

pub use flow::*;
pub use initialize::*;
pub use record_quote::*;
pub use relay_rebalance::*;
