//! Findings of the fuzz targets (`fuzz/`), each kept as a test that fails without its fix.
//!
//! - `segment_parse` reproducers: the bytes in `tests/fuzz_regressions/segment_parse/`, run
//!   through the target's own checks (`fuzz/src/segment.rs`, included below). The `example-*`
//!   files there are seeds, not findings: they keep the replay honest until the first finding.
//! - `state_machine` findings: as ladder tests here, with the corpus input that found them
//!   named in the doc comment (`corpus/state_machine/…`, which the fuzzer re-runs too).

mod ladder;

#[path = "../../fuzz/src/segment.rs"]
#[allow(dead_code)]
mod segment;

use ladder::*;
use std::time::Duration;
use synack_stack::{Decision, State, Step};

#[test]
fn segment_parse_reproducers_pass_the_targets_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/segment_parse");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("reproducer directory").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "no reproducers in {}", dir.display());
    for path in paths {
        let bytes = std::fs::read(&path).expect("reproducer");
        let outcome = std::panic::catch_unwind(|| segment::check(&bytes));
        assert!(outcome.is_ok(), "{} fails the segment_parse checks", path.display());
    }
}

/// The decisions that take a connection to CLOSED, as (state, step, next state).
fn closings(decisions: &[Decision]) -> Vec<(State, Step, Option<State>)> {
    decisions.iter().filter(|d| d.local.is_some() && (d.next_state == Some(State::Closed) || d.state == State::Closed)).map(|d| (d.state, d.step, d.next_state)).collect()
}

/// state_machine, trace invariant (found by the seeds from packetdrill-scripts, e.g.
/// `corpus/state_machine/script-rfc5961-rst-challenge-ack`): every transition to CLOSED was
/// recorded as taken *in* CLOSED with no state change ("3.10.7.4/2 CLOSED RST at RCV.NXT →
/// connection reset"), because the TCB was deleted before the decision was recorded. The
/// trace must say ESTABLISHED → CLOSED.
#[test]
fn a_reset_is_recorded_as_a_transition_from_the_state_it_ended() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.stack.take_decisions();
    t.inject(seg().flags(R).seq(1));
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
    let rst = synack_stack::decision::Check::Rst;
    assert_eq!(closings(&t.stack.take_decisions()), vec![(State::Established, Step::Other(rst), Some(State::Closed))]);
}

/// As above, for the other ways into CLOSED: the last ACK, the 2MSL timer, ABORT.
#[test]
fn every_way_into_closed_names_the_state_it_left() {
    let ack = synack_stack::decision::Check::Ack;
    // LAST-ACK: our FIN acknowledged.
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    t.stack.close(fd).unwrap();
    t.stack.take_decisions();
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(2)));
    assert_eq!(closings(&t.stack.take_decisions()), vec![(State::LastAck, Step::Other(ack), Some(State::Closed))]);

    // TIME-WAIT: 2MSL elapsed.
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)));
    assert_eq!(t.stack.state(fd).unwrap(), State::TimeWait);
    t.stack.take_decisions();
    t.advance(Duration::from_secs(600));
    let timeout = Step::Timeout(synack_stack::decision::TimerKind::TimeWait);
    assert_eq!(closings(&t.stack.take_decisions()), vec![(State::TimeWait, timeout, Some(State::Closed))]);

    // ABORT (SO_LINGER 0, close).
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.stack.setsockopt(fd, synack_stack::SockOpt::Linger(Some(Duration::ZERO))).unwrap();
    t.stack.take_decisions();
    t.stack.close(fd).unwrap();
    assert_eq!(closings(&t.stack.take_decisions()), vec![(State::Established, Step::Abort, Some(State::Closed))]);
}

/// state_machine, invariant "two live connections on one 4-tuple" (seen as a trace break:
/// a listener's decision on a 4-tuple whose connection was in SYN-RECEIVED). A socket call on
/// a descriptor whose connection had been reset ran `Stack::drive`, which removed the demux
/// entry of the 4-tuple — by then the entry of a *new* connection on the same 4-tuple. The
/// new connection's segments then went to the listener (a duplicate connection) or got RST.
#[test]
fn a_call_on_a_dead_connection_leaves_its_successor_reachable() {
    let mut t = Ladder::plain();
    let (l, fd) = t.established_passive();
    t.inject(seg().flags(R).seq(1));
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
    // The peer opens a new connection on the same 4-tuple.
    t.inject(seg().flags(S).seq(5000).opts(vec![synack_stack::wire::TcpOption::Mss(1460)]));
    let synack = t.sent();
    assert_eq!(synack.flags, S | A);
    // The application reads the old descriptor (it learns of the reset).
    assert_eq!(t.stack.recv(fd, 100, false), Err(synack_stack::Errno::ECONNRESET));
    // The third ACK reaches the new connection, which completes the handshake.
    t.inject(seg().flags(A).seq(5001).ack_abs(synack.seq + 1));
    t.sent_nothing();
    let (new, _) = t.stack.accept(l).expect("the new connection was accepted");
    assert_eq!(t.stack.state(new).unwrap(), State::Established);
}

