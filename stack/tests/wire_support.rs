//! Shared proptest strategies for the `wire_*` tests (`mod wire_support;` in each).
//!
//! Built on its own this target has no tests. Every strategy generates *canonical* values:
//! ones that `parse` gives back unchanged after `emit` (e.g. an `Unknown` option never uses a
//! known kind, a `Malformed` tail really cannot be framed, and option lists are already
//! padded to a multiple of four the way `emit` pads them).
#![allow(dead_code)]

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::prelude::*;
use synack_stack::seq::SeqNum;
use synack_stack::wire::options::{kind, TFO_EXP_MAGIC};
use synack_stack::wire::{
    options_len, IpHeader, Ipv4Header, Ipv6Header, TcpFlags, TcpOption, TcpPacket, TcpSegment,
};

/// Kinds that `parse` interprets; anything else comes back as `Unknown`.
pub const KNOWN_KINDS: [u8; 10] = [0, 1, 2, 3, 4, 5, 8, 19, 34, 254];

fn unknown_kind() -> impl Strategy<Value = u8> {
    any::<u8>().prop_filter("known kind", |k| !KNOWN_KINDS.contains(k))
}

/// A known kind with a data length that is not valid for it.
fn wrong_length() -> impl Strategy<Value = TcpOption> {
    let data = |k: u8, lens: Vec<usize>| {
        proptest::sample::select(lens).prop_flat_map(move |n| {
            vec(any::<u8>(), n).prop_map(move |data| TcpOption::WrongLength { kind: k, data })
        })
    };
    prop_oneof![
        data(kind::MSS, vec![0, 1, 3, 4]),
        data(kind::WINDOW_SCALE, vec![0, 2, 3]),
        data(kind::SACK_PERMITTED, vec![1, 2, 5]),
        data(kind::SACK, vec![0, 1, 7, 9, 12]),
        data(kind::TIMESTAMPS, vec![0, 4, 7, 9]),
        data(kind::MD5, vec![0, 8, 15, 17]),
    ]
}

/// Kind 254 whose data is not the TFO experiment (RFC 6994: too short, or another ExID).
fn unknown_experimental() -> impl Strategy<Value = TcpOption> {
    prop_oneof![
        vec(any::<u8>(), 0..2),
        vec(any::<u8>(), 2..10).prop_filter("TFO magic", |d| d[..2] != TFO_EXP_MAGIC.to_be_bytes()),
    ]
    .prop_map(|data| TcpOption::Unknown { kind: kind::EXPERIMENTAL, data })
}

/// One option that is not `Malformed`.
pub fn framed_option() -> impl Strategy<Value = TcpOption> {
    prop_oneof![
        3 => Just(TcpOption::EndOfList),
        3 => Just(TcpOption::NoOp),
        2 => any::<u16>().prop_map(TcpOption::Mss),
        2 => any::<u8>().prop_map(TcpOption::WindowScale),
        2 => Just(TcpOption::SackPermitted),
        2 => vec(any::<(u32, u32)>(), 1..=4).prop_map(TcpOption::Sack),
        2 => any::<(u32, u32)>().prop_map(|(tsval, tsecr)| TcpOption::Timestamps { tsval, tsecr }),
        1 => any::<[u8; 16]>().prop_map(TcpOption::Md5),
        1 => vec(any::<u8>(), 0..=16).prop_map(TcpOption::FastOpen),
        1 => vec(any::<u8>(), 0..=16).prop_map(TcpOption::FastOpenExp),
        1 => (unknown_kind(), vec(any::<u8>(), 0..=12))
            .prop_map(|(kind, data)| TcpOption::Unknown { kind, data }),
        1 => unknown_experimental(),
        1 => wrong_length(),
    ]
}

/// The bytes of a `Malformed` tail of exactly `len` (≥ 1) octets: a kind that needs a
/// length, then nothing, or a length below 2, or a length longer than the tail.
fn malformed(len: usize) -> impl Strategy<Value = TcpOption> {
    let kind = any::<u8>().prop_filter("single-octet kind", |k| *k > 1);
    let rest = vec(any::<u8>(), len.saturating_sub(2));
    let bad_len = prop_oneof![0u8..2, (len as u8 + 1)..=255];
    (kind, bad_len, rest).prop_map(move |(k, l, rest)| {
        let mut bytes = vec![k];
        if len >= 2 {
            bytes.push(l);
            bytes.extend(rest);
        }
        TcpOption::Malformed(bytes)
    })
}

/// Drops options from the end until the list fits in `max` octets.
fn fit(mut options: Vec<TcpOption>, max: usize) -> Vec<TcpOption> {
    while options_len(&options) > max {
        options.pop();
    }
    options
}

