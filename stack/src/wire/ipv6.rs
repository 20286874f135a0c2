//! IPv6 (RFC 8200 §3, §4): a zero-copy [`Ipv6View`] and the owned [`Ipv6Header`].

use std::net::Ipv6Addr;

use super::bytes::{array_at, put, put_u16, put_u32, put_u8, range, u16_at, u32_at, u8_at};
use super::ip::IpPayload;
use super::{check_room, EmitError, WireError};

/// An owned IPv6 header. `payload_length` is derived on emit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ipv6Header {
    /// DSCP and ECN, as in IPv4's TOS octet.
    pub traffic_class: u8,
    /// 20 bits.
    pub flow_label: u32,
    /// The next header after the fixed header (and after `extensions` it is TCP = 6).
    pub next_header: u8,
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    /// Extension headers between the fixed header and TCP, kept raw (hop-by-hop, routing,
    /// destination options); `next_header` names the first of them when non-empty.
    pub extensions: Vec<u8>,
}

/// Next-header numbers this module looks at (IANA "Assigned Internet Protocol Numbers").
pub mod next_header {
    /// RFC 8200 §4.3.
    pub const HOP_BY_HOP: u8 = 0;
    /// RFC 8200 §4.4.
    pub const ROUTING: u8 = 43;
    /// RFC 8200 §4.5.
    pub const FRAGMENT: u8 = 44;
    /// RFC 8200 §4.6.
    pub const DESTINATION_OPTIONS: u8 = 60;
}

/// Byte offsets of the fixed header fields (RFC 8200 §3).
mod field {
    /// Version (4 bits), traffic class (8), flow label (20).
    pub const VERSION_CLASS_FLOW: usize = 0;
    pub const PAYLOAD_LENGTH: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: usize = 8;
    pub const DST: usize = 24;
}

/// An IPv6 packet in a byte buffer, framing checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6View<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6View<T> {
    /// Checks the version (6) and that the payload length fits the buffer. Octets beyond
    /// it are allowed and ignored (link-layer padding).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        let available = bytes.len();
        if available < Ipv6Header::LEN {
            let (what, needed) = ("IPv6 header", Ipv6Header::LEN);
            return Err(WireError::Truncated { what, needed, available });
        }
        let view = Ipv6View { buffer };
        if view.version() != 6 {
            return Err(WireError::BadIpVersion(view.version()));
        }
        let claimed = Ipv6Header::LEN + usize::from(view.payload_length());
        if claimed > available {
            return Err(WireError::BadIpLength { claimed, available });
        }
        Ok(view)
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole buffer, trailing octets included.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn first_word(&self) -> u32 {
        u32_at(self.as_bytes(), field::VERSION_CLASS_FLOW).unwrap_or(0)
    }

    pub fn version(&self) -> u8 {
        (self.first_word() >> 28) as u8
    }

    pub fn traffic_class(&self) -> u8 {
        (self.first_word() >> 20) as u8
    }

    pub fn flow_label(&self) -> u32 {
        self.first_word() & 0x000f_ffff
    }

    /// Octets after the fixed header, extension headers included (RFC 8200 §3).
    pub fn payload_length(&self) -> u16 {
        u16_at(self.as_bytes(), field::PAYLOAD_LENGTH).unwrap_or(0)
    }

    pub fn next_header(&self) -> u8 {
        u8_at(self.as_bytes(), field::NEXT_HEADER).unwrap_or(0)
    }

    pub fn hop_limit(&self) -> u8 {
        u8_at(self.as_bytes(), field::HOP_LIMIT).unwrap_or(0)
    }

    pub fn src(&self) -> Ipv6Addr {
        Ipv6Addr::from(array_at::<16>(self.as_bytes(), field::SRC).unwrap_or([0; 16]))
    }

    pub fn dst(&self) -> Ipv6Addr {
        Ipv6Addr::from(array_at::<16>(self.as_bytes(), field::DST).unwrap_or([0; 16]))
    }

    /// Everything after the fixed header up to the payload length: extension headers and
    /// the upper-layer packet.
    pub fn payload(&self) -> &[u8] {
        let end = Ipv6Header::LEN + usize::from(self.payload_length());
        range(self.as_bytes(), Ipv6Header::LEN, end)
    }

    /// Walks the extension header chain (RFC 8200 §4) over hop-by-hop, routing and
    /// destination options headers; returns the first other next-header number and the
    /// offset in [`Ipv6View::payload`] where that header starts. A fragment header gives
    /// [`WireError::Fragmented`].
    pub fn upper_layer(&self) -> Result<(u8, usize), WireError> {
        let payload = self.payload();
        let mut next = self.next_header();
        let mut at = 0usize;
        loop {
            match next {
                next_header::HOP_BY_HOP
                | next_header::ROUTING
                | next_header::DESTINATION_OPTIONS => {
                    // RFC 8200 §4.3–4.6: next header, then length in 8-octet units not
                    // counting the first 8.
                    let truncated = |needed: usize| WireError::Truncated {
                        what: "IPv6 extension header",
                        needed: Ipv6Header::LEN + needed,
                        available: Ipv6Header::LEN + payload.len(),
                    };
                    let (Some(following), Some(units)) =
                        (u8_at(payload, at), u8_at(payload, at + 1))
                    else {
                        return Err(truncated(at + 2));
                    };
                    let end = at + (usize::from(units) + 1) * 8;
                    if end > payload.len() {
                        return Err(truncated(end));
                    }
                    next = following;
                    at = end;
                }
                next_header::FRAGMENT => return Err(WireError::Fragmented),
                upper => return Ok((upper, at)),
            }
        }
    }
}

