//! Printing an AST back as packetdrill text.
//!
//! The output is canonical rather than a copy of the input: comments and spacing are gone,
//! times are written in seconds (`+.1` becomes `+0.1`), cookies in lower-case hex. Parsing the
//! output gives the same AST up to spans, which the upstream round-trip test checks.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Script {
            options,
            init_command,
            events,
            cleanup_command,
        } = self;
        for option in options {
            writeln!(f, "{option}")?;
        }
        if let Some(command) = init_command {
            writeln!(f, "`{}`", command.text)?;
        }
        for event in events {
            writeln!(f, "{event}")?;
        }
        if let Some(command) = cleanup_command {
            writeln!(f, "`{}`", command.text)?;
        }
        Ok(())
    }
}

impl Display for CliOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "--{}={}", self.name.value, value.value),
            None => write!(f, "--{}", self.name.value),
        }
    }
}

impl Display for Event {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.time)?;
        match &self.kind {
            EventKind::Packet(packet) => write!(f, " {packet}"),
            EventKind::Syscall(syscall) => match &syscall.end_time {
                Some(end) => write!(f, "...{end} {syscall}"),
                None => write!(f, " {syscall}"),
            },
            EventKind::Command(command) => write!(f, " `{}`", command.text),
            EventKind::Code(code) => write!(f, " %{{{}}}%", code.text),
        }
    }
}

/// Seconds with up to six decimals and no trailing zeros: `0`, `0.1`, `1.000001`.
impl Display for Time {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (secs, micros) = (self.micros / 1_000_000, self.micros % 1_000_000);
        if micros == 0 {
            return write!(f, "{secs}");
        }
        let frac = format!("{micros:06}");
        write!(f, "{secs}.{}", frac.trim_end_matches('0'))
    }
}

impl Display for EventTime {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            EventTime::Absolute(t) => write!(f, "{t}"),
            EventTime::Relative(t) => write!(f, "+{t}"),
            EventTime::AbsoluteRange { start, end } => write!(f, "{start}~{end}"),
            EventTime::RelativeRange { start, end } => write!(f, "+{start}~+{end}"),
            EventTime::Any(_) => f.write_str("*"),
        }
    }
}

impl Display for PacketEvent {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let PacketEvent {
            direction,
            ip,
            body,
            span: _,
        } = self;
        f.write_str(match direction.value {
            Direction::Inbound => "<",
            Direction::Outbound => ">",
        })?;
        if let Some(ecn) = &ip.ecn {
            let name = match ecn.value {
                Ecn::NoEcn => "noecn",
                Ecn::Ect0 => "ect0",
                Ecn::Ect1 => "ect1",
                Ecn::Ect01 => "ect01",
                Ecn::Ce => "ce",
            };
            write!(f, " [{name}]")?;
        }
        if let Some(port) = &ip.port {
            write!(f, " [port {}]", port.value)?;
        }
        if let Some(tos) = &ip.tos {
            write!(f, " [tos {:#x}]", tos.value)?;
        }
        if let Some(ttl) = &ip.ttl {
            write!(f, " [ttl {}]", ttl.value)?;
        }
        if let Some(label) = &ip.flowlabel {
            write!(f, " [flowlabel {:#x}]", label.value)?;
        }
        match body {
            PacketBody::Tcp(tcp) => write!(f, " {tcp}"),
            PacketBody::Icmp(icmp) => write!(f, " {icmp}"),
            PacketBody::Udp(udp) => write!(f, " udp ({})", udp.len.value),
        }
    }
}

impl Display for TcpPacket {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let TcpPacket {
            flags,
            seq,
            ack,
            win,
            urg,
            options,
        } = self;
        let raw = if flags.raw.is_empty() {
            "-"
        } else {
            flags.raw.as_str()
        };
        write!(f, "{raw} {seq}")?;
        if let Some(ack) = ack {
            write!(f, " ack {}", ack.value)?;
        }
        if let Some(win) = win {
            write!(f, " win {}", win.value)?;
        }
        if let Some(urg) = urg {
            write!(f, " urg {}", urg.value)?;
        }
        match options.as_ref().map(|o| &o.value) {
            None => Ok(()),
            Some(TcpOptions::Any) => f.write_str(" <...>"),
            Some(TcpOptions::List(list)) => {
                f.write_str(" <")?;
                for (i, option) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{option}")?;
                }
                f.write_char('>')
            }
        }
    }
}

