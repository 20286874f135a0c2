//! One hypothesis about a connection's TCB — a *world*. The oracle keeps every world an
//! RFC-conformant stack could be in after the trace so far; each inbound segment moves every
//! world by the rules of §3.10.7 (forking where the RFC or the profile allows more than one
//! behaviour, or where the oracle cannot tell), and each outbound segment kills the worlds
//! that could not have sent it. Unknowns are kept as bounds learned from the trace:
//! RCV.NXT from below (`rcv`: what must have been accepted) with the receive space giving the
//! bound above; SND.UNA as an interval; the windows as the edges advertised.
//!
//! A world is `Copy` and small: the per-segment work allocates nothing.

use super::verdict::Rule;
use synack_stack::decision::Check;
use synack_stack::{SeqNum, State, Step};

/// Three-valued answers for conditions on unknowns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    pub(crate) fn from_bounds(certain: bool, possible: bool) -> Tri {
        if certain {
            Tri::Yes
        } else if possible {
            Tri::Maybe
        } else {
            Tri::No
        }
    }

    pub(crate) fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            (Tri::Maybe, _) | (_, Tri::Maybe) => Tri::Maybe,
        }
    }

    /// Whether the "yes" branch must be followed.
    pub(crate) fn may(self) -> bool {
        self != Tri::No
    }

    /// Whether the "no" branch must be followed.
    pub(crate) fn may_not(self) -> bool {
        self != Tri::Yes
    }
}

/// The options a SYN or SYN-ACK carried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SynOpts {
    pub mss: Option<u16>,
    /// The Window Scale shift as sent: the last option's, and the first's (a repeated
    /// option, see [`SegOptions::wscale`](super::segment::SegOptions::wscale)).
    pub ws: Option<u8>,
    pub ws_first: Option<u8>,
    pub ts: bool,
    pub sack: bool,
    /// RFC 7413 §4.1.1: a Fast Open option, with its cookie's length (0: a cookie request).
    pub fo: Option<u8>,
    /// The (never scaled, RFC 7323 §2.2) window of the SYN.
    pub window: u16,
}

/// A SYN a listener holds: a SYN-ACK answering it may follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Held {
    pub irs: SeqNum,
    pub opts: SynOpts,
    /// Text on the SYN (queued, §3.10.7.2 step 3).
    pub len: u32,
    /// A FIN on the SYN, queued with its text ("any other control or text").
    pub fin: bool,
    /// Until when a SYN-ACK may still answer it.
    pub until: u64,
    /// A SYN that reopens a TIME-WAIT connection: the old SND.NXT, which the new ISS must
    /// exceed (RFC 9293 §3.6.1, MAY-2 condition (1)).
    pub reopens_above: Option<SeqNum>,
}

/// Something the stack owes the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owed {
    /// A reset with these fields (§3.10.7.1, §3.10.7.2 second, §3.10.7.3 first,
    /// §3.10.7.4 fifth in SYN-RECEIVED). `ack`: the RST must carry ACK with this number.
    Rst { seq: SeqNum, ack: Option<SeqNum> },
    /// RFC 5961: `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` (subject to §7 throttling).
    ChallengeAck,
    /// MUST-40: an ACK at or beyond this number, within the delayed-ACK bound.
    AckUpTo(SeqNum),
    /// §3.10.7.3 fourth (simultaneous open): `<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>`.
    SynAck,
}

/// An owed reply with its deadline and origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Duty {
    pub owed: Owed,
    pub due: u64,
    /// The trace event that created it, and its time.
    pub event: usize,
    pub at: u64,
    pub step: Step,
    pub state: State,
    pub req: Option<&'static str>,
}

/// Why a world could not have produced what was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Why {
    pub rule: Rule,
    pub step: Option<Step>,
    pub state: State,
    pub req: Option<&'static str>,
    pub expect: Expect,
    /// For a missing reply: the event that called for it.
    pub cause: Option<(usize, u64)>,
}

