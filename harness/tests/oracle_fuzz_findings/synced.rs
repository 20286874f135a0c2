//! Oracle false alarms of the `state_machine` target in SYN-SENT, SYN-RECEIVED, ESTABLISHED,
//! FIN-WAIT-1, CLOSE-WAIT and LAST-ACK.

use super::*;

/// A simultaneous open (linux profile) whose SYN carried a FIN, the peer's ACK of our SYN with
/// one octet of text at IRS+1 — where the SYN's FIN was — then `len` more octets at IRS+2.
fn simultaneous_fin_then_text(first: usize, len: usize) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    t.simultaneous_open(TcpFlags::SYN | TcpFlags::FIN);
    t.inbound(2, TcpFlags::ACK, IRS + 1, ISS + 1, first);
    t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
    t.inbound(3, TcpFlags::ACK, IRS + 2, ISS + 1, len);
    t.outbound(3, TcpFlags::ACK, ISS + 1, IRS + 2 + len as u32, 0);
    t.violations(4)
}

/// The FIN on a simultaneous-open SYN is queued "for processing after the ESTABLISHED state
/// has been reached" (RFC 9293 §3.10.7.3 fourth) — or discarded with the segment (Linux
/// tcp_rcv_synsent_state_process: "discard packet for sanity"). The peer then sent an octet
/// at IRS+1: a stack that took the octet instead of the FIN acknowledges IRS+2 too, and stays
/// ESTABLISHED. The oracle read that ACK as showing the FIN taken (§3.10.7.4 eighth, applied
/// late), dropped the ESTABLISHED world, and called the ACK of later text too high in
/// CLOSE-WAIT (10 state_machine false alarms).
#[test]
fn an_ack_reached_by_text_over_a_queued_fin_does_not_show_the_fin_taken() {
    let v = simultaneous_fin_then_text(1, 100);
    assert!(v.is_empty(), "{v:?}");
    // Without the octet, only the FIN reaches IRS+2: CLOSE-WAIT, whose text is ignored.
    assert!(!simultaneous_fin_then_text(0, 100).is_empty(), "text acknowledged after the FIN must be a violation");
}

/// ESTABLISHED, 100 octets sent and acknowledged with a zero window, then the user `call`
/// (if any) — a CLOSE whose FIN the stack has not sent — then 10 octets from the peer
/// (SEG.ACK below SND.UNA) answered with Linux's RST for data after CLOSE (<SEQ=SEG.ACK>).
fn data_after_close_before_the_fin(call: Option<&str>) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    t.established();
    t.outbound(2, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
    t.packet(3, &with_window(&segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 101, vec![], 0), 0), false);
    if let Some(call) = call {
        t.checker.user_call(Duration::from_millis(4), call);
    }
    // An old SEG.ACK: Linux's RST (<SEQ=SEG.ACK>) is not an ABORT's (<SEQ=SND.NXT>).
    t.inbound(5, TcpFlags::ACK, IRS + 1, ISS + 51, 10);
    t.outbound(5, TcpFlags::RST, ISS + 51, 0, 0);
    t.violations(6)
}

/// A CLOSE in ESTABLISHED enters FIN-WAIT-1 at once (RFC 9293 §3.10.4), the FIN queued behind
/// text a zero window holds back; new text then may draw the RST of §3.6 (SHLD-3: "if new
/// data is received after CLOSE is called … SHOULD send a RST"; Linux tcp_rcv_state_process,
/// FIN_WAIT1 with RCV_SHUTDOWN). The oracle, whose world stays ESTABLISHED until the FIN
/// shows, called it an unexplained reset (6 state_machine false alarms).
#[test]
fn data_after_a_close_whose_fin_is_unsent_may_draw_a_reset() {
    for call in ["close(4)", "shutdown(4, SHUT_RDWR)"] {
        let v = data_after_close_before_the_fin(Some(call));
        assert!(v.is_empty(), "{call}: {v:?}");
    }
    // Without the CLOSE, nothing explains the RST; nor after shutdown(SHUT_WR), which leaves
    // the application reading (RFC 9293 §3.6: it "may continue to RECEIVE").
    assert!(!data_after_close_before_the_fin(None).is_empty(), "a RST without a CLOSE must be a violation");
    assert!(!data_after_close_before_the_fin(Some("shutdown(4, SHUT_WR)")).is_empty(), "a RST after a half-close must be a violation");
}

