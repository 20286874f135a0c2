//! Where the RFC 9293 state-transition oracle (issue 5) plugs in.

use super::check::Violation;
use super::input::Event;
use synack_stack::wire::TcpPacket;
use synack_stack::{Decision, Stack};

/// One event as the oracle will see it: what happened, what the stack sent and decided, and
/// the stack afterwards (read-only: `Stack::connections`).
pub struct Observation<'a> {
    pub event: &'a Event,
    pub sent: &'a [TcpPacket],
    pub decisions: &'a [Decision],
    pub stack: &'a Stack,
}

/// **Checks nothing yet.** This is the hook for issue 5's RFC 9293 oracle: once it exists,
/// it is called here after every event (fixture events included) and returns a violation
/// when the stack's response is not one RFC 9293 allows in that state. Until then it always
/// returns `Ok(())`, so the `state_machine` target finds panics, hangs and the invariants of
/// `check` — nothing that needs an oracle to judge.
pub fn oracle_check(_observation: &Observation) -> Result<(), Violation> {
    Ok(())
}
