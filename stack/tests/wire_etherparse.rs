//! Cross-check against etherparse 0.21, an independent implementation: it must read our
//! emitted packets the way we meant them, and we must read its packets the way it meant them.
//!
//! Compared: every field both understand. etherparse has no place for the three reserved
//! TCP bits and interprets only the RFC 793/2018/7323 option kinds, so those are compared
//! where it can express them.

mod wire_support;

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::checksum::Sum16BitWords;
use etherparse::{
    IpDscp, IpEcn, IpNumber, Ipv6FlowLabel, NetHeaders, PacketHeaders, PayloadSlice, TcpHeader,
    TcpOptionElement, TcpSlice, TransportHeader,
};
use proptest::collection::vec;
use proptest::prelude::*;
use synack_stack::seq::SeqNum;
use synack_stack::wire::{
    ChecksumOverride, IpHeader, TcpFlags, TcpOption, TcpPacket, TcpSegment, TcpView,
};

/// Our option, as etherparse's element, if etherparse has one for it.
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

/// etherparse's checksum verdict is "the field equals what I compute"; ours is "the sum is
/// all ones", which also accepts 0xFFFF where 0x0000 is computed (RFC 1071 §1: both are
/// one's complement zero). Computed values are never 0xFFFF, so this is the only difference.
fn same_verdict(ours: bool, field: u16, computed: u16) -> bool {
    ours == (field == computed || (computed == 0 && field == 0xffff))
}

