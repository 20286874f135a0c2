//! Whole packets: parse ⇄ emit round trips, checksums, IP framing edge cases, views.

mod wire_support;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use proptest::prelude::*;
use synack_stack::seq::SeqNum;
use synack_stack::wire::checksum::{checksum, tcp_checksum, verify_tcp};
use synack_stack::wire::{
    ChecksumOverride, EmitError, IpHeader, Ipv4Header, Ipv4View, Ipv6Header, Ipv6View,
    PseudoHeader, TcpFlags, TcpOption, TcpPacket, TcpSegment, TcpView, WireError,
};

fn emit(p: &TcpPacket) -> Vec<u8> {
    p.emit().expect("emit")
}

/// Where the TCP segment starts in an emitted packet.
fn tcp_offset(p: &TcpPacket) -> usize {
    p.ip.buffer_len()
}

fn syn_v4() -> TcpPacket {
    let seg = TcpSegment {
        seq: SeqNum::new(1000),
        flags: TcpFlags::SYN,
        window: 64240,
        options: vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::WindowScale(7)],
        payload: b"hello".to_vec(),
        ..TcpSegment::default()
    };
    let src: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let dst: SocketAddr = "10.0.0.2:80".parse().unwrap();
    TcpPacket::new(src, dst, seg).unwrap()
}

fn ipv4_of(p: &TcpPacket) -> &Ipv4Header {
    match &p.ip {
        IpHeader::V4(h) => h,
        IpHeader::V6(_) => panic!("not IPv4"),
    }
}

// ---- known answers -------------------------------------------------------------------------

/// A commonly used worked example of the IPv4 header checksum (protocol UDP, 0xb861).
#[test]
fn ipv4_header_checksum_known_answer() {
    let mut bytes = vec![
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];
    let mut zeroed = bytes.clone();
    zeroed[10..12].fill(0);
    assert_eq!(checksum(&zeroed), 0xb861);
    bytes.resize(0x73, 0);
    let (header, payload) = Ipv4Header::parse(&bytes).unwrap();
    assert!(payload.checksum_ok);
    assert_eq!(payload.protocol, 17);
    assert_eq!(payload.payload.len(), 0x73 - 20);
    assert_eq!(header.flags, Ipv4Header::FLAG_DF);
    assert_eq!((header.ttl, header.src), (64, Ipv4Addr::new(192, 168, 0, 1)));
    // Our emit reproduces the header byte for byte.
    let mut out = [0u8; 20];
    assert_eq!(header.emit(&mut out, 0x73 - 20), Ok(20));
    assert_eq!(out[..], bytes[..20]);
}

/// Hand-worked RFC 1071 sum for a bare SYN 10.0.0.1:1 → 10.0.0.2:2, seq 0, window 0:
/// pseudo-header 0a00+0001+0a00+0002+0006+0014 = 141d; header 0001+0002+5002 = 5005;
/// total 6422, complement 9bdd.
#[test]
fn tcp_checksum_known_answer() {
    let seg =
        TcpSegment { src_port: 1, dst_port: 2, flags: TcpFlags::SYN, ..TcpSegment::default() };
    let pseudo =
        PseudoHeader::V4 { src: Ipv4Addr::new(10, 0, 0, 1), dst: Ipv4Addr::new(10, 0, 0, 2) };
    let mut buf = [0u8; 20];
    assert_eq!(seg.emit(&mut buf, &pseudo), Ok(20));
    assert_eq!(&buf[16..18], &[0x9b, 0xdd]);
    assert_eq!(tcp_checksum(&pseudo, &buf), 0x9bdd);
    assert!(verify_tcp(&pseudo, &buf));
    // IPv6 changes the pseudo-header: same segment, other checksum, still self-consistent.
    let v6 = PseudoHeader::V6 { src: Ipv6Addr::LOCALHOST, dst: Ipv6Addr::LOCALHOST };
    assert!(!verify_tcp(&v6, &buf));
}

#[test]
fn both_encodings_of_zero_verify() {
    // RFC 1071 §1: one's complement has two zeros; a checksum field of 0x0000 and one of
    // 0xFFFF are the same number, so a receiver summing to all-ones accepts both.
    let pseudo =
        PseudoHeader::V4 { src: Ipv4Addr::new(10, 0, 0, 1), dst: Ipv4Addr::new(10, 0, 0, 2) };
    let mut seg =
        TcpSegment { src_port: 1, dst_port: 2, flags: TcpFlags::SYN, ..Default::default() };
    // Choose the window so that the computed checksum is exactly 0x0000.
    seg.window = 0x9bdd;
    let mut buf = [0u8; 20];
    seg.emit(&mut buf, &pseudo).unwrap();
    assert_eq!(&buf[16..18], &[0, 0]);
    assert!(verify_tcp(&pseudo, &buf));
    buf[16..18].copy_from_slice(&[0xff, 0xff]);
    assert!(verify_tcp(&pseudo, &buf));
}

