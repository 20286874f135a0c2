//! The linux profile where Linux 6.18 departs from the rfc9293 profile, cell by cell. Each
//! behaviour was observed on a 6.18 kernel (packetdrill-style probes through `synack run
//! --stack linux`); the function named is where Linux does it. More such rows, older, are in
//! `tests/linux_profile.rs`.

use crate::fixture::*;
use crate::ladder::*;
use std::time::Duration;
use synack_stack::decision::TimerKind;
use synack_stack::{Domain, Errno, SeqNum, Shutdown, State, Step};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

// ---- SYN-RECEIVED from a passive OPEN (a request socket: tcp_check_req) ----

/// tcp_check_req checks the ACK before the sequence number: a segment whose ACK is not
/// ISS+1 is answered <SEQ=SEG.ACK><CTL=RST> (by the listener) wherever its SEQ lies, and the
/// half-open connection stays. (The RFC's first check would answer an out-of-window segment
/// with an ACK.)
#[test]
fn passive_syn_received_checks_the_ack_before_the_sequence_number() {
    let at = At::SynReceived;
    for rel in [0, 100_000] {
        let mut c = linux(at);
        let bad = c.t.our(7);
        let rows = c.arrive(c.seg_at(rel).ack_abs(bad).data(b"x"));
        c.expect_rst(bad);
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::SynReceived, ACK, None)]);
        c.expect_state(State::SynReceived);
    }
    // The rfc9293 profile: the sequence check first.
    let mut c = rfc(at);
    let rows = c.arrive(c.seg_at(100_000).ack_abs(c.t.our(7)));
    c.expect_ack();
    assert_rows(at, &rows, &[(State::SynReceived, SEQ, None)]);
}

/// A SYN in the window of a request socket (not the original SYN again) resets it:
/// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (tcp_check_req → embryonic_reset), and the
/// listener then resets the peer's ACK. (RFC 9293: back to LISTEN, silently.)
#[test]
fn syn_in_passive_syn_received_is_answered_with_a_reset() {
    let at = At::SynReceived;
    let mut c = linux(at);
    let rows = c.arrive(seg().flags(S).seq(11));
    let rst = c.t.sent();
    assert_eq!((rst.flags, rst.seq, rst.ack, rst.window), (R | A, SeqNum::new(0), Ladder::peer(12), 0));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynReceived, SYN, Some(State::Closed))]);
    c.arrive(c.seg());
    c.expect_rst(c.t.our(1));
}

/// Text on a SYN is discarded (no Fast Open): the SYN-ACK acknowledges the SYN only, and the
/// text counts once the peer sends it again. (RFC 9293 §3.10.7.2: queued, and delivered once
/// ESTABLISHED.)
#[test]
fn text_on_a_syn_is_discarded() {
    let mut t = Ladder::new(linux_config());
    let l = t.listen();
    t.inject(seg().flags(S).data(b"early data"));
    let synack = t.sent();
    assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(1)));
    t.iss = synack.seq;
    t.inject(seg().flags(A).seq(11).ack_abs(t.our(1)));
    t.sent_nothing();
    let (fd, _) = t.stack.accept(l).unwrap();
    assert_eq!(t.stack.recv(fd, 100, false), Err(Errno::EAGAIN));
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).data(b"early data"));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(11)), 0);
    assert_eq!(t.stack.recv(fd, 100, false).unwrap(), b"early data");
}

// ---- SYN-SENT ----

/// The text and FIN of a SYN-ACK are discarded: tcp_rcv_state_process does "step 6 onward by
/// hand" with only tcp_urg. The ACK of the SYN-ACK goes at once and covers its SYN only.
/// (RFC 9293 §3.10.7.3: "continue processing at the sixth step".)
#[test]
fn text_and_fin_on_a_syn_ack_are_discarded() {
    let at = At::SynSent;
    let mut c = linux(at);
    let rows = c.arrive(seg().flags(S | A | F).ack_abs(c.t.our(1)).data(b"hello"));
    c.rcv_nxt = 1;
    c.snd_una = 1;
    c.right_edge = Ladder::peer(1) + 64240;
    c.expect_ack();
    c.expect_nothing();
    assert_rows(
        at,
        &rows,
        &[(State::SynSent, Step::SynSent(4), Some(State::Established)), (State::Established, TEXT, None)],
    );
    c.expect_state(State::Established);
    assert_eq!(c.t.stack.recv(c.fd(), 100, false), Err(Errno::EAGAIN));
}

// ---- CLOSE in SYN-RECEIVED ----

