//! Fixtures per state for the ladder matrix: a connection brought to one of the states of
//! §3.10.7.4 (or to SYN-SENT), with the numbers the peer needs to talk to it — RCV.NXT in the
//! peer's sequence space, SND.UNA/SND.NXT in ours, the right edge of the window we offered —
//! and helpers that assert a reply field by field and the decisions the stack recorded.
#![allow(dead_code)]

use crate::ladder::{self, *};
use std::time::Duration;
use synack_stack::decision::{Check, TimerKind};
use synack_stack::wire::{TcpFlags, TcpOption, TcpSegment};
use synack_stack::{Config, Domain, Errno, Fd, SeqNum, Shutdown, SockOpt, State, Step};

/// The steps of §3.10.7.4, by the RFC's ordinal.
pub const SEQ: Step = Step::Other(Check::Sequence);
pub const RST: Step = Step::Other(Check::Rst);
pub const SYN: Step = Step::Other(Check::Syn);
pub const ACK: Step = Step::Other(Check::Ack);
pub const URG: Step = Step::Other(Check::Urg);
pub const TEXT: Step = Step::Other(Check::Text);
pub const FIN: Step = Step::Other(Check::Fin);

pub fn timer(kind: TimerKind) -> Step {
    Step::Timeout(kind)
}

pub const U: TcpFlags = TcpFlags::URG;

/// One recorded decision, as the tests compare it: (state, step, state afterwards).
pub type Row = (State, Step, Option<State>);

/// Where a fixture leaves the connection. `SynReceived` comes from a passive OPEN (the
/// listener's SYN queue, no descriptor yet); `SynReceivedActive` from a simultaneous open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum At {
    SynSent,
    SynReceived,
    SynReceivedActive,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl At {
    /// The states of §3.10.7.4 ("Otherwise"), SYN-RECEIVED from a passive OPEN.
    pub const OTHER: [At; 8] = [
        At::SynReceived,
        At::Established,
        At::FinWait1,
        At::FinWait2,
        At::CloseWait,
        At::Closing,
        At::LastAck,
        At::TimeWait,
    ];
    /// The synchronized states (§3.5.2 group 3).
    pub const SYNCHRONIZED: [At; 7] =
        [At::Established, At::FinWait1, At::FinWait2, At::CloseWait, At::Closing, At::LastAck, At::TimeWait];
    /// Where the text of a segment is taken (§3.10.7.4 seventh).
    pub const RECEIVING: [At; 3] = [At::Established, At::FinWait1, At::FinWait2];
    /// After the peer's FIN: text and URG are ignored.
    pub const PEER_CLOSED: [At; 4] = [At::CloseWait, At::Closing, At::LastAck, At::TimeWait];

    pub fn state(self) -> State {
        match self {
            At::SynSent => State::SynSent,
            At::SynReceived | At::SynReceivedActive => State::SynReceived,
            At::Established => State::Established,
            At::FinWait1 => State::FinWait1,
            At::FinWait2 => State::FinWait2,
            At::CloseWait => State::CloseWait,
            At::Closing => State::Closing,
            At::LastAck => State::LastAck,
            At::TimeWait => State::TimeWait,
        }
    }
}

/// The rfc9293 profile without timestamps, SACK, window scaling or delayed ACKs, so that
/// every reply is a plain segment sent at once.
pub fn rfc_config() -> Config {
    let mut c = Config::rfc9293();
    c.timestamps = false;
    c.sack = false;
    c.window_scaling = false;
    c.delayed_ack_enabled = false;
    c
}

/// A passive open with SACK-permitted exchanged (RFC 2018 §2) and the peer's MSS `mss`, on
/// `config` with SACK switched on: the ladder and the accepted descriptor, in ESTABLISHED.
pub fn sack_established(mut config: Config, mss: u16) -> (Ladder, synack_stack::Fd) {
    config.sack = true;
    let mut t = Ladder::new(config);
    let l = t.listen();
    t.inject(seg().flags(S).opts(vec![TcpOption::Mss(mss), TcpOption::NoOp, TcpOption::NoOp, TcpOption::SackPermitted]));
    let synack = t.sent();
    assert_eq!(synack.options, vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::NoOp, TcpOption::SackPermitted]);
    t.iss = synack.seq;
    t.inject(seg().flags(A).seq(1).ack_abs(t.our(1)));
    let (fd, _) = t.stack.accept(l).unwrap();
    (t, fd)
}