// ---- checksum reporting --------------------------------------------------------------------

#[test]
fn a_bad_ip_checksum_is_reported_not_refused() {
    let p = syn_v4();
    let mut bytes = emit(&p);
    bytes[8] ^= 0x01; // TTL: not in the TCP pseudo-header
    let parsed = TcpPacket::parse(&bytes).unwrap();
    assert!(!parsed.ip_checksum_ok);
    assert!(parsed.tcp_checksum_ok);
    assert_eq!(ipv4_of(&parsed.packet).ttl, 64 ^ 1);
}

#[test]
fn an_address_change_breaks_both_checksums() {
    let mut bytes = emit(&syn_v4());
    bytes[15] ^= 0x80; // source address: in the IP header and the pseudo-header
    let parsed = TcpPacket::parse(&bytes).unwrap();
    assert!(!parsed.ip_checksum_ok);
    assert!(!parsed.tcp_checksum_ok);
}

#[test]
fn checksum_overrides_are_written_verbatim() {
    let p = syn_v4();
    let good = emit(&p);
    let overrides = ChecksumOverride { ipv4_header: Some(0x1234), tcp: Some(0xabcd) };
    let bad = p.emit_with_checksums(overrides).unwrap();
    assert_eq!(&bad[10..12], &[0x12, 0x34]);
    assert_eq!(&bad[36..38], &[0xab, 0xcd]);
    let parsed = TcpPacket::parse(&bad).unwrap();
    assert!(!parsed.ip_checksum_ok && !parsed.tcp_checksum_ok);
    assert_eq!(parsed.packet, p);
    // Nothing else differs.
    let mut patched = bad.clone();
    patched[10..12].copy_from_slice(&good[10..12]);
    patched[36..38].copy_from_slice(&good[36..38]);
    assert_eq!(patched, good);
}

#[test]
fn tcp_view_can_rewrite_its_checksum() {
    let p = syn_v4();
    let mut bytes = emit(&p);
    let pseudo = p.ip.pseudo_header();
    let mut view = TcpView::new_checked(&mut bytes[20..]).unwrap();
    view.set_checksum(0);
    assert!(!view.verify_checksum(&pseudo));
    view.fill_checksum(&pseudo);
    assert!(view.verify_checksum(&pseudo));
    assert_eq!(bytes, emit(&p));
}

// ---- IP framing ----------------------------------------------------------------------------

#[test]
fn ipv4_framing_errors() {
    let good = emit(&syn_v4());
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        TcpPacket::parse(&b).map(|_| ())
    };
    assert_eq!(with(&|b| b[0] = 0x44), Err(WireError::BadIpv4HeaderLength(4)));
    assert_eq!(with(&|b| b[0] = 0x40), Err(WireError::BadIpv4HeaderLength(0)));
    assert_eq!(with(&|b| b[0] = 0x55), Err(WireError::BadIpVersion(5)));
    let len = good.len();
    let claimed = |b: &mut Vec<u8>, n: usize| b[2..4].copy_from_slice(&(n as u16).to_be_bytes());
    assert_eq!(
        with(&|b| claimed(b, len + 1)),
        Err(WireError::BadIpLength { claimed: len + 1, available: len })
    );
    assert_eq!(
        with(&|b| claimed(b, 19)),
        Err(WireError::BadIpLength { claimed: 19, available: len })
    );
    // IHL 15 needs 60 octets of header; a bare header cut at 40 has only 40.
    assert_eq!(
        TcpPacket::parse(&{
            let mut b = good[..40].to_vec();
            b[0] = 0x4f;
            b
        }),
        Err(WireError::Truncated { what: "IPv4 header", needed: 60, available: 40 })
    );
    assert_eq!(
        TcpPacket::parse(&good[..19]),
        Err(WireError::Truncated { what: "IPv4 header", needed: 20, available: 19 })
    );
    assert_eq!(
        TcpPacket::parse(&[]),
        Err(WireError::Truncated { what: "IP header", needed: 1, available: 0 })
    );
}