/// CLOSE in SYN-RECEIVED (a simultaneous open): Linux enters FIN-WAIT-1 but sends the FIN
/// only once the SYN is acknowledged; until then its retransmission timer resends the
/// SYN-ACK. (RFC 9293 §3.10.4: the FIN at once — see `user_calls`.)
#[test]
fn close_in_syn_received_holds_the_fin_until_the_syn_is_acknowledged() {
    let at = At::SynReceivedActive;
    let mut c = linux(at);
    c.t.stack.shutdown(c.fd(), Shutdown::Write).unwrap();
    c.expect_nothing();
    c.expect_state(State::FinWait1);
    let rows = c.wait(secs(1));
    c.expect(S | A, c.t.our(0), Ladder::peer(1), 0);
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::FinWait1, timer(TimerKind::Retransmission), None)]);
    let rows = c.arrive(c.seg().ack_abs(c.t.our(1)));
    c.snd_una = 1;
    c.expect(F | A, c.t.our(1), Ladder::peer(1), 0);
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::FinWait1, ACK, None)]);
}

// ---- TIME-WAIT (tcp_timewait_state_process) ----

/// A bare segment at RCV.NXT restarts TIME-WAIT's 60 s, silently, whatever its ACK field
/// says (no challenge ACK for one outside RFC 5961's range).
#[test]
fn time_wait_restarts_on_a_bare_segment_at_rcv_nxt() {
    for ack in [None, Some(5000), Some(0)] {
        let at = At::TimeWait;
        let mut c = linux(at);
        c.wait(secs(30));
        let s = match ack {
            None => c.seg(),
            Some(rel) => c.seg().ack_abs(c.t.our(rel)),
        };
        let rows = c.arrive(s);
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::TimeWait, SEQ, None)]);
        c.wait(secs(59));
        c.expect_state(State::TimeWait);
        c.wait(secs(1));
        c.expect_state(State::Closed);
    }
}

/// Anything else that is not a RST or a new SYN — text at RCV.NXT, old text, a FIN again —
/// is acknowledged, and with the ACK bit restarts the 60 s.
#[test]
fn time_wait_acknowledges_other_segments_and_restarts() {
    for (rel, flags, text) in [(0u32, A | P, &b"late"[..]), (u32::MAX, A | P, &b"old!"[..]), (0, F | A, &b""[..])] {
        let at = At::TimeWait;
        let mut c = linux(at);
        c.wait(secs(30));
        let rows = c.arrive(c.seg_at(c.rcv_nxt.wrapping_add(rel)).flags(flags).data(text));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::TimeWait, SEQ, None)]);
        c.wait(secs(59));
        c.expect_state(State::TimeWait);
        c.wait(secs(1));
        c.expect_state(State::Closed);
    }
}

/// A SYN not above RCV.NXT and without the ACK bit is acknowledged but does not restart the
/// timer (the suite's time-wait.pkt looks at TIME-WAIT that way).
#[test]
fn time_wait_acknowledges_an_old_syn_without_restarting() {
    let at = At::TimeWait;
    let mut c = linux(at);
    c.wait(secs(30));
    let rows = c.arrive(seg().flags(S).seq(0));
    c.expect_ack();
    assert_rows(at, &rows, &[(State::TimeWait, SEQ, None)]);
    c.wait(secs(30));
    c.expect_state(State::Closed);
}

// ---- after the peer's FIN ----

/// A FIN again at RCV.NXT in CLOSE-WAIT or LAST-ACK is not acknowledged (tcp_rcv_state_process
/// neither queues nor ACKs a segment at or after RCV.NXT in those states). (RFC 9293 eighth:
/// acknowledged, and the state stays.)
#[test]
fn fin_again_after_the_peers_fin_is_not_acknowledged() {
    for at in [At::CloseWait, At::LastAck] {
        let mut c = linux(at);
        let rows = c.arrive(c.seg().flags(F | A));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), FIN, None)]);
        c.expect_state(at.state());
    }
}

// ---- the listener's CLOSE ----

/// close() of a listener resets the connections waiting in its accept queue (RST,ACK) and
/// drops the half-open ones silently (their request sockets die with the listener: the peer's
/// later ACK finds no socket). The rfc9293 profile ABORTs both (RST).
#[test]
fn closing_a_listener_resets_accepted_connections_and_drops_half_open_ones() {
    for (config, half_open_rst) in [(linux_config(), false), (rfc_config(), true)] {
        let mut t = Ladder::new(config);
        let l = t.stack.socket(Domain::Inet).unwrap();
        t.stack.bind(l, t.local).unwrap();
        t.stack.listen(l, 10).unwrap();
        let mut iss = Vec::new();
        for port in [40001u16, 40002] {
            t.remote = format!("198.51.100.2:{port}").parse().unwrap();
            t.inject(seg().ports(port, 8080).flags(S));
            iss.push(t.sent().seq);
        }
        t.inject(seg().ports(40002, 8080).flags(A).seq(1).ack_abs(iss[1] + 1));
        t.sent_nothing();
        t.stack.close(l).unwrap();
        let mut resets = Vec::new();
        while let Some(bytes) = t.stack.poll_transmit() {
            let s = synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp;
            assert!(s.flags.rst(), "{s:?}");
            resets.push(s.dst_port);
        }
        resets.sort();
        let want = if half_open_rst { vec![40001, 40002] } else { vec![40002] };
        assert_eq!(resets, want);
    }
}

