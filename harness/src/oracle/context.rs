//! What the rules see besides the world they move: the time, the profile, the connection's
//! receive spaces, and the facts about the connection's history that explain a stack's own
//! initiatives (a user call, data after CLOSE, an unanswered probe) — and [`silent_close`],
//! when the RFC lets a stack delete a TCB without a word.

use super::global::Global;
use super::profile::{Deviation, OracleProfile};
use super::seqspace::RecvSpace;
use super::world::{Duty, Owed, World};
use std::collections::VecDeque;
use std::time::Duration;
use synack_stack::{SeqNum, State, Step};

/// Facts about a connection's history, kept outside the worlds.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Facts {
    /// The highest TSval the peer has sent (RFC 7323 §5.3: TS.Recent is at most this).
    pub peer_ts_max: Option<u32>,
    /// The newest TSval of a segment the stack certainly copied to TS.Recent (RFC 7323
    /// §4.3): TS.Recent is at least this.
    pub ts_recent_lo: Option<u32>,
    /// The TSval of the stack's first SYN of this incarnation, and the highest TSval it has
    /// sent since (the TSecr values the peer may echo).
    pub our_syn_ts: Option<u32>,
    pub our_ts_max: Option<u32>,
    /// The last user call seen (any socket), when calls are visible.
    pub last_user_call: Option<u64>,
    /// A close() or shutdown() has been seen since the connection began.
    pub user_closed: bool,
    /// A CLOSE of the sending side (close(), shutdown() but SHUT_RD) has been seen since the
    /// connection began.
    pub user_send_closed: bool,
    /// A close of the receiving side (close(), shutdown() with SHUT_RD or SHUT_RDWR) has been
    /// seen since the connection began.
    pub user_rcv_closed: bool,
    /// An ABORT has been seen since the connection began.
    pub user_aborted: bool,
    /// When the last inbound segment with text arrived, and the first.
    pub last_text_in: Option<u64>,
    pub first_text_in: Option<u64>,
    /// A close() came after text arrived: if the user had not read it all, that close() was
    /// an ABORT (RFC 9293 §3.6, SHLD-3: "SHOULD send a RST to show that data was lost";
    /// Linux tcp_close). The oracle does not see how much the user read.
    pub closed_over_text: bool,
    /// Some TCP_USER_TIMEOUT was set (RFC 5482): a give-up may come before any
    /// retransmission shows.
    pub user_timeout: bool,
    /// A keep-alive or window probe went out and nothing came back since.
    pub probe_unanswered: bool,
    /// Something was retransmitted and no new data has been acknowledged since.
    pub retransmitting: bool,
    /// A RST may have reset the connection (one arrived and some world took it, or the stack
    /// sent one): "connection reset" may be signalled to the user (§3.10.7.4 second).
    pub reset: bool,
    /// A RST may have refused our SYN (taken in SYN-SENT, or in a SYN-RECEIVED reached by
    /// an active OPEN): "connection refused" may be signalled (§3.10.7.3 second).
    pub refused: bool,
    /// Other connections to this one's listener that may have completed their handshakes
    /// and wait in its accept queue (see [`Facts::accept_queue_may_be_full`]): whether one
    /// came from another endpoint, and the IRSs of the latest two from this one.
    pub queued_elsewhere: bool,
    pub queued_incarnations: [Option<SeqNum>; 2],
}

impl Facts {
    /// Whether the listener's accept queue may be full for the incarnation with IRS `irs`
    /// (so that Linux drops the ACK completing its handshake): another connection may wait
    /// in it — one from another endpoint, or an earlier incarnation of this 4-tuple, which
    /// stays queued until accept(), reset or not.
    pub(crate) fn accept_queue_may_be_full(&self, irs: SeqNum) -> bool {
        self.queued_elsewhere || self.queued_incarnations.iter().flatten().any(|&i| i != irs)
    }

    /// Whether `tsecr` echoes none of the TSvals the stack sent since its SYN (Linux
    /// `tcp_rcv_synsent_state_process`: not between the SYN's stamp and now).
    pub(crate) fn foreign_tsecr(&self, tsecr: u32) -> bool {
        match (self.our_syn_ts, self.our_ts_max) {
            (Some(lo), Some(hi)) => tsecr != 0 && tsecr.wrapping_sub(lo) > hi.wrapping_sub(lo),
            (None, _) | (_, None) => false,
        }
    }