#[test]
fn ipv4_fragments_and_other_protocols() {
    let mut p = syn_v4();
    let frag = |flags: u8, offset: u16| {
        let mut p = syn_v4();
        if let IpHeader::V4(h) = &mut p.ip {
            h.flags = flags;
            h.fragment_offset = offset;
        }
        TcpPacket::parse(&emit(&p)).map(|_| ())
    };
    assert_eq!(frag(Ipv4Header::FLAG_MF, 0), Err(WireError::Fragmented));
    assert_eq!(frag(0, 1), Err(WireError::Fragmented));
    assert_eq!(frag(Ipv4Header::FLAG_DF, 0x1fff), Err(WireError::Fragmented));
    assert_eq!(frag(Ipv4Header::FLAG_RESERVED | Ipv4Header::FLAG_DF, 0), Ok(()));
    if let IpHeader::V4(h) = &mut p.ip {
        h.protocol = 17;
    }
    let bytes = emit(&p);
    assert_eq!(TcpPacket::parse(&bytes), Err(WireError::NotTcp(17)));
    // The IP layer alone accepts any protocol.
    let (_, payload) = IpHeader::parse(&bytes).unwrap();
    assert_eq!((payload.protocol, payload.checksum_ok), (17, true));
}

#[test]
fn trailing_octets_beyond_the_ip_length_are_ignored() {
    for p in [syn_v4(), syn_v6(vec![])] {
        let bytes = emit(&p);
        let mut padded = bytes.clone();
        padded.extend([0xee; 17]);
        let parsed = TcpPacket::parse(&padded).unwrap();
        assert_eq!(parsed.packet, p);
        assert!(parsed.ip_checksum_ok && parsed.tcp_checksum_ok);
        assert_eq!(emit(&parsed.packet), bytes);
    }
}

fn syn_v6(extensions: Vec<u8>) -> TcpPacket {
    let v4 = syn_v4();
    let src: SocketAddr = "[2001:db8::1]:40000".parse().unwrap();
    let dst: SocketAddr = "[2001:db8::2]:80".parse().unwrap();
    let mut p = TcpPacket::new(src, dst, v4.tcp).unwrap();
    if let IpHeader::V6(h) = &mut p.ip {
        if let Some(&first) = extensions.first() {
            // Callers pass (first type, chain...) packed: first octet is the first type.
            h.next_header = first;
            h.extensions = extensions[1..].to_vec();
        }
    }
    p
}

/// A raw extension header: next header, length in 8-octet units beyond the first 8, body.
fn ext(next: u8, units: u8) -> Vec<u8> {
    let mut h = vec![next, units];
    h.resize(8 * (usize::from(units) + 1), 0x5a);
    h
}

#[test]
fn ipv6_extension_headers_are_walked_and_kept() {
    // hop-by-hop → routing → destination options → destination options → TCP
    let chain = [vec![0], ext(43, 0), ext(60, 1), ext(60, 0), ext(6, 2)].concat();
    let p = syn_v6(chain.clone());
    let bytes = emit(&p);
    let parsed = TcpPacket::parse(&bytes).unwrap();
    assert_eq!(parsed.packet, p);
    assert!(parsed.tcp_checksum_ok && parsed.ip_checksum_ok);
    let IpHeader::V6(h) = &parsed.packet.ip else { panic!("not IPv6") };
    assert_eq!(h.next_header, 0);
    assert_eq!(h.extensions, chain[1..]);
    let view = Ipv6View::new_checked(&bytes[..]).unwrap();
    assert_eq!(view.upper_layer(), Ok((6, chain.len() - 1)));
}

