//! The `Stack`: many connections demultiplexed by 4-tuple, behind a sans-IO surface —
//! packets in with a timestamp ([`Stack::handle_packet`]), packets out
//! ([`Stack::poll_transmit`]), the next deadline ([`Stack::poll_timeout`]) and timeouts in
//! ([`Stack::handle_timeout`]). The socket calls are in `sockets`.
//!
//! Every event on a connection goes through [`Stack::drive`], the one place that applies its
//! outcome: output, decisions, state changes (SYN queue → accept queue, deletion).

use crate::config::Config;
use crate::connection::{Connection, Ctx, Origin};
use crate::decision::{Decision, Step};
use crate::isn::Secrets;
use crate::listen_queue::{ConnId, Listener};
use crate::output;
use crate::segment_arrives::{self, closed, listen};
use crate::socket::{Fd, SocketOptions, Domain};
use crate::state::State;
use crate::time::Instant;
use crate::timeouts;
use crate::wire::{TcpPacket, TcpSegment};
use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

/// The stack's maps, keyed by 4-tuples and ids it assigns itself: hashed with FxHash
/// (`rustc-hash`) instead of SipHash, ~3% of the `state_machine` fuzz target's time. Not
/// resistant to chosen collisions, which a simulated stack need not be. Iteration order is
/// fixed (with SipHash's random keys it changed from run to run); nothing the stack decides
/// depends on it.
pub(crate) type Map<K, V> = rustc_hash::FxHashMap<K, V>;

/// What a file descriptor refers to.
#[derive(Clone, Debug)]
pub(crate) enum SocketKind {
    Fresh,
    Listening(u32),
    Connection(ConnId),
}

#[derive(Clone, Debug)]
pub(crate) struct Socket {
    pub domain: Domain,
    pub local: Option<SocketAddr>,
    pub kind: SocketKind,
    pub nonblocking: bool,
    pub opts: SocketOptions,
    pub shut_write: bool,
}

/// `Clone` gives an independent stack in the same state (the `state_machine` fuzz target
/// builds each fixture once and clones it per input).
#[derive(Clone)]
pub struct Stack {
    pub(crate) config: Config,
    pub(crate) secrets: Secrets,
    pub(crate) now: Instant,
    pub(crate) local_addrs: Vec<IpAddr>,
    pub(crate) conns: Map<ConnId, Connection>,
    pub(crate) next_conn: ConnId,
    /// (local, remote) → connection. Addresses are canonical: IPv4-mapped IPv6 is IPv4.
    pub(crate) demux: Map<(SocketAddr, SocketAddr), ConnId>,
    pub(crate) listeners: Map<u32, Listener>,
    pub(crate) next_listener: u32,
    pub(crate) sockets: BTreeMap<Fd, Socket>,
    outbox: VecDeque<Vec<u8>>,
    decisions: Vec<Decision>,
    /// RFC 5961 §7: (the second it applies to, challenge ACKs left in it).
    challenge: (u64, u32),
}

impl Stack {
    /// A stack with `config`; `seed` keys the ISN generator and every other choice.
    pub fn new(config: Config, seed: u64) -> Self {
        Stack {
            config,
            secrets: Secrets::from_seed(seed),
            now: Instant::ZERO,
            local_addrs: Vec::new(),
            conns: Map::default(),
            next_conn: 1,
            demux: Map::default(),
            listeners: Map::default(),
            next_listener: 1,
            sockets: BTreeMap::new(),
            outbox: VecDeque::new(),
            decisions: Vec::new(),
            challenge: (u64::MAX, 0),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Knobs may change at any time (a script's `sysctl` line); new connections see them.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// An address of this host: packets to other addresses are ignored, and connect() picks
    /// the first of the right family as its source.
    pub fn add_local_addr(&mut self, ip: IpAddr) {
        if !self.local_addrs.contains(&ip) {
            self.local_addrs.push(ip);
        }
    }

    /// Decisions recorded since the last call, oldest first.
    pub fn take_decisions(&mut self) -> Vec<Decision> {
        std::mem::take(&mut self.decisions)
    }

    /// As [`Stack::take_decisions`], into `out` (cleared first): the two buffers are swapped,
    /// so a caller that takes them after every event allocates none.
    pub fn take_decisions_into(&mut self, out: &mut Vec<Decision>) {
        out.clear();
        std::mem::swap(&mut self.decisions, out);
    }

    /// The next packet to put on the wire, as IP bytes.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.outbox.pop_front()
    }

    /// The earliest timer deadline of any connection.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conns.values().filter_map(|c| c.timers.next()).min()
    }

    /// Fires every timer due at `now` (in deadline order per connection).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.advance(now);
        let mut due: Vec<(Instant, ConnId)> =
            self.conns.iter().filter_map(|(id, c)| c.timers.next().filter(|t| *t <= now).map(|t| (t, *id))).collect();
        due.sort();
        for (_, id) in due {
            while let Some(kind) = self.conns.get_mut(&id).and_then(|c| c.timers.take_due(now)) {
                self.drive(id, |c, ctx| timeouts::on_timeout(c, kind, ctx));
            }
        }
    }

