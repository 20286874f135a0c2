//! Executes a script against a [`Backend`] with packetdrill's semantics, and records the
//! run as a [`Trace`].
//!
//! The loop walks the script's events in order. Before each event the backend runs up to the
//! event's time; any packet it emits on the way that no line expects is a failure. An
//! outbound line waits (up to its time plus tolerance) for the next emitted packet and
//! compares it field by field. Blocking calls are in flight while later lines run, and are
//! checked when they return. The first failure stops the run; the trace up to it is kept.

pub mod connections;
mod icmp;
mod inbound;
mod msghdr;
pub mod outbound;
mod python;
pub mod symbols;
pub mod syscalls;
mod timing;

use crate::backend::{Backend, BackendError, CallOutcome, Completion, Emitted, Feature, Setup};
use crate::mode::IpMode;
use crate::report::Verdict;
use crate::script::{Event, EventKind, PacketBody, PacketEvent, Script, Span, SyscallEvent};
use crate::trace::{Trace, TraceKind};
use connections::Connections;
use outbound::Mismatch;
use std::collections::BTreeMap;
use std::time::Duration;
use syscalls::{CallContext, Expect};
use timing::{fmt_time, Clock, Window};

/// What to do with packets the stack emits that no line expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unexpected {
    /// A failure, once script time has moved past the packet (synack's default).
    Fail,
    /// packetdrill's behaviour: such a packet only matters if a later outbound line reads
    /// it; otherwise it is ignored (for upstream scripts that do not list every packet).
    Ignore,
}

/// How long past an outbound line's window the runner still looks for its packet (to tell
/// "late" from "missing"; see `expect_packet`).
const LATE_GRACE: Duration = Duration::from_millis(10);

/// Settings of a run that do not come from the script.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// See [`Unexpected`].
    pub unexpected: Unexpected,
    /// The least timing tolerance (packetdrill: 4 ms; `--tolerance_usecs` overrides).
    pub tolerance: Duration,
    /// Tolerance as a share of the scripted gap since the previous event (packetdrill: 12.5%).
    pub tolerance_percent: f64,
    /// Names the script may use that the runner defines (`TFO_COOKIE`, …).
    pub defines: BTreeMap<String, String>,
}

impl RunConfig {
    /// packetdrill's defaults and the defines upstream's runner passes for `mode`.
    pub fn for_mode(mode: IpMode) -> RunConfig {
        let mut defines = BTreeMap::new();
        // The cookie follows the wire's IP version; the error-queue level follows the
        // socket's family (an AF_INET6 socket reports IPV6_RECVERR even for IPv4 peers).
        let cookie = if mode.wire_is_ipv6() { "c1d1e9742a47a9bc" } else { "3021b9d889017eeb" };
        let (level, ty) = if mode.socket_is_ipv6() { ("SOL_IPV6", "IPV6_RECVERR") } else { ("SOL_IP", "IP_RECVERR") };
        defines.insert("TFO_COOKIE".to_string(), cookie.to_string());
        defines.insert("CMSG_LEVEL_IP".to_string(), level.to_string());
        defines.insert("CMSG_TYPE_RECVERR".to_string(), ty.to_string());
        if mode != IpMode::Ipv6 {
            defines.insert("CODE".to_string(), "host_unreachable".to_string());
        }
        RunConfig {
            unexpected: Unexpected::Fail,
            tolerance: Duration::from_millis(4),
            tolerance_percent: 12.5,
            defines,
        }
    }
}

/// How a run ended, and its trace.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// Pass, fail, error or unsupported.
    pub verdict: Verdict,
    /// Empty on a pass; otherwise `file:line:col: message` and details.
    pub message: String,
    /// Everything that happened.
    pub trace: Trace,
    /// The largest |actual − scripted| time of a packet or a blocking call's return.
    pub worst_timing_error: Option<Duration>,
}

/// Why a run stopped early.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    /// What kind of stop.
    pub verdict: Verdict,
    /// The script text responsible, when there is one.
    pub span: Option<Span>,
    /// What happened.
    pub message: String,
}

impl Stop {
    /// The stack did not do what the script says.
    pub fn fail(span: Span, message: impl Into<String>) -> Stop {
        Stop { verdict: Verdict::Fail, span: Some(span), message: message.into() }
    }

