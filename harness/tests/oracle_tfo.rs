//! RFC 7413 TCP Fast Open in the oracle: hand-built traces for each behaviour the RFC (or
//! the linux profile, as a permitted deviation) allows, each paired with a neighbouring
//! trace that must still be a violation.

mod handfed;

use handfed::*;
use synack::oracle::{Deviation, Finding, OracleProfile, Rule, Severity};
use synack::trace::SocketOp;
use synack_stack::wire::{TcpFlags, TcpOption};

const SYN: TcpFlags = TcpFlags::SYN;
const ACK: TcpFlags = TcpFlags::ACK;
const PSH: TcpFlags = TcpFlags::PSH;
const FIN: TcpFlags = TcpFlags::FIN;
const RST: TcpFlags = TcpFlags::RST;

fn cookie() -> TcpOption {
    TcpOption::FastOpen(vec![0xab, 0xcd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc])
}

fn mss() -> TcpOption {
    TcpOption::Mss(1460)
}

fn violations(f: &[Finding]) -> Vec<&Finding> {
    f.iter().filter(|f| f.severity == Severity::Violation).collect()
}

fn clean(f: &[Finding]) {
    let v = violations(f);
    assert!(v.is_empty(), "{v:#?}");
}

fn caught(f: &[Finding], what: &str) {
    assert!(!violations(f).is_empty(), "{what} must be a violation");
}

/// A listener that takes a SYN's text with a valid cookie (§4.2.2 server steps 4–6).
fn server_takes_text(profile: OracleProfile, synack_ack: u32, reply: impl FnOnce(&mut Feed)) -> Vec<Finding> {
    let mut t = Feed::new(profile);
    t.listener();
    t.inb(10, SYN, IRS, 0, vec![mss(), cookie()], 10);
    t.out(10, SYN | ACK, ISS, synack_ack, vec![mss()], 0);
    reply(&mut t);
    t.findings(2_000)
}

/// §4.2.2 step 5: the SYN-ACK acknowledges the SYN and its text; the FastOpened connection
/// is accept()-able and readable at once (step 4) and sends text in SYN-RECEIVED (step 6),
/// before the peer's ACK. Not a deviation: the rfc9293 profile takes it too.
#[test]
fn a_server_takes_the_syns_text_with_a_cookie() {
    for profile in [OracleProfile::rfc9293(), OracleProfile::linux()] {
        let f = server_takes_text(profile, IRS + 11, |t| {
            t.call(20, 3, SocketOp::Accept, 4);
            t.call(20, 4, SocketOp::Recv { len: 512, peek: false }, 10);
            t.out(30, ACK | PSH, ISS + 1, IRS + 11, vec![], 100);
            t.inb(40, ACK, IRS + 11, ISS + 101, vec![], 0);
        });
        clean(&f);
        assert!(f.iter().all(|f| f.deviation.is_none()), "{f:#?}");
    }
    // Part of the text acknowledged: a server takes all of it or none (§4.2.2 step 5).
    caught(&server_takes_text(OracleProfile::linux(), IRS + 5, |_| {}), "a SYN-ACK acknowledging part of the SYN's text");
    // More than the SYN carried.
    caught(&server_takes_text(OracleProfile::linux(), IRS + 12, |_| {}), "a SYN-ACK acknowledging more than the SYN's text");
    // Reading more than the SYN carried.
    let f = server_takes_text(OracleProfile::linux(), IRS + 11, |t| {
        t.call(20, 3, SocketOp::Accept, 4);
        t.call(20, 4, SocketOp::Recv { len: 512, peek: false }, 11);
    });
    assert!(violations(&f).iter().any(|f| f.rule == Rule::ReceivedNotArrived), "{f:#?}");
}

