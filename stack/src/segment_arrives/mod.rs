//! RFC 9293 §3.10.7 SEGMENT ARRIVES, laid out as the RFC lays it out:
//!
//! - [`closed`]: §3.10.7.1, a segment for which there is no TCB;
//! - [`listen`]: §3.10.7.2, a segment for a listening socket;
//! - [`syn_sent`]: §3.10.7.3, a segment in SYN-SENT;
//! - the other states, §3.10.7.4, as its eight ordered checks, one module each:
//!   [`check_sequence`] (first), [`check_rst`] (second), the third (security/compartment) is
//!   a no-op here because this stack has no compartments, [`check_syn`] (fourth),
//!   [`check_ack`] (fifth), and [`text`] for the sixth (URG), seventh (text) and eighth (FIN);
//! - [`linux_minisocks`]: on the linux profile, what Linux's request sockets (passive
//!   SYN-RECEIVED) and timewait sockets do before the first check.
//!
//! Each step mutates the connection and queues its replies; the stack then applies the state
//! change in one place (see `stack`).

pub mod check_ack;
pub mod check_rst;
pub mod check_sequence;
pub mod check_syn;
pub mod closed;
pub mod linux_minisocks;
pub mod listen;
pub mod syn_sent;
pub mod text;

use crate::config::Config;
use crate::connection::{Connection, Ctx};
use crate::decision::{Check, Step};
use crate::seq::{Mss, SeqNum, WindowScale};
use crate::state::State;
use crate::wire::{TcpFlags, TcpSegment};
use core::ops::ControlFlow;

/// A segment as the §3.10.7.4 checks see it: after step one has trimmed it to the window.
#[derive(Clone, Debug)]
pub struct Incoming<'a> {
    /// SEG.SEQ as received (the RST check compares this exact value with RCV.NXT).
    pub seq: SeqNum,
    /// Sequence number of `payload[0]` after trimming (or of the FIN when there is no text).
    pub text_seq: SeqNum,
    pub ack: SeqNum,
    pub flags: TcpFlags,
    /// SEG.WND as on the wire (unscaled).
    pub window: u16,
    pub urgent: u16,
    /// The text that lies inside the receive window.
    pub payload: &'a [u8],
    /// The FIN, if it lies inside the window.
    pub fin: bool,
    /// The TSopt (TSval, TSecr), if present before any EOL.
    pub timestamps: Option<(u32, u32)>,
    /// A TS.Recent update the first check found due, which Linux applies only once the
    /// fifth check has validated the ACK (`FLAG_UPDATE_TS_RECENT`).
    pub ts_recent_update: Option<u32>,
    pub segment: &'a TcpSegment,
}

impl<'a> Incoming<'a> {
    pub fn new(seg: &'a TcpSegment) -> Self {
        Incoming {
            seq: seg.seq,
            text_seq: seg.seq + u32::from(seg.flags.syn()),
            ack: seg.ack,
            flags: seg.flags,
            window: seg.window,
            urgent: seg.urgent,
            payload: &seg.payload,
            fin: seg.flags.fin(),
            timestamps: seg.timestamps(),
            ts_recent_update: None,
            segment: seg,
        }
    }

    pub fn has_ack(&self) -> bool {
        self.flags.ack()
    }
}

/// Dispatch a segment to a connection (a TCB exists: SYN-SENT or one of the "other states").
pub fn on_segment(c: &mut Connection, seg: &TcpSegment, ctx: &mut Ctx) {
    c.last_received = ctx.now;
    c.segs_in = c.segs_in.wrapping_add(1);
    match c.state {
        State::SynSent => syn_sent::on_segment(c, seg, ctx),
        State::SynReceived
        | State::Established
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing
        | State::LastAck
        | State::TimeWait => {
            let _ = other_states(c, Incoming::new(seg), ctx);
        }
        // No connection object is ever in these states while demultiplexed: CLOSED means the
        // TCB is gone (the stack answers per §3.10.7.1) and LISTEN lives in the listener.
        State::Closed | State::Listen => {
            c.decide(ctx.now, Step::Closed, "segment for a deleted TCB ignored", None);
        }
    }
}

/// §3.10.7.4: the eight checks in order; each may end processing of the segment.
fn other_states(c: &mut Connection, seg: Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    let seg = check_sequence::check(c, seg, ctx)?;
    check_rst::check(c, &seg, ctx)?;
    // Third, check security: this stack has no security/compartment labels (RFC 9293 §3.10.7.4
    // step 3 only applies where they exist), so nothing is ever mismatched.
    check_syn::check(c, &seg, ctx)?;
    check_ack::check(c, &seg, ctx)?;
    from_step_six(c, &seg, ctx)
}

