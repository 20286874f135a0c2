//! §3.10.1–§3.10.6, the user calls OPEN, SEND, RECEIVE, CLOSE, ABORT and STATUS in every
//! state, through the socket facade: what is sent, the state afterwards, the decision, and
//! the errno that stands for each of the RFC's "error: …" responses (Linux's choice where
//! POSIX leaves room; the profiles differ where Linux departs from POSIX).

use crate::fixture::*;
use crate::ladder::*;
use std::time::Duration;
use synack_stack::{Config, Domain, Errno, Shutdown, SockOpt, State, Step};

/// Every fixture with a descriptor.
const WITH_FD: [At; 9] = [
    At::SynSent,
    At::SynReceivedActive,
    At::Established,
    At::FinWait1,
    At::FinWait2,
    At::CloseWait,
    At::Closing,
    At::LastAck,
    At::TimeWait,
];

// ---- §3.10.1 OPEN ----

/// OPEN in CLOSED, active: "Create a new transmission control block … issue a SYN segment
/// <SEQ=ISS><CTL=SYN> … Set SND.UNA to ISS, SND.NXT to ISS+1, enter SYN-SENT state" (MUST-44:
/// the source address is chosen before the SYN). connect() returns EINPROGRESS.
#[test]
fn open_active_in_closed_sends_a_syn_and_enters_syn_sent() {
    let mut t = Ladder::new(rfc_config());
    let fd = t.stack.socket(Domain::Inet).unwrap();
    t.stack.bind(fd, "0.0.0.0:8080".parse().unwrap()).unwrap();
    t.stack.take_decisions();
    assert_eq!(t.stack.connect(fd, t.remote), Err(Errno::EINPROGRESS));
    let syn = t.sent();
    assert_eq!((syn.flags, syn.ack.get(), syn.urgent), (S, 0, 0));
    assert_eq!(syn.window, 64240);
    assert_eq!(syn.options, vec![synack_stack::wire::TcpOption::Mss(1460)]);
    t.sent_nothing();
    let rows: Vec<Row> = t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect();
    assert_eq!(rows, vec![(State::Closed, Step::Open, Some(State::SynSent))]);
    assert_eq!(t.stack.state(fd).unwrap(), State::SynSent);
    assert_eq!(t.stack.local_addr(fd).unwrap().ip(), t.local.ip(), "MUST-44: the source address");
}

/// OPEN in CLOSED, passive: LISTEN; nothing is sent.
#[test]
fn open_passive_in_closed_enters_listen() {
    let mut t = Ladder::new(rfc_config());
    let l = t.listen();
    t.sent_nothing();
    assert_eq!(t.stack.state(l).unwrap(), State::Listen);
}

/// OPEN on a connection that exists: "error: connection already exists" — EALREADY while
/// the handshake runs, EISCONN after; listen() on a connection is EINVAL. Nothing is sent.
#[test]
fn open_on_an_existing_connection_is_an_error() {
    for at in WITH_FD {
        let mut c = rfc(at);
        let want = match at {
            At::SynSent | At::SynReceivedActive => Errno::EALREADY,
            At::Established | At::FinWait1 | At::FinWait2 | At::CloseWait | At::Closing | At::LastAck | At::TimeWait => {
                Errno::EISCONN
            }
            At::SynReceived => unreachable!("no descriptor"),
        };
        let remote = c.t.remote;
        assert_eq!(c.t.stack.connect(c.fd(), remote), Err(want), "{at:?}");
        assert_eq!(c.t.stack.listen(c.fd(), 1), Err(Errno::EINVAL), "{at:?}");
        c.expect_nothing();
        c.expect_state(at.state());
    }
}

/// OPEN (active) in LISTEN: RFC 9293 lets a SEND with a foreign socket turn a listening
/// connection active (Figure 5, LISTEN → SYN-SENT); a socket cannot. POSIX: EOPNOTSUPP
/// ("the socket is listening and cannot be connected"); Linux: EISCONN.
#[test]
fn connect_on_a_listening_socket_is_an_error() {
    for (config, want) in [(rfc_config(), Errno::EOPNOTSUPP), (linux_config(), Errno::EISCONN)] {
        let mut t = Ladder::new(config);
        let l = t.listen();
        let remote = t.remote;
        assert_eq!(t.stack.connect(l, remote), Err(want));
        t.sent_nothing();
        assert_eq!(t.stack.state(l).unwrap(), State::Listen);
    }
}

// ---- §3.10.2 SEND ----

