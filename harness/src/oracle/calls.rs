//! Socket calls and their results (RFC 9293 §3.10.1–6), judged against what the oracle knows
//! of the connection behind the descriptor. The trace's [`SocketCall`]s name descriptors, its
//! segments name 4-tuples; this module ties the two together and applies the rules about
//! results that hold on every stack.
//!
//! **Descriptors to connections.** A `connect()` (or a `sendto()` with an address, TCP Fast
//! Open) is the incarnation whose SYN the stack sends to that address once the call has
//! started; an `accept()` is the one connection to the listener's port that may have
//! completed its handshake and no earlier `accept()` took. When that is not exactly one
//! connection, the descriptor stays unbound and its calls are not judged: a wrong binding would
//! raise false alarms. A binding holds for one incarnation (its ISS); once the 4-tuple carries
//! another, the descriptor is no longer judged.
//!
//! **Rules.** Each result is allowed whenever the oracle cannot rule out what explains it:
//! - RECEIVE returns text only in sequence (§3.10.7.4 seventh): all RECEIVEs together return
//!   at most the octets that may have arrived contiguously from the SYN.
//! - End-of-data (a read of 0 octets) only after the peer's FIN may have arrived in sequence,
//!   a shutdown(SHUT_RD), or once the TCB may be gone (a reset, a timeout): MUST-12, the user
//!   learns whether the connection closed normally or was aborted.
//! - "Connection reset" (ECONNRESET) only after a RST may have reset the connection, or the
//!   stack sent one (ABORT), MUST-12; "connection refused" (ECONNREFUSED) only after a RST
//!   answered our SYN (§3.10.7.3 second).
//! - "Connection timed out" (ETIMEDOUT) only once something was retransmitted or a probe
//!   went unanswered since the last progress (R2, MUST-20), or under a user timeout.
//! - "Connection closing" (EPIPE) only once the sending side is closed or the TCB may be gone.
//! - SEND fails after a CLOSE of the sending side (shutdown SHUT_WR), or when every world has
//!   sent its FIN or lost its TCB: "error: connection closing" / "connection does not exist"
//!   (§3.10.2).
//!
//! A connection's calls are judged until its first violation: after one the oracle carries
//! on from what the stack evidently did, a guess no result is held against.
//!
//! Traffic other than TCP reaching the stack (an ICMP error) may explain any error: after it,
//! errors are not judged. Linux's shutdown() in SYN-SENT deletes the TCB silently and reports
//! ECONNRESET once (`tcp_disconnect`); that too is allowed.

use super::conn::Conn;
use super::context::Cx;
use super::global::Global;
use super::profile::Deviation;
use super::segment::Seg;
use super::verdict::Rule;
use super::world::World;
use crate::trace::{SocketCall, SocketOp};
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use synack_stack::decision::{Check, TimerKind};
use synack_stack::{Errno, SeqNum, Shutdown, State, Step};

/// SYNs and SYN-ACKs remembered for binding descriptors (the most recent).
const OPENINGS: usize = 64;

/// One incarnation of a connection: its [`Conn`] and the ISS of the stack's SYN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Incarnation {
    conn: usize,
    iss: SeqNum,
}

/// A SYN the stack sent (active OPEN) or a SYN-ACK answering one (passive).
#[derive(Clone, Copy, Debug)]
struct Opening {
    inc: Incarnation,
    local: SocketAddr,
    remote: SocketAddr,
    at: u64,
    passive: bool,
    /// Some world completed the handshake (accept() may return it).
    established: bool,
    /// Some world was FastOpened (RFC 7413 §4.2.2 step 4): the application was notified at
    /// the SYN, so accept() may return it even after a RST ended it.
    fast_open: bool,
    /// A descriptor took it.
    claimed: bool,
}

