//! The comparison `prepared.rs` and `prepared_oracle.rs` share.

use synack_fuzz::machine::{self, encode, Input};
use synack_stack::Decision;

/// Every input of `corpus/state_machine` (and each one under every fixture), run fresh and
/// from the cache twice: decisions and results must agree.
pub fn check_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/state_machine");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("corpus directory").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    let inputs: Vec<Input> = paths.iter().filter_map(|p| encode::from_bytes(&std::fs::read(p).expect("input"))).collect();
    assert!(inputs.len() > 10, "too few inputs in {}", dir.display());
    let mut compared = 0;
    for input in &inputs {
        for fixture in machine::input::Fixture::ALL {
            let input = Input { fixture, ..input.clone() };
            let fresh = fresh(&input);
            for round in 0..2 {
                let mut decisions = Vec::new();
                let result = machine::run(&input, &mut |d| decisions.push(d.clone()));
                assert_eq!((&decisions, &result), (&fresh.0, &fresh.1), "round {round} of {input:?}");
                compared += 1;
            }
        }
    }
    assert!(compared > 0);
}

fn fresh(input: &Input) -> (Vec<Decision>, Result<(), machine::Violation>) {
    let mut decisions = Vec::new();
    let result = machine::run_observed(input, &mut |d, _, _| decisions.extend_from_slice(&d.decisions));
    (decisions, result)
}
