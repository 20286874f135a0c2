//! Oracle false alarms of the `state_machine` target in LISTEN, CLOSING, TIME-WAIT and
//! FIN-WAIT-2.

use super::*;
use synack::oracle::Deviation;

/// Into TIME-WAIT by a CLOSE, then the peer's FIN acknowledging ours.
fn time_wait(t: &mut Feed) {
    t.established();
    t.checker.user_call(Duration::from_millis(2), "close(4)");
    t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    t.inbound(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, 0);
    t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
}

/// With RFC 5961 off, §3.10.7.4 second resets on any RST in the window — but Linux's
/// `tcp_timewait_state_process` acts on a RST in TIME-WAIT only at exactly RCV.NXT, whatever
/// RFC 5961, and ignores any other silently: the socket stays and answers text with an ACK.
/// Found by state_machine (its `rfc5961` knob off) as 39 "unexpected segments in LISTEN"
/// after such a RST (the oracle's world had closed). Controls: a RST at RCV.NXT, and the
/// same trace without [`Deviation::TimeWaitSilentOnRst`], stay violations.
#[test]
fn linux_time_wait_ignores_a_rst_off_rcv_nxt_with_rfc5961_off() {
    let run = |permit: bool, rst_seq: u32| {
        let mut p = OracleProfile::linux();
        p.rfc5961 = false;
        if !permit {
            p.permitted.retain(|&d| d != Deviation::TimeWaitSilentOnRst);
        }
        let mut t = Feed::new(p);
        time_wait(&mut t);
        t.inbound(500, TcpFlags::RST, rst_seq, 0, 0);
        t.inbound(1000, TcpFlags::ACK | TcpFlags::PSH, IRS + 2, ISS + 2, 10);
        t.outbound(1000, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        t.checker.finish(Duration::from_millis(2000))
    };
    let linux = run(true, IRS + 2 + 85);
    assert!(!linux.iter().any(|f| f.severity == Severity::Violation), "{linux:?}");
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::TimeWaitSilentOnRst) && f.severity == Severity::Permitted), "{linux:?}");
    let exact = run(true, IRS + 2);
    assert!(exact.iter().any(|f| f.severity == Severity::Violation), "a RST at RCV.NXT ends TIME-WAIT: {exact:?}");
    let rfc793 = run(false, IRS + 2 + 85);
    assert!(rfc793.iter().any(|f| f.severity == Severity::Violation), "RFC 793's RST in the window resets: {rfc793:?}");
}

/// close() with received text unread is an ABORT (RFC 9293 §3.6, SHLD-3: "SHOULD send a RST
/// to show that data was lost"; Linux `tcp_close`), and §3.10.5 ABORT deletes CLOSING
/// without a word; the peer's next segment finds no connection (§3.10.7.1/2: a RST). The
/// oracle cannot see how much the user read: a close() after text arrived may be that
/// ABORT. Found by state_machine as 7 "unexplained resets in CLOSING". Control: with no
/// text, close() in CLOSING is "error: connection closing" (§3.10.4) and the RST stays a
/// violation.
#[test]
fn close_over_unread_text_deletes_closing_silently() {
    let run = |text: u32| {
        let mut t = Feed::new(OracleProfile::linux());
        t.established();
        if text > 0 {
            t.inbound(1, TcpFlags::ACK | TcpFlags::PSH, IRS + 1, ISS + 1, text as usize);
            t.outbound(1, TcpFlags::ACK, ISS + 1, IRS + 1 + text, 0);
        }
        t.checker.user_call(Duration::from_millis(2), "shutdown(4, SHUT_WR)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1 + text, 0);
        // The peer's FIN crosses ours: CLOSING.
        t.inbound(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1 + text, ISS + 1, 0);
        t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2 + text, 0);
        t.checker.user_call(Duration::from_millis(4), "close(4)");
        t.inbound(100, TcpFlags::ACK, IRS + 2 + text, ISS + 2, 0);
        t.outbound(100, TcpFlags::RST, ISS + 2, 0, 0);
        t.violations(200)
    };
    let v = run(10);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(0).is_empty(), "close() in CLOSING with nothing received deletes nothing");
}

