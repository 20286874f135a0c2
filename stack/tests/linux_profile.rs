//! Ladder tests for the `linux` profile where Linux 6.x departs from the RFCs' letter (each
//! observed on a 6.18 kernel over TUN; the packetdrill-scripts suite has the same cases).

mod ladder;
use ladder::*;
use std::time::Duration;
use synack_stack::wire::TcpOption;
use synack_stack::{Config, Domain, Errno, State};

fn linux() -> Ladder {
    Ladder::new(Config::linux())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn syn_queue_admits_more_half_open_connections_than_the_backlog() {
    // inet_csk_reqsk_queue_is_full (6.15 on): full when qlen > backlog: listen(fd, 1) takes two.
    let mut t = linux();
    let l = t.stack.socket(Domain::Inet).unwrap();
    t.stack.bind(l, t.local).unwrap();
    t.stack.listen(l, 1).unwrap();
    for port in [40001, 40002] {
        t.remote = format!("198.51.100.2:{port}").parse().unwrap();
        t.inject(seg().ports(port, 8080).flags(S).opts(vec![TcpOption::Mss(1000)]));
        assert_eq!(t.sent().flags, S | A, "port {port}");
    }
    t.remote = "198.51.100.2:40003".parse().unwrap();
    t.inject(seg().ports(40003, 8080).flags(S).opts(vec![TcpOption::Mss(1000)]));
    t.sent_nothing();
}

#[test]
fn simultaneous_open_synack_carries_the_syn_options_and_the_crossed_synack_completes() {
    let mut t = linux();
    let fd = t.syn_sent();
    // The peer's SYN offers only MSS; our SYN-ACK still offers what our SYN did.
    t.inject(seg().flags(S).opts(vec![TcpOption::Mss(1000)]));
    let synack = t.sent();
    check(&synack, S | A, t.our(0), Some(Ladder::peer(1)), 0);
    assert!(synack.options.contains(&TcpOption::SackPermitted), "{:?}", synack.options);
    assert!(synack.options.iter().any(|o| matches!(o, TcpOption::Timestamps { .. })), "{:?}", synack.options);
    assert!(synack.options.iter().any(|o| matches!(o, TcpOption::WindowScale(_))), "{:?}", synack.options);
    // The peer's SYN-ACK (its SYN again, acknowledging ours) completes the open: no challenge.
    t.inject(seg().flags(S | A).ack_abs(t.our(1)).opts(vec![TcpOption::Mss(1000)]));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
    assert_eq!(t.stack.connect_result(fd), Some(Ok(())));
}

#[test]
fn rst_in_syn_received_after_simultaneous_open_is_econnreset() {
    let mut t = linux();
    let fd = t.syn_sent();
    t.inject(seg().flags(S).opts(vec![TcpOption::Mss(1000)]));
    t.sent();
    t.inject(seg().flags(R).seq(1));
    t.sent_nothing();
    assert_eq!(t.stack.connect_result(fd), Some(Err(Errno::ECONNRESET)));
}

#[test]
fn unacceptable_ack_in_syn_sent_resends_the_syn_soon_once() {
    let mut t = linux();
    let _fd = t.syn_sent();
    t.advance(ms(100));
    t.inject(seg().flags(S | A).ack_abs(t.our(5000)).opts(vec![TcpOption::Mss(1000)]));
    check(&t.sent(), R, t.our(5000), None, 0);
    t.advance(ms(8));
    assert_eq!(t.sent().flags, S, "SYN again after TCP_TIMEOUT_MIN");
    // After that retransmission the timer is left alone: the next bad SYN-ACK only gets a RST.
    t.advance(ms(100));
    t.inject(seg().flags(S | A).ack_abs(t.our(0)).opts(vec![TcpOption::Mss(1000)]));
    check(&t.sent(), R, t.our(0), None, 0);
    t.advance(ms(500));
    t.sent_nothing();
}

#[test]
fn syn_timeouts_are_linear_first_and_the_budget_is_time() {
    // tcp_syn_linear_timeouts = 4 and TCP_SYNCNT 2: SYNs at 0..5 s one second apart, then
    // the budget (1 + 2 + 4 = 7 s) runs out at the next expiry, 7 s.
    let mut c = Config::linux();
    c.syn_retries = 2;
    let mut t = Ladder::new(c);
    let fd = t.syn_sent();
    let start = t.now;
    let mut times = Vec::new();
    while let Some(next) = t.stack.poll_timeout() {
        t.advance(next - t.now);
        match t.stack.poll_transmit() {
            Some(_) => times.push((t.now - start).as_millis()),
            None => break,
        }
    }
    assert_eq!(times, vec![1000, 2000, 3000, 4000, 5000]);
    assert_eq!((t.now - start).as_millis(), 7000);
    assert_eq!(t.stack.connect_result(fd), Some(Err(Errno::ETIMEDOUT)));
}

#[test]
fn reset_leaves_received_data_readable_then_reports_econnreset() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).data(&[7; 100]));
    t.sent();
    t.inject(seg().flags(R | A).seq(101).ack_abs(t.our(1)));
    t.sent_nothing();
    assert_eq!(t.stack.recv(fd, 1000, false).unwrap().len(), 100);
    assert_eq!(t.stack.recv(fd, 1000, false), Err(Errno::ECONNRESET));
}

