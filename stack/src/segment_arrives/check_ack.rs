//! §3.10.7.4, fifth: check the ACK field — SYN-RECEIVED's completion of the handshake, new
//! data acknowledged (RFC 6298 RTT, RFC 5681 congestion control), the window update, and the
//! closing states' "our FIN is acknowledged" transitions.

use super::{step, Incoming};
use crate::connection::{AckPending, Connection, Ctx, Origin};
use crate::decision::{Check, Step};
use crate::seq::SeqNum;
use crate::state::State;
use crate::time::Instant;
use core::ops::ControlFlow;
use std::time::Duration;

pub fn check(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    let now = ctx.now;
    let at = step(Check::Ack);
    // "if the ACK bit is off, drop the segment and return".
    if !seg.has_ack() {
        c.decide(now, at, "ACK bit off → dropped", None);
        return ControlFlow::Break(());
    }
    // RFC 5961 §5.2 (MAY-12 in RFC 9293): acceptable only if
    // (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT; otherwise challenge ACK and drop.
    if ctx.config.rfc5961 && c.state != State::SynReceived {
        // Linux (tcp_ack) also bounds the range by what has been acknowledged so far, so
        // that no ACK below our ISS is ever taken as an old duplicate.
        let span = if ctx.config.profile == crate::config::Profile::Linux {
            (c.tcb.max_snd_wnd as u64).min(c.bytes_acked) as u32
        } else {
            // A peer that never offered a window (MAX.SND.WND = 0) leaves [SND.UNA, SND.NXT].
            c.tcb.max_snd_wnd
        };
        let oldest = c.tcb.snd_una - span;
        if !seg.ack.between(oldest, c.tcb.snd_nxt) {
            super::check_syn::challenge_ack(c, ctx, Check::Ack, "ACK outside [SND.UNA-MAX.SND.WND, SND.NXT] → challenge ACK");
            return ControlFlow::Break(());
        }
    }

    if c.state == State::SynReceived {
        // SND.UNA < SEG.ACK =< SND.NXT → ESTABLISHED; otherwise <SEQ=SEG.ACK><CTL=RST>.
        if !(c.tcb.snd_una.before(seg.ack) && seg.ack.before_or_eq(c.tcb.snd_nxt)) {
            c.send_rst(seg.ack);
            c.decide(now, at, "SYN-RECEIVED: unacceptable ACK → RST <SEQ=SEG.ACK>", None);
            return ControlFlow::Break(());
        }
        if let (Origin::Passive { .. }, true) = (c.origin, ctx.accept_queue_full) {
            return accept_queue_overflow(c, seg, ctx);
        }
        c.tcb.snd_wnd = u32::from(seg.window) << c.neg.snd_scale.get();
        c.tcb.max_snd_wnd = c.tcb.max_snd_wnd.max(c.tcb.snd_wnd);
        c.tcb.snd_wl1 = seg.seq;
        c.tcb.snd_wl2 = seg.ack;
        c.retransmits = 0;
        c.on_established(ctx.config);
        c.transition(now, at, "ACK of our SYN → ESTABLISHED", State::Established);
        // "… and continue processing in that state."
    }

    match c.state {
        State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait | State::Closing | State::LastAck => {
            if seg.ack.after(c.tcb.snd_nxt) {
                // Acks something not yet sent: send an ACK, drop, return.
                c.ack_pending = crate::connection::AckPending::Now;
                c.decide(now, at, "ACK of unsent data → ACK, drop", None);
                return ControlFlow::Break(());
            }
            // Linux (tcp_ack): any acceptable ACK shows the peer is alive: the count of
            // unanswered probes (keep-alive or zero-window) starts again.
            c.probes = 0;
            // Linux records TS.Recent only now that the ACK is valid, and not for an old one.
            if !seg.ack.before(c.tcb.snd_una) {
                apply_ts_recent(c, seg, now);
            }
            // SND.UNA < SEG.ACK, asked as "SEG.ACK after SND.UNA": 2^31 apart, SeqNum calls
            // each number `before` the other, so `SND.UNA.before(SEG.ACK)` took an ACK half
            // the circle away for new data and moved SND.UNA back (fuzz_regressions).
            let mut partial = false;
            let advanced = seg.ack.after(c.tcb.snd_una);
            // The right edge the peer has offered, SND.UNA + SND.WND before this ACK.
            let offered = c.tcb.snd_una + c.tcb.snd_wnd;
            if advanced {
                partial = new_ack(c, seg, ctx);
            } else if seg.ack == c.tcb.snd_una {
                duplicate_ack(c, seg, ctx);
            } else {
                // "If the ACK is a duplicate (SEG.ACK < SND.UNA), it can be ignored."
                c.decide(now, at, "old duplicate ACK (SEG.ACK < SND.UNA) ignored", None);
            }
            update_scoreboard(c, seg, ctx);
            update_window(c, seg, advanced, offered, now);
            if partial {
                // RFC 6582 §3.2 step 3: a partial acknowledgment retransmits the next hole —
                // under the window this very ACK advertises (§3.8.6: new text stays within
                // SND.UNA + SND.WND), so only after the window update.
                c.retransmit_head(now);
            }
        }
        State::TimeWait => {
            // "The only thing that can arrive in this state is a retransmission of the remote
            // FIN" (handled by the first and eighth steps); an ACK alone is ignored.
            apply_ts_recent(c, seg, now);
            if !seg.fin && seg.payload.is_empty() {
                c.decide(now, at, "TIME-WAIT: ACK ignored (only a retransmitted FIN is expected)", None);
            }
        }
        State::Closed | State::Listen | State::SynSent | State::SynReceived => {
            return ControlFlow::Break(());
        }
    }

    let fin_acked = c.our_fin_acked();
    match c.state {
        // FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter FIN-WAIT-2".
        State::FinWait1 if fin_acked => {
            c.timers.retransmission = None;
            if c.orphaned {
                c.timers.fin_wait_2 = ctx.config.fin_wait_2_timeout.map(|d| now + d);
            }
            c.transition(now, at, "our FIN acknowledged → FIN-WAIT-2", State::FinWait2);
        }
        // CLOSING: "if the ACK acknowledges our FIN, enter TIME-WAIT, otherwise ignore".
        State::Closing if fin_acked => {
            c.enter_time_wait(now, ctx.config);
            c.transition(now, at, "our FIN acknowledged → TIME-WAIT", State::TimeWait);
        }
        State::Closing => {
            c.decide(now, at, "CLOSING: ACK not of our FIN → segment ignored", None);
            return ControlFlow::Break(());
        }
        // LAST-ACK: "if our FIN is now acknowledged, delete the TCB, enter CLOSED, return".
        State::LastAck if fin_acked => {
            c.delete_tcb(None);
            c.decide(now, at, "our FIN acknowledged → CLOSED", Some(State::Closed));
            return ControlFlow::Break(());
        }
        State::FinWait1
        | State::FinWait2
        | State::LastAck
        | State::Established
        | State::CloseWait
        | State::TimeWait
        | State::Closed
        | State::Listen
        | State::SynSent
        | State::SynReceived => {}
    }
    ControlFlow::Continue(())
}

