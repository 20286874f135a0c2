//! IPv4 (RFC 791 §3.1): a zero-copy [`Ipv4View`] and the owned [`Ipv4Header`].

use std::net::Ipv4Addr;

use super::bytes::{array_at, put, put_u16, put_u8, range, u16_at, u8_at, zero};
use super::checksum::{self, Checksum};
use super::ip::IpPayload;
use super::{check_room, EmitError, WireError};

/// An owned IPv4 header. `total_length`, `ihl` and the header checksum are derived on emit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ipv4Header {
    /// DSCP (upper six bits) and ECN (lower two bits), RFC 2474 / RFC 3168.
    pub tos: u8,
    pub identification: u16,
    /// The three flag bits (reserved, DF, MF) in the low bits: `0b010` is DF.
    pub flags: u8,
    pub fragment_offset: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Raw option bytes (a multiple of four on parse; padded on emit).
    pub options: Vec<u8>,
}

/// Byte offsets of the fixed header fields (RFC 791 §3.1).
mod field {
    pub const VERSION_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const TOTAL_LENGTH: usize = 2;
    pub const IDENTIFICATION: usize = 4;
    /// Flags (3 bits) and fragment offset (13 bits).
    pub const FLAGS_FRAGMENT: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
}

/// An IPv4 packet in a byte buffer, framing checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4View<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4View<T> {
    /// Checks the version (4), IHL (≥ 5, within the buffer) and total length (≥ the header,
    /// ≤ the buffer). Octets beyond the total length are allowed and ignored (link-layer
    /// padding, e.g. Ethernet's 46-octet minimum payload).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        let available = bytes.len();
        let what = "IPv4 header";
        if available < Ipv4Header::MIN_LEN {
            return Err(WireError::Truncated { what, needed: Ipv4Header::MIN_LEN, available });
        }
        let view = Ipv4View { buffer };
        if view.version() != 4 {
            return Err(WireError::BadIpVersion(view.version()));
        }
        if view.ihl() < 5 {
            return Err(WireError::BadIpv4HeaderLength(view.ihl()));
        }
        let needed = view.header_len();
        if needed > available {
            return Err(WireError::Truncated { what, needed, available });
        }
        let claimed = usize::from(view.total_length());
        if claimed < needed || claimed > available {
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

    fn octet(&self, off: usize) -> u8 {
        u8_at(self.as_bytes(), off).unwrap_or(0)
    }

    fn word(&self, off: usize) -> u16 {
        u16_at(self.as_bytes(), off).unwrap_or(0)
    }

    pub fn version(&self) -> u8 {
        self.octet(field::VERSION_IHL) >> 4
    }

    /// Internet Header Length in 32-bit words.
    pub fn ihl(&self) -> u8 {
        self.octet(field::VERSION_IHL) & 0x0f
    }

    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    pub fn tos(&self) -> u8 {
        self.octet(field::TOS)
    }

    pub fn total_length(&self) -> u16 {
        self.word(field::TOTAL_LENGTH)
    }

    pub fn identification(&self) -> u16 {
        self.word(field::IDENTIFICATION)
    }

    /// The three flag bits (reserved, DF, MF), in the low bits.
    pub fn flags(&self) -> u8 {
        (self.word(field::FLAGS_FRAGMENT) >> 13) as u8
    }

    /// The fragment offset in 8-octet units (13 bits).
    pub fn fragment_offset(&self) -> u16 {
        self.word(field::FLAGS_FRAGMENT) & 0x1fff
    }

    /// A fragment: MF set or a non-zero offset (RFC 791 §3.2).
    pub fn is_fragment(&self) -> bool {
        self.flags() & Ipv4Header::FLAG_MF != 0 || self.fragment_offset() != 0
    }

    pub fn ttl(&self) -> u8 {
        self.octet(field::TTL)
    }

    pub fn protocol(&self) -> u8 {
        self.octet(field::PROTOCOL)
    }

    pub fn header_checksum(&self) -> u16 {
        self.word(field::CHECKSUM)
    }

    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::from(array_at::<4>(self.as_bytes(), field::SRC).unwrap_or([0; 4]))
    }

    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::from(array_at::<4>(self.as_bytes(), field::DST).unwrap_or([0; 4]))
    }

    /// The raw option octets (between the fixed header and the IHL).
    pub fn options(&self) -> &[u8] {
        range(self.as_bytes(), Ipv4Header::MIN_LEN, self.header_len())
    }

    /// The payload: from the end of the header to the total length.
    pub fn payload(&self) -> &[u8] {
        range(self.as_bytes(), self.header_len(), usize::from(self.total_length()))
    }

    /// Whether the header checksum verifies (RFC 791 §3.1 "Header Checksum").
    pub fn verify_header_checksum(&self) -> bool {
        let header = range(self.as_bytes(), 0, self.header_len());
        Checksum::new().add_bytes(header).verifies()
    }
}

