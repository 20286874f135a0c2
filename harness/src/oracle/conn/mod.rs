//! One connection as the oracle follows it: its worlds, what is shared between them (the
//! receive spaces, the facts that explain the stack's initiatives, the retransmission
//! series), and the turning of dead worlds into findings.
//!
//! Per event: overdue duties kill the worlds that owed them; the event moves every world;
//! if none survives, a silent close the RFC allows (TIME-WAIT's end, a give-up after
//! retransmissions, a listener dropping a half-open connection) is tried as an explanation;
//! failing that, the first world's reason is reported and the oracle carries on from what
//! the stack evidently did.

mod outbound;
mod report;

use super::arrive::arrive;
use super::checks::{self, Series};
use super::context::{debug, Cx, Facts, Judge};
use super::emit::{emit, force, opened};
use super::global::Global;
use super::history::History;
use super::join::{Begin, Joining};
use super::profile::Deviation;
use super::segment::Seg;
use super::seqspace::RecvSpace;
use super::verdict::Severity;
use super::world::{Advice, Owed, Why, World};
use report::Report;
use std::collections::VecDeque;
use std::net::SocketAddr;
use synack_stack::State;

/// More worlds than this and the oracle stops judging the connection (it would otherwise
/// have to drop possibilities, and could then raise false alarms).
const MAX_WORLDS: usize = 8;
/// Findings per connection before the oracle stops judging it.
const MAX_FINDINGS: u32 = 20;

#[derive(Clone)]
pub(crate) struct Conn {
    id: usize,
    remote: SocketAddr,
    local: SocketAddr,
    born: u64,
    pub worlds: Vec<World>,
    scratch: Vec<World>,
    pub(super) spaces: Vec<RecvSpace>,
    pub(super) facts: Facts,
    series: Option<Series>,
    /// A segment from the peer arrived since the last (re)transmission the series saw.
    heard: bool,
    /// First transmissions of data segments not yet acknowledged: (SEG.SEQ, time, tick).
    sent: VecDeque<(synack_stack::SeqNum, u64, u64)>,
    /// Segments seen on this connection (orders events within one instant).
    tick: u64,
    /// The tick of the last segment from the peer.
    last_heard: Option<u64>,
    pub(super) last_in: Option<(usize, u64, Seg)>,
    /// The stack has sent a segment since `last_in`.
    pub(super) sent_since_in: bool,
    /// The worlds before the last few inbound segments, and the segments since.
    pub(super) history: History,
    /// The worlds and facts before the last inbound segment (a silent close may have come
    /// before it).
    pub(super) before_in: Vec<World>,
    pub(super) facts_before_in: Facts,
    /// The last inbound segment an ACK-for-invalid may answer.
    invalid_in: Option<u64>,
    /// Times of ACKs that answered invalid segments (this connection).
    stamps: VecDeque<u64>,
    /// Judged at all (a capture may join a connection mid-stream).
    judged: bool,
    /// What the peer sent before a connection joined mid-stream is followed, and the event
    /// it was followed from.
    joining: Joining,
    joined_at: Option<usize>,
    /// Stopped judging (too many worlds or findings).
    gave_up: bool,
    /// Advice already reported on this connection.
    advised: u32,
    findings: u32,
    /// `Global::calls` at this connection's last segment.
    calls_seen: u64,
    /// The peer has offered a zero window: the stack's probes may be window probes (MUST-36)
    /// whatever the worlds' upper bounds on its window say.
    zero_window_seen: bool,
    /// When the stack last took a segment from the peer (an acceptable ACK): what a
    /// keep-alive's interval runs from (§3.8.4 MUST-26, "no data or acknowledgment packets
    /// have been received"; Linux `rcv_tstamp`).
    taken_in: Option<u64>,
}

impl Conn {
    /// A connection first seen now. `judged`: its first segment is its first ever.
    pub(crate) fn new(id: usize, local: SocketAddr, remote: SocketAddr, now: u64, judged: bool, g: &Global) -> Conn {
        Conn {
            id,
            remote,
            local,
            born: now,
            worlds: Self::fresh(local, now, g),
            scratch: Vec::new(),
            spaces: Vec::new(),
            facts: Facts::default(),
            series: None,
            heard: false,
            sent: VecDeque::new(),
            tick: 0,
            last_heard: None,
            last_in: None,
            sent_since_in: false,
            history: History::default(),
            before_in: Vec::new(),
            facts_before_in: Facts::default(),
            invalid_in: None,
            stamps: VecDeque::new(),
            judged,
            joining: Joining::default(),
            joined_at: None,
            gave_up: false,
            advised: 0,
            findings: 0,
            calls_seen: g.calls,
            zero_window_seen: false,
            taken_in: None,
        }
    }

