//! Connections a capture joins mid-stream: no SYN was seen, so the ISNs, the window scales and
//! whatever happened before the capture are unknown. The oracle follows such a connection
//! from the first segment the judged stack sends with an ACK (no SYN, RST or FIN): its SEG.ACK
//! is RCV.NXT and its end is (at least) SND.NXT. Until then it only gathers what the peer
//! sent, for the bounds of what the stack may already have received.
//!
//! The worlds it starts from are conservative — every bound is one no conformant stack can
//! break whatever the unseen past was:
//! - ESTABLISHED, and CLOSE-WAIT (the peer's FIN may have come before the capture) unless the
//!   capture shows where the peer's FIN is; from a bare ACK (SEG.SEQ = SND.NXT), also
//!   FIN-WAIT-2 and TIME-WAIT with our FIN just before it, acknowledged (their timers started
//!   before the capture, so either may end silently at any time). A FIN of ours still
//!   unacknowledged shows later as a FIN retransmission, which takes ESTABLISHED to FIN-WAIT-1.
//! - RCV.NXT is the segment's SEG.ACK; the receive window is its SEG.WND shifted by 0 for
//!   what must be accepted and by 14 for what may be (the scale is unknown, `World::joined`).
//!   Anything past RCV.NXT inside that widest window may have arrived before the capture
//!   (held out of order): once the peer fills the octet at RCV.NXT, only ACKs beyond it are
//!   too high.
//! - SND.UNA is unknown (the peer's SEG.ACKs before may acknowledge what was never sent);
//!   SND.NXT is at least what the stack was seen to send, and where the peer acknowledges
//!   more, both are followed: it was sent before the capture, or it was not. The peer's
//!   window is unknown, so nothing counts as beyond it.
//! - Timestamps are in use when this first segment carries one (RFC 7323 §3.2: then every
//!   segment does); SACK blocks are allowed.

use super::context::Facts;
use super::segment::Seg;
use super::seqspace::RecvSpace;
use super::world::{SynOpts, World};
use synack_stack::{SeqNum, State};

/// How far below the first sequence numbers seen the unseen past may reach.
const PAST: u32 = 1 << 30;

/// What the peer sent before the stack's first segment.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Joining {
    /// The furthest end of the peer's text seen.
    text_end: Option<SeqNum>,
    /// The peer's FIN, if seen.
    fin: Option<SeqNum>,
    /// The peer's last SYN (event, time, segment): a new incarnation if the stack answers
    /// it as one.
    syn: Option<(usize, u64, Seg)>,
}

/// What a segment of a connection not followed yet does.
pub(crate) enum Begin {
    /// Nothing yet (gathered, or the peer's SYN held until the stack answers it).
    Wait,
    /// Follow it from [`Joining::worlds`].
    Joined,
    /// A new incarnation: from no TCB, after the peer's SYN `replay` (event, time, segment,
    /// and whether the answer shows a simultaneous open) when there is one.
    Fresh { replay: Option<(usize, u64, Seg, bool)> },
}

impl Joining {
    /// Where segment `s` leaves a connection not followed yet. In a run (`complete`) every
    /// connection starts with its SYN. In a capture the stack's SYN starts one; the peer's
    /// SYN does only if the stack answers it as one, with a SYN-ACK or the RST of no TCB
    /// (§3.10.7.1) — it may as well be a SYN into the connection the capture joined; and the
    /// stack's first ACK (no SYN, RST or FIN) starts following a connection joined mid-stream.
    pub(crate) fn begin(&mut self, ev: usize, now: u64, s: &Seg, outbound: bool, complete: bool, facts: &mut Facts) -> Begin {
        let syn = s.flags.syn() && !s.has_ack() && !s.flags.rst();
        if syn && (outbound || complete) {
            return Begin::Fresh { replay: None };
        }
        if syn {
            self.syn = Some((ev, now, *s));
            return Begin::Wait;
        }
        if !outbound {
            self.observe(s, facts);
            return Begin::Wait;
        }
        if let Some((sev, snow, peer)) = self.syn {
            // (Or past the SYN's text, taken with it: RFC 7413 §4.2.2 step 5.)
            let answered = s.ack == peer.seq + 1 || (peer.len > 0 && s.ack == peer.seq + 1 + peer.len);
            let syn_ack = s.flags.syn() && s.has_ack() && answered;
            let refused = s.flags.rst() && s.has_ack() && s.ack == peer.seq + peer.seg_len();
            if syn_ack || refused {
                // A SYN-ACK with options the SYN did not offer answers no passive OPEN
                // (RFC 7323 §2.2, §3.2): the stack's own SYN went out before the capture, a
                // simultaneous open (Linux repeats its SYN's options).
                let simultaneous = syn_ack
                    && ((s.opts.wscale.is_some() && peer.opts.wscale.is_none())
                        || (s.opts.timestamps.is_some() && peer.opts.timestamps.is_none()));
                return Begin::Fresh { replay: Some((sev, snow, peer, simultaneous)) };
            }
        }
        if s.has_ack() && !s.flags.syn() && !s.flags.rst() && !s.flags.fin() {
            return Begin::Joined;
        }
        Begin::Wait
    }

