//! The wire format: IPv4/IPv6 headers and TCP segments, as zero-copy views over bytes and as
//! owned representations with `parse` / `emit` / `buffer_len` (the smoltcp pattern).
//!
//! Parsing is lossless: every flag and reserved bit, the urgent pointer, options in wire order
//! (unknown kinds and a malformed tail included) survive a `parse` → `emit` round trip, and a
//! bad checksum is *reported*, never silently dropped. The IP layer is our own code;
//! etherparse is used in the tests as an independent cross-check.
//!
//! ```
//! use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket, TcpSegment};
//!
//! let syn = TcpSegment {
//!     flags: TcpFlags::SYN,
//!     options: vec![TcpOption::Mss(1460), TcpOption::WindowScale(7)],
//!     ..TcpSegment::default()
//! };
//! let packet = TcpPacket::new("10.0.0.1:1234".parse()?, "10.0.0.2:80".parse()?, syn)?;
//! let bytes = packet.emit()?; // lengths and checksums filled in, options padded
//! let parsed = TcpPacket::parse(&bytes)?;
//! assert!(parsed.ip_checksum_ok && parsed.tcp_checksum_ok);
//! assert_eq!(parsed.packet.tcp.mss(), Some(1460));
//! // The padding came back as one EndOfList: nothing on the wire is lost.
//! assert_eq!(parsed.packet.tcp.options.last(), Some(&TcpOption::EndOfList));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bytes;
pub mod checksum;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod options;
pub mod packet;
pub mod tcp;
pub mod tcp_view;

pub use checksum::{Checksum, PseudoHeader};
pub use ip::{IpHeader, IpPayload, Ipv4Header, Ipv6Header};
pub use ipv4::Ipv4View;
pub use ipv6::Ipv6View;
pub use options::{emit_options, options_len, OptionsIter, TcpOption};
pub use packet::{ChecksumOverride, ParsedPacket, TcpPacket};
pub use tcp::{TcpFlags, TcpSegment};
pub use tcp_view::TcpView;

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

/// Why a value could not be written as bytes (or built). Emitting never panics: a field that
/// does not fit its wire encoding is refused here instead of being silently truncated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// The output buffer is shorter than `buffer_len()`.
    BufferTooSmall { needed: usize, available: usize },
    /// A variable-length part is longer than its length field (or the header) can describe,
    /// e.g. a TCP option area over 40 octets (RFC 9293 §3.1: data offset ≤ 15 words).
    TooLong { what: &'static str, len: usize, max: usize },
    /// Source and destination (or the IP header and the pseudo-header) are of different
    /// address families.
    AddressFamilyMismatch,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::BufferTooSmall { needed, available } => {
                write!(f, "output buffer too small: need {needed} octets, have {available}")
            }
            EmitError::TooLong { what, len, max } => {
                write!(f, "{what} is {len} octets, at most {max} can be encoded")
            }
            EmitError::AddressFamilyMismatch => write!(f, "IPv4 and IPv6 addresses mixed"),
        }
    }
}

impl std::error::Error for EmitError {}

/// Refuses an output buffer shorter than `needed`.
fn check_room(buf: &[u8], needed: usize) -> Result<(), EmitError> {
    if buf.len() < needed {
        Err(EmitError::BufferTooSmall { needed, available: buf.len() })
    } else {
        Ok(())
    }
}
