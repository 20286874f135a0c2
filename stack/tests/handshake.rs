//! Ladder tests of the three-way handshake (RFC 9293 §3.5, §3.10.7.2, §3.10.7.3).

mod ladder;
use ladder::*;
use std::time::Duration;
use synack_stack::wire::TcpOption;
use synack_stack::{Config, Errno, State};

#[test]
fn passive_open_listen_syn_received_established() {
    let mut t = Ladder::plain();
    let l = t.syn_received();
    assert_eq!(t.stack.accept(l), Err(Errno::EAGAIN), "nothing to accept before the third ACK");
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    t.sent_nothing();
    let (fd, _) = t.stack.accept(l).unwrap();
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
}

#[test]
fn active_open_syn_sent_established() {
    let mut t = Ladder::plain();
    let fd = t.established_active();
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
    assert_eq!(t.stack.connect(fd, t.remote), Err(Errno::EISCONN));
}

#[test]
fn syn_options_follow_linux_layout_and_mss_from_mtu() {
    let mut t = Ladder::new(Config::linux());
    let fd = t.stack.socket(synack_stack::Domain::Inet).unwrap();
    t.stack.bind(fd, t.local).unwrap();
    let _ = t.stack.connect(fd, t.remote);
    let syn = t.sent();
    assert!(matches!(
        syn.options.as_slice(),
        [TcpOption::Mss(1460), TcpOption::SackPermitted, TcpOption::Timestamps { tsecr: 0, .. }, TcpOption::NoOp, TcpOption::WindowScale(7)]
    ), "{:?}", syn.options);
    assert_eq!(syn.window, 64240, "65535 rounded down to a multiple of the 1460 MSS");
}

#[test]
fn synack_echoes_only_offered_options() {
    let mut c = Config::rfc9293();
    c.timestamps = true;
    let mut t = Ladder::new(c);
    t.listen();
    t.inject(seg().flags(S).opts(vec![TcpOption::Mss(1000), TcpOption::NoOp, TcpOption::NoOp, TcpOption::SackPermitted]));
    let synack = t.sent();
    assert_eq!(synack.options, vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::NoOp, TcpOption::SackPermitted]);
}

#[test]
fn simultaneous_open() {
    let mut t = Ladder::plain();
    let fd = t.syn_sent();
    // Their SYN crosses ours: SYN-SENT → SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    t.inject(seg().flags(S));
    let synack = t.sent();
    check(&synack, S | A, t.our(0), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::SynReceived);
    // Their SYN-ACK acknowledges our SYN: → ESTABLISHED.
    t.inject(seg().flags(S | A).ack_abs(t.our(1)));
    // A SYN-ACK at SEQ=ISS is now below RCV.NXT: unacceptable → ACK.
    let ack = t.sent();
    check(&ack, A, t.our(1), Some(Ladder::peer(1)), 0);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
}

#[test]
fn old_duplicate_syn_ack_is_refused_with_rst() {
    // RFC 9293 Figure 8/9: a SYN-ACK acknowledging something we never sent → RST at SEG.ACK.
    let mut t = Ladder::plain();
    let fd = t.syn_sent();
    let bogus = t.our(0) + 5000;
    t.inject(seg().flags(S | A).seq(90).ack_abs(bogus));
    let rst = t.sent();
    check(&rst, R, bogus, None, 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::SynSent, "the connection attempt goes on");
}

#[test]
fn old_duplicate_syn_at_listener_is_reset_by_the_peer_rst() {
    // Passive side: SYN-RECEIVED from an old SYN; the peer answers our SYN-ACK with RST →
    // back to LISTEN, nothing to accept, the listener still works.
    let mut t = Ladder::plain();
    let l = t.syn_received();
    t.inject(seg().flags(R).seq(1));
    t.sent_nothing();
    assert_eq!(t.stack.accept(l), Err(Errno::EAGAIN));
    t.inject(seg().flags(S).seq(5000));
    assert_eq!(t.sent().flags, S | A, "LISTEN again");
}

