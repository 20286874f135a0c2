//! `state_machine` seeds from packetdrill scripts: each script becomes one input that starts
//! from the CLOSED fixture and replays the script's inbound packets, socket calls and time
//! steps as events. Outbound lines (expectations) are dropped: the stack answers as it
//! answers, and the fuzzer mutates from there.
//!
//! The mapping: `< FLAGS s:e(len) ack a win w <opts>` is a segment at `IRS + s` acknowledging
//! `ISS + a` (the script's relative numbers are exactly offsets from the two ISNs), with the
//! same flags, window, options (TSecr echoes the stack's clock) and length; `[port N]` picks a
//! 4-tuple; listen/connect/accept/write/read/shutdown/close/setsockopt become calls on the
//! application's descriptors in the order they were opened; a time step becomes a wait.
//! Other lines (socket, bind, fcntl, backtick commands, `%{ }%`) have no counterpart.

use crate::machine::input::*;
use synack::script::{self, EventKind, EventTime, Expr, ExprKind, PacketBody, Script, TcpOptionKind, TcpOptions};

/// The seed's file name in `corpus/state_machine/` for the script at `rel` under
/// `packetdrill-scripts/`: `script-<area>-<name>` (`ci/corpus-seeds` writes it,
/// `fuzz/tests/seeds.rs` checks it).
pub fn seed_name(rel: &std::path::Path) -> String {
    format!("script-{}", rel.display().to_string().replace('/', "-").trim_end_matches(".pkt"))
}

/// The input a script maps to.
pub fn from_script(s: &Script) -> Input {
    let mut m = Mapper { fds: Vec::new(), linger0: Vec::new(), ports: Vec::new(), connected: false, clock: 0, events: Vec::new() };
    for e in &s.events {
        m.time(e.time);
        match &e.kind {
            EventKind::Packet(p) => {
                if let (script::Direction::Inbound, PacketBody::Tcp(tcp)) = (p.direction.value, &p.body) {
                    let port = p.ip.port.map(|p| p.value);
                    m.segment(tcp, port);
                }
            }
            EventKind::Syscall(call) => m.syscall(&call.name.value, &call.args, &call.result.value),
            EventKind::Command(_) | EventKind::Code(_) => {}
        }
    }
    Input { fixture: Fixture::Closed, knobs: Knobs(Knobs::LINUX), events: m.events.into_iter().take(MAX_EVENTS).collect() }
}

struct Mapper {
    /// The script's descriptors in the order the application opened them (= `fd` indices).
    fds: Vec<i64>,
    /// Descriptors with SO_LINGER 0: their close() is an abort.
    linger0: Vec<i64>,
    /// Remote ports named with `[port N]`, in order of appearance.
    ports: Vec<Option<u16>>,
    /// connect() was called: the default 4-tuple is the connection's (slot 2, after the
    /// listening port's two).
    connected: bool,
    /// Script time so far, µs.
    clock: u64,
    events: Vec<Event>,
}

impl Mapper {
    fn time(&mut self, t: EventTime) {
        let at = match t {
            EventTime::Absolute(t) => t.micros,
            EventTime::Relative(t) => self.clock + t.micros,
            EventTime::AbsoluteRange { start, .. } => start.micros,
            EventTime::RelativeRange { start, .. } => self.clock + start.micros,
            EventTime::Any(_) => self.clock,
        };
        let delta = at.saturating_sub(self.clock);
        self.clock = self.clock.max(at);
        let wait = match delta {
            0 => return,
            d if d <= u64::from(u16::MAX) => Wait::Short(d as u16),
            d if d / 1000 <= u64::from(u16::MAX) => Wait::Millis((d / 1000) as u16),
            d => Wait::Seconds((d / 1_000_000).min(u64::from(u16::MAX)) as u16),
        };
        self.events.push(Event::Wait(wait));
    }

    fn slot(&mut self, port: Option<u16>) -> u8 {
        let index = match self.ports.iter().position(|p| *p == port) {
            Some(i) => i,
            None => {
                self.ports.push(port);
                self.ports.len() - 1
            }
        };
        let base = if self.connected { 2 } else { 0 };
        (base + index).min(usize::from(u8::MAX)) as u8
    }

