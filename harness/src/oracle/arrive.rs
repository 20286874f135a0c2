//! RFC 9293 §3.10.7 SEGMENT ARRIVES, as the oracle applies it to a world: the successor
//! worlds of one inbound segment, each with what it then owes the peer (a RST, a challenge
//! ACK, an ACK within the delayed-ACK bound). Where the RFC, the profile or an unknown leaves
//! more than one outcome, every outcome is a successor; the RFC's own comes first, so that
//! when nothing explains the stack, the report quotes the RFC.

use super::context::Cx;
use super::profile::Deviation;
use super::segment::Seg;
use super::unsynced::{closed, listen, syn_sent};
use super::world::{other, Held, Owed, SynOpts, Tri, World};
use std::time::Duration;
use synack_stack::decision::Check;
use synack_stack::{SeqNum, State};

/// The options a SYN carries, as the negotiation sees them.
pub(crate) fn syn_opts(s: &Seg) -> SynOpts {
    SynOpts {
        mss: s.opts.mss,
        ws: s.opts.wscale,
        ws_first: s.opts.wscale_first,
        ts: s.opts.timestamps.is_some(),
        sack: s.opts.sack_permitted,
        fo: s.opts.fast_open,
        window: s.window,
    }
}

/// The successors of `w` after `s` arrives.
pub(crate) fn arrive(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    let mut base = *w;
    base.rcv_prev = w.rcv;
    base.stale_until = cx.reply_due();
    let w = &base;
    if let Some(f) = closed_in_syn_received(w, cx) {
        other_states(&f, s, cx, out);
    }
    if let Some(bits) = time_wait_over(w, cx) {
        // MUST-13: once 2·MSL is over the timer may have deleted the TCB — at the very
        // instant the segment arrives, too — so it may meet no connection (§3.10.7.1/.2).
        let mut d = *w;
        d.used |= bits;
        let mut gone = Vec::new();
        d.deleted(cx.now, &mut gone);
        for g in &gone {
            arrive(g, s, cx, out);
        }
    }
    match w.state {
        State::Closed => closed(w, s, cx, out),
        State::Listen => listen(w, s, cx, out),
        State::SynSent => syn_sent(w, s, cx, out),
        State::SynReceived
        | State::Established
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing
        | State::LastAck
        | State::TimeWait => other_states(w, s, cx, out),
    }
}

/// TIME-WAIT whose timeout is over (MUST-13: 2·MSL; Linux's shorter one a deviation):
/// the deviations that relies on.
fn time_wait_over(w: &World, cx: &Cx) -> Option<u32> {
    let since = cx.now.saturating_sub(w.entered);
    match w.state {
        State::TimeWait if since >= Cx::nanos(cx.profile.time_wait) => Some(0),
        State::TimeWait if cx.permits(Deviation::ShortTimeWait) && since >= Cx::nanos(cx.profile.short_time_wait) => {
            Some(Deviation::ShortTimeWait.bit())
        }
        State::TimeWait
        | State::Closed
        | State::Listen
        | State::SynSent
        | State::SynReceived
        | State::Established
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing
        | State::LastAck => None,
    }
}

/// §3.10.4 CLOSE in SYN-RECEIVED: "If no SENDs have been issued and there is no pending
/// data to send, then form a FIN segment and send it, and enter FIN-WAIT-1 state" — so
/// after the user's CLOSE of the sending side, a SYN-RECEIVED world may be in FIN-WAIT-1
/// before its FIN shows (held behind a zero window, or until the SYN is acknowledged as
/// Linux does), our SYN still unacknowledged; the segment is then processed by FIN-WAIT-1's
/// rules (an unacceptable ACK draws an ACK, not SYN-RECEIVED's RST). The SYN-RECEIVED world
/// stays too (SENDs pending: the CLOSE waits for ESTABLISHED; or the call was another
/// socket's). A passive connection has no user to CLOSE it before accept(), unless
/// FastOpened (RFC 7413 §4.2.2 step 4). Our FIN's number is unknown (`fin_seq` None) until
/// it is sent.
fn closed_in_syn_received(w: &World, cx: &Cx) -> Option<World> {
    let user = !w.passive || w.fast_open.is_some();
    if w.state != State::SynReceived || !user || !cx.facts.user_send_closed {
        return None;
    }
    let mut f = *w;
    f.enter(State::FinWait1, cx.now);
    Some(f)
}

