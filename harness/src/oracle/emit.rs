//! What a world allows the stack to send (RFC 9293 §3.10: the replies of §3.10.7, the user
//! calls of §3.10.1–5, the timers of §3.10.8). A segment the world allows moves it on (and
//! teaches the oracle the stack's unknowns: its ISS, its RCV.NXT from SEG.ACK, the windows
//! it advertises); one it does not allow kills it, with the reason.

use super::arrive::{fin_transition, syn_opts};
use super::context::Cx;
use super::profile::Deviation;
use super::segment::Seg;
use super::verdict::Rule;
use super::world::{other, Advice, Expect, Owed, Why, World};
use synack_stack::decision::{Check, TimerKind};
use synack_stack::{State, Step};

/// The successors of `w` after the stack sent `s`, or why `w` could not have sent it.
pub(crate) fn emit(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) -> Result<(), Why> {
    let mut n = *w;
    let rst_owed_and_sent = n.fulfil(s.flags.rst(), s.flags.syn(), s.has_ack(), s.seq, s.ack);
    let result = match w.state {
        State::Closed | State::Listen => no_tcb(n, s, rst_owed_and_sent, cx, out),
        State::SynSent => syn_sent(n, s, rst_owed_and_sent, out),
        State::SynReceived
        | State::Established
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing
        | State::LastAck
        | State::TimeWait => synchronized(n, s, rst_owed_and_sent, cx, out),
    };
    // A segment sent instead of an owed reply is reported as that reply missing: the RFC's
    // step that called for it is the one broken.
    result.map_err(|e| {
        let owed = n.duties.iter().flatten().filter(|d| !matches!(d.owed, Owed::AckUpTo(_))).min_by_key(|d| d.due);
        owed.map_or(e, |d| n.why_unmet(d))
    })
}

fn why(rule: Rule, step: Option<Step>, state: State, req: Option<&'static str>, expect: Expect) -> Why {
    Why { rule, step, state, req, expect, cause: None }
}

/// No TCB (§3.10.7.1, §3.10.7.2): RSTs that answer segments, a SYN-ACK answering a SYN the
/// listener holds, or a SYN opening a connection (§3.10.1).
fn no_tcb(n: World, s: &Seg, rst_sent: bool, cx: &mut Cx, out: &mut Vec<World>) -> Result<(), Why> {
    let step = if n.state == State::Listen { Step::Listen(2) } else { Step::Closed };
    if s.flags.rst() {
        if rst_sent {
            out.push(n);
            return Ok(());
        }
        return Err(why(Rule::UnexplainedReset, Some(step), n.state, None, Expect::NoTcb));
    }
    if s.flags.syn() && !s.has_ack() {
        out.push(opened(&n, s, cx.now));
        return Ok(());
    }
    if s.flags.syn() && n.state == State::Listen {
        if let Some(h) = n.held.filter(|h| h.until >= cx.now) {
            let mut readings = Vec::with_capacity(2);
            if let Err((rule, e)) = super::fastopen::readings(&h, s, cx, &mut readings) {
                return Err(why(rule, Some(Step::Listen(3)), State::Listen, None, e));
            }
            // The receive space is the incarnation's (one per IRS), shared by the readings —
            // and by the worlds of a SYN seen before with the same number (a retransmission,
            // perhaps without the text the first carried): what it recorded stays.
            for r in readings {
                let mut m = World::no_tcb(State::SynReceived, cx.now);
                m.used = n.used | r.used;
                m.passive = true;
                m.fast_open = r.fast_open;
                m.iss = s.seq;
                m.irs = h.irs;
                m.peers = h.opts;
                m.ours = syn_opts(s);
                m.una = s.seq;
                m.una_hi = s.seq;
                m.snd_max = s.seq + s.seg_len();
                // RCV.NXT: IRS+1, past the SYN's text when it was taken (RFC 7413 §4.2.2).
                m.rcv = s.ack;
                m.wl1 = h.irs;
                m.wl2 = s.seq;
                // The SYN-ACK's window (never scaled) is the receive window.
                m.edge = m.rcv + u32::from(s.window);
                m.edge_max = m.edge;
                m.peer_edge = s.seq + 1 + u32::from(h.opts.window);
                m.cur_edge = m.peer_edge;
                m.max_wnd_lo = u32::from(h.opts.window);
                m.max_wnd_hi = m.max_wnd_lo;
                let now = cx.now;
                let space = cx.space(h.irs);
                let text = h.irs + 1;
                if r.fin {
                    // The peer's FIN taken with the SYN: CLOSE-WAIT, our SYN unacknowledged.
                    space.add(text, text + h.len, false);
                    space.add_fin(text + h.len);
                    m.fin_in = true;
                    m.enter(State::CloseWait, now);
                } else if r.fast_open.is_some_and(|len| len > 0) {
                    space.add(text, m.rcv, false);
                } else if r.queued {
                    space.add(text, (text + h.len).earliest(m.edge_max), false);
                }
                // A FIN on the SYN goes with its text (dropped when the text is).
                let kept = r.queued || r.fast_open.is_some() || h.len == 0;
                let fin_queued = h.fin && kept && !r.fin && (text + h.len).before_or_eq(m.edge_max.latest(m.rcv));
                if fin_queued {
                    space.add_fin(text + h.len);
                }
                // (The queue's end is past its FIN, as RCV.NXT will be.)
                let text_end = if r.queued { (text + h.len).earliest(m.edge_max) } else { m.rcv };
                m.syn_queue = Some((text_end + u32::from(fin_queued), fin_queued));
                out.push(m);
            }
            return Ok(());
        }
    }
    Err(why(Rule::Unexpected, Some(step), n.state, None, Expect::NoTcb))
}

