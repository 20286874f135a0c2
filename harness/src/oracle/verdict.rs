//! What the oracle reports: a [`Finding`] names the connection, the TCB state, the RFC 9293
//! §3.10 step (in the reference stack's [`Step`] vocabulary), the requirement ID where the
//! table has one, what an RFC-conformant stack would have done and what happened, and where
//! in the trace.

use super::profile::Deviation;
use core::fmt;
use serde_json::{json, Value};
use std::time::Duration;
use synack_stack::{State, Step};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// No RFC-conformant stack could have produced the trace.
    Violation,
    /// Only a deviation the profile permits explains the trace (reported once per trace).
    Permitted,
    /// A SHOULD the stack did not follow (requirement IDs `SHLD-n`): reported, not a
    /// violation.
    Advisory,
    /// Something the oracle could not judge (e.g. a connection joined mid-stream).
    Note,
}

impl Severity {
    /// `violation`, `permitted`, `note`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Violation => "violation",
            Severity::Permitted => "permitted",
            Severity::Advisory => "advisory",
            Severity::Note => "note",
        }
    }
}

/// The check that produced a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A reply the RFC calls for (a RST, a challenge ACK, a SYN-ACK) was not sent.
    MissingReply,
    /// MUST-40: received text or a FIN was not acknowledged within the delayed-ACK bound.
    AckDelay,
    /// A segment the connection's state does not allow.
    Unexpected,
    /// A RST that no event explains, or at a sequence number the peer would not accept.
    UnexplainedReset,
    /// An ACK that does not cover text or a FIN that must have been accepted.
    AckTooLow,
    /// An ACK of octets that were never received inside the window.
    AckTooHigh,
    /// New data beyond the right edge of the peer's window.
    BeyondPeerWindow,
    /// Text or a FIN after the FIN already sent.
    AfterFin,
    /// A sequence number outside what has been sent.
    SequenceOutOfRange,
    /// MUST-19: a retransmission timer that did not back off.
    Backoff,
    /// An option where the RFCs forbid it (MSS on a non-SYN, WS/TS/SACK not negotiated).
    Options,
    /// MUST-16: a segment larger than the peer's MSS allows.
    SegmentSize,
    /// MUST-2: a bad TCP checksum on a segment the stack sent.
    Checksum,
    /// A synchronized connection's segment without the ACK bit.
    AckBitMissing,
    /// MAY-2: a connection reopened from TIME-WAIT with an ISN that is not larger.
    TimeWaitIsn,
    /// RECEIVE returned more text than may have arrived in sequence (§3.10.3, §3.10.7.4).
    ReceivedNotArrived,
    /// RECEIVE reported end-of-data before the peer's FIN arrived in sequence (MUST-12).
    EndOfDataEarly,
    /// A call reported "connection reset", "refused" or "closing" with nothing to explain it
    /// (MUST-12).
    UnexplainedError,
    /// SEND succeeded after the user's CLOSE of the sending side (§3.10.2).
    SendAfterClose,
    /// A keep-alive the application did not ask for, or before the interval (§3.8.4).
    KeepAlive,
    /// A permitted deviation was used.
    Deviation,
    /// The oracle lost track of a connection and stopped judging it.
    LostTrack,
    /// A capture joined the connection mid-stream: judged from the stack's first ACK.
    JoinedMidStream,
}

impl Rule {
    /// A short stable name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::MissingReply => "missing-reply",
            Rule::AckDelay => "ack-delay",
            Rule::Unexpected => "unexpected-segment",
            Rule::UnexplainedReset => "unexplained-reset",
            Rule::AckTooLow => "ack-too-low",
            Rule::AckTooHigh => "ack-too-high",
            Rule::BeyondPeerWindow => "beyond-peer-window",
            Rule::AfterFin => "after-fin",
            Rule::SequenceOutOfRange => "sequence-out-of-range",
            Rule::Backoff => "backoff",
            Rule::Options => "options",
            Rule::SegmentSize => "segment-size",
            Rule::Checksum => "checksum",
            Rule::AckBitMissing => "ack-bit-missing",
            Rule::TimeWaitIsn => "time-wait-isn",
            Rule::ReceivedNotArrived => "received-not-arrived",
            Rule::EndOfDataEarly => "end-of-data-early",
            Rule::UnexplainedError => "unexplained-error",
            Rule::SendAfterClose => "send-after-close",
            Rule::KeepAlive => "keep-alive",
            Rule::Deviation => "deviation",
            Rule::LostTrack => "lost-track",
            Rule::JoinedMidStream => "joined-mid-stream",
        }
    }
}

/// One verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Violation, permitted deviation, or note.
    pub severity: Severity,
    /// The check.
    pub rule: Rule,
    /// `local → remote`, from the judged endpoint.
    pub connection: String,
    /// The state the connection was in (as far as the oracle could tell).
    pub state: State,
    /// The §3.10 step the rule belongs to.
    pub step: Option<Step>,
    /// The RFC 9293 requirement ID, where the table has one.
    pub requirement: Option<&'static str>,
    /// What an RFC-conformant stack would have done.
    pub expected: String,
    /// What happened.
    pub happened: String,
    /// Index of the event in the trace (or packet number in a capture, from 0).
    pub event: usize,
    /// Time of that event from the trace's start.
    pub at: Duration,
    /// For [`Severity::Permitted`]: the deviation.
    pub deviation: Option<Deviation>,
    /// How often the same rule fired on this connection (the first is reported).
    pub occurrences: u32,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity.name(), self.rule.name())?;
        if let Some(step) = self.step {
            write!(f, " §{step}")?;
        }
        write!(f, " {}", self.state)?;
        if let Some(id) = self.requirement {
            write!(f, " [{id}]")?;
        }
        if let Some(d) = self.deviation {
            write!(f, " ({}: {})", d.name(), d.rule())?;
        }
        write!(f, " {} at #{} ({:.6} s): expected {}; happened {}", self.connection, self.event, self.at.as_secs_f64(), self.expected, self.happened)?;
        if self.occurrences > 1 {
            write!(f, " (×{})", self.occurrences)?;
        }
        Ok(())
    }
}

impl Finding {
    /// The finding as a JSON object (the `"oracle"` entries of the reports).
    pub fn json(&self) -> Value {
        json!({
            "severity": self.severity.name(),
            "rule": self.rule.name(),
            "connection": self.connection,
            "state": self.state.rfc_name(),
            "step": self.step.map(|s| s.to_string()),
            "requirement": self.requirement,
            "expected": self.expected,
            "happened": self.happened,
            "event": self.event,
            "at_seconds": self.at.as_secs_f64(),
            "deviation": self.deviation.map(Deviation::name),
            "occurrences": self.occurrences,
        })
    }
}

/// Whether any finding is a violation.
pub fn any_violation(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Violation)
}
