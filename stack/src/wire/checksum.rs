//! The Internet checksum (RFC 1071) and the TCP pseudo-headers (RFC 9293 §3.1, RFC 8200 §8.1).
//!
//! The checksum is the 16-bit one's complement of the one's complement sum of the data taken
//! as big-endian 16-bit words, an odd final octet padded with a zero octet on the right
//! (RFC 1071 §1, §4.1). [`Checksum`] accumulates that sum incrementally over any number of
//! byte slices, carrying an odd octet across slice boundaries.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::EmitError;

/// The IP protocol number of TCP (RFC 9293 §3.1, "PTCL").
pub const PROTOCOL_TCP: u8 = 6;

/// A running one's complement sum (RFC 1071 §4.1).
///
/// `sum` is a one's complement sum in 64 bits: a carry out of bit 63 is added back in at
/// once (RFC 1071 §2(B) "end-around carry"; 2^64 ≡ 1 modulo 2^16 − 1), so it never overflows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checksum {
    sum: u64,
    /// The high octet of a word whose low octet has not been seen yet.
    pending: Option<u8>,
}

/// One's complement addition in 64 bits (RFC 1071 §2(B)): the carry out goes back in.
#[inline]
fn add_carry(sum: u64, word: u64) -> u64 {
    let (s, carry) = sum.overflowing_add(word);
    s + u64::from(carry)
}

/// RFC 1071 §4.1: "Fold 32-bit sum to 16 bits", repeated until no carry is left. Zero
/// only for zero.
#[inline]
fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

impl Checksum {
    pub const fn new() -> Self {
        Checksum { sum: 0, pending: None }
    }

    /// Adds `data` as if it directly followed everything added so far.
    pub fn add_bytes(&mut self, data: &[u8]) -> &mut Self {
        let mut data = data;
        if let Some(hi) = self.pending.take() {
            match data.split_first() {
                Some((lo, rest)) => {
                    self.sum = add_carry(self.sum, u64::from(u16::from_be_bytes([hi, *lo])));
                    data = rest;
                }
                None => {
                    self.pending = Some(hi);
                    return self;
                }
            }
        }
        // RFC 1071 §2(B), §2(C): the words may be summed in the machine's byte order and the
        // folded sum swapped back (byte order independence), and 32-bit words summed and
        // folded give the same sum as 16-bit ones (2^16 ≡ 1 modulo 2^16 − 1). A plain loop
        // that the compiler vectorizes; the u64 cannot wrap before 2^32 words.
        let mut quads = data.chunks_exact(4);
        let mut native = 0u64;
        for quad in &mut quads {
            if let Some(word) = quad.first_chunk::<4>() {
                native = native.wrapping_add(u64::from(u32::from_ne_bytes(*word)));
            }
        }
        let mut sum = add_carry(self.sum, u64::from(u16::from_be(fold(native))));
        let mut rest = quads.remainder();
        if let Some((word, tail)) = rest.split_first_chunk::<2>() {
            sum = add_carry(sum, u64::from(u16::from_be_bytes(*word)));
            rest = tail;
        }
        if let [last] = *rest {
            self.pending = Some(last);
        }
        self.sum = sum;
        self
    }

    pub fn add_u16(&mut self, word: u16) -> &mut Self {
        self.add_bytes(&word.to_be_bytes())
    }

    pub fn add_u32(&mut self, word: u32) -> &mut Self {
        self.add_bytes(&word.to_be_bytes())
    }

    /// The one's complement sum folded to 16 bits (not yet complemented). An odd final
    /// octet is padded with zero (RFC 1071 §4.1).
    pub fn sum(&self) -> u16 {
        let mut sum = self.sum;
        if let Some(hi) = self.pending {
            sum = add_carry(sum, u64::from(hi) << 8);
        }
        fold(sum)
    }

    /// The checksum field value: the complement of [`Checksum::sum`].
    pub fn finish(&self) -> u16 {
        !self.sum()
    }

    /// Whether data that includes its own checksum field verifies: its sum is all ones
    /// (RFC 1071 §1(3)). Both encodings of one's complement zero (0x0000 and 0xFFFF) in the
    /// checksum field therefore verify, as they do in Linux.
    pub fn verifies(&self) -> bool {
        self.sum() == 0xffff
    }
}

/// The Internet checksum of `data` alone (e.g. the IPv4 header with its checksum field zeroed).
pub fn checksum(data: &[u8]) -> u16 {
    Checksum::new().add_bytes(data).finish()
}

