//! Fixtures walked once and cloned per input.
//!
//! Every input starts by walking a fresh stack into its fixture state (`fixture`): a few
//! segments and calls, the same for every input with the same (fixture, knobs). Here that walk
//! is done once per (fixture, knobs, planted bug on or off) and kept: the driver as the walk
//! left it, its oracle feed included (cloned per input: `Stack: Clone`, `Checker: Clone`),
//! every decision it recorded (replayed to the caller, so the transition counters see the
//! fixture as before), or the violation the walk ran into. What the fixture walk checks is
//! checked once, when it is walked; what a run sees after it is identical to a fresh walk
//! (the stack is deterministic: no clock but the driver's, ISNs from a fixed seed).
//!
//! What changes for libFuzzer: the walk's own code is no longer executed per input, so
//! its inline code counters no longer count it (the (state, step) counters still do).

use super::check::Violation;
use super::driver::{self, Driver};
use super::input::{Fixture, Knobs};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use synack_stack::Decision;

/// Most fixtures kept (then the cache starts again): each is a small stack, a few KiB.
const CAPACITY: usize = 4096;

struct Prepared {
    /// Every decision the walk recorded, in order.
    decisions: Vec<Decision>,
    /// The driver at the end of the walk, its oracle feed (if any) included.
    start: Result<Driver, Violation>,
}

type Key = (Fixture, u16, bool);

thread_local! {
    static CACHE: RefCell<HashMap<Key, Rc<Prepared>>> = RefCell::new(HashMap::new());
}

/// A driver in `fixture`'s state for `knobs`, as a fresh walk would leave it, after telling
/// `on_decision` the walk's decisions; or the violation the walk runs into.
pub fn start(fixture: Fixture, knobs: Knobs, on_decision: &mut dyn FnMut(&Decision)) -> Result<Driver, Violation> {
    let key = (fixture, knobs.0, driver::mutation_active());
    let p = match CACHE.with(|c| c.borrow().get(&key).cloned()) {
        Some(p) => p,
        None => {
            let p = Rc::new(prepare(fixture, knobs));
            CACHE.with(|c| {
                let mut c = c.borrow_mut();
                if c.len() >= CAPACITY {
                    c.clear();
                }
                c.insert(key, Rc::clone(&p));
            });
            p
        }
    };
    p.decisions.iter().for_each(on_decision);
    p.start.clone()
}

fn prepare(fixture: Fixture, knobs: Knobs) -> Prepared {
    let mut decisions = Vec::new();
    let start = super::walk_fixture(fixture, knobs, &mut |d: &Driver, _, _| decisions.extend_from_slice(&d.decisions));
    Prepared { decisions, start }
}