/// §4.2.2 step 5 with the FastOpened flag unset (an invalid cookie): the SYN-ACK acknowledges
/// only the SYN, carrying a fresh cookie; the client sends the text again after the
/// handshake and only then is it acknowledged and delivered.
#[test]
fn a_server_refusing_the_cookie_acknowledges_only_the_syn() {
    let refused = |tail: &dyn Fn(&mut Feed)| {
        let mut t = Feed::new(OracleProfile::linux());
        t.listener();
        t.inb(10, SYN, IRS, 0, vec![mss(), cookie()], 10);
        t.out(10, SYN | ACK, ISS, IRS + 1, vec![mss(), cookie()], 0);
        tail(&mut t);
        t.findings(2_000)
    };
    clean(&refused(&|t| {
        t.inb(20, ACK | PSH, IRS + 1, ISS + 1, vec![], 10);
        t.out(20, ACK, ISS + 1, IRS + 11, vec![], 0);
        t.call(30, 3, SocketOp::Accept, 4);
        t.call(30, 4, SocketOp::Recv { len: 512, peek: false }, 10);
    }));
    // The SYN's text acknowledged although the SYN-ACK said it was not taken.
    caught(
        &refused(&|t| {
            t.inb(20, ACK, IRS + 1, ISS + 1, vec![], 0);
            t.out(20, ACK, ISS + 1, IRS + 11, vec![], 0);
        }),
        "an ACK of the SYN's text a Fast Open listener refused",
    );
    // Delivered although not taken.
    let f = refused(&|t| {
        t.inb(20, ACK, IRS + 1, ISS + 1, vec![], 0);
        t.call(30, 3, SocketOp::Accept, 4);
        t.call(30, 4, SocketOp::Recv { len: 512, peek: false }, 10);
    });
    assert!(violations(&f).iter().any(|f| f.rule == Rule::ReceivedNotArrived), "{f:#?}");
}

/// A listener that may not know Fast Open (its SYN-ACK carries no option) queues the text
/// of the SYN (RFC 9293 §3.10.7.2) and may take it once the handshake completes.
#[test]
fn a_listener_without_fast_open_may_queue_the_syns_text() {
    let mut t = Feed::new(OracleProfile::rfc9293());
    t.inb(10, SYN, IRS, 0, vec![mss(), cookie()], 10);
    t.out(10, SYN | ACK, ISS, IRS + 1, vec![mss()], 0);
    t.inb(20, ACK, IRS + 1, ISS + 1, vec![], 0);
    t.out(20, ACK, ISS + 1, IRS + 11, vec![], 0);
    clean(&t.findings(2_000));
}

/// A FastOpened connection with no text on the SYN (a valid cookie alone, §4.2.2 step 4)
/// may send text and its FIN while SYN-RECEIVED; without a Fast Open SYN it may not.
#[test]
fn text_in_syn_received_needs_a_fast_open_syn() {
    let run = |syn_opts: Vec<TcpOption>, flags: TcpFlags| {
        let mut t = Feed::new(OracleProfile::linux());
        t.listener();
        t.inb(10, SYN, IRS, 0, syn_opts, 0);
        t.out(10, SYN | ACK, ISS, IRS + 1, vec![mss()], 0);
        t.call(20, 3, SocketOp::Accept, 4);
        t.out(20, flags, ISS + 1, IRS + 1, vec![], 100);
        t.inb(40, ACK, IRS + 1, ISS + 101 + u32::from(flags.fin()), vec![], 0);
        t.findings(2_000)
    };
    clean(&run(vec![mss(), cookie()], ACK | PSH));
    clean(&run(vec![mss(), cookie()], ACK | PSH | FIN));
    caught(&run(vec![mss()], ACK | PSH), "text in SYN-RECEIVED without a Fast Open SYN");
    caught(&run(vec![mss()], ACK | PSH | FIN), "a FIN in SYN-RECEIVED (passive) without a Fast Open SYN");
}

