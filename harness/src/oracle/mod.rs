//! The RFC 9293 oracle: given what went into a stack and what came out, could an
//! RFC-conformant stack have produced it? It judges every segment of a trace — a run's, or a
//! capture's — against §3.10 event processing, whatever the script expected.
//!
//! - [`segment`]: packets as the oracle reads them (allocation-free, capture-tolerant).
//! - [`world`]: one hypothesis about a connection's TCB; the oracle keeps every one the trace
//!   allows. Unknowns — the stack's ISS, its RCV.NXT between ACKs, its windows, its timers,
//!   whether it delays an ACK — are bounds learned as the trace goes on, never predictions.
//! - [`arrive`]: §3.10.7 SEGMENT ARRIVES, producing successor worlds and what they owe
//!   (a RST, a challenge ACK, an ACK within 0.5 s); [`unsynced`] its steps for no TCB,
//!   LISTEN and SYN-SENT (§3.10.7.1–3).
//! - [`emit`]: what a world allows the stack to send (replies, user calls, timers).
//! - [`fastopen`]: RFC 7413 TCP Fast Open — a listener's SYN-ACK to a SYN with text and a
//!   cookie that may or may not have been valid (both kept until the SYN-ACK tells).
//! - [`checks`]: format (options, checksum, size) and retransmission backoff.
//! - [`keepalive`]: keep-alives only when asked, idle, and after the interval (§3.8.4).
//! - [`conn`]: a connection's worlds; dead worlds become [`Finding`]s.
//! - [`join`]: connections a capture joins mid-stream, followed from the stack's numbers.
//! - [`calls`]: socket calls tied to connections, their results judged (§3.10.1–6).
//! - [`profile`]: RFC 5961 / RFC 1337 switches, bounds, permitted deviations (`linux`).
//! - [`requirements`]: RFC 9293's requirement table, for IDs in verdicts.
//! - [`capture`]: pcap / pcapng files read into the same checker (`synack check`).
//! - [`coverage`]: which steps and requirements runs exercised (`synack coverage`).
//!
//! Entry points: [`check`] for a run's [`Trace`]; [`Checker`] to feed packets one by one.

mod arrive;
mod calls;
pub mod capture;
mod checks;
mod conn;
mod context;
pub mod coverage;
mod emit;
mod fastopen;
mod global;
mod keepalive;
mod history;
mod join;
pub mod profile;
pub mod requirements;
pub mod segment;
mod seqspace;
mod unsynced;
pub mod verdict;
mod world;

pub use profile::{Deviation, OracleProfile};
pub use verdict::{any_violation, Finding, Rule, Severity};

use crate::trace::{SocketCall, Trace, TraceKind};
use conn::Conn;
use global::Global;
use segment::{Seg, SegError};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Judges a run: the stack's outbound segments against its inbound ones and its calls.
pub fn check(trace: &Trace, profile: &OracleProfile) -> Vec<Finding> {
    let (checker, end) = feed(trace, profile);
    checker.finish(end)
}

/// As [`check`], with what the run exercised.
pub fn check_with_coverage(trace: &Trace, profile: &OracleProfile) -> (Vec<Finding>, coverage::Coverage) {
    let (checker, end) = feed(trace, profile);
    let c = checker.coverage();
    (checker.finish(end), c)
}

/// A checker fed a run's events, and the run's end.
fn feed(trace: &Trace, profile: &OracleProfile) -> (Checker, Duration) {
    let mut checker = Checker::new(profile.clone());
    // Packets in time order (a real backend's timestamps may put an outbound packet that
    // was fetched late before the inbound one traced at injection); ties keep trace order.
    let mut order: Vec<(Duration, usize)> = trace
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| match &e.kind {
            TraceKind::Inbound(_) | TraceKind::Outbound(_) | TraceKind::SyscallStart { .. } | TraceKind::Socket(_) => true,
            TraceKind::SyscallReturn { .. }
            | TraceKind::Command { .. }
            | TraceKind::Assertion { .. }
            | TraceKind::State { .. }
            | TraceKind::Decision(_)
            | TraceKind::Note(_)
            | TraceKind::Failure(_) => false,
        })
        .map(|(i, e)| (e.at, i))
        .collect();
    order.sort_by_key(|&(at, _)| at);
    for (at, i) in order {
        match &trace.events[i].kind {
            TraceKind::Inbound(bytes) => {
                let _ = checker.packet(i, at, bytes, false);
            }
            TraceKind::Outbound(bytes) => {
                let _ = checker.packet(i, at, bytes, true);
            }
            TraceKind::SyscallStart { call } => checker.user_call(at, call),
            TraceKind::Socket(c) => checker.socket_call(i, at, c),
            TraceKind::SyscallReturn { .. }
            | TraceKind::Command { .. }
            | TraceKind::Assertion { .. }
            | TraceKind::State { .. }
            | TraceKind::Decision(_)
            | TraceKind::Note(_)
            | TraceKind::Failure(_) => {}
        }
    }
    let end = trace.events.iter().map(|e| e.at).max().unwrap_or_default();
    (checker, end)
}

