#![no_main]
//! `cargo fuzz run share_accounting`: see `rpv_fuzz::share_accounting` for what it asserts.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rpv_fuzz::share_accounting::run(data));