/// state_machine, invariant "text sent beyond SND.NXT" (input: Send 102 octets, RTOs, Send
/// 1460 held back by the collapsed cwnd, RTO). The go-back-N retransmission after an RTO
/// took a full SMSS from SND.UNA, octets never sent before included, without moving SND.NXT
/// over them: the peer's ACK of what it received was then "an ACK of unsent data" and dropped.
#[test]
fn a_retransmission_that_carries_new_octets_moves_snd_nxt() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    assert_eq!(t.stack.send(fd, &[7; 102]).unwrap(), 102);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 102);
    t.advance(Duration::from_millis(1500));
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 102);
    // cwnd is one segment after the timeout: this waits behind the 102 in flight.
    assert_eq!(t.stack.send(fd, &[8; 1460]).unwrap(), 1460);
    t.sent_nothing();
    t.advance(Duration::from_secs(3));
    let again = t.sent();
    assert_eq!(again.seq, t.our(1));
    let end = again.seq + again.payload.len() as u32;
    // The peer acknowledges everything that segment carried.
    t.inject(seg().flags(A).seq(1).ack_abs(end));
    let next = t.sent();
    assert!(!next.payload.is_empty(), "the ACK was refused: {next:?}");
    assert_eq!(next.seq, end, "the rest follows what was acknowledged");
}

/// state_machine, invariant "every octet sent is the application's" (input: an ESTABLISHED
/// connection with SO_KEEPALIVE, shutdown(SHUT_WR), the FIN never acknowledged, hours of
/// waiting): keep-alive probes went out while the FIN was outstanding, their garbage octet
/// at SND.NXT−1 — the FIN's own sequence number. RFC 9293 §3.8.4, MUST-26: keep-alives only
/// when no sent data is outstanding; the retransmission timer is what watches unacknowledged
/// data.
#[test]
fn no_keepalive_probe_while_data_or_fin_is_outstanding() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.stack.setsockopt(fd, synack_stack::SockOpt::KeepAlive(true)).unwrap();
    t.stack.setsockopt(fd, synack_stack::SockOpt::KeepIdle(Duration::from_secs(1))).unwrap();
    t.stack.setsockopt(fd, synack_stack::SockOpt::KeepIntvl(Duration::from_secs(1))).unwrap();
    t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
    t.stack.take_decisions();
    t.advance(Duration::from_secs(100));
    let probes = t.stack.take_decisions().into_iter().filter(|d| d.step == Step::Timeout(synack_stack::decision::TimerKind::KeepAlive));
    assert_eq!(probes.map(|d| d.outcome).collect::<Vec<_>>(), Vec::<&str>::new(), "keep-alive decisions with the FIN outstanding");
    while let Some(bytes) = t.stack.poll_transmit() {
        let s = synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp;
        assert!(s.payload.is_empty(), "a keep-alive octet at the FIN's sequence number: {s:?}");
    }
}

/// state_machine with the oracle (inputs `corpus/state_machine/regress-keepalive-octet-at-fin`
/// and `…-at-syn`): the one-octet keep-alive (RFC 9293 §3.8.4, SEG.SEQ = SND.NXT−1) put its
/// garbage octet at the FIN's sequence number once our FIN was acknowledged (FIN-WAIT-2:
/// "after-fin", text beyond our FIN), and at the SYN's when no text had been sent
/// (CLOSE-WAIT: "sequence-out-of-range"). There the probe carries no octet; after text, it
/// still does.
#[test]
fn a_keepalive_octet_only_where_snd_nxt_minus_one_is_text() {
    let probes = |t: &mut Ladder| {
        let mut out = Vec::new();
        while let Some(bytes) = t.stack.poll_transmit() {
            out.push(synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp);
        }
        out
    };
    let keepalive = |t: &mut Ladder, fd| {
        t.stack.setsockopt(fd, synack_stack::SockOpt::KeepAlive(true)).unwrap();
        t.stack.setsockopt(fd, synack_stack::SockOpt::KeepIdle(Duration::from_secs(1))).unwrap();
        t.stack.setsockopt(fd, synack_stack::SockOpt::KeepIntvl(Duration::from_secs(1))).unwrap();
    };
    // FIN-WAIT-2: SND.NXT−1 is our acknowledged FIN.
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    keepalive(&mut t, fd);
    t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(2)));
    assert_eq!(t.stack.state(fd).unwrap(), State::FinWait2);
    t.advance(Duration::from_secs(3));
    let sent = probes(&mut t);
    assert!(!sent.is_empty(), "keep-alive probes in FIN-WAIT-2");
    for p in sent {
        check(&p, A, t.our(1), Some(Ladder::peer(1)), 0);
    }
    // ESTABLISHED, nothing sent: SND.NXT−1 is our SYN.
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    keepalive(&mut t, fd);
    t.advance(Duration::from_secs(3));
    let sent = probes(&mut t);
    assert!(!sent.is_empty(), "keep-alive probes in ESTABLISHED");
    for p in sent {
        check(&p, A, t.our(0), Some(Ladder::peer(1)), 0);
    }
    // After text: the garbage octet at SND.NXT−1, the last octet sent.
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    keepalive(&mut t, fd);
    assert_eq!(t.stack.send(fd, &[7; 10]).unwrap(), 10);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 10);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(11)));
    t.advance(Duration::from_secs(3));
    let sent = probes(&mut t);
    assert!(!sent.is_empty(), "keep-alive probes after text");
    for p in sent {
        check(&p, A, t.our(10), Some(Ladder::peer(1)), 1);
    }
}

