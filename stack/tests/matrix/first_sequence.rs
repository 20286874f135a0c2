//! §3.10.7.4 first: check the sequence number — Table 6 in each of its four cases, the zero
//! window allowance (MUST-66), trimming to the window, PAWS (RFC 7323 §5.3), and TIME-WAIT's
//! retransmitted FIN — for every state of §3.10.7.4.

use crate::fixture::*;
use crate::ladder::*;
use synack_stack::wire::{TcpFlags, TcpOption};
use synack_stack::State;

/// Table 6, SEG.LEN = 0 and RCV.WND > 0: acceptable when RCV.NXT =< SEG.SEQ <
/// RCV.NXT+RCV.WND. The segment carries no control bit at all, so that once it has passed the
/// first check nothing else happens: the fifth drops it ("if the ACK bit is off drop the
/// segment and return") and nothing is sent.
#[test]
fn empty_segment_inside_the_window_passes_the_first_check() {
    for at in At::OTHER {
        let probe = rfc(at);
        for rel in [probe.rcv_nxt, probe.rcv_nxt + probe.rcv_wnd() - 1] {
            let mut c = rfc(at);
            let rows = c.arrive(c.seg_at(rel).flags(TcpFlags::EMPTY));
            c.expect_nothing();
            assert_rows(at, &rows, &[(at.state(), ACK, None)]);
            c.expect_state(at.state());
        }
    }
}

/// Table 6, SEG.LEN = 0 and RCV.WND > 0, outside: just below RCV.NXT, and at the right edge.
/// "If an incoming segment is not acceptable, an acknowledgment should be sent in reply":
/// `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`; the segment is dropped.
#[test]
fn empty_segment_outside_the_window_is_answered_with_an_ack() {
    for at in At::OTHER {
        let probe = rfc(at);
        for rel in [probe.rcv_nxt - 1, probe.rcv_nxt + probe.rcv_wnd()] {
            let mut c = rfc(at);
            let rows = c.arrive(c.seg_at(rel).flags(TcpFlags::EMPTY));
            c.expect_ack();
            c.expect_nothing();
            assert_rows(at, &rows, &[(at.state(), SEQ, None)]);
            c.expect_state(at.state());
        }
    }
}

/// Table 6, SEG.LEN > 0 and RCV.WND > 0: acceptable when the first or the last octet is in
/// the window. First octet at RCV.NXT: in the receiving states the text is taken and
/// acknowledged (seventh); after the peer's FIN it passes this check and is ignored,
/// silently — by the seventh, or in CLOSING already by the fifth ("if the ACK acknowledges
/// our FIN … otherwise ignore the segment").
#[test]
fn text_starting_at_rcv_nxt_is_acceptable() {
    for at in At::RECEIVING.into_iter().chain(At::PEER_CLOSED) {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(A | P).data(b"hello"));
        if At::RECEIVING.contains(&at) {
            c.rcv_nxt += 5;
            c.expect_ack();
        }
        c.expect_nothing();
        let step = if at == At::Closing { ACK } else { TEXT };
        assert_rows(at, &rows, &[(at.state(), step, None)]);
        c.expect_state(at.state());
    }
}

/// Table 6, the last octet in the window: a segment starting at the window's last octet is
/// acceptable, is trimmed to that octet, and (beyond RCV.NXT) is held and answered at once
/// with an ACK of RCV.NXT (SHLD-31; RFC 5681 §4.2).
#[test]
fn text_starting_at_the_last_octet_of_the_window_is_acceptable_and_trimmed() {
    for at in At::RECEIVING {
        let mut c = rfc(at);
        let last = c.rcv_nxt + c.rcv_wnd() - 1;
        let rows = c.arrive(c.seg_at(last).flags(A).data(b"0123456789"));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        let held = c.t.stack.connections().map(|k| k.ooo.bytes()).sum::<usize>();
        assert_eq!(held, 1, "{at:?}: only the octet inside the window is held");
    }
}

/// Table 6, SEG.LEN > 0, only the last octet inside: a segment straddling RCV.NXT is
/// acceptable and "only the portion … that lies in the window" — the new octets — is taken.
#[test]
fn text_straddling_rcv_nxt_is_trimmed_to_its_new_octets() {
    for at in At::RECEIVING {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg_at(c.rcv_nxt - 3).flags(A | P).data(b"oldnew!!"));
        c.rcv_nxt += 5;
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"new!!", "{at:?}");
    }
}

