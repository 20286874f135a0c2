//! The TCP header (RFC 9293 §3.1): a zero-copy [`TcpView`] and the owned [`TcpSegment`].

use super::options::TcpOption;
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
