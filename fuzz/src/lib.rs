//! synack's fuzz targets as a library: the checks each target runs on an input, so that the
//! targets in `fuzz_targets/` are one line each and the regression tests in `cargo test`
//! (`stack/tests/fuzz_regressions.rs`, `harness/tests/fuzz_regressions.rs`) replay checked-in
//! reproducers through exactly the same code.
//!
//! - [`segment`] — `segment_parse`: the wire parser, round trips, etherparse differential.
//! - [`script`] — `script_parse`: the packetdrill script parser.
//! - [`machine`] — `state_machine`: event sequences against the reference stack, judged by
//!   the RFC 9293 oracle.
//! - [`pcap`] — `pcap_check`: capture files into the offline oracle.
//! - [`seeds`] — `state_machine` seeds derived from packetdrill scripts.

pub mod machine;
pub mod pcap;
pub mod script;
pub mod seeds;
pub mod segment;