/// What the world allowed or required, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A reply that was owed (with SND.NXT and RCV.NXT as known then).
    Owed { owed: Owed, snd_nxt: SeqNum, rcv_nxt: SeqNum, iss: SeqNum, irs: SeqNum },
    /// No TCB: nothing but RSTs answering segments, or a SYN opening a connection.
    NoTcb,
    /// Only these controls in this state.
    Only(&'static str),
    /// A RST only with SEG.SEQ in [lo, hi] and a reason (user ABORT, data after close, …).
    Abort { lo: SeqNum, hi: SeqNum },
    /// SEG.ACK in [lo, hi] (lo: what must have been accepted; hi: what may have been).
    AckRange { lo: SeqNum, hi: SeqNum },
    /// SEG.SEQ in [lo, hi].
    SeqRange { lo: SeqNum, hi: SeqNum },
    /// New data only up to the peer's right edge.
    Window { edge: SeqNum },
    /// Nothing beyond our FIN at this number.
    Fin { fin: SeqNum },
    /// A SYN-ACK acknowledging the SYN: SEG.ACK = IRS+1.
    SynAckAck { ack: SeqNum },
    /// A SYN retransmission: SEG.SEQ = ISS.
    SameIss { iss: SeqNum },
    /// A listener's SYN-ACK to a SYN with text that may have been taken (RFC 7413 §4.2.2
    /// step 5): SEG.ACK = IRS+1, or past the SYN's text.
    SynAckAckFastOpen { syn: SeqNum, text: SeqNum },
}

impl Expect {
    pub(crate) fn render(&self) -> String {
        match *self {
            Expect::Owed { owed, snd_nxt, rcv_nxt, iss, irs } => match owed {
                Owed::Rst { seq, ack: None } => format!("<SEQ={seq}><CTL=RST>"),
                Owed::Rst { seq, ack: Some(a) } => format!("<SEQ={seq}><ACK={a}><CTL=RST,ACK>"),
                Owed::ChallengeAck => format!("a challenge ACK <SEQ={snd_nxt}><ACK={rcv_nxt}><CTL=ACK> (RFC 5961)"),
                Owed::AckUpTo(x) => format!("an ACK of at least {x} (RCV.NXT)"),
                Owed::SynAck => format!("<SEQ={iss}><ACK={}><CTL=SYN,ACK>", irs + 1),
            },
            Expect::NoTcb => "no TCB: nothing but a RST answering a segment, or a SYN".into(),
            Expect::Only(what) => what.into(),
            Expect::Abort { lo, hi } => format!(
                "no RST without a reason (user ABORT, data after CLOSE, a timeout); an ABORT's RST has SEG.SEQ in [{lo}, {hi}]"
            ),
            Expect::AckRange { lo, hi } => format!("SEG.ACK in [{lo}, {hi}] (accepted, at most received in the window)"),
            Expect::SeqRange { lo, hi } => format!("SEG.SEQ in [{lo}, {hi}]"),
            Expect::Window { edge } => format!("new data only up to the peer's right edge {edge}"),
            Expect::Fin { fin } => format!("nothing beyond our FIN at {fin}"),
            Expect::SynAckAck { ack } => format!("a SYN-ACK with SEG.ACK = {ack}"),
            Expect::SameIss { iss } => format!("a retransmitted SYN with SEG.SEQ = ISS = {iss}"),
            Expect::SynAckAckFastOpen { syn, text } => format!(
                "a SYN-ACK with SEG.ACK = {syn} (the SYN only) or {text} (its text taken with it, RFC 7413 §4.2.2)"
            ),
        }
    }
}

/// At most this many duties per world; a further one is dropped (which only weakens).
const DUTIES: usize = 4;

