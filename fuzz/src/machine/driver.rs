//! Runs events against one `Stack`: the peer's segments, the application's socket calls and
//! the clock, collecting after each event what the stack sent and decided.

use super::check::{Monitor, Violation};
use super::oracle::{self, Feed};
use super::input::{Call, Delivery, Event, How, Knobs, Payload, Segment, SockOptSpec, Wait};
use super::peer::{first_wrong_octet, payload, payload_byte, View};
use super::trace;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;
use synack_stack::config::ProbeStyle;
use synack_stack::mutations::Mutations;
use synack_stack::wire::{ChecksumOverride, TcpPacket};
use synack_stack::{Config, Decision, Domain, Errno, Fd, Instant, SeqNum, Shutdown, SockOpt, SockOptName, Stack, State};

pub const LISTEN_PORT: u16 = 8080;
pub const PEER_PORTS: [u16; 2] = [40000, 40001];
/// Timer deadlines one `Wait` fires, each at its deadline; a wait that would fire more ends
/// at the last one fired (timers stay punctual: the oracle reads retransmission backoff from
/// the intervals between retransmissions).
const MAX_TIMER_STEPS: usize = 64;

/// A descriptor the application holds.
#[derive(Clone, Copy, Debug)]
pub struct AppSocket {
    pub fd: Fd,
    /// Octets recv() has returned (not peeked): the next one is IRS + 1 + `received`.
    pub received: u32,
    /// Octets send() has taken: the next one is ISS + 1 + `sent`.
    pub sent: u32,
}

/// `Clone` gives an independent copy — the stack, the application's sockets, the monitor's
/// memory, the oracle's checker (a prepared fixture is cloned per input, see `prepared`).
#[derive(Clone)]
pub struct Driver {
    pub stack: Stack,
    pub now: Instant,
    pub local_ip: IpAddr,
    pub peer_ip: IpAddr,
    /// The 4-tuples the peer talks on, as (local port, peer port); a segment's `slot` picks one.
    pub slots: Vec<(u16, u16)>,
    pub apps: Vec<AppSocket>,
    pub monitor: Monitor,
    /// The RFC 9293 oracle, fed every segment in and out and the socket calls (when
    /// [`oracle::enabled`]).
    pub oracle: Option<Feed>,
    /// What the last event sent and decided.
    pub sent: Vec<TcpPacket>,
    pub decisions: Vec<Decision>,
    /// The trace check's buffers, and the inbound packet's bytes: reused from event to event.
    trace: trace::Scratch,
    wire: Vec<u8>,
}

/// The planted bug `SYNACK_FUZZ_MUTATION=NAME` names (read once): one of the stack's
/// test-only mutants (`synack_stack::mutations`, e.g. `rst_anywhere_in_window`), switched on
/// in every run, to show that the target finds a bug it is not told about. `Err` for a name
/// that is not a mutant.
pub fn planted_mutation() -> Result<Option<&'static str>, String> {
    static NAME: OnceLock<Result<Option<String>, String>> = OnceLock::new();
    let name = NAME.get_or_init(|| match std::env::var("SYNACK_FUZZ_MUTATION") {
        Ok(n) if n.is_empty() => Ok(None),
        Ok(n) if Mutations::NAMES.contains(&n.as_str()) => Ok(Some(n)),
        Ok(n) => Err(format!("SYNACK_FUZZ_MUTATION={n}: no such mutant (one of {})", Mutations::NAMES.join(", "))),
        Err(_) => Ok(None),
    });
    name.as_ref().map(|n| n.as_deref()).map_err(Clone::clone)
}

