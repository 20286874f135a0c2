//! RFC 9293 §3.10.1–§3.10.6: OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS on a connection, with
//! the errno a Linux socket reports where the RFC only says "error: …".

use crate::connection::{AckPending, Connection, Ctx};
use crate::decision::Step;
use crate::errno::Errno;
use crate::state::State;

/// §3.10.1 OPEN (active): SYN-SENT; `output` sends `<SEQ=ISS><CTL=SYN>`.
pub fn open_active(c: &mut Connection, ctx: &mut Ctx) {
    c.tcb.snd_una = c.tcb.iss;
    c.tcb.snd_nxt = c.tcb.iss;
    c.transition(ctx.now, Step::Open, "active OPEN → SYN", State::SynSent);
}

/// §3.10.2 SEND: queue `data`; returns how much was taken.
pub fn send(c: &mut Connection, data: &[u8], ctx: &mut Ctx) -> Result<usize, Errno> {
    match c.state {
        // "Queue the data for transmission after entering ESTABLISHED" — a Linux socket
        // waits for the connection instead (sk_stream_wait_connect): would block.
        State::SynSent | State::SynReceived => Err(Errno::EAGAIN),
        State::Established | State::CloseWait => {
            if c.fin_queued {
                // shutdown(SHUT_WR) already: "connection closing".
                return Err(Errno::EPIPE);
            }
            if data.is_empty() {
                return Ok(0);
            }
            let n = c.send.push(data);
            if n == 0 {
                return Err(Errno::EAGAIN);
            }
            c.decide(ctx.now, Step::Send, "data queued", None);
            Ok(n)
        }
        // "error: connection closing".
        State::FinWait1 | State::FinWait2 | State::Closing | State::LastAck | State::TimeWait => Err(Errno::EPIPE),
        State::Closed => Err(c.error.take().unwrap_or(Errno::EPIPE)),
        State::Listen => Err(Errno::ENOTCONN),
    }
}

/// §3.10.3 RECEIVE: up to `max` octets; `peek` leaves them queued (MSG_PEEK).
/// `Ok(empty)` is end of stream (the peer's FIN, or shutdown(SHUT_RD)).
pub fn receive(c: &mut Connection, max: usize, peek: bool, ctx: &mut Ctx) -> Result<Vec<u8>, Errno> {
    if !c.recv.is_empty() && max > 0 {
        let n = max.min(c.recv.len());
        let data: Vec<u8> = if peek { c.recv.iter().take(n).copied().collect() } else { c.recv.drain(..n).collect() };
        if !peek {
            window_update_after_read(c, ctx);
        }
        return Ok(data);
    }
    if max == 0 {
        return Ok(Vec::new());
    }
    if c.peer_fin || c.rcv_shutdown {
        return Ok(Vec::new());
    }
    match c.state {
        State::SynSent | State::SynReceived | State::Established | State::FinWait1 | State::FinWait2 => Err(Errno::EAGAIN),
        // Linux: a reset is reported once (then end of stream).
        State::Closed => c.error.take().map_or(Ok(Vec::new()), Err),
        State::CloseWait | State::Closing | State::LastAck | State::TimeWait => Ok(Vec::new()),
        State::Listen => Err(Errno::ENOTCONN),
    }
}

/// After the user reads, the window may reopen; announce it when the right edge can move by
/// at least min(half the buffer, one MSS) and the peer's view of it is smaller than that
/// (RFC 9293 §3.8.6.2.2, receiver SWS avoidance).
fn window_update_after_read(c: &mut Connection, ctx: &mut Ctx) {
    if !c.state.is_synchronized() || c.peer_fin {
        return;
    }
    let threshold = ((c.recv_capacity / 2) as u32).min(u32::from(c.neg.our_mss.get()));
    let free = c.rcv_space().saturating_sub((c.recv.len() + c.ooo.bytes()) as u32);
    if c.tcb.rcv_wnd() < threshold && free >= c.tcb.rcv_wnd() + threshold {
        c.ack_pending = AckPending::Now;
        c.decide(ctx.now, Step::Receive, "window reopened → window update", None);
    }
}

/// §3.10.4 CLOSE (the send side): a FIN after the queued data.
pub fn close(c: &mut Connection, ctx: &mut Ctx) -> Result<(), Errno> {
    let now = ctx.now;
    match c.state {
        // "Delete the TCB and return 'error: closing' responses to any queued SENDs."
        State::SynSent => {
            c.delete_tcb(None);
            c.decide(now, Step::Close, "CLOSE in SYN-SENT → CLOSED", Some(State::Closed));
            Ok(())
        }
        // Queue the FIN; → FIN-WAIT-1 (SYN-RECEIVED: sent once data is segmentized).
        State::SynReceived | State::Established => {
            c.fin_queued = true;
            c.transition(now, Step::Close, "CLOSE → FIN queued", State::FinWait1);
            Ok(())
        }
        // "Queue this request until all preceding SENDs have been segmentized; then send a
        // FIN segment, enter LAST-ACK state."
        State::CloseWait => {
            c.fin_queued = true;
            c.transition(now, Step::Close, "CLOSE in CLOSE-WAIT → FIN queued", State::LastAck);
            Ok(())
        }
        // "error: connection closing".
        State::FinWait1 | State::FinWait2 | State::Closing | State::LastAck | State::TimeWait => Err(Errno::ENOTCONN),
        State::Closed | State::Listen => Err(Errno::ENOTCONN),
    }
}

/// §3.10.5 ABORT: RST in the synchronized states (and SYN-RECEIVED), then delete the TCB.
pub fn abort(c: &mut Connection, ctx: &mut Ctx) {
    let now = ctx.now;
    match c.state {
        State::SynReceived | State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
            active_reset(c, ctx);
            c.decide(now, Step::Abort, "ABORT → RST", Some(State::Closed));
        }
        // §3.10.4 CLOSE-WAIT: the CLOSE is queued "until all preceding SENDs have been
        // segmentized; then send a FIN segment, enter LAST-ACK state" — until our FIN has
        // left, ABORT is CLOSE-WAIT's (§3.10.5: <SEQ=SND.NXT><CTL=RST>). Linux
        // (tcp_disconnect) resets LAST_ACK while SND.NXT ≠ write_seq. (It resets CLOSING
        // so too, where §3.10.5 deletes silently; both profiles keep the RFC's there.)
        State::LastAck if !c.our_fin_sent() => {
            active_reset(c, ctx);
            c.decide(now, Step::Abort, "ABORT before the FIN of CLOSE-WAIT's CLOSE left → RST", Some(State::Closed));
        }
        // SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT: "respond with ok and delete the TCB".
        State::SynSent | State::Closing | State::LastAck | State::TimeWait => {
            c.recv.clear();
            c.delete_tcb(None);
            c.decide(now, Step::Abort, "ABORT → CLOSED without RST", Some(State::Closed));
        }
        State::Closed | State::Listen => {}
    }
}

/// ABORT's reset, then delete the TCB. Linux (tcp_send_active_reset) builds it like any
/// segment of the connection: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> with the timestamp
/// option when timestamps are in use.
pub fn active_reset(c: &mut Connection, ctx: &Ctx) {
    if ctx.config.profile == crate::config::Profile::Linux && c.neg.timestamps {
        let rst = c.segment(ctx.now, c.tcb.snd_nxt, crate::wire::TcpFlags::RST, Vec::new());
        c.out.push(rst);
        c.recv.clear();
        c.delete_tcb(None);
    } else {
        c.abort_with_reset(ctx.config);
    }
}