    fn segment(&mut self, tcp: &script::TcpPacket, port: Option<u16>) {
        let f = &tcp.flags;
        let bits = [f.fin, f.syn, f.rst, f.psh, f.ack, f.urg, f.ece, f.cwr, f.ae];
        let flags = bits.iter().enumerate().fold(0u16, |acc, (i, set)| acc | (u16::from(*set) << i));
        let options = match tcp.options.as_ref().map(|o| &o.value) {
            Some(TcpOptions::List(list)) => list.iter().map(|o| option(&o.kind)).collect(),
            Some(TcpOptions::Any) | None => Vec::new(),
        };
        let len = tcp.seq.len;
        let slot = self.slot(port);
        self.events.push(Event::Segment(Segment {
            slot,
            flags,
            seq: SeqRef::Irs(offset(i64::from(tcp.seq.start))),
            ack: match &tcp.ack {
                Some(a) if f.ack => AckRef::Iss(offset(i64::from(a.value))),
                Some(_) | None => AckRef::Raw(0),
            },
            window: match tcp.win.as_ref().map(|w| w.value) {
                Some(u16::MAX) | None => Window::Full,
                Some(w) => Window::Raw(w),
            },
            urgent: tcp.urg.as_ref().map_or(0, |u| u.value),
            options: Options(options.into_iter().take(MAX_OPTIONS).collect()),
            payload: payload(usize::from(len)),
            delivery: Delivery::Normal,
        }));
    }

    fn fd(&self, args: &[Expr]) -> u8 {
        let fd = args.first().and_then(int).unwrap_or(-1);
        self.fds.iter().position(|f| *f == fd).unwrap_or(0).min(usize::from(u8::MAX)) as u8
    }

    fn syscall(&mut self, name: &str, args: &[Expr], result: &Expr) {
        let fd = self.fd(args);
        let arg = |i: usize| args.get(i);
        let call = match name {
            "listen" => {
                self.fds.extend(args.first().and_then(int));
                Call::Listen { backlog: arg(1).and_then(int).unwrap_or(1).clamp(0, 255) as u8 }
            }
            "connect" => {
                self.fds.extend(args.first().and_then(int));
                self.connected = true;
                Call::Connect { port: 0 }
            }
            "accept" => {
                self.fds.extend(int(result).filter(|fd| *fd >= 0));
                Call::Accept
            }
            "write" | "send" | "sendto" | "sendmsg" => {
                let n = arg(2).and_then(int).unwrap_or(0).clamp(0, i64::from(u16::MAX));
                Call::Send { fd, len: payload(n as usize) }
            }
            "read" | "recv" | "recvfrom" | "recvmsg" => {
                let max = arg(2).and_then(int).unwrap_or(1000).clamp(0, i64::from(u16::MAX)) as u16;
                Call::Recv { fd, max, peek: false }
            }
            "shutdown" => {
                let how = match arg(1).map(|e| &e.kind) {
                    Some(ExprKind::Ident(h)) if h == "SHUT_RD" => How::Read,
                    Some(ExprKind::Ident(h)) if h == "SHUT_RDWR" => How::Both,
                    Some(_) | None => How::Write,
                };
                Call::Shutdown { fd, how }
            }
            "close" => {
                let script_fd = args.first().and_then(int);
                self.fds.retain(|f| Some(*f) != script_fd);
                match script_fd.filter(|f| self.linger0.contains(f)) {
                    Some(_) => Call::Abort { fd },
                    None => Call::Close { fd },
                }
            }
            "setsockopt" => match sockopt(arg(2), arg(3)) {
                Some(Sock::Linger0) => {
                    // What SO_LINGER 0 changes is the close() that follows: an abort.
                    self.linger0.extend(args.first().and_then(int));
                    return;
                }
                Some(Sock::Opt(opt)) => Call::SetOpt { fd, opt },
                None => return,
            },
            "getsockopt" | "poll" => Call::Inspect { fd },
            _ => return,
        };
        self.events.push(Event::Call(call));
    }
}

