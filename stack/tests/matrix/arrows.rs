//! Every arrow of the RFC 9293 state diagram (§3.3.2, Figure 5) and of its notes, each on
//! both profiles (they take the same arrows; where the segments differ, the test says so):
//! the event, the segment sent, the state reached, and the decision that records the arrow.

use crate::fixture::*;
use crate::ladder::*;
use std::time::Duration;
use synack_stack::decision::TimerKind;
use synack_stack::wire::TcpOption;
use synack_stack::{Config, Domain, Errno, Shutdown, State, Step};

fn profiles() -> [Config; 2] {
    [rfc_config(), linux_config()]
}

/// CLOSED → LISTEN: "passive OPEN / create TCB"; nothing is sent. (A listener is not a
/// connection and records no decision; its state is what listen() leaves.)
#[test]
fn closed_to_listen_by_passive_open() {
    for config in profiles() {
        let mut t = Ladder::new(config);
        let l = t.stack.socket(Domain::Inet).unwrap();
        assert_eq!(t.stack.state(l).unwrap(), State::Closed);
        t.stack.bind(l, t.local).unwrap();
        t.stack.listen(l, 1).unwrap();
        t.sent_nothing();
        assert_eq!(t.stack.state(l).unwrap(), State::Listen);
    }
}

/// LISTEN → CLOSED: "CLOSE / delete TCB"; nothing is sent, and a SYN then meets §3.10.7.1.
#[test]
fn listen_to_closed_by_close() {
    for config in profiles() {
        let mut t = Ladder::new(config);
        let l = t.listen();
        t.stack.close(l).unwrap();
        t.sent_nothing();
        t.inject(seg().flags(S));
        assert_eq!(t.sent().flags, R | A);
    }
}

/// CLOSED → SYN-SENT: "active OPEN / create TCB, snd SYN".
#[test]
fn closed_to_syn_sent_by_active_open() {
    for config in profiles() {
        let mut t = Ladder::new(config);
        let fd = t.stack.socket(Domain::Inet).unwrap();
        t.stack.bind(fd, t.local).unwrap();
        t.stack.take_decisions();
        assert_eq!(t.stack.connect(fd, t.remote), Err(Errno::EINPROGRESS));
        let syn = t.sent();
        assert_eq!((syn.flags, syn.ack.get(), syn.payload.len()), (S, 0, 0));
        let rows: Vec<Row> = t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect();
        assert_eq!(rows, vec![(State::Closed, Step::Open, Some(State::SynSent))]);
    }
}

/// LISTEN → SYN-SENT: "SEND / snd SYN" — RFC 9293 lets a listening connection turn active;
/// a socket cannot (connect() on a listener is an error, see `user_calls`), so this arrow
/// does not exist here: the listener stays, nothing is sent.
#[test]
fn listen_to_syn_sent_by_send_does_not_exist_for_sockets() {
    for config in profiles() {
        let mut t = Ladder::new(config);
        let l = t.listen();
        let remote = t.remote;
        assert!(t.stack.connect(l, remote).is_err());
        assert!(t.stack.send(l, b"x").is_err());
        t.sent_nothing();
        assert_eq!(t.stack.state(l).unwrap(), State::Listen);
    }
}

/// LISTEN → SYN-RECEIVED: "rcv SYN / snd SYN,ACK".
#[test]
fn listen_to_syn_received_by_syn() {
    for config in profiles() {
        let mut t = Ladder::new(config);
        t.listen();
        t.stack.take_decisions();
        t.inject(seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
        let synack = t.sent();
        assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(1)));
        let rows: Vec<Row> = t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect();
        assert_eq!(rows, vec![(State::Listen, Step::Listen(3), Some(State::SynReceived))]);
    }
}

/// SYN-SENT → SYN-RECEIVED: "rcv SYN / snd SYN,ACK" (simultaneous open).
#[test]
fn syn_sent_to_syn_received_by_syn() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::SynSent);
        let rows = c.arrive(seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
        let synack = c.t.sent();
        assert_eq!((synack.flags, synack.seq, synack.ack), (S | A, c.t.our(0), Ladder::peer(1)));
        assert_rows(At::SynSent, &rows, &[(State::SynSent, Step::SynSent(4), Some(State::SynReceived))]);
    }
}

