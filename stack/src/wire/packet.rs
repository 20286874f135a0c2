//! A whole IP packet carrying TCP: the unit that crosses a TUN device or a simulated link.

use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};

use super::checksum::PROTOCOL_TCP;
use super::ip::{IpHeader, Ipv4Header, Ipv6Header};
use super::tcp::TcpSegment;
use super::tcp_view::TcpView;
use super::{check_room, EmitError, WireError};

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

/// Checksum values to write instead of the computed ones (`None`: compute). For test
/// injectors; `ipv4_header` is ignored for IPv6.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ChecksumOverride {
    pub ipv4_header: Option<u16>,
    pub tcp: Option<u16>,
}

/// Defaults for packets the stack originates (RFC 1122 §3.2.1.7 recommends a TTL of 64).
const DEFAULT_TTL: u8 = 64;

impl TcpPacket {
    /// Wraps `tcp` in an IP header from `src` to `dst`, taking the ports from the addresses.
    /// IPv4: TOS 0, identification 0, DF set, TTL 64, no options. IPv6: traffic class 0, flow
    /// label 0, hop limit 64, no extension headers. Mixed address families are refused.
    pub fn new(src: SocketAddr, dst: SocketAddr, tcp: TcpSegment) -> Result<TcpPacket, EmitError> {
        let ip = match (src, dst) {
            (SocketAddr::V4(s), SocketAddr::V4(d)) => IpHeader::V4(Ipv4Header {
                tos: 0,
                identification: 0,
                flags: Ipv4Header::FLAG_DF,
                fragment_offset: 0,
                ttl: DEFAULT_TTL,
                protocol: PROTOCOL_TCP,
                src: *s.ip(),
                dst: *d.ip(),
                options: Vec::new(),
            }),
            (SocketAddr::V6(s), SocketAddr::V6(d)) => IpHeader::V6(Ipv6Header {
                traffic_class: 0,
                flow_label: 0,
                next_header: PROTOCOL_TCP,
                hop_limit: DEFAULT_TTL,
                src: *s.ip(),
                dst: *d.ip(),
                extensions: Vec::new(),
            }),
            (SocketAddr::V4(_), SocketAddr::V6(_)) | (SocketAddr::V6(_), SocketAddr::V4(_)) => {
                return Err(EmitError::AddressFamilyMismatch)
            }
        };
        let tcp = TcpSegment { src_port: src.port(), dst_port: dst.port(), ..tcp };
        Ok(TcpPacket { ip, tcp })
    }

    /// Parses an IPv4 or IPv6 packet carrying TCP, reporting (not enforcing) the checksums.
    /// Octets beyond the IP length field are ignored.
    pub fn parse(bytes: &[u8]) -> Result<ParsedPacket, WireError> {
        let (ip, payload) = IpHeader::parse(bytes)?;
        if payload.protocol != PROTOCOL_TCP {
            return Err(WireError::NotTcp(payload.protocol));
        }
        let view = TcpView::new_checked(payload.payload)?;
        let tcp_checksum_ok = view.verify_checksum(&ip.pseudo_header());
        let packet = TcpPacket { ip, tcp: TcpSegment::from_view(&view) };
        Ok(ParsedPacket { packet, ip_checksum_ok: payload.checksum_ok, tcp_checksum_ok })
    }

    /// Encoded length: IP header (options / extensions included) and TCP segment.
    pub fn buffer_len(&self) -> usize {
        self.ip.buffer_len() + self.tcp.buffer_len()
    }

    /// The packet as bytes, lengths and checksums derived.
    pub fn emit(&self) -> Result<Vec<u8>, EmitError> {
        self.emit_with_checksums(ChecksumOverride::default())
    }

    /// As [`TcpPacket::emit`], with chosen checksum values where `overrides` says so.
    pub fn emit_with_checksums(&self, overrides: ChecksumOverride) -> Result<Vec<u8>, EmitError> {
        let tcp_len = self.tcp.buffer_len();
        let mut buf = vec![0; self.ip.buffer_len() + tcp_len];
        let len = self.emit_parts(&mut buf, tcp_len, overrides)?;
        buf.truncate(len);
        Ok(buf)
    }

    /// Writes the packet at the start of `buf`; returns the octets written
    /// (= [`TcpPacket::buffer_len`]).
    pub fn emit_into(
        &self,
        buf: &mut [u8],
        overrides: ChecksumOverride,
    ) -> Result<usize, EmitError> {
        self.emit_parts(buf, self.tcp.buffer_len(), overrides)
    }

    /// [`TcpPacket::emit_into`], given `tcp_len` = `self.tcp.buffer_len()`.
    fn emit_parts(&self, buf: &mut [u8], tcp_len: usize, overrides: ChecksumOverride) -> Result<usize, EmitError> {
        check_room(buf, self.ip.buffer_len() + tcp_len)?;
        let ip_len = match &self.ip {
            IpHeader::V4(h) => h.emit_with_checksum(buf, tcp_len, overrides.ipv4_header)?,
            IpHeader::V6(h) => h.emit(buf, tcp_len)?,
        };
        let tcp_buf = buf.get_mut(ip_len..).unwrap_or(&mut []);
        let pseudo = self.ip.pseudo_header();
        let written = self.tcp.emit_with_checksum(tcp_buf, &pseudo, overrides.tcp)?;
        Ok(ip_len + written)
    }

    /// Source address and TCP port (IPv6: flow info and scope id 0).
    pub fn src(&self) -> SocketAddr {
        socket_addr(&self.ip, true, self.tcp.src_port)
    }

    /// Destination address and TCP port (IPv6: flow info and scope id 0).
    pub fn dst(&self) -> SocketAddr {
        socket_addr(&self.ip, false, self.tcp.dst_port)
    }
}

fn socket_addr(ip: &IpHeader, source: bool, port: u16) -> SocketAddr {
    match ip {
        IpHeader::V4(h) => {
            let addr = if source { h.src } else { h.dst };
            SocketAddr::V4(SocketAddrV4::new(addr, port))
        }
        IpHeader::V6(h) => {
            let addr = if source { h.src } else { h.dst };
            SocketAddr::V6(SocketAddrV6::new(addr, port, 0, 0))
        }
    }
}