/// state_machine, invariant "SND.UNA never moves back" (found by ci/fuzz-smoke's 5-minute
/// run, input `corpus/state_machine/regress-ack-half-circle-away`): without RFC 5961, an ACK
/// exactly 2^31 from SND.UNA = SND.NXT passed "SND.UNA < SEG.ACK =< SND.NXT" (at that
/// distance `SeqNum::before` holds both ways) and SND.UNA jumped half the circle back. It is
/// no new ACK (RFC 9293 §3.10.7.4 fifth; §3.4 compares modulo 2^32 and leaves the antipode undefined):
/// SND.UNA stays.
#[test]
fn an_ack_half_the_circle_away_acknowledges_nothing() {
    let mut c = synack_stack::Config::rfc9293();
    (c.timestamps, c.sack, c.window_scaling, c.delayed_ack_enabled, c.rfc5961) = (false, false, false, false, false);
    let mut t = Ladder::new(c);
    let (_, fd) = t.established_passive();
    let una = t.stack.connection(fd).unwrap().tcb.snd_una;
    assert_eq!(una, t.our(1));
    t.inject(seg().flags(A).seq(1).ack_abs(una + 0x8000_0000));
    assert_eq!(t.stack.connection(fd).unwrap().tcb.snd_una, una, "SND.UNA moved on an ACK 2^31 away");
    assert_eq!(t.stack.state(fd).unwrap(), State::Established);
}

/// state_machine, invariant "text sent beyond SND.NXT" again, by fast retransmit (found by
/// ci/fuzz-smoke: 100 octets in flight, 100 held back by Nagle, three duplicate ACKs): the
/// retransmission of the head took a full SMSS from SND.UNA, the held-back octets included,
/// without moving SND.NXT, and the ACK of them was refused as "ACK of unsent data".
#[test]
fn a_fast_retransmission_that_carries_new_octets_moves_snd_nxt() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    assert_eq!(t.stack.send(fd, &[7; 100]).unwrap(), 100);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 100);
    assert_eq!(t.stack.send(fd, &[8; 100]).unwrap(), 100);
    t.sent_nothing(); // Nagle: a short segment waits while data is in flight
    for _ in 0..3 {
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    }
    let again = t.sent();
    assert_eq!(again.seq, t.our(1));
    let end = again.seq + again.payload.len() as u32;
    t.inject(seg().flags(A).seq(1).ack_abs(end));
    if end == t.our(201) {
        t.sent_nothing(); // everything acknowledged; before the fix: "ACK of unsent data → ACK"
    } else {
        assert_eq!(t.sent().seq, end, "the rest follows what was acknowledged");
    }
}

/// state_machine, invariant "new text beyond the peer's window" (found by ci/fuzz-smoke,
/// input `corpus/state_machine/regress-zero-window-dup-acks`): the peer's window is
/// closed, the persist timer's probe octet is in flight, and the ACKs answering the probes
/// counted as duplicate ACKs. The third started fast retransmit, which took a full segment
/// from SND.UNA — 99 octets the closed window never admitted. ACKs of window probes are not
/// loss signals (RFC 9293 §3.8.6.1), and no retransmission carries new text past the window.
#[test]
fn acks_of_window_probes_do_not_start_fast_retransmit() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(0));
    assert_eq!(t.stack.send(fd, &[7; 100]).unwrap(), 100);
    t.sent_nothing();
    t.advance(Duration::from_secs(1));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 1);
    for _ in 0..3 {
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(0));
    }
    t.sent_nothing();
    let fast = t.stack.take_decisions().into_iter().filter(|d| d.outcome.contains("fast retransmit")).count();
    assert_eq!(fast, 0, "probe answers taken for duplicate ACKs");
}

/// As above, the second half of the fix: a fast retransmission repacketizes (RFC 1122
/// §4.2.2.15) only up to the peer's right edge. 100 octets in flight fill a 100-octet window;
/// the next 100 wait; three duplicate ACKs resend the first 100 and nothing more.
#[test]
fn a_fast_retransmission_stays_within_the_peers_window() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(100));
    t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
    assert_eq!(t.stack.send(fd, &[7; 100]).unwrap(), 100);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 100);
    assert_eq!(t.stack.send(fd, &[8; 100]).unwrap(), 100);
    t.sent_nothing(); // the window is full
    for _ in 0..3 {
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(100));
    }
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 100);
    t.sent_nothing();
}