/// Table 6 with RCV.NXT in [lo, hi] and the right edge in [es, el] (§3.10.7.4 first), plus
/// MUST-66: at RCV.NXT with a zero window, a segment's ACK, URG and RST are still processed.
/// `inclusive`: a segment may start at the right edge (Linux).
fn acceptable(seq: SeqNum, len: u32, lo: SeqNum, hi: SeqNum, es: SeqNum, el: SeqNum, inclusive: bool) -> Tri {
    // x in [from, to): an empty range (RCV.NXT's upper bound past the window's lower edge)
    // holds nothing — compared one end at a time, a number half the circle away is after
    // the one and before the other.
    let within = |x: SeqNum, from: SeqNum, to: SeqNum| {
        let (d, w) = (x.since(from), to.since(from));
        w > 0 && d >= 0 && d < w
    };
    if len == 0 {
        // RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, or SEG.SEQ = RCV.NXT with RCV.WND = 0.
        let certain = within(seq, hi, es) || (lo == hi && seq == hi);
        let possible = lo.before_or_eq(seq) && (seq.before(el) || seq.before_or_eq(hi) || (inclusive && seq == el));
        return Tri::from_bounds(certain, possible);
    }
    // The first or the last octet lies in [RCV.NXT, RCV.NXT+RCV.WND), RCV.WND > 0 — Table 6
    // literally; a segment covering the whole window with both ends outside it may also be
    // taken (any octet in the window, Linux tcp_sequence), so it only may be acceptable.
    let end = seq + len;
    let last = end - 1;
    let certain = within(seq, hi, es) || within(last, hi, es);
    let possible = lo.before(el) && (seq.before(el) || (inclusive && seq == el)) && end.after(lo);
    let zero_window = Tri::from_bounds(
        lo == hi && seq == lo && el.before_or_eq(lo),
        lo.before_or_eq(seq) && seq.before_or_eq(hi) && es.before_or_eq(seq),
    );
    Tri::from_bounds(certain, possible).or(zero_window)
}

/// RFC 7323 §5.3 (PAWS) and §3.2: whether the segment's timestamp lets it through. TS.Recent
/// lies between the TSval last copied for certain and the newest the peer has sent (§4.3); a
/// TSval older than either end may be older than TS.Recent — the comparison is modulo 2^32
/// (§5.2), so newer than the newest is not newer than the lower end when the two lie more
/// than 2^31 apart from it (Linux copies TS.Recent only from a segment with a valid ACK,
/// `tcp_replace_ts_recent`, so the lower end can lag far behind). A segment without TSopt
/// SHOULD be dropped. Either way the stack may or may not take it.
fn paws(w: &World, s: &Seg, cx: &Cx) -> Tri {
    if !w.ts_on() || s.flags.rst() {
        return Tri::Yes;
    }
    // A repeated option: older by either reading may fail (SegOptions::tsvals).
    let before = |tsval: u32, end: Option<u32>| end.is_some_and(|e| (tsval.wrapping_sub(e) as i32) < 0);
    let older = |tsval: u32| before(tsval, cx.facts.peer_ts_max) || before(tsval, cx.facts.ts_recent_lo);
    match s.opts.timestamps {
        None => Tri::Maybe,
        Some(_) if s.opts.tsvals().any(older) => Tri::Maybe,
        Some(_) => Tri::Yes,
    }
}

/// §3.10.7.4: SYN-RECEIVED and the synchronized states.
fn other_states(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    let (rst, syn) = (s.flags.rst(), s.flags.syn());
    // RFC 9293 §3.6.1 (MAY-2) and RFC 6191: a SYN above RCV.NXT, or with a newer timestamp,
    // may reopen a TIME-WAIT connection; the listener then takes it.
    let mut reopen = None;
    if w.state == State::TimeWait && syn && !s.has_ack() && !rst {
        // Newer than TS.Recent (Linux tcp_timewait_state_process), which lies between the
        // TSval last copied for certain and the peer's newest (RFC 7323 §4.3: out-of-window
        // segments copy nothing): newer than either may be newer than TS.Recent — the two
        // can be more than half the timestamp circle apart, where "newer than the older one"
        // reads as older. A repeated option: newer by either reading.
        let bounds = [cx.facts.ts_recent_lo, cx.facts.ts_recent_lo.and(cx.facts.peer_ts_max)];
        let newer = |b: u32| s.opts.tsvals().any(|tsval| (tsval.wrapping_sub(b) as i32) > 0);
        let newer_ts = bounds.into_iter().flatten().any(newer);
        cx.covers("MAY-2");
        if s.seq.after(w.rcv) || newer_ts {
            let mut n = World::no_tcb(State::Listen, cx.now);
            n.used = w.used;
            let window = Cx::nanos(cx.profile.reply_within.max(Duration::from_secs(1)));
            n.held = Some(Held {
                irs: s.seq,
                opts: syn_opts(s),
                len: s.len,
                fin: s.flags.fin(),
                until: cx.now.saturating_add(window),
                reopens_above: Some(w.snd_max),
            });
            reopen = Some(n);
        }
    }
    cx.hit(other(Check::Sequence));
    if w.state == State::SynReceived && s.has_ack() && !rst && !(w.una.before(s.ack) && s.ack.before_or_eq(w.snd_max)) {
        // §3.5.2 (reset generation, 2): in a non-synchronized state, a segment with an
        // unacceptable ACK draws <SEQ=SEG.ACK><CTL=RST> "if the incoming segment has an ACK
        // field", and "the connection remains in the same state" — whatever its sequence
        // number or SYN bit. Linux (tcp_check_req) checks the ACK first.
        let mut r = *w;
        let owed = Owed::Rst { seq: s.ack, ack: None };
        r.owe(cx.duty(owed, cx.reply_due(), other(Check::Ack), State::SynReceived, None));
        out.push(r);
    }
    if w.state == State::SynReceived && syn && !rst && !s.has_ack() && s.seq.before(w.rcv) {
        // §3.10.7.4 first: "trimming off any portions that lie outside the window (including
        // SYN and FIN)" — a retransmitted SYN whose text reaches into the window loses its
        // SYN, which lies before RCV.NXT, and the fourth check never sees it; the fifth drops
        // the rest ("if the ACK bit is off, drop the segment"). Linux (tcp_check_req) answers
        // it with the SYN-ACK again, which SYN-RECEIVED may retransmit at any time.
        out.push(*w);
    }
    if w.state == State::TimeWait {
        cx.covers("MUST-13");
    }
    if w.edge.before_or_eq(w.rcv) {
        cx.covers("MUST-66");
    }
    let tail = cx.permits(Deviation::AcceptsTailBeyondWindow);
    let hi = cx.reach(w, tail);
    let strict = acceptable(s.seq, s.seg_len(), w.rcv, hi, w.edge, w.edge_max, false);
    let loose = if cx.permits(Deviation::WindowRightEdgeInclusive) {
        acceptable(s.seq, s.seg_len(), w.rcv, hi, w.edge, w.edge_max, true)
    } else {
        strict
    };
    let stamp = paws(w, s, cx);
    let acc = if stamp == Tri::Yes || loose == Tri::No { loose } else { Tri::Maybe };
    if acc.may() {
        let mut n = *w;
        if strict == Tri::No {
            n.used |= Deviation::WindowRightEdgeInclusive.bit();
        }
        accepted(&n, s, hi, cx, out);
    }
    if acc.may_not() {
        not_acceptable(w, s, cx, out);
    }
    out.extend(reopen);
}

