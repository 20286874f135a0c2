//! Packet lines of the normalized text: TCP in packetdrill's notation with sequence numbers
//! and timestamps relative to per-connection, per-direction bases (rules in the parent
//! module's documentation).

use core::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use crate::packet_text::flags;
use synack_stack::wire::{IpHeader, ParsedPacket, TcpOption, TcpPacket, TcpSegment};

/// A packet line (after the time and script line).
pub(super) fn packet(
    out: &mut String,
    conns: &mut Connections,
    numbered: bool,
    dir: char,
    bytes: &[u8],
) {
    let parsed = match TcpPacket::parse(bytes) {
        Ok(p) => p,
        Err(why) => {
            let _ = write!(out, "{dir} <unparsed {} bytes: {why}>", bytes.len());
            if !bytes.is_empty() {
                out.push(' ');
            }
            hex(out, bytes.get(..16).unwrap_or(bytes));
            if bytes.len() > 16 {
                out.push_str("...");
            }
            return;
        }
    };
    let ParsedPacket {
        packet,
        ip_checksum_ok,
        tcp_checksum_ok,
    } = parsed;
    let (index, forward) = conns.index_of(&packet);
    if numbered {
        let _ = write!(out, "#{} ", index + 1);
    }
    out.push(dir);
    let ecn = match &packet.ip {
        IpHeader::V4(h) => h.tos & 0b11,
        IpHeader::V6(h) => h.traffic_class & 0b11,
    };
    // RFC 3168 §5: 01 ECT(1), 10 ECT(0), 11 CE.
    match ecn {
        0b01 => out.push_str(" [ect1]"),
        0b10 => out.push_str(" [ect0]"),
        0b11 => out.push_str(" [ce]"),
        _ => {} // Not-ECT (00), or not a 2-bit value.
    }
    let sides = &mut conns.sides[index];
    let (own, other) = if forward { (0, 1) } else { (1, 0) };
    sides[own].see(&packet.tcp);
    segment(out, &packet.tcp, sides[own], sides[other]);
    if !ip_checksum_ok {
        out.push_str(" [bad ip checksum]");
    }
    if !tcp_checksum_ok {
        out.push_str(" [bad tcp checksum]");
    }
}

/// `FLAGS start:end(len) [ack A] win W [urg U] [<options>]`, numbers relative to the bases.
fn segment(out: &mut String, tcp: &TcpSegment, own: Side, other: Side) {
    let _ = write!(out, " {}", flags(tcp.flags));
    let start = own.rel_seq(tcp.seq.get());
    let len = u32::try_from(tcp.payload.len()).unwrap_or(u32::MAX);
    let _ = write!(out, " {start}:{}({len})", start.wrapping_add(len));
    if tcp.flags.ack() {
        let _ = write!(out, " ack {}", other.rel_seq(tcp.ack.get()));
    }
    let _ = write!(out, " win {}", tcp.window);
    if tcp.flags.urg() {
        let _ = write!(out, " urg {}", tcp.urgent);
    }
    if tcp.options.is_empty() {
        return;
    }
    out.push_str(" <");
    let mut first = true;
    let mut previous_eol = false;
    for option in &tcp.options {
        let eol = *option == TcpOption::EndOfList;
        if eol && previous_eol {
            continue;
        }
        previous_eol = eol;
        if !first {
            out.push(',');
        }
        first = false;
        tcp_option(out, option, own, other);
    }
    out.push('>');
}

