//! The pcap report: records read back with pcap-file's reader and decoded by hand from the
//! bytes (libpcap file format), and, when tshark is installed, dissected by Wireshark.
//! With `SYNACK_REQUIRE_TSHARK=1` (set by .ci/run) a missing tshark is a failure.

use pcap_file::pcap::PcapReader;
use pcap_file::{DataLink, TsResolution};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;
use synack::mode::IpMode;
use synack::report::pcap::{pcap_bytes, write_pcap};
use synack::trace::{Trace, TraceKind};
use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::SeqNum;

fn ip_packet(src: &str, dst: &str, segment: TcpSegment) -> Vec<u8> {
    let src: SocketAddr = src.parse().unwrap();
    let dst: SocketAddr = dst.parse().unwrap();
    TcpPacket::new(src, dst, segment).unwrap().emit().unwrap()
}

/// An IPv4 SYN in at 0.25 s and an IPv6 PSH+ACK with 5 octets out at 2.000123457 s, with a
/// syscall (not a packet) between them.
fn two_packet_trace() -> (Trace, Vec<u8>, Vec<u8>) {
    let syn = ip_packet(
        "192.0.2.1:40000",
        "198.51.100.2:8080",
        TcpSegment {
            seq: SeqNum::new(1000),
            flags: TcpFlags::SYN,
            window: 65535,
            options: vec![TcpOption::Mss(1460)],
            ..TcpSegment::default()
        },
    );
    let data = ip_packet(
        "[2001:db8::2]:8080",
        "[2001:db8::1]:40000",
        TcpSegment {
            seq: SeqNum::new(7),
            ack: SeqNum::new(1001),
            flags: TcpFlags::PSH | TcpFlags::ACK,
            window: 512,
            payload: b"hello".to_vec(),
            ..TcpSegment::default()
        },
    );
    let mut trace = Trace::new("t.pkt", "reference/linux", IpMode::Ipv4);
    trace.push(
        Duration::from_millis(250),
        Some(1),
        TraceKind::Inbound(syn.clone()),
    );
    trace.push(
        Duration::from_millis(300),
        Some(2),
        TraceKind::SyscallStart {
            call: "accept(3, ..., ...)".into(),
        },
    );
    trace.push(
        Duration::new(2, 123_457),
        Some(3),
        TraceKind::Outbound(data.clone()),
    );
    (trace, syn, data)
}