thread_local! {
    static WITHOUT_MUTATION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether runs now have the planted bug switched on (one named, not [`without_mutation`]).
pub fn mutation_active() -> bool {
    matches!(planted_mutation(), Ok(Some(_))) && !WITHOUT_MUTATION.with(|w| w.get())
}

/// Runs `f` with the planted bug switched off: the control run that tells a finding of the
/// mutant from one the input draws anyway (an oracle false alarm, say).
pub fn without_mutation<T>(f: impl FnOnce() -> T) -> T {
    WITHOUT_MUTATION.with(|w| w.set(true));
    let out = f();
    WITHOUT_MUTATION.with(|w| w.set(false));
    out
}

/// The stack's configuration for `knobs` (see [`Knobs`]), with the planted bug if any.
pub fn config(knobs: Knobs) -> Config {
    let mut c = if knobs.has(Knobs::LINUX) { Config::linux() } else { Config::rfc9293() };
    if knobs.has(Knobs::STACK_PLAIN) {
        (c.timestamps, c.sack, c.window_scaling) = (false, false, false);
    }
    c.rfc5961 = !knobs.has(Knobs::NO_RFC5961);
    c.rfc1337 = knobs.has(Knobs::RFC1337);
    c.delayed_ack_enabled &= !knobs.has(Knobs::NO_DELAYED_ACK);
    if knobs.has(Knobs::SMALL_BUFFERS) {
        (c.rmem_default, c.rmem_max, c.wmem_default) = (4096, 4096, 4096);
    }
    if knobs.has(Knobs::OTHER_PROBES) {
        c.probe_style = match c.probe_style {
            ProbeStyle::OneOctet => ProbeStyle::StaleSequence,
            ProbeStyle::StaleSequence => ProbeStyle::OneOctet,
        };
    }
    c.abort_on_overflow = knobs.has(Knobs::ABORT_ON_OVERFLOW);
    if let (Ok(Some(name)), false) = (planted_mutation(), WITHOUT_MUTATION.with(|w| w.get())) {
        c.mutations.set(name);
    }
    if knobs.has(Knobs::OTHER_FIN_TIMEOUT) {
        c.fin_wait_2_timeout = match c.fin_wait_2_timeout {
            Some(_) => None,
            None => Some(Duration::from_secs(60)),
        };
    }
    c
}

impl Driver {
    pub fn new(knobs: Knobs) -> Driver {
        let (local_ip, peer_ip) = if knobs.has(Knobs::IPV6) {
            (IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)), IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)))
        } else {
            (IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2)))
        };
        let config = config(knobs);
        let oracle = oracle::enabled().then(|| Feed::new(&config));
        let mut stack = Stack::new(config, 0x5eed);
        stack.add_local_addr(local_ip);
        let now = Instant::from_millis(1_000);
        stack.advance(now);
        Driver {
            stack,
            now,
            local_ip,
            peer_ip,
            slots: Vec::new(),
            apps: Vec::new(),
            monitor: Monitor::default(),
            oracle,
            sent: Vec::new(),
            decisions: Vec::new(),
            trace: trace::Scratch::default(),
            wire: Vec::new(),
        }
    }

    /// Adds the listening port's two 4-tuples to the slots (if not there yet).
    pub fn add_listener_slots(&mut self) {
        for peer in PEER_PORTS {
            if !self.slots.contains(&(LISTEN_PORT, peer)) {
                self.slots.push((LISTEN_PORT, peer));
            }
        }
    }

    fn domain(&self) -> Domain {
        match self.local_ip {
            IpAddr::V4(_) => Domain::Inet,
            IpAddr::V6(_) => Domain::Inet6,
        }
    }

    /// Runs one event, then checks what it did.
    pub fn step(&mut self, event: &Event) -> Result<(), Violation> {
        self.trace.before(&self.stack);
        self.sent.clear();
        match event {
            Event::Segment(s) => self.segment(s)?,
            Event::Call(c) => {
                self.call(*c)?;
                self.drain(self.now)?;
            }
            Event::Wait(w) => self.wait(*w)?,
        }
        self.stack.take_decisions_into(&mut self.decisions);
        trace::check(&mut self.trace, &self.decisions, &self.stack)?;
        self.monitor.after_event(&self.stack, &self.sent, &self.decisions, self.trace.closed(), self.now)
    }

    /// The connection the stack has for a slot: the live one if any, else a CLOSED one.
    pub fn slot_conn(&self, slot: (u16, u16)) -> Option<&synack_stack::connection::Connection> {
        let on_slot = |c: &&synack_stack::connection::Connection| {
            c.local.port() == slot.0 && c.remote.port() == slot.1 && c.remote.ip() == self.peer_ip
        };
        let mut found: Option<&synack_stack::connection::Connection> = None;
        for c in self.stack.connections().filter(on_slot) {
            let better = match found {
                None => true,
                // Deterministic whatever the hash map's order: live first, then by ISS.
                Some(f) => (f.state == State::Closed && c.state != State::Closed)
                    || ((f.state == State::Closed) == (c.state == State::Closed) && c.tcb.iss.get() < f.tcb.iss.get()),
            };
            if better {
                found = Some(c);
            }
        }
        found
    }

    fn segment(&mut self, spec: &Segment) -> Result<(), Violation> {
        let Some(&(local_port, peer_port)) = self.slots.get(usize::from(spec.slot) % self.slots.len().max(1)) else {
            return Ok(());
        };
        let peer_iss = SeqNum::new(0x1000_0000 ^ (u32::from(peer_port) << 12) ^ u32::from(local_port));
        let seg = View { conn: self.slot_conn((local_port, peer_port)), peer_iss, now: self.now }.build(spec, local_port, peer_port);
        let mut src = SocketAddr::new(self.peer_ip, peer_port);
        let mut dst = SocketAddr::new(self.local_ip, local_port);
        match spec.delivery {
            Delivery::Normal | Delivery::BadChecksum => {}
            Delivery::OtherHost => dst.set_ip(match self.local_ip {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99)),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x99)),
            }),
            Delivery::MulticastSource => src.set_ip(match self.local_ip {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(224, 0, 0, 1)),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)),
            }),
        }
        let Ok(packet) = TcpPacket::new(src, dst, seg) else { return Ok(()) };
        let mut bytes = std::mem::take(&mut self.wire);
        bytes.resize(packet.buffer_len(), 0);
        let Ok(len) = packet.emit_into(&mut bytes, ChecksumOverride::default()) else { return Ok(()) };
        bytes.truncate(len);
        if spec.delivery == Delivery::BadChecksum {
            let at = packet.ip.buffer_len() + 16;
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 0xff;
            }
        }
        // A segment for another host is not in the stack's trace.
        if spec.delivery != Delivery::OtherHost {
            if let Some(o) = &mut self.oracle {
                o.inbound(self.now, &bytes);
            }
        }
        self.stack.handle_packet(self.now, &bytes);
        self.wire = bytes;
        self.drain(self.now)
    }

    /// Tells the oracle of a socket call (`"close"`, …) made now.
    fn user_call(&mut self, name: &str) {
        if let Some(o) = &mut self.oracle {
            o.user_call(self.now, name);
        }
    }

    /// The application socket `index` picks (modulo how many there are).
    fn app(&self, index: u8) -> Option<usize> {
        (!self.apps.is_empty()).then(|| usize::from(index) % self.apps.len())
    }

    fn call(&mut self, call: Call) -> Result<(), Violation> {
        match call {
            Call::Accept => {
                self.user_call("accept");
                let listeners: Vec<Fd> = self.apps.iter().map(|a| a.fd).filter(|fd| self.stack.state(*fd) == Ok(State::Listen)).collect();
                for l in listeners {
                    if let Ok((fd, _)) = self.stack.accept(l) {
                        self.apps.push(AppSocket { fd, received: 0, sent: 0 });
                    }
                }
            }
            Call::Connect { port } => {
                let Ok(fd) = self.stack.socket(self.domain()) else { return Ok(()) };
                let peer = SocketAddr::new(self.peer_ip, PEER_PORTS[usize::from(port % 2)]);
                self.user_call("connect");
                match self.stack.connect(fd, peer) {
                    Err(Errno::EINPROGRESS) => {
                        if let Ok(local) = self.stack.local_addr(fd) {
                            self.slots.push((local.port(), peer.port()));
                        }
                        self.apps.push(AppSocket { fd, received: 0, sent: 0 });
                    }
                    Ok(()) | Err(_) => {
                        let _ = self.stack.close(fd);
                    }
                }
            }
            Call::Send { fd, len } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                let app = self.apps[i];
                let n = match len {
                    Payload::Empty => 0,
                    Payload::Small(n) => usize::from(n),
                    Payload::Mss => 1460,
                    Payload::Large(n) => usize::from(n),
                };
                let iss = self.stack.connection(app.fd).map_or(SeqNum::new(0), |c| c.tcb.iss);
                let data = payload(iss + 1 + app.sent, n);
                self.user_call("send");
                if let Ok(taken) = self.stack.send(app.fd, &data) {
                    self.apps[i].sent = app.sent.wrapping_add(taken as u32);
                }
            }
            Call::Recv { fd, max, peek } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                let app = self.apps[i];
                let irs = self.stack.connection(app.fd).map(|c| c.tcb.irs);
                self.user_call("recv");
                if let (Ok(data), Some(irs)) = (self.stack.recv(app.fd, usize::from(max), peek), irs) {
                    let start = irs + 1 + app.received;
                    if let Some(k) = first_wrong_octet(&data, start) {
                        return Err(Violation::new(format!(
                            "recv() returned octet {k} of {} wrong: stream offset {} should be {:#04x} (from SEQ {}), got {:#04x} — data delivered twice, out of order or from the wrong place",
                            data.len(),
                            app.received.wrapping_add(k as u32),
                            payload_byte(start + k as u32),
                            start + k as u32,
                            data[k]
                        )));
                    }
                    if !peek {
                        self.apps[i].received = app.received.wrapping_add(data.len() as u32);
                    }
                }
            }
            Call::Shutdown { fd, how } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                // The oracle is told which side: SHUT_RD closes no sending side (§3.10.4).
                let (how, call) = match how {
                    How::Read => (Shutdown::Read, "shutdown(SHUT_RD)"),
                    How::Write => (Shutdown::Write, "shutdown(SHUT_WR)"),
                    How::Both => (Shutdown::Both, "shutdown(SHUT_RDWR)"),
                };
                self.user_call(call);
                let _ = self.stack.shutdown(self.apps[i].fd, how);
            }
            Call::Close { fd } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                let app = self.apps.remove(i);
                self.user_call("close");
                let _ = self.stack.close(app.fd);
            }
            Call::Abort { fd } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                let app = self.apps.remove(i);
                // SO_LINGER 0 then close(): the oracle is told it is §3.10.5's ABORT.
                self.user_call("setsockopt");
                let _ = self.stack.setsockopt(app.fd, SockOpt::Linger(Some(Duration::ZERO)));
                self.user_call("abort");
                let _ = self.stack.close(app.fd);
            }
            Call::SetOpt { fd, opt } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                // As a script writes it: the oracle reads keep-alive and user-timeout settings.
                if self.oracle.is_some() {
                    self.user_call(&format!("setsockopt({}, {})", self.apps[i].fd, described(opt)));
                }
                let _ = self.stack.setsockopt(self.apps[i].fd, sockopt(opt));
            }
            Call::Listen { backlog } => self.listen(i32::from(backlog)),
            Call::Inspect { fd } => {
                let Some(i) = self.app(fd) else { return Ok(()) };
                let fd = self.apps[i].fd;
                let _ = self.stack.getsockopt(fd, SockOptName::Error);
                let _ = (self.stack.tcp_info(fd), self.stack.poll(fd), self.stack.peer_addr(fd), self.stack.state(fd));
                let _ = self.stack.connect_result(fd);
            }
        }
        Ok(())
    }

    /// listen() again on a listener the application holds, or on a new socket bound to the
    /// listening port.
    fn listen(&mut self, backlog: i32) {
        self.user_call("listen");
        if let Some(l) = self.apps.iter().find(|a| self.stack.state(a.fd) == Ok(State::Listen)) {
            let _ = self.stack.listen(l.fd, backlog);
            return;
        }
        let Ok(fd) = self.stack.socket(self.domain()) else { return };
        let bound = self.stack.bind(fd, SocketAddr::new(self.local_ip, LISTEN_PORT));
        if bound.and_then(|()| self.stack.listen(fd, backlog)).is_ok() {
            self.apps.push(AppSocket { fd, received: 0, sent: 0 });
        } else {
            let _ = self.stack.close(fd);
        }
    }

    /// Moves the clock, firing each timer at its deadline (at most [`MAX_TIMER_STEPS`] of
    /// them: then the wait ends early, at the last deadline fired).
    fn wait(&mut self, w: Wait) -> Result<(), Violation> {
        let mut end = match w {
            Wait::Short(us) => self.now + Duration::from_micros(u64::from(us)),
            Wait::Millis(ms) => self.now + Duration::from_millis(u64::from(ms)),
            Wait::Seconds(s) => self.now + Duration::from_secs(u64::from(s)),
            Wait::NextTimer => self.stack.poll_timeout().unwrap_or(self.now).max(self.now),
        };
        let mut fired = 0;
        while let Some(t) = self.stack.poll_timeout().filter(|t| *t <= end) {
            if fired == MAX_TIMER_STEPS {
                end = self.now;
                break;
            }
            let t = t.max(self.now);
            self.now = t;
            self.stack.handle_timeout(t);
            self.drain(t)?;
            fired += 1;
            if let Some(left) = self.stack.poll_timeout().filter(|left| *left <= t) {
                return Err(Violation::new(format!("handle_timeout({t}) left a timer due at {left} unfired")));
            }
        }
        self.now = end.max(self.now);
        self.stack.advance(self.now);
        self.drain(self.now)
    }

    /// Takes what the stack has sent, at `now`, for the oracle and the event's `sent`; every
    /// packet must parse.
    fn drain(&mut self, now: Instant) -> Result<(), Violation> {
        while let Some(bytes) = self.stack.poll_transmit() {
            if let Some(o) = &mut self.oracle {
                o.outbound(now, &bytes);
            }
            let parsed = TcpPacket::parse(&bytes).map_err(|e| Violation::new(format!("the stack emitted a packet that does not parse: {e}")))?;
            if !(parsed.ip_checksum_ok && parsed.tcp_checksum_ok) {
                return Err(Violation::new(format!("the stack emitted a bad checksum: {:?}", parsed.packet.tcp)));
            }
            let p = parsed.packet;
            if p.ip.src() != self.local_ip || p.ip.dst() != self.peer_ip {
                return Err(Violation::new(format!("the stack emitted {} → {}, not {} → {}", p.ip.src(), p.ip.dst(), self.local_ip, self.peer_ip)));
            }
            self.sent.push(p);
        }
        Ok(())
    }
}