    /// No TCB yet: a listener answers or not (the one seen answering before first).
    fn fresh(local: SocketAddr, now: u64, g: &Global) -> Vec<World> {
        let order = if g.listeners.contains(&local) { [State::Listen, State::Closed] } else { [State::Closed, State::Listen] };
        order.iter().map(|s| World::no_tcb(*s, now)).collect()
    }

    /// A listen() or close() since this connection's last segment may have opened or closed a
    /// listener on its local port (the oracle does not know which socket a call is on): a
    /// world without a TCB may now be the other kind. A half-open connection of a listener
    /// (passive SYN-RECEIVED, no user yet) may have gone with it, silently — Linux drops a
    /// request socket whose listener is closed at its next segment or timer
    /// (`inet_csk_reqsk_queue_drop_and_put` from `tcp_v4_rcv`, `reqsk_timer_handler`) — and
    /// a listen() since may have put a new listener in its place.
    fn listener_calls(&mut self, now: u64, g: &Global) {
        if g.calls == self.calls_seen {
            return;
        }
        let opened = g.last_listen_call > self.calls_seen;
        let closed = g.last_close_call > self.calls_seen;
        self.calls_seen = g.calls;
        for i in 0..self.worlds.len() {
            let w = self.worlds[i];
            let half_open = w.state == State::SynReceived && w.passive && w.fast_open.is_none();
            let twins: &[State] = match (w.state, opened, closed) {
                (State::Closed, true, _) => &[State::Listen],
                (State::Listen, _, true) => &[State::Closed],
                (State::SynReceived, true, true) if half_open => &[State::Closed, State::Listen],
                (State::SynReceived, false, true) if half_open => &[State::Closed],
                (
                    State::Closed
                    | State::Listen
                    | State::SynSent
                    | State::SynReceived
                    | State::Established
                    | State::FinWait1
                    | State::FinWait2
                    | State::CloseWait
                    | State::Closing
                    | State::LastAck
                    | State::TimeWait,
                    _,
                    _,
                ) => continue,
            };
            for &other in twins {
                let mut twin = World::no_tcb(other, now);
                twin.used = w.used;
                twin.advised = w.advised;
                if !self.worlds.iter().any(|x| x.mergeable(&twin)) {
                    self.worlds.push(twin);
                }
            }
        }
    }

    /// Whether the oracle judged this connection (some of it).
    pub(crate) fn judged(&self) -> bool {
        self.judged
    }

    /// The event a connection joined mid-stream was followed from.
    pub(crate) fn joined_at(&self) -> Option<usize> {
        self.joined_at
    }

    /// `local → remote`, as findings name the connection.
    pub(crate) fn name(&self) -> String {
        format!("{} → {}", self.local, self.remote)
    }

