//! §3.10.8 timeouts — USER TIMEOUT, RETRANSMISSION TIMEOUT, TIME-WAIT TIMEOUT — in each
//! state they apply to, and the other timers of §3.8 (delayed ACK, persist, keep-alive).

use crate::fixture::*;
use crate::ladder::*;
use std::time::Duration;
use synack_stack::decision::TimerKind;
use synack_stack::{Errno, SockOpt, State};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// USER TIMEOUT, "for any state": "If the user timeout expires, flush all queues, signal
/// the user "error: connection aborted due to user timeout" in general and for any
/// outstanding calls, delete the TCB, enter the CLOSED state, and return" (TCP_USER_TIMEOUT,
/// RFC 5482). No RST is sent: the peer is unreachable anyway.
#[test]
fn user_timeout_aborts_a_connection_whose_data_goes_unacknowledged() {
    for at in [At::Established, At::CloseWait] {
        let mut c = rfc(at);
        c.t.stack.setsockopt(c.fd(), SockOpt::UserTimeout(secs(5))).unwrap();
        c.send_data(b"lost");
        let mut rows = c.wait(Duration::from_millis(4999));
        rows.retain(|r| r.1 != timer(TimerKind::Retransmission));
        assert_rows(at, &rows, &[]);
        while c.t.stack.poll_transmit().is_some() {}
        let rows = c.wait(Duration::from_millis(1));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), timer(TimerKind::User), Some(State::Closed))]);
        assert_eq!(c.so_error(), i64::from(Errno::ETIMEDOUT.code()), "{at:?}");
    }
}

/// USER TIMEOUT with nothing outstanding: the timer is not running and an idle connection
/// lives on.
#[test]
fn user_timeout_does_not_end_an_idle_connection() {
    let mut c = rfc(At::Established);
    c.t.stack.setsockopt(c.fd(), SockOpt::UserTimeout(secs(5))).unwrap();
    c.wait(secs(60));
    c.expect_nothing();
    c.expect_state(State::Established);
}

/// RETRANSMISSION TIMEOUT: "For any state if the retransmission timeout expires on a segment
/// in the retransmission queue, send the segment at the front of the retransmission queue
/// again, reinitialize the retransmission timer, and return" — in each state with something
/// in flight, after 1 s (RFC 6298: no RTT sample from the instant handshake, RTO 1 s), then 2
/// s later (backoff, MUST-19).
#[test]
fn retransmission_timeout_resends_the_front_of_the_queue_in_every_state() {
    for at in [At::SynSent, At::SynReceived, At::SynReceivedActive, At::Established, At::CloseWait, At::FinWait1, At::Closing, At::LastAck] {
        let mut c = rfc(at);
        let data = matches!(at, At::Established | At::CloseWait);
        if data {
            c.send_data(b"again");
        }
        for gap in [1, 2] {
            let rows = c.wait(secs(gap) - Duration::from_millis(1));
            c.expect_nothing();
            assert_rows(at, &rows, &[]);
            let rows = c.wait(Duration::from_millis(1));
            assert_rows(at, &rows, &[(at.state(), timer(TimerKind::Retransmission), None)]);
            match at {
                At::SynSent => {
                    let syn = c.expect(S, c.t.our(0), synack_stack::SeqNum::new(0), 0);
                    assert_eq!(syn.window, 64240, "{at:?}");
                }
                At::SynReceived | At::SynReceivedActive => {
                    c.expect(S | A, c.t.our(0), Ladder::peer(c.rcv_nxt), 0);
                }
                At::Established | At::CloseWait => {
                    c.expect(A | P, c.t.our(c.snd_una), Ladder::peer(c.rcv_nxt), 5);
                }
                At::FinWait1 | At::Closing | At::LastAck => {
                    c.expect(F | A, c.t.our(c.snd_una), Ladder::peer(c.rcv_nxt), 0);
                }
                At::FinWait2 | At::TimeWait => unreachable!(),
            }
            c.expect_nothing();
        }
        c.expect_state(at.state());
    }
}

