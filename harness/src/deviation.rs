//! Documented deviations: a script keeps the RFC's expectation and says in its header which
//! stacks deliberately do otherwise, and why:
//!
//! ```text
//! // deviation(linux): Linux drops an ACK of unsent data silently (tcp_ack), RFC 9293 ACKs it
//! ```
//!
//! On a matching stack the run is expected to fail; it is then reported as a deviation (with
//! the reason and the failure), not a failure. If it passes there, the annotation is stale,
//! and that is a failure. A name matches a stack by any part of its name: `linux` matches
//! `linux/6.18…` and `reference/linux`; `reference` matches every reference profile.

use crate::report::Verdict;

/// One `deviation(NAME): reason` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// The stack name part it applies to.
    pub stack: String,
    /// Why the stack deviates.
    pub reason: String,
}

/// The deviations declared in a script's leading comment lines.
pub fn declared(source: &str) -> Vec<Deviation> {
    source
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("//"))
        .filter_map(|l| {
            let rest = l.trim_start_matches('/').trim().strip_prefix("deviation(")?;
            let (stack, reason) = rest.split_once("):")?;
            Some(Deviation { stack: stack.trim().to_string(), reason: reason.trim().to_string() })
        })
        .collect()
}

/// Whether a deviation for `name` applies to the stack called `stack` (e.g. `linux/6.18`).
pub fn applies(name: &str, stack: &str) -> bool {
    stack.split('/').any(|part| part == name)
}

/// The verdict and message of a run once the script's deviations are taken into account.
pub fn judge(deviations: &[Deviation], stack: &str, verdict: Verdict, message: String) -> (Verdict, String) {
    let Some(d) = deviations.iter().find(|d| applies(&d.stack, stack)) else {
        return (verdict, message);
    };
    match verdict {
        Verdict::Fail => (Verdict::Deviation, format!("expected deviation ({}): {}\n{message}", d.stack, d.reason)),
        Verdict::Pass => (
            Verdict::Fail,
            format!("the script documents a deviation of {} ({}), but it passed: the annotation is stale", d.stack, d.reason),
        ),
        Verdict::Error | Verdict::Unsupported | Verdict::Deviation => (verdict, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "// Title\n// deviation(linux): drops it silently\n//deviation(smoltcp):  other\n\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n// deviation(late): ignored, not in the header\n";

    #[test]
    fn header_lines_are_read() {
        let d = declared(SRC);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0], Deviation { stack: "linux".into(), reason: "drops it silently".into() });
        assert_eq!(d[1].stack, "smoltcp");
    }

    #[test]
    fn verdicts() {
        let d = declared(SRC);
        assert!(applies("linux", "linux/6.18.44") && applies("linux", "reference/linux"));
        assert!(!applies("linux", "reference/rfc9293"));
        let (v, m) = judge(&d, "linux/6.18", Verdict::Fail, "diff".into());
        assert_eq!(v, Verdict::Deviation);
        assert!(m.contains("drops it silently") && m.ends_with("diff"));
        assert_eq!(judge(&d, "linux/6.18", Verdict::Pass, String::new()).0, Verdict::Fail);
        assert_eq!(judge(&d, "reference/rfc9293", Verdict::Fail, "x".into()), (Verdict::Fail, "x".into()));
        assert_eq!(judge(&d, "reference/linux", Verdict::Error, "e".into()).0, Verdict::Error);
    }
}
