//! Captures judged offline (`synack check`): a pcap or pcapng file is read into the same
//! [`Checker`] a run uses, judging the endpoints asked for (default: every endpoint, each
//! connection once from each side).
//!
//! Link types: raw IP (LINKTYPE_RAW, IPV4, IPV6), Ethernet (with 802.1Q / 802.1ad tags),
//! Linux cooked capture v1 and v2, BSD loopback (NULL, LOOP). Non-TCP packets are skipped;
//! packets cut by the snap length are read as far as their headers go (lengths come from
//! IP). A capture may start mid-connection: such a connection is judged from the stack's first
//! ACK (see `join`), or from its next SYN.
//! A capture is taken next to the endpoints (nothing is lost between the capture point and
//! them); checksums and segment sizes are not judged (offload leaves them unfinished).
//!
//! Nothing in a file can make this panic: every length is checked, and the file format
//! library's work runs under `catch_unwind` as a last line of defence.

use super::segment::{self, Seg};
use super::{Checker, Finding, OracleProfile, Stats};
use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// An endpoint to judge: an address, optionally with a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl Endpoint {
    fn matches(&self, a: SocketAddr) -> bool {
        canonical(a.ip()) == canonical(self.ip) && self.port.is_none_or(|p| p == a.port())
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

impl FromStr for Endpoint {
    type Err = String;

    /// `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`, `[2001:db8::1]:80`.
    fn from_str(s: &str) -> Result<Endpoint, String> {
        if let Ok(a) = s.parse::<SocketAddr>() {
            return Ok(Endpoint { ip: a.ip(), port: Some(a.port()) });
        }
        let bare = s.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>()
            .map(|ip| Endpoint { ip, port: None })
            .map_err(|_| format!("{s} is not ADDR or ADDR:PORT"))
    }
}

/// What a capture held besides judged segments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Packets that are not IP carrying TCP (ARP, UDP, ICMP, fragments, …).
    pub not_tcp: u64,
    /// Packets of a link type the reader does not know.
    pub unknown_link: u64,
    /// TCP packets whose headers are cut or inconsistent.
    pub unreadable: u64,
    /// TCP packets between endpoints not asked for.
    pub not_judged: u64,
}

/// The outcome of checking a capture.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureReport {
    /// Records read.
    pub packets: u64,
    pub skipped: Skipped,
    pub stats: Stats,
    pub findings: Vec<Finding>,
    /// Why reading stopped before the end of the file, if it did (the packets before were
    /// judged).
    pub truncated: Option<String>,
}

/// Why a capture could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureError(pub String);

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CaptureError {}

/// Reads and judges a capture file.
pub fn check_file(path: &Path, endpoints: &[Endpoint], profile: OracleProfile) -> Result<CaptureReport, CaptureError> {
    let bytes = std::fs::read(path).map_err(|e| CaptureError(format!("cannot read {}: {e}", path.display())))?;
    check_bytes(&bytes, endpoints, profile).map_err(|e| CaptureError(format!("{}: {e}", path.display())))
}

/// Judges a capture held in memory (pcap or pcapng, told apart by the magic number).
pub fn check_bytes(bytes: &[u8], endpoints: &[Endpoint], profile: OracleProfile) -> Result<CaptureReport, CaptureError> {
    let result = std::panic::catch_unwind(|| read(bytes, endpoints, profile));
    result.unwrap_or_else(|_| Err(CaptureError("the file is malformed (the reader gave up)".into())))
}

/// One record's contents: its link type, time, captured bytes.
struct Record<'a> {
    link: u32,
    at: Duration,
    data: Cow<'a, [u8]>,
}

struct Judge<'e> {
    checker: Checker,
    endpoints: &'e [Endpoint],
    report: CaptureReport,
    start: Option<Duration>,
    last: Duration,
}