#[test]
fn time_wait_ignores_a_rst_not_at_rcv_nxt_and_obeys_one_at_it() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    t.stack.close(fd).unwrap();
    assert_eq!(t.sent().flags, F | A);
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)));
    t.sent();
    // In the window, not RCV.NXT: no challenge ACK, TIME-WAIT survives (re-ACKs a FIN).
    t.inject(seg().flags(R | A).seq(101).ack_abs(t.our(2)));
    t.sent_nothing();
    t.advance(ms(600));
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(2)), 0);
    // At RCV.NXT: gone; the listener now resets an ACK.
    t.inject(seg().flags(R | A).seq(2).ack_abs(t.our(2)));
    t.sent_nothing();
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(2)));
    check(&t.sent(), R, t.our(2), None, 0);
}

#[test]
fn retries2_is_a_time_budget_from_the_first_retransmission() {
    // tcp_retries2 = 2: 200 ms × 7 = 1.4 s after the first retransmission. RTO 200 ms
    // doubling: retransmissions at 0.2, 0.6, 1.4 s; at 3.0 s (2.8 s after the first) abort.
    let mut c = Config::linux();
    c.retries2 = 2;
    let mut t = Ladder::new(c);
    let (_, fd) = t.established_passive();
    let start = t.now;
    t.stack.send(fd, &[1; 100]).unwrap();
    assert_eq!(t.sent().payload.len(), 100);
    let mut times = Vec::new();
    while let Some(next) = t.stack.poll_timeout() {
        t.advance(next - t.now);
        match t.stack.poll_transmit() {
            Some(_) => times.push((t.now - start).as_millis()),
            None => break,
        }
    }
    assert_eq!(times, vec![200, 600, 1400]);
    assert_eq!((t.now - start).as_millis(), 3000);
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
    assert_eq!(t.stack.recv(fd, 100, false), Err(Errno::ETIMEDOUT));
}

#[test]
fn old_ack_range_is_bounded_by_what_was_acknowledged() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    t.stack.send(fd, &[1; 100]).unwrap();
    t.sent();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(101)));
    t.sent_nothing();
    // SND.UNA - 100: an acceptable old duplicate, ignored.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    t.sent_nothing();
    // SND.UNA - 101 (our ISS), though well inside MAX.SND.WND: challenge ACK, text dropped.
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(0)).data(&[2; 10]));
    check(&t.sent(), A, t.our(101), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.recv(fd, 100, false), Err(Errno::EAGAIN));
}