    /// A packet from the network at `now`.
    pub fn handle_packet(&mut self, now: Instant, bytes: &[u8]) {
        self.advance(now);
        let parsed = match TcpPacket::parse(bytes) {
            Ok(p) => p,
            Err(_) => {
                self.note(Step::Resource, "unparseable or non-TCP packet dropped");
                return;
            }
        };
        // MUST-3: a segment with a bad checksum is discarded.
        if !parsed.tcp_checksum_ok {
            self.note(Step::Resource, "bad TCP checksum → dropped (MUST-3)");
            return;
        }
        let packet = parsed.packet;
        let (local, remote) = (canonical(packet.dst()), canonical(packet.src()));
        if !self.is_local(local.ip()) {
            self.note(Step::Resource, "not addressed to this host → dropped");
            return;
        }
        // MUST-57: segments from a broadcast or multicast address are discarded.
        if remote.ip().is_multicast() || is_broadcast(remote.ip()) {
            self.note(Step::Resource, "from a broadcast/multicast source → dropped (MUST-57)");
            return;
        }
        let seg = packet.tcp;
        let mut reopen_iss = None;
        if let Some(&id) = self.demux.get(&(local, remote)) {
            match self.time_wait_reopen(id, &seg) {
                Some(iss) => {
                    reopen_iss = Some(iss);
                    self.retire(id);
                }
                None => {
                    self.drive(id, |c, ctx| segment_arrives::on_segment(c, &seg, ctx));
                    return;
                }
            }
        }
        if let Some(lid) = self.find_listener(local) {
            self.listener_segment(lid, local, remote, &seg, reopen_iss);
            return;
        }
        // §3.10.7.1: no TCB.
        match closed::reset_for(&seg) {
            // Mutation testing: no RST at all.
            Some(_) if self.config.mutations.closed_port_silent => self.note(Step::Closed, "no connection → silence (mutation)"),
            Some(mut rst) => {
                // Mutation testing: the RST one past the number the peer accepts.
                if self.config.mutations.wrong_rst_seq {
                    rst.seq += 1;
                }
                self.note(Step::Closed, "no connection → RST");
                self.emit(local, remote, rst);
            }
            None => self.note(Step::Closed, "RST for no connection → dropped"),
        }
    }

    /// RFC 6191 / Linux (`tcp_timewait_state_process`): a SYN for a TIME-WAIT connection with
    /// a sequence number above RCV.NXT (or a newer timestamp) opens a new incarnation. Returns
    /// the new connection's ISS: MAY-2 (RFC 9293 §3.6.1) asks for one "larger than the largest
    /// sequence number it used on the previous connection incarnation", and Linux takes
    /// SND.NXT + 65535 + 2 (never 0).
    fn time_wait_reopen(&self, id: ConnId, seg: &TcpSegment) -> Option<crate::seq::SeqNum> {
        let c = self.conns.get(&id)?;
        if c.state != State::TimeWait || !seg.flags.syn() || seg.flags.ack() || seg.flags.rst() {
            return None;
        }
        let newer_ts =
            c.neg.timestamps && seg.timestamps().is_some_and(|(tsval, _)| (tsval.wrapping_sub(c.ts.ts_recent) as i32) > 0);
        if !(seg.seq.after(c.tcb.rcv_nxt) || newer_ts) || self.find_listener(c.local).is_none() {
            return None;
        }
        let iss = c.tcb.snd_nxt + 65535 + 2;
        Some(if iss.get() == 0 { iss + 1 } else { iss })
    }