/// The third ACK found the listener's accept queue full. Linux drops the ACK (the SYN-ACK
/// timer will retransmit and the peer's next ACK may find room) or, with
/// `tcp_abort_on_overflow`, resets the connection. Either way the segment goes no further: an
/// ACK the first check owed it (text trimmed to the window) is not sent — nothing but the
/// RST answers it (Linux tcp_check_req's listen_overflow).
fn accept_queue_overflow(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    c.ack_pending = AckPending::None;
    if ctx.config.abort_on_overflow {
        c.send_rst(seg.ack);
        c.delete_tcb(None);
        c.decide(ctx.now, Step::Resource, "accept queue full, abort_on_overflow → RST", Some(State::Closed));
    } else {
        c.decide(ctx.now, Step::Resource, "accept queue full → ACK dropped, stay SYN-RECEIVED", None);
    }
    ControlFlow::Break(())
}

/// SND.UNA < SEG.ACK =< SND.NXT: set SND.UNA, drop what is acknowledged, take an RTT sample,
/// grow cwnd, and restart or stop the retransmission timer (RFC 6298 §5.2, §5.3).
/// Returns whether this is a partial acknowledgment in fast recovery, whose retransmission
/// of the next hole the caller makes once the window is updated.
fn new_ack(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> bool {
    let now = ctx.now;
    let acked = seg.ack.since(c.tcb.snd_una) as u32;
    let smss = c.smss();
    sample_rtt(c, seg.ack, seg.timestamps, now);
    c.count_acked(seg.ack);
    c.tcb.snd_una = seg.ack;
    c.send.ack_through(seg.ack);
    // The go-back-N cursor after an RTO (RFC 6298 (5.4), RFC 5681 §3.1) never lags SND.UNA,
    // and once the ACK reaches SND.NXT nothing is left to resend: what is sent after that is
    // new text, retransmitted only on a timeout or loss signal of its own.
    if let Some(r) = c.rtx_nxt {
        c.rtx_nxt = Some(r.latest(seg.ack)).filter(|r| r.before(c.tcb.snd_nxt));
    }
    let partial = match c.recovery {
        Some(recover) if seg.ack.after_or_eq(recover) => {
            // RFC 6582 §3.2 step 3: a full acknowledgment ends fast recovery.
            c.cc.on_recovery_end();
            c.recovery = None;
            false
        }
        // Partial acknowledgment (RFC 6582 §3.2 step 3): the next hole is retransmitted.
        Some(_) => true,
        None => {
            c.cc.on_ack(acked, smss);
            false
        }
    };
    c.dup_acks = 0;
    c.retransmits = 0;
    c.first_retransmit_at = None;
    c.probes = 0;
    // The backed-off RTO stays until a valid RTT measurement (`sample_rtt` above) collapses
    // it: Karn's algorithm, RFC 6298 §3 and the note after (5.7); Linux
    // `tcp_ack_update_rtt` ("only reset backoff on valid RTT measurement"). An ACK of
    // retransmitted text without timestamps gives none, so the next timeout keeps doubling.
    c.timers.retransmission = if c.tcb.flight_size() > 0 { Some(now + c.rtt.rto()) } else { None };
    if c.opts.user_timeout.is_some() {
        c.timers.user = c.opts.user_timeout.filter(|_| c.tcb.flight_size() > 0).map(|d| now + d);
    }
    c.decide(now, step(Check::Ack), "new data acknowledged", None);
    partial
}

/// RFC 5681 §2 DUPLICATE ACKNOWLEDGMENT: same ACK, outstanding data, no text, no SYN/FIN,
/// same window. The third starts fast retransmit (§3.2). Not while the window is closed: what
/// is in flight then is a window probe, the persist timer owns it (RFC 9293 §3.8.6.1), and
/// the ACKs that answer it say the window is still shut, not that a segment was lost (Linux
/// agrees: its probes are never counted in flight).
fn duplicate_ack(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) {
    let window = u32::from(seg.window) << c.neg.snd_scale.get();
    let is_dup = c.tcb.flight_size() > 0
        && c.tcb.snd_wnd > 0
        && seg.segment.payload.is_empty()
        && !seg.flags.syn()
        && !seg.flags.fin()
        && window == c.tcb.snd_wnd;
    if !is_dup {
        return;
    }
    c.dup_acks += 1;
    let smss = c.smss();
    if c.recovery.is_some() {
        c.cc.on_dup_ack_in_recovery(smss);
    } else if c.dup_acks == 3 {
        c.cc.on_fast_retransmit(c.tcb.flight_size(), smss);
        c.recovery = Some(c.tcb.snd_nxt);
        c.retransmit_head(ctx.now);
        c.decide(ctx.now, step(Check::Ack), "third duplicate ACK → fast retransmit", None);
    }
}

/// RFC 2018 §5: the SACK blocks of an acceptable ACK mark what the peer holds above
/// SND.UNA; SND.UNA's advance forgets what it passed. Only when SACK was negotiated
/// (RFC 2018 §2: a SACK option on a connection without SACK-permitted is ignored).
fn update_scoreboard(c: &mut Connection, seg: &Incoming, ctx: &Ctx) {
    c.scoreboard.advance(c.tcb.snd_una);
    let blocks = seg.segment.sack_blocks();
    if c.neg.sack && !blocks.is_empty() {
        c.scoreboard.record(blocks, c.tcb.snd_una, c.tcb.snd_nxt, ctx.config.sack_scoreboard_max);
    }
}

/// The window update rule: if SND.UNA =< SEG.ACK =< SND.NXT and (SND.WL1 < SEG.SEQ, or
/// SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK), set SND.WND = SEG.WND (scaled), SND.WL1 =
/// SEG.SEQ, SND.WL2 = SEG.ACK. A change of SND.WND, or a different window refused because its
/// segment is older, is recorded. `advanced`: this ACK moved SND.UNA; `offered`: the right
/// edge before it, SND.UNA + SND.WND.
fn update_window(c: &mut Connection, seg: &Incoming, advanced: bool, offered: SeqNum, now: Instant) {
    let ack_in_range = c.tcb.snd_una.before_or_eq(seg.ack) && seg.ack.before_or_eq(c.tcb.snd_nxt);
    let mut newer = c.tcb.snd_wl1.before(seg.seq) || (c.tcb.snd_wl1 == seg.seq && c.tcb.snd_wl2.before_or_eq(seg.ack));
    // Linux takes the window of every ACK that advances SND.UNA, whatever SND.WL1 says
    // (`tcp_may_update_window`: `after(ack, tp->snd_una) || …`): SND.WND, an offset from
    // SND.UNA, would otherwise carry the right edge past any the peer offered once a segment
    // beyond RCV.NXT set SND.WL1 ahead (fuzz_regressions). The rfc9293 profile keeps §3.10.7.4
    // fifth's rule as written.
    newer |= advanced && c.profile == crate::config::Profile::Linux;
    let window = u32::from(seg.window) << c.neg.snd_scale.get();
    if ack_in_range && !newer && window != c.tcb.snd_wnd {
        c.decide(now, step(Check::Ack), "window of an older segment ignored (SND.WL1/SND.WL2)", None);
    }
    if advanced && !newer {
        // SND.WND is an offset from SND.UNA (§3.10.7.4's note): kept as it was while SND.UNA
        // advances, it would carry the right edge past any the peer offered — "permission"
        // to send reaches only as far as the peer gave it (§3.8.6). The edge stays put.
        c.tcb.snd_wnd = offered.since(c.tcb.snd_una).max(0) as u32;
    }
    if ack_in_range && newer {
        if window != c.tcb.snd_wnd {
            c.decide(now, step(Check::Ack), "window update: SND.WND <- SEG.WND", None);
        }
        c.tcb.snd_wnd = window;
        c.tcb.snd_wl1 = seg.seq;
        c.tcb.snd_wl2 = seg.ack;
        c.tcb.max_snd_wnd = c.tcb.max_snd_wnd.max(c.tcb.snd_wnd);
        if c.tcb.snd_wnd > 0 && c.timers.persist.is_some() {
            // The window opened: the persist timer's job is done (RFC 9293 §3.8.6.1). What it
            // had in flight (a probe octet the closed window refused) goes again from
            // SND.UNA, with the rest, under the retransmission timer (RFC 6298 (5.1)).
            c.timers.persist = None;
            c.probes = 0;
            c.persist_backoff = 0;
            if c.tcb.flight_size() > 0 {
                c.rtx_nxt = Some(c.tcb.snd_una);
                c.timers.retransmission.get_or_insert(now + c.rtt.rto());
            }
        }
    }
}

/// An RTT sample from this ACK: from the echoed timestamp (RFC 7323 §4.1, immune to Karn's
/// ambiguity) or else from the timed segment if it was not retransmitted (RFC 6298 §3).
pub fn sample_rtt(c: &mut Connection, ack: SeqNum, timestamps: Option<(u32, u32)>, now: Instant) {
    if let (true, Some((_, tsecr))) = (c.neg.timestamps, timestamps) {
        if tsecr != 0 {
            let elapsed = c.ts_clock(now).wrapping_sub(tsecr);
            if (elapsed as i32) >= 0 {
                c.rtt.on_sample(Duration::from_millis(u64::from(elapsed)));
                c.rtt_probe = None;
                return;
            }
        }
    }
    if let Some((end, sent)) = c.rtt_probe {
        if ack.after_or_eq(end) {
            c.rtt.on_sample(now - sent);
            c.rtt_probe = None;
        }
    }
}


/// Applies a TS.Recent update the first check deferred (Linux profile).
fn apply_ts_recent(c: &mut Connection, seg: &Incoming, now: Instant) {
    if let Some(tsval) = seg.ts_recent_update {
        c.ts.ts_recent = tsval;
        c.ts.ts_recent_stamp_ms = now.as_millis();
    }
}
