//! The TCP header (RFC 9293 §3.1): a zero-copy [`TcpView`] and the owned [`TcpSegment`].

use super::bytes::{put, put_u16, put_u32, zero};
use super::checksum::{self, PseudoHeader};
use super::options::{emit_options, options_len, TcpOption, MAX_OPTIONS_LEN};
use super::tcp_view::{self, TcpView};
use super::{check_room, EmitError, WireError};
use crate::seq::SeqNum;

/// The twelve bits after the data offset: four reserved/AE bits and the eight control bits.
/// Kept as a raw `u16` so that nothing on the wire is lost (SYN+FIN, reserved bits, …).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(u16);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x001);
    pub const SYN: TcpFlags = TcpFlags(0x002);
    pub const RST: TcpFlags = TcpFlags(0x004);
    pub const PSH: TcpFlags = TcpFlags(0x008);
    pub const ACK: TcpFlags = TcpFlags(0x010);
    pub const URG: TcpFlags = TcpFlags(0x020);
    /// ECN-Echo (RFC 3168).
    pub const ECE: TcpFlags = TcpFlags(0x040);
    /// Congestion Window Reduced (RFC 3168).
    pub const CWR: TcpFlags = TcpFlags(0x080);
    /// Accurate ECN (RFC 9768), formerly NS (RFC 3540).
    pub const AE: TcpFlags = TcpFlags(0x100);
    /// The three bits RFC 9293 still calls reserved (MUST be zero on send, ignored on receive).
    pub const RESERVED: TcpFlags = TcpFlags(0xe00);
    pub const EMPTY: TcpFlags = TcpFlags(0);
    const ALL: u16 = 0xfff;

    /// From the low 12 bits of header word 6 (bits above 12 are dropped).
    pub const fn from_bits(bits: u16) -> Self {
        TcpFlags(bits & Self::ALL)
    }

    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether any flag of `other` is set.
    pub const fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }

    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn union(self, other: TcpFlags) -> Self {
        TcpFlags(self.0 | other.0)
    }

    pub const fn without(self, other: TcpFlags) -> Self {
        TcpFlags(self.0 & !other.0)
    }

    pub fn fin(self) -> bool {
        self.contains(Self::FIN)
    }
    pub fn syn(self) -> bool {
        self.contains(Self::SYN)
    }
    pub fn rst(self) -> bool {
        self.contains(Self::RST)
    }
    pub fn psh(self) -> bool {
        self.contains(Self::PSH)
    }
    pub fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
    pub fn urg(self) -> bool {
        self.contains(Self::URG)
    }
}

impl core::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        self.union(rhs)
    }
}

impl core::fmt::Debug for TcpFlags {
    /// tcpdump-like letters: `S.` is SYN+ACK, `R` RST, `F.` FIN+ACK, `P` PSH, `U` URG,
    /// `E` ECE, `W` CWR, `A` AE (shown before the dot-ACK), `r` for each reserved bit set.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        const LETTERS: [(TcpFlags, char); 8] = [
            (TcpFlags::SYN, 'S'),
            (TcpFlags::FIN, 'F'),
            (TcpFlags::RST, 'R'),
            (TcpFlags::PSH, 'P'),
            (TcpFlags::URG, 'U'),
            (TcpFlags::ECE, 'E'),
            (TcpFlags::CWR, 'W'),
            (TcpFlags::AE, 'A'),
        ];
        let mut any = false;
        for (flag, c) in LETTERS {
            if self.contains(flag) {
                write!(f, "{c}")?;
                any = true;
            }
        }
        for bit in [0x200u16, 0x400, 0x800] {
            if self.0 & bit != 0 {
                write!(f, "r")?;
                any = true;
            }
        }
        if self.ack() {
            write!(f, ".")?;
            any = true;
        }
        if !any {
            write!(f, "none")?;
        }
        Ok(())
    }
}

/// An owned TCP segment: every header field as on the wire, options in wire order, payload.
///
/// `ack` and `urgent` are kept even when ACK / URG are clear (a lossless representation;
/// the stack only reads them when the flag says so). `options` is the whole option area: its
/// encoded length is a multiple of four on any segment that came from `parse`, and `emit` pads
/// a shorter list with zero octets (EOL), which a later `parse` shows as `EndOfList` entries.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TcpSegment {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: SeqNum,
    pub ack: SeqNum,
    pub flags: TcpFlags,
    /// The raw 16-bit window field (unscaled).
    pub window: u16,
    pub urgent: u16,
    pub options: Vec<TcpOption>,
    pub payload: Vec<u8>,
}

impl TcpSegment {
    /// The fixed header, without options (RFC 9293 §3.1).
    pub const HEADER_LEN: usize = tcp_view::HEADER_LEN;

    /// Parses a segment (framing per [`TcpView::new_checked`]); also returns the checksum
    /// field as it was on the wire, which only a pseudo-header can verify
    /// ([`TcpView::verify_checksum`], or [`super::TcpPacket::parse`] which does it).
    pub fn parse(bytes: &[u8]) -> Result<(TcpSegment, u16), WireError> {
        let view = TcpView::new_checked(bytes)?;
        Ok((TcpSegment::from_view(&view), view.checksum()))
    }

    /// The owned form of a checked view.
    pub fn from_view<T: AsRef<[u8]>>(view: &TcpView<T>) -> TcpSegment {
        TcpSegment {
            src_port: view.src_port(),
            dst_port: view.dst_port(),
            seq: view.seq_number(),
            ack: view.ack_number(),
            flags: view.flags(),
            window: view.window(),
            urgent: view.urgent(),
            options: view.options_iter().collect(),
            payload: view.payload().to_vec(),
        }
    }