    /// A RST went by: whether it may have reset (or refused) the connection, which lets the
    /// user be told so (§3.10.7.3 second, §3.10.7.4 second). The stack's own RST aborts; an
    /// inbound one resets when a world with a TCB before it has none after it.
    pub(crate) fn note_reset(&mut self, outbound: bool, before: &[World], after: &[World]) {
        let gone = |w: &World| matches!(w.state, State::Closed | State::Listen);
        if outbound {
            self.reset = true;
        } else if after.iter().any(gone) {
            self.reset |= before.iter().any(|w| !gone(w));
            let opening = |w: &World| w.state == State::SynSent || (w.state == State::SynReceived && !w.passive);
            self.refused |= before.iter().any(opening);
        }
    }
}

/// The context of one event for one connection.
pub(crate) struct Cx<'a> {
    pub now: u64,
    pub event: usize,
    pub profile: &'a OracleProfile,
    pub permitted: u32,
    pub spaces: &'a mut Vec<RecvSpace>,
    pub facts: &'a Facts,
    /// Set by the rules when the segment is one an ACK-for-invalid may answer (RFC 5961
    /// §7 counts those against the throttle).
    pub invalid: bool,
    /// Steps the rules went through (coverage).
    pub steps: &'a mut Vec<Step>,
    /// Requirement IDs whose rule was evaluated (coverage).
    pub reqs: &'a mut Vec<&'static str>,
    /// Per receive space before this segment (IRS, end of the run from IRS+1, whether a FIN
    /// ends it): what came on the SYN, queued (§3.10.7.2 third, §3.10.7.3 fourth) — unmoved by
    /// this segment's text, which one world may add to the space before another asks.
    pub syn_queue: [Option<(SeqNum, SeqNum, bool)>; 4],
}

/// What judging a segment needs of the checker besides the connection's facts: the profile,
/// the connection's receive spaces, and the coverage lists.
pub(crate) struct Judge<'a> {
    pub profile: &'a OracleProfile,
    pub permitted: u32,
    pub spaces: &'a mut Vec<RecvSpace>,
    pub steps: &'a mut Vec<Step>,
    pub reqs: &'a mut Vec<&'static str>,
}

impl<'a> Judge<'a> {
    pub(crate) fn new(g: &'a mut Global, spaces: &'a mut Vec<RecvSpace>) -> Judge<'a> {
        Judge { profile: &g.profile, permitted: g.permitted, spaces, steps: &mut g.steps, reqs: &mut g.reqs }
    }

    /// The context for one segment at `now` (trace event `event`), under `facts`.
    pub(crate) fn cx<'b>(&'b mut self, now: u64, event: usize, facts: &'b Facts) -> Cx<'b> {
        let mut syn_queue = [None; 4];
        for (q, sp) in syn_queue.iter_mut().zip(self.spaces.iter()) {
            let end = sp.reach(sp.irs + 1, false);
            *q = Some((sp.irs, end, sp.acks_fin(end)));
        }
        Cx {
            syn_queue,
            now,
            event,
            profile: self.profile,
            permitted: self.permitted,
            spaces: self.spaces,
            facts,
            invalid: false,
            steps: self.steps,
            reqs: self.reqs,
        }
    }
}

impl Cx<'_> {
    pub(crate) fn nanos(d: std::time::Duration) -> u64 {
        u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
    }

    /// When a reply the RFC calls for is due.
    pub(crate) fn reply_due(&self) -> u64 {
        self.now.saturating_add(Self::nanos(self.profile.reply_within))
    }

    /// When an ACK of received text is due (MUST-40).
    pub(crate) fn ack_due(&self) -> u64 {
        self.now.saturating_add(Self::nanos(self.profile.ack_delay))
    }

    pub(crate) fn permits(&self, d: Deviation) -> bool {
        self.permitted & d.bit() != 0
    }

    /// Notes that a step's rules were applied.
    pub(crate) fn hit(&mut self, step: Step) {
        if !self.steps.contains(&step) {
            self.steps.push(step);
        }
    }

    /// Notes that a requirement's rule was evaluated.
    pub(crate) fn covers(&mut self, id: &'static str) {
        if !self.reqs.contains(&id) {
            self.reqs.push(id);
        }
    }

    /// The receive space of the incarnation with this IRS.
    pub(crate) fn space(&mut self, irs: SeqNum) -> &mut RecvSpace {
        let i = match self.spaces.iter().position(|s| s.irs == irs) {
            Some(i) => i,
            None => {
                if self.spaces.len() >= 4 {
                    self.spaces.remove(0);
                }
                self.spaces.push(RecvSpace::new(irs));
                self.spaces.len() - 1
            }
        };
        &mut self.spaces[i]
    }

    /// The highest RCV.NXT this world's stack can have reached: text is taken only in
    /// ESTABLISHED and the FIN-WAIT states (§3.10.7.4 seventh); elsewhere RCV.NXT stays.
    pub(crate) fn reach(&mut self, w: &World, with_tail: bool) -> SeqNum {
        match w.state {
            State::Established | State::FinWait1 | State::FinWait2 => {
                let from = w.rcv;
                self.space(w.irs).reach(from, with_tail)
            }
            State::Closed
            | State::Listen
            | State::SynSent
            | State::SynReceived
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait => w.rcv,
        }
    }

    /// A duty arising now.
    pub(crate) fn duty(&mut self, owed: Owed, due: u64, step: Step, state: State, req: Option<&'static str>) -> Duty {
        if let Some(id) = req {
            self.covers(id);
        }
        Duty { owed, due, event: self.event, at: self.now, step, state, req }
    }
}

