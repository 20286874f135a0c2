//! The packets of a run as a classic pcap file (libpcap format, as read by Wireshark/tshark and
//! tcpdump), written with the `pcap-file` crate.
//!
//! - Link type LINKTYPE_RAW (101): each record is a bare IPv4 or IPv6 packet, exactly the bytes
//!   of the trace (no Ethernet header to invent).
//! - Timestamps: the event's offset from the script's time 0, counted from the Unix epoch, so
//!   the same trace always gives the same file. Nanosecond resolution (magic `0xa1b23c4d`) so
//!   virtual-time offsets are kept exactly.
//! - Snaplen 65535; a longer packet (only an IPv6 jumbogram could be) is cut there and its
//!   original length recorded.
//! - Little-endian headers, whatever the host, again for byte-identical output.
//!
//! Inbound and outbound packets are written alike, in time order (ties in trace order): the
//! IP addresses tell the directions apart. Trace order is not always time order on a real
//! clock — the runner may read a packet the kernel stamped before a later injected one only
//! after injecting it — and capture readers (the oracle's `synack check` among them) take a
//! file's records in the order they come.

use crate::trace::Trace;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use std::io::{self, Write};
use std::time::Duration;

/// The snapshot length written in the file header, and the most octets kept per record.
pub const SNAPLEN: u32 = 65535;

/// Writes every packet of `trace` to `out` as a pcap file (header first, then one record per
/// packet), then flushes `out`. Fails only when `out` does.
pub fn write_pcap<W: Write>(trace: &Trace, out: W) -> io::Result<()> {
    let header = PcapHeader {
        version_major: 2,
        version_minor: 4,
        ts_correction: 0,
        ts_accuracy: 0,
        snaplen: SNAPLEN,
        datalink: DataLink::RAW,
        ts_resolution: TsResolution::NanoSecond,
        endianness: Endianness::Little,
    };
    let mut writer = PcapWriter::with_header(out, header).map_err(into_io)?;
    let mut packets: Vec<(Duration, &[u8])> = trace.packets().map(|(at, _inbound, bytes)| (at, bytes)).collect();
    packets.sort_by_key(|&(at, _)| at);
    for (at, bytes) in packets {
        writer.write_packet(&record(at, bytes)).map_err(into_io)?;
    }
    // A buffered `out` would otherwise flush on drop and lose the error.
    writer.into_writer().flush()
}

/// The pcap file of `trace` in memory (see [`write_pcap`]).
pub fn pcap_bytes(trace: &Trace) -> Vec<u8> {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail at the I/O level, and `record` keeps every field in range,
    // so there is no error to report here.
    let _ = write_pcap(trace, &mut buf);
    buf
}

/// One record: the timestamp clamped to what the format holds (32-bit seconds), the data cut
/// at the snaplen.
fn record(at: Duration, bytes: &[u8]) -> PcapPacket<'_> {
    let max = Duration::new(u64::from(u32::MAX), 999_999_999);
    let orig_len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    let kept = bytes.get(..SNAPLEN as usize).unwrap_or(bytes);
    PcapPacket::new(at.min(max), orig_len, kept)
}

/// `pcap-file` errors as I/O errors: the writer's own I/O failure unchanged, anything else as
/// invalid data.
fn into_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other @ (PcapError::IncompleteBuffer
        | PcapError::InvalidField(_)
        | PcapError::Utf8Error(_)
        | PcapError::FromUtf8Error(_)
        | PcapError::InvalidInterfaceId(_)) => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}
