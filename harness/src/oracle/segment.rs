//! What the oracle reads from a packet: an allocation-free summary of an IP packet carrying
//! TCP — addresses, header fields, and the options the rules look at (RFC 9293 §3.2 MSS,
//! RFC 7323 window scale and timestamps, RFC 2018 SACK, RFC 7413 Fast Open). It tolerates captures cut at a snap
//! length: lengths come from the IP header, and a checksum that cannot be verified is `None`.
//! Anything that is not a whole-enough, unfragmented TCP packet is an error, never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use synack_stack::wire::{PseudoHeader, TcpFlags};
use synack_stack::SeqNum;

/// The options of one segment, as RFC 9293 §3.2 interprets them (stopping at End of List).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegOptions {
    /// MSS (kind 2).
    pub mss: Option<u16>,
    /// Window scale shift as sent (kind 3), not yet clamped: the last option, and the
    /// first. A repeated option is undefined (RFC 7323 §2.2 allows one, on a SYN; Linux
    /// tcp_parse_options takes the last, the reference stack the first): the shifts the
    /// oracle allows span both ([`SynOpts`](super::world::SynOpts)).
    pub wscale: Option<u8>,
    pub wscale_first: Option<u8>,
    /// SACK-permitted (kind 4).
    pub sack_permitted: bool,
    /// Number of SACK blocks (kind 5).
    pub sack_blocks: u8,
    /// TSval, TSecr (kind 8): the last option, and the first. RFC 7323 leaves a repeated
    /// option undefined (Linux tcp_parse_options takes the last, the reference stack's
    /// rfc9293 profile the first): rules that read TSval weigh both ([`SegOptions::tsvals`]).
    pub timestamps: Option<(u32, u32)>,
    pub ts_first: Option<(u32, u32)>,
    /// RFC 7413 §4.1.1 Fast Open (kind 34, or the experimental kind 254 with magic 0xF989):
    /// the cookie's length, 0 for a cookie request.
    pub fast_open: Option<u8>,
    /// The option area could not be framed to its end (a bad length).
    pub malformed: bool,
    /// Octets of the option area (the data offset's part beyond 20).
    pub area_len: u8,
}

impl SegOptions {
    /// The TSvals a stack may read: the last Timestamps option's, and the first's when it
    /// differs (a repeated option, RFC 7323 undefined).
    pub fn tsvals(&self) -> impl Iterator<Item = u32> {
        let last = self.timestamps.map(|(v, _)| v);
        let first = self.ts_first.map(|(v, _)| v).filter(|&v| Some(v) != last);
        last.into_iter().chain(first)
    }
}

/// One TCP segment in an IP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// SEG.SEQ.
    pub seq: SeqNum,
    /// SEG.ACK (meaningful with the ACK bit).
    pub ack: SeqNum,
    /// The control bits.
    pub flags: TcpFlags,
    /// SEG.WND as on the wire (unscaled).
    pub window: u16,
    /// SEG.UP.
    pub urgent: u16,
    /// Octets of text, from the IP length fields (a capture may hold fewer).
    pub len: u32,
    /// The options.
    pub opts: SegOptions,
    /// The TCP checksum verified (`None`: octets are missing, it cannot be checked).
    pub checksum_ok: Option<bool>,
}

impl Seg {
    /// `S. seq 1 ack 2 win 3 len 0 <mss 1460,ws 7,ts,sackOK>`.
    pub fn describe(&self) -> String {
        let mut t = format!("{:?} seq {} ack {} win {} len {}", self.flags, self.seq, self.ack, self.window, self.len);
        let o = &self.opts;
        let mut parts = Vec::new();
        if let Some(m) = o.mss {
            parts.push(format!("mss {m}"));
        }
        if let Some(w) = o.wscale {
            parts.push(format!("ws {w}"));
        }
        if o.sack_permitted {
            parts.push("sackOK".into());
        }
        if o.sack_blocks > 0 {
            parts.push(format!("sack {}", o.sack_blocks));
        }
        if let Some((v, e)) = o.timestamps {
            parts.push(format!("TS val {v} ecr {e}"));
        }
        match o.fast_open {
            Some(0) => parts.push("FO".into()),
            Some(n) => parts.push(format!("FO cookie {n}")),
            None => {}
        }
        if !parts.is_empty() {
            t += &format!(" <{}>", parts.join(","));
        }
        t
    }

