//! §3.10.7.1 CLOSED (no TCB) and §3.10.7.2 LISTEN, step by step, with the resets' fields.

use crate::fixture::*;
use crate::ladder::*;
use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket};
use synack_stack::{Domain, Errno, SeqNum, State, Step};

/// Injects `s` on a stack with no listener and returns the decisions.
fn to_closed_port(t: &mut Ladder, s: Seg) -> Vec<Row> {
    t.stack.take_decisions();
    t.inject(s);
    t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect()
}

/// The reset from CLOSED: flags, SEQ, ACK and window as given, no options, no text.
#[track_caller]
fn expect_reset(t: &mut Ladder, flags: TcpFlags, seq: u32, ack: u32) {
    let rst = t.sent();
    assert_eq!(rst.flags, flags, "{rst:?}");
    assert_eq!((rst.seq, rst.ack), (SeqNum::new(seq), SeqNum::new(ack)), "{rst:?}");
    assert_eq!((rst.window, rst.urgent), (0, 0), "{rst:?}");
    assert_eq!((rst.src_port, rst.dst_port), (8080, 40000), "{rst:?}");
    assert!(rst.options.is_empty() && rst.payload.is_empty(), "{rst:?}");
}

/// §3.10.7.1, ACK bit off: `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>` — SEG.LEN counting
/// the SYN, the text and the FIN.
#[test]
fn closed_answers_a_segment_without_ack_with_rst_ack_covering_it() {
    for (flags, len, seg_len) in [(S, 0, 1), (S, 10, 11), (F, 5, 6), (P, 3, 3), (S | F, 0, 2)] {
        let mut t = Ladder::new(rfc_config());
        let rows = to_closed_port(&mut t, seg().flags(flags).seq(100).data(&vec![1; len]));
        expect_reset(&mut t, R | A, 0, 1_000_100 + seg_len);
        t.sent_nothing();
        assert_eq!(rows, vec![(State::Closed, Step::Closed, None)], "{flags:?}");
    }
}

/// §3.10.7.1, ACK bit on: `<SEQ=SEG.ACK><CTL=RST>`, whatever else the segment carries.
#[test]
fn closed_answers_a_segment_with_ack_with_rst_at_its_ack_number() {
    for flags in [A, A | P, S | A, F | A] {
        let mut t = Ladder::new(rfc_config());
        let rows = to_closed_port(&mut t, seg().flags(flags).seq(100).ack_abs(SeqNum::new(4242)).data(b"x"));
        expect_reset(&mut t, R, 4242, 0);
        assert_eq!(rows, vec![(State::Closed, Step::Closed, None)], "{flags:?}");
    }
}

/// §3.10.7.1: "An incoming segment containing a RST is discarded."
#[test]
fn closed_discards_a_rst() {
    for flags in [R, R | A] {
        let mut t = Ladder::new(rfc_config());
        let rows = to_closed_port(&mut t, seg().flags(flags).seq(100).ack_abs(SeqNum::new(7)));
        t.sent_nothing();
        assert_eq!(rows, vec![(State::Closed, Step::Closed, None)], "{flags:?}");
    }
}

/// §3.10.7.1 after a connection is gone: LAST-ACK → CLOSED deletes the TCB, and a later
/// segment for the 4-tuple is answered from CLOSED (with no listener on the port).
#[test]
fn closed_answers_for_a_connection_whose_tcb_was_deleted() {
    let mut t = Ladder::new(rfc_config());
    let fd = t.established_active();
    t.inject(seg().flags(F | A).seq(1).ack_abs(t.our(1)));
    t.sent();
    t.stack.close(fd).unwrap();
    t.sent();
    t.inject(seg().flags(A).seq(2).ack_abs(t.our(2)));
    t.sent_nothing();
    let our2 = t.our(2);
    let rows = to_closed_port(&mut t, seg().flags(A | P).seq(2).ack_abs(our2).data(b"late"));
    expect_reset(&mut t, R, our2.get(), 0);
    assert_eq!(rows, vec![(State::Closed, Step::Closed, None)]);
}

/// MUST-3: a segment with a bad checksum is discarded, before any of §3.10.7.
#[test]
fn a_segment_with_a_bad_checksum_is_discarded_silently() {
    let mut t = Ladder::new(rfc_config());
    let packet = TcpPacket::new(t.remote, t.local, seg().flags(S).0).unwrap();
    let mut bytes = packet.emit().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff; // the urgent pointer's low octet: the checksum no longer matches
    t.stack.take_decisions();
    t.stack.handle_packet(t.now, &bytes);
    t.sent_nothing();
    let rows: Vec<Row> = t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect();
    assert_eq!(rows, vec![(State::Closed, Step::Resource, None)]);
}

fn listener() -> (Ladder, synack_stack::Fd) {
    let mut t = Ladder::new(rfc_config());
    let l = t.listen();
    (t, l)
}

/// §3.10.7.2 first: "An incoming RST should be ignored."
#[test]
fn listen_ignores_a_rst() {
    for flags in [R, R | A, R | S] {
        let (mut t, l) = listener();
        let rows = to_closed_port(&mut t, seg().flags(flags).ack_abs(SeqNum::new(9)).flags(flags));
        t.sent_nothing();
        assert_eq!(rows, vec![(State::Listen, Step::Listen(1), None)], "{flags:?}");
        assert_eq!(t.stack.state(l).unwrap(), State::Listen);
    }
}