/// §3.10.8 USER TIMEOUT: "flush all queues, signal the user "error: connection aborted due
/// to user timeout" ... and enter the CLOSED state" — with a TCP_USER_TIMEOUT (RFC 5482)
/// shorter than the RTO, before any retransmission shows. LAST-ACK with its FIN
/// unacknowledged gives up silently; the peer's next segment then draws a RST. Found by
/// state_machine (reported in CLOSING, a world beside LAST-ACK). Controls: without the
/// setsockopt, and with nothing outstanding, the RST stays a violation.
#[test]
fn a_user_timeout_may_end_last_ack_before_any_retransmission() {
    let run = |user_timeout: bool, fin_sent: bool| {
        let mut t = Feed::new(OracleProfile::linux());
        t.established();
        if user_timeout {
            t.checker.user_call(Duration::from_millis(1), "setsockopt(4, IPPROTO_TCP, TCP_USER_TIMEOUT, [200], 4)");
        }
        t.inbound(2, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        if fin_sent {
            t.checker.user_call(Duration::from_millis(3), "close(4)");
            t.outbound(3, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        }
        t.inbound(900, TcpFlags::ACK, IRS + 2, ISS + 1, 0);
        t.outbound(900, TcpFlags::RST, ISS + 1, 0, 0);
        t.violations(1000)
    };
    let v = run(true, true);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(false, true).is_empty(), "without a user timeout, LAST-ACK waits for its retransmissions");
    assert!(!run(true, false).is_empty(), "with nothing outstanding, a user timeout does not fire");
}

fn ts(tsval: u32, tsecr: u32) -> TcpOption {
    TcpOption::Timestamps { tsval, tsecr }
}

/// Into TIME-WAIT with timestamps (the peer's last TSval 102, ours 7002).
fn ts_time_wait(t: &mut Feed) {
    t.inb(0, TcpFlags::SYN, IRS, 0, vec![TcpOption::Mss(1460), ts(100, 0)], 0);
    t.out(0, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, vec![TcpOption::Mss(1460), ts(7000, 100)], 0);
    t.inb(1, TcpFlags::ACK, IRS + 1, ISS + 1, vec![ts(101, 7000)], 0);
    t.checker.user_call(Duration::from_millis(2), "close(4)");
    t.out(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, vec![ts(7001, 101)], 0);
    t.inb(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, vec![ts(102, 7001)], 0);
    t.out(3, TcpFlags::ACK, ISS + 2, IRS + 2, vec![ts(7002, 102)], 0);
}

/// A segment with two Timestamps options: RFC 7323 leaves a repeated option undefined (Linux
/// `tcp_parse_options` takes the last, the reference stack's rfc9293 profile the first), and
/// the oracle read only the last. Here TIME-WAIT (RFC 5961 off) gets a SYN at RCV.NXT whose
/// first TSval is older than TS.Recent: PAWS (RFC 7323 §5.3 R1) drops it with an ACK, where
/// the last TSval would let it through to §3.10.7.4 fourth's RST. Found by state_machine (5
/// reproducers in TIME-WAIT: missing replies, unexpected segments, an ACK judged too low).
/// Control: the same SYN with only the newer option, answered with an ACK, stays a violation.
#[test]
fn a_repeated_timestamps_option_may_be_read_either_way() {
    let run = |syn_ts: Vec<TcpOption>| {
        let mut p = OracleProfile::rfc9293();
        p.rfc5961 = false;
        let mut t = Feed::new(p);
        ts_time_wait(&mut t);
        t.inb(1000, TcpFlags::SYN, IRS + 2, 0, syn_ts, 0);
        t.out(1000, TcpFlags::ACK, ISS + 2, IRS + 2, vec![ts(7100, 102)], 0);
        t.violations(2000)
    };
    let v = run(vec![ts(50, 0), ts(103, 0)]);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(vec![ts(103, 0)]).is_empty(), "one newer TSval passes PAWS: the SYN draws a RST, not an ACK");
}

