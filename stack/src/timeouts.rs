//! RFC 9293 §3.10.8 timeouts (USER, RETRANSMISSION, TIME-WAIT) and the other timers of
//! §3.8: delayed ACK, persist (zero-window probes), keep-alive, and Linux's FIN-WAIT-2 limit.

use crate::config::ProbeStyle;
use crate::connection::{AckPending, Connection, Ctx, Origin};
use crate::decision::{Step, TimerKind};
use crate::errno::Errno;
use crate::state::State;
use crate::wire::TcpFlags;

pub fn on_timeout(c: &mut Connection, kind: TimerKind, ctx: &mut Ctx) {
    let now = ctx.now;
    let at = Step::Timeout(kind);
    match kind {
        // USER TIMEOUT: flush queues, signal "connection aborted due to user timeout",
        // delete the TCB (RFC 5482 for the per-connection value).
        TimerKind::User => {
            c.delete_tcb(Some(Errno::ETIMEDOUT));
            c.decide(now, at, "user timeout → connection aborted", Some(State::Closed));
        }
        TimerKind::Retransmission => retransmission(c, ctx),
        // TIME-WAIT TIMEOUT: delete the TCB, CLOSED.
        TimerKind::TimeWait => {
            c.delete_tcb(None);
            c.decide(now, at, "2MSL elapsed → CLOSED", Some(State::Closed));
        }
        TimerKind::DelayedAck => {
            if c.ack_pending == AckPending::Delayed {
                c.ack_pending = AckPending::Now;
                c.decide(now, at, "delayed ACK due → ACK", None);
            }
        }
        TimerKind::Persist => persist(c, ctx),
        TimerKind::KeepAlive => keepalive(c, ctx),
        TimerKind::FinWait2 => {
            c.delete_tcb(None);
            c.decide(now, at, "orphaned FIN-WAIT-2 timed out → CLOSED", Some(State::Closed));
        }
    }
}

