//! The stack under test, as the runner sees it: packets in and out, socket calls, a clock,
//! a `TCP_INFO` snapshot and backtick commands. One implementation per kind of stack:
//! [`reference`] runs synack's own stack in-process on a virtual clock.
//!
//! The trait is the only thing the runner knows about a stack, so a new stack under test is a
//! new implementation of it; everything script-related (relative sequence numbers, matching,
//! timing, reports) stays in the runner.

pub mod call;
pub mod linux;
pub mod reference;

pub use call::{Call, CallOutput, PollFd, Returned};

use crate::mode::IpMode;
use crate::trace::TraceKind;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;
use std::collections::BTreeMap;

/// `TCP_INFO` values by field name without the `tcpi_` prefix (`snd_cwnd`, …).
pub type InfoValues = BTreeMap<String, i64>;

/// What a backend needs to know to set up a run.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The IP mode.
    pub mode: IpMode,
    /// The stack under test's address (on the wire).
    pub local_ip: IpAddr,
    /// The address the script's packets come from.
    pub remote_ip: IpAddr,
    /// Prefix length of the local address (the on-link subnet a backend may configure).
    pub local_prefix: u8,
    /// Prefix length of the route to the remote address.
    pub remote_prefix: u8,
    /// The script's directory: the working directory of its backtick commands.
    pub script_dir: PathBuf,
    /// What the set-up decided that the trace should say (e.g. an ignored option).
    pub notes: Vec<String>,
}

/// A packet the stack emitted, with the time it left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    /// Time since the run started.
    pub at: Duration,
    /// The whole IP packet.
    pub bytes: Vec<u8>,
}

/// What became of a system call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned at once.
    Returned(Returned),
    /// It blocks; [`Backend::take_completion`] reports when it returns.
    Blocked,
    /// This backend cannot execute it; the message says what is missing.
    Unsupported(String),
}

/// A blocked call that has returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// When it returned (time since the run started).
    pub at: Duration,
    /// What it returned.
    pub returned: Returned,
}

/// What became of a backtick command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandOutcome {
    /// Done; the text says what it did (for the trace).
    Done(String),
    /// This backend cannot run it (e.g. a shell command on an in-process stack).
    Unsupported(String),
    /// It ran and failed: an environment error, with the reason.
    Failed(String),
}

/// A failure of the backend itself (not of the stack under test).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendError {
    /// The backend cannot do this at all (e.g. inject ICMP into a TCP-only stack).
    Unsupported(String),
    /// The environment broke (I/O error, device gone, …).
    Environment(String),
}

/// Protocol features a stack may lack; scripts that use one are reported as unsupported
/// rather than failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// TCP Fast Open (RFC 7413): FO options, MSG_FASTOPEN, TCP_FASTOPEN.
    FastOpen,
    /// Processing ICMP errors about its segments (RFC 9293 §3.9.2 / RFC 5927).
    Icmp,
}

/// A stack under test.
pub trait Backend {
    /// Whether the stack lacks `feature`.
    fn lacks(&self, feature: Feature) -> bool {
        let _ = feature;
        false
    }

    /// The name shown in reports, e.g. `reference/linux`.
    fn name(&self) -> String;

    /// Time since the run started.
    fn now(&self) -> Duration;

    /// Makes now the script's time 0 (called before the first event, after the script's
    /// init command, which packetdrill runs before the script's clock starts). A real clock
    /// may wait a little first, to start on a kernel tick. A virtual clock has nothing to do.
    fn restart_clock(&mut self) {}

    /// Lets the stack run until `deadline` or until it emits a packet, whichever comes
    /// first. Returns that packet (the clock then stands at its time), or `None` with the
    /// clock at `deadline`. Packets are returned in the order they were emitted.
    fn next_outbound(&mut self, deadline: Duration) -> Result<Option<Emitted>, BackendError>;

    /// Delivers a whole IP packet to the stack now.
    fn inject(&mut self, packet: &[u8]) -> Result<(), BackendError>;

    /// Makes a system call now.
    fn call(&mut self, call: &Call) -> CallOutcome;

    /// The return of the blocked call, once it has returned (reported once).
    fn take_completion(&mut self) -> Option<Completion>;

    /// A `TCP_INFO` snapshot of a socket, now: field names without the `tcpi_` prefix.
    fn tcp_info(&mut self, fd: i32) -> Result<InfoValues, String>;

    /// Runs a backtick command now.
    fn command(&mut self, text: &str) -> CommandOutcome;

    /// Events the backend observed since the last call (stack decisions, state changes,
    /// notes), with their times, for the trace.
    fn take_events(&mut self) -> Vec<(Duration, TraceKind)>;
}