/// §3.10.7.4 first, an unacceptable segment: "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>" (which is
/// always permitted) unless it is a RST; drop it.
fn not_acceptable(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    cx.invalid = true;
    let (rst, syn, fin) = (s.flags.rst(), s.flags.syn(), s.flags.fin());
    let mut n = *w;
    n.ack_ok_until = cx.reply_due();
    if w.state == State::TimeWait && fin && !rst && s.seq + s.seg_len() == w.rcv {
        // "The only thing that can arrive in this state is a retransmission of the remote
        // FIN. Acknowledge it, and restart the 2 MSL timeout" (the eighth check) — which the
        // first check, answering an unacceptable segment with an ACK and dropping it, never
        // reaches: a stack may restart the timeout here (Linux does, even on a PAWS reject,
        // `tcp_timewait_state_process`) or not (the reference stack drops a PAWS reject
        // first). The world keeps the earlier expiry: staying on longer is never a violation
        // (`silent_close`), leaving at the restarted one's time would be.
        cx.hit(other(Check::Fin));
    }
    out.push(n);
    if rst && rst_at_fin(w, s, cx) {
        let mut d = *w;
        d.used |= Deviation::RstAtFinSequence.bit();
        reset(&d, cx, out);
    }
    if syn
        && !rst
        && !fin
        && s.has_ack()
        && s.len == 0
        && cx.permits(Deviation::SimultaneousOpenSynAckCompletes)
        && w.state == State::SynReceived
        && !w.passive
        && s.seq + 1 == w.rcv
        && s.ack == w.snd_max
    {
        let mut d = *w;
        d.used |= Deviation::SimultaneousOpenSynAckCompletes.bit();
        established(&mut d, s, cx);
        out.push(d);
    }
}

/// The checks after the first, for a segment that passed it.
fn accepted(w: &World, s: &Seg, hi: SeqNum, cx: &mut Cx, out: &mut Vec<World>) {
    if s.flags.rst() {
        rst_step(w, s, hi, cx, out);
        return;
    }
    if s.flags.syn() {
        syn_step(w, s, cx, out);
        return;
    }
    // Fifth, the ACK field.
    cx.hit(other(Check::Ack));
    if !s.has_ack() {
        out.push(*w);
        return;
    }
    if w.joined && s.ack.after(w.snd_max) {
        // Joined mid-stream: the stack may have sent this much before the capture began — or
        // not, and the ACK acknowledges something not yet sent.
        let mut sent = *w;
        sent.snd_max = s.ack;
        ack_field(&sent, s, cx, out);
    }
    ack_field(w, s, cx, out);
}