/// Counts of what a checker saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// TCP segments read.
    pub segments: u64,
    /// Connections (per judged endpoint).
    pub connections: usize,
    /// Connections never judged (a capture joined them mid-stream and the stack sent
    /// nothing to follow them from).
    pub not_judged: usize,
    /// Connections a capture joined mid-stream, judged from the stack's first ACK.
    pub joined: usize,
}

/// The oracle fed event by event. Segments are inbound (to the judged stack) or outbound
/// (from it); the connection is the 4-tuple seen from the judged stack.
#[derive(Clone)]
pub struct Checker {
    g: Global,
    conns: Vec<Conn>,
    sockets: calls::Sockets,
    index: HashMap<(SocketAddr, SocketAddr), usize>,
    last: Option<((SocketAddr, SocketAddr), usize)>,
    segments: u64,
}

impl Checker {
    /// A checker with this profile.
    pub fn new(profile: OracleProfile) -> Checker {
        Checker { g: Global::new(profile), conns: Vec::new(), sockets: calls::Sockets::default(), index: HashMap::new(), last: None, segments: 0 }
    }

    /// A packet as IP bytes; non-TCP or unreadable packets are refused (and ignored).
    pub fn packet(&mut self, event: usize, at: Duration, bytes: &[u8], outbound: bool) -> Result<(), SegError> {
        let seg = segment::parse(bytes).inspect_err(|e| {
            if !outbound && matches!(e, SegError::NotTcp(_)) {
                self.g.foreign_in = true;
            }
        })?;
        self.segment(event, at, &seg, outbound);
        Ok(())
    }

    /// A parsed segment.
    pub fn segment(&mut self, event: usize, at: Duration, seg: &Seg, outbound: bool) {
        self.segments += 1;
        if !outbound && discarded(seg, &self.g.profile) {
            return;
        }
        let key = if outbound { (seg.src, seg.dst) } else { (seg.dst, seg.src) };
        let now = nanos(at);
        if self.segments == 1 {
            self.g.first = now;
        }
        let idx = match self.last {
            Some((k, i)) if k == key => i,
            Some(_) | None => {
                let i = match self.index.get(&key) {
                    Some(&i) => i,
                    None => {
                        let i = self.conns.len();
                        // In a run every connection is seen from its start; a capture may join
                        // one mid-stream (see `join`): its first segment is its first only if
                        // it is the stack's SYN (the peer's may be one into a connection).
                        let first = outbound && seg.flags.syn() && !seg.has_ack() && !seg.flags.rst();
                        let judged = self.g.profile.complete || first;
                        self.conns.push(Conn::new(i, key.0, key.1, now, judged, &self.g));
                        self.index.insert(key, i);
                        i
                    }
                };
                self.last = Some((key, i));
                i
            }
        };
        self.conns[idx].on_segment(event, now, seg, outbound, &mut self.g);
        self.sockets.after_segment(idx, &self.conns[idx], seg, outbound, now);
    }

    /// A socket call that returned at `at` (trace event `event`): its descriptor is tied to a
    /// connection where the trace shows which, and its result judged (see [`calls`]).
    pub fn socket_call(&mut self, event: usize, at: Duration, call: &SocketCall) {
        self.sockets.call(event, nanos(at), call, &mut self.conns, &mut self.g);
    }

