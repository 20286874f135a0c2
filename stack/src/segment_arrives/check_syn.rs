//! §3.10.7.4, fourth: check the SYN bit (RFC 5961 §4 challenge ACK, or RFC 793's reset).

use super::{step, Incoming};
use crate::connection::{AckPending, Connection, Ctx, Origin};
use crate::decision::Check;
use crate::errno::Errno;
use crate::state::State;
use core::ops::ControlFlow;

pub fn check(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    if !seg.flags.syn() {
        return ControlFlow::Continue(());
    }
    let now = ctx.now;
    let at = step(Check::Syn);
    // SYN-RECEIVED from a passive OPEN: "return this connection to the LISTEN state and return".
    if let (State::SynReceived, Origin::Passive { .. }) = (c.state, c.origin) {
        c.delete_tcb(None);
        c.decide(now, at, "SYN in SYN-RECEIVED (passive) → back to LISTEN", Some(State::Closed));
        return ControlFlow::Break(());
    }
    if ctx.config.rfc5961 {
        // RFC 5961 §4.2: whatever the sequence number, MUST send a challenge ACK and drop.
        challenge_ack(c, ctx, Check::Syn, "SYN in a synchronized state → challenge ACK");
    } else {
        // RFC 793: a SYN in the window is an error: reset, flush, CLOSED.
        let rst_seq = if seg.has_ack() { seg.ack } else { c.tcb.snd_nxt };
        c.send_rst(rst_seq);
        c.recv.clear();
        c.delete_tcb(Some(Errno::ECONNRESET));
        c.decide(now, at, "SYN in window (RFC 793) → RST, connection reset", Some(State::Closed));
    }
    ControlFlow::Break(())
}

/// RFC 5961 §3.2/§4.2/§5.2: `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`, within the §7 rate limit.
pub fn challenge_ack(c: &mut Connection, ctx: &mut Ctx, check: Check, why: &'static str) {
    if *ctx.challenge_ack_budget == 0 {
        c.decide(ctx.now, step(check), "challenge ACK suppressed by the RFC 5961 §7 rate limit", None);
        return;
    }
    *ctx.challenge_ack_budget -= 1;
    c.ack_pending = AckPending::Now;
    c.decide(ctx.now, step(check), why, None);
}
