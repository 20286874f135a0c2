//! Oracle false alarms found by the `state_machine` fuzz target (`fuzz/`), which judges the
//! reference stack with the oracle: each is a small hand-built trace fed to a [`Checker`],
//! on which the oracle used to report a violation where the stack had done what the RFCs ask.

mod handfed;

use handfed::*;
use std::time::Duration;
use synack::oracle::{Deviation, Finding, OracleProfile, Severity};
use synack_stack::wire::{TcpFlags, TcpOption};

/// A RST at RCV.NXT with a bad checksum (the fuzz target's `Delivery::BadChecksum`) is
/// discarded by the receiver (MUST-3), so the connection lives on and sends data. The oracle
/// took the RST as a reset and called the data a segment from a connection in LISTEN.
#[test]
fn an_inbound_segment_with_a_bad_checksum_changes_nothing() {
    let mut bytes = segment(PEER, STACK, TcpFlags::RST, IRS + 1, 0, vec![], 0);
    let at = 20 + 16; // the IPv4 header, then the TCP checksum field
    bytes[at] ^= 0xff;
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.established();
    t.packet(2, &bytes, false);
    t.outbound(3, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
    let v = t.violations(4);
    assert!(v.is_empty(), "{v:?}");

    // The same RST with a good checksum resets: the data after it is a violation.
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.established();
    t.inbound(2, TcpFlags::RST, IRS + 1, 0, 0);
    t.outbound(3, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, 100);
    assert!(!t.violations(4).is_empty(), "data after a reset must be a violation");
}

/// A segment from a multicast source to a port with no connection is silently discarded
/// (MUST-57; RFC 1122 §3.2.1.3): no RST is owed to 224.0.0.1. The oracle expected one.
#[test]
fn a_segment_from_a_multicast_source_is_owed_no_reset() {
    let mut t = Feed::new(OracleProfile::linux());
    t.packet(0, &segment("224.0.0.1:40000", STACK, TcpFlags::ACK, IRS, ISS, vec![], 10), false);
    let v = t.violations(5_000);
    assert!(v.is_empty(), "{v:?}");

    // From a unicast source the RST is owed, and its absence is a violation.
    let mut t = Feed::new(OracleProfile::linux());
    t.inbound(0, TcpFlags::ACK, IRS, ISS, 10);
    assert!(!t.violations(5_000).is_empty(), "a missing RST for a closed port must be a violation");
}

/// A simultaneous open whose SYN carries a FIN: §3.10.7.3 fourth queues "other controls or
/// text" for processing once ESTABLISHED, so the stack may acknowledge the FIN (SEG.ACK =
/// IRS+2) after the peer's ACK completes the handshake (the reference stack's rfc9293
/// profile does). The oracle held only the text and called the ACK of the FIN too high.
#[test]
fn a_fin_on_the_syn_of_a_simultaneous_open_may_be_acknowledged_later() {
    let run = |syn_flags: TcpFlags| {
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.simultaneous_open(syn_flags);
        t.inbound(2, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        t.violations(3)
    };
    let v = run(TcpFlags::SYN | TcpFlags::FIN);
    assert!(v.is_empty(), "{v:?}");
    // Without the FIN there is nothing at IRS+1 to acknowledge.
    assert!(!run(TcpFlags::SYN).is_empty(), "an ACK of a FIN never sent must be a violation");
}

/// The same on a passive open: a SYN with a FIN to a listener (§3.10.7.2 third: "any other
/// control or text should be queued for processing later"), the FIN acknowledged once the
/// handshake completes.
#[test]
fn a_fin_on_the_syn_to_a_listener_may_be_acknowledged_later() {
    let run = |syn_flags: TcpFlags| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, syn_flags, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(1, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(1, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        t.violations(2)
    };
    let v = run(TcpFlags::SYN | TcpFlags::FIN);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(TcpFlags::SYN).is_empty(), "an ACK of a FIN never sent must be a violation");
}

/// CLOSE in SYN-RECEIVED sends the FIN (§3.10.4: FIN-WAIT-1) while our SYN is still
/// unacknowledged; the retransmission timeout then resends the front of the queue, the
/// SYN-ACK, before the FIN (the reference stack's rfc9293 profile). The oracle allowed a
/// SYN-ACK retransmission only in SYN-RECEIVED.
#[test]
fn fin_wait_1_may_retransmit_its_unacknowledged_syn_ack() {
    let run = |peer_acks_syn: bool| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.checker.user_call(Duration::ZERO, "connect(3, ...)");
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN, ISS, 0, mss.clone(), 0), true);
        t.packet(1, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        let synack = segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
        t.packet(1, &synack, true);
        t.checker.user_call(Duration::from_millis(2), "close(3)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        if peer_acks_syn {
            t.inbound(3, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        }
        t.packet(1002, &synack, true);
        t.violations(1003)
    };
    let v = run(false);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(true).is_empty(), "a SYN-ACK after our SYN was acknowledged must be a violation");
}

