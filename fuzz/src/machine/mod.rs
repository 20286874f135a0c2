//! `state_machine`: sequences of events against the reference stack.
//!
//! An [`Input`] names a fixture (LISTEN, ESTABLISHED passive or active, the closing states …,
//! reached through ordinary events), a few configuration bits, then up to
//! [`input::MAX_EVENTS`] events: inbound segments built relative to the current TCB (any of
//! the twelve flag bits, options well-formed or not, text of any length), socket calls and
//! clock advances. After every event [`check`] tests the invariants that need no oracle and
//! every decision feeds [`coverage`]. The RFC 9293 oracle ([`oracle`], fed every segment in
//! and out and every socket call) judges the stack's responses too: a violation it finds —
//! after an event, or at the end of the run for a reply still owed — is a finding
//! (`SYNACK_FUZZ_ORACLE=0` leaves the invariants alone).

pub mod check;
pub mod coverage;
pub mod driver;
pub mod encode;
pub mod fixture;
pub mod input;
pub mod oracle;
pub mod peer;
pub mod prepared;
pub mod trace;

pub use check::Violation;
pub use input::Input;

use driver::Driver;
use input::{Event, Fixture};
use synack_stack::{Decision, State};

/// Runs `input`; `on_decision` sees every decision the stack records, in order (the fixture's
/// first). The fixture is walked once per (fixture, knobs) and cloned for each input (see
/// [`prepared`]): the same stack, monitor and oracle state, the same decisions, the same
/// violation if the fixture itself breaks an invariant.
pub fn run(input: &Input, on_decision: &mut dyn FnMut(&Decision)) -> Result<(), Violation> {
    let d = prepared::start(input.fixture, input.knobs, on_decision)?;
    run_events(d, &input.events, &mut |d: &Driver, _: &Event, _: bool| d.decisions.iter().for_each(&mut *on_decision))
}

/// Runs `input`, calling `observe` after every event (fixture events included, flagged
/// `true`) with the driver as the event left it — also when the event broke an invariant,
/// before the violation is returned. The fixture is walked afresh.
pub fn run_observed(input: &Input, observe: &mut dyn FnMut(&Driver, &Event, bool)) -> Result<(), Violation> {
    let d = walk_fixture(input.fixture, input.knobs, observe)?;
    run_events(d, &input.events, observe)
}

/// A fresh driver walked through `fixture`'s events, checked to end where the fixture says.
pub fn walk_fixture(fixture: Fixture, knobs: input::Knobs, observe: &mut dyn FnMut(&Driver, &Event, bool)) -> Result<Driver, Violation> {
    let mut d = Driver::new(knobs);
    let active = matches!(fixture, Fixture::SynSent | Fixture::EstablishedActive);
    if !active {
        d.add_listener_slots();
    }
    let (setup, expect) = fixture::events(fixture, knobs);
    for (i, event) in setup.iter().enumerate() {
        if let Some(o) = &mut d.oracle {
            o.step(i, true);
        }
        step(&mut d, event, true, observe).map_err(|v| v.during(&format!("fixture {fixture:?}, step {i}")))?;
    }
    d.add_listener_slots();
    let reached = match expect {
        Some(State::Listen) => d.apps.iter().any(|a| d.stack.state(a.fd) == Ok(State::Listen)).then_some(State::Listen),
        Some(_) => d.slots.first().and_then(|s| d.slot_conn(*s)).map(|c| c.state),
        None => None,
    };
    if reached != expect {
        return Err(Violation::new(format!("fixture {fixture:?} ended in {reached:?}, not {expect:?}")));
    }
    Ok(d)
}

/// The input's own events, from where the fixture left `d`; then the oracle's end of run.
fn run_events(mut d: Driver, events: &[Event], observe: &mut dyn FnMut(&Driver, &Event, bool)) -> Result<(), Violation> {
    for (i, event) in events.iter().enumerate() {
        if let Some(o) = &mut d.oracle {
            o.step(i, false);
        }
        step(&mut d, event, false, observe).map_err(|v| v.during(&format!("event {i}: {event:?}")))?;
    }
    d.oracle.map_or(Ok(()), |o| o.finish(d.now))
}

fn step(d: &mut Driver, event: &Event, fixture: bool, observe: &mut dyn FnMut(&Driver, &Event, bool)) -> Result<(), Violation> {
    let result = d.step(event);
    observe(d, event, fixture);
    result?;
    d.oracle.as_mut().map_or(Ok(()), oracle::Feed::new_violation)
}
