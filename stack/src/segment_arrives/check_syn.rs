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
    // Linux (tcp_check_req → embryonic_reset) also resets the peer, as §3.10.7.1 would:
    // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (or <SEQ=SEG.ACK><CTL=RST>).
    if let (State::SynReceived, Origin::Passive { .. }) = (c.state, c.origin) {
        if ctx.config.profile == crate::config::Profile::Linux {
            if let Some(rst) = super::closed::reset_for(seg.segment) {
                c.out.push(rst);
            }
            c.delete_tcb(None);
            c.decide(now, at, "SYN in SYN-RECEIVED (passive) → RST, back to LISTEN", Some(State::Closed));
            return ControlFlow::Break(());
        }
        c.delete_tcb(None);
        c.decide(now, at, "SYN in SYN-RECEIVED (passive) → back to LISTEN", Some(State::Closed));
        return ControlFlow::Break(());
    }
    if crossed_syn_ack(c, seg, ctx) {
        c.ack_pending = AckPending::Now;
        c.decide(now, at, "SYN-ACK of a simultaneous open → ACK processed, duplicate SYN acknowledged", None);
        return ControlFlow::Continue(());
    }
    // Mutation testing: RFC 793's reset although RFC 5961 is on.
    if ctx.config.rfc5961 && !ctx.config.mutations.syn_resets_connection {
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

/// Linux (tcp_validate_incoming): in a simultaneous open, the peer's SYN-ACK — the SYN we
/// already hold (SEG.SEQ+1 = RCV.NXT) acknowledging ours (SEG.ACK = SND.NXT) — is no attack:
/// its ACK completes the handshake, and its SYN, a duplicate, is acknowledged. (Linux's
/// sequence test, SEG.SEQ+SEG.LEN >= RCV.NXT, lets it through the first check too.)
pub fn crossed_syn_ack(c: &Connection, seg: &Incoming, ctx: &Ctx) -> bool {
    ctx.config.profile == crate::config::Profile::Linux
        && c.state == State::SynReceived
        && c.origin == Origin::Active
        && seg.flags.syn()
        && seg.has_ack()
        && !seg.flags.rst()
        && !seg.flags.fin()
        && seg.segment.payload.is_empty()
        && seg.seq + 1 == c.tcb.rcv_nxt
        && seg.ack == c.tcb.snd_nxt
}

/// RFC 5961 §3.2/§4.2/§5.2: `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`, within the §7 rate limit.
pub fn challenge_ack(c: &mut Connection, ctx: &mut Ctx, check: Check, why: &'static str) {
    // Mutation testing: the challenge ACK is never sent.
    if ctx.config.mutations.no_challenge_ack {
        c.decide(ctx.now, step(check), "challenge ACK not sent (mutation)", None);
        return;
    }
    // Linux (tcp_send_challenge_ack): first the per-connection limit, shared with the ACKs
    // for out-of-window segments (tcp_invalid_ratelimit, 500 ms).
    if !c.oow_ack_allowed(ctx.now, ctx.config) {
        c.decide(ctx.now, step(check), "challenge ACK suppressed by the per-connection rate limit", None);
        return;
    }
    if *ctx.challenge_ack_budget == 0 {
        c.decide(ctx.now, step(check), "challenge ACK suppressed by the RFC 5961 §7 rate limit", None);
        return;
    }
    *ctx.challenge_ack_budget -= 1;
    c.ack_pending = AckPending::Now;
    c.decide(ctx.now, step(check), why, None);
}
