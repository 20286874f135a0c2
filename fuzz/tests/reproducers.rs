//! Every `state_machine` finding stays fixed (issue 6: a finding becomes a regression test):
//! the inputs that found stack bugs (`corpus/state_machine/regress-*`, each with a ladder test
//! in `stack/tests/fuzz_regressions.rs` or in the `stack/tests/matrix/` cell it belongs to)
//! and those that found oracle false alarms
//! (`tests/oracle_reproducers/`, each with a hand-fed trace in
//! `harness/tests/oracle_fuzz_findings*`) run without a finding — with the RFC 9293 oracle
//! judging (`SYNACK_FUZZ_ORACLE=1`, set before the target first reads it: this file is its
//! own test binary).

use synack_fuzz::machine::{self, encode};

fn inputs(dir: &std::path::Path, prefix: &str) -> Vec<(String, machine::Input)> {
    let mut paths: Vec<_> = std::fs::read_dir(dir).expect("reproducer directory").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        .map(|p| {
            let bytes = std::fs::read(&p).expect("reproducer");
            let input = encode::from_bytes(&bytes).unwrap_or_else(|| panic!("{} does not decode", p.display()));
            (p.display().to_string(), input)
        })
        .collect()
}

#[test]
fn every_state_machine_reproducer_runs_clean_with_the_oracle() {
    std::env::set_var("SYNACK_FUZZ_ORACLE", "1");
    assert!(machine::oracle::enabled());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stack = inputs(&root.join("../corpus/state_machine"), "regress-");
    let oracle = inputs(&root.join("tests/oracle_reproducers"), "");
    assert!(stack.len() >= 20 && oracle.len() >= 8, "{} stack and {} oracle reproducers", stack.len(), oracle.len());
    for (name, input) in stack.iter().chain(&oracle) {
        if let Err(v) = machine::run(input, &mut |_| {}) {
            panic!("{name}: {v}");
        }
    }
}
