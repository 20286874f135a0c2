//! §3.10.7.4 sixth (the URG bit), seventh (the segment text) and eighth (the FIN bit), for
//! every state of §3.10.7.4.

use crate::fixture::*;
use crate::ladder::*;
use std::time::Duration;
use synack_stack::decision::TimerKind;
use synack_stack::{Errno, State};

// ---- sixth: URG ----

/// Sixth, ESTABLISHED / FIN-WAIT-1 / FIN-WAIT-2: "If the URG bit is set, RCV.UP <-
/// max(RCV.UP,SEG.UP), and signal the user that the remote side has urgent data if the
/// urgent pointer (RCV.UP) is in advance of the data consumed" (MUST-30, MUST-62: the pointer
/// is the octet after the urgent data). The text itself is delivered inline.
#[test]
fn urgent_pointer_advances_rcv_up_in_the_receiving_states() {
    for at in At::RECEIVING {
        let mut c = rfc(at);
        // The urgent data runs on past this segment (MUST-31: of any length).
        let rows = c.arrive(c.seg().flags(A | U).data(b"!urgent").urgent(100));
        c.rcv_nxt += 7;
        c.expect_ack();
        assert_rows(at, &rows, &[(at.state(), URG, None), (at.state(), TEXT, None)]);
        // A pointer that is not in advance of RCV.UP signals nothing new.
        let rows = c.arrive(c.seg().flags(A | U).data(b"more").urgent(1));
        c.rcv_nxt += 4;
        c.expect_ack();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"!urgentmore", "{at:?}: delivered inline");
    }
}

/// Sixth, CLOSE-WAIT / CLOSING / LAST-ACK / TIME-WAIT: "This should not occur since a FIN has
/// been received from the remote side. Ignore the URG." No URG decision, nothing sent.
#[test]
fn urgent_pointer_is_ignored_after_the_peers_fin() {
    for at in At::PEER_CLOSED {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(A | U).urgent(1).data(b"!"));
        c.expect_nothing();
        let step = if at == At::Closing { ACK } else { TEXT };
        assert_rows(at, &rows, &[(at.state(), step, None)]);
    }
}

/// SYN-RECEIVED: the URG of the segment that completes the handshake is processed in
/// ESTABLISHED ("continue processing").
#[test]
fn urgent_pointer_on_the_third_ack_is_processed_in_established() {
    let at = At::SynReceived;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(A | U).urgent(2).data(b"!!"));
    c.snd_una = 1;
    c.rcv_nxt += 2;
    c.expect_ack();
    assert_rows(
        at,
        &rows,
        &[
            (State::SynReceived, ACK, Some(State::Established)),
            (State::Established, ACK, None),
            (State::Established, URG, None),
            (State::Established, TEXT, None),
        ],
    );
}

// ---- seventh: text ----

/// Seventh, ESTABLISHED / FIN-WAIT-1 / FIN-WAIT-2: "Once in the ESTABLISHED state, it is
/// possible to deliver segment data to user RECEIVE buffers … advance RCV.NXT … send an
/// acknowledgment of the form <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>". (Half-close: in the
/// FIN-WAIT states the peer still sends, and the application still reads.)
#[test]
fn text_in_order_is_delivered_and_acknowledged() {
    for at in At::RECEIVING {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(A | P).data(b"in order"));
        c.rcv_nxt += 8;
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"in order", "{at:?}");
    }
}

/// SYN-RECEIVED: text on the segment that completes the handshake is taken in ESTABLISHED.
#[test]
fn text_on_the_third_ack_is_delivered() {
    let at = At::SynReceived;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(A | P).data(b"early"));
    c.snd_una = 1;
    c.rcv_nxt += 5;
    c.expect_ack();
    assert_rows(
        at,
        &rows,
        &[(State::SynReceived, ACK, Some(State::Established)), (State::Established, ACK, None), (State::Established, TEXT, None)],
    );
    let (fd, _) = c.t.stack.accept(c.listener.unwrap()).unwrap();
    assert_eq!(c.t.stack.recv(fd, 100, false).unwrap(), b"early");
}

/// Text beyond RCV.NXT in the window "SHOULD be held for later processing" (SHLD-31) and is
/// acknowledged at once (MAY-13; RFC 5681 §4.2: the duplicate ACK tells the peer of the
/// hole); the segment filling the hole is acknowledged at once too, for all that is now in
/// order.
#[test]
fn text_beyond_rcv_nxt_is_held_and_acknowledged_at_once() {
    for at in At::RECEIVING {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg_at(c.rcv_nxt + 5).flags(A).data(b"world"));
        c.expect_ack();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        assert_eq!(c.t.stack.recv(c.fd(), 100, false), Err(Errno::EAGAIN), "{at:?}: held back");
        let rows = c.arrive(c.seg().flags(A).data(b"hello"));
        c.rcv_nxt += 10;
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), TEXT, None)]);
        assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"helloworld", "{at:?}");
    }
}

