//! Event sequences against the reference stack: see `synack_fuzz::machine`. A panic in the
//! stack, a broken invariant or a violation the RFC 9293 oracle finds (unless
//! `SYNACK_FUZZ_ORACLE=0`) is a finding; every decision feeds the transition counters.
//!
//! `SYNACK_FUZZ_MUTATION=NAME` plants one of the stack's mutants (see
//! `machine::driver::planted_mutation`); then a finding is an input that fails with the
//! mutant and passes without it (run again, differentially), so only what the planted bug
//! causes counts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use synack_fuzz::machine::{self, coverage, driver, Input};

/// mimalloc instead of glibc's malloc: a run allocates for every packet (the stack's segments,
/// its outbox, the parsed copies the checks read), and glibc's malloc and free were ~9% of
/// the target's time; `--example bench` ran 15–20% more inputs per CPU second with it
/// (oracle off; with the oracle on, no difference).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(
    init: {
        match driver::planted_mutation() {
            Ok(Some(name)) => eprintln!("state_machine: planted mutant {name}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("state_machine: {e}");
                std::process::exit(2);
            }
        }
    },
    |input: Input| {
        if let Err(violation) = machine::run(&input, &mut coverage::touch) {
            if let Ok(Some(name)) = driver::planted_mutation() {
                if driver::without_mutation(|| machine::run(&input, &mut |_| {})).is_err() {
                    return; // not the mutant's doing
                }
                panic!("state_machine: planted mutant {name} found: {violation}");
            }
            panic!("state_machine invariant violated: {violation}");
        }
    }
);