/// Linux answers a SYN in SYN-RECEIVED (passive) with a RST as for no connection, returning to
/// LISTEN (`tcp_check_req` → `embryonic_reset`; the reference stack's linux profile too);
/// RFC 9293 §3.10.7.4 fourth returns silently. Found by state_machine as an unexplained
/// reset: now a deviation the `linux` profile permits, still a violation under `rfc9293`.
#[test]
fn linux_resets_a_syn_in_syn_received() {
    use synack::oracle::Deviation;
    let run = |profile: OracleProfile| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(profile);
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(1, TcpFlags::SYN | TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(1, TcpFlags::RST, ISS + 1, 0, 0);
        t.checker.finish(Duration::from_millis(2))
    };
    let linux = run(OracleProfile::linux());
    assert!(!linux.iter().any(|f| f.severity == Severity::Violation), "{linux:?}");
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::SynReceivedSynResets) && f.severity == Severity::Permitted), "{linux:?}");
    let rfc = run(OracleProfile::rfc9293());
    assert!(rfc.iter().any(|f| f.severity == Severity::Violation), "{rfc:?}");
}

/// §3.10.5: an ABORT in LAST-ACK (or CLOSING, TIME-WAIT) deletes the TCB without a RST; a
/// segment after it meets no connection and draws §3.10.7.1's RST. The oracle had no silent
/// deletion for an ABORT there and called that RST unexplained (the fuzz driver names an
/// ABORT — SO_LINGER 0, then close() — `abort`).
#[test]
fn an_abort_in_last_ack_deletes_the_tcb_silently() {
    let run = |call: &str| {
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.established();
        t.inbound(2, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        t.checker.user_call(Duration::from_millis(3), "close(4)");
        t.outbound(3, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        t.checker.user_call(Duration::from_millis(4), call);
        t.inbound(5, TcpFlags::ACK, IRS + 2, ISS + 1, 0);
        t.outbound(5, TcpFlags::RST, ISS + 1, 0, 0);
        t.violations(6)
    };
    let v = run("abort(4)");
    assert!(v.is_empty(), "{v:?}");
    assert!(!run("getsockopt(4, ...)").is_empty(), "a RST from LAST-ACK without an ABORT must be a violation");
}

/// A listener the user closed: a segment to its port afterwards draws §3.10.7.1's RST. The
/// oracle kept the LISTEN world (silent) and called the RST unexplained.
#[test]
fn a_closed_listener_leaves_its_port_closed() {
    let run = |call: &str| {
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.inbound(0, TcpFlags::EMPTY, IRS, 0, 10); // no flags: a listener drops it
        t.checker.user_call(Duration::from_millis(10), call);
        t.inbound(20, TcpFlags::EMPTY, IRS, 0, 5);
        t.outbound(20, TcpFlags::RST | TcpFlags::ACK, 0, IRS + 5, 0);
        t.violations(21)
    };
    let v = run("close(3)");
    assert!(v.is_empty(), "{v:?}");
    assert!(!run("getsockopt(3, ...)").is_empty(), "a listener still open drops the segment: the RST must be a violation");
}

/// A port with no listener answers with a RST; after listen() a SYN to it draws a SYN-ACK.
/// The oracle, sure of CLOSED once the RST had ruled out a listener, kept owing the SYN a RST.
/// A listen() (and a close(), for the reverse) since a connection's last segment now lets a
/// world without a TCB be the other kind.
#[test]
fn a_listen_call_may_open_a_closed_port() {
    let run = |call: &str| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.inbound(0, TcpFlags::EMPTY, IRS, 0, 0); // a listener would drop it; CLOSED resets
        t.outbound(0, TcpFlags::RST | TcpFlags::ACK, 0, IRS, 0);
        t.checker.user_call(Duration::ZERO, call);
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.violations(1)
    };
    let v = run("listen(3, 1)");
    assert!(v.is_empty(), "{v:?}");
    assert!(!run("getsockopt(3, ...)").is_empty(), "a SYN-ACK from a port still closed must be a violation");
}

/// In SYN-RECEIVED, a segment outside the window whose ACK is unacceptable may draw
/// <SEQ=SEG.ACK><CTL=RST> (§3.5.2 reset generation, group 2, whatever the sequence number;
/// Linux's `tcp_check_req` checks the ACK first, and so does the reference stack's linux
/// profile) as well as §3.10.7.4 first's ACK. The oracle allowed only the ACK.
#[test]
fn syn_received_may_reset_an_unacceptable_ack_outside_the_window() {
    let run = |rst_seq: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::linux());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(1, TcpFlags::ACK, IRS + 100_000, ISS + 50, 0);
        t.outbound(1, TcpFlags::RST, rst_seq, 0, 0);
        t.violations(2)
    };
    let v = run(ISS + 50);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(ISS + 49).is_empty(), "a RST not at SEG.ACK must be a violation");
}

/// The same with a stale duty: a segment a listener drops but CLOSED would reset leaves a
/// CLOSED world owing that RST beside the LISTEN one; after close() of the listener, a later
/// segment's RST is explained only by a fresh CLOSED world, without the stale duty (which
/// kept the oracle from adding one).
#[test]
fn a_closed_listener_is_not_held_to_a_reset_it_never_owed() {
    let run = |call: &str| {
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.inbound(0, TcpFlags::EMPTY, IRS, 0, 536);
        t.checker.user_call(Duration::ZERO, call);
        t.inbound(0, TcpFlags::EMPTY, IRS, 0, 0);
        t.outbound(0, TcpFlags::RST | TcpFlags::ACK, 0, IRS, 0);
        t.violations(20)
    };
    let v = run("close(3)");
    assert!(v.is_empty(), "{v:?}");
    assert!(!run("getsockopt(3, ...)").is_empty(), "without a close() the first segment's RST is missing or the second's unexplained");
}