/// §3.10.1 OPEN: SYN-SENT with the SYN's number as ISS.
pub(crate) fn opened(n: &World, s: &Seg, now: u64) -> World {
    let mut m = World::no_tcb(State::SynSent, now);
    m.used = n.used;
    m.iss = s.seq;
    m.una = s.seq;
    m.una_hi = s.seq;
    m.snd_max = s.seq + s.seg_len();
    m.ours = syn_opts(s);
    m
}

/// SYN-SENT: the SYN again (same ISS), or a RST owed by §3.10.7.3 first.
fn syn_sent(n: World, s: &Seg, rst_sent: bool, out: &mut Vec<World>) -> Result<(), Why> {
    if s.flags.rst() {
        if rst_sent {
            out.push(n);
            return Ok(());
        }
        let e = Expect::Only("in SYN-SENT, a RST only in reply to an unacceptable ACK");
        return Err(why(Rule::UnexplainedReset, Some(Step::SynSent(1)), State::SynSent, None, e));
    }
    if s.flags.syn() && !s.has_ack() {
        if s.seq == n.iss {
            // A retransmission (the first SYN opened the world): RFC 7413 §4.2.2 "Client:
            // Sending SYN" — it SHOULD go without data and Fast Open options.
            let mut n = n;
            if s.len > 0 || s.opts.fast_open.is_some() {
                n.advised |= Advice::FastOpenRetransmission.bit();
            }
            out.push(n);
            return Ok(());
        }
        return Err(why(Rule::Unexpected, Some(Step::Open), State::SynSent, None, Expect::SameIss { iss: n.iss }));
    }
    let e = Expect::Only("in SYN-SENT, nothing but the SYN until the peer's SYN arrives");
    Err(why(Rule::Unexpected, Some(Step::SynSent(4)), State::SynSent, None, e))
}

/// Whether something explains a RST the stack sends on its own (§3.10.5 ABORT): a user call
/// just now (or calls are not visible), a listener refusing a half-open connection, text
/// arriving after CLOSE (SHLD-3), an unanswered probe or retransmission (a timeout).
fn abort_explained(n: &World, cx: &Cx) -> bool {
    let within = |t: Option<u64>| t.is_some_and(|t| cx.now.saturating_sub(t) <= Cx::nanos(cx.profile.reply_within));
    // Text this world took on the last segment: that segment's, or text queued from a SYN
    // that the segment's ACK let through (§3.10.7.3 fourth), which no inbound length shows.
    let text_now = within(cx.facts.last_text_in) || (text_just_taken(n) && cx.now <= n.stale_until);
    !cx.profile.user_calls_visible
        || within(cx.facts.last_user_call)
        || (n.state == State::SynReceived && n.passive)
        || (text_now && (n.fin_seq.is_some() || cx.facts.user_closed))
        || cx.facts.probe_unanswered
        || cx.facts.retransmitting
}

