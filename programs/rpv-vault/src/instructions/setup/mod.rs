//! Creating a vault and registering what it holds.

pub mod add_asset;
pub mod add_option;
pub mod initialize_vault;

pub use add_asset::*;
pub use add_option::*;
pub use initialize_vault::*;