#[test]
fn ipv6_framing_errors() {
    let fragment = syn_v6([vec![60], ext(44, 0), ext(6, 0)].concat());
    assert_eq!(TcpPacket::parse(&emit(&fragment)), Err(WireError::Fragmented));
    let direct_fragment = syn_v6([vec![44], ext(6, 0)].concat());
    assert_eq!(TcpPacket::parse(&emit(&direct_fragment)), Err(WireError::Fragmented));
    let no_next = syn_v6([vec![0], ext(59, 0)].concat());
    assert_eq!(TcpPacket::parse(&emit(&no_next)), Err(WireError::NotTcp(59)));
    let udp = syn_v6(vec![17]);
    assert_eq!(TcpPacket::parse(&emit(&udp)), Err(WireError::NotTcp(17)));
    // An extension header claiming more than the payload holds.
    let mut p = syn_v6(vec![]);
    if let IpHeader::V6(h) = &mut p.ip {
        h.next_header = 60;
        h.extensions = vec![];
        p.tcp.options.clear();
        p.tcp.payload.clear();
        // The TCP header's first octets now read as an extension header of length
        // (0x9c + 1) * 8 octets, far beyond the 20 present.
        p.tcp.src_port = 0x069c;
    }
    assert_eq!(
        TcpPacket::parse(&emit(&p)),
        Err(WireError::Truncated {
            what: "IPv6 extension header",
            needed: 40 + 8 * 0x9d,
            available: 60
        })
    );
    let good = emit(&syn_v6(vec![]));
    let mut long = good.clone();
    long[4..6].copy_from_slice(&((good.len() - 39) as u16).to_be_bytes());
    assert_eq!(
        TcpPacket::parse(&long),
        Err(WireError::BadIpLength { claimed: good.len() + 1, available: good.len() })
    );
    assert_eq!(
        TcpPacket::parse(&good[..39]),
        Err(WireError::Truncated { what: "IPv6 header", needed: 40, available: 39 })
    );
}

#[test]
fn tcp_framing_errors() {
    let p = syn_v4();
    let bytes = emit(&p);
    let with_offset = |off: u8| {
        let mut b = bytes.clone();
        b[32] = (off << 4) | (b[32] & 0x0f);
        TcpPacket::parse(&b).map(|_| ())
    };
    assert_eq!(with_offset(4), Err(WireError::BadDataOffset(4)));
    assert_eq!(with_offset(0), Err(WireError::BadDataOffset(0)));
    // 15 words = 60 octets, but the segment is 8 + 20 + 5 = 33 octets.
    assert_eq!(with_offset(15), Err(WireError::BadDataOffset(15)));
    assert_eq!(with_offset(5), Ok(()));
    assert_eq!(
        TcpSegment::parse(&bytes[20..39]).map(|_| ()),
        Err(WireError::Truncated { what: "TCP header", needed: 20, available: 19 })
    );
}

// ---- building and emitting -----------------------------------------------------------------

#[test]
fn new_fills_sensible_defaults() {
    let p = syn_v4();
    let h = ipv4_of(&p);
    assert_eq!((h.ttl, h.flags, h.identification, h.tos, h.protocol), (64, 0b010, 0, 0, 6));
    assert_eq!((p.tcp.src_port, p.tcp.dst_port), (40000, 80));
    assert_eq!(p.src(), "10.0.0.1:40000".parse().unwrap());
    assert_eq!(p.dst(), "10.0.0.2:80".parse().unwrap());
    let v6 = syn_v6(vec![]);
    let IpHeader::V6(h) = &v6.ip else { panic!("not IPv6") };
    assert_eq!((h.hop_limit, h.next_header, h.flow_label, h.traffic_class), (64, 6, 0, 0));
    assert_eq!(v6.src(), "[2001:db8::1]:40000".parse().unwrap());
    let v4: SocketAddr = "10.0.0.1:1".parse().unwrap();
    let six: SocketAddr = "[::1]:1".parse().unwrap();
    assert_eq!(
        TcpPacket::new(v4, six, TcpSegment::default()),
        Err(EmitError::AddressFamilyMismatch)
    );
    assert_eq!(
        TcpPacket::new(six, v4, TcpSegment::default()),
        Err(EmitError::AddressFamilyMismatch)
    );
}

