//! The oracle's switches: RFC 5961 on/off and RFC 1337 change what a stack may do, and a
//! deviation is permitted only where the profile says so.

use std::path::Path;
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::{self, Deviation, OracleProfile, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack::trace::Trace;
use synack_stack::decision::Check;
use synack_stack::{Profile, Step};

/// A suite script run with `setting` (a sysctl line) in front of it.
fn run_with(script: &str, setting: &str) -> Trace {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts").join(script)).unwrap();
    let path = dir.path().join("s.pkt");
    std::fs::write(&path, format!("`sysctl -q {setting}`\n{source}")).unwrap();
    let config = SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: vec![IpMode::Ipv4],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    suite::run_job(&Job { path, mode: IpMode::Ipv4 }, &config).1.expect("runs")
}

fn violations(t: &Trace, p: &OracleProfile) -> Vec<String> {
    oracle::check(t, p).into_iter().filter(|f| f.severity == Severity::Violation).map(|f| f.to_string()).collect()
}

#[test]
fn rfc1337_lets_time_wait_ignore_a_reset() {
    // The stack ignores the RST at RCV.NXT in TIME-WAIT (RFC 1337) and later answers the
    // peer's ACK from TIME-WAIT, not as a listener would.
    let t = run_with("reset/rst-time-wait.pkt", "net.ipv4.tcp_rfc1337=1");
    let followed = OracleProfile::for_trace(&t);
    assert!(followed.rfc1337, "the profile follows the script's sysctl");
    assert!(violations(&t, &followed).is_empty(), "{:?}", violations(&t, &followed));
    let mut strict = followed.clone();
    strict.rfc1337 = false;
    assert!(!violations(&t, &strict).is_empty(), "without RFC 1337 the ignored RST is a violation");
}

#[test]
fn without_rfc5961_a_syn_in_the_window_resets() {
    // The RFC 793 behaviour (the `syn_resets_connection` mutant): right without RFC 5961,
    // a violation with it.
    let t = run_with("rfc5961/syn-challenge-ack.pkt", "synack.mutation=syn_resets_connection");
    let with = OracleProfile::linux();
    let v = oracle::check(&t, &with);
    assert!(
        v.iter().any(|f| f.severity == Severity::Violation && f.step == Some(Step::Other(Check::Syn))),
        "{v:?}"
    );
    let mut without = with.clone();
    without.rfc5961 = false;
    assert!(violations(&t, &without).is_empty(), "{:?}", violations(&t, &without));
}

#[test]
fn a_deviation_is_permitted_only_by_name() {
    // Linux's 60 s TIME-WAIT: permitted by `linux`, a violation under `rfc9293`, and under
    // `rfc9293` with just that deviation declared, permitted again.
    let t = run_with("close/time-wait.pkt", "net.ipv4.tcp_timestamps=1");
    let linux = oracle::check(&t, &OracleProfile::linux());
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::ShortTimeWait) && f.severity == Severity::Permitted));
    assert!(violations(&t, &OracleProfile::linux()).is_empty());
    let rfc = violations(&t, &OracleProfile::rfc9293());
    assert!(rfc.iter().any(|v| v.contains("MUST-13")), "{rfc:?}");
    let mut declared = OracleProfile::rfc9293();
    declared.permitted.push(Deviation::ShortTimeWait);
    assert!(violations(&t, &declared).is_empty(), "{:?}", violations(&t, &declared));
}