/// A simultaneous open whose SYN (`syn`) may carry a FIN; a SYN-ACK with a bad ACK in
/// SYN-RECEIVED splits the worlds (RFC 5961's challenge ACK, which the stack sends, or the
/// fifth check's RST); then the ACK of our SYN with 77 octets at IRS+1, answered with the ACK
/// of the queued FIN (IRS+2).
fn queued_fin_after_split(syn: TcpFlags) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.simultaneous_open(syn);
    // A segment beyond the window, acknowledged (an ACK stays permitted until the reply is due).
    t.inbound(1, TcpFlags::ACK, IRS + 100_000, ISS + 1, 0);
    t.outbound(1, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    t.inbound(1, TcpFlags::SYN | TcpFlags::ACK, IRS + 1, ISS.wrapping_sub(65535), 85);
    t.outbound(1, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    t.inbound(1, TcpFlags::ACK, IRS + 1, ISS + 1, 77);
    t.outbound(1, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
    t.inbound(65, TcpFlags::ACK, IRS + 2, ISS + 1, 0);
    t.violations(4_000)
}

/// The text and FIN queued from the SYN are what the receive space held before the segment
/// that completes the handshake (RFC 9293 §3.10.7.3 fourth): the oracle read them from the
/// shared space after another world had added that segment's text, so in the world that
/// followed the stack (the challenge ACK) the FIN was out of reach and only a world owing
/// the RST it never sent was left (1 state_machine false alarm, a missing reply in
/// SYN-RECEIVED).
#[test]
fn the_queue_of_a_syn_is_read_as_it_was_before_the_segment() {
    let v = queued_fin_after_split(TcpFlags::SYN | TcpFlags::FIN);
    assert!(v.is_empty(), "{v:?}");
    // Without a FIN on the SYN, nothing is at IRS+1 but text: IRS+2 acknowledges no FIN.
    assert!(!queued_fin_after_split(TcpFlags::SYN).is_empty(), "an ACK of a FIN never sent must be a violation");
}

/// Linux profile, timestamps on (TS.Recent 101 from the handshake): a segment without ACK at
/// RCV.NXT carries TSval `newest` (Linux drops it before copying TS.Recent,
/// `tcp_replace_ts_recent` runs from `tcp_ack`), then 100 octets at RCV.NXT with TSval
/// `tsval`, answered with an ACK of IRS+1 — PAWS's drop.
fn paws_behind_the_newest(newest: u32, tsval: u32) -> Vec<Finding> {
    let ts = |tsval: u32, tsecr: u32| vec![TcpOption::Timestamps { tsval, tsecr }];
    let mut t = Feed::new(OracleProfile::linux());
    let syn = vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval: 100, tsecr: 0 }];
    t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, syn, 0), false);
    let synack = vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval: 7000, tsecr: 100 }];
    t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, synack, 0), true);
    t.packet(1, &segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1, ts(101, 7000), 0), false);
    t.packet(2, &segment(PEER, STACK, TcpFlags::ECE, IRS + 1, 0, ts(newest, 7000), 0), false);
    t.packet(3, &segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1, ts(tsval, 7000), 100), false);
    t.packet(3, &segment(STACK, PEER, TcpFlags::ACK, ISS + 1, IRS + 1, ts(7001, 101), 0), true);
    t.violations(4)
}

/// PAWS compares timestamps modulo 2^32 (RFC 7323 §5.2, §5.3 R1): a TSval newer than the
/// peer's newest may still be older than TS.Recent when TS.Recent lags 2^31 or more behind
/// it. The oracle asked only "older than the newest?", let the segment through in every
/// world, and called the stack's PAWS ACK too low (1 state_machine false alarm,
/// ack-too-low in ESTABLISHED). Control: a TSval newer than both the newest and TS.Recent
/// passes PAWS, and the same ACK (the text not taken) stays a violation.
#[test]
fn paws_judges_a_tsval_by_ts_recents_lower_end_as_well_as_the_newest() {
    let newest = 101u32.wrapping_add(1 << 31).wrapping_sub(10);
    let v = paws_behind_the_newest(newest, newest.wrapping_add(100));
    assert!(v.is_empty(), "{v:?}");
    assert!(!paws_behind_the_newest(1000, 1100).is_empty(), "a TSval newer than TS.Recent passes PAWS: the text must be acknowledged");
}

/// ESTABLISHED: 1000 + 33 octets sent at 10 ms, the first segment retransmitted at 1 s and
/// 3 s; at 3.5 s the peer acknowledges it with a zero window and the 33 octets go again at
/// once. The retransmission timer then finds the window closed and sends nothing; the
/// persist timer probes with the octet at SND.UNA at each time in `probes`.
fn probes_after_a_zero_window_ack(probes: &[u64]) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.established();
    t.outbound(10, TcpFlags::ACK, ISS + 1, IRS + 1, 1000);
    t.outbound(10, TcpFlags::ACK, ISS + 1001, IRS + 1, 33);
    t.outbound(1010, TcpFlags::ACK, ISS + 1, IRS + 1, 1000);
    t.outbound(3010, TcpFlags::ACK, ISS + 1, IRS + 1, 1000);
    t.packet(3500, &with_window(&segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1001, vec![], 0), 0), false);
    t.outbound(3500, TcpFlags::ACK, ISS + 1001, IRS + 1, 33);
    for &ms in probes {
        t.outbound(ms, TcpFlags::ACK, ISS + 1001, IRS + 1, 1);
    }
    t.violations(probes.last().copied().unwrap_or(3500) + 100)
}