#[test]
fn challenge_acks_are_rate_limited_per_connection() {
    let mut t = linux();
    let (_, _fd) = t.established_passive();
    t.inject(seg().flags(R | A).seq(1001).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    for rel in [1002, 1003] {
        t.advance(ms(100));
        t.inject(seg().flags(R | A).seq(rel).ack_abs(t.our(1)));
        t.sent_nothing();
    }
    // Out-of-window pure ACKs share the limit; data segments do not.
    t.inject(seg().flags(A).seq(10_000_000).ack_abs(t.our(1)));
    t.sent_nothing();
    t.inject(seg().flags(A).seq(10_000_000).ack_abs(t.our(1)).data(&[3; 10]));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    // 500 ms after the first: allowed again.
    t.advance(ms(300));
    t.inject(seg().flags(R | A).seq(1005).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
}

#[test]
fn data_after_close_in_fin_wait_2_is_answered_with_rst() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    t.stack.close(fd).unwrap();
    assert_eq!(t.sent().flags, F | A);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(2)));
    t.sent_nothing();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(2)).data(&[1; 100]));
    check(&t.sent(), R, t.our(2), None, 0);
    assert_eq!(t.stack.connection_count(), 0);
}

#[test]
fn orphaned_fin_wait_2_takes_any_rst_in_the_window_and_acks_one_outside() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    t.stack.close(fd).unwrap();
    t.sent();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(2)));
    t.inject(seg().flags(R | A).seq(1_000_001).ack_abs(t.our(2)));
    check(&t.sent(), A, t.our(2), Some(Ladder::peer(1)), 0);
    t.inject(seg().flags(R | A).seq(501).ack_abs(t.our(2)));
    t.sent_nothing();
    assert_eq!(t.stack.connection_count(), 0);
}

#[test]
fn rst_at_the_fins_sequence_number_resets_close_wait() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(2)), 0);
    t.inject(seg().flags(R | A).seq(1).ack_abs(t.our(1)));
    t.sent_nothing();
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
    assert_eq!(t.stack.send(fd, b"x"), Err(Errno::EPIPE));
}

#[test]
fn fin_after_data_is_acked_by_the_delayed_ack_timer_and_a_first_fin_at_once() {
    let mut t = linux();
    let (_, _fd) = t.established_passive();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).data(&[1; 100]));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(101)), 0);
    t.inject(seg().flags(F | A).seq(101).ack_abs(t.our(1)));
    t.sent_nothing();
    t.advance(ms(39));
    t.sent_nothing();
    t.advance(ms(1));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(102)), 0);

    // No data before the FIN: acknowledged at once.
    let mut t = linux();
    let (_, _fd) = t.established_passive();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(2)), 0);
}

#[test]
fn keepalive_answer_restarts_the_count_and_a_new_idle_time_applies_at_once() {
    let mut t = linux();
    let (_, fd) = t.established_passive();
    use synack_stack::SockOpt;
    t.stack.setsockopt(fd, SockOpt::KeepAlive(true)).unwrap();
    t.stack.setsockopt(fd, SockOpt::KeepIdle(Duration::from_secs(1))).unwrap();
    t.stack.setsockopt(fd, SockOpt::KeepIntvl(Duration::from_secs(1))).unwrap();
    t.stack.setsockopt(fd, SockOpt::KeepCnt(2)).unwrap();
    t.advance(Duration::from_secs(1));
    check(&t.sent(), A, t.our(0), Some(Ladder::peer(1)), 0);
    t.advance(ms(10));
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    // The answer resets the count: two more probes, a second apart, before giving up.
    for _ in 0..2 {
        t.advance(Duration::from_secs(1));
        check(&t.sent(), A, t.our(0), Some(Ladder::peer(1)), 0);
    }
    t.advance(Duration::from_secs(1));
    check(&t.sent(), R | A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.recv(fd, 10, false), Err(Errno::ETIMEDOUT));
}