/// Appends `EndOfList` up to a multiple of four, as `emit` pads.
pub fn pad(mut options: Vec<TcpOption>) -> Vec<TcpOption> {
    while options_len(&options) % 4 != 0 {
        options.push(TcpOption::EndOfList);
    }
    options
}

/// A whole option area as `parse` would return it: at most 40 octets, a multiple of four,
/// possibly ending in a `Malformed` tail (which then absorbs what would have been padding).
pub fn option_list() -> impl Strategy<Value = Vec<TcpOption>> {
    let plain = vec(framed_option(), 0..10).prop_map(|o| pad(fit(o, 40)));
    let with_tail = (vec(framed_option(), 0..8), 0usize..3).prop_flat_map(|(o, extra_words)| {
        let o = fit(o, 36);
        let used = options_len(&o);
        let tail = (4 - used % 4 + 4 * extra_words).min(40 - used);
        malformed(tail).prop_map(move |m| {
            let mut o = o.clone();
            o.push(m);
            o
        })
    });
    prop_oneof![3 => plain, 1 => with_tail]
}

pub fn segment() -> impl Strategy<Value = TcpSegment> {
    (
        any::<(u16, u16, u32, u32)>(),
        0u16..0x1000,
        any::<(u16, u16)>(),
        option_list(),
        vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |((src_port, dst_port, seq, ack), flags, (window, urgent), options, payload)| {
                TcpSegment {
                    src_port,
                    dst_port,
                    seq: SeqNum::new(seq),
                    ack: SeqNum::new(ack),
                    flags: TcpFlags::from_bits(flags),
                    window,
                    urgent,
                    options,
                    payload,
                }
            },
        )
}

/// IPv4 carrying TCP, not a fragment (reserved and DF bits free), options whole words.
pub fn ipv4() -> impl Strategy<Value = Ipv4Header> {
    (
        any::<(u8, u16, u8)>(),
        prop_oneof![Just(0u8), Just(2), Just(4), Just(6)],
        any::<([u8; 4], [u8; 4])>(),
        (0usize..=10).prop_flat_map(|words| vec(any::<u8>(), words * 4)),
    )
        .prop_map(|((tos, identification, ttl), flags, (src, dst), options)| Ipv4Header {
            tos,
            identification,
            flags,
            fragment_offset: 0,
            ttl,
            protocol: 6,
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::from(dst),
            options,
        })
}

/// One raw extension header (RFC 8200 §4.2 framing) of the given type, followed by `next`.
fn extension(next: u8) -> impl Strategy<Value = Vec<u8>> {
    (0u8..3).prop_flat_map(move |units| {
        vec(any::<u8>(), 6 + 8 * usize::from(units)).prop_map(move |body| {
            let mut h = vec![next, units];
            h.extend(body);
            h
        })
    })
}

/// An extension chain in RFC 8200 §4.1 order (hop-by-hop, destination options, routing,
/// destination options; each optional) ending in TCP: (first next header, raw bytes).
pub fn ipv6_extensions() -> impl Strategy<Value = (u8, Vec<u8>)> {
    vec(any::<bool>(), 4).prop_flat_map(|mut present| {
        // RFC 8200 §4.1: the second destination options header belongs after a routing one.
        present[3] &= present[2];
        let types: Vec<u8> = [0u8, 60, 43, 60]
            .into_iter()
            .zip(present)
            .filter_map(|(t, p)| p.then_some(t))
            .collect();
        let first = types.first().copied().unwrap_or(6);
        // Each header names the one after it; the last names TCP.
        let nexts: Vec<u8> = types.iter().skip(1).copied().chain([6]).take(types.len()).collect();
        nexts
            .into_iter()
            .map(extension)
            .collect::<Vec<_>>()
            .prop_map(move |headers| (first, headers.concat()))
    })
}

pub fn ipv6() -> impl Strategy<Value = Ipv6Header> {
    (any::<(u8, u8)>(), 0u32..(1 << 20), any::<([u8; 16], [u8; 16])>(), ipv6_extensions()).prop_map(
        |((traffic_class, hop_limit), flow_label, (src, dst), (next, ext))| Ipv6Header {
            traffic_class,
            flow_label,
            next_header: next,
            hop_limit,
            src: Ipv6Addr::from(src),
            dst: Ipv6Addr::from(dst),
            extensions: ext,
        },
    )
}

pub fn packet_v4() -> impl Strategy<Value = TcpPacket> {
    (ipv4(), segment()).prop_map(|(ip, tcp)| TcpPacket { ip: IpHeader::V4(ip), tcp })
}

pub fn packet_v6() -> impl Strategy<Value = TcpPacket> {
    (ipv6(), segment()).prop_map(|(ip, tcp)| TcpPacket { ip: IpHeader::V6(ip), tcp })
}

pub fn packet() -> impl Strategy<Value = TcpPacket> {
    prop_oneof![packet_v4(), packet_v6()]
}
