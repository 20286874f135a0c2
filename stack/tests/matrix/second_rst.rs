//! §3.10.7.4 second: check the RST bit — RFC 5961 §3.2's three cases (outside the window,
//! exactly RCV.NXT, in the window elsewhere), the RFC 793 behaviour behind the `rfc5961`
//! switch, and RFC 1337's TIME-WAIT option — for every state of §3.10.7.4.

use crate::fixture::*;
use crate::ladder::*;
use synack_stack::{Errno, State};

/// Both SYN-RECEIVED fixtures and the synchronized states.
const ALL: [At; 9] = [
    At::SynReceived,
    At::SynReceivedActive,
    At::Established,
    At::FinWait1,
    At::FinWait2,
    At::CloseWait,
    At::Closing,
    At::LastAck,
    At::TimeWait,
];

/// What the application learns from a reset in `at` (MUST-12: it is told whether the
/// connection closed normally or was aborted), as SO_ERROR; `None` without a descriptor.
fn reset_error(at: At) -> Option<i64> {
    match at {
        At::SynReceived => None,
        // "If the RST bit is set and the connection was initiated with an active OPEN
        // (i.e., came from SYN-SENT state), then the connection was refused."
        At::SynReceivedActive => Some(Errno::ECONNREFUSED.code().into()),
        // "… any outstanding RECEIVEs and SEND should receive "reset" responses."
        At::Established | At::FinWait1 | At::FinWait2 | At::CloseWait => Some(Errno::ECONNRESET.code().into()),
        // CLOSING, LAST-ACK, TIME-WAIT: "enter the CLOSED state, delete the TCB, and return".
        At::Closing | At::LastAck | At::TimeWait => Some(0),
        At::SynSent => unreachable!("§3.10.7.3"),
    }
}

/// RFC 5961 §3.2 (2): "If the RST bit is set and the sequence number exactly matches the
/// next expected sequence number (RCV.NXT), then TCP MUST reset the connection" — per state
/// as §3.10.7.4 second says. Nothing is sent. MUST-12 for what the application sees.
#[test]
fn rst_at_rcv_nxt_resets_the_connection_as_each_state_says() {
    for at in ALL {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(R | A));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), RST, Some(State::Closed))]);
        c.expect_state(State::Closed);
        if let Some(err) = reset_error(at) {
            assert_eq!(c.so_error(), err, "{at:?}: SO_ERROR");
        }
    }
}

/// SYN-RECEIVED from a passive OPEN: "return this connection to the LISTEN state" — the
/// listener is untouched: nothing to accept, and it answers the peer's late ACK with a RST
/// (§3.10.7.2 second) and a new SYN with a SYN-ACK.
#[test]
fn rst_in_syn_received_from_a_passive_open_returns_to_listen() {
    let at = At::SynReceived;
    let mut c = rfc(at);
    c.arrive(c.seg().flags(R));
    c.expect_nothing();
    assert_eq!(c.t.stack.accept(c.listener.unwrap()), Err(Errno::EAGAIN));
    let rows = c.arrive(c.seg().flags(A));
    c.expect_rst(c.t.our(1));
    assert_rows(at, &rows, &[(State::Listen, synack_stack::Step::Listen(2), None)]);
    c.arrive(seg().flags(S).seq(7000));
    assert_eq!(c.t.sent().flags, S | A, "LISTEN takes a new SYN");
}

/// A RST without the ACK bit at RCV.NXT resets as well (the ACK field plays no part).
#[test]
fn bare_rst_at_rcv_nxt_resets() {
    for at in [At::Established, At::CloseWait, At::TimeWait] {
        let mut c = rfc(at);
        let rows = c.arrive(c.seg().flags(R));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), RST, Some(State::Closed))]);
    }
}

/// RFC 5961 §3.2 (3): "If the RST bit is set and the sequence number does not exactly match
/// the next expected sequence value, yet is within the current receive window, TCP MUST send
/// an acknowledgment (challenge ACK): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>" and drop the
/// segment. Rows: just after RCV.NXT, and the window's last octet.
#[test]
fn rst_in_the_window_not_at_rcv_nxt_draws_a_challenge_ack() {
    for at in ALL {
        let probe = rfc(at);
        for rel in [probe.rcv_nxt + 1, probe.rcv_nxt + probe.rcv_wnd() - 1] {
            let mut c = rfc(at);
            let rows = c.arrive(c.seg_at(rel).flags(R | A));
            c.expect_ack();
            c.expect_nothing();
            assert_rows(at, &rows, &[(at.state(), RST, None)]);
            c.expect_state(at.state());
        }
    }
}

