//! The oracle on captures (`synack check`): a run's packets written as pcap or pcapng in every
//! link type judge as they do online; snap lengths, mid-stream starts and the test injector's
//! deliberate oddities are handled; malformed and hostile files get a verdict or an error,
//! never a panic.

mod handfed;

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::capture::{check_bytes, CaptureReport, Endpoint};
use synack::oracle::{OracleProfile, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack::trace::Trace;
use synack_stack::Profile;

const STACK_V4: &str = "192.0.2.1";
const STACK_V6: &str = "2001:db8:0:1::1";

fn trace(script: &str, mode: IpMode) -> Trace {
    let config = SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: vec![mode],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts").join(script);
    suite::run_job(&Job { path, mode }, &config).1.expect("the script runs")
}

fn packets(t: &Trace) -> Vec<(Duration, Vec<u8>)> {
    t.packets().map(|(at, _, b)| (at, b.to_vec())).collect()
}

fn stack() -> Vec<Endpoint> {
    vec![STACK_V4.parse().unwrap(), STACK_V6.parse().unwrap()]
}

fn judge(bytes: &[u8], endpoints: &[Endpoint]) -> CaptureReport {
    check_bytes(bytes, endpoints, OracleProfile::linux()).unwrap_or_else(|e| panic!("unreadable: {e}"))
}

fn violations(r: &CaptureReport) -> Vec<String> {
    r.findings.iter().filter(|f| f.severity == Severity::Violation).map(|f| f.to_string()).collect()
}

/// A classic pcap (microsecond magic, little endian) of `link`, records cut at `snaplen`.
fn pcap(link: u32, snaplen: u32, records: &[(Duration, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(0xa1b2_c3d4u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(4u16.to_le_bytes());
    b.extend([0; 8]);
    b.extend(snaplen.to_le_bytes());
    b.extend(link.to_le_bytes());
    for (at, data) in records {
        let kept = &data[..data.len().min(snaplen as usize)];
        b.extend((at.as_secs() as u32 + 1_700_000_000).to_le_bytes());
        b.extend(at.subsec_micros().to_le_bytes());
        b.extend((kept.len() as u32).to_le_bytes());
        b.extend((data.len() as u32).to_le_bytes());
        b.extend(kept);
    }
    b
}

/// A pcapng (little endian) with one interface of `link` in nanoseconds (if_tsresol 9).
fn pcapng(link: u16, records: &[(Duration, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    let block = |b: &mut Vec<u8>, kind: u32, body: &[u8]| {
        let len = 12 + body.len().next_multiple_of(4);
        b.extend(kind.to_le_bytes());
        b.extend((len as u32).to_le_bytes());
        b.extend(body);
        b.extend(vec![0; body.len().next_multiple_of(4) - body.len()]);
        b.extend((len as u32).to_le_bytes());
    };
    let mut shb = Vec::new();
    shb.extend(0x1a2b_3c4du32.to_le_bytes());
    shb.extend(1u16.to_le_bytes());
    shb.extend(0u16.to_le_bytes());
    shb.extend((-1i64).to_le_bytes());
    block(&mut b, 0x0a0d_0d0a, &shb);
    let mut idb = Vec::new();
    idb.extend(link.to_le_bytes());
    idb.extend(0u16.to_le_bytes());
    idb.extend(0u32.to_le_bytes());
    // if_tsresol = 9 (nanoseconds), then opt_endofopt.
    idb.extend([9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    block(&mut b, 1, &idb);
    for (at, data) in records {
        let ts = at.as_nanos() as u64 + 1_700_000_000_000_000_000;
        let mut epb = Vec::new();
        epb.extend(0u32.to_le_bytes());
        epb.extend(((ts >> 32) as u32).to_le_bytes());
        epb.extend((ts as u32).to_le_bytes());
        epb.extend((data.len() as u32).to_le_bytes());
        epb.extend((data.len() as u32).to_le_bytes());
        epb.extend(data);
        epb.extend(vec![0; data.len().next_multiple_of(4) - data.len()]);
        block(&mut b, 6, &epb);
    }
    b
}

fn ethertype(ip: &[u8]) -> [u8; 2] {
    if ip[0] >> 4 == 6 { [0x86, 0xdd] } else { [0x08, 0x00] }
}

/// The IP packet framed for `link`.
fn frame(link: u32, ip: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    match link {
        101 => {}
        1 => {
            f.extend([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
            // An 802.1Q tag, then the real type.
            f.extend([0x81, 0x00, 0x00, 0x07]);
            f.extend(ethertype(ip));
        }
        113 => {
            f.extend([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
            f.extend(ethertype(ip));
        }
        276 => {
            f.extend(ethertype(ip));
            f.extend([0; 18]);
        }
        0 => f.extend(if ip[0] >> 4 == 6 { 24u32 } else { 2u32 }.to_le_bytes()),
        other => panic!("no framing for link type {other}"),
    }
    f.extend(ip);
    f
}

fn framed(link: u32, records: &[(Duration, Vec<u8>)]) -> Vec<(Duration, Vec<u8>)> {
    records.iter().map(|(at, ip)| (*at, frame(link, ip))).collect()
}

#[test]
fn a_run_judged_from_its_capture_draws_no_violation_in_any_link_type() {
    for (script, mode) in [
        ("rfc5961/rst-challenge-ack.pkt", IpMode::Ipv4),
        ("data/out-of-order.pkt", IpMode::Ipv6),
        ("close/simultaneous-close.pkt", IpMode::Ipv4MappedIpv6),
        ("handshake/simultaneous-open.pkt", IpMode::Ipv4),
    ] {
        let t = trace(script, mode);
        let recs = packets(&t);
        let reference = judge(&synack::report::pcap::pcap_bytes(&t), &stack());
        assert!(violations(&reference).is_empty(), "{script}: {:?}", violations(&reference));
        assert_eq!(reference.packets as usize, recs.len());
        assert_eq!(reference.stats.segments as usize, recs.len(), "{script}: every packet judged once (one side)");
        assert_eq!(reference.stats.not_judged, 0);
        for link in [101u32, 1, 113, 276, 0] {
            let r = judge(&pcap(link, 65535, &framed(link, &recs)), &stack());
            assert_eq!((r.stats, &r.findings), (reference.stats, &reference.findings), "{script} link {link}");
            let ng = judge(&pcapng(link as u16, &framed(link, &recs)), &stack());
            assert_eq!((ng.stats, &ng.findings), (reference.stats, &reference.findings), "{script} pcapng link {link}");
        }
    }
}

#[test]
fn unnarrowed_the_injector_is_judged_too() {
    // The script's RST at a sequence number no ABORT would use is the injector's doing.
    let t = trace("reset/rst-fin-wait-2.pkt", IpMode::Ipv4);
    let bytes = synack::report::pcap::pcap_bytes(&t);
    let both = judge(&bytes, &[]);
    assert!(!violations(&both).is_empty());
    assert!(violations(&both).iter().all(|v| v.contains("198.51.100.2:40000 →")), "{:?}", violations(&both));
    assert_eq!(both.stats.connections, 2);
    assert!(violations(&judge(&bytes, &stack())).is_empty());
    let only_port: Vec<Endpoint> = vec!["192.0.2.1:8080".parse().unwrap()];
    assert!(violations(&judge(&bytes, &only_port)).is_empty());
    let elsewhere: Vec<Endpoint> = vec!["192.0.2.99".parse().unwrap()];
    let none = judge(&bytes, &elsewhere);
    assert_eq!((none.stats.segments, none.skipped.not_judged), (0, both.packets));
}

#[test]
fn a_snap_length_cuts_text_but_not_the_verdict() {
    let t = trace("data/out-of-order.pkt", IpMode::Ipv4);
    let recs = framed(1, &packets(&t));
    let full = judge(&pcap(1, 65535, &recs), &stack());
    // Ethernet 14 + VLAN 4 + IPv4 20 + TCP 20: headers only, options and text cut.
    let cut = judge(&pcap(1, 58, &recs), &stack());
    assert_eq!(cut.stats, full.stats);
    assert!(violations(&cut).is_empty());
    // Cut inside the TCP header: unreadable, skipped.
    let shorter = judge(&pcap(1, 50, &recs), &stack());
    assert_eq!((shorter.stats.segments, shorter.skipped.unreadable), (0, full.packets));
}

#[test]
fn a_capture_joining_mid_stream_judges_from_the_next_syn() {
    let t = trace("close/orphan-fin-wait-2.pkt", IpMode::Ipv4);
    let recs = packets(&t);
    // Drop the first connection's handshake: it is joined mid-stream; the second one (port
    // 40001) starts with its SYN and is judged.
    let r = judge(&pcap(101, 65535, &recs[3..]), &stack());
    assert!(violations(&r).is_empty(), "{:?}", violations(&r));
    assert_eq!((r.stats.connections, r.stats.not_judged), (2, 1));
    assert!(r.findings.iter().any(|f| f.severity == Severity::Note && f.connection.contains(":40000")));
}

#[test]
fn endpoints_parse_with_and_without_ports() {
    let e: Endpoint = "192.0.2.1:80".parse().unwrap();
    assert_eq!((e.ip.to_string(), e.port), ("192.0.2.1".into(), Some(80)));
    let e: Endpoint = "[2001:db8::1]:443".parse().unwrap();
    assert_eq!(e.port, Some(443));
    let e: Endpoint = "2001:db8::1".parse().unwrap();
    assert_eq!(e.port, None);
    assert!("not-an-address".parse::<Endpoint>().is_err());
    assert!("192.0.2.1:99999".parse::<Endpoint>().is_err());
}

#[path = "oracle_capture/malformed.rs"]
mod malformed;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary bytes behind each magic number: a report or an error, never a panic.
    #[test]
    fn arbitrary_files_never_panic(kind in 0usize..4, body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let magic: [&[u8]; 4] = [&[0xd4, 0xc3, 0xb2, 0xa1], &[0x4d, 0x3c, 0xb2, 0xa1], &[0x0a, 0x0d, 0x0d, 0x0a], &[]];
        let mut bytes = magic[kind].to_vec();
        bytes.extend(body);
        let _ = check_bytes(&bytes, &[], OracleProfile::linux());
    }

    /// A real capture with bytes flipped anywhere: a report or an error, never a panic.
    #[test]
    fn corrupted_captures_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..24), ng in any::<bool>()) {
        static RECS: std::sync::OnceLock<Vec<(Duration, Vec<u8>)>> = std::sync::OnceLock::new();
        let recs = RECS.get_or_init(|| packets(&trace("close/simultaneous-close.pkt", IpMode::Ipv4)));
        let mut bytes = if ng { pcapng(1, &framed(1, recs)) } else { pcap(113, 65535, &framed(113, recs)) };
        for (at, x) in flips {
            let n = bytes.len();
            bytes[at % n] ^= x;
        }
        let _ = check_bytes(&bytes, &[], OracleProfile::linux());
    }
}

/// An established connection (linux profile, as a capture reads it, processing skew `skew_ms`);
/// the peer's RST, then `after_ms` later the stack's FIN.
fn fin_after_a_captured_rst(skew_ms: u64, after_ms: u64) -> Vec<synack::oracle::Finding> {
    use handfed::*;
    use synack_stack::wire::TcpFlags;
    let mut p = OracleProfile::linux();
    p.processing_skew = Duration::from_millis(skew_ms);
    let mut t = Feed::new(p);
    t.established();
    t.inbound(20, TcpFlags::RST | TcpFlags::ACK, IRS + 1, ISS + 1, 0);
    t.outbound(20 + after_ms, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    t.violations(100)
}

/// A capture point sees an inbound segment before the stack processes it: Linux takes a RST
/// for a socket the application holds (here in close()) from the socket's backlog after the
/// call, whose FIN went out first but shows after the RST. Found by `oracle_kernel`'s
/// kernel-to-kernel capture under load (the aborted connection: the client's RST, the
/// server's FIN from close()). Controls: a FIN later than the skew, or with no skew (a
/// stack judged where it runs), stays a segment from no TCB.
#[test]
fn a_segment_sent_before_a_captured_rst_was_processed_is_no_violation() {
    let v = fin_after_a_captured_rst(10, 0);
    assert!(v.is_empty(), "{v:?}");
    assert!(!fin_after_a_captured_rst(10, 30).is_empty(), "a FIN 30 ms after the RST came from no TCB");
    assert!(!fin_after_a_captured_rst(0, 0).is_empty(), "without a processing skew the RST came first");
}
