//! §3.10.7.4, sixth to eighth: the URG bit, the segment text, and the FIN bit.

use super::{step, Incoming};
use crate::connection::{AckPending, Connection, Ctx};
use crate::decision::Check;
use crate::state::State;

/// Sixth, check the URG bit: in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2, RCV.UP <-
/// max(RCV.UP, SEG.UP) (MUST-62: the pointer is the first non-urgent octet, SEG.SEQ+SEG.UP).
pub fn check_urg(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) {
    if !seg.flags.urg() {
        return;
    }
    match c.state {
        State::Established | State::FinWait1 | State::FinWait2 => {
            let up = seg.seq + u32::from(seg.urgent);
            if up.after(c.tcb.rcv_up) {
                c.tcb.rcv_up = up;
                c.decide(ctx.now, step(Check::Urg), "urgent pointer advanced → user signalled", None);
            }
        }
        // "This should not occur, since a FIN has been received from the remote side. Ignore."
        State::CloseWait | State::Closing | State::LastAck | State::TimeWait => {}
        State::Closed | State::Listen | State::SynSent | State::SynReceived => {}
    }
}

/// Seventh, process the segment text. Returns whether the peer's FIN is now in order
/// (it rode on this segment, or the text filled the hole before a held FIN).
pub fn process_text(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> bool {
    let now = ctx.now;
    let in_order = seg.text_seq == c.tcb.rcv_nxt;
    match c.state {
        State::Established | State::FinWait1 | State::FinWait2 => {}
        State::CloseWait | State::Closing | State::LastAck | State::TimeWait => {
            // A FIN has been received: the text "should not occur"; ignore it.
            if !seg.payload.is_empty() {
                c.decide(now, step(Check::Text), "text after the peer's FIN ignored", None);
            }
            return seg.fin && in_order && seg.payload.is_empty();
        }
        State::Closed | State::Listen | State::SynSent | State::SynReceived => return false,
    }
    if seg.payload.is_empty() {
        if seg.fin && !in_order {
            // A bare FIN beyond a hole: hold it with the out-of-order data.
            c.ooo.insert(c.tcb.rcv_nxt, seg.text_seq, &[], true);
            c.ack_pending = AckPending::Now;
            return false;
        }
        return seg.fin && in_order;
    }
    if (c.rcv_shutdown || c.orphaned) && matches!(c.state, State::FinWait1 | State::FinWait2) {
        // SHLD-3 (§3.6.1; RFC 1122 §4.2.2.13): new data for an application that has closed
        // (or shut down reading) is lost; say so with RST. Linux answers the segment
        // itself (<SEQ=SEG.ACK><CTL=RST>) and resets the connection.
        if ctx.config.profile == crate::config::Profile::Linux && seg.has_ack() {
            c.send_rst(seg.ack);
            c.recv.clear();
            c.delete_tcb(Some(crate::errno::Errno::ECONNRESET));
        } else {
            crate::user_calls::active_reset(c, ctx);
        }
        c.decide(now, step(Check::Text), "data after close() → RST (data lost)", Some(State::Closed));
        return false;
    }
    if !in_order {
        // Beyond RCV.NXT: hold it (SHLD-31) and ACK at once so the peer sees the hole
        // (RFC 5681 §4.2; RFC 2018 §4 SACK blocks ride on that ACK).
        let held = c.ooo.insert(c.tcb.rcv_nxt, seg.text_seq, seg.payload, seg.fin);
        c.ack_pending = AckPending::Now;
        c.decide(
            now,
            step(Check::Text),
            if held { "out-of-order text held → immediate ACK" } else { "out-of-order text over the queue limit → dropped" },
            None,
        );
        return false;
    }
    // In order: deliver, advance RCV.NXT, then whatever the out-of-order queue now completes.
    let filled_hole = !c.ooo.is_empty();
    c.recv.extend(seg.payload);
    c.tcb.rcv_nxt += seg.payload.len() as u32;
    if seg.fin {
        // §3.10.7.4 eighth: the FIN of an in-order segment ends the stream at its number;
        // text held beyond it (an inconsistent peer) is not the stream's, and does not carry
        // RCV.NXT past the FIN (Linux tcp_fin purges the out-of-order queue).
        c.ooo.clear();
    }
    let ready = c.ooo.pop_ready(c.tcb.rcv_nxt);
    c.recv.extend(&ready.data);
    c.tcb.rcv_nxt += ready.data.len() as u32;
    c.count_received((seg.payload.len() + ready.data.len()) as u32);
    if filled_hole {
        // RFC 5681 §4.2: ACK at once when a segment fills (part of) a hole.
        c.ack_pending = AckPending::Now;
    } else {
        c.schedule_ack(now, seg.payload.len(), ctx.config);
    }
    c.decide(now, step(Check::Text), "text accepted → RCV.NXT advanced", None);
    (seg.fin && c.tcb.rcv_nxt == seg.text_seq + seg.payload.len() as u32) || ready.fin
}

/// Eighth, check the FIN bit: advance RCV.NXT over it, ACK it, and move on per state.
pub fn check_fin(c: &mut Connection, fin_reached: bool, ctx: &mut Ctx) {
    if !fin_reached {
        return;
    }
    let now = ctx.now;
    let at = step(Check::Fin);
    match c.state {
        State::Closed | State::Listen | State::SynSent => return,
        State::SynReceived
        | State::Established
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing
        | State::LastAck
        | State::TimeWait => {}
    }
    // Linux (tcp_rcv_state_process) neither queues nor acknowledges a segment at or after
    // RCV.NXT in CLOSE-WAIT, CLOSING and LAST-ACK: a FIN again there goes unanswered.
    let linux = ctx.config.profile == crate::config::Profile::Linux;
    if c.peer_fin && linux && matches!(c.state, State::CloseWait | State::Closing | State::LastAck) {
        c.decide(now, at, "FIN again → not acknowledged (Linux)", None);
        return;
    }
    // Whether any data came before this FIN (Linux has then initialised its delayed-ACK
    // timeout, `ato`).
    let had_data = c.tcb.rcv_nxt.since(c.tcb.irs + 1) > 0;
    if !c.peer_fin {
        // Mutation testing: RCV.NXT is not advanced over the FIN, which is never ACKed.
        if !ctx.config.mutations.fin_not_acked {
            c.tcb.rcv_nxt += 1;
            c.count_received(1);
        }
        c.peer_fin = true;
    }
    c.ack_pending = AckPending::Now;
    // Linux (tcp_fin): a FIN in ESTABLISHED enters interactive ("pingpong") mode, which ends
    // quick-ACKs: the ACK waits for the delayed-ACK timer — 40 ms once data has been
    // received, the next tick on a connection that never received any.
    if ctx.config.profile == crate::config::Profile::Linux
        && ctx.config.delayed_ack_enabled
        && c.state == State::Established
        && had_data
    {
        c.quickacks = 0;
        c.ack_pending = AckPending::Delayed;
        let due = now + ctx.config.delayed_ack;
        c.timers.delayed_ack = Some(c.timers.delayed_ack.map_or(due, |t| t.min(due)));
    }
    match c.state {
        State::SynReceived | State::Established => c.transition(now, at, "FIN → CLOSE-WAIT", State::CloseWait),
        State::FinWait1 => {
            if c.our_fin_acked() {
                c.enter_time_wait(now, ctx.config);
                c.transition(now, at, "FIN, our FIN acknowledged → TIME-WAIT", State::TimeWait);
            } else {
                c.transition(now, at, "FIN while our FIN is unacknowledged → CLOSING", State::Closing);
            }
        }
        State::FinWait2 => {
            c.enter_time_wait(now, ctx.config);
            c.transition(now, at, "FIN → TIME-WAIT", State::TimeWait);
        }
        State::CloseWait | State::Closing | State::LastAck => c.decide(now, at, "FIN again → ACK, stay", None),
        State::TimeWait => {
            c.timers.time_wait = Some(now + ctx.config.time_wait);
            c.decide(now, at, "FIN in TIME-WAIT → ACK, restart 2MSL", None);
        }
        State::Closed | State::Listen | State::SynSent => {}
    }
}
