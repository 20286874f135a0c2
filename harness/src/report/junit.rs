//! The suite summary as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test
//! reporters) read. There is no formal standard; this follows the common subset:
//!
//! ```xml
//! <testsuites name="synack" tests="2" failures="1" errors="0" skipped="0" time="0.250">
//!   <testsuite name="reference/linux" tests="2" failures="1" errors="0" skipped="0" time="0.250">
//!     <testcase classname="scripts/a.pkt" name="ipv4" time="0.100"/>
//!     <testcase classname="scripts/a.pkt" name="ipv6" time="0.120">
//!       <failure message="first line of the message">the whole message</failure>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! `Fail` gives `<failure>`, `Error` `<error>`, `Unsupported` `<skipped>`. The `message`
//! attribute holds the message's first line (what reporters show in a list); the element text
//! holds all of it. A run that was run again alone keeps its first attempt as Maven
//! Surefire writes reruns: `<flakyFailure>` when it then passed, `<rerunFailure>` after the
//! `<failure>` when it failed again. Written by hand: every string goes through [`escape`], which also removes
//! the characters XML 1.0 cannot carry at all, so any message gives a well-formed document.

use super::{RunReport, Summary, Verdict};
use core::fmt::Write as _;

/// The summary as a JUnit XML document (UTF-8, with an XML declaration).
pub fn junit_xml(s: &Summary) -> String {
    let t = s.totals();
    let tests = s.runs.len();
    let time = seconds(s.wall_seconds);
    let counts = format!(
        "tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time}\"",
        t.fail, t.error, t.unsupported
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"synack\" {counts}>");
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" {counts}>",
        escape(&s.stack, true)
    );
    for run in &s.runs {
        testcase(&mut out, run);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One `<testcase>`, with its outcome element unless it passed.
fn testcase(out: &mut String, run: &RunReport) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
        escape(&run.script, true),
        escape(run.mode.name(), true),
        seconds(run.seconds)
    );
    let element = match run.verdict {
        Verdict::Pass => None,
        Verdict::Fail => Some("failure"),
        Verdict::Error => Some("error"),
        // An expected deviation is not a failure; JUnit's closest word is "skipped".
        Verdict::Unsupported | Verdict::Deviation => Some("skipped"),
    };
    if element.is_none() && run.oracle.is_empty() && run.first_attempt.is_none() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    if let Some(element) = element {
        let first_line = run.message.lines().next().unwrap_or("");
        let _ = writeln!(
            out,
            "      <{element} message=\"{}\">{}</{element}>",
            escape(first_line, true),
            escape(&run.message, false)
        );
    }
    // A first attempt that failed while other runs shared the machine, as Maven Surefire
    // reports reruns: <flakyFailure> in a test that then passed, <rerunFailure> in one that
    // failed again.
    if let Some(first) = &run.first_attempt {
        let element = if run.verdict == Verdict::Pass { "flakyFailure" } else { "rerunFailure" };
        let first_line = first.lines().next().unwrap_or("");
        let _ = writeln!(out, "      <{element} message=\"{}\">{}</{element}>", escape(first_line, true), escape(first, false));
    }
    oracle(out, run);
    out.push_str("    </testcase>\n");
}

/// The oracle's findings, apart from the script's verdict: counts as properties, one line
/// per finding in `<system-out>`.
fn oracle(out: &mut String, run: &RunReport) {
    if run.oracle.is_empty() {
        return;
    }
    use crate::oracle::Severity;
    let count = |s: Severity| run.oracle.iter().filter(|f| f.severity == s).count();
    out.push_str("      <properties>\n");
    for (name, s) in [
        ("oracle.violations", Severity::Violation),
        ("oracle.permitted", Severity::Permitted),
        ("oracle.advisories", Severity::Advisory),
        ("oracle.notes", Severity::Note),
    ] {
        let _ = writeln!(out, "        <property name=\"{name}\" value=\"{}\"/>", count(s));
    }
    out.push_str("      </properties>\n");
    let text: Vec<String> = run.oracle.iter().map(|f| format!("oracle: {f}")).collect();
    let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&text.join("\n"), false));
}

/// Seconds with millisecond precision; a negative or non-finite value (which no reader
/// accepts) is written as 0.
fn seconds(x: f64) -> String {
    let x = if x.is_finite() && x > 0.0 { x } else { 0.0 };
    format!("{x:.3}")
}

/// `s` made safe for XML 1.0 element text (`attribute = false`) or a double-quoted attribute
/// value (`attribute = true`):
/// - the five predefined entities for `& < > " '` (XML 1.0 §2.4, §4.6), so `]]>` can never
///   appear;
/// - in attributes, tab and newline as character references, because attribute-value
///   normalization (§3.3.3) would turn them into spaces; carriage return as a reference
///   everywhere, because end-of-line handling (§2.11) would drop or translate it;
/// - characters outside the `Char` production (§2.2: controls other than tab, LF, CR, and
///   U+FFFE / U+FFFF) may not appear even as references, so they are replaced by the visible
///   text `\u{XX}`.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' if attribute => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

/// XML 1.0 §2.2 `Char` (Rust's `char` already excludes the surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}