/// SEND in CLOSED and LISTEN: "error: connection does not exist" / "error: foreign socket
/// unspecified" — ENOTCONN (POSIX); Linux answers EPIPE (tcp_sendmsg: not connecting).
#[test]
fn send_without_a_connection_is_an_error() {
    for (config, want) in [(rfc_config(), Errno::ENOTCONN), (linux_config(), Errno::EPIPE)] {
        let mut t = Ladder::new(config);
        let fresh = t.stack.socket(Domain::Inet).unwrap();
        assert_eq!(t.stack.send(fresh, b"x"), Err(want), "CLOSED");
        let l = t.listen();
        assert_eq!(t.stack.send(l, b"x"), Err(want), "LISTEN");
        t.sent_nothing();
    }
}

/// SEND in each state: SYN-SENT and SYN-RECEIVED queue "for transmission after entering
/// ESTABLISHED" (a non-blocking socket: EAGAIN, nothing sent yet); ESTABLISHED and CLOSE-WAIT
/// segmentize at once; the states after our CLOSE answer "error: connection closing" (EPIPE).
#[test]
fn send_in_every_state() {
    for at in WITH_FD {
        let mut c = rfc(at);
        let fd = c.fd();
        c.t.stack.take_decisions();
        match at {
            At::SynSent | At::SynReceivedActive => {
                assert_eq!(c.t.stack.send(fd, b"data"), Err(Errno::EAGAIN), "{at:?}");
                c.expect_nothing();
            }
            At::Established | At::CloseWait => {
                c.send_data(b"data");
                assert_rows(at, &c.rows(), &[(at.state(), Step::Send, None)]);
            }
            At::FinWait1 | At::FinWait2 | At::Closing | At::LastAck | At::TimeWait => {
                assert_eq!(c.t.stack.send(fd, b"data"), Err(Errno::EPIPE), "{at:?}");
                c.expect_nothing();
            }
            At::SynReceived => unreachable!(),
        }
        c.expect_state(at.state());
    }
}

// ---- §3.10.3 RECEIVE ----

/// RECEIVE without a connection: "error: connection does not exist" — ENOTCONN.
#[test]
fn receive_without_a_connection_is_an_error() {
    let mut t = Ladder::new(rfc_config());
    let fresh = t.stack.socket(Domain::Inet).unwrap();
    assert_eq!(t.stack.recv(fresh, 10, false), Err(Errno::ENOTCONN));
    let l = t.listen();
    assert_eq!(t.stack.recv(l, 10, false), Err(Errno::ENOTCONN));
}

/// RECEIVE in each state, with nothing received: SYN-SENT, SYN-RECEIVED, ESTABLISHED and the
/// FIN-WAIT states queue the request (EAGAIN); after the peer's FIN "error: connection
/// closing" — end of stream (0).
#[test]
fn receive_in_every_state() {
    for at in WITH_FD {
        let mut c = rfc(at);
        let got = c.t.stack.recv(c.fd(), 10, false);
        let want = match at {
            At::SynSent | At::SynReceivedActive | At::Established | At::FinWait1 | At::FinWait2 => Err(Errno::EAGAIN),
            At::CloseWait | At::Closing | At::LastAck | At::TimeWait => Ok(vec![]),
            At::SynReceived => unreachable!(),
        };
        assert_eq!(got, want, "{at:?}");
        c.expect_nothing();
        c.expect_state(at.state());
    }
}

/// CLOSE-WAIT: "Since the remote side has already sent FIN, RECEIVEs must be satisfied by
/// data already on hand, but not yet delivered to the user."
#[test]
fn receive_in_close_wait_returns_what_is_on_hand_then_end_of_stream() {
    let mut c = Setup::new(rfc_config()).fill(5).at(At::CloseWait);
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"fffff");
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"");
}

/// RECEIVE after a reset: "connection reset" once (ECONNRESET), then end of stream.
#[test]
fn receive_after_a_reset_reports_it_once() {
    let mut c = rfc(At::Established);
    c.arrive(c.seg().flags(R));
    assert_eq!(c.t.stack.recv(c.fd(), 10, false), Err(Errno::ECONNRESET));
    assert_eq!(c.t.stack.recv(c.fd(), 10, false), Ok(vec![]));
    assert_eq!(c.t.stack.send(c.fd(), b"x"), Err(Errno::EPIPE));
}

// ---- §3.10.4 CLOSE ----

