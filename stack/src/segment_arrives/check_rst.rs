//! §3.10.7.4, second: check the RST bit (with RFC 5961 §3.2's exact-match rule).

use super::{step, Incoming};
use crate::connection::{Connection, Ctx, Origin};
use crate::decision::Check;
use crate::errno::Errno;
use crate::state::State;
use core::ops::ControlFlow;

pub fn check(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    if !seg.flags.rst() {
        return ControlFlow::Continue(());
    }
    let now = ctx.now;
    let linux = ctx.config.profile == crate::config::Profile::Linux;
    // Linux (tcp_timewait_state_process): TIME-WAIT acts on a RST only at exactly RCV.NXT
    // and ignores any other silently: no challenge ACK from a timewait socket.
    if linux && c.state == State::TimeWait && seg.seq != c.tcb.rcv_nxt {
        c.decide(now, step(Check::Rst), "TIME-WAIT: RST not at RCV.NXT → ignored", None);
        return ControlFlow::Break(());
    }
    // RFC 5961 §3.2: (1) outside the window → already dropped by the first check;
    // (2) exactly RCV.NXT → reset; (3) in the window but not RCV.NXT → challenge ACK.
    // Linux: the orphaned FIN-WAIT-2 timewait socket takes any RST in the window, and
    // after the peer's FIN a RST at RCV.NXT-1 counts as exact (tcp_reset_check).
    let linux_exact = linux
        && ((c.state == State::FinWait2 && c.orphaned) || super::check_sequence::reset_at_fin(c, seg));
    // Mutation testing: any RST in the window resets.
    let anywhere = ctx.config.mutations.rst_anywhere_in_window;
    if ctx.config.rfc5961 && seg.seq != c.tcb.rcv_nxt && !linux_exact && !anywhere {
        super::check_syn::challenge_ack(c, ctx, Check::Rst, "RST in window, not RCV.NXT → challenge ACK");
        return ControlFlow::Break(());
    }
    let at = step(Check::Rst);
    match c.state {
        State::SynReceived => match c.origin {
            // "If this connection was initiated with a passive OPEN, then return this
            // connection to the LISTEN state": the listener drops it, nobody is told.
            Origin::Passive { .. } => {
                c.delete_tcb(None);
                c.decide(now, at, "RST in SYN-RECEIVED (passive) → back to LISTEN", Some(State::Closed));
            }
            // "… initiated with an active OPEN … the connection was refused." Linux
            // (tcp_reset) reports ECONNREFUSED only from SYN-SENT, ECONNRESET here.
            Origin::Active => {
                c.delete_tcb(Some(if linux { Errno::ECONNRESET } else { Errno::ECONNREFUSED }));
                c.decide(now, at, "RST in SYN-RECEIVED (active) → connection refused", Some(State::Closed));
            }
        },
        State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
            // Outstanding RECEIVEs and SENDs get "reset"; queues flushed; CLOSED.
            // Linux reports EPIPE rather than ECONNRESET for a reset in CLOSE-WAIT (tcp_reset).
            let linux_close_wait = c.state == State::CloseWait && linux;
            let err = if linux_close_wait { Errno::EPIPE } else { Errno::ECONNRESET };
            // RFC 9293: "all segment queues should be flushed". Linux (tcp_reset) leaves what
            // was already received readable; the error comes after it.
            if !linux {
                c.recv.clear();
            }
            c.delete_tcb(Some(err));
            c.decide(now, at, "RST at RCV.NXT → connection reset", Some(State::Closed));
        }
        State::TimeWait if ctx.config.rfc1337 => {
            // RFC 1337 §3 (fix F1): ignore RST in TIME-WAIT, against TIME-WAIT assassination.
            c.decide(now, at, "RST in TIME-WAIT ignored (RFC 1337)", None);
        }
        State::Closing | State::LastAck | State::TimeWait => {
            c.delete_tcb(None);
            c.decide(now, at, "RST → CLOSED", Some(State::Closed));
        }
        State::Closed | State::Listen | State::SynSent => {
            c.decide(now, at, "RST in a state without §3.10.7.4 processing ignored", None);
        }
    }
    ControlFlow::Break(())
}