    /// One segment, inbound (from the peer) or outbound (from the judged stack).
    pub(crate) fn on_segment(&mut self, ev: usize, now: u64, s: &Seg, outbound: bool, g: &mut Global) {
        if !self.judged {
            match self.joining.begin(ev, now, s, outbound, g.profile.complete, &mut self.facts) {
                Begin::Wait => return,
                Begin::Joined => {
                    // Followed from the stack's own numbers (see `join`).
                    self.worlds = self.joining.worlds(s, now, &mut self.spaces);
                    self.judged = true;
                    self.joined_at = Some(ev);
                    return;
                }
                Begin::Fresh { replay } => {
                    // A new incarnation begins: judged from here.
                    self.judged = true;
                    self.worlds = Self::fresh(self.local, now, g);
                    if let Some((sev, snow, syn, simultaneous)) = replay {
                        if simultaneous {
                            self.worlds.push(opened(&World::no_tcb(State::Closed, snow), s, snow));
                        }
                        self.on_segment(sev, snow, &syn, false, g);
                    }
                }
            }
        }
        if self.gave_up {
            return;
        }
        self.tick += 1;
        self.expire(now, g);
        self.listener_calls(now, g);
        self.facts.last_user_call = g.last_user_call.filter(|_| g.profile.user_calls_visible);
        self.facts.user_closed = g.last_close.is_some_and(|t| t >= self.born);
        self.facts.user_send_closed = g.last_send_close.is_some_and(|t| t >= self.born);
        self.facts.user_rcv_closed = g.last_rcv_close.is_some_and(|t| t >= self.born);
        self.facts.user_aborted = g.last_abort.is_some_and(|t| t >= self.born);
        self.facts.user_timeout = g.user_timeout;
        let (local, remote) = (self.local, self.remote);
        self.facts.queued_elsewhere = g.handshakes.iter().any(|&(l, r, _)| l == local && r != remote);
        let mut here = g.handshakes.iter().rev().filter(|&&(l, r, _)| l == local && r == remote).map(|&(.., irs)| irs);
        self.facts.queued_incarnations = [here.next(), here.next()];
        // Text in before a close() may have been unread: that close() may be an ABORT.
        self.facts.closed_over_text = g.last_close_fd.is_some_and(|t| t >= self.born && self.facts.first_text_in.is_some_and(|i| i <= t));
        // SND.UNA before the segment, in a world with a TCB (a world without one has none).
        let una_before = self.worlds.iter().find(|w| w.has_tcb()).map(|w| w.una);
        // What happened, for a report: the segment's description when the stack sent it
        // (formatted only if a report needs it).
        let shown = outbound.then_some(s);
        if outbound {
            self.outbound_checks(ev, now, s, g);
        } else {
            self.before_in.clear();
            self.before_in.extend_from_slice(&self.worlds);
            self.facts_before_in = self.facts;
            self.history.inbound(&self.worlds, self.facts, ev, now, s);
        }
        // Only a TCB whose SYN may still be unacknowledged (SYN-RECEIVED, or FIN-WAIT-1 after
        // a CLOSE there) retransmits its SYN-ACK.
        let may_resend = |w: &World| w.has_tcb() && w.iss == s.seq && w.una == w.iss;
        if outbound && s.flags.syn() && s.has_ack() && !self.worlds.iter().any(may_resend) {
            // A SYN-ACK no TCB can have sent (none, or none with this ISS and our SYN
            // unacknowledged) opens a new incarnation — answering a SYN a listener holds, or
            // one it took after the TCB ended silently (history.rs). Only worlds of that
            // incarnation survive it, and the receive spaces of earlier ones (reset or given
            // up, their text dropped with their TCBs; or still a world, but synchronized, whose
            // ISS the stack chose again) are not its own, though one may have the same IRS. A
            // retransmitted SYN-ACK keeps them.
            self.spaces.clear();
        }
        let mut next = std::mem::take(&mut self.scratch);
        next.clear();
        let mut j = Judge::new(g, &mut self.spaces);
        let mut cx = j.cx(now, ev, &self.facts);
        let mut first_why = None;
        // Worlds may differ in what the handshake negotiated (which SYN a SYN-ACK answered,
        // after a listener was replaced): an outbound segment's format (options, size) rules
        // out the worlds it breaks, and is a finding only when no other world sent it.
        // A SYN-ACK's options are judged by the SYN it answers in each world (a listener's, or
        // ours in a simultaneous open, where Linux repeats our SYN's options).
        let last_in = self.last_in.as_ref().map(|(_, _, i)| i);
        let answering = |w: &World| if s.flags.syn() && s.has_ack() { checks::answered_syn(std::slice::from_ref(w), s, last_in) } else { None };
        let mut misfits = Vec::new();
        let mut fitted = None;
        for (i, w) in self.worlds.iter().enumerate() {
            if outbound {
                let fits = !checks::breaks(&checks::format(w, s, answering(w), cx.profile));
                if !fits && debug() {
                    eprintln!("    a {:?} world breaks format: {:?}", w.state, checks::format(w, s, answering(w), cx.profile));
                }
                let into = if fits { &mut next } else { &mut misfits };
                let before = into.len();
                if let Err(why) = emit(w, s, &mut cx, into) {
                    if debug() {
                        eprintln!("    a {:?} world could not have sent it: {:?}", w.state, why);
                    }
                    first_why.get_or_insert(why);
                }
                if fits && next.len() > before {
                    fitted.get_or_insert(i);
                }
            } else {
                arrive(w, s, &mut cx, &mut next);
            }
        }
        let invalid = cx.invalid;
        if outbound {
            if fitted.is_none() {
                next.append(&mut misfits);
            }
            let judged_by = self.worlds[fitted.unwrap_or(0)];
            let found = checks::format(&judged_by, s, answering(&judged_by), &g.profile);
            if !found.is_empty() {
                let happened = s.describe();
                for f in found {
                    self.report_static(g, f, judged_by.state, ev, now, &happened);
                }
            }
        }
        if next.is_empty() && !(outbound && self.sent_before_last_in(ev, now, s, g, &mut next)) && !self.resurrect(ev, now, Some(s), g, &mut next) {
            if let Some(why) = first_why {
                self.report_why(g, &why, ev, now, &s.describe());
            }
            let mut j = Judge::new(g, &mut self.spaces);
            let mut cx = j.cx(now, ev, &self.facts);
            if let Some(w) = self.worlds.first() {
                force(w, s, &mut cx, &mut next);
            }
        }
        self.settle(next, ev, now, g, shown);
        if s.flags.rst() {
            self.facts.note_reset(outbound, &self.before_in, &self.worlds);
        }
        if debug() {
            eprintln!("#{ev} {:.6} {} {}", now as f64 / 1e9, if outbound { "out" } else { "in " }, s.describe());
            for w in &self.worlds {
                eprintln!("    {w:?}");
            }
        }
        if outbound {
            self.sent_since_in = true;
            self.history.outbound(ev, now, s);
            if s.flags.syn() && s.has_ack() && self.worlds.iter().any(|w| w.passive) && !g.listeners.contains(&self.local) {
                g.listeners.push(self.local);
            }
        } else {
            self.after_inbound(ev, now, s, invalid, una_before, g.permitted & Deviation::TsRecentNeedsAck.bit() != 0);
            let completed = self.worlds.iter().find(|w| w.passive && w.has_tcb() && w.state != State::SynReceived);
            if let Some(key) = completed.map(|w| (self.local, self.remote, w.irs)) {
                if !g.handshakes.contains(&key) && g.handshakes.len() < 64 {
                    g.handshakes.push(key);
                }
            }
        }
    }

