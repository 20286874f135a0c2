//! Invariants that need no oracle, checked after every event (with `trace`, which checks
//! that the decisions explain every state change):
//!
//! - every emitted packet parses with good checksums, from the stack's address to the peer's
//!   (in `driver::collect`), and no timer due at `t` survives `handle_timeout(t)` (`driver`);
//! - SND.UNA =< SND.NXT; SND.UNA and (once synchronized) RCV.NXT never move back; a
//!   synchronized connection never becomes unsynchronized again (RFC 9293 §3.3.2, §3.4);
//! - text the stack sends lies at or below SND.NXT, and new text (beyond anything sent
//!   before) within the peer's window SND.UNA + SND.WND (§3.8.6), but for the one-octet
//!   zero-window probe (§3.8.6.1);
//! - the right edge of the window the stack advertises never moves left (§3.8.6, SHLD-14),
//!   but for the rounding of a scaled window field (RFC 7323 §2.3);
//! - data is where it belongs: every octet the stack sends is the one the application wrote
//!   for that sequence number (a keep-alive's garbage octet aside, RFC 9293 §3.8.4), and
//!   recv() returns the peer's octets in order, each once (checked in `driver`).

use super::peer::{first_wrong_octet, payload_byte};
use std::fmt;
use std::net::SocketAddr;
use synack_stack::connection::Connection;
use synack_stack::wire::TcpPacket;
use synack_stack::decision::TimerKind;
use synack_stack::{Decision, Instant, SeqNum, Stack, State, Step};

/// A broken invariant: what and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation(pub String);

impl Violation {
    pub fn new(what: String) -> Violation {
        Violation(what)
    }

