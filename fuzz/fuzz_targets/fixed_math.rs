#![no_main]
//! `cargo fuzz run fixed_math`: see `rpv_fuzz::fixed_math` for what it asserts.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rpv_fuzz::fixed_math::run(data));
