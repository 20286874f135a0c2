//! Capture files into the offline oracle: see `synack_fuzz::pcap`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| synack_fuzz::pcap::check(data));