/// state_machine with the oracle (`corpus/state_machine/regress-syn-received-no-ack-past-window`):
/// in SYN-RECEIVED, a segment without the ACK bit whose text runs past the window's right
/// edge drew an ACK — the trimming of its tail asked for one — although §3.10.7.4 fifth
/// drops it unprocessed ("if the ACK bit is off, drop the segment and return"; Linux's
/// `tcp_check_req` too). SYN-RECEIVED answers only an unacceptable segment with an ACK.
/// With the ACK bit the segment completes the handshake and the trimmed text is acknowledged.
#[test]
fn syn_received_does_not_ack_a_segment_without_ack_past_the_window() {
    for c in [synack_stack::Config::rfc9293(), synack_stack::Config::linux()] {
        let mut t = Ladder::plain_with(c);
        t.syn_received();
        t.stack.take_decisions();
        // Text from 100 octets below the right edge of the window to 100 beyond it.
        let edge = 1 + t.stack.connections().next().expect("the half-open connection").tcb.rcv_wnd();
        let text = vec![0x5a; 200];
        t.inject(seg().seq(edge - 100).data(&text));
        t.sent_nothing();
        assert_eq!(t.stack.connections().next().unwrap().state, State::SynReceived);
        // The same with the ACK bit: ESTABLISHED, and the ACK says where RCV.NXT is.
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).data(&text));
        let ack = t.sent();
        assert_eq!((ack.flags, ack.ack), (A, Ladder::peer(201)));
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-last-ack-fin-zero-window`): in
/// the linux profile, a FIN in flight when the peer's window closed was never retransmitted —
/// each retransmission timeout "resent from SND.UNA" what the zero window did not let out —
/// until R2 deleted the connection silently. Linux (`tcp_retransmit_skb`) retransmits the
/// head of the queue whatever the window; the timeout's retransmission must show.
#[test]
fn linux_retransmits_a_fin_into_a_zero_window() {
    let c = synack_stack::Config::linux();
    let mut t = Ladder::plain_with(c);
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(2)), 0);
    t.stack.close(fd).unwrap();
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(2)), 0);
    // The peer's window closes before our FIN is acknowledged.
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(1)).win(0));
    t.sent_nothing();
    t.advance(Duration::from_secs(3));
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(2)), 0);
}

/// state_machine (invariant "new SEQ beyond the peer's window"), after the fix above: the
/// linux profile's forced retransmission of the head took a whole MSS from SND.UNA, so when
/// less than an MSS was in flight it carried octets never sent before into a window that had
/// no room for them. The head Linux resends is the segment in flight: 100 octets fill a
/// 100-octet window, 100 more wait; the timeout resends the first 100 and nothing new.
#[test]
fn linux_forced_head_retransmission_carries_no_new_octets() {
    let c = synack_stack::Config::linux();
    let mut t = Ladder::plain_with(c);
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(100));
    t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
    assert_eq!(t.stack.send(fd, &[7; 100]).unwrap(), 100);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 100);
    assert_eq!(t.stack.send(fd, &[8; 100]).unwrap(), 100);
    t.sent_nothing(); // the window is full
    t.advance(Duration::from_secs(1));
    let rtx = t.sent();
    assert_eq!((rtx.seq, rtx.payload.len()), (t.our(1), 100), "the timeout resends the segment in flight: {rtx:?}");
}

/// state_machine (invariant "new SEQ beyond the peer's window", input
/// `corpus/state_machine/regress-linux-forced-head-new-fin`): 512 octets in flight, the
/// window then shrunk to 257 (MUST-34), then shutdown(SHUT_WR). The linux profile's forced
/// retransmission of the head resent the 512 octets — old data past the edge, MAY-7 — with
/// the FIN, never sent, appended: new sequence space beyond the window (§3.8.6, SHLD-15).
/// Linux sends the FIN on a segment of its own once the tail has gone (`tcp_send_fin`). The
/// timeout now resends the 512 octets alone.
#[test]
fn linux_forced_head_retransmission_carries_no_new_fin() {
    let c = synack_stack::Config::linux();
    let mut t = Ladder::plain_with(c);
    let (_, fd) = t.established_passive();
    t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
    assert_eq!(t.stack.send(fd, &[7; 512]).unwrap(), 512);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 512);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(257));
    t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
    t.sent_nothing(); // no room for the FIN
    t.advance(Duration::from_secs(3));
    let mut sent = Vec::new();
    while let Some(bytes) = t.stack.poll_transmit() {
        sent.push(synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp);
    }
    assert!(!sent.is_empty(), "the retransmission timer fired");
    for rtx in sent {
        assert_eq!((rtx.seq, rtx.payload.len()), (t.our(1), 512), "the timeout resends the segment in flight");
        assert!(!rtx.flags.fin(), "the FIN was never sent and lies beyond the window");
    }
}

/// state_machine (invariant "new SEQ beyond the peer's window"): a partial acknowledgment in
/// fast recovery that also closed the window was answered by retransmitting the next hole
/// under the window from before that ACK — repacketized, it carried octets never sent into
/// the window the same ACK shut. RFC 6582 §3.2 step 3 retransmits after §3.10.7.4 fifth has
/// taken the ACK's window. 1000 octets fill a 1000-octet window, 50 wait; after fast
/// retransmit, an ACK of 100 with window 0 resends 101..1001 and not the 50.
#[test]
fn a_partial_ack_that_closes_the_window_retransmits_no_new_octets() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(1000));
    t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
    assert_eq!(t.stack.send(fd, &[7; 1000]).unwrap(), 1000);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 1000);
    assert_eq!(t.stack.send(fd, &[8; 50]).unwrap(), 50);
    t.sent_nothing(); // the window is full
    for _ in 0..3 {
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(1000));
    }
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 1000);
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(101)).win(0));
    let rtx = t.sent();
    assert_eq!((rtx.seq, rtx.payload.len()), (t.our(101), 900), "only what was in flight: {rtx:?}");
    t.sent_nothing();
}

/// state_machine with the oracle: text that came on a SYN is processed when the handshake's
/// ACK arrives, ahead of that ACK's own text (§3.10.7.2 third). When the ACK's text began
/// where the SYN's did (the peer sent it again), the stack held it as out-of-order instead of
/// taking its new part: it had been trimmed against RCV.NXT before the queued text moved
/// RCV.NXT. §3.10.7.4 first: only the new part of a straddling segment is processed.
#[test]
fn text_resent_after_a_syns_text_is_taken_from_where_the_syns_ended() {
    let mut t = Ladder::plain();
    let l = t.listen();
    t.inject(seg().flags(S).opts(vec![synack_stack::wire::TcpOption::Mss(1460)]).data(b"0123456789"));
    let synack = t.sent();
    assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(1)), "the SYN's text is queued, not acknowledged");
    t.iss = synack.seq;
    // The handshake's ACK carries the ten octets again and twenty more.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).data(b"0123456789abcdefghijABCDEFGHIJ"));
    let ack = t.sent();
    assert_eq!((ack.flags, ack.ack), (A, Ladder::peer(31)), "all thirty octets taken: {ack:?}");
    let (fd, _) = t.stack.accept(l).unwrap();
    assert_eq!(t.stack.recv(fd, 64, false).unwrap(), b"0123456789abcdefghijABCDEFGHIJ");
}

/// state_machine with the oracle (inputs `corpus/state_machine/regress-syn-received-bad-ack-trimmed`
/// and the crash inputs it came from): in SYN-RECEIVED, a segment whose text runs past the
/// receive window and whose ACK is unacceptable got the RST <SEQ=SEG.ACK> *and* an ACK — the
/// first check queued an ACK for the trimmed tail before the fifth rejected the segment.
/// RFC 9293 §3.10.7.4: the trimmed segment is acceptable (no ACK is called for), and the
/// fifth check in SYN-RECEIVED answers an unacceptable ACK with the RST alone and drops the
/// segment (as Linux does: tcp_ack fails before tcp_data_queue, or tcp_check_req hands it to
/// the listener's reset). SYN-RECEIVED acknowledges only unacceptable segments.
#[test]
fn syn_received_answers_a_bad_ack_on_text_past_the_window_with_the_rst_alone() {
    for linux in [false, true] {
        let c = if linux { synack_stack::Config::linux() } else { synack_stack::Config::rfc9293() };
        let mut t = Ladder::plain_with(c);
        let _l = t.listen();
        t.inject(seg().flags(S).opts(vec![synack_stack::wire::TcpOption::Mss(1460)]));
        let synack = t.sent();
        t.iss = synack.seq;
        let wnd = u32::from(synack.window);
        // 100 octets starting 10 before the right edge, SEG.ACK = ISS (nothing new acknowledged).
        t.inject(seg().flags(A).seq(1 + wnd - 10).ack_abs(t.our(0)).data(&[1; 100]));
        let rst = t.sent();
        assert_eq!((rst.flags, rst.seq), (R, t.our(0)), "linux {linux}: <SEQ=SEG.ACK><CTL=RST>: {rst:?}");
        t.sent_nothing();
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-abort-last-ack-fin-unsent`,
/// from three "unexplained reset in CLOSE-WAIT" findings): a CLOSE in CLOSE-WAIT whose FIN a
/// zero window held back, then an ABORT, deleted the TCB without a word — the ABORT of
/// LAST-ACK. RFC 9293 §3.10.4 CLOSE-WAIT: "queue this request until all preceding SENDs have
/// been segmentized; then send a FIN segment, enter LAST-ACK state" — until the FIN is sent
/// the connection is in CLOSE-WAIT for ABORT, whose §3.10.5 answer is <SEQ=SND.NXT><CTL=RST>.
/// Linux agrees (`tcp_disconnect` resets LAST_ACK and CLOSING while SND.NXT ≠ write_seq).
/// Once the FIN is out, LAST-ACK's ABORT stays silent.
#[test]
fn an_abort_before_the_fin_of_a_close_in_close_wait_left_sends_a_reset() {
    for linux in [false, true] {
        for fin_out in [false, true] {
            let c = if linux { synack_stack::Config::linux() } else { synack_stack::Config::rfc9293() };
            let mut t = Ladder::plain_with(c);
            let (_, fd) = t.established_passive();
            // The peer's FIN, with its window shut or open.
            t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)).win(if fin_out { 1000 } else { 0 }));
            check(&t.sent(), A, t.our(1), Some(Ladder::peer(2)), 0);
            t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
            if fin_out {
                check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(2)), 0);
            } else {
                t.sent_nothing();
            }
            t.stack.setsockopt(fd, synack_stack::SockOpt::Linger(Some(Duration::ZERO))).unwrap();
            t.stack.close(fd).unwrap();
            if fin_out {
                t.sent_nothing();
            } else {
                let rst = t.sent();
                assert!(rst.flags.rst(), "linux {linux}: ABORT before the FIN left: {rst:?}");
                assert_eq!(rst.seq, t.our(1), "linux {linux}: <SEQ=SND.NXT>");
            }
        }
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-zero-window-fin-stale-probes`,
/// from three "unexplained reset" findings in FIN-WAIT-1 and LAST-ACK): as
/// `linux_retransmits_a_fin_into_a_zero_window`, on the rfc9293 profile with Linux's
/// stale-sequence window probes (the fuzz target's `OTHER_PROBES` knob). Those probes carry
/// no data, so the retransmission timer keeps what is in flight — and its retransmissions,
/// held back by the zero window, never left, until R2 deleted the connection without a
/// word. RFC 9293 §3.8.6.1: the sender must "retransmit to the receiving TCP peer even if the
/// send window is zero" (MUST-36). With the one-octet probes the persist timer resends.
#[test]
fn a_fin_in_flight_is_retransmitted_into_a_zero_window_with_stale_sequence_probes() {
    let mut c = synack_stack::Config::rfc9293();
    c.probe_style = synack_stack::config::ProbeStyle::StaleSequence;
    let mut t = Ladder::plain_with(c);
    let (_, fd) = t.established_passive();
    t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
    // The peer's window closes before our FIN is acknowledged.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(0));
    t.sent_nothing();
    t.advance(Duration::from_secs(3));
    check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
}

/// state_machine with the oracle (input `corpus/state_machine/regress-linux-last-mss`): a
/// SYN-ACK with MSS options 12336, 12336, 12336, 49 — the linux profile took the first and
/// sent 100 octets in a segment, where Linux (tcp_parse_options) takes the last non-zero MSS
/// and sends at most 49. RFC 9293 leaves the repeat undefined; the rfc9293 profile keeps the
/// first.
#[test]
fn the_linux_profile_takes_the_last_nonzero_mss_of_a_syn() {
    use synack_stack::wire::TcpOption::Mss;
    for (linux, opts, want) in [(true, vec![Mss(1000), Mss(49)], 49), (true, vec![Mss(1000), Mss(0)], 100), (false, vec![Mss(1000), Mss(49)], 100)] {
        let c = if linux { synack_stack::Config::linux() } else { synack_stack::Config::rfc9293() };
        let mut t = Ladder::plain_with(c);
        let fd = t.syn_sent();
        t.inject(seg().flags(S | A).ack_abs(t.our(1)).opts(opts.clone()));
        check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
        t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
        assert_eq!(t.stack.send(fd, &[7; 100]).unwrap(), 100);
        let first = t.sent();
        assert_eq!(first.payload.len(), want, "linux {linux}, {opts:?}: {first:?}");
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-held-fin-overrun-by-text`, from
/// three findings in FIN-WAIT-2): a bare FIN beyond a hole was held; text then arrived at
/// RCV.NXT running past the FIN's number, and the stack took the FIN after all of it
/// (RCV.NXT = end of text + 1, FIN-WAIT-2 → TIME-WAIT). Once RCV.NXT has passed the held
/// segment, it is an old duplicate: §3.10.7.4 first trims what lies below RCV.NXT
/// ("including SYN and FIN"), so its FIN is never processed (Linux `tcp_ofo_queue` drops a
/// held segment whose end lies at or below RCV.NXT). A FIN held at the end of the text is.
#[test]
fn a_held_fin_that_text_runs_past_is_not_taken() {
    for fin_at_end in [false, true] {
        let c = synack_stack::Config::rfc9293();
        let mut t = Ladder::plain_with(c);
        let (_, fd) = t.established_passive();
        let fin_rel = if fin_at_end { 101 } else { 49 };
        t.inject(seg().flags(F | A).seq(fin_rel).ack_abs(t.our(1)));
        check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
        t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).data(&[3; 100]));
        if fin_at_end {
            check(&t.sent(), A, t.our(1), Some(Ladder::peer(102)), 0);
            assert_eq!(t.stack.state(fd).unwrap(), State::CloseWait);
        } else {
            check(&t.sent(), A, t.our(1), Some(Ladder::peer(101)), 0);
            assert_eq!(t.stack.state(fd).unwrap(), State::Established);
        }
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-close-time-wait-unread`, from
/// two "unexplained reset in TIME-WAIT" findings): close() with received text unread is the
/// stack's ABORT (Linux `tcp_close`: "unread data was tossed, zap the connection"), and in
/// TIME-WAIT that deleted the TCB at once, so the peer's retransmitted FIN drew a RST.
/// RFC 9293 §3.10.4: CLOSE in TIME-WAIT is "error: connection closing" — the connection
/// keeps its 2·MSL (MUST-13). Linux agrees: a socket in TIME-WAIT is already CLOSE to the
/// user (`tcp_close` → `adjudge_to_death` before the unread-data reset), its timewait
/// socket lives on and acknowledges the FIN.
#[test]
fn close_with_unread_text_in_time_wait_keeps_time_wait() {
    for linux in [false, true] {
        let c = if linux { synack_stack::Config::linux() } else { synack_stack::Config::rfc9293() };
        let mut t = Ladder::plain_with(c);
        let (_, fd) = t.established_passive();
        t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
        check(&t.sent(), F | A, t.our(1), Some(Ladder::peer(1)), 0);
        t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)).data(&[4; 10]));
        check(&t.sent(), A, t.our(2), Some(Ladder::peer(12)), 0);
        assert_eq!(t.stack.state(fd).unwrap(), State::TimeWait);
        t.stack.close(fd).unwrap();
        t.sent_nothing();
        // The FIN again: TIME-WAIT acknowledges it.
        t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(2)).data(&[4; 10]));
        let ack = t.sent();
        assert_eq!((ack.flags, ack.ack), (A, Ladder::peer(12)), "linux {linux}: TIME-WAIT kept: {ack:?}");
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-syn-fin-queued-until-syn-acked`,
/// from 26 "missing SHLD-3 reply in FIN-WAIT-1" findings): a simultaneous open whose SYN
/// carried a FIN, then a CLOSE in SYN-RECEIVED (→ FIN-WAIT-1, our SYN still unacknowledged).
/// A segment with SEG.ACK = ISS made the stack process the FIN queued from the SYN — the
/// connection was "synchronized" — and ignore the segment's text as after the FIN. RFC 9293
/// §3.10.7.3 fourth: the SYN's FIN is queued "for processing after the ESTABLISHED state has
/// been reached", which is the acknowledgment of our SYN (§3.10.7.4 fifth, SYN-RECEIVED); an
/// ACK of ISS does not get there, so the segment is FIN-WAIT-1's own and the FIN waits.
#[test]
fn the_fin_of_a_simultaneous_syn_waits_for_our_syn_to_be_acknowledged() {
    let mut t = Ladder::plain();
    let fd = t.syn_sent();
    t.inject(seg().flags(S | F).opts(vec![synack_stack::wire::TcpOption::Mss(1460)]));
    let synack = t.sent();
    assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(1)), "the SYN's FIN is queued");
    t.stack.shutdown(fd, synack_stack::Shutdown::Write).unwrap();
    assert_eq!(t.stack.state(fd).unwrap(), State::FinWait1);
    while t.stack.poll_transmit().is_some() {}
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(0)).data(b"0123456789"));
    assert_eq!(t.stack.state(fd).unwrap(), State::FinWait1, "the queued FIN is not processed");
    while let Some(bytes) = t.stack.poll_transmit() {
        let s = synack_stack::wire::TcpPacket::parse(&bytes).unwrap().packet.tcp;
        assert_ne!(s.ack, Ladder::peer(2), "the queued FIN is not acknowledged: {s:?}");
    }
}