/// Whether RCV.NXT moved past text on the last inbound segment in this world (by more than a
/// FIN would move it).
fn text_just_taken(n: &World) -> bool {
    let moved = n.rcv.since(n.rcv_prev);
    moved > 1 || (moved == 1 && !n.fin_in)
}

/// SYN-RECEIVED and the synchronized states.
fn synchronized(n: World, s: &Seg, rst_sent: bool, cx: &mut Cx, out: &mut Vec<World>) -> Result<(), Why> {
    let state = n.state;
    if s.flags.syn() {
        // Our SYN unacknowledged: SYN-RECEIVED, or FIN-WAIT-1 after a CLOSE there (§3.10.4),
        // where the retransmission queue's front is still the SYN.
        // (CLOSE-WAIT and LAST-ACK too when a FastOpened SYN carried a FIN, RFC 7413 §4.2.2.)
        // CLOSING too, when the peer's FIN (one queued from its SYN) came in FIN-WAIT-1.
        let syn_unacked = state == State::SynReceived
            || (matches!(state, State::FinWait1 | State::Closing | State::CloseWait | State::LastAck) && n.una == n.iss);
        // Its ACK field is RCV.NXT when sent (§3.10.7.3 fourth: <SEQ=ISS><ACK=RCV.NXT>
        // <CTL=SYN,ACK>; Linux tcp_transmit_skb): IRS+1, or past a FIN taken since.
        let ack_ok = s.ack == n.syn_ack_ack() || (s.ack.after(n.syn_ack_ack()) && s.ack.before_or_eq(n.rcv));
        if s.has_ack() && syn_unacked && s.seq == n.iss && ack_ok {
            // RFC 7323 §2.2, §3.2: the answer to a SYN carries WS and TS only if the SYN did,
            // retransmitted too (a simultaneous open's is judged by the format checks, where
            // Linux's repeated options are a deviation).
            let extra = (s.opts.wscale.is_some() && n.peers.ws.is_none()) || (s.opts.timestamps.is_some() && !n.peers.ts);
            if n.passive && extra {
                let e = Expect::Only("a SYN-ACK with WS and TS only if the SYN carried them (RFC 7323 §2.2, §3.2)");
                return Err(why(Rule::Options, Some(Step::Listen(3)), state, None, e));
            }
            if n.passive && super::fastopen::unasked_option(s, &n.peers) {
                let e = Expect::Only(super::fastopen::UNASKED);
                return Err(why(Rule::Options, Some(Step::Listen(3)), state, None, e));
            }
            // A retransmission: "the server SHOULD retransmit a SYN-ACK segment with neither
            // data nor Fast Open options" (RFC 7413 §4.2.2).
            let mut n = n;
            if n.passive && (s.len > 0 || s.opts.fast_open.is_some()) {
                n.advised |= Advice::FastOpenRetransmission.bit();
            }
            // Its window (never scaled, RFC 7323 §2.2) is one we advertise — in a simultaneous
            // open, after our SYN's, which it may shrink (SHLD-14 is a SHOULD). A retransmission
            // may carry the window it first had, older than the one an ACK since advertised:
            // the edge's lower bound only goes down, its upper bound only up.
            if s.ack == n.rcv {
                let edge = s.ack + u32::from(s.window);
                n.edge = n.edge.earliest(edge).latest(n.rcv);
                n.edge_max = n.edge_max.latest(edge);
            }
            out.push(n);
            return Ok(());
        }
        let e = Expect::Only("no SYN once synchronized (a SYN-ACK retransmission repeats ISS and IRS+1)");
        let req = if state == State::TimeWait { Some("MUST-13") } else { None };
        return Err(why(Rule::Unexpected, Some(other(Check::Syn)), state, req, e));
    }
    if s.flags.rst() {
        if rst_sent {
            out.push(n);
            return Ok(());
        }
        // §3.10.5: ABORT sends <SEQ=SND.NXT><CTL=RST> from these states only; CLOSING,
        // LAST-ACK and TIME-WAIT are deleted without one.
        // And SHLD-3's RST for text after CLOSE, which §3.10.7.4 seventh sends before the eighth
        // takes a FIN on the same segment: a world that took both, FIN-WAIT-1 into CLOSING,
        // may have sent first what that segment's ACK released (fifth), then the RST.
        let text_and_fin_just_in = state == State::Closing && n.fin_in && text_just_taken(&n);
        let abortable = text_and_fin_just_in
            || matches!(state, State::SynReceived | State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait);
        // (Joined mid-stream, SND.NXT may be beyond what the capture showed.)
        let in_range = s.seq.after_or_eq(n.una) && (n.joined || s.seq.before_or_eq(n.snd_max));
        if abortable && in_range && abort_explained(&n, cx) {
            n.deleted(cx.now, out);
            return Ok(());
        }
        let req = if state == State::TimeWait { Some("MUST-13") } else { None };
        let e = if abortable { Expect::Abort { lo: n.una, hi: n.snd_max } } else { Expect::Only("no RST from this state (§3.10.5)") };
        return Err(why(Rule::UnexplainedReset, Some(Step::Abort), state, req, e));
    }
    if state == State::TimeWait && !s.is_pure_ack() {
        let e = Expect::Only("in TIME-WAIT, only ACKs");
        return Err(why(Rule::Unexpected, Some(Step::Timeout(TimerKind::TimeWait)), state, Some("MUST-13"), e));
    }
    let mut learned = Vec::with_capacity(2);
    if s.has_ack() {
        learn_ack(n, s, cx, &mut learned)?;
    } else {
        learned.push(n);
    }
    let mut first_err = None;
    for m in learned {
        if state == State::SynReceived && s.is_pure_ack() && cx.now > m.ack_ok_until {
            // SYN-RECEIVED acknowledges only what it finds invalid (§3.10.7.4 first); an
            // acceptable segment it does not take (a full accept queue) gets nothing.
            let e = Expect::Only("in SYN-RECEIVED, an ACK only in reply to an unacceptable segment");
            first_err.get_or_insert(why(Rule::Unexpected, Some(other(Check::Sequence)), state, None, e));
            continue;
        }
        if let Err(e) = send_rules(m, s, out) {
            first_err.get_or_insert(e);
        }
    }
    match first_err {
        Some(e) if out.is_empty() => Err(e),
        Some(_) | None => Ok(()),
    }
}