    /// The run could not be carried out as written (bad arguments, environment).
    pub fn error(span: Span, message: impl Into<String>) -> Stop {
        Stop { verdict: Verdict::Error, span: Some(span), message: message.into() }
    }

    /// The backend cannot execute this construct.
    pub fn unsupported(span: Span, message: impl Into<String>) -> Stop {
        Stop { verdict: Verdict::Unsupported, span: Some(span), message: format!("unsupported: {}", message.into()) }
    }

    fn backend(span: Span, e: BackendError) -> Stop {
        match e {
            BackendError::Unsupported(m) => Stop::unsupported(span, m),
            BackendError::Environment(m) => Stop::error(span, format!("environment error: {m}")),
        }
    }
}

/// A blocking call in flight.
struct Pending {
    event: SyscallEvent,
    expect: Expect,
    /// When it must return.
    window: Window,
    /// The call as written, for the trace.
    text: String,
    /// Whether the script marked it blocking (`t...u`).
    scripted_blocking: bool,
    /// The call itself.
    call: crate::backend::Call,
    /// When it was made.
    started: Duration,
}

/// Runs `script` (read from `file`) against `backend`.
pub fn run(file: &str, script: &Script, backend: &mut dyn Backend, setup: &Setup, config: &RunConfig) -> RunOutcome {
    let mut runner = Runner::new(file, script, backend, setup, config);
    let result = runner.run_all(script);
    runner.sync();
    let (verdict, message) = match result {
        Ok(()) => (Verdict::Pass, String::new()),
        Err(stop) => {
            let at = runner.backend.now();
            let line = stop.span.map(|s| s.start.line);
            runner.trace.push(at, line, TraceKind::Failure(stop.message.clone()));
            let message = match stop.span {
                Some(s) if s != Span::DUMMY => format!("{file}:{}:{}: {}", s.start.line, s.start.col, stop.message),
                Some(_) | None => format!("{file}: {}", stop.message),
            };
            (stop.verdict, message)
        }
    };
    RunOutcome { verdict, message, worst_timing_error: runner.worst_timing, trace: runner.trace }
}

struct Runner<'a> {
    backend: &'a mut dyn Backend,
    setup: &'a Setup,
    config: &'a RunConfig,
    trace: Trace,
    clock: Clock,
    conns: Connections,
    calls: CallContext,
    pending: Option<Pending>,
    /// The descriptor `%{ }%` blocks read `TCP_INFO` from: the last accepted or connected one.
    socket_under_test: Option<i32>,
    python: python::Env,
    /// Packets the stack emitted that no outbound line has taken yet (with their index in
    /// the trace).
    held: std::collections::VecDeque<(Emitted, usize)>,
    /// How late the runner carried out the last inbound packet, call or command (0 on a
    /// virtual clock).
    lag: Duration,
    /// See [`RunOutcome::worst_timing_error`].
    worst_timing: Option<Duration>,
    /// Descriptors listen() succeeded on.
    listening: std::collections::BTreeSet<i32>,
    /// Descriptors a connect() has been issued on.
    connecting: std::collections::BTreeSet<i32>,
}