/// A passive open with timestamps in use; returns the accepted fd.
fn established_with_timestamps(t: &mut Ladder) -> i32 {
    let l = t.listen();
    let ts = |tsval| TcpOption::Timestamps { tsval, tsecr: 0 };
    t.inject(seg().flags(S).opts(vec![TcpOption::Mss(1000), ts(100)]));
    let synack = t.sent();
    assert!(synack.options.iter().any(|o| matches!(o, TcpOption::Timestamps { .. })));
    t.iss = synack.seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).opts(vec![TcpOption::NoOp, TcpOption::NoOp, ts(200)]));
    t.sent_nothing();
    t.stack.accept(l).unwrap().0
}

fn tsecr_of(seg: &synack_stack::wire::TcpSegment) -> u32 {
    seg.options
        .iter()
        .find_map(|o| match o {
            TcpOption::Timestamps { tsecr, .. } => Some(*tsecr),
            _ => None,
        })
        .expect("a TS option")
}

#[test]
fn an_ack_of_unsent_data_does_not_update_ts_recent() {
    let mut t = linux();
    let fd = established_with_timestamps(&mut t);
    let ts = |tsval| vec![TcpOption::NoOp, TcpOption::NoOp, TcpOption::Timestamps { tsval, tsecr: 0 }];
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(9999)).opts(ts(200_000)));
    let ack = t.sent();
    check(&ack, A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(tsecr_of(&ack), 200, "TS.Recent untouched by the invalid segment");
    // So the next segment's ordinary TSval passes PAWS.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).opts(ts(201)).data(&[1; 100]));
    let ack = t.sent();
    check(&ack, A, t.our(1), Some(Ladder::peer(101)), 0);
    assert_eq!(tsecr_of(&ack), 201);
    assert_eq!(t.stack.recv(fd, 1000, false).unwrap().len(), 100);
}

#[test]
fn the_reset_of_close_with_unread_data_carries_timestamps() {
    let mut t = linux();
    let fd = established_with_timestamps(&mut t);
    let ts = vec![TcpOption::NoOp, TcpOption::NoOp, TcpOption::Timestamps { tsval: 300, tsecr: 0 }];
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).opts(ts).data(&[1; 100]));
    t.sent();
    t.stack.close(fd).unwrap();
    let rst = t.sent();
    check(&rst, R | A, t.our(1), Some(Ladder::peer(101)), 0);
    assert_eq!(tsecr_of(&rst), 300);
}

/// Linux raises a peer MSS below `tcp_min_snd_mss` (48) to it (`__tcp_mtu_to_mss`, since the
/// fix for CVE-2019-11479): after an MSS of 20, segments carry 48 octets. The sysctl moves the
/// floor; the rfc9293 profile keeps to the 20 the peer announced (MUST-16).
#[test]
fn a_peer_mss_below_tcp_min_snd_mss_is_raised_to_it() {
    let linux_with = |floor: Option<&str>| {
        let mut c = Config::linux();
        if let Some(v) = floor {
            c.set_sysctl("net.ipv4.tcp_min_snd_mss", v).unwrap();
        }
        c
    };
    for (config, want) in [(linux_with(None), 48), (linux_with(Some("64")), 64), (Config::rfc9293(), 20)] {
        let mut t = Ladder::plain_with(config);
        let fd = t.syn_sent();
        t.inject(seg().flags(S | A).ack_abs(t.our(1)).opts(vec![TcpOption::Mss(20)]));
        assert_eq!(t.sent().flags, A);
        t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
        assert_eq!(t.stack.send(fd, &[7; 100]), Ok(100));
        assert_eq!(t.sent().payload.len(), want);
    }
    assert!(Config::linux().set_sysctl("net.ipv4.tcp_min_snd_mss", "47").is_err(), "Linux refuses a floor below 48");
}