/// Table 6, SEG.LEN > 0, neither end inside: entirely old (an old duplicate), or starting at
/// the right edge. An ACK in reply, the text dropped — in every state of §3.10.7.4.
#[test]
fn text_outside_the_window_is_answered_with_an_ack() {
    for at in At::OTHER {
        let probe = rfc(at);
        for rel in [probe.rcv_nxt - 5, probe.rcv_nxt + probe.rcv_wnd()] {
            let mut c = rfc(at);
            let rows = c.arrive(c.seg_at(rel).flags(A | P).data(b"stale"));
            c.expect_ack();
            c.expect_nothing();
            assert_rows(at, &rows, &[(at.state(), SEQ, None)]);
            c.expect_state(at.state());
            if let (Some(fd), true) = (c.fd, At::RECEIVING.contains(&at)) {
                assert_eq!(c.t.stack.recv(fd, 100, false), Err(synack_stack::Errno::EAGAIN), "{at:?}: nothing taken");
            }
        }
    }
}

/// A fixture whose receive window is closed: SO_RCVBUF 256, the window filled by the peer
/// (in the states after the peer's FIN, 255 octets and the FIN).
fn zero_window(at: At) -> Conn {
    let fill = if At::RECEIVING.contains(&at) { 256 } else { 255 };
    let c = Setup::new(rfc_config()).rcvbuf(256).fill(fill).at(at);
    assert_eq!(c.rcv_wnd(), 0, "{at:?}: window closed");
    c
}

/// Table 6, SEG.LEN = 0 and RCV.WND = 0: acceptable only at SEG.SEQ = RCV.NXT.
#[test]
fn zero_window_takes_an_empty_segment_only_at_rcv_nxt() {
    for at in [At::Established, At::FinWait1, At::FinWait2, At::CloseWait] {
        let mut c = zero_window(at);
        let rows = c.arrive(c.seg().flags(TcpFlags::EMPTY));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), ACK, None)]);

        let rows = c.arrive(c.seg_at(c.rcv_nxt + 1).flags(TcpFlags::EMPTY));
        c.expect_ack();
        assert_rows(at, &rows, &[(at.state(), SEQ, None)]);
    }
}

/// Table 6, SEG.LEN > 0 and RCV.WND = 0: not acceptable — but "special allowance should be
/// made to accept valid ACKs, URGs, and RSTs" (MUST-66). Text at RCV.NXT into a closed
/// window: its ACK field acknowledges our data, its text is not taken, and the reply
/// re-advertises the zero window.
#[test]
fn zero_window_refuses_text_but_processes_its_ack() {
    for at in [At::Established, At::CloseWait] {
        let mut c = zero_window(at);
        c.send_data(b"ours");
        let rows = c.arrive(c.seg().flags(A | P).ack_abs(c.t.our(c.snd_nxt)).data(b"more"));
        c.snd_una = c.snd_nxt;
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), SEQ, None), (at.state(), ACK, None)]);
        let info = c.t.stack.tcp_info(c.fd()).unwrap();
        assert_eq!(info.unacked, 0, "{at:?}: the ACK field was processed");
        assert_eq!(c.t.stack.recv(c.fd(), 1000, false).unwrap().len(), if at == At::Established { 256 } else { 255 }, "{at:?}: the text was not taken");
    }
}

/// MUST-66: the RST of a segment at RCV.NXT is processed with a zero window.
#[test]
fn zero_window_processes_a_rst_at_rcv_nxt() {
    let at = At::Established;
    let mut c = zero_window(at);
    let rows = c.arrive(c.seg().flags(R));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, RST, Some(State::Closed))]);
    c.expect_state(State::Closed);
}

/// MUST-66: the URG of a segment at RCV.NXT is processed with a zero window (sixth check),
/// though its text is not taken.
#[test]
fn zero_window_processes_the_urgent_pointer() {
    let at = At::Established;
    let mut c = zero_window(at);
    let rows = c.arrive(c.seg().flags(A | U).data(b"!").urgent(1));
    c.expect_ack();
    assert_rows(at, &rows, &[(State::Established, SEQ, None), (State::Established, URG, None)]);
}

/// Table 6, SEG.LEN > 0 and RCV.WND = 0: a bare FIN occupies a sequence number and is not
/// acceptable either (it is not among the ACK, URG and RST that MUST-66 lets through): it is
/// answered with an ACK that does not cover it, and the state stays.
#[test]
fn zero_window_refuses_a_bare_fin() {
    for at in [At::Established, At::FinWait2] {
        let mut c = zero_window(at);
        let rows = c.arrive(c.seg().flags(F | A));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), SEQ, None)]);
        c.expect_state(at.state());
    }
}