/// After a CLOSE in SYN-RECEIVED (the FIN sent at once, §3.10.4) the SYN-ACK is still
/// unacknowledged, at the front of the retransmission queue: the timeout resends it, then
/// the FIN (RFC 9293 §3.10.8); the peer's ACK of both leads to FIN-WAIT-2.
#[test]
fn retransmission_after_close_in_syn_received_resends_the_syn_ack_then_the_fin() {
    let at = At::SynReceivedActive;
    let mut c = rfc(at);
    c.t.stack.shutdown(c.fd(), synack_stack::Shutdown::Write).unwrap();
    c.expect(F | A, c.t.our(1), Ladder::peer(1), 0);
    c.snd_nxt = 2;
    let rows = c.wait(secs(1));
    c.expect(S | A, c.t.our(0), Ladder::peer(1), 0);
    c.expect(F | A, c.t.our(1), Ladder::peer(1), 0);
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::FinWait1, timer(TimerKind::Retransmission), None)]);
    let rows = c.arrive(c.seg().ack_abs(c.t.our(2)));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::FinWait1, ACK, None), (State::FinWait1, ACK, Some(State::FinWait2))]);
}

/// No retransmission timer where nothing is in flight: FIN-WAIT-2, TIME-WAIT, an idle
/// ESTABLISHED connection.
#[test]
fn no_retransmission_timeout_with_nothing_in_flight() {
    for at in [At::Established, At::FinWait2] {
        let mut c = rfc(at);
        assert_eq!(c.t.stack.poll_timeout(), None, "{at:?}");
        c.wait(secs(600));
        c.expect_nothing();
        c.expect_state(at.state());
    }
}

/// RFC 1122 §4.2.3.5 R2 (MUST-20): after `tcp_retries2` retransmissions of data the
/// connection is closed (ETIMEDOUT, no RST); SYN-SENT after `tcp_syn_retries` (MUST-23's
/// three minutes: 7 retries from 1 s, backing off to 60 s, end at 183 s); a passive
/// SYN-RECEIVED after
/// `tcp_synack_retries`, silently.
#[test]
fn retransmission_gives_up_after_the_retry_limit() {
    let mut config = rfc_config();
    config.retries2 = 3;
    let mut c = Setup::new(config).at(At::Established);
    c.send_data(b"x");
    let rows = c.wait(secs(1 + 2 + 4 + 8) - Duration::from_millis(1));
    assert_eq!(rows.len(), 3, "three retransmissions: {rows:?}");
    while c.t.stack.poll_transmit().is_some() {}
    let rows = c.wait(Duration::from_millis(1));
    c.expect_nothing();
    assert_rows(At::Established, &rows, &[(State::Established, timer(TimerKind::Retransmission), Some(State::Closed))]);
    assert_eq!(c.t.stack.recv(c.fd(), 10, false), Err(Errno::ETIMEDOUT));

    // SYN retransmissions at 1, 3, 7, 15, 31, 63 s, then every 60 s (RFC 6298 (2.5): the
    // RTO's upper bound); the seventh at 123 s, the giving up at 183 s.
    let mut c = rfc(At::SynSent);
    c.wait(secs(182));
    c.expect_state(State::SynSent);
    let rows = c.wait(secs(1));
    assert_eq!(rows.last(), Some(&(State::SynSent, timer(TimerKind::Retransmission), Some(State::Closed))));
    assert_eq!(c.t.stack.connect_result(c.fd()), Some(Err(Errno::ETIMEDOUT)));

    let mut c = rfc(At::SynReceived);
    let rows = c.wait(secs(63));
    assert_eq!(rows.last(), Some(&(State::SynReceived, timer(TimerKind::Retransmission), Some(State::Closed))));
    let mut sent = 0;
    while c.t.stack.poll_transmit().is_some() {
        sent += 1;
    }
    assert_eq!(sent, 5, "five SYN-ACK retransmissions, no RST");
}

