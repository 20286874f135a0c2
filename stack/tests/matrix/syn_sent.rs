//! §3.10.7.3 SYN-SENT, its five steps: the ACK (and how an old duplicate SYN-ACK is
//! refused), the RST, security (no-op), the SYN (ESTABLISHED or simultaneous open), neither.

use crate::fixture::*;
use crate::ladder::*;
use synack_stack::wire::{TcpFlags, TcpOption};
use synack_stack::{Errno, State, Step};

/// First, the ACK: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit
/// is set, if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST> and discard the
/// segment" — the state stays SYN-SENT (RFC 9293 Figure 9: the old duplicate SYN-ACK).
#[test]
fn unacceptable_ack_is_answered_with_rst_at_its_ack_number() {
    for (rel, flags) in [(0, S | A), (2, S | A), (5000, A), (0, F | A)] {
        let at = At::SynSent;
        let mut c = rfc(at);
        let ack = c.t.our(0) + rel;
        let rows = c.arrive(seg().flags(flags).seq(90).ack_abs(ack));
        c.expect_rst(ack);
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(1), None)]);
        c.expect_state(State::SynSent);
    }
}

/// First, the ACK, on a RST: "unless the RST bit is set, if so drop the segment and return".
#[test]
fn unacceptable_ack_on_a_rst_is_dropped() {
    let at = At::SynSent;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(R | A).ack_abs(c.t.our(5)));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(1), None)]);
    c.expect_state(State::SynSent);
}

/// Second, the RST: "If the ACK was acceptable, then signal to the user "error: connection
/// reset", drop the segment, enter CLOSED state, delete TCB, and return." A socket reports
/// ECONNREFUSED (MUST-12).
#[test]
fn rst_with_an_acceptable_ack_refuses_the_connection() {
    let at = At::SynSent;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(R | A).ack_abs(c.t.our(1)));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(2), Some(State::Closed))]);
    assert_eq!(c.t.stack.connect_result(c.fd()), Some(Err(Errno::ECONNREFUSED)));
}

/// Second, the RST: "Otherwise (no ACK), drop the segment and return."
#[test]
fn rst_without_ack_is_dropped() {
    let at = At::SynSent;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(R));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(2), None)]);
    c.expect_state(State::SynSent);
}

/// Fourth, the SYN with an acceptable ACK: "RCV.NXT is set to SEG.SEQ+1, IRS is set to
/// SEG.SEQ. SND.UNA should be advanced to equal SEG.ACK … If SND.UNA > ISS (our SYN has been
/// ACKed), change the connection state to ESTABLISHED, form an ACK segment
/// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it." SND.WND is the SYN-ACK's (unscaled)
/// window; the peer's MSS is taken (MUST-16).
#[test]
fn syn_ack_acknowledging_our_syn_establishes_and_is_acknowledged() {
    let at = At::SynSent;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(S | A).ack_abs(c.t.our(1)).win(3000).opts(vec![TcpOption::Mss(1000)]));
    c.rcv_nxt = 1;
    c.snd_una = 1;
    c.right_edge = Ladder::peer(1) + 64240;
    c.expect_ack();
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(4), Some(State::Established))]);
    assert_eq!(c.t.stack.connect_result(c.fd()), Some(Ok(())));
    let info = c.t.stack.tcp_info(c.fd()).unwrap();
    assert_eq!((info.snd_wnd, info.snd_mss), (3000, 1000));
}

/// Fourth, "If there are other controls or text in the segment, then continue processing at
/// the sixth step under Section 3.10.7.4": a SYN-ACK carrying text and a FIN — the text is
/// delivered, the FIN takes ESTABLISHED to CLOSE-WAIT, one ACK covers both.
#[test]
fn syn_ack_with_text_and_fin_continues_at_the_sixth_step() {
    let at = At::SynSent;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(S | A | F).ack_abs(c.t.our(1)).data(b"hello"));
    c.rcv_nxt = 7;
    c.snd_una = 1;
    c.right_edge = Ladder::peer(1) + 64240;
    c.expect_ack();
    c.expect_nothing();
    assert_rows(
        at,
        &rows,
        &[
            (State::SynSent, Step::SynSent(4), Some(State::Established)),
            (State::Established, TEXT, None),
            (State::Established, FIN, Some(State::CloseWait)),
        ],
    );
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"hello");
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"");
}

/// Fourth, the SYN without an ACK (simultaneous open, MUST-10): "Otherwise, enter
/// SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it."
#[test]
fn syn_without_ack_is_a_simultaneous_open() {
    let at = At::SynSent;
    let mut c = rfc(at);
    let rows = c.arrive(seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
    c.rcv_nxt = 1;
    c.right_edge = Ladder::peer(1) + 64240;
    let synack = c.expect(S | A, c.t.our(0), Ladder::peer(1), 0);
    assert_eq!(synack.options, vec![TcpOption::Mss(1460)]);
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(4), Some(State::SynReceived))]);
    c.expect_state(State::SynReceived);
}

/// Fifth: "If neither of the SYN or RST bits is set, then drop the segment and return" — an
/// acceptable ACK alone, or a FIN, changes nothing.
#[test]
fn segment_with_neither_syn_nor_rst_is_dropped() {
    for flags in [A, F | A, A | P] {
        let at = At::SynSent;
        let mut c = rfc(at);
        let rows = c.arrive(seg().flags(flags).ack_abs(c.t.our(1)).data(b"x"));
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::SynSent, Step::SynSent(5), None)]);
        c.expect_state(State::SynSent);
    }
    let mut c = rfc(At::SynSent);
    let rows = c.arrive(seg().flags(TcpFlags::EMPTY));
    c.expect_nothing();
    assert_rows(At::SynSent, &rows, &[(State::SynSent, Step::SynSent(5), None)]);
}

/// Fourth, simultaneous open: "queue other controls or text for processing after the
/// ESTABLISHED state has been reached" — the text of the peer's SYN is delivered once its ACK
/// of our SYN arrives.
#[test]
fn text_on_a_crossing_syn_is_processed_once_established() {
    let at = At::SynSent;
    let mut c = rfc(at);
    c.arrive(seg().flags(S).data(b"crossed"));
    assert_eq!(c.t.sent().flags, S | A);
    let rows = c.arrive(seg().flags(A).seq(8).ack_abs(c.t.our(1)));
    let ack = c.t.sent();
    assert_eq!((ack.flags, ack.seq, ack.ack), (A, c.t.our(1), Ladder::peer(8)));
    c.expect_nothing();
    assert_rows(
        at,
        &rows,
        &[(State::SynReceived, ACK, Some(State::Established)), (State::Established, ACK, None), (State::Established, TEXT, None)],
    );
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"crossed");
}
