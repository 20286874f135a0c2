//! §3.10.7.4 third (security) and fourth (the SYN bit): RFC 5961 §4's challenge ACK, the RFC
//! 793 reset behind the `rfc5961` switch, SYN-RECEIVED's return to LISTEN, and TIME-WAIT's
//! acceptance of a new SYN (MAY-2).

use crate::fixture::*;
use crate::ladder::*;
use synack_stack::wire::{IpHeader, TcpOption, TcpPacket};
use synack_stack::{Errno, State, Step};

/// Third, check security: "If the security/compartment in the segment does not exactly match
/// the security/compartment in the TCB …" — this stack keeps no security/compartment labels
/// (RFC 9293 removed precedence; RFC 1108 options are the IP layer's), so nothing can
/// mismatch and the step is a documented no-op. A segment whose IPv4 header carries an RFC
/// 1108 Basic Security Option is processed like any other: its text is taken and
/// acknowledged, and no decision names the third step.
#[test]
fn security_check_is_a_no_op_even_for_a_segment_with_an_ip_security_option() {
    for at in [At::SynReceived, At::Established] {
        let mut c = rfc(at);
        let s = c.seg().flags(A | P).data(b"labelled");
        let mut packet = TcpPacket::new(c.t.remote, c.t.local, s.0).unwrap();
        match &mut packet.ip {
            // Type 130 (BSO), length 3, classification "Unclassified" (0xAB), padded.
            IpHeader::V4(h) => h.options = vec![130, 3, 0xAB, 0],
            IpHeader::V6(_) => unreachable!("the fixture is IPv4"),
        }
        c.t.stack.take_decisions();
        c.t.stack.handle_packet(c.t.now, &packet.emit().unwrap());
        let rows = c.rows();
        c.rcv_nxt += 8;
        c.snd_una = c.snd_una.max(1);
        c.expect_ack();
        let mut want = vec![];
        if at == At::SynReceived {
            want.extend([(State::SynReceived, ACK, Some(State::Established)), (State::Established, ACK, None)]);
        }
        want.push((State::Established, TEXT, None));
        assert_rows(at, &rows, &want);
        assert!(rows.iter().all(|r| r.1 != Step::Other(synack_stack::decision::Check::Security)));
    }
}

/// Fourth, SYN-RECEIVED: "If the connection was initiated with a passive OPEN, then return
/// this connection to the LISTEN state and return." A SYN in the window (not the original
/// SYN again) removes the half-open connection without a reply; the listener then resets
/// the peer's ACK.
#[test]
fn syn_in_syn_received_from_a_passive_open_returns_to_listen() {
    let at = At::SynReceived;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(S).seq(c.rcv_nxt + 10));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynReceived, SYN, Some(State::Closed))]);
    c.expect_state(State::Closed);
    c.arrive(c.seg().flags(A));
    c.expect_rst(c.t.our(1));
}

/// The synchronized states (and SYN-RECEIVED from an active OPEN, "otherwise handle per the
/// directions for synchronized states"): RFC 5961 §4.2 — "If the SYN bit is set,
/// irrespective of the sequence number, TCP MUST send an ACK (also referred to as challenge
/// ACK) to the remote peer: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>" and drop the segment. In
/// the window: the fourth check answers. (TIME-WAIT's SYN is at RCV.NXT: one above it
/// would open a new connection, see below.)
#[test]
fn syn_in_the_window_draws_a_challenge_ack() {
    for at in [At::SynReceivedActive].into_iter().chain(At::SYNCHRONIZED) {
        let mut c = rfc(at);
        let rel = if at == At::TimeWait { c.rcv_nxt } else { c.rcv_nxt + 10 };
        let rows = c.arrive(seg().flags(S).seq(rel));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), SYN, None)]);
        c.expect_state(at.state());
    }
}

/// RFC 5961 §4.2 "irrespective of the sequence number": a SYN outside the window gets the
/// same ACK — from the first check, which answers every unacceptable segment so.
#[test]
fn syn_outside_the_window_gets_the_same_ack_from_the_first_check() {
    for at in [At::SynReceivedActive].into_iter().chain(At::SYNCHRONIZED) {
        let mut c = rfc(at);
        let rows = c.arrive(seg().flags(S).seq(c.rcv_nxt - 100));
        c.expect_ack();
        assert_rows(at, &rows, &[(at.state(), SEQ, None)]);
        c.expect_state(at.state());
    }
}

/// The RFC 793 switch (`Config::rfc5961 = false`): "If the SYN is in the window it is an
/// error: send a reset, any outstanding RECEIVEs and SEND should receive "reset" responses,
/// all segment queues should be flushed, the user should also receive an unsolicited general
/// "connection reset" signal, enter the CLOSED state, delete the TCB, and return." The RST
/// takes its number from the SYN's ACK field if it has one (SND.NXT otherwise), so the peer
/// can accept it.
#[test]
fn rfc793_switch_resets_on_a_syn_in_the_window() {
    for at in [At::SynReceivedActive].into_iter().chain(At::SYNCHRONIZED) {
        let mut config = rfc_config();
        config.rfc5961 = false;
        let mut c = Setup::new(config).at(at);
        let rel = if at == At::TimeWait { c.rcv_nxt } else { c.rcv_nxt + 10 };
        let rows = c.arrive(seg().flags(S).seq(rel));
        c.expect_rst(c.t.our(c.snd_nxt));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), SYN, Some(State::Closed))]);
        c.expect_state(State::Closed);
        assert_eq!(c.so_error(), i64::from(Errno::ECONNRESET.code()), "{at:?}");
    }
    let mut config = rfc_config();
    config.rfc5961 = false;
    let mut c = Setup::new(config).at(At::Established);
    c.arrive(seg().flags(S | A).seq(c.rcv_nxt + 10).ack_abs(c.t.our(1)));
    c.expect_rst(c.t.our(1));
}

/// MAY-2 (RFC 9293 §3.6.1; RFC 1122 §4.2.2.13): TIME-WAIT "MAY accept a new SYN from the
/// remote TCP endpoint to reopen the connection directly from TIME-WAIT state, if it: (1)
/// assigns its ISN for the new connection to be larger than the largest sequence number it
/// used on the previous connection incarnation". A SYN above RCV.NXT (with a listener on the
/// port) ends TIME-WAIT and is answered by a new connection's SYN-ACK whose ISS lies beyond
/// the old SND.NXT.
#[test]
fn time_wait_accepts_a_new_syn_above_rcv_nxt() {
    let at = At::TimeWait;
    let mut c = rfc(at);
    let old_snd_nxt = c.t.our(c.snd_nxt);
    let rows = c.arrive(seg().flags(S).seq(c.rcv_nxt + 5000).opts(vec![TcpOption::Mss(1460)]));
    let synack = c.t.sent();
    assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(c.rcv_nxt + 5001)));
    assert!(synack.seq.after(old_snd_nxt), "ISS {:?} beyond the old SND.NXT {old_snd_nxt:?}", synack.seq);
    c.expect_nothing();
    assert_rows(
        at,
        &rows,
        &[(State::TimeWait, Step::Listen(3), Some(State::Closed)), (State::Listen, Step::Listen(3), Some(State::SynReceived))],
    );
    c.expect_state(State::SynReceived);
}