/// Window probes are the persist timer's (RFC 9293 §3.8.6.1: the first once the window has
/// been zero for an RTO, SHLD-29, then at exponentially growing intervals, SHLD-30), not
/// retransmissions of the octet the retransmission timer last sent: a timeout that found the
/// window closed sent nothing, so the first probe's interval from the last retransmission
/// spans two timers. The oracle compared it with MUST-19's doubling and wanted the next
/// probe twice as late (2 state_machine false alarms, backoff in ESTABLISHED and CLOSE-WAIT).
/// Control: probes that stop backing off stay a violation.
#[test]
fn window_probes_after_retransmissions_start_a_series_of_their_own() {
    let v = probes_after_a_zero_window_ack(&[5500, 7500]);
    assert!(v.is_empty(), "{v:?}");
    let v = probes_after_a_zero_window_ack(&[5500, 7500, 11500]);
    assert!(v.is_empty(), "{v:?}");
    assert!(!probes_after_a_zero_window_ack(&[5500, 7500, 9500]).is_empty(), "probes at a constant interval must be a violation");
}

/// ESTABLISHED (linux profile); when `ooo`, 10 octets from the peer beyond RCV.NXT (SND.WL1
/// moves ahead of RCV.NXT). 1000 + 1 octets sent at 10 ms; at 1.5 s the peer acknowledges
/// the 1000 with a zero window from RCV.NXT, and the last octet goes again at once (after
/// an ACK, the retransmission goes on from SND.UNA); then the octet at each time in `probes`.
fn octet_probes_after_a_reply(ooo: bool, probes: &[u64]) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    t.established();
    if ooo {
        t.inbound(5, TcpFlags::ACK, IRS + 11, ISS + 1, 10);
        t.outbound(5, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    }
    t.outbound(10, TcpFlags::ACK, ISS + 1, IRS + 1, 1000);
    t.outbound(10, TcpFlags::ACK, ISS + 1001, IRS + 1, 1);
    t.outbound(1010, TcpFlags::ACK, ISS + 1, IRS + 1, 1000);
    t.packet(1500, &with_window(&segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1001, vec![], 0), 0), false);
    t.outbound(1500, TcpFlags::ACK, ISS + 1001, IRS + 1, 1);
    for &ms in probes {
        t.outbound(ms, TcpFlags::ACK, ISS + 1001, IRS + 1, 1);
    }
    t.violations(probes.last().copied().unwrap_or(1500) + 100)
}

/// The octet at SND.UNA sent in reply to an ACK that closed the window is no timer's: the
/// retransmission timeout after it found the window closed and sent nothing, and the persist
/// timer took over (§3.8.6.1, SHLD-29/30) — so the first interval spans two timers, and
/// the doubling shows from the next. The oracle compared 0.4 s with the 0.4 s before it. And
/// an ACK from a segment behind SND.WL1 (set ahead by one beyond RCV.NXT) still closes the
/// window as Linux sees it (`tcp_may_update_window`): the oracle kept the old edge and did
/// not read the octets as probes. 2 state_machine false alarms (backoff in CLOSE-WAIT).
/// Control: probes at a constant interval stay a violation.
#[test]
fn probes_after_an_octet_sent_in_reply_are_a_series_of_the_persist_timer() {
    for ooo in [false, true] {
        let v = octet_probes_after_a_reply(ooo, &[1900, 2300, 3100, 4700]);
        assert!(v.is_empty(), "ooo {ooo}: {v:?}");
        assert!(!octet_probes_after_a_reply(ooo, &[1900, 2300, 2700]).is_empty(), "ooo {ooo}: probes at a constant interval must be a violation");
    }
}

/// A listener's connection in ESTABLISHED with 100 octets sent, then (when `close`) a
/// shutdown(SHUT_WR) whose FIN the stack has not sent; the peer's FIN, acknowledged; an ABORT
/// without a RST; then a new SYN on the same pair of ports, answered by the listener.
fn abort_after_close_and_the_peers_fin(close: bool) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.listener();
    t.established();
    t.outbound(2, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
    if close {
        t.checker.user_call(Duration::from_millis(3), "shutdown(4, SHUT_WR)");
    }
    t.inbound(4, TcpFlags::ACK | TcpFlags::FIN, IRS + 1, ISS + 1, 0);
    t.outbound(4, TcpFlags::ACK, ISS + 101, IRS + 2, 0);
    t.checker.user_call(Duration::from_millis(5), "abort(4)");
    let mss = vec![TcpOption::Mss(1460)];
    t.inb(6, TcpFlags::SYN, IRS + 100_000, 0, mss.clone(), 0);
    t.out(6, TcpFlags::SYN | TcpFlags::ACK, ISS + 200_000, IRS + 100_001, mss, 0);
    t.violations(7)
}

