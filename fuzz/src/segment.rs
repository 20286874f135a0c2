//! `segment_parse`: arbitrary bytes through every parse entry point of `synack_stack::wire`.
//!
//! The same bytes are read three ways — as an IP packet ([`TcpPacket::parse`], and the IPv4 /
//! IPv6 header parses and views under it), as a bare TCP segment ([`TcpSegment::parse`]) and as
//! a TCP option area ([`OptionsIter`]) — and each reading must:
//! - not panic;
//! - re-emit losslessly: with the checksum fields it had, the value emits to exactly the bytes
//!   it came from (the IP packet up to its length field), and those parse to the same value;
//!   with computed checksums it parses back with both checksums good;
//! - agree with etherparse 0.21, an independent implementation, on acceptance and on every
//!   field both understand (the reasoning of `stack/tests/wire_etherparse.rs`).
//!
//! Documented differences (where synack is deliberately lossless, stricter or more lenient),
//! which the differential tolerates — an accept/reject difference only in the direction named
//! ([`tolerated`]) — and nothing else:
//! - TCP reserved bits (RFC 9293 §3.1, the three above AE): etherparse has no field for them,
//!   so flags are compared without them (checksums are computed over the raw octets).
//! - IPv4 reserved ("evil") flag: no field in etherparse either; its header checksum from
//!   fields is compared only when the bit is clear.
//! - IPv4 or IPv6 carrying an Authentication Header (protocol 51): etherparse walks it (RFC
//!   4302); synack does not implement IPsec and reports `NotTcp(51)`.
//! - IPv6 Fragment header (44): synack refuses every fragment header, atomic fragments
//!   (RFC 6946: offset 0, M clear) included; etherparse reads through an atomic fragment.
//! - IPv6 extension header order: etherparse refuses a hop-by-hop header that is not first
//!   and stops (as "not TCP") at a repeated routing or destination options header; synack
//!   walks any chain of hop-by-hop / routing / destination options headers (RFC 8200 §4.1:
//!   receivers should accept them in any order and number).
//! - IPv6 payload length 0 with octets after the fixed header: etherparse assumes an RFC 2675
//!   jumbogram and reads to the end of the buffer; synack has no jumbograms, reads an empty
//!   payload and refuses the (absent) TCP header.
//! - Checksums: etherparse's parse does not verify them; its checksum routines are run over
//!   the same octets and the verdicts compared (0xFFFF and 0x0000 are both one's complement
//!   zero, RFC 1071 §1; synack accepts either, as Linux does).
//! - TCP options: etherparse stops at End of Option List and errs at kinds it does not know;
//!   synack keeps everything. Options are compared up to the first EOL, and up to the first
//!   one etherparse cannot express (where etherparse must report an error).
//!
//! Violations panic with a message naming the property, which is what libFuzzer records.

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::checksum::Sum16BitWords;
use etherparse::{NetHeaders, PacketHeaders, PayloadSlice, TcpHeader, TcpOptionElement, TcpSlice, TransportHeader};
use synack_stack::wire::{
    emit_options, options_len, ChecksumOverride, IpHeader, Ipv4Header, Ipv4View, Ipv6Header, Ipv6View,
    OptionsIter, PseudoHeader, TcpFlags, TcpOption, TcpPacket, TcpSegment, TcpView, WireError,
};

/// Runs every check on `data`; panics on the first violation.
pub fn check(data: &[u8]) {
    check_packet(data);
    check_ip_layers(data);
    check_segment(data);
    check_options(data);
}

