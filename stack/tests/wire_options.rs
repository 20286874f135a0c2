//! TCP options: each kind's edge cases, lossless parse ⇄ emit, and the segment accessors.

mod wire_support;

use proptest::collection::vec;
use proptest::prelude::*;
use synack_stack::wire::options::{OptionsIter, MAX_OPTIONS_LEN};
use synack_stack::wire::{emit_options, options_len, EmitError, TcpFlags, TcpOption, TcpSegment};
use TcpOption::*;

fn parse(bytes: &[u8]) -> Vec<TcpOption> {
    TcpOption::parse_all(bytes)
}

fn emit(options: &[TcpOption]) -> Vec<u8> {
    let mut buf = vec![0xaa; options_len(options)];
    let n = emit_options(options, &mut buf).expect("emit");
    assert_eq!(n, buf.len());
    buf
}

/// Parses `bytes`, checks the result, and checks that emitting gives `bytes` back.
fn check(bytes: &[u8], expected: &[TcpOption]) {
    let parsed = parse(bytes);
    assert_eq!(parsed, expected, "parse of {bytes:02x?}");
    assert_eq!(emit(&parsed), bytes, "emit of {parsed:?}");
}

#[test]
fn empty_area() {
    check(&[], &[]);
}

#[test]
fn every_zero_octet_is_one_end_of_list() {
    check(&[0, 0, 0, 0], &[EndOfList, EndOfList, EndOfList, EndOfList]);
}

#[test]
fn options_after_end_of_list_are_preserved() {
    check(&[1, 0, 2, 4, 0x05, 0xb4, 0, 0], &[NoOp, EndOfList, Mss(1460), EndOfList, EndOfList]);
}

#[test]
fn zero_length_octet_is_malformed() {
    check(&[2, 0, 5, 180], &[Malformed(vec![2, 0, 5, 180])]);
    check(&[1, 30, 0, 9], &[NoOp, Malformed(vec![30, 0, 9])]);
}

#[test]
fn length_one_is_malformed() {
    check(&[8, 1, 0, 0], &[Malformed(vec![8, 1, 0, 0])]);
}

#[test]
fn length_past_the_area_is_malformed() {
    check(&[1, 2, 4, 5], &[NoOp, Malformed(vec![2, 4, 5])]);
    check(&[8, 10, 0, 0, 0, 0, 0, 0], &[Malformed(vec![8, 10, 0, 0, 0, 0, 0, 0])]);
}

#[test]
fn kind_alone_at_the_end_is_malformed() {
    check(&[1, 1, 1, 3], &[NoOp, NoOp, NoOp, Malformed(vec![3])]);
    check(&[200], &[Malformed(vec![200])]);
}

#[test]
fn mss() {
    check(&[2, 4, 0x05, 0xb4], &[Mss(1460)]);
    // RFC 9293 §3.2: MSS is length 4; length 3 is kept but not interpreted.
    check(&[2, 3, 5, 1], &[WrongLength { kind: 2, data: vec![5] }, NoOp]);
    check(&[2, 2, 1, 1], &[WrongLength { kind: 2, data: vec![] }, NoOp, NoOp]);
    check(
        &[2, 6, 0, 1, 2, 3, 1, 1],
        &[WrongLength { kind: 2, data: vec![0, 1, 2, 3] }, NoOp, NoOp],
    );
}

#[test]
fn window_scale() {
    check(&[3, 3, 14, 1], &[WindowScale(14), NoOp]);
    // Not clamped here: RFC 7323 §2.3 clamping is the stack's business.
    check(&[3, 3, 200, 0], &[WindowScale(200), EndOfList]);
    check(&[3, 4, 7, 7], &[WrongLength { kind: 3, data: vec![7, 7] }]);
    check(&[3, 2, 1, 1], &[WrongLength { kind: 3, data: vec![] }, NoOp, NoOp]);
}

#[test]
fn sack_permitted() {
    check(&[4, 2, 1, 1], &[SackPermitted, NoOp, NoOp]);
    check(&[4, 3, 9, 0], &[WrongLength { kind: 4, data: vec![9] }, EndOfList]);
}

