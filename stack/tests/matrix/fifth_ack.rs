//! §3.10.7.4 fifth: check the ACK field — SYN-RECEIVED's completion of the handshake,
//! acceptable, duplicate and unsent acknowledgments (RFC 5961 §5 and the RFC 793 switch),
//! the window update rule (SND.WL1/SND.WL2), and the per-state actions of FIN-WAIT-1,
//! FIN-WAIT-2, CLOSING, LAST-ACK and TIME-WAIT.

use crate::fixture::*;
use crate::ladder::*;
use std::time::Duration;
use synack_stack::{Domain, Errno, State, Step};

/// "If the ACK bit is off, drop the segment and return" — in every state, text and all.
#[test]
fn segment_without_the_ack_bit_is_dropped() {
    for at in At::OTHER {
        let mut c = rfc(at);
        let rows = c.arrive(seg().flags(P).seq(c.rcv_nxt).data(b"no ack"));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), ACK, None)]);
        c.expect_state(at.state());
        if let (Some(fd), true) = (c.fd, At::RECEIVING.contains(&at)) {
            assert_eq!(c.t.stack.recv(fd, 100, false), Err(Errno::EAGAIN), "{at:?}: the text was dropped");
        }
    }
}

/// SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state and continue
/// processing with the variables below set to: SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ,
/// SND.WL2 <- SEG.ACK." Nothing is sent; processing goes on in ESTABLISHED, where SND.UNA
/// moves over our SYN.
#[test]
fn ack_of_our_syn_completes_the_handshake() {
    for at in [At::SynReceived, At::SynReceivedActive] {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(A).win(1234));
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::SynReceived, ACK, Some(State::Established)), (State::Established, ACK, None)]);
        c.expect_state(State::Established);
        let fd = match c.fd {
            Some(fd) => fd,
            None => c.t.stack.accept(c.listener.unwrap()).unwrap().0,
        };
        assert_eq!(c.t.stack.connect_result(fd), Some(Ok(())), "{at:?}");
        let info = c.t.stack.tcp_info(fd).unwrap();
        assert_eq!((info.snd_wnd, info.unacked), (1234, 0), "{at:?}: SND.WND from the ACK, SND.UNA past the SYN");
    }
}

/// SYN-RECEIVED: "If the segment acknowledgment is not acceptable, form a reset segment
/// <SEQ=SEG.ACK><CTL=RST> and send it" — and stay. Rows: SEG.ACK = SND.UNA (= ISS), and
/// SEG.ACK > SND.NXT.
#[test]
fn unacceptable_ack_in_syn_received_draws_a_reset() {
    for at in [At::SynReceived, At::SynReceivedActive] {
        for rel in [0, 2] {
            let mut c = rfc(at);
            let rows = c.arrive(c.seg().ack_abs(c.t.our(rel)));
            c.expect_rst(c.t.our(rel));
            c.expect_nothing();
            assert_rows(at, &rows, &[(State::SynReceived, ACK, None)]);
            c.expect_state(State::SynReceived);
        }
    }
}

/// RFC 5961 §5.2 (MAY-12): "The ACK value is considered acceptable only if it is in the range
/// of ((SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT). All incoming segments whose ACK value
/// doesn't satisfy the above condition MUST be discarded and an ACK sent back." Below the
/// range (MAX.SND.WND is the peer's 65535): a challenge ACK, and the text is not taken.
#[test]
fn ack_below_snd_una_minus_max_snd_wnd_draws_a_challenge_ack() {
    for at in At::SYNCHRONIZED {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_una) - 65536).data(b"blind"));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), ACK, None)]);
        c.expect_state(at.state());
        if let (Some(fd), true) = (c.fd, At::RECEIVING.contains(&at)) {
            assert_eq!(c.t.stack.recv(fd, 100, false), Err(Errno::EAGAIN), "{at:?}: the text was discarded");
        }
    }
}