/// SYN-SENT → CLOSED: "CLOSE / delete TCB"; nothing is sent.
#[test]
fn syn_sent_to_closed_by_close() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::SynSent);
        c.t.stack.close(c.fd()).unwrap();
        c.expect_nothing();
        assert_rows(At::SynSent, &c.rows(), &[(State::SynSent, Step::Close, Some(State::Closed))]);
        c.expect_state(State::Closed);
    }
}

/// SYN-RECEIVED → LISTEN: "rcv RST" (note 1: only from a passive OPEN); nothing is sent and
/// the listener takes the next SYN.
#[test]
fn syn_received_to_listen_by_rst() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::SynReceived);
        let rows = c.arrive(c.seg().flags(R));
        c.expect_nothing();
        assert_rows(At::SynReceived, &rows, &[(State::SynReceived, RST, Some(State::Closed))]);
        assert_eq!(c.t.stack.state(c.listener.unwrap()).unwrap(), State::Listen);
        c.arrive(seg().flags(S).seq(5000));
        assert_eq!(c.t.sent().flags, S | A);
    }
}

/// SYN-RECEIVED → ESTABLISHED: "rcv ACK of SYN / x" (passive and active OPEN).
#[test]
fn syn_received_to_established_by_ack_of_syn() {
    for config in profiles() {
        for at in [At::SynReceived, At::SynReceivedActive] {
            let mut c = Setup::new(config.clone()).at(at);
            let rows = c.arrive(c.seg());
            c.expect_nothing();
            assert_rows(at, &rows, &[(State::SynReceived, ACK, Some(State::Established)), (State::Established, ACK, None)]);
        }
    }
}

/// SYN-SENT → ESTABLISHED: "rcv SYN,ACK / snd ACK".
#[test]
fn syn_sent_to_established_by_syn_ack() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::SynSent);
        let rows = c.arrive(seg().flags(S | A).ack_abs(c.t.our(1)).opts(vec![TcpOption::Mss(1460)]));
        let ack = c.t.sent();
        assert_eq!((ack.flags, ack.seq, ack.ack), (A, c.t.our(1), Ladder::peer(1)));
        assert_rows(At::SynSent, &rows, &[(State::SynSent, Step::SynSent(4), Some(State::Established))]);
    }
}

/// SYN-RECEIVED → FIN-WAIT-1: "CLOSE / snd FIN" — at once on the rfc9293 profile; Linux
/// sends it once the SYN is acknowledged (`linux::close_in_syn_received_holds_…`).
#[test]
fn syn_received_to_fin_wait_1_by_close() {
    for (config, fin_now) in [(rfc_config(), true), (linux_config(), false)] {
        let at = At::SynReceivedActive;
        let mut c = Setup::new(config).at(at);
        c.t.stack.shutdown(c.fd(), Shutdown::Write).unwrap();
        if fin_now {
            c.expect(F | A, c.t.our(1), Ladder::peer(1), 0);
        }
        c.expect_nothing();
        assert_rows(at, &c.rows(), &[(State::SynReceived, Step::Close, Some(State::FinWait1))]);
    }
}

/// ESTABLISHED → FIN-WAIT-1: "CLOSE / snd FIN".
#[test]
fn established_to_fin_wait_1_by_close() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::Established);
        c.t.stack.shutdown(c.fd(), Shutdown::Write).unwrap();
        c.expect(F | A, c.t.our(1), Ladder::peer(1), 0);
        assert_rows(At::Established, &c.rows(), &[(State::Established, Step::Close, Some(State::FinWait1))]);
    }
}

/// ESTABLISHED → CLOSE-WAIT: "rcv FIN / snd ACK".
#[test]
fn established_to_close_wait_by_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::Established);
        let rows = c.arrive(c.seg().flags(F | A));
        c.rcv_nxt += 1;
        c.expect_ack();
        assert_rows(At::Established, &rows, &[(State::Established, FIN, Some(State::CloseWait))]);
    }
}

