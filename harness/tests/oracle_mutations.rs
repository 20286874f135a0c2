//! Mutation testing of the oracle: the reference stack with one deliberate bug switched on
//! (`synack_stack::mutations`) runs the whole conformance suite, and the oracle must flag
//! the bug on some run, naming the §3.10 step (or state and requirement) the bug breaks.
//! The score is printed; every mutant must be caught.
//!
//! The switch is thrown the way a script changes the stack: a `sysctl` command line,
//! `synack.mutation=NAME`, put in front of a copy of each script.

use std::path::{Path, PathBuf};
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::{self, Finding, OracleProfile, Rule, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack_stack::decision::{Check, TimerKind};
use synack_stack::mutations::Mutations;
use synack_stack::{Profile, State, Step};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts")
}

/// What a finding must say for the mutant to count as caught.
fn caught(mutation: &str, f: &Finding) -> bool {
    let step = f.step;
    match mutation {
        "no_challenge_ack" => {
            f.rule == Rule::MissingReply
                && matches!(step, Some(Step::Other(Check::Rst | Check::Syn | Check::Ack)))
                && f.requirement == Some("MAY-12")
        }
        "rst_anywhere_in_window" => step == Some(Step::Other(Check::Rst)),
        "data_outside_window" => f.rule == Rule::AckTooHigh && step == Some(Step::Other(Check::Sequence)),
        "skip_time_wait" => f.state == State::TimeWait && f.requirement == Some("MUST-13"),
        "fin_not_acked" => f.rule == Rule::AckTooLow && step == Some(Step::Other(Check::Fin)),
        "wrong_rst_seq" => step == Some(Step::Closed) && matches!(f.rule, Rule::MissingReply | Rule::UnexplainedReset),
        "synack_no_backoff" => {
            f.rule == Rule::Backoff && step == Some(Step::Timeout(TimerKind::Retransmission)) && f.state == State::SynReceived
        }
        "rto_no_backoff" => {
            f.rule == Rule::Backoff && step == Some(Step::Timeout(TimerKind::Retransmission)) && f.state == State::Established
        }
        "syn_sent_accepts_bad_ack" => step == Some(Step::SynSent(1)),
        "listener_ignores_ack" => f.rule == Rule::MissingReply && step == Some(Step::Listen(2)),
        "syn_resets_connection" => step == Some(Step::Other(Check::Syn)),
        "ignores_peer_window" => {
            f.rule == Rule::BeyondPeerWindow && step == Some(Step::Send) && f.requirement == Some("SHLD-15")
        }
        "closed_port_silent" => f.rule == Rule::MissingReply && step == Some(Step::Closed),
        other => panic!("no expectation for mutation {other}"),
    }
}

/// The script with `sysctl -q synack.mutation=NAME` run first: joined to its own leading
/// command if it has one (a time-less command must be the first item), else on a line of
/// its own.
fn with_mutation(source: &str, name: &str) -> String {
    let setting = format!("sysctl -q synack.mutation={name}");
    let first = source.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("//"));
    match first {
        Some(line) if line.starts_with('`') => source.replacen('`', &format!("`{setting}; "), 1),
        Some(_) | None => format!("`{setting}`\n{source}"),
    }
}

fn config() -> SuiteConfig {
    SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: vec![IpMode::Ipv4],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    }
}

#[test]
fn every_mutant_is_caught_at_the_step_it_breaks() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scripts = suite::discover(&[suite_dir()]).expect("the suite exists");
    let config = config();
    let mut score = Vec::new();
    for name in Mutations::NAMES {
        let mut caught_by = Vec::new();
        let mut other_findings = 0;
        for path in &scripts {
            let rel = path.strip_prefix(suite_dir()).expect("under the suite");
            let copy = dir.path().join(name).join(rel);
            std::fs::create_dir_all(copy.parent().expect("a folder")).expect("mkdir");
            let source = std::fs::read_to_string(path).expect("readable");
            std::fs::write(&copy, with_mutation(&source, name)).expect("write");
            let (report, trace) = suite::run_job(&Job { path: copy, mode: IpMode::Ipv4 }, &config);
            let trace = trace.unwrap_or_else(|| panic!("{}: {}", rel.display(), report.message));
            for f in oracle::check(&trace, &OracleProfile::for_trace(&trace)) {
                // A SHOULD broken is caught as advice (ignores_peer_window: SHLD-15).
                if !matches!(f.severity, Severity::Violation | Severity::Advisory) {
                    continue;
                }
                if caught(name, &f) {
                    caught_by.push(format!("{}: {f}", rel.display()));
                } else {
                    other_findings += 1;
                }
            }
        }
        score.push((name, caught_by, other_findings));
    }
    let detected = score.iter().filter(|(_, c, _)| !c.is_empty()).count();
    println!("mutation score: {detected}/{} mutants caught at the step they break", score.len());
    for (name, caught_by, others) in &score {
        let first = caught_by.first().map_or("NOT CAUGHT", String::as_str);
        println!("  {name:<26} {:>3} runs  (+{others} other findings)  {first}", caught_by.len());
    }
    let missed: Vec<&str> = score.iter().filter(|(_, c, _)| c.is_empty()).map(|(n, _, _)| *n).collect();
    assert!(missed.is_empty(), "mutants not caught: {missed:?}");
}

#[test]
fn an_unknown_mutation_is_refused() {
    let mut config = synack_stack::Config::linux();
    assert!(config.set_sysctl("synack.mutation", "no_such_bug").is_err());
    assert!(config.set_sysctl("synack.mutation", "fin_not_acked").is_ok());
    assert!(config.mutations.fin_not_acked);
}