/// Steps six to eight; SYN-SENT continues here when its SYN-ACK carried text or a FIN.
pub fn from_step_six(c: &mut Connection, seg: &Incoming, ctx: &mut Ctx) -> ControlFlow<()> {
    queued_syn_text(c, ctx);
    // The queued text lies before this segment's and may overlap it (the peer sent it again
    // after the SYN): §3.10.7.4 first — "if a segment's contents straddle the boundary
    // between old and new, only the new parts are processed" — now against the RCV.NXT the
    // queued text advanced, as the first check did against the one before it.
    let old = c.tcb.rcv_nxt.since(seg.text_seq).max(0) as usize;
    let trimmed;
    let seg = if old > 0 && !seg.payload.is_empty() {
        let skip = old.min(seg.payload.len());
        trimmed = Incoming { payload: &seg.payload[skip..], text_seq: seg.text_seq + skip as u32, ..seg.clone() };
        &trimmed
    } else {
        seg
    };
    text::check_urg(c, seg, ctx);
    let fin_reached = text::process_text(c, seg, ctx);
    text::check_fin(c, fin_reached, ctx);
    ControlFlow::Continue(())
}

/// §3.10.7.2 third (and §3.10.7.3 fourth, simultaneous open): the text and FIN that came on
/// the SYN were "queued for processing later"; once the connection is synchronized they are
/// processed — ahead of the segment that got it there, which follows them in sequence — as
/// far as the window we offered reaches. (The linux profile queues nothing: Linux discards
/// text on a SYN without Fast Open.) "After the ESTABLISHED state has been reached" is once
/// our SYN is acknowledged (§3.10.7.4 fifth, SYN-RECEIVED): FIN-WAIT-1 entered by a CLOSE in
/// SYN-RECEIVED (§3.10.4) is synchronized before that, and a segment not acknowledging our
/// SYN does not reach ESTABLISHED's processing of the queue.
fn queued_syn_text(c: &mut Connection, ctx: &mut Ctx) {
    if !c.state.is_synchronized() || c.tcb.snd_una == c.tcb.iss {
        return;
    }
    let Some((text, fin)) = c.syn_text.take() else { return };
    let room = c.tcb.rcv_wnd() as usize;
    let fits = text.len() < room || (text.len() == room && !fin);
    let mut flags = TcpFlags::ACK;
    if fin && fits {
        flags = flags | TcpFlags::FIN;
    }
    let queued = TcpSegment { seq: c.tcb.irs + 1, flags, payload: text[..text.len().min(room)].to_vec(), ..TcpSegment::default() };
    let incoming = Incoming::new(&queued);
    let fin_reached = text::process_text(c, &incoming, ctx);
    text::check_fin(c, fin_reached, ctx);
}

/// The options of a received SYN (§3.7.1 MSS, RFC 7323 WS/TS, RFC 2018 SACK-permitted):
/// what both ends offered is what the connection uses.
pub fn absorb_syn_options(c: &mut Connection, seg: &TcpSegment, config: &Config) {
    // MUST-15: without an MSS option the default (536 / 1220) stands. A repeated MSS option
    // is undefined (RFC 9293 §3.7.1): the first counts; the linux profile takes the last
    // non-zero one, as Linux tcp_parse_options does (a zero MSS is ignored there).
    let mss = if config.profile == crate::config::Profile::Linux {
        seg.effective_options().filter_map(|o| if let crate::wire::TcpOption::Mss(m) = o { Mss::new(*m) } else { None }).last()
    } else {
        seg.mss().and_then(Mss::new)
    };
    // The linux profile raises a small MSS to `tcp_min_snd_mss` (48), options included.
    if let Some(mss) = mss.map(|m| Mss::new(m.get().max(config.min_snd_mss)).unwrap_or(m)) {
        c.neg.peer_mss = mss;
    }
    // RFC 7323 §2.2: scaling is on only if both SYNs carry WS; §2.3 clamps the shift to 14.
    match (seg.window_scale(), c.neg.offered_rcv_scale) {
        (Some(peer), Some(ours)) if config.window_scaling => {
            c.neg.window_scaling = true;
            c.neg.snd_scale = WindowScale::clamped(peer);
            c.neg.rcv_scale = WindowScale::clamped(ours);
        }
        (Some(_) | None, Some(_) | None) => {
            c.neg.window_scaling = false;
            c.neg.snd_scale = WindowScale::default();
            c.neg.rcv_scale = WindowScale::default();
        }
    }
    // RFC 7323 §3.2: timestamps only if the SYN carried TSopt (and we want them).
    if let (Some((tsval, _)), true) = (seg.timestamps(), config.timestamps) {
        c.neg.timestamps = true;
        c.ts.ts_recent = tsval;
    } else {
        c.neg.timestamps = false;
    }
    c.neg.sack = config.sack && seg.sack_permitted();
}

/// The §3.10.7.4 step label for a check.
pub fn step(check: Check) -> Step {
    Step::Other(check)
}
