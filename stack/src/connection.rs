//! One connection: its TCB, buffers, timers and the segment builders every §3.10 step uses.
//! What to do with a segment lives in `segment_arrives`, what to send in `output`, what a
//! timer does in `timeouts`, and user calls in `user_calls`.

use crate::config::Config;
use crate::congestion::{CongestionControl, Reno};
use crate::decision::{Decision, Step};
use crate::errno::Errno;
use crate::isn::Secrets;
use crate::reassembly::Reassembly;
use crate::rtt::RttEstimator;
use crate::send_queue::SendQueue;
use crate::seq::{Mss, SeqNum, WindowScale, WindowSize};
use crate::state::State;
use crate::tcb::{Negotiated, Tcb, TimestampState};
use crate::time::Instant;
use crate::timers::Timers;
use crate::wire::{TcpFlags, TcpOption, TcpSegment};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

/// How the connection was opened (RFC 9293 §3.10.7.4 step 2/4 treat SYN-RECEIVED differently).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Origin {
    /// Active OPEN (connect).
    Active,
    /// Passive OPEN: created by a SYN to the listener with this id.
    Passive { listener: u32 },
}

/// Whether an ACK is owed to the peer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AckPending {
    None,
    /// Delayed-ACK timer running (SHLD-18).
    Delayed,
    /// Send one with the next output.
    Now,
}

/// Per-connection socket options that the engine itself reads.
#[derive(Clone, Debug, Default)]
pub struct ConnOptions {
    /// TCP_NODELAY: Nagle off (SHLD-7 allows the application to disable it, MUST-17).
    pub nodelay: bool,
    /// SO_KEEPALIVE (RFC 1122 §4.2.3.6: off by default, MUST-24).
    pub keepalive: bool,
    pub keepalive_time: Option<Duration>,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_probes: Option<u8>,
    /// TCP_USER_TIMEOUT (RFC 9293 §3.10.8 USER TIMEOUT, RFC 5482).
    pub user_timeout: Option<Duration>,
    /// TCP_MAXSEG: an upper bound on the MSS we advertise and send.
    pub user_mss: Option<u16>,
    /// TCP_SYNCNT: SYN retries for this socket.
    pub syn_retries: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: State,
    pub origin: Origin,
    /// The profile of the configuration the connection was made with.
    pub profile: crate::config::Profile,
    pub tcb: Tcb,
    pub neg: Negotiated,
    pub ts: TimestampState,
    pub opts: ConnOptions,

    /// Queued user data from SND.UNA (after the SYN) onward.
    pub send: SendQueue,
    /// CLOSE (or shutdown(SHUT_WR)) was called: a FIN follows the queued data.
    pub fin_queued: bool,
    /// In-order data the user has not read yet.
    pub recv: VecDeque<u8>,
    pub recv_capacity: usize,
    /// Out-of-order segments held for later (SHLD-31).
    pub ooo: Reassembly,
    /// The peer's FIN has been processed (reads return 0 once `recv` is drained).
    pub peer_fin: bool,
    /// Control or text that arrived on the SYN, processed once ESTABLISHED (§3.10.7.2 step 3).
    pub syn_text: Option<(Vec<u8>, bool)>,

