#![no_main]
//! Fuzz target: see `dimg::fuzzing::json_lines`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dimg::fuzzing::json_lines(data));
