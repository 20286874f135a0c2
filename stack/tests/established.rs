//! Ladder tests for ESTABLISHED and the closing states (§3.10.7.4 checks, §3.10.4 CLOSE).

mod ladder;
use ladder::*;
use std::time::Duration;
use synack_stack::{Config, Errno, Shutdown, State};

fn established() -> (Ladder, i32) {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    (t, fd)
}

#[test]
fn data_in_order_is_delivered_and_acked() {
    let (mut t, fd) = established();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).data(b"hello"));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(6)), 0);
    assert_eq!(t.stack.recv(fd, 100, true).unwrap(), b"hello", "MSG_PEEK leaves data");
    assert_eq!(t.stack.recv(fd, 3, false).unwrap(), b"hel");
    assert_eq!(t.stack.recv(fd, 100, false).unwrap(), b"lo");
    assert_eq!(t.stack.recv(fd, 100, false), Err(Errno::EAGAIN));
}

#[test]
fn out_of_order_data_is_held_acked_at_once_then_delivered() {
    let (mut t, fd) = established();
    t.inject(seg().flags(A).seq(6).ack_abs(t.our(1)).data(b"world"));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.recv(fd, 100, false), Err(Errno::EAGAIN));
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).data(b"hello"));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(11)), 0);
    assert_eq!(t.stack.recv(fd, 100, false).unwrap(), b"helloworld");
}

#[test]
fn sending_data_and_its_acknowledgment() {
    let (mut t, fd) = established();
    assert_eq!(t.stack.send(fd, b"abc").unwrap(), 3);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 3);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(4)));
    t.sent_nothing();
    assert_eq!(t.stack.poll_timeout(), None, "nothing outstanding, no timer");
}

#[test]
fn unacceptable_segment_gets_an_ack() {
    let (mut t, _) = established();
    // Entirely below RCV.NXT (an old duplicate).
    t.inject(seg().flags(A).seq(0).ack_abs(t.our(1)).data(b"x"));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    // Beyond the window.
    t.inject(seg().flags(A).seq(10_000_000).ack_abs(t.our(1)).data(b"x"));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    // An out-of-window RST is silently dropped.
    t.inject(seg().flags(R).seq(10_000_000));
    t.sent_nothing();
}

#[test]
fn rfc5961_rst_in_window_not_rcv_nxt_gets_challenge_ack() {
    let (mut t, fd) = established();
    t.inject(seg().flags(R).seq(100));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
    t.inject(seg().flags(R).seq(1));
    t.sent_nothing();
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
    assert_eq!(t.stack.recv(fd, 10, false), Err(Errno::ECONNRESET));
}

#[test]
fn rfc793_mode_accepts_any_rst_in_window() {
    let mut c = Config::rfc9293();
    c.rfc5961 = false;
    c.timestamps = false;
    let mut t = Ladder::new(c);
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(R).seq(100));
    t.sent_nothing();
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
}

#[test]
fn rfc5961_syn_in_synchronized_state_gets_challenge_ack() {
    let (mut t, fd) = established();
    t.inject(seg().flags(S).seq(50));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
}

#[test]
fn rfc5961_ack_outside_range_gets_challenge_ack() {
    let (mut t, fd) = established();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1) + 100_000));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
}

#[test]
fn segment_without_ack_is_dropped() {
    let (mut t, fd) = established();
    t.inject(seg().flags(P).seq(1).data(b"zz"));
    t.sent_nothing();
    assert_eq!(t.stack.recv(fd, 10, false), Err(Errno::EAGAIN));
}

#[test]
fn passive_close_close_wait_last_ack_closed() {
    let (mut t, fd) = established();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(2)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::CloseWait);
    assert_eq!(t.stack.recv(fd, 10, false).unwrap(), b"", "end of stream");
    // Half-close: we may still send.
    t.stack.send(fd, b"late").unwrap();
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(2)), 4);
    t.stack.close(fd).unwrap();
    check(&t.sent(), F | A, t.our(5), Some(Ladder::peer(2)), 0);
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(6)));
    t.sent_nothing();
    assert_eq!(t.stack.poll_timeout(), None, "LAST-ACK → CLOSED leaves nothing behind");
}

