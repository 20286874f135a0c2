//! The oracle on socket calls' results (RFC 9293 §3.10.1–6, MUST-12): each rule is silent on
//! the reference stack's own run of a suite script, and fires once one result in that run is
//! changed into one no RFC-conformant stack could return — the call's record is edited, the
//! segments stay as the stack sent them.

use std::path::Path;
use std::time::Duration;
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::{self, Finding, OracleProfile, Rule, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack::trace::{SocketCall, SocketOp, Trace, TraceKind};
use synack_stack::decision::{Check, TimerKind};
use synack_stack::{Errno, Profile, Step};

fn trace(script: &str) -> Trace {
    let config = SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: vec![IpMode::Ipv4],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts").join(script);
    let (report, trace) = suite::run_job(&Job { path, mode: IpMode::Ipv4 }, &config);
    assert_eq!(report.verdict, synack::report::Verdict::Pass, "{script}: {}", report.message);
    trace.expect("the script runs")
}

fn violations(t: &Trace) -> Vec<Finding> {
    oracle::check(t, &OracleProfile::for_trace(t)).into_iter().filter(|f| f.severity == Severity::Violation).collect()
}

/// `t` with the `nth` socket call doing `op` changed by `edit`.
fn edited(t: &Trace, op: fn(&SocketOp) -> bool, nth: usize, edit: impl FnOnce(&mut SocketCall)) -> Trace {
    let mut t = t.clone();
    let call = t
        .events
        .iter_mut()
        .filter_map(|e| match &mut e.kind {
            TraceKind::Socket(c) if op(&c.op) => Some(c),
            _ => None,
        })
        .nth(nth)
        .expect("the trace has that call");
    edit(call);
    t
}

fn recv(op: &SocketOp) -> bool {
    matches!(op, SocketOp::Recv { .. })
}

fn send(op: &SocketOp) -> bool {
    matches!(op, SocketOp::Send { .. })
}

fn returns(value: i64) -> impl FnOnce(&mut SocketCall) {
    move |c| {
        c.value = value;
        c.errno = None;
    }
}

fn fails(e: Errno) -> impl FnOnce(&mut SocketCall) {
    move |c| {
        c.value = -1;
        c.errno = Some(e);
    }
}

/// The one violation of `t`, which must be `rule` at `step` (with `req`).
fn the_violation(t: &Trace, rule: Rule, step: Step, req: Option<&str>) -> Finding {
    let v = violations(t);
    assert_eq!(v.len(), 1, "{v:#?}");
    let f = v.into_iter().next().expect("one");
    assert_eq!((f.rule, f.step, f.requirement), (rule, Some(step), req), "{f}");
    f
}

#[test]
fn receive_returns_only_text_that_arrived_in_sequence() {
    // Two segments beyond a hole: nothing is readable (the script reads EAGAIN), then the
    // hole fills and 200 octets are read twice.
    let t = trace("data/out-of-order.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    // Text past the hole, before it is filled.
    let early = edited(&t, recv, 0, returns(100));
    let f = the_violation(&early, Rule::ReceivedNotArrived, Step::Receive, None);
    assert!(f.happened.contains("= 100") && f.expected.starts_with("at most 0 octets"), "{f}");
    // One octet more than the 400 that arrived.
    let more = edited(&t, recv, 2, returns(201));
    the_violation(&more, Rule::ReceivedNotArrived, Step::Receive, None);
}

#[test]
fn end_of_data_only_after_the_peer_fin_in_sequence() {
    // The peer's FIN arrives and read() returns 0: right.
    let t = trace("close/passive-close.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    // End-of-data while only out-of-order text has arrived: the user would think the peer
    // closed (MUST-12).
    let t = trace("data/out-of-order.pkt");
    let eof = edited(&t, recv, 0, returns(0));
    the_violation(&eof, Rule::EndOfDataEarly, Step::Receive, Some("MUST-12"));
}

#[test]
fn connection_reset_only_after_a_rst() {
    // A RST at RCV.NXT, then read() reports ECONNRESET: right.
    let t = trace("reset/rst-established.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    let t = trace("data/out-of-order.pkt");
    let reset = edited(&t, recv, 0, fails(Errno::ECONNRESET));
    the_violation(&reset, Rule::UnexplainedError, Step::Other(Check::Rst), Some("MUST-12"));
}

#[test]
fn connection_refused_only_after_a_rst_to_the_syn() {
    // After the RST that refuses the SYN, a call may report it.
    let t = trace("reset/rst-syn-sent.pkt");
    let refused = edited(&t, send, 0, fails(Errno::ECONNREFUSED));
    assert!(violations(&refused).is_empty(), "{:?}", violations(&refused));
    // Established: nothing refused it. (The descriptor is the connect()'s.)
    let t = trace("handshake/active-open.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    let refused = edited(&t, send, 0, fails(Errno::ECONNREFUSED));
    the_violation(&refused, Rule::UnexplainedError, Step::SynSent(2), Some("MUST-12"));
}

#[test]
fn send_fails_after_close_of_the_sending_side() {
    // shutdown(SHUT_WR), then write() fails with EPIPE ("connection closing").
    let t = trace("close/half-close-peer-sends-after-our-fin.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    let sent = edited(&t, send, 0, returns(100));
    the_violation(&sent, Rule::SendAfterClose, Step::Send, None);
    // And "connection closing" while nothing is closed is unexplained.
    let t = trace("close/active-close.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    let closing = edited(&t, send, 0, fails(Errno::EPIPE));
    the_violation(&closing, Rule::UnexplainedError, Step::Send, None);
}

/// An ICMP echo request (IPv4, protocol 1) from the peer to the stack.
fn icmp(t: &Trace) -> Vec<u8> {
    let tcp = t.packets().find(|(_, inbound, _)| *inbound).map(|(_, _, b)| b.to_vec()).expect("an inbound packet");
    let mut p = tcp[..20].to_vec();
    p[2..4].copy_from_slice(&28u16.to_be_bytes());
    p[9] = 1;
    p[10..12].fill(0);
    let sum = (0..10).map(|i| u32::from(u16::from_be_bytes([p[2 * i], p[2 * i + 1]]))).sum::<u32>();
    let folded = (sum & 0xffff) + (sum >> 16);
    p[10..12].copy_from_slice(&(!(folded as u16)).to_be_bytes());
    p.extend([8, 0, 0xf7, 0xff, 0, 0, 0, 0]);
    p
}

#[test]
fn traffic_other_than_tcp_may_explain_an_error() {
    // An ICMP message reached the stack before the error (an ICMP error can reset or refuse a
    // connection, RFC 5927): the error is not judged.
    let t = trace("data/out-of-order.pkt");
    let mut reset = edited(&t, recv, 0, fails(Errno::ECONNRESET));
    let at = reset.events.iter().find(|e| matches!(e.kind, TraceKind::Socket(_))).map_or(Duration::ZERO, |e| e.at);
    let packet = icmp(&t);
    reset.events.insert(1, synack::trace::TraceEvent { at, line: None, kind: TraceKind::Inbound(packet) });
    reset.events.sort_by_key(|e| e.at);
    assert!(violations(&reset).is_empty(), "{:?}", violations(&reset));
}

#[test]
fn connection_timed_out_only_after_unanswered_retransmissions() {
    // Three retransmissions go unanswered; read() reports ETIMEDOUT (R2, MUST-20): right.
    let t = trace("retransmission/rto-give-up.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    // A connection whose every segment was acknowledged has nothing to time out on.
    let t = trace("data/out-of-order.pkt");
    let timed_out = edited(&t, recv, 0, fails(Errno::ETIMEDOUT));
    let f = the_violation(&timed_out, Rule::UnexplainedError, Step::Timeout(TimerKind::Retransmission), Some("MUST-20"));
    assert!(f.happened.contains("ETIMEDOUT"), "{f}");
}

#[test]
fn user_timeout_may_end_a_connection_with_text_not_yet_sent() {
    // The last write() is followed at once by a second that reports ETIMEDOUT, before any
    // segment carries the text: nothing retransmitted, nothing unanswered.
    let t = trace("retransmission/rto-backoff.pkt");
    let at = |t: &Trace, n: usize| t.events.iter().enumerate().filter(|(_, e)| matches!(&e.kind, TraceKind::Socket(c) if send(&c.op))).nth(n).map(|(i, e)| (i, e.at)).expect("the write");
    let (i, when) = at(&t, 1);
    let mut early = t.clone();
    let TraceKind::Socket(c) = &t.events[i].kind else { panic!("event {i} is the write") };
    let mut failed = c.clone();
    fails(Errno::ETIMEDOUT)(&mut failed);
    early.events.insert(i + 1, synack::trace::TraceEvent { at: when, line: None, kind: TraceKind::Socket(failed) });
    the_violation(&early, Rule::UnexplainedError, Step::Timeout(TimerKind::Retransmission), Some("MUST-20"));
    // Under TCP_USER_TIMEOUT (RFC 5482) the timeout runs while written text is undelivered,
    // queued or sent: the same result is explained.
    let mut user = early.clone();
    let call = "setsockopt(4, SOL_TCP, TCP_USER_TIMEOUT, [1000], 4)".to_string();
    user.events.insert(i, synack::trace::TraceEvent { at: when, line: None, kind: TraceKind::SyscallStart { call } });
    assert!(violations(&user).is_empty(), "{:?}", violations(&user));
}

/// `t` with every user call naming `option` rewritten by `edit` (None drops it).
fn with_option(t: &Trace, option: &str, edit: impl Fn(&str) -> Option<String>) -> Trace {
    let mut t = t.clone();
    t.events.retain_mut(|e| {
        let TraceKind::SyscallStart { call } = &mut e.kind else { return true };
        if !call.contains(option) {
            return true;
        }
        match edit(call) {
            Some(new) => {
                *call = new;
                true
            }
            None => false,
        }
    });
    t
}

#[test]
fn keepalives_only_when_asked_and_after_the_interval() {
    // SO_KEEPALIVE with TCP_KEEPIDLE 1 s: probes after a second of silence (MUST-24, MUST-27).
    let t = trace("keepalive/keepalive-probes.pkt");
    assert!(violations(&t).is_empty(), "{:?}", violations(&t));
    // Without SO_KEEPALIVE, the same probes are keep-alives nobody asked for (MUST-25).
    let unasked = with_option(&t, "SO_KEEPALIVE", |_| None);
    let v = violations(&unasked);
    assert!(!v.is_empty() && v.iter().all(|f| f.rule == Rule::KeepAlive && f.requirement == Some("MUST-25")), "{v:#?}");
    // With a 2 s interval, a probe after 1 s of silence comes too early (MUST-26).
    let longer = with_option(&t, "TCP_KEEPIDLE", |c| Some(c.replace("[1]", "[2]")));
    let v = violations(&longer);
    assert!(!v.is_empty() && v.iter().all(|f| f.rule == Rule::KeepAlive && f.requirement == Some("MUST-26")), "{v:#?}");
    // And with no TCP_KEEPIDLE the interval is the two-hour default (MUST-28).
    let default = with_option(&t, "TCP_KEEPIDLE", |_| None);
    let v = violations(&default);
    assert!(v.iter().any(|f| f.expected.contains("7200.000 s")), "{v:#?}");
}