/// RFC 5961 §5.2: SEG.ACK > SND.NXT is outside the range too: a challenge ACK. (Without RFC
/// 5961 the reply is the same ACK: "If the ACK acks something not yet sent (SEG.ACK >
/// SND.NXT), then send an ACK, drop the segment, and return" — see below.)
#[test]
fn ack_of_unsent_data_draws_a_challenge_ack() {
    for at in At::SYNCHRONIZED {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt + 1)).data(b"early"));
        c.expect_ack();
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), ACK, None)]);
        c.expect_state(at.state());
    }
}

/// The RFC 793 switch: "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send
/// an ACK, drop the segment, and return" (ESTABLISHED, and the states that process ACKs as
/// ESTABLISHED does). TIME-WAIT expects only a retransmitted FIN and ignores it.
#[test]
fn ack_of_unsent_data_is_answered_with_an_ack_under_the_rfc793_switch() {
    for at in At::SYNCHRONIZED {
        let mut config = rfc_config();
        config.rfc5961 = false;
        let mut c = Setup::new(config).at(at);
        let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt + 1)));
        if at == At::TimeWait {
            assert_rows(at, &rows, &[(State::TimeWait, ACK, None)]);
        } else {
            c.expect_ack();
            assert_rows(at, &rows, &[(at.state(), ACK, None)]);
        }
        c.expect_nothing();
        c.expect_state(at.state());
    }
}

/// "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK. Any segments on the
/// retransmission queue that are thereby entirely acknowledged are removed" — and with
/// nothing left in flight the retransmission timer stops (RFC 6298 (5.2)).
#[test]
fn acceptable_ack_advances_snd_una_and_stops_the_timer() {
    for at in [At::Established, At::CloseWait] {
        let mut c = rfc(at);
        c.send_data(b"payload");
        assert!(c.t.stack.poll_timeout().is_some(), "{at:?}: retransmission timer running");
        let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), ACK, None)]);
        let info = c.t.stack.tcp_info(c.fd()).unwrap();
        assert_eq!(info.unacked, 0, "{at:?}");
        assert_eq!(c.t.stack.poll_timeout(), None, "{at:?}: no timer left");
    }
}

/// "If the ACK is a duplicate (SEG.ACK < SND.UNA), it can be ignored": nothing is sent, the
/// connection does not change.
#[test]
fn old_duplicate_ack_is_ignored() {
    for at in [At::Established, At::CloseWait] {
        let mut c = rfc(at);
        c.send_data(b"0123456789");
        c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)));
        c.snd_una = c.snd_nxt;
        let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_una - 5)));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), ACK, None)]);
        c.expect_state(at.state());
    }
}

/// The window update rule, SND.WL1 < SEG.SEQ: a segment later in the peer's sequence space
/// than the one that last set the window sets it again.
#[test]
fn window_is_taken_from_a_segment_with_a_later_sequence_number() {
    let at = At::Established;
    let mut c = rfc(at);
    c.peer_sends(b"abc");
    let rows = c.arrive(c.seg().win(1000));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, ACK, None)]);
    assert_eq!(c.t.stack.tcp_info(c.fd()).unwrap().snd_wnd, 1000);
}

/// The window update rule, SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK: the same sequence
/// number with a newer acknowledgment sets the window.
#[test]
fn window_is_taken_from_a_segment_at_wl1_with_a_newer_ack() {
    let at = At::Established;
    let mut c = rfc(at);
    c.send_data(b"x");
    let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)).win(2000));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, ACK, None), (State::Established, ACK, None)]);
    assert_eq!(c.t.stack.tcp_info(c.fd()).unwrap().snd_wnd, 2000);
}

/// The window update rule keeps old window information out: a segment earlier in the
/// peer's sequence space (SEG.SEQ < SND.WL1, reordered behind one that set the window) does
/// not set it — its text is taken all the same.
#[test]
fn window_of_a_segment_with_an_earlier_sequence_number_is_ignored() {
    let at = At::Established;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg_at(c.rcv_nxt + 5).flags(A).data(b"world").win(1000));
    c.expect_ack();
    assert_rows(at, &rows, &[(State::Established, ACK, None), (State::Established, TEXT, None)]);
    let rows = c.arrive(c.seg().flags(A).data(b"hello").win(3000));
    c.rcv_nxt += 10;
    c.expect_ack();
    assert_rows(at, &rows, &[(State::Established, ACK, None), (State::Established, TEXT, None)]);
    assert_eq!(c.t.stack.tcp_info(c.fd()).unwrap().snd_wnd, 1000, "the reordered segment's window was not taken");
}

