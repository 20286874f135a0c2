//! (state, §3.10 step) transition coverage, fed to libFuzzer.
//!
//! libFuzzer's own coverage sees lines and branches of the stack: reaching `check_rst` in
//! ESTABLISHED and then in CLOSING is the same code, so the second input looks like nothing
//! new and is not kept. Here every [`Decision`] the stack records bumps an 8-bit counter for
//! its (state, step, next state) triple, and another for (state, outcome text). The counters
//! live in the `__libfuzzer_extra_counters` section, which libFuzzer (on Linux) reads after
//! each run like its own inline 8-bit counters: a triple never seen before — or seen a new
//! number of times, in libFuzzer's power-of-two buckets — is a new feature, and the input
//! that produced it is kept in the corpus. At start-up libFuzzer prints
//! `INFO: <n> Extra Counters`, which is how one sees the section was picked up. Outside a
//! fuzzer binary the counters are just unused memory.

use std::sync::atomic::{AtomicU8, Ordering};
use synack_stack::decision::{Check, TimerKind};
use synack_stack::{Decision, State, Step};

pub const STATES: usize = 11;
pub const STEPS: usize = 32;
/// "No change" plus the eleven states.
pub const NEXT: usize = 12;
pub const TRANSITIONS: usize = STATES * STEPS * NEXT;
/// Buckets for (state, outcome text) pairs.
pub const OUTCOMES: usize = 1024;

const ZERO: AtomicU8 = AtomicU8::new(0);

#[used]
#[link_section = "__libfuzzer_extra_counters"]
static COUNTERS: [AtomicU8; TRANSITIONS + OUTCOMES] = [ZERO; TRANSITIONS + OUTCOMES];

/// Counts one decision (saturating, so that a hot transition never wraps back to zero).
pub fn touch(d: &Decision) {
    let outcome = TRANSITIONS + outcome_bucket(d);
    for i in [transition_index(d), outcome] {
        if let Some(c) = COUNTERS.get(i) {
            let v = c.load(Ordering::Relaxed);
            c.store(v.saturating_add(1), Ordering::Relaxed);
        }
    }
}

/// The (state, step, next state) triple's slot.
pub fn transition_index(d: &Decision) -> usize {
    let next = d.next_state.map_or(0, |s| 1 + state_index(s));
    (state_index(d.state) * STEPS + step_index(d.step)) * NEXT + next
}

fn outcome_bucket(d: &Decision) -> usize {
    // The outcome is a `&'static str`: its address names it within this process (the
    // counters are read in the same process), so it is hashed instead of its text — FNV-1a
    // over every octet of the text was ~2% of the target's time. Two rounds of Fibonacci
    // hashing (the address and length, then the state), the top bits taken.
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let text = (d.outcome.as_ptr() as u64).wrapping_add(d.outcome.len() as u64).wrapping_mul(K);
    ((text ^ state_index(d.state) as u64).wrapping_mul(K) >> 40) as usize % OUTCOMES
}

pub fn state_index(s: State) -> usize {
    match s {
        State::Closed => 0,
        State::Listen => 1,
        State::SynSent => 2,
        State::SynReceived => 3,
        State::Established => 4,
        State::FinWait1 => 5,
        State::FinWait2 => 6,
        State::CloseWait => 7,
        State::Closing => 8,
        State::LastAck => 9,
        State::TimeWait => 10,
    }
}

/// Steps in §3.10 order: user calls, §3.10.7.1–4, timeouts, resource decisions.
pub fn step_index(step: Step) -> usize {
    match step {
        Step::Open => 0,
        Step::Send => 1,
        Step::Receive => 2,
        Step::Close => 3,
        Step::Abort => 4,
        Step::Status => 5,
        Step::Closed => 6,
        Step::Listen(n) => 7 + usize::from(n.clamp(1, 4) - 1),
        Step::SynSent(n) => 11 + usize::from(n.clamp(1, 5) - 1),
        Step::Other(check) => {
            16 + match check {
                Check::Sequence => 0,
                Check::Rst => 1,
                Check::Security => 2,
                Check::Syn => 3,
                Check::Ack => 4,
                Check::Urg => 5,
                Check::Text => 6,
                Check::Fin => 7,
            }
        }
        Step::Timeout(kind) => {
            24 + match kind {
                TimerKind::User => 0,
                TimerKind::Retransmission => 1,
                TimerKind::TimeWait => 2,
                TimerKind::DelayedAck => 3,
                TimerKind::Persist => 4,
                TimerKind::KeepAlive => 5,
                TimerKind::FinWait2 => 6,
            }
        }
        Step::Resource => 31,
    }
}