/// TIME-WAIT reopens on a SYN whose TSval is newer than TS.Recent (RFC 9293 §3.6.1 MAY-2,
/// RFC 6191; Linux `tcp_timewait_state_process`) — and an out-of-window segment does not
/// update TS.Recent (RFC 7323 §4.3: only SEG.SEQ =< Last.ACK.sent). The oracle compared with
/// the peer's newest TSval, including one from such a segment. Found by state_machine as a
/// missing ACK in TIME-WAIT. Control: after a bare ACK at RCV.NXT with that TSval (copied to
/// TS.Recent), the SYN is not newer and the SYN-ACK stays a violation.
#[test]
fn time_wait_reopens_on_a_tsval_newer_than_ts_recent_not_the_peers_newest() {
    let run = |in_window: bool| {
        let mut t = Feed::new(OracleProfile::linux());
        ts_time_wait(&mut t);
        if in_window {
            // Linux: a bare segment at RCV.NXT, silently (TimeWaitSilentOnBareSegment).
            t.inb(500, TcpFlags::ACK, IRS + 2, ISS + 2, vec![ts(200, 7002)], 0);
        } else {
            t.inb(500, TcpFlags::ACK, IRS + 2 + 200_000, ISS + 2, vec![ts(200, 7002)], 0);
            t.out(500, TcpFlags::ACK, ISS + 2, IRS + 2, vec![ts(7100, 102)], 0);
        }
        t.inb(1000, TcpFlags::SYN, IRS + 2, 0, vec![TcpOption::Mss(1460), ts(200, 0)], 0);
        t.out(1000, TcpFlags::SYN | TcpFlags::ACK, ISS + 900_000, IRS + 3, vec![TcpOption::Mss(1460), ts(7200, 200)], 0);
        t.violations(1100)
    };
    let v = run(false);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(true).is_empty(), "a TSval copied to TS.Recent is not newer than it: no reopening");
}

/// TIME-WAIT with TS.Recent at 102 for certain; a bare segment at RCV.NXT with TSval
/// 102 + 0x7FFF0000 whose ACK is beyond SND.NXT (the oracle, allowing RFC 5961's challenge
/// ACK, cannot say TS.Recent took it; Linux takes it silently); then a SYN below RCV.NXT with
/// `syn_tsval`, answered by a SYN-ACK that reopens the connection.
fn reopened_by_a_syn_half_the_circle_past_the_lower_bound(syn_tsval: u32) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    ts_time_wait(&mut t);
    let newest = 102u32.wrapping_add(0x7fff_0000);
    t.inb(500, TcpFlags::ACK, IRS + 2, ISS + 2 + 100_000, vec![ts(newest, 7002)], 0);
    t.inb(1000, TcpFlags::SYN, IRS - 111, 0, vec![TcpOption::Mss(1460), ts(syn_tsval, 0)], 0);
    t.out(1000, TcpFlags::SYN | TcpFlags::ACK, ISS + 900_000, IRS - 110, vec![TcpOption::Mss(1460), ts(7200, syn_tsval)], 0);
    t.violations(1100)
}

/// Linux's TIME-WAIT (TS.Recent at 102) gets a FIN at RCV.NXT with TSval 900 000 102 and
/// answers it with an ACK; then a SYN at RCV.NXT with `syn_tsval`, answered by a SYN-ACK
/// that reopens the connection.
fn reopened_after_a_fin_in_time_wait(syn_tsval: u32) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    ts_time_wait(&mut t);
    t.inb(500, TcpFlags::FIN | TcpFlags::ACK, IRS + 2, ISS + 2, vec![ts(900_000_102, 7002)], 0);
    t.out(500, TcpFlags::ACK, ISS + 2, IRS + 2, vec![ts(7100, 102)], 0);
    t.inb(1000, TcpFlags::SYN, IRS + 2, 0, vec![TcpOption::Mss(1460), ts(syn_tsval, 0)], 0);
    t.out(1000, TcpFlags::SYN | TcpFlags::ACK, ISS + 900_000, IRS + 3, vec![TcpOption::Mss(1460), ts(7200, syn_tsval)], 0);
    t.violations(1100)
}

