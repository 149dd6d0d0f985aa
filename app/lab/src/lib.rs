//! Library side of `rpv-lab` — the vault off-chain, apart from the operator CLI (`rpv`):
//!
//! | module | contents |
//! |---|---|
//! | [`market_demo`] | `rpv-lab demo`: 60 simulated days on an embedded SVM with the keeper cranking |
//! | [`demo`] | `rpv-lab demo --lifecycle`: the instruction-by-instruction tour |
//! | [`parity`] | what the program equalises, measured: position risk contributions against budgets, realised against target volatility |
//! | [`backtest`] | `rpv-lab backtest`: the vault's engine over a price history; statistics and charts |
//! | [`serve`] | `rpv-lab serve`: a vault behind the embedded SVM's JSON-RPC endpoint, for the web page |
//! | [`svg`] | a small SVG line-chart writer |

pub mod backtest;
pub mod demo;
pub mod market_demo;
pub mod parity;
pub mod serve;
pub mod svg;
