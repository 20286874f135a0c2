//! Arbitrary bytes as a packetdrill script: see `synack_fuzz::script`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| synack_fuzz::script::check(data));
