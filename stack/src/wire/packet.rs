//! A whole IP packet carrying TCP: the unit that crosses a TUN device or a simulated link.

use super::ip::IpHeader;
use super::tcp::TcpSegment;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TcpPacket {
    pub ip: IpHeader,
    pub tcp: TcpSegment,
}

/// The result of parsing: the packet, plus what the checksums said (never a reason to refuse).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ParsedPacket {
    pub packet: TcpPacket,
    /// The IPv4 header checksum verified (always true for IPv6, which has none).
    pub ip_checksum_ok: bool,
    /// The TCP checksum over the pseudo-header verified (RFC 9293 §3.1, MUST-2/MUST-3).
    pub tcp_checksum_ok: bool,
}
