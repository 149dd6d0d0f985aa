//! Library side of `rpv`, the vault's operator command line (so its commands can be tested).
//!
//! | module | contents |
//! |---|---|
//! | [`cmd`] | the clap command line, one module per command, each returning a typed report |
//! | [`config`] | the vault configuration file (`examples/vault.toml`), checked against the program's ranges |

pub mod cmd;
pub mod config;