    /// A segment for a listener; `iss` is the ISS a connection reopened from TIME-WAIT takes.
    fn listener_segment(&mut self, lid: u32, local: SocketAddr, remote: SocketAddr, seg: &TcpSegment, iss: Option<crate::seq::SeqNum>) {
        let l = &self.listeners[&lid];
        let mut outcome = listen::classify(seg, l.syn_queue_full(self.config.max_syn_backlog), l.accept_queue_full());
        // Mutation testing: a listener drops an ACK instead of resetting it.
        if let (true, listen::ListenOutcome::Reset(_, step, _)) = (self.config.mutations.listener_ignores_ack, &outcome) {
            outcome = listen::ListenOutcome::Drop(*step, "ACK to a listener dropped (mutation)");
        }
        match outcome {
            listen::ListenOutcome::Drop(step, why) => self.note_state(State::Listen, step, why),
            listen::ListenOutcome::Reset(rst, step, why) => {
                self.note_state(State::Listen, step, why);
                self.emit(local, remote, rst);
            }
            listen::ListenOutcome::NewConnection => {
                let l = &self.listeners[&lid];
                let opts = l.opts.clone();
                let (rcvbuf, sndbuf) = (l.rcvbuf, l.sndbuf);
                let iss = iss.unwrap_or_else(|| crate::seq::SeqNum::new(self.secrets.isn(self.now, local, remote)));
                let mut c = Connection::new(local, remote, Origin::Passive { listener: lid }, iss, &self.config, &self.secrets, opts, self.now);
                c.state = State::Listen;
                if let Some(b) = rcvbuf {
                    c.lock_rcvbuf(b);
                }
                if let Some(b) = sndbuf {
                    c.send.set_capacity(b as usize);
                }
                let id = self.insert_conn(c);
                if let Some(l) = self.listeners.get_mut(&lid) {
                    l.syn_queue.push(id);
                }
                self.drive(id, |c, ctx| listen::open_syn_received(c, seg, ctx));
            }
        }
    }

    pub(crate) fn insert_conn(&mut self, c: Connection) -> ConnId {
        let id = self.next_conn;
        self.next_conn = self.next_conn.wrapping_add(1).max(1);
        self.demux.insert((c.local, c.remote), id);
        self.conns.insert(id, c);
        id
    }

    /// Runs `f` on a connection with a context, then applies the outcome in one place:
    /// output, decisions, queue moves, deletion.
    pub(crate) fn drive<R>(&mut self, id: ConnId, f: impl FnOnce(&mut Connection, &mut Ctx) -> R) -> Option<R> {
        let now = self.now;
        let second = now.as_nanos() / 1_000_000_000;
        if self.challenge.0 != second {
            self.challenge = (second, self.config.challenge_ack_limit);
        }
        let accept_queue_full = match self.conns.get(&id).map(|c| c.origin) {
            Some(Origin::Passive { listener }) => self.listeners.get(&listener).is_some_and(|l| l.accept_queue_full()),
            Some(Origin::Active) | None => false,
        };
        let c = self.conns.get_mut(&id)?;
        let before = c.state;
        let mut ctx = Ctx {
            now,
            config: &self.config,
            secrets: &self.secrets,
            accept_queue_full,
            challenge_ack_budget: &mut self.challenge.1,
        };
        let result = f(c, &mut ctx);
        output::transmit(c, &mut ctx);
        let after = c.state;
        let out = std::mem::take(&mut c.out);
        // TCP_INFO's segs_out: a passive open's SYN-ACKs are Linux's request socket's.
        let passive = matches!(c.origin, Origin::Passive { .. });
        let counted = out.iter().filter(|s| !(passive && s.flags.syn())).count() as u32;
        c.segs_out = c.segs_out.wrapping_add(counted);
        let (local, remote, origin, orphaned) = (c.local, c.remote, c.origin, c.orphaned);
        self.decisions.append(&mut c.decisions);
        for seg in out {
            self.emit(local, remote, seg);
        }
        if let Origin::Passive { listener } = origin {
            let established = before == State::SynReceived && after != State::SynReceived && after != State::Closed;
            if let Some(l) = self.listeners.get_mut(&listener) {
                if established || after == State::Closed {
                    l.syn_queue.retain(|x| *x != id);
                }
                if established {
                    l.accept_queue.push_back(id);
                }
            }
        }
        if after == State::Closed {
            // Only its own entry: a call on a long-dead connection must not unmap the newer
            // connection that owns the 4-tuple now.
            if self.demux.get(&(local, remote)) == Some(&id) {
                self.demux.remove(&(local, remote));
            }
            let unreferenced = orphaned || (before == State::SynReceived && matches!(origin, Origin::Passive { .. }));
            if unreferenced {
                self.conns.remove(&id);
                self.remove_from_accept_queues(id);
            }
        }
        Some(result)
    }