/// Whether the stack may have deleted the TCB without a word since: TIME-WAIT's 2·MSL is
/// over (MUST-13), a give-up after retransmissions or unanswered probes (R2, MUST-20;
/// keep-alive), a user CLOSE in SYN-SENT, a half-open connection dropped, a user ABORT in
/// CLOSING, LAST-ACK or TIME-WAIT, a listener the user closed; Linux's FIN-WAIT-2 timeout.
/// Returns the deviations it relies on.
pub(crate) fn silent_close(w: &World, now: u64, p: &OracleProfile, permitted: u32, f: &Facts) -> Option<u32> {
    let since = now.saturating_sub(w.entered);
    let after = |d: Duration| since >= Cx::nanos(d);
    // §3.10.8 USER TIMEOUT (RFC 5482's TCP_USER_TIMEOUT: perhaps shorter than the RTO)
    // aborts with data (or a FIN) unacknowledged, without a word.
    let gave_up = f.retransmitting || f.probe_unanswered || (f.user_timeout && w.una.before(w.snd_max));
    match w.state {
        // §3.10.5 ABORT: "CLOSING STATE, LAST-ACK STATE, TIME-WAIT STATE: respond with "ok"
        // and delete the TCB" — no RST.
        State::Closing | State::LastAck | State::TimeWait if f.user_aborted => Some(0),
        // A close() over unread text is that ABORT (SHLD-3) — TIME-WAIT keeps its 2·MSL
        // (§3.10.4: CLOSE there is "error: connection closing"; MUST-13).
        State::Closing | State::LastAck if f.closed_over_text => Some(0),
        // A listener the user closed (§3.10.4: LISTEN, "delete TCB").
        State::Listen if f.user_closed => Some(0),
        State::TimeWait if after(p.time_wait) => Some(0),
        // Joined mid-stream: the timers started before the capture.
        State::TimeWait | State::FinWait2 if w.joined => Some(0),
        State::TimeWait if permitted & Deviation::ShortTimeWait.bit() != 0 && after(p.short_time_wait) => {
            Some(Deviation::ShortTimeWait.bit())
        }
        State::FinWait2 if gave_up => Some(0),
        State::FinWait2 if permitted & Deviation::FinWait2Timeout.bit() != 0 && after(p.fin_wait_2_timeout) => {
            Some(Deviation::FinWait2Timeout.bit())
        }
        // A user's CLOSE, or a give-up after retransmitting the SYN (a listener's half-open
        // connection, too); without the user's calls in the trace, any time.
        State::SynSent | State::SynReceived if gave_up || f.user_closed || !p.user_calls_visible => Some(0),
        State::Established | State::CloseWait | State::FinWait1 | State::Closing | State::LastAck if gave_up => Some(0),
        State::TimeWait
        | State::FinWait2
        | State::SynSent
        | State::SynReceived
        | State::Established
        | State::CloseWait
        | State::FinWait1
        | State::Closing
        | State::LastAck
        | State::Closed
        | State::Listen => None,
    }
}

/// `SYNACK_ORACLE_DEBUG=1` prints every connection's worlds after each segment.
pub(crate) fn debug() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("SYNACK_ORACLE_DEBUG").is_some())
}

pub(crate) fn push_capped(q: &mut VecDeque<u64>, t: u64, cap: usize) {
    q.push_back(t);
    while q.len() > cap {
        q.pop_front();
    }
}
