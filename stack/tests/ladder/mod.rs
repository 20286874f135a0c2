//! Ladder-diagram fixtures: the test plays the remote peer. It injects segments built from a
//! template and asserts, field by field, the segments the stack under test sends back.
//! Sequence numbers in `Seg` are absolute; `Ladder::iss` is the stack's ISS, learned from
//! its SYN or SYN-ACK, and `PEER_ISS` is the peer's.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;
use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::{Config, Domain, Fd, Instant, SeqNum, Stack, State};

pub const PEER_ISS: u32 = 1_000_000;
pub const LOCAL: &str = "192.0.2.1:8080";
pub const REMOTE: &str = "198.51.100.2:40000";

pub struct Ladder {
    pub stack: Stack,
    pub now: Instant,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The stack's ISS, once seen.
    pub iss: SeqNum,
}

/// A segment template from the peer: `seg().flags(S).seq(n)…`.
#[derive(Clone, Debug)]
pub struct Seg(pub TcpSegment);

pub fn seg() -> Seg {
    Seg(TcpSegment {
        src_port: 40000,
        dst_port: 8080,
        seq: SeqNum::new(PEER_ISS),
        window: 65535,
        ..TcpSegment::default()
    })
}

pub const S: TcpFlags = TcpFlags::SYN;
pub const A: TcpFlags = TcpFlags::ACK;
pub const F: TcpFlags = TcpFlags::FIN;
pub const R: TcpFlags = TcpFlags::RST;
pub const P: TcpFlags = TcpFlags::PSH;

impl Seg {
    pub fn flags(mut self, f: TcpFlags) -> Self {
        self.0.flags = f;
        self
    }
    /// SEG.SEQ relative to the peer's ISS.
    pub fn seq(mut self, rel: u32) -> Self {
        self.0.seq = SeqNum::new(PEER_ISS) + rel;
        self
    }
    /// SEG.ACK as an absolute number.
    pub fn ack_abs(mut self, ack: SeqNum) -> Self {
        self.0.ack = ack;
        self.0.flags = self.0.flags | TcpFlags::ACK;
        self
    }
    pub fn win(mut self, w: u16) -> Self {
        self.0.window = w;
        self
    }
    pub fn data(mut self, bytes: &[u8]) -> Self {
        self.0.payload = bytes.to_vec();
        self
    }
    /// SEG.UP (the URG bit is set separately, with `flags`).
    pub fn urgent(mut self, up: u16) -> Self {
        self.0.urgent = up;
        self
    }
    pub fn opts(mut self, o: Vec<TcpOption>) -> Self {
        self.0.options = o;
        self
    }
    pub fn ports(mut self, src: u16, dst: u16) -> Self {
        self.0.src_port = src;
        self.0.dst_port = dst;
        self
    }
}

impl Ladder {
    pub fn new(config: Config) -> Self {
        let local: SocketAddr = LOCAL.parse().unwrap();
        let mut stack = Stack::new(config, 7);
        stack.add_local_addr(local.ip());
        let now = Instant::from_millis(1000);
        stack.advance(now);
        Ladder { stack, now, local, remote: REMOTE.parse().unwrap(), iss: SeqNum::new(0) }
    }

    /// A config without timestamps/SACK/WS so that plain segments are easy to read.
    pub fn plain() -> Self {
        Ladder::plain_with(Config::rfc9293())
    }

    /// `c` without timestamps, SACK, window scaling or delayed ACKs (plain segments, replies
    /// at once).
    pub fn plain_with(mut c: Config) -> Self {
        c.timestamps = false;
        c.sack = false;
        c.window_scaling = false;
        c.delayed_ack_enabled = false;
        Ladder::new(c)
    }

    /// SEG.ACK for the stack's sequence space, relative to its ISS.
    pub fn our(&self, rel: u32) -> SeqNum {
        self.iss + rel
    }

    pub fn peer(rel: u32) -> SeqNum {
        SeqNum::new(PEER_ISS) + rel
    }

    pub fn inject(&mut self, s: Seg) {
        let packet = TcpPacket::new(self.remote, self.local, s.0).expect("valid test packet");
        let bytes = packet.emit().expect("encodable");
        self.stack.handle_packet(self.now, &bytes);
    }

