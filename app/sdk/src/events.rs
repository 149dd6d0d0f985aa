//! The program's events and their log decoder (`rpv_interface::client::events`): the types
//! the program emits, with solana-pubkey addresses.

pub use rpv_interface::client::events::*;