    /// A segment from the peer before the oracle follows the connection.
    fn observe(&mut self, s: &Seg, facts: &mut Facts) {
        if s.flags.rst() || s.flags.syn() {
            return;
        }
        if s.len > 0 || s.flags.fin() {
            let end = s.seq + s.len;
            self.text_end = Some(self.text_end.map_or(end, |e| e.latest(end)));
        }
        if s.flags.fin() {
            self.fin = Some(s.seq + s.len);
        }
        if let Some((tsval, _)) = s.opts.timestamps {
            let newer = facts.peer_ts_max.is_none_or(|m| (tsval.wrapping_sub(m) as i32) > 0);
            if newer {
                facts.peer_ts_max = Some(tsval);
            }
        }
    }

    /// The worlds to follow the connection from, given the stack's segment `s` (its first
    /// ACK, see [`Begin::Joined`]); the receive space is added to `spaces`.
    pub(crate) fn worlds(&self, s: &Seg, now: u64, spaces: &mut Vec<RecvSpace>) -> Vec<World> {
        let rcv = s.ack;
        let irs = rcv - 1;
        let mut w = World::no_tcb(State::Established, now);
        w.joined = true;
        let end = s.seq + s.len;
        w.snd_max = end;
        w.iss = w.snd_max - PAST;
        w.una = w.iss + 1;
        w.una_hi = w.snd_max;
        w.irs = irs;
        w.rcv = rcv;
        w.rcv_prev = rcv;
        w.wl1 = irs;
        w.wl2 = w.una;
        // Ours: a window with any scale; the peer's: unknown, so never exceeded.
        w.edge = rcv + u32::from(s.window);
        w.edge_max = rcv + (u32::from(s.window) << 14);
        w.peer_edge = w.snd_max + PAST;
        w.cur_edge = w.peer_edge;
        w.max_wnd_hi = PAST;
        let ts = s.opts.timestamps.is_some();
        let opts = SynOpts { mss: None, ws: None, ws_first: None, ts, sack: true, fo: None, window: 0 };
        w.ours = opts;
        w.peers = opts;
        let mut space = RecvSpace::new(irs);
        // Held out of order: beyond RCV.NXT, the hole at it filled only by what comes later.
        space.add(rcv + 1, w.edge_max, false);
        if let Some(e) = self.text_end.filter(|e| e.after(w.edge_max)) {
            space.add(w.edge_max, e, true);
        }
        if let Some(f) = self.fin.filter(|f| f.after_or_eq(rcv)) {
            space.add_fin(f);
        }
        spaces.retain(|sp| sp.irs != irs);
        spaces.push(space);
        let mut closing = w;
        closing.state = State::CloseWait;
        closing.fin_in = true;
        let mut worlds = match self.fin {
            Some(f) if f.before(rcv) => vec![closing],
            Some(_) => vec![w],
            None => vec![w, closing],
        };
        if s.is_pure_ack() {
            // Our FIN at SND.NXT-1, acknowledged: FIN-WAIT-2, or TIME-WAIT past the peer's FIN.
            let mut closed = Vec::new();
            for mut c in worlds.iter().copied() {
                c.fin_seq = Some(s.seq - 1);
                c.una = c.una.latest(s.seq);
                c.state = if c.fin_in { State::TimeWait } else { State::FinWait2 };
                closed.push(c);
            }
            worlds.extend(closed);
        }
        worlds
    }
}