impl Ipv4Header {
    pub const MIN_LEN: usize = 20;
    /// IHL is at most 15 words (RFC 791 §3.1).
    pub const MAX_OPTIONS_LEN: usize = 40;
    /// Flag bits as in [`Ipv4Header::flags`] (RFC 791 §3.1 "Flags").
    pub const FLAG_RESERVED: u8 = 0b100;
    pub const FLAG_DF: u8 = 0b010;
    pub const FLAG_MF: u8 = 0b001;

    /// Parses an IPv4 packet's header (framing per [`Ipv4View::new_checked`]). Any protocol
    /// is accepted; fragments are refused with [`WireError::Fragmented`].
    pub fn parse(bytes: &[u8]) -> Result<(Ipv4Header, IpPayload<'_>), WireError> {
        let view = Ipv4View::new_checked(bytes)?;
        if view.is_fragment() {
            return Err(WireError::Fragmented);
        }
        let payload = IpPayload {
            protocol: view.protocol(),
            payload: range(bytes, view.header_len(), usize::from(view.total_length())),
            checksum_ok: view.verify_header_checksum(),
        };
        Ok((Ipv4Header::from_view(&view), payload))
    }

    /// The owned form of a checked view (fragment fields included).
    pub fn from_view<T: AsRef<[u8]>>(view: &Ipv4View<T>) -> Ipv4Header {
        Ipv4Header {
            tos: view.tos(),
            identification: view.identification(),
            flags: view.flags(),
            fragment_offset: view.fragment_offset(),
            ttl: view.ttl(),
            protocol: view.protocol(),
            src: view.src(),
            dst: view.dst(),
            options: view.options().to_vec(),
        }
    }

    /// Header length as emitted: options padded with zeros to a multiple of four.
    pub fn buffer_len(&self) -> usize {
        Self::MIN_LEN + self.options.len().next_multiple_of(4)
    }

    /// Writes the header for a payload of `payload_len` octets at the start of `buf`, with
    /// IHL, total length and header checksum derived; returns the octets written. `flags`
    /// and `fragment_offset` are masked to their 3 and 13 bits.
    pub fn emit(&self, buf: &mut [u8], payload_len: usize) -> Result<usize, EmitError> {
        self.emit_with_checksum(buf, payload_len, None)
    }

    /// As [`Ipv4Header::emit`], but `Some(value)` is written as the header checksum instead
    /// of the computed one (fault injection).
    pub fn emit_with_checksum(
        &self,
        buf: &mut [u8],
        payload_len: usize,
        checksum: Option<u16>,
    ) -> Result<usize, EmitError> {
        if self.options.len() > Self::MAX_OPTIONS_LEN {
            let (what, len, max) = ("IPv4 options", self.options.len(), Self::MAX_OPTIONS_LEN);
            return Err(EmitError::TooLong { what, len, max });
        }
        let header_len = self.buffer_len();
        let total = header_len.saturating_add(payload_len);
        if total > usize::from(u16::MAX) {
            let (what, max) = ("IPv4 total length", usize::from(u16::MAX));
            return Err(EmitError::TooLong { what, len: total, max });
        }
        check_room(buf, header_len)?;
        put_u8(buf, field::VERSION_IHL, 0x40 | (header_len / 4) as u8);
        put_u8(buf, field::TOS, self.tos);
        put_u16(buf, field::TOTAL_LENGTH, total as u16);
        put_u16(buf, field::IDENTIFICATION, self.identification);
        let flags_fragment =
            (u16::from(self.flags & 0b111) << 13) | (self.fragment_offset & 0x1fff);
        put_u16(buf, field::FLAGS_FRAGMENT, flags_fragment);
        put_u8(buf, field::TTL, self.ttl);
        put_u8(buf, field::PROTOCOL, self.protocol);
        put_u16(buf, field::CHECKSUM, 0);
        put(buf, field::SRC, &self.src.octets());
        put(buf, field::DST, &self.dst.octets());
        put(buf, Self::MIN_LEN, &self.options);
        zero(buf, Self::MIN_LEN + self.options.len(), header_len);
        let value =
            checksum.unwrap_or_else(|| checksum::checksum(buf.get(..header_len).unwrap_or(&[])));
        put_u16(buf, field::CHECKSUM, value);
        Ok(header_len)
    }
}