/// Checks etherparse's reading of `bytes`, which we emitted from `p`.
fn etherparse_reads(p: &TcpPacket, bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = TcpPacket::parse(bytes).expect("our parse");
    let theirs = PacketHeaders::from_ip_slice(bytes).expect("etherparse parse");
    let Some(TransportHeader::Tcp(t)) = theirs.transport else {
        return Err(TestCaseError::fail("etherparse found no TCP header"));
    };
    let PayloadSlice::Tcp(payload) = theirs.payload else {
        return Err(TestCaseError::fail("etherparse found no TCP payload"));
    };
    let tcp_start = p.ip.buffer_len();
    // The segment as raw octets: etherparse's TcpHeader drops the reserved bits, so its
    // checksum is computed over the slice.
    let segment = TcpSlice::from_slice(&bytes[tcp_start..]).expect("etherparse TCP slice");
    let computed = match (&theirs.net, &p.ip) {
        (Some(NetHeaders::Ipv4(e, exts)), IpHeader::V4(o)) => {
            prop_assert_eq!(Ipv4Addr::from(e.source), o.src);
            prop_assert_eq!(Ipv4Addr::from(e.destination), o.dst);
            prop_assert_eq!(e.time_to_live, o.ttl);
            prop_assert_eq!(e.protocol, IpNumber::TCP);
            prop_assert_eq!(e.identification, o.identification);
            prop_assert_eq!((e.dscp.value() << 2) | e.ecn.value(), o.tos);
            prop_assert_eq!(e.dont_fragment, o.flags & 0b010 != 0);
            prop_assert!(!e.more_fragments && e.fragment_offset.value() == 0);
            prop_assert_eq!(&e.options[..], &o.options[..]);
            prop_assert_eq!(usize::from(e.total_len), bytes.len());
            prop_assert!(exts.auth.is_none());
            // etherparse's header model has no reserved flag bit, so its own checksum of
            // the header is only complete without it; its checksum routine over the raw
            // octets always is.
            let mut header = bytes[..tcp_start].to_vec();
            header[10..12].fill(0);
            let computed = Sum16BitWords::new().add_slice(&header).ones_complement().to_be();
            if o.flags & 0b100 == 0 {
                prop_assert_eq!(e.calc_header_checksum(), computed);
            }
            let verdict = same_verdict(ours.ip_checksum_ok, e.header_checksum, computed);
            prop_assert!(verdict, "IPv4 header checksum verdicts differ");
            segment.calc_checksum_ipv4(e.source, e.destination).unwrap()
        }
        (Some(NetHeaders::Ipv6(e, exts)), IpHeader::V6(o)) => {
            prop_assert_eq!(Ipv6Addr::from(e.source), o.src);
            prop_assert_eq!(Ipv6Addr::from(e.destination), o.dst);
            prop_assert_eq!(e.hop_limit, o.hop_limit);
            prop_assert_eq!(e.traffic_class, o.traffic_class);
            prop_assert_eq!(e.flow_label.value(), o.flow_label);
            prop_assert_eq!(e.next_header.0, o.next_header);
            prop_assert_eq!(usize::from(e.payload_length) + 40, bytes.len());
            prop_assert_eq!(exts.header_len(), o.extensions.len());
            segment.calc_checksum_ipv6(e.source, e.destination).unwrap()
        }
        _ => return Err(TestCaseError::fail("IP versions differ")),
    };
    let s = &p.tcp;
    prop_assert_eq!((t.source_port, t.destination_port), (s.src_port, s.dst_port));
    prop_assert_eq!((t.sequence_number, t.acknowledgment_number), (s.seq.get(), s.ack.get()));
    let f = s.flags;
    prop_assert_eq!((t.fin, t.syn, t.rst, t.psh), (f.fin(), f.syn(), f.rst(), f.psh()));
    prop_assert_eq!((t.ack, t.urg), (f.ack(), f.urg()));
    prop_assert_eq!(t.ece, f.contains(TcpFlags::ECE));
    prop_assert_eq!(t.cwr, f.contains(TcpFlags::CWR));
    prop_assert_eq!(t.ns, f.contains(TcpFlags::AE));
    prop_assert_eq!((t.window_size, t.urgent_pointer), (s.window, s.urgent));
    prop_assert_eq!(payload, &s.payload[..]);
    if s.flags.bits() & TcpFlags::RESERVED.bits() == 0 {
        let header_checksum = match &theirs.net {
            Some(NetHeaders::Ipv4(e, _)) => t.calc_checksum_ipv4(e, payload).unwrap(),
            Some(NetHeaders::Ipv6(e, _)) => t.calc_checksum_ipv6(e, payload).unwrap(),
            _ => unreachable!("checked above"),
        };
        prop_assert_eq!(header_checksum, computed);
    }
    let view = TcpView::new_checked(&bytes[tcp_start..]).unwrap();
    prop_assert_eq!(t.checksum, view.checksum());
    prop_assert_eq!(&t.options[..], view.options());
    prop_assert!(
        same_verdict(ours.tcp_checksum_ok, t.checksum, computed),
        "TCP checksum verdicts differ"
    );

    // Options: etherparse stops at EOL, as our accessors do, and errs on kinds it lacks.
    let mut theirs = t.options_iterator();
    for option in s.effective_options() {
        match as_element(option) {
            Some(element) => prop_assert_eq!(theirs.next(), Some(Ok(element))),
            None => {
                prop_assert!(matches!(theirs.next(), Some(Err(_))), "{:?}", option);
                return Ok(());
            }
        }
    }
    prop_assert_eq!(theirs.next(), None);
    Ok(())
}

/// The fields etherparse lets us choose for a packet it builds.
#[derive(Debug, Clone)]
struct Built {
    v6: bool,
    src: [u8; 16],
    dst: [u8; 16],
    ttl: u8,
    dscp: u8,
    ecn: u8,
    id: u16,
    df: bool,
    ip_options: Vec<u8>,
    flow: u32,
    tcp: TcpHeader,
    payload: Vec<u8>,
    bad_checksum: bool,
}

fn element() -> impl Strategy<Value = TcpOptionElement> {
    prop_oneof![
        Just(TcpOptionElement::Noop),
        any::<u16>().prop_map(TcpOptionElement::MaximumSegmentSize),
        any::<u8>().prop_map(TcpOptionElement::WindowScale),
        Just(TcpOptionElement::SelectiveAcknowledgementPermitted),
        (any::<(u32, u32)>(), any::<[Option<(u32, u32)>; 3]>()).prop_map(|(first, mut more)| {
            // Blocks after a missing one are not written; keep them contiguous.
            if let Some(gap) = more.iter().position(Option::is_none) {
                more[gap..].fill(None);
            }
            TcpOptionElement::SelectiveAcknowledgement(first, more)
        }),
        any::<(u32, u32)>().prop_map(|(a, b)| TcpOptionElement::Timestamp(a, b)),
    ]
}

