//! Arbitrary bytes into every parse entry point: an `Ok` or a `WireError`, never a panic.
//! Inputs are either raw bytes, or bytes with a plausible first octet (version 4 or 6, a
//! sane IHL / data offset) so that the walk gets past the first check, or emitted packets
//! with octets overwritten.

mod wire_support;

use proptest::collection::vec;
use proptest::prelude::*;
use synack_stack::wire::{
    IpHeader, Ipv4Header, Ipv4View, Ipv6Header, Ipv6View, PseudoHeader, TcpOption, TcpPacket,
    TcpSegment, TcpView,
};

/// Reads every accessor of every view that accepts `bytes`, and every parse; re-emits
/// whatever parsed.
fn exercise(bytes: &[u8]) {
    let pseudo = PseudoHeader::V4 { src: [1, 2, 3, 4].into(), dst: [5, 6, 7, 8].into() };
    if let Ok(t) = TcpView::new_checked(bytes) {
        let _ = (t.src_port(), t.dst_port(), t.seq_number(), t.ack_number(), t.data_offset());
        let _ = (t.flags(), t.window(), t.checksum(), t.urgent(), t.options(), t.payload());
        let _ = (t.options_iter().count(), t.verify_checksum(&pseudo), t.header_len());
        assert!(t.header_len() >= 20 && t.header_len() <= bytes.len());
    }
    if let Ok(v) = Ipv4View::new_checked(bytes) {
        let _ = (v.version(), v.ihl(), v.tos(), v.total_length(), v.identification());
        let _ = (v.flags(), v.fragment_offset(), v.ttl(), v.protocol(), v.header_checksum());
        let _ = (v.src(), v.dst(), v.options(), v.payload(), v.verify_header_checksum());
        assert_eq!(v.header_len() + v.payload().len(), usize::from(v.total_length()));
    }
    if let Ok(v) = Ipv6View::new_checked(bytes) {
        let _ = (v.version(), v.traffic_class(), v.flow_label(), v.payload_length());
        let _ = (v.next_header(), v.hop_limit(), v.src(), v.dst(), v.payload());
        if let Ok((_, at)) = v.upper_layer() {
            assert!(at <= v.payload().len());
        }
    }
    if let Ok((seg, _)) = TcpSegment::parse(bytes) {
        let mut buf = vec![0; seg.buffer_len()];
        seg.emit(&mut buf, &pseudo).unwrap();
        let _ = (seg.mss(), seg.window_scale(), seg.sack_permitted(), seg.timestamps());
        let _ = (seg.sack_blocks(), seg.fast_open(), seg.seg_len());
    }
    if let Ok((h, _)) = Ipv4Header::parse(bytes) {
        h.emit(&mut [0; 60], 0).unwrap();
    }
    if let Ok((h, _)) = Ipv6Header::parse(bytes) {
        h.emit(&mut vec![0; h.buffer_len()], 0).unwrap();
    }
    let _ = IpHeader::parse(bytes);
    if let Ok(parsed) = TcpPacket::parse(bytes) {
        let p = parsed.packet;
        let _ = (p.src(), p.dst(), p.buffer_len());
        let again = TcpPacket::parse(&p.emit().unwrap()).unwrap();
        assert_eq!(again.packet, p);
    }
    let options = TcpOption::parse_all(bytes);
    assert_eq!(synack_stack::wire::options_len(&options), bytes.len());
}

/// Bytes starting like an IPv4 or IPv6 header or a TCP header.
fn plausible() -> impl Strategy<Value = Vec<u8>> {
    (vec(any::<u8>(), 0..200), 0u8..3, 5u8..16).prop_map(|(mut b, kind, words)| {
        if let Some(first) = b.first_mut() {
            *first = match kind {
                0 => 0x40 | words,
                1 => 0x60 | (*first & 0x0f),
                _ => *first,
            };
        }
        if kind == 2 {
            if let Some(offset) = b.get_mut(12) {
                *offset = (words << 4) | (*offset & 0x0f);
            }
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn raw_bytes(bytes in vec(any::<u8>(), 0..200)) {
        exercise(&bytes);
    }

    #[test]
    fn plausible_headers(bytes in plausible()) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_packets(
        p in wire_support::packet(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = p.emit().unwrap();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        exercise(&bytes);
        // Every truncation too.
        exercise(&bytes[..cut.index(bytes.len() + 1)]);
    }
}