enum Sock {
    Opt(SockOptSpec),
    Linger0,
}

fn sockopt(name: Option<&Expr>, value: Option<&Expr>) -> Option<Sock> {
    let Some(ExprKind::Ident(name)) = name.map(|e| &e.kind) else { return None };
    let v = match value.map(|e| &e.kind) {
        Some(ExprKind::Array(items)) => items.first().and_then(int).unwrap_or(0),
        Some(_) | None => 0,
    };
    let small = v.clamp(0, 255) as u8;
    let wide = v.clamp(0, i64::from(u16::MAX)) as u16;
    Some(Sock::Opt(match name.as_str() {
        "TCP_NODELAY" => SockOptSpec::NoDelay(v != 0),
        "SO_KEEPALIVE" => SockOptSpec::KeepAlive(v != 0),
        "TCP_KEEPIDLE" => SockOptSpec::KeepIdle(small),
        "TCP_KEEPINTVL" => SockOptSpec::KeepIntvl(small),
        "TCP_KEEPCNT" => SockOptSpec::KeepCnt(small),
        "TCP_USER_TIMEOUT" => SockOptSpec::UserTimeout(wide),
        "SO_RCVBUF" => SockOptSpec::RcvBuf(wide),
        "SO_SNDBUF" => SockOptSpec::SndBuf(wide),
        "TCP_MAXSEG" => SockOptSpec::MaxSeg(wide),
        "TCP_SYNCNT" => SockOptSpec::SynCount(small),
        "SO_LINGER" => return Some(Sock::Linger0),
        _ => return None,
    }))
}

fn int(e: &Expr) -> Option<i64> {
    match e.kind {
        ExprKind::Int(v) => Some(v),
        ExprKind::Hex(v) => i64::try_from(v).ok(),
        ExprKind::Ellipsis
        | ExprKind::Str(_)
        | ExprKind::Ident(_)
        | ExprKind::Binary { .. }
        | ExprKind::Array(_)
        | ExprKind::Struct(_)
        | ExprKind::Call { .. } => None,
    }
}

/// The smallest offset form that holds `v` (wrapping on the sequence circle).
fn offset(v: i64) -> Offset {
    match v {
        0 => Offset::Zero,
        v if i8::try_from(v).is_ok() => Offset::Small(v as i8),
        v => Offset::Wide(v as i32),
    }
}

fn payload(len: usize) -> Payload {
    match len {
        0 => Payload::Empty,
        n if n <= 255 => Payload::Small(n as u8),
        n => Payload::Large(n.min(usize::from(u16::MAX)) as u16),
    }
}

fn option(kind: &TcpOptionKind) -> Opt {
    match kind {
        TcpOptionKind::Nop => Opt::Nop,
        TcpOptionKind::Eol => Opt::Eol,
        TcpOptionKind::Mss(v) => Opt::Mss(*v),
        TcpOptionKind::WindowScale(v) => Opt::WindowScale(*v),
        TcpOptionKind::SackPermitted => Opt::SackPermitted,
        // SACK blocks name the stack's sequence space, relative to its ISS: from SND.UNA here.
        TcpOptionKind::Sack(blocks) => {
            let first = blocks.first().map_or((0, 0), |b| (b.start, b.end));
            let len = first.1.wrapping_sub(first.0).min(u32::from(u16::MAX)) as u16;
            Opt::Sack { blocks: blocks.len().saturating_sub(1).min(3) as u8, left: Offset::Zero, len }
        }
        TcpOptionKind::Timestamp { val, .. } => Opt::Timestamps { tsval: TsRef::Raw(*val), tsecr: TsRef::Clock(Offset::Zero) },
        TcpOptionKind::FastOpen(cookie) | TcpOptionKind::FastOpenExp(cookie) => {
            let len = match cookie {
                Some(script::FastOpenCookie::Bytes(b)) => b.len(),
                Some(script::FastOpenCookie::Define(_)) => 8,
                None => 0,
            };
            Opt::FastOpen(len.min(16) as u8)
        }
        TcpOptionKind::Md5(_) => Opt::Md5,
    }
}
