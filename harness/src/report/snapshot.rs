//! The normalized text of a trace: what snapshot tests (insta) compare. Stable across IP
//! modes, initial sequence numbers and timestamp clock offsets, so a snapshot changes only
//! when behaviour does.
//!
//! One line per event: `SECONDS LINE EVENT`, where `SECONDS` is the time since the script's
//! start with six decimals (microseconds, truncated) and `LINE` is `L<n>` for script line n or
//! `L-` when no line caused the event. Then:
//!
//! | event | text |
//! |---|---|
//! | packet | `[#c ]< ` or `> `, ECN `[ect0]`/`[ect1]`/`[ce]` if set, then `FLAGS start:end(len) [ack A] win W [urg U] [<options>]` |
//! | unparsable packet | `< <unparsed N bytes: reason> HEX…` (at most 16 octets of hex) |
//! | syscall start / return | `call CALL` / `return CALL = VALUE [ERRNO]` |
//! | command | ``command `TEXT` -> OUTCOME`` |
//! | `%{ }%` block | `assert TEXT -> ok` or `assert TEXT -> failed: REASON` |
//! | state change | `state fd N STATE` (RFC 9293 names) |
//! | stack decision | `decision [#c ]DECISION` (the decision's `Display`) |
//! | note / failure | `note TEXT` / `FAILURE TEXT` |
//!
//! Packets, tcpdump/packetdrill style, with the IP addresses left out (they differ by mode):
//! - A connection is an unordered pair of (address, port) endpoints, IPv4-mapped IPv6
//!   addresses taken as IPv4. When a trace has more than one, each packet (and each decision
//!   naming a known connection) starts with its index `#1`, `#2`, … in order of first
//!   appearance.
//! - Flags in packetdrill's letters and order: `F S R P . U E W A` (`.` is ACK), `-` for none.
//! - Sequence numbers are relative, per connection and direction: the base is the sequence
//!   number of the first SYN sent in that direction; until such a SYN (or if there is none) it
//!   is the first sequence number seen in that direction. A later SYN does not move it.
//!   `ack` and SACK blocks are relative to the other direction's base, and absolute while that
//!   direction has none. `end` is `start` plus the payload length (SYN and FIN not counted).
//!   Values wrap modulo 2^32, as on the wire.
//! - Timestamps (RFC 7323) are relative too, signed: `TS val +V ecr +E`, where `V` is TSval
//!   minus the first TSval seen in that direction and `E` is TSecr minus the first TSval seen
//!   in the other direction. While the other direction has sent no TSval, TSecr is absolute and
//!   unsigned (`ecr 0` in a SYN).
//! - Other options by packetdrill's names (`mss 1460`, `sackOK`, `nop`, `wscale 7`, `eol` for a
//!   run of end-of-list octets, `sack L:R …`, `FO`/`FOEXP` cookie, `md5` digest), and
//!   `kind K HEX`, `badlen kind K HEX`, `malformed HEX` for the rest.
//! - A failed checksum is flagged at the end: `[bad ip checksum]`, `[bad tcp checksum]`.
//!
//! Free text (calls, messages) is kept on its line: control characters are written as
//! `\n`, `\t`, `\r` or `\u{XX}`.
//!
//! ```text
//! 0.000000 L1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val +0 ecr 0,nop,wscale 7>
//! 0.000000 L2 > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val +0 ecr +0,nop,wscale 7>
//! 0.100000 L3 < . 1:1(0) ack 1 win 502 <nop,nop,TS val +100 ecr +0>
//! ```

mod packet;

use crate::trace::{Trace, TraceEvent, TraceKind};
use core::fmt::Write as _;
use packet::{packet, Connections};
use std::time::Duration;
use synack_stack::wire::TcpPacket;

/// The normalized text of `trace` (format in the module documentation), one `\n`-terminated
/// line per event.
pub fn normalized(trace: &Trace) -> String {
    let mut conns = Connections::default();
    for (_, _, bytes) in trace.packets() {
        if let Ok(p) = TcpPacket::parse(bytes) {
            conns.index_of(&p.packet);
        }
    }
    let numbered = conns.keys.len() > 1;
    let mut out = String::new();
    for event in &trace.events {
        // A socket call's structured record repeats its call and return lines.
        if let TraceKind::Socket(_) = event.kind {
            continue;
        }
        event_line(&mut out, &mut conns, numbered, event);
        out.push('\n');
    }
    out
}

fn event_line(out: &mut String, conns: &mut Connections, numbered: bool, e: &TraceEvent) {
    time(out, e.at);
    match e.line {
        Some(n) => {
            let _ = write!(out, " L{n} ");
        }
        None => out.push_str(" L- "),
    }
    match &e.kind {
        TraceKind::Inbound(bytes) => packet(out, conns, numbered, '<', bytes),
        TraceKind::Outbound(bytes) => packet(out, conns, numbered, '>', bytes),
        TraceKind::SyscallStart { call } => {
            let _ = write!(out, "call {}", one_line(call));
        }
        TraceKind::SyscallReturn { call, value, errno } => {
            let _ = write!(out, "return {} = {value}", one_line(call));
            if let Some(errno) = errno {
                let _ = write!(out, " {}", one_line(errno));
            }
        }
        TraceKind::Command { text, outcome } => {
            let _ = write!(out, "command `{}` -> {}", one_line(text), one_line(outcome));
        }
        TraceKind::Assertion {
            text,
            failure: None,
        } => {
            let _ = write!(out, "assert {} -> ok", one_line(text));
        }
        TraceKind::Assertion {
            text,
            failure: Some(why),
        } => {
            let _ = write!(
                out,
                "assert {} -> failed: {}",
                one_line(text),
                one_line(why)
            );
        }
        TraceKind::State { fd, state } => {
            let _ = write!(out, "state fd {fd} {state}");
        }
        TraceKind::Decision(d) => {
            out.push_str("decision ");
            let known = d.local.zip(d.remote).and_then(|(l, r)| conns.find(l, r));
            if let (true, Some(i)) = (numbered, known) {
                let _ = write!(out, "#{} ", i + 1);
            }
            out.push_str(&one_line(&d.to_string()));
        }
        // Left out by `normalized` (its call and return lines say it all).
        TraceKind::Socket(_) => {}
        TraceKind::Note(text) => {
            let _ = write!(out, "note {}", one_line(text));
        }
        TraceKind::Failure(text) => {
            let _ = write!(out, "FAILURE {}", one_line(text));
        }
    }
}

/// Seconds with six decimals, microseconds truncated.
fn time(out: &mut String, at: Duration) {
    let _ = write!(out, "{}.{:06}", at.as_secs(), at.subsec_micros());
}

/// `s` with control characters escaped, so that it stays on one line.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}
