//! Checks on the segments a stack sends that do not depend on which world it is in: the
//! format rules of the options (RFC 9293 §3.2 MUST-65, RFC 7323, RFC 2018), the checksum
//! (MUST-2), the segment size (MUST-16), and the retransmission timer's backoff (MUST-19,
//! RFC 6298 (5.5)).

use super::context::Cx;
use super::profile::{Deviation, OracleProfile};
use super::segment::Seg;
use super::verdict::Rule;
use super::world::{SynOpts, World};
use std::time::Duration;
use synack_stack::decision::TimerKind;
use synack_stack::{SeqNum, State, Step};


/// A finding that is not a world's death.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Static {
    pub rule: Rule,
    pub step: Option<Step>,
    pub req: Option<&'static str>,
    pub expected: String,
    /// Set when the behaviour is a deviation the profile permits (reported as such).
    pub deviation: Option<Deviation>,
}

fn st(rule: Rule, step: Option<Step>, req: Option<&'static str>, expected: impl Into<String>) -> Static {
    Static { rule, step, req, expected: expected.into(), deviation: None }
}

/// The SYN a SYN-ACK `s` answers, when the first world is a listener's or SYN-RECEIVED (in
/// any other the SYN-ACK answers nothing the oracle saw, and its options are not judged):
/// the SYN whose IRS+1 it acknowledges — held by a listener's world, a SYN-RECEIVED world's
/// (with our ISS), and, for a listener, the last inbound segment if it is that SYN (the
/// SYN-ACK may be explained by a silent close before that SYN, which the oracle tries after
/// these checks). None if no SYN fits (the worlds judge the segment itself).
pub(crate) fn answered_syn(worlds: &[World], s: &Seg, last_in: Option<&Seg>) -> Option<(SynOpts, bool)> {
    let listener = match worlds.first().map(|w| w.state) {
        Some(State::Listen) => true,
        Some(State::SynReceived) => worlds[0].passive,
        Some(
            State::SynSent
            | State::Closed
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait,
        )
        | None => return None,
    };
    let mut candidates: Vec<(SynOpts, bool)> = worlds
        .iter()
        .filter_map(|w| match w.state {
            // (Past the SYN's text too: RFC 7413 §4.2.2 step 5.)
            State::Listen => w.held.filter(|h| h.irs + 1 == s.ack || (h.len > 0 && h.irs + 1 + h.len == s.ack)).map(|h| (h.opts, true)),
            State::SynReceived if w.syn_ack_ack() == s.ack && w.iss == s.seq => Some((w.peers, w.passive)),
            State::SynReceived
            | State::SynSent
            | State::Closed
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait => None,
        })
        .collect();
    let syn = |i: &&Seg| listener && i.flags.syn() && !i.has_ack() && !i.flags.rst() && i.seq + 1 == s.ack;
    candidates.extend(last_in.filter(syn).map(|i| (super::arrive::syn_opts(i), true)));
    // Several SYNs may fit (a new SYN with the old one's number, answered with the same ISS
    // after a silent close): one whose options allow the SYN-ACK's, if any. (A world that
    // explains the SYN-ACK as a retransmission is held to its own SYN's options by emit.)
    let allows = |p: &SynOpts| !(s.opts.wscale.is_some() && p.ws.is_none()) && !(s.opts.timestamps.is_some() && !p.ts);
    candidates.iter().find(|(p, _)| allows(p)).or(candidates.first()).copied()
}

/// A window probe (§3.8.6.1): one octet at SND.UNA under a closed window.
fn is_window_probe(w: &World, s: &Seg) -> bool {
    s.len == 1 && s.seq == w.una && w.has_tcb() && w.window_closed()
}

/// The format checks of one outbound segment, given what the handshake negotiated (`w`) and,
/// for a SYN-ACK, the options of the SYN it answers and whether that SYN came to a listener
/// (see [`answered_syn`]).
pub(crate) fn format(w: &World, s: &Seg, answering: Option<(SynOpts, bool)>, profile: &OracleProfile) -> Vec<Static> {
    let mut out = Vec::new();
    format_into(w, s, answering, profile, &mut out);
    out
}

/// Whether format findings break a rule (rather than only use a permitted deviation).
pub(crate) fn breaks(found: &[Static]) -> bool {
    found.iter().any(|f| f.deviation.is_none())
}