/// One possible TCB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct World {
    /// CLOSED: no TCB and no listener; LISTEN: no TCB, a listener answers.
    pub state: State,
    pub passive: bool,
    pub iss: SeqNum,
    pub irs: SeqNum,
    /// Our SYN's (or SYN-ACK's) options, once sent.
    pub ours: SynOpts,
    /// The peer's SYN options, once received.
    pub peers: SynOpts,
    /// LISTEN: a SYN awaiting its SYN-ACK.
    pub held: Option<Held>,
    /// SND.UNA is in [una, una_hi].
    pub una: SeqNum,
    pub una_hi: SeqNum,
    /// The highest sequence number sent, plus one (SND.NXT as far as the wire shows).
    pub snd_max: SeqNum,
    /// Our FIN's sequence number, once sent.
    pub fin_seq: Option<SeqNum>,
    /// The furthest right edge (SEG.ACK + SEG.WND, scaled) the peer has offered.
    pub peer_edge: SeqNum,
    /// MAX.SND.WND (RFC 5961 §5.2) is in [max_wnd_lo, max_wnd_hi].
    pub max_wnd_lo: u32,
    pub max_wnd_hi: u32,
    /// SND.WL1, SND.WL2 (the segment of the last window update) and the right edge that
    /// update set (SND.UNA + SND.WND as the stack has it).
    pub wl1: SeqNum,
    pub wl2: SeqNum,
    pub cur_edge: SeqNum,
    /// RCV.NXT is at least this: everything before it was surely accepted.
    pub rcv: SeqNum,
    /// The right edge we last advertised (rounded down to the scale's granularity): text
    /// inside it must be accepted.
    pub edge: SeqNum,
    /// The furthest right edge we ever advertised: text beyond it must not be.
    pub edge_max: SeqNum,
    /// The peer's FIN has been accepted (RCV.NXT is past it).
    pub fin_in: bool,
    /// RCV.NXT's lower bound before the last inbound segment, and until when a segment the
    /// stack sends may still carry it: a retransmission or new data triggered by that
    /// segment's ACK is formed before its text is processed (Linux `tcp_ack` retransmits
    /// from inside the ACK processing; so does the reference stack on a partial ACK).
    pub rcv_prev: SeqNum,
    pub stale_until: u64,
    /// Until when a bare ACK answering an invalid segment may go out (in SYN-RECEIVED,
    /// where nothing else calls for one).
    pub ack_ok_until: u64,
    /// The last advances of `rcv`: (when, the value before). A stack whose segments are
    /// seen before it processes them (a capture point away from the stack, a real kernel's
    /// softirq) may report an older RCV.NXT for up to the profile's processing skew.
    pub lag: [(u64, SeqNum); 4],
    /// When the state was entered (TIME-WAIT, FIN-WAIT-2 timers).
    pub entered: u64,
    pub duties: [Option<Duty>; DUTIES],
    /// Deviations this world's history relies on.
    pub used: u32,
    /// SHOULD-level departures ([`Advice`]) this world's history contains.
    pub advised: u32,
    /// SYN-RECEIVED (passive) kept on the hypothesis that a full accept queue dropped an
    /// acceptable ACK (a resource decision, see `arrive`).
    pub ack_dropped: bool,
    /// Joined mid-stream (a capture): the handshake was not seen, so the window scales are
    /// unknown (any shift from 0 to 14) and SND.NXT may be beyond what the capture shows.
    pub joined: bool,
    /// RFC 7413 §4.2.2 (server, step 4): the FastOpened flag — the listener took the SYN's
    /// text (this many octets, acknowledged by the SYN-ACK) and notified the application, so
    /// the connection may be accepted, send text and be closed while still SYN-RECEIVED.
    pub fast_open: Option<u32>,
    /// SYN-RECEIVED, and FIN-WAIT-1 before our SYN is acknowledged: what came on this
    /// incarnation's SYN and was queued "for processing later" (§3.10.7.2 third, §3.10.7.3
    /// fourth) — the end of its text and whether its FIN follows. The receive space cannot
    /// say: it is one per IRS, and an earlier incarnation with the same IRS may still be a
    /// world. `None` where the SYN was not seen (nothing else sets it).
    pub syn_queue: Option<(SeqNum, bool)>,
}

