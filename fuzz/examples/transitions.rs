//! Replays a `state_machine` corpus and reports the (state, §3.10 step) pairs and
//! (state, step, next state) transitions it reaches, and any input that violates an
//! invariant: `cargo run --manifest-path fuzz/Cargo.toml --example transitions -- DIR... [--list]`.

use std::collections::BTreeSet;
use std::process::ExitCode;

use synack_fuzz::machine::{self, encode};

/// `println!` that ignores a closed stdout (`… | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let list = args.iter().any(|a| a == "--list");
    let (mut pairs, mut triples) = (BTreeSet::new(), BTreeSet::new());
    let (mut inputs, mut failures) = (0usize, 0usize);
    for dir in args.iter().filter(|a| !a.starts_with("--")) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("transitions: cannot read {dir}");
            return ExitCode::FAILURE;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
        paths.sort();
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let Some(input) = encode::from_bytes(&bytes) else { continue };
            inputs += 1;
            let result = machine::run(&input, &mut |d| {
                pairs.insert((d.state.to_string(), d.step.to_string()));
                let next = d.next_state.map_or_else(|| "-".to_string(), |s| s.to_string());
                triples.insert((d.state.to_string(), d.step.to_string(), next));
            });
            if let Err(v) = result {
                failures += 1;
                out!("VIOLATION {}: {v}", path.display());
            }
        }
    }
    if list {
        for (state, step, next) in &triples {
            out!("{state:<13} {step:<24} {next}");
        }
    }
    out!("{inputs} inputs, {} (state, step) pairs, {} (state, step, next state) transitions, {failures} violations", pairs.len(), triples.len());
    if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
