//! Hand-built traces for oracle tests: segments between the stack (192.0.2.1:8080, ISS 1000)
//! and a peer (198.51.100.2:40000, IRS 5000), fed one by one to a [`Checker`] at times in ms.
//! Shared by `oracle_fuzz_findings` and `oracle_tfo` (each uses part of it).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;
use synack::oracle::{Checker, Finding, OracleProfile, Severity};
use synack::trace::{SocketCall, SocketOp};
use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::{Errno, SeqNum};

pub const STACK: &str = "192.0.2.1:8080";
pub const PEER: &str = "198.51.100.2:40000";
pub const ISS: u32 = 1000;
pub const IRS: u32 = 5000;

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// An IP packet `from` → `to` with `len` octets of text and a window of 65535.
pub fn segment(from: &str, to: &str, flags: TcpFlags, seq: u32, ack: u32, options: Vec<TcpOption>, len: usize) -> Vec<u8> {
    let (src, dst) = (addr(from), addr(to));
    let seg = TcpSegment {
        src_port: src.port(),
        dst_port: dst.port(),
        seq: SeqNum::new(seq),
        ack: SeqNum::new(ack),
        flags,
        window: 65535,
        urgent: 0,
        options,
        payload: vec![0x5a; len],
    };
    TcpPacket::new(src, dst, seg).unwrap().emit().unwrap()
}

/// The packet `bytes` (from [`segment`]) advertising `window` instead.
pub fn with_window(bytes: &[u8], window: u16) -> Vec<u8> {
    let mut p = TcpPacket::parse(bytes).unwrap().packet;
    p.tcp.window = window;
    p.emit().unwrap()
}

/// A trace fed event by event: inbound (to the stack) or outbound (from it), at times in ms.
pub struct Feed {
    pub checker: Checker,
    event: usize,
}

impl Feed {
    pub fn new(profile: OracleProfile) -> Feed {
        Feed { checker: Checker::new(profile), event: 0 }
    }

    pub fn packet(&mut self, ms: u64, bytes: &[u8], outbound: bool) {
        self.event += 1;
        self.checker.packet(self.event, Duration::from_millis(ms), bytes, outbound).expect("a TCP segment");
    }

    /// From the peer, with options.
    pub fn inb(&mut self, ms: u64, flags: TcpFlags, seq: u32, ack: u32, opts: Vec<TcpOption>, len: usize) {
        self.packet(ms, &segment(PEER, STACK, flags, seq, ack, opts, len), false);
    }

    /// From the stack, with options.
    pub fn out(&mut self, ms: u64, flags: TcpFlags, seq: u32, ack: u32, opts: Vec<TcpOption>, len: usize) {
        self.packet(ms, &segment(STACK, PEER, flags, seq, ack, opts, len), true);
    }

    pub fn inbound(&mut self, ms: u64, flags: TcpFlags, seq: u32, ack: u32, len: usize) {
        self.inb(ms, flags, seq, ack, vec![], len);
    }

    pub fn outbound(&mut self, ms: u64, flags: TcpFlags, seq: u32, ack: u32, len: usize) {
        self.out(ms, flags, seq, ack, vec![], len);
    }

    /// A socket call on `fd` that returned `value` at `ms`.
    pub fn call(&mut self, ms: u64, fd: i32, op: SocketOp, value: i64) {
        self.socket_call(ms, SocketCall { fd, op, started: Duration::from_millis(ms), value, errno: None });
    }

    /// A socket call on `fd` that failed with `errno` at `ms`.
    pub fn fails(&mut self, ms: u64, fd: i32, op: SocketOp, errno: Errno) {
        self.socket_call(ms, SocketCall { fd, op, started: Duration::from_millis(ms), value: -1, errno: Some(errno) });
    }

    fn socket_call(&mut self, ms: u64, c: SocketCall) {
        self.event += 1;
        self.checker.socket_call(self.event, Duration::from_millis(ms), &c);
    }

    /// socket() = 3, bind() to the stack's address, listen().
    pub fn listener(&mut self) {
        self.call(0, 3, SocketOp::Socket, 3);
        self.call(0, 3, SocketOp::Bind { local: addr(STACK) }, 0);
        self.call(0, 3, SocketOp::Listen, 0);
    }

    /// A passive open: SYN, SYN-ACK, ACK (MSS 1460 both ways).
    pub fn established(&mut self) {
        let mss = vec![TcpOption::Mss(1460)];
        self.inb(0, TcpFlags::SYN, IRS, 0, mss.clone(), 0);
        self.out(0, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
        self.inbound(1, TcpFlags::ACK, IRS + 1, ISS + 1, 0);
    }

    /// A simultaneous open up to SYN-RECEIVED: connect(), our SYN at 0 ms, the peer's SYN
    /// (`peer_syn`: SYN, with a FIN or not) at 1 ms and our SYN-ACK to it (MSS 1460 throughout).
    pub fn simultaneous_open(&mut self, peer_syn: TcpFlags) {
        let mss = vec![TcpOption::Mss(1460)];
        self.checker.user_call(Duration::ZERO, "connect(3, ...)");
        self.out(0, TcpFlags::SYN, ISS, 0, mss.clone(), 0);
        self.inb(1, peer_syn, IRS, 0, mss.clone(), 0);
        self.out(1, TcpFlags::SYN | TcpFlags::ACK, ISS, IRS + 1, mss, 0);
    }

    /// Every finding, once the trace has ended at `end_ms`.
    pub fn findings(self, end_ms: u64) -> Vec<Finding> {
        self.checker.finish(Duration::from_millis(end_ms))
    }

    /// The violations among [`Feed::findings`].
    pub fn violations(self, end_ms: u64) -> Vec<Finding> {
        self.findings(end_ms).into_iter().filter(|f| f.severity == Severity::Violation).collect()
    }
}