/// A retransmitted SYN in SYN-RECEIVED whose text (or FIN) reaches into the window is
/// acceptable by Table 6, but §3.10.7.4 first trims "any portions that lie outside the window
/// (including SYN and FIN)": the SYN at IRS lies before RCV.NXT, so the fourth check never
/// sees it, and the fifth drops the rest (no ACK bit). The reference stack, like Linux's
/// `tcp_check_req`, answers it with the SYN-ACK again. The oracle only returned the
/// connection to LISTEN, and the retransmitted SYN-ACK (window scaling, which the
/// retransmitted SYN did not offer) then looked like an answer to a new SYN without it.
#[test]
fn a_retransmitted_syn_with_text_in_syn_received_keeps_the_connection() {
    let run = |profile: OracleProfile, resyn: u32| {
        let opts = vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::WindowScale(7)];
        let mut t = Feed::new(profile);
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, opts.clone(), 0), false);
        let synack = segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, opts, 0);
        t.packet(0, &synack, true);
        t.inbound(10, TcpFlags::SYN | TcpFlags::FIN, resyn, 0, 100);
        t.packet(10, &synack, true);
        t.packet(1000, &synack, true);
        t.violations(1001)
    };
    for profile in [OracleProfile::rfc9293(), OracleProfile::linux()] {
        let v = run(profile.clone(), IRS);
        assert!(v.is_empty(), "{v:?}");
        // A SYN inside the window is no retransmission: it returns the connection to LISTEN
        // (or, on Linux, resets it), and the old SYN-ACK answers nothing.
        assert!(!run(profile, IRS + 1).is_empty(), "a SYN-ACK after a new SYN in the window must be a violation");
    }
}

/// A listener's half-open connection retransmits its SYN-ACK, gives up and is deleted
/// silently (§3.10.8: R2 for the SYN; Linux's `tcp_synack_retries`). A RST carrying an ACK
/// field that came afterwards had cleared the oracle's "retransmitting" mark, as if it had
/// acknowledged new data — but a RST's ACK field acknowledges nothing (§3.10.7.4: the RST
/// check comes before the ACK field's), so the give-up stayed unexplained: the oracle owed
/// the RST a challenge ACK from SYN-RECEIVED and called the next SYN's SYN-ACK wrong.
#[test]
fn a_reset_with_an_ack_field_does_not_end_a_retransmission_episode() {
    let run = |retransmissions: &[u64]| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        let synack = segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss.clone(), 0);
        t.packet(0, &synack, true);
        for &ms in retransmissions {
            t.packet(ms, &synack, true);
        }
        // In the window but not at RCV.NXT: SYN-RECEIVED would owe a challenge ACK (RFC 5961 §3).
        t.inbound(20_000, TcpFlags::RST | TcpFlags::ACK, IRS + 101, ISS + 1, 0);
        t.packet(20_010, &segment(PEER, STACK, TcpFlags::SYN, IRS + 1, 0, mss.clone(), 0), false);
        t.packet(20_010, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS + 7_000_000, IRS + 2, mss, 0), true);
        t.violations(20_011)
    };
    let v = run(&[1_000, 3_000, 7_000]);
    assert!(v.is_empty(), "{v:?}");
    // Without a retransmission there was no give-up: the connection lived, and the missing
    // challenge ACK (or the new SYN-ACK) is a violation.
    assert!(!run(&[]).is_empty(), "a half-open connection deleted without a give-up must be a violation");
}

/// A half-open connection that gave up after its SYN-ACK retransmissions, then a new SYN
/// from the same port below the old IRS (out of the old window): the listener answers it
/// with a SYN-ACK offering window scaling, which the new SYN offered. The oracle judged the
/// SYN-ACK's options (RFC 7323 §2.2) by its first world — the old SYN-RECEIVED one, whose
/// SYN had no Window Scale option — before any world explained the segment. It now judges
/// them by the SYN the SYN-ACK answers (the one whose IRS+1 it acknowledges).
#[test]
fn a_syn_ack_options_are_judged_by_the_syn_it_answers() {
    let run = |new_syn_ws: bool| {
        let mss = vec![TcpOption::Mss(1460)];
        let ws = vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::WindowScale(7)];
        let mut t = Feed::new(OracleProfile::linux());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        let synack = segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss.clone(), 0);
        t.packet(0, &synack, true);
        for ms in [1_000, 3_000, 7_000] {
            t.packet(ms, &synack, true);
        }
        let offer = if new_syn_ws { ws.clone() } else { mss };
        t.packet(60_000, &segment(PEER, STACK, TcpFlags::SYN, IRS - 100, 0, offer, 0), false);
        t.packet(60_000, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS + 9_000_000, IRS - 99, ws, 0), true);
        t.violations(60_001)
    };
    let v = run(true);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(false).is_empty(), "window scaling offered to a SYN without it must be a violation");
}

