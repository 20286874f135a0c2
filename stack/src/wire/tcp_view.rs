//! A zero-copy view of a TCP segment (RFC 9293 §3.1), in the smoltcp style: the bytes stay
//! where they are and every header field is read on demand.

use super::bytes::{put_u16, range, tail, u16_at, u32_at, u8_at};
use super::checksum::{self, PseudoHeader};
use super::options::OptionsIter;
use super::tcp::TcpFlags;
use super::WireError;
use crate::seq::SeqNum;

/// Byte offsets of the fixed header fields (RFC 9293 §3.1, Figure 1).
mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    /// Data offset (4 bits), then the 12 bits of reserved/AE and control bits.
    pub const OFFSET_FLAGS: usize = 12;
    pub const WINDOW: usize = 14;
    pub const CHECKSUM: usize = 16;
    pub const URGENT: usize = 18;
}

/// The fixed TCP header: five 32-bit words.
pub const HEADER_LEN: usize = 20;

/// A TCP segment (header, options, payload) in a byte buffer, framing checked.
///
/// Only [`TcpView::new_checked`] makes one, so the fixed header and the option area are
/// known to be inside the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpView<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpView<T> {
    /// Checks that the buffer holds a fixed header and that the data offset is at least 5
    /// and within the buffer (RFC 9293 §3.1 "Data Offset"). Everything after the header is
    /// payload.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        let available = bytes.len();
        let offset = match u8_at(bytes, field::OFFSET_FLAGS) {
            Some(b) if available >= HEADER_LEN => b >> 4,
            _ => {
                let (what, needed) = ("TCP header", HEADER_LEN);
                return Err(WireError::Truncated { what, needed, available });
            }
        };
        if offset < 5 || usize::from(offset) * 4 > available {
            return Err(WireError::BadDataOffset(offset));
        }
        Ok(TcpView { buffer })
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole segment.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u16_field(&self, off: usize) -> u16 {
        u16_at(self.as_bytes(), off).unwrap_or(0)
    }

    fn u32_field(&self, off: usize) -> u32 {
        u32_at(self.as_bytes(), off).unwrap_or(0)
    }

    pub fn src_port(&self) -> u16 {
        self.u16_field(field::SRC_PORT)
    }

    pub fn dst_port(&self) -> u16 {
        self.u16_field(field::DST_PORT)
    }

    pub fn seq_number(&self) -> SeqNum {
        SeqNum::new(self.u32_field(field::SEQ))
    }

    /// The acknowledgment number field, whether or not ACK is set.
    pub fn ack_number(&self) -> SeqNum {
        SeqNum::new(self.u32_field(field::ACK))
    }

    /// The data offset in 32-bit words (5..=15).
    pub fn data_offset(&self) -> u8 {
        (self.u16_field(field::OFFSET_FLAGS) >> 12) as u8
    }

    /// Header length in octets, options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }

    /// All twelve bits after the data offset.
    pub fn flags(&self) -> TcpFlags {
        TcpFlags::from_bits(self.u16_field(field::OFFSET_FLAGS))
    }

    /// The raw (unscaled) window field.
    pub fn window(&self) -> u16 {
        self.u16_field(field::WINDOW)
    }

    /// The checksum field as on the wire.
    pub fn checksum(&self) -> u16 {
        self.u16_field(field::CHECKSUM)
    }

    /// The urgent pointer field, whether or not URG is set.
    pub fn urgent(&self) -> u16 {
        self.u16_field(field::URGENT)
    }

    /// The raw option area (header octets 20 up to the data offset).
    pub fn options(&self) -> &[u8] {
        range(self.as_bytes(), HEADER_LEN, self.header_len())
    }

    pub fn options_iter(&self) -> OptionsIter<'_> {
        OptionsIter::new(self.options())
    }

    pub fn payload(&self) -> &[u8] {
        tail(self.as_bytes(), self.header_len())
    }

    /// Whether the checksum field verifies under `pseudo` (RFC 9293 §3.1).
    pub fn verify_checksum(&self, pseudo: &PseudoHeader) -> bool {
        checksum::verify_tcp(pseudo, self.as_bytes())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpView<T> {
    /// Overwrites the checksum field (e.g. to inject a bad one).
    pub fn set_checksum(&mut self, value: u16) {
        put_u16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Recomputes the checksum field over the current contents.
    pub fn fill_checksum(&mut self, pseudo: &PseudoHeader) {
        let value = checksum::tcp_checksum(pseudo, self.as_bytes());
        self.set_checksum(value);
    }
}