    /// Forgets a connection entirely (a TIME-WAIT replaced by a new incarnation).
    fn retire(&mut self, id: ConnId) {
        if let Some(c) = self.conns.get_mut(&id) {
            c.delete_tcb(None);
            c.decide(self.now, Step::Listen(3), "SYN above RCV.NXT in TIME-WAIT → new connection (RFC 6191)", Some(State::Closed));
            let (local, remote) = (c.local, c.remote);
            self.decisions.append(&mut c.decisions);
            self.demux.remove(&(local, remote));
            if c.orphaned {
                self.conns.remove(&id);
            }
        }
    }

    fn remove_from_accept_queues(&mut self, id: ConnId) {
        for l in self.listeners.values_mut() {
            l.accept_queue.retain(|x| *x != id);
            l.syn_queue.retain(|x| *x != id);
        }
    }

    /// Moves the stack's clock to `now` (never backwards). Socket calls happen at the stack's
    /// current time: the latest given here, to `handle_packet` or to `handle_timeout`.
    pub fn advance(&mut self, now: Instant) {
        if now > self.now {
            self.now = now;
        }
    }

    /// Connections with a TCB (any state but CLOSED-and-forgotten), for resource checks.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// Every connection the stack holds (with a TCB, or CLOSED while a descriptor still refers
    /// to it), in no particular order. Read-only, for checkers that look at the TCB without
    /// driving the stack (the fuzz targets' invariants; the oracle).
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.conns.values()
    }

    /// The connection behind a descriptor, if it refers to one (read-only, as above).
    pub fn connection(&self, fd: Fd) -> Option<&Connection> {
        match self.sockets.get(&fd)?.kind {
            SocketKind::Connection(id) => self.conns.get(&id),
            SocketKind::Fresh | SocketKind::Listening(_) => None,
        }
    }

    pub(crate) fn is_local(&self, ip: IpAddr) -> bool {
        self.local_addrs.is_empty() || self.local_addrs.contains(&ip)
    }

    pub(crate) fn find_listener(&self, local: SocketAddr) -> Option<u32> {
        let exact = self.listeners.iter().find(|(_, l)| canonical(l.local) == local).map(|(id, _)| *id);
        exact.or_else(|| {
            self.listeners
                .iter()
                .find(|(_, l)| l.local.port() == local.port() && l.local.ip().is_unspecified() && family_ok(l.local, local))
                .map(|(id, _)| *id)
        })
    }

    fn note(&mut self, step: Step, outcome: &'static str) {
        self.note_state(State::Closed, step, outcome);
    }

    fn note_state(&mut self, state: State, step: Step, outcome: &'static str) {
        self.decisions.push(Decision { at: self.now, local: None, remote: None, state, step, outcome, next_state: None });
    }

    /// Wraps a segment in an IP header (TTL/hop limit 64, DF) and queues it.
    pub(crate) fn emit(&mut self, local: SocketAddr, remote: SocketAddr, seg: TcpSegment) {
        // Canonical addresses are never of mixed families, and the builders never make an
        // option list over 40 octets, so encoding cannot fail; if it did, nothing is sent.
        match TcpPacket::new(local, remote, seg).and_then(|p| p.emit()) {
            Ok(bytes) => self.outbox.push_back(bytes),
            Err(_) => self.note(Step::Resource, "segment could not be encoded → not sent"),
        }
    }
}

/// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4 on the wire and in the demux table.
pub(crate) fn canonical(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), a.port()),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}

/// An AF_INET6 wildcard listener also takes IPv4 (Linux's default bindv6only = 0).
fn family_ok(listener: SocketAddr, local: SocketAddr) -> bool {
    listener.is_ipv6() || local.is_ipv4()
}

fn is_broadcast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_broadcast(),
        IpAddr::V6(_) => false,
    }
}