/// The window update rule applies only "if SND.UNA =< SEG.ACK =< SND.NXT": an old ACK sets
/// no window.
#[test]
fn window_of_an_old_ack_is_ignored() {
    let at = At::Established;
    let mut c = rfc(at);
    c.send_data(b"abc");
    c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)));
    c.snd_una = c.snd_nxt;
    let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_una - 2)).win(500));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, ACK, None)]);
    assert_eq!(c.t.stack.tcp_info(c.fd()).unwrap().snd_wnd, 65535);
}

/// FIN-WAIT-1: "In addition to the processing for the ESTABLISHED state, if the FIN segment
/// is now acknowledged, then enter FIN-WAIT-2 and continue processing in that state."
#[test]
fn ack_of_our_fin_moves_fin_wait_1_to_fin_wait_2() {
    let at = At::FinWait1;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::FinWait1, ACK, None), (State::FinWait1, ACK, Some(State::FinWait2))]);
    c.expect_state(State::FinWait2);
    assert_eq!(c.t.stack.poll_timeout(), None, "no retransmission timer, and no FIN-WAIT-2 timer in the RFC");
}

/// FIN-WAIT-1 until the FIN is acknowledged: an ACK short of it changes nothing.
#[test]
fn fin_wait_1_stays_while_its_fin_is_unacknowledged() {
    let at = At::FinWait1;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg());
    c.expect_nothing();
    assert_rows(at, &rows, &[]);
    c.expect_state(State::FinWait1);
}

/// FIN-WAIT-2: "In addition to the processing for the ESTABLISHED state, if the
/// retransmission queue is empty, the user's CLOSE can be acknowledged ("ok") but do not
/// delete the TCB." An ACK leaves the connection as it is (and the half-closed application
/// may still read).
#[test]
fn fin_wait_2_takes_an_ack_and_stays() {
    let at = At::FinWait2;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().win(4000));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::FinWait2, ACK, None)]);
    c.expect_state(State::FinWait2);
    assert_eq!(c.t.stack.tcp_info(c.fd()).unwrap().snd_wnd, 4000, "processed as in ESTABLISHED");
}

/// CLOSING: "In addition to the processing for the ESTABLISHED state, if the ACK
/// acknowledges our FIN, then enter the TIME-WAIT state; otherwise, ignore the segment."
#[test]
fn ack_of_our_fin_moves_closing_to_time_wait() {
    let at = At::Closing;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Closing, ACK, None), (State::Closing, ACK, Some(State::TimeWait))]);
    c.expect_state(State::TimeWait);
    let rows = c.wait(Duration::from_secs(240));
    assert_rows(at, &rows, &[(State::TimeWait, timer(synack_stack::decision::TimerKind::TimeWait), Some(State::Closed))]);
}

/// CLOSING, the ACK not of our FIN: "otherwise, ignore the segment" — its text and all.
#[test]
fn closing_ignores_a_segment_that_does_not_acknowledge_its_fin() {
    let at = At::Closing;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(A | P).data(b"late"));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Closing, ACK, None)]);
    c.expect_state(State::Closing);
}

/// LAST-ACK: "The only thing that can arrive in this state is an acknowledgment of our FIN.
/// If our FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return."
#[test]
fn ack_of_our_fin_closes_last_ack() {
    let at = At::LastAck;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().ack_abs(c.t.our(c.snd_nxt)));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::LastAck, ACK, None), (State::LastAck, ACK, Some(State::Closed))]);
    c.expect_state(State::Closed);
    assert_eq!(c.t.stack.poll_timeout(), None);
    assert_eq!(c.so_error(), 0, "a normal close (MUST-12)");
}

