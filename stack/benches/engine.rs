//! Throughput of the reference stack: segments per second through the ESTABLISHED receive
//! path, and full open–transfer–close cycles over the simulated link. Reported beside a
//! baseline measured in the same run (parsing the same packets without processing them), so
//! the figures are ratios, not absolute claims about a machine.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;
use synack_stack::sim::{Link, LinkConfig};
use synack_stack::wire::{TcpFlags, TcpOption, TcpPacket, TcpSegment};
use synack_stack::{Config, Domain, Errno, Instant, SeqNum, Shutdown, Stack};

const LOCAL: &str = "192.0.2.1:8080";
const REMOTE: &str = "198.51.100.2:40000";
const SEGMENTS: u32 = 1000;

/// A stack with one established connection, and the bytes of `SEGMENTS` in-order data
/// segments for it.
fn established() -> (Stack, i32, Vec<Vec<u8>>) {
    let (local, remote): (SocketAddr, SocketAddr) = (LOCAL.parse().unwrap(), REMOTE.parse().unwrap());
    let mut config = Config::linux();
    config.timestamps = false;
    config.rmem_default = 1 << 30;
    let mut s = Stack::new(config, 1);
    s.add_local_addr(local.ip());
    let l = s.socket(Domain::Inet).unwrap();
    s.bind(l, local).unwrap();
    s.listen(l, 8).unwrap();
    let mk = |flags, seq: u32, ack: SeqNum, payload: Vec<u8>| {
        let seg = TcpSegment { src_port: 40000, dst_port: 8080, seq: SeqNum::new(seq), ack, flags, window: 65535, options: vec![TcpOption::Mss(1460)], payload, ..TcpSegment::default() };
        TcpPacket::new(remote, local, seg).unwrap().emit().unwrap()
    };
    s.handle_packet(Instant::ZERO, &mk(TcpFlags::SYN, 0, SeqNum::new(0), vec![]));
    let synack = TcpPacket::parse(&s.poll_transmit().unwrap()).unwrap().packet.tcp;
    let ours = synack.seq + 1;
    s.handle_packet(Instant::ZERO, &mk(TcpFlags::ACK, 1, ours, vec![]));
    let (fd, _) = s.accept(l).unwrap();
    let data: Vec<Vec<u8>> = (0..SEGMENTS).map(|i| mk(TcpFlags::ACK, 1 + i * 1000, ours, vec![7u8; 1000])).collect();
    (s, fd, data)
}

fn receive_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("established_receive");
    g.throughput(Throughput::Elements(u64::from(SEGMENTS)));
    let (_, _, packets) = established();
    g.bench_function("baseline_parse_only", |b| {
        b.iter(|| {
            for p in &packets {
                black_box(TcpPacket::parse(p).unwrap());
            }
        })
    });
    g.bench_function("handle_packet", |b| {
        b.iter_batched(
            established,
            |(mut s, fd, packets)| {
                for p in &packets {
                    s.handle_packet(Instant::ZERO, p);
                    while s.poll_transmit().is_some() {}
                }
                let _ = s.recv(fd, usize::MAX, false);
                s.take_decisions();
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// One connection: handshake, 64 KiB each way, close, over a clean simulated link.
fn cycle() {
    let server: SocketAddr = "192.0.2.1:80".parse().unwrap();
    let mut a = Stack::new(Config::linux(), 1);
    a.add_local_addr(server.ip());
    let mut b = Stack::new(Config::linux(), 2);
    b.add_local_addr("198.51.100.2".parse().unwrap());
    let mut link = Link::new(a, b, LinkConfig { delay: Duration::from_millis(1), ..LinkConfig::default() }, 3);
    let l = link.a.socket(Domain::Inet).unwrap();
    link.a.bind(l, server).unwrap();
    link.a.listen(l, 8).unwrap();
    let c = link.b.socket(Domain::Inet).unwrap();
    assert_eq!(link.b.connect(c, server), Err(Errno::EINPROGRESS));
    let data = vec![5u8; 65536];
    let (mut sent, mut got, mut server_fd) = (0, 0, None);
    let limit = Instant::from_millis(60_000);
    while got < data.len() {
        if server_fd.is_none() {
            server_fd = link.a.accept(l).ok().map(|(fd, _)| fd);
        }
        if link.b.connect_result(c) == Some(Ok(())) && sent < data.len() {
            sent += link.b.send(c, &data[sent..]).unwrap_or(0);
        }
        if let Some(fd) = server_fd {
            got += link.a.recv(fd, usize::MAX, false).map_or(0, |d| d.len());
        }
        if !link.step(limit) {
            break;
        }
    }
    link.b.shutdown(c, Shutdown::Write).unwrap();
    let until = link.now + Duration::from_secs(1);
    while link.step(until) {}
    link.a.take_decisions();
    link.b.take_decisions();
}

fn full_cycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("open_transfer_close");
    g.throughput(Throughput::Elements(1));
    g.bench_function("64KiB_cycle", |b| b.iter(cycle));
    g.finish();
}

criterion_group!(benches, receive_path, full_cycle);
criterion_main!(benches);