/// `SO_KEEPALIVE, [1]`: the option and value as a script's setsockopt() names them, with
/// the values [`sockopt`] gives the stack.
fn described(spec: SockOptSpec) -> String {
    match spec {
        SockOptSpec::NoDelay(on) => format!("TCP_NODELAY, [{}]", u8::from(on)),
        SockOptSpec::KeepAlive(on) => format!("SO_KEEPALIVE, [{}]", u8::from(on)),
        SockOptSpec::KeepIdle(s) => format!("TCP_KEEPIDLE, [{}]", s.max(1)),
        SockOptSpec::KeepIntvl(s) => format!("TCP_KEEPINTVL, [{}]", s.max(1)),
        SockOptSpec::KeepCnt(n) => format!("TCP_KEEPCNT, [{n}]"),
        SockOptSpec::UserTimeout(ms) => format!("TCP_USER_TIMEOUT, [{ms}]"),
        SockOptSpec::RcvBuf(n) => format!("SO_RCVBUF, [{n}]"),
        SockOptSpec::SndBuf(n) => format!("SO_SNDBUF, [{n}]"),
        SockOptSpec::MaxSeg(m) => format!("TCP_MAXSEG, [{m}]"),
        SockOptSpec::SynCount(n) => format!("TCP_SYNCNT, [{n}]"),
    }
}

fn sockopt(spec: SockOptSpec) -> SockOpt {
    match spec {
        SockOptSpec::NoDelay(on) => SockOpt::NoDelay(on),
        SockOptSpec::KeepAlive(on) => SockOpt::KeepAlive(on),
        SockOptSpec::KeepIdle(s) => SockOpt::KeepIdle(Duration::from_secs(u64::from(s.max(1)))),
        SockOptSpec::KeepIntvl(s) => SockOpt::KeepIntvl(Duration::from_secs(u64::from(s.max(1)))),
        SockOptSpec::KeepCnt(n) => SockOpt::KeepCnt(n),
        SockOptSpec::UserTimeout(ms) => SockOpt::UserTimeout(Duration::from_millis(u64::from(ms))),
        SockOptSpec::RcvBuf(n) => SockOpt::RcvBuf(u32::from(n)),
        SockOptSpec::SndBuf(n) => SockOpt::SndBuf(u32::from(n)),
        SockOptSpec::MaxSeg(m) => SockOpt::MaxSeg(m),
        SockOptSpec::SynCount(n) => SockOpt::SynCount(n),
    }
}
