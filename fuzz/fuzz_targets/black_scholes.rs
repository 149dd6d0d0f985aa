#![no_main]
//! `cargo fuzz run black_scholes`: see `rpv_fuzz::black_scholes` for what it asserts.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rpv_fuzz::black_scholes::run(data));