/// SEG.ACK is the stack's RCV.NXT: at least what must have been accepted, at most what may
/// have been. It is learned, with the window the segment advertises; an ACK past the peer's
/// FIN shows the FIN was taken (§3.10.7.4 eighth, applied late).
fn learn_ack(mut n: World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) -> Result<(), Why> {
    let state = n.state;
    let hi = cx.reach(&n, false);
    let stale = s.ack.before(n.rcv) && !s.is_pure_ack() && cx.now <= n.stale_until && s.ack.after_or_eq(n.rcv_prev);
    if stale {
        // Formed while the last segment was being processed, before its text: nothing to
        // learn from it.
        out.push(n);
        return Ok(());
    }
    let skew = Cx::nanos(cx.profile.processing_skew);
    if skew > 0 && s.ack.before(n.rcv) && s.ack.after_or_eq(n.lag_floor(cx.now, skew)) {
        // Sent before the stack processed what had reached it: nothing to learn.
        out.push(n);
        return Ok(());
    }
    if s.ack.before(n.rcv) {
        let fin = n.fin_in && s.ack + 1 == n.rcv;
        let step = other(if fin { Check::Fin } else { Check::Text });
        return Err(why(Rule::AckTooLow, Some(step), state, None, Expect::AckRange { lo: n.rcv, hi }));
    }
    if s.ack.after(hi) {
        let tail = cx.permits(Deviation::AcceptsTailBeyondWindow);
        if tail && s.ack.before_or_eq(cx.reach(&n, true)) {
            n.used |= Deviation::AcceptsTailBeyondWindow.bit();
        } else {
            return Err(why(Rule::AckTooHigh, Some(other(Check::Sequence)), state, None, Expect::AckRange { lo: n.rcv, hi }));
        }
    }
    // Whether this world had already reached SEG.ACK by text (a peer that sent a FIN and then
    // text at the same number: the FIN queued from a simultaneous-open SYN, which Linux
    // discards, §3.10.7.3 fourth): then the ACK does not show the FIN was taken.
    let by_text = n.rcv == s.ack;
    n.rcv = s.ack;
    let (lo, hi) = n.rcv_shifts();
    let right = s.ack + (u32::from(s.window) << hi);
    // The field is rounded to the scale's granularity: the window itself may be up to one
    // unit smaller than advertised.
    let least = s.ack + (u32::from(s.window) << lo);
    let floor = if lo > 0 && s.window > 0 { least - ((1u32 << lo) - 1) } else { least };
    n.edge = floor.latest(n.rcv);
    if right.after(n.edge_max) {
        n.edge_max = right;
    }
    let space = cx.space(n.irs);
    space.reanchor(n.rcv);
    if !n.fin_in && !by_text && space.acks_fin(s.ack) {
        // Text may have come for the FIN's number too (a peer that changed its mind): then
        // the ACK may be the text's, the FIN not taken (§3.10.7.4 eighth: a FIN with text
        // after it is no end of the stream).
        if space.text_at(s.ack - 1) {
            out.push(n);
        }
        n.fin_in = true;
        fin_transition(n, cx, out);
        return Ok(());
    }
    out.push(n);
    Ok(())
}

