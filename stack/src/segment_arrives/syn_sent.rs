//! §3.10.7.3 SYN-SENT: our SYN is out; the peer's SYN (and ACK of ours) is awaited.

use super::{absorb_syn_options, from_step_six, Incoming};
use crate::connection::{AckPending, Connection, Ctx};
use crate::decision::Step;
use crate::errno::Errno;
use crate::state::State;
use crate::wire::TcpSegment;

/// Linux's TCP_TIMEOUT_MIN: two jiffies at HZ=250.
const TIMEOUT_MIN: std::time::Duration = std::time::Duration::from_millis(8);

pub fn on_segment(c: &mut Connection, seg: &TcpSegment, ctx: &mut Ctx) {
    let now = ctx.now;
    // first, check the ACK bit.
    if seg.flags.ack() {
        // If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set)
        // and discard: this is how an old duplicate SYN-ACK is refused (§3.5, Figure 9).
        // Mutation testing: any ACK taken as acknowledging the SYN.
        let unacceptable = seg.ack.before_or_eq(c.tcb.iss) || seg.ack.after(c.tcb.snd_nxt);
        if unacceptable && !ctx.config.mutations.syn_sent_accepts_bad_ack {
            // Linux: "Previous FIN/ACK or RST/ACK might be ignored" — before the first
            // retransmission, send the SYN again soon (TCP_TIMEOUT_MIN, 2 jiffies at HZ=250).
            if ctx.config.profile == crate::config::Profile::Linux && c.retransmits == 0 {
                c.timers.retransmission = Some(now + TIMEOUT_MIN);
            }
            if seg.flags.rst() {
                c.decide(now, Step::SynSent(1), "unacceptable ACK on a RST → dropped", None);
            } else {
                c.send_rst(seg.ack);
                c.decide(now, Step::SynSent(1), "unacceptable ACK → RST <SEQ=SEG.ACK>", None);
            }
            return;
        }
        // Otherwise SND.UNA < SEG.ACK =< SND.NXT: the ACK is acceptable.
    }
    // second, check the RST bit.
    if seg.flags.rst() {
        if seg.flags.ack() {
            c.delete_tcb(Some(Errno::ECONNREFUSED));
            c.decide(now, Step::SynSent(2), "RST with acceptable ACK → connection refused", Some(State::Closed));
        } else {
            c.decide(now, Step::SynSent(2), "RST without ACK → dropped", None);
        }
        return;
    }
    // third, check security: no compartments in this stack.
    // fourth, check the SYN bit (only reached if the ACK is OK or absent and there is no RST).
    if seg.flags.syn() {
        c.tcb.rcv_nxt = seg.seq + 1;
        c.tcb.irs = seg.seq;
        c.tcb.rcv_up = c.tcb.rcv_nxt;
        absorb_syn_options(c, seg, ctx.config);
        c.tcb.rcv_adv = c.tcb.rcv_nxt + c.initial_window();
        if seg.flags.ack() {
            c.count_acked(seg.ack);
            c.tcb.snd_una = seg.ack;
        }
        if c.tcb.snd_una.after(c.tcb.iss) {
            // Our SYN has been ACKed: ESTABLISHED, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
            established_by_syn_ack(c, seg, ctx);
            c.transition(now, Step::SynSent(4), "SYN-ACK acknowledges our SYN → ACK", State::Established);
            c.ack_pending = AckPending::Now;
            if !seg.payload.is_empty() || seg.flags.fin() || seg.flags.urg() {
                // "If there are other controls or text in the segment, then continue
                // processing at the sixth step under §3.10.7.4."
                let mut incoming = Incoming::new(seg);
                incoming.text_seq = seg.seq + 1;
                if ctx.config.profile == crate::config::Profile::Linux && (!seg.payload.is_empty() || seg.flags.fin()) {
                    // Linux (tcp_rcv_state_process) does "step6 onward by hand" with only
                    // tcp_urg: the text and FIN of a SYN-ACK are discarded (the peer sends
                    // them again).
                    incoming.payload = &[];
                    incoming.fin = false;
                    c.decide(now, super::step(crate::decision::Check::Text), "text and FIN on the SYN-ACK discarded (Linux)", None);
                }
                let _ = from_step_six(c, &incoming, ctx);
            }
        } else {
            // Simultaneous open: → SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
            c.tcb.snd_wnd = u32::from(seg.window);
            c.tcb.max_snd_wnd = c.tcb.snd_wnd;
            c.tcb.snd_wl1 = seg.seq;
            c.tcb.snd_wl2 = seg.ack;
            // "… queue other controls or text for processing after the ESTABLISHED state
            // has been reached" (see `queued_syn_text`; Linux discards them).
            let linux = ctx.config.profile == crate::config::Profile::Linux;
            if (!seg.payload.is_empty() || seg.flags.fin()) && !linux {
                c.syn_text = Some((seg.payload.clone(), seg.flags.fin()));
            }
            c.transition(now, Step::SynSent(4), "SYN without ACK (simultaneous open) → SYN-ACK", State::SynReceived);
            let synack = c.syn_segment(now, ctx.config);
            c.out.push(synack);
            c.timers.retransmission = Some(now + c.rtt.rto());
        }
        return;
    }
    // fifth, if neither SYN nor RST is set, drop the segment.
    c.decide(now, Step::SynSent(5), "neither SYN nor RST → dropped", None);
}

/// The bookkeeping of reaching ESTABLISHED through a SYN-ACK: window, RTT, timers.
fn established_by_syn_ack(c: &mut Connection, seg: &TcpSegment, ctx: &mut Ctx) {
    // SND.WND from the (unscaled, RFC 7323 §2.2) SYN-ACK window.
    c.tcb.snd_wnd = u32::from(seg.window);
    c.tcb.max_snd_wnd = c.tcb.snd_wnd;
    c.tcb.snd_wl1 = seg.seq;
    c.tcb.snd_wl2 = seg.ack;
    super::check_ack::sample_rtt(c, seg.ack, seg.timestamps(), ctx.now);
    if c.retransmits > 0 {
        // RFC 6298 (5.7): the SYN was retransmitted, so data starts with RTO = 3 s.
        c.rtt.reset_after_syn_loss(std::time::Duration::from_secs(3));
    }
    c.retransmits = 0;
    c.timers.retransmission = None;
    c.on_established(ctx.config);
}