    /// The same violation, saying when it happened.
    pub fn during(self, when: &str) -> Violation {
        Violation(format!("{when}: {}", self.0))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the monitor remembers of the live connection on one 4-tuple. It is forgotten when
/// the connection goes through CLOSED: a later one on the same 4-tuple is a new incarnation
/// (which may even have the same ISS, at the same instant of the ISN clock).
#[derive(Clone, Debug)]
struct Track {
    local: SocketAddr,
    remote: SocketAddr,
    snd_una: SeqNum,
    rcv_nxt: Option<SeqNum>,
    synchronized: bool,
    /// The highest sequence number (exclusive) of any text or FIN sent.
    max_end: SeqNum,
    /// The right edge of the receive window last advertised.
    edge: Option<SeqNum>,
}

#[derive(Clone, Default)]
pub struct Monitor {
    tracks: Vec<Track>,
}

fn err<T>(what: String) -> Result<T, Violation> {
    Err(Violation::new(what))
}

impl Monitor {
    /// `closed`: the 4-tuples whose connection went through CLOSED during the event.
    pub fn after_event(&mut self, stack: &Stack, sent: &[TcpPacket], decisions: &[Decision], closed: &[(SocketAddr, SocketAddr)], now: Instant) -> Result<(), Violation> {
        self.tracks.retain(|t| !closed.contains(&(t.local, t.remote)));
        for p in sent {
            let (src, dst) = (p.src(), p.dst());
            let on_tuple = |c: &&Connection| c.local == src && c.remote == dst;
            let live = stack.connections().filter(on_tuple).find(|c| c.state != State::Closed);
            // RFC 9293 §3.8.4: a keep-alive may carry one garbage octet (its sender may be gone
            // by the end of the event, when the probes ran out).
            let keepalive = |d: &Decision| d.step == Step::Timeout(TimerKind::KeepAlive) && d.local == Some(src);
            if !(p.tcp.payload == [0] && decisions.iter().any(keepalive)) {
                check_text(p)?;
            }
            if let Some(c) = live {
                let track = self.track(c);
                check_window(track, p, c, now)?;
            }
        }
        for c in stack.connections().filter(|c| c.state != State::Closed) {
            let track = self.track(c);
            check_tcb(track, c)?;
        }
        Ok(())
    }

    fn track(&mut self, c: &Connection) -> &mut Track {
        let same = |t: &Track| t.local == c.local && t.remote == c.remote;
        let i = match self.tracks.iter().position(same) {
            Some(i) => i,
            None => {
                self.tracks.push(Track {
                    local: c.local,
                    remote: c.remote,
                    snd_una: c.tcb.snd_una,
                    rcv_nxt: None,
                    synchronized: false,
                    max_end: c.tcb.iss + 1,
                    edge: None,
                });
                self.tracks.len() - 1
            }
        };
        &mut self.tracks[i]
    }
}

/// Every octet sent is the application's octet for that sequence number.
fn check_text(p: &TcpPacket) -> Result<(), Violation> {
    let s = &p.tcp;
    let start = s.seq + u32::from(s.flags.syn());
    match first_wrong_octet(&s.payload, start) {
        Some(k) => err(format!("the stack sent octet {} of SEQ {} as {:#04x}: the application wrote {:#04x} there ({:?})", start + k as u32, s.seq, s.payload[k], payload_byte(start + k as u32), s)),
        None => Ok(()),
    }
}

/// Text and FIN within what was sent and what the peer allows; the advertised edge.
fn check_window(t: &mut Track, p: &TcpPacket, c: &Connection, now: Instant) -> Result<(), Violation> {
    let s = &p.tcp;
    if s.flags.syn() || s.flags.rst() {
        return Ok(());
    }
    if s.flags.ack() {
        // RFC 7323 §2.3: the field is the window shifted right; rounding may cost < 2^shift.
        let shift = c.neg.rcv_scale.get();
        let edge = s.ack + (u32::from(s.window) << shift);
        if let Some(prev) = t.edge {
            let back = prev.since(edge);
            if back > 0 && back as u64 >= 1u64 << shift {
                return err(format!("at {now:?} the advertised window's right edge moved left from {prev} to {edge} (ACK {}, window {} << {shift}) in {}", s.ack, s.window, c.state));
            }
        }
        t.edge = Some(t.edge.map_or(edge, |prev| prev.latest(edge)));
    }
    let len = s.seg_len();
    if len == 0 {
        return Ok(());
    }
    let end = s.seq + len;
    if end.after(c.tcb.snd_nxt) {
        return err(format!("at {now:?} sent SEQ {}..{end} beyond SND.NXT {} in {}", s.seq, c.tcb.snd_nxt, c.state));
    }
    if end.after(t.max_end) {
        let right = c.tcb.snd_una + c.tcb.snd_wnd;
        // §3.8.6.1: a zero window is probed with one new octet.
        let probe = c.tcb.snd_wnd == 0 && end == t.max_end + 1;
        if end.after(right) && !probe {
            return err(format!(
                "at {now:?} sent new SEQ {}..{end} beyond the peer's window SND.UNA {} + SND.WND {} in {}",
                s.seq, c.tcb.snd_una, c.tcb.snd_wnd, c.state
            ));
        }
        t.max_end = end;
    }
    Ok(())
}

/// The TCB's own ordering, and what may only move forward.
fn check_tcb(t: &mut Track, c: &Connection) -> Result<(), Violation> {
    let tcb = &c.tcb;
    if !tcb.snd_una.before_or_eq(tcb.snd_nxt) {
        return err(format!("SND.UNA {} is after SND.NXT {} in {}", tcb.snd_una, tcb.snd_nxt, c.state));
    }
    if tcb.snd_una.before(t.snd_una) {
        return err(format!("SND.UNA moved back from {} to {} in {}", t.snd_una, tcb.snd_una, c.state));
    }
    t.snd_una = tcb.snd_una;
    if c.state.is_synchronized() {
        t.synchronized = true;
        if let Some(prev) = t.rcv_nxt.filter(|prev| tcb.rcv_nxt.before(*prev)) {
            return err(format!("RCV.NXT moved back from {prev} to {} in {}", tcb.rcv_nxt, c.state));
        }
        t.rcv_nxt = Some(tcb.rcv_nxt);
    } else if t.synchronized {
        return err(format!("a synchronized connection is in {} again", c.state));
    }
    Ok(())
}