/// Sequence numbers and controls of a segment with text, a FIN, or neither.
fn send_rules(mut n: World, s: &Seg, out: &mut Vec<World>) -> Result<(), Why> {
    let state = n.state;
    let fin = s.flags.fin();
    let data_end = s.seq + s.len;
    let end = data_end + u32::from(fin);
    if s.len == 0 && !fin {
        // An ACK: <SEQ=SND.NXT> (probes use SND.UNA-1 or SND.NXT-1).
        if n.joined && s.seq.after(n.snd_max) {
            // Joined mid-stream: SND.NXT may be beyond what the capture showed (a probe first).
            n.snd_max = s.seq;
        }
        let lo = n.una - 1;
        if s.seq.before(lo) || s.seq.after(n.snd_max) {
            return Err(why(Rule::SequenceOutOfRange, None, state, None, Expect::SeqRange { lo, hi: n.snd_max }));
        }
        out.push(n);
        return Ok(());
    }
    // RFC 7413 §4.2.2 step 6 (and §3's Figure 1): a FastOpened server sends text in SYN-RCVD.
    if state == State::SynReceived && s.len > 0 && n.fast_open.is_none() {
        let e = Expect::Only("no text before the handshake completes (without Fast Open, RFC 7413 §4.2.2)");
        return Err(why(Rule::Unexpected, Some(Step::Send), state, None, e));
    }
    if s.seq.before(n.iss + 1) {
        return Err(why(Rule::SequenceOutOfRange, None, state, None, Expect::SeqRange { lo: n.iss + 1, hi: n.snd_max }));
    }
    if let Some(f) = n.fin_seq {
        if data_end.after(f) || (fin && data_end != f) {
            return Err(why(Rule::AfterFin, Some(Step::Close), state, None, Expect::Fin { fin: f }));
        }
    }
    if data_end.after(n.snd_max) {
        let fast_open = state == State::SynReceived && n.fast_open.is_some();
        // CLOSING too while our FIN is unsent: the text queued before the CLOSE goes first
        // (§3.10.4; see arrive::fin_transition).
        let queued_before_close = state == State::Closing && n.fin_seq.is_none();
        if !matches!(state, State::Established | State::CloseWait) && !fast_open && !queued_before_close {
            let e = Expect::Only("new text only in ESTABLISHED and CLOSE-WAIT (§3.10.2), or queued before the CLOSE");
            return Err(why(Rule::Unexpected, Some(Step::Send), state, None, e));
        }
        // A zero-window probe (MUST-36) may carry one octet beyond the edge.
        let probe = s.len == 1 && s.seq == n.snd_max && s.seq.after_or_eq(n.peer_edge);
        if data_end.after(n.peer_edge) && !probe {
            return Err(why(Rule::BeyondPeerWindow, Some(Step::Send), state, None, Expect::Window { edge: n.peer_edge }));
        }
        if data_end.after(n.cur_edge) && !probe {
            // Within a window the peer once offered, beyond the one it offers now.
            n.advised |= Advice::IntoShrunkWindow.bit();
        }
    }
    if fin {
        // A passive SYN-RECEIVED connection has no user yet to CLOSE it — unless it is
        // FastOpened: the application was notified at the SYN (RFC 7413 §4.2.2 step 4).
        let user_can_close = state != State::SynReceived || !n.passive || n.fast_open.is_some();
        match (n.fin_seq, state) {
            (None, State::Established | State::SynReceived) if user_can_close => {
                n.fin_seq = Some(data_end);
                n.state = State::FinWait1;
            }
            (None, State::CloseWait) => {
                n.fin_seq = Some(data_end);
                n.state = State::LastAck;
                // Or the user's CLOSE came before the peer's FIN, while text was still queued:
                // the stack was in FIN-WAIT-1 with its FIN unsent, and the peer's FIN took it
                // to CLOSING (§3.10.4: "in any case, enter FIN-WAIT-1").
                let mut closing = n;
                closing.state = State::Closing;
                if end.after(closing.snd_max) {
                    closing.snd_max = end;
                }
                out.push(closing);
            }
            (Some(_), State::FinWait1 | State::Closing | State::LastAck) => {}
            // A CLOSE in SYN-RECEIVED entered FIN-WAIT-1 with the FIN not yet sent (§3.10.4;
            // see arrive::closed_in_syn_received): it goes now, or from CLOSING if the peer's
            // FIN came first.
            (None, State::FinWait1 | State::Closing) => n.fin_seq = Some(data_end),
            (None | Some(_), _) => {
                let e = Expect::Only("a FIN first from ESTABLISHED, SYN-RECEIVED or CLOSE-WAIT, again only while unacknowledged");
                return Err(why(Rule::Unexpected, Some(Step::Close), state, None, e));
            }
        }
    }
    if end.after(n.snd_max) {
        n.snd_max = end;
    }
    out.push(n);
    Ok(())
}