/// A departure from a SHOULD: reported as advice, never as a violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Advice {
    /// SHLD-15 (RFC 1122 §4.2.2.16): no new data beyond a window the peer has shrunk.
    IntoShrunkWindow,
    /// RFC 7413 §4.2.1, §4.2.2: a SYN or SYN-ACK retransmitted on its timer SHOULD carry
    /// neither data nor the Fast Open option.
    FastOpenRetransmission,
}

impl Advice {
    pub(crate) const ALL: [Advice; 2] = [Advice::IntoShrunkWindow, Advice::FastOpenRetransmission];

    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The rule, step, requirement (RFC 9293's table) and text of its report.
    pub(crate) fn report(self) -> (Rule, Step, Option<&'static str>, &'static str) {
        match self {
            Advice::IntoShrunkWindow => (
                Rule::BeyondPeerWindow,
                Step::Send,
                Some("SHLD-15"),
                "no new data beyond SND.UNA+SND.WND once the peer has shrunk its window",
            ),
            Advice::FastOpenRetransmission => (
                Rule::Options,
                Step::Timeout(synack_stack::decision::TimerKind::Retransmission),
                None,
                "a SYN or SYN-ACK retransmitted without data or the Fast Open option (RFC 7413 §4.2.1, §4.2.2)",
            ),
        }
    }
}

impl World {
    /// No TCB: CLOSED, or LISTEN when a listener answers.
    pub(crate) fn no_tcb(state: State, now: u64) -> World {
        let z = SeqNum::new(0);
        World {
            state,
            passive: false,
            iss: z,
            irs: z,
            ours: SynOpts::default(),
            peers: SynOpts::default(),
            held: None,
            una: z,
            una_hi: z,
            snd_max: z,
            fin_seq: None,
            peer_edge: z,
            max_wnd_lo: 0,
            max_wnd_hi: 0,
            wl1: z,
            wl2: z,
            cur_edge: z,
            rcv: z,
            edge: z,
            edge_max: z,
            fin_in: false,
            rcv_prev: z,
            stale_until: 0,
            ack_ok_until: 0,
            lag: [(0, z); 4],
            entered: now,
            duties: [None; DUTIES],
            used: 0,
            advised: 0,
            ack_dropped: false,
            joined: false,
            fast_open: None,
            syn_queue: None,
        }
    }

    /// The worlds after this connection's TCB is deleted: the 4-tuple has no TCB, and a
    /// listener may or may not answer (the more likely first).
    pub(crate) fn deleted(&self, now: u64, out: &mut Vec<World>) {
        let order = if self.passive { [State::Listen, State::Closed] } else { [State::Closed, State::Listen] };
        for state in order {
            let mut w = World::no_tcb(state, now);
            w.used = self.used;
            w.advised = self.advised;
            out.push(w);
        }
    }

    /// Whether `other` differs from this world only in bounds (then the two can be joined
    /// into one that allows what either allows).
    pub(crate) fn mergeable(&self, other: &World) -> bool {
        self.state == other.state
            && self.passive == other.passive
            && self.iss == other.iss
            && self.irs == other.irs
            && self.ours == other.ours
            && self.peers == other.peers
            && self.held == other.held
            && self.snd_max == other.snd_max
            && self.fin_seq == other.fin_seq
            && self.fin_in == other.fin_in
            && self.duties == other.duties
            && self.used == other.used
            && self.advised == other.advised
            && self.joined == other.joined
            && self.ack_dropped == other.ack_dropped
            && self.fast_open == other.fast_open
            && self.syn_queue == other.syn_queue
            // The joined edge is the furthest: a closed window joined with an open one
            // would read the closed world's window probes as retransmissions (§3.8.6.1).
            && self.window_closed() == other.window_closed()
    }

    /// The peer's window is closed as far as SND.UNA's lower bound shows: one octet at
    /// SND.UNA is a window probe (§3.8.6.1).
    pub(crate) fn window_closed(&self) -> bool {
        !self.cur_edge.after(self.una)
    }

