//! Captures that start mid-connection: the oracle follows such a connection from the judged
//! stack's first ACK (see `oracle::join`). Every cut of every suite run draws no violation;
//! a violation planted after the cut is still found.

use std::path::{Path, PathBuf};
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::capture::{check_bytes, CaptureReport, Endpoint};
use synack::oracle::{OracleProfile, Rule, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack::trace::{Trace, TraceKind};
use synack_stack::Profile;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts")
}

fn config(profile: Profile) -> SuiteConfig {
    SuiteConfig {
        stack: StackKind::Reference,
        profile,
        modes: vec![IpMode::Ipv4],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    }
}

fn trace(script: &str) -> Trace {
    suite::run_job(&Job { path: suite_dir().join(script), mode: IpMode::Ipv4 }, &config(Profile::Linux)).1.expect("runs")
}

/// The stack's addresses in the suite's runs.
fn stack() -> Vec<Endpoint> {
    vec!["192.0.2.1".parse().unwrap(), "2001:db8:0:1::1".parse().unwrap()]
}

/// The run's capture from its `from`-th packet on.
fn cut(t: &Trace, from: usize) -> Vec<u8> {
    let mut c = t.clone();
    let mut packets = 0;
    c.events.retain(|e| match e.kind {
        TraceKind::Inbound(_) | TraceKind::Outbound(_) => {
            packets += 1;
            packets > from
        }
        _ => true,
    });
    synack::report::pcap::pcap_bytes(&c)
}

fn judge(bytes: &[u8], profile: OracleProfile) -> CaptureReport {
    check_bytes(bytes, &stack(), profile).unwrap_or_else(|e| panic!("unreadable: {e}"))
}

fn violations(r: &CaptureReport) -> Vec<String> {
    r.findings.iter().filter(|f| f.severity == Severity::Violation).map(|f| f.to_string()).collect()
}

#[test]
fn every_cut_of_every_suite_run_draws_no_violation() {
    let scripts = suite::discover(&[suite_dir()]).expect("the suite exists");
    let (mut cuts, mut joined, mut failures) = (0, 0, Vec::new());
    for (profile, oracle) in [(Profile::Linux, OracleProfile::linux()), (Profile::Rfc9293, OracleProfile::rfc9293())] {
        for job in suite::plan(&scripts, &[IpMode::Ipv4]) {
            let (report, t) = suite::run_job(&job, &config(profile));
            let Some(t) = t else { continue };
            if report.oracle.iter().any(|f| f.severity == Severity::Violation) {
                continue; // judged elsewhere; a cut cannot do better than the whole run
            }
            let n = t.packets().count();
            for from in 1..n {
                let r = judge(&cut(&t, from), oracle.clone());
                cuts += 1;
                joined += r.stats.joined;
                for v in violations(&r) {
                    failures.push(format!("{} ({}) from packet {from}: {v}", job.path.display(), oracle.name));
                }
            }
        }
    }
    println!("{cuts} cuts judged, {joined} connections joined mid-stream");
    assert!(cuts > 800 && joined * 2 > cuts, "{cuts} cuts, {joined} joined");
    assert!(failures.is_empty(), "{} false alarms:\n{}", failures.len(), failures.join("\n"));
}

/// `t` with its `index`-th packet changed by `edit` (`None`: removed).
fn with_packet(t: &Trace, index: usize, edit: impl FnOnce(&mut Vec<u8>) -> bool) -> Trace {
    let mut t = t.clone();
    let at = t
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, TraceKind::Inbound(_) | TraceKind::Outbound(_)))
        .nth(index)
        .map(|(i, _)| i)
        .expect("the packet exists");
    let keep = match &mut t.events[at].kind {
        TraceKind::Inbound(b) | TraceKind::Outbound(b) => edit(b),
        _ => true,
    };
    if !keep {
        t.events.remove(at);
    }
    t
}

/// The TCP acknowledgment number of an IPv4 packet (checksums are not judged in captures).
fn set_ack(packet: &mut [u8], ack: u32) {
    let tcp = usize::from(packet[0] & 0x0f) * 4;
    packet[tcp + 8..tcp + 12].copy_from_slice(&ack.to_be_bytes());
}

fn ack_of(packet: &[u8]) -> u32 {
    let tcp = usize::from(packet[0] & 0x0f) * 4;
    u32::from_be_bytes([packet[tcp + 8], packet[tcp + 9], packet[tcp + 10], packet[tcp + 11]])
}

#[test]
fn a_missing_challenge_ack_after_the_cut_is_found() {
    // The handshake and the first data segment are cut off: the oracle follows the connection
    // from the stack's ACK of that data. A RST in the window but not at RCV.NXT then calls for
    // a challenge ACK (RFC 5961 §3.2), which the stack sends. (A capture does not show the
    // challenge ACKs sent before it, which RFC 5961 §7's throttle counts: this profile has no
    // throttle, so the missing one is certain.)
    let mut profile = OracleProfile::rfc9293();
    profile.challenge_budget = None;
    let t = trace("rfc5961/rst-challenge-ack.pkt");
    let honest = judge(&cut(&t, 4), profile.clone());
    assert!(violations(&honest).is_empty(), "{:?}", violations(&honest));
    assert_eq!((honest.stats.joined, honest.stats.not_judged), (1, 0));
    assert!(honest.findings.iter().any(|f| f.rule == Rule::JoinedMidStream && f.severity == Severity::Note));
    // Without the challenge ACK (packet 6, answering the RST at 102):
    let silent = with_packet(&t, 6, |_| false);
    let r = judge(&cut(&silent, 4), profile);
    let v = violations(&r);
    assert!(v.len() == 1 && v[0].contains("missing-reply") && v[0].contains("MAY-12"), "{v:?}");
}

#[test]
fn an_ack_of_text_never_sent_after_the_cut_is_found() {
    // Cut after the handshake: two segments beyond a hole, then the hole is filled. Text
    // held out of order before the capture may be acknowledged, up to the widest window the
    // stack advertised (its scale is unknown) — not beyond.
    let t = trace("data/out-of-order.pkt");
    let honest = judge(&cut(&t, 3), OracleProfile::linux());
    assert!(violations(&honest).is_empty(), "{:?}", violations(&honest));
    assert_eq!(honest.stats.joined, 1);
    let last = t.packets().count() - 1;
    let greedy = with_packet(&t, last, |p| {
        let a = ack_of(p);
        set_ack(p, a.wrapping_add(1 << 28));
        true
    });
    let r = judge(&cut(&greedy, 3), OracleProfile::linux());
    let v = violations(&r);
    assert!(v.len() == 1 && v[0].contains("ack-too-high"), "{v:?}");
}