/// LAST-ACK until our FIN is acknowledged: an ACK short of it changes nothing.
#[test]
fn last_ack_stays_while_its_fin_is_unacknowledged() {
    let at = At::LastAck;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg());
    c.expect_nothing();
    assert_rows(at, &rows, &[]);
    c.expect_state(State::LastAck);
}

/// TIME-WAIT: "The only thing that can arrive in this state is a retransmission of the
/// remote FIN" — an ACK is ignored, and does not restart the 2 MSL timer.
#[test]
fn time_wait_ignores_an_ack() {
    let at = At::TimeWait;
    let mut c = rfc(at);
    c.wait(Duration::from_secs(200));
    let rows = c.arrive(c.seg());
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::TimeWait, ACK, None)]);
    c.wait(Duration::from_secs(40));
    c.expect_state(State::Closed);
}

/// The third ACK when the listener's accept queue is full (a resource decision RFC 9293
/// leaves open; Linux `tcp_abort_on_overflow`): dropped, SYN-RECEIVED stays — or, with the
/// switch, answered with <SEQ=SEG.ACK><CTL=RST> and the connection dropped. listen(fd, 1)
/// holds two connections in each queue (Linux: full when *more* than the backlog), so the
/// third handshake is completed while two wait to be accepted. A third ACK with more text
/// than the window (state_machine with the oracle: trimming it owed an ACK, which went out
/// from SYN-RECEIVED after the drop; Linux's tcp_check_req sends nothing) is dropped whole.
#[test]
fn third_ack_finding_the_accept_queue_full_is_dropped_or_reset() {
    for (abort, oversized) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut config = rfc_config();
        config.abort_on_overflow = abort;
        let mut t = Ladder::new(config);
        let l = t.stack.socket(Domain::Inet).unwrap();
        t.stack.bind(l, t.local).unwrap();
        t.stack.listen(l, 1).unwrap();
        let mut window = 0;
        let mut syn = |t: &mut Ladder, port: u16| {
            t.remote = format!("198.51.100.2:{port}").parse().unwrap();
            t.inject(seg().ports(port, 8080).flags(S));
            let synack = t.sent();
            window = usize::from(synack.window);
            synack.seq
        };
        let mut iss = std::collections::HashMap::new();
        iss.insert(40001, syn(&mut t, 40001));
        iss.insert(40002, syn(&mut t, 40002));
        let ack = |t: &mut Ladder, port: u16, iss: synack_stack::SeqNum, text: usize| -> Vec<Row> {
            t.remote = format!("198.51.100.2:{port}").parse().unwrap();
            t.iss = iss;
            t.stack.take_decisions();
            t.inject(seg().ports(port, 8080).flags(A).seq(1).ack_abs(t.our(1)).data(&vec![7; text]));
            t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect()
        };
        ack(&mut t, 40001, iss[&40001], 0);
        t.sent_nothing();
        iss.insert(40003, syn(&mut t, 40003));
        ack(&mut t, 40002, iss[&40002], 0);
        t.sent_nothing();
        let text = if oversized { window + 1 } else { 0 };
        let rows = ack(&mut t, 40003, iss[&40003], text);
        if abort {
            check(&t.sent(), R, t.our(1), None, 0);
            assert_rows(At::SynReceived, &rows, &[(State::SynReceived, Step::Resource, Some(State::Closed))]);
        } else {
            t.sent_nothing();
            assert_rows(At::SynReceived, &rows, &[(State::SynReceived, Step::Resource, None)]);
        }
        for _ in 0..2 {
            assert!(t.stack.accept(l).is_ok());
        }
        assert_eq!(t.stack.accept(l), Err(Errno::EAGAIN), "abort_on_overflow {abort}, oversized {oversized}: two connections accepted");
    }
}