impl Judge<'_> {
    fn record(&mut self, r: &Record) {
        let index = self.report.packets as usize;
        self.report.packets += 1;
        let Some(ip) = ip_packet(r.link, &r.data) else {
            if known_link(r.link) {
                self.report.skipped.not_tcp += 1;
            } else {
                self.report.skipped.unknown_link += 1;
            }
            return;
        };
        let seg: Seg = match segment::parse(ip) {
            Ok(s) => s,
            Err(segment::SegError::NotTcp(_) | segment::SegError::NotIp | segment::SegError::Fragment) => {
                self.report.skipped.not_tcp += 1;
                return;
            }
            Err(segment::SegError::Truncated(_) | segment::SegError::BadLength(_)) => {
                self.report.skipped.unreadable += 1;
                return;
            }
        };
        // Time from the first record; a clock that steps back is held still.
        let start = *self.start.get_or_insert(r.at);
        let at = r.at.saturating_sub(start).max(self.last);
        self.last = at;
        let all = self.endpoints.is_empty();
        let out = all || self.endpoints.iter().any(|e| e.matches(seg.src));
        let inb = all || self.endpoints.iter().any(|e| e.matches(seg.dst));
        if !out && !inb {
            self.report.skipped.not_judged += 1;
        }
        if out {
            self.checker.segment(index, at, &seg, true);
        }
        if inb {
            self.checker.segment(index, at, &seg, false);
        }
    }
}

fn read(bytes: &[u8], endpoints: &[Endpoint], profile: OracleProfile) -> Result<CaptureReport, CaptureError> {
    let report = CaptureReport { packets: 0, skipped: Skipped::default(), stats: Stats::default(), findings: Vec::new(), truncated: None };
    let mut judge = Judge { checker: Checker::new(profile.for_capture()), endpoints, report, start: None, last: Duration::ZERO };
    match bytes.get(..4) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => read_pcapng(bytes, &mut judge)?,
        Some(m) if is_pcap_magic(m) => read_pcap(bytes, &mut judge)?,
        Some(_) => return Err(CaptureError("not a pcap or pcapng file (unknown magic number)".into())),
        None => return Err(CaptureError(format!("not a capture: {} octets", bytes.len()))),
    }
    let Judge { checker, mut report, last, .. } = judge;
    report.stats = checker.stats();
    report.findings = checker.finish(last);
    Ok(report)
}

fn is_pcap_magic(m: &[u8]) -> bool {
    [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d]].iter().any(|x| m == x)
}

fn read_pcap(bytes: &[u8], judge: &mut Judge) -> Result<(), CaptureError> {
    let (mut rest, parser) =
        pcap_file::pcap::PcapParser::new(bytes).map_err(|e| CaptureError(format!("bad pcap header: {e}")))?;
    let header = parser.header();
    let link = u32::from(header.datalink);
    let per_second = match header.ts_resolution {
        pcap_file::TsResolution::MicroSecond => 1_000_000,
        pcap_file::TsResolution::NanoSecond => 1_000_000_000,
    };
    while !rest.is_empty() {
        // Raw records: the library refuses a record whose original length exceeds the snap
        // length, which is what a capture cut at its snap length is made of.
        match parser.next_raw_packet(rest) {
            Ok((next, p)) => {
                let at = Duration::from_secs(u64::from(p.ts_sec)) + units_to_duration(u64::from(p.ts_frac), per_second);
                judge.record(&Record { link, at, data: p.data });
                rest = next;
            }
            Err(e) => {
                judge.report.truncated = Some(format!("record {} unreadable: {e}", judge.report.packets));
                break;
            }
        }
    }
    Ok(())
}

fn read_pcapng(bytes: &[u8], judge: &mut Judge) -> Result<(), CaptureError> {
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
    use pcap_file::pcapng::Block;
    let (mut rest, mut parser) =
        pcap_file::pcapng::PcapNgParser::new(bytes).map_err(|e| CaptureError(format!("bad pcapng section header: {e}")))?;
    // Per interface of the current section: link type and time units per second.
    let mut interfaces: Vec<(u32, u64)> = Vec::new();
    while !rest.is_empty() {
        let (next, block) = match parser.next_block(rest) {
            Ok(x) => x,
            Err(e) => {
                judge.report.truncated = Some(format!("block after record {} unreadable: {e}", judge.report.packets));
                break;
            }
        };
        rest = next;
        match block {
            Block::SectionHeader(_) => interfaces.clear(),
            Block::InterfaceDescription(idb) => {
                let mut per_second = 1_000_000u64;
                for o in &idb.options {
                    if let InterfaceDescriptionOption::IfTsResol(r) = o {
                        per_second = resolution(*r);
                    }
                }
                interfaces.push((u32::from(idb.linktype), per_second));
            }
            Block::EnhancedPacket(epb) => {
                let Some(&(link, per_second)) = interfaces.get(epb.interface_id as usize) else {
                    judge.report.skipped.unknown_link += 1;
                    judge.report.packets += 1;
                    continue;
                };
                // pcap-file hands the raw 64-bit count over as nanoseconds; it counts units.
                let units = u64::try_from(epb.timestamp.as_nanos()).unwrap_or(u64::MAX);
                judge.record(&Record { link, at: units_to_duration(units, per_second), data: epb.data });
            }
            Block::SimplePacket(spb) => {
                let link = interfaces.first().map_or(u32::MAX, |i| i.0);
                let at = judge.last + judge.start.unwrap_or_default();
                judge.record(&Record { link, at, data: spb.data });
            }
            Block::Packet(pb) => {
                let Some(&(link, per_second)) = interfaces.get(usize::from(pb.interface_id)) else {
                    judge.report.skipped.unknown_link += 1;
                    judge.report.packets += 1;
                    continue;
                };
                judge.record(&Record { link, at: units_to_duration(pb.timestamp, per_second), data: pb.data });
            }
            Block::NameResolution(_)
            | Block::InterfaceStatistics(_)
            | Block::SystemdJournalExport(_)
            | Block::Unknown(_) => {}
        }
    }
    Ok(())
}