impl Ipv6Header {
    /// The fixed header (RFC 8200 §3).
    pub const LEN: usize = 40;

    /// Parses an IPv6 packet's header and its hop-by-hop / routing / destination options
    /// extension headers (framing per [`Ipv6View::new_checked`] and
    /// [`Ipv6View::upper_layer`]). Any upper-layer protocol is accepted.
    pub fn parse(bytes: &[u8]) -> Result<(Ipv6Header, IpPayload<'_>), WireError> {
        let view = Ipv6View::new_checked(bytes)?;
        let (protocol, upper_at) = view.upper_layer()?;
        let end = Ipv6Header::LEN + usize::from(view.payload_length());
        let header = Ipv6Header {
            traffic_class: view.traffic_class(),
            flow_label: view.flow_label(),
            next_header: view.next_header(),
            hop_limit: view.hop_limit(),
            src: view.src(),
            dst: view.dst(),
            extensions: range(view.payload(), 0, upper_at).to_vec(),
        };
        let payload = range(bytes, Ipv6Header::LEN + upper_at, end);
        Ok((header, IpPayload { protocol, payload, checksum_ok: true }))
    }

    /// Header length as emitted: the fixed header plus the raw extensions.
    pub fn buffer_len(&self) -> usize {
        Self::LEN + self.extensions.len()
    }

    /// Writes the fixed header and the extensions, verbatim, for an upper-layer packet of
    /// `payload_len` octets; returns the octets written. The payload length is derived;
    /// `flow_label` is masked to 20 bits.
    pub fn emit(&self, buf: &mut [u8], payload_len: usize) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        let payload_length = self.extensions.len().saturating_add(payload_len);
        if payload_length > usize::from(u16::MAX) {
            // RFC 2675 jumbograms are not supported.
            let (what, max) = ("IPv6 payload length", usize::from(u16::MAX));
            return Err(EmitError::TooLong { what, len: payload_length, max });
        }
        check_room(buf, len)?;
        let first = (6 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0xfffff);
        put_u32(buf, field::VERSION_CLASS_FLOW, first);
        put_u16(buf, field::PAYLOAD_LENGTH, payload_length as u16);
        put_u8(buf, field::NEXT_HEADER, self.next_header);
        put_u8(buf, field::HOP_LIMIT, self.hop_limit);
        put(buf, field::SRC, &self.src.octets());
        put(buf, field::DST, &self.dst.octets());
        put(buf, Self::LEN, &self.extensions);
        Ok(len)
    }
}