impl Display for SeqRange {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}({})", self.start, self.end, self.len)
    }
}

impl Display for TcpOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TcpOptionKind::Nop => f.write_str("nop"),
            TcpOptionKind::Eol => f.write_str("eol"),
            TcpOptionKind::Mss(v) => write!(f, "mss {v}"),
            TcpOptionKind::WindowScale(v) => write!(f, "wscale {v}"),
            TcpOptionKind::SackPermitted => f.write_str("sackOK"),
            TcpOptionKind::Sack(blocks) => {
                f.write_str("sack")?;
                for block in blocks {
                    write!(f, " {}:{}", block.start, block.end)?;
                }
                Ok(())
            }
            TcpOptionKind::Timestamp { val, ecr } => write!(f, "TS val {val} ecr {ecr}"),
            TcpOptionKind::FastOpen(cookie) => write_cookie(f, "FO", cookie.as_ref()),
            TcpOptionKind::FastOpenExp(cookie) => write_cookie(f, "FOEXP", cookie.as_ref()),
            TcpOptionKind::Md5(digest) => {
                f.write_str("md5 ")?;
                digest.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

fn write_cookie(f: &mut Formatter<'_>, name: &str, cookie: Option<&FastOpenCookie>) -> fmt::Result {
    f.write_str(name)?;
    match cookie {
        None => Ok(()),
        Some(FastOpenCookie::Define(define)) => write!(f, " {define}"),
        Some(FastOpenCookie::Bytes(bytes)) => {
            f.write_char(' ')?;
            bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
        }
    }
}

impl Display for IcmpPacket {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let IcmpPacket {
            icmp_type,
            code,
            mtu,
            echoed,
        } = self;
        write!(f, "icmp {}", icmp_type.value)?;
        if let Some(code) = code {
            write!(f, " {}", code.value)?;
        }
        if let Some(mtu) = mtu {
            write!(f, " mtu {}", mtu.value)?;
        }
        if let Some(seq) = echoed {
            write!(f, " [{seq}]")?;
        }
        Ok(())
    }
}

impl Display for SyscallEvent {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let SyscallEvent {
            end_time: _,
            name,
            args,
            result,
        } = self;
        write!(f, "{}(", name.value)?;
        write_list(f, args)?;
        write!(f, ") = {}", result.value)?;
        if let Some(errno) = &result.errno {
            write!(f, " {}", errno.value)?;
        }
        if let Some(note) = &result.note {
            write!(f, " ({})", note.value)?;
        }
        Ok(())
    }
}

fn write_list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Ellipsis => f.write_str("..."),
            ExprKind::Int(v) => write!(f, "{v}"),
            ExprKind::Hex(v) => write!(f, "{v:#x}"),
            ExprKind::Str(bytes) => write_c_string(f, bytes),
            ExprKind::Ident(name) => f.write_str(name),
            ExprKind::Binary {
                op: BinaryOp::BitOr,
                lhs,
                rhs,
            } => write!(f, "{lhs}|{rhs}"),
            ExprKind::Array(items) => {
                f.write_char('[')?;
                write_list(f, items)?;
                f.write_char(']')
            }
            ExprKind::Struct(fields) => {
                f.write_char('{')?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{field}")?;
                }
                f.write_char('}')
            }
            ExprKind::Call { name, args } => {
                write!(f, "{}(", name.value)?;
                write_list(f, args)?;
                f.write_char(')')
            }
        }
    }
}

impl Display for Field {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.key {
            None => {}
            Some(FieldKey { name, index: None }) => write!(f, "{}=", name.value)?,
            Some(FieldKey {
                name,
                index: Some(index),
            }) => write!(f, "{}({index})=", name.value)?,
        }
        write!(f, "{}", self.value)
    }
}

/// A C string literal that the lexer reads back to the same bytes. A byte after a `\x` escape
/// that is itself a hex digit is escaped too, so no C reader could merge the two.
fn write_c_string(f: &mut Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    let mut after_hex_escape = false;
    for &b in bytes {
        let hex_follow = after_hex_escape && b.is_ascii_hexdigit();
        after_hex_escape = false;
        match b {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            b'\n' => f.write_str("\\n")?,
            b'\t' => f.write_str("\\t")?,
            b'\r' => f.write_str("\\r")?,
            0x20..=0x7e if !hex_follow => f.write_char(b as char)?,
            _ => {
                write!(f, "\\x{b:02x}")?;
                after_hex_escape = true;
            }
        }
    }
    f.write_char('"')
}