    /// The next segment the stack sent.
    #[track_caller]
    pub fn sent(&mut self) -> TcpSegment {
        let bytes = self.stack.poll_transmit().unwrap_or_else(|| panic!("expected a segment, the stack sent nothing"));
        let parsed = TcpPacket::parse(&bytes).expect("stack emits parseable packets");
        assert!(parsed.tcp_checksum_ok, "stack emitted a bad checksum");
        assert_eq!(parsed.packet.src(), self.local);
        assert_eq!(parsed.packet.dst(), self.remote);
        parsed.packet.tcp
    }

    #[track_caller]
    pub fn sent_nothing(&mut self) {
        if let Some(bytes) = self.stack.poll_transmit() {
            let p = TcpPacket::parse(&bytes).map(|p| p.packet.tcp);
            panic!("expected silence, the stack sent {p:?}");
        }
    }

    /// Advances virtual time by `d`, firing every timer due on the way.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(t) = self.stack.poll_timeout().filter(|t| *t <= end) {
            self.now = t.max(self.now);
            self.stack.handle_timeout(self.now);
        }
        self.now = end;
        self.stack.advance(end);
    }

    pub fn listen(&mut self) -> Fd {
        let fd = self.stack.socket(Domain::Inet).unwrap();
        self.stack.bind(fd, self.local).unwrap();
        self.stack.listen(fd, 16).unwrap();
        fd
    }

    /// LISTEN → SYN-RECEIVED: returns the listener fd and checks the SYN-ACK.
    #[track_caller]
    pub fn syn_received(&mut self) -> Fd {
        let l = self.listen();
        self.inject(seg().flags(S).opts(vec![TcpOption::Mss(1460)]));
        let synack = self.sent();
        assert_eq!(synack.flags, S | A);
        assert_eq!(synack.ack, Ladder::peer(1));
        self.iss = synack.seq;
        l
    }

    /// A passive open through to ESTABLISHED: returns (listener, accepted fd).
    #[track_caller]
    pub fn established_passive(&mut self) -> (Fd, Fd) {
        let l = self.syn_received();
        self.inject(seg().flags(A).seq(1).ack_abs(self.our(1)));
        self.sent_nothing();
        let (fd, peer) = self.stack.accept(l).unwrap();
        assert_eq!(peer, self.remote);
        assert_eq!(self.stack.state(fd).unwrap(), State::Established);
        (l, fd)
    }

    /// An active open to SYN-SENT: returns the fd; the SYN is checked.
    #[track_caller]
    pub fn syn_sent(&mut self) -> Fd {
        let fd = self.stack.socket(Domain::Inet).unwrap();
        self.stack.bind(fd, self.local).unwrap();
        assert_eq!(self.stack.connect(fd, self.remote), Err(synack_stack::Errno::EINPROGRESS));
        let syn = self.sent();
        assert_eq!(syn.flags, S);
        assert_eq!((syn.src_port, syn.dst_port), (8080, 40000));
        self.iss = syn.seq;
        fd
    }

    /// An active open through to ESTABLISHED.
    #[track_caller]
    pub fn established_active(&mut self) -> Fd {
        let fd = self.syn_sent();
        self.inject(seg().flags(S | A).ack_abs(self.our(1)).opts(vec![TcpOption::Mss(1460)]));
        let ack = self.sent();
        assert_eq!(ack.flags, A);
        assert_eq!((ack.seq, ack.ack), (self.our(1), Ladder::peer(1)));
        assert_eq!(self.stack.connect_result(fd), Some(Ok(())));
        fd
    }
}

/// Asserts the fields of a sent segment: flags, seq and ack relative to the ISSs.
#[track_caller]
pub fn check(seg: &TcpSegment, flags: TcpFlags, seq: SeqNum, ack: Option<SeqNum>, payload_len: usize) {
    assert_eq!(seg.flags, flags, "flags of {seg:?}");
    assert_eq!(seg.seq, seq, "SEG.SEQ of {seg:?}");
    if let Some(ack) = ack {
        assert_eq!(seg.ack, ack, "SEG.ACK of {seg:?}");
    }
    assert_eq!(seg.payload.len(), payload_len, "payload length of {seg:?}");
}
