//! The conformance suite (`packetdrill-scripts/`) on the reference stack: every script passes
//! in every IP mode, its normalized trace is the same in every mode, and that trace matches
//! the reviewed snapshot stored per script and stack in `tests/snapshots/suite/`.
//!
//! After a deliberate behaviour change, review the new traces with
//! `INSTA_UPDATE=always cargo test -p synack --test suite` and `git diff`.

use std::path::{Path, PathBuf};
use synack::mode::{AddressPlan, IpMode};
use synack::runner::Unexpected;
use synack::report::{snapshot, Verdict};
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack_stack::Profile;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts")
}

fn snapshot_name(script: &Path, profile: Profile) -> String {
    let rel = script.strip_prefix(suite_dir()).unwrap_or(script).with_extension("");
    let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    format!("reference-{}__{}", profile.name(), rel.join("__"))
}

#[test]
fn every_script_passes_on_the_reference_stack_with_stable_traces() {
    let scripts = suite::discover(&[suite_dir()]).expect("the suite folder exists");
    assert!(scripts.len() >= 30, "the suite has {} scripts", scripts.len());
    let config = SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: IpMode::ALL.to_vec(),
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let mut failures = Vec::new();
    for path in &scripts {
        let mut texts = Vec::new();
        for job in suite::plan(std::slice::from_ref(path), &config.modes) {
            let (report, trace) = suite::run_job(&job, &config);
            // The RFC 9293 oracle judges every run beside the script: no violations either.
            for f in report.oracle.iter().filter(|f| f.severity == synack::oracle::Severity::Violation) {
                failures.push(format!("oracle {} {}: {f:?}", job.mode, report.script));
            }
            if !matches!(report.verdict, Verdict::Pass | Verdict::Deviation) {
                failures.push(format!("{} {}: {}\n{}", report.verdict.name(), job.mode, report.script, report.message));
                continue;
            }
            texts.push((job.mode, snapshot::normalized(&trace.expect("a run that passed has a trace"))));
        }
        assert!(
            suite::plan(std::slice::from_ref(path), &[IpMode::Ipv4, IpMode::Ipv6]).len() == 2,
            "{}: every suite script must run in ipv4 and ipv6 (no -v4/-v6 suffix)",
            path.display()
        );
        if let Some((first_mode, first)) = texts.first() {
            for (mode, text) in &texts[1..] {
                if text != first {
                    failures.push(format!("{}: the {mode} trace differs from the {first_mode} trace", path.display()));
                }
            }
            insta::with_settings!({ snapshot_path => "snapshots/suite", prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(snapshot_name(path, config.profile), first);
            });
        }
    }
    assert!(failures.is_empty(), "{} runs did not pass:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn scripts_with_documented_deviations_pass_on_the_rfc_profile() {
    // A deviation annotation says "this script keeps the RFC's expectation and Linux does
    // otherwise": the RFC profile of the reference stack must then meet the expectation.
    let scripts = suite::discover(&[suite_dir()]).expect("the suite folder exists");
    let config = SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Rfc9293,
        modes: vec![IpMode::Ipv4, IpMode::Ipv6],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let mut failures = Vec::new();
    for path in &scripts {
        let source = std::fs::read_to_string(path).unwrap();
        if !synack::deviation::declared(&source).iter().any(|d| d.stack == "linux") {
            continue;
        }
        for job in suite::plan(std::slice::from_ref(path), &config.modes) {
            let (report, _) = suite::run_job(&job, &config);
            if report.verdict != Verdict::Pass {
                failures.push(format!("{} {}: {}\n{}", report.verdict.name(), job.mode, report.script, report.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_same_seed_gives_the_same_trace_and_another_seed_the_same_normalized_trace() {
    let path = suite_dir().join("handshake/passive-open.pkt");
    let job = Job { path, mode: IpMode::Ipv4 };
    let config = |seed| SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: vec![IpMode::Ipv4],
        jobs: 1,
        out: None,
        seed,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let a = suite::run_job(&job, &config(1)).1.unwrap();
    let b = suite::run_job(&job, &config(1)).1.unwrap();
    let c = suite::run_job(&job, &config(99)).1.unwrap();
    assert_eq!(a, b, "runs are deterministic");
    assert_ne!(a.events, c.events, "another seed changes the ISN on the wire");
    assert_eq!(snapshot::normalized(&a), snapshot::normalized(&c));
}

#[test]
fn a_run_that_failed_beside_others_is_run_again_alone_and_both_attempts_are_kept() {
    // Two copies of a suite script, one edited to expect a SYN-ACK the stack never sends: on
    // the deterministic reference stack it fails on both attempts, which is what shows that
    // the second attempt ran and that the report and the artifacts keep the first.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rerun-alone");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let good = std::fs::read_to_string(suite_dir().join("handshake/passive-open.pkt")).expect("the script");
    let bad = good.replacen("> S. 0:0(0) ack 1 <", "> S. 0:0(0) ack 2 <", 1);
    assert_ne!(good, bad);
    std::fs::write(dir.join("good.pkt"), &good).expect("written");
    std::fs::write(dir.join("bad.pkt"), &bad).expect("written");
    let out = dir.join("out");
    let config = |rerun_alone| SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: vec![IpMode::Ipv4],
        jobs: 2,
        out: Some(out.clone()),
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone,
    };
    let jobs = suite::plan(&[dir.join("bad.pkt"), dir.join("good.pkt")], &[IpMode::Ipv4]);
    let seen = std::sync::Mutex::new(Vec::new());
    let summary = suite::run_all(&jobs, &config(true), &|r| seen.lock().unwrap().push((r.script.clone(), r.first_attempt.is_some())));
    let bad_run = summary.runs.iter().find(|r| r.script.ends_with("bad.pkt")).expect("the bad run");
    let good_run = summary.runs.iter().find(|r| r.script.ends_with("good.pkt")).expect("the good run");
    assert_eq!(bad_run.verdict, Verdict::Fail);
    assert_eq!(bad_run.first_attempt.as_deref(), Some(bad_run.message.as_str()), "the same failure twice");
    assert_eq!((good_run.verdict, good_run.first_attempt.as_deref()), (Verdict::Pass, None));
    // Each run is reported once, the rerun one after its second attempt.
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().any(|(s, again)| s.ends_with("bad.pkt") && *again), "{seen:?}");
    let folder = out.join(dir.strip_prefix("/").unwrap_or(&dir)).join("bad.pkt");
    for ext in ["log", "trace", "pcap"] {
        assert!(folder.join(format!("ipv4.attempt1.{ext}")).is_file(), "the first attempt's {ext} is kept");
        assert!(folder.join(format!("ipv4.{ext}")).is_file(), "the second attempt's {ext}");
    }
    let log = std::fs::read_to_string(folder.join("ipv4.log")).expect("the log");
    assert!(log.contains("run again alone"), "{log}");
    // Without the option (and so with one worker) a failure stands as it is.
    let once = suite::run_all(&jobs, &config(false), &|_| {});
    assert!(once.runs.iter().all(|r| r.first_attempt.is_none()));
}
