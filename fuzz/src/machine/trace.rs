//! The trace explains every state change (what the oracle will read, issue 5): per 4-tuple,
//! the decisions of one event chain from the state before it to the state after it — each
//! decision is taken in the state the previous one left (RFC 9293 §3.3.2's diagram, one
//! edge at a time), and no connection changes state without a decision saying so.

use super::check::Violation;
use std::net::SocketAddr;
use synack_stack::{Decision, Stack, State};

type Tuple = (SocketAddr, SocketAddr);

/// The state of each 4-tuple's live (not CLOSED) connection.
pub fn snapshot(stack: &Stack) -> Vec<(Tuple, State)> {
    stack.connections().filter(|c| c.state != State::Closed).map(|c| ((c.local, c.remote), c.state)).collect()
}

fn state_of(snapshot: &[(Tuple, State)], tuple: Tuple) -> State {
    snapshot.iter().find(|(t, _)| *t == tuple).map_or(State::Closed, |(_, s)| *s)
}

/// Checks the event's `decisions` against the states `before` and after it; returns the
/// 4-tuples whose connection went through CLOSED during the event (a later connection on
/// them is a new incarnation).
pub fn check(before: &[(Tuple, State)], decisions: &[Decision], stack: &Stack) -> Result<Vec<Tuple>, Violation> {
    let after = snapshot(stack);
    let mut tuples: Vec<Tuple> = decisions.iter().filter_map(|d| Some((d.local?, d.remote?))).collect();
    tuples.extend(before.iter().chain(&after).map(|(t, _)| *t));
    tuples.sort();
    tuples.dedup();
    let mut closed = Vec::new();
    for tuple in tuples {
        let mut state = state_of(before, tuple);
        if state == State::Closed {
            closed.push(tuple);
        }
        for d in decisions.iter().filter(|d| d.local == Some(tuple.0) && d.remote == Some(tuple.1)) {
            // After CLOSED a new incarnation may start: a passive one is created in LISTEN.
            let fresh = state == State::Closed && d.state == State::Listen;
            if d.state != state && !fresh {
                return Err(Violation::new(format!(
                    "trace: decision \"{d}\" on {} → {} was taken in {}, but the connection was in {state}",
                    tuple.0, tuple.1, d.state
                )));
            }
            state = d.next_state.unwrap_or(d.state);
            if state == State::Closed && closed.last() != Some(&tuple) {
                closed.push(tuple);
            }
        }
        let end = state_of(&after, tuple);
        if state != end {
            return Err(Violation::new(format!(
                "trace: the decisions on {} → {} end in {state}, but the connection is in {end}",
                tuple.0, tuple.1
            )));
        }
    }
    Ok(closed)
}