/// §3.10.7.4 fifth, a segment with the ACK bit.
fn ack_field(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    if w.state == State::SynReceived {
        if w.una.before(s.ack) && s.ack.before_or_eq(w.snd_max) {
            // (Asked before take_ack adds this segment's text to the receive space.)
            let mut queued = Vec::new();
            queued_syn_text(w, s, cx, &mut queued);
            let mut n = *w;
            established(&mut n, s, cx);
            take_ack(n, s, cx, out);
            out.append(&mut queued);
            if w.passive {
                // A listener whose accept queue is full may drop the ACK (a resource
                // decision outside the RFC; the SYN-ACK is retransmitted later).
                let mut d = *w;
                d.ack_dropped = true;
                out.push(d);
            }
        } else {
            let mut n = *w;
            let owed = Owed::Rst { seq: s.ack, ack: None };
            n.owe(cx.duty(owed, cx.reply_due(), other(Check::Ack), State::SynReceived, None));
            out.push(n);
        }
        return;
    }
    if w.state == State::FinWait1 && w.una == w.iss && w.una.before(s.ack) && s.ack.before_or_eq(w.snd_max) {
        // A CLOSE in SYN-RECEIVED entered FIN-WAIT-1 before our SYN was acknowledged
        // (§3.10.4); text and a FIN that came on the peer's SYN were "queued for processing
        // after the ESTABLISHED state has been reached" (§3.10.7.2 third, §3.10.7.3 fourth).
        // The ACK of our SYN reaches that point: they may go first, as in SYN-RECEIVED.
        queued_syn_text(w, s, cx, out);
    }
    if !cx.profile.rfc5961 {
        if s.ack.after(w.snd_max) {
            // "If the ACK acks something not yet sent, send an ACK, drop the segment".
            cx.invalid = true;
            out.push(*w);
            return;
        }
        take_ack(*w, s, cx, out);
        return;
    }
    // RFC 5961 §5.2 (MAY-12): (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT, or a
    // challenge ACK and the segment is dropped.
    cx.covers("MAY-12");
    let (range, only_by_deviation) = ack_range(w, s, cx);
    if range.may() {
        take_ack(*w, s, cx, out);
    }
    if range.may_not() {
        cx.invalid = true;
        let mut n = *w;
        if only_by_deviation {
            n.used |= Deviation::AckRangeBytesAcked.bit();
        }
        n.owe(cx.duty(Owed::ChallengeAck, cx.reply_due(), other(Check::Ack), w.state, Some("MAY-12")));
        out.push(n);
        let bare = s.len == 0 && !s.flags.syn() && !s.flags.fin() && s.seq == w.rcv;
        if w.state == State::TimeWait && bare && cx.permits(Deviation::TimeWaitSilentOnBareSegment) {
            // Linux: taken silently, the 2·MSL timer restarted.
            let mut d = *w;
            d.used |= Deviation::TimeWaitSilentOnBareSegment.bit();
            d.entered = cx.now;
            out.push(d);
        }
    }
}

/// Whether SEG.ACK is in RFC 5961 §5.2's range, SND.UNA and MAX.SND.WND being bounded; the
/// flag says the out-of-range answer is only Linux's narrower range.
fn ack_range(w: &World, s: &Seg, cx: &Cx) -> (Tri, bool) {
    if s.ack.after(w.snd_max) {
        return (Tri::No, false);
    }
    let highest_floor = w.una_hi - w.max_wnd_lo;
    let lowest_floor = w.una - w.max_wnd_hi;
    let rfc = Tri::from_bounds(s.ack.after_or_eq(highest_floor), s.ack.after_or_eq(lowest_floor));
    if cx.permits(Deviation::AckRangeBytesAcked) && rfc.may() {
        // SND.UNA - min(MAX.SND.WND, bytes acknowledged): nothing below ISS (active open,
        // whose SYN counts) or ISS+1 (passive) is in range.
        // Joined mid-stream, the bytes acknowledged are unknown: any older ACK may be out.
        let base = if w.passive { w.iss + 1 } else { w.iss };
        if s.ack.before(base) || (w.joined && s.ack.before(w.una_hi)) {
            return (Tri::Maybe, rfc == Tri::Yes);
        }
    }
    (rfc, false)
}

/// SYN-RECEIVED → ESTABLISHED with the text and FIN queued from the SYN (§3.10.7.2 third,
/// §3.10.7.3 fourth: "queued for processing later") processed first: RCV.NXT moves past
/// them (a FIN among them takes the connection to CLOSE-WAIT) before this segment's text,
/// which then lies below RCV.NXT or is ignored (§3.10.7.4 seventh, CLOSE-WAIT) — whereas
/// [`take_ack`] alone has the segment's text at RCV.NXT accepted. In SYN-RECEIVED the receive
/// space holds only what came on the SYN. Also from FIN-WAIT-1 entered by a CLOSE in
/// SYN-RECEIVED, which stays FIN-WAIT-1 (a queued FIN: CLOSING or TIME-WAIT).
fn queued_syn_text(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    if let Some((end, fin)) = w.syn_queue {
        // What this world's SYN left queued: the receive space, one per IRS, may also hold
        // an earlier incarnation's text and FINs (a reset connection whose world lives on).
        queued_syn_segment(w, s, end, fin, cx, out);
        return;
    }
    // A world that did not see the SYN (carried on after a violation): from IRS+1, as the space was before this segment (another world may already have
    // added the segment's text, which is not queued).
    let before = cx.syn_queue.iter().flatten().find(|q| q.0 == w.irs && w.rcv == w.irs + 1);
    let (end, fin) = match before {
        Some(&(_, end, fin)) => (end, fin),
        None => {
            let space = cx.space(w.irs);
            let end = space.reach(w.rcv, false);
            (end, space.acks_fin(end))
        }
    };
    // A FIN on the SYN may be hidden by text for the same numbers, or beyond, that some world
    // took later (the space keeps what any world may have taken): the SYN's queue may end at
    // any FIN the text reaches.
    let mut readings = [None; 5];
    readings[0] = Some((end, fin));
    for (slot, f) in readings[1..].iter_mut().zip(cx.space(w.irs).fins_reachable(w.rcv)) {
        *slot = Some((f + 1, true)).filter(|r| *r != (end, fin));
    }
    for (end, fin) in readings.into_iter().flatten() {
        queued_syn_segment(w, s, end, fin, cx, out);
    }
}

