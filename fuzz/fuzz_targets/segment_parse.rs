//! Arbitrary bytes as an IP packet, a TCP segment and a TCP option area: see `synack_fuzz::segment`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| synack_fuzz::segment::check(data));
