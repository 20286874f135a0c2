//! Checking a packet the stack emitted against the script line that expects it, field by
//! field, with packetdrill's rules: every flag, seq, payload length, urgent pointer, options
//! (kinds, order and bytes, except TSval — learned, not checked — and TSecr, never checked;
//! nothing at all for `<...>`); ack and window only when the line writes them.

use super::connections::ScriptConn;
use super::inbound::{cookie, ecn_bits, wire_flags};
use crate::mode::IpMode;
use crate::packet_text;
use crate::script::{self, Ecn, IpInfo, TcpOptionKind, TcpOptions};
use std::collections::BTreeMap;
use synack_stack::wire::{IpHeader, TcpFlags, TcpOption, TcpPacket};

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field, in packetdrill's words (`tcp_ack`, `tcp options`, …).
    pub field: &'static str,
    /// What the script expects.
    pub expected: String,
    /// What the stack sent.
    pub actual: String,
}

/// Why an emitted packet does not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// It is not a TCP packet of the run's IP version at all.
    NotTcp(String),
    /// It belongs to another connection than the line's.
    WrongConnection { expected: String, actual: String },
    /// These fields differ.
    Fields(Vec<FieldDiff>),
}

/// The emitted packet rendered in script notation (sequence numbers relative to what is known
/// of its connection).
pub fn describe(bytes: &[u8], conn: Option<&ScriptConn>) -> String {
    match TcpPacket::parse(bytes) {
        Ok(p) => {
            let tcp = &p.packet.tcp;
            let syn = tcp.flags.contains(TcpFlags::SYN);
            // Bases that make `live - base` the script's numbering (see ScriptConn).
            let (seq_base, ack_base) = match conn {
                Some(c) => (
                    tcp.seq.get().wrapping_sub(c.local_seq_to_script(tcp.seq.get(), syn)),
                    tcp.ack.get().wrapping_sub(c.remote_seq_to_script(tcp.ack.get(), syn)),
                ),
                None => (0, 0),
            };
            format!("> {}", packet_text::segment(tcp, seq_base, ack_base))
        }
        Err(e) => format!("> <{} bytes, not TCP: {e}>", bytes.len()),
    }
}