/// Linux checks a half-open connection's ACK field before anything else (`tcp_check_req`):
/// with an unacceptable ACK the segment goes to the listener, which drops a RST — so a RST
/// at RCV.NXT with a bad ACK leaves SYN-RECEIVED as it was (the reference stack's linux
/// profile too), where RFC 9293 §3.10.7.4 second (a RST is validated by its SEQ field,
/// §3.5.3) returns it to LISTEN. The oracle called the next SYN-ACK retransmission
/// unexplained; now a deviation the `linux` profile permits.
#[test]
fn linux_ignores_a_rst_with_a_bad_ack_in_syn_received() {
    use synack::oracle::Deviation;
    let run = |profile: OracleProfile, ack: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(profile);
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        let synack = segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
        t.packet(0, &synack, true);
        t.inbound(10, TcpFlags::RST | TcpFlags::ACK, IRS + 1, ack, 0);
        t.packet(1000, &synack, true);
        t.checker.finish(Duration::from_millis(1001))
    };
    let linux = run(OracleProfile::linux(), ISS + 43_690);
    assert!(!linux.iter().any(|f| f.severity == Severity::Violation), "{linux:?}");
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::SynReceivedIgnoresRstWithBadAck) && f.severity == Severity::Permitted), "{linux:?}");
    let violation = |f: &Vec<Finding>| f.iter().any(|f| f.severity == Severity::Violation);
    assert!(violation(&run(OracleProfile::rfc9293(), ISS + 43_690)), "RFC 9293: the RST resets SYN-RECEIVED");
    assert!(violation(&run(OracleProfile::linux(), ISS + 1)), "Linux: a RST with a good ACK resets SYN-RECEIVED");
}

/// A SYN in the window of SYN-RECEIVED whose ACK field is unacceptable: §3.5.2 (reset
/// generation, group 2) answers a segment with an unacceptable ACK in a non-synchronized
/// state with <SEQ=SEG.ACK><CTL=RST>, "the connection remains in the same state" — which
/// Linux's `tcp_check_req` does before looking at the SYN bit (and the reference stack's
/// linux profile). The oracle took the RST as §3.10.7.4 fourth's reset of the connection
/// and called its next ACK one from LISTEN.
#[test]
fn syn_received_may_reset_a_syn_with_an_unacceptable_ack_and_stay() {
    let run = |ack: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::linux());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(10, TcpFlags::SYN | TcpFlags::ACK, IRS + 1, ack, 100);
        t.outbound(10, TcpFlags::RST, ack, 0, 0);
        // Still SYN-RECEIVED: an unacceptable segment draws the ACK.
        t.inbound(20, TcpFlags::EMPTY, IRS + 100_000, 0, 10);
        t.outbound(20, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.violations(21)
    };
    let v = run(ISS);
    assert!(v.is_empty(), "{v:?}");
    // With an acceptable ACK the SYN's RST (Linux) closed the connection: no ACK after it.
    assert!(!run(ISS + 1).is_empty(), "an ACK from a connection reset by a SYN must be a violation");
}

/// A SYN with a FIN to a listener (the FIN held, §3.10.7.2 third), then text from IRS+1 over
/// the FIN's number, which the stack takes (it had discarded the FIN). Its ACK of that text
/// lies past the FIN, and the oracle took any ACK past a FIN for the FIN's: CLOSE-WAIT, whose
/// RCV.NXT no later text may move. A FIN is acknowledged only by the ACK just past it
/// (§3.10.7.4 eighth: nothing follows it); further text keeps the connection ESTABLISHED.
#[test]
fn an_ack_past_a_fin_the_text_ran_over_does_not_take_the_fin() {
    let run = |more_text: bool| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::linux());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN | TcpFlags::FIN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(10, TcpFlags::ACK, IRS + 1, ISS + 1, 85);
        t.outbound(10, TcpFlags::ACK, ISS + 1, IRS + 86, 0);
        if more_text {
            t.inbound(20, TcpFlags::ACK | TcpFlags::PSH, IRS + 1, ISS + 1, 100);
        }
        t.outbound(20, TcpFlags::ACK, ISS + 1, IRS + 101, 0);
        t.violations(21)
    };
    let v = run(true);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(false).is_empty(), "an ACK of text never sent must be a violation");
}

/// A SYN with a FIN to a listener; the stack (the reference rfc9293 profile) queues the FIN
/// (§3.10.7.2 third: "any other control or text should be queued for processing later") and
/// processes it when the handshake's ACK makes the connection ESTABLISHED — before that
/// ACK's own text, which starts at the same number and is then ignored in CLOSE-WAIT
/// (§3.10.7.4 seventh). Its ACK covers the FIN only. The oracle had the text accepted first.
#[test]
fn a_fin_queued_from_the_syn_is_processed_before_the_handshake_acks_text() {
    let run = |ack: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN | TcpFlags::FIN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(10, TcpFlags::ACK, IRS + 1, ISS + 1, 255);
        t.outbound(10, TcpFlags::ACK, ISS + 1, ack, 0);
        t.violations(11)
    };
    let v = run(IRS + 2);
    assert!(v.is_empty(), "{v:?}");
    assert!(v.is_empty() && run(IRS + 256).is_empty(), "the text accepted first is the RFC's reading too");
    // Neither reading leaves RCV.NXT where it was.
    assert!(!run(IRS + 1).is_empty(), "an ACK of neither the FIN nor the text must be a violation");
}