/// CLOSE in each state (shutdown(SHUT_WR), which keeps the descriptor):
/// - SYN-SENT: "Delete the TCB" — nothing sent, CLOSED;
/// - SYN-RECEIVED (no data queued): "form a FIN segment and send it, and enter FIN-WAIT-1";
/// - ESTABLISHED: FIN, FIN-WAIT-1; CLOSE-WAIT: FIN, LAST-ACK ("send a FIN segment, enter
///   LAST-ACK state");
/// - FIN-WAIT-1/2, CLOSING, LAST-ACK, TIME-WAIT: "error: connection closing" — a socket's
///   second shutdown succeeds and changes nothing.
#[test]
fn close_in_every_state() {
    for at in WITH_FD {
        let mut c = rfc(at);
        let fd = c.fd();
        c.t.stack.take_decisions();
        let result = c.t.stack.shutdown(fd, Shutdown::Write);
        let rows = c.rows();
        match at {
            At::SynSent => {
                assert_eq!(result, Ok(()), "{at:?}");
                c.expect_nothing();
                assert_rows(at, &rows, &[(State::SynSent, Step::Close, Some(State::Closed))]);
                c.expect_state(State::Closed);
                // The pending OPEN learns "closing" — not a refusal: no RST came (MUST-12).
                assert_eq!(c.t.stack.connect_result(fd), Some(Err(Errno::ECONNRESET)));
                // The peer's SYN-ACK now finds no TCB (§3.10.7.1).
                c.arrive(seg().flags(S | A).ack_abs(c.t.our(1)));
                c.expect_rst(c.t.our(1));
            }
            At::SynReceivedActive | At::Established | At::CloseWait => {
                assert_eq!(result, Ok(()), "{at:?}");
                c.expect(F | A, c.t.our(c.snd_nxt), Ladder::peer(c.rcv_nxt), 0);
                c.expect_nothing();
                let next = if at == At::CloseWait { State::LastAck } else { State::FinWait1 };
                assert_rows(at, &rows, &[(at.state(), Step::Close, Some(next))]);
                c.expect_state(next);
            }
            At::FinWait1 | At::FinWait2 | At::Closing | At::LastAck | At::TimeWait => {
                assert_eq!(result, Ok(()), "{at:?}");
                c.expect_nothing();
                assert_rows(at, &rows, &[]);
                c.expect_state(at.state());
            }
            At::SynReceived => unreachable!(),
        }
    }
}

/// shutdown(SHUT_WR) of a listener has nothing to close: "error: connection does not exist"
/// (ENOTCONN); Linux returns 0 and goes on listening.
#[test]
fn shutdown_of_a_listener() {
    for (config, want) in [(rfc_config(), Err(Errno::ENOTCONN)), (linux_config(), Ok(()))] {
        let mut t = Ladder::new(config);
        let l = t.listen();
        assert_eq!(t.stack.shutdown(l, Shutdown::Write), want);
        t.sent_nothing();
        assert_eq!(t.stack.state(l).unwrap(), State::Listen);
        t.inject(seg().flags(S));
        assert_eq!(t.sent().flags, S | A, "still listening");
    }
}

/// CLOSE of a listener: "Any outstanding RECEIVEs are returned with "error: closing"
/// responses. Delete TCB, enter CLOSED state, and return." A SYN then finds no TCB.
#[test]
fn close_in_listen_deletes_the_listener() {
    let mut t = Ladder::new(rfc_config());
    let l = t.listen();
    t.stack.close(l).unwrap();
    t.sent_nothing();
    t.inject(seg().flags(S));
    let rst = t.sent();
    assert_eq!((rst.flags, rst.ack), (R | A, Ladder::peer(1)), "§3.10.7.1 from now on");
}

// ---- §3.10.5 ABORT ----

/// ABORT (SO_LINGER 0, close()) in each state: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2 and
/// CLOSE-WAIT "send a reset segment: <SEQ=SND.NXT><CTL=RST>"; SYN-SENT, CLOSING, LAST-ACK and
/// TIME-WAIT "respond with "ok" and delete the TCB" without one. CLOSED afterwards.
#[test]
fn abort_in_every_state() {
    for at in WITH_FD {
        let mut c = rfc(at);
        let fd = c.fd();
        c.t.stack.setsockopt(fd, SockOpt::Linger(Some(Duration::ZERO))).unwrap();
        c.t.stack.take_decisions();
        c.t.stack.close(fd).unwrap();
        let rows = c.rows();
        match at {
            At::SynReceivedActive | At::Established | At::FinWait1 | At::FinWait2 | At::CloseWait => {
                c.expect_rst(c.t.our(c.snd_nxt));
            }
            At::SynSent | At::Closing | At::LastAck | At::TimeWait => {}
            At::SynReceived => unreachable!(),
        }
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), Step::Abort, Some(State::Closed))]);
        c.expect_state(State::Closed);
    }
}

