//! Turning what a connection's worlds could not explain into findings: one per rule and
//! step per connection (later ones count as occurrences), a permitted deviation once per
//! trace, and a connection given up on after too many.

use super::{Conn, MAX_FINDINGS};
use crate::oracle::global::Global;
use crate::oracle::checks::Static;
use crate::oracle::profile::Deviation;
use crate::oracle::verdict::{Finding, Rule, Severity};
use crate::oracle::world::Why;
use std::time::Duration;
use synack_stack::{State, Step};

/// A finding about to be recorded.
pub(super) struct Report<'a> {
    pub(super) severity: Severity,
    pub(super) rule: Rule,
    pub(super) state: State,
    pub(super) step: Option<Step>,
    pub(super) req: Option<&'static str>,
    pub(super) expected: String,
    pub(super) happened: &'a str,
    pub(super) event: usize,
    pub(super) at: u64,
    pub(super) deviation: Option<Deviation>,
}

impl Conn {
    /// A violation by a socket call's result on this connection.
    pub(crate) fn report_call(&mut self, g: &mut Global, rule: Rule, step: Step, req: Option<&'static str>, expected: String, happened: &str, ev: usize, now: u64) {
        let state = self.worlds.first().map_or(State::Closed, |w| w.state);
        let r = Report { severity: Severity::Violation, rule, state, step: Some(step), req, expected, happened, event: ev, at: now, deviation: None };
        self.record(g, r);
    }

    pub(super) fn give_up(&mut self, g: &mut Global, ev: usize, now: u64, why: &str) {
        self.gave_up = true;
        let state = self.worlds.first().map_or(State::Closed, |w| w.state);
        let r = Report {
            severity: Severity::Note,
            rule: Rule::LostTrack,
            state,
            step: None,
            req: None,
            expected: "a connection the oracle can follow".into(),
            happened: why,
            event: ev,
            at: now,
            deviation: None,
        };
        self.record(g, r);
    }

    pub(super) fn report_why(&mut self, g: &mut Global, why: &Why, ev: usize, now: u64, happened: &str) {
        let (event, at) = why.cause.unwrap_or((ev, now));
        let mut text = happened.to_string();
        if why.cause.is_some() && event != ev {
            text = format!("{happened} (the reply to event #{event})");
        }
        let r = Report {
            severity: Severity::Violation,
            rule: why.rule,
            state: why.state,
            step: why.step,
            req: why.req,
            expected: why.expect.render(),
            happened: &text,
            event: if why.cause.is_some() { event } else { ev },
            at: if why.cause.is_some() { at } else { now },
            deviation: None,
        };
        self.record(g, r);
    }

    pub(super) fn report_static(&mut self, g: &mut Global, f: Static, state: State, ev: usize, now: u64, happened: &str) {
        if let Some(d) = f.deviation {
            self.report_deviation(g, d, state, ev, now);
            return;
        }
        let r = Report {
            severity: Severity::Violation,
            rule: f.rule,
            state,
            step: f.step,
            req: f.req,
            expected: f.expected,
            happened,
            event: ev,
            at: now,
            deviation: None,
        };
        self.record(g, r);
    }

    pub(super) fn report_deviation(&mut self, g: &mut Global, d: Deviation, state: State, ev: usize, now: u64) {
        if g.reported & d.bit() != 0 {
            return;
        }
        g.reported |= d.bit();
        let (step, req) = d.step();
        let r = Report {
            severity: Severity::Permitted,
            rule: Rule::Deviation,
            state,
            step: Some(step),
            req,
            expected: d.rule().into(),
            happened: "a deviation the profile permits",
            event: ev,
            at: now,
            deviation: Some(d),
        };
        self.record(g, r);
    }

    pub(super) fn record(&mut self, g: &mut Global, r: Report) {
        let key = (self.id, r.rule, r.step);
        if r.severity == Severity::Violation {
            if let Some(&i) = g.dedupe.get(&key) {
                g.findings[i].occurrences += 1;
                return;
            }
            self.findings += 1;
            if self.findings > MAX_FINDINGS && !self.gave_up {
                self.give_up(g, r.event, r.at, "too many different violations on one connection");
                return;
            }
            g.dedupe.insert(key, g.findings.len());
        }
        g.findings.push(Finding {
            severity: r.severity,
            rule: r.rule,
            connection: self.name(),
            state: r.state,
            step: r.step,
            requirement: r.req,
            expected: r.expected,
            happened: r.happened.to_string(),
            event: r.event,
            at: Duration::from_nanos(r.at),
            deviation: r.deviation,
            occurrences: 1,
        });
    }
}