#[test]
fn active_close_fin_wait_1_2_time_wait_2msl() {
    let (mut t, fd) = established();
    t.stack.shutdown(fd, Shutdown::Write).unwrap();
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::FinWait1);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(2)));
    assert_eq!(t.stack.state(fd).unwrap(), State::FinWait2);
    // Half-close: the peer keeps sending after our FIN.
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(2)).data(b"more"));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(5)), 0);
    assert_eq!(t.stack.recv(fd, 10, false).unwrap(), b"more");
    t.inject(seg().flags(F | A).seq(5).ack_abs(t.our(2)));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(6)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::TimeWait);
    // A retransmitted FIN is re-ACKed and restarts 2MSL.
    t.advance(Duration::from_secs(100));
    t.inject(seg().flags(F | A).seq(5).ack_abs(t.our(2)));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(6)), 0);
    t.advance(Duration::from_secs(239));
    assert_eq!(t.stack.state(fd).unwrap(), State::TimeWait, "2MSL restarted by the FIN");
    t.advance(Duration::from_secs(2));
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
}

#[test]
fn simultaneous_close_through_closing() {
    let (mut t, fd) = established();
    t.stack.shutdown(fd, Shutdown::Write).unwrap();
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
    // Their FIN crosses ours (it does not ACK our FIN).
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(2)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::Closing);
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(2)));
    assert_eq!(t.stack.state(fd).unwrap(), State::TimeWait);
}

#[test]
fn fin_wait_1_fin_with_ack_of_our_fin_goes_straight_to_time_wait() {
    let (mut t, fd) = established();
    t.stack.shutdown(fd, Shutdown::Write).unwrap();
    t.sent();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(2)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::TimeWait);
}

#[test]
fn rst_in_each_closing_state_closes_without_reply() {
    for (setup, expected) in [("fin-wait-1", State::FinWait1), ("close-wait", State::CloseWait), ("last-ack", State::LastAck), ("time-wait", State::TimeWait)] {
        let (mut t, fd) = established();
        match setup {
            "fin-wait-1" => {
                t.stack.shutdown(fd, Shutdown::Write).unwrap();
                t.sent();
            }
            "close-wait" | "last-ack" => {
                t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
                t.sent();
                if setup == "last-ack" {
                    t.stack.shutdown(fd, Shutdown::Write).unwrap();
                    t.sent();
                }
            }
            _ => {
                t.stack.shutdown(fd, Shutdown::Write).unwrap();
                t.sent();
                t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)));
                t.sent();
            }
        }
        assert_eq!(t.stack.state(fd).unwrap(), expected, "{setup}");
        let rcv_nxt = if matches!(expected, State::FinWait1) { 1 } else { 2 };
        t.inject(seg().flags(R).seq(rcv_nxt));
        t.sent_nothing();
        assert_eq!(t.stack.state(fd).unwrap(), State::Closed, "{setup}");
    }
}

#[test]
fn close_with_unread_data_sends_rst() {
    let (mut t, fd) = established();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).data(b"unread"));
    t.sent();
    t.stack.close(fd).unwrap();
    check(&t.sent(), R, t.our(1), None, 0);
}

#[test]
fn abort_by_linger_zero_sends_rst() {
    let (mut t, fd) = established();
    t.stack.setsockopt(fd, synack_stack::SockOpt::Linger(Some(Duration::ZERO))).unwrap();
    t.stack.close(fd).unwrap();
    check(&t.sent(), R, t.our(1), None, 0);
}

