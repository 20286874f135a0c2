//! A connection's recent past, for a silent close further back than the last inbound segment.
//!
//! When no world explains what the stack did, the oracle tries that the stack deleted the TCB
//! without a word where the RFC allows it ([`super::context::silent_close`]: a give-up after
//! retransmissions, a user's ABORT, …). [`Conn::resurrect`] tries that just now and just before
//! the last inbound segment; the deletion may lie further back — a half-open connection
//! given up on by its SYN-ACK timer, then a few segments the listener answered as for no
//! connection (§3.10.7.2) before the one whose missing reply shows it. [`History`] keeps the
//! worlds before each of the last few inbound segments and every segment since the oldest,
//! and [`History::revive`] replays the segments since each such point through the worlds
//! without a TCB: the first point from which they explain everything — each inbound segment
//! by §3.10.7.1/.2, each outbound one by what no TCB may send, every reply owed in time — is
//! taken.

use super::arrive::arrive;
use super::conn::Conn;
use super::context::{silent_close, Cx, Facts, Judge};
use super::emit::emit;
use super::global::Global;
use super::segment::Seg;
use super::world::World;
use std::collections::VecDeque;

/// How many points before inbound segments are kept.
const MARKS: usize = 6;
/// How many segments are kept since the oldest point.
const LOG: usize = 24;

/// The worlds and facts before one inbound segment, and where it is in the log.
#[derive(Clone)]
struct Mark {
    at: usize,
    time: u64,
    worlds: Vec<World>,
    facts: Facts,
}

#[derive(Clone, Default)]
pub(crate) struct History {
    /// Segments since the oldest mark: (event, time, segment, outbound).
    log: VecDeque<(usize, u64, Seg, bool)>,
    /// Segments dropped from the front of `log` (marks count from the first ever).
    base: usize,
    marks: VecDeque<Mark>,
}

impl History {
    /// An inbound segment is about to be processed by `worlds`.
    pub(crate) fn inbound(&mut self, worlds: &[World], facts: Facts, ev: usize, time: u64, s: &Seg) {
        let at = self.base + self.log.len();
        let mark = match self.marks.len() >= MARKS {
            true => {
                let mut m = self.marks.pop_front().expect("MARKS > 0");
                m.worlds.clear();
                m.worlds.extend_from_slice(worlds);
                Mark { at, time, worlds: m.worlds, facts }
            }
            false => Mark { at, time, worlds: worlds.to_vec(), facts },
        };
        self.marks.push_back(mark);
        self.push(ev, time, s, false);
    }

    /// An outbound segment the worlds have been judged against.
    pub(crate) fn outbound(&mut self, ev: usize, time: u64, s: &Seg) {
        if !self.marks.is_empty() {
            self.push(ev, time, s, true);
        }
    }

    fn push(&mut self, ev: usize, time: u64, s: &Seg, outbound: bool) {
        self.log.push_back((ev, time, *s, outbound));
        while self.log.len() > LOG {
            self.marks.pop_front();
            let keep_from = self.marks.front().map_or(self.base + self.log.len(), |m| m.at);
            while self.base < keep_from && !self.log.is_empty() {
                self.log.pop_front();
                self.base += 1;
            }
        }
        let keep_from = self.marks.front().map_or(self.base + self.log.len(), |m| m.at);
        while self.base < keep_from && !self.log.is_empty() {
            self.log.pop_front();
            self.base += 1;
        }
    }

    /// Tries each mark, latest first: a world there that may have been deleted silently, and
    /// the segments since replayed without its TCB, must end in worlds that explain `s` (an
    /// outbound segment at `now`) or, without one, owe nothing overdue at `now`.
    pub(crate) fn revive(&self, ev: usize, now: u64, s: Option<&Seg>, facts: &Facts, j: &mut Judge, out: &mut Vec<World>) -> bool {
        for mark in self.marks.iter().rev() {
            // Not a world joined mid-stream: its unknown timers allow a silent close at any
            // time, which from far back would explain away any missing reply.
            for w in mark.worlds.iter().filter(|w| !w.joined) {
                let Some(bits) = silent_close(w, mark.time, j.profile, j.permitted, &mark.facts) else { continue };
                let mut closed = *w;
                closed.used |= bits;
                let mut worlds = Vec::new();
                closed.deleted(mark.time, &mut worlds);
                for &(e, t, seg, outbound) in self.log.iter().skip(mark.at - self.base) {
                    worlds.retain(|b| b.overdue(t).is_none());
                    let mut cx = j.cx(t, e, &mark.facts);
                    let mut next = Vec::new();
                    for b in &worlds {
                        if outbound {
                            let _ = emit(b, &seg, &mut cx, &mut next);
                        } else {
                            arrive(b, &seg, &mut cx, &mut next);
                        }
                    }
                    worlds = next;
                    if worlds.is_empty() {
                        break;
                    }
                }
                let survivors: Vec<World> = match s {
                    Some(seg) => {
                        let mut cx = j.cx(now, ev, facts);
                        let mut next = Vec::new();
                        for b in worlds.iter().filter(|b| b.overdue(now).is_none()) {
                            let _ = emit(b, seg, &mut cx, &mut next);
                        }
                        next
                    }
                    None => worlds.into_iter().filter(|b| b.overdue(now).is_none()).collect(),
                };
                if !survivors.is_empty() {
                    out.extend(survivors);
                    return true;
                }
            }
        }
        false
    }
}