/// A descriptor as the oracle follows it.
#[derive(Clone, Copy, Debug, Default)]
struct Desc {
    fd: i32,
    bound: Option<Incarnation>,
    /// The peer's ISN, once the incarnation has one.
    irs: Option<SeqNum>,
    /// A connect() whose SYN is not placed yet: the remote, and when the call started.
    connecting: Option<(SocketAddr, u64)>,
    /// The local port bind() gave it (a listener's accept() takes connections to it).
    port: Option<u16>,
    /// Octets RECEIVE has returned (not peeked).
    delivered: u64,
    /// Octets SEND has taken.
    written: u64,
    shut_rd: bool,
    shut_wr: bool,
    /// A shutdown while our SYN was unanswered (Linux deletes the TCB and reports ECONNRESET).
    disconnected: bool,
}

/// The descriptors of a trace and the openings they may be bound to.
#[derive(Clone, Default)]
pub(crate) struct Sockets {
    descs: Vec<Desc>,
    openings: VecDeque<Opening>,
}

/// What the worlds of a bound incarnation say, for judging a result.
#[derive(Clone, Copy, Debug, Default)]
struct View {
    /// A world of another incarnation: the descriptor's connection is over.
    stale: bool,
    /// Some world has no TCB (reset, closed, timed out).
    gone: bool,
    /// Some world has sent its FIN (the user closed the sending side).
    closing: bool,
    /// Every world has sent its FIN or has no TCB.
    all_closed: bool,
    syn_sent: bool,
    /// A timer may have given up on the connection: something was retransmitted or a probe
    /// went unanswered since the last progress, or a user timeout is set and something is
    /// unacknowledged.
    may_time_out: bool,
    /// The fewest octets of text any world has had acknowledged (its SYN not counted).
    acked: u64,
    reset: bool,
    refused: bool,
    /// Text that may have arrived in sequence, when the IRS is known; whether the FIN follows.
    text: Option<u64>,
    fin: bool,
}

fn canonical(a: SocketAddr) -> SocketAddr {
    match a.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, |v4| SocketAddr::new(IpAddr::V4(v4), a.port())),
        IpAddr::V4(_) => a,
    }
}

/// Past the handshake (accept() may return the connection).
fn synchronized(state: State) -> bool {
    match state {
        State::Established
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing
        | State::LastAck
        | State::TimeWait => true,
        State::Closed | State::Listen | State::SynSent | State::SynReceived => false,
    }
}

impl Sockets {
    fn desc(&mut self, fd: i32) -> Option<&mut Desc> {
        self.descs.iter_mut().find(|d| d.fd == fd)
    }

    /// A new descriptor `fd` (socket(), accept()): whatever it named before is gone.
    fn fresh(&mut self, fd: i32) -> &mut Desc {
        self.descs.retain(|d| d.fd != fd);
        self.descs.push(Desc { fd, ..Desc::default() });
        let last = self.descs.len() - 1;
        &mut self.descs[last]
    }

    /// After connection `idx` saw segment `s`: openings, handshakes completed, IRSs learned.
    pub(crate) fn after_segment(&mut self, idx: usize, conn: &Conn, s: &Seg, outbound: bool, now: u64) {
        if self.descs.is_empty() {
            return;
        }
        if outbound && s.flags.syn() && !s.flags.rst() {
            let inc = Incarnation { conn: idx, iss: s.seq };
            let passive = s.has_ack();
            let new = !self.openings.iter().any(|o| o.inc == inc);
            if new && (!passive || conn.worlds.iter().any(|w| w.passive && w.iss == s.seq)) {
                let o = Opening { inc, local: s.src, remote: canonical(s.dst), at: now, passive, established: false, fast_open: false, claimed: false };
                self.openings.push_back(o);
                if self.openings.len() > OPENINGS {
                    self.openings.pop_front();
                }
                if !passive {
                    self.bind_connects();
                }
            }
        }
        for o in self.openings.iter_mut().filter(|o| o.inc.conn == idx && o.passive && !o.established) {
            // A FastOpened connection is accept()-able at the SYN (RFC 7413 §4.2.2 step 4:
            // "notify the application"), and stays so once reset.
            let ours = |w: &&World| w.passive && w.iss == o.inc.iss;
            o.fast_open |= conn.worlds.iter().filter(ours).any(|w| w.state == State::SynReceived && w.fast_open.is_some());
            o.established = (o.established && o.fast_open) || conn.worlds.iter().filter(ours).any(|w| synchronized(w.state) || w.fast_open.is_some());
        }
        for d in self.descs.iter_mut().filter(|d| d.irs.is_none()) {
            if let Some(inc) = d.bound.filter(|b| b.conn == idx) {
                d.irs = learn_irs(conn, inc);
            }
        }
    }