/// Seventh, CLOSE-WAIT / CLOSING / LAST-ACK / TIME-WAIT: "This should not occur since a FIN
/// has been received from the remote side. Ignore the segment text." Nothing is delivered and
/// nothing is sent (CLOSING ignores the whole segment already in the fifth check).
#[test]
fn text_after_the_peers_fin_is_ignored() {
    for at in At::PEER_CLOSED {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(A | P).data(b"after fin"));
        c.expect_nothing();
        let step = if at == At::Closing { ACK } else { TEXT };
        assert_rows(at, &rows, &[(at.state(), step, None)]);
        c.expect_state(at.state());
        if let Some(fd) = c.fd {
            assert_eq!(c.t.stack.recv(fd, 100, false).unwrap(), b"", "{at:?}: end of stream, nothing more");
        }
    }
}

/// SHLD-3 (§3.6.1): "if new data is received after CLOSE is called, its TCP implementation
/// SHOULD send a RST to show that data was lost." After close() (not shutdown) in FIN-WAIT-1
/// or FIN-WAIT-2, text draws our reset <SEQ=SND.NXT><CTL=RST> and the connection is gone.
#[test]
fn text_after_close_is_answered_with_a_reset() {
    for at in [At::FinWait1, At::FinWait2] {
        let mut c = Setup::new(rfc_config()).orphan().at(at);
        let rows = c.arrive(c.seg().flags(A | P).data(b"unwanted"));
        c.expect_rst(c.t.our(c.snd_nxt));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), TEXT, Some(State::Closed))]);
        c.expect_state(State::Closed);
    }
}

// ---- eighth: FIN ----

/// Eighth, ESTABLISHED: "If the FIN bit is set, signal the user "connection closing" and
/// return any pending RECEIVEs with same message, advance RCV.NXT over the FIN, and send an
/// acknowledgment for the FIN" — and enter CLOSE-WAIT.
#[test]
fn fin_moves_established_to_close_wait() {
    let at = At::Established;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(F | A));
    c.rcv_nxt += 1;
    c.expect_ack();
    assert_rows(at, &rows, &[(State::Established, FIN, Some(State::CloseWait))]);
    c.expect_state(State::CloseWait);
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"", "end of stream");
}

/// Eighth, SYN-RECEIVED → CLOSE-WAIT: the FIN on the segment that completes the handshake
/// (its ACK takes SYN-RECEIVED to ESTABLISHED in the fifth check, the FIN then closes).
#[test]
fn fin_on_the_third_ack_moves_syn_received_to_close_wait() {
    for at in [At::SynReceived, At::SynReceivedActive] {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(F | A));
        c.snd_una = 1;
        c.rcv_nxt += 1;
        c.expect_ack();
        assert_rows(
            at,
            &rows,
            &[
                (State::SynReceived, ACK, Some(State::Established)),
                (State::Established, ACK, None),
                (State::Established, FIN, Some(State::CloseWait)),
            ],
        );
        c.expect_state(State::CloseWait);
    }
}

/// Eighth, FIN-WAIT-1: "If our FIN has been ACKed (perhaps in this segment), then enter
/// TIME-WAIT, start the time-wait timer, turn off the other timers; otherwise, enter the
/// CLOSING state" (Figure 5 note 2 for the first).
#[test]
fn fin_in_fin_wait_1_leads_to_time_wait_or_closing() {
    let at = At::FinWait1;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(F | A).ack_abs(c.t.our(c.snd_nxt)));
    c.rcv_nxt += 1;
    c.snd_una = c.snd_nxt;
    c.expect_ack();
    assert_rows(
        at,
        &rows,
        &[
            (State::FinWait1, ACK, None),
            (State::FinWait1, ACK, Some(State::FinWait2)),
            (State::FinWait2, FIN, Some(State::TimeWait)),
        ],
    );
    c.expect_state(State::TimeWait);

    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(F | A));
    c.rcv_nxt += 1;
    c.expect_ack();
    assert_rows(at, &rows, &[(State::FinWait1, FIN, Some(State::Closing))]);
    c.expect_state(State::Closing);
    assert!(c.t.stack.poll_timeout().is_some(), "the FIN's retransmission timer still runs");
}

/// Eighth, FIN-WAIT-2: "Enter the TIME-WAIT state. Start the time-wait timer, turn off the
/// other timers."
#[test]
fn fin_moves_fin_wait_2_to_time_wait() {
    let at = At::FinWait2;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(F | A));
    c.rcv_nxt += 1;
    c.expect_ack();
    assert_rows(at, &rows, &[(State::FinWait2, FIN, Some(State::TimeWait))]);
    let rows = c.wait(Duration::from_secs(240));
    assert_rows(at, &rows, &[(State::TimeWait, timer(TimerKind::TimeWait), Some(State::Closed))]);
}