// ---- the RFC 5961 checks, state by state, on the linux profile ----

/// Both SYN-RECEIVED fixtures and the synchronized states.
const ALL: [At; 9] = [
    At::SynReceived,
    At::SynReceivedActive,
    At::Established,
    At::FinWait1,
    At::FinWait2,
    At::CloseWait,
    At::Closing,
    At::LastAck,
    At::TimeWait,
];

/// A RST in the window, not at RCV.NXT: a challenge ACK in every state (seen on 6.18 in
/// SYN-RECEIVED, FIN-WAIT-1, CLOSE-WAIT, CLOSING, LAST-ACK), except TIME-WAIT, which ignores
/// it silently (tcp_timewait_state_process).
#[test]
fn rst_in_the_window_not_at_rcv_nxt_state_by_state() {
    for at in ALL {
        let mut c = linux(at);
        let rows = c.arrive(c.seg_at(c.rcv_nxt + 10).flags(R | A));
        if at == At::TimeWait {
            c.expect_nothing();
        } else {
            c.expect_ack();
        }
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), RST, None)]);
        c.expect_state(at.state());
    }
}

/// A RST at RCV.NXT resets as on the rfc9293 profile, with Linux's errors: ECONNRESET for a
/// simultaneous open's SYN-RECEIVED (tcp_reset reports ECONNREFUSED only from SYN-SENT), and
/// EPIPE in CLOSE-WAIT.
#[test]
fn rst_at_rcv_nxt_state_by_state() {
    for at in ALL {
        let mut c = linux(at);
        let rows = c.arrive(c.seg().flags(R | A));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), RST, Some(State::Closed))]);
        let want = match at {
            At::SynReceived => continue,
            At::SynReceivedActive | At::Established | At::FinWait1 | At::FinWait2 => Errno::ECONNRESET.code(),
            At::CloseWait => Errno::EPIPE.code(),
            At::Closing | At::LastAck | At::TimeWait => 0,
            At::SynSent => unreachable!(),
        };
        assert_eq!(c.so_error(), i64::from(want), "{at:?}");
    }
}

/// A SYN in the window: a challenge ACK in the synchronized states (seen on 6.18 in
/// FIN-WAIT-1, CLOSE-WAIT, CLOSING, LAST-ACK) and a simultaneous open's SYN-RECEIVED; in
/// TIME-WAIT a SYN not above RCV.NXT is acknowledged by the timewait socket; a passive
/// SYN-RECEIVED resets (above).
#[test]
fn syn_in_the_window_state_by_state() {
    for at in [At::SynReceivedActive].into_iter().chain(At::SYNCHRONIZED) {
        let mut c = linux(at);
        let rel = if at == At::TimeWait { c.rcv_nxt } else { c.rcv_nxt + 10 };
        let rows = c.arrive(seg().flags(S).seq(rel));
        c.expect_ack();
        c.expect_nothing();
        let step = if at == At::TimeWait { SEQ } else { SYN };
        assert_rows(at, &rows, &[(at.state(), step, None)]);
        c.expect_state(at.state());
    }
}

/// An ACK outside the acceptable range: a challenge ACK (RFC 5961 §5.2; seen on 6.18 for an
/// ACK of unsent data and one below SND.UNA in FIN-WAIT-1, CLOSE-WAIT, CLOSING, LAST-ACK);
/// the range's low end is SND.UNA - min(MAX.SND.WND, bytes acknowledged) — nothing
/// acknowledged yet on these fixtures but the SYN or FIN, so one below SND.UNA is outside.
/// TIME-WAIT does not look at the ACK field of a bare segment at RCV.NXT (above).
#[test]
fn ack_outside_the_acceptable_range_state_by_state() {
    for at in [At::Established, At::FinWait1, At::FinWait2, At::CloseWait, At::Closing, At::LastAck] {
        for rel in [c_ack_below(at), u32::MAX] {
            let mut c = linux(at);
            let ack = if rel == u32::MAX { c.t.our(c.snd_nxt + 1) } else { c.t.our(rel) };
            let rows = c.arrive(c.seg().ack_abs(ack));
            c.expect_ack();
            c.expect_nothing();
            assert_rows(at, &rows, &[(at.state(), ACK, None)]);
            c.expect_state(at.state());
        }
    }
}