    /// The worlds now, and those before the last inbound segment when it came within `skew`
    /// of `now` (a stack may not have processed it when a call returns).
    pub(crate) fn recent_worlds(&self, now: u64, skew: u64) -> impl Iterator<Item = &World> {
        let lagging = skew > 0 && self.last_in.is_some_and(|(_, t, _)| now.saturating_sub(t) <= skew);
        self.worlds.iter().chain(self.before_in.iter().filter(move |_| lagging))
    }

    pub(crate) fn facts(&self) -> Facts {
        self.facts
    }

    /// The receive space of the incarnation whose peer chose `irs`.
    pub(crate) fn space(&self, irs: synack_stack::SeqNum) -> Option<&RecvSpace> {
        self.spaces.iter().find(|s| s.irs == irs)
    }

    /// Whether the oracle follows this connection soundly: judged, not given up, and no
    /// violation yet (after one it carries on from what the stack evidently did, a guess
    /// the socket calls' results are not judged against).
    pub(crate) fn followed(&self) -> bool {
        self.judged && !self.gave_up && self.findings == 0
    }

    fn after_inbound(&mut self, ev: usize, now: u64, s: &Seg, invalid: bool, una_before: Option<synack_stack::SeqNum>, ts_needs_ack: bool) {
        self.heard = true;
        self.zero_window_seen |= s.window == 0 && !s.flags.rst();
        self.last_heard = Some(self.tick);
        // An answer to a probe is a segment the stack takes: one with an acceptable ACK. One
        // dropped as unacceptable, or for lacking the ACK bit (§3.10.7.4 first, fifth), leaves
        // the probes unanswered (Linux's keep-alive counts on; tcp_ack resets it).
        if s.has_ack() && !s.flags.rst() && !invalid {
            self.facts.probe_unanswered = false;
            self.taken_in = Some(now);
        }
        if s.len > 0 {
            self.facts.last_text_in = Some(now);
            self.facts.first_text_in.get_or_insert(now);
        }
        // A lower bound of TS.Recent: RFC 7323 §4.3 copies SEG.TSval to TS.Recent when it
        // is not older and SEG.SEQ =< Last.ACK.sent — so after a segment every world took at
        // or below RCV.NXT (or a SYN opening a connection), TS.Recent is at least its TSval
        // (the older reading of a repeated option). Out-of-window segments update nothing, nor
        // (Deviation::TsRecentNeedsAck, Linux) one without ACK but a SYN opening a connection.
        let at_or_below = |w: &World| if w.has_tcb() { s.seq.before_or_eq(w.rcv) } else { s.flags.syn() };
        // (Linux: and only when the ACK is not older than SND.UNA — tcp_ack leaves an old ACK
        // at `old_ack` before tcp_replace_ts_recent.)
        let ack_taken = s.has_ack() && self.before_in.iter().filter(|w| w.has_tcb()).all(|w| !s.ack.before(w.una));
        // Linux's TIME-WAIT (tcp_timewait_state_process) copies it from any bare segment at
        // RCV.NXT that passes PAWS, ACK bit or not.
        let time_wait_bare = s.seg_len() == 0 && self.before_in.iter().all(|w| w.state == State::TimeWait && s.seq == w.rcv);
        // Nothing else in TIME-WAIT: a FIN or text there draws an ACK and copies nothing.
        let in_time_wait = !self.before_in.is_empty() && self.before_in.iter().all(|w| w.state == State::TimeWait);
        let copies = if ts_needs_ack && in_time_wait {
            time_wait_bare
        } else {
            !ts_needs_ack || ack_taken || time_wait_bare || (s.flags.syn() && self.before_in.iter().all(|w| !w.has_tcb()))
        };
        // TS.Recent and the peer's newest TSval belong to a TCB: a SYN that no world had one
        // for (or one answering SYN-SENT) opens an incarnation whose timestamps start afresh
        // (RFC 7323 §4.3: TS.Recent from the SYN) — the last incarnation's may lie more than
        // half the timestamp circle away, where the new ones read as older and would never
        // replace them.
        let opens = |w: &World| !w.has_tcb() || w.state == State::SynSent;
        if s.flags.syn() && !s.flags.rst() && !self.before_in.is_empty() && self.before_in.iter().all(opens) {
            self.facts.ts_recent_lo = None;
            self.facts.peer_ts_max = None;
        }
        if copies && !invalid && !s.flags.rst() && !self.before_in.is_empty() && self.before_in.iter().all(at_or_below) {
            let older = |a: u32, b: u32| if (a.wrapping_sub(b) as i32) < 0 { a } else { b };
            if let Some(tsval) = s.opts.tsvals().reduce(older) {
                let newer = self.facts.ts_recent_lo.is_none_or(|m| (tsval.wrapping_sub(m) as i32) > 0);
                if newer {
                    self.facts.ts_recent_lo = Some(tsval);
                }
            }
        }
        // The newest by either reading of a repeated option (SegOptions::tsvals).
        for tsval in s.opts.tsvals() {
            let newer = self.facts.peer_ts_max.is_none_or(|m| (tsval.wrapping_sub(m) as i32) > 0);
            if newer {
                self.facts.peer_ts_max = Some(tsval);
            }
        }
        // New data acknowledged: the retransmission episode is over — if the stack took the
        // ACK, as it does in every world that has a TCB. A RST's or an unacceptable
        // segment's ACK field acknowledges nothing (§3.10.7.4: the RST and SYN checks come
        // before the ACK field's), so a give-up after the retransmissions stays possible.
        let taken = |u: synack_stack::SeqNum| {
            let mut tcbs = self.worlds.iter().filter(|w| w.has_tcb()).peekable();
            tcbs.peek().is_some() && tcbs.all(|w| w.una.after(u))
        };
        if s.has_ack() && !s.flags.rst() && una_before.is_some_and(|u| s.ack.after(u) && taken(u)) {
            self.facts.retransmitting = false;
        }
        if invalid {
            self.invalid_in = Some(now);
        }
        self.last_in = Some((ev, now, *s));
        self.sent_since_in = false;
    }

