//! The vocabulary in which the stack explains itself: every decision names the RFC 9293 §3.10
//! step that made it, so a trace reads like the RFC (`3.10.7.4/2 RST in window, not RCV.NXT →
//! challenge ACK`). The oracle and the fuzzers' transition coverage use the same `Step`s.

use crate::state::State;
use crate::time::Instant;
use core::fmt;
use std::net::SocketAddr;

/// The check of §3.10.7.4 ("Otherwise", the synchronized and SYN-RECEIVED states), in order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Check {
    /// first, check sequence number
    Sequence = 1,
    /// second, check the RST bit
    Rst = 2,
    /// third, check security
    Security = 3,
    /// fourth, check the SYN bit
    Syn = 4,
    /// fifth, check the ACK field
    Ack = 5,
    /// sixth, check the URG bit
    Urg = 6,
    /// seventh, process the segment text
    Text = 7,
    /// eighth, check the FIN bit
    Fin = 8,
}

/// Which timer of §3.10.8 (and of RFC 1122 / RFC 6298 / RFC 9293 §3.8) fired.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TimerKind {
    User,
    Retransmission,
    TimeWait,
    DelayedAck,
    Persist,
    KeepAlive,
    FinWait2,
}

/// A step of RFC 9293 §3.10 event processing.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Step {
    /// §3.10.1 OPEN call.
    Open,
    /// §3.10.2 SEND call.
    Send,
    /// §3.10.3 RECEIVE call.
    Receive,
    /// §3.10.4 CLOSE call.
    Close,
    /// §3.10.5 ABORT call.
    Abort,
    /// §3.10.6 STATUS call.
    Status,
    /// §3.10.7.1 segment for a CLOSED (non-existent) connection.
    Closed,
    /// §3.10.7.2 LISTEN, step n (1 RST, 2 ACK, 3 SYN, 4 other).
    Listen(u8),
    /// §3.10.7.3 SYN-SENT, step n (1 ACK, 2 RST, 3 security, 4 SYN, 5 neither).
    SynSent(u8),
    /// §3.10.7.4 the other states, the nth check.
    Other(Check),
    /// §3.10.8 and the other timers.
    Timeout(TimerKind),
    /// Not a §3.10 step: a resource decision (backlog full, queue cap, …) the RFC leaves open.
    Resource,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Open => f.write_str("3.10.1"),
            Step::Send => f.write_str("3.10.2"),
            Step::Receive => f.write_str("3.10.3"),
            Step::Close => f.write_str("3.10.4"),
            Step::Abort => f.write_str("3.10.5"),
            Step::Status => f.write_str("3.10.6"),
            Step::Closed => f.write_str("3.10.7.1"),
            Step::Listen(n) => write!(f, "3.10.7.2/{n}"),
            Step::SynSent(n) => write!(f, "3.10.7.3/{n}"),
            Step::Other(c) => write!(f, "3.10.7.4/{}", *c as u8),
            Step::Timeout(t) => match t {
                TimerKind::User => f.write_str("3.10.8/user"),
                TimerKind::Retransmission => f.write_str("3.10.8/retransmission"),
                TimerKind::TimeWait => f.write_str("3.10.8/time-wait"),
                TimerKind::DelayedAck => f.write_str("3.8.6.3/delayed-ack"),
                TimerKind::Persist => f.write_str("3.8.6.1/persist"),
                TimerKind::KeepAlive => f.write_str("3.8.4/keep-alive"),
                TimerKind::FinWait2 => f.write_str("fin-wait-2-timeout"),
            },
            Step::Resource => f.write_str("resource"),
        }
    }
}

/// One recorded decision.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decision {
    pub at: Instant,
    /// (local, remote) of the connection, when there is one.
    pub local: Option<SocketAddr>,
    pub remote: Option<SocketAddr>,
    /// The state the decision was taken in.
    pub state: State,
    pub step: Step,
    /// What was decided, in words (`RST in window, not RCV.NXT → challenge ACK`).
    pub outcome: &'static str,
    /// The state afterwards, when it changed.
    pub next_state: Option<State>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.step, self.state, self.outcome)?;
        if let Some(next) = self.next_state {
            write!(f, " [{} → {}]", self.state, next)?;
        }
        Ok(())
    }
}