/// §3.10.7.2 second: "Any acknowledgment is bad if it arrives on a connection still in the
/// LISTEN state. An acceptable reset segment should be formed for any arriving ACK-bearing
/// segment. The RST should be formatted as follows: <SEQ=SEG.ACK><CTL=RST>" — a SYN with
/// the ACK bit included (the ACK is checked before the SYN).
#[test]
fn listen_answers_an_ack_with_rst_at_its_ack_number() {
    for flags in [A, A | P, S | A, F | A] {
        let (mut t, l) = listener();
        let rows = to_closed_port(&mut t, seg().flags(flags).ack_abs(SeqNum::new(777)).data(b"x"));
        expect_reset(&mut t, R, 777, 0);
        assert_eq!(rows, vec![(State::Listen, Step::Listen(2), None)], "{flags:?}");
        assert_eq!(t.stack.accept(l), Err(Errno::EAGAIN));
    }
}

/// §3.10.7.2 third: "set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ … ISS should be
/// selected and a SYN segment sent of the form: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. SND.NXT
/// is set to ISS+1 and SND.UNA to ISS. The connection state should be changed to
/// SYN-RECEIVED." The SYN-ACK carries our MSS (MUST-14, SHLD-5) and the window of the
/// receive buffer, rounded to the MSS; the SYN's own window (unscaled) becomes SND.WND.
#[test]
fn listen_answers_a_syn_with_a_syn_ack_and_enters_syn_received() {
    let (mut t, l) = listener();
    let rows = to_closed_port(&mut t, seg().flags(S).win(5000).opts(vec![TcpOption::Mss(1200)]));
    let synack = t.sent();
    assert_eq!(synack.flags, S | A);
    assert_eq!(synack.ack, Ladder::peer(1));
    assert_eq!(synack.window, 64240, "65535 rounded down to a multiple of the 1460 MSS");
    assert_eq!(synack.options, vec![TcpOption::Mss(1460)]);
    assert!(synack.payload.is_empty() && synack.urgent == 0);
    t.sent_nothing();
    assert_eq!(rows, vec![(State::Listen, Step::Listen(3), Some(State::SynReceived))]);
    t.iss = synack.seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)).win(5000));
    let (fd, _) = t.stack.accept(l).unwrap();
    let info = t.stack.tcp_info(fd).unwrap();
    assert_eq!((info.snd_wnd, info.snd_mss), (5000, 1200), "SND.WND and the peer's MSS (MUST-16)");
}

/// §3.10.7.2 third, MUST-15: a SYN without an MSS option means the peer's send MSS is 536
/// (IPv4).
#[test]
fn listen_assumes_mss_536_when_the_syn_has_no_mss_option() {
    let (mut t, l) = listener();
    t.inject(seg().flags(S));
    t.iss = t.sent().seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    let (fd, _) = t.stack.accept(l).unwrap();
    assert_eq!(t.stack.tcp_info(fd).unwrap().snd_mss, 536);
}

/// §3.10.7.2 fourth: "Any other control or text-bearing segment (not containing SYN) must
/// have an ACK and thus would have been discarded by the ACK processing … drop the segment
/// and return."
#[test]
fn listen_drops_a_segment_with_neither_syn_ack_nor_rst() {
    for flags in [F, P, TcpFlags::EMPTY, TcpFlags::URG] {
        let (mut t, _) = listener();
        let rows = to_closed_port(&mut t, seg().flags(flags).data(b"text"));
        t.sent_nothing();
        assert_eq!(rows, vec![(State::Listen, Step::Listen(4), None)], "{flags:?}");
    }
}

/// §3.10.7.2 third, beyond the RFC (Linux's queues, a resource decision): a full SYN queue
/// drops a new SYN silently (no SYN cookies in this stack); the peer will retransmit.
#[test]
fn listen_drops_a_syn_when_the_syn_queue_is_full() {
    let mut t = Ladder::new(rfc_config());
    let l = t.stack.socket(Domain::Inet).unwrap();
    t.stack.bind(l, t.local).unwrap();
    t.stack.listen(l, 0).unwrap();
    t.inject(seg().flags(S));
    assert_eq!(t.sent().flags, S | A);
    t.remote = "198.51.100.2:40001".parse().unwrap();
    let rows = to_closed_port(&mut t, seg().ports(40001, 8080).flags(S));
    t.sent_nothing();
    assert_eq!(rows, vec![(State::Listen, Step::Resource, None)]);
}

/// §3.10.7.2 third: "Any other control or text should be queued for processing later" — text
/// and a FIN on a SYN are acknowledged by neither the SYN-ACK (ACK = SEG.SEQ+1) nor anything
/// else until the handshake completes; then they are processed as in ESTABLISHED: the text
/// delivered, the FIN taking the connection to CLOSE-WAIT, one ACK covering both.
#[test]
fn text_and_fin_on_a_syn_are_processed_once_established() {
    let (mut t, l) = listener();
    t.inject(seg().flags(S | F).data(b"early"));
    let synack = t.sent();
    assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(1)));
    t.iss = synack.seq;
    t.sent_nothing();
    t.stack.take_decisions();
    t.inject(seg().flags(A).seq(7).ack_abs(t.our(1)));
    check(&t.sent(), A, t.our(1), Some(Ladder::peer(7)), 0);
    t.sent_nothing();
    let rows: Vec<Row> = t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect();
    assert_eq!(
        rows,
        vec![
            (State::SynReceived, ACK, Some(State::Established)),
            (State::Established, ACK, None),
            (State::Established, TEXT, None),
            (State::Established, FIN, Some(State::CloseWait)),
        ]
    );
    let (fd, _) = t.stack.accept(l).unwrap();
    assert_eq!(t.stack.recv(fd, 100, false).unwrap(), b"early");
    assert_eq!(t.stack.recv(fd, 100, false).unwrap(), b"");
}