fn format_into(w: &World, s: &Seg, answering: Option<(SynOpts, bool)>, profile: &OracleProfile, out: &mut Vec<Static>) {
    let (syn, rst) = (s.flags.syn(), s.flags.rst());
    if profile.check_checksums && s.checksum_ok == Some(false) {
        out.push(st(Rule::Checksum, None, Some("MUST-2"), "a TCP checksum over the pseudo-header and the segment"));
    }
    if !syn && s.opts.mss.is_some() {
        out.push(st(Rule::Options, None, Some("MUST-65"), "no MSS option outside SYN segments"));
    }
    if !syn && s.opts.wscale.is_some() {
        out.push(st(Rule::Options, None, None, "no Window Scale option outside SYN segments (RFC 7323 §2.2)"));
    }
    if syn && s.has_ack() {
        // RFC 7323 §2.2, §3.2: a SYN-ACK carries WS or TS only if the SYN did.
        if let Some((peer, passive)) = answering {
            let extra_ws = s.opts.wscale.is_some() && peer.ws.is_none();
            let extra_ts = s.opts.timestamps.is_some() && !peer.ts;
            if extra_ws || extra_ts {
                let mut f = st(
                    Rule::Options,
                    Some(if passive { Step::Listen(3) } else { Step::SynSent(4) }),
                    None,
                    "a SYN-ACK with WS and TS only if the SYN carried them (RFC 7323 §2.2, §3.2)",
                );
                if !passive && profile.permits(Deviation::SimultaneousOpenRepeatsOptions) {
                    f.deviation = Some(Deviation::SimultaneousOpenRepeatsOptions);
                }
                out.push(f);
            }
        }
    }
    let synchronized = w.has_tcb() && w.state != State::SynReceived;
    if synchronized && !syn && !rst {
        // RFC 7323 §3.2: once negotiated, TSopt MUST be in every non-RST segment; otherwise
        // it is not sent.
        match (w.ts_on(), s.opts.timestamps.is_some()) {
            (true, false) => out.push(st(Rule::Options, None, None, "TSopt in every non-RST segment once negotiated (RFC 7323 §3.2)")),
            (false, true) => out.push(st(Rule::Options, None, None, "no TSopt unless both SYNs carried it (RFC 7323 §3.2)")),
            (true, true) | (false, false) => {}
        }
        if !w.sack_on() && s.opts.sack_blocks > 0 {
            out.push(st(Rule::Options, None, None, "no SACK blocks unless SACK-permitted was exchanged (RFC 2018 §2)"));
        }
    }
    if profile.check_segment_size && w.has_tcb() && s.len > 0 {
        // MUST-15/16: the peer's MSS (or the default) bounds text plus TCP options.
        let default = if s.src.is_ipv4() { 536 } else { 1220 };
        // An MSS of 0 cannot be honoured: it counts as none (Linux tcp_parse_options ignores
        // it), the default standing (MUST-15).
        let mss = u32::from(w.peers.mss.filter(|&m| m > 0).unwrap_or(default));
        let used = s.len + u32::from(s.opts.area_len);
        // An MSS that leaves no room for one octet beside the options the segment carries
        // (RFC 7323 §3.2 puts TSopt on every segment) cannot be honoured either: one octet
        // is the least text a sender can make progress with.
        let no_room = s.len == 1 && u32::from(s.opts.area_len) >= mss;
        if used > mss && !no_room {
            let mut f = st(
                Rule::SegmentSize,
                Some(Step::Send),
                Some("MUST-16"),
                format!("at most {mss} octets of text and options (the peer's MSS); this segment has {used}"),
            );
            if used <= profile.min_snd_mss && profile.permits(Deviation::MinSndMss) {
                f.deviation = Some(Deviation::MinSndMss);
            }
            out.push(f);
        }
    }
}

/// The retransmissions of one sequence number, for the backoff check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Series {
    seq: SeqNum,
    syn: bool,
    /// When it was last sent.
    last: u64,
    /// The interval before that.
    prev: Option<u64>,
    /// Retransmissions so far.
    count: u32,
    /// The first interval may be a tail-loss probe's (RFC 8985, with SACK), which the next
    /// timeout need not double.
    probe_first: bool,
    /// A window probe: one octet at SND.UNA while the peer's window is closed (RFC 9293
    /// §3.8.6.1, MUST-36).
    window_probe: bool,
}