/// [`queued_syn_text`] for one reading of the SYN's queue: text up to `end`, then a FIN.
fn queued_syn_segment(w: &World, s: &Seg, end: SeqNum, fin: bool, cx: &mut Cx, out: &mut Vec<World>) {
    if end == w.rcv {
        return;
    }
    let mut n = *w;
    if w.state == State::SynReceived {
        established(&mut n, s, cx);
    }
    n.advance_rcv(end, cx.now);
    let step = other(if fin { Check::Fin } else { Check::Text });
    n.owe(cx.duty(Owed::AckUpTo(end), cx.ack_due(), step, n.state, Some("MUST-40")));
    let mut queued = Vec::with_capacity(1);
    if fin {
        n.fin_in = true;
        fin_transition(n, cx, &mut queued);
    } else {
        queued.push(n);
    }
    for m in queued {
        take_ack(m, s, cx, out);
    }
}

/// SYN-RECEIVED → ESTABLISHED on an acceptable ACK.
fn established(n: &mut World, s: &Seg, cx: &Cx) {
    n.una = s.ack;
    if n.una_hi.before(s.ack) {
        n.una_hi = s.ack;
    }
    n.enter(State::Established, cx.now);
    // "SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK".
    n.wl1 = s.seq;
    n.wl2 = s.ack;
    n.cur_edge = s.ack + (u32::from(s.window) << n.snd_shifts().1);
    window_update(n, s);
}

/// The window update (§3.10.7.4 fifth): the peer's right edge and MAX.SND.WND (with the
/// largest shift the scale allows for the edges and the upper bound, the least for the lower).
fn window_update(n: &mut World, s: &Seg) {
    let lo = n.snd_shifts().0;
    let edge = window_bounds(n, s);
    // If SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK: the new window.
    if s.seq.after(n.wl1) || (s.seq == n.wl1 && s.ack.after_or_eq(n.wl2)) {
        n.max_wnd_lo = n.max_wnd_lo.max(u32::from(s.window) << lo);
        n.wl1 = s.seq;
        n.wl2 = s.ack;
        n.cur_edge = edge;
    } else if s.ack.after(n.wl2) && edge.before(n.cur_edge) {
        // An ACK newer than the one that set the window, from a segment the rule calls
        // older (SND.WL1 set ahead by one beyond RCV.NXT): its smaller edge is the peer's
        // latest word. Linux takes it (`tcp_may_update_window`: any ACK advancing SND.UNA);
        // a stack that keeps the old edge sends into a shrunk window.
        n.cur_edge = edge;
    }
}

/// What a window may have done whether or not it was taken: the upper bounds of the peer's
/// right edge and of MAX.SND.WND. Returns the edge it offers.
fn window_bounds(n: &mut World, s: &Seg) -> SeqNum {
    let wnd = u32::from(s.window) << n.snd_shifts().1;
    let edge = s.ack + wnd;
    if edge.after(n.peer_edge) {
        n.peer_edge = edge;
    }
    n.max_wnd_hi = n.max_wnd_hi.max(wnd);
    edge
}

/// Splits a world on whether our FIN is acknowledged: (acknowledged, not acknowledged), each
/// with SND.UNA's bounds narrowed accordingly.
fn split_fin_acked(n: World) -> (Option<World>, Option<World>) {
    let Some(f) = n.fin_seq else { return (None, Some(n)) };
    match n.fin_acked() {
        Tri::Yes => (Some(n), None),
        Tri::No => (None, Some(n)),
        Tri::Maybe => {
            let (mut a, mut b) = (n, n);
            a.una = f + 1;
            b.una_hi = f;
            (Some(a), Some(b))
        }
    }
}