    /// SEG.LEN: text plus one for SYN and one for FIN (RFC 9293 §3.4).
    pub fn seg_len(&self) -> u32 {
        self.len + u32::from(self.flags.syn()) + u32::from(self.flags.fin())
    }

    /// The sequence number of the first octet of text (after a SYN).
    pub fn text_seq(&self) -> SeqNum {
        self.seq + u32::from(self.flags.syn())
    }

    /// The sequence number just past the text (where a FIN sits).
    pub fn text_end(&self) -> SeqNum {
        self.text_seq() + self.len
    }

    /// Whether the ACK bit is set.
    pub fn has_ack(&self) -> bool {
        self.flags.ack()
    }

    /// No text, no SYN, FIN or RST: an acknowledgment (or window update) only.
    pub fn is_pure_ack(&self) -> bool {
        self.len == 0 && !self.flags.intersects(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST)
    }
}

/// Why bytes are not a segment the oracle reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegError {
    /// Too short for the named header.
    Truncated(&'static str),
    /// Neither IPv4 nor IPv6.
    NotIp,
    /// An IP packet that does not carry TCP (protocol number given).
    NotTcp(u8),
    /// An IP fragment (the oracle does not reassemble).
    Fragment,
    /// A length field that cannot be right (IHL < 5, data offset < 5 or past the segment).
    BadLength(&'static str),
}

impl std::fmt::Display for SegError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SegError::Truncated(what) => write!(f, "truncated {what}"),
            SegError::NotIp => f.write_str("not an IP packet"),
            SegError::NotTcp(p) => write!(f, "IP protocol {p} is not TCP"),
            SegError::Fragment => f.write_str("IP fragment"),
            SegError::BadLength(what) => write!(f, "bad {what}"),
        }
    }
}

const TCP: u8 = 6;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?]))
}

/// Reads an IPv4 or IPv6 packet carrying TCP. `bytes` may be shorter than the IP length
/// fields say (a capture's snap length), as long as the TCP header is there.
pub fn parse(bytes: &[u8]) -> Result<Seg, SegError> {
    let first = *bytes.first().ok_or(SegError::Truncated("IP header"))?;
    let (src, dst, tcp, claimed, pseudo) = match first >> 4 {
        4 => {
            if bytes.len() < 20 {
                return Err(SegError::Truncated("IPv4 header"));
            }
            let ihl = usize::from(first & 0x0f) * 4;
            if ihl < 20 {
                return Err(SegError::BadLength("IPv4 header length"));
            }
            if bytes.len() < ihl {
                return Err(SegError::Truncated("IPv4 options"));
            }
            let total = usize::from(be16(bytes, 2).unwrap_or(0));
            if total < ihl {
                return Err(SegError::BadLength("IPv4 total length"));
            }
            let frag = be16(bytes, 6).unwrap_or(0);
            // More-fragments set or a non-zero offset.
            if frag & 0x3fff != 0 {
                return Err(SegError::Fragment);
            }
            if bytes[9] != TCP {
                return Err(SegError::NotTcp(bytes[9]));
            }
            let s = Ipv4Addr::new(bytes[12], bytes[13], bytes[14], bytes[15]);
            let d = Ipv4Addr::new(bytes[16], bytes[17], bytes[18], bytes[19]);
            let tcp = &bytes[ihl..bytes.len().min(total)];
            (IpAddr::V4(s), IpAddr::V4(d), tcp, total - ihl, PseudoHeader::V4 { src: s, dst: d })
        }
        6 => {
            if bytes.len() < 40 {
                return Err(SegError::Truncated("IPv6 header"));
            }
            let payload_len = usize::from(be16(bytes, 4).unwrap_or(0));
            let mut next = bytes[6];
            let mut at = 40usize;
            // RFC 8200 §4: walk hop-by-hop (0), routing (43) and destination options (60).
            loop {
                match next {
                    0 | 43 | 60 => {
                        let (Some(&following), Some(&units)) = (bytes.get(at), bytes.get(at + 1)) else {
                            return Err(SegError::Truncated("IPv6 extension header"));
                        };
                        next = following;
                        at += (usize::from(units) + 1) * 8;
                    }
                    44 => return Err(SegError::Fragment),
                    _ => break,
                }
            }
            if next != TCP {
                return Err(SegError::NotTcp(next));
            }
            let end = 40 + payload_len;
            if at > end {
                return Err(SegError::BadLength("IPv6 payload length"));
            }
            let mut s = [0u8; 16];
            let mut d = [0u8; 16];
            s.copy_from_slice(&bytes[8..24]);
            d.copy_from_slice(&bytes[24..40]);
            let (s, d) = (Ipv6Addr::from(s), Ipv6Addr::from(d));
            let tcp = bytes.get(at..bytes.len().min(end)).unwrap_or(&[]);
            (IpAddr::V6(s), IpAddr::V6(d), tcp, end - at, PseudoHeader::V6 { src: s, dst: d })
        }
        _ => return Err(SegError::NotIp),
    };
    if tcp.len() < 20 {
        return Err(SegError::Truncated("TCP header"));
    }
    let offset = usize::from(tcp[12] >> 4) * 4;
    if offset < 20 || offset > claimed {
        return Err(SegError::BadLength("TCP data offset"));
    }
    let flags = TcpFlags::from_bits(u16::from_be_bytes([tcp[12] & 0x0f, tcp[13]]));
    let area = tcp.get(20..offset.min(tcp.len())).unwrap_or(&[]);
    let mut opts = scan_options(area);
    opts.area_len = (offset - 20) as u8;
    let complete = tcp.len() == claimed;
    let checksum_ok = complete.then(|| {
        let mut c = pseudo.checksum(TCP, claimed as u32);
        c.add_bytes(tcp);
        c.verifies()
    });
    Ok(Seg {
        src: SocketAddr::new(src, be16(tcp, 0).unwrap_or(0)),
        dst: SocketAddr::new(dst, be16(tcp, 2).unwrap_or(0)),
        seq: SeqNum::new(be32(tcp, 4).unwrap_or(0)),
        ack: SeqNum::new(be32(tcp, 8).unwrap_or(0)),
        flags,
        window: be16(tcp, 14).unwrap_or(0),
        urgent: be16(tcp, 18).unwrap_or(0),
        len: (claimed - offset) as u32,
        opts,
        checksum_ok,
    })
}