/// RETRANSMISSION TIMEOUT: resend the head of the retransmission queue, back off the RTO
/// (RFC 6298 (5.4)–(5.6)), collapse cwnd (RFC 5681 §3.1), give up after the retry limit.
fn retransmission(c: &mut Connection, ctx: &mut Ctx) {
    let now = ctx.now;
    let at = Step::Timeout(TimerKind::Retransmission);
    let config = ctx.config;
    match c.state {
        State::SynSent => {
            let limit = c.opts.syn_retries.unwrap_or(config.syn_retries);
            // Linux (tcp_write_timeout): the budget is the time `limit` exponential retries
            // from the initial RTO would take, counted from the first SYN.
            let expired = if config.retries_as_time {
                let first = c.first_syn_at.unwrap_or(now);
                now - first >= model_timeout(limit, config.rto_initial, config.rto_max)
            } else {
                c.retransmits >= u32::from(limit)
            };
            if expired {
                c.delete_tcb(Some(Errno::ETIMEDOUT));
                c.decide(now, at, "SYN retries exhausted → connection timed out", Some(State::Closed));
                return;
            }
            c.retransmits += 1;
            c.total_retransmits += 1;
            // Linux `tcp_syn_linear_timeouts`: the first timeouts keep the initial RTO.
            if c.retransmits > u32::from(config.syn_linear_timeouts) {
                c.rtt.back_off();
            }
            c.rtt_probe = None;
            let syn = c.syn_segment(now, config);
            c.out.push(syn);
            c.timers.retransmission = Some(now + c.rtt.rto());
            c.decide(now, at, "SYN retransmitted", None);
        }
        State::SynReceived => {
            if c.retransmits >= u32::from(config.synack_retries) {
                let err = match c.origin {
                    Origin::Passive { .. } => None,
                    Origin::Active => Some(Errno::ETIMEDOUT),
                };
                c.delete_tcb(err);
                c.decide(now, at, "SYN-ACK retries exhausted → abandoned", Some(State::Closed));
                return;
            }
            c.retransmits += 1;
            c.total_retransmits += 1;
            // Mutation testing: SYN-ACK retransmissions without backoff.
            if !config.mutations.synack_no_backoff {
                c.rtt.back_off();
            }
            c.rtt_probe = None;
            let synack = c.syn_segment(now, config);
            c.out.push(synack);
            c.timers.retransmission = Some(now + c.rtt.rto());
            c.decide(now, at, "SYN-ACK retransmitted, RTO doubled", None);
        }
        State::Established | State::FinWait1 | State::CloseWait | State::Closing | State::LastAck => {
            if c.tcb.flight_size() == 0 {
                return;
            }
            // A zero window: what is in flight lies beyond it and a retransmission would be
            // refused. RFC 9293 §3.8.6.1: probe instead (the persist timer resends the octet
            // at SND.UNA), and do not time the connection out for data beyond the right edge
            // (SHLD-17; MUST-37). (Linux, whose probes carry no data, retransmits the head
            // anyway; the linux profile keeps the retransmission timer.)
            if c.tcb.snd_wnd == 0 && config.probe_style == ProbeStyle::OneOctet {
                c.timers.persist = Some(now + c.rtt.rto());
                c.decide(now, at, "retransmission timeout with a zero window → persist timer probes", None);
                return;
            }
            // Linux: R2 is the time `tcp_retries2` exponential retries from the minimum RTO
            // would take, counted from the first retransmission (`retrans_stamp`).
            let expired = if config.retries_as_time {
                c.first_retransmit_at
                    .is_some_and(|first| now - first >= model_timeout(config.retries2, config.rto_min, config.rto_max))
            } else {
                c.retransmits >= u32::from(config.retries2)
            };
            if expired {
                c.delete_tcb(Some(Errno::ETIMEDOUT));
                c.decide(now, at, "retransmission limit (R2) reached → connection timed out", Some(State::Closed));
                return;
            }
            c.retransmits += 1;
            c.first_retransmit_at.get_or_insert(now);
            c.cc.on_rto(c.tcb.flight_size(), c.smss());
            // Mutation testing: data retransmissions without backoff.
            if !config.mutations.rto_no_backoff {
                c.rtt.back_off();
            }
            c.rtt_probe = None;
            c.dup_acks = 0;
            c.recovery = None;
            // RFC 2018 §8: after a retransmission timeout the SACKed marks SHOULD be turned
            // off (the receiver may have reneged). Linux keeps them unless it has seen
            // reneging (`tcp_enter_loss`), and so does its profile.
            match config.profile {
                crate::config::Profile::Rfc9293 => c.scoreboard.clear(),
                crate::config::Profile::Linux => {}
            }
            if c.tcb.snd_una == c.tcb.iss {
                // After a CLOSE in SYN-RECEIVED (§3.10.4) our SYN-ACK is still unacknowledged,
                // at the front of the retransmission queue: it goes first, then what follows.
                let synack = c.syn_segment(now, config);
                c.out.push(synack);
                c.total_retransmits += 1;
                c.rtx_nxt = Some(c.tcb.iss + 1).filter(|r| r.before(c.tcb.snd_nxt));
            } else {
                // Go back to SND.UNA: output resends from there as cwnd allows.
                c.rtx_nxt = Some(c.tcb.snd_una);
            }
            c.timers.retransmission = Some(now + c.rtt.rto());
            c.decide(now, at, "retransmission timeout → resend from SND.UNA, RTO doubled", None);
        }
        State::FinWait2 | State::TimeWait | State::Closed | State::Listen => {}
    }
}

/// The persist timer (RFC 9293 §3.8.6.1, MUST-36, SHLD-29/30): probe a zero window with
/// exponential backoff, for as long as the peer answers (MUST-37: never close for that).
fn persist(c: &mut Connection, ctx: &mut Ctx) {
    let now = ctx.now;
    if c.tcb.snd_wnd > 0 || c.state == State::Closed {
        return;
    }
    match ctx.config.probe_style {
        ProbeStyle::OneOctet => {
            // One octet beyond the window (RFC 1122 §4.2.2.17). While an earlier probe's
            // octet (or other data) is unacknowledged, it is the octet at SND.UNA that goes
            // again, as BSD does; otherwise a new one, and SND.NXT advances over it. The
            // persist timer, not the retransmission timer, owns it: probes never count
            // towards R2, so the connection stays open as long as the peer answers (MUST-37).
            let seq = if c.tcb.flight_size() > 0 { c.tcb.snd_una } else { c.tcb.snd_nxt };
            let data = c.send.slice(seq, 1);
            if data.is_empty() {
                return;
            }
            let seg = c.segment(now, seq, TcpFlags::EMPTY, data);
            c.out.push(seg);
            c.tcb.snd_nxt = c.tcb.snd_nxt.latest(seq + 1);
            c.rtt_probe = None;
        }
        ProbeStyle::StaleSequence => {
            let seg = c.segment(now, c.tcb.snd_una - 1, TcpFlags::EMPTY, Vec::new());
            c.out.push(seg);
        }
    }
    c.probes += 1;
    c.persist_backoff += 1;
    let backoff = 1u32 << c.persist_backoff.min(10);
    let interval = c.rtt.rto().saturating_mul(backoff).min(ctx.config.rto_max);
    c.timers.persist = Some(now + interval);
    c.decide(now, Step::Timeout(TimerKind::Persist), "zero window → window probe", None);
}