#[test]
fn oversized_fields_are_refused_not_truncated() {
    let mut p = syn_v4();
    p.tcp.options = vec![TcpOption::Md5([0; 16]), TcpOption::Md5([0; 16]), TcpOption::Mss(1)];
    assert_eq!(p.emit().map(|b| b[32] >> 4), Ok(15)); // exactly 40 octets fit
    p.tcp.options.push(TcpOption::NoOp);
    assert_eq!(p.emit(), Err(EmitError::TooLong { what: "TCP option area", len: 41, max: 40 }));

    let mut p = syn_v4();
    if let IpHeader::V4(h) = &mut p.ip {
        h.options = vec![1; 41];
    }
    assert_eq!(p.emit(), Err(EmitError::TooLong { what: "IPv4 options", len: 41, max: 40 }));

    // 20 (IP) + 20 (TCP) + 8 (options) + payload.
    let mut p = syn_v4();
    p.tcp.payload = vec![0; 65535 - 48 + 1];
    assert_eq!(
        p.emit().map(|b| b.len()),
        Err(EmitError::TooLong { what: "IPv4 total length", len: 65536, max: 65535 })
    );
    p.tcp.payload.pop();
    assert_eq!(p.emit().map(|b| b.len()), Ok(65535));

    // The IPv6 payload length counts TCP (28 + payload) but not the fixed header.
    let mut p = syn_v6(vec![]);
    p.tcp.payload = vec![0; 65535 - 28 + 1];
    assert_eq!(
        p.emit().map(|b| b.len()),
        Err(EmitError::TooLong { what: "IPv6 payload length", len: 65536, max: 65535 })
    );
    p.tcp.payload.pop();
    assert_eq!(p.emit().map(|b| b.len()), Ok(40 + 65535));

    let p = syn_v4();
    let mut short = vec![0u8; p.buffer_len() - 1];
    assert_eq!(
        p.emit_into(&mut short, ChecksumOverride::default()),
        Err(EmitError::BufferTooSmall { needed: p.buffer_len(), available: p.buffer_len() - 1 })
    );
}

#[test]
fn emit_pads_options_with_zero_octets() {
    let mut p = syn_v4();
    p.tcp.options = vec![TcpOption::WindowScale(2)];
    let bytes = emit(&p);
    assert_eq!(bytes[32] >> 4, 6);
    assert_eq!(&bytes[40..44], &[3, 3, 2, 0]);
    let parsed = TcpPacket::parse(&bytes).unwrap().packet;
    assert_eq!(parsed.tcp.options, vec![TcpOption::WindowScale(2), TcpOption::EndOfList]);
}

// ---- properties ----------------------------------------------------------------------------

/// The checksum fields as they are in `bytes` (IPv4 header checksum, TCP checksum).
fn wire_checksums(p: &TcpPacket, bytes: &[u8]) -> ChecksumOverride {
    let tcp = TcpView::new_checked(&bytes[tcp_offset(p)..]).unwrap().checksum();
    let ipv4_header = match p.ip {
        IpHeader::V4(_) => Some(Ipv4View::new_checked(bytes).unwrap().header_checksum()),
        IpHeader::V6(_) => None,
    };
    ChecksumOverride { ipv4_header, tcp: Some(tcp) }
}

/// The octets the IP length field covers.
fn framed_len(bytes: &[u8]) -> usize {
    match bytes[0] >> 4 {
        4 => usize::from(u16::from_be_bytes([bytes[2], bytes[3]])),
        _ => 40 + usize::from(u16::from_be_bytes([bytes[4], bytes[5]])),
    }
}