/// A CLOSE in ESTABLISHED enters FIN-WAIT-1 at once, the FIN queued behind text (RFC 9293
/// §3.10.4); the peer's FIN then takes the connection to CLOSING, where an ABORT deletes the
/// TCB without a RST (§3.10.5) and a new SYN meets the listener. The oracle's world stayed
/// ESTABLISHED until the FIN showed and went to CLOSE-WAIT on the peer's FIN, where an ABORT
/// owes a RST and the TCB lives on: it called the listener's SYN-ACK a SYN once synchronized
/// (1 state_machine false alarm).
#[test]
fn the_peers_fin_after_a_close_whose_fin_is_unsent_leads_to_closing() {
    let v = abort_after_close_and_the_peers_fin(true);
    assert!(v.is_empty(), "{v:?}");
    // Without the CLOSE, CLOSE-WAIT's ABORT owes a RST, and its TCB still holds the pair of ports.
    assert!(!abort_after_close_and_the_peers_fin(false).is_empty(), "a silent ABORT in CLOSE-WAIT must be a violation");
}

/// A simultaneous open: our SYN with Window Scale and Timestamps, the peer's SYN without
/// them, and our SYN-ACK repeating ours (Linux: `Deviation::SimultaneousOpenRepeatsOptions`);
/// then shutdown(SHUT_WR) and an ACK of nothing new, answered with a RST at our
/// ISS (SYN-RECEIVED's <SEQ=SEG.ACK>, or an ABORT's); the peer's SYN again, our SYN-ACK again
/// at once and after a retransmission timeout.
fn simultaneous_open_repeating_options(profile: OracleProfile) -> Vec<Finding> {
    let mut t = Feed::new(profile);
    let ours = vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval: 1, tsecr: 0 }, TcpOption::WindowScale(0)];
    t.checker.user_call(Duration::ZERO, "connect(3, ...)");
    t.out(0, TcpFlags::SYN, ISS, 0, ours.clone(), 0);
    t.inb(1, TcpFlags::SYN, IRS, 0, vec![TcpOption::Mss(1460)], 0);
    t.out(1, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, ours.clone(), 0);
    t.checker.user_call(Duration::from_millis(2), "shutdown(3, SHUT_WR)");
    t.inbound(2, TcpFlags::ACK, IRS + 1, ISS, 0);
    t.outbound(2, TcpFlags::RST, ISS, 0, 0);
    t.inb(3, TcpFlags::SYN, IRS, 0, vec![], 0);
    t.out(3, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, ours.clone(), 0);
    t.out(1003, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, ours, 0);
    t.violations(1004)
}

/// The options of a SYN-ACK are judged in each world by the SYN that world answers: the
/// oracle took one SYN for every world — after SYN-RECEIVED's RST, the first world was a
/// listener's (the RST may have ended the connection) — and judged our simultaneous open's
/// SYN-ACK, which Linux gives our SYN's options, as a listener's answer to a SYN without
/// them (1 state_machine false alarm).
#[test]
fn a_simultaneous_opens_syn_ack_is_judged_by_its_own_syn() {
    let v = simultaneous_open_repeating_options(OracleProfile::linux());
    assert!(v.is_empty(), "{v:?}");
    // Without Linux's deviation, the options our SYN-ACK repeats are a violation.
    assert!(!simultaneous_open_repeating_options(OracleProfile::rfc9293()).is_empty(), "extra options on a SYN-ACK must be a violation");
}

/// ESTABLISHED; (when `text_first`) 10 octets at IRS+11 held out of order; then 14 octets at
/// IRS+6 with a FIN at IRS+20 — where the held text has an octet; then 5 octets at IRS+1,
/// acknowledged up to IRS+21; then 10 more at IRS+21, acknowledged.
fn fin_over_held_text(text_first: bool) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.established();
    if text_first {
        t.inbound(2, TcpFlags::ACK, IRS + 11, ISS + 1, 10);
        t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    }
    t.inbound(3, TcpFlags::ACK | TcpFlags::FIN, IRS + 6, ISS + 1, 14);
    t.outbound(3, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    t.inbound(4, TcpFlags::ACK, IRS + 1, ISS + 1, 5);
    t.outbound(4, TcpFlags::ACK, ISS + 1, IRS + 21, 0);
    t.inbound(5, TcpFlags::ACK, IRS + 21, ISS + 1, 10);
    t.outbound(5, TcpFlags::ACK, ISS + 1, IRS + 31, 0);
    t.violations(6)
}

