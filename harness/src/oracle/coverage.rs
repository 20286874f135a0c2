//! Coverage: which §3.10 steps and RFC 9293 requirements a run, or a suite, exercised — as
//! the oracle saw them applied to its segments — beside the requirements scripts declare in
//! their header (`// Requirements: MUST-13, SHLD-3`). `synack coverage PATH...` prints the
//! table (and JSON).

use super::requirements;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use synack_stack::decision::{Check, TimerKind};
use synack_stack::Step;

/// What one trace exercised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// §3.10 steps whose rules the oracle applied to a segment.
    pub steps: Vec<Step>,
    /// Requirement IDs whose rule the oracle evaluated on a segment.
    pub requirements: Vec<&'static str>,
}

/// The steps of §3.10 the oracle knows, in the RFC's order (rows of the table).
pub fn all_steps() -> Vec<Step> {
    let mut v = vec![Step::Closed];
    v.extend((1..=4).map(Step::Listen));
    v.extend([1, 2, 4, 5].map(Step::SynSent));
    v.extend([Check::Sequence, Check::Rst, Check::Syn, Check::Ack, Check::Text, Check::Fin].map(Step::Other));
    v.extend([Step::Open, Step::Send, Step::Receive, Step::Close, Step::Abort, Step::Timeout(TimerKind::Retransmission)]);
    v
}

/// The requirement IDs a script's leading comment declares (`// Requirements: A, B`).
pub fn declared(source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("//") || l.starts_with('`'))
        .filter_map(|l| l.trim_start_matches('/').trim().strip_prefix("Requirements:"))
        .flat_map(|ids| ids.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
        .collect()
}

/// Runs the scripts under `paths` on the reference stack with `profile`, in every IP mode
/// each allows, and tabulates what the oracle saw exercised and what the scripts declare.
pub fn run_suite(paths: &[std::path::PathBuf], profile: synack_stack::Profile) -> Result<Table, String> {
    use crate::suite::{self, StackKind, SuiteConfig};
    let scripts = suite::discover(paths)?;
    let config = SuiteConfig {
        stack: StackKind::Reference,
        profile,
        modes: crate::mode::IpMode::ALL.to_vec(),
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: crate::runner::Unexpected::Fail,
        addresses: crate::mode::AddressPlan::Documentation,
        rerun_alone: false,
    };
    let mut table = Table::default();
    for path in &scripts {
        let shown = path.display().to_string();
        if let Ok(source) = std::fs::read_to_string(path) {
            table.add_declared(&shown, &declared(&source));
        }
        for job in suite::plan(std::slice::from_ref(path), &config.modes) {
            if let (_, Some(trace)) = suite::run_job(&job, &config) {
                let (_, c) = super::check_with_coverage(&trace, &super::OracleProfile::for_trace(&trace));
                table.add_run(&shown, &c);
            }
        }
    }
    Ok(table)
}

/// Coverage over many runs.
#[derive(Clone, Debug, Default)]
pub struct Table {
    runs: usize,
    steps: BTreeMap<String, (Step, BTreeSet<String>)>,
    exercised: BTreeMap<String, BTreeSet<String>>,
    declared: BTreeMap<String, BTreeSet<String>>,
}

impl Table {
    /// Adds one run of `script`.
    pub fn add_run(&mut self, script: &str, c: &Coverage) {
        self.runs += 1;
        for s in &c.steps {
            self.steps.entry(s.to_string()).or_insert_with(|| (*s, BTreeSet::new())).1.insert(script.to_string());
        }
        for r in &c.requirements {
            self.exercised.entry((*r).to_string()).or_default().insert(script.to_string());
        }
    }

    /// Adds what `script` declares.
    pub fn add_declared(&mut self, script: &str, ids: &[String]) {
        for id in ids {
            self.declared.entry(id.clone()).or_default().insert(script.to_string());
        }
    }

    /// Steps never exercised.
    pub fn missing_steps(&self) -> Vec<Step> {
        all_steps().into_iter().filter(|s| !self.steps.contains_key(&s.to_string())).collect()
    }

    /// The table as text: steps with how many scripts exercised them, then every requirement
    /// declared or exercised, with its level and text.
    pub fn render(&self) -> String {
        let mut t = format!("§3.10 steps ({} runs)\n", self.runs);
        for s in all_steps() {
            let n = self.steps.get(&s.to_string()).map_or(0, |(_, v)| v.len());
            let mark = if n == 0 { "  NOT EXERCISED" } else { "" };
            t += &format!("  {:<28} {n:>4} scripts{mark}\n", s.to_string());
        }
        t += "requirements (declared by scripts / exercised by the oracle)\n";
        let ids: BTreeSet<&String> = self.declared.keys().chain(self.exercised.keys()).collect();
        for id in ids {
            let d = self.declared.get(id).map_or(0, BTreeSet::len);
            let e = self.exercised.get(id).map_or(0, BTreeSet::len);
            let (level, feature) = requirements::lookup(id).map_or(("?", "not in RFC 9293's table"), |r| (r.level, r.feature));
            t += &format!("  {id:<8} {level:<9} {d:>4} / {e:<4} {feature}\n");
        }
        t
    }

    /// The table as JSON.
    pub fn json(&self) -> Value {
        let steps: Vec<Value> = all_steps()
            .into_iter()
            .map(|s| {
                let scripts: Vec<&String> = self.steps.get(&s.to_string()).map(|(_, v)| v.iter().collect()).unwrap_or_default();
                json!({"step": s.to_string(), "scripts": scripts})
            })
            .collect();
        let ids: BTreeSet<&String> = self.declared.keys().chain(self.exercised.keys()).collect();
        let reqs: Vec<Value> = ids
            .into_iter()
            .map(|id| {
                let r = requirements::lookup(id);
                json!({
                    "id": id,
                    "level": r.map(|r| r.level),
                    "feature": r.map(|r| r.feature),
                    "declared_by": self.declared.get(id).map(|v| v.iter().collect::<Vec<_>>()).unwrap_or_default(),
                    "exercised_by": self.exercised.get(id).map(|v| v.iter().collect::<Vec<_>>()).unwrap_or_default(),
                })
            })
            .collect();
        json!({"runs": self.runs, "steps": steps, "requirements": reqs})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_ids_come_from_the_header_only() {
        let src = "// title\n// Requirements: MUST-13, SHLD-3\n`sysctl -q x=1`\n0 socket(...) = 3\n// Requirements: MUST-99\n";
        assert_eq!(declared(src), vec!["MUST-13".to_string(), "SHLD-3".to_string()]);
    }

    #[test]
    fn the_table_counts_scripts_and_names_what_is_missing() {
        let mut t = Table::default();
        t.add_run("a.pkt", &Coverage { steps: vec![Step::Closed], requirements: vec!["MUST-40"] });
        t.add_run("a.pkt", &Coverage { steps: vec![Step::Closed], requirements: vec![] });
        t.add_run("b.pkt", &Coverage { steps: vec![Step::Closed, Step::Listen(2)], requirements: vec!["MUST-40"] });
        t.add_declared("a.pkt", &["MUST-13".to_string()]);
        let text = t.render();
        assert!(text.contains("3.10.7.1") && text.contains("   2 scripts"), "{text}");
        assert!(text.contains("MUST-40  MUST         0 / 2"), "{text}");
        assert!(text.contains("MUST-13  MUST         1 / 0"), "{text}");
        assert!(!t.missing_steps().contains(&Step::Listen(2)));
        assert!(t.missing_steps().contains(&Step::Listen(1)));
        assert_eq!(t.json()["runs"], 3);
    }
}
