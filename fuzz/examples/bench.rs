//! Runs a `state_machine` corpus through the target's checks (without libFuzzer's
//! instrumentation and bookkeeping) and prints inputs per second — for comparing the cost of
//! the checks, e.g. with the oracle and without (`SYNACK_FUZZ_ORACLE=0`); also how many events the inputs have:
//! `cargo run --release --manifest-path fuzz/Cargo.toml --example bench -- DIR [SECONDS]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use synack_fuzz::machine::{self, encode, Input};

/// As the `state_machine` target (see there).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that ignores a closed stdout (`… | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench DIR [SECONDS]");
        return ExitCode::FAILURE;
    };
    let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("bench: cannot read {dir}");
        return ExitCode::FAILURE;
    };
    let inputs: Vec<Input> = entries.filter_map(|e| std::fs::read(e.ok()?.path()).ok()).filter_map(|b| encode::from_bytes(&b)).collect();
    if inputs.is_empty() {
        eprintln!("bench: no state_machine inputs in {dir}");
        return ExitCode::FAILURE;
    }
    let (start, limit) = (Instant::now(), Duration::from_secs_f64(seconds));
    let (mut runs, mut failed) = (0u64, 0u64);
    while start.elapsed() < limit {
        for input in &inputs {
            failed += u64::from(machine::run(input, &mut |_| {}).is_err());
            runs += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    out!("{} inputs, {runs} runs in {secs:.1} s: {:.0} runs/s ({failed} with a finding)", inputs.len(), runs as f64 / secs);
    let mut events: Vec<usize> = inputs.iter().map(|i| i.events.len()).collect();
    events.sort_unstable();
    let at = |q: f64| events[((events.len() - 1) as f64 * q) as usize];
    let mean = events.iter().sum::<usize>() as f64 / events.len() as f64;
    out!("events per input: mean {mean:.1}, median {}, 90th percentile {}, max {}", at(0.5), at(0.9), at(1.0));
    ExitCode::SUCCESS
}