/// A FIN at a number the peer had already sent text for is no end of the stream (§3.10.7.4
/// eighth; the stack keeps the text, Linux `tcp_data_queue_ofo` the first copy): the ACK
/// just past it may be the text's. The oracle read it as the FIN taken, went to CLOSE-WAIT
/// (TIME-WAIT from FIN-WAIT-2), and called the ACK of later text too high (1 state_machine
/// false alarm).
#[test]
fn an_ack_past_a_fin_at_a_number_text_came_for_may_be_the_texts() {
    let v = fin_over_held_text(true);
    assert!(v.is_empty(), "{v:?}");
    // Without the text held first, that ACK takes the FIN: text after it is a violation.
    assert!(!fin_over_held_text(false).is_empty(), "text acknowledged after the FIN must be a violation");
}

/// A simultaneous open (linux profile) whose SYN advertised 2920 octets and SYN-ACK 2896
/// (the window shrunk by 24); then a RST at IRS+1+`at`, which the stack drops without a word,
/// and our SYN-ACK again after a retransmission timeout.
fn rst_past_a_syn_acks_window(at: u32) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::linux());
    let mss = vec![TcpOption::Mss(1460)];
    t.checker.user_call(Duration::ZERO, "connect(3, ...)");
    t.packet(0, &with_window(&segment(STACK, PEER, TcpFlags::SYN, ISS, 0, mss.clone(), 0), 2920), true);
    t.inb(1, TcpFlags::SYN, IRS, 0, mss.clone(), 0);
    let syn_ack = with_window(&segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), 2896);
    t.packet(1, &syn_ack, true);
    t.inbound(2, TcpFlags::RST, IRS + 1 + at, 0, 0);
    t.packet(1001, &syn_ack, true);
    t.violations(1002)
}

/// A SYN-ACK's window is the one we advertise from then on, also in a simultaneous open,
/// after our SYN's: a RST at its right edge is outside the window and dropped (§3.10.7.4
/// first, Table 6). The oracle kept our SYN's larger window, owed a challenge ACK for the
/// RST (RFC 5961 §3.2), and when none came, lost the connection and called the next SYN-ACK
/// retransmission a segment without a TCB (1 state_machine false alarm). Control: a RST
/// inside the SYN-ACK's window still owes the challenge ACK.
#[test]
fn a_syn_acks_window_is_the_one_advertised_in_a_simultaneous_open() {
    let v = rst_past_a_syn_acks_window(2896);
    assert!(v.is_empty(), "{v:?}");
    assert!(!rst_past_a_syn_acks_window(2895).is_empty(), "a RST in the window without a challenge ACK must be a violation");
}

/// ESTABLISHED with Timestamps and keep-alives every second after 48 s of idle: 83 octets
/// sent, then the peer's ACK of them without TSopt (RFC 7323 §3.2: SHOULD be dropped, so the
/// stack may or may not take it), then one-octet probes at SND.NXT−1 at 48, 49 and 50 s.
fn keepalives_after_an_ack_without_tsopt(acked: u32) -> Vec<Finding> {
    let ts = |tsval: u32, tsecr: u32| vec![TcpOption::Timestamps { tsval, tsecr }];
    let mut t = Feed::new(OracleProfile::linux());
    for call in ["SO_KEEPALIVE, [1]", "TCP_KEEPIDLE, [48]", "TCP_KEEPINTVL, [1]"] {
        t.checker.user_call(Duration::ZERO, &format!("setsockopt(3, SOL_SOCKET, {call}, 4)"));
    }
    let syn = vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval: 100, tsecr: 0 }];
    t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, syn, 0), false);
    let synack = vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval: 7000, tsecr: 100 }];
    t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, synack, 0), true);
    t.packet(1, &segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1, ts(101, 7000), 0), false);
    t.packet(2, &segment(STACK, PEER, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, ts(7001, 101), 83), true);
    t.inbound(3, TcpFlags::ACK, IRS + 1, ISS + 1 + acked, 0);
    for (i, at) in [48_003u64, 49_003, 50_003].into_iter().enumerate() {
        t.packet(at, &segment(STACK, PEER, TcpFlags::ACK, ISS + 83, IRS + 1, ts(7100 + i as u32, 101), 1), true);
    }
    t.violations(50_100)
}

/// A keep-alive's octet at SND.NXT−1 (RFC 9293 §3.8.4) lies below SND.UNA only if the stack
/// took the ACK before it; where that ACK lacked TSopt, a world that dropped it reads the
/// octet as a retransmission of text still outstanding, and the oracle judged the probes'
/// one-second spacing as an RTO not backed off (MUST-19). A segment that may be a keep-alive
/// is now judged as neither. Found by state_machine (backoff in ESTABLISHED). Control: with
/// the ACK short of the last octet, the probes are retransmissions in every world and the
/// spacing stays a violation.
#[test]
fn a_keepalive_after_an_ack_that_may_be_dropped_is_no_retransmission() {
    let v = keepalives_after_an_ack_without_tsopt(83);
    assert!(v.is_empty(), "{v:?}");
    let short = keepalives_after_an_ack_without_tsopt(82);
    assert!(short.iter().any(|f| f.rule == synack::oracle::Rule::Backoff), "{short:?}");
}