/// Table 6 tests a segment's first and last octets: one covering the whole receive window
/// with both ends outside it is, literally, not acceptable (the reference stack acknowledges
/// and drops it), though a stack may take it for its octets inside (Linux `tcp_sequence`).
/// The oracle held it certainly acceptable and called the stack's ACK too low.
#[test]
fn a_segment_covering_the_whole_window_may_be_unacceptable() {
    let run = |seq: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        // RCV.WND: [IRS+1, IRS+101)
        t.packet(0, &with_window(&segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), 100), true);
        t.inbound(1, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.inbound(2, TcpFlags::ACK, seq, ISS + 1, 200);
        t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.violations(3)
    };
    let v = run(IRS); // [IRS, IRS+200): both ends outside the window
    assert!(v.is_empty(), "{v:?}");
    // Its last octet inside the window: acceptable, the text at RCV.NXT must be taken.
    assert!(!run(IRS - 99).is_empty(), "text at RCV.NXT in an acceptable segment must be acknowledged");
}

/// Linux's TIME-WAIT socket answers every segment it does not take with an ACK, within one
/// per-connection rate limit (`tcp_timewait_check_oow_rate_limit`, 500 ms), which the
/// challenge ACK for a SYN shares (the reference stack's linux profile too). The oracle
/// counted only ACKs answering invalid segments against the throttle, so the SYN's
/// challenge ACK, suppressed 20 ms after an ACK for text in TIME-WAIT, was missing.
#[test]
fn time_wait_replies_share_the_challenge_ack_throttle() {
    let run = |text_acked: bool| {
        let mut t = Feed::new(OracleProfile::linux());
        t.established();
        t.checker.user_call(Duration::from_millis(2), "shutdown(4, SHUT_WR)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, 0);
        t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        if text_acked {
            t.inbound(100, TcpFlags::ACK, IRS + 2, ISS + 2, 10);
            t.outbound(100, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        }
        // A SYN at RCV.NXT (not above it: no new incarnation) — RFC 5961 §4's challenge ACK,
        // throttled.
        t.inbound(120, TcpFlags::SYN, IRS + 2, 0, 0);
        t.violations(1000)
    };
    let v = run(true);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(false).is_empty(), "a challenge ACK missing with no reply in the last 500 ms must be a violation");
}

/// As above, with the give-up further back: after it the listener answered an ACK with a RST
/// (§3.10.7.2 second) — which SYN-RECEIVED would send too — before the missing challenge ACK
/// for an earlier RST came due. The oracle tried a silent close only just before the last
/// inbound segment; it now replays the last few segments from each earlier point.
#[test]
fn a_silent_give_up_may_lie_several_segments_back() {
    let run = |retransmissions: &[u64]| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        let synack = segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
        t.packet(0, &synack, true);
        for &ms in retransmissions {
            t.packet(ms, &synack, true);
        }
        t.inbound(20_000, TcpFlags::RST | TcpFlags::ACK, IRS + 101, ISS + 1, 0);
        t.inbound(20_000, TcpFlags::ACK, IRS + 1, ISS + 5000, 0);
        t.outbound(20_000, TcpFlags::RST, ISS + 5000, 0, 0);
        t.inbound(20_010, TcpFlags::EMPTY, IRS + 1, 0, 0);
        t.violations(20_011)
    };
    let v = run(&[1_000, 3_000, 7_000]);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(&[]).is_empty(), "a half-open connection deleted without a give-up must be a violation");
}

/// A listener closed with a half-open connection (dropped silently, §3.10.4), listening
/// again, and a new SYN from the same port with the old SYN's number, offering window
/// scaling: the stack answers with the same ISS (same 4-tuple, same clock) and WS. The
/// oracle judged the SYN-ACK's options by the old SYN, in the world that took it for a
/// retransmission. Now a SYN-ACK retransmission must repeat what its own SYN allows (RFC
/// 7323 §2.2, §3.2), so that world dies, and the options are judged by the SYN answered.
#[test]
fn a_new_syn_with_the_old_number_is_answered_with_its_own_options() {
    let run = |call: &str| {
        let mss = vec![TcpOption::Mss(1460)];
        let ws = vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::WindowScale(7)];
        let mut t = Feed::new(OracleProfile::linux());
        t.checker.user_call(Duration::ZERO, "listen(3, 1)");
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.checker.user_call(Duration::ZERO, call);
        t.inbound(0, TcpFlags::ACK, IRS + 1, 0, 0);
        t.outbound(0, TcpFlags::RST, 0, 0, 0);
        t.checker.user_call(Duration::ZERO, "listen(3, 1)");
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, ws.clone(), 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, ws, 0), true);
        t.violations(1)
    };
    let v = run("close(3)");
    assert!(v.is_empty(), "{v:?}");
    assert!(!run("getsockopt(3, ...)").is_empty(), "window scaling on the half-open connection's SYN-ACK must be a violation");
}