/// The addresses that enter the upper-layer checksum.
///
/// For IPv6 with a Routing header, RFC 8200 §8.1 wants the *final* destination here; this
/// type just carries whatever address it is given (the IPv6 header's destination, when built
/// from a header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PseudoHeader {
    V4 { src: Ipv4Addr, dst: Ipv4Addr },
    V6 { src: Ipv6Addr, dst: Ipv6Addr },
}

impl PseudoHeader {
    /// Refuses a mix of IPv4 and IPv6 addresses.
    pub fn new(src: IpAddr, dst: IpAddr) -> Result<Self, EmitError> {
        match (src, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => Ok(PseudoHeader::V4 { src, dst }),
            (IpAddr::V6(src), IpAddr::V6(dst)) => Ok(PseudoHeader::V6 { src, dst }),
            (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => {
                Err(EmitError::AddressFamilyMismatch)
            }
        }
    }

    /// The largest upper-layer length the pseudo-header's length field can carry: 16 bits
    /// for IPv4 (RFC 9293 §3.1 "TCP Length"), 32 bits for IPv6 (RFC 8200 §8.1).
    pub const fn max_upper_len(&self) -> usize {
        match self {
            PseudoHeader::V4 { .. } => u16::MAX as usize,
            PseudoHeader::V6 { .. } => u32::MAX as usize,
        }
    }

    /// The sum over the pseudo-header for an upper-layer packet of `upper_len` octets.
    /// `upper_len` must not exceed [`PseudoHeader::max_upper_len`] (emit refuses such lengths).
    pub fn checksum(&self, protocol: u8, upper_len: u32) -> Checksum {
        let sum = match self {
            // RFC 9293 §3.1: source, destination, zero, PTCL, TCP length (16 bits), summed
            // as 32-bit words (RFC 1071 §2(C)).
            PseudoHeader::V4 { src, dst } => {
                let words = [src.to_bits(), dst.to_bits(), u32::from(protocol), upper_len & 0xffff];
                words.into_iter().map(u64::from).sum()
            }
            // RFC 8200 §8.1: source, destination, upper-layer length (32 bits), three zero
            // octets, next header; summed as 64-bit words.
            PseudoHeader::V6 { src, dst } => {
                let (s, d) = (src.to_bits(), dst.to_bits());
                let words = [(s >> 64) as u64, s as u64, (d >> 64) as u64, d as u64];
                words.into_iter().fold(u64::from(upper_len) << 32 | u64::from(protocol), add_carry)
            }
        };
        Checksum { sum, pending: None }
    }
}

/// Byte offset of the checksum field in the TCP header (RFC 9293 §3.1).
const TCP_CHECKSUM_OFFSET: usize = 16;

/// The TCP checksum for `segment` (header + options + payload), computed as if its checksum
/// field were zero, whatever it holds (RFC 9293 §3.1).
pub fn tcp_checksum(pseudo: &PseudoHeader, segment: &[u8]) -> u16 {
    let mut c = pseudo.checksum(PROTOCOL_TCP, segment.len() as u32);
    let head = segment.get(..TCP_CHECKSUM_OFFSET);
    let rest = segment.get(TCP_CHECKSUM_OFFSET + 2..);
    if let (Some(head), Some(rest)) = (head, rest) {
        c.add_bytes(head).add_u16(0).add_bytes(rest);
    } else {
        // Shorter than a TCP header: no checksum field to skip.
        c.add_bytes(segment);
    }
    c.finish()
}

/// Whether the checksum field of `segment` verifies under `pseudo` (RFC 9293 §3.1 MUST-3).
pub fn verify_tcp(pseudo: &PseudoHeader, segment: &[u8]) -> bool {
    let mut c = pseudo.checksum(PROTOCOL_TCP, segment.len() as u32);
    c.add_bytes(segment);
    c.verifies()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 1071 §3's worked example: the words 0001 f203 f4f5 f6f7 sum to ddf2.
    #[test]
    fn rfc1071_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(Checksum::new().add_bytes(&data).sum(), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    /// The sum by 16-bit words, one at a time: what [`Checksum::add_bytes`] must equal.
    fn by_words(data: &[u8]) -> u16 {
        let mut sum: u64 = data.chunks(2).map(|w| u64::from(u16::from_be_bytes([w[0], w.get(1).copied().unwrap_or(0)]))).sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    #[test]
    fn summing_by_32_bit_words_is_summing_by_16_bit_words() {
        let mut x: u32 = 0x1234_5678;
        for len in 0..300 {
            for fill in [None, Some(0x00), Some(0xff)] {
                let data: Vec<u8> = (0..len)
                    .map(|_| {
                        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        fill.unwrap_or((x >> 24) as u8)
                    })
                    .collect();
                assert_eq!(Checksum::new().add_bytes(&data).sum(), by_words(&data), "{len} octets {fill:?}");
            }
        }
    }

    #[test]
    fn split_at_odd_boundaries_is_the_same_sum() {
        let data: Vec<u8> = (0u8..=200).map(|i| i.wrapping_mul(37)).collect();
        let whole = checksum(&data);
        for cut in 0..data.len() {
            let (a, b) = data.split_at(cut);
            assert_eq!(Checksum::new().add_bytes(a).add_bytes(b).finish(), whole, "cut {cut}");
        }
        // Three pieces, one of them empty in the middle of a pending octet.
        let mut c = Checksum::new();
        c.add_bytes(&data[..3]).add_bytes(&[]).add_bytes(&data[3..]);
        assert_eq!(c.finish(), whole);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(checksum(&[0xab]), checksum(&[0xab, 0x00]));
    }

    /// The pseudo-header octet by octet, as RFC 9293 §3.1 and RFC 8200 §8.1 lay it out:
    /// what [`PseudoHeader::checksum`]'s word sums must equal.
    fn pseudo_by_octets(p: &PseudoHeader, protocol: u8, upper_len: u32) -> u16 {
        let mut octets = Vec::new();
        match p {
            PseudoHeader::V4 { src, dst } => {
                octets.extend(src.octets().into_iter().chain(dst.octets()));
                octets.extend([0, protocol]);
                octets.extend((upper_len as u16).to_be_bytes());
            }
            PseudoHeader::V6 { src, dst } => {
                octets.extend(src.octets().into_iter().chain(dst.octets()));
                octets.extend(upper_len.to_be_bytes());
                octets.extend([0, 0, 0, protocol]);
            }
        }
        by_words(&octets)
    }

    proptest! {
        /// Any data, cut into any pieces (odd lengths included), sums as the 16-bit words do.
        #[test]
        fn add_bytes_is_the_sum_by_16_bit_words(
            data in prop::collection::vec(any::<u8>(), 0..2100),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..5),
            ones in any::<bool>(),
        ) {
            let data: Vec<u8> = if ones { data.iter().map(|b| b | 0xf0).collect() } else { data };
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(data.len() + 1)).collect();
            at.push(0);
            at.push(data.len());
            at.sort_unstable();
            let mut c = Checksum::new();
            for w in at.windows(2) {
                c.add_bytes(&data[w[0]..w[1]]);
            }
            prop_assert_eq!(c.sum(), by_words(&data));
            prop_assert_eq!(c.verifies(), by_words(&data) == 0xffff);
        }

        #[test]
        fn pseudo_header_sums_as_its_octets(v4 in any::<[u32; 2]>(), v6 in any::<[u128; 2]>(), protocol: u8, len: u32) {
            let p4 = PseudoHeader::V4 { src: Ipv4Addr::from_bits(v4[0]), dst: Ipv4Addr::from_bits(v4[1]) };
            let p6 = PseudoHeader::V6 { src: Ipv6Addr::from_bits(v6[0]), dst: Ipv6Addr::from_bits(v6[1]) };
            for p in [p4, p6] {
                prop_assert_eq!(p.checksum(protocol, len).sum(), pseudo_by_octets(&p, protocol, len));
                // Carried on with an odd number of octets.
                let mut c = p.checksum(protocol, len);
                c.add_bytes(&[0xff, 0xfe, 0xfd]);
                let mut octets = pseudo_by_octets(&p, protocol, len).to_be_bytes().to_vec();
                octets.extend([0xff, 0xfe, 0xfd]);
                prop_assert_eq!(c.sum(), by_words(&octets));
            }
        }
    }

    /// Long runs of all-ones words: the largest sums (carries, RFC 1071 §2(B)).
    #[test]
    fn carries_out_of_64_bits() {
        for len in [16, 17, 4096, 4097, 65535] {
            let data = vec![0xff; len];
            assert_eq!(Checksum::new().add_bytes(&data).sum(), by_words(&data), "{len}");
        }
        let data: Vec<u8> = (0..4096u32).map(|i| if i % 8 == 0 { 0x7f } else { 0xff }).collect();
        assert_eq!(Checksum::new().add_bytes(&data).sum(), by_words(&data));
    }

    #[test]
    fn mixed_families_are_refused() {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(PseudoHeader::new(v4, v6), Err(EmitError::AddressFamilyMismatch));
        assert!(PseudoHeader::new(v6, v6).is_ok());
    }
}
