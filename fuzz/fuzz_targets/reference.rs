#![no_main]
//! Fuzz target: see `dimg::fuzzing::reference`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dimg::fuzzing::reference(data));