/// state_machine with the oracle (`corpus/state_machine/regress-ack-range-zero-max-window`, from
/// 4 "ACK too high in FIN-WAIT-1" findings): with RFC 5961 on, a peer that never offered a
/// window (MAX.SND.WND = 0) had its ACK of SND.UNA-1 taken as an old duplicate — the range
/// was widened to SND.UNA-1 — and the segment's text accepted. RFC 5961 §5.2 (MAY-12):
/// acceptable only if (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT; otherwise a challenge
/// ACK, and the segment is dropped.
#[test]
fn an_ack_below_snd_una_draws_a_challenge_when_no_window_was_ever_offered() {
    let mut c = synack_stack::Config::rfc9293();
    c.rfc5961 = true;
    let mut t = Ladder::plain_with(c);
    let _l = t.listen();
    t.inject(seg().flags(S).win(0).opts(vec![synack_stack::wire::TcpOption::Mss(1460)]));
    let synack = t.sent();
    t.iss = synack.seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(0));
    t.sent_nothing();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(0)).win(0).data(b"0123456789"));
    let ack = t.sent();
    assert_eq!((ack.flags, ack.ack), (A, Ladder::peer(1)), "a challenge ACK, the text dropped: {ack:?}");
}

/// state_machine with the oracle (`corpus/state_machine/regress-fin-over-held-text`, from 3
/// "ACK too high in CLOSE-WAIT" findings): text held out of order beyond the number of a FIN
/// that then arrived in order was joined to the stream, RCV.NXT ran past the FIN and the FIN
/// was never processed. RFC 9293 §3.10.7.4 eighth: the in-order segment's FIN is taken at the
/// end of its text — the stream ends there (Linux tcp_fin purges the out-of-order queue).
#[test]
fn a_fin_in_order_ends_the_stream_before_text_held_beyond_it() {
    let mut t = Ladder::plain();
    let (_l, fd) = t.established_passive();
    t.inject(seg().flags(A).seq(6).ack_abs(t.our(1)).data(&[7; 20]));
    let dup = t.sent();
    assert_eq!(dup.ack, Ladder::peer(1), "held out of order: {dup:?}");
    t.inject(seg().flags(A | F).seq(1).ack_abs(t.our(1)).data(&[1; 10]));
    let ack = t.sent();
    assert_eq!(ack.ack, Ladder::peer(12), "the FIN at 11 acknowledged, nothing past it: {ack:?}");
    assert_eq!(t.stack.state(fd).unwrap(), State::CloseWait);
}