/// The linux profile without timestamps, SACK and window scaling (delayed ACKs as Linux).
pub fn linux_config() -> Config {
    let mut c = Config::linux();
    c.timestamps = false;
    c.sack = false;
    c.window_scaling = false;
    c
}

/// A connection in a known state, and what the peer knows of it.
pub struct Conn {
    pub t: Ladder,
    pub at: At,
    /// The connection's descriptor (none for a passive SYN-RECEIVED: not accepted yet).
    pub fd: Option<Fd>,
    pub listener: Option<Fd>,
    /// RCV.NXT, relative to the peer's ISS.
    pub rcv_nxt: u32,
    /// SND.UNA and SND.NXT, relative to our ISS.
    pub snd_una: u32,
    pub snd_nxt: u32,
    /// RCV.NXT + RCV.WND as last advertised (it never moves left, SHLD-14).
    pub right_edge: SeqNum,
}

/// Options for building a fixture.
#[derive(Clone)]
pub struct Setup {
    pub config: Config,
    /// SO_RCVBUF of the listener (or connecting socket).
    pub rcvbuf: Option<u32>,
    /// Keep the descriptor (shutdown(SHUT_WR)) or close it (an orphaned connection) for the
    /// states reached by our CLOSE.
    pub orphan: bool,
    /// Octets the peer sends in ESTABLISHED, unread, before the walk to the target state.
    pub fill: u32,
}

impl Setup {
    pub fn new(config: Config) -> Self {
        Setup { config, rcvbuf: None, orphan: false, fill: 0 }
    }
    pub fn rcvbuf(mut self, n: u32) -> Self {
        self.rcvbuf = Some(n);
        self
    }
    pub fn fill(mut self, n: u32) -> Self {
        self.fill = n;
        self
    }
    pub fn orphan(mut self) -> Self {
        self.orphan = true;
        self
    }
    pub fn at(self, at: At) -> Conn {
        Conn::build(self, at)
    }
}

/// A fixture on the plain rfc9293 profile.
pub fn rfc(at: At) -> Conn {
    Setup::new(rfc_config()).at(at)
}

/// A fixture on the plain linux profile.
pub fn linux(at: At) -> Conn {
    Setup::new(linux_config()).at(at)
}

