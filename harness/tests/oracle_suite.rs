//! The oracle on the reference stack's own traces: every run of the conformance suite, in
//! every IP mode, is judged RFC-conformant under the `linux` profile (zero violations), and
//! the Linux choices the suite pins down are each reported as permitted deviations.

use std::path::{Path, PathBuf};
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::{self, Deviation, OracleProfile, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, StackKind, SuiteConfig};
use synack_stack::Profile;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts")
}

fn config() -> SuiteConfig {
    SuiteConfig {
        stack: StackKind::Reference,
        profile: Profile::Linux,
        modes: IpMode::ALL.to_vec(),
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    }
}

#[test]
fn the_reference_stack_draws_no_violation_on_the_suite() {
    let scripts = suite::discover(&[suite_dir()]).expect("the suite exists");
    let config = config();
    let mut violations = Vec::new();
    let mut permitted = std::collections::BTreeSet::new();
    let mut runs = 0;
    for job in suite::plan(&scripts, &config.modes) {
        let (_, trace) = suite::run_job(&job, &config);
        let trace = trace.expect("every suite script parses");
        let profile = OracleProfile::for_trace(&trace);
        assert_eq!(profile.name, "linux");
        runs += 1;
        for f in oracle::check(&trace, &profile) {
            match f.severity {
                Severity::Violation => violations.push(format!("{} {}: {f}", job.path.display(), job.mode)),
                Severity::Permitted => {
                    permitted.insert(f.deviation.expect("a permitted finding names its deviation"));
                }
                Severity::Note | Severity::Advisory => {
                    violations.push(format!("{} {}: unexpected {f}", job.path.display(), job.mode))
                }
            }
        }
    }
    assert!(runs >= 150, "{runs} runs");
    println!("{runs} runs judged; permitted deviations seen: {permitted:?}");
    assert!(violations.is_empty(), "{} findings on reference traces:\n{}", violations.len(), violations.join("\n"));
    // The suite exercises these Linux choices; the oracle must recognize each one.
    for d in [
        Deviation::SynLinearTimeouts,
        Deviation::TimeWaitSilentOnRst,
        Deviation::RstAtFinSequence,
        Deviation::FinWait2AcceptsAnyRst,
        Deviation::ShortTimeWait,
        Deviation::SimultaneousOpenSynAckCompletes,
        Deviation::SimultaneousOpenRepeatsOptions,
        Deviation::AckRangeBytesAcked,
    ] {
        assert!(permitted.contains(&d), "{} never reported; reported: {permitted:?}", d.name());
    }
}

/// `ORACLE_SCRIPT=close/x.pkt cargo test --test oracle_suite one_script -- --nocapture`
/// (with `SYNACK_ORACLE_DEBUG=1` for the worlds after each segment).
#[test]
fn one_script() {
    let Some(name) = std::env::var_os("ORACLE_SCRIPT") else { return };
    let job = suite::Job { path: suite_dir().join(name), mode: IpMode::Ipv4 };
    let (report, trace) = suite::run_job(&job, &config());
    let trace = trace.expect("parses");
    for f in oracle::check(&trace, &OracleProfile::for_trace(&trace)) {
        println!("{f}");
    }
    println!("{:?}: {}", report.verdict, report.message);
}