/// Checks `bytes` against the line, learning the stack's port, ISN and timestamp offset on
/// the way.
pub fn check(
    expected: &script::TcpPacket,
    ip: &IpInfo,
    bytes: &[u8],
    conn: &mut ScriptConn,
    mode: IpMode,
    defines: &BTreeMap<String, String>,
) -> Result<(), Mismatch> {
    let parsed = TcpPacket::parse(bytes).map_err(|e| Mismatch::NotTcp(e.to_string()))?;
    let packet = parsed.packet;
    let (wire_v6, tos, ttl, flow_label) = match &packet.ip {
        IpHeader::V4(h) => (false, h.tos, h.ttl, None),
        IpHeader::V6(h) => (true, h.traffic_class, h.hop_limit, Some(h.flow_label)),
    };
    if wire_v6 != mode.wire_is_ipv6() {
        return Err(Mismatch::NotTcp(format!(
            "an IPv{} packet in {mode} mode",
            if wire_v6 { 6 } else { 4 }
        )));
    }
    let seg = &packet.tcp;
    let ports_ok = seg.dst_port == conn.remote_port && conn.local_port.is_none_or(|p| p == seg.src_port);
    if !ports_ok {
        return Err(Mismatch::WrongConnection {
            expected: format!(
                "{} > {}",
                conn.local_port.map_or("*".to_string(), |p| p.to_string()),
                conn.remote_port
            ),
            actual: format!("{} > {}", seg.src_port, seg.dst_port),
        });
    }
    conn.local_port = Some(seg.src_port);
    let exp_flags = wire_flags(&expected.flags);
    if exp_flags.contains(TcpFlags::SYN) && seg.flags.contains(TcpFlags::SYN) {
        conn.outbound_syn(seg.seq.get(), expected.seq.start);
    }

    let mut diffs = Vec::new();
    let mut diff = |field: &'static str, e: String, a: String| {
        if e != a {
            diffs.push(FieldDiff { field, expected: e, actual: a });
        }
    };
    // The reserved bits are compared with the flags: a stack must send them as zero (§3.1).
    diff("tcp flags", packet_text::flags(exp_flags), packet_text::flags(seg.flags));
    if seg.flags.contains(TcpFlags::RESERVED) {
        diff("tcp reserved bits", "0".into(), format!("{:#x}", seg.flags.bits() & TcpFlags::RESERVED.bits()));
    }
    let syn = seg.flags.contains(TcpFlags::SYN);
    diff("tcp seq", expected.seq.start.to_string(), conn.local_seq_to_script(seg.seq.get(), syn).to_string());
    diff("tcp payload length", expected.seq.len.to_string(), seg.payload.len().to_string());
    if let Some(ack) = &expected.ack {
        diff("tcp ack", ack.value.to_string(), conn.remote_seq_to_script(seg.ack.get(), syn).to_string());
    }
    if let Some(win) = &expected.win {
        diff("tcp window", win.value.to_string(), seg.window.to_string());
    }
    diff("tcp urgent pointer", expected.urg.as_ref().map_or(0, |u| u.value).to_string(), seg.urgent.to_string());
    if let Some(want) = &ip.tos {
        diff("ip tos", format!("{:#x}", want.value), format!("{tos:#x}"));
    }
    if let Some(want) = &ip.ttl {
        diff("ip ttl", want.value.to_string(), ttl.to_string());
    }
    if let Some(want) = &ip.flowlabel {
        diff("ipv6 flow label", format!("{:#x}", want.value), flow_label.map_or("none (IPv4)".to_string(), |l| format!("{l:#x}")));
    }
    if let Some(ecn) = &ip.ecn {
        let actual = tos & 0b11;
        let ok = match ecn.value {
            Ecn::Ect01 => actual == 0b01 || actual == 0b10,
            e => ecn_bits(e) == Some(actual),
        };
        if !ok {
            diff("ip ecn", ecn_name(ecn.value).into(), ecn_of_bits(actual).into());
        }
    }
    match expected.options.as_ref().map(|o| &o.value) {
        Some(TcpOptions::Any) => {}
        None => diff("tcp options", "<>".into(), format!("<{}>", options_inner(&seg.options))),
        Some(TcpOptions::List(list)) => {
            let mut ok = list.len() == seg.options.len();
            let mut learned = None;
            if ok {
                for (exp, act) in list.iter().zip(&seg.options) {
                    if !option_matches(&exp.kind, act, conn, defines, &mut learned) {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                if let (Some(off), None) = (learned, conn.ts_offset) {
                    conn.ts_offset = Some(off);
                }
            } else {
                let exp: Vec<String> = list.iter().map(|o| script_option(&o.kind)).collect();
                diff("tcp options", format!("<{}>", exp.join(",")), format!("<{}>", options_inner(&seg.options)));
            }
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(Mismatch::Fields(diffs))
    }
}

fn option_matches(
    exp: &TcpOptionKind,
    act: &TcpOption,
    conn: &ScriptConn,
    defines: &BTreeMap<String, String>,
    learned_ts: &mut Option<u32>,
) -> bool {
    match (exp, act) {
        (TcpOptionKind::Nop, TcpOption::NoOp) | (TcpOptionKind::Eol, TcpOption::EndOfList) => true,
        (TcpOptionKind::SackPermitted, TcpOption::SackPermitted) => true,
        (TcpOptionKind::Mss(e), TcpOption::Mss(a)) => e == a,
        (TcpOptionKind::WindowScale(e), TcpOption::WindowScale(a)) => e == a,
        // Outbound SACK blocks name the script's own sequence space, relative to its ISN.
        (TcpOptionKind::Sack(e), TcpOption::Sack(a)) => {
            e.len() == a.len()
                && e.iter().zip(a).all(|(e, a)| {
                    (e.start, e.end) == (conn.remote_seq_to_script(a.0, false), conn.remote_seq_to_script(a.1, false))
                })
        }
        // TSval is the stack's clock: learn its offset, don't check it; TSecr is not checked.
        (TcpOptionKind::Timestamp { val, .. }, TcpOption::Timestamps { tsval, .. }) => {
            if conn.ts_offset.is_none() {
                *learned_ts = Some(tsval.wrapping_sub(*val));
            }
            true
        }
        (TcpOptionKind::FastOpen(e), TcpOption::FastOpen(a))
        | (TcpOptionKind::FastOpenExp(e), TcpOption::FastOpenExp(a)) => match e {
            None => a.is_empty(),
            Some(c) => cookie(c, defines).is_ok_and(|c| &c == a),
        },
        (TcpOptionKind::Md5(e), TcpOption::Md5(a)) => e == a,
        (
            TcpOptionKind::Nop
            | TcpOptionKind::Eol
            | TcpOptionKind::Mss(_)
            | TcpOptionKind::WindowScale(_)
            | TcpOptionKind::SackPermitted
            | TcpOptionKind::Sack(_)
            | TcpOptionKind::Timestamp { .. }
            | TcpOptionKind::FastOpen(_)
            | TcpOptionKind::FastOpenExp(_)
            | TcpOptionKind::Md5(_),
            _,
        ) => false,
    }
}

fn options_inner(list: &[TcpOption]) -> String {
    list.iter().map(packet_text::option).collect::<Vec<_>>().join(",")
}

fn script_option(k: &TcpOptionKind) -> String {
    // The AST's printer writes options exactly as a script does.
    let opt = script::TcpOption { kind: k.clone(), span: script::Span::DUMMY };
    opt.to_string()
}

fn ecn_name(e: Ecn) -> &'static str {
    match e {
        Ecn::NoEcn => "noecn",
        Ecn::Ect0 => "ect0",
        Ecn::Ect1 => "ect1",
        Ecn::Ect01 => "ect01",
        Ecn::Ce => "ce",
    }
}

fn ecn_of_bits(bits: u8) -> &'static str {
    match bits & 0b11 {
        0b00 => "noecn",
        0b01 => "ect1",
        0b10 => "ect0",
        _ => "ce",
    }
}
