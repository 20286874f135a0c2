//! TCP options (RFC 9293 §3.2 and the RFCs that define each kind), lossless in wire order.

use super::bytes::{put, put_u16, put_u32, put_u8, tail, u32_at};
use super::{check_room, EmitError};

/// The experimental TCP Fast Open option's magic (RFC 6994 / RFC 7413 §4.1.1, kind 254).
pub const TFO_EXP_MAGIC: u16 = 0xf989;

/// One TCP option as it appeared on the wire.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TcpOption {
    /// Kind 0. Every zero octet in the option area is one `EndOfList` (padding included); the
    /// stack's interpretation stops at the first one (RFC 9293 §3.2), the representation does not.
    EndOfList,
    /// Kind 1.
    NoOp,
    /// Kind 2, length 4 (RFC 9293 §3.7.1).
    Mss(u16),
    /// Kind 3, length 3: the raw shift count, not yet clamped (RFC 7323 §2.2).
    WindowScale(u8),
    /// Kind 4, length 2 (RFC 2018).
    SackPermitted,
    /// Kind 5, length 2 + 8n: (left edge, right edge) pairs (RFC 2018 §3).
    Sack(Vec<(u32, u32)>),
    /// Kind 8, length 10 (RFC 7323 §3.2).
    Timestamps { tsval: u32, tsecr: u32 },
    /// Kind 19, length 18 (RFC 2385): the 16-octet digest, opaque to us.
    Md5([u8; 16]),
    /// Kind 34 (RFC 7413): empty cookie = cookie request.
    FastOpen(Vec<u8>),
    /// Kind 254 with the TFO magic 0xF989: the pre-RFC experimental Fast Open form.
    FastOpenExp(Vec<u8>),
    /// A well-formed kind/length frame whose kind we do not know (or kind 254 with another magic).
    Unknown { kind: u8, data: Vec<u8> },
    /// A known kind whose length is not valid for it (e.g. MSS of length 3): kept, not interpreted.
    WrongLength { kind: u8, data: Vec<u8> },
    /// The rest of the option area from the first octet that cannot be framed (a length below 2,
    /// or running past the header). Always the last entry.
    Malformed(Vec<u8>),
}

/// The most option octets a TCP header can carry: the data offset is at most 15 words, five
/// of which are the fixed header (RFC 9293 §3.1).
pub const MAX_OPTIONS_LEN: usize = 40;

/// Option kind numbers (IANA "TCP Option Kind Numbers").
pub mod kind {
    /// RFC 9293 §3.2.
    pub const END_OF_LIST: u8 = 0;
    /// RFC 9293 §3.2.
    pub const NO_OP: u8 = 1;
    /// RFC 9293 §3.2, §3.7.1.
    pub const MSS: u8 = 2;
    /// RFC 7323 §2.2.
    pub const WINDOW_SCALE: u8 = 3;
    /// RFC 2018 §2.
    pub const SACK_PERMITTED: u8 = 4;
    /// RFC 2018 §3.
    pub const SACK: u8 = 5;
    /// RFC 7323 §3.2.
    pub const TIMESTAMPS: u8 = 8;
    /// RFC 2385 §3.0.
    pub const MD5: u8 = 19;
    /// RFC 7413 §4.1.1.
    pub const FAST_OPEN: u8 = 34;
    /// RFC 6994 §3 (shared experimental kind; the TFO draft used it with magic 0xF989).
    pub const EXPERIMENTAL: u8 = 254;
}

/// The most data octets after kind and length: the length octet counts both (RFC 9293 §3.2).
const MAX_FRAME_DATA: usize = u8::MAX as usize - 2;

impl TcpOption {
    /// Parses a whole option area, losslessly (see [`OptionsIter`]).
    pub fn parse_all(area: &[u8]) -> Vec<TcpOption> {
        OptionsIter::new(area).collect()
    }