fn tcp_header() -> impl Strategy<Value = TcpHeader> {
    (any::<(u16, u16, u32, u32)>(), any::<[bool; 9]>(), any::<(u16, u16)>(), vec(element(), 0..6))
        .prop_map(|((sp, dp, seq, ack), f, (window, urgent), mut elements)| {
            let mut t = TcpHeader::new(sp, dp, seq, window);
            t.acknowledgment_number = ack;
            [t.fin, t.syn, t.rst, t.psh, t.ack, t.urg, t.ece, t.cwr, t.ns] = f;
            t.urgent_pointer = urgent;
            while t.set_options(&elements).is_err() {
                elements.pop();
            }
            t
        })
}

fn built() -> impl Strategy<Value = Built> {
    (
        (any::<bool>(), any::<[u8; 16]>(), any::<[u8; 16]>(), any::<u8>()),
        (0u8..64, 0u8..4, any::<u16>(), any::<bool>(), 0usize..=10, 0u32..(1 << 20)),
        tcp_header(),
        vec(any::<u8>(), 0..64),
        any::<bool>(),
    )
        .prop_flat_map(
            |((v6, src, dst, ttl), (dscp, ecn, id, df, words, flow), tcp, payload, bad)| {
                vec(any::<u8>(), words * 4).prop_map(move |ip_options| Built {
                    v6,
                    src,
                    dst,
                    ttl,
                    dscp,
                    ecn,
                    id,
                    df,
                    ip_options,
                    flow,
                    tcp: tcp.clone(),
                    payload: payload.clone(),
                    bad_checksum: bad,
                })
            },
        )
}

/// Serializes `b` with etherparse; returns the bytes and the checksum it computed.
fn etherparse_writes(b: &Built) -> (Vec<u8>, u16) {
    let mut tcp = b.tcp.clone();
    let tcp_len = tcp.header_len() + b.payload.len();
    let mut out = Vec::new();
    let checksum = if b.v6 {
        let ip = etherparse::Ipv6Header {
            traffic_class: (b.dscp << 2) | b.ecn,
            flow_label: Ipv6FlowLabel::try_new(b.flow).unwrap(),
            payload_length: tcp_len as u16,
            next_header: IpNumber::TCP,
            hop_limit: b.ttl,
            source: b.src,
            destination: b.dst,
        };
        ip.write(&mut out).unwrap();
        tcp.calc_checksum_ipv6(&ip, &b.payload).unwrap()
    } else {
        let src: [u8; 4] = b.src[..4].try_into().unwrap();
        let dst: [u8; 4] = b.dst[..4].try_into().unwrap();
        let mut ip = etherparse::Ipv4Header::new(0, b.ttl, IpNumber::TCP, src, dst).unwrap();
        ip.dscp = IpDscp::try_new(b.dscp).unwrap();
        ip.ecn = IpEcn::try_new(b.ecn).unwrap();
        ip.identification = b.id;
        ip.dont_fragment = b.df;
        ip.options = b.ip_options[..].try_into().unwrap();
        ip.set_payload_len(tcp_len).unwrap();
        ip.write(&mut out).unwrap();
        tcp.calc_checksum_ipv4(&ip, &b.payload).unwrap()
    };
    tcp.checksum = if b.bad_checksum { checksum.wrapping_add(1) } else { checksum };
    tcp.write(&mut out).unwrap();
    out.extend_from_slice(&b.payload);
    (out, checksum)
}

