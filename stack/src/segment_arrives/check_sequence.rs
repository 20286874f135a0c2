//! §3.10.7.4, first: check the sequence number (Table 6), PAWS (RFC 7323 §5.3), and trim the
//! segment to the receive window.

use super::{step, Incoming};
use crate::connection::{AckPending, Connection, Ctx};
use crate::decision::Check;
use crate::state::State;
use core::ops::ControlFlow;

/// RFC 7323 §5.5: TS.Recent is invalid after 24 days of idleness.
const PAWS_IDLE_MS: u64 = 24 * 24 * 3600 * 1000;

pub fn check<'a>(c: &mut Connection, mut seg: Incoming<'a>, ctx: &mut Ctx) -> ControlFlow<(), Incoming<'a>> {
    let now = ctx.now;
    let rcv_nxt = c.tcb.rcv_nxt;

    // Linux (tcp_check_req): a retransmission of the SYN that created a SYN-RECEIVED
    // connection gets the SYN-ACK again. RFC 9293 would answer it with a bare ACK, which a
    // peer in SYN-SENT can do nothing with; the retransmitted SYN-ACK completes the handshake.
    if c.state == State::SynReceived && seg.flags.syn() && !seg.flags.ack() && !seg.flags.rst() && seg.seq == c.tcb.irs {
        let synack = c.syn_segment(now, ctx.config);
        c.out.push(synack);
        c.decide(now, step(Check::Sequence), "retransmitted SYN → SYN-ACK again", None);
        return ControlFlow::Break(());
    }
    // The linux profile: Linux's request and timewait sockets take some segments before (or
    // instead of) this check.
    super::linux_minisocks::before_first_check(c, &seg, ctx)?;

    // RFC 7323 §5.3 R1 (PAWS): a segment whose TSval is older than TS.Recent is a duplicate
    // from an earlier incarnation of the sequence space: ACK it (unless RST) and drop it.
    if c.neg.timestamps && !seg.flags.rst() {
        if let Some((tsval, _)) = seg.timestamps {
            let idle = now.as_millis().saturating_sub(c.ts.ts_recent_stamp_ms);
            let older = (tsval.wrapping_sub(c.ts.ts_recent) as i32) < 0;
            if older && idle < PAWS_IDLE_MS && c.state != State::SynReceived {
                c.ack_pending = AckPending::Now;
                c.decide(now, step(Check::Sequence), "PAWS: TSval older than TS.Recent → ACK, drop", None);
                return ControlFlow::Break(());
            }
        }
    }

    let seg_len = seg.payload.len() as u32 + u32::from(seg.flags.syn()) + u32::from(seg.flags.fin());
    let rcv_wnd = c.tcb.rcv_wnd();
    // Table 6: the four cases of segment length and receive window.
    let mut acceptable = match (seg_len, rcv_wnd) {
        (0, 0) => seg.seq == rcv_nxt,
        (0, _) => seg.seq.in_window(rcv_nxt, rcv_wnd),
        (_, 0) => false,
        (_, _) => seg.seq.in_window(rcv_nxt, rcv_wnd) || (seg.seq + (seg_len - 1)).in_window(rcv_nxt, rcv_wnd),
    };
    // Mutation testing: the sequence check skipped for text, taken as if at RCV.NXT.
    let m = &ctx.config.mutations;
    if m.data_outside_window && !acceptable && !seg.payload.is_empty() && !seg.flags.syn() && !seg.flags.rst() {
        acceptable = true;
        seg.text_seq = rcv_nxt;
    }
    // MUST-66: with a zero window, still process the ACK, URG and RST of a segment at RCV.NXT
    // (its text is not accepted: it is trimmed away below and the ACK re-advertises zero).
    let zero_window_probe = !acceptable && rcv_wnd == 0 && seg.seq == rcv_nxt;
    if super::check_syn::crossed_syn_ack(c, &seg, ctx) {
        return ControlFlow::Continue(seg);
    }
    if zero_window_probe {
        acceptable = true;
    }

    if !acceptable {
        // TIME-WAIT: "the only thing that can arrive … is a retransmission of the remote FIN.
        // Acknowledge it, and restart the 2 MSL timeout" (step 5/8). It falls below RCV.NXT.
        if c.state == State::TimeWait && seg.flags.fin() && !seg.flags.rst() && seg.seq + seg_len == rcv_nxt {
            c.ack_pending = AckPending::Now;
            c.timers.time_wait = Some(now + ctx.config.time_wait);
            c.decide(now, step(Check::Fin), "TIME-WAIT: retransmitted FIN → ACK, restart 2MSL", None);
            return ControlFlow::Break(());
        }
        let linux = ctx.config.profile == crate::config::Profile::Linux;
        if seg.flags.rst() && linux && reset_at_fin(c, &seg) {
            // Linux (tcp_reset_check): after the peer's FIN, a RST at RCV.NXT-1 (the FIN's
            // sequence number) counts as an exact match.
            return ControlFlow::Continue(seg);
        }
        if seg.flags.rst() && linux && c.state == State::FinWait2 && c.orphaned {
            // Linux's orphaned FIN-WAIT-2 is a timewait socket, which checks the window
            // before the RST bit: an out-of-window RST gets the out-of-window ACK.
            if c.oow_ack_allowed(now, ctx.config) {
                c.ack_pending = AckPending::Now;
            }
            c.decide(now, step(Check::Sequence), "orphaned FIN-WAIT-2: RST outside the window → ACK", None);
        } else if seg.flags.rst() {
            c.decide(now, step(Check::Sequence), "RST outside the window → dropped", None);
        } else if (seg.payload.is_empty() && !seg.flags.fin() || seg.flags.syn()) && !c.oow_ack_allowed(now, ctx.config) {
            // Linux (tcp_oow_rate_limited): ACKs for out-of-window segments without data, and
            // for SYNs, share the per-connection rate limit with challenge ACKs.
            c.decide(now, step(Check::Sequence), "unacceptable segment → ACK suppressed by the rate limit", None);
        } else {
            // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
            c.ack_pending = AckPending::Now;
            c.decide(now, step(Check::Sequence), "unacceptable segment → ACK, drop", None);
        }
        return ControlFlow::Break(());
    }

    // Trim to the window: only the new part of a straddling segment is processed, and what
    // lies beyond RCV.NXT+RCV.WND is cut off (a FIN there is not yet receivable).
    let start = seg.text_seq;
    if start.before(rcv_nxt) {
        let skip = (rcv_nxt.since(start) as usize).min(seg.payload.len());
        seg.payload = &seg.payload[skip..];
        seg.text_seq = start + skip as u32;
    }
    let room = if zero_window_probe { 0 } else { c.tcb.rcv_adv.since(seg.text_seq).max(0) as usize };
    if seg.payload.len() > room {
        seg.payload = &seg.payload[..room];
        seg.fin = false;
        // Not in SYN-RECEIVED unless the segment's ACK completes the handshake: without the
        // ACK bit the fifth check drops it unprocessed (§3.10.7.4 fifth; Linux tcp_check_req
        // drops it silently), with an unacceptable ACK the fifth check's RST <SEQ=SEG.ACK> is
        // the only reply, and SYN-RECEIVED acknowledges only unacceptable segments (first
        // check).
        let completes = seg.flags.ack() && c.tcb.snd_una.before(seg.ack) && seg.ack.before_or_eq(c.tcb.snd_nxt);
        if c.state != State::SynReceived || completes {
            c.ack_pending = AckPending::Now;
        }
    }
    if zero_window_probe && !seg.segment.payload.is_empty() {
        c.ack_pending = AckPending::Now;
        c.decide(now, step(Check::Sequence), "zero window: text not accepted, ACK/RST/URG processed", None);
    }
    // Table 6: with RCV.WND = 0 a FIN, which occupies a sequence number, is not acceptable
    // either (MUST-66 lets only ACK, URG and RST through). Linux (tcp_data_queue) takes a
    // bare FIN into a zero window — "some stacks are known to send bare FIN packets in a
    // loop even if we send RWIN 0" — and so does the linux profile.
    let linux = ctx.config.profile == crate::config::Profile::Linux;
    if zero_window_probe && seg.fin && seg.segment.payload.is_empty() && !linux {
        seg.fin = false;
        c.ack_pending = AckPending::Now;
        c.decide(now, step(Check::Sequence), "zero window: FIN not accepted, ACK/RST/URG processed", None);
    }

    // RFC 7323 §4.3 (2): TS.Recent <- SEG.TSval when SEG.SEQ =< Last.ACK.sent < SEG.SEQ+len.
    if let (true, Some((tsval, _))) = (c.neg.timestamps, seg.timestamps) {
        let last = c.ts.last_ack_sent;
        if seg.seq.before_or_eq(last) && (tsval.wrapping_sub(c.ts.ts_recent) as i32) >= 0 {
            if ctx.config.profile == crate::config::Profile::Linux {
                // Linux: only once the ACK is known to be acceptable (see check_ack).
                seg.ts_recent_update = Some(tsval);
            } else {
                c.ts.ts_recent = tsval;
                c.ts.ts_recent_stamp_ms = now.as_millis();
            }
        }
    }
    ControlFlow::Continue(seg)
}

/// Linux `tcp_reset_check`: in CLOSE-WAIT, CLOSING and LAST-ACK a RST whose sequence number
/// is the peer's FIN (RCV.NXT-1) is as good as one at RCV.NXT.
pub fn reset_at_fin(c: &Connection, seg: &Incoming) -> bool {
    seg.flags.rst()
        && matches!(c.state, State::CloseWait | State::Closing | State::LastAck)
        && seg.seq + 1 == c.tcb.rcv_nxt
}