#[test]
fn sack() {
    let one = [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2];
    check(&one, &[NoOp, NoOp, Sack(vec![(1, 2)])]);
    let mut two = vec![1, 1, 5, 18];
    two.extend([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4]);
    check(&two, &[NoOp, NoOp, Sack(vec![(u32::MAX, 0), (3, 4)])]);
    // RFC 2018 §3: length 2 + 8n with n ≥ 1; no blocks is not a SACK.
    check(&[5, 2, 1, 1], &[WrongLength { kind: 5, data: vec![] }, NoOp, NoOp]);
    let odd = [5, 6, 0, 0, 0, 1, 1, 1];
    check(&odd, &[WrongLength { kind: 5, data: vec![0, 0, 0, 1] }, NoOp, NoOp]);
}

#[test]
fn timestamps() {
    let ts = [1, 1, 8, 10, 0, 0, 0, 7, 0x80, 0, 0, 0];
    check(&ts, &[NoOp, NoOp, Timestamps { tsval: 7, tsecr: 0x8000_0000 }]);
    let short = [8, 6, 1, 2, 3, 4, 0, 0];
    check(&short, &[WrongLength { kind: 8, data: vec![1, 2, 3, 4] }, EndOfList, EndOfList]);
}

#[test]
fn md5() {
    let mut bytes = vec![19, 18];
    bytes.extend(1..=16u8);
    bytes.extend([0, 0]);
    let digest: [u8; 16] = core::array::from_fn(|i| i as u8 + 1);
    check(&bytes, &[Md5(digest), EndOfList, EndOfList]);
    check(&[19, 4, 1, 2], &[WrongLength { kind: 19, data: vec![1, 2] }]);
}

#[test]
fn fast_open() {
    // RFC 7413 §4.1.1: length 2 is a cookie request.
    check(&[34, 2, 1, 1], &[FastOpen(vec![]), NoOp, NoOp]);
    check(&[34, 6, 9, 8, 7, 6, 0, 0], &[FastOpen(vec![9, 8, 7, 6]), EndOfList, EndOfList]);
    check(&[34, 3, 9, 1], &[FastOpen(vec![9]), NoOp]);
}

#[test]
fn fast_open_experimental() {
    check(&[254, 4, 0xf9, 0x89], &[FastOpenExp(vec![])]);
    check(&[254, 8, 0xf9, 0x89, 1, 2, 3, 4], &[FastOpenExp(vec![1, 2, 3, 4])]);
    // Another experiment identifier (RFC 6994) is not Fast Open.
    check(&[254, 6, 0x12, 0x34, 1, 2], &[Unknown { kind: 254, data: vec![0x12, 0x34, 1, 2] }]);
    // Too short to hold an experiment identifier at all.
    check(&[254, 3, 0xf9, 1], &[Unknown { kind: 254, data: vec![0xf9] }, NoOp]);
    check(&[254, 2, 1, 1], &[Unknown { kind: 254, data: vec![] }, NoOp, NoOp]);
}

#[test]
fn unknown_kinds() {
    let bytes = [30, 2, 77, 3, 1, 1, 1, 1];
    let unknown = |kind, data| Unknown { kind, data };
    check(&bytes, &[unknown(30, vec![]), unknown(77, vec![1]), NoOp, NoOp, NoOp]);
    check(&[253, 4, 0xaa, 0xbb], &[Unknown { kind: 253, data: vec![0xaa, 0xbb] }]);
}

#[test]
fn buffer_len_is_what_emit_writes() {
    let all = [
        EndOfList,
        NoOp,
        Mss(1),
        WindowScale(2),
        SackPermitted,
        Sack(vec![(1, 2), (3, 4)]),
        Timestamps { tsval: 1, tsecr: 2 },
        Md5([7; 16]),
        FastOpen(vec![1, 2, 3]),
        FastOpenExp(vec![4, 5]),
        Unknown { kind: 99, data: vec![1] },
        WrongLength { kind: 2, data: vec![1, 2, 3] },
        Malformed(vec![9, 200, 1]),
    ];
    let expected = [1, 1, 4, 3, 2, 18, 10, 18, 5, 6, 3, 5, 3];
    for (option, len) in all.iter().zip(expected) {
        assert_eq!(option.buffer_len(), len, "{option:?}");
        let mut buf = [0u8; 64];
        assert_eq!(option.emit(&mut buf), Ok(len), "{option:?}");
        assert_eq!(
            option.emit(&mut buf[..len - 1]),
            Err(EmitError::BufferTooSmall { needed: len, available: len - 1 })
        );
    }
}