/// Checks our reading of a packet etherparse built from `b`.
fn we_read(b: &Built) -> Result<(), TestCaseError> {
    let (bytes, _) = etherparse_writes(b);
    let parsed = TcpPacket::parse(&bytes).expect("our parse");
    prop_assert!(parsed.ip_checksum_ok);
    prop_assert_eq!(parsed.tcp_checksum_ok, !b.bad_checksum);
    let p = &parsed.packet;
    match &p.ip {
        IpHeader::V4(h) => {
            prop_assert!(!b.v6);
            prop_assert_eq!(&h.src.octets()[..], &b.src[..4]);
            prop_assert_eq!(&h.dst.octets()[..], &b.dst[..4]);
            prop_assert_eq!((h.ttl, h.identification, h.tos), (b.ttl, b.id, (b.dscp << 2) | b.ecn));
            prop_assert_eq!((h.flags, h.fragment_offset), (if b.df { 0b010 } else { 0 }, 0));
            prop_assert_eq!(&h.options, &b.ip_options);
        }
        IpHeader::V6(h) => {
            prop_assert!(b.v6);
            prop_assert_eq!((h.src.octets(), h.dst.octets()), (b.src, b.dst));
            prop_assert_eq!((h.hop_limit, h.flow_label), (b.ttl, b.flow));
            prop_assert_eq!(h.traffic_class, (b.dscp << 2) | b.ecn);
            prop_assert!(h.extensions.is_empty());
        }
    }
    let t = &b.tcp;
    let mut flags = TcpFlags::EMPTY;
    for (set, flag) in [
        (t.fin, TcpFlags::FIN),
        (t.syn, TcpFlags::SYN),
        (t.rst, TcpFlags::RST),
        (t.psh, TcpFlags::PSH),
        (t.ack, TcpFlags::ACK),
        (t.urg, TcpFlags::URG),
        (t.ece, TcpFlags::ECE),
        (t.cwr, TcpFlags::CWR),
        (t.ns, TcpFlags::AE),
    ] {
        if set {
            flags = flags | flag;
        }
    }
    let expected_options: Vec<TcpOptionElement> =
        t.options_iterator().map(|o| o.expect("etherparse reads its own options")).collect();
    let ours_as_elements: Vec<Option<TcpOptionElement>> =
        p.tcp.effective_options().map(as_element).collect();
    let expected = TcpSegment {
        src_port: t.source_port,
        dst_port: t.destination_port,
        seq: SeqNum::new(t.sequence_number),
        ack: SeqNum::new(t.acknowledgment_number),
        flags,
        window: t.window_size,
        urgent: t.urgent_pointer,
        options: p.tcp.options.clone(), // compared element-wise below
        payload: b.payload.clone(),
    };
    prop_assert_eq!(&p.tcp, &expected);
    prop_assert_eq!(ours_as_elements, expected_options.into_iter().map(Some).collect::<Vec<_>>());
    // Whatever follows the first EOL is etherparse's zero padding.
    let after_eol = p.tcp.options.iter().skip_while(|o| **o != TcpOption::EndOfList);
    prop_assert!(after_eol.clone().all(|o| *o == TcpOption::EndOfList));
    Ok(())
}

/// A hand-built SYN whose checksum etherparse computes independently of us.
#[test]
fn known_answer_against_etherparse() {
    let seg = TcpSegment {
        seq: SeqNum::new(0x1234_5678),
        flags: TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR,
        window: 65535,
        options: vec![
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { tsval: 1, tsecr: 0 },
            TcpOption::NoOp,
            TcpOption::WindowScale(7),
        ],
        ..TcpSegment::default()
    };
    let p = TcpPacket::new(
        "192.0.2.1:54321".parse().unwrap(),
        "198.51.100.7:443".parse().unwrap(),
        seg,
    )
    .unwrap();
    let bytes = p.emit().unwrap();
    let (ip, rest) = etherparse::Ipv4Header::from_slice(&bytes).unwrap();
    let (tcp, payload) = TcpHeader::from_slice(rest).unwrap();
    assert_eq!(ip.header_checksum, ip.calc_header_checksum());
    assert_eq!(tcp.checksum, tcp.calc_checksum_ipv4(&ip, payload).unwrap());
    let parsed = TcpPacket::parse(&bytes).unwrap();
    assert!(parsed.tcp_checksum_ok && parsed.ip_checksum_ok);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn etherparse_reads_what_we_emit(p in wire_support::packet()) {
        etherparse_reads(&p, &p.emit().unwrap())?;
    }

    #[test]
    fn etherparse_agrees_on_bad_checksums(
        p in wire_support::packet(),
        ip in proptest::option::of(any::<u16>()),
        tcp in proptest::option::of(any::<u16>()),
    ) {
        let bytes = p.emit_with_checksums(ChecksumOverride { ipv4_header: ip, tcp }).unwrap();
        etherparse_reads(&p, &bytes)?;
    }

    #[test]
    fn we_read_what_etherparse_emits(b in built()) {
        we_read(&b)?;
    }
}