    /// The kind octet this option is written with (`Malformed`: its first octet, if any).
    pub fn kind(&self) -> Option<u8> {
        Some(match self {
            TcpOption::EndOfList => kind::END_OF_LIST,
            TcpOption::NoOp => kind::NO_OP,
            TcpOption::Mss(_) => kind::MSS,
            TcpOption::WindowScale(_) => kind::WINDOW_SCALE,
            TcpOption::SackPermitted => kind::SACK_PERMITTED,
            TcpOption::Sack(_) => kind::SACK,
            TcpOption::Timestamps { .. } => kind::TIMESTAMPS,
            TcpOption::Md5(_) => kind::MD5,
            TcpOption::FastOpen(_) => kind::FAST_OPEN,
            TcpOption::FastOpenExp(_) => kind::EXPERIMENTAL,
            TcpOption::Unknown { kind, .. } | TcpOption::WrongLength { kind, .. } => *kind,
            TcpOption::Malformed(bytes) => return bytes.first().copied(),
        })
    }

    /// Octets after the kind and length octets, for the kind/length/data forms; `None` for
    /// the single-octet kinds and `Malformed`.
    fn data_len(&self) -> Option<usize> {
        match self {
            TcpOption::EndOfList | TcpOption::NoOp | TcpOption::Malformed(_) => None,
            TcpOption::Mss(_) => Some(2),
            TcpOption::WindowScale(_) => Some(1),
            TcpOption::SackPermitted => Some(0),
            TcpOption::Sack(blocks) => Some(8 * blocks.len()),
            TcpOption::Timestamps { .. } => Some(8),
            TcpOption::Md5(_) => Some(16),
            TcpOption::FastOpen(cookie) => Some(cookie.len()),
            TcpOption::FastOpenExp(cookie) => Some(2 + cookie.len()),
            TcpOption::Unknown { data, .. } | TcpOption::WrongLength { data, .. } => {
                Some(data.len())
            }
        }
    }

    /// Encoded length in octets.
    pub fn buffer_len(&self) -> usize {
        match (self, self.data_len()) {
            (TcpOption::Malformed(bytes), _) => bytes.len(),
            (_, Some(data)) => 2 + data,
            (_, None) => 1,
        }
    }

    /// Writes the option at the start of `buf`; returns the octets written
    /// (= [`TcpOption::buffer_len`]). `WrongLength` and `Unknown` are written as kind,
    /// `data.len() + 2`, data; `Malformed` verbatim. Data longer than a length octet can
    /// describe (253 octets) is refused.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        if let Some(data) = self.data_len() {
            if data > MAX_FRAME_DATA {
                let max = MAX_FRAME_DATA;
                return Err(EmitError::TooLong { what: "TCP option data", len: data, max });
            }
        }
        check_room(buf, len)?;
        // RFC 9293 §3.2: case 1 is a single kind octet; case 2 is kind, a length counting
        // kind and length, then data.
        if let Some(kind) = self.kind() {
            put_u8(buf, 0, kind);
        }
        if self.data_len().is_some() {
            put_u8(buf, 1, len as u8);
        }
        match self {
            TcpOption::Malformed(bytes) => put(buf, 0, bytes),
            TcpOption::EndOfList | TcpOption::NoOp | TcpOption::SackPermitted => {}
            TcpOption::Mss(mss) => put_u16(buf, 2, *mss),
            TcpOption::WindowScale(shift) => put_u8(buf, 2, *shift),
            TcpOption::Sack(blocks) => {
                for (i, (left, right)) in blocks.iter().enumerate() {
                    put_u32(buf, 2 + 8 * i, *left);
                    put_u32(buf, 6 + 8 * i, *right);
                }
            }
            TcpOption::Timestamps { tsval, tsecr } => {
                put_u32(buf, 2, *tsval);
                put_u32(buf, 6, *tsecr);
            }
            TcpOption::Md5(digest) => put(buf, 2, digest),
            TcpOption::FastOpen(cookie) => put(buf, 2, cookie),
            TcpOption::FastOpenExp(cookie) => {
                put_u16(buf, 2, TFO_EXP_MAGIC);
                put(buf, 4, cookie);
            }
            TcpOption::Unknown { data, .. } | TcpOption::WrongLength { data, .. } => {
                put(buf, 2, data)
            }
        }
        Ok(len)
    }
}

/// The encoded length of `options` back to back, without padding.
pub fn options_len(options: &[TcpOption]) -> usize {
    options.iter().map(TcpOption::buffer_len).sum()
}

