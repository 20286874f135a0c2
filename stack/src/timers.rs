//! A connection's timers (RFC 9293 §3.8, §3.10.8; RFC 6298; RFC 1122 §4.2.3): each one an
//! optional deadline on the virtual clock. Which one fires is decided in `timeouts`.

use crate::decision::TimerKind;
use crate::time::Instant;

#[derive(Clone, Debug, Default)]
pub struct Timers {
    pub retransmission: Option<Instant>,
    pub delayed_ack: Option<Instant>,
    pub persist: Option<Instant>,
    pub keepalive: Option<Instant>,
    pub time_wait: Option<Instant>,
    pub fin_wait_2: Option<Instant>,
    pub user: Option<Instant>,
}

impl Timers {
    fn all(&self) -> [(TimerKind, Option<Instant>); 7] {
        [
            (TimerKind::User, self.user),
            (TimerKind::TimeWait, self.time_wait),
            (TimerKind::FinWait2, self.fin_wait_2),
            (TimerKind::Retransmission, self.retransmission),
            (TimerKind::Persist, self.persist),
            (TimerKind::KeepAlive, self.keepalive),
            (TimerKind::DelayedAck, self.delayed_ack),
        ]
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        self.all().iter().filter_map(|(_, t)| *t).min()
    }

    /// The first timer due at `now` (in the order above: fatal timers first), disarmed.
    pub fn take_due(&mut self, now: Instant) -> Option<TimerKind> {
        let (kind, _) = self.all().into_iter().find(|(_, t)| t.is_some_and(|t| t <= now))?;
        *self.slot(kind) = None;
        Some(kind)
    }

    pub fn slot(&mut self, kind: TimerKind) -> &mut Option<Instant> {
        match kind {
            TimerKind::User => &mut self.user,
            TimerKind::Retransmission => &mut self.retransmission,
            TimerKind::TimeWait => &mut self.time_wait,
            TimerKind::DelayedAck => &mut self.delayed_ack,
            TimerKind::Persist => &mut self.persist,
            TimerKind::KeepAlive => &mut self.keepalive,
            TimerKind::FinWait2 => &mut self.fin_wait_2,
        }
    }

    pub fn clear(&mut self) {
        *self = Timers::default();
    }
}
