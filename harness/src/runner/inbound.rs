//! Building the packets a script injects: script numbers → live numbers, options, IP header.

use super::connections::ScriptConn;
use super::Stop;
use crate::backend::Setup;
use crate::script::{self, Ecn, FastOpenCookie, IpInfo, TcpOptionKind, TcpOptions};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use synack_stack::wire::{IpHeader, TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::SeqNum;

/// The wire flags of a script flag column.
pub fn wire_flags(f: &script::TcpFlags) -> TcpFlags {
    let mut bits = TcpFlags::EMPTY;
    for (on, flag) in [
        (f.fin, TcpFlags::FIN),
        (f.syn, TcpFlags::SYN),
        (f.rst, TcpFlags::RST),
        (f.psh, TcpFlags::PSH),
        (f.ack, TcpFlags::ACK),
        (f.urg, TcpFlags::URG),
        (f.ece, TcpFlags::ECE),
        (f.cwr, TcpFlags::CWR),
        (f.ae, TcpFlags::AE),
    ] {
        if on {
            bits = bits | flag;
        }
    }
    bits
}

/// The two ECN bits of the IP header for a codepoint (RFC 3168 §5); `None` for `ect01`,
/// which only makes sense as an expectation.
pub fn ecn_bits(e: Ecn) -> Option<u8> {
    match e {
        Ecn::NoEcn => Some(0b00),
        Ecn::Ect1 => Some(0b01),
        Ecn::Ect0 => Some(0b10),
        Ecn::Ce => Some(0b11),
        Ecn::Ect01 => None,
    }
}

/// The value of a fast open cookie, resolving defines such as `TFO_COOKIE`.
pub fn cookie(c: &FastOpenCookie, defines: &BTreeMap<String, String>) -> Result<Vec<u8>, String> {
    match c {
        FastOpenCookie::Bytes(b) => Ok(b.clone()),
        FastOpenCookie::Define(name) => {
            let hex = defines.get(name).ok_or_else(|| format!("'{name}' is not defined"))?;
            (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| format!("'{name}' is not a hex cookie: {hex}"))
        }
    }
}

/// The live bytes of an inbound TCP line.
pub fn build(
    tcp: &script::TcpPacket,
    ip: &IpInfo,
    conn: &mut ScriptConn,
    setup: &Setup,
    defines: &BTreeMap<String, String>,
) -> Result<Vec<u8>, Stop> {
    let flags = wire_flags(&tcp.flags);
    // A SYN carries the script's ISN as written; later segments are relative to it.
    let syn = flags.contains(TcpFlags::SYN);
    if syn {
        conn.remote_syn(tcp.seq.start);
    }
    let seq = conn.remote_seq_to_live(tcp.seq.start, syn);
    let ack = match &tcp.ack {
        Some(a) => conn.local_seq_to_live(a.value, syn),
        None => 0,
    };
    let mut options = Vec::new();
    match &tcp.options {
        None => {}
        Some(o) => match &o.value {
            TcpOptions::Any => {
                return Err(Stop::error(o.span, "'<...>' cannot be sent: inbound packets need explicit options"))
            }
            TcpOptions::List(list) => {
                for opt in list {
                    options.push(inbound_option(&opt.kind, conn, defines).map_err(|m| Stop::error(opt.span, m))?);
                }
            }
        },
    }
    let local_port = conn.local_port.unwrap_or(super::connections::DEFAULT_SERVER_PORT);
    let segment = TcpSegment {
        src_port: conn.remote_port,
        dst_port: local_port,
        seq: SeqNum::new(seq),
        ack: SeqNum::new(ack),
        flags,
        window: tcp.win.as_ref().map_or(0, |w| w.value),
        urgent: tcp.urg.as_ref().map_or(0, |u| u.value),
        options,
        payload: vec![0; usize::from(tcp.seq.len)],
    };
    let src = SocketAddr::new(setup.remote_ip, conn.remote_port);
    let dst = SocketAddr::new(setup.local_ip, local_port);
    let mut packet = TcpPacket::new(src, dst, segment)
        .map_err(|e| Stop::error(tcp.seq.span, format!("cannot build this packet: {e}")))?;
    if let Some(tos) = &ip.tos {
        match &mut packet.ip {
            IpHeader::V4(h) => h.tos = tos.value,
            IpHeader::V6(h) => h.traffic_class = tos.value,
        }
    }
    if let Some(ttl) = &ip.ttl {
        match &mut packet.ip {
            IpHeader::V4(h) => h.ttl = ttl.value,
            IpHeader::V6(h) => h.hop_limit = ttl.value,
        }
    }
    if let Some(label) = &ip.flowlabel {
        match &mut packet.ip {
            IpHeader::V4(_) => return Err(Stop::error(label.span, "[flowlabel] is for IPv6 packets")),
            IpHeader::V6(h) => h.flow_label = label.value,
        }
    }
    if let Some(ecn) = &ip.ecn {
        let bits = ecn_bits(ecn.value)
            .ok_or_else(|| Stop::error(ecn.span, "[ect01] is only meaningful on outbound packets"))?;
        match &mut packet.ip {
            IpHeader::V4(h) => h.tos = (h.tos & !0b11) | bits,
            IpHeader::V6(h) => h.traffic_class = (h.traffic_class & !0b11) | bits,
        }
    }
    packet
        .emit()
        .map_err(|e| Stop::error(tcp.seq.span, format!("cannot build this packet: {e}")))
}

fn inbound_option(
    kind: &TcpOptionKind,
    conn: &ScriptConn,
    defines: &BTreeMap<String, String>,
) -> Result<TcpOption, String> {
    Ok(match kind {
        TcpOptionKind::Nop => TcpOption::NoOp,
        TcpOptionKind::Eol => TcpOption::EndOfList,
        TcpOptionKind::Mss(m) => TcpOption::Mss(*m),
        TcpOptionKind::WindowScale(s) => TcpOption::WindowScale(*s),
        TcpOptionKind::SackPermitted => TcpOption::SackPermitted,
        // SACK blocks name the stack's sequence space.
        TcpOptionKind::Sack(blocks) => TcpOption::Sack(
            blocks
                .iter()
                .map(|b| (conn.local_seq_to_live(b.start, false), conn.local_seq_to_live(b.end, false)))
                .collect(),
        ),
        // TSecr echoes the stack's clock: shift it by what the stack's first TSval taught us.
        // A zero TSecr (nothing to echo yet, RFC 7323 §3.2) stays zero.
        TcpOptionKind::Timestamp { val, ecr } => TcpOption::Timestamps {
            tsval: *val,
            tsecr: if *ecr == 0 { 0 } else { ecr.wrapping_add(conn.ts_offset.unwrap_or(0)) },
        },
        TcpOptionKind::FastOpen(c) => TcpOption::FastOpen(match c {
            None => Vec::new(),
            Some(c) => cookie(c, defines)?,
        }),
        TcpOptionKind::FastOpenExp(c) => TcpOption::FastOpenExp(match c {
            None => Vec::new(),
            Some(c) => cookie(c, defines)?,
        }),
        TcpOptionKind::Md5(d) => TcpOption::Md5(*d),
    })
}
