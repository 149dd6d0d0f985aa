//! `rpv-lab`: the backtest (known answers, the command and its charts), the SVG writer and the
//! demos on the built `.so`. One test binary.

mod backtest;
mod demo;
mod parity;
mod support;
