//! The oracle's throughput: segments judged per second on a large trace (two reference
//! stacks moving 4 MB each way over a link that loses and reorders packets, one end's view),
//! beside a parse-only baseline measured in the same run (`TcpPacket::parse` of the same
//! packets, what any reader of the trace pays). After criterion's report, the main prints
//! the time per segment and the ratio, from criterion's own estimates.
//!
//! `cargo bench -p synack --bench oracle`

use criterion::{criterion_group, Criterion, Throughput};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use synack::mode::IpMode;
use synack::oracle::{self, OracleProfile, Severity};
use synack::trace::{Trace, TraceKind};
use synack_stack::wire::TcpPacket;
use synack_stack::{Config, Domain, Errno, Instant, Shutdown, Stack};

const BYTES: usize = 4 << 20;

type Flight = BinaryHeap<Reverse<(Instant, u64, usize, Vec<u8>)>>;

/// The link: 1 % loss, 5–7 ms delay (reordering within that), end 0's packets traced.
struct Wire {
    flight: Flight,
    n: u64,
    rng: u64,
}

impl Wire {
    fn drain(&mut self, stacks: &mut [Stack; 2], end: usize, now: Instant, trace: &mut Trace) {
        while let Some(p) = stacks[end].poll_transmit() {
            if end == 0 {
                trace.push(Duration::from_nanos(now.as_nanos()), None, TraceKind::Outbound(p.clone()));
            }
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            if self.rng % 100 == 0 {
                continue;
            }
            self.n += 1;
            let at = now + Duration::from_micros(5_000 + self.rng % 2_000);
            self.flight.push(Reverse((at, self.n, 1 - end, p)));
        }
    }
}

/// One end's trace of a long, lossy transfer both ways.
fn large_trace() -> &'static Trace {
    static TRACE: OnceLock<Trace> = OnceLock::new();
    TRACE.get_or_init(|| {
        let server: SocketAddr = "192.0.2.1:80".parse().unwrap();
        let mut config = Config::linux();
        config.retries2 = 30;
        let mut stacks = [Stack::new(config.clone(), 7), Stack::new(config, 8)];
        stacks[0].add_local_addr(server.ip());
        stacks[1].add_local_addr("198.51.100.2".parse().unwrap());
        let l = stacks[0].socket(Domain::Inet).unwrap();
        stacks[0].bind(l, server).unwrap();
        stacks[0].listen(l, 4).unwrap();
        let c = stacks[1].socket(Domain::Inet).unwrap();
        assert_eq!(stacks[1].connect(c, server), Err(Errno::EINPROGRESS));
        let mut trace = Trace::new("bench", "reference/linux", IpMode::Ipv4);
        let mut wire = Wire { flight: BinaryHeap::new(), n: 0, rng: 0x9e37_79b9_7f4a_7c15 };
        let mut now = Instant::ZERO;
        let mut fds = [None, Some(c)];
        let mut sent = [0usize; 2];
        let mut shut = [false; 2];
        let data = vec![0x5au8; BYTES];
        loop {
            if fds[0].is_none() {
                fds[0] = stacks[0].accept(l).ok().map(|(fd, _)| fd);
            }
            for end in 0..2 {
                let Some(fd) = fds[end] else { continue };
                while sent[end] < BYTES {
                    match stacks[end].send(fd, &data[sent[end]..]) {
                        Ok(k) => sent[end] += k,
                        Err(_) => break,
                    }
                }
                while let Ok(d) = stacks[end].recv(fd, 1 << 20, false) {
                    if d.is_empty() {
                        break;
                    }
                }
                if sent[end] == BYTES && !shut[end] {
                    stacks[end].shutdown(fd, Shutdown::Write).unwrap();
                    shut[end] = true;
                }
                wire.drain(&mut stacks, end, now, &mut trace);
            }
            let delivery = wire.flight.peek().map(|Reverse((t, ..))| *t);
            let next = [delivery, stacks[0].poll_timeout(), stacks[1].poll_timeout()].into_iter().flatten().min();
            let Some(t) = next.filter(|t| *t < Instant::from_millis(600_000)) else { break };
            now = now.max(t);
            while wire.flight.peek().is_some_and(|Reverse((at, ..))| *at <= now) {
                let Reverse((_, _, to, p)) = wire.flight.pop().unwrap();
                if to == 0 {
                    trace.push(Duration::from_nanos(now.as_nanos()), None, TraceKind::Inbound(p.clone()));
                }
                stacks[to].handle_packet(now, &p);
                wire.drain(&mut stacks, to, now, &mut trace);
            }
            for end in 0..2 {
                stacks[end].handle_timeout(now);
                wire.drain(&mut stacks, end, now, &mut trace);
            }
        }
        trace
    })
}

fn segments(t: &Trace) -> u64 {
    t.packets().count() as u64
}

fn bench(c: &mut Criterion) {
    let trace = large_trace();
    let n = segments(trace);
    let profile = OracleProfile::linux();
    // The trace is legal: the oracle does its ordinary work on it (the one finding allowed
    // is the reference stack's known MSS bug with SACK blocks).
    let findings = oracle::check(trace, &profile);
    let bad: Vec<String> = findings
        .iter()
        .filter(|f| f.severity != Severity::Permitted && !f.happened.contains("<sack "))
        .map(|f| f.to_string())
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    let mut g = c.benchmark_group("oracle");
    g.throughput(Throughput::Elements(n));
    g.sample_size(20);
    g.bench_function("parse-only", |b| {
        b.iter(|| {
            for (_, _, bytes) in trace.packets() {
                black_box(TcpPacket::parse(black_box(bytes)).ok());
            }
        })
    });
    g.bench_function("check", |b| b.iter(|| black_box(oracle::check(black_box(trace), &profile))));
    g.finish();
}

criterion_group!(benches, bench);

/// criterion's point estimate (ns per iteration) of a benchmark of this group.
fn estimate(name: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    let path = format!("{dir}/criterion/oracle/{name}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let n = segments(large_trace()) as f64;
    if let (Some(parse), Some(check)) = (estimate("parse-only"), estimate("check")) {
        println!(
            "oracle: {n} segments; {:.0} ns/segment checked ({:.2} M segments/s); parse-only {:.0} ns/segment; check/parse = {:.1}",
            check / n,
            n / check * 1e3,
            parse / n,
            check / parse
        );
    }
}
