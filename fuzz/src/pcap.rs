//! `pcap_check`: arbitrary bytes as a capture file into the offline oracle (`synack check`'s
//! reading path: `synack::oracle::capture::check_bytes`, pcap and pcapng).
//!
//! - Never a panic. `check_bytes` catches a panic of the file library as a last line of
//!   defence and calls the file malformed; libFuzzer's panic hook aborts first, and the
//!   check below fails on that error too, so a caught panic is still a finding.
//! - Deterministic: the same bytes judged twice give the same report.
//!
//! Each input is judged twice over: every endpoint under the `linux` profile, and under
//! `rfc9293` only the address the suite's captures give the stack under test.
//! Violations panic with a message naming the property.

use synack::oracle::capture::{check_bytes, Endpoint};
use synack::oracle::OracleProfile;

/// What `check_bytes` says when its `catch_unwind` caught a panic.
const CAUGHT_PANIC: &str = "the reader gave up";

/// Runs every check on `data`; panics on the first violation.
pub fn check(data: &[u8]) {
    let stack = Endpoint { ip: std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)), port: None };
    let runs: [(&[Endpoint], OracleProfile); 2] =
        [(&[], OracleProfile::linux().for_capture()), (&[stack], OracleProfile::rfc9293().for_capture())];
    for (endpoints, profile) in runs {
        let first = check_bytes(data, endpoints, profile.clone());
        if let Err(e) = &first {
            assert!(!e.0.contains(CAUGHT_PANIC), "the capture reader panicked: {e}");
        }
        let second = check_bytes(data, endpoints, profile);
        assert!(first == second, "judging the same bytes twice differed:\n{first:?}\n{second:?}");
    }
}
