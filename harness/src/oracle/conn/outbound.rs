//! The checks of an outbound segment that need no world: its format, its timing against the
//! retransmission series and the keep-alive interval, and the throttles' bookkeeping.

use super::Conn;
use crate::oracle::global::Global;
use crate::oracle::checks;
use crate::oracle::context::{push_capped, Cx};
use crate::oracle::keepalive;
use crate::oracle::segment::Seg;
use crate::oracle::world::World;
use synack_stack::decision::TimerKind;
use synack_stack::{State, Step};

impl Conn {
    /// The format, timing and throttle bookkeeping of an outbound segment.
    pub(super) fn outbound_checks(&mut self, ev: usize, now: u64, s: &Seg, g: &mut Global) {
        let Some(w0) = self.worlds.first().copied() else { return };
        let mut found = Vec::new();
        if g.profile.check_checksums && s.checksum_ok.is_some() {
            g.covers("MUST-2");
        }
        if !s.flags.syn() {
            g.covers("MUST-65");
        }
        if g.profile.check_segment_size && w0.has_tcb() && s.len > 0 {
            g.covers("MUST-16");
        }
        // The first transmission of the segment now retransmitted, if the peer has been silent
        // since (then the interval to it is a retransmission timeout).
        let heard = self.last_heard;
        let original = self.sent.iter().find(|(q, _, k)| *q == s.seq && heard.is_none_or(|h| h < *k)).map(|&(_, t, _)| t);
        let (backoff, compared) = checks::backoff(&mut self.series, &mut self.heard, &self.worlds, s, now, original, &g.profile);
        found.extend(backoff);
        if compared {
            g.covers("MUST-19");
        }
        if g.profile.user_calls_visible && !self.zero_window_seen && keepalive::is_keepalive(&self.worlds, s) {
            g.hit(Step::Timeout(TimerKind::KeepAlive));
            g.covers("MUST-25");
            g.covers("MUST-26");
            let skew = Cx::nanos(g.profile.processing_skew);
            found.extend(keepalive::check(&g.keepalive, &g.profile, self.taken_in, now, skew));
        }
        if w0.has_tcb() && s.len > 0 && s.seq == w0.snd_max {
            self.sent.push_back((s.seq, now, self.tick));
            if self.sent.len() > 1024 {
                self.sent.pop_front();
            }
        }
        while self.sent.front().is_some_and(|(q, _, _)| q.before(w0.una)) {
            self.sent.pop_front();
        }
        if let Some((tsval, _)) = s.opts.timestamps {
            if s.flags.syn() && !s.has_ack() && w0.state != State::SynSent {
                self.facts.our_syn_ts = Some(tsval);
                self.facts.our_ts_max = Some(tsval);
            } else if self.facts.our_ts_max.is_none_or(|m| (tsval.wrapping_sub(m) as i32) > 0) {
                self.facts.our_ts_max = Some(tsval);
            }
        }
        let fin = u32::from(s.flags.fin());
        let syn_again = s.flags.syn() && matches!(w0.state, State::SynSent | State::SynReceived) && s.seq == w0.iss;
        if syn_again || w0.has_tcb() && (s.len > 0 || fin > 0) && s.seq.before(w0.snd_max) && (s.seq + s.len + fin).after(w0.una) {
            self.facts.retransmitting = true;
        }
        // Coverage of what the segment stands for on the sending side.
        let retransmitted = (w0.has_tcb() || w0.state == State::SynSent) && s.seq.before(w0.snd_max) && !s.flags.rst();
        let step = if s.flags.syn() && !s.has_ack() && !w0.has_tcb() && w0.state != State::SynSent {
            Some(Step::Open)
        } else if retransmitted && (s.len > 0 || s.flags.syn() || s.flags.fin()) {
            Some(Step::Timeout(TimerKind::Retransmission))
        } else if s.flags.rst() && w0.state.is_synchronized() {
            Some(Step::Abort)
        } else if s.flags.fin() && w0.fin_seq.is_none() {
            Some(Step::Close)
        } else if s.len > 0 && (s.seq + s.len).after(w0.snd_max) {
            Some(Step::Send)
        } else {
            None
        };
        if let Some(step) = step {
            g.hit(step);
        }
        if !found.is_empty() {
            let happened = s.describe();
            for f in found {
                self.report_static(g, f, w0.state, ev, now, &happened);
            }
        }
        // A probe: nothing new, sequence space the peer already acknowledged (keep-alive,
        // Linux's zero-window probe at SND.UNA-1).
        let end = s.seq + s.len;
        let control = s.flags.syn() || s.flags.rst() || s.flags.fin();
        // (Below SND.UNA's upper bound in some world: what the peer acknowledged may be known
        // only within bounds.)
        let below_una = |w: &World| w.has_tcb() && s.seq.before(w.una_hi) && end.before_or_eq(w.una_hi);
        if !control && self.worlds.iter().any(below_una) {
            self.facts.probe_unanswered = true;
        }
        // RFC 5961 §7: an ACK answering an invalid segment counts against the throttle.
        let window = g.reply_within();
        let ack = s.has_ack() && !s.flags.rst() && !s.flags.syn();
        if ack && self.invalid_in.is_some_and(|t| now.saturating_sub(t) <= window) {
            self.invalid_in = None;
            push_capped(&mut self.stamps, now, 16);
            push_capped(&mut g.stamps, now, 4096);
        } else if ack
            && self.worlds.iter().any(|w| w.state == State::TimeWait)
            && self.before_in.iter().any(|w| w.state == State::TimeWait)
            && !self.sent_since_in
            && self.last_in.is_some_and(|(_, t, _)| now.saturating_sub(t) <= window)
        {
            // TIME-WAIT's reply to any segment that reached it shares the per-connection
            // limit (Linux tcp_timewait_check_oow_rate_limit; RFC 5961 §7 leaves the
            // throttle's design open).
            push_capped(&mut self.stamps, now, 16);
        }
    }
}