/// §3.10.7.4 fifth, the synchronized states: SND.UNA, the window, our FIN acknowledged.
fn take_ack(mut n: World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    if s.ack.after(n.snd_max) {
        out.push(n);
        return;
    }
    // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated": an old duplicate
    // ACK updates nothing (Linux tcp_ack: old_ack) — unless SND.UNA may be that low, when the
    // bounds of what it may have done widen. Below SND.UNA's lower bound it is old in every
    // reading, and its edge (half the circle away, it may even look ahead) is no edge.
    let certainly_old = s.ack.before(n.una);
    let old = s.ack.before(n.una_hi);
    if s.ack.after(n.una) {
        n.una = s.ack;
        if n.una_hi.before(n.una) {
            n.una_hi = n.una;
        }
    }
    if !old {
        window_update(&mut n, s);
    } else if !certainly_old {
        window_bounds(&mut n, s);
    }
    let now = cx.now;
    match n.state {
        // "If the FIN segment is now acknowledged, then enter FIN-WAIT-2."
        State::FinWait1 => {
            let (acked, not) = split_fin_acked(n);
            if let Some(mut a) = acked {
                a.enter(State::FinWait2, now);
                text_and_fin(a, s, true, cx, out);
            }
            if let Some(b) = not {
                text_and_fin(b, s, true, cx, out);
            }
        }
        // "If the ACK acknowledges our FIN, then enter the TIME-WAIT state; otherwise,
        // ignore the segment."
        State::Closing => {
            let (acked, not) = split_fin_acked(n);
            if let Some(mut a) = acked {
                a.enter(State::TimeWait, now);
                out.push(a);
            }
            out.extend(not);
        }
        // "If our FIN is now acknowledged, delete the TCB, enter the CLOSED state."
        State::LastAck => {
            let (acked, not) = split_fin_acked(n);
            if let Some(a) = acked {
                a.deleted(now, out);
            }
            out.extend(not);
        }
        State::Established | State::FinWait2 | State::CloseWait | State::TimeWait => text_and_fin(n, s, true, cx, out),
        State::Closed | State::Listen | State::SynSent | State::SynReceived => out.push(n),
    }
}

/// §3.10.7.4 seventh and eighth: text and FIN. `must`: text at RCV.NXT inside the window we
/// advertised must be accepted (and acknowledged within MUST-40's bound); otherwise it only
/// may be.
pub(super) fn text_and_fin(mut n: World, s: &Seg, must: bool, cx: &mut Cx, out: &mut Vec<World>) {
    let accepting = matches!(n.state, State::Established | State::FinWait1 | State::FinWait2);
    let (start, end) = (s.text_seq(), s.text_end());
    let closed = cx.facts.user_rcv_closed || !cx.profile.user_calls_visible;
    // A CLOSE in ESTABLISHED enters FIN-WAIT-1 at once, its FIN queued behind the text not
    // yet sent (§3.10.4): until the FIN shows, the world stays ESTABLISHED, SHLD-3 all the same.
    let fin_unsent = n.state == State::Established && cx.facts.user_send_closed;
    if closed && s.len > 0 && (matches!(n.state, State::FinWait1 | State::FinWait2) || fin_unsent) && end.after(n.rcv) {
        // §3.6 (SHLD-3): new text after the user's CLOSE "SHOULD send a RST to show that data
        // was lost" — instead of taking it (and a FIN with it), and the TCB is deleted. The
        // RST is an ABORT's <SEQ=SND.NXT> (§3.10.5), or, as a permitted deviation, the reply
        // §3.10.7.1 gives the segment (Linux tcp_v4_send_reset: <SEQ=SEG.ACK>).
        let abort = Owed::Rst { seq: n.snd_max, ack: None };
        let reply = if s.has_ack() {
            Owed::Rst { seq: s.ack, ack: None }
        } else {
            Owed::Rst { seq: SeqNum::new(0), ack: Some(s.seq + s.seg_len()) }
        };
        let linux = cx.permits(Deviation::DataAfterCloseRstAtSegAck) && reply != abort;
        for (owed, used) in [(abort, 0), (reply, Deviation::DataAfterCloseRstAtSegAck.bit())].into_iter().take(1 + usize::from(linux)) {
            let duty = cx.duty(owed, cx.reply_due(), other(Check::Text), n.state, Some("SHLD-3"));
            let first = out.len();
            n.deleted(cx.now, out);
            for d in &mut out[first..] {
                d.owe(duty);
                d.used |= used;
            }
        }
    }
    if accepting && s.len > 0 {
        cx.hit(other(Check::Text));
        let inclusive = cx.permits(Deviation::WindowRightEdgeInclusive);
        let limit = n.edge_max;
        let space = cx.space(n.irs);
        space.add(start, end.earliest(limit), false);
        if end.after(limit) && (start.before(limit) || (inclusive && start == limit)) {
            space.add(limit.latest(start), end, true);
        }
        if must && start.before_or_eq(n.rcv) && end.after(n.rcv) {
            let upto = end.earliest(n.edge);
            if upto.after(n.rcv) {
                n.advance_rcv(upto, cx.now);
                n.owe(cx.duty(Owed::AckUpTo(upto), cx.ack_due(), other(Check::Text), n.state, Some("MUST-40")));
            }
        }
    }
    if s.flags.fin() && accepting {
        if end.before_or_eq(n.edge_max) {
            cx.space(n.irs).add_fin(end);
        }
        if must && n.rcv == end && end.before(n.edge) {
            cx.hit(other(Check::Fin));
            n.advance_rcv(end + 1, cx.now);
            n.fin_in = true;
            n.owe(cx.duty(Owed::AckUpTo(end + 1), cx.ack_due(), other(Check::Fin), n.state, Some("MUST-40")));
            fin_transition(n, cx, out);
            return;
        }
    }
    out.push(n);
}

