//! The wire format: IPv4/IPv6 headers and TCP segments, as zero-copy views over bytes and as
//! owned representations with `parse` / `emit` / `buffer_len` (the smoltcp pattern).
//!
//! Parsing is lossless: every flag and reserved bit, the urgent pointer, options in wire order
//! (unknown kinds and a malformed tail included) survive a `parse` → `emit` round trip, and a
//! bad checksum is *reported*, never silently dropped. The IP layer is our own code;
//! etherparse is used in the tests as an independent cross-check.

pub mod checksum;
pub mod ip;
pub mod options;
pub mod packet;
pub mod tcp;

pub use ip::{IpHeader, Ipv4Header, Ipv6Header};
pub use options::TcpOption;
pub use packet::{ParsedPacket, TcpPacket};
pub use tcp::{TcpFlags, TcpSegment};

use core::fmt;

/// Why bytes could not be read as a packet. Every parse of arbitrary bytes returns either a
/// value or one of these; none panics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Fewer bytes than the named header or length field needs.
    Truncated { what: &'static str, needed: usize, available: usize },
    /// The IP version nibble is neither 4 nor 6.
    BadIpVersion(u8),
    /// IPv4 IHL below 5 (20 octets).
    BadIpv4HeaderLength(u8),
    /// An IP length field that disagrees with the bytes present.
    BadIpLength { claimed: usize, available: usize },
    /// TCP data offset below 5 (20 octets) or beyond the segment.
    BadDataOffset(u8),
    /// A fragment (offset != 0 or more-fragments set): this stack does not reassemble IP.
    Fragmented,
    /// The IP payload is not TCP (protocol / next header number given).
    NotTcp(u8),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated { what, needed, available } => {
                write!(f, "truncated {what}: need {needed} octets, have {available}")
            }
            WireError::BadIpVersion(v) => write!(f, "IP version {v} is neither 4 nor 6"),
            WireError::BadIpv4HeaderLength(ihl) => write!(f, "IPv4 IHL {ihl} is below 5"),
            WireError::BadIpLength { claimed, available } => {
                write!(f, "IP length field says {claimed} octets, {available} present")
            }
            WireError::BadDataOffset(off) => write!(f, "TCP data offset {off} is invalid"),
            WireError::Fragmented => write!(f, "IP fragment (not reassembled)"),
            WireError::NotTcp(p) => write!(f, "IP protocol {p} is not TCP"),
        }
    }
}

impl std::error::Error for WireError {}