/// ESTABLISHED (RFC 5961 off), the peer's window `window` throughout: 100 octets sent and
/// acknowledged; then an ACK with a zero window from almost half the circle behind SND.UNA
/// (an old duplicate, ignored), and 1000 new octets.
fn text_after_an_ack_half_the_circle_behind(window: u16) -> Vec<Finding> {
    let peer = |flags: TcpFlags, ack: u32, window: u16| with_window(&segment(PEER, STACK, flags, IRS + 1, ack, vec![], 0), window);
    let mut p = OracleProfile::linux();
    p.rfc5961 = false;
    let mut t = Feed::new(p);
    let mss = vec![TcpOption::Mss(1460)];
    t.packet(0, &with_window(&segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), window), false);
    t.out(0, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
    t.packet(1, &peer(TcpFlags::ACK, ISS + 1, window), false);
    t.outbound(2, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
    t.packet(3, &peer(TcpFlags::ACK, ISS + 101, window), false);
    t.packet(4, &peer(TcpFlags::ACK, (ISS + 101).wrapping_sub((1 << 31) - 2000), 0), false);
    t.outbound(5, TcpFlags::ACK | TcpFlags::PSH, ISS + 101, IRS + 1, 1000);
    t.violations(6)
}

/// An ACK below SND.UNA takes no window (§3.10.7.4 fifth; Linux `tcp_ack`: old_ack), and
/// its edge is none of the peer's: SEG.ACK + SEG.WND from almost half the circle behind
/// reads, modulo 2^32, as ahead of the furthest edge the peer offered, and the oracle took it
/// for that edge — so the stack's next text was "beyond the peer's right edge". Found by
/// state_machine (beyond-peer-window in CLOSE-WAIT). Control: with a window of 500, the 1000
/// octets go beyond the real edge and stay a violation.
#[test]
fn an_old_ack_half_the_circle_behind_offers_no_edge() {
    let v = text_after_an_ack_half_the_circle_behind(65535);
    assert!(v.is_empty(), "{v:?}");
    assert!(!text_after_an_ack_half_the_circle_behind(500).is_empty(), "text past the peer's window must be a violation");
}

/// FIN-WAIT-1 after close() with 1000 octets and the FIN outstanding; the peer's FIN with
/// `text` octets and an ACK of the first 500; the stack resends the rest with the FIN, then
/// resets.
fn rst_after_text_and_fin_in_fin_wait_1(text: usize) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.established();
    t.outbound(2, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 1000);
    t.checker.user_call(Duration::from_millis(3), "close(4)");
    t.outbound(3, TcpFlags::FIN | TcpFlags::ACK, ISS + 1001, IRS + 1, 0);
    t.inbound(4, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 501, text);
    t.outbound(4, TcpFlags::FIN | TcpFlags::ACK | TcpFlags::PSH, ISS + 501, IRS + 1, 500);
    t.outbound(4, TcpFlags::RST, ISS + 1002, 0, 0);
    t.violations(5)
}

/// SHLD-3's RST for text after CLOSE comes from §3.10.7.4 seventh, before the eighth takes a
/// FIN the same segment carries — and the fifth may first have released a retransmission (a
/// partial ACK; Linux `tcp_ack` retransmits from inside it). The oracle had that world in
/// CLOSING by the time the retransmission showed, where §3.10.5 sends no RST, and called the
/// RST unexplained. Found by state_machine (unexplained-reset in CLOSING). Control: the FIN
/// without text owes no RST, and the RST from CLOSING stays a violation.
#[test]
fn text_and_fin_after_close_may_draw_a_reset_after_a_retransmission() {
    let v = rst_after_text_and_fin_in_fin_wait_1(56);
    assert!(v.is_empty(), "{v:?}");
    let no_text = rst_after_text_and_fin_in_fin_wait_1(0);
    assert!(no_text.iter().any(|f| f.rule == synack::oracle::Rule::UnexplainedReset), "{no_text:?}");
}

/// A passive open whose SYN carries two Window Scale options, 14 then 0; the peer's window
/// of 65535 after it; then an ACK `behind` octets below SND.UNA, which the stack ignores.
fn old_ack_after_a_syn_with_two_window_scales(behind: u32) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    let peer_syn = vec![TcpOption::Mss(1460), TcpOption::WindowScale(14), TcpOption::WindowScale(0)];
    t.inb(0, TcpFlags::SYN, IRS, 0, peer_syn, 0);
    t.out(0, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, vec![TcpOption::Mss(1460), TcpOption::WindowScale(7)], 0);
    t.inbound(1, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
    t.inbound(2, TcpFlags::ACK, IRS + 1, (ISS + 1).wrapping_sub(behind), 0);
    t.violations(1000)
}