/// §3.10.7.4 eighth: the state after the peer's FIN.
pub(crate) fn fin_transition(n: World, cx: &Cx, out: &mut Vec<World>) {
    let now = cx.now;
    match n.state {
        State::SynReceived | State::Established => {
            // After the user's CLOSE of the sending side, an ESTABLISHED world may be FIN-WAIT-1
            // with its FIN still queued behind text (§3.10.4: "in any case, enter FIN-WAIT-1"):
            // the peer's FIN takes it to CLOSING, where an ABORT deletes the TCB without a word
            // (§3.10.5). The CLOSE-WAIT world stays (the call may have been another socket's).
            if n.state == State::Established && n.fin_seq.is_none() && cx.facts.user_send_closed {
                let mut c = n;
                c.enter(State::Closing, now);
                out.push(c);
            }
            let mut m = n;
            m.enter(State::CloseWait, now);
            out.push(m);
        }
        // TIME-WAIT if our FIN is acknowledged, otherwise CLOSING.
        State::FinWait1 => {
            let (acked, not) = split_fin_acked(n);
            if let Some(mut a) = acked {
                a.enter(State::TimeWait, now);
                out.push(a);
            }
            if let Some(mut b) = not {
                b.enter(State::Closing, now);
                out.push(b);
            }
        }
        State::FinWait2 => {
            let mut m = n;
            m.enter(State::TimeWait, now);
            out.push(m);
        }
        State::CloseWait | State::Closing | State::LastAck | State::TimeWait | State::Closed | State::Listen | State::SynSent => {
            out.push(n)
        }
    }
}

/// §3.10.7.4 second, a RST in the window (RFC 5961 §3.2: only one at exactly RCV.NXT resets;
/// any other draws a challenge ACK).
fn rst_step(w: &World, s: &Seg, hi: SeqNum, cx: &mut Cx, out: &mut Vec<World>) {
    cx.hit(other(Check::Rst));
    let exact = if cx.profile.rfc5961 {
        Tri::from_bounds(w.rcv == hi && s.seq == w.rcv, s.seq.after_or_eq(w.rcv) && s.seq.before_or_eq(hi))
    } else {
        Tri::Yes
    };
    if exact.may() {
        reset(w, cx, out);
    }
    // Linux (tcp_timewait_state_process) checks for RCV.NXT exactly in TIME-WAIT whether or
    // not RFC 5961 is on; with it off, §3.10.7.4 second would reset on any RST in the window.
    if !cx.profile.rfc5961
        && w.state == State::TimeWait
        && cx.permits(Deviation::TimeWaitSilentOnRst)
        && !(w.rcv == hi && s.seq == w.rcv)
    {
        let mut d = *w;
        d.used |= Deviation::TimeWaitSilentOnRst.bit();
        out.push(d);
    }
    if w.state == State::SynReceived
        && w.passive
        && s.has_ack()
        && !(w.una.before(s.ack) && s.ack.before_or_eq(w.snd_max))
        && cx.permits(Deviation::SynReceivedIgnoresRstWithBadAck)
    {
        // Linux: the listener gets it, and drops a RST (tcp_check_req, tcp_rcv_state_process).
        let mut d = *w;
        d.used |= Deviation::SynReceivedIgnoresRstWithBadAck.bit();
        out.push(d);
    }
    if exact.may_not() {
        cx.invalid = true;
        let mut n = *w;
        n.owe(cx.duty(Owed::ChallengeAck, cx.reply_due(), other(Check::Rst), w.state, Some("MAY-12")));
        out.push(n);
        if w.state == State::TimeWait && cx.permits(Deviation::TimeWaitSilentOnRst) {
            let mut d = *w;
            d.used |= Deviation::TimeWaitSilentOnRst.bit();
            out.push(d);
        }
        if w.state == State::FinWait2 && cx.permits(Deviation::FinWait2AcceptsAnyRst) {
            let mut d = *w;
            d.used |= Deviation::FinWait2AcceptsAnyRst.bit();
            reset(&d, cx, out);
        }
        // Linux (tcp_reset_check): the FIN's own number counts as RCV.NXT — here for a RST
        // whose text makes it acceptable (a bare one is unacceptable, see not_acceptable).
        if rst_at_fin(w, s, cx) {
            let mut d = *w;
            d.used |= Deviation::RstAtFinSequence.bit();
            reset(&d, cx, out);
        }
    }
}

/// [`Deviation::RstAtFinSequence`]: after the peer's FIN, a RST at RCV.NXT-1.
fn rst_at_fin(w: &World, s: &Seg, cx: &Cx) -> bool {
    cx.permits(Deviation::RstAtFinSequence)
        && w.fin_in
        && matches!(w.state, State::CloseWait | State::Closing | State::LastAck)
        && s.seq + 1 == w.rcv
}