/// Below SND.UNA - bytes acknowledged on each fixture (relative to our ISS): our ISS (in
/// FIN-WAIT-2 the FIN has been acknowledged, so SND.UNA-1 would still be in the range).
fn c_ack_below(at: At) -> u32 {
    match at {
        At::Established | At::FinWait1 | At::FinWait2 | At::CloseWait | At::Closing | At::LastAck => 0,
        At::SynSent | At::SynReceived | At::SynReceivedActive | At::TimeWait => unreachable!(),
    }
}

// ---- the receive window (tcp_select_initial_window, tcp_win_from_space) ----

/// With upstream packetdrill's `tcp_rmem` (4096 540000 15728640) Linux offers half the buffer
/// (tcp_win_from_space), rounded down to the MSS: 268640. The SYN-ACK's unscaled field says
/// 65535 and the request socket keeps to it; the established connection advertises all of it,
/// aligned up to the window scale 8: 1050 (all seen on 6.18). The window stays flat from
/// then on: Linux's growth (dynamic right-sizing from a receiver RTT estimate and skb
/// memory accounting) is not modelled.
#[test]
fn initial_window_is_half_the_buffer_rounded_to_the_mss() {
    let mut config = linux_config();
    config.window_scaling = true;
    config.set_sysctl("net.ipv4.tcp_rmem", "4096 540000 15728640").unwrap();
    let mut t = Ladder::new(config);
    let l = t.listen();
    t.inject(seg().flags(S).opts(vec![synack_stack::wire::TcpOption::Mss(1000), synack_stack::wire::TcpOption::WindowScale(7)]));
    let synack = t.sent();
    assert_eq!(synack.window, 65535);
    assert!(synack.options.contains(&synack_stack::wire::TcpOption::WindowScale(8)), "{:?}", synack.options);
    t.iss = synack.seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(257));
    let (fd, _) = t.stack.accept(l).unwrap();
    assert_eq!(t.stack.send(fd, b"x"), Ok(1));
    let data = t.sent();
    assert_eq!(data.window, 1050, "268640 aligned up to 256-octet units");
}

/// SO_RCVBUF: Linux doubles the size asked for (at least SOCK_MIN_RCVBUF, 2304) and reports
/// the doubled size; a locked buffer also decides the window scale offered. 2048 → 4096, a
/// receive space of 2048, a SYN-ACK window of one MSS (1460) and no scaling (seen on 6.18).
#[test]
fn so_rcvbuf_is_doubled_and_decides_the_window_scale() {
    let mut config = linux_config();
    config.window_scaling = true;
    let mut t = Ladder::new(config);
    let l = t.stack.socket(Domain::Inet).unwrap();
    t.stack.setsockopt(l, synack_stack::SockOpt::RcvBuf(100)).unwrap();
    assert_eq!(t.stack.getsockopt(l, synack_stack::SockOptName::RcvBuf).unwrap(), synack_stack::SockOptValue::Int(2304));
    t.stack.setsockopt(l, synack_stack::SockOpt::RcvBuf(2048)).unwrap();
    assert_eq!(t.stack.getsockopt(l, synack_stack::SockOptName::RcvBuf).unwrap(), synack_stack::SockOptValue::Int(4096));
    t.stack.bind(l, t.local).unwrap();
    t.stack.listen(l, 1).unwrap();
    t.inject(seg().flags(S).opts(vec![synack_stack::wire::TcpOption::Mss(1000), synack_stack::wire::TcpOption::WindowScale(7)]));
    let synack = t.sent();
    assert_eq!(synack.window, 1460);
    assert!(synack.options.contains(&synack_stack::wire::TcpOption::WindowScale(0)), "{:?}", synack.options);
}

/// ABORT's reset (SO_LINGER 0, close() with unread data, keep-alive giving up) is
/// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> and carries the window like any segment of the
/// connection (tcp_send_active_reset, seen on 6.18); the rfc9293 profile's is <SEQ=SND.NXT>
/// <CTL=RST> (`user_calls::abort_in_every_state`).
#[test]
fn abort_sends_rst_ack_with_the_window() {
    let at = At::Established;
    let mut c = linux(at);
    c.t.stack.setsockopt(c.fd(), synack_stack::SockOpt::Linger(Some(Duration::ZERO))).unwrap();
    c.t.stack.close(c.fd()).unwrap();
    let rst = c.t.sent();
    assert_eq!((rst.flags, rst.seq, rst.ack), (R | A, c.t.our(1), Ladder::peer(1)));
    assert_eq!(u32::from(rst.window), c.rcv_wnd(), "the window of the last ACK");
    c.expect_nothing();
}