/// Duplicate ACKs (SEG.ACK = SND.UNA, RFC 5681 §2) in a state with text and the FIN in
/// flight: the third starts fast retransmit (RFC 5681 §3.2), which resends the segment at
/// SND.UNA as it was — its PSH (MUST-61) and the FIN that followed its last octet included.
#[test]
fn third_duplicate_ack_retransmits_the_head_with_its_psh_and_fin() {
    let at = At::Established;
    let mut c = rfc(at);
    c.send_data(&[9; 100]);
    c.t.stack.shutdown(c.fd(), synack_stack::Shutdown::Write).unwrap();
    c.expect(F | A, c.t.our(101), Ladder::peer(1), 0);
    c.snd_nxt = 102;
    for n in 0..3 {
        let rows = c.arrive(c.seg());
        if n < 2 {
            c.expect_nothing();
            assert_rows(at, &rows, &[]);
        } else {
            assert_rows(at, &rows, &[(State::FinWait1, ACK, None)]);
        }
    }
    c.expect(F | A | P, c.t.our(1), Ladder::peer(1), 100);
    c.expect_nothing();
}

/// RFC 2018 §5: the SACK blocks of acceptable ACKs mark what the peer holds above SND.UNA —
/// `tcpi_sacked` counts those segments, as Linux's `sacked_out` does — clipped to what was
/// sent (a D-SACK below SND.UNA, RFC 2883, and a block beyond SND.NXT mark nothing); SND.UNA
/// passing a block forgets it; and the scoreboard holds at most `sack_scoreboard_max`
/// ranges, however many distinct blocks the peer reports.
#[test]
fn sack_blocks_mark_the_scoreboard_within_bounds() {
    use synack_stack::wire::TcpOption;
    let mut config = rfc_config();
    config.sack_scoreboard_max = 4;
    let (mut t, fd) = sack_established(config, 1000);
    assert_eq!(t.stack.send(fd, &[1; 10_000]), Ok(10_000));
    while t.stack.poll_transmit().is_some() {}
    let sacked = |t: &Ladder| t.stack.tcp_info(fd).unwrap().sacked;
    let block = |t: &Ladder, l: u32, r: u32| (t.our(l).get(), t.our(r).get());
    let ack = |t: &Ladder, blocks: Vec<(u32, u32)>| {
        seg().flags(A).seq(1).ack_abs(t.our(1)).opts(vec![TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(blocks)])
    };
    // The initial window sent four 1000-octet segments.
    assert_eq!(t.stack.tcp_info(fd).unwrap().unacked, 4);
    // Segments 2 and 3 arrived, segment 1 did not.
    t.inject(ack(&t, vec![block(&t, 1001, 3001)]));
    assert_eq!(sacked(&t), 2);
    // A D-SACK of what was never past SND.UNA and a block beyond SND.NXT change nothing.
    t.inject(ack(&t, vec![(t.our(0).get(), t.our(1).get()), block(&t, 4001, 5001)]));
    assert_eq!(sacked(&t), 2);
    // Ten disjoint 50-octet blocks in segment 4: four ranges are kept, the nearest to SND.UNA.
    let many: Vec<_> = (0..10).map(|k| block(&t, 3011 + 90 * k, 3061 + 90 * k)).collect();
    for three in many.chunks(3) {
        t.inject(ack(&t, three.to_vec()));
    }
    assert_eq!(sacked(&t), 2 + 3, "segments 2–3 and three of the ten blocks");
    // SND.UNA moves past segments 1–3: only the three short ranges remain.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(3001)));
    assert_eq!(sacked(&t), 3);
}

/// RFC 2018 §2: a SACK option on a connection that did not exchange SACK-permitted is
/// ignored.
#[test]
fn sack_blocks_without_sack_permitted_mark_nothing() {
    use synack_stack::wire::TcpOption;
    let mut c = rfc(At::Established);
    let fd = c.fd.unwrap();
    assert_eq!(c.t.stack.send(fd, &[1; 3000]), Ok(3000));
    while c.t.stack.poll_transmit().is_some() {}
    let blocks = vec![(c.t.our(1001).get(), c.t.our(2001).get())];
    c.t.inject(seg().flags(A).seq(c.rcv_nxt).ack_abs(c.t.our(1)).opts(vec![TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(blocks)]));
    assert_eq!(c.t.stack.tcp_info(fd).unwrap().sacked, 0);
}