/// A RST that resets: CLOSED (SYN-RECEIVED from a passive OPEN: back to LISTEN), except that
/// RFC 1337 TIME-WAIT ignores it.
fn reset(w: &World, cx: &Cx, out: &mut Vec<World>) {
    if w.state == State::TimeWait && cx.profile.rfc1337 {
        out.push(*w);
    } else {
        w.deleted(cx.now, out);
    }
}

/// §3.10.7.4 fourth, a SYN in the window.
fn syn_step(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    cx.hit(other(Check::Syn));
    if w.state == State::SynReceived && w.passive {
        // "Return this connection to the LISTEN state and return."
        w.deleted(cx.now, out);
        // Linux: with the RST §3.10.7.1 gives a segment for no connection. Not in a world
        // that supposes the ACK completing the handshake dropped — unless another connection
        // to the listener may fill its accept queue (Linux drops that ACK only then): the two
        // together would explain RFC 793's reset of an ESTABLISHED connection by a SYN (the
        // `syn_resets_connection` mutant) even after accept() returned it, which the oracle
        // does not read.
        if cx.permits(Deviation::SynReceivedSynResets) && (!w.ack_dropped || cx.facts.accept_queue_may_be_full(w.irs)) {
            let owed = if s.has_ack() {
                Owed::Rst { seq: s.ack, ack: None }
            } else {
                Owed::Rst { seq: SeqNum::new(0), ack: Some(s.seq + s.seg_len()) }
            };
            let duty = cx.duty(owed, cx.reply_due(), other(Check::Syn), w.state, None);
            let mut d = *w;
            d.used |= Deviation::SynReceivedSynResets.bit();
            let first = out.len();
            d.deleted(cx.now, out);
            for n in &mut out[first..] {
                n.owe(duty);
            }
        }
        return;
    }
    cx.invalid = true;
    if cx.profile.rfc5961 {
        // RFC 5961 §4.2: a challenge ACK, whatever the sequence number.
        let mut n = *w;
        n.owe(cx.duty(Owed::ChallengeAck, cx.reply_due(), other(Check::Syn), w.state, Some("MAY-12")));
        out.push(n);
        return;
    }
    // RFC 793: a SYN in the window is an error: reset, CLOSED.
    let seq = if s.has_ack() { s.ack } else { w.snd_max };
    let first = out.len();
    w.deleted(cx.now, out);
    let duty = cx.duty(Owed::Rst { seq, ack: None }, cx.reply_due(), other(Check::Syn), w.state, None);
    for n in &mut out[first..] {
        n.owe(duty);
    }
    if w.state == State::TimeWait && cx.permits(Deviation::TimeWaitAcksSyn) {
        // Linux (tcp_timewait_state_process): a SYN that does not reopen is "out of window"
        // — <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> within the per-connection rate limit
        // (tcp_timewait_check_oow_rate_limit, TCP_TW_ACK), TIME-WAIT kept, its timer
        // restarted when the SYN carries ACK. No RST, whatever RFC 5961's setting.
        let mut d = *w;
        d.used |= Deviation::TimeWaitAcksSyn.bit();
        if s.has_ack() {
            d.entered = cx.now;
        }
        d.owe(cx.duty(Owed::ChallengeAck, cx.reply_due(), other(Check::Syn), w.state, None));
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table 6 with RCV.NXT known (1000) and a window of 100.
    #[test]
    fn table_6_in_and_out_of_the_window() {
        let n = SeqNum::new;
        let (lo, es) = (n(1000), n(1100));
        assert_eq!(acceptable(n(1050), 10, lo, lo, es, es, false), Tri::Yes);
        assert_eq!(acceptable(n(1100), 10, lo, lo, es, es, false), Tri::No);
        assert_eq!(acceptable(n(990), 20, lo, lo, es, es, false), Tri::Yes);
        assert_eq!(acceptable(n(1050), 0, lo, lo, es, es, false), Tri::Yes);
        assert_eq!(acceptable(n(999), 0, lo, lo, es, es, false), Tri::No);
    }

    /// A zero window whose RCV.NXT may have run past its edge (text beyond it that the stack
    /// may have taken): a segment half the circle away is nowhere near it — one end at a time,
    /// it was after RCV.NXT's upper bound and before the edge, "certainly" acceptable (a RST
    /// there owed a challenge ACK; found by state_machine with the oracle in FIN-WAIT-2).
    #[test]
    fn a_segment_half_the_circle_away_is_outside_an_empty_range() {
        let n = SeqNum::new;
        let (lo, hi, edge) = (n(432285585), n(432287012), n(432285585));
        let far = n(2579769469);
        assert_eq!(acceptable(far, 2, lo, hi, edge, edge, false), Tri::No);
        assert_eq!(acceptable(far, 0, lo, hi, edge, edge, false), Tri::No);
        // At RCV.NXT itself, the zero window's one acceptable number, it may be.
        assert!(acceptable(lo, 0, lo, hi, edge, edge, false).may());
    }
}
