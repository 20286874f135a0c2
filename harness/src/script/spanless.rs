//! Comparing ASTs without their spans.
//!
//! Spans are part of the derived `PartialEq` (two parses of different text are different
//! nodes). To compare content only, every node can reset its spans to [`Span::DUMMY`]; the
//! impls destructure each struct exhaustively, so a field added later cannot be skipped
//! silently.

use super::ast::*;
use super::span::{Span, Spanned};

/// Resets every span inside a node to [`Span::DUMMY`].
pub trait ClearSpans {
    /// Resets every span in `self`.
    fn clear_spans(&mut self);
}

impl Script {
    /// A copy of the script with every span reset to [`Span::DUMMY`].
    pub fn without_spans(&self) -> Script {
        let mut copy = self.clone();
        copy.clear_spans();
        copy
    }

    /// Whether two scripts have the same content, wherever it was written.
    pub fn eq_ignoring_spans(&self, other: &Script) -> bool {
        self.without_spans() == other.without_spans()
    }
}

impl ClearSpans for Span {
    fn clear_spans(&mut self) {
        *self = Span::DUMMY;
    }
}

impl<T: ClearSpans> ClearSpans for Option<T> {
    fn clear_spans(&mut self) {
        if let Some(x) = self {
            x.clear_spans();
        }
    }
}

impl<T: ClearSpans> ClearSpans for Vec<T> {
    fn clear_spans(&mut self) {
        self.iter_mut().for_each(ClearSpans::clear_spans);
    }
}

impl<T: ClearSpans> ClearSpans for Box<T> {
    fn clear_spans(&mut self) {
        (**self).clear_spans();
    }
}

impl<T> ClearSpans for Spanned<T> {
    fn clear_spans(&mut self) {
        self.span = Span::DUMMY;
    }
}

impl ClearSpans for Script {
    fn clear_spans(&mut self) {
        let Script {
            options,
            init_command,
            events,
            cleanup_command,
        } = self;
        options.clear_spans();
        init_command.clear_spans();
        events.clear_spans();
        cleanup_command.clear_spans();
    }
}

impl ClearSpans for CliOption {
    fn clear_spans(&mut self) {
        let CliOption { name, value, span } = self;
        name.clear_spans();
        value.clear_spans();
        span.clear_spans();
    }
}

impl ClearSpans for RawText {
    fn clear_spans(&mut self) {
        let RawText { text: _, span } = self;
        span.clear_spans();
    }
}

impl ClearSpans for Event {
    fn clear_spans(&mut self) {
        let Event { time, kind, span } = self;
        time.clear_spans();
        kind.clear_spans();
        span.clear_spans();
    }
}

impl ClearSpans for Time {
    fn clear_spans(&mut self) {
        let Time { micros: _, span } = self;
        span.clear_spans();
    }
}

impl ClearSpans for EventTime {
    fn clear_spans(&mut self) {
        match self {
            EventTime::Absolute(t) | EventTime::Relative(t) => t.clear_spans(),
            EventTime::AbsoluteRange { start, end } | EventTime::RelativeRange { start, end } => {
                start.clear_spans();
                end.clear_spans();
            }
            EventTime::Any(span) => span.clear_spans(),
        }
    }
}

impl ClearSpans for EventKind {
    fn clear_spans(&mut self) {
        match self {
            EventKind::Packet(p) => p.clear_spans(),
            EventKind::Syscall(s) => s.clear_spans(),
            EventKind::Command(raw) | EventKind::Code(raw) => raw.clear_spans(),
        }
    }
}

impl ClearSpans for PacketEvent {
    fn clear_spans(&mut self) {
        let PacketEvent {
            direction,
            ip,
            body,
            span,
        } = self;
        direction.clear_spans();
        let IpInfo { ecn, port, tos, ttl, flowlabel } = ip;
        ecn.clear_spans();
        port.clear_spans();
        tos.clear_spans();
        ttl.clear_spans();
        flowlabel.clear_spans();
        body.clear_spans();
        span.clear_spans();
    }
}

impl ClearSpans for PacketBody {
    fn clear_spans(&mut self) {
        match self {
            PacketBody::Tcp(tcp) => {
                let TcpPacket {
                    flags,
                    seq,
                    ack,
                    win,
                    urg,
                    options,
                } = tcp;
                flags.span.clear_spans();
                seq.clear_spans();
                ack.clear_spans();
                win.clear_spans();
                urg.clear_spans();
                if let Some(options) = options {
                    options.span.clear_spans();
                    match &mut options.value {
                        TcpOptions::List(list) => list.clear_spans(),
                        TcpOptions::Any => {}
                    }
                }
            }
            PacketBody::Icmp(icmp) => {
                let IcmpPacket {
                    icmp_type,
                    code,
                    mtu,
                    echoed,
                } = icmp;
                icmp_type.clear_spans();
                code.clear_spans();
                mtu.clear_spans();
                echoed.clear_spans();
            }
            PacketBody::Udp(udp) => {
                let UdpPacket { len } = udp;
                len.clear_spans();
            }
        }
    }
}

impl ClearSpans for SeqRange {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
    }
}

impl ClearSpans for TcpOption {
    fn clear_spans(&mut self) {
        let TcpOption { kind, span } = self;
        span.clear_spans();
        match kind {
            TcpOptionKind::Sack(blocks) => blocks.iter_mut().for_each(|b| b.span.clear_spans()),
            TcpOptionKind::Nop
            | TcpOptionKind::Eol
            | TcpOptionKind::Mss(_)
            | TcpOptionKind::WindowScale(_)
            | TcpOptionKind::SackPermitted
            | TcpOptionKind::Timestamp { .. }
            | TcpOptionKind::FastOpen(_)
            | TcpOptionKind::FastOpenExp(_)
            | TcpOptionKind::Md5(_) => {}
        }
    }
}

impl ClearSpans for SyscallEvent {
    fn clear_spans(&mut self) {
        let SyscallEvent {
            end_time,
            name,
            args,
            result,
        } = self;
        end_time.clear_spans();
        name.clear_spans();
        args.clear_spans();
        let SyscallResult {
            value,
            errno,
            note,
            span,
        } = result;
        value.clear_spans();
        errno.clear_spans();
        note.clear_spans();
        span.clear_spans();
    }
}

impl ClearSpans for Expr {
    fn clear_spans(&mut self) {
        let Expr { kind, span } = self;
        span.clear_spans();
        match kind {
            ExprKind::Ellipsis
            | ExprKind::Int(_)
            | ExprKind::Hex(_)
            | ExprKind::Str(_)
            | ExprKind::Ident(_) => {}
            ExprKind::Binary { op: _, lhs, rhs } => {
                lhs.clear_spans();
                rhs.clear_spans();
            }
            ExprKind::Array(items) => items.clear_spans(),
            ExprKind::Struct(fields) => fields.clear_spans(),
            ExprKind::Call { name, args } => {
                name.clear_spans();
                args.clear_spans();
            }
        }
    }
}

impl ClearSpans for Field {
    fn clear_spans(&mut self) {
        let Field { key, value, span } = self;
        if let Some(FieldKey { name, index }) = key {
            name.clear_spans();
            index.clear_spans();
        }
        value.clear_spans();
        span.clear_spans();
    }
}