/// Linux's cookie-less mode (the 0x200 sysctl bit) takes the text of a SYN with no Fast
/// Open option at all: a deviation of the linux profile, a violation of rfc9293's. An empty
/// option (a zero-length cookie, RFC 7413 §7.3) is the RFC's own.
#[test]
fn text_taken_without_the_option_is_a_linux_deviation() {
    let run = |profile: OracleProfile, opts: Vec<TcpOption>| {
        let mut t = Feed::new(profile);
        t.listener();
        t.inb(10, SYN, IRS, 0, opts, 1000);
        t.out(10, SYN | ACK, ISS, IRS + 1001, vec![mss()], 0);
        t.inb(20, ACK, IRS + 1001, ISS + 1, vec![], 0);
        t.findings(2_000)
    };
    let f = run(OracleProfile::linux(), vec![mss()]);
    clean(&f);
    assert!(f.iter().any(|f| f.deviation == Some(Deviation::FastOpenWithoutOption)), "{f:#?}");
    caught(&run(OracleProfile::rfc9293(), vec![mss()]), "text acknowledged on a SYN without Fast Open");
    clean(&run(OracleProfile::rfc9293(), vec![mss(), TcpOption::FastOpen(vec![])]));
}

/// §4.2.1: a cookie request (an empty option) may get a cookie in the SYN-ACK; a SYN with no
/// option may not (§4.2.2 step 5: the option answers one). The experimental form (kind 254,
/// magic 0xF989) counts the same.
#[test]
fn a_cookie_answers_a_cookie_request() {
    let run = |syn_opts: Vec<TcpOption>| {
        let mut t = Feed::new(OracleProfile::linux());
        t.listener();
        t.inb(10, SYN, IRS, 0, syn_opts, 0);
        t.out(10, SYN | ACK, ISS, IRS + 1, vec![mss(), cookie()], 0);
        t.inb(20, ACK, IRS + 1, ISS + 1, vec![], 0);
        t.findings(2_000)
    };
    clean(&run(vec![mss(), TcpOption::FastOpen(vec![])]));
    clean(&run(vec![mss(), TcpOption::FastOpenExp(vec![])]));
    caught(&run(vec![mss()]), "a cookie in the SYN-ACK to a SYN without the option");
}

/// The client (§4.2.2 "Client: Sending SYN", "Receiving SYN-ACK"): its SYN carries text and
/// a cookie; the SYN-ACK may acknowledge none, part or all of it, and the client sends the
/// rest again.
#[test]
fn a_client_sends_text_on_its_syn_and_resends_what_was_not_acknowledged() {
    let run = |synack_ack: u32, tail: &dyn Fn(&mut Feed)| {
        let mut t = Feed::new(OracleProfile::linux());
        t.call(0, 3, SocketOp::Socket, 3);
        t.call(0, 3, SocketOp::Send { len: 10, to: Some(addr(PEER)) }, 10);
        t.out(0, SYN, ISS, 0, vec![mss(), cookie()], 10);
        t.inb(10, SYN | ACK, IRS, synack_ack, vec![mss()], 0);
        tail(&mut t);
        t.findings(2_000)
    };
    for acked in [0, 4, 10] {
        clean(&run(ISS + 1 + acked, &|t| {
            t.out(10, ACK, ISS + 11, IRS + 1, vec![], 0);
        }));
    }
    clean(&run(ISS + 5, &|t| {
        t.out(10, ACK | PSH, ISS + 5, IRS + 1, vec![], 6);
        t.inb(20, ACK, IRS + 1, ISS + 11, vec![], 0);
    }));
    // A SYN-ACK acknowledging more than the SYN's text is unacceptable (§3.10.7.3 first):
    // a RST is owed, not an ACK.
    caught(
        &run(ISS + 12, &|t| {
            t.out(10, ACK, ISS + 11, IRS + 1, vec![], 0);
        }),
        "an ACK answering a SYN-ACK that acknowledges more than the SYN carried",
    );
}

/// §4.2.2 server step 5: "The server MAY include data in the SYN-ACK packet"; the client
/// takes it at the sixth step (fastopen/client/synack-data.pkt).
#[test]
fn a_client_takes_text_on_the_syn_ack() {
    let run = |ack_of_text: u32| {
        let mut t = Feed::new(OracleProfile::linux());
        t.out(0, SYN, ISS, 0, vec![mss(), cookie()], 10);
        t.inb(10, SYN | ACK, IRS, ISS + 11, vec![mss()], 1400);
        t.out(10, ACK, ISS + 11, ack_of_text, vec![], 0);
        t.findings(2_000)
    };
    clean(&run(IRS + 1401));
    caught(&run(IRS + 1402), "an ACK of more than the SYN-ACK carried");
}

