//! Oracle false alarms of the `state_machine` target in LISTEN, CLOSING, TIME-WAIT and
//! FIN-WAIT-2.

use super::*;
use synack::oracle::Deviation;

/// Into TIME-WAIT by a CLOSE, then the peer's FIN acknowledging ours.
fn time_wait(t: &mut Feed) {
    t.established();
    t.checker.user_call(Duration::from_millis(2), "close(4)");
    t.outbound(2, TcpFlags::FIN | TcpFlags::ACK, ISS + 1, IRS + 1, 0);
    t.inbound(3, TcpFlags::FIN | TcpFlags::ACK, IRS + 1, ISS + 2, 0);
    t.outbound(3, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
}

/// With RFC 5961 off, §3.10.7.4 second resets on any RST in the window — but Linux's
/// `tcp_timewait_state_process` acts on a RST in TIME-WAIT only at exactly RCV.NXT, whatever
/// RFC 5961, and ignores any other silently: the socket stays and answers text with an ACK.
/// Found by state_machine (its `rfc5961` knob off) as 39 "unexpected segments in LISTEN"
/// after such a RST (the oracle's world had closed). Controls: a RST at RCV.NXT, and the
/// same trace without [`Deviation::TimeWaitSilentOnRst`], stay violations.
#[test]
fn linux_time_wait_ignores_a_rst_off_rcv_nxt_with_rfc5961_off() {
    let run = |permit: bool, rst_seq: u32| {
        let mut p = OracleProfile::linux();
        p.rfc5961 = false;
        if !permit {
            p.permitted.retain(|&d| d != Deviation::TimeWaitSilentOnRst);
        }
        let mut t = Feed::new(p);
        time_wait(&mut t);
        t.inbound(500, TcpFlags::RST, rst_seq, 0, 0);
        t.inbound(1000, TcpFlags::ACK | TcpFlags::PSH, IRS + 2, ISS + 2, 10);
        t.outbound(1000, TcpFlags::ACK, ISS + 2, IRS + 2, 0);
        t.checker.finish(Duration::from_millis(2000))
    };
    let linux = run(true, IRS + 2 + 85);
    assert!(!linux.iter().any(|f| f.severity == Severity::Violation), "{linux:?}");
    assert!(linux.iter().any(|f| f.deviation == Some(Deviation::TimeWaitSilentOnRst) && f.severity == Severity::Permitted), "{linux:?}");
    let exact = run(true, IRS + 2);
    assert!(exact.iter().any(|f| f.severity == Severity::Violation), "a RST at RCV.NXT ends TIME-WAIT: {exact:?}");
    let rfc793 = run(false, IRS + 2 + 85);
    assert!(rfc793.iter().any(|f| f.severity == Severity::Violation), "RFC 793's RST in the window resets: {rfc793:?}");
}
