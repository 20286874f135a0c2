//! What the oracle knows about a whole trace rather than one connection: the profile, the
//! findings so far, the application's last calls (which explain a stack's initiatives), the
//! listeners and handshakes seen, the RFC 5961 §7 global throttle, and the coverage.

use super::context::Cx;
use super::keepalive;
use super::profile::OracleProfile;
use super::verdict::{Finding, Rule};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use synack_stack::Step;

/// What all connections of a trace share.
#[derive(Clone)]
pub(crate) struct Global {
    pub profile: OracleProfile,
    pub permitted: u32,
    pub findings: Vec<Finding>,
    pub dedupe: HashMap<(usize, Rule, Option<Step>), usize>,
    /// Deviations already reported.
    pub reported: u32,
    /// Times of ACKs that answered invalid segments (RFC 5961 §7, all connections).
    pub stamps: VecDeque<u64>,
    pub last_user_call: Option<u64>,
    pub last_close: Option<u64>,
    /// The last §3.10.4 CLOSE of the sending side seen: close(), or shutdown() other than
    /// SHUT_RD (which sends no FIN).
    pub last_send_close: Option<u64>,
    /// The last user ABORT seen (a call named `abort`).
    pub last_abort: Option<u64>,
    /// The last close() seen (not shutdown()): ABORT when received text is unread (SHLD-3).
    pub last_close_fd: Option<u64>,
    /// The last close of the receiving side seen: close(), or shutdown() with SHUT_RD or
    /// SHUT_RDWR — the application reads no more (SHLD-3's "half-duplex" close).
    pub last_rcv_close: Option<u64>,
    /// User calls seen, and the count at the last listen() and the last close() (0: none):
    /// they order calls against a connection's segments within one instant.
    pub calls: u64,
    pub last_listen_call: u64,
    pub last_close_call: u64,
    /// Local endpoints seen answering a SYN with a SYN-ACK.
    pub listeners: Vec<SocketAddr>,
    /// Passive connections (local, remote, IRS) whose handshake may have completed: each may
    /// wait in its listener's accept queue.
    pub handshakes: Vec<(SocketAddr, SocketAddr, synack_stack::SeqNum)>,
    /// Something other than TCP reached the stack (an ICMP error may then explain a socket
    /// error such as ECONNREFUSED).
    pub foreign_in: bool,
    /// A user timeout was set (TCP_USER_TIMEOUT): a connection may be given up on before any
    /// retransmission shows.
    pub user_timeout: bool,
    /// What the user's calls asked of keep-alives (§3.8.4).
    pub keepalive: keepalive::Asked,
    /// When the first segment was seen.
    pub first: u64,
    /// §3.10 steps whose rules were applied.
    pub steps: Vec<Step>,
    /// Requirement IDs whose rules were evaluated.
    pub reqs: Vec<&'static str>,
}

impl Global {
    pub(crate) fn new(profile: OracleProfile) -> Global {
        Global {
            permitted: profile.permitted_bits(),
            profile,
            findings: Vec::new(),
            dedupe: HashMap::new(),
            reported: 0,
            stamps: VecDeque::new(),
            last_user_call: None,
            last_close: None,
            last_send_close: None,
            last_abort: None,
            last_close_fd: None,
            last_rcv_close: None,
            calls: 0,
            last_listen_call: 0,
            last_close_call: 0,
            listeners: Vec::new(),
            handshakes: Vec::new(),
            foreign_in: false,
            user_timeout: false,
            keepalive: keepalive::Asked::default(),
            first: 0,
            steps: Vec::new(),
            reqs: Vec::new(),
        }
    }

    /// Notes that a step's rules were applied (coverage).
    pub(crate) fn hit(&mut self, step: Step) {
        if !self.steps.contains(&step) {
            self.steps.push(step);
        }
    }

    /// Notes that a requirement's rule was evaluated (coverage).
    pub(crate) fn covers(&mut self, id: &'static str) {
        if !self.reqs.contains(&id) {
            self.reqs.push(id);
        }
    }

    pub(super) fn reply_within(&self) -> u64 {
        Cx::nanos(self.profile.reply_within)
    }
}
