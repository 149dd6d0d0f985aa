//! Program-derived addresses: the interface's derivations (`rpv_interface::client::pda`, from
//! the seeds in `rpv_interface::seeds`).

pub use rpv_interface::client::pda::*;
