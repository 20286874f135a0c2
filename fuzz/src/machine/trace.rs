//! The trace explains every state change (what the oracle will read, issue 5): per 4-tuple,
//! the decisions of one event chain from the state before it to the state after it — each
//! decision is taken in the state the previous one left (RFC 9293 §3.3.2's diagram, one
//! edge at a time), and no connection changes state without a decision saying so.

use super::check::Violation;
use std::net::SocketAddr;
use synack_stack::{Decision, Stack, State};

type Tuple = (SocketAddr, SocketAddr);

/// The buffers [`check`] works in, kept from event to event (allocating them per event showed
/// in the target's profile): the states before the event, the 4-tuples it closed.
#[derive(Clone, Default)]
pub struct Scratch {
    before: Vec<(Tuple, State)>,
    after: Vec<(Tuple, State)>,
    tuples: Vec<Tuple>,
    closed: Vec<Tuple>,
}

impl Scratch {
    /// Notes the state of every live connection before an event.
    pub fn before(&mut self, stack: &Stack) {
        snapshot(stack, &mut self.before);
    }

    /// The 4-tuples whose connection went through CLOSED during the last event [`check`]ed.
    pub fn closed(&self) -> &[Tuple] {
        &self.closed
    }
}

/// The state of each 4-tuple's live (not CLOSED) connection, into `out`.
fn snapshot(stack: &Stack, out: &mut Vec<(Tuple, State)>) {
    out.clear();
    out.extend(stack.connections().filter(|c| c.state != State::Closed).map(|c| ((c.local, c.remote), c.state)));
}

fn state_of(snapshot: &[(Tuple, State)], tuple: Tuple) -> State {
    snapshot.iter().find(|(t, _)| *t == tuple).map_or(State::Closed, |(_, s)| *s)
}

/// Checks the event's `decisions` against the states before it (`scratch.before`) and after
/// it; `scratch.closed()` then holds the 4-tuples whose connection went through CLOSED during
/// the event (a later connection on them is a new incarnation).
pub fn check(scratch: &mut Scratch, decisions: &[Decision], stack: &Stack) -> Result<(), Violation> {
    let Scratch { before, after, tuples, closed } = scratch;
    snapshot(stack, after);
    // Every 4-tuple once, in order. Repeats that are cheap to see are left out before the
    // sort (a run of decisions on one tuple; a connection listed at the same place before
    // and after the event), which was a good part of this check's time.
    tuples.clear();
    for t in decisions.iter().filter_map(|d| Some((d.local?, d.remote?))) {
        if tuples.last() != Some(&t) {
            tuples.push(t);
        }
    }
    tuples.extend(before.iter().map(|(t, _)| *t));
    let same_place = |i: usize, t: &Tuple| before.get(i).is_some_and(|(b, _)| b == t);
    tuples.extend(after.iter().enumerate().filter(|(i, (t, _))| !same_place(*i, t)).map(|(_, (t, _))| *t));
    tuples.sort_unstable();
    tuples.dedup();
    closed.clear();
    for &tuple in tuples.iter() {
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
        let end = state_of(after, tuple);
        if state != end {
            return Err(Violation::new(format!(
                "trace: the decisions on {} → {} end in {state}, but the connection is in {end}",
                tuple.0, tuple.1
            )));
        }
    }
    Ok(())
}