/// RFC 6298 (5.5) "back off the timer" (MUST-19): on a retransmission timer with no segment
/// from the peer in between, each interval is at least double the one before, up to the
/// 60 s a maximum RTO may be set to (RFC 6298 (2.5)). Timer granularity gets an eighth plus
/// 5 ms of slack. Retransmissions that follow a segment from the peer (fast retransmit, a
/// duplicate SYN) start a new series. `original`: when the data now retransmitted was first
/// sent, if the peer has been silent since (the first interval). `worlds`: the first is the
/// connection's as the checks read it.
pub(crate) fn backoff(
    series: &mut Option<Series>,
    heard: &mut bool,
    worlds: &[World],
    s: &Seg,
    now: u64,
    original: Option<u64>,
    profile: &OracleProfile,
) -> (Option<Static>, bool) {
    let Some(w) = worlds.first() else { return (None, false) };
    let syn = s.flags.syn();
    if s.flags.rst() {
        return (None, false);
    }
    let has_iss = matches!(w.state, State::SynSent | State::SynReceived);
    if syn && !(has_iss && s.seq == w.iss) {
        // An original SYN or SYN-ACK: the series starts with it.
        *series = Some(Series { seq: s.seq, syn: true, last: now, prev: None, count: 0, probe_first: false, window_probe: false });
        *heard = false;
        return (None, false);
    }
    let fin = s.flags.fin();
    let retransmission = if syn {
        true
    } else {
        (s.len > 0 || fin) && w.has_tcb() && s.seq.before(w.snd_max) && (s.seq + s.len + u32::from(fin)).after(w.una)
    };
    // A keep-alive in some world (RFC 9293 §3.8.4) is no retransmission for certain: a world
    // where the ACK before it was dropped (one without TSopt, RFC 7323 §3.2 SHOULD) reads the
    // octet below SND.UNA as one of the text still outstanding there.
    if !retransmission || worlds.iter().any(|w| super::keepalive::may_be_keepalive(w, s)) {
        return (None, false);
    }
    // RFC 9293 §3.8.6.1: the persist timer, not the retransmission timer, sends window
    // probes — the first when the window has been zero for an RTO (SHLD-29), which may follow
    // a retransmission timeout that found the window closed and sent nothing, then at
    // exponentially growing intervals (SHLD-30). A probe after retransmissions of its octet
    // starts a series of its own; probes are compared with probes.
    // A probe in any world the segment may have been sent from: the first world may be one
    // where the ACK that closed the window was not taken.
    let window_probe = !syn && !fin && worlds.iter().any(|w| is_window_probe(w, s));
    let mut verdict = None;
    let mut compared = false;
    match *series {
        Some(sr) if sr.seq == s.seq && sr.syn == syn && !*heard && (sr.window_probe || !window_probe) => {
            let interval = now.saturating_sub(sr.last);
            let count = sr.count + 1;
            if let Some(prev) = sr.prev {
                compared = true;
                let doubled = if sr.probe_first && count == 2 { prev } else { prev.saturating_mul(2) };
                let need = doubled.min(Cx::nanos(Duration::from_secs(60)));
                let slack = need / 8 + Cx::nanos(Duration::from_millis(5));
                if interval.saturating_add(slack) < need {
                    let linear = syn && !s.has_ack() && count <= profile.syn_linear_retries + 1 && interval.saturating_add(slack) >= prev;
                    let mut f = st(
                        Rule::Backoff,
                        Some(Step::Timeout(TimerKind::Retransmission)),
                        Some("MUST-19"),
                        format!(
                            "the retransmission timer backed off: at least {:.3} s after the previous retransmission, not {:.3} s",
                            need as f64 / 1e9,
                            interval as f64 / 1e9
                        ),
                    );
                    if linear && profile.permits(Deviation::SynLinearTimeouts) {
                        f.deviation = Some(Deviation::SynLinearTimeouts);
                    }
                    verdict = Some(f);
                }
            }
            *series = Some(Series { seq: s.seq, syn, last: now, prev: Some(interval), count, probe_first: sr.probe_first, window_probe });
        }
        Some(_) | None => {
            let prev = original.filter(|_| !syn && !window_probe).map(|t| now.saturating_sub(t));
            // A probe's octet sent in reply to the peer (go-back-N after an ACK that closed the
            // window) is no timer's: the next send may come from a retransmission timeout
            // that found the window closed and sent nothing, then the persist timer (SHLD-29),
            // so the interval to it spans two timers and the doubling is measured from the
            // interval after.
            let replied = window_probe && *heard;
            let count = if replied { 0 } else { 1 };
            *series = Some(Series { seq: s.seq, syn, last: now, prev, count, probe_first: w.sack_on() || replied, window_probe });
        }
    }
    *heard = false;
    (verdict, compared)
}