/// Writes `options` back to back at the start of `buf`, without padding; returns the octets
/// written (= [`options_len`]).
pub fn emit_options(options: &[TcpOption], buf: &mut [u8]) -> Result<usize, EmitError> {
    check_room(buf, options_len(options))?;
    let mut at = 0;
    for option in options {
        at += option.emit(buf.get_mut(at..).unwrap_or(&mut []))?;
    }
    Ok(at)
}

/// Walks a raw option area (RFC 9293 §3.2), yielding every option in wire order.
///
/// Each zero octet is one `EndOfList` and the walk goes on after it, so padding and anything
/// hidden behind an EOL survive. A kind octet with no length octet after it, a length below
/// 2, or a length running past the area ends the walk with one `Malformed` holding the rest.
#[derive(Clone, Debug)]
pub struct OptionsIter<'a> {
    rest: &'a [u8],
}

impl<'a> OptionsIter<'a> {
    pub fn new(area: &'a [u8]) -> Self {
        OptionsIter { rest: area }
    }
}

impl Iterator for OptionsIter<'_> {
    type Item = TcpOption;

    fn next(&mut self) -> Option<TcpOption> {
        let (&kind, after_kind) = self.rest.split_first()?;
        match kind {
            kind::END_OF_LIST => {
                self.rest = after_kind;
                return Some(TcpOption::EndOfList);
            }
            kind::NO_OP => {
                self.rest = after_kind;
                return Some(TcpOption::NoOp);
            }
            _ => {}
        }
        // RFC 9293 §3.2, MUST-7: a length that cannot be right must not crash us; we stop
        // framing there and keep the rest as it was.
        let framed = after_kind
            .first()
            .map(|&len| usize::from(len))
            .filter(|&len| len >= 2)
            .and_then(|len| self.rest.split_at_checked(len));
        match framed {
            Some((frame, rest)) => {
                self.rest = rest;
                Some(decode(kind, tail(frame, 2)))
            }
            None => {
                let malformed = TcpOption::Malformed(self.rest.to_vec());
                self.rest = &[];
                Some(malformed)
            }
        }
    }
}

/// Interprets one well-framed option: `data` is what follows the kind and length octets.
fn decode(kind: u8, data: &[u8]) -> TcpOption {
    let wrong_length = || TcpOption::WrongLength { kind, data: data.to_vec() };
    match kind {
        kind::MSS => match <[u8; 2]>::try_from(data) {
            Ok(mss) => TcpOption::Mss(u16::from_be_bytes(mss)),
            Err(_) => wrong_length(),
        },
        kind::WINDOW_SCALE => match data {
            [shift] => TcpOption::WindowScale(*shift),
            _ => wrong_length(),
        },
        kind::SACK_PERMITTED if data.is_empty() => TcpOption::SackPermitted,
        // RFC 2018 §3: length 2 + 8n; a SACK option with no block is not valid.
        kind::SACK if !data.is_empty() && data.len() % 8 == 0 => {
            let blocks = data
                .chunks_exact(8)
                .filter_map(|block| Some((u32_at(block, 0)?, u32_at(block, 4)?)));
            TcpOption::Sack(blocks.collect())
        }
        kind::TIMESTAMPS => match (data.len(), u32_at(data, 0), u32_at(data, 4)) {
            (8, Some(tsval), Some(tsecr)) => TcpOption::Timestamps { tsval, tsecr },
            _ => wrong_length(),
        },
        kind::MD5 => match <[u8; 16]>::try_from(data) {
            Ok(digest) => TcpOption::Md5(digest),
            Err(_) => wrong_length(),
        },
        // RFC 7413 §4.1.1: length 2 is a cookie request, otherwise the cookie follows.
        kind::FAST_OPEN => TcpOption::FastOpen(data.to_vec()),
        // RFC 6994 §3: the first two data octets are the experiment identifier.
        kind::EXPERIMENTAL => match data.split_at_checked(2) {
            Some((magic, cookie)) if magic == TFO_EXP_MAGIC.to_be_bytes() => {
                TcpOption::FastOpenExp(cookie.to_vec())
            }
            _ => TcpOption::Unknown { kind, data: data.to_vec() },
        },
        kind::SACK_PERMITTED | kind::SACK => wrong_length(),
        _ => TcpOption::Unknown { kind, data: data.to_vec() },
    }
}