impl<'a> Runner<'a> {
    fn new(file: &str, script: &Script, backend: &'a mut dyn Backend, setup: &'a Setup, config: &'a RunConfig) -> Runner<'a> {
        let mut tolerance = config.tolerance;
        let mut percent = config.tolerance_percent;
        if let Some(Some(v)) = script.option("tolerance_usecs") {
            if let Ok(us) = v.parse::<u64>() {
                tolerance = Duration::from_micros(us);
            }
        }
        if let Some(Some(v)) = script.option("tolerance_percent") {
            if let Ok(p) = v.parse::<f64>() {
                percent = p;
            }
        }
        let trace = Trace::new(file, backend.name(), setup.mode);
        Runner {
            backend,
            setup,
            config,
            trace,
            clock: Clock::new(tolerance, percent),
            conns: Connections::default(),
            calls: CallContext::default(),
            pending: None,
            socket_under_test: None,
            python: python::Env::default(),
            connecting: Default::default(),
            listening: Default::default(),
            worst_timing: None,
            lag: Duration::ZERO,
            held: Default::default(),
        }
    }

    fn run_all(&mut self, script: &Script) -> Result<(), Stop> {
        for note in &self.setup.notes {
            self.trace.push(Duration::ZERO, None, TraceKind::Note(note.clone()));
        }
        if let Some(cmd) = &script.init_command {
            self.command(&cmd.text, cmd.span)?;
        }
        // Script time 0 starts now (after the init command, which packetdrill runs before
        // the script's clock starts; on a real clock, on a kernel tick: see `restart_clock`).
        self.backend.restart_clock();
        for e in &mut self.trace.events {
            e.at = Duration::ZERO;
        }
        for event in &script.events {
            self.event(event)?;
        }
        self.finish(script.events.last().map_or(Span::DUMMY, |e| e.span))?;
        if let Some(cmd) = &script.cleanup_command {
            self.command(&cmd.text, cmd.span)?;
        }
        Ok(())
    }

    /// Moves the backend's events into the trace.
    fn sync(&mut self) {
        for (at, kind) in self.backend.take_events() {
            self.trace.push(at, None, kind);
        }
    }

    fn event(&mut self, event: &Event) -> Result<(), Stop> {
        let window = self.clock.window(&event.time, event.span).map_err(|m| Stop::error(event.span, m))?;
        let acts = !matches!(&event.kind, EventKind::Packet(p) if p.direction.value == crate::script::Direction::Outbound);
        if acts {
            self.wait_until(window.nominal, event.span)?;
        }
        let result = self.event_action(event, window);
        if acts {
            // On a real clock the runner may act a little after the scripted time (the
            // machine is busy, the thread is preempted before or inside the call); what the
            // stack does in response cannot be earlier than the action finished, so the
            // latest acceptable time of the outbound lines that follow moves by as much.
            self.lag = self.backend.now().saturating_sub(window.nominal);
            if self.lag > self.clock.base_tolerance() {
                let note = format!("the runner carried out this line {} late (the machine is busy)", fmt_time(self.lag));
                self.trace.push(self.backend.now(), Some(event.span.start.line), TraceKind::Note(note));
            }
        }
        result
    }

    fn event_action(&mut self, event: &Event, window: Window) -> Result<(), Stop> {
        match &event.kind {
            EventKind::Packet(p) => match p.direction.value {
                crate::script::Direction::Outbound => {
                    let window = Window { latest: window.latest + self.lag, ..window };
                    self.expect_packet(p, window, event.span)
                }
                crate::script::Direction::Inbound => {
                    self.inject(p)?;
                    self.clock.done(window, None);
                    Ok(())
                }
            },
            EventKind::Syscall(call) => {
                self.syscall(call, window, event.span)?;
                self.clock.done(window, None);
                Ok(())
            }
            EventKind::Command(cmd) => {
                self.command(&cmd.text, cmd.span)?;
                self.clock.done(window, None);
                Ok(())
            }
            EventKind::Code(code) => {
                self.code(&code.text, code.span)?;
                self.clock.done(window, None);
                Ok(())
            }
        }
    }

    /// Lets the backend run to `deadline`, or until it emits a packet, which is traced and
    /// held for the outbound lines to come. Returns whether a packet came.
    fn fetch(&mut self, deadline: Duration, span: Span) -> Result<bool, Stop> {
        let next = self.backend.next_outbound(deadline).map_err(|e| Stop::backend(span, e))?;
        self.sync();
        let got = next.is_some();
        if let Some(p) = next {
            self.trace.push(p.at, None, TraceKind::Outbound(p.bytes.clone()));
            self.held.push_back((p, self.trace.events.len() - 1));
        }
        self.completion()?;
        Ok(got)
    }

    /// Waits for the blocked call, if any, to return — at most until the end of the window
    /// the script gives its return — and picks up what the stack sends meanwhile. The wait
    /// is in short steps, since a backend wakes for packets, not for a call's return.
    fn await_pending(&mut self, span: Span) -> Result<(), Stop> {
        const STEP: Duration = Duration::from_millis(1);
        while let Some(p) = &self.pending {
            let deadline = p.window.latest;
            let now = self.backend.now();
            if now >= deadline {
                break;
            }
            self.fetch(deadline.min(now + STEP), span)?;
        }
        Ok(())
    }

    /// Lets the backend run to `t`. Emitted packets wait for the outbound lines that follow
    /// (packetdrill matches in order, so `connect()` then `setsockopt()` then `> S` is fine),
    /// but one that is still unmatched when script time has moved past it by more than the
    /// tolerance is unexpected: a failure.
    fn wait_until(&mut self, t: Duration, span: Span) -> Result<(), Stop> {
        while self.fetch(t, span)? {}
        if self.config.unexpected == Unexpected::Ignore {
            return Ok(());
        }
        match self.held.front() {
            Some((p, _)) if p.at + self.clock.base_tolerance() < t => {
                let (p, _) = self.held.pop_front().expect("front exists");
                Err(self.unexpected(p, span, t))
            }
            Some(_) | None => Ok(()),
        }
    }

    /// The next emitted packet not yet matched, waiting until `deadline` for one.
    fn next_packet(&mut self, deadline: Duration, span: Span) -> Result<Option<(Emitted, usize)>, Stop> {
        if self.held.is_empty() {
            self.fetch(deadline, span)?;
        }
        Ok(self.held.pop_front())
    }

    fn unexpected(&mut self, p: Emitted, span: Span, next_at: Duration) -> Stop {
        let conn = self.conn_of_emitted(&p.bytes);
        let text = outbound::describe(&p.bytes, conn);
        Stop::fail(
            span,
            format!(
                "unexpected outbound packet at {}: {text} (the script expects nothing then; next event at {})",
                fmt_time(p.at),
                fmt_time(next_at)
            ),
        )
    }

    fn conn_of_emitted(&mut self, bytes: &[u8]) -> Option<&connections::ScriptConn> {
        let seg = synack_stack::wire::TcpPacket::parse(bytes).ok()?.packet.tcp;
        let i = self.conns.owner(seg.src_port, seg.dst_port)?;
        Some(self.conns.get(i))
    }

    /// Under packetdrill's leniency, a line only reads packets of its own connection: a
    /// packet that belongs to another known connection is passed over (and noted).
    fn next_packet_for(&mut self, idx: usize, deadline: Duration, span: Span) -> Result<Option<(Emitted, usize)>, Stop> {
        loop {
            let Some((p, index)) = self.next_packet(deadline, span)? else { return Ok(None) };
            if self.config.unexpected == Unexpected::Ignore {
                if let Ok(parsed) = synack_stack::wire::TcpPacket::parse(&p.bytes) {
                    let seg = &parsed.packet.tcp;
                    if self.conns.owner(seg.src_port, seg.dst_port).is_some_and(|o| o != idx) {
                        self.trace.push(p.at, None, TraceKind::Note("a packet of another connection, passed over".to_string()));
                        continue;
                    }
                }
            }
            return Ok(Some((p, index)));
        }
    }

    fn expect_packet(&mut self, p: &PacketEvent, window: Window, span: Span) -> Result<(), Stop> {
        let PacketBody::Tcp(tcp) = &p.body else {
            return Err(Stop::unsupported(p.span, "expecting ICMP or UDP packets from the stack"));
        };
        self.check_features(tcp, p.span)?;
        let line = Some(span.start.line);
        let idx = self.conns.select(p.ip.port.map(|s| s.value));
        // A real stack's packet can surface a little after its (kernel) timestamp: look a
        // moment past the window so that a packet stamped inside it still counts, and one
        // stamped after it is reported as late rather than as missing.
        let Some((emitted, trace_index)) = self.next_packet_for(idx, window.latest + LATE_GRACE, span)? else {
            return Err(Stop::fail(
                span,
                format!(
                    "timed out waiting for the packet expected at {}: {p} (nothing was sent by {})",
                    window.describe(),
                    fmt_time(window.latest)
                ),
            ));
        };
        self.trace.events[trace_index].line = line;
        let at = emitted.at;
        let bytes = self.coalesce(emitted.bytes, usize::from(tcp.seq.len), at, span, line)?;
        let result = outbound::check(tcp, &p.ip, &bytes, self.conns.get_mut(idx), self.setup.mode, &self.config.defines);
        if let Err(m) = result {
            let actual = outbound::describe(&bytes, Some(self.conns.get(idx)));
            let mut msg = format!("outbound packet does not match the script\n  script: {p}\n  actual: {actual}");
            match m {
                Mismatch::NotTcp(why) => msg += &format!("\n  not a TCP packet of this run: {why}"),
                Mismatch::WrongConnection { expected, actual } => {
                    msg += &format!("\n  ports: expected {expected}, actual {actual}")
                }
                Mismatch::Fields(diffs) => {
                    for d in diffs {
                        msg += &format!("\n  {}: expected {}, actual {}", d.field, d.expected, d.actual);
                    }
                }
            }
            return Err(Stop::fail(span, msg));
        }
        if at < window.earliest {
            return Err(Stop::fail(
                span,
                format!(
                    "timing error: packet expected at {} was sent at {} ({} early)",
                    window.describe(),
                    fmt_time(at),
                    fmt_time(window.nominal.saturating_sub(at))
                ),
            ));
        }
        if at > window.latest {
            return Err(Stop::fail(
                span,
                format!(
                    "timing error: packet expected at {} was sent at {} ({} late)",
                    window.describe(),
                    fmt_time(at),
                    fmt_time(at.saturating_sub(window.nominal))
                ),
            ));
        }
        self.timing_sample(&window, at);
        self.clock.done(window, Some(at));
        Ok(())
    }

    /// Records how far from its scripted time something happened (exact times only).
    fn timing_sample(&mut self, window: &Window, at: Duration) {
        if window.exact {
            let err = if at > window.nominal { at - window.nominal } else { window.nominal - at };
            self.worst_timing = Some(self.worst_timing.map_or(err, |w| w.max(err)));
        }
    }

    /// Segmentation offload, as scripts assume it: a line may describe as one segment what
    /// the stack sent as several back-to-back MSS-sized ones (the kernel's TSO/GSO). When the
    /// line expects more payload than the first packet carries, the packets that follow it
    /// at once and continue it exactly (same ports and ack, contiguous sequence, no SYN/RST,
    /// no FIN before the last) are merged for the comparison; the trace keeps each packet.
    fn coalesce(&mut self, first: Vec<u8>, want: usize, at: Duration, span: Span, line: Option<u32>) -> Result<Vec<u8>, Stop> {
        use synack_stack::wire::{TcpFlags, TcpPacket};
        let Ok(parsed) = TcpPacket::parse(&first) else { return Ok(first) };
        let mut merged = parsed.packet;
        if merged.tcp.payload.is_empty() || merged.tcp.payload.len() >= want {
            return Ok(first);
        }
        let stop_flags = TcpFlags::SYN | TcpFlags::RST | TcpFlags::FIN;
        while merged.tcp.payload.len() < want && !merged.tcp.flags.intersects(stop_flags) {
            let Some((next, index)) = self.next_packet(at + self.clock.base_tolerance(), span)? else { break };
            let fits = TcpPacket::parse(&next.bytes).ok().map(|p| p.packet).filter(|p| {
                let end = merged.tcp.seq.get().wrapping_add(merged.tcp.payload.len() as u32);
                p.src() == merged.src()
                    && p.dst() == merged.dst()
                    && p.tcp.seq.get() == end
                    && p.tcp.ack == merged.tcp.ack
                    && !p.tcp.flags.intersects(TcpFlags::SYN | TcpFlags::RST)
                    && !p.tcp.payload.is_empty()
                    && merged.tcp.payload.len() + p.tcp.payload.len() <= want
            });
            match fits {
                Some(p) => {
                    self.trace.events[index].line = line;
                    merged.tcp.payload.extend_from_slice(&p.tcp.payload);
                    // Segmentation puts PSH and FIN on the last segment only: the large
                    // segment had them iff the last piece has them.
                    let tail = TcpFlags::PSH | TcpFlags::FIN;
                    let head = TcpFlags::from_bits(merged.tcp.flags.bits() & !tail.bits());
                    merged.tcp.flags = head | TcpFlags::from_bits(p.tcp.flags.bits() & tail.bits());
                    merged.tcp.window = p.tcp.window;
                }
                None => {
                    self.held.push_front((next, index));
                    break;
                }
            }
        }
        Ok(merged.emit().unwrap_or(first))
    }

    fn inject_icmp(&mut self, icmp: &crate::script::IcmpPacket, p: &PacketEvent) -> Result<(), Stop> {
        if self.backend.lacks(Feature::Icmp) {
            return Err(Stop::unsupported(p.span, "ICMP messages (this stack does not process them)"));
        }
        let idx = self.conns.select(p.ip.port.map(|s| s.value));
        let bytes = icmp::build(icmp, self.conns.get(idx), self.setup, &self.config.defines)?;
        self.send_inbound(bytes, p.span)
    }

    /// Traces and injects a built inbound packet, then picks up what it caused.
    fn send_inbound(&mut self, bytes: Vec<u8>, span: Span) -> Result<(), Stop> {
        let now = self.backend.now();
        self.trace.push(now, Some(span.start.line), TraceKind::Inbound(bytes.clone()));
        self.backend.inject(&bytes).map_err(|e| Stop::backend(span, e))?;
        self.sync();
        self.completion()
    }

    /// A line using something the backend declares it lacks is unsupported, not failed.
    fn check_features(&self, tcp: &crate::script::TcpPacket, span: Span) -> Result<(), Stop> {
        use crate::script::{TcpOptionKind, TcpOptions};
        let uses_tfo = match tcp.options.as_ref().map(|o| &o.value) {
            Some(TcpOptions::List(list)) => list
                .iter()
                .any(|o| matches!(o.kind, TcpOptionKind::FastOpen(_) | TcpOptionKind::FastOpenExp(_))),
            Some(TcpOptions::Any) | None => false,
        };
        if uses_tfo && self.backend.lacks(Feature::FastOpen) {
            return Err(Stop::unsupported(span, "TCP Fast Open (RFC 7413) is not implemented by this stack"));
        }
        Ok(())
    }

    fn inject(&mut self, p: &PacketEvent) -> Result<(), Stop> {
        let tcp = match &p.body {
            PacketBody::Tcp(tcp) => tcp,
            PacketBody::Icmp(icmp) => return self.inject_icmp(icmp, p),
            PacketBody::Udp(_) => return Err(Stop::unsupported(p.span, "injecting UDP packets")),
        };
        self.check_features(tcp, p.span)?;
        // A SYN towards a listener (the socket under test listens) when the current
        // connection began before that listener is a new connection, from a fresh port, as
        // in packetdrill (scripts that close and re-create their listener).
        let new_connection = tcp.flags.syn
            && !tcp.flags.ack
            && p.ip.port.is_none()
            && self.socket_under_test.is_some_and(|fd| self.listening.contains(&fd))
            && self.conns.current_predates_listener();
        let idx = if new_connection { self.conns.new_inbound() } else { self.conns.select(p.ip.port.map(|s| s.value)) };
        let bytes = inbound::build(tcp, &p.ip, self.conns.get_mut(idx), self.setup, &self.config.defines)?;
        self.send_inbound(bytes, p.span)
    }

    fn syscall(&mut self, ev: &SyscallEvent, window: Window, span: Span) -> Result<(), Stop> {
        // As packetdrill's await_idle_thread: a call begins once the blocked one has returned.
        // On a real clock a call scripted to return at this call's start may return a little
        // after it; waiting up to the end of its scripted window is what the script allows.
        self.await_pending(span)?;
        if let Some(p) = &self.pending {
            return Err(Stop::fail(
                span,
                format!("{} (line {}) is still blocked when this call starts", p.text, p.event.name.span.start.line),
            ));
        }
        let (call, expect) = syscalls::resolve(ev, &self.calls, self.setup)?;
        let text = call_text(ev);
        let now = self.backend.now();
        self.trace.push(now, Some(span.start.line), TraceKind::SyscallStart { call: text.clone() });
        let outcome = self.backend.call(&call);
        self.sync();
        let end = match ev.end_time {
            Some(t) => self.clock.end_window(&window, t.micros),
            None => window,
        };
        match outcome {
            CallOutcome::Unsupported(m) => Err(Stop::unsupported(ev.name.span, m)),
            CallOutcome::Returned(r) => {
                let scripted_blocking = ev.end_time.is_some();
                let pending = Pending { event: ev.clone(), expect, window: end, text, scripted_blocking, call, started: now };
                self.returned(pending, Completion { at: now, returned: r })
            }
            CallOutcome::Blocked => {
                self.opened(&call, None);
                self.trace.push(now, Some(span.start.line), TraceKind::Note(format!("{text} blocks")));
                let scripted_blocking = ev.end_time.is_some();
                self.pending = Some(Pending { event: ev.clone(), expect, window: end, text, scripted_blocking, call, started: now });
                Ok(())
            }
        }
    }
}

mod calls;
mod socket_call;
use calls::call_text;