    /// Binds each connect() in progress to the SYN sent for it, when exactly one SYN and one
    /// call match.
    fn bind_connects(&mut self) {
        for i in 0..self.descs.len() {
            let Some((remote, since)) = self.descs[i].connecting else { continue };
            let fits = |o: &Opening, remote: SocketAddr, since: u64| !o.passive && !o.claimed && o.at >= since && o.remote == remote;
            let mut found = self.openings.iter().enumerate().filter(|(_, o)| fits(o, remote, since));
            let (Some((k, o)), None) = (found.next(), found.next()) else { continue };
            let rivals = self.descs.iter().filter(|d| d.connecting.is_some_and(|(r, t)| fits(o, r, t))).count();
            if rivals == 1 {
                let inc = o.inc;
                self.openings[k].claimed = true;
                self.descs[i].bound = Some(inc);
                self.descs[i].connecting = None;
            }
        }
    }

    /// accept() on `listener` returned `fd`: the one unclaimed connection to its port that
    /// completed the handshake, if there is exactly one.
    fn bind_accept(&mut self, listener: i32, fd: i32, conns: &[Conn]) {
        let port = self.desc(listener).and_then(|d| d.port);
        let fits = |o: &Opening| o.passive && o.established && !o.claimed && port.is_none_or(|p| p == o.local.port());
        let mut found = self.openings.iter().enumerate().filter(|(_, o)| fits(o));
        let (Some((k, o)), None) = (found.next(), found.next()) else {
            self.fresh(fd);
            return;
        };
        let inc = o.inc;
        self.openings[k].claimed = true;
        let d = self.fresh(fd);
        d.bound = Some(inc);
        d.irs = conns.get(inc.conn).and_then(|c| learn_irs(c, inc));
    }

    /// connect() (or sendto() with an address) on `c.fd`: the SYN the stack sends to
    /// `remote` once the call has started is its connection.
    fn connecting(&mut self, c: &SocketCall, remote: SocketAddr) {
        let d = match self.descs.iter().position(|d| d.fd == c.fd) {
            Some(i) => &mut self.descs[i],
            None => self.fresh(c.fd),
        };
        if d.bound.is_some() {
            return;
        }
        d.connecting = Some((canonical(remote), Cx::nanos(c.started)));
        self.bind_connects();
        // A connect() that failed before sending anything has no SYN to wait for.
        if c.value < 0 && c.errno != Some(Errno::EINPROGRESS) {
            if let Some(d) = self.desc(c.fd) {
                d.connecting = None;
            }
        }
    }

    /// A socket call returned at `now` (trace event `ev`).
    pub(crate) fn call(&mut self, ev: usize, now: u64, c: &SocketCall, conns: &mut [Conn], g: &mut Global) {
        let ok = c.value >= 0;
        let new_fd = i32::try_from(c.value).ok().filter(|_| ok);
        match c.op {
            SocketOp::Socket => {
                if let Some(fd) = new_fd {
                    self.fresh(fd);
                }
                return;
            }
            SocketOp::Accept => {
                if let Some(fd) = new_fd {
                    self.bind_accept(c.fd, fd, conns);
                }
                return;
            }
            SocketOp::Bind { local } => {
                if let (true, Some(d)) = (ok, self.desc(c.fd)) {
                    d.port = Some(local.port());
                }
                return;
            }
            SocketOp::Close => {
                if ok {
                    self.descs.retain(|d| d.fd != c.fd);
                }
                return;
            }
            SocketOp::Listen => return,
            SocketOp::Connect { remote } | SocketOp::Send { to: Some(remote), .. } => self.connecting(c, remote),
            SocketOp::Send { to: None, .. } | SocketOp::Recv { .. } | SocketOp::Shutdown { .. } => {}
        }
        let Some(d) = self.desc(c.fd) else { return };
        if super::context::debug() {
            eprintln!("#{ev} {:.6} call {} on {:?}", now as f64 / 1e9, describe(c), d.bound);
        }
        let Some(inc) = d.bound else { return };
        let Some(conn) = conns.get_mut(inc.conn) else { return };
        if !conn.followed() {
            return;
        }
        if d.irs.is_none() {
            d.irs = learn_irs(conn, inc);
        }
        let v = view(conn, inc, d.irs, now, g);
        if v.stale {
            d.bound = None;
            return;
        }
        if let Some((rule, step, req, expected)) = judge(d, &v, c, g) {
            conn.report_call(g, rule, step, req, expected, &describe(c), ev, now);
        }
        if let (true, SocketOp::Recv { peek: false, .. }) = (ok, c.op) {
            d.delivered = d.delivered.saturating_add(c.value.unsigned_abs());
        }
        if let (true, SocketOp::Send { .. }) = (ok, c.op) {
            d.written = d.written.saturating_add(c.value.unsigned_abs());
        }
        if let (true, SocketOp::Shutdown { how }) = (ok, c.op) {
            if v.syn_sent {
                d.disconnected = true;
            } else {
                d.shut_rd |= matches!(how, Shutdown::Read | Shutdown::Both);
                d.shut_wr |= matches!(how, Shutdown::Write | Shutdown::Both);
            }
        }
    }
}