/// Linux's TIME-WAIT (`tcp_timewait_state_process`) copies TS.Recent only from a bare segment
/// (or RST) at RCV.NXT; a FIN or text draws an ACK and copies nothing. The oracle applied the
/// established rule (a segment at RCV.NXT with an acceptable ACK copies), raised TS.Recent's
/// lower bound to the FIN's TSval, and so ruled out the reopening by a SYN newer than the real
/// TS.Recent (RFC 6191), owing a challenge ACK instead. Found by state_machine (missing
/// challenge ACK in TIME-WAIT). Control: a SYN older than TS.Recent reopens nothing.
#[test]
fn time_wait_copies_no_timestamp_from_a_fin() {
    let v = reopened_after_a_fin_in_time_wait(200);
    assert!(v.is_empty(), "{v:?}");
    assert!(!reopened_after_a_fin_in_time_wait(50).is_empty(), "a SYN older than TS.Recent reopens nothing");
}

/// TS.Recent lies between the TSval copied for certain (102) and the peer's newest; when those
/// are more than half the timestamp circle apart, a SYN newer than the newest reads as older
/// than the lower bound. The oracle compared with the lower bound only and ruled out the
/// reopening (RFC 6191, Linux `tcp_timewait_state_process`) that the stack, with TS.Recent at
/// the newest, made. Found by state_machine (unexpected SYN-ACK in TIME-WAIT) in the one-hour
/// run. Control: a SYN older than both bounds reopens nothing, and its SYN-ACK stays a violation.
#[test]
fn time_wait_reopens_on_a_tsval_newer_than_the_peers_newest() {
    let v = reopened_by_a_syn_half_the_circle_past_the_lower_bound(102u32.wrapping_add(0x7fff_0000).wrapping_add(0x4000_0000));
    assert!(v.is_empty(), "{v:?}");
    assert!(!reopened_by_a_syn_half_the_circle_past_the_lower_bound(50).is_empty(), "a SYN older than TS.Recent reopens nothing");
}

/// Linux's TIME-WAIT (`tcp_timewait_state_process`) copies TS.Recent from any bare segment at
/// RCV.NXT that passes PAWS — with the ACK bit off too, where an established Linux connection
/// copies only from a segment with an acceptable ACK (Deviation::TsRecentNeedsAck). The oracle
/// applied the established rule, kept the older TS.Recent, and so ruled out the reopening by a
/// SYN newer than the copied TSval but more than 2^31 past the older one. Found by
/// state_machine as a missing challenge ACK in TIME-WAIT. Control: without the bare segment,
/// the SYN is older than TS.Recent (RFC 7323 §5.2, modulo 2^32) and the SYN-ACK a violation.
#[test]
fn linux_time_wait_copies_ts_recent_from_a_bare_segment_without_ack() {
    const STEP: u32 = 1_500_000_000;
    let run = |bare: bool| {
        let mut t = Feed::new(OracleProfile::linux());
        ts_time_wait(&mut t);
        if bare {
            t.inb(500, TcpFlags::EMPTY, IRS + 2, ISS + 2, vec![ts(102 + STEP, 7002)], 0);
        }
        t.inb(1000, TcpFlags::SYN, IRS + 2, 0, vec![TcpOption::Mss(1460), ts(102 + 2 * STEP, 0)], 0);
        t.out(1000, TcpFlags::SYN | TcpFlags::ACK, ISS + 900_000, IRS + 3, vec![TcpOption::Mss(1460), ts(7200, 102 + 2 * STEP)], 0);
        t.violations(1100)
    };
    let v = run(true);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(false).is_empty(), "a SYN older than TS.Recent does not reopen TIME-WAIT");
}