/// After a violation, the oracle carries on from what the stack evidently did: the segment
/// is taken at its word (a RST deletes the TCB, a SYN opens, SEG.ACK is RCV.NXT, a FIN is
/// our FIN).
pub(crate) fn force(w: &World, s: &Seg, cx: &mut Cx, out: &mut Vec<World>) {
    let mut n = *w;
    n.fulfil(s.flags.rst(), s.flags.syn(), s.has_ack(), s.seq, s.ack);
    if s.flags.rst() {
        n.deleted(cx.now, out);
        return;
    }
    if s.flags.syn() && !s.has_ack() {
        out.push(opened(&n, s, cx.now));
        return;
    }
    if s.flags.syn() {
        if !n.has_tcb() {
            n = World::no_tcb(State::SynReceived, cx.now);
            n.used = w.used;
            n.passive = true;
            n.irs = s.ack - 1;
            n.rcv = s.ack;
            n.edge = s.ack + u32::from(s.window);
            n.edge_max = n.edge;
            n.peers = w.held.map(|h| h.opts).unwrap_or_default();
        }
        n.iss = s.seq;
        n.una = s.seq;
        n.una_hi = s.seq;
        n.snd_max = n.snd_max.latest(s.seq + 1);
        n.ours = syn_opts(s);
        out.push(n);
        return;
    }
    if !n.has_tcb() {
        out.push(n);
        return;
    }
    if s.has_ack() && s.ack.after(n.rcv) {
        n.rcv = s.ack;
        let (lo, hi) = n.rcv_shifts();
        n.edge = s.ack + (u32::from(s.window) << lo);
        n.edge_max = n.edge_max.latest(s.ack + (u32::from(s.window) << hi));
    }
    let data_end = s.seq + s.len;
    if s.flags.fin() && n.fin_seq.is_none() {
        n.fin_seq = Some(data_end);
        n.state = match n.state {
            State::CloseWait => State::LastAck,
            State::Established | State::SynReceived => State::FinWait1,
            State::Closed
            | State::Listen
            | State::SynSent
            | State::FinWait1
            | State::FinWait2
            | State::Closing
            | State::LastAck
            | State::TimeWait => n.state,
        };
    }
    let end = data_end + u32::from(s.flags.fin());
    n.snd_max = n.snd_max.latest(end);
    out.push(n);
}