impl Conn {
    /// Tries the explanation that the stack sent `s` before it processed the last inbound
    /// segment, which a capture point saw first (the kernel processes it later, in softirq or
    /// from the backlog of a socket the application holds): within the profile's processing
    /// skew, and before anything else was sent since, `s` may come from the worlds before
    /// that segment, which then arrives in the worlds `s` leaves.
    pub(super) fn sent_before_last_in(&mut self, ev: usize, now: u64, s: &Seg, g: &mut Global, out: &mut Vec<World>) -> bool {
        let skew = Cx::nanos(g.profile.processing_skew);
        let Some((in_ev, at, inbound)) = self.last_in else { return false };
        if skew == 0 || self.sent_since_in || now.saturating_sub(at) > skew {
            return false;
        }
        let mut j = Judge::new(g, &mut self.spaces);
        let mut sent = Vec::new();
        let mut cx = j.cx(now, ev, &self.facts_before_in);
        for w in &self.before_in {
            let _ = emit(w, s, &mut cx, &mut sent);
        }
        let mut cx = j.cx(now, in_ev, &self.facts);
        for w in &sent {
            arrive(w, &inbound, &mut cx, out);
        }
        !out.is_empty()
    }

    /// Tries the explanation that the stack deleted the TCB silently (see [`silent_close`]):
    /// after the last inbound segment (then the outbound `s` must fit no TCB), or before it
    /// (then that segment met no TCB, and `s` — or, for an overdue reply, the silence — must
    /// fit what no TCB does with it).
    pub(super) fn resurrect(&mut self, ev: usize, now: u64, s: Option<&Seg>, g: &mut Global, out: &mut Vec<World>) -> bool {
        let window = g.reply_within();
        let mut candidates: Vec<(World, bool)> = Vec::new();
        for w in &self.worlds {
            // With `s`: the TCB may be gone by now. For an overdue reply (no `s`): it may have
            // gone without a word before the reply was due (a give-up, a user timeout) — not
            // on a connection joined mid-stream, whose unknown timers would explain any silence.
            let at = match s {
                Some(_) => now,
                None if w.has_tcb() && !w.joined => w.overdue(now).map_or(now, |d| d.due),
                None => continue,
            };
            if let Some(bits) = silent_close(w, at, &g.profile, g.permitted, &self.facts) {
                let mut w = *w;
                w.used |= bits;
                candidates.push((w, false));
            }
        }
        // An overdue reply (no `s`) may be owed by the last inbound segment however long ago
        // it came, if the stack has sent nothing since: the TCB may have gone before it (a
        // give-up, a user call — not the unknown timers of a connection joined mid-stream,
        // whose silent close explains any silence and would hide the missing reply).
        let quiet = s.is_none() && !self.sent_since_in;
        let recent = self.last_in.filter(|(_, t, _)| quiet || now.saturating_sub(*t) <= window);
        let within = self.last_in.is_some_and(|(_, t, _)| now.saturating_sub(t) <= window);
        if let Some((_, t, _)) = recent {
            for w in self.before_in.iter().filter(|w| within || !w.joined) {
                if let Some(bits) = silent_close(w, t, &g.profile, g.permitted, &self.facts_before_in) {
                    let mut w = *w;
                    w.used |= bits;
                    candidates.push((w, true));
                }
            }
        }
        for (w, replay) in candidates {
            let mut base = Vec::new();
            w.deleted(now, &mut base);
            if let (true, Some((iev, it, iseg))) = (replay, recent) {
                let mut j = Judge::new(g, &mut self.spaces);
                let mut cx = j.cx(it, iev, &self.facts_before_in);
                let mut replayed = Vec::new();
                for b in &base {
                    arrive(b, &iseg, &mut cx, &mut replayed);
                }
                base = replayed;
            }
            let mut survivors = Vec::new();
            match s {
                Some(seg) => {
                    let mut j = Judge::new(g, &mut self.spaces);
                    let mut cx = j.cx(now, ev, &self.facts);
                    for b in &base {
                        let _ = emit(b, seg, &mut cx, &mut survivors);
                    }
                }
                None => survivors.extend(base.into_iter().filter(|b| b.overdue(now).is_none())),
            }
            if !survivors.is_empty() {
                out.extend(survivors);
                return true;
            }
        }
        // Further back: before one of the last few inbound segments.
        let mut j = Judge::new(g, &mut self.spaces);
        self.history.revive(ev, now, s, &self.facts, &mut j, out)
    }
}
