//! `script_parse`: arbitrary bytes into `synack::script::parse`.
//!
//! - Never a panic (the diagnostic's `Display` and `render` included).
//! - An error points inside the input: its line exists and its column is at most one past
//!   the end of that line (a problem "at end of line" or "at end of file"); for input that is
//!   not UTF-8, exactly at the first bad byte (`Utf8Error::valid_up_to`), the only error such
//!   input may give.
//! - A script that parses prints (`Display`) to text that parses to an equal script
//!   (`eq_ignoring_spans`), and printing that again gives the same text.
//! - Every event's span lies inside the input, start before end.
//!
//! Violations panic with a message naming the property.

use synack::script::{self, Diagnostic};

/// Runs every check on `data`; panics on the first violation.
pub fn check(data: &[u8]) {
    match script::parse("fuzz.pkt", data) {
        Err(d) => check_diagnostic(data, &d),
        Ok(first) => {
            for event in &first.events {
                let (start, end) = (event.span.start, event.span.end);
                assert!(start.offset <= end.offset && end.offset <= data.len(), "event span {} outside the input", event.span);
                assert!(start.line >= 1 && start.col >= 1, "event span {} is not a source position", event.span);
            }
            let printed = first.to_string();
            let second = match script::parse_str("printed.pkt", &printed) {
                Ok(s) => s,
                Err(d) => panic!("printed script does not parse: {d}\n--- printed:\n{printed}"),
            };
            assert!(first.eq_ignoring_spans(&second), "printed script parses to another script\n--- printed:\n{printed}");
            assert_eq!(second.to_string(), printed, "printing is not stable");
        }
    }
}

/// The diagnostic's line and column name a position of `data`.
fn check_diagnostic(data: &[u8], d: &Diagnostic) {
    let _ = (d.to_string(), d.render(data));
    assert!(d.line >= 1 && d.col >= 1, "diagnostic without a position: {d}");
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => {
            // The only error for non-UTF-8 input, at the first bad byte.
            let prefix = std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or("");
            let line = 1 + prefix.matches('\n').count();
            let col = 1 + prefix.rsplit('\n').next().unwrap_or("").chars().count();
            assert_eq!((d.line as usize, d.col as usize), (line, col), "UTF-8 error position: {d}");
            return;
        }
    };
    let Some(line) = text.split('\n').nth(d.line as usize - 1) else {
        panic!("diagnostic line {} past the last line ({}): {d}", d.line, text.split('\n').count());
    };
    let chars = line.chars().count();
    assert!(d.col as usize <= chars + 1, "diagnostic column {} past the end of line {} ({chars} characters): {d}", d.col, d.line);
}
