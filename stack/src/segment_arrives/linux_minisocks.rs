//! The linux profile's two "minisocks" (Linux net/ipv4/tcp_minisocks.c). On Linux a
//! connection in SYN-RECEIVED from a passive OPEN is a request socket (`tcp_check_req`), and
//! one in TIME-WAIT a timewait socket (`tcp_timewait_state_process`); each takes a segment in
//! an order of its own rather than by §3.10.7.4's eight checks. What differs observably
//! (seen on Linux 6.18) is done here, before the first check, on the linux profile only;
//! whatever passes goes on through the eight checks.

use super::{step, Incoming};
use crate::config::Profile;
use crate::connection::{AckPending, Connection, Ctx, Origin};
use crate::decision::Check;
use crate::state::State;
use core::ops::ControlFlow;

/// Called before §3.10.7.4's first check.
pub fn before_first_check(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    if ctx.config.profile != Profile::Linux {
        return ControlFlow::Continue(());
    }
    match (c.state, c.origin) {
        (State::SynReceived, Origin::Passive { .. }) => request_sock(c, seg, ctx),
        (State::TimeWait, Origin::Passive { .. } | Origin::Active) => timewait(c, seg, ctx),
        (
            State::Closed
            | State::Listen
            | State::SynSent
            | State::SynReceived
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck,
            Origin::Passive { .. } | Origin::Active,
        ) => ControlFlow::Continue(()),
    }
}

/// `tcp_check_req`: "Invalid ACK: reset will be sent by listening socket" — an ACK other than
/// ISS+1 is answered <SEQ=SEG.ACK><CTL=RST> (§3.10.7.4 fifth's SYN-RECEIVED rule) before the
/// sequence number is looked at, and the half-open connection stays. A RST with such an ACK
/// reaches the listener, which ignores it.
fn request_sock(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    let acceptable = c.tcb.snd_una.before(seg.ack) && seg.ack.before_or_eq(c.tcb.snd_nxt);
    if !seg.has_ack() || acceptable {
        return ControlFlow::Continue(());
    }
    if seg.flags.rst() {
        c.decide(ctx.now, step(Check::Ack), "SYN-RECEIVED: RST with an unacceptable ACK → dropped", None);
    } else {
        c.send_rst(seg.ack);
        c.decide(ctx.now, step(Check::Ack), "SYN-RECEIVED: unacceptable ACK → RST <SEQ=SEG.ACK>", None);
    }
    ControlFlow::Break(())
}

/// `tcp_timewait_state_process`, for what is neither a RST (the second check: only one at
/// RCV.NXT ends TIME-WAIT) nor the peer's FIN again (the first check: ACK, restart):
/// - a bare segment exactly at RCV.NXT restarts the 60 s, silently, whatever its ACK field;
/// - anything else (text, a SYN not above RCV.NXT, a PAWS failure, a segment out of the
///   window) is acknowledged, within the out-of-window rate limit, and restarts the 60 s if
///   it carries the ACK bit (or failed PAWS).
fn timewait(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    let now = ctx.now;
    let rcv_nxt = c.tcb.rcv_nxt;
    let seg_len = seg.payload.len() as u32 + u32::from(seg.flags.syn()) + u32::from(seg.fin);
    if seg.flags.rst() || (seg.fin && seg.seq + seg_len == rcv_nxt) {
        return ControlFlow::Continue(());
    }
    let paws_reject = match (c.neg.timestamps, seg.timestamps) {
        (true, Some((tsval, _))) => (tsval.wrapping_sub(c.ts.ts_recent) as i32) < 0,
        (true, None) | (false, _) => false,
    };
    if !paws_reject && seg.seq == rcv_nxt && seg_len == 0 {
        c.timers.time_wait = Some(now + ctx.config.time_wait);
        if let (true, Some((tsval, _))) = (c.neg.timestamps, seg.timestamps) {
            c.ts.ts_recent = tsval;
            c.ts.ts_recent_stamp_ms = now.as_millis();
        }
        c.decide(now, step(Check::Sequence), "TIME-WAIT: bare segment at RCV.NXT → 2MSL restarted", None);
        return ControlFlow::Break(());
    }
    if seg.has_ack() || paws_reject {
        c.timers.time_wait = Some(now + ctx.config.time_wait);
    }
    if c.oow_ack_allowed(now, ctx.config) {
        c.ack_pending = AckPending::Now;
        c.decide(now, step(Check::Sequence), "TIME-WAIT: segment → ACK", None);
    } else {
        c.decide(now, step(Check::Sequence), "TIME-WAIT: segment → ACK suppressed by the rate limit", None);
    }
    ControlFlow::Break(())
}