#[test]
fn pcap_file_reader_reads_back_bytes_and_timestamps() {
    let (trace, syn, data) = two_packet_trace();
    let bytes = pcap_bytes(&trace);
    let mut reader = PcapReader::new(&bytes[..]).unwrap();
    let header = reader.header();
    assert_eq!(header.datalink, DataLink::RAW);
    assert_eq!(header.snaplen, 65535);
    assert_eq!(header.ts_resolution, TsResolution::NanoSecond);
    let mut got = Vec::new();
    while let Some(p) = reader.next_packet() {
        let p = p.unwrap();
        got.push((p.timestamp, p.orig_len, p.data.into_owned()));
    }
    assert_eq!(
        got,
        vec![
            (Duration::from_millis(250), syn.len() as u32, syn),
            (Duration::new(2, 123_457), data.len() as u32, data),
        ],
        "one record per packet, syscalls skipped, exact times"
    );
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

#[test]
fn file_layout_decoded_by_hand() {
    // libpcap format: 24-octet global header, then (ts_sec, ts_frac, incl_len, orig_len, data).
    let (trace, syn, data) = two_packet_trace();
    let b = pcap_bytes(&trace);
    assert_eq!(le32(&b, 0), 0xa1b2_3c4d, "little-endian, nanosecond magic");
    assert_eq!(&b[4..8], &[2, 0, 4, 0], "version 2.4");
    assert_eq!(le32(&b, 16), 65535, "snaplen");
    assert_eq!(le32(&b, 20), 101, "LINKTYPE_RAW");
    let r1 = 24;
    assert_eq!((le32(&b, r1), le32(&b, r1 + 4)), (0, 250_000_000));
    assert_eq!(
        (le32(&b, r1 + 8), le32(&b, r1 + 12)),
        (syn.len() as u32, syn.len() as u32)
    );
    assert_eq!(&b[r1 + 16..r1 + 16 + syn.len()], &syn[..]);
    let r2 = r1 + 16 + syn.len();
    assert_eq!((le32(&b, r2), le32(&b, r2 + 4)), (2, 123_457));
    assert_eq!(&b[r2 + 16..], &data[..]);
    assert_eq!(b[r2 + 16] >> 4, 6, "the IPv6 packet is written as is");
}

#[test]
fn empty_trace_is_a_header_only() {
    let trace = Trace::new("t.pkt", "s", IpMode::Ipv6);
    let b = pcap_bytes(&trace);
    assert_eq!(b.len(), 24);
    assert_eq!(
        PcapReader::new(&b[..])
            .unwrap()
            .next_packet()
            .map(|p| p.is_ok()),
        None
    );
}

#[test]
fn oversized_packet_is_cut_at_snaplen_and_keeps_its_length() {
    let mut trace = Trace::new("t.pkt", "s", IpMode::Ipv6);
    let big: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
    trace.push(Duration::ZERO, None, TraceKind::Outbound(big.clone()));
    let b = pcap_bytes(&trace);
    // Read by hand: pcap-file 2's reader refuses orig_len > snaplen, although that is exactly
    // what a cut record is in libpcap's format (Wireshark reads it as "cut short").
    assert_eq!((le32(&b, 32), le32(&b, 36)), (65535, 70_000));
    assert_eq!(&b[40..], &big[..65535]);
}

#[test]
fn timestamps_beyond_32_bit_seconds_are_clamped_not_refused() {
    let mut trace = Trace::new("t.pkt", "s", IpMode::Ipv4);
    trace.push(
        Duration::from_secs(1 << 40),
        None,
        TraceKind::Inbound(vec![0x45]),
    );
    let b = pcap_bytes(&trace);
    assert_eq!((le32(&b, 24), le32(&b, 28)), (u32::MAX, 999_999_999));
}

/// A writer that accepts `room` octets and then fails.
struct Full {
    room: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "full"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn writer_errors_are_returned() {
    let (trace, _, _) = two_packet_trace();
    for room in [0, 10, 24, 60] {
        let err = write_pcap(&trace, Full { room }).expect_err("the writer ran out of room");
        assert_eq!(err.kind(), io::ErrorKind::StorageFull, "room {room}");
    }
    let total = pcap_bytes(&trace).len();
    write_pcap(&trace, Full { room: total }).expect("exactly enough room");
}

fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn tshark_dissects_the_capture() {
    if !tshark_available() {
        if std::env::var("SYNACK_REQUIRE_TSHARK").as_deref() == Ok("1") {
            panic!("tshark is not on PATH and SYNACK_REQUIRE_TSHARK=1 (ci/install-tools.sh installs it)");
        }
        eprintln!("SKIPPED tshark_dissects_the_capture: tshark not on PATH (checked the pcap-file reader only)");
        return;
    }
    let (trace, _, _) = two_packet_trace();
    let mut file = tempfile::Builder::new().suffix(".pcap").tempfile().unwrap();
    write_pcap(&trace, file.as_file_mut()).unwrap();
    let fields = [
        "frame.time_epoch",
        "ip.src",
        "ipv6.src",
        "tcp.srcport",
        "tcp.dstport",
        "tcp.flags",
        "tcp.seq_raw",
        "tcp.len",
        "tcp.options.mss_val",
        "tcp.checksum.status",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(file.path());
    cmd.args([
        "-o",
        "tcp.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    // Timestamps: seconds since 1970 = the offsets from the script's start.
    assert_eq!(rows[0][0].parse::<f64>().unwrap(), 0.25, "{stdout}");
    assert!(
        (rows[1][0].parse::<f64>().unwrap() - 2.000123457).abs() < 1e-9,
        "{stdout}"
    );
    // 0x002 = SYN, 0x018 = PSH|ACK (tshark prints the flags word in hex, width varies).
    let flags = |s: &str| u16::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
    assert_eq!(
        rows[0][1..5],
        ["192.0.2.1", "", "40000", "8080"],
        "{stdout}"
    );
    assert_eq!(flags(rows[0][5]), 0x002, "{stdout}");
    assert_eq!(rows[0][6..9], ["1000", "0", "1460"], "{stdout}");
    assert_eq!(
        rows[1][1..5],
        ["", "2001:db8::2", "8080", "40000"],
        "{stdout}"
    );
    assert_eq!(flags(rows[1][5]), 0x018, "{stdout}");
    assert_eq!(rows[1][6..9], ["7", "5", ""], "{stdout}");
    // 1 = "Good": Wireshark verified both TCP checksums over the pseudo-headers.
    assert_eq!((rows[0][9], rows[1][9]), ("1", "1"), "{stdout}");
}

#[test]
fn records_are_in_time_order_even_when_the_trace_is_not() {
    // On a real clock the runner may read an outbound packet stamped at 0.200113 only after
    // it injected one at 0.200134: the file must still go forward in time.
    let (_, syn, data) = two_packet_trace();
    let mut trace = Trace::new("t.pkt", "linux/6.18", IpMode::Ipv4);
    trace.push(Duration::from_micros(200_134), Some(1), TraceKind::Inbound(syn.clone()));
    trace.push(Duration::from_micros(200_113), None, TraceKind::Outbound(data.clone()));
    trace.push(Duration::from_micros(200_134), Some(2), TraceKind::Inbound(data.clone()));
    let bytes = pcap_bytes(&trace);
    let mut reader = PcapReader::new(&bytes[..]).unwrap();
    let mut got = Vec::new();
    while let Some(p) = reader.next_packet() {
        let p = p.unwrap();
        got.push((p.timestamp, p.data.into_owned()));
    }
    assert_eq!(
        got,
        vec![
            (Duration::from_micros(200_113), data.clone()),
            (Duration::from_micros(200_134), syn),
            (Duration::from_micros(200_134), data),
        ],
        "sorted by time, ties in trace order"
    );
}