    pub timers: Timers,
    pub rtt: RttEstimator,
    /// The segment being timed for an RTT sample: (its end sequence number, when sent).
    /// Cleared when anything is retransmitted (Karn's algorithm, RFC 6298 §3).
    pub rtt_probe: Option<(SeqNum, Instant)>,
    pub cc: Box<dyn CongestionControl>,
    pub dup_acks: u32,
    /// The fast-recovery "recover" point (RFC 6582), while in fast recovery.
    pub recovery: Option<SeqNum>,
    /// After an RTO, the go-back-N cursor: octets in [SND.UNA, rtx_nxt) have been resent.
    pub rtx_nxt: Option<SeqNum>,
    /// What the peer's SACK blocks report it holds above SND.UNA (RFC 2018 §5).
    pub scoreboard: crate::scoreboard::Scoreboard,
    /// Consecutive expiries of the retransmission timer (reset by an ACK of new data).
    pub retransmits: u32,
    pub total_retransmits: u32,
    /// Zero-window probes or keep-alives sent without an answer.
    pub probes: u32,
    /// Backoff exponent of the persist timer (Linux `icsk_backoff` while probing a zero
    /// window); unlike `probes`, an ACK that leaves the window closed does not reset it.
    pub persist_backoff: u32,
    /// When our SYN was first sent (Linux measures the SYN retry budget from it).
    pub first_syn_at: Option<Instant>,
    /// When the oldest unacknowledged data was first retransmitted (Linux `retrans_stamp`:
    /// the `tcp_retries2` budget runs from it). Cleared by an ACK of new data.
    pub first_retransmit_at: Option<Instant>,
    /// When we last sent a challenge ACK or an ACK for an out-of-window segment (Linux
    /// `last_oow_ack_time`, for `Config::invalid_ratelimit`).
    pub last_oow_ack: Option<Instant>,
    pub ack_pending: AckPending,
    /// Octets of in-order text received since we last sent an ACK (SHLD-19).
    pub unacked_bytes: u32,
    /// Linux's quick-ACK budget: segments to ACK at once at the start of a connection.
    pub quickacks: u32,
    /// Linux profile: the established window's right edge aligned up to the window scale,
    /// taken as RCV.NXT + RCV.WND once a segment advertises it (see `on_established`).
    pub rcv_adv_aligned: Option<SeqNum>,
    /// Time of the last segment received (keep-alive idle time).
    pub last_received: Instant,
    /// A pending error for the user (SO_ERROR), e.g. ECONNRESET.
    pub error: Option<Errno>,
    /// The user called close(): no file descriptor refers to this connection any more.
    pub orphaned: bool,
    /// shutdown(SHUT_RD) was called.
    pub rcv_shutdown: bool,
    /// Segments waiting to be emitted, in order.
    pub out: Vec<TcpSegment>,
    /// Decisions taken since the stack last collected them.
    pub decisions: Vec<Decision>,
    /// The state [`Connection::delete_tcb`] found, kept for the decision that records the
    /// move to CLOSED (callers delete the TCB first, then record why).
    pub deleted_from: Option<State>,
    /// Counters for TCP_INFO, as Linux keeps them (RFC 4898 tcpEStatsAppHCThruOctetsAcked and
    /// …Received, tcpEStatsPerfSegsIn/Out). Octets of our sequence space acknowledged — the
    /// FIN included, the SYN only on an active open (a passive open's SYN-ACK belongs to
    /// Linux's request socket).
    pub bytes_acked: u64,
    /// Octets of the peer's sequence space received in order — its FIN included, its SYN not.
    pub bytes_received: u64,
    /// Segments received on the connection (the SYN of a passive open included).
    pub segs_in: u32,
    /// Segments sent by the connection (a passive open's SYN-ACKs not included).
    pub segs_out: u32,
}

/// What the stack lends a connection while it processes an event.
pub struct Ctx<'a> {
    pub now: Instant,
    pub config: &'a Config,
    pub secrets: &'a Secrets,
    /// For a passive connection in SYN-RECEIVED: the listener's accept queue is full.
    pub accept_queue_full: bool,
    /// RFC 5961 §7: whether a challenge ACK may be sent now (global rate limit).
    pub challenge_ack_budget: &'a mut u32,
}