/// TIME-WAIT TIMEOUT: "If the time-wait timeout expires on a connection, delete the TCB,
/// enter the CLOSED state, and return" — after 2×MSL (MUST-13: 240 s; the linux profile's
/// 60 s), nothing sent.
#[test]
fn time_wait_timeout_deletes_the_tcb_after_2msl() {
    for (setup, length) in [(Setup::new(rfc_config()), 240), (Setup::new(linux_config()), 60)] {
        let mut c = setup.at(At::TimeWait);
        c.wait(secs(length) - Duration::from_millis(1));
        c.expect_state(State::TimeWait);
        let rows = c.wait(Duration::from_millis(1));
        c.expect_nothing();
        assert_rows(At::TimeWait, &rows, &[(State::TimeWait, timer(TimerKind::TimeWait), Some(State::Closed))]);
        c.expect_state(State::Closed);
    }
}

/// Delayed ACK (SHLD-18, MUST-40): a lone segment of text is acknowledged by the delayed-ACK
/// timer, 200 ms later (under 0.5 s), in each state that takes text.
#[test]
fn delayed_ack_timer_acknowledges_text_within_half_a_second() {
    for at in At::RECEIVING {
        let mut config = rfc_config();
        config.delayed_ack_enabled = true;
        let mut c = Setup::new(config).at(at);
        let rows = c.arrive(c.seg().flags(A | P).data(b"x"));
        c.rcv_nxt += 1;
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        c.wait(Duration::from_millis(199));
        c.expect_nothing();
        let rows = c.wait(Duration::from_millis(1));
        c.expect_ack();
        assert_rows(at, &rows, &[(at.state(), timer(TimerKind::DelayedAck), None)]);
    }
}

/// The persist timer (MUST-36, SHLD-29, SHLD-30): with the peer's window zero and data
/// waiting, a probe after one RTO, then at doubled intervals while the peer keeps answering
/// (MUST-37: never a reason to close). The rfc9293 profile's probe is one new octet.
#[test]
fn persist_timer_probes_a_zero_window_with_backoff() {
    for at in [At::Established, At::CloseWait] {
        let mut c = rfc(at);
        c.arrive(c.seg().win(0));
        assert_eq!(c.t.stack.send(c.fd(), b"waiting"), Ok(7));
        c.expect_nothing();
        let mut times = Vec::new();
        let start = c.t.now;
        for _ in 0..3 {
            let next = c.t.stack.poll_timeout().unwrap();
            let rows = c.wait(next - c.t.now);
            assert_rows(at, &rows, &[(at.state(), timer(TimerKind::Persist), None)]);
            c.expect(A, c.t.our(c.snd_una), Ladder::peer(c.rcv_nxt), 1);
            times.push((c.t.now - start).as_secs());
            c.arrive(c.seg().win(0));
        }
        assert_eq!(times, vec![1, 3, 7], "{at:?}: SHLD-29, SHLD-30");
        c.expect_state(at.state());
    }
}

/// MUST-37: "As long as the receiving TCP peer continues to send acknowledgments in response
/// to the probe segments, the sending TCP peer MUST allow the connection to stay open" — an
/// hour of zero window, every probe answered, and then the window opens and all the data
/// goes.
#[test]
fn persist_keeps_a_connection_open_while_the_peer_answers() {
    for setup in [Setup::new(rfc_config()), Setup::new(linux_config())] {
        let mut c = setup.at(At::Established);
        c.arrive(c.seg().win(0));
        assert_eq!(c.t.stack.send(c.fd(), b"patience"), Ok(8));
        let end = c.t.now + secs(3600);
        while c.t.now < end {
            let next = c.t.stack.poll_timeout().unwrap();
            c.wait(next - c.t.now);
            while c.t.stack.poll_transmit().is_some() {
                c.arrive(c.seg().win(0));
            }
        }
        c.expect_state(State::Established);
        while c.t.stack.poll_transmit().is_some() {}
        let rows = c.arrive(c.seg().win(1000));
        let data = c.t.sent();
        assert_eq!(data.seq, c.t.our(c.snd_una), "{rows:?}");
        let last = data.seq + data.payload.len() as u32;
        assert_eq!(last, c.t.our(c.snd_una + 8), "everything after the window opened: {data:?}");
    }
}

