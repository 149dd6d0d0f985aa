#![no_main]
//! `cargo fuzz run fees`: see `rpv_fuzz::fees` for what it asserts.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rpv_fuzz::fees::run(data));
