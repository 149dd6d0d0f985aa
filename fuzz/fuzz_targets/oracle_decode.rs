#![no_main]
//! `cargo fuzz run oracle_decode`: see `rpv_fuzz::oracle_decode` for what it asserts.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rpv_fuzz::oracle_decode::run(data));