#[test]
fn data_a_length_octet_cannot_describe_is_refused() {
    let mut buf = vec![0u8; 400];
    assert!(Unknown { kind: 99, data: vec![0; 253] }.emit(&mut buf).is_ok());
    assert_eq!(
        Unknown { kind: 99, data: vec![0; 254] }.emit(&mut buf),
        Err(EmitError::TooLong { what: "TCP option data", len: 254, max: 253 })
    );
    assert!(Sack(vec![(0, 0); 32]).emit(&mut buf).is_err());
    // Malformed has no length octet to overflow.
    assert_eq!(Malformed(vec![9; 300]).emit(&mut buf), Ok(300));
}

fn segment_with(options: Vec<TcpOption>) -> TcpSegment {
    TcpSegment { options, ..TcpSegment::default() }
}

#[test]
fn accessors_take_the_first_valid_occurrence() {
    let seg = segment_with(vec![
        WrongLength { kind: 2, data: vec![1] },
        Mss(1000),
        Mss(2000),
        WindowScale(3),
        WindowScale(9),
        Timestamps { tsval: 1, tsecr: 2 },
        Timestamps { tsval: 3, tsecr: 4 },
        Sack(vec![(5, 6)]),
        Sack(vec![(7, 8)]),
        FastOpenExp(vec![1]),
        FastOpen(vec![2]),
    ]);
    assert_eq!(seg.mss(), Some(1000));
    assert_eq!(seg.window_scale(), Some(3));
    assert_eq!(seg.timestamps(), Some((1, 2)));
    assert_eq!(seg.sack_blocks(), &[(5, 6)]);
    assert_eq!(seg.fast_open(), Some(&[1u8][..]));
    assert!(!seg.sack_permitted());
}

#[test]
fn accessors_stop_at_end_of_list() {
    let seg = segment_with(vec![Mss(536), NoOp, EndOfList, WindowScale(7), SackPermitted]);
    assert_eq!(seg.mss(), Some(536));
    assert_eq!(seg.window_scale(), None);
    assert!(!seg.sack_permitted());
    let seg = segment_with(vec![EndOfList, Mss(536), Timestamps { tsval: 1, tsecr: 1 }]);
    assert_eq!((seg.mss(), seg.timestamps()), (None, None));
    let seg = segment_with(vec![NoOp, SackPermitted, FastOpen(vec![]), EndOfList]);
    assert!(seg.sack_permitted());
    assert_eq!(seg.fast_open(), Some(&[][..]));
    assert_eq!(seg.sack_blocks(), &[] as &[(u32, u32)]);
}

#[test]
fn seg_len_counts_syn_and_fin() {
    let mut seg = TcpSegment { payload: vec![0; 10], ..TcpSegment::default() };
    assert_eq!(seg.seg_len(), 10);
    seg.flags = TcpFlags::SYN;
    assert_eq!(seg.seg_len(), 11);
    seg.flags = TcpFlags::SYN | TcpFlags::FIN | TcpFlags::ACK;
    assert_eq!(seg.seg_len(), 12);
    seg.payload.clear();
    seg.flags = TcpFlags::FIN | TcpFlags::RST;
    assert_eq!(seg.seg_len(), 1);
}