    /// Widens this world's bounds to cover `other`'s (an over-approximation: the joined
    /// world allows everything either allowed, so joining never raises a false alarm).
    pub(crate) fn join(&mut self, o: &World) {
        self.una = self.una.earliest(o.una);
        self.una_hi = self.una_hi.latest(o.una_hi);
        self.peer_edge = self.peer_edge.latest(o.peer_edge);
        self.max_wnd_lo = self.max_wnd_lo.min(o.max_wnd_lo);
        self.max_wnd_hi = self.max_wnd_hi.max(o.max_wnd_hi);
        self.wl1 = self.wl1.earliest(o.wl1);
        self.wl2 = self.wl2.earliest(o.wl2);
        self.cur_edge = self.cur_edge.latest(o.cur_edge);
        self.rcv = self.rcv.earliest(o.rcv);
        self.edge = self.edge.earliest(o.edge);
        self.edge_max = self.edge_max.latest(o.edge_max);
        self.entered = self.entered.min(o.entered);
        self.rcv_prev = self.rcv_prev.earliest(o.rcv_prev);
        self.stale_until = self.stale_until.max(o.stale_until);
        self.ack_ok_until = self.ack_ok_until.max(o.ack_ok_until);
        for (a, b) in self.lag.iter_mut().zip(o.lag) {
            *a = (a.0.max(b.0), if a.0 == 0 { b.1 } else if b.0 == 0 { a.1 } else { a.1.earliest(b.1) });
        }
    }

    /// SEG.ACK of our SYN-ACK (and of its retransmissions): IRS+1, past the SYN's text too
    /// when it was taken with the SYN (RFC 7413 §4.2.2 server step 5).
    pub(crate) fn syn_ack_ack(&self) -> SeqNum {
        self.irs + 1 + self.fast_open.unwrap_or(0)
    }

    /// Whether this world has a TCB with both sequence spaces known.
    pub(crate) fn has_tcb(&self) -> bool {
        match self.state {
            State::Closed | State::Listen | State::SynSent => false,
            State::SynReceived
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait => true,
        }
    }

    /// Window scaling in use (RFC 7323 §2.2: both SYNs carried WS).
    pub(crate) fn ws_on(&self) -> bool {
        self.ours.ws.is_some() && self.peers.ws.is_some()
    }

    /// The shift of the windows the peer sends: (least, most) — one value once the SYNs
    /// were seen, any when the connection was joined mid-stream.
    pub(crate) fn snd_shifts(&self) -> (u32, u32) {
        self.shifts(&self.peers)
    }

    /// The shift of the windows we send: (least, most).
    pub(crate) fn rcv_shifts(&self) -> (u32, u32) {
        self.shifts(&self.ours)
    }

    fn shifts(&self, syn: &SynOpts) -> (u32, u32) {
        if self.joined {
            (0, 14)
        } else if self.ws_on() {
            // RFC 7323 §2.3: a shift above 14 is used as 14.
            let clamp = |ws: Option<u8>| u32::from(ws.unwrap_or(0).min(14));
            let (last, first) = (clamp(syn.ws), clamp(syn.ws_first.or(syn.ws)));
            (last.min(first), last.max(first))
        } else {
            (0, 0)
        }
    }

    /// RFC 7323 §3.2: timestamps in use.
    pub(crate) fn ts_on(&self) -> bool {
        self.ours.ts && self.peers.ts
    }

    /// RFC 2018: SACK in use.
    pub(crate) fn sack_on(&self) -> bool {
        self.ours.sack && self.peers.sack
    }

    /// Whether our FIN is acknowledged.
    pub(crate) fn fin_acked(&self) -> Tri {
        match self.fin_seq {
            None => Tri::No,
            Some(f) => Tri::from_bounds(self.una.after(f), self.una_hi.after(f)),
        }
    }

