//! Library side of the `rpv` command line (so its commands can be tested).

pub mod demo;
pub mod option_cmd;
pub mod risk_cmd;