proptest! {
    #[test]
    fn parse_of_emit_is_identity(p in wire_support::packet()) {
        let bytes = emit(&p);
        prop_assert_eq!(bytes.len(), p.buffer_len());
        let parsed = TcpPacket::parse(&bytes).unwrap();
        prop_assert!(parsed.ip_checksum_ok);
        prop_assert!(parsed.tcp_checksum_ok);
        prop_assert_eq!(parsed.packet, p);
    }

    #[test]
    fn headers_round_trip_alone(v4 in wire_support::ipv4(), v6 in wire_support::ipv6(), n in 0usize..100) {
        let mut buf = vec![0u8; v4.buffer_len() + n];
        prop_assert_eq!(v4.emit(&mut buf, n), Ok(v4.buffer_len()));
        let (h, payload) = Ipv4Header::parse(&buf).unwrap();
        prop_assert_eq!(h, v4);
        prop_assert!(payload.checksum_ok);
        prop_assert_eq!(payload.payload.len(), n);
        let mut buf = vec![0u8; v6.buffer_len() + n];
        prop_assert_eq!(v6.emit(&mut buf, n), Ok(v6.buffer_len()));
        let (h, payload) = Ipv6Header::parse(&buf).unwrap();
        prop_assert_eq!(h, v6);
        prop_assert_eq!((payload.protocol, payload.payload.len()), (6, n));
    }

    #[test]
    fn segment_round_trips_alone(seg in wire_support::segment(), v6 in any::<bool>()) {
        let pseudo = if v6 {
            PseudoHeader::V6 { src: Ipv6Addr::LOCALHOST, dst: Ipv6Addr::UNSPECIFIED }
        } else {
            PseudoHeader::V4 { src: Ipv4Addr::LOCALHOST, dst: Ipv4Addr::BROADCAST }
        };
        let mut buf = vec![0u8; seg.buffer_len()];
        prop_assert_eq!(seg.emit(&mut buf, &pseudo), Ok(buf.len()));
        let (parsed, sum) = TcpSegment::parse(&buf).unwrap();
        prop_assert_eq!(sum, tcp_checksum(&pseudo, &buf));
        prop_assert!(verify_tcp(&pseudo, &buf));
        prop_assert_eq!(parsed, seg);
    }

    /// Any single corrupted octet of the segment (except the data offset) still parses and
    /// is reported as a bad checksum.
    #[test]
    fn a_corrupted_octet_is_reported(p in wire_support::packet(), at in any::<prop::sample::Index>(), mask in 1u8..) {
        let mut bytes = emit(&p);
        let start = tcp_offset(&p);
        let mut i = start + at.index(bytes.len() - start);
        if i == start + 12 {
            i += 1;
        }
        bytes[i] ^= mask;
        let parsed = TcpPacket::parse(&bytes).unwrap();
        prop_assert!(!parsed.tcp_checksum_ok);
        prop_assert!(parsed.ip_checksum_ok);
        if !(start + 16..start + 18).contains(&i) {
            // Parsing is injective: other octets show up in the fields.
            prop_assert_ne!(parsed.packet.tcp, p.tcp);
        }
    }

    /// Views read exactly the fields the owned form holds.
    #[test]
    fn views_agree_with_reprs(p in wire_support::packet()) {
        let bytes = emit(&p);
        match &p.ip {
            IpHeader::V4(h) => {
                let v = Ipv4View::new_checked(&bytes[..]).unwrap();
                prop_assert_eq!((v.version(), v.tos(), v.identification(), v.flags()), (4, h.tos, h.identification, h.flags));
                prop_assert_eq!((v.ttl(), v.protocol(), v.src(), v.dst()), (h.ttl, h.protocol, h.src, h.dst));
                prop_assert_eq!(v.options(), &h.options[..]);
                prop_assert_eq!(usize::from(v.total_length()), bytes.len());
                prop_assert_eq!(v.payload(), &bytes[v.header_len()..]);
                prop_assert!(v.verify_header_checksum());
            }
            IpHeader::V6(h) => {
                let v = Ipv6View::new_checked(&bytes[..]).unwrap();
                prop_assert_eq!((v.version(), v.traffic_class(), v.flow_label()), (6, h.traffic_class, h.flow_label));
                prop_assert_eq!((v.next_header(), v.hop_limit(), v.src(), v.dst()), (h.next_header, h.hop_limit, h.src, h.dst));
                prop_assert_eq!(usize::from(v.payload_length()) + 40, bytes.len());
                prop_assert_eq!(v.upper_layer(), Ok((6, h.extensions.len())));
            }
        }
        let t = TcpView::new_checked(&bytes[tcp_offset(&p)..]).unwrap();
        let s = &p.tcp;
        prop_assert_eq!((t.src_port(), t.dst_port(), t.seq_number(), t.ack_number()), (s.src_port, s.dst_port, s.seq, s.ack));
        prop_assert_eq!((t.flags(), t.window(), t.urgent()), (s.flags, s.window, s.urgent));
        prop_assert_eq!(t.header_len(), 20 + t.options().len());
        prop_assert_eq!(usize::from(t.data_offset()) * 4, s.header_len());
        prop_assert_eq!(t.options_iter().collect::<Vec<_>>(), s.options.clone());
        prop_assert_eq!(t.payload(), &s.payload[..]);
        prop_assert!(t.verify_checksum(&p.ip.pseudo_header()));
    }

    /// The other direction of losslessness: whatever parses, re-emitted with the checksum
    /// values it carried, is the same octets (up to the IP length). Inputs are emitted
    /// packets with a few octets overwritten, so that most still parse.
    #[test]
    fn emit_of_parse_is_identity(
        p in wire_support::packet(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        trailer in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut bytes = emit(&p);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.extend(trailer);
        if let Ok(parsed) = TcpPacket::parse(&bytes) {
            let q = parsed.packet;
            let again = q.emit_with_checksums(wire_checksums(&q, &bytes)).unwrap();
            prop_assert_eq!(&again[..], &bytes[..framed_len(&bytes)]);
            let recomputed = TcpPacket::parse(&emit(&q)).unwrap();
            prop_assert!(recomputed.ip_checksum_ok && recomputed.tcp_checksum_ok);
            prop_assert_eq!(recomputed.packet, q);
        }
    }
}