    /// RCV.NXT advances to `to` at `now` (the old value kept for the processing skew).
    pub(crate) fn advance_rcv(&mut self, to: SeqNum, now: u64) {
        let oldest = (0..self.lag.len()).min_by_key(|&i| self.lag[i].0).unwrap_or(0);
        self.lag[oldest] = (now, self.rcv);
        self.rcv = to;
    }

    /// The lowest RCV.NXT the stack may still report at `now`: the value before the first
    /// advance within `skew`.
    pub(crate) fn lag_floor(&self, now: u64, skew: u64) -> SeqNum {
        self.lag
            .iter()
            .filter(|(t, _)| *t != 0 && now.saturating_sub(*t) <= skew)
            .min_by_key(|(t, _)| *t)
            .map_or(self.rcv, |&(_, r)| r.earliest(self.rcv))
    }

    /// Moves to `state`, noting when if its timers need it (TIME-WAIT, FIN-WAIT-2; other
    /// states keep 0, so that worlds differing only in that time merge).
    pub(crate) fn enter(&mut self, state: State, now: u64) {
        if self.state != state {
            self.state = state;
            self.entered = match state {
                State::TimeWait | State::FinWait2 => now,
                State::Closed
                | State::Listen
                | State::SynSent
                | State::SynReceived
                | State::Established
                | State::FinWait1
                | State::CloseWait
                | State::Closing
                | State::LastAck => 0,
            };
        }
    }

    /// Adds a duty (an identical one already owed keeps the earlier deadline).
    pub(crate) fn owe(&mut self, duty: Duty) {
        if duty.owed == Owed::ChallengeAck {
            self.ack_ok_until = self.ack_ok_until.max(duty.due);
        }
        if self.duties.iter().flatten().any(|d| d.owed == duty.owed) {
            return;
        }
        if let Some(slot) = self.duties.iter_mut().find(|d| d.is_none()) {
            *slot = Some(duty);
        }
    }

    /// Drops the duties an outbound segment with these fields fulfils; returns whether it
    /// was an owed RST.
    pub(crate) fn fulfil(&mut self, rst: bool, syn: bool, has_ack: bool, seq: SeqNum, ack: SeqNum) -> bool {
        let (iss, irs) = (self.iss, self.irs);
        let mut owed_rst = false;
        for slot in &mut self.duties {
            let done = match slot.map(|d| d.owed) {
                None => false,
                Some(Owed::Rst { seq: s, ack: a }) => rst && seq == s && a.is_none_or(|a| has_ack && ack == a),
                Some(Owed::ChallengeAck) => has_ack && !rst && !syn,
                Some(Owed::AckUpTo(x)) => has_ack && !syn && !rst && ack.after_or_eq(x),
                Some(Owed::SynAck) => syn && has_ack && seq == iss && ack == irs + 1,
            };
            if done {
                owed_rst |= matches!(slot.map(|d| d.owed), Some(Owed::Rst { .. }));
                *slot = None;
            }
        }
        owed_rst
    }

    /// The earliest duty overdue at `now`.
    pub(crate) fn overdue(&self, now: u64) -> Option<Duty> {
        self.duties.iter().flatten().filter(|d| d.due < now).min_by_key(|d| d.due).copied()
    }

    /// The report of an unmet duty.
    pub(crate) fn why_unmet(&self, d: &Duty) -> Why {
        let rule = match d.owed {
            Owed::AckUpTo(_) => Rule::AckDelay,
            Owed::Rst { .. } | Owed::ChallengeAck | Owed::SynAck => Rule::MissingReply,
        };
        Why {
            rule,
            step: Some(d.step),
            state: d.state,
            req: d.req,
            expect: Expect::Owed { owed: d.owed, snd_nxt: self.snd_max, rcv_nxt: self.rcv, iss: self.iss, irs: self.irs },
            cause: Some((d.event, d.at)),
        }
    }
}

/// The §3.10.7.4 step label for a check.
pub(crate) fn other(check: Check) -> Step {
    Step::Other(check)
}
