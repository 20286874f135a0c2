//! Keep-alives (RFC 9293 §3.8.4): off unless the application asked for them (MUST-24,
//! MUST-25), sent only when no sent data is outstanding and nothing has been received for the
//! interval (MUST-26), an interval the application may set (MUST-27) that defaults to no less
//! than two hours (MUST-28; Linux `tcp_keepalive_time`, `TCP_KEEPIDLE`).
//!
//! A keep-alive is told from the stack's other segments by its shape: no SYN, FIN or RST, in
//! sequence space the peer has already acknowledged (SND.UNA-1 or SND.NXT-1, zero or one
//! octet, SHLD-12/MAY-6), sent by a synchronized connection with nothing outstanding to a
//! peer whose window is open — with a closed window the same segment is a zero-window probe
//! (MUST-36), which the persist timer sends without any of these conditions. The worlds
//! bound the peer's window only from above, so a connection whose peer ever offered a zero
//! window is not judged (the caller's part).
//!
//! The rules hold only where the user's calls are seen (not in a capture read offline): an
//! application may enable keep-alives and set their interval on any socket, so the oracle
//! takes the trace's most permissive setting — any `SO_KEEPALIVE` on, the shortest
//! `TCP_KEEPIDLE` — for every connection (Linux's accepted sockets inherit the listener's).

use super::checks::Static;
use super::profile::OracleProfile;
use super::segment::Seg;
use super::verdict::Rule;
use super::world::World;
use std::time::Duration;
use synack_stack::decision::TimerKind;
use synack_stack::{SeqNum, Step};

/// What the application's calls asked for, over the whole trace.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Asked {
    /// Some `SO_KEEPALIVE` was turned on.
    pub on: bool,
    /// The shortest `TCP_KEEPIDLE` set (it replaces the system default for its socket).
    pub idle: Option<Duration>,
}

impl Asked {
    /// Follows a user call as the script wrote it, e.g.
    /// `setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4)` or `… TCP_KEEPIDLE, [60], 4)`.
    pub fn user_call(&mut self, call: &str) {
        if let Some(v) = option_value(call, "SO_KEEPALIVE") {
            self.on |= v != 0;
        }
        if let Some(secs) = option_value(call, "TCP_KEEPIDLE") {
            let d = Duration::from_secs(secs);
            self.idle = Some(self.idle.map_or(d, |i| i.min(d)));
        }
    }
}

/// The value in brackets after `name` in `call` (`SO_KEEPALIVE, [1]` → 1).
fn option_value(call: &str, name: &str) -> Option<u64> {
    let rest = &call[call.find(name)? + name.len()..];
    let open = rest.find('[')?;
    let close = rest[open..].find(']')? + open;
    rest[open + 1..close].trim().parse().ok()
}

/// Whether `s`, sent by a connection whose worlds are `worlds`, is a keep-alive (see the
/// module's doc): every world must agree, so that a world where it is a zero-window probe or
/// a retransmission keeps it from being judged as one.
pub(crate) fn is_keepalive(worlds: &[World], s: &Seg) -> bool {
    !worlds.is_empty() && worlds.iter().all(|w| keepalive_below(w, s, w.una))
}

/// Whether `s` may be a keep-alive in world `w`, whose SND.UNA may be as high as its upper
/// bound (an ACK the stack may or may not have taken).
pub(crate) fn may_be_keepalive(w: &World, s: &Seg) -> bool {
    keepalive_below(w, s, w.una_hi)
}

/// Whether `s` is a keep-alive if SND.UNA is `una`: an ACK with no more than one octet,
/// below SND.UNA, with nothing outstanding and the peer's window open.
fn keepalive_below(w: &World, s: &Seg, una: SeqNum) -> bool {
    !(s.flags.syn() || s.flags.fin() || s.flags.rst())
        && s.has_ack()
        && s.len <= 1
        && w.state.is_synchronized()
        && una == w.snd_max
        && w.fin_seq.is_none()
        && w.cur_edge.after(una)
        && s.seq.before(una)
        && (s.seq + s.len).before_or_eq(una)
}

/// The rule a keep-alive sent at `now` (ns) breaks, if any. `last_in` is when the
/// connection last took a segment (ns); `skew` the time a stack may take to see it.
pub(crate) fn check(asked: &Asked, profile: &OracleProfile, last_in: Option<u64>, now: u64, skew: u64) -> Option<Static> {
    let step = Some(Step::Timeout(TimerKind::KeepAlive));
    if !asked.on {
        let e = "no keep-alive: they are off unless the application turns them on (SO_KEEPALIVE)";
        return Some(Static { rule: Rule::KeepAlive, step, req: Some("MUST-25"), expected: e.to_string(), deviation: None });
    }
    let idle = asked.idle.map_or(profile.keepalive_idle, |d| d.min(profile.keepalive_idle));
    let since = now.saturating_sub(last_in?);
    let idle_ns = u64::try_from(idle.as_nanos()).unwrap_or(u64::MAX);
    (since.saturating_add(skew) < idle_ns).then(|| {
        let e = format!(
            "no keep-alive before {:.3} s without receiving anything (the interval; {:.3} s have passed)",
            idle.as_secs_f64(),
            since as f64 / 1e9
        );
        Static { rule: Rule::KeepAlive, step, req: Some("MUST-26"), expected: e, deviation: None }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_calls() {
        let mut a = Asked::default();
        a.user_call("setsockopt(4, IPPROTO_TCP, TCP_KEEPIDLE, [60], 4)");
        assert!(!a.on);
        a.user_call("setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4)");
        a.user_call("setsockopt(5, IPPROTO_TCP, TCP_KEEPIDLE, [7], 4)");
        a.user_call("setsockopt(5, IPPROTO_TCP, TCP_KEEPIDLE, [30], 4)");
        a.user_call("setsockopt(5, IPPROTO_TCP, TCP_KEEPINTVL, [1], 4)");
        assert!(a.on);
        assert_eq!(a.idle, Some(Duration::from_secs(7)));
        a.user_call("setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [0], 4)");
        assert!(a.on, "the most permissive setting of the trace");
    }

    #[test]
    fn the_interval_is_measured_from_the_last_segment_received() {
        let p = OracleProfile::linux();
        let a = Asked { on: true, idle: Some(Duration::from_secs(1)) };
        let s = 1_000_000_000;
        assert!(check(&a, &p, Some(0), s, 0).is_none());
        assert_eq!(check(&a, &p, Some(1), s, 0).map(|f| f.req), Some(Some("MUST-26")));
        assert!(check(&a, &p, Some(1), s, 10).is_none(), "within the skew");
        let default = Asked { on: true, idle: None };
        assert_eq!(check(&default, &p, Some(0), 3600 * s, 0).map(|f| f.req), Some(Some("MUST-26")), "two hours by default (MUST-28)");
        assert!(check(&default, &p, Some(0), 7200 * s, 0).is_none());
        assert_eq!(check(&Asked::default(), &p, Some(0), 7200 * s, 0).map(|f| f.req), Some(Some("MUST-25")));
    }
}
