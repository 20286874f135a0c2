//! The normalized trace text: exact lines for hand-built traces (each worked out from the
//! format's rules), invariance under IP mode, ISN and timestamp clock offset (hand-built and
//! with the reference stack really running), and no panic on any bytes.

use proptest::prelude::*;
use std::net::SocketAddr;
use std::time::Duration;
use synack::mode::IpMode;
use synack::report::snapshot::normalized;
use synack::trace::{Trace, TraceKind};
use synack_stack::decision::Step;
use synack_stack::wire::{IpHeader, TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::{Decision, Domain, Errno, Instant, SeqNum, Stack, State};

const S: TcpFlags = TcpFlags::SYN;
const A: TcpFlags = TcpFlags::ACK;
const F: TcpFlags = TcpFlags::FIN;
const P: TcpFlags = TcpFlags::PSH;
const R: TcpFlags = TcpFlags::RST;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn seg(flags: TcpFlags, seq: u32, ack: u32, window: u16) -> TcpSegment {
    TcpSegment {
        seq: SeqNum::new(seq),
        ack: SeqNum::new(ack),
        flags,
        window,
        ..TcpSegment::default()
    }
}

fn with(mut s: TcpSegment, options: Vec<TcpOption>, payload: &[u8]) -> TcpSegment {
    s.options = options;
    s.payload = payload.to_vec();
    s
}

fn bytes(src: SocketAddr, dst: SocketAddr, s: TcpSegment) -> Vec<u8> {
    TcpPacket::new(src, dst, s).unwrap().emit().unwrap()
}

fn ts(tsval: u32, tsecr: u32) -> TcpOption {
    TcpOption::Timestamps { tsval, tsecr }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The endpoints of a run in `mode`: (the stack's, the script's peer).
fn endpoints(mode: IpMode) -> (SocketAddr, SocketAddr) {
    let (local, remote) = mode.default_addresses();
    (SocketAddr::new(local, 8080), SocketAddr::new(remote, 40000))
}

/// A passive open, data each way, a SACK and a reset, with the peer's ISN and TSval clock
/// at `peer` and the stack's at `stack` (each: (ISN, first TSval)).
fn passive_open(mode: IpMode, peer: (u32, u32), stack: (u32, u32)) -> Trace {
    let (local, remote) = endpoints(mode);
    let (p, q) = (peer.0, stack.0);
    let (pt, qt) = (peer.1, stack.1);
    let mut t = Trace::new("passive.pkt", "hand", mode);
    let call = "socket(..., SOCK_STREAM, IPPROTO_TCP)".to_string();
    t.push(
        ms(0),
        Some(1),
        TraceKind::SyscallStart { call: call.clone() },
    );
    t.push(
        ms(0),
        Some(1),
        TraceKind::SyscallReturn {
            call,
            value: 3,
            errno: None,
        },
    );
    let syn_opts = vec![
        TcpOption::Mss(1460),
        TcpOption::SackPermitted,
        ts(pt, 0),
        TcpOption::NoOp,
        TcpOption::WindowScale(7),
    ];
    let inb = |s| TraceKind::Inbound(bytes(remote, local, s));
    let out = |s| TraceKind::Outbound(bytes(local, remote, s));
    t.push(
        ms(100),
        Some(4),
        inb(with(seg(S, p, 0, 65535), syn_opts, b"")),
    );
    let synack_opts = vec![
        TcpOption::Mss(1460),
        TcpOption::SackPermitted,
        ts(qt, pt),
        TcpOption::NoOp,
        TcpOption::WindowScale(7),
    ];
    t.push(
        ms(100),
        None,
        out(with(
            seg(S | A, q, p.wrapping_add(1), 65160),
            synack_opts,
            b"",
        )),
    );
    let nop_ts = |val, ecr| vec![TcpOption::NoOp, TcpOption::NoOp, ts(val, ecr)];
    t.push(
        ms(200),
        Some(5),
        inb(with(
            seg(A, p.wrapping_add(1), q.wrapping_add(1), 502),
            nop_ts(pt.wrapping_add(10), qt),
            b"",
        )),
    );
    t.push(
        ms(200),
        None,
        TraceKind::State {
            fd: 4,
            state: State::Established,
        },
    );
    let data = with(
        seg(P | A, q.wrapping_add(1), p.wrapping_add(1), 502),
        nop_ts(qt.wrapping_add(200), pt.wrapping_add(10)),
        b"0123456789",
    );
    t.push(ms(300), Some(6), out(data));
    let mut sack = nop_ts(pt.wrapping_add(20), qt.wrapping_add(200));
    sack.extend([
        TcpOption::NoOp,
        TcpOption::NoOp,
        TcpOption::Sack(vec![(q.wrapping_add(21), q.wrapping_add(31))]),
    ]);
    t.push(
        ms(350),
        Some(7),
        inb(with(
            seg(A, p.wrapping_add(1), q.wrapping_add(11), 502),
            sack,
            b"",
        )),
    );
    t.push(
        ms(1500),
        Some(8),
        inb(seg(F | A, p.wrapping_add(1), q.wrapping_add(11), 502)),
    );
    t.push(ms(1500), None, out(seg(R, q.wrapping_add(11), 0, 0)));
    t
}

/// The lines of `passive_open`, worked out by hand from the format: sequence numbers from
/// each direction's SYN, acks and SACK blocks from the other side's, TSvals from each side's
/// first, TSecr from the other side's first (absolute `0` in the first SYN).
const PASSIVE_OPEN: &str = "\
0.000000 L1 call socket(..., SOCK_STREAM, IPPROTO_TCP)
0.000000 L1 return socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0.100000 L4 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val +0 ecr 0,nop,wscale 7>
0.100000 L- > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val +0 ecr +0,nop,wscale 7>
0.200000 L5 < . 1:1(0) ack 1 win 502 <nop,nop,TS val +10 ecr +0>
0.200000 L- state fd 4 ESTABLISHED
0.300000 L6 > P. 1:11(10) ack 1 win 502 <nop,nop,TS val +200 ecr +10>
0.350000 L7 < . 1:1(0) ack 11 win 502 <nop,nop,TS val +20 ecr +200,nop,nop,sack 21:31>
1.500000 L8 < F. 1:1(0) ack 11 win 502
1.500000 L- > R 11:11(0) win 0
";

#[test]
fn passive_open_lines() {
    let text = normalized(&passive_open(
        IpMode::Ipv4,
        (1000, 500),
        (7_000_000, 90_000),
    ));
    assert_eq!(text, PASSIVE_OPEN);
}

#[test]
fn same_text_in_every_mode_for_any_isn_and_clock_near_the_wrap() {
    let cases = [
        ((0, 0), (0, 0)),
        ((u32::MAX, u32::MAX - 5), (u32::MAX - 4, u32::MAX)),
        ((123, 1 << 31), (0x8000_0000, 77)),
    ];
    for mode in IpMode::ALL {
        for (peer, stack) in cases {
            assert_eq!(
                normalized(&passive_open(mode, peer, stack)),
                PASSIVE_OPEN,
                "{mode} {peer:?} {stack:?}"
            );
        }
    }
}

proptest! {
    #[test]
    fn same_text_for_random_isns_and_clocks(a in any::<u32>(), b in any::<u32>(), c in any::<u32>(), d in any::<u32>()) {
        for mode in IpMode::ALL {
            prop_assert_eq!(normalized(&passive_open(mode, (a, b), (c, d))), PASSIVE_OPEN);
        }
    }
}

#[test]
fn two_connections_are_numbered_and_mapped_addresses_match_ipv4() {
    let (l1, r1) = (addr("192.0.2.1:8080"), addr("198.51.100.2:40000"));
    let (l2, r2) = (addr("192.0.2.1:8080"), addr("198.51.100.2:40001"));
    let mut t = Trace::new("two.pkt", "hand", IpMode::Ipv4MappedIpv6);
    t.push(
        ms(0),
        Some(1),
        TraceKind::Inbound(bytes(r1, l1, seg(S, 10, 0, 1000))),
    );
    t.push(
        ms(1),
        Some(2),
        TraceKind::Inbound(bytes(r2, l2, seg(S, 5000, 0, 2000))),
    );
    t.push(
        ms(1),
        None,
        TraceKind::Outbound(bytes(l2, r2, seg(S | A, 300, 5001, 3000))),
    );
    t.push(
        ms(2),
        None,
        TraceKind::Outbound(bytes(l1, r1, seg(S | A, 900, 11, 4000))),
    );
    let decision = Decision {
        at: Instant::ZERO,
        local: Some(addr("[::ffff:192.0.2.1]:8080")),
        remote: Some(addr("[::ffff:198.51.100.2]:40001")),
        state: State::Listen,
        step: Step::Listen(3),
        outcome: "SYN → SYN-RECEIVED",
        next_state: Some(State::SynReceived),
    };
    t.push(ms(2), None, TraceKind::Decision(decision.clone()));
    let unknown = Decision {
        local: None,
        remote: None,
        ..decision
    };
    t.push(ms(2), None, TraceKind::Decision(unknown));
    let expected = "\
0.000000 L1 #1 < S 0:0(0) win 1000
0.001000 L2 #2 < S 0:0(0) win 2000
0.001000 L- #2 > S. 0:0(0) ack 1 win 3000
0.002000 L- #1 > S. 0:0(0) ack 1 win 4000
0.002000 L- decision #2 3.10.7.2/3 LISTEN SYN → SYN-RECEIVED [LISTEN → SYN-RECEIVED]
0.002000 L- decision 3.10.7.2/3 LISTEN SYN → SYN-RECEIVED [LISTEN → SYN-RECEIVED]
";
    assert_eq!(normalized(&t), expected);
}

#[test]
fn a_segment_before_the_syn_has_its_own_base_and_a_later_syn_does_not_rebase() {
    let (l, r) = endpoints(IpMode::Ipv4);
    let mut t = Trace::new("t.pkt", "hand", IpMode::Ipv4);
    // A stray ACK to a listener, the RST (at SEG.ACK), then a real handshake, then a SYN
    // in the synchronized state (RFC 5961 §4) with another sequence number.
    t.push(
        ms(0),
        Some(1),
        TraceKind::Inbound(bytes(r, l, seg(A, 40, 777, 100))),
    );
    t.push(
        ms(0),
        None,
        TraceKind::Outbound(bytes(l, r, seg(R, 777, 0, 0))),
    );
    t.push(
        ms(1),
        Some(2),
        TraceKind::Inbound(bytes(r, l, seg(S, 1000, 0, 100))),
    );
    t.push(
        ms(1),
        None,
        TraceKind::Outbound(bytes(l, r, seg(S | A, 5000, 1001, 200))),
    );
    t.push(
        ms(2),
        Some(3),
        TraceKind::Inbound(bytes(r, l, seg(S, 3000, 0, 100))),
    );
    t.push(
        ms(2),
        None,
        TraceKind::Outbound(bytes(l, r, seg(A, 5001, 1001, 200))),
    );
    let expected = "\
0.000000 L1 < . 0:0(0) ack 777 win 100
0.000000 L- > R 0:0(0) win 0
0.001000 L2 < S 0:0(0) win 100
0.001000 L- > S. 0:0(0) ack 1 win 200
0.002000 L3 < S 2000:2000(0) win 100
0.002000 L- > . 1:1(0) ack 1 win 200
";
    assert_eq!(normalized(&t), expected);
}

#[test]
fn flags_options_ecn_and_checksums() {
    let (l, r) = (addr("[2001:db8::1]:80"), addr("[2001:db8::2]:9"));
    let mut t = Trace::new("t.pkt", "hand", IpMode::Ipv6);
    let mut push = |s: TcpSegment| t.push(ms(0), None, TraceKind::Inbound(bytes(r, l, s)));
    push(with(
        seg(F | P | A, 0, 0, 1),
        vec![TcpOption::WindowScale(7)],
        b"ab",
    ));
    push(with(
        seg(TcpFlags::EMPTY, 2, 0, 1),
        vec![TcpOption::SackPermitted],
        b"",
    ));
    push(with(
        seg(S | TcpFlags::ECE | TcpFlags::CWR, 2, 0, 1),
        vec![TcpOption::Unknown {
            kind: 99,
            data: vec![1, 2],
        }],
        b"",
    ));
    let mut urgent = seg(A | TcpFlags::URG, 2, 0, 1);
    urgent.urgent = 5;
    push(with(
        urgent,
        vec![
            TcpOption::FastOpen(vec![]),
            TcpOption::FastOpen(vec![0xab, 0xcd]),
        ],
        b"",
    ));
    push(seg(TcpFlags::from_bits(0x800 | 0x100 | 0x010), 2, 0, 1));
    let expected = "\
0.000000 L- < FP. 0:2(2) ack 0 win 1 <wscale 7,eol>
0.000000 L- < - 2:2(0) win 1 <sackOK,eol>
0.000000 L- < SEW 0:0(0) win 1 <kind 99 0102>
0.000000 L- < .U 0:0(0) ack 0 win 1 urg 5 <FO,FO abcd,eol>
0.000000 L- < .Ar 0:0(0) ack 0 win 1
";
    // The EOL padding octets collapse to one `eol`; the SYN moves the base from the first
    // segment's sequence number to its own.
    assert_eq!(normalized(&t), expected);

    // ECN codepoints (RFC 3168 §5) and checksums, on both IP versions.
    let mut t = Trace::new("t.pkt", "hand", IpMode::Ipv4);
    let (l4, r4) = endpoints(IpMode::Ipv4);
    let mut p4 = TcpPacket::new(r4, l4, seg(A, 0, 0, 1)).unwrap();
    if let IpHeader::V4(h) = &mut p4.ip {
        h.tos = 0b1010_1010; // DSCP bits are ignored; ECN 10 = ECT(0)
    }
    let mut p6 = TcpPacket::new(r, l, seg(A, 0, 0, 1)).unwrap();
    if let IpHeader::V6(h) = &mut p6.ip {
        h.traffic_class = 0b11; // CE
    }
    let mut b4 = p4.emit().unwrap();
    t.push(ms(0), None, TraceKind::Inbound(b4.clone()));
    b4[10] ^= 0xff; // IPv4 header checksum
    b4[20 + 16] ^= 0xff; // TCP checksum
    t.push(ms(0), None, TraceKind::Inbound(b4));
    let mut b6 = p6.emit().unwrap();
    b6[40 + 17] ^= 0x01;
    t.push(ms(0), None, TraceKind::Outbound(b6));
    let expected = "\
0.000000 L- #1 < [ect0] . 0:0(0) ack 0 win 1
0.000000 L- #1 < [ect0] . 0:0(0) ack 0 win 1 [bad ip checksum] [bad tcp checksum]
0.000000 L- #2 > [ce] . 0:0(0) ack 0 win 1 [bad tcp checksum]
";
    assert_eq!(normalized(&t), expected);
}

#[test]
fn other_events_and_times() {
    let mut t = Trace::new("t.pkt", "hand", IpMode::Ipv4);
    t.push(
        Duration::new(1, 500_000_999),
        Some(3),
        TraceKind::SyscallStart {
            call: "read(4, ..., 10)".into(),
        },
    );
    let ret = TraceKind::SyscallReturn {
        call: "read(4, ..., 10)".into(),
        value: -1,
        errno: Some("EAGAIN".into()),
    };
    t.push(Duration::new(12, 345_678_901), Some(3), ret);
    let command = TraceKind::Command {
        text: "sysctl -q net.ipv4.tcp_sack=0".into(),
        outcome: "applied".into(),
    };
    t.push(Duration::new(12, 345_678_901), Some(4), command);
    t.push(
        ms(13_000),
        Some(5),
        TraceKind::Assertion {
            text: "tcpi_rto == 1000000".into(),
            failure: None,
        },
    );
    let fail = TraceKind::Assertion {
        text: "tcpi_state == 1".into(),
        failure: Some("tcpi_state is 7".into()),
    };
    t.push(ms(13_000), Some(6), fail);
    t.push(
        ms(13_000),
        None,
        TraceKind::Note("mapped\nline\ttab\u{1b}[0m\r".into()),
    );
    t.push(
        ms(13_000),
        Some(7),
        TraceKind::Failure("expected S. got R.".into()),
    );
    let expected = "\
1.500000 L3 call read(4, ..., 10)
12.345678 L3 return read(4, ..., 10) = -1 EAGAIN
12.345678 L4 command `sysctl -q net.ipv4.tcp_sack=0` -> applied
13.000000 L5 assert tcpi_rto == 1000000 -> ok
13.000000 L6 assert tcpi_state == 1 -> failed: tcpi_state is 7
13.000000 L- note mapped\\nline\\ttab\\u{1b}[0m\\r
13.000000 L7 FAILURE expected S. got R.
";
    assert_eq!(normalized(&t), expected);
}

#[test]
fn unparsable_packets_are_shown_not_fatal() {
    let mut udp = vec![
        0x45, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
    ];
    udp.extend([192, 0, 2, 1, 198, 51, 100, 2]);
    udp.extend([0x1f, 0x90, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00]);
    let mut t = Trace::new("t.pkt", "hand", IpMode::Ipv4);
    t.push(ms(0), None, TraceKind::Inbound(udp));
    t.push(ms(0), None, TraceKind::Outbound(vec![0xff; 3]));
    t.push(ms(0), None, TraceKind::Outbound(vec![]));
    let expected = "\
0.000000 L- < <unparsed 28 bytes: IP protocol 17 is not TCP> 4500001c0000400040110000c0000201...
0.000000 L- > <unparsed 3 bytes: IP version 15 is neither 4 nor 6> ffffff
0.000000 L- > <unparsed 0 bytes: truncated IP header: need 1 octets, have 0>
";
    assert_eq!(normalized(&t), expected);
}

proptest! {
    /// Any bytes, and any corruption of a valid packet, give exactly one line per event.
    #[test]
    fn never_panics(
        raw in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..6),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
    ) {
        let (l, r) = endpoints(IpMode::Ipv4);
        let opts = vec![TcpOption::Sack(vec![(1, 2)]), ts(1, 2), TcpOption::Mss(3)];
        let mut good = bytes(r, l, with(seg(S | A, 1, 2, 3), opts, b"xyz"));
        for (i, x) in flips {
            let n = good.len();
            good[i % n] ^= x;
        }
        let mut t = Trace::new("t.pkt", "p", IpMode::Ipv4);
        t.push(ms(0), None, TraceKind::Outbound(good));
        for (i, b) in raw.into_iter().enumerate() {
            let kind = if i % 2 == 0 { TraceKind::Inbound(b) } else { TraceKind::Outbound(b) };
            t.push(ms(i as u64), None, kind);
        }
        let text = normalized(&t);
        prop_assert_eq!(text.lines().count(), t.events.len());
        prop_assert!(text.ends_with('\n'));
    }
}

mod reference_stack {
    //! The reference stack really running a passive open, data both ways and a close, as
    //! the script's peer would drive it: its ISN and TSval offset depend on the seed, the
    //! addresses and its clock, yet the normalized text must not.
    use super::*;
    use synack_stack::Config;

    struct Run {
        stack: Stack,
        trace: Trace,
        start: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        /// The stack's last (SEQ of next data, TSval) seen, for the peer's acks and echoes.
        stack_nxt: u32,
        stack_ts: u32,
    }

    impl Run {
        fn now(&self, at: u64) -> Instant {
            self.start + ms(at)
        }

        /// Advances to `at` ms, firing timers on the way, recording what the stack emits.
        fn advance(&mut self, at: u64) {
            while let Some(due) = self.stack.poll_timeout().filter(|d| *d <= self.now(at)) {
                self.stack.handle_timeout(due);
                self.drain(due);
            }
            self.stack.advance(self.now(at));
        }

        fn drain(&mut self, now: Instant) {
            let at = now - self.start;
            for d in self.stack.take_decisions() {
                self.trace.push(at, None, TraceKind::Decision(d));
            }
            while let Some(b) = self.stack.poll_transmit() {
                let p = TcpPacket::parse(&b).unwrap().packet.tcp;
                self.stack_nxt = p.seq.get().wrapping_add(p.seg_len());
                if let Some((tsval, _)) = p.timestamps() {
                    self.stack_ts = tsval;
                }
                self.trace.push(at, None, TraceKind::Outbound(b));
            }
        }

        fn inject(&mut self, at: u64, line: u32, s: TcpSegment) {
            self.advance(at);
            let b = bytes(self.remote, self.local, s);
            self.trace
                .push(ms(at), Some(line), TraceKind::Inbound(b.clone()));
            self.stack.handle_packet(self.now(at), &b);
            self.drain(self.now(at));
        }

        fn call<T>(
            &mut self,
            at: u64,
            line: u32,
            call: &str,
            f: impl FnOnce(&mut Stack) -> Result<T, Errno>,
        ) -> Result<T, Errno> {
            self.advance(at);
            self.trace.push(
                ms(at),
                Some(line),
                TraceKind::SyscallStart { call: call.into() },
            );
            let result = f(&mut self.stack);
            let errno = result.as_ref().err().map(|e| format!("{e:?}"));
            let ret = TraceKind::SyscallReturn {
                call: call.into(),
                value: if errno.is_some() { -1 } else { 0 },
                errno,
            };
            self.trace.push(ms(at), Some(line), ret);
            self.drain(self.now(at));
            result
        }
    }

    /// The peer's segments: ISN 0, TSval 100 + time in ms, echoing the stack's last TSval.
    fn peer(r: &Run, at: u64, flags: TcpFlags, seq: u32, payload: &[u8]) -> TcpSegment {
        let opts = vec![
            TcpOption::NoOp,
            TcpOption::NoOp,
            ts(100 + at as u32, r.stack_ts),
        ];
        with(seg(flags | A, seq, r.stack_nxt, 1000), opts, payload)
    }

    fn run(mode: IpMode, seed: u64, clock_ms: u64) -> (Trace, u32, u32) {
        let (local, remote) = endpoints(mode);
        let mut config = Config::linux();
        // The MSS is the MTU less the headers, 20 octets more of which are IPv6's: give IPv6
        // a 1520 MTU so both families advertise 1460 and put the same segments on the wire.
        config.mtu = if mode.wire_is_ipv6() { 1520 } else { 1500 };
        let mut stack = Stack::new(config, seed);
        stack.add_local_addr(local.ip());
        let start = Instant::from_millis(clock_ms);
        stack.advance(start);
        let trace = Trace::new("real.pkt", "reference/linux", mode);
        let mut r = Run {
            stack,
            trace,
            start,
            local,
            remote,
            stack_nxt: 0,
            stack_ts: 0,
        };
        let domain = if mode.socket_is_ipv6() {
            Domain::Inet6
        } else {
            Domain::Inet
        };
        let bind = if mode.socket_is_ipv6() {
            addr("[::]:8080")
        } else {
            local
        };
        let fd = r.call(0, 1, "socket", |s| s.socket(domain)).unwrap();
        r.call(0, 2, "bind", |s| s.bind(fd, bind)).unwrap();
        r.call(0, 3, "listen", |s| s.listen(fd, 10)).unwrap();
        let syn_opts = vec![
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            ts(200, 0),
            TcpOption::NoOp,
            TcpOption::WindowScale(7),
        ];
        r.inject(100, 4, with(seg(S, 0, 0, 65535), syn_opts, b""));
        let (isn, ts0) = (r.stack_nxt.wrapping_sub(1), r.stack_ts);
        let ack = peer(&r, 110, TcpFlags::EMPTY, 1, b"");
        r.inject(110, 5, ack);
        let (conn, _) = r.call(120, 6, "accept", |s| s.accept(fd)).unwrap();
        r.call(130, 7, "write", |s| s.send(conn, b"hello world"))
            .unwrap();
        let ack = peer(&r, 140, TcpFlags::EMPTY, 1, b"");
        r.inject(140, 8, ack);
        let data = peer(&r, 150, P, 1, b"ping");
        r.inject(150, 9, data);
        // Read it all first: closing with unread data resets the connection (RFC 2525 §2.17).
        r.call(300, 10, "read", |s| s.recv(conn, 100, false))
            .unwrap();
        r.call(400, 11, "close", |s| s.close(conn)).unwrap();
        let fin = peer(&r, 410, F, 5, b"");
        r.inject(410, 12, fin);
        r.advance(1000);
        (r.trace, isn, ts0)
    }

    #[test]
    fn same_text_across_modes_seeds_and_clocks() {
        let (base, isn, ts0) = run(IpMode::Ipv4, 1, 1000);
        let text = normalized(&base);
        for (mode, seed, clock) in [
            (IpMode::Ipv6, 1, 1000),
            (IpMode::Ipv4MappedIpv6, 2, 5_000_000),
            (IpMode::Ipv4, 3, 77),
        ] {
            let (other, other_isn, other_ts0) = run(mode, seed, clock);
            assert!(
                other_isn != isn && other_ts0 != ts0,
                "the run must differ on the wire ({mode})"
            );
            assert_eq!(normalized(&other), text, "{mode} seed {seed} clock {clock}");
        }
        // A few lines, from the rules: the SYN-ACK starts both bases, the stack's TSval
        // clock runs in ms (RFC 7323 §5.4), the peer's TSval is 100 + ms.
        let lines: Vec<&str> = text.lines().collect();
        let find = |prefix: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
        };
        assert!(find("0.100000 L- > S. 0:0(0) ack 1 win ")
            .ends_with(" <mss 1460,sackOK,TS val +0 ecr +0,nop,wscale 7>"));
        assert!(
            find("0.110000 L5 < . 1:1(0) ack 1 win 1000").ends_with("<nop,nop,TS val +10 ecr +0>")
        );
        assert!(
            find("0.130000 L- > P. 1:12(11) ack 1 win ").ends_with("<nop,nop,TS val +30 ecr +10>")
        );
        assert!(
            find("0.410000 L12 < F. 5:5(0) ack ").contains(" ack 13 "),
            "the stack's FIN took 12"
        );
        assert!(!text.contains("192.0.2.1") && !text.contains("2001:db8"));
    }
}