/// pcapng `if_tsresol`: the high bit chooses a power of two, else of ten.
fn resolution(r: u8) -> u64 {
    let n = u32::from(r & 0x7f);
    if r & 0x80 != 0 {
        1u64.checked_shl(n).unwrap_or(u64::MAX)
    } else {
        10u64.checked_pow(n).unwrap_or(u64::MAX)
    }
}

fn units_to_duration(units: u64, per_second: u64) -> Duration {
    let per_second = per_second.max(1);
    let secs = units / per_second;
    let frac = units % per_second;
    let nanos = (u128::from(frac) * 1_000_000_000 / u128::from(per_second)) as u32;
    Duration::new(secs, nanos.min(999_999_999))
}

fn known_link(link: u32) -> bool {
    matches!(link, 0 | 1 | 101 | 108 | 113 | 228 | 229 | 276)
}

/// The IP packet inside a record of this link type (`None`: not IP, or a link type the
/// reader does not know).
fn ip_packet(link: u32, data: &[u8]) -> Option<&[u8]> {
    match link {
        // LINKTYPE_RAW, IPV4, IPV6.
        101 | 228 | 229 => Some(data),
        // LINKTYPE_ETHERNET: 14 octets, then any number of 802.1Q / 802.1ad tags.
        1 => {
            let mut ethertype = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
            let mut at = 14;
            while matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
                ethertype = u16::from_be_bytes([*data.get(at + 2)?, *data.get(at + 3)?]);
                at += 4;
            }
            ip_ethertype(ethertype, data.get(at..)?)
        }
        // LINKTYPE_LINUX_SLL: 16 octets, the protocol last.
        113 => ip_ethertype(u16::from_be_bytes([*data.get(14)?, *data.get(15)?]), data.get(16..)?),
        // LINKTYPE_LINUX_SLL2: 20 octets, the protocol first.
        276 => ip_ethertype(u16::from_be_bytes([*data.first()?, *data.get(1)?]), data.get(20..)?),
        // LINKTYPE_NULL / LOOP: a 4-octet address family; the IP version says enough.
        0 | 108 => {
            let ip = data.get(4..)?;
            matches!(ip.first()? >> 4, 4 | 6).then_some(ip)
        }
        _ => None,
    }
}

fn ip_ethertype(ethertype: u16, payload: &[u8]) -> Option<&[u8]> {
    matches!(ethertype, 0x0800 | 0x86dd).then_some(payload)
}

impl CaptureReport {
    /// Violations found.
    pub fn violations(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == super::Severity::Violation).count()
    }

    /// The report as JSON (`synack check --json`).
    pub fn json(&self, file: &str, profile: &str) -> serde_json::Value {
        serde_json::json!({
            "file": file,
            "profile": profile,
            "packets": self.packets,
            "segments": self.stats.segments,
            "connections": self.stats.connections,
            "not_judged": self.stats.not_judged,
            "joined": self.stats.joined,
            "skipped": {
                "not_tcp": self.skipped.not_tcp,
                "unknown_link": self.skipped.unknown_link,
                "unreadable": self.skipped.unreadable,
                "not_judged": self.skipped.not_judged,
            },
            "truncated": self.truncated,
            "violations": self.violations(),
            "oracle": self.findings.iter().map(Finding::json).collect::<Vec<_>>(),
        })
    }
}