/// The IP packet reading: round trips and the differential against etherparse.
pub fn check_packet(data: &[u8]) {
    let ours = TcpPacket::parse(data);
    if let Ok(parsed) = &ours {
        packet_round_trip(data, parsed);
    }
    let theirs = PacketHeaders::from_ip_slice(data);
    let theirs_tcp = theirs.as_ref().ok().filter(|h| matches!(h.transport, Some(TransportHeader::Tcp(_))));
    match (&ours, theirs_tcp) {
        (Ok(parsed), Some(headers)) => same_values(data, &parsed.packet, parsed, headers),
        (Ok(_), None) | (Err(_), Some(_)) => {
            // Only a documented difference, and only in its documented direction.
            let accepting = if ours.is_ok() { Accepts::Synack } else { Accepts::Etherparse };
            let why = tolerated(data);
            assert!(
                why.is_some_and(|(_, side)| side == accepting),
                "accept/reject differs from etherparse ({why:?}): synack {:?}, etherparse {:?}",
                ours.as_ref().map(|_| "TCP").map_err(WireError::clone),
                theirs.as_ref().map(|h| h.transport.is_some()).map_err(|e| e.to_string()),
            );
        }
        (Err(_), None) => {}
    }
}

/// A parsed packet emits to exactly the octets it came from (with its own checksum fields),
/// and with computed checksums to a packet that verifies and reads the same.
fn packet_round_trip(data: &[u8], parsed: &synack_stack::wire::ParsedPacket) {
    let p = &parsed.packet;
    let view = TcpView::new_checked(tcp_octets(data, p)).expect("parsed packets have a TCP header");
    let overrides = ChecksumOverride { ipv4_header: ipv4_checksum_field(data, p), tcp: Some(view.checksum()) };
    let bytes = p.emit_with_checksums(overrides).expect("a parsed packet re-emits");
    let original = data.get(..bytes.len()).expect("re-emitted packet longer than the input");
    assert_eq!(bytes, original, "re-emitted packet differs from the input");
    let again = TcpPacket::parse(&bytes).expect("re-emitted packet parses");
    assert_eq!(&again, parsed, "re-emitted packet parses to another value");
    let fresh = p.emit().expect("a parsed packet emits");
    let again = TcpPacket::parse(&fresh).expect("emitted packet parses");
    assert!(again.ip_checksum_ok && again.tcp_checksum_ok, "computed checksums do not verify");
    assert_eq!(&again.packet, p, "emitted packet parses to another value");
}

/// The TCP octets of a parsed packet: after the IP header, up to the IP length.
fn tcp_octets<'a>(data: &'a [u8], p: &TcpPacket) -> &'a [u8] {
    let start = p.ip.buffer_len();
    data.get(start..start + p.tcp.buffer_len()).unwrap_or(&[])
}

fn ipv4_checksum_field(data: &[u8], p: &TcpPacket) -> Option<u16> {
    match p.ip {
        IpHeader::V4(_) => Some(u16::from_be_bytes([*data.get(10)?, *data.get(11)?])),
        IpHeader::V6(_) => None,
    }
}

/// The reader that accepts a packet the other refuses, in a documented difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    Synack,
    Etherparse,
}

/// Why synack and etherparse may disagree about accepting `data` as TCP, and which of them may
/// accept it (see the module docs), or `None` when they must agree.
pub fn tolerated(data: &[u8]) -> Option<(&'static str, Accepts)> {
    const AUTH: u8 = 51;
    const FRAGMENT: u8 = 44;
    match data.first()? >> 4 {
        4 => (Ipv4View::new_checked(data).ok()?.protocol() == AUTH).then_some(("IPv4 AH", Accepts::Etherparse)),
        6 => {
            let view = Ipv6View::new_checked(data).ok()?;
            if view.payload_length() == 0 && data.len() > Ipv6Header::LEN {
                return Some(("IPv6 jumbogram assumption", Accepts::Etherparse));
            }
            // Walk the chain as synack does, looking for what etherparse treats differently:
            // it takes hop-by-hop only first, one destination options header before a routing
            // header and one after it, one routing header (Ipv6Extensions::from_slice).
            let payload = view.payload();
            let (mut next, mut at) = (view.next_header(), 0usize);
            let (mut dest_before, mut routing, mut dest_after) = (false, false, false);
            loop {
                let repeated = match next {
                    0 => at != 0,
                    43 => std::mem::replace(&mut routing, true),
                    60 if routing => std::mem::replace(&mut dest_after, true),
                    60 => std::mem::replace(&mut dest_before, true),
                    AUTH => return Some(("IPv6 AH", Accepts::Etherparse)),
                    FRAGMENT => return Some(("IPv6 fragment header", Accepts::Etherparse)),
                    _ => return None,
                };
                if repeated {
                    return Some(("IPv6 extension header order", Accepts::Synack));
                }
                let (Some(&following), Some(&units)) = (payload.get(at), payload.get(at + 1)) else {
                    return None;
                };
                at += (usize::from(units) + 1) * 8;
                next = following;
            }
        }
        _ => None,
    }
}