/// RFC 7323 allows one Window Scale option and says nothing of a repeated one: Linux
/// (`tcp_parse_options`) takes the last, the reference stack the first. Read with the first
/// (14), the peer's window of 65535 is about 2^30 octets, so MAX.SND.WND makes an ACK 100 000
/// below SND.UNA an acceptable old duplicate (RFC 5961 §5.2), ignored; the oracle read only
/// the last (0) and owed a challenge ACK. Found by state_machine (missing-reply in
/// CLOSE-WAIT). Control: an ACK 2^30 + 1000 below SND.UNA is below either reading's window,
/// and its challenge ACK stays owed.
#[test]
fn a_repeated_window_scale_option_may_be_read_first_or_last() {
    let v = old_ack_after_a_syn_with_two_window_scales(100_000);
    assert!(v.is_empty(), "{v:?}");
    let v = old_ack_after_a_syn_with_two_window_scales((1 << 30) + 1000);
    assert!(v.iter().any(|f| f.rule == synack::oracle::Rule::MissingReply), "{v:?}");
}

/// Linux profile, timestamps on: a connection whose peer's TSvals are near 100 is reset by
/// the peer; the listener takes a new SYN (IRS 90000) with TSval `x`, the handshake ends with
/// TSval `x + 1`, then 100 octets at RCV.NXT carry TSval `tsval`, answered with an ACK of
/// IRS+1 — PAWS's drop.
fn paws_in_a_new_incarnation(x: u32, tsval: u32) -> Vec<Finding> {
    let ts = |tsval: u32, tsecr: u32| vec![TcpOption::Timestamps { tsval, tsecr }];
    let syn_opts = |tsval: u32| vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval, tsecr: 0 }];
    let synack_opts = |tsval: u32, tsecr: u32| vec![TcpOption::Mss(1460), TcpOption::Timestamps { tsval, tsecr }];
    let mut t = Feed::new(OracleProfile::linux());
    t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, syn_opts(100), 0), false);
    t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, synack_opts(7000, 100), 0), true);
    t.packet(1, &segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1, ts(101, 7000), 0), false);
    t.packet(2, &segment(PEER, STACK, TcpFlags::RST, IRS + 1, 0, vec![], 0), false);
    let (irs, iss) = (90_000u32, 50_000u32);
    t.packet(3, &segment(PEER, STACK, TcpFlags::SYN, irs, 0, syn_opts(x), 0), false);
    t.packet(3, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, iss, irs + 1, synack_opts(7003, x), 0), true);
    t.packet(4, &segment(PEER, STACK, TcpFlags::ACK, irs + 1, iss + 1, ts(x.wrapping_add(1), 7003), 0), false);
    t.packet(5, &segment(PEER, STACK, TcpFlags::ACK, irs + 1, iss + 1, ts(tsval, 7003), 100), false);
    t.packet(5, &segment(STACK, PEER, TcpFlags::ACK, iss + 1, irs + 1, ts(7005, x.wrapping_add(1)), 0), true);
    t.violations(6)
}

/// TS.Recent belongs to a TCB: a new incarnation's timestamps start from its SYN (RFC 7323
/// §4.3). The oracle kept the peer's newest TSval and TS.Recent's lower end across a reset
/// and a new SYN whose TSvals lie more than half the circle from the old ones — they read as
/// older and never replaced them — so a TSval older than the new TS.Recent but newer than the
/// old ones passed PAWS in every world, and the stack's PAWS ACK was "too low" (1
/// state_machine false alarm, ack-too-low in ESTABLISHED, in a one-hour run). Control: a
/// TSval newer than the new TS.Recent passes PAWS, and the same ACK stays a violation.
#[test]
fn a_new_incarnation_starts_its_timestamps_afresh() {
    let x = 100u32.wrapping_add(1 << 31).wrapping_add(1000);
    let v = paws_in_a_new_incarnation(x, x.wrapping_sub(1 << 31).wrapping_add(10));
    assert!(v.is_empty(), "{v:?}");
    assert!(!paws_in_a_new_incarnation(x, x.wrapping_add(10)).is_empty(), "a TSval newer than TS.Recent passes PAWS: the text must be acknowledged");
}

/// A passive open whose peer offers MSS `mss` (and timestamps when `ts`), then a segment of
/// `len` octets from the stack; every finding.
fn one_segment_after_mss(profile: OracleProfile, mss: u16, ts: bool, len: usize) -> Vec<Finding> {
    let opts = |tsval: u32, tsecr: u32| if ts { vec![TcpOption::Timestamps { tsval, tsecr }] } else { vec![] };
    let mut t = Feed::new(profile);
    let mut syn = vec![TcpOption::Mss(mss)];
    syn.extend(opts(100, 0));
    t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, syn, 0), false);
    let mut synack = vec![TcpOption::Mss(1460)];
    synack.extend(opts(7000, 100));
    t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, synack, 0), true);
    t.packet(1, &segment(PEER, STACK, TcpFlags::ACK, IRS + 1, ISS + 1, opts(101, 7000), 0), false);
    t.packet(2, &segment(STACK, PEER, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, opts(7002, 101), len), true);
    t.findings(3)
}