    /// Installs the next worlds, reports deviations they all rely on, and gives up on a
    /// connection whose possibilities outgrow the bound.
    /// `shown`: the segment the stack sent, if that is what the worlds are settling after.
    fn settle(&mut self, mut next: Vec<World>, ev: usize, now: u64, g: &mut Global, shown: Option<&Seg>) {
        // Identical worlds are one; worlds that differ only in bounds are joined.
        let mut i = 0;
        while i < next.len() {
            match (0..i).find(|&j| next[j].mergeable(&next[i])) {
                Some(j) => {
                    let w = next.remove(i);
                    next[j].join(&w);
                }
                None => i += 1,
            }
        }
        self.scratch = std::mem::replace(&mut self.worlds, next);
        if self.worlds.len() > MAX_WORLDS {
            self.give_up(g, ev, now, "more possible states than the oracle follows");
            return;
        }
        let state = self.worlds.first().map_or(State::Closed, |w| w.state);
        let common = self.worlds.iter().fold(u32::MAX, |m, w| m & w.used) & g.permitted & !g.reported;
        if common != 0 {
            for d in Deviation::ALL {
                if common & d.bit() != 0 {
                    self.report_deviation(g, d, state, ev, now);
                }
            }
        }
        let advice = self.worlds.iter().fold(u32::MAX, |m, w| m & w.advised) & !self.advised;
        if advice != 0 {
            self.advised |= advice;
            let happened = shown.map(Seg::describe).unwrap_or_default();
            for a in Advice::ALL {
                if advice & a.bit() != 0 {
                    let (rule, step, req, text) = a.report();
                    let r = Report {
                        severity: Severity::Advisory,
                        rule,
                        state,
                        step: Some(step),
                        req,
                        expected: text.into(),
                        happened: &happened,
                        event: ev,
                        at: now,
                        deviation: None,
                    };
                    self.record(g, r);
                }
            }
        }
    }

