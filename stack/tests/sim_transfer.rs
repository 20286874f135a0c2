//! Two reference stacks over a lossy, duplicating, reordering simulated link: random data
//! both ways and random close orders. Every byte must arrive once and in order, and both ends
//! must reach CLOSED or TIME-WAIT. Nothing lost is the bar.

use proptest::prelude::*;
use std::net::SocketAddr;
use std::time::Duration;
use synack_stack::sim::{Link, LinkConfig};
use synack_stack::{Config, Domain, Errno, Fd, Instant, Shutdown, Stack, State};

const SERVER: &str = "192.0.2.1:80";
const CLIENT_IP: &str = "198.51.100.2";

/// One application endpoint: writes `out`, reads into `got`, shuts down when told.
struct App {
    fd: Option<Fd>,
    out: Vec<u8>,
    written: usize,
    got: Vec<u8>,
    eof: bool,
    shut: bool,
    /// Shut down for writing after this much has been written (may be before all of it is
    /// acknowledged: a close that races the data).
    close_at: Instant,
}

impl App {
    fn pump(&mut self, stack: &mut Stack, now: Instant) {
        let Some(fd) = self.fd else { return };
        while self.written < self.out.len() {
            match stack.send(fd, &self.out[self.written..]) {
                Ok(n) => self.written += n,
                Err(Errno::EAGAIN) => break,
                Err(e) => panic!("send failed: {e}"),
            }
        }
        loop {
            match stack.recv(fd, 65536, false) {
                Ok(d) if d.is_empty() => {
                    self.eof = true;
                    break;
                }
                Ok(d) => self.got.extend(d),
                Err(Errno::EAGAIN) => break,
                Err(e) => panic!("recv failed: {e}"),
            }
        }
        if !self.shut && self.written == self.out.len() && now >= self.close_at {
            stack.shutdown(fd, Shutdown::Write).expect("shutdown");
            self.shut = true;
        }
    }
}

fn config() -> Config {
    let mut c = Config::linux();
    c.syn_retries = 30;
    c.synack_retries = 30;
    c.retries2 = 30;
    c
}

fn run(seed: u64, a_bytes: usize, b_bytes: usize, link: LinkConfig, a_close_ms: u64, b_close_ms: u64) {
    let server: SocketAddr = SERVER.parse().unwrap();
    let mut a = Stack::new(config(), seed);
    a.add_local_addr(server.ip());
    let mut b = Stack::new(config(), seed ^ 0xdead_beef);
    b.add_local_addr(CLIENT_IP.parse().unwrap());
    let mut link = Link::new(a, b, link, seed);

    let listener = link.a.socket(Domain::Inet).unwrap();
    link.a.bind(listener, server).unwrap();
    link.a.listen(listener, 4).unwrap();
    let client = link.b.socket(Domain::Inet).unwrap();
    assert_eq!(link.b.connect(client, server), Err(Errno::EINPROGRESS));

    let pattern = |n: usize, salt: u8| (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt)).collect::<Vec<u8>>();
    let mut apps = [
        App { fd: None, out: pattern(a_bytes, 1), written: 0, got: vec![], eof: false, shut: false, close_at: Instant::from_millis(a_close_ms) },
        App { fd: Some(client), out: pattern(b_bytes, 2), written: 0, got: vec![], eof: false, shut: false, close_at: Instant::from_millis(b_close_ms) },
    ];
    let limit = Instant::from_millis(3_600_000);
    let mut connected = false;
    loop {
        if apps[0].fd.is_none() {
            if let Ok((fd, _)) = link.a.accept(listener) {
                apps[0].fd = Some(fd);
            }
        }
        if !connected {
            match link.b.connect_result(client) {
                None => {}
                Some(Ok(())) => connected = true,
                Some(Err(e)) => panic!("connect failed: {e}"),
            }
        }
        let now = link.now;
        if connected {
            apps[1].pump(&mut link.b, now);
        }
        apps[0].pump(&mut link.a, now);
        let done = apps.iter().all(|a| a.eof && a.shut);
        if done {
            break;
        }
        // Wake at the close times too, so idle apps get to shut down.
        let wake = apps.iter().filter(|a| !a.shut).map(|a| a.close_at).filter(|t| *t > now).min();
        let step_limit = wake.map_or(limit, |w| w.min(limit));
        if !link.step(step_limit) && link.now >= limit {
            panic!("stalled: a got {}/{} b got {}/{}", apps[0].got.len(), b_bytes, apps[1].got.len(), a_bytes);
        }
    }
    if std::env::var_os("SIM_STATS").is_some() {
        eprintln!("seed {seed}: {} packets delivered, {} dropped, t={:?}, {a_bytes}/{b_bytes} bytes", link.delivered, link.dropped, link.now);
    }
    assert!(apps[0].got == apps[1].out, "A received {} of {} bytes, or out of order", apps[0].got.len(), b_bytes);
    assert!(apps[1].got == apps[0].out, "B received {} of {} bytes, or out of order", apps[1].got.len(), a_bytes);
    // Let the closing handshake finish: both ends reach CLOSED or TIME-WAIT.
    let until = link.now + Duration::from_secs(600);
    while link.now < until && link.step(until) {
        let sa = link.a.state(apps[0].fd.unwrap()).unwrap();
        let sb = link.b.state(client).unwrap();
        if matches!(sa, State::Closed | State::TimeWait) && matches!(sb, State::Closed | State::TimeWait) {
            return;
        }
    }
    let sa = link.a.state(apps[0].fd.unwrap()).unwrap();
    let sb = link.b.state(client).unwrap();
    assert!(matches!(sa, State::Closed | State::TimeWait), "A ended in {sa}");
    assert!(matches!(sb, State::Closed | State::TimeWait), "B ended in {sb}");
}

#[test]
fn clean_link_transfer_both_ways() {
    run(1, 100_000, 50_000, LinkConfig::default(), 0, 0);
}

#[test]
fn lossy_link_transfer() {
    let link = LinkConfig { delay: Duration::from_millis(20), jitter: Duration::from_millis(30), loss_permille: 100, duplicate_permille: 50 };
    run(2, 60_000, 30_000, link, 0, 5_000);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn every_byte_arrives_once_in_order(
        seed: u64,
        a_bytes in 0usize..40_000,
        b_bytes in 0usize..40_000,
        loss in 0u32..150,
        dup in 0u32..100,
        jitter_ms in 0u64..50,
        a_close_ms in 0u64..3_000,
        b_close_ms in 0u64..3_000,
    ) {
        let link = LinkConfig { delay: Duration::from_millis(5), jitter: Duration::from_millis(jitter_ms), loss_permille: loss, duplicate_permille: dup };
        run(seed, a_bytes, b_bytes, link, a_close_ms, b_close_ms);
    }
}
