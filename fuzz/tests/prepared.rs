//! A fixture cloned from the cache (`machine::run`) runs every corpus input exactly as a
//! fresh walk of the fixture does (`machine::run_observed`): the same decisions in the same
//! order, the same result — on the first run (which walks and keeps the fixture) and on the
//! second (which clones it). With the oracle off (`SYNACK_FUZZ_ORACLE=0`, set before the
//! target first reads it: this file is its own test binary); `prepared_oracle.rs` repeats this
//! with the oracle on.

#[path = "common/same_runs.rs"]
mod same_runs;

#[test]
fn a_cloned_fixture_runs_every_corpus_input_as_a_fresh_walk() {
    std::env::set_var("SYNACK_FUZZ_ORACLE", "0");
    assert!(!synack_fuzz::machine::oracle::enabled());
    same_runs::check_corpus();
}
