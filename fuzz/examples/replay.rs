//! Replays one `state_machine` input and prints what happened, event by event: the event,
//! the stack's decisions, the segments it sent, and the TCB of each live connection.
//! `cargo run --manifest-path fuzz/Cargo.toml --example replay -- FILE`

use std::process::ExitCode;

use synack_fuzz::machine::{self, driver::Driver, encode, input::Event};
use synack_stack::State;

/// `println!` that ignores a closed stdout (`… | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: replay FILE");
        return ExitCode::FAILURE;
    };
    let Some(input) = std::fs::read(&path).ok().and_then(|b| encode::from_bytes(&b)) else {
        eprintln!("replay: cannot read {path} as a state_machine input");
        return ExitCode::FAILURE;
    };
    out!("fixture {:?}, knobs {:#06x}", input.fixture, input.knobs.0);
    let mut print = |d: &Driver, event: &Event, fixture: bool| {
        out!("\n{} at {:?}: {event:?}", if fixture { "fixture" } else { "event" }, d.now);
        for decision in &d.decisions {
            out!("    decision {decision}");
        }
        for p in &d.sent {
            let s = &p.tcp;
            out!("    sent {}→{} {:?} seq {} ack {} win {} len {} {:?}", s.src_port, s.dst_port, s.flags, s.seq, s.ack, s.window, s.payload.len(), s.options);
        }
        for c in d.stack.connections().filter(|c| c.state != State::Closed) {
            let t = &c.tcb;
            out!(
                "    tcb {}→{} {}: SND.UNA {} SND.NXT {} SND.WND {} RCV.NXT {} RCV.WND {} ISS {} IRS {}",
                c.local.port(), c.remote.port(), c.state, t.snd_una, t.snd_nxt, t.snd_wnd, t.rcv_nxt, t.rcv_wnd(), t.iss, t.irs
            );
        }
    };
    match machine::run_observed(&input, &mut print) {
        Ok(()) => {
            out!("\nno violation");
            ExitCode::SUCCESS
        }
        Err(v) => {
            out!("\nVIOLATION: {v}");
            ExitCode::FAILURE
        }
    }
}
