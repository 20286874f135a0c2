//! Writes the committed seed corpora: `corpus/state_machine/` from the scripts in
//! `packetdrill-scripts/` (see `synack_fuzz::seeds`) and one input per fixture,
//! `corpus/segment_parse/` from packets built with the wire API, `corpus/script_parse/` from
//! a few of the scripts, `corpus/pcap_check/` from captures of a few suite runs on the
//! reference stack (pcap as `synack run --out` writes it, and one as pcapng). Every state_machine seed is checked to decode back to itself and to
//! run without a violation before it is written.
//!
//! `ci/corpus-seeds`, or `cargo run --manifest-path fuzz/Cargo.toml --example corpus_seeds
//! [REPO]` (REPO defaults to the fuzz crate's parent). Existing files of the same names are
//! overwritten; others are left alone (the `regress-*` inputs of findings, for one).
//! `fuzz/tests/seeds.rs` checks that every script's seed is as the script maps now.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use synack_fuzz::machine::{self, encode, input::*};
use synack_stack::wire::{ChecksumOverride, IpHeader, Ipv4Header, TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::SeqNum;

/// Scripts copied into the script_parse corpus.
const SCRIPT_SEEDS: [&str; 5] = [
    "handshake/passive-open.pkt",
    "handshake/active-open.pkt",
    "data/out-of-order.pkt",
    "rfc5961/rst-challenge-ack.pkt",
    "listen/syn-queue-full.pkt",
];

/// `println!` that ignores a closed stdout (`… | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let repo = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    match run(&repo) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("corpus_seeds: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(repo: &Path) -> Result<(), String> {
    let corpus = repo.join("corpus");
    let written = state_machine(repo, &corpus.join("state_machine"))?;
    out!("state_machine: {written} seeds");
    let written = segment_parse(&corpus.join("segment_parse"))?;
    out!("segment_parse: {written} seeds");
    let dir = corpus.join("script_parse");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for name in SCRIPT_SEEDS {
        let from = repo.join("packetdrill-scripts").join(name);
        let to = dir.join(name.replace('/', "-"));
        fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    out!("script_parse: {} seeds", SCRIPT_SEEDS.len());
    let written = pcap_check(repo, &corpus.join("pcap_check"))?;
    out!("pcap_check: {written} seeds");
    Ok(())
}

/// Scripts whose runs become pcap_check seeds (short: a seed should be small).
const PCAP_SEEDS: [&str; 4] =
    ["handshake/passive-open.pkt", "handshake/active-open.pkt", "rfc5961/rst-challenge-ack.pkt", "close/active-close.pkt"];

/// A capture of each `PCAP_SEEDS` run (IPv4, IPv6 for the first), as pcap; the first also
/// as pcapng.
fn pcap_check(repo: &Path, dir: &Path) -> Result<usize, String> {
    use synack::mode::{AddressPlan, IpMode};
    use synack::suite::{self, Job, StackKind, SuiteConfig};
    let config = |mode| SuiteConfig {
        stack: StackKind::Reference,
        profile: synack_stack::Profile::Linux,
        modes: vec![mode],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: synack::runner::Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let mut n = 0;
    for (i, name) in PCAP_SEEDS.iter().enumerate() {
        let modes: &[IpMode] = if i == 0 { &[IpMode::Ipv4, IpMode::Ipv6] } else { &[IpMode::Ipv4] };
        for &mode in modes {
            let path = repo.join("packetdrill-scripts").join(name);
            let (_, trace) = suite::run_job(&Job { path: path.clone(), mode }, &config(mode));
            let trace = trace.ok_or_else(|| format!("{}: the script does not run", path.display()))?;
            let stem = format!("{}-{mode}", name.trim_end_matches(".pkt").replace('/', "-"));
            let pcap = synack::report::pcap::pcap_bytes(&trace);
            synack_fuzz::pcap::check(&pcap);
            write(dir, &format!("{stem}.pcap"), &pcap)?;
            n += 1;
            if i == 0 && mode == IpMode::Ipv4 {
                let packets: Vec<(std::time::Duration, &[u8])> = trace.packets().map(|(at, _, b)| (at, b)).collect();
                let ng = pcapng(&packets);
                synack_fuzz::pcap::check(&ng);
                write(dir, &format!("{stem}.pcapng"), &ng)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// A little-endian pcapng: section header, one LINKTYPE_RAW interface in nanoseconds
/// (`if_tsresol` 9), one enhanced packet block per packet.
fn pcapng(packets: &[(std::time::Duration, &[u8])]) -> Vec<u8> {
    fn block(b: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let padded = body.len().next_multiple_of(4);
        let len = (12 + padded) as u32;
        b.extend(kind.to_le_bytes());
        b.extend(len.to_le_bytes());
        b.extend(body);
        b.resize(b.len() + padded - body.len(), 0);
        b.extend(len.to_le_bytes());
    }
    let mut b = Vec::new();
    let mut shb = Vec::new();
    shb.extend(0x1a2b_3c4du32.to_le_bytes());
    shb.extend(1u16.to_le_bytes());
    shb.extend(0u16.to_le_bytes());
    shb.extend((-1i64).to_le_bytes());
    block(&mut b, 0x0a0d_0d0a, &shb);
    let mut idb = Vec::new();
    idb.extend(101u16.to_le_bytes()); // LINKTYPE_RAW
    idb.extend(0u16.to_le_bytes());
    idb.extend(0u32.to_le_bytes());
    idb.extend([9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]); // if_tsresol 9, opt_endofopt
    block(&mut b, 1, &idb);
    for (at, data) in packets {
        let ts = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        let mut epb = Vec::new();
        epb.extend(0u32.to_le_bytes());
        epb.extend(((ts >> 32) as u32).to_le_bytes());
        epb.extend((ts as u32).to_le_bytes());
        epb.extend((data.len() as u32).to_le_bytes());
        epb.extend((data.len() as u32).to_le_bytes());
        epb.extend(*data);
        block(&mut b, 6, &epb);
    }
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Checks and writes one state_machine seed.
fn seed(dir: &Path, name: &str, input: &Input) -> Result<(), String> {
    if !encode::round_trips(input) {
        return Err(format!("{name}: the encoding does not decode back (has arbitrary's format changed?)"));
    }
    machine::run(input, &mut |_| {}).map_err(|v| format!("{name}: the seed itself violates an invariant: {v}"))?;
    write(dir, name, &encode::to_bytes(input))
}

fn state_machine(repo: &Path, dir: &Path) -> Result<usize, String> {
    let mut n = 0;
    for f in Fixture::ALL {
        for (suffix, knobs) in [("", Knobs::default()), ("-linux-options", Knobs(Knobs::LINUX | Knobs::PEER_TS | Knobs::PEER_SACK | Knobs::PEER_WS))] {
            // The fixture alone: its own events run before any input's.
            seed(dir, &format!("fixture-{f:?}{suffix}"), &Input { fixture: f, knobs, events: Vec::new() })?;
            n += 1;
        }
    }
    let suite = repo.join("packetdrill-scripts");
    for path in synack::suite::discover(std::slice::from_ref(&suite))? {
        let source = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let Ok(script) = synack::script::parse(&path.display().to_string(), &source) else {
            eprintln!("corpus_seeds: skipping {} (does not parse)", path.display());
            continue;
        };
        let name = synack_fuzz::seeds::seed_name(path.strip_prefix(&suite).unwrap_or(&path));
        seed(dir, &name, &synack_fuzz::seeds::from_script(&script))?;
        n += 1;
    }
    Ok(n)
}

/// A few packets that reach deep into the parser: options of every kind, extension
/// headers, a fragment, malformed option areas, every flag bit.
fn segment_parse(dir: &Path) -> Result<usize, String> {
    let v4 = |src: &str, dst: &str, tcp: TcpSegment| TcpPacket::new(src.parse().expect("address"), dst.parse().expect("address"), tcp);
    let syn = TcpSegment {
        seq: SeqNum::new(1_000_000),
        flags: TcpFlags::SYN,
        window: 65535,
        options: vec![
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { tsval: 7, tsecr: 0 },
            TcpOption::NoOp,
            TcpOption::WindowScale(7),
        ],
        ..TcpSegment::default()
    };
    let data = TcpSegment {
        seq: SeqNum::new(5),
        ack: SeqNum::new(9),
        flags: TcpFlags::PSH | TcpFlags::ACK,
        window: 502,
        options: vec![TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(vec![(100, 200), (300, 400)])],
        payload: (0..100).collect(),
        ..TcpSegment::default()
    };
    let odd = TcpSegment {
        flags: TcpFlags::from_bits(0xfff),
        urgent: 3,
        options: vec![
            TcpOption::WrongLength { kind: 2, data: vec![1] },
            TcpOption::Unknown { kind: 99, data: vec![1, 2, 3] },
            TcpOption::FastOpenExp(vec![9; 8]),
            TcpOption::Md5([1; 16]),
            TcpOption::Malformed(vec![8, 40]),
        ],
        ..TcpSegment::default()
    };
    let rst = TcpSegment { seq: SeqNum::new(77), flags: TcpFlags::RST, ..TcpSegment::default() };
    let e = |e: synack_stack::wire::EmitError| e.to_string();
    let mut with_ip_options = v4("192.0.2.1:1", "198.51.100.2:2", data.clone()).map_err(e)?;
    if let IpHeader::V4(h) = &mut with_ip_options.ip {
        h.options = vec![0x94, 0x04, 0, 0];
    }
    let mut v6 = TcpPacket::new("[2001:db8::1]:443".parse().expect("address"), "[2001:db8::2]:5000".parse().expect("address"), syn.clone()).map_err(e)?;
    if let IpHeader::V6(h) = &mut v6.ip {
        // Hop-by-hop (PadN), then destination options (PadN), then TCP (RFC 8200 §4.3, §4.6).
        h.next_header = 0;
        h.extensions = vec![60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0];
    }
    let mut fragment = v4("192.0.2.1:1", "198.51.100.2:2", data.clone()).map_err(e)?;
    if let IpHeader::V4(h) = &mut fragment.ip {
        h.flags = Ipv4Header::FLAG_MF;
    }
    let mut v6_fragment = v6.clone();
    if let IpHeader::V6(h) = &mut v6_fragment.ip {
        h.next_header = 44;
        h.extensions = vec![6, 0, 0, 0, 0, 0, 0, 1];
    }
    let packets: Vec<(&str, Vec<u8>)> = vec![
        ("ipv4-syn-options", v4("192.0.2.1:40000", "198.51.100.2:8080", syn.clone()).and_then(|p| p.emit()).map_err(e)?),
        ("ipv4-data-sack-ipoptions", with_ip_options.emit().map_err(e)?),
        ("ipv4-all-flags-odd-options", v4("192.0.2.1:1", "198.51.100.2:2", odd).and_then(|p| p.emit()).map_err(e)?),
        ("ipv4-rst-bad-checksums", {
            let p = v4("192.0.2.1:1", "198.51.100.2:2", rst).map_err(e)?;
            p.emit_with_checksums(ChecksumOverride { ipv4_header: Some(0xffff), tcp: Some(0) }).map_err(e)?
        }),
        ("ipv4-fragment", fragment.emit().map_err(e)?),
        ("ipv6-syn-extension-headers", v6.emit().map_err(e)?),
        ("ipv6-fragment-header", v6_fragment.emit().map_err(e)?),
        ("tcp-only-data", {
            let mut buf = vec![0; data.buffer_len()];
            let pseudo = synack_stack::wire::PseudoHeader::V6 { src: std::net::Ipv6Addr::LOCALHOST, dst: std::net::Ipv6Addr::LOCALHOST };
            data.emit(&mut buf, &pseudo).map_err(e)?;
            buf
        }),
    ];
    for (name, bytes) in &packets {
        synack_fuzz::segment::check(bytes);
        write(dir, name, bytes)?;
    }
    Ok(packets.len())
}