/// state_machine with the oracle (`corpus/state_machine/regress-linux-window-on-new-ack`, from
/// 5 "beyond-peer-window in ESTABLISHED" findings, linux profile): the ACK completing the
/// handshake came at a sequence number past RCV.NXT (acceptable, in the window), so SND.WL1
/// stayed ahead of every later segment at RCV.NXT; an ACK of all sent text with a zero window
/// was then "older" by RFC 9293 §3.10.7.4 fifth's SND.WL1 check, SND.WND stayed 257 as an
/// offset from the advanced SND.UNA, and the stack sent 257 octets past any edge the peer ever
/// offered. Linux takes the window of every ACK that advances SND.UNA
/// (`tcp_may_update_window`: `after(ack, tp->snd_una) || …`); the rfc9293 profile keeps the
/// RFC's literal rule.
#[test]
fn the_linux_profile_takes_the_window_of_an_ack_of_new_data() {
    let c = synack_stack::Config::linux();
    let mut t = Ladder::plain_with(c);
    let l = t.listen();
    t.inject(seg().flags(S).win(0).opts(vec![synack_stack::wire::TcpOption::Mss(1460)]));
    t.iss = t.sent().seq;
    t.inject(seg().flags(A).seq(126).ack_abs(t.our(1)).win(257));
    t.sent_nothing();
    let (fd, _) = t.stack.accept(l).unwrap();
    t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
    assert_eq!(t.stack.send(fd, &[7; 600]).unwrap(), 600);
    let first = t.sent();
    assert_eq!(first.payload.len(), 257, "the peer's window: {first:?}");
    t.sent_nothing();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(258)).win(0));
    t.sent_nothing();
}

