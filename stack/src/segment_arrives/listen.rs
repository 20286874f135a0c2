//! §3.10.7.2 LISTEN: a segment for a listening socket with no connection of its own yet.

use super::absorb_syn_options;
use crate::connection::{Connection, Ctx};
use crate::decision::Step;
use crate::state::State;
use crate::wire::TcpSegment;

/// What the listener does with a segment.
#[derive(Debug)]
pub enum ListenOutcome {
    /// Nothing is sent and no state is created.
    Drop(Step, &'static str),
    /// Reply with this reset.
    Reset(TcpSegment, Step, &'static str),
    /// A SYN to accept: create a connection in SYN-RECEIVED with [`open_syn_received`].
    NewConnection,
}

/// Steps one to four of §3.10.7.2, plus the queue limits the RFC leaves to the implementation.
pub fn classify(seg: &TcpSegment, syn_queue_full: bool, accept_queue_full: bool) -> ListenOutcome {
    // first, check for a RST: an incoming RST is ignored.
    if seg.flags.rst() {
        return ListenOutcome::Drop(Step::Listen(1), "RST ignored");
    }
    // second, check for an ACK: any acknowledgment is bad → <SEQ=SEG.ACK><CTL=RST>.
    if seg.flags.ack() {
        let rst = super::closed::reset_for(seg).expect("not a RST");
        return ListenOutcome::Reset(rst, Step::Listen(2), "ACK to a listener → RST <SEQ=SEG.ACK>");
    }
    // third, check for a SYN.
    if seg.flags.syn() {
        // Linux drops a SYN while the accept queue is full (tcp_conn_request, LISTENOVERFLOWS),
        // and when the SYN queue is full (no SYN cookies in this stack): the peer retransmits.
        if accept_queue_full {
            return ListenOutcome::Drop(Step::Resource, "accept queue full → SYN dropped");
        }
        if syn_queue_full {
            return ListenOutcome::Drop(Step::Resource, "SYN queue full → SYN dropped");
        }
        return ListenOutcome::NewConnection;
    }
    // fourth, other text or control: drop it.
    ListenOutcome::Drop(Step::Listen(4), "neither SYN, ACK nor RST → dropped")
}

/// §3.10.7.2 step 3 for an accepted SYN: RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ, send
/// `<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>`, SND.NXT = ISS+1, SND.UNA = ISS, → SYN-RECEIVED.
/// The connection's ISS was chosen when it was created.
pub fn open_syn_received(c: &mut Connection, seg: &TcpSegment, ctx: &mut Ctx) {
    c.segs_in = 1;
    c.tcb.irs = seg.seq;
    c.tcb.rcv_nxt = seg.seq + 1;
    c.tcb.rcv_up = c.tcb.rcv_nxt;
    absorb_syn_options(c, seg, ctx.config);
    // The peer's SYN window is never scaled (RFC 7323 §2.2).
    c.tcb.snd_wnd = u32::from(seg.window);
    c.tcb.max_snd_wnd = c.tcb.snd_wnd;
    c.tcb.snd_wl1 = seg.seq;
    c.tcb.snd_wl2 = seg.ack;
    c.tcb.rcv_adv = c.tcb.rcv_nxt + c.initial_window();
    // "Any other control or text should be queued for processing later" (step 3); see
    // `queued_syn_text`. Linux (no Fast Open) discards it: the peer sends it again.
    let linux = ctx.config.profile == crate::config::Profile::Linux;
    if (!seg.payload.is_empty() || seg.flags.fin()) && !linux {
        c.syn_text = Some((seg.payload.clone(), seg.flags.fin()));
    }
    c.transition(ctx.now, Step::Listen(3), "SYN → SYN-ACK", State::SynReceived);
    let synack = c.syn_segment(ctx.now, ctx.config);
    c.out.push(synack);
    c.tcb.snd_nxt = c.tcb.iss + 1;
    c.rtt_probe = Some((c.tcb.snd_nxt, ctx.now));
    c.timers.retransmission = Some(ctx.now + c.rtt.rto());
}