impl Connection {
    // Each argument is one thing a new connection is made of (its 4-tuple, who opened it,
    // its ISS, the stack's config and secrets, the socket's options, the time); a struct
    // gathering them would be built for this one call.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        local: SocketAddr,
        remote: SocketAddr,
        origin: Origin,
        iss: SeqNum,
        config: &Config,
        secrets: &Secrets,
        opts: ConnOptions,
        now: Instant,
    ) -> Self {
        let our_mss = Self::mss_for(local, config, opts.user_mss);
        let peer_default = if local.is_ipv4() { Mss::DEFAULT_IPV4 } else { Mss::DEFAULT_IPV6 };
        let tcb = Tcb { iss, snd_una: iss, snd_nxt: iss, snd_up: iss, ..Tcb::default() };
        let smss = u32::from(our_mss.get());
        Connection {
            local,
            remote,
            state: State::Closed,
            origin,
            profile: config.profile,
            tcb,
            neg: Negotiated {
                peer_mss: peer_default,
                our_mss,
                snd_scale: WindowScale::default(),
                rcv_scale: WindowScale::default(),
                offered_rcv_scale: config.window_scaling.then(|| config.our_window_scale()),
                window_scaling: false,
                timestamps: false,
                sack: false,
            },
            ts: TimestampState { offset: secrets.ts_offset(local, remote), ..Default::default() },
            opts,
            send: SendQueue::new(iss + 1, config.wmem_default as usize),
            fin_queued: false,
            recv: VecDeque::new(),
            recv_capacity: config.rmem_default as usize,
            ooo: Reassembly::new(config.ooo_limit_bytes as usize),
            peer_fin: false,
            syn_text: None,
            timers: Timers::default(),
            rtt: {
                let mut rtt = RttEstimator::new(config.rto_initial, config.rto_min, config.rto_max);
                rtt.style = match config.profile {
                    crate::config::Profile::Linux => crate::rtt::RtoStyle::Linux,
                    crate::config::Profile::Rfc9293 => crate::rtt::RtoStyle::Rfc6298,
                };
                rtt
            },
            rtt_probe: None,
            cc: Box::new(Reno::new(smss, config.initial_cwnd_segments)),
            dup_acks: 0,
            recovery: None,
            rtx_nxt: None,
            scoreboard: Default::default(),
            retransmits: 0,
            total_retransmits: 0,
            probes: 0,
            persist_backoff: 0,
            first_syn_at: None,
            first_retransmit_at: None,
            last_oow_ack: None,
            ack_pending: AckPending::None,
            unacked_bytes: 0,
            quickacks: 0,
            rcv_adv_aligned: None,
            last_received: now,
            error: None,
            orphaned: false,
            rcv_shutdown: false,
            out: Vec::new(),
            decisions: Vec::new(),
            deleted_from: None,
            bytes_acked: 0,
            bytes_received: 0,
            segs_in: 0,
            segs_out: 0,
        }
    }

    /// MUST-14..16: the MSS we advertise is the link MTU less the fixed IP and TCP headers
    /// (RFC 9293 §3.7.1; RFC 6691), bounded by TCP_MAXSEG.
    pub fn mss_for(local: SocketAddr, config: &Config, user_mss: Option<u16>) -> Mss {
        let headers = if local.is_ipv4() { 40 } else { 60 };
        let link = config.mtu.saturating_sub(headers).max(88);
        let mss = user_mss.map_or(link, |u| u.clamp(88, link));
        Mss::new(mss).unwrap_or(Mss::DEFAULT_IPV4)
    }

    /// SMSS for payload: the smaller MSS less the options we put on every segment (RFC 6691).
    pub fn smss(&self) -> u32 {
        let mss = self.neg.peer_mss.min(self.neg.our_mss).get() as u32;
        let ts = if self.neg.timestamps { 12 } else { 0 };
        mss.saturating_sub(ts).max(1)
    }

    /// The most text a segment sent now may carry: SMSS less the SACK option it will carry
    /// (RFC 9293 §3.7.1, MUST-16: the effective send MSS counts every TCP option, as Linux's
    /// `tcp_current_mss` does; the SACK blocks ride on every segment while text is held
    /// out of order).
    pub fn send_mss(&self) -> u32 {
        let sack = if self.neg.sack && !self.ooo.is_empty() {
            let room = if self.neg.timestamps { 3 } else { 4 };
            4 + 8 * self.ooo.sack_blocks(room).len() as u32
        } else {
            0
        };
        self.smss().saturating_sub(sack).max(1)
    }

    /// Records a decision; `next` is the state it moves to, if it moves.
    pub fn decide(&mut self, now: Instant, step: Step, outcome: &'static str, next: Option<State>) {
        // A move to CLOSED after `delete_tcb` is recorded from the state the TCB was in.
        let deleted_from = self.deleted_from.take().filter(|_| next == Some(State::Closed) && self.state == State::Closed);
        let state = deleted_from.unwrap_or(self.state);
        self.decisions.push(Decision {
            at: now,
            local: Some(self.local),
            remote: Some(self.remote),
            state,
            step,
            outcome,
            next_state: next.filter(|n| *n != state),
        });
        if let Some(next) = next {
            self.state = next;
        }
    }

    /// Moves to `next`, recording why.
    pub fn transition(&mut self, now: Instant, step: Step, outcome: &'static str, next: State) {
        self.decide(now, step, outcome, Some(next));
    }

    /// "Delete the TCB": CLOSED, queues flushed, timers stopped; `error` for the user.
    pub fn delete_tcb(&mut self, error: Option<Errno>) {
        if self.state != State::Closed {
            self.deleted_from = Some(self.state);
        }
        self.state = State::Closed;
        self.timers.clear();
        self.send.clear();
        self.ooo.clear();
        self.fin_queued = false;
        if error.is_some() {
            self.error = error;
        }
    }

    // ---- segment builders ----

    fn base_segment(&self, seq: SeqNum, flags: TcpFlags) -> TcpSegment {
        TcpSegment {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq,
            ack: SeqNum::new(0),
            flags,
            window: 0,
            urgent: 0,
            options: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// A segment carrying ACK, our current window and the per-segment options
    /// (timestamps, SACK blocks) in Linux's layout: `nop,nop,TS`, `nop,nop,sack …`.
    pub fn segment(&mut self, now: Instant, seq: SeqNum, flags: TcpFlags, payload: Vec<u8>) -> TcpSegment {
        let mut seg = self.base_segment(seq, flags | TcpFlags::ACK);
        seg.ack = self.tcb.rcv_nxt;
        seg.window = self.advertise_window();
        if self.neg.timestamps {
            seg.options.extend([TcpOption::NoOp, TcpOption::NoOp, self.timestamp_option(now)]);
        }
        if self.neg.sack && !self.ooo.is_empty() {
            let room = if self.neg.timestamps { 3 } else { 4 };
            let blocks: Vec<(u32, u32)> = self
                .ooo
                .sack_blocks(room.min(4))
                .into_iter()
                .map(|(l, r)| (l.get(), r.get()))
                .collect();
            seg.options.extend([TcpOption::NoOp, TcpOption::NoOp, TcpOption::Sack(blocks)]);
        }
        seg.payload = payload;
        self.ts.last_ack_sent = self.tcb.rcv_nxt;
        self.ack_pending = AckPending::None;
        self.unacked_bytes = 0;
        self.timers.delayed_ack = None;
        seg
    }

    /// Linux's per-connection limit on challenge ACKs and ACKs for out-of-window segments
    /// (`__tcp_oow_rate_limited`): whether one may be sent now; if so, it is counted.
    pub fn oow_ack_allowed(&mut self, now: Instant, config: &Config) -> bool {
        let Some(interval) = config.invalid_ratelimit else { return true };
        if self.last_oow_ack.is_some_and(|last| now - last < interval) {
            return false;
        }
        self.last_oow_ack = Some(now);
        true
    }

    /// SND.UNA moves to `ack`: count what it passes over (see [`Connection::bytes_acked`]).
    pub fn count_acked(&mut self, ack: SeqNum) {
        let mut acked = ack.since(self.tcb.snd_una).max(0) as u64;
        if let (Origin::Passive { .. }, true) = (self.origin, self.tcb.snd_una == self.tcb.iss) {
            acked = acked.saturating_sub(1);
        }
        self.bytes_acked += acked;
    }

    /// RCV.NXT advances by `octets` of text or FIN: count them (see [`Connection::bytes_received`]).
    pub fn count_received(&mut self, octets: u32) {
        self.bytes_received += u64::from(octets);
    }

    /// `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`, queued for output.
    pub fn send_ack(&mut self, now: Instant) {
        let seg = self.segment(now, self.tcb.snd_nxt, TcpFlags::EMPTY, Vec::new());
        self.out.push(seg);
    }

    /// `<SEQ=seq><CTL=RST>` from this connection (no ACK bit, no options).
    pub fn send_rst(&mut self, seq: SeqNum) {
        let seg = self.base_segment(seq, TcpFlags::RST);
        self.out.push(seg);
    }

    /// Our SYN or SYN-ACK. Options in Linux's order (`tcp_options_write`): MSS; SACK-permitted
    /// and timestamps (`sackOK,TS` or `nop,nop,TS`) or `nop,nop,sackOK`; `nop,wscale`.
    pub fn syn_segment(&mut self, now: Instant, config: &Config) -> TcpSegment {
        // Once the peer's SYN is in, our SYN goes as a SYN-ACK — in SYN-RECEIVED, and after a
        // CLOSE there (FIN-WAIT-1 with the SYN still unacknowledged).
        let synack = match self.state {
            State::Closed | State::Listen | State::SynSent => false,
            State::SynReceived
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait => true,
        };
        let flags = if synack { TcpFlags::SYN | TcpFlags::ACK } else { TcpFlags::SYN };
        let mut seg = self.base_segment(self.tcb.iss, flags);
        if synack {
            seg.ack = self.tcb.rcv_nxt;
        }
        // RFC 7323 §2.2: the window field of a SYN is never scaled.
        seg.window = self.initial_window().min(u16::MAX as u32) as u16;
        // In a SYN we offer what is configured; in a SYN-ACK only what the peer offered.
        // Linux answers a simultaneous open (our SYN crossed the peer's) with its own SYN's
        // option set (tcp_send_synack reuses the SYN and tcp_syn_options).
        let crossed = self.origin == Origin::Active && config.profile == crate::config::Profile::Linux;
        if !synack && self.first_syn_at.is_none() {
            self.first_syn_at = Some(now);
        }
        let (sack, ts, ws) = if synack && !crossed {
            let ws = self.neg.offered_rcv_scale.filter(|_| self.neg.window_scaling);
            (self.neg.sack, self.neg.timestamps, ws)
        } else {
            (config.sack, config.timestamps, self.neg.offered_rcv_scale)
        };
        let mut opts = vec![TcpOption::Mss(self.neg.our_mss.get())];
        if ts {
            if sack {
                opts.push(TcpOption::SackPermitted);
            } else {
                opts.extend([TcpOption::NoOp, TcpOption::NoOp]);
            }
            opts.push(self.timestamp_option(now));
        } else if sack {
            opts.extend([TcpOption::NoOp, TcpOption::NoOp, TcpOption::SackPermitted]);
        }
        if let Some(shift) = ws {
            opts.extend([TcpOption::NoOp, TcpOption::WindowScale(shift)]);
        }
        seg.options = opts;
        if synack {
            self.ts.last_ack_sent = self.tcb.rcv_nxt;
        }
        seg
    }

    fn timestamp_option(&self, now: Instant) -> TcpOption {
        TcpOption::Timestamps { tsval: self.ts_clock(now), tsecr: self.ts.ts_recent }
    }

    /// Our TSval clock: milliseconds plus a per-connection offset (RFC 7323 §5.4, §7.1).
    pub fn ts_clock(&self, now: Instant) -> u32 {
        (now.as_millis() as u32).wrapping_add(self.ts.offset)
    }

    /// The receive space the window is drawn from. The rfc9293 profile: the buffer. Linux
    /// (`tcp_win_from_space` with 6.x's initial `scaling_ratio`, as `tcp_adv_win_scale` = 1
    /// had it): half of it, the rest standing for the socket buffers' overhead.
    ///
    /// Receive window growth on the linux profile goes this far and no further: the initial
    /// window (half the buffer rounded down to the MSS; the SYN's field at most 65535, kept
    /// while a request socket; all of it once established) and a locked SO_RCVBUF (doubled,
    /// and deciding the window scale) are Linux's to the octet (checked on 6.18). Linux then
    /// grows the buffer by dynamic right-sizing (`tcp_rcv_space_adjust`) from a receiver-side
    /// RTT estimate and per-skb memory accounting (`truesize`, which depends on the driver):
    /// on 6.18 over TUN, with `tcp_rmem` 4096 540000 15728640 and 1000-octet segments read at
    /// once, the right edge stays put for the first ~270 KB (the first receiver RTT sample
    /// waits for a window's worth of data), the window shrinks to ~234 KB as the scaling
    /// ratio learns the truesize, then grows by ~58 KB per 20 KB received. Those numbers come
    /// from memory accounting this stack does not have, so the window stays flat instead.
    pub fn rcv_space(&self) -> u32 {
        let space = self.recv_capacity.min(u32::MAX as usize) as u32;
        match self.profile {
            crate::config::Profile::Rfc9293 => space,
            crate::config::Profile::Linux => space / 2,
        }
    }

    /// RCV.WND at the start (Linux `tcp_select_initial_window`): the receive space rounded
    /// down to a multiple of the MSS we expect — at most 65535 unless we offer window scaling
    /// (the rfc9293 profile keeps to 65535 as before, the SYN's own limit).
    pub fn initial_rcv_wnd(&self) -> u32 {
        let linux = self.profile == crate::config::Profile::Linux;
        let space = if linux && self.neg.offered_rcv_scale.is_some() { self.rcv_space() } else { self.rcv_space().min(u16::MAX as u32) };
        let mss = u32::from(self.neg.our_mss.get()) - if self.neg.timestamps { 12 } else { 0 };
        if space > mss {
            space - space % mss
        } else {
            space
        }
    }

    /// The window in our SYN / SYN-ACK, never scaled (RFC 7323 §2.2): RCV.WND at the start,
    /// up to 65535.
    pub fn initial_window(&self) -> u32 {
        self.initial_rcv_wnd().min(u16::MAX as u32)
    }

    /// SO_RCVBUF (a size already doubled by the socket on the linux profile): the buffer, and
    /// on the linux profile the window scale we offer, which Linux derives from a locked
    /// buffer rather than from `tcp_rmem[2]` (`tcp_select_initial_window`: the smallest shift
    /// that represents the receive space).
    pub fn lock_rcvbuf(&mut self, bytes: u32) {
        self.recv_capacity = bytes as usize;
        if let (crate::config::Profile::Linux, Some(_)) = (self.profile, self.neg.offered_rcv_scale) {
            let mut space = self.rcv_space();
            let mut shift = 0;
            while space > u32::from(u16::MAX) && shift < 14 {
                space >>= 1;
                shift += 1;
            }
            self.neg.offered_rcv_scale = Some(shift);
        }
    }

    /// RCV.WND to advertise now (as the 16-bit field), moving the right edge forward when the
    /// buffer has room but never back (RFC 9293 §3.8.6.2.2 receiver SWS avoidance, SHLD-14).
    pub fn advertise_window(&mut self) -> u16 {
        // The linux profile's established window, aligned up to the scale, from the first
        // segment that says it on (`on_established`).
        if let Some(edge) = self.rcv_adv_aligned.take() {
            self.tcb.rcv_adv = self.tcb.rcv_adv.latest(edge);
        }
        let used = (self.recv.len() + self.ooo.bytes()).min(u32::MAX as usize) as u32;
        let free = self.rcv_space().saturating_sub(used);
        let scale = self.neg.rcv_scale;
        let free = WindowSize::new(free);
        // Representable right edge: the field rounds down to the scale's granularity.
        let field = free.to_wire(scale);
        let candidate = self.tcb.rcv_nxt + ((field as u32) << scale.get());
        let current = self.tcb.rcv_wnd();
        // SWS avoidance (MUST-39, §3.8.6.2.2): move the right edge only by min(Fr·RCV.BUFF,
        // Eff.snd.MSS) or more, Fr = 1/2. The linux profile also reopens a closed window by
        // whatever is free when that is less (not checked against Linux, whose
        // __tcp_select_window works from socket memory).
        let threshold = ((self.recv_capacity / 2) as u32).min(u32::from(self.neg.our_mss.get()));
        let gain = candidate.since(self.tcb.rcv_adv);
        let linux = self.profile == crate::config::Profile::Linux;
        let reopen_small = linux && current == 0 && gain as u32 >= threshold.min(free.get());
        // Linux's request socket keeps the SYN-ACK's window (`tcp_synack_window`) until the
        // connection is established.
        let request_sock = linux && self.state == State::SynReceived && matches!(self.origin, Origin::Passive { .. });
        if gain > 0 && (gain as u32 >= threshold || reopen_small) && !request_sock {
            self.tcb.rcv_adv = candidate;
        } else if self.tcb.rcv_adv.before(self.tcb.rcv_nxt) {
            self.tcb.rcv_adv = self.tcb.rcv_nxt;
        }
        let wnd = self.tcb.rcv_wnd();
        // Round up so the advertised right edge is not behind rcv_adv.
        let field = (wnd + (1 << scale.get()) - 1) >> scale.get();
        field.min(u16::MAX as u32) as u16
    }
}

impl Connection {
    /// Bookkeeping on reaching ESTABLISHED: congestion window from the negotiated SMSS,
    /// Linux's quick-ACK budget, the keep-alive timer, queued SYN text.
    pub fn on_established(&mut self, config: &Config) {
        self.cc = Box::new(Reno::new(self.smss(), config.initial_cwnd_segments));
        if config.profile == crate::config::Profile::Linux {
            // Linux ACKs the first segments at once (tcp_incr_quickack, TCP_MAX_QUICKACKS).
            self.quickacks = 16;
            // The SYN's window was at most 65535; the established connection offers all of
            // its initial RCV.WND (a request socket's `rsk_rcv_wnd`, `tcp_create_openreq_child`)
            // as it is, and aligned up to what the window scale can say only from the next
            // segment we send (`advertise_window`; Linux `tcp_select_window`): until then a
            // segment past the unaligned edge is outside the window (RFC 9293 §3.10.7.4
            // first; fuzz_regressions).
            let unit = 1u32 << self.neg.rcv_scale.get();
            let wnd = self.initial_rcv_wnd();
            self.rcv_adv_aligned = Some(self.tcb.rcv_nxt + wnd.div_ceil(unit) * unit);
            let edge = self.tcb.rcv_nxt + wnd;
            if edge.after(self.tcb.rcv_adv) {
                self.tcb.rcv_adv = edge;
            }
        }
    }

    /// Our FIN has been sent and acknowledged.
    pub fn our_fin_acked(&self) -> bool {
        self.fin_queued && self.tcb.snd_una == self.send.end() + 1
    }

    /// Our FIN has been sent (SND.NXT is past it).
    pub fn our_fin_sent(&self) -> bool {
        self.fin_queued && self.tcb.snd_nxt == self.send.end() + 1
    }

    /// TIME-WAIT: start the 2×MSL timer and stop the others (§3.10.7.4 step 8).
    pub fn enter_time_wait(&mut self, now: Instant, config: &Config) {
        self.timers.clear();
        // Mutation testing: a TIME-WAIT that lasts no time.
        let length = if config.mutations.skip_time_wait { Duration::ZERO } else { config.time_wait };
        self.timers.time_wait = Some(now + length);
    }

    /// Resends the segment at SND.UNA (fast retransmit, partial ACK, RFC 6298 (5.4)).
    pub fn retransmit_head(&mut self, now: Instant) {
        let una = self.tcb.snd_una;
        if self.state == State::SynSent || self.state == State::SynReceived || una == self.tcb.iss {
            return;
        }
        // Repacketized (RFC 1122 §4.2.2.15), the segment may take octets never sent, but only
        // those the peer's window admits (§3.8.6: new text stays within SND.UNA + SND.WND).
        let window_end = self.tcb.snd_nxt.latest(una + self.tcb.snd_wnd);
        let admitted = window_end.since(una).max(0) as usize;
        let len = self.send.available_from(una).min(self.send_mss() as usize).min(admitted);
        let fin = self.fin_queued && una + len as u32 == self.send.end() && self.our_fin_sent();
        if len == 0 && !fin {
            return;
        }
        let end = self.send_text(now, una, len, fin);
        self.retransmitted(end);
    }

    /// Forms and queues the segment carrying the `len` queued octets from `seq`, and the FIN
    /// after them if `fin` — the one segment builder for text, new or retransmitted: PSH on
    /// the segment that empties the send queue (MUST-61), ACK, window and options as every
    /// segment. Returns the sequence number after it.
    pub fn send_text(&mut self, now: Instant, seq: SeqNum, len: usize, fin: bool) -> SeqNum {
        let payload = self.send.slice(seq, len);
        let end = seq + payload.len() as u32;
        let mut flags = TcpFlags::EMPTY;
        if !payload.is_empty() && end == self.send.end() {
            flags = flags | TcpFlags::PSH;
        }
        if fin {
            flags = flags | TcpFlags::FIN;
        }
        let seg = self.segment(now, seq, flags, payload);
        self.out.push(seg);
        end + u32::from(fin)
    }

    /// What a retransmission ending at `end` changes: no RTT sample from it (Karn, RFC 6298
    /// §3), the count, and SND.NXT — repacketized (RFC 1122 §4.2.2.15), the segment may carry
    /// octets never sent before: they are sent now, so SND.NXT moves past them (§3.3.1).
    pub fn retransmitted(&mut self, end: SeqNum) {
        self.rtt_probe = None;
        self.total_retransmits += 1;
        self.tcb.snd_nxt = self.tcb.snd_nxt.latest(end);
    }

    /// Decide when to ACK in-order text (§3.8.6.3): at once for Linux's first segments and
    /// when delayed ACKs are off; at least every second full-sized segment (SHLD-19);
    /// otherwise within the delayed-ACK timeout (SHLD-18, MUST-40: under 0.5 s).
    pub fn schedule_ack(&mut self, now: Instant, len: usize, config: &Config) {
        if !config.delayed_ack_enabled || self.quickacks > 0 {
            self.quickacks = self.quickacks.saturating_sub(1);
            self.ack_pending = AckPending::Now;
            return;
        }
        self.unacked_bytes = self.unacked_bytes.saturating_add(len as u32);
        // SHLD-19: an ACK for at least every second full-sized segment; Linux ACKs as soon
        // as more than one MSS is unacknowledged (__tcp_ack_snd_check).
        let mss = self.smss();
        let due = match config.profile {
            crate::config::Profile::Rfc9293 => self.unacked_bytes >= 2 * mss,
            crate::config::Profile::Linux => self.unacked_bytes > mss,
        };
        if due {
            self.ack_pending = AckPending::Now;
        } else if self.ack_pending == AckPending::None {
            self.ack_pending = AckPending::Delayed;
            self.timers.delayed_ack = Some(now + config.delayed_ack);
        }
    }

    /// ABORT's reset: `<SEQ=SND.NXT><CTL=RST>` (Linux adds ACK = RCV.NXT and the window), then
    /// delete the TCB.
    pub fn abort_with_reset(&mut self, config: &Config) {
        let mut rst = self.base_segment(self.tcb.snd_nxt, TcpFlags::RST);
        if config.profile == crate::config::Profile::Linux {
            // tcp_send_active_reset → tcp_transmit_skb: the window of any segment (seen on 6.18).
            rst.flags = TcpFlags::RST | TcpFlags::ACK;
            rst.ack = self.tcb.rcv_nxt;
            rst.window = self.advertise_window();
        }
        self.out.push(rst);
        self.recv.clear();
        self.delete_tcb(None);
    }
}