#[test]
fn syn_sent_rst_with_acceptable_ack_refuses() {
    let mut t = Ladder::plain();
    let fd = t.syn_sent();
    t.inject(seg().flags(R | A).seq(0).ack_abs(t.our(1)));
    t.sent_nothing();
    assert_eq!(t.stack.connect_result(fd), Some(Err(Errno::ECONNREFUSED)));
}

#[test]
fn syn_sent_rst_without_ack_is_ignored() {
    let mut t = Ladder::plain();
    let fd = t.syn_sent();
    t.inject(seg().flags(R));
    t.sent_nothing();
    assert_eq!(t.stack.state(fd).unwrap(), State::SynSent);
}

#[test]
fn syn_sent_segment_without_syn_or_rst_is_dropped() {
    let mut t = Ladder::plain();
    let fd = t.syn_sent();
    t.inject(seg().flags(A).ack_abs(t.our(1)));
    t.sent_nothing();
    assert_eq!(t.stack.state(fd).unwrap(), State::SynSent);
}

#[test]
fn listener_answers_ack_with_rst_and_ignores_rst() {
    let mut t = Ladder::plain();
    t.listen();
    t.inject(seg().flags(A).seq(1).ack_abs(synack_stack::SeqNum::new(4242)));
    check(&t.sent(), R, synack_stack::SeqNum::new(4242), None, 0);
    t.inject(seg().flags(R));
    t.sent_nothing();
    t.inject(seg().flags(F));
    t.sent_nothing();
}

#[test]
fn closed_port_gets_rst() {
    let mut t = Ladder::plain();
    t.inject(seg().flags(S).seq(0));
    let rst = t.sent();
    check(&rst, R | A, synack_stack::SeqNum::new(0), Some(Ladder::peer(1)), 0);
    t.inject(seg().flags(A | P).seq(1).ack_abs(synack_stack::SeqNum::new(99)).data(b"hello"));
    check(&t.sent(), R, synack_stack::SeqNum::new(99), None, 0);
}

#[test]
fn synack_retransmitted_at_1_2_4_8_16_then_abandoned_linux() {
    let mut t = Ladder::new(Config::linux());
    let l = t.syn_received();
    let start = t.now;
    let mut times = Vec::new();
    for _ in 0..5 {
        t.advance(Duration::from_secs(40).min(Duration::from_millis(1)));
        loop {
            if let Some(next) = t.stack.poll_timeout() {
                t.advance(next - t.now);
            }
            if let Some(bytes) = t.stack.poll_transmit() {
                let seg = synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp;
                assert_eq!(seg.flags, S | A);
                times.push((t.now - start).as_secs());
                break;
            }
        }
    }
    assert_eq!(times, vec![1, 3, 7, 15, 31]);
    // After the fifth retransmission, the next expiry (32 s later) abandons the connection.
    t.advance(Duration::from_secs(33));
    t.sent_nothing();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    // The half-open connection is gone: the listener answers the ACK with RST.
    check(&t.sent(), R, t.our(1), None, 0);
    assert_eq!(t.stack.accept(l), Err(Errno::EAGAIN));
}

#[test]
fn syn_retransmission_backoff_then_etimedout() {
    let mut c = Config::linux();
    c.syn_retries = 3;
    // Pure exponential backoff, as with Linux's tcp_syn_linear_timeouts = 0 (the linear
    // default is covered in linux_profile.rs).
    c.syn_linear_timeouts = 0;
    let mut t = Ladder::new(c);
    let fd = t.syn_sent();
    let start = t.now;
    let mut times = Vec::new();
    for _ in 0..3 {
        let next = t.stack.poll_timeout().unwrap();
        t.advance(next - t.now);
        let syn = t.sent();
        assert_eq!((syn.flags, syn.seq), (S, t.our(0)));
        times.push((t.now - start).as_secs());
    }
    assert_eq!(times, vec![1, 3, 7]);
    assert_eq!(t.stack.connect_result(fd), None);
    t.advance(Duration::from_secs(8));
    t.sent_nothing();
    assert_eq!(t.stack.connect_result(fd), Some(Err(Errno::ETIMEDOUT)));
}
