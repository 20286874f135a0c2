//! A table of malformed and hostile captures: each is read to a report (with what was
//! skipped) or refused with a reason.

use super::{pcap, pcapng};
use std::time::Duration;
use synack::oracle::capture::{check_bytes, CaptureReport};
use synack::oracle::OracleProfile;

enum Expect {
    /// Read; the predicate holds on the report.
    Report(fn(&CaptureReport) -> bool),
    /// Refused; the reason contains this.
    Error(&'static str),
}

/// A minimal IPv4 + TCP SYN (checksums zero: captures are not checksum-judged).
fn syn() -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1];
    p.extend([0x9c, 0x40, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    p
}

fn with(mut p: Vec<u8>, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    f(&mut p);
    p
}

fn one(link: u32, data: Vec<u8>) -> Vec<u8> {
    pcap(link, 65535, &[(Duration::ZERO, data)])
}

#[test]
fn malformed_captures_get_a_report_or_a_reason() {
    let header_only = pcap(101, 65535, &[]);
    let mut cut_record = one(101, syn());
    cut_record.truncate(cut_record.len() - 10);
    let mut huge_caplen = one(101, syn());
    huge_caplen[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
    let ng = pcapng(101, &[(Duration::ZERO, syn())]);
    let mut ng_bad_len = ng.clone();
    ng_bad_len[4..8].copy_from_slice(&7u32.to_le_bytes());
    let mut ng_zero_block = ng.clone();
    let idb = 28;
    ng_zero_block[idb + 4..idb + 8].copy_from_slice(&0u32.to_le_bytes());
    let mut ng_no_interface = ng.clone();
    // The EPB's interface id (after the 28-octet SHB and 32-octet IDB, 8 octets in).
    ng_no_interface[28 + 32 + 8..28 + 32 + 12].copy_from_slice(&9u32.to_le_bytes());
    let mut ng_tsresol = ng.clone();
    ng_tsresol[28 + 20] = 0xff;
    let table: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty file", vec![], Expect::Error("not a capture")),
        ("three octets", vec![0xd4, 0xc3, 0xb2], Expect::Error("not a capture")),
        ("unknown magic", b"GIF89a..........................".to_vec(), Expect::Error("unknown magic")),
        ("pcap header cut", header_only[..12].to_vec(), Expect::Error("bad pcap header")),
        ("pcap header only", header_only, Expect::Report(|r| r.packets == 0 && r.findings.is_empty())),
        ("record cut short", cut_record, Expect::Report(|r| r.packets == 0 && r.truncated.is_some())),
        ("caplen 4 GiB", huge_caplen, Expect::Report(|r| r.truncated.is_some())),
        ("a SYN", one(101, syn()), Expect::Report(|r| r.stats.segments == 2 && r.truncated.is_none())),
        ("IHL 0", one(101, with(syn(), |p| p[0] = 0x40)), Expect::Report(|r| r.skipped.unreadable == 1)),
        ("IHL 15 past the packet", one(101, with(syn(), |p| p[0] = 0x4f)), Expect::Report(|r| r.skipped.unreadable == 1)),
        ("total length below the header", one(101, with(syn(), |p| p[3] = 10)), Expect::Report(|r| r.skipped.unreadable == 1)),
        ("total length 64 KiB", one(101, with(syn(), |p| { p[2] = 0xff; p[3] = 0xff })), Expect::Report(|r| r.stats.segments == 2)),
        ("data offset 15", one(101, with(syn(), |p| p[32] = 0xf0)), Expect::Report(|r| r.skipped.unreadable == 1)),
        ("data offset 2", one(101, with(syn(), |p| p[32] = 0x20)), Expect::Report(|r| r.skipped.unreadable == 1)),
        (
            "absurd option lengths",
            one(101, with(syn(), |p| {
                p[3] = 48;
                p[32] = 0x70;
                p.extend([2, 255, 1, 3, 0, 8, 1, 1]);
            })),
            Expect::Report(|r| r.stats.segments == 2),
        ),
        ("a fragment", one(101, with(syn(), |p| p[6] = 0x20)), Expect::Report(|r| r.skipped.not_tcp == 1)),
        ("UDP", one(101, with(syn(), |p| p[9] = 17)), Expect::Report(|r| r.skipped.not_tcp == 1)),
        ("IP version 7", one(101, with(syn(), |p| p[0] = 0x75)), Expect::Report(|r| r.skipped.not_tcp == 1)),
        (
            "IPv6 extension headers past the end",
            one(101, {
                let mut p = vec![0x60, 0, 0, 0, 0, 8, 0, 64];
                p.extend([0; 32]);
                p.extend([0, 200, 0, 0, 0, 0, 0, 0]);
                p
            }),
            Expect::Report(|r| r.skipped.unreadable == 1),
        ),
        ("unknown link type", one(147, syn()), Expect::Report(|r| r.skipped.unknown_link == 1)),
        ("Ethernet, ARP", one(1, [vec![0; 12], vec![0x08, 0x06], vec![0; 28]].concat()), Expect::Report(|r| r.skipped.not_tcp == 1)),
        ("Ethernet, endless VLAN tags", one(1, [vec![0; 12], [0x81, 0, 0, 1].repeat(8)].concat()), Expect::Report(|r| r.skipped.not_tcp == 1)),
        ("cooked capture cut", one(113, vec![0; 10]), Expect::Report(|r| r.skipped.not_tcp == 1)),
        ("pcapng", ng, Expect::Report(|r| r.stats.segments == 2)),
        ("pcapng header cut", vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0], Expect::Error("bad pcapng")),
        ("pcapng bad block length", ng_bad_len, Expect::Error("bad pcapng")),
        ("pcapng zero block length", ng_zero_block, Expect::Report(|r| r.packets == 0 && r.truncated.is_some())),
        ("pcapng unknown interface", ng_no_interface, Expect::Report(|r| r.skipped.unknown_link == 1)),
        ("pcapng absurd time resolution", ng_tsresol, Expect::Report(|r| r.stats.segments == 2)),
    ];
    let mut wrong = Vec::new();
    for (name, bytes, expect) in table {
        let got = check_bytes(&bytes, &[], OracleProfile::linux());
        let ok = match (&expect, &got) {
            (Expect::Report(holds), Ok(r)) => holds(r),
            (Expect::Error(why), Err(e)) => e.to_string().contains(why),
            (Expect::Report(_), Err(_)) | (Expect::Error(_), Ok(_)) => false,
        };
        if !ok {
            wrong.push(format!("{name}: {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