fn size_findings(f: &[Finding], severity: Severity) -> usize {
    f.iter().filter(|f| f.severity == severity && f.requirement == Some("MUST-16")).count()
}

/// RFC 7323 §3.2 puts TSopt (12 octets) on every segment, so a peer MSS of 2 leaves no room
/// for text: one octet per segment is the least a sender can make progress with, and the
/// oracle lets it through as it does an MSS of 0 (the reference stack sends one octet; 1
/// state_machine false alarm, segment-size in ESTABLISHED, in a one-hour run). Controls: two
/// octets are a violation, and without timestamps one octet fits in 2.
#[test]
fn one_octet_beside_options_an_mss_leaves_no_room_for() {
    for profile in [OracleProfile::rfc9293(), OracleProfile::linux()] {
        let f = one_segment_after_mss(profile, 2, true, 1);
        assert_eq!(size_findings(&f, Severity::Violation), 0, "{f:?}");
    }
    // (Linux's floor of 48 would permit these: the rfc9293 profile.)
    let f = one_segment_after_mss(OracleProfile::rfc9293(), 2, true, 2);
    assert_eq!(size_findings(&f, Severity::Violation), 1, "two octets and TSopt in an MSS of 2: {f:?}");
    let f = one_segment_after_mss(OracleProfile::rfc9293(), 2, false, 3);
    assert_eq!(size_findings(&f, Severity::Violation), 1, "three octets in an MSS of 2: {f:?}");
}

/// Linux raises a peer MSS below 48 to 48 (`tcp_min_snd_mss`): under the linux profile 48
/// octets of text and options after an MSS of 20 are a permitted deviation, 49 a violation;
/// under rfc9293 the 48 are a violation too. The floor follows the sysctl.
#[test]
fn linux_raises_a_small_mss_to_48() {
    let f = one_segment_after_mss(OracleProfile::linux(), 20, true, 36);
    assert_eq!(size_findings(&f, Severity::Violation), 0, "{f:?}");
    assert!(f.iter().any(|f| f.deviation == Some(Deviation::MinSndMss)), "the deviation is reported: {f:?}");
    assert_eq!(size_findings(&one_segment_after_mss(OracleProfile::linux(), 20, true, 37), Severity::Violation), 1);
    assert_eq!(size_findings(&one_segment_after_mss(OracleProfile::rfc9293(), 20, true, 36), Severity::Violation), 1);
    // The script's `tcp_min_snd_mss` moves the floor.
    let mut raised = OracleProfile::linux();
    raised.apply_sysctl("net.ipv4.tcp_min_snd_mss", "100");
    assert_eq!(size_findings(&one_segment_after_mss(raised.clone(), 20, true, 88), Severity::Violation), 0);
    assert_eq!(size_findings(&one_segment_after_mss(raised, 20, true, 89), Severity::Violation), 1);
}

/// ESTABLISHED (passive open, MSS 1460 both ways): bare FINs out of order at IRS+1 + each of
/// `fins`, then 100 octets at RCV.NXT, acknowledged at IRS+1+`acked`.
fn text_up_to_one_of_many_fins(fins: &[u32], acked: u32) -> Vec<Finding> {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.established();
    for (i, &f) in fins.iter().enumerate() {
        let ms = 2 + i as u64;
        t.inbound(ms, TcpFlags::FIN | TcpFlags::ACK, IRS + 1 + f, ISS + 1, 0);
        t.outbound(ms, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    }
    t.inbound(20, TcpFlags::ACK, IRS + 1, ISS + 1, 100);
    t.outbound(20, TcpFlags::ACK, ISS + 1, IRS + 1 + acked, 0);
    t.violations(30)
}

/// A peer that keeps changing its mind sends FINs at several numbers, each held out of order;
/// text up to the first then makes it the stream's end (the reference stack holds up to 64
/// such blocks). The oracle kept only the latest four FINs, forgot the first of five, and
/// called the ACK of it too high (1 state_machine false alarm, ack-too-high in ESTABLISHED,
/// in a one-hour run). Control: with no FIN ever at +100, the same ACK stays a violation.
#[test]
fn the_first_of_many_held_fins_is_remembered() {
    let v = text_up_to_one_of_many_fins(&[100, 119, 110, 78, 130], 101);
    assert!(v.is_empty(), "{v:?}");
    assert!(!text_up_to_one_of_many_fins(&[119, 110, 78, 130], 101).is_empty(), "no FIN at +100: an ACK of +101 is too high");
}