/// Both accepted `data` as TCP: every field both understand must agree.
fn same_values(data: &[u8], p: &TcpPacket, parsed: &synack_stack::wire::ParsedPacket, theirs: &PacketHeaders) {
    let Some(TransportHeader::Tcp(t)) = &theirs.transport else { return };
    let PayloadSlice::Tcp(payload) = theirs.payload else {
        panic!("etherparse found TCP without a TCP payload");
    };
    let segment = tcp_octets(data, p);
    let slice = TcpSlice::from_slice(segment).expect("etherparse reads the TCP octets synack read");
    let computed = match (&theirs.net, &p.ip) {
        (Some(NetHeaders::Ipv4(e, _)), IpHeader::V4(o)) => {
            assert_eq!(Ipv4Addr::from(e.source), o.src, "IPv4 source");
            assert_eq!(Ipv4Addr::from(e.destination), o.dst, "IPv4 destination");
            assert_eq!(e.time_to_live, o.ttl, "TTL");
            assert_eq!(e.protocol.0, o.protocol, "protocol");
            assert_eq!(e.identification, o.identification, "identification");
            assert_eq!((e.dscp.value() << 2) | e.ecn.value(), o.tos, "TOS");
            assert_eq!(e.dont_fragment, o.flags & Ipv4Header::FLAG_DF != 0, "DF");
            assert_eq!(e.more_fragments, o.flags & Ipv4Header::FLAG_MF != 0, "MF");
            assert_eq!(e.fragment_offset.value(), o.fragment_offset, "fragment offset");
            assert_eq!(&e.options[..], &o.options[..], "IPv4 options");
            assert_eq!(usize::from(e.total_len), p.buffer_len(), "IPv4 total length");
            let header_len = p.ip.buffer_len();
            let mut header = data.get(..header_len).unwrap_or(&[]).to_vec();
            header.get_mut(10..12).unwrap_or(&mut []).fill(0);
            let header_sum = Sum16BitWords::new().add_slice(&header).ones_complement().to_be();
            if o.flags & Ipv4Header::FLAG_RESERVED == 0 {
                assert_eq!(e.calc_header_checksum(), header_sum, "etherparse's IPv4 checksum from fields");
            }
            let verdict = same_verdict(parsed.ip_checksum_ok, e.header_checksum, header_sum);
            assert!(verdict, "IPv4 header checksum verdicts differ");
            slice.calc_checksum_ipv4(e.source, e.destination).expect("IPv4 TCP length fits")
        }
        (Some(NetHeaders::Ipv6(e, exts)), IpHeader::V6(o)) => {
            assert_eq!(Ipv6Addr::from(e.source), o.src, "IPv6 source");
            assert_eq!(Ipv6Addr::from(e.destination), o.dst, "IPv6 destination");
            assert_eq!(e.hop_limit, o.hop_limit, "hop limit");
            assert_eq!(e.traffic_class, o.traffic_class, "traffic class");
            assert_eq!(e.flow_label.value(), o.flow_label, "flow label");
            assert_eq!(e.next_header.0, o.next_header, "next header");
            assert_eq!(usize::from(e.payload_length) + Ipv6Header::LEN, p.buffer_len(), "IPv6 payload length");
            // The chain as etherparse read it (each header's type, next header and contents),
            // written back in its next-header order, is the chain synack keeps verbatim.
            let mut chain = Vec::new();
            exts.write(&mut chain, e.next_header).expect("etherparse writes back the chain it read");
            assert_eq!(chain, o.extensions, "IPv6 extension headers");
            slice.calc_checksum_ipv6(e.source, e.destination).expect("IPv6 TCP length fits")
        }
        (net, ip) => panic!("IP versions differ: etherparse {net:?}, synack {}", ip.version()),
    };
    same_tcp(t, &p.tcp, segment);
    assert_eq!(payload, &p.tcp.payload[..], "TCP payload");
    assert!(same_verdict(parsed.tcp_checksum_ok, t.checksum, computed), "TCP checksum verdicts differ");
}