/// "Segments with higher beginning sequence numbers may be held" — but only what lies in
/// the window: the part of a segment beyond RCV.NXT+RCV.WND is cut off, and a FIN riding on
/// that part is not taken. The ACK goes out at once, without the FIN.
#[test]
fn text_beyond_the_right_edge_is_trimmed_and_its_fin_not_taken() {
    let at = At::Established;
    let mut c = Setup::new(rfc_config()).rcvbuf(256).at(at);
    let rows = c.arrive(c.seg().flags(F | A | P).data(&[b'x'; 300]));
    c.rcv_nxt += 256;
    c.expect_ack();
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, TEXT, None)]);
    c.expect_state(State::Established);
    assert_eq!(c.t.stack.recv(c.fd(), 1000, false).unwrap().len(), 256);
}

/// TIME-WAIT (fifth and eighth): "The only thing that can arrive in this state is a
/// retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL timeout." The
/// retransmission lies just below RCV.NXT; it is acknowledged, and TIME-WAIT lasts 2 MSL from
/// it (MUST-13).
#[test]
fn time_wait_acknowledges_a_retransmitted_fin_and_restarts_2msl() {
    let at = At::TimeWait;
    let mut c = rfc(at);
    c.wait(std::time::Duration::from_secs(100));
    let rows = c.arrive(c.seg_at(c.rcv_nxt - 1).flags(F | A));
    c.expect_ack();
    assert_rows(at, &rows, &[(State::TimeWait, FIN, None)]);
    c.wait(std::time::Duration::from_secs(239));
    c.expect_state(State::TimeWait);
    let rows = c.wait(std::time::Duration::from_secs(1));
    assert_rows(at, &rows, &[(State::TimeWait, timer(synack_stack::decision::TimerKind::TimeWait), Some(State::Closed))]);
    c.expect_state(State::Closed);
}

/// RFC 7323 §5.3 R1 (PAWS): a segment whose TSval is older than TS.Recent is not acceptable:
/// an ACK in reply (carrying TS.Recent as TSecr), the text dropped.
#[test]
fn paws_refuses_a_segment_with_an_older_timestamp() {
    let mut config = rfc_config();
    config.timestamps = true;
    let mut t = Ladder::new(config);
    let l = t.listen();
    let ts = |tsval| TcpOption::Timestamps { tsval, tsecr: 0 };
    t.inject(seg().flags(S).opts(vec![TcpOption::Mss(1460), ts(1000)]));
    t.iss = t.sent().seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).opts(vec![ts(1001)]));
    let (fd, _) = t.stack.accept(l).unwrap();
    t.stack.take_decisions();
    t.inject(seg().flags(A | P).seq(1).ack_abs(t.our(1)).opts(vec![ts(999)]).data(b"replay"));
    let ack = t.sent();
    check(&ack, A, t.our(1), Some(Ladder::peer(1)), 0);
    let tsecr = ack.options.iter().find_map(|o| if let TcpOption::Timestamps { tsecr, .. } = o { Some(*tsecr) } else { None });
    assert_eq!(tsecr, Some(1001), "TSecr is TS.Recent, not the rejected TSval");
    let rows: Vec<Row> = t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect();
    assert_rows(At::Established, &rows, &[(State::Established, SEQ, None)]);
    assert_eq!(t.stack.recv(fd, 100, false), Err(synack_stack::Errno::EAGAIN));
}

/// SYN-RECEIVED, the peer's SYN again (SEG.SEQ = IRS, below RCV.NXT): Table 6 would answer
/// it with an ACK, which a peer still in SYN-SENT can only drop; both profiles resend the
/// SYN-ACK instead, as Linux does (tcp_check_req: "Check for pure retransmitted SYN") — an
/// acknowledgment of the same numbers that also completes the peer's handshake. The
/// connection stays in SYN-RECEIVED.
#[test]
fn retransmitted_syn_in_syn_received_is_answered_with_the_syn_ack() {
    for config in [rfc_config(), linux_config()] {
        let at = At::SynReceived;
        let mut c = Setup::new(config).at(at);
        let rows = c.arrive(seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
        let synack = c.expect(S | A, c.t.our(0), Ladder::peer(1), 0);
        assert_eq!(synack.options, vec![TcpOption::Mss(1460)]);
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::SynReceived, SEQ, None)]);
        c.expect_state(State::SynReceived);
    }
}