/// RFC 5961 §3.2 (1): "If the RST bit is set and the sequence number is outside the current
/// receive window, silently drop the segment" (§3.10.7.4 first: "If the RST bit is set,
/// drop the segment and return" — no ACK for an unacceptable RST).
#[test]
fn rst_outside_the_window_is_dropped_silently() {
    for at in ALL {
        let probe = rfc(at);
        for rel in [probe.rcv_nxt - 1, probe.rcv_nxt + probe.rcv_wnd()] {
            let mut c = rfc(at);
            let rows = c.arrive(c.seg_at(rel).flags(R | A));
            c.expect_nothing();
            assert_rows(at, &rows, &[(at.state(), SEQ, None)]);
            c.expect_state(at.state());
        }
    }
}

/// The RFC 793 switch (`Config::rfc5961 = false`): "In all states except SYN-SENT, all reset
/// (RST) segments are validated by checking their SEQ fields. A reset is valid if its
/// sequence number is in the window" — anywhere in it.
#[test]
fn rfc793_switch_resets_on_any_rst_in_the_window() {
    for at in ALL {
        let mut config = rfc_config();
        config.rfc5961 = false;
        let mut c = Setup::new(config).at(at);
        let rows = c.arrive(c.seg_at(c.rcv_nxt + 100).flags(R | A));
        c.expect_nothing();
        assert_rows(at, &rows, &[(at.state(), RST, Some(State::Closed))]);
        c.expect_state(State::Closed);
        if let Some(err) = reset_error(at) {
            assert_eq!(c.so_error(), err, "{at:?}: SO_ERROR");
        }
    }
}

/// The RFC 793 switch keeps the window check: a RST outside it is still dropped.
#[test]
fn rfc793_switch_still_drops_a_rst_outside_the_window() {
    let mut config = rfc_config();
    config.rfc5961 = false;
    let at = At::Established;
    let mut c = Setup::new(config).at(at);
    let rows = c.arrive(c.seg_at(c.rcv_nxt + c.rcv_wnd()).flags(R));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, SEQ, None)]);
    c.expect_state(State::Established);
}

/// RFC 1337 §3 (fix F1, `tcp_rfc1337`): TIME-WAIT ignores a RST, even at RCV.NXT, and lasts
/// its 2 MSL (TIME-WAIT assassination).
#[test]
fn rfc1337_switch_keeps_time_wait_on_a_rst() {
    let mut config = rfc_config();
    config.rfc1337 = true;
    let at = At::TimeWait;
    let mut c = Setup::new(config).at(at);
    let rows = c.arrive(c.seg().flags(R));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::TimeWait, RST, None)]);
    c.expect_state(State::TimeWait);
}

/// SHLD-2: "TCP implementations SHOULD allow a received RST segment to include data" — a RST
/// carrying text is a RST like any other.
#[test]
fn rst_carrying_text_is_still_a_reset() {
    let at = At::Established;
    let mut c = rfc(at);
    let rows = c.arrive(c.seg().flags(R | A).data(b"diagnostic text"));
    c.expect_nothing();
    assert_rows(at, &rows, &[(State::Established, RST, Some(State::Closed))]);
}

/// RFC 5961 §7 (ACK throttling): at most `challenge_ack_limit` challenge ACKs a second
/// (Linux `tcp_challenge_ack_limit`); the one over the limit is recorded and not sent, and
/// the next second has a fresh budget.
#[test]
fn challenge_acks_are_throttled_per_second() {
    let mut config = rfc_config();
    config.challenge_ack_limit = 2;
    let at = At::Established;
    let mut c = Setup::new(config).at(at);
    for n in 0..3 {
        let rows = c.arrive(c.seg_at(c.rcv_nxt + 10 + n).flags(R));
        if n < 2 {
            c.expect_ack();
        }
        c.expect_nothing();
        assert_rows(at, &rows, &[(State::Established, RST, None)]);
    }
    c.wait(std::time::Duration::from_secs(1));
    c.arrive(c.seg_at(c.rcv_nxt + 20).flags(R));
    c.expect_ack();
    c.expect_state(State::Established);
}