/// FIN-WAIT-1 → FIN-WAIT-2: "rcv ACK of FIN / x".
#[test]
fn fin_wait_1_to_fin_wait_2_by_ack_of_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::FinWait1);
        let rows = c.arrive(c.seg().ack_abs(c.t.our(2)));
        c.expect_nothing();
        assert_rows(At::FinWait1, &rows, &[(State::FinWait1, ACK, None), (State::FinWait1, ACK, Some(State::FinWait2))]);
    }
}

/// FIN-WAIT-1 → CLOSING: "rcv FIN / snd ACK" (simultaneous close).
#[test]
fn fin_wait_1_to_closing_by_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::FinWait1);
        let rows = c.arrive(c.seg().flags(F | A));
        c.rcv_nxt += 1;
        c.expect_ack();
        assert_rows(At::FinWait1, &rows, &[(State::FinWait1, FIN, Some(State::Closing))]);
    }
}

/// FIN-WAIT-1 → TIME-WAIT (note 2): a FIN that also acknowledges ours.
#[test]
fn fin_wait_1_to_time_wait_by_fin_with_ack_of_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::FinWait1);
        let rows = c.arrive(c.seg().flags(F | A).ack_abs(c.t.our(2)));
        c.rcv_nxt += 1;
        c.snd_una = 2;
        c.expect_ack();
        assert_rows(
            At::FinWait1,
            &rows,
            &[(State::FinWait1, ACK, None), (State::FinWait1, ACK, Some(State::FinWait2)), (State::FinWait2, FIN, Some(State::TimeWait))],
        );
    }
}

/// CLOSE-WAIT → LAST-ACK: "CLOSE / snd FIN".
#[test]
fn close_wait_to_last_ack_by_close() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::CloseWait);
        c.t.stack.shutdown(c.fd(), Shutdown::Write).unwrap();
        c.expect(F | A, c.t.our(1), Ladder::peer(2), 0);
        assert_rows(At::CloseWait, &c.rows(), &[(State::CloseWait, Step::Close, Some(State::LastAck))]);
    }
}

/// FIN-WAIT-2 → TIME-WAIT: "rcv FIN / snd ACK".
#[test]
fn fin_wait_2_to_time_wait_by_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::FinWait2);
        let rows = c.arrive(c.seg().flags(F | A));
        c.rcv_nxt += 1;
        c.expect_ack();
        assert_rows(At::FinWait2, &rows, &[(State::FinWait2, FIN, Some(State::TimeWait))]);
    }
}

/// CLOSING → TIME-WAIT: "rcv ACK of FIN / x".
#[test]
fn closing_to_time_wait_by_ack_of_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::Closing);
        let rows = c.arrive(c.seg().ack_abs(c.t.our(2)));
        c.expect_nothing();
        assert_rows(At::Closing, &rows, &[(State::Closing, ACK, None), (State::Closing, ACK, Some(State::TimeWait))]);
    }
}

/// LAST-ACK → CLOSED: "rcv ACK of FIN / x".
#[test]
fn last_ack_to_closed_by_ack_of_fin() {
    for config in profiles() {
        let mut c = Setup::new(config).at(At::LastAck);
        let rows = c.arrive(c.seg().ack_abs(c.t.our(2)));
        c.expect_nothing();
        assert_rows(At::LastAck, &rows, &[(State::LastAck, ACK, None), (State::LastAck, ACK, Some(State::Closed))]);
    }
}

/// TIME-WAIT → CLOSED: "Timeout=2MSL / delete TCB" (240 s; the linux profile's 60 s).
#[test]
fn time_wait_to_closed_by_2msl_timeout() {
    for (config, secs) in [(rfc_config(), 240), (linux_config(), 60)] {
        let mut c = Setup::new(config).at(At::TimeWait);
        let rows = c.wait(Duration::from_secs(secs));
        c.expect_nothing();
        assert_rows(At::TimeWait, &rows, &[(State::TimeWait, timer(TimerKind::TimeWait), Some(State::Closed))]);
    }
}