/// Keep-alive (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4): after the idle time, probe every
/// interval; after the probe count without an answer, the connection is dead.
fn keepalive(c: &mut Connection, ctx: &mut Ctx) {
    let now = ctx.now;
    let at = Step::Timeout(TimerKind::KeepAlive);
    if !c.opts.keepalive || !c.state.is_synchronized() || c.state == State::TimeWait {
        return;
    }
    let idle = c.opts.keepalive_time.unwrap_or(ctx.config.keepalive_time);
    let interval = c.opts.keepalive_interval.unwrap_or(ctx.config.keepalive_interval);
    let limit = c.opts.keepalive_probes.unwrap_or(ctx.config.keepalive_probes);
    // MUST-26: keep-alives only when no sent data (or FIN) is outstanding; the retransmission
    // timer watches unacknowledged data.
    if c.tcb.flight_size() > 0 {
        c.timers.keepalive = Some(now + idle);
        return;
    }
    if now - c.last_received < idle && c.probes == 0 {
        c.timers.keepalive = Some(c.last_received + idle);
        return;
    }
    if c.probes >= u32::from(limit) {
        crate::user_calls::active_reset(c, ctx);
        c.error = Some(Errno::ETIMEDOUT);
        c.decide(now, at, "keep-alive probes unanswered → connection timed out", Some(State::Closed));
        return;
    }
    // SEG.SEQ = SND.NXT-1 makes the peer answer with an ACK (MAY carry one garbage octet).
    // The octet sits at SND.NXT-1, so only where that is an octet of text: not when it is
    // our SYN (no text sent yet) or our FIN (text after the FIN, §3.10.4).
    let text_at = c.tcb.snd_nxt - 1 != c.tcb.iss && !c.our_fin_sent();
    let payload = match ctx.config.probe_style {
        ProbeStyle::OneOctet if text_at => vec![0],
        ProbeStyle::OneOctet | ProbeStyle::StaleSequence => Vec::new(),
    };
    let seg = c.segment(now, c.tcb.snd_nxt - 1, TcpFlags::EMPTY, payload);
    c.out.push(seg);
    c.probes += 1;
    c.timers.keepalive = Some(now + interval);
    c.decide(now, at, "idle → keep-alive probe", None);
}

/// Linux `tcp_model_timeout`: how long `retries` retransmissions take when the RTO starts at
/// `base` and doubles up to `max`.
pub fn model_timeout(retries: u8, base: std::time::Duration, max: std::time::Duration) -> std::time::Duration {
    let base_ms = base.as_millis().max(1) as u64;
    let max_ms = max.as_millis() as u64;
    let thresh = u64::from((max_ms / base_ms).max(1).ilog2());
    let retries = u64::from(retries);
    let ms = if retries <= thresh {
        ((2u64 << retries) - 1) * base_ms
    } else {
        ((2u64 << thresh) - 1) * base_ms + (retries - thresh) * max_ms
    };
    std::time::Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::model_timeout;
    use std::time::Duration;

    #[test]
    fn model_timeout_matches_linux() {
        let s = Duration::from_secs;
        // SYN: initial RTO 1 s, RTO max 120 s.
        assert_eq!(model_timeout(1, s(1), s(120)), s(3));
        assert_eq!(model_timeout(2, s(1), s(120)), s(7));
        assert_eq!(model_timeout(6, s(1), s(120)), s(127));
        // tcp_retries2 = 15 from 200 ms: 924.6 s (Linux's documented ~924 s).
        assert_eq!(model_timeout(15, Duration::from_millis(200), s(120)), Duration::from_millis(924_600));
    }
}