/// A Fast Open cookie's length if RFC 7413 §4.1.1 allows it (0, or 4 to 16 and even).
fn fo_cookie(len: usize) -> Option<u8> {
    (len == 0 || ((4..=16).contains(&len) && len % 2 == 0)).then_some(len as u8)
}

/// Walks the option area (RFC 9293 §3.2): End of List stops interpretation, No-Operation is
/// one octet, every other kind has a length octet. A length below 2 or past the area ends
/// the walk (MUST-7: cope with illegal lengths).
fn scan_options(area: &[u8]) -> SegOptions {
    let mut o = SegOptions::default();
    let mut at = 0;
    while let Some(&kind) = area.get(at) {
        match kind {
            0 => break,
            1 => {
                at += 1;
                continue;
            }
            _ => {}
        }
        let Some(&len) = area.get(at + 1) else {
            o.malformed = true;
            break;
        };
        let len = usize::from(len);
        let Some(body) = area.get(at + 2..at + len.max(2)).filter(|_| len >= 2) else {
            o.malformed = true;
            break;
        };
        match (kind, len) {
            // RFC 9293 leaves a repeated MSS option undefined (Linux tcp_parse_options takes
            // the last non-zero one, others the first): the largest bounds every reading
            // (MUST-16's check, checks::format).
            (2, 4) => o.mss = o.mss.max(be16(body, 0)),
            (3, 3) => {
                o.wscale = body.first().copied();
                o.wscale_first = o.wscale_first.or(o.wscale);
            }
            (4, 2) => o.sack_permitted = true,
            (5, n) if n >= 10 && (n - 2) % 8 == 0 => o.sack_blocks = ((n - 2) / 8) as u8,
            (8, 10) => {
                o.timestamps = be32(body, 0).zip(be32(body, 4));
                o.ts_first = o.ts_first.or(o.timestamps);
            }
            // "Options with invalid Length values ... MUST be ignored" (RFC 7413 §4.1.1): a
            // cookie is empty or 4 to 16 octets, an even number.
            (34, n) if o.fast_open.is_none() => o.fast_open = fo_cookie(n - 2),
            (254, n) if n >= 4 && o.fast_open.is_none() && be16(body, 0) == Some(synack_stack::wire::options::TFO_EXP_MAGIC) => {
                o.fast_open = fo_cookie(n - 4)
            }
            _ => {}
        }
        at += len;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use synack_stack::wire::{TcpOption, TcpPacket, TcpSegment};

    fn packet(src: &str, dst: &str, seg: TcpSegment) -> Vec<u8> {
        TcpPacket::new(src.parse().unwrap(), dst.parse().unwrap(), seg).unwrap().emit().unwrap()
    }

    #[test]
    fn reads_what_the_wire_module_writes() {
        let seg = TcpSegment {
            seq: SeqNum::new(7),
            ack: SeqNum::new(9),
            flags: TcpFlags::SYN | TcpFlags::ACK,
            window: 1234,
            options: vec![
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps { tsval: 5, tsecr: 6 },
                TcpOption::NoOp,
                TcpOption::WindowScale(7),
            ],
            payload: vec![1, 2, 3],
            ..TcpSegment::default()
        };
        for (s, d) in [("192.0.2.1:80", "198.51.100.2:4000"), ("[2001:db8::1]:80", "[2001:db8::2]:4000")] {
            let bytes = packet(s, d, seg.clone());
            let p = parse(&bytes).unwrap();
            assert_eq!((p.src, p.dst), (s.parse().unwrap(), d.parse().unwrap()));
            assert_eq!((p.seq.get(), p.ack.get(), p.window, p.len), (7, 9, 1234, 3));
            assert_eq!(p.flags, TcpFlags::SYN | TcpFlags::ACK);
            assert_eq!(p.opts.mss, Some(1460));
            assert_eq!(p.opts.wscale, Some(7));
            assert!(p.opts.sack_permitted);
            assert_eq!(p.opts.timestamps, Some((5, 6)));
            assert_eq!(p.checksum_ok, Some(true));
            assert_eq!(p.seg_len(), 4);
            // Cut inside the payload: still read, the checksum unknown, the length from IP.
            let cut = parse(&bytes[..bytes.len() - 2]).unwrap();
            assert_eq!((cut.len, cut.checksum_ok), (3, None));
            let mut bad = bytes.clone();
            *bad.last_mut().unwrap() ^= 0xff;
            assert_eq!(parse(&bad).unwrap().checksum_ok, Some(false));
        }
    }

    #[test]
    fn refuses_what_is_not_a_tcp_segment() {
        let bytes = packet("192.0.2.1:80", "198.51.100.2:4000", TcpSegment::default());
        assert_eq!(parse(&[]), Err(SegError::Truncated("IP header")));
        assert_eq!(parse(&bytes[..30]), Err(SegError::Truncated("TCP header")));
        let mut udp = bytes.clone();
        udp[9] = 17;
        assert_eq!(parse(&udp), Err(SegError::NotTcp(17)));
        let mut frag = bytes.clone();
        frag[7] = 1;
        assert_eq!(parse(&frag), Err(SegError::Fragment));
        let mut off = bytes.clone();
        off[20 + 12] = 0x40;
        assert_eq!(parse(&off), Err(SegError::BadLength("TCP data offset")));
        assert_eq!(parse(&[0x50; 40]), Err(SegError::NotIp));
    }

    #[test]
    fn options_stop_at_end_of_list_and_bad_lengths() {
        let o = scan_options(&[2, 4, 5, 0xb4, 0, 3, 3, 7]);
        assert_eq!((o.mss, o.wscale, o.malformed), (Some(1460), None, false));
        let o = scan_options(&[1, 3, 1, 7]);
        assert!(o.malformed);
        let o = scan_options(&[8, 10, 0, 0, 0, 1, 0, 0]);
        assert!(o.malformed && o.timestamps.is_none());
        let o = scan_options(&[5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
        assert_eq!(o.sack_blocks, 2);
    }

    #[test]
    fn fast_open_options_and_their_lengths() {
        // RFC 7413 §4.1.1: a request (empty), a cookie of 4 to 16 even octets; kind 254 only
        // with the magic 0xF989; invalid lengths ignored.
        assert_eq!(scan_options(&[34, 2]).fast_open, Some(0));
        assert_eq!(scan_options(&[34, 10, 1, 2, 3, 4, 5, 6, 7, 8]).fast_open, Some(8));
        assert_eq!(scan_options(&[34, 5, 1, 2, 3]).fast_open, None);
        assert_eq!(scan_options(&[34, 4, 1, 2]).fast_open, None);
        assert_eq!(scan_options(&[254, 4, 0xf9, 0x89]).fast_open, Some(0));
        assert_eq!(scan_options(&[254, 8, 0xf9, 0x89, 1, 2, 3, 4]).fast_open, Some(4));
        assert_eq!(scan_options(&[254, 8, 0x12, 0x34, 1, 2, 3, 4]).fast_open, None);
    }
}