/// The peer's ISN of incarnation `inc`, once a world of it has one.
fn learn_irs(conn: &Conn, inc: Incarnation) -> Option<SeqNum> {
    conn.worlds.iter().find(|w| w.has_tcb() && w.iss == inc.iss).map(|w| w.irs)
}

/// What the worlds of `inc` (and, within the processing skew, those before the last inbound
/// segment) allow.
fn view(conn: &Conn, inc: Incarnation, irs: Option<SeqNum>, now: u64, g: &Global) -> View {
    let skew = Cx::nanos(g.profile.processing_skew);
    let tail = g.profile.permits(Deviation::AcceptsTailBeyondWindow);
    let f = conn.facts();
    let mut v = View {
        all_closed: true,
        acked: u64::MAX,
        reset: f.reset,
        refused: f.refused,
        may_time_out: f.retransmitting || f.probe_unanswered,
        ..View::default()
    };
    for w in conn.recent_worlds(now, skew) {
        if !(w.has_tcb() || w.state == State::SynSent) {
            v.gone = true;
            continue;
        }
        v.stale |= w.iss != inc.iss;
        v.closing |= w.fin_seq.is_some();
        v.all_closed &= w.fin_seq.is_some();
        v.syn_sent |= w.state == State::SynSent;
        v.may_time_out |= g.user_timeout && w.una.before(w.snd_max);
        v.acked = v.acked.min(u64::try_from(w.una.since(w.iss).saturating_sub(1)).unwrap_or(0));
    }
    if let Some(space) = irs.and_then(|irs| conn.space(irs)) {
        let (text, fin) = space.in_order(tail);
        v.text = Some(text);
        v.fin = fin;
    }
    v
}