    /// The option area as emitted: the options padded with zero octets to a multiple of
    /// four (RFC 9293 §3.1 "Options", "Padding").
    pub fn options_area_len(&self) -> usize {
        options_len(&self.options).next_multiple_of(4)
    }

    /// Header length in octets, padded options included.
    pub fn header_len(&self) -> usize {
        Self::HEADER_LEN + self.options_area_len()
    }

    /// Encoded length: header, padded options, payload.
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len()
    }

    /// Writes the segment at the start of `buf` with its checksum computed under `pseudo`;
    /// returns the octets written (= [`TcpSegment::buffer_len`]).
    ///
    /// Refused: options longer than 40 octets (the data offset cannot describe them), a
    /// segment too long for the pseudo-header's length field, or a short `buf`.
    pub fn emit(&self, buf: &mut [u8], pseudo: &PseudoHeader) -> Result<usize, EmitError> {
        self.emit_with_checksum(buf, pseudo, None)
    }

    /// As [`TcpSegment::emit`], but `Some(value)` writes `value` as the checksum field
    /// instead of the computed one (fault injection).
    pub fn emit_with_checksum(
        &self,
        buf: &mut [u8],
        pseudo: &PseudoHeader,
        checksum: Option<u16>,
    ) -> Result<usize, EmitError> {
        let opts_len = options_len(&self.options);
        if opts_len > MAX_OPTIONS_LEN {
            let (what, max) = ("TCP option area", MAX_OPTIONS_LEN);
            return Err(EmitError::TooLong { what, len: opts_len, max });
        }
        // = header_len(), buffer_len(), without walking the options again.
        let header_len = Self::HEADER_LEN + opts_len.next_multiple_of(4);
        let len = header_len + self.payload.len();
        if len > pseudo.max_upper_len() {
            let max = pseudo.max_upper_len();
            return Err(EmitError::TooLong { what: "TCP segment", len, max });
        }
        check_room(buf, len)?;
        // RFC 9293 §3.1, Figure 1.
        put_u16(buf, 0, self.src_port);
        put_u16(buf, 2, self.dst_port);
        put_u32(buf, 4, self.seq.get());
        put_u32(buf, 8, self.ack.get());
        let offset_words = (header_len / 4) as u16;
        put_u16(buf, 12, (offset_words << 12) | self.flags.bits());
        put_u16(buf, 14, self.window);
        put_u16(buf, 16, 0);
        put_u16(buf, 18, self.urgent);
        let opts = buf.get_mut(Self::HEADER_LEN..header_len).unwrap_or(&mut []);
        let written = emit_options(&self.options, opts)?;
        zero(opts, written, opts.len());
        put(buf, header_len, &self.payload);
        let segment = buf.get(..len).unwrap_or(&[]);
        let value = checksum.unwrap_or_else(|| checksum::tcp_checksum(pseudo, segment));
        put_u16(buf, 16, value);
        Ok(len)
    }

    /// SEG.LEN (RFC 9293 §3.3.1): payload octets, plus one for SYN and one for FIN.
    pub fn seg_len(&self) -> u32 {
        let data = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        data.saturating_add(u32::from(self.flags.syn())).saturating_add(u32::from(self.flags.fin()))
    }

    /// The options the stack interprets: those before the first `EndOfList` (RFC 9293 §3.2:
    /// End of Option List marks the end of the option list).
    pub fn effective_options(&self) -> impl Iterator<Item = &TcpOption> {
        self.options.iter().take_while(|o| **o != TcpOption::EndOfList)
    }

    /// The first well-formed MSS option's value (RFC 9293 §3.7.1).
    pub fn mss(&self) -> Option<u16> {
        self.effective_options().find_map(|o| {
            if let TcpOption::Mss(mss) = o {
                Some(*mss)
            } else {
                None
            }
        })
    }

    /// The first Window Scale option's raw shift count, not clamped (RFC 7323 §2.3 clamps
    /// to 14: see [`crate::seq::WindowScale::clamped`]).
    pub fn window_scale(&self) -> Option<u8> {
        self.effective_options().find_map(|o| {
            if let TcpOption::WindowScale(shift) = o {
                Some(*shift)
            } else {
                None
            }
        })
    }

    /// Whether a SACK-permitted option is present (RFC 2018 §2).
    pub fn sack_permitted(&self) -> bool {
        self.effective_options().any(|o| *o == TcpOption::SackPermitted)
    }

    /// The first Timestamps option's (TSval, TSecr) (RFC 7323 §3.2).
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        self.effective_options().find_map(|o| {
            if let TcpOption::Timestamps { tsval, tsecr } = o {
                Some((*tsval, *tsecr))
            } else {
                None
            }
        })
    }

    /// The first SACK option's blocks (RFC 2018 §3); empty if there is none.
    pub fn sack_blocks(&self) -> &[(u32, u32)] {
        self.effective_options()
            .find_map(
                |o| {
                    if let TcpOption::Sack(blocks) = o {
                        Some(blocks.as_slice())
                    } else {
                        None
                    }
                },
            )
            .unwrap_or(&[])
    }

    /// The first Fast Open cookie, in either the RFC 7413 form (kind 34) or the experimental
    /// one (kind 254, magic 0xF989); an empty cookie is a cookie request (RFC 7413 §4.1.1).
    pub fn fast_open(&self) -> Option<&[u8]> {
        self.effective_options().find_map(|o| {
            if let TcpOption::FastOpen(cookie) | TcpOption::FastOpenExp(cookie) = o {
                Some(cookie.as_slice())
            } else {
                None
            }
        })
    }
}
