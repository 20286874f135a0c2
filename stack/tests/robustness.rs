//! Bounded resources and no panics on hostile input.

mod ladder;
use ladder::*;
use proptest::prelude::*;
use std::net::SocketAddr;
use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::{Config, Domain, SeqNum, Stack};

#[test]
fn syn_flood_of_100k_is_bounded_by_the_backlog() {
    // 100,000 SYNs from distinct sources: the SYN queue holds at most backlog + 1; the rest
    // are dropped (this stack has no SYN cookies). Memory is bounded by the backlog.
    let mut stack = Stack::new(Config::linux(), 1);
    let local: SocketAddr = LOCAL.parse().unwrap();
    stack.add_local_addr(local.ip());
    let l = stack.socket(Domain::Inet).unwrap();
    stack.bind(l, local).unwrap();
    stack.listen(l, 128).unwrap();
    let mut synacks = 0;
    for i in 0..100_000u32 {
        let src: SocketAddr = SocketAddr::new(std::net::Ipv4Addr::from(0xc633_6400 | (i & 0xff)).into(), 1024 + (i >> 8) as u16);
        let seg = TcpSegment { src_port: src.port(), dst_port: 8080, seq: SeqNum::new(i), flags: TcpFlags::SYN, window: 1000, ..TcpSegment::default() };
        let bytes = TcpPacket::new(src, local, seg).unwrap().emit().unwrap();
        stack.handle_packet(synack_stack::Instant::from_micros(u64::from(i)), &bytes);
        while stack.poll_transmit().is_some() {
            synacks += 1;
        }
        stack.take_decisions();
    }
    // Linux's SYN queue is full when it holds more than the backlog: 128 + 1.
    assert_eq!(synacks, 129, "one SYN-ACK per admitted half-open connection");
    assert_eq!(stack.connection_count(), 129);
}

fn arb_flags() -> impl Strategy<Value = TcpFlags> {
    (0u16..0x1000).prop_map(TcpFlags::from_bits)
}

fn arb_option() -> impl Strategy<Value = TcpOption> {
    prop_oneof![
        Just(TcpOption::NoOp),
        any::<u16>().prop_map(TcpOption::Mss),
        any::<u8>().prop_map(TcpOption::WindowScale),
        Just(TcpOption::SackPermitted),
        (any::<u32>(), any::<u32>()).prop_map(|(tsval, tsecr)| TcpOption::Timestamps { tsval, tsecr }),
        prop::collection::vec((any::<u32>(), any::<u32>()), 1..3).prop_map(TcpOption::Sack),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary bytes into a stack with a listener and an established connection.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let mut t = Ladder::plain();
        let _ = t.established_passive();
        t.stack.handle_packet(t.now, &bytes);
        while t.stack.poll_transmit().is_some() {}
    }

    /// Arbitrary well-formed segments near the connection's sequence space, in sequence.
    #[test]
    fn arbitrary_segments_never_panic(
        segs in prop::collection::vec((arb_flags(), -70000i64..70000, -70000i64..70000, any::<u16>(), 0usize..3000, prop::collection::vec(arb_option(), 0..3), 0u64..5000), 1..12),
        profile_linux: bool,
    ) {
        let config = if profile_linux { Config::linux() } else { Config::rfc9293() };
        let mut t = Ladder::new(config);
        let (_, fd) = t.established_passive();
        t.stack.send(fd, &[9u8; 5000]).unwrap();
        for (flags, dseq, dack, win, len, options, wait_ms) in segs {
            let mut s = seg().flags(flags).seq((1 + dseq) as u32).win(win).data(&vec![1u8; len]);
            s.0.ack = t.our((1 + dack) as u32);
            s.0.options = options;
            let area: usize = s.0.options.iter().map(|o| o.buffer_len()).sum();
            prop_assume!(area <= 40);
            t.inject(s);
            t.advance(std::time::Duration::from_millis(wait_ms));
            while t.stack.poll_transmit().is_some() {}
            let _ = t.stack.recv(fd, 100_000, false);
        }
    }
}
