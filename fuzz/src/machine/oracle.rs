//! The RFC 9293 oracle (`synack::oracle`, issue 5) as the `state_machine` target's judge.
//!
//! Every run has its own [`Checker`], fed as a trace would feed it: each segment the driver
//! injects (before the stack sees it), each segment the stack sends (at the virtual time it
//! was sent — a timer's segments at the timer's deadline, not at the end of the `Wait`), and
//! each socket call that can make the stack send something. The checker's profile follows
//! the stack's configuration ([`profile`]): a finding of severity *violation* is a finding of
//! the fuzzer; permitted deviations, advice and notes are not.
//!
//! Segments the stack never receives as its own are not fed: those addressed to another host
//! (`Delivery::OtherHost`) are not part of its trace.
//!
//! **On by default** (`SYNACK_FUZZ_ORACLE=0` turns it off, read once — to measure what it
//! costs, or to run on invariants alone). It was opt-in while it still reported false alarms
//! on fuzz inputs every few million executions; the one-hour `ci/fuzz-nightly` runs since,
//! from the seeds (oracle on, one core each), found none in 45.6 M executions (edge coverage),
//! one in 99.3 M (function coverage), fixed since, and none in 95.0 M (function coverage, the
//! final build). Every false alarm fixed so far has a
//! hand-fed trace in `harness/tests/oracle_fuzz_findings{.rs,/}` or, where none reproduced
//! it, its input in `fuzz/tests/oracle_reproducers/`; every stack bug the oracle found, a
//! ladder test in `stack/tests/fuzz_regressions.rs` (or the `stack/tests/matrix/` cell it
//! belongs to) and a `corpus/state_machine/regress-*` input. `fuzz/tests/reproducers.rs`
//! runs all of those inputs with the oracle on.

use super::check::Violation;
use std::time::Duration;
use synack::oracle::{Checker, Deviation, Finding, OracleProfile, Severity};
use synack_stack::{Config, Instant, Profile};

/// Whether the oracle judges runs: unless `SYNACK_FUZZ_ORACLE=0` (read once).
pub fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("SYNACK_FUZZ_ORACLE").map_or(true, |v| v != "0"))
}

/// The oracle's profile for a stack configured as `c`: RFC 9293 or Linux's permitted
/// deviations by the stack's profile, and the switches and bounds the configuration sets —
/// RFC 5961 (MAY-12), RFC 1337, RFC 5961 §7's throttles (Linux `tcp_challenge_ack_limit`,
/// `tcp_invalid_ratelimit`), TIME-WAIT's length, a FIN-WAIT-2 timeout (a deviation from RFC
/// 9293 §3.10.7.4, permitted when configured), Linux's linear SYN timeouts.
pub fn profile(c: &Config) -> OracleProfile {
    let mut p = match c.profile {
        Profile::Rfc9293 => OracleProfile::rfc9293(),
        Profile::Linux => OracleProfile::linux(),
    };
    p.rfc5961 = c.rfc5961;
    p.rfc1337 = c.rfc1337;
    p.challenge_interval = c.invalid_ratelimit;
    p.challenge_budget = Some((c.challenge_ack_limit, Duration::from_secs(1)));
    p.syn_linear_retries = u32::from(c.syn_linear_timeouts);
    p.keepalive_idle = c.keepalive_time;
    if c.time_wait < p.time_wait {
        p.short_time_wait = c.time_wait;
        permit(&mut p, Deviation::ShortTimeWait);
    }
    if let Some(t) = c.fin_wait_2_timeout {
        p.fin_wait_2_timeout = t;
        permit(&mut p, Deviation::FinWait2Timeout);
    }
    p
}

fn permit(p: &mut OracleProfile, d: Deviation) {
    if !p.permits(d) {
        p.permitted.push(d);
    }
}

/// One run's checker, and how far its findings have been looked at.
#[derive(Clone)]
pub struct Feed {
    checker: Checker,
    /// Findings already judged (the checker appends; a repeat only counts occurrences).
    seen: usize,
    /// The step being run: fixture steps first, then the input's events (see [`Feed::step`]).
    step: usize,
    fixture_steps: usize,
}

fn at(now: Instant) -> Duration {
    Duration::from_nanos(now.as_nanos())
}

impl Feed {
    pub fn new(config: &Config) -> Feed {
        Feed { checker: Checker::new(profile(config)), seen: 0, step: 0, fixture_steps: 0 }
    }

    /// Marks the start of a step: `fixture` steps are numbered first, the input's events after
    /// them, so that a finding's event index names one (see [`Feed::describe`]).
    pub fn step(&mut self, index: usize, fixture: bool) {
        if fixture {
            self.fixture_steps = self.fixture_steps.max(index + 1);
            self.step = index;
        } else {
            self.step = self.fixture_steps + index;
        }
    }

    /// A segment the peer sends to the stack (IP bytes), just before the stack gets it.
    pub fn inbound(&mut self, now: Instant, bytes: &[u8]) {
        // Non-TCP or unreadable bytes are ignored by the checker as by any trace reader.
        let _ = self.checker.packet(self.step, at(now), bytes, false);
    }

    /// A segment the stack sent at `now`.
    pub fn outbound(&mut self, now: Instant, bytes: &[u8]) {
        let _ = self.checker.packet(self.step, at(now), bytes, true);
    }

    /// A socket call (`"close"`, `"shutdown"`, …): a RST right after it may be an ABORT.
    pub fn user_call(&mut self, now: Instant, name: &str) {
        self.checker.user_call(at(now), name);
    }

    /// The first violation among the findings since the last look.
    pub fn new_violation(&mut self) -> Result<(), Violation> {
        let findings = self.checker.findings();
        let fresh = findings.get(self.seen..).unwrap_or_default();
        self.seen = findings.len();
        match fresh.iter().find(|f| f.severity == Severity::Violation) {
            Some(f) => Err(Violation::new(message(f))),
            None => Ok(()),
        }
    }

    /// Ends the run at `now`: a reply owed and overdue by then is a violation too.
    pub fn finish(self, now: Instant) -> Result<(), Violation> {
        let seen = self.seen;
        let describe = |f: &Finding| Feed::describe_step(f.event, self.fixture_steps);
        let findings = self.checker.finish(at(now));
        match findings.iter().skip(seen).find(|f| f.severity == Severity::Violation) {
            Some(f) => Err(Violation::new(format!("at the end of the run ({now:?}), a reply owed since {}: {}", describe(f), message(f)))),
            None => Ok(()),
        }
    }

    /// `fixture step 3` or `event 5`, for a finding's event index.
    fn describe_step(index: usize, fixture_steps: usize) -> String {
        match index.checked_sub(fixture_steps) {
            Some(event) => format!("event {event}"),
            None => format!("fixture step {index}"),
        }
    }
}

/// The finding as a violation message: rule, step, state, requirement, expected, happened.
fn message(f: &Finding) -> String {
    let step = f.step.map_or_else(|| "-".to_string(), |s| format!("§{s}"));
    format!(
        "oracle: {} {step} in {} [{}] on {}: expected {}; happened {}",
        f.rule.name(),
        f.state,
        f.requirement.unwrap_or("no requirement ID"),
        f.connection,
        f.expected,
        f.happened
    )
}
