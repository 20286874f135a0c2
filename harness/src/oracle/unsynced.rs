//! RFC 9293 §3.10.7.1–3 SEGMENT ARRIVES without a synchronized connection: no TCB, a
//! listener, our SYN out (split from [`super::arrive`], which dispatches to them).

use super::arrive::{syn_opts, text_and_fin};
use super::context::Cx;
use super::profile::Deviation;
use super::segment::Seg;
use super::world::{Held, Owed, World};
use std::time::Duration;
use synack_stack::{SeqNum, State, Step};

/// §3.10.7.1: no TCB. Anything but a RST is answered with a RST the peer will accept.
pub(super) fn closed(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    cx.hit(Step::Closed);
    let mut n = *w;
    if !s.flags.rst() {
        // ACK on: <SEQ=SEG.ACK><CTL=RST>; off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
        let owed = if s.has_ack() {
            Owed::Rst { seq: s.ack, ack: None }
        } else {
            Owed::Rst { seq: SeqNum::new(0), ack: Some(s.seq + s.seg_len()) }
        };
        n.owe(cx.duty(owed, cx.reply_due(), Step::Closed, State::Closed, None));
    }
    out.push(n);
}

/// §3.10.7.2: a listener. RST ignored; any ACK reset; a SYN may be answered (or dropped, when
/// the listener's queues are full: a resource decision the RFC leaves open).
pub(super) fn listen(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    let mut n = *w;
    if s.flags.rst() {
        cx.hit(Step::Listen(1));
    } else if s.has_ack() {
        cx.hit(Step::Listen(2));
        n.owe(cx.duty(Owed::Rst { seq: s.ack, ack: None }, cx.reply_due(), Step::Listen(2), State::Listen, None));
    } else if s.flags.syn() {
        cx.hit(Step::Listen(3));
        let reopens_above = w.held.filter(|h| h.irs == s.seq).and_then(|h| h.reopens_above);
        let window = Cx::nanos(cx.profile.reply_within.max(Duration::from_secs(1)));
        n.held = Some(Held { irs: s.seq, opts: syn_opts(s), len: s.len, fin: s.flags.fin(), until: cx.now.saturating_add(window), reopens_above });
    } else {
        cx.hit(Step::Listen(4));
    }
    out.push(n);
}

/// §3.10.7.3: our SYN is out.
pub(super) fn syn_sent(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    let now = cx.now;
    // First, the ACK bit: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable.
    if s.has_ack() && (s.ack.before_or_eq(w.iss) || s.ack.after(w.snd_max)) {
        cx.hit(Step::SynSent(1));
        let mut n = *w;
        if !s.flags.rst() {
            n.owe(cx.duty(Owed::Rst { seq: s.ack, ack: None }, cx.reply_due(), Step::SynSent(1), State::SynSent, None));
        }
        out.push(n);
        return;
    }
    if s.has_ack() && !s.flags.rst() && cx.permits(Deviation::SynSentRejectsForeignTsecr) {
        // Linux checks the echoed timestamp next: one it never sent draws the reply an
        // unacceptable ACK gets, and the segment is dropped.
        if s.opts.timestamps.is_some_and(|(_, e)| cx.facts.foreign_tsecr(e)) {
            let mut d = *w;
            d.used |= Deviation::SynSentRejectsForeignTsecr.bit();
            d.owe(cx.duty(Owed::Rst { seq: s.ack, ack: None }, cx.reply_due(), Step::SynSent(1), State::SynSent, None));
            out.push(d);
        }
    }
    // Second, the RST bit: with an acceptable ACK, the connection is refused.
    if s.flags.rst() {
        cx.hit(Step::SynSent(2));
        if s.has_ack() {
            w.deleted(now, out);
        } else {
            out.push(*w);
        }
        return;
    }
    // Fourth, the SYN bit.
    if !s.flags.syn() {
        cx.hit(Step::SynSent(5));
        out.push(*w);
        return;
    }
    cx.hit(Step::SynSent(4));
    let mut n = *w;
    n.irs = s.seq;
    n.peers = syn_opts(s);
    n.rcv = s.seq + 1;
    n.wl1 = s.seq;
    n.wl2 = s.ack;
    // Our SYN's window (never scaled) is the receive window until we advertise another.
    n.edge = n.rcv + u32::from(n.ours.window);
    n.edge_max = n.edge;
    *cx.space(n.irs) = super::seqspace::RecvSpace::new(n.irs);
    if s.has_ack() {
        // Our SYN is acknowledged: ESTABLISHED, and <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        n.una = s.ack;
        n.una_hi = s.ack;
        n.peer_edge = s.ack + u32::from(s.window);
        n.cur_edge = n.peer_edge;
        n.max_wnd_lo = u32::from(s.window);
        n.max_wnd_hi = n.max_wnd_lo;
        n.enter(State::Established, now);
        n.owe(cx.duty(Owed::AckUpTo(n.rcv), cx.ack_due(), Step::SynSent(4), State::SynSent, Some("MUST-40")));
        // Text or a FIN on the SYN-ACK continue at the sixth step (accepting it is not
        // required of a stack without the means to, e.g. TFO).
        text_and_fin(n, s, false, cx, out);
    } else {
        // Simultaneous open (MUST-10): SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
        n.peer_edge = n.iss + 1 + u32::from(s.window);
        n.cur_edge = n.peer_edge;
        n.max_wnd_lo = u32::from(s.window);
        n.max_wnd_hi = n.max_wnd_lo;
        n.enter(State::SynReceived, now);
        n.owe(cx.duty(Owed::SynAck, cx.reply_due(), Step::SynSent(4), State::SynSent, Some("MUST-10")));
        if s.len > 0 {
            let start = s.text_seq();
            cx.space(n.irs).add(start, s.text_end().earliest(n.edge_max), false);
        }
        // "If there are other controls or text in the segment, queue them for processing
        // after the ESTABLISHED state has been reached": a FIN on the SYN, too.
        let fin_queued = s.flags.fin() && s.text_end().before_or_eq(n.edge_max);
        if fin_queued {
            cx.space(n.irs).add_fin(s.text_end());
        }
        // (The queue's end is past its FIN, as RCV.NXT will be.)
        let text_end = s.text_end().earliest(n.edge_max).latest(n.rcv);
        n.syn_queue = Some((text_end + u32::from(fin_queued), fin_queued));
        out.push(n);
    }
}
