pub mod add_asset;
pub mod deposit;
pub(crate) mod flow;
pub mod initialize_vault;
pub mod withdraw;

pub use add_asset::*;
pub use deposit::*;
pub use initialize_vault::*;
pub use withdraw::*;