/// state_machine with the oracle (`corpus/state_machine/regress-linux-window-after-handshake`,
/// from 2 findings, "unexpected SYN-ACK in ESTABLISHED" / "missing RST in ESTABLISHED", linux
/// profile, RFC 5961 off): on reaching ESTABLISHED the linux profile widened RCV.WND from the
/// SYN-ACK's window (65160) to a multiple of the window scale (65280) before any segment had
/// said so, and took a RST in the 120 octets between for one in the window — the connection
/// was reset where Linux, whose new socket's `rcv_wnd` is the request's `rsk_rcv_wnd` as it
/// was (`tcp_create_openreq_child`, aligned only by `tcp_select_window` when it next sends),
/// finds it outside the window (`tcp_sequence`) and drops it (RFC 9293 §3.10.7.4 first and
/// second: a RST outside the window is dropped).
#[test]
fn the_linux_profile_takes_no_segment_past_the_syn_acks_window_before_advertising_more() {
    let mut c = synack_stack::Config::linux();
    c.timestamps = false;
    c.sack = false;
    c.delayed_ack_enabled = false;
    c.rfc5961 = false;
    let mut t = Ladder::new(c);
    let l = t.listen();
    t.inject(seg().flags(S).opts(vec![synack_stack::wire::TcpOption::Mss(1460), synack_stack::wire::TcpOption::WindowScale(7)]));
    let synack = t.sent();
    t.iss = synack.seq;
    let scale = synack.options.iter().find_map(|o| if let synack_stack::wire::TcpOption::WindowScale(s) = o { Some(*s) } else { None }).expect("WS");
    let wnd = u32::from(synack.window);
    assert_ne!(wnd % (1 << scale), 0, "the SYN-ACK's window is not a multiple of the scale: {synack:?}");
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    t.sent_nothing();
    let (fd, _) = t.stack.accept(l).unwrap();
    t.inject(seg().flags(R).seq(1 + wnd));
    t.sent_nothing();
    assert_eq!(t.stack.state(fd).unwrap(), State::Established, "a RST past the SYN-ACK's window is dropped");
    // Control: one inside it resets the connection (RFC 5961 off).
    t.inject(seg().flags(R).seq(wnd));
    assert_eq!(t.stack.state(fd).unwrap(), State::Closed);
}