#[test]
fn retransmission_timeout_backs_off_and_karn_holds() {
    let (mut t, fd) = established();
    t.stack.send(fd, b"data").unwrap();
    check(&t.sent(), A | P, t.our(1), None, 4);
    let mut gaps = Vec::new();
    let mut last = t.now;
    for _ in 0..4 {
        let next = t.stack.poll_timeout().unwrap();
        t.advance(next - t.now);
        check(&t.sent(), A | P, t.our(1), None, 4);
        gaps.push((t.now - last).as_secs());
        last = t.now;
    }
    assert_eq!(gaps, vec![1, 2, 4, 8], "RFC 6298 (5.5) doubling from the 1 s initial RTO");
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(5)));
    assert_eq!(t.stack.tcp_info(fd).unwrap().rtt, 0, "Karn: no sample from a retransmitted segment");
}

/// Karn's algorithm (RFC 6298 §3; §5, the note after (5.7)): the backed-off RTO stays for new
/// data until a valid RTT sample — an ACK of retransmitted text gives none — and the first
/// sample collapses it.
#[test]
fn the_backed_off_rto_stays_until_a_valid_rtt_sample() {
    let (mut t, fd) = established();
    t.stack.send(fd, b"data").unwrap();
    check(&t.sent(), A | P, t.our(1), None, 4);
    for _ in 0..3 {
        let next = t.stack.poll_timeout().unwrap();
        t.advance(next - t.now);
        check(&t.sent(), A | P, t.our(1), None, 4);
    }
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(5)));
    t.stack.send(fd, b"more").unwrap();
    check(&t.sent(), A | P, t.our(5), None, 4);
    let armed = t.stack.poll_timeout().unwrap() - t.now;
    assert_eq!(armed.as_secs(), 8, "three backoffs of the 1 s RTO stay: no valid sample yet");
    t.advance(Duration::from_millis(100));
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(9)));
    t.stack.send(fd, b"again").unwrap();
    check(&t.sent(), A | P, t.our(9), None, 5);
    let armed = t.stack.poll_timeout().unwrap() - t.now;
    assert!(armed < Duration::from_secs(2), "a 100 ms sample collapses the RTO to about the 1 s minimum, not {armed:?}");
}

#[test]
fn zero_window_is_probed_by_the_persist_timer() {
    let (mut t, fd) = established();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(0));
    t.stack.send(fd, b"waiting").unwrap();
    t.sent_nothing();
    let next = t.stack.poll_timeout().unwrap();
    t.advance(next - t.now);
    // rfc9293 profile: one octet beyond the window.
    check(&t.sent(), A, t.our(1), None, 1);
    // The peer's window opened: it takes the probe octet and ACKs it; the rest flows.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(2)).win(1000));
    let seg = t.sent();
    assert_eq!(seg.seq, t.our(2));
    assert_eq!(seg.payload, b"aiting");
}

#[test]
fn delayed_ack_fires_within_bounds() {
    let mut c = Config::rfc9293();
    c.timestamps = false;
    let mut t = Ladder::new(c);
    let (_, _) = t.established_passive();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).data(b"x"));
    t.sent_nothing();
    let due = t.stack.poll_timeout().unwrap();
    assert_eq!(due - t.now, Duration::from_millis(200), "MUST-40: under 0.5 s");
    t.advance(Duration::from_millis(200));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(2)), 0);
    // Two full-sized segments are ACKed at once (SHLD-19).
    let full = vec![7u8; 1460];
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(1)).data(&full));
    t.sent_nothing();
    t.inject(seg().flags(A).seq(1462).ack_abs(t.our(1)).data(&full));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(2922)), 0);
}

#[test]
fn third_duplicate_ack_triggers_fast_retransmit() {
    let (mut t, fd) = established();
    let data = vec![1u8; 1460 * 3];
    t.stack.send(fd, &data).unwrap();
    for i in 0..3 {
        check(&t.sent(), if i == 2 { A | P } else { A }, t.our(1 + 1460 * i), None, 1460);
    }
    for _ in 0..3 {
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    }
    check(&t.sent(), A, t.our(1), None, 1460);
    // The ACK of everything ends recovery; nothing else is sent.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1 + 1460 * 3)));
    t.sent_nothing();
    assert_eq!(t.stack.poll_timeout(), None);
}