/// As above with text on the SYN: the stack (rfc9293 profile) queues it and delivers it when
/// the handshake's ACK arrives, before that ACK's own octet and FIN, which lie below the new
/// RCV.NXT. Its ACK covers the SYN's text; the oracle had only the ACK's text and FIN taken.
#[test]
fn text_queued_from_the_syn_is_processed_before_the_handshakes_ack() {
    let run = |ack: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, mss.clone(), 771), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0), true);
        t.inbound(10, TcpFlags::ACK | TcpFlags::FIN, IRS + 1, ISS + 1, 1);
        t.outbound(10, TcpFlags::ACK, ISS + 1, ack, 0);
        t.violations(11)
    };
    let v = run(IRS + 772);
    assert!(v.is_empty(), "{v:?}");
    assert!(run(IRS + 3).is_empty(), "the ACK's octet and FIN taken first is the other reading");
    assert!(!run(IRS + 773).is_empty(), "an ACK past the SYN's text and a FIN never there must be a violation");
}

/// Text (with a FIN) arriving in FIN-WAIT-2 after the user's close(): §3.6 (SHLD-3) "SHOULD
/// send a RST to show that data was lost", which the reference stack sends (an ABORT's
/// <SEQ=SND.NXT>; Linux and the linux profile answer the segment, <SEQ=SEG.ACK>), deleting
/// the TCB, instead of taking the text and the FIN. The oracle took the FIN (TIME-WAIT), from
/// which no RST is explained.
#[test]
fn text_after_close_in_fin_wait_2_may_draw_a_reset_instead() {
    let run = |seg_ack: u32, rst_seq: u32| {
        let mut t = Feed::new(OracleProfile::linux());
        t.established();
        t.checker.user_call(Duration::from_millis(2), "close(4)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(3, TcpFlags::ACK, IRS + 1, ISS + 2, 0);
        t.inbound(5_000, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, seg_ack, 3);
        t.outbound(5_000, TcpFlags::RST, rst_seq, 0, 0);
        t.violations(5_001)
    };
    let v = run(ISS + 2, ISS + 2);
    assert!(v.is_empty(), "{v:?}");
    // Linux answers the segment itself: <SEQ=SEG.ACK>, an old ACK's too.
    let v = run(ISS + 1, ISS + 1);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(ISS + 2, ISS + 1).is_empty(), "a RST at neither SND.NXT nor SEG.ACK must be a violation");
}

/// Keep-alive probes left unanswered time the connection out with a RST (Linux; RFC 1122
/// §4.2.3.6). A segment the stack dropped in between — unacceptable, answered with an ACK —
/// answers no probe (only an acceptable ACK does: Linux's tcp_ack resets the count), but the
/// oracle took any inbound segment for an answer and called the RST unexplained.
#[test]
fn a_dropped_segment_does_not_answer_a_keep_alive_probe() {
    let run = |peer_seq: u32| {
        let mut t = Feed::new(OracleProfile::linux());
        t.checker.user_call(Duration::ZERO, "setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4)");
        t.established();
        t.outbound(7_200_000, TcpFlags::ACK, ISS, IRS + 1, 0);
        t.outbound(7_201_000, TcpFlags::ACK, ISS, IRS + 1, 0);
        t.inbound(7_201_500, TcpFlags::ACK, peer_seq, ISS + 1, 0);
        if peer_seq != IRS + 1 {
            t.outbound(7_201_500, TcpFlags::ACK, ISS + 1, IRS + 1, 0); // §3.10.7.4 first
        }
        t.outbound(7_202_000, TcpFlags::RST | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.violations(7_202_001)
    };
    let v = run(IRS + 100_000);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(IRS + 1).is_empty(), "after an acceptable ACK answered the probes, the RST must be a violation");
}

/// Linux takes a RST at the peer's FIN's number (RCV.NXT-1) as exact (`tcp_reset_check`, the
/// `rst-at-fin-sequence` deviation). The oracle applied it only to a bare RST, which Table 6
/// finds unacceptable; one carrying text reaches into the window and is acceptable, and the
/// oracle then owed it a challenge ACK.
#[test]
fn linux_resets_on_a_rst_with_text_at_the_fins_number() {
    let run = |profile: OracleProfile| {
        let mut t = Feed::new(profile);
        t.established();
        t.inbound(2, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(2, TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        t.inbound(3, TcpFlags::RST | TcpFlags::ACK, IRS + 1, ISS + 1, 100);
        t.inbound(4, TcpFlags::ACK, IRS + 2, ISS + 1, 0);
        t.outbound(4, TcpFlags::RST, ISS + 1, 0, 0); // §3.10.7.1: no connection
        t.violations(5)
    };
    let v = run(OracleProfile::linux());
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(OracleProfile::rfc9293()).is_empty(), "RFC 5961 §3.2: only a RST at RCV.NXT resets");
}

/// Linux's TIME-WAIT takes a bare segment at RCV.NXT silently whatever its ACK field
/// (`tcp_timewait_state_process`: "in window segment, it may be only reset or bare ack"),
/// where RFC 5961 §5.2 answers an ACK outside the acceptable range with a challenge ACK.
/// Found by state_machine as a missing challenge ACK; now a deviation the `linux` profile
/// permits, still a violation under `rfc9293`.
#[test]
fn linux_time_wait_takes_a_bare_segment_silently() {
    use synack::oracle::Deviation;
    let run = |profile: OracleProfile| {
        let mut t = Feed::new(profile);
        t.established();
        t.checker.user_call(Duration::from_millis(2), "close(4)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, 0);
        t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        t.inbound(600, TcpFlags::ACK, IRS + 2, ISS + 2_000_000, 0);
        t.inbound(1500, TcpFlags::ACK, IRS + 2, ISS + 2, 0);
        t.checker.finish(Duration::from_millis(1600))
    };
    let linux = run(OracleProfile::linux());
    assert!(!linux.iter().any(|f| f.severity == Severity::Violation), "{linux:?}");
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::TimeWaitSilentOnBareSegment) && f.severity == Severity::Permitted), "{linux:?}");
    let rfc = run(OracleProfile::rfc9293());
    assert!(rfc.iter().any(|f| f.severity == Severity::Violation), "{rfc:?}");
}