/// MUST-13: TIME-WAIT ends when its timer fires, which may be the very instant a segment
/// arrives (the reference stack runs timers first): the segment then meets no connection
/// (§3.10.7.2: a listener drops a FIN without ACK) and TIME-WAIT is not restarted by it.
/// The oracle restarted 2·MSL on that retransmitted FIN, then called the RST answering the
/// next segment (the listener closed meanwhile) unexplained. Found by state_machine (3
/// reproducers: 2 unexplained resets in TIME-WAIT, 1 missing reply in FIN-WAIT-2 — Linux's
/// 60 s and the RFC's 240 s). Control: the FIN a second before the timeout restarts it, and
/// the RST stays a violation.
#[test]
fn a_segment_at_the_time_wait_timeout_may_meet_no_connection() {
    let run = |fin_ms: u64| {
        let mut t = Feed::new(OracleProfile::linux());
        time_wait(&mut t);
        t.inbound(fin_ms, TcpFlags::FIN, IRS + 1, 0, 0);
        t.checker.user_call(Duration::from_millis(fin_ms + 1), "close(3)");
        t.inbound(fin_ms + 900, TcpFlags::PSH, IRS + 2, 0, 0);
        t.outbound(fin_ms + 900, TcpFlags::RST | TcpFlags::ACK, 0, IRS + 2, 0);
        t.violations(fin_ms + 1000)
    };
    let v = run(60_003);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(59_000).is_empty(), "TIME-WAIT a second before its timeout is still there");
}

/// A listener's half-open connection (SYN and SYN-ACK with Timestamps); then, when `relisten`,
/// close() and listen() again; the peer's SYN again at the same number, without Timestamps,
/// answered by a SYN-ACK without them; the handshake's ACK, and text without Timestamps.
fn syn_after_the_listener_was_replaced(relisten: bool) -> Vec<Finding> {
    syn_after_the_listener_was_replaced_then(relisten, |_| {})
}