/// etherparse's verdict is "the field equals the computed value"; synack's is "the sum is all
/// ones", which also takes 0xFFFF where 0x0000 is computed (never the other way round: a
/// computed 0xFFFF would need an all-zero sum, and the version nibble / protocol rule that out).
fn same_verdict(ours: bool, field: u16, computed: u16) -> bool {
    ours == (field == computed || (computed == 0 && field == 0xffff))
}

/// Header fields and options of one TCP segment, etherparse's reading against ours.
fn same_tcp(t: &TcpHeader, s: &TcpSegment, octets: &[u8]) {
    assert_eq!((t.source_port, t.destination_port), (s.src_port, s.dst_port), "ports");
    assert_eq!((t.sequence_number, t.acknowledgment_number), (s.seq.get(), s.ack.get()), "seq/ack");
    let f = s.flags;
    assert_eq!((t.fin, t.syn, t.rst, t.psh, t.ack, t.urg), (f.fin(), f.syn(), f.rst(), f.psh(), f.ack(), f.urg()), "flags");
    let ecn = (f.contains(TcpFlags::ECE), f.contains(TcpFlags::CWR), f.contains(TcpFlags::AE));
    assert_eq!((t.ece, t.cwr, t.ns), ecn, "ECN flags");
    assert_eq!((t.window_size, t.urgent_pointer), (s.window, s.urgent), "window/urgent");
    let view = TcpView::new_checked(octets).expect("synack read these octets");
    assert_eq!(t.checksum, view.checksum(), "checksum field");
    assert_eq!(&t.options[..], view.options(), "raw option area");
    let mut theirs = t.options_iterator();
    for option in s.effective_options() {
        match as_element(option) {
            Some(element) => assert_eq!(theirs.next(), Some(Ok(element)), "option {option:?}"),
            None => {
                assert!(matches!(theirs.next(), Some(Err(_))), "etherparse accepted {option:?}");
                return;
            }
        }
    }
    assert_eq!(theirs.next(), None, "etherparse has options after ours end");
}

/// Our option as etherparse's element, if etherparse has one for it.
fn as_element(option: &TcpOption) -> Option<TcpOptionElement> {
    Some(match option {
        TcpOption::NoOp => TcpOptionElement::Noop,
        TcpOption::Mss(mss) => TcpOptionElement::MaximumSegmentSize(*mss),
        TcpOption::WindowScale(shift) => TcpOptionElement::WindowScale(*shift),
        TcpOption::SackPermitted => TcpOptionElement::SelectiveAcknowledgementPermitted,
        TcpOption::Sack(blocks) if blocks.len() <= 4 => {
            let (first, rest) = blocks.split_first()?;
            let mut more = [None; 3];
            for (slot, block) in more.iter_mut().zip(rest) {
                *slot = Some(*block);
            }
            TcpOptionElement::SelectiveAcknowledgement(*first, more)
        }
        TcpOption::Timestamps { tsval, tsecr } => TcpOptionElement::Timestamp(*tsval, *tsecr),
        TcpOption::EndOfList
        | TcpOption::Sack(_)
        | TcpOption::Md5(_)
        | TcpOption::FastOpen(_)
        | TcpOption::FastOpenExp(_)
        | TcpOption::Unknown { .. }
        | TcpOption::WrongLength { .. }
        | TcpOption::Malformed(_) => return None,
    })
}