/// A broken rule: the rule, the step, the requirement, what was expected.
type Broken = (Rule, Step, Option<&'static str>, String);

/// The rule a call's result breaks, if any (coverage noted for every rule applied).
fn judge(d: &Desc, v: &View, c: &SocketCall, g: &mut Global) -> Option<Broken> {
    if c.value < 0 {
        let e = c.errno?;
        return if g.foreign_in { None } else { failed(d, v, e, g) };
    }
    match c.op {
        SocketOp::Recv { len, .. } => received(d, v, len, c.value.unsigned_abs(), g),
        SocketOp::Send { len, .. } if len > 0 && c.value > 0 => {
            g.hit(Step::Send);
            (d.shut_wr || v.all_closed).then(|| {
                let e = "\"error: connection closing\" (or \"connection does not exist\"): no SEND after the user's CLOSE of the sending side";
                (Rule::SendAfterClose, Step::Send, None, e.to_string())
            })
        }
        SocketOp::Socket
        | SocketOp::Bind { .. }
        | SocketOp::Listen
        | SocketOp::Connect { .. }
        | SocketOp::Accept
        | SocketOp::Send { .. }
        | SocketOp::Shutdown { .. }
        | SocketOp::Close => None,
    }
}

/// RECEIVE returned `n` octets (§3.10.3; §3.10.7.4 seventh and eighth).
fn received(d: &Desc, v: &View, len: usize, n: u64, g: &mut Global) -> Option<Broken> {
    g.hit(Step::Receive);
    if n > 0 {
        let text = v.text?;
        if d.delivered.saturating_add(n) <= text {
            return None;
        }
        let e = format!(
            "at most {} octets: RECEIVE returns text in sequence, {text} may have arrived so, {} were returned before",
            text.saturating_sub(d.delivered),
            d.delivered
        );
        return Some((Rule::ReceivedNotArrived, Step::Receive, None, e));
    }
    if len == 0 {
        return None;
    }
    g.covers("MUST-12");
    let explained = v.fin || d.shut_rd || d.disconnected || v.gone || v.reset || v.refused || v.may_time_out;
    let e = "end-of-data only after the peer's FIN arrived in sequence, a shutdown(SHUT_RD), or the connection's end";
    (!explained).then(|| (Rule::EndOfDataEarly, Step::Receive, Some("MUST-12"), e.to_string()))
}

/// A call failed with `e`: the errors that signal what happened to the connection.
fn failed(d: &Desc, v: &View, e: Errno, g: &mut Global) -> Option<Broken> {
    let (explained, step, req, expected) = if e == Errno::ECONNRESET {
        let step = Step::Other(Check::Rst);
        (v.reset || d.disconnected, step, Some("MUST-12"), "\"connection reset\" only after a RST reset the connection or the stack aborted it")
    } else if e == Errno::ECONNREFUSED {
        (v.refused, Step::SynSent(2), Some("MUST-12"), "\"connection refused\" only after a RST answered the SYN")
    } else if e == Errno::ETIMEDOUT {
        // §3.8.3: the connection is closed on R2 (MUST-20) — retransmissions, or keep-alive
        // probes, went unanswered — or on a user timeout; the user is told (MUST-12).
        let step = Step::Timeout(TimerKind::Retransmission);
        // RFC 5482 §2: the user timeout runs while written data is not delivered, sent or not
        // (a local queue may hold it).
        let undelivered = g.user_timeout && d.written > v.acked;
        (v.may_time_out || undelivered || d.disconnected, step, Some("MUST-20"), "\"connection timed out\" only after retransmissions or probes went unanswered (R2) or a user timeout")
    } else if e == Errno::EPIPE {
        let closed = d.shut_wr || d.disconnected || v.gone || v.closing || v.reset || v.may_time_out;
        (closed, Step::Send, None, "\"connection closing\" (EPIPE) only once the sending side is closed or the connection is gone")
    } else {
        return None;
    };
    g.hit(step);
    if let Some(id) = req {
        g.covers(id);
    }
    (!explained).then(|| (Rule::UnexplainedError, step, req, expected.to_string()))
}

/// `recv(4, 1000 octets) = 2000`, `connect(3, 192.0.2.1:8080) = -1 ECONNREFUSED`.
fn describe(c: &SocketCall) -> String {
    let fd = c.fd;
    let call = match c.op {
        SocketOp::Socket => "socket()".to_string(),
        SocketOp::Bind { local } => format!("bind({fd}, {local})"),
        SocketOp::Listen => format!("listen({fd})"),
        SocketOp::Connect { remote } => format!("connect({fd}, {remote})"),
        SocketOp::Accept => format!("accept({fd})"),
        SocketOp::Send { len, .. } => format!("send({fd}, {len} octets)"),
        SocketOp::Recv { len, peek: false } => format!("recv({fd}, {len} octets)"),
        SocketOp::Recv { len, peek: true } => format!("recv({fd}, {len} octets, MSG_PEEK)"),
        SocketOp::Shutdown { how } => format!("shutdown({fd}, {how:?})"),
        SocketOp::Close => format!("close({fd})"),
    };
    match c.errno.filter(|_| c.value < 0) {
        Some(e) => format!("{call} = -1 {}", e.name()),
        None => format!("{call} = {}", c.value),
    }
}