/// With RFC 5961 off (RFC 793's rules), a SYN in the window resets the connection
/// (§3.10.7.4 fourth) — but Linux has no RFC 793 mode for TIME-WAIT:
/// `tcp_timewait_state_process` answers a SYN that does not reopen the connection with an
/// ACK within the out-of-window rate limit (`TCP_TW_ACK`) and stays, as the reference
/// stack's linux profile does. Found by state_machine (its `rfc5961` knob off) as a missing
/// RST in TIME-WAIT; now a deviation the `linux` profile permits. Controls: no reply at all,
/// and the ACK without the deviation permitted, stay violations.
#[test]
fn linux_time_wait_acknowledges_a_syn_with_rfc5961_off() {
    use synack::oracle::Deviation;
    let run = |permit: bool, reply: bool| {
        let mut p = OracleProfile::linux();
        p.rfc5961 = false;
        if !permit {
            p.permitted.retain(|&d| d != Deviation::TimeWaitAcksSyn);
        }
        let mut t = Feed::new(p);
        t.established();
        t.checker.user_call(Duration::from_millis(2), "close(4)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, 0);
        t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        // A SYN at RCV.NXT (not above it: no new incarnation).
        t.inbound(1000, TcpFlags::SYN, IRS + 2, 0, 0);
        if reply {
            t.outbound(1000, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        }
        t.checker.finish(Duration::from_millis(2000))
    };
    let linux = run(true, true);
    assert!(!linux.iter().any(|f| f.severity == Severity::Violation), "{linux:?}");
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::TimeWaitAcksSyn) && f.severity == Severity::Permitted), "{linux:?}");
    let silent = run(true, false);
    assert!(silent.iter().any(|f| f.severity == Severity::Violation), "no reply to the SYN must be a violation: {silent:?}");
    let rfc793 = run(false, true);
    assert!(rfc793.iter().any(|f| f.severity == Severity::Violation), "an ACK instead of RFC 793's RST must be a violation: {rfc793:?}");
}