/// state_machine with the oracle (input `corpus/state_machine/regress-keepalive-count-zero`):
/// TCP_KEEPCNT 0 was taken, and at the idle time the connection was declared dead and reset
/// without a single probe — RFC 9293 §3.8.4 (MUST-27) lets no unanswered probe, let alone
/// none, make a connection dead. Linux refuses a count outside 1..=127 and an idle time or
/// interval outside 1..=32767 s with EINVAL; so does the stack, and the connection keeps its
/// probes.
#[test]
fn keepalive_settings_outside_linuxs_ranges_are_refused() {
    use synack_stack::{Errno, SockOpt};
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.stack.setsockopt(fd, SockOpt::KeepAlive(true)).unwrap();
    for bad in [
        SockOpt::KeepCnt(0),
        SockOpt::KeepCnt(128),
        SockOpt::KeepIdle(Duration::ZERO),
        SockOpt::KeepIdle(Duration::from_secs(32768)),
        SockOpt::KeepIntvl(Duration::ZERO),
        SockOpt::KeepIntvl(Duration::from_secs(32768)),
    ] {
        assert_eq!(t.stack.setsockopt(fd, bad), Err(Errno::EINVAL), "{bad:?}");
    }
    t.stack.setsockopt(fd, SockOpt::KeepIdle(Duration::from_secs(1))).unwrap();
    t.stack.setsockopt(fd, SockOpt::KeepIntvl(Duration::from_secs(32767))).unwrap();
    t.stack.setsockopt(fd, SockOpt::KeepCnt(127)).unwrap();
    t.advance(Duration::from_millis(1500));
    check(&t.sent(), A, t.our(0), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.state(fd).unwrap(), State::Established, "one probe, and the connection lives");
}

/// state_machine with the oracle (input `corpus/state_machine/regress-window-edge-kept`):
/// with the rfc9293 profile, a segment beyond RCV.NXT set SND.WL1 ahead, so the next in-order
/// ACK's window was "older" (§3.10.7.4 fifth) and SND.WND stayed — an offset from SND.UNA,
/// which that ACK moved: the right edge moved with it, past any the peer offered, and text
/// went there (§3.8.6: the window is the permission to send). The edge now stays where the
/// peer put it: 1000 octets fill a 1000-octet window, 257 wait; an ACK of 500 whose window
/// is ignored sends nothing new.
#[test]
fn an_ignored_window_keeps_the_right_edge_where_the_peer_put_it() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    t.stack.setsockopt(fd, synack_stack::SockOpt::NoDelay(true)).unwrap();
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(1000));
    // Text beyond RCV.NXT (held out of order): SND.WL1 moves ahead of RCV.NXT.
    t.inject(seg().flags(A).seq(11).ack_abs(t.our(1)).win(1000).data(&[5; 10]));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 0);
    assert_eq!(t.stack.send(fd, &[7; 1000]).unwrap(), 1000);
    check(&t.sent(), A | P, t.our(1), Some(Ladder::peer(1)), 1000);
    assert_eq!(t.stack.send(fd, &[8; 257]).unwrap(), 257);
    t.sent_nothing(); // the window is full
    // In order, SEG.SEQ < SND.WL1: its window (0) is not taken, and the edge stays at 1001.
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(501)).win(0));
    t.sent_nothing();
}

/// state_machine with the oracle (input `corpus/state_machine/regress-go-back-n-ends-at-snd-nxt`):
/// after an RTO, an ACK of everything up to SND.NXT left the go-back-N cursor at the old
/// SND.NXT; text sent after it moved SND.NXT on, the cursor stayed behind, and the next
/// transmission (a keep-alive timer's, there) resent that new text 0.5 s after it went — a
/// retransmission without a timeout or loss signal, and without a decision. The oracle saw it
/// as an RTO not backed off (MUST-19). RFC 6298 (5.4): the timeout's resending covers what was
/// outstanding; an ACK of all of it ends it.
#[test]
fn an_ack_of_everything_ends_the_resending_after_a_timeout() {
    let mut t = Ladder::plain();
    let (_, fd) = t.established_passive();
    // Two segments in flight (the SYN's MSS is 1460): the timeout's resending, one segment
    // under the collapsed cwnd, covers only the first.
    assert_eq!(t.stack.send(fd, &[7; 2920]).unwrap(), 2920);
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 1460);
    check(&t.sent(), A | P, t.our(1461), Some(Ladder::peer(1)), 1460);
    t.advance(Duration::from_millis(1500));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(1)), 1460);
    t.sent_nothing();
    let ack = t.our(2921);
    t.inject(seg().flags(A).seq(1).ack_abs(ack));
    assert_eq!(t.stack.send(fd, &[8; 50]).unwrap(), 50);
    check(&t.sent(), A | P, t.our(2921), Some(Ladder::peer(1)), 50);
    // Nagle holds a short segment while those 50 octets are in flight; nothing is resent.
    assert_eq!(t.stack.send(fd, &[9; 1]).unwrap(), 1);
    t.sent_nothing();
}