fn syn_after_the_listener_was_replaced_then(relisten: bool, then: impl FnOnce(&mut Feed)) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    t.checker.user_call(Duration::ZERO, "listen(3, 16)");
    let opts = |ts: bool| {
        let mut o = vec![TcpOption::Mss(1460)];
        if ts {
            o.push(TcpOption::Timestamps { tsval: 7000, tsecr: 0 });
        }
        o
    };
    t.inb(1, TcpFlags::SYN, IRS, 0, opts(true), 0);
    let mut ours = opts(false);
    ours.push(TcpOption::Timestamps { tsval: 1, tsecr: 7000 });
    t.out(1, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, ours, 0);
    if relisten {
        t.checker.user_call(Duration::from_millis(2), "close(3)");
        t.checker.user_call(Duration::from_millis(2), "listen(5, 16)");
    }
    t.inb(3, TcpFlags::SYN, IRS, 0, opts(false), 0);
    // The same ISS (a clock-driven ISN generator, the same instant): it looks like a
    // retransmission, bar the options.
    t.out(3, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, opts(false), 0);
    t.inbound(4, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
    t.outbound(5, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
    then(&mut t);
    t.violations(7)
}

/// Closing a listener drops its half-open connections without a word (Linux drops a request
/// socket whose listener is gone at its next segment or timer, `tcp_v4_rcv`,
/// `reqsk_timer_handler`), and a listen() may put a new listener in its place: the peer's
/// SYN then opens a new connection, whose options are this SYN's. The oracle kept only the
/// half-open connection's worlds, took the new SYN-ACK (the same ISS) as a retransmission,
/// and wanted Timestamps on the connection's text (1 state_machine false alarm). With both
/// kinds of world kept, a segment's format now rules out the worlds whose options it breaks
/// (it judged by the first world only).
#[test]
fn a_closed_listener_drops_its_half_open_connections() {
    let v = syn_after_the_listener_was_replaced(true);
    assert!(v.is_empty(), "{v:?}");
    // With the first listener still there, the half-open connection took the SYN as a
    // retransmission: its Timestamps stay negotiated, and text without them is a violation.
    assert!(!syn_after_the_listener_was_replaced(false).is_empty(), "a SYN-ACK from a half-open connection's successor without a new listener must be a violation");
    // Text without Timestamps rules out the worlds that negotiated them: Timestamps after it
    // are a violation.
    let ts_after = syn_after_the_listener_was_replaced_then(true, |t| {
        t.out(6, TcpFlags::ACK | TcpFlags::PSH, ISS + 101, IRS + 1, vec![ts(2, 7000)], 100);
    });
    assert!(!ts_after.is_empty(), "Timestamps after text without them must be a violation");
}

/// A listener's half-open connection reset, then a SYN with the same number but other text: a
/// new incarnation, which queues (§3.10.7.2 third) this SYN's text, not the dead one's. The
/// oracle kept the receive space across SYN-ACKs with the same IRS (right for a retransmitted
/// SYN, 22f419e) and so called the stack's ACK of the new SYN's 74 octets too high, wanting
/// the first SYN's 85. Found by state_machine (2 reproducers, "ack-too-high in CLOSING").
/// Control: an ACK of the dead incarnation's 85 octets stays a violation.
#[test]
fn a_new_incarnation_with_the_same_irs_queues_only_its_own_syns_text() {
    let run = |acked: u32| {
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.checker.user_call(Duration::ZERO, "listen(3, 16)");
        let mss = vec![TcpOption::Mss(1460)];
        t.inb(1, TcpFlags::SYN, IRS, 0, mss.clone(), 85);
        t.out(1, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss.clone(), 0);
        t.inbound(2, TcpFlags::RST, IRS + 1, 0, 0);
        t.inb(3, TcpFlags::SYN, IRS, 0, mss.clone(), 74);
        t.out(3, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
        t.inbound(4, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(4, TcpFlags::ACK, ISS + 1, IRS + 1 + acked, 0);
        t.violations(10)
    };
    let v = run(74);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(85).is_empty(), "the reset incarnation's text is gone: acknowledging it is a violation");
}

/// §3.10.8 USER TIMEOUT (RFC 5482's TCP_USER_TIMEOUT) may abort a connection with text
/// outstanding, silently, after text came in and before its delayed ACK was due: the ACK is
/// then owed by no TCB. The oracle excused a silent end only before the last inbound segment
/// or when the stack sent something, not when a reply fell due with the connection quiet.
/// Found by state_machine as a missing ACK in ESTABLISHED (a 1 ms user timeout). Control:
/// with our text acknowledged (nothing outstanding), the user timeout cannot fire and the
/// missing ACK stays a violation.
#[test]
fn a_user_timeout_may_end_a_connection_that_owes_a_delayed_ack() {
    let run = |acked: u32| {
        let mut t = Feed::new(OracleProfile::linux());
        t.established();
        t.checker.user_call(Duration::from_millis(1), "setsockopt(4, IPPROTO_TCP, TCP_USER_TIMEOUT, [1], 4)");
        t.outbound(2, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
        t.inbound(3, TcpFlags::ACK | TcpFlags::PSH, IRS + 1, ISS + 1 + acked, 56);
        t.violations(10_000)
    };
    let v = run(0);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(100).is_empty(), "with nothing outstanding, the delayed ACK is owed");
}

/// Linux (`syn-received-syn-resets`): a listener with `other` connection(s) from another port
/// having completed their handshakes; then one from PEER whose handshake ACK the stack drops
/// (its accept queue full), and that peer's SYN again at RCV.NXT, answered with the RST a
/// segment for no connection gets (`tcp_check_req` → `embryonic_reset`).
fn syn_after_a_dropped_handshake_ack(other: bool) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    t.checker.user_call(Duration::ZERO, "listen(3, 0)");
    let mss = vec![TcpOption::Mss(1460)];
    if other {
        let o = "198.51.100.2:40001";
        t.packet(1, &segment(o, STACK, TcpFlags::SYN, 9000, 0, mss.clone(), 0), false);
        t.packet(1, &segment(STACK, o, TcpFlags::SYN | TcpFlags::ACK, 7000, 9001, mss.clone(), 0), true);
        t.packet(2, &segment(o, STACK, TcpFlags::ACK, 9001, 7001, vec![], 0), false);
    }
    t.inb(3, TcpFlags::SYN, IRS, 0, mss.clone(), 0);
    t.out(3, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
    t.inbound(4, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
    t.inbound(5, TcpFlags::SYN, IRS + 1, 0, 0);
    t.outbound(5, TcpFlags::RST | TcpFlags::ACK, 0, IRS + 2, 0);
    t.violations(6)
}

/// Linux drops the ACK completing a handshake when the listener's accept queue is full,
/// leaving the connection in SYN-RECEIVED, where a SYN draws its RST. The oracle read that
/// RST only in worlds where the ACK was taken (else, with the ACK dropped, it would explain
/// the `syn_resets_connection` mutant's RST from ESTABLISHED), and called it a missing RST
/// <SEQ=SND.NXT> from ESTABLISHED. Now the reading holds in the dropped-ACK world too when
/// another connection to the listener may fill its queue. Found by state_machine (an
/// earlier incarnation of the same 4-tuple, reset but still queued, filled a backlog of 0).
/// Control: with no other connection, the RST stays a violation.
#[test]
fn a_full_accept_queue_leaves_syn_received_to_reset_a_syn() {
    let v = syn_after_a_dropped_handshake_ack(true);
    assert!(v.is_empty(), "{v:?}");
    assert!(!syn_after_a_dropped_handshake_ack(false).is_empty(), "with nothing else queued, the ACK completed the handshake: RFC 793's RST from ESTABLISHED must be a violation");
}

/// TIME-WAIT (rfc9293 profile, entered at 3 ms): at 60 s the peer retransmits its FIN with a
/// TSval older than TS.Recent, which PAWS drops with an ACK (RFC 7323 §5.3 R1); at `close_ms`
/// an ACK at RCV.NXT finds the connection gone and draws the RST of a segment for no
/// connection.
fn time_wait_after_a_paws_rejected_fin(close_ms: u64) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    ts_time_wait(&mut t);
    t.inb(60_000, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, vec![ts(50, 7002)], 0);
    t.out(60_000, TcpFlags::ACK, ISS + 2, IRS + 2, vec![ts(67_000, 102)], 0);
    t.inb(close_ms, TcpFlags::ACK, IRS + 2, ISS + 2, vec![], 0);
    t.outbound(close_ms, TcpFlags::RST, ISS + 2, 0, 0);
    t.violations(close_ms + 1000)
}

/// A retransmitted FIN lies below RCV.NXT: the first check of §3.10.7.4 answers it with an ACK
/// and drops it, so the eighth check's "restart the 2 MSL timeout" is a stack's choice
/// (Linux makes it, even on a PAWS reject; the reference stack drops a PAWS reject first). The
/// oracle restarted the timeout in every world and called the close 2·MSL after the first
/// FIN a reset from TIME-WAIT (2 state_machine false alarms, unexplained-reset in TIME-WAIT,
/// in a one-hour run). Control: a close before 2·MSL is still a violation (MUST-13).
#[test]
fn a_fin_dropped_as_unacceptable_need_not_restart_time_wait() {
    let v = time_wait_after_a_paws_rejected_fin(240_004);
    assert!(v.is_empty(), "{v:?}");
    assert!(!time_wait_after_a_paws_rejected_fin(239_000).is_empty(), "TIME-WAIT left before 2·MSL");
}

/// The two tests below: a passive open with timestamps (text without them may then have been
/// dropped, RFC 7323 §3.2), the stack's `text` octets if any, the peer's 200 acknowledging
/// them, a RST at IRS+201 — then a SYN with the same IRS and 102 octets, the SYN-ACK with the
/// same ISS, the third ACK with a FIN at IRS+1 (the queued text goes first, §3.10.7.2 third,
/// and the FIN lies below the RCV.NXT it reaches), and the stack's ACK of `acked` octets.
fn old_incarnation_then_a_new_syn(text: usize, acked: u32) -> Vec<Finding> {
    let ts = |tsval, tsecr| TcpOption::Timestamps { tsval, tsecr };
    let mss = TcpOption::Mss(1460);
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.checker.user_call(Duration::ZERO, "listen(3, 16)");
    t.inb(0, TcpFlags::SYN, IRS, 0, vec![mss.clone(), ts(100, 0)], 0);
    t.out(0, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, vec![mss.clone(), ts(7000, 100)], 0);
    t.inb(1, TcpFlags::ACK, IRS + 1, ISS + 1, vec![ts(101, 7000)], 0);
    if text > 0 {
        t.out(1, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, vec![ts(7001, 101)], text);
    }
    t.inbound(2, TcpFlags::ACK | TcpFlags::PSH, IRS + 1, ISS + 1 + text as u32, 200);
    t.inbound(3, TcpFlags::RST, IRS + 201, 0, 0);
    t.inb(3, TcpFlags::SYN, IRS, 0, vec![mss.clone()], 102);
    t.out(3, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, vec![mss], 0);
    t.inbound(4, TcpFlags::ACK | TcpFlags::FIN, IRS + 1, ISS + 1, 0);
    t.outbound(4, TcpFlags::ACK, ISS + 1, IRS + 1 + acked, 0);
    t.violations(10)
}

/// As `a_new_incarnation_with_the_same_irs_queues_only_its_own_syns_text`, with the old
/// incarnation still a world: text without the Timestamps option both ends negotiated may
/// have been dropped (RFC 7323 §3.2), so a RST at the RCV.NXT past it resets one world and
/// owes a challenge ACK in the other, which lives on, synchronized, while the listener answers
/// a new SYN with the same IRS — and the same ISS, which the oracle took for a retransmitted
/// SYN-ACK of the old TCB (one whose SYN is acknowledged cannot send it). The old receive
/// space (one per IRS) was kept, the new SYN's queue (§3.10.7.2 third) read from it as the
/// old 200 octets, and with a FIN on the third ACK (the fuzzer's) the ACK of the 102 octets
/// the new SYN queued was called too high: only a CLOSE-WAIT world was left, at IRS+2. Found
/// by state_machine ("ack-too-high in CLOSING", a one-hour run). Control: an ACK of the old
/// 200 octets stays a violation.
#[test]
fn a_new_incarnation_queues_its_own_syns_text_while_the_old_one_may_live() {
    // The stack's 10 octets: the old incarnation is synchronized in every world.
    let v = old_incarnation_then_a_new_syn(10, 102);
    assert!(v.is_empty(), "{v:?}");
    let v = old_incarnation_then_a_new_syn(10, 200);
    assert!(!v.is_empty(), "the old incarnation's text is not the new SYN's: acknowledging it is a violation");
}

/// The same with the old incarnation half-open (its third ACK may have been dropped by a full
/// accept queue): the SYN-ACK with the old ISS may be its retransmission or the new
/// incarnation's, and the receive space (one per IRS) is kept for both — so what each queued
/// from its own SYN is the world's, not the space's: the new SYN's 102 octets, then the FIN
/// below the RCV.NXT they reach. Read from the space, the queue was the old 200 octets, and
/// the ACK of 102 was called too high. Control: an ACK of 50 octets, inside the new queue,
/// stays a violation. (What the space lets through is lax here: it cannot tell the two
/// incarnations' octets apart, and an ACK of 150 passes.)
#[test]
fn each_incarnation_queues_its_own_syns_text_when_a_syn_ack_may_be_either() {
    let v = old_incarnation_then_a_new_syn(0, 102);
    assert!(v.is_empty(), "{v:?}");
    assert!(!old_incarnation_then_a_new_syn(0, 50).is_empty(), "an ACK inside the queued text must be a violation");
}