/// Eighth, CLOSE-WAIT / LAST-ACK: "Remain in the … state" — a FIN in the window again (at
/// RCV.NXT, beyond the first) is acknowledged and changes nothing. TIME-WAIT: "Remain in the
/// TIME-WAIT state. Restart the 2 MSL time-wait timeout." (CLOSING's "remain" cannot be
/// reached: a FIN not acknowledging ours is ignored by the fifth check, and one that does
/// moves CLOSING to TIME-WAIT first.)
#[test]
fn fin_again_is_acknowledged_and_the_state_stays() {
    for at in [At::CloseWait, At::LastAck, At::TimeWait] {
        let mut c = rfc(at);
        if at == At::TimeWait {
            c.wait(Duration::from_secs(200));
        }
        let rows = c.arrive(c.seg().flags(F | A));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), FIN, None)]);
        c.expect_state(at.state());
        if at == At::TimeWait {
            c.wait(Duration::from_secs(239));
            c.expect_state(State::TimeWait);
        }
    }
}

/// A FIN beyond a hole is held with the text before it, and takes effect when the hole is
/// filled: ESTABLISHED → CLOSE-WAIT, RCV.NXT over text and FIN, one ACK.
#[test]
fn fin_beyond_a_hole_takes_effect_when_the_hole_fills() {
    let at = At::Established;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg_at(c.rcv_nxt + 3).flags(F | A).data(b"def"));
    c.expect_ack();
    assert_rows(at, &rows, &[(State::Established, TEXT, None)]);
    c.expect_state(State::Established);
    let rows = c.arrive(c.seg().flags(A).data(b"abc"));
    c.rcv_nxt += 7;
    c.expect_ack();
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, TEXT, None), (State::Established, FIN, Some(State::CloseWait))]);
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"abcdef");
    assert_eq!(c.t.stack.recv(c.fd(), 100, false).unwrap(), b"");
}

/// RFC 2018 §4: with SACK-permitted exchanged, the immediate ACK for text beyond a hole
/// carries SACK blocks — the block that changed most recently first — and the ACK that fills
/// the first hole reports only what is still held.
#[test]
fn text_beyond_a_hole_is_reported_in_sack_blocks() {
    use synack_stack::wire::TcpOption;
    let (mut t, fd) = sack_established(rfc_config(), 1460);
    let sack = |blocks: &[(u32, u32)]| {
        let blocks = blocks.iter().map(|(l, r)| (Ladder::peer(*l).get(), Ladder::peer(*r).get())).collect();
        vec![TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(blocks)]
    };
    t.inject(seg().flags(A).seq(6).ack_abs(t.our(1)).data(b"22222"));
    let ack = t.sent();
    check(&ack, A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(ack.options, sack(&[(6, 11)]));
    t.inject(seg().flags(A).seq(16).ack_abs(t.our(1)).data(b"44444"));
    assert_eq!(t.sent().options, sack(&[(16, 21), (6, 11)]), "the most recent block first");
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).data(b"11111"));
    let ack = t.sent();
    check(&ack, A, t.our(1), Some(Ladder::peer(11)), 0);
    assert_eq!(ack.options, sack(&[(16, 21)]));
    assert_eq!(t.stack.recv(fd, 100, false).unwrap(), b"1111122222");
}

/// MUST-16 (RFC 9293 §3.7.1): the effective send MSS counts every TCP option a segment
/// carries. While out-of-order text is held, our data segments carry SACK blocks, so their
/// text shrinks by the option's size: no segment exceeds the peer's MSS of 1000.
#[test]
fn data_segments_carrying_sack_blocks_fit_the_peers_mss() {
    use synack_stack::wire::TcpOption;
    let (mut t, fd) = sack_established(rfc_config(), 1000);
    t.inject(seg().flags(A).seq(6).ack_abs(t.our(1)).data(b"held"));
    assert!(matches!(t.sent().options.as_slice(), [TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(_)]));
    assert_eq!(t.stack.send(fd, &[5; 2500]), Ok(2500));
    let mut sent = 0;
    while let Some(bytes) = t.stack.poll_transmit() {
        let s = synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp;
        let options: usize = s.options_area_len();
        assert!(s.payload.len() + options <= 1000, "{} octets of text and {options} of options", s.payload.len());
        assert!(matches!(s.options.as_slice(), [TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(_)]));
        sent += s.payload.len();
    }
    // Two full segments of 1000 - 12 octets; the short rest waits for their ACK (Nagle).
    assert_eq!(sent, 2 * 988);
}