/// Keep-alive (RFC 9293 §3.8.4): off by default (MUST-25) — three idle hours send nothing.
#[test]
fn keepalive_is_off_by_default() {
    let mut c = rfc(At::Established);
    c.wait(secs(3 * 3600));
    c.expect_nothing();
    c.expect_state(State::Established);
}

/// Keep-alive on (MUST-24; idle time, interval and count configurable, MUST-27): after the
/// idle time a probe <SEQ=SND.NXT-1> (the rfc9293 profile's garbage octet, MAY-6, only where
/// SND.NXT-1 is text: here nothing has been sent and it is our SYN, so none — see
/// `fuzz_regressions::a_keepalive_octet_only_where_snd_nxt_minus_one_is_text`), again every
/// interval, and after the probe count unanswered the connection is dead (ETIMEDOUT, with
/// our RST).
#[test]
fn keepalive_probes_an_idle_connection_then_gives_up() {
    let mut c = rfc(At::Established);
    let fd = c.fd();
    c.t.stack.setsockopt(fd, SockOpt::KeepAlive(true)).unwrap();
    c.t.stack.setsockopt(fd, SockOpt::KeepIdle(secs(10))).unwrap();
    c.t.stack.setsockopt(fd, SockOpt::KeepIntvl(secs(2))).unwrap();
    c.t.stack.setsockopt(fd, SockOpt::KeepCnt(2)).unwrap();
    for wait in [10, 2] {
        c.wait(secs(wait) - Duration::from_millis(1));
        c.expect_nothing();
        let rows = c.wait(Duration::from_millis(1));
        assert_rows(At::Established, &rows, &[(State::Established, timer(TimerKind::KeepAlive), None)]);
        c.expect(A, c.t.our(c.snd_nxt - 1), Ladder::peer(c.rcv_nxt), 0);
    }
    let rows = c.wait(secs(2));
    c.expect_rst(c.t.our(c.snd_nxt));
    assert_rows(At::Established, &rows, &[(State::Established, timer(TimerKind::KeepAlive), Some(State::Closed))]);
    assert_eq!(c.t.stack.recv(fd, 10, false), Err(Errno::ETIMEDOUT));
}

/// MUST-29: keep-alive does not take one unanswered probe for a dead connection — an answer
/// to the second restarts the count.
#[test]
fn keepalive_answer_keeps_the_connection() {
    let mut c = rfc(At::Established);
    let fd = c.fd();
    c.t.stack.setsockopt(fd, SockOpt::KeepAlive(true)).unwrap();
    c.t.stack.setsockopt(fd, SockOpt::KeepIdle(secs(10))).unwrap();
    c.t.stack.setsockopt(fd, SockOpt::KeepIntvl(secs(2))).unwrap();
    c.t.stack.setsockopt(fd, SockOpt::KeepCnt(2)).unwrap();
    c.wait(secs(12));
    c.t.sent();
    c.t.sent();
    c.arrive(c.seg());
    c.wait(secs(11));
    c.expect_state(State::Established);
}

/// The linux profile's FIN-WAIT-2 timer (`tcp_fin_timeout`, 60 s) ends an orphaned
/// FIN-WAIT-2 silently; the rfc9293 profile waits for the FIN for ever, and a FIN-WAIT-2
/// still open for reading (shutdown) waits in both.
#[test]
fn fin_wait_2_timer_ends_only_an_orphaned_connection_and_only_on_linux() {
    let mut c = Setup::new(linux_config()).orphan().at(At::FinWait2);
    let rows = c.wait(secs(60));
    c.expect_nothing();
    assert_rows(At::FinWait2, &rows, &[(State::FinWait2, timer(TimerKind::FinWait2), Some(State::Closed))]);
    for setup in [Setup::new(rfc_config()).orphan(), Setup::new(linux_config())] {
        let mut c = setup.at(At::FinWait2);
        c.wait(secs(3600));
        c.expect_nothing();
        c.expect_state(State::FinWait2);
    }
}
