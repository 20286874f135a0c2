//! What to send now: the SYN or SYN-ACK, new data and retransmissions within
//! min(cwnd, SND.WND) (RFC 5681, RFC 9293 §3.8.6), Nagle (§3.7.4) and sender-side SWS
//! avoidance (§3.8.6.2.1), the FIN, the persist timer, and a pending ACK (MUST-58: one ACK
//! for everything processed, carried by data when there is data to send).

use crate::connection::{AckPending, Connection, Ctx};
use crate::state::State;

pub fn transmit(c: &mut Connection, ctx: &mut Ctx) {
    let now = ctx.now;
    match c.state {
        State::Closed | State::Listen => return,
        State::SynSent | State::SynReceived => {
            if c.tcb.snd_nxt == c.tcb.iss {
                let syn = c.syn_segment(now, ctx.config);
                c.out.push(syn);
                c.tcb.snd_nxt = c.tcb.iss + 1;
                c.rtt_probe = Some((c.tcb.snd_nxt, now));
                c.timers.retransmission = Some(now + c.rtt.rto());
            } else if c.ack_pending == AckPending::Now && c.state == State::SynReceived {
                c.send_ack(now);
            }
            return;
        }
        State::Established
        | State::CloseWait
        | State::FinWait1
        | State::FinWait2
        | State::Closing
        | State::LastAck
        | State::TimeWait => {}
    }
    send_data(c, ctx);
    if c.ack_pending == AckPending::Now {
        c.send_ack(now);
    }
}

fn send_data(c: &mut Connection, ctx: &mut Ctx) {
    let now = ctx.now;
    // MUST-16: the options this segment will carry count against the MSS.
    let smss = c.send_mss();
    loop {
        let edge = c.rtx_nxt.unwrap_or(c.tcb.snd_nxt);
        let retransmitting = edge.before(c.tcb.snd_nxt);
        let in_flight = edge.since(c.tcb.snd_una).max(0) as u32;
        // Mutation testing: the peer's window ignored.
        let peer = if ctx.config.mutations.ignores_peer_window { u32::MAX } else { c.tcb.snd_wnd };
        let window = c.cc.cwnd().min(peer);
        let mut usable = window.saturating_sub(in_flight);
        let room = usable;
        // Linux (tcp_retransmit_skb) retransmits the head of the queue, at SND.UNA, whatever
        // the peer's window — a FIN too, which a zero window would otherwise hold back from
        // every retransmission timeout until R2 gives up on a connection that never sent.
        // Only what was sent before: the head is the segment in flight, never new octets
        // (those stay behind the window, RFC 9293 §3.8.6.1).
        // The same on a zero window whenever the retransmission timer keeps what is in flight
        // (stale-sequence probes carry no data): RFC 9293 §3.8.6.1, "retransmit to the
        // receiving TCP peer even if the send window is zero" (MUST-36).
        let stale_probes = ctx.config.probe_style == crate::config::ProbeStyle::StaleSequence && c.tcb.snd_wnd == 0;
        let head_forced = retransmitting && edge == c.tcb.snd_una && (c.profile == crate::config::Profile::Linux || stale_probes);
        if head_forced {
            usable = usable.max(smss + 1);
        }
        let available = c.send.available_from(edge) as u32;
        let mut len = smss.min(usable).min(available);
        if head_forced {
            len = len.min(c.tcb.snd_nxt.since(edge).max(0) as u32);
        }
        let data_end = edge + len;
        // The FIN goes after the last octet, if it fits in the window (it occupies one
        // sequence number) and has not been sent yet (or is being retransmitted).
        let fin_pending = c.fin_queued && (retransmitting || !c.our_fin_sent());
        // Linux holds the FIN of a CLOSE in SYN-RECEIVED until the SYN is acknowledged
        // (RFC 9293 §3.10.4 sends it at once when nothing else is queued).
        let syn_unacked = c.tcb.snd_una == c.tcb.iss && c.profile == crate::config::Profile::Linux;
        // A forced head carries the FIN only if it was sent before: a FIN never sent is new
        // sequence space, held behind the window like new text (RFC 9293 §3.8.6, SHLD-15;
        // Linux queues it on a segment of its own once the tail has gone, tcp_send_fin).
        let fin_room = if head_forced && !c.our_fin_sent() { room } else { usable };
        let fin = fin_pending && data_end == c.send.end() && fin_room > len && !syn_unacked;
        if len == 0 && !fin {
            break;
        }
        if !retransmitting && len > 0 && len < smss && !fin {
            // Sender SWS avoidance and Nagle: send a short segment only if it is all we have
            // and nothing is in flight (or Nagle is off), or it is half the largest window.
            let all_we_have = len == available;
            let nagle_ok = c.opts.nodelay || in_flight == 0;
            let half_window = len >= (c.tcb.max_snd_wnd / 2).max(1);
            if !((all_we_have && nagle_ok) || half_window) {
                break;
            }
        }
        if c.state == State::TimeWait || c.state == State::FinWait2 {
            break;
        }
        let after = c.send_text(now, edge, len as usize, fin);
        debug_assert_eq!(after, data_end + u32::from(fin));
        if retransmitting {
            c.retransmitted(after);
            c.rtx_nxt = Some(after).filter(|r| r.before(c.tcb.snd_nxt));
        } else {
            c.tcb.snd_nxt = after;
            if c.rtt_probe.is_none() && c.retransmits == 0 {
                c.rtt_probe = Some((after, now));
            }
        }
        if c.timers.retransmission.is_none() {
            c.timers.retransmission = Some(now + c.rtt.rto());
            if let Some(d) = c.opts.user_timeout {
                c.timers.user.get_or_insert(now + d);
            }
        }
        if fin {
            break;
        }
    }
    // Zero window with data waiting and nothing in flight: the persist timer probes
    // (RFC 9293 §3.8.6.1, MUST-36; SHLD-29: the first probe after one RTO).
    let waiting = c.send.available_from(c.tcb.snd_nxt) > 0 || (c.fin_queued && !c.our_fin_sent());
    if c.tcb.snd_wnd == 0 && waiting && c.tcb.flight_size() == 0 && c.timers.persist.is_none() {
        c.timers.persist = Some(now + c.rtt.rto());
    }
}