/// The IPv4 and IPv6 header parses and views on their own: no panic, exact re-emission.
pub fn check_ip_layers(data: &[u8]) {
    if let Ok(v) = Ipv4View::new_checked(data) {
        let _ = (v.version(), v.tos(), v.identification(), v.ttl(), v.protocol(), v.src(), v.dst());
        assert_eq!(v.header_len() + v.payload().len(), usize::from(v.total_length()), "IPv4 view lengths");
        // Fragments too: the owned header keeps the fragment fields.
        let h = Ipv4Header::from_view(&v);
        let mut buf = vec![0; h.buffer_len()];
        let n = h.emit_with_checksum(&mut buf, v.payload().len(), Some(v.header_checksum())).expect("IPv4 header emits");
        assert_eq!(&buf[..n], &data[..v.header_len()], "IPv4 header re-emits differently");
    }
    if let Ok((h, payload)) = Ipv4Header::parse(data) {
        assert_eq!(data.first().map(|b| b >> 4), Some(4), "IPv4 parse of another version");
        assert!(payload.payload.len() + h.buffer_len() <= data.len(), "IPv4 payload beyond the input");
    }
    if let Ok(v) = Ipv6View::new_checked(data) {
        let _ = (v.traffic_class(), v.flow_label(), v.hop_limit(), v.src(), v.dst());
        if let Ok((_, at)) = v.upper_layer() {
            assert!(at <= v.payload().len(), "IPv6 upper layer beyond the payload");
        }
    }
    if let Ok((h, payload)) = Ipv6Header::parse(data) {
        let mut buf = vec![0; h.buffer_len()];
        let n = h.emit(&mut buf, payload.payload.len()).expect("IPv6 header emits");
        assert_eq!(&buf[..n], &data[..n], "IPv6 header re-emits differently");
    }
}

/// The bytes as a bare TCP segment: exact re-emission, and the differential at the TCP layer,
/// where there are no exceptions (both refuse a data offset below 5 or beyond the octets).
pub fn check_segment(data: &[u8]) {
    let ours = TcpSegment::parse(data);
    let theirs = TcpHeader::from_slice(data);
    match (&ours, &theirs) {
        (Ok((seg, checksum)), Ok((t, payload))) => {
            // IPv6's 32-bit length: any input length can be emitted.
            let pseudo = PseudoHeader::V6 { src: Ipv6Addr::LOCALHOST, dst: Ipv6Addr::UNSPECIFIED };
            let mut buf = vec![0; seg.buffer_len()];
            let n = seg.emit_with_checksum(&mut buf, &pseudo, Some(*checksum)).expect("a parsed segment emits");
            assert_eq!(&buf[..n], data, "re-emitted segment differs from the input");
            let (again, _) = TcpSegment::parse(&buf).expect("re-emitted segment parses");
            assert_eq!(&again, seg, "re-emitted segment parses to another value");
            let fresh = seg.emit(&mut buf, &pseudo).expect("a parsed segment emits");
            let view = TcpView::new_checked(&buf[..fresh]).expect("emitted segment parses");
            assert!(view.verify_checksum(&pseudo), "computed TCP checksum does not verify");
            same_tcp(t, seg, data);
            assert_eq!(*payload, &seg.payload[..], "TCP payload");
            let _ = (seg.mss(), seg.window_scale(), seg.sack_permitted(), seg.timestamps());
            let _ = (seg.sack_blocks(), seg.fast_open(), seg.seg_len());
        }
        (Err(_), Err(_)) => {}
        (ours, theirs) => panic!(
            "TCP accept/reject differs: synack {:?}, etherparse {:?}",
            ours.as_ref().map(|_| ()),
            theirs.as_ref().map(|_| ()).map_err(|e| e.to_string())
        ),
    }
}

/// The bytes as an option area: every octet accounted for, and written back as it was.
pub fn check_options(data: &[u8]) {
    let options: Vec<TcpOption> = OptionsIter::new(data).collect();
    assert_eq!(options_len(&options), data.len(), "options do not account for every octet");
    let mut buf = vec![0; data.len()];
    let n = emit_options(&options, &mut buf).expect("parsed options emit");
    assert_eq!(&buf[..n], data, "options re-emit differently");
}
