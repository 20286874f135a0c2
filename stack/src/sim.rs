//! A simulated link between two [`Stack`]s on one virtual clock: delay, loss, duplication
//! and reordering, all drawn from a seed, so that a failing run replays exactly.

use crate::stack::Stack;
use crate::time::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// Link impairments. Probabilities are in parts per thousand.
#[derive(Clone, Copy, Debug)]
pub struct LinkConfig {
    pub delay: Duration,
    /// Extra random delay up to this much (reorders packets).
    pub jitter: Duration,
    pub loss_permille: u32,
    pub duplicate_permille: u32,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig { delay: Duration::from_millis(10), jitter: Duration::ZERO, loss_permille: 0, duplicate_permille: 0 }
    }
}

/// Which end of the link.
#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub enum End {
    A,
    B,
}

/// A packet on the link: (delivery time, order of sending, destination, packet), ordered so
/// that the earliest delivery comes first and equal times keep the sending order.
type InFlight = Reverse<(Instant, u64, End, Vec<u8>)>;

pub struct Link {
    pub a: Stack,
    pub b: Stack,
    pub now: Instant,
    config: LinkConfig,
    in_flight: BinaryHeap<InFlight>,
    sent: u64,
    rng: u64,
    pub delivered: u64,
    pub dropped: u64,
}

impl Link {
    pub fn new(a: Stack, b: Stack, config: LinkConfig, seed: u64) -> Self {
        Link { a, b, now: Instant::ZERO, config, in_flight: BinaryHeap::new(), sent: 0, rng: seed | 1, delivered: 0, dropped: 0 }
    }

    pub fn stack(&mut self, end: End) -> &mut Stack {
        match end {
            End::A => &mut self.a,
            End::B => &mut self.b,
        }
    }

    fn random(&mut self, below: u64) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % below.max(1)
    }

    /// Moves everything the stacks have emitted onto the wire.
    pub fn collect(&mut self) {
        for from in [End::A, End::B] {
            while let Some(packet) = self.stack(from).poll_transmit() {
                let to = if from == End::A { End::B } else { End::A };
                if self.random(1000) < u64::from(self.config.loss_permille) {
                    self.dropped += 1;
                    continue;
                }
                let copies = if self.random(1000) < u64::from(self.config.duplicate_permille) { 2 } else { 1 };
                for _ in 0..copies {
                    let jitter = self.random(self.config.jitter.as_micros() as u64 + 1);
                    let at = self.now + self.config.delay + Duration::from_micros(jitter);
                    self.sent += 1;
                    self.in_flight.push(Reverse((at, self.sent, to, packet.clone())));
                }
            }
        }
    }

    /// The next moment something happens: a delivery or a timer.
    pub fn next_event(&self) -> Option<Instant> {
        let delivery = self.in_flight.peek().map(|Reverse((t, ..))| *t);
        [delivery, self.a.poll_timeout(), self.b.poll_timeout()].into_iter().flatten().min()
    }

    /// Advances to the next event (not past `limit`) and processes it. Returns false when
    /// nothing is scheduled before `limit`.
    pub fn step(&mut self, limit: Instant) -> bool {
        self.collect();
        let Some(t) = self.next_event().filter(|t| *t <= limit) else {
            self.now = self.now.max(limit);
            self.a.advance(self.now);
            self.b.advance(self.now);
            return false;
        };
        self.now = self.now.max(t);
        while let Some(Reverse((at, ..))) = self.in_flight.peek() {
            if *at > self.now {
                break;
            }
            let Reverse((_, _, to, packet)) = self.in_flight.pop().expect("peeked");
            let now = self.now;
            self.stack(to).handle_packet(now, &packet);
            self.delivered += 1;
        }
        let now = self.now;
        self.a.handle_timeout(now);
        self.b.handle_timeout(now);
        self.collect();
        true
    }
}
