//! Reports computed from runs: the suite summary (JSON, JUnit XML), the pcap of a run, and the
//! normalized text trace used for snapshots.

pub mod json;
pub mod junit;
pub mod pcap;
pub mod snapshot;

use crate::mode::IpMode;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Every expectation held.
    Pass,
    /// An expectation did not hold (a script failure).
    Fail,
    /// The run could not be carried out (environment, I/O, parse error, …).
    Error,
    /// The script uses something this backend cannot execute; nothing was judged.
    Unsupported,
    /// The script failed as its header says this stack does on purpose (a documented,
    /// deliberate deviation from the RFC expectation the script keeps).
    Deviation,
}

impl Verdict {
    /// `pass`, `fail`, `error` or `unsupported`, as in the JSON summary.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Unsupported => "unsupported",
            Verdict::Deviation => "deviation",
        }
    }
}

/// The result of one run of one script in one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// The script's path as given by the user.
    pub script: String,
    /// The IP mode.
    pub mode: IpMode,
    /// How it ended.
    pub verdict: Verdict,
    /// Wall-clock seconds the run took.
    pub seconds: f64,
    /// The failure / error / unsupported message (empty on a pass).
    pub message: String,
    /// The largest difference between a scripted time and when the stack acted (packets
    /// and blocking calls), in seconds; `None` when nothing timed happened.
    pub timing_error: Option<f64>,
    /// What the RFC 9293 oracle found in the run's trace (violations, deviations the profile
    /// permits, advice, notes) — whatever the script expected, and kept apart from its verdict.
    pub oracle: Vec<crate::oracle::Finding>,
    /// Set when the run failed while other runs shared the machine and was run again alone
    /// (`SuiteConfig::rerun_alone`): the first attempt's message. The verdict, message and
    /// findings are the second attempt's.
    pub first_attempt: Option<String>,
}

/// The results of a whole invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The stack under test, e.g. `reference/linux`.
    pub stack: String,
    /// Every run, in the order they were scheduled.
    pub runs: Vec<RunReport>,
    /// Wall-clock seconds for the whole invocation.
    pub wall_seconds: f64,
}

impl Summary {
    /// Oracle violations over all runs.
    pub fn oracle_violations(&self) -> usize {
        self.runs
            .iter()
            .flat_map(|r| &r.oracle)
            .filter(|f| f.severity == crate::oracle::Severity::Violation)
            .count()
    }
}

/// Counts of each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub unsupported: usize,
    pub deviation: usize,
}

impl Summary {
    /// Counts the verdicts.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for r in &self.runs {
            match r.verdict {
                Verdict::Pass => t.pass += 1,
                Verdict::Fail => t.fail += 1,
                Verdict::Error => t.error += 1,
                Verdict::Unsupported => t.unsupported += 1,
                Verdict::Deviation => t.deviation += 1,
            }
        }
        t
    }
}