/// A well-framed option area: single-octet kinds and kind/length/data frames (lengths
/// biased to each known kind's valid and invalid sizes), perhaps ending in a broken tail.
fn framed_area() -> impl Strategy<Value = Vec<u8>> {
    let single = prop_oneof![Just(vec![0u8]), Just(vec![1u8])];
    let frame = (
        prop_oneof![
            proptest::sample::select(vec![2u8, 3, 4, 5, 8, 19, 34, 254]),
            any::<u8>().prop_filter("single-octet kind", |k| *k > 1),
        ],
        prop_oneof![0usize..=10, Just(16), Just(24)],
        any::<bool>(),
    )
        .prop_flat_map(|(kind, n, magic)| {
            vec(any::<u8>(), n).prop_map(move |mut data| {
                if magic && kind == 254 && data.len() >= 2 {
                    data[..2].copy_from_slice(&[0xf9, 0x89]);
                }
                let mut frame = vec![kind, data.len() as u8 + 2];
                frame.extend(data);
                frame
            })
        });
    let tail = prop_oneof![Just(vec![]), vec(any::<u8>(), 1..4)];
    (vec(prop_oneof![single, frame], 0..8), tail).prop_map(|(parts, tail)| {
        let mut area = parts.concat();
        area.truncate(MAX_OPTIONS_LEN);
        area.extend(tail);
        area
    })
}

fn arbitrary_option() -> impl Strategy<Value = TcpOption> {
    prop_oneof![
        wire_support::framed_option(),
        vec(any::<(u32, u32)>(), 0..40).prop_map(Sack),
        vec(any::<u8>(), 0..300).prop_map(FastOpen),
        vec(any::<u8>(), 0..300).prop_map(FastOpenExp),
        (any::<u8>(), vec(any::<u8>(), 0..300)).prop_map(|(kind, data)| Unknown { kind, data }),
        (any::<u8>(), vec(any::<u8>(), 0..300)).prop_map(|(kind, data)| WrongLength { kind, data }),
        vec(any::<u8>(), 0..60).prop_map(Malformed),
    ]
}

proptest! {
    #[test]
    fn emit_of_parse_is_identity_on_framed_areas(area in framed_area()) {
        let parsed = parse(&area);
        prop_assert_eq!(options_len(&parsed), area.len());
        prop_assert_eq!(emit(&parsed), area);
    }

    #[test]
    fn emit_of_parse_is_identity_on_any_bytes(area in vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(emit(&parse(&area)), area);
    }

    #[test]
    fn malformed_only_ever_comes_last(area in vec(any::<u8>(), 0..64)) {
        let parsed = parse(&area);
        let malformed = parsed.iter().filter(|o| matches!(o, Malformed(_))).count();
        prop_assert!(malformed <= 1);
        if malformed == 1 {
            prop_assert!(matches!(parsed.last(), Some(Malformed(_))));
        }
    }

    #[test]
    fn parse_of_emit_is_identity_on_canonical_lists(options in wire_support::option_list()) {
        prop_assert!(options_len(&options) <= MAX_OPTIONS_LEN);
        prop_assert_eq!(options_len(&options) % 4, 0);
        prop_assert_eq!(parse(&emit(&options)), options);
    }

    #[test]
    fn iterator_matches_parse_all(area in framed_area()) {
        prop_assert_eq!(OptionsIter::new(&area).collect::<Vec<_>>(), parse(&area));
    }

    #[test]
    fn emit_never_panics(options in vec(arbitrary_option(), 0..6), room in 0usize..2000) {
        let mut buf = vec![0u8; room];
        match emit_options(&options, &mut buf) {
            Ok(n) => prop_assert_eq!(n, options_len(&options)),
            Err(EmitError::BufferTooSmall { needed, .. }) => prop_assert!(needed > room),
            Err(EmitError::TooLong { len, .. }) => prop_assert!(len > 253),
            Err(e @ EmitError::AddressFamilyMismatch) => prop_assert!(false, "{e}"),
        }
        // A segment carrying them refuses more than 40 octets of options instead of panicking.
        let seg = segment_with(options.clone());
        let pseudo = synack_stack::wire::PseudoHeader::V4 {
            src: std::net::Ipv4Addr::LOCALHOST,
            dst: std::net::Ipv4Addr::LOCALHOST,
        };
        let mut buf = vec![0u8; seg.buffer_len()];
        let result = seg.emit(&mut buf, &pseudo);
        if options_len(&options) > MAX_OPTIONS_LEN {
            prop_assert_eq!(
                result,
                Err(EmitError::TooLong { what: "TCP option area", len: options_len(&options), max: 40 })
            );
        } else {
            prop_assert!(result.is_ok());
        }
    }
}
