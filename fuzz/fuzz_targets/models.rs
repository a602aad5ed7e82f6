#![no_main]
//! Fuzz target: see `dimg::fuzzing::models`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dimg::fuzzing::models(data));