/// Linux answers a SYN-ACK whose TSecr echoes no TSval it sent with <SEQ=SEG.ACK><CTL=RST>
/// and stays in SYN-SENT (fastopen/client/synack-data.pkt TEST5): a linux deviation.
#[test]
fn a_syn_ack_with_a_foreign_tsecr_may_be_reset_on_linux() {
    let run = |profile: OracleProfile| {
        let mut t = Feed::new(profile);
        t.out(0, SYN, ISS, 0, vec![mss(), TcpOption::Timestamps { tsval: 100, tsecr: 0 }, cookie()], 10);
        t.inb(10, SYN | ACK, IRS, ISS + 11, vec![mss(), TcpOption::Timestamps { tsval: 7, tsecr: 9999 }], 0);
        t.out(10, RST, ISS + 11, 0, vec![], 0);
        t.inb(20, SYN | ACK, IRS, ISS + 11, vec![mss(), TcpOption::Timestamps { tsval: 8, tsecr: 100 }], 0);
        t.out(20, ACK, ISS + 11, IRS + 1, vec![TcpOption::Timestamps { tsval: 101, tsecr: 8 }], 0);
        t.findings(2_000)
    };
    let f = run(OracleProfile::linux());
    clean(&f);
    assert!(f.iter().any(|f| f.deviation == Some(Deviation::SynSentRejectsForeignTsecr)), "{f:#?}");
    caught(&run(OracleProfile::rfc9293()), "a RST for a SYN-ACK with an acceptable ACK");
}

/// A capture starts following a connection at the peer's SYN once the stack answers it —
/// with a SYN-ACK that may acknowledge the SYN's text (fastopen/server/
/// listener-closed-trigger-rst.pkt captured: SYN with text, SYN-ACK past it, the listener's
/// close() resetting the FastOpened child).
#[test]
fn a_capture_follows_a_fast_open_syn_ack() {
    let run = |synack_ack: u32| {
        let mut t = Feed::new(OracleProfile::linux().for_capture());
        t.inb(0, SYN, IRS, 0, vec![mss(), cookie()], 10);
        t.out(0, SYN | ACK, ISS, synack_ack, vec![mss()], 0);
        t.out(100, RST | ACK, ISS + 1, IRS + 11, vec![], 0);
        t.findings(2_000)
    };
    clean(&run(IRS + 11));
    // A SYN-ACK acknowledging part of the text answers no SYN: the RST after it is unexplained.
    caught(&run(IRS + 5), "a RST from a connection the capture could not follow");
}

/// A FastOpened connection reset before accept() is still returned by it, with the SYN's
/// text readable (the application was notified at the SYN, §4.2.2 step 4) and then the
/// reset (fastopen/server/reset-before-accept.pkt).
#[test]
fn a_fast_opened_connection_reset_before_accept_is_still_accepted() {
    let run = |read: i64| {
        server_takes_text(OracleProfile::linux(), IRS + 11, |t| {
            t.inb(100, RST | ACK, IRS + 11, 0, vec![], 0);
            t.call(200, 3, SocketOp::Accept, 4);
            t.call(200, 4, SocketOp::Recv { len: 512, peek: false }, read);
            t.fails(200, 4, SocketOp::Recv { len: 512, peek: false }, synack_stack::Errno::ECONNRESET);
        })
    };
    clean(&run(10));
    let f = run(11);
    assert!(violations(&f).iter().any(|f| f.rule == Rule::ReceivedNotArrived), "{f:#?}");
}