/// §3.10.4 CLOSE in SYN-RECEIVED with nothing queued enters FIN-WAIT-1 — before the FIN
/// shows, when it is held (behind a zero window, or, as Linux and the reference stack's
/// linux profile do, until the SYN is acknowledged). An unacceptable ACK there is FIN-WAIT-1's
/// (§3.10.7.4 fifth, ESTABLISHED processing: an ACK, RFC 5961 §5.2's challenge ACK), not
/// SYN-RECEIVED's <SEQ=SEG.ACK><CTL=RST>; the FIN follows once the SYN is acknowledged.
/// Found by state_machine (a simultaneous open, then shutdown(SHUT_WR)) as a missing RST in
/// SYN-RECEIVED. Controls: without the CLOSE, or after shutdown(SHUT_RD) (no CLOSE of the
/// sending side), the ACK stays a violation.
#[test]
fn close_in_syn_received_may_enter_fin_wait_1_before_its_fin_shows() {
    let run = |call: Option<&str>| {
        let mut t = Feed::new(OracleProfile::linux());
        t.simultaneous_open(TcpFlags::SYN);
        if let Some(call) = call {
            t.checker.user_call(Duration::from_millis(2), call);
        }
        // An ACK of something never sent: FIN-WAIT-1 answers with an ACK.
        t.inbound(1000, TcpFlags::ACK, IRS + 1, ISS + 101, 0);
        t.outbound(1000, TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        // The SYN acknowledged, the held FIN goes, and is acknowledged.
        t.inbound(1100, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(1100, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(1200, TcpFlags::ACK, IRS + 1, ISS + 2, 0);
        t.violations(1300)
    };
    for call in ["shutdown(3, SHUT_WR)", "shutdown(3, SHUT_RDWR)", "close(3)"] {
        let v = run(Some(call));
        assert!(v.is_empty(), "{call}: {v:?}");
    }
    assert!(!run(None).is_empty(), "without a CLOSE, SYN-RECEIVED owes <SEQ=SEG.ACK><CTL=RST>");
    assert!(!run(Some("shutdown(3, SHUT_RD)")).is_empty(), "SHUT_RD closes no sending side: the RST is owed");
}

/// A SYN with several MSS options (RFC 9293 leaves the repeat undefined: Linux
/// tcp_parse_options takes the last non-zero value, the reference stack's rfc9293 profile the
/// first), or with an MSS of 0 (which Linux ignores, the default standing). The oracle took
/// the last value, 0 included, as the peer's MSS and called a 100-octet segment (or a
/// one-octet window probe) too large (§3.10.2 MUST-16). Found by state_machine. Now the
/// largest value bounds the segment and 0 counts as none; controls: text beyond every MSS
/// offered, and beyond the default when only an MSS of 0 came, stay violations.
#[test]
fn repeated_or_zero_mss_options_bound_segments_by_the_largest_reading() {
    let run = |mss: Vec<u16>, len: usize| {
        let opts = mss.into_iter().map(TcpOption::Mss).collect::<Vec<_>>();
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.packet(0, &segment(PEER, STACK, TcpFlags::SYN, IRS, 0, opts, 0), false);
        t.packet(0, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, vec![TcpOption::Mss(1460)], 0), true);
        t.inbound(1, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
        t.outbound(2, TcpFlags::ACK | TcpFlags::PSH, ISS + 1, IRS + 1, len);
        t.violations(3)
    };
    for (mss, len) in [(vec![1000, 1000, 49], 100), (vec![49, 1000], 1000), (vec![1200, 0], 1), (vec![0], 536)] {
        let v = run(mss.clone(), len);
        assert!(v.is_empty(), "MSS {mss:?}, {len} octets: {v:?}");
    }
    assert!(!run(vec![1000, 49], 1001).is_empty(), "beyond every MSS offered must be a violation");
    assert!(!run(vec![0], 537).is_empty(), "an MSS of 0 leaves the default of 536");
}

/// As `a_fin_on_the_syn_of_a_simultaneous_open_may_be_acknowledged_later`, with a CLOSE in
/// SYN-RECEIVED first: §3.10.4 sends our FIN and enters FIN-WAIT-1 before our SYN is
/// acknowledged, and the FIN queued from the peer's SYN is processed when the ACK of our
/// SYN and FIN arrives — RCV.NXT = IRS+2, TIME-WAIT, the text on that ACK ignored (the
/// reference stack's rfc9293 profile). The oracle processed the text as FIN-WAIT-1's and
/// called the ACK of the FIN a missing SHLD-3 RST / an ACK too high. Control: without a FIN
/// on the SYN, the same ACK is too high.
#[test]
fn a_fin_queued_from_the_syn_is_processed_in_fin_wait_1_when_our_syn_is_acked() {
    let run = |syn_flags: TcpFlags| {
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.simultaneous_open(syn_flags);
        t.checker.user_call(Duration::from_millis(2), "shutdown(3, SHUT_WR)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(3, TcpFlags::ACK, IRS + 1, ISS + 2, 200);
        t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        t.violations(4)
    };
    let v = run(TcpFlags::SYN | TcpFlags::FIN);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(TcpFlags::SYN).is_empty(), "an ACK of a FIN never sent must be a violation");
}

/// A simultaneous open whose SYN carried a FIN, then a CLOSE in SYN-RECEIVED (FIN-WAIT-1,
/// our SYN unacknowledged): a segment that does not acknowledge our SYN lets the stack take
/// the queued FIN (CLOSING), and the retransmission timeout resends the SYN-ACK first — with
/// SEG.ACK = RCV.NXT, now past the FIN (§3.10.7.3 fourth's <ACK=RCV.NXT>; Linux builds every
/// retransmission with the current RCV.NXT). The oracle allowed a SYN-ACK retransmission
/// only in SYN-RECEIVED, FIN-WAIT-1, CLOSE-WAIT and LAST-ACK, and only at IRS+1. Control: a
/// SYN-ACK acknowledging past RCV.NXT.
#[test]
fn closing_retransmits_its_syn_ack_with_the_ack_past_the_peers_fin() {
    let run = |ack: u32| {
        let mss = vec![TcpOption::Mss(1460)];
        let mut t = Feed::new(OracleProfile::rfc9293());
        t.simultaneous_open(TcpFlags::SYN | TcpFlags::FIN);
        t.checker.user_call(Duration::from_millis(2), "shutdown(3, SHUT_WR)");
        t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
        t.inbound(3, TcpFlags::ACK, IRS + 1, ISS, 0);
        t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        t.packet(1000, &segment(STACK, PEER, TcpFlags::SYN | TcpFlags::ACK, ISS, ack, mss, 0), true);
        t.outbound(1000, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 2, 0);
        t.violations(1001)
    };
    let v = run(IRS + 2);
    assert!(v.is_empty(), "{v:?}");
    assert!(!run(IRS + 3).is_empty(), "a SYN-ACK acknowledging what never arrived must be a violation");
}

/// LISTEN, CLOSING, TIME-WAIT and FIN-WAIT-2 findings (a file of their own for length).
#[path = "oracle_fuzz_findings/late.rs"]
mod late;

/// SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, CLOSE-WAIT and LAST-ACK findings.
#[path = "oracle_fuzz_findings/synced.rs"]
mod synced;