fn tcp_option(out: &mut String, option: &TcpOption, own: Side, other: Side) {
    match option {
        TcpOption::EndOfList => out.push_str("eol"),
        TcpOption::NoOp => out.push_str("nop"),
        TcpOption::Mss(v) => {
            let _ = write!(out, "mss {v}");
        }
        TcpOption::WindowScale(v) => {
            let _ = write!(out, "wscale {v}");
        }
        TcpOption::SackPermitted => out.push_str("sackOK"),
        TcpOption::Sack(blocks) => {
            out.push_str("sack");
            for (l, r) in blocks {
                let _ = write!(out, " {}:{}", other.rel_seq(*l), other.rel_seq(*r));
            }
        }
        TcpOption::Timestamps { tsval, tsecr } => {
            out.push_str("TS val ");
            relative_ts(out, *tsval, own.ts_base);
            out.push_str(" ecr ");
            relative_ts(out, *tsecr, other.ts_base);
        }
        TcpOption::Md5(digest) => {
            out.push_str("md5 ");
            hex(out, digest);
        }
        TcpOption::FastOpen(cookie) => cookie_option(out, "FO", cookie),
        TcpOption::FastOpenExp(cookie) => cookie_option(out, "FOEXP", cookie),
        TcpOption::Unknown { kind, data } => {
            let _ = write!(out, "kind {kind} ");
            hex(out, data);
        }
        TcpOption::WrongLength { kind, data } => {
            let _ = write!(out, "badlen kind {kind} ");
            hex(out, data);
        }
        TcpOption::Malformed(data) => {
            out.push_str("malformed ");
            hex(out, data);
        }
    }
}

/// A timestamp as a signed distance from `base` (RFC 7323 §5.2 compares them modulo 2^32), or
/// absolute without a base.
fn relative_ts(out: &mut String, ts: u32, base: Option<u32>) {
    let _ = match base {
        Some(base) => write!(out, "{:+}", ts.wrapping_sub(base) as i32),
        None => write!(out, "{ts}"),
    };
}

fn cookie_option(out: &mut String, name: &str, cookie: &[u8]) {
    out.push_str(name);
    if !cookie.is_empty() {
        out.push(' ');
        hex(out, cookie);
    }
}

fn hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// One direction of a connection: its bases.
#[derive(Clone, Copy, Debug, Default)]
struct Side {
    /// The sequence base, and whether it came from a SYN (then it is final).
    seq_base: Option<(u32, bool)>,
    /// The first TSval seen.
    ts_base: Option<u32>,
}

impl Side {
    /// Takes the bases from a segment sent in this direction (see the module documentation).
    fn see(&mut self, tcp: &TcpSegment) {
        let syn = tcp.flags.syn();
        match self.seq_base {
            Some((_, true)) => {}
            Some((_, false)) if !syn => {}
            Some((_, false)) | None => self.seq_base = Some((tcp.seq.get(), syn)),
        }
        if self.ts_base.is_none() {
            self.ts_base = tcp.timestamps().map(|(val, _)| val);
        }
    }

    /// `raw` relative to the sequence base (unchanged without one).
    fn rel_seq(self, raw: u32) -> u32 {
        self.seq_base
            .map_or(raw, |(base, _)| raw.wrapping_sub(base))
    }
}

/// An endpoint with IPv4-mapped IPv6 addresses taken as IPv4.
type Endpoint = (IpAddr, u16);

/// The connections of a trace, in order of first appearance, with each one's two sides.
#[derive(Default)]
pub(super) struct Connections {
    /// (lower, higher) endpoint of each connection.
    pub(super) keys: Vec<(Endpoint, Endpoint)>,
    /// Side 0 sends from the lower endpoint, side 1 from the higher.
    sides: Vec<[Side; 2]>,
}

impl Connections {
    /// The connection of `packet` (added if new) and whether it goes lower → higher.
    pub(super) fn index_of(&mut self, packet: &TcpPacket) -> (usize, bool) {
        let (src, dst) = (endpoint(packet.src()), endpoint(packet.dst()));
        let key = if src <= dst { (src, dst) } else { (dst, src) };
        let index = match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.keys.push(key);
                self.sides.push([Side::default(); 2]);
                self.keys.len() - 1
            }
        };
        (index, src <= dst)
    }

    /// The index of the connection between `a` and `b`, if packets of it were seen.
    pub(super) fn find(&self, a: SocketAddr, b: SocketAddr) -> Option<usize> {
        let (a, b) = (endpoint(a), endpoint(b));
        let key = if a <= b { (a, b) } else { (b, a) };
        self.keys.iter().position(|k| *k == key)
    }
}

fn endpoint(a: SocketAddr) -> Endpoint {
    (a.ip().to_canonical(), a.port())
}