    /// A user call (`close(4)`, `shutdown(4, SHUT_WR)`, …) at `at`: it may explain a RST
    /// (§3.10.5 ABORT) or data after CLOSE (SHLD-3); a TCP_USER_TIMEOUT setting, a give-up
    /// before any retransmission shows. Its result is [`Checker::socket_call`]'s.
    pub fn user_call(&mut self, at: Duration, call: &str) {
        let now = nanos(at);
        self.g.last_user_call = Some(now);
        let name = call.split('(').next().unwrap_or("").trim();
        self.g.calls += 1;
        if name == "listen" {
            self.g.last_listen_call = self.g.calls;
        }
        if name == "close" || name == "abort" {
            self.g.last_close_call = self.g.calls;
        }
        if name == "close" || name == "shutdown" {
            self.g.last_close = Some(now);
        }
        if name == "close" {
            self.g.last_close_fd = Some(now);
        }
        // SHLD-3 concerns an application that reads no more: close(), or shutdown() of the
        // receiving side (SHUT_RD, SHUT_RDWR) — not shutdown(SHUT_WR), after which it reads on
        // (RFC 9293 §3.6: the user who CLOSEs "may continue to RECEIVE").
        if name == "close" || name == "abort" || (name == "shutdown" && call.contains("SHUT_RD")) {
            self.g.last_rcv_close = Some(now);
        }
        // shutdown(SHUT_RD) closes no sending side (a call text without the argument counts).
        let read_only = call.contains("SHUT_RD") && !call.contains("SHUT_RDWR");
        if name == "close" || (name == "shutdown" && !read_only) {
            self.g.last_send_close = Some(now);
        }
        // §3.10.5 ABORT (e.g. close() with SO_LINGER 0, when the caller names it `abort`):
        // CLOSING, LAST-ACK and TIME-WAIT then delete the TCB without a word.
        if name == "abort" {
            self.g.last_close = Some(now);
            self.g.last_abort = Some(now);
        }
        self.g.keepalive.user_call(call);
        if call.contains("TCP_USER_TIMEOUT") {
            self.g.user_timeout = true;
        }
    }

    /// The §3.10 steps and requirements exercised so far.
    pub fn coverage(&self) -> coverage::Coverage {
        coverage::Coverage { steps: self.g.steps.clone(), requirements: self.g.reqs.clone() }
    }

    /// The findings so far (a repeated finding counts in its first's `occurrences`); replies
    /// still owed are judged by [`Checker::finish`].
    pub fn findings(&self) -> &[Finding] {
        &self.g.findings
    }

    /// What the checker saw so far.
    pub fn stats(&self) -> Stats {
        Stats {
            segments: self.segments,
            connections: self.conns.len(),
            not_judged: self.conns.iter().filter(|c| !c.judged()).count(),
            joined: self.conns.iter().filter(|c| c.joined_at().is_some()).count(),
        }
    }

    /// Ends the trace at `end`: replies overdue by then are missing.
    pub fn finish(mut self, end: Duration) -> Vec<Finding> {
        let now = nanos(end);
        for c in &mut self.conns {
            c.expire(now, &mut self.g);
        }
        let mut notes = Vec::new();
        for c in &self.conns {
            let (rule, happened, event) = match (c.judged(), c.joined_at()) {
                (false, _) => (Rule::LostTrack, "the capture joined it mid-stream and the stack sent no ACK; not judged".into(), 0),
                (true, Some(ev)) => (
                    Rule::JoinedMidStream,
                    format!("the capture joined it mid-stream; judged from #{ev} (the window scales and what came before unknown)"),
                    ev,
                ),
                (true, None) => continue,
            };
            notes.push(Finding {
                severity: Severity::Note,
                rule,
                connection: c.name(),
                state: synack_stack::State::Established,
                step: None,
                requirement: None,
                expected: "a connection seen from its SYN".into(),
                happened,
                event,
                at: Duration::ZERO,
                deviation: None,
                occurrences: 1,
            });
        }
        let mut findings = self.g.findings;
        findings.extend(notes);
        findings
    }
}

/// An inbound segment no conformant stack processes, so it cannot change what the stack may
/// or must do: a bad checksum where checksums are judged (MUST-3: the receiver checks it; a
/// capture's may be unfinished by offload), or a broadcast or multicast source or destination
/// (MUST-57, MUST-63: silently discarded; RFC 1122 §3.2.1.3's IP layer drops such sources).
fn discarded(seg: &Seg, profile: &OracleProfile) -> bool {
    let not_unicast = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => v4.is_multicast() || v4.is_broadcast(),
        IpAddr::V6(v6) => v6.is_multicast(),
    };
    (profile.check_checksums && seg.checksum_ok == Some(false)) || not_unicast(seg.src.ip()) || not_unicast(seg.dst.ip())
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