/// A FIN on a Fast Open SYN is taken with its text (Linux `tcp_fastopen_add_skb` → `tcp_fin`):
/// the SYN-ACK acknowledges it too, the connection is in CLOSE-WAIT with its SYN still
/// unacknowledged (retransmitted at the same numbers), and may answer and close.
#[test]
fn a_fin_on_a_fast_open_syn_is_taken_with_its_text() {
    let run = |profile: OracleProfile, syn_opts: Vec<TcpOption>, synack_ack: u32| {
        let mut t = Feed::new(profile);
        t.listener();
        t.inb(10, SYN | FIN, IRS, 0, syn_opts, 10);
        t.out(10, SYN | ACK, ISS, synack_ack, vec![mss()], 0);
        t.call(20, 3, SocketOp::Accept, 4);
        t.call(20, 4, SocketOp::Recv { len: 512, peek: false }, 10);
        t.call(20, 4, SocketOp::Recv { len: 512, peek: false }, 0);
        t.out(20, SYN | ACK, ISS, synack_ack, vec![mss()], 0);
        t.out(30, ACK | PSH | FIN, ISS + 1, synack_ack, vec![], 100);
        t.inb(40, ACK, IRS + 12, ISS + 102, vec![], 0);
        t.findings(2_000)
    };
    clean(&run(OracleProfile::rfc9293(), vec![mss(), cookie()], IRS + 12));
    // Without the option, only Linux's cookie-less mode takes them.
    clean(&run(OracleProfile::linux(), vec![mss()], IRS + 12));
    caught(&run(OracleProfile::rfc9293(), vec![mss()], IRS + 12), "a SYN's FIN acknowledged in the SYN-ACK without Fast Open");
    // Past the FIN.
    caught(&run(OracleProfile::rfc9293(), vec![mss(), cookie()], IRS + 13), "a SYN-ACK acknowledging past the SYN's FIN");
}

/// RFC 7413 §4.2.2: a SYN (or a Fast Open SYN-ACK) retransmitted on its timer SHOULD carry
/// neither data nor the Fast Open option — advice, never a violation.
#[test]
fn a_fast_open_retransmission_should_drop_data_and_option() {
    let client = |again: Vec<TcpOption>, len: usize| {
        let mut t = Feed::new(OracleProfile::linux());
        t.out(0, SYN, ISS, 0, vec![mss(), cookie()], 10);
        t.out(1_000, SYN, ISS, 0, again, len);
        t.findings(1_500)
    };
    let advice = |f: &[Finding]| f.iter().filter(|f| f.severity == Severity::Advisory).count();
    let f = client(vec![mss()], 0);
    clean(&f);
    assert_eq!(advice(&f), 0, "{f:#?}");
    let f = client(vec![mss(), cookie()], 10);
    clean(&f);
    assert_eq!(advice(&f), 1, "{f:#?}");

    let server = |again: Vec<TcpOption>| {
        let mut t = Feed::new(OracleProfile::linux());
        t.listener();
        t.inb(10, SYN, IRS, 0, vec![mss(), TcpOption::FastOpen(vec![])], 0);
        t.out(10, SYN | ACK, ISS, IRS + 1, vec![mss(), cookie()], 0);
        t.out(1_010, SYN | ACK, ISS, IRS + 1, again, 0);
        t.findings(1_500)
    };
    let f = server(vec![mss()]);
    clean(&f);
    assert_eq!(advice(&f), 0, "{f:#?}");
    let f = server(vec![mss(), cookie()]);
    clean(&f);
    assert_eq!(advice(&f), 1, "{f:#?}");
}

/// §4.2.2 step 1: with FastOpenEnabled false the text is not taken. Unknown by default; a
/// trace shows it off when every Linux `tcp_fastopen` setting lacks the server bit 0x2.
#[test]
fn a_listener_with_fast_open_off_takes_no_text() {
    let with = |sysctls: &[&str]| {
        let mut p = OracleProfile::linux();
        for v in sysctls {
            p.apply_sysctl("/proc/sys/net/ipv4/tcp_fastopen", v);
        }
        p
    };
    for on in [&[][..], &["0x30403"], &["2"], &["0x1", "0x202"]] {
        clean(&server_takes_text(with(on), IRS + 11, |_| {}));
    }
    for off in [&["0x1"][..], &["0"], &["5", "0x400"]] {
        caught(&server_takes_text(with(off), IRS + 11, |_| {}), "a SYN-ACK acknowledging the text with Fast Open off");
        clean(&server_takes_text(with(off), IRS + 1, |_| {}));
    }
}
