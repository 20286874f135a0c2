//! `prepared.rs` with the RFC 9293 oracle on (`SYNACK_FUZZ_ORACLE=1`, set before the target
//! first reads it: this file is its own test binary): the cloned oracle checker judges as the
//! one that saw the fixture walked.

#[path = "common/same_runs.rs"]
mod same_runs;

#[test]
fn with_the_oracle_a_cloned_fixture_runs_every_corpus_input_as_a_fresh_walk() {
    std::env::set_var("SYNACK_FUZZ_ORACLE", "1");
    assert!(synack_fuzz::machine::oracle::enabled());
    same_runs::check_corpus();
}