    /// Overdue duties: an ACK owed for an invalid segment may have been throttled (RFC 5961
    /// §7); any other kills the world that owed it.
    pub(crate) fn expire(&mut self, now: u64, g: &mut Global) {
        if self.gave_up || !self.worlds.iter().any(|w| w.overdue(now).is_some()) {
            return;
        }
        let mut keep = Vec::new();
        let mut first: Option<(Why, usize, u64)> = None;
        for w in &self.worlds {
            let mut w = *w;
            loop {
                let Some(d) = w.overdue(now) else {
                    keep.push(w);
                    break;
                };
                if d.owed == Owed::ChallengeAck && self.throttled(d.at, g) {
                    for slot in &mut w.duties {
                        if *slot == Some(d) {
                            *slot = None;
                        }
                    }
                    continue;
                }
                first.get_or_insert((w.why_unmet(&d), d.event, d.at));
                break;
            }
        }
        if keep.is_empty() && !self.resurrect(usize::MAX, now, None, g, &mut keep) {
            if let Some((why, ev, at)) = first {
                let happened = format!("nothing by {:.6} s", now as f64 / 1e9);
                self.report_why(g, &why, ev, at, &happened);
            }
            if let Some(mut w) = self.worlds.first().copied() {
                for slot in &mut w.duties {
                    if slot.is_some_and(|d| d.due < now) {
                        *slot = None;
                    }
                }
                keep.push(w);
            }
        } else if keep.len() < self.worlds.len() {
            // Some worlds died of a reply the stack never sent, others live on; the silent
            // deletions that explain the silence (a user's ABORT, a give-up) are worlds too —
            // they were only worked out lazily while the dead worlds still explained what the
            // stack did (e.g. a CLOSING connection aborted by its user, whose 4-tuple went back
            // to the listener, while a SYN's reset in another world also explained its RSTs).
            let mut more = Vec::new();
            if self.resurrect(usize::MAX, now, None, g, &mut more) {
                for w in more {
                    if !keep.contains(&w) {
                        keep.push(w);
                    }
                }
            }
        }
        self.worlds = keep;
    }

    /// Whether RFC 5961 §7 throttling may have suppressed an ACK owed at `at`.
    fn throttled(&self, at: u64, g: &Global) -> bool {
        let recent = |stamps: &VecDeque<u64>, window: u64| stamps.iter().filter(|&&t| t <= at && at - t < window).count();
        let per_conn = g.profile.challenge_interval.is_some_and(|iv| recent(&self.stamps, Cx::nanos(iv)) > 0);
        let global = g.profile.challenge_budget.is_some_and(|(n, win)| recent(&g.stamps, Cx::nanos(win)) >= n as usize);
        // On a connection a capture joined mid-stream, the challenge ACKs sent before the
        // capture began are unseen: either throttle may be spent.
        let joined = self.joined_at.is_some();
        let unseen_here = g.profile.challenge_interval.is_some_and(|iv| joined && at < self.born.saturating_add(Cx::nanos(iv)));
        let unseen = g.profile.challenge_budget.is_some_and(|(_, win)| joined && at < g.first.saturating_add(Cx::nanos(win)));
        per_conn || global || unseen_here || unseen
    }

}
