//! IPv4 (RFC 791) and IPv6 (RFC 8200) headers, enough to carry TCP losslessly.
//!
//! Each version lives in its own module ([`super::ipv4`], [`super::ipv6`]); this one
//! dispatches on the version nibble.

use std::net::IpAddr;

use super::checksum::PseudoHeader;
use super::{EmitError, WireError};

pub use super::ipv4::Ipv4Header;
pub use super::ipv6::Ipv6Header;

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum IpHeader {
    V4(Ipv4Header),
    V6(Ipv6Header),
}

/// What an IP header parse found after the header.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IpPayload<'a> {
    /// The upper-layer protocol: IPv4's protocol field, or IPv6's next header after the
    /// extension headers that were walked.
    pub protocol: u8,
    /// The upper-layer packet, cut at the IP length field (trailing octets dropped).
    pub payload: &'a [u8],
    /// The IPv4 header checksum verified (always true for IPv6, which has none).
    pub checksum_ok: bool,
}

impl IpHeader {
    /// Parses either version, by the first nibble (RFC 791 §3.1, RFC 8200 §3).
    pub fn parse(bytes: &[u8]) -> Result<(IpHeader, IpPayload<'_>), WireError> {
        let Some(first) = bytes.first() else {
            return Err(WireError::Truncated { what: "IP header", needed: 1, available: 0 });
        };
        match first >> 4 {
            4 => Ipv4Header::parse(bytes).map(|(h, p)| (IpHeader::V4(h), p)),
            6 => Ipv6Header::parse(bytes).map(|(h, p)| (IpHeader::V6(h), p)),
            version => Err(WireError::BadIpVersion(version)),
        }
    }

    /// 4 or 6.
    pub fn version(&self) -> u8 {
        match self {
            IpHeader::V4(_) => 4,
            IpHeader::V6(_) => 6,
        }
    }

    pub fn src(&self) -> IpAddr {
        match self {
            IpHeader::V4(h) => IpAddr::V4(h.src),
            IpHeader::V6(h) => IpAddr::V6(h.src),
        }
    }

    pub fn dst(&self) -> IpAddr {
        match self {
            IpHeader::V4(h) => IpAddr::V4(h.dst),
            IpHeader::V6(h) => IpAddr::V6(h.dst),
        }
    }

    /// The addresses for the upper-layer checksum (RFC 9293 §3.1, RFC 8200 §8.1). For IPv6
    /// this is the header's destination even when a Routing header names another final
    /// destination.
    pub fn pseudo_header(&self) -> PseudoHeader {
        match self {
            IpHeader::V4(h) => PseudoHeader::V4 { src: h.src, dst: h.dst },
            IpHeader::V6(h) => PseudoHeader::V6 { src: h.src, dst: h.dst },
        }
    }

    /// Header length as emitted (IPv4 options padded; IPv6 extensions included).
    pub fn buffer_len(&self) -> usize {
        match self {
            IpHeader::V4(h) => h.buffer_len(),
            IpHeader::V6(h) => h.buffer_len(),
        }
    }

    /// Writes the header for an upper-layer packet of `payload_len` octets.
    pub fn emit(&self, buf: &mut [u8], payload_len: usize) -> Result<usize, EmitError> {
        match self {
            IpHeader::V4(h) => h.emit(buf, payload_len),
            IpHeader::V6(h) => h.emit(buf, payload_len),
        }
    }
}
