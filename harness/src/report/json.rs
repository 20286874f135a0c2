//! The suite summary as JSON, for machines (CI dashboards, scripts comparing stacks):
//!
//! ```json
//! {"stack": "reference/linux",
//!  "runs": [{"script": "a.pkt", "mode": "ipv4", "result": "pass", "seconds": 0.01, "message": ""}],
//!  "totals": {"pass": 1, "fail": 0, "error": 0, "unsupported": 0},
//!  "wall_seconds": 0.02}
//! ```
//!
//! Serialized through private mirror structs so the public report types carry no serde
//! dependency. JSON (RFC 8259) has no NaN or infinity: a non-finite number of seconds is
//! written as `null`.

use super::{RunReport, Summary, Totals};
use serde::Serialize;

/// The summary as pretty-printed JSON (the shape in the module documentation), without a
/// trailing newline.
pub fn summary_json(s: &Summary) -> String {
    let doc = SummaryJson {
        stack: &s.stack,
        runs: s.runs.iter().map(RunJson::from).collect(),
        totals: TotalsJson::from(s.totals()),
        wall_seconds: s.wall_seconds,
    };
    // Serializing these plain structs (strings, integers, f64 — which serde_json writes as
    // `null` when not finite) to a String cannot fail; the fallback is never taken.
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|_| String::from(r#"{"error": "summary could not be serialized"}"#))
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    stack: &'a str,
    runs: Vec<RunJson<'a>>,
    totals: TotalsJson,
    wall_seconds: f64,
}

#[derive(Serialize)]
struct RunJson<'a> {
    script: &'a str,
    mode: &'static str,
    result: &'static str,
    seconds: f64,
    message: &'a str,
    timing_error_seconds: Option<f64>,
    /// The first attempt's message when the run was run again alone.
    first_attempt: Option<&'a str>,
    /// The oracle's findings (see `oracle::Finding::json`).
    oracle: Vec<serde_json::Value>,
}

impl<'a> From<&'a RunReport> for RunJson<'a> {
    fn from(r: &'a RunReport) -> Self {
        RunJson {
            script: &r.script,
            mode: r.mode.name(),
            result: r.verdict.name(),
            seconds: r.seconds,
            message: &r.message,
            timing_error_seconds: r.timing_error,
            first_attempt: r.first_attempt.as_deref(),
            oracle: r.oracle.iter().map(crate::oracle::Finding::json).collect(),
        }
    }
}

#[derive(Serialize)]
struct TotalsJson {
    pass: usize,
    fail: usize,
    error: usize,
    unsupported: usize,
    deviation: usize,
}

impl From<Totals> for TotalsJson {
    fn from(t: Totals) -> Self {
        let Totals {
            pass,
            fail,
            error,
            unsupported,
            deviation,
        } = t;
        TotalsJson {
            pass,
            fail,
            error,
            unsupported,
            deviation,
        }
    }
}
