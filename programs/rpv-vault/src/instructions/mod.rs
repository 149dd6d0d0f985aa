pub mod add_asset;
pub mod deposit;
pub mod deposit_asset;
pub mod flow;
pub mod initialize_vault;
pub mod withdraw;

pub use add_asset::*;
pub use deposit_asset::*;
pub use flow::*;
pub use initialize_vault::*;