/// SHLD-3: CLOSE with received data still unread is an ABORT (RST: data was lost).
#[test]
fn close_with_unread_data_aborts() {
    let mut c = Setup::new(rfc_config()).fill(10).at(At::Established);
    c.t.stack.take_decisions();
    c.t.stack.close(c.fd()).unwrap();
    c.expect_rst(c.t.our(c.snd_nxt));
    assert_rows(At::Established, &c.rows(), &[(State::Established, Step::Abort, Some(State::Closed))]);
}

// ---- §3.10.6 STATUS ----

/// STATUS in every state, as TCP_INFO's tcpi_state (Linux's numbering); a listener is
/// LISTEN, a fresh socket CLOSED.
#[test]
fn status_in_every_state() {
    for at in WITH_FD {
        let c = rfc(at);
        assert_eq!(c.t.stack.tcp_info(c.fd()).unwrap().state, at.state().linux_tcpi_state(), "{at:?}");
    }
    let mut t = Ladder::new(Config::rfc9293());
    let fresh = t.stack.socket(Domain::Inet).unwrap();
    assert_eq!(t.stack.tcp_info(fresh).unwrap().state, State::Closed.linux_tcpi_state());
    let l = t.listen();
    assert_eq!(t.stack.tcp_info(l).unwrap().state, State::Listen.linux_tcpi_state());
}

/// STATUS counts as Linux's TCP_INFO does (checked on 6.18 with the same exchange):
/// tcpi_bytes_received is the peer's sequence space received in order (its FIN included),
/// tcpi_bytes_acked ours acknowledged (our FIN included, a passive open's SYN not),
/// tcpi_segs_in every segment received (the SYN included), tcpi_segs_out every segment sent
/// but a passive open's SYN-ACK.
#[test]
fn status_counts_octets_and_segments_as_linux_does() {
    for config in [linux_config(), rfc_config()] {
        let mut c = Setup::new(config).at(At::Established);
        let fd = c.fd();
        let info = |c: &Conn| {
            let i = c.t.stack.tcp_info(c.fd()).unwrap();
            (i.bytes_received, i.bytes_acked, i.segs_in, i.segs_out)
        };
        c.peer_sends(&[7; 100]);
        assert_eq!(info(&c), (100, 0, 3, 1));
        c.send_data(&[8; 50]);
        c.arrive(c.seg().ack_abs(c.t.our(51)));
        c.snd_una = 51;
        assert_eq!(info(&c), (100, 50, 4, 2));
        c.arrive(c.seg().flags(F | A));
        c.rcv_nxt += 1;
        while c.t.stack.poll_timeout().is_some_and(|t| t <= c.t.now + Duration::from_millis(40)) {
            c.wait(Duration::from_millis(40));
        }
        c.expect_ack();
        assert_eq!(c.t.stack.recv(fd, 1000, false).unwrap().len(), 100);
        c.t.stack.shutdown(fd, Shutdown::Write).unwrap();
        c.expect(F | A, c.t.our(51), Ladder::peer(102), 0);
        c.arrive(c.seg().ack_abs(c.t.our(52)));
        assert_eq!(info(&c), (101, 51, 6, 4));
    }
}

/// SEND and Nagle's algorithm (SHLD-7, RFC 9293 §3.7.4): a short segment waits while data is
/// in flight, and goes when the ACK comes; TCP_NODELAY turns it off for the connection
/// (MUST-17) and the short segment goes at once.
#[test]
fn send_holds_a_short_segment_while_data_is_in_flight_unless_nodelay() {
    for nodelay in [false, true] {
        let mut c = rfc(At::Established);
        let fd = c.fd();
        c.t.stack.setsockopt(fd, SockOpt::NoDelay(nodelay)).unwrap();
        c.send_data(b"first");
        assert_eq!(c.t.stack.send(fd, b"second"), Ok(6));
        if nodelay {
            c.expect(A | P, c.t.our(6), Ladder::peer(1), 6);
        } else {
            c.expect_nothing();
            c.arrive(c.seg().ack_abs(c.t.our(6)));
            c.snd_una = 6;
            c.expect(A | P, c.t.our(6), Ladder::peer(1), 6);
        }
        c.expect_nothing();
    }
}