impl Conn {
    fn build(setup: Setup, at: At) -> Conn {
        let t = Ladder::new(setup.config.clone());
        let mut c = Conn { t, at, fd: None, listener: None, rcv_nxt: 0, snd_una: 0, snd_nxt: 0, right_edge: SeqNum::new(0) };
        match at {
            At::SynSent | At::SynReceivedActive => {
                let fd = c.t.stack.socket(Domain::Inet).unwrap();
                if let Some(n) = setup.rcvbuf {
                    c.t.stack.setsockopt(fd, SockOpt::RcvBuf(n)).unwrap();
                }
                c.t.stack.bind(fd, c.t.local).unwrap();
                assert_eq!(c.t.stack.connect(fd, c.t.remote), Err(Errno::EINPROGRESS));
                let syn = c.t.sent();
                assert_eq!(syn.flags, S);
                c.t.iss = syn.seq;
                c.fd = Some(fd);
                c.snd_nxt = 1;
                if at == At::SynReceivedActive {
                    // The peer's SYN crosses ours: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
                    c.t.inject(ladder::seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
                    let synack = c.t.sent();
                    assert_eq!((synack.flags, synack.seq, synack.ack), (S | A, c.t.our(0), Ladder::peer(1)));
                    c.rcv_nxt = 1;
                    c.right_edge = Ladder::peer(1) + u32::from(synack.window);
                }
            }
            At::SynReceived => c.passive_syn_received(&setup),
            At::Established
            | At::FinWait1
            | At::FinWait2
            | At::CloseWait
            | At::Closing
            | At::LastAck
            | At::TimeWait => {
                c.passive_syn_received(&setup);
                c.t.inject(ladder::seg().flags(A).seq(1).ack_abs(c.t.our(1)));
                c.t.sent_nothing();
                let (fd, _) = c.t.stack.accept(c.listener.unwrap()).unwrap();
                c.fd = Some(fd);
                c.snd_una = 1;
                if setup.fill > 0 {
                    c.peer_sends(&vec![b'f'; setup.fill as usize]);
                }
                c.walk_from_established(at, setup.orphan);
            }
        }
        assert_eq!(c.state(), at.state(), "fixture for {at:?}");
        c.t.stack.take_decisions();
        c
    }

    fn passive_syn_received(&mut self, setup: &Setup) {
        let l = self.t.stack.socket(Domain::Inet).unwrap();
        if let Some(n) = setup.rcvbuf {
            self.t.stack.setsockopt(l, SockOpt::RcvBuf(n)).unwrap();
        }
        self.t.stack.bind(l, self.t.local).unwrap();
        self.t.stack.listen(l, 16).unwrap();
        self.t.inject(ladder::seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
        let synack = self.t.sent();
        assert_eq!((synack.flags, synack.ack), (S | A, Ladder::peer(1)));
        self.t.iss = synack.seq;
        self.listener = Some(l);
        self.rcv_nxt = 1;
        self.snd_nxt = 1;
        self.right_edge = Ladder::peer(1) + u32::from(synack.window);
    }

    /// ESTABLISHED → the target state, by the shortest walk of Figure 5.
    fn walk_from_established(&mut self, at: At, orphan: bool) {
        let close = |c: &mut Conn| {
            let fd = c.fd.unwrap();
            if orphan {
                c.t.stack.close(fd).unwrap();
                c.fd = None;
            } else {
                c.t.stack.shutdown(fd, Shutdown::Write).unwrap();
            }
            let fin = c.t.sent();
            assert_eq!((fin.flags, fin.seq), (F | A, c.t.our(c.snd_nxt)));
            c.snd_nxt += 1;
        };
        let peer_fin = |c: &mut Conn, ack_ours: bool| {
            let ack = if ack_ours { c.snd_nxt } else { c.snd_una };
            c.t.inject(ladder::seg().flags(F | A).seq(c.rcv_nxt).ack_abs(c.t.our(ack)));
            c.rcv_nxt += 1;
            if ack_ours {
                c.snd_una = c.snd_nxt;
            }
            c.expect_ack();
        };
        match at {
            At::Established => {}
            At::FinWait1 => close(self),
            At::FinWait2 => {
                close(self);
                self.ack_our_fin();
            }
            At::CloseWait => peer_fin(self, false),
            At::Closing => {
                close(self);
                peer_fin(self, false);
            }
            At::LastAck => {
                peer_fin(self, false);
                close(self);
            }
            At::TimeWait => {
                close(self);
                self.ack_our_fin();
                peer_fin(self, true);
            }
            At::SynSent | At::SynReceived | At::SynReceivedActive => unreachable!("not reached from ESTABLISHED"),
        }
    }

    fn ack_our_fin(&mut self) {
        self.t.inject(ladder::seg().flags(A).seq(self.rcv_nxt).ack_abs(self.t.our(self.snd_nxt)));
        self.t.sent_nothing();
        self.snd_una = self.snd_nxt;
    }

    // ---- looking at the connection ----

    /// The state of this 4-tuple's connection (CLOSED once it is gone).
    pub fn state(&self) -> State {
        let (local, remote) = (self.t.local, self.t.remote);
        self.t
            .stack
            .connections()
            .filter(|c| c.local == local && c.remote == remote && c.state != State::Closed)
            .map(|c| c.state)
            .next()
            .unwrap_or(State::Closed)
    }

    pub fn fd(&self) -> Fd {
        self.fd.unwrap_or_else(|| panic!("{:?}: no descriptor", self.at))
    }

    /// The peer's segment "as it would send it now", at RCV.NXT. Its ACK field is SND.UNA —
    /// a peer that has not yet received what is in flight (our FIN stays unacknowledged) —
    /// except before the handshake completes, where it acknowledges our SYN.
    pub fn seg(&self) -> Seg {
        self.seg_at(self.rcv_nxt)
    }

    /// As [`Conn::seg`] at another sequence number (relative to the peer's ISS; may wrap
    /// below it).
    pub fn seg_at(&self, rel: u32) -> Seg {
        let ack = if self.snd_una == 0 { self.snd_nxt } else { self.snd_una };
        ladder::seg().flags(A).seq(rel).ack_abs(self.t.our(ack))
    }

    /// What RCV.WND is now, as the peer sees it.
    pub fn rcv_wnd(&self) -> u32 {
        self.right_edge.since(Ladder::peer(self.rcv_nxt)).max(0) as u32
    }

    /// Injects `s` and returns the decisions it led to.
    pub fn arrive(&mut self, s: Seg) -> Vec<Row> {
        self.t.stack.take_decisions();
        self.t.inject(s);
        self.rows()
    }

    /// The decisions recorded since the last look.
    pub fn rows(&mut self) -> Vec<Row> {
        self.t.stack.take_decisions().into_iter().map(|d| (d.state, d.step, d.next_state)).collect()
    }

    /// Advances virtual time and returns the decisions taken on the way.
    pub fn wait(&mut self, d: Duration) -> Vec<Row> {
        self.t.stack.take_decisions();
        self.t.advance(d);
        self.rows()
    }

    // ---- replies, field by field ----

    /// `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` with the window we offer, nothing else.
    #[track_caller]
    pub fn expect_ack(&mut self) -> TcpSegment {
        let (seq, ack) = (self.t.our(self.snd_nxt), Ladder::peer(self.rcv_nxt));
        self.expect(A, seq, ack, 0)
    }

    /// A segment from us with these flags, SEQ, ACK and payload length; the window the
    /// right edge implies when ACK is set, zero otherwise; no urgent pointer, no options.
    #[track_caller]
    pub fn expect(&mut self, flags: TcpFlags, seq: SeqNum, ack: SeqNum, len: usize) -> TcpSegment {
        let s = self.t.sent();
        let at = self.at;
        assert_eq!(s.flags, flags, "{at:?}: flags of {s:?}");
        assert_eq!(s.seq, seq, "{at:?}: SEG.SEQ of {s:?}");
        if flags.ack() {
            assert_eq!(s.ack, ack, "{at:?}: SEG.ACK of {s:?}");
        } else {
            assert_eq!(s.ack, SeqNum::new(0), "{at:?}: SEG.ACK of {s:?} without the ACK bit");
        }
        match (flags.ack(), flags.rst()) {
            (true, false) => {
                let wnd = self.right_edge.since(s.ack).max(0) as u32;
                assert_eq!(u32::from(s.window), wnd.min(65535), "{at:?}: SEG.WND of {s:?} (right edge {:?})", self.right_edge);
            }
            (false, true) => assert_eq!(s.window, 0, "{at:?}: window of {s:?}"),
            // A SYN's window is the initial one; the tests about SYNs look at it.
            (false, false) => {}
            // A RST,ACK's window is not looked at by anyone (the connection is gone).
            (true, true) => {}
        }
        assert_eq!(s.urgent, 0, "{at:?}: urgent pointer of {s:?}");
        if !flags.syn() {
            // A SYN's options are the tests' own business (MSS at least).
            assert_eq!(s.options, vec![], "{at:?}: options of {s:?}");
        }
        assert_eq!(s.payload.len(), len, "{at:?}: payload of {s:?}");
        s
    }

    /// `<SEQ=seq><CTL=RST>`: no ACK, zero window, nothing else.
    #[track_caller]
    pub fn expect_rst(&mut self, seq: SeqNum) {
        self.expect(R, seq, SeqNum::new(0), 0);
    }

    #[track_caller]
    pub fn expect_nothing(&mut self) {
        let at = self.at;
        if let Some(bytes) = self.t.stack.poll_transmit() {
            let p = synack_stack::wire::TcpPacket::parse(&bytes).map(|p| p.packet.tcp);
            panic!("{at:?}: expected silence, the stack sent {p:?}");
        }
    }

    #[track_caller]
    pub fn expect_state(&self, want: State) {
        assert_eq!(self.state(), want, "{:?}: state", self.at);
    }

    /// The error the application sees next (SO_ERROR), if any.
    pub fn so_error(&mut self) -> i64 {
        match self.t.stack.getsockopt(self.fd(), synack_stack::SockOptName::Error).unwrap() {
            synack_stack::SockOptValue::Int(v) => v,
            other => panic!("SO_ERROR gave {other:?}"),
        }
    }

    /// Sends `data` from the application and checks the segment carrying it.
    #[track_caller]
    pub fn send_data(&mut self, data: &[u8]) {
        let fd = self.fd();
        assert_eq!(self.t.stack.send(fd, data), Ok(data.len()));
        let (seq, ack) = (self.t.our(self.snd_nxt), Ladder::peer(self.rcv_nxt));
        self.expect(A | P, seq, ack, data.len());
        self.snd_nxt += data.len() as u32;
    }

    /// The peer sends `data` in order; the stack ACKs it at once (no delayed ACKs in the
    /// plain profiles' fixtures); the right edge stays (the gain is under one MSS).
    #[track_caller]
    pub fn peer_sends(&mut self, data: &[u8]) {
        let s = self.seg().flags(A | P).data(data);
        self.t.inject(s);
        self.rcv_nxt += data.len() as u32;
        self.expect_ack();
    }
}

/// Asserts the decisions, in order.
#[track_caller]
pub fn assert_rows(at: At, got: &[Row], want: &[Row]) {
    assert_eq!(got, want, "{at:?}: decisions");
}
