//! Event sequences against the reference stack: see `synack_fuzz::machine`. A panic in the
//! stack or a broken invariant is a finding; every decision feeds the transition counters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use synack_fuzz::machine::{self, coverage, Input};

fuzz_target!(|input: Input| {
    if let Err(violation) = machine::run(&input, &mut coverage::touch) {
        panic!("state_machine invariant violated: {violation}");
    }
});
