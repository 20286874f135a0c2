//! The record of one run: everything that went into the stack under test and everything that
//! came out, in time order. Reports (failure text, pcap, normalized snapshot text, JSON, JUnit)
//! and the oracle are all computed from a [`Trace`]; the runner writes nothing else.
//!
//! Packets are kept as the raw IP bytes that crossed the boundary, so a pcap of the run is
//! exact and every later reader parses them with the same `synack_stack::wire` code.

use crate::mode::IpMode;
use std::net::SocketAddr;
use std::time::Duration;
use synack_stack::{Decision, Errno, Shutdown, State};

/// One run of one script on one stack in one IP mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The script's path as the user gave it.
    pub script: String,
    /// The stack under test, e.g. `reference/linux`.
    pub stack: String,
    /// The IP mode of the run.
    pub mode: IpMode,
    /// Events in the order they happened (times never decrease).
    pub events: Vec<TraceEvent>,
}

/// Something that happened at a time during a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// Time since the script started (its time 0).
    pub at: Duration,
    /// The script line (1-based) that caused or expected this event, when there is one.
    pub line: Option<u32>,
    /// What happened.
    pub kind: TraceKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// A packet the script injected into the stack (a whole IP packet).
    Inbound(Vec<u8>),
    /// A packet the stack emitted (a whole IP packet).
    Outbound(Vec<u8>),
    /// A system call started; `call` is the call as the script wrote it.
    SyscallStart {
        /// The call, e.g. `accept(3, ..., ...)`.
        call: String,
    },
    /// A system call returned.
    SyscallReturn {
        /// The call, as in the matching [`TraceKind::SyscallStart`].
        call: String,
        /// The return value.
        value: i64,
        /// The errno name when the call failed, e.g. `EAGAIN`.
        errno: Option<String>,
    },
    /// A socket call's arguments and result in the form the oracle judges (recorded beside
    /// the [`TraceKind::SyscallReturn`] of the calls TCP's user interface is made of).
    Socket(SocketCall),
    /// A backtick command, and what the backend did with it.
    Command {
        /// The command text.
        text: String,
        /// What happened, e.g. `sysctl net.ipv4.tcp_sack=0 applied`.
        outcome: String,
    },
    /// A `%{ … }%` block was evaluated.
    Assertion {
        /// The block's text.
        text: String,
        /// `None` when it held; the reason when it did not.
        failure: Option<String>,
    },
    /// The TCP state of a socket changed (as observed by the backend).
    State {
        /// The socket.
        fd: i32,
        /// Its new state.
        state: State,
    },
    /// A decision the reference stack recorded (RFC 9293 §3.10 step and outcome).
    Decision(Decision),
    /// Something worth knowing that is neither input nor output (a mapped option, a
    /// per-socket fallback, …).
    Note(String),
    /// The run failed here; the message is the one reported.
    Failure(String),
}

/// A returned socket call, as the oracle reads it (RFC 9293 §3.10.1–6 with POSIX names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketCall {
    /// The descriptor the call was made on (the backend's own numbering).
    pub fd: i32,
    /// What was asked.
    pub op: SocketOp,
    /// When the call started (the event's time is its return).
    pub started: Duration,
    /// The return value: a count, a new descriptor, 0, or -1.
    pub value: i64,
    /// The error when `value` is -1.
    pub errno: Option<Errno>,
}

/// The socket calls the oracle judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketOp {
    /// `socket()`: the new descriptor is the value.
    Socket,
    /// `bind()` to this local address.
    Bind { local: SocketAddr },
    /// `listen()`.
    Listen,
    /// `connect()` (§3.10.1 active OPEN).
    Connect { remote: SocketAddr },
    /// `accept()`: the new descriptor is the value.
    Accept,
    /// `write()`/`send()`/`sendto()`/`sendmsg()` of `len` octets (§3.10.2 SEND); `to`: an
    /// address given with it (TCP Fast Open's `sendto()` connects).
    Send { len: usize, to: Option<SocketAddr> },
    /// `read()`/`recv()`/`recvmsg()` of up to `len` octets (§3.10.3 RECEIVE).
    Recv { len: usize, peek: bool },
    /// `shutdown()` (SHUT_WR is §3.10.4 CLOSE of the sending side).
    Shutdown { how: Shutdown },
    /// `close()`.
    Close,
}

impl Trace {
    /// An empty trace.
    pub fn new(script: impl Into<String>, stack: impl Into<String>, mode: IpMode) -> Trace {
        Trace {
            script: script.into(),
            stack: stack.into(),
            mode,
            events: Vec::new(),
        }
    }

    /// Appends an event.
    pub fn push(&mut self, at: Duration, line: Option<u32>, kind: TraceKind) {
        self.events.push(TraceEvent { at, line, kind });
    }

    /// The packets of the run in order, with their direction (`true` = inbound).
    pub fn packets(&self) -> impl Iterator<Item = (Duration, bool, &[u8])> {
        self.events.iter().filter_map(|e| match &e.kind {
            TraceKind::Inbound(b) => Some((e.at, true, b.as_slice())),
            TraceKind::Outbound(b) => Some((e.at, false, b.as_slice())),
            TraceKind::SyscallStart { .. }
            | TraceKind::SyscallReturn { .. }
            | TraceKind::Socket(_)
            | TraceKind::Command { .. }
            | TraceKind::Assertion { .. }
            | TraceKind::State { .. }
            | TraceKind::Decision(_)
            | TraceKind::Note(_)
            | TraceKind::Failure(_) => None,
        })
    }
}
