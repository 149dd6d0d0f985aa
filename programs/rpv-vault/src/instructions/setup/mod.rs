//! Creating a vault, registering what it holds and retiring what it no longer holds.

pub mod add_asset;
pub mod add_option;
pub mod initialize_vault;
pub mod retire_asset;

pub use add_asset::*;
pub use add_option::*;
pub use initialize_vault::*;
pub use retire_asset::*;
