//! The JSON summary, parsed back with serde_json: shape, values, totals, escaping.

use serde_json::Value;
use synack::mode::IpMode;
use synack::report::json::summary_json;
use synack::report::{RunReport, Summary, Verdict};

fn run(script: &str, mode: IpMode, verdict: Verdict, seconds: f64, message: &str) -> RunReport {
    RunReport {
        timing_error: None,
        oracle: Vec::new(),
        script: script.into(),
        mode,
        verdict,
        seconds,
        message: message.into(),
        first_attempt: None,
    }
}

fn parse(s: &Summary) -> Value {
    let text = summary_json(s);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{text}"))
}

#[test]
fn shape_values_and_totals() {
    let s = Summary {
        stack: "reference/linux".into(),
        runs: vec![
            run("a.pkt", IpMode::Ipv4, Verdict::Pass, 0.5, ""),
            run(
                "a.pkt",
                IpMode::Ipv4MappedIpv6,
                Verdict::Fail,
                1.25,
                "expected S. got R.",
            ),
            run(
                "b.pkt",
                IpMode::Ipv6,
                Verdict::Error,
                0.0,
                "cannot open /dev/net/tun",
            ),
            run(
                "c.pkt",
                IpMode::Ipv6,
                Verdict::Unsupported,
                0.125,
                "TCP_FASTOPEN",
            ),
            run("d.pkt", IpMode::Ipv4, Verdict::Fail, 2.0, "x"),
        ],
        wall_seconds: 3.75,
    };
    let v = parse(&s);
    assert_eq!(v["stack"], "reference/linux");
    assert_eq!(v["wall_seconds"], 3.75);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    let expect = [
        ("a.pkt", "ipv4", "pass", 0.5, ""),
        (
            "a.pkt",
            "ipv4-mapped-ipv6",
            "fail",
            1.25,
            "expected S. got R.",
        ),
        ("b.pkt", "ipv6", "error", 0.0, "cannot open /dev/net/tun"),
        ("c.pkt", "ipv6", "unsupported", 0.125, "TCP_FASTOPEN"),
        ("d.pkt", "ipv4", "fail", 2.0, "x"),
    ];
    for (r, (script, mode, result, seconds, message)) in runs.iter().zip(expect) {
        assert_eq!(r["script"], script);
        assert_eq!(r["mode"], mode);
        assert_eq!(r["result"], result);
        assert_eq!(r["seconds"].as_f64(), Some(seconds), "{r}");
        assert_eq!(r["message"], message);
    }
    let t = &v["totals"];
    assert_eq!(
        (&t["pass"], &t["fail"], &t["error"], &t["unsupported"]),
        (&1.into(), &2.into(), &1.into(), &1.into())
    );
}

#[test]
fn empty_summary() {
    let v = parse(&Summary {
        stack: String::new(),
        runs: vec![],
        wall_seconds: 0.0,
    });
    assert_eq!(v["runs"], Value::Array(vec![]));
    for k in ["pass", "fail", "error", "unsupported"] {
        assert_eq!(v["totals"][k], 0, "{k}");
    }
}

#[test]
fn hostile_strings_survive_the_round_trip() {
    let message = "line 1: expected \"S.\"\nline 2:\ttab \\ back\u{0}nul \u{1b}[31mred\u{1b}[0m é ∑ 🦀 \u{2028}";
    let script = "dir with \"quotes\"/ünï.pkt";
    let stack = "stack\n\"name\"";
    let s = Summary {
        stack: stack.into(),
        runs: vec![run(script, IpMode::Ipv4, Verdict::Fail, 0.0, message)],
        wall_seconds: 0.0,
    };
    let text = summary_json(&s);
    let v = parse(&s);
    assert_eq!(v["stack"], stack);
    assert_eq!(v["runs"][0]["script"], script);
    assert_eq!(v["runs"][0]["message"], message);
    // RFC 8259 §7: control characters must be escaped, so no raw ones reach the text.
    assert!(
        !text.chars().any(|c| c == '\u{0}' || c == '\u{1b}'),
        "{text:?}"
    );
}

#[test]
fn non_finite_seconds_are_null_not_invalid_json() {
    let s = Summary {
        stack: "s".into(),
        runs: vec![run("a.pkt", IpMode::Ipv4, Verdict::Pass, f64::NAN, "")],
        wall_seconds: f64::INFINITY,
    };
    let v = parse(&s);
    assert_eq!(v["runs"][0]["seconds"], Value::Null);
    assert_eq!(v["wall_seconds"], Value::Null);
}

fn finding(severity: synack::oracle::Severity) -> synack::oracle::Finding {
    use synack::oracle::{Deviation, Finding, Rule};
    use synack_stack::decision::Check;
    Finding {
        severity,
        rule: Rule::MissingReply,
        connection: "192.0.2.1:8080 → 198.51.100.2:40000".into(),
        state: synack_stack::State::Established,
        step: Some(synack_stack::Step::Other(Check::Rst)),
        requirement: Some("MAY-12"),
        expected: "a challenge ACK".into(),
        happened: "nothing".into(),
        event: 12,
        at: std::time::Duration::from_millis(30),
        deviation: (severity == synack::oracle::Severity::Permitted).then_some(Deviation::ShortTimeWait),
        occurrences: 2,
    }
}

#[test]
fn oracle_findings_are_listed_per_run_apart_from_the_result() {
    use synack::oracle::Severity;
    let mut r = run("a.pkt", IpMode::Ipv4, Verdict::Pass, 0.5, "");
    r.oracle = vec![finding(Severity::Violation), finding(Severity::Permitted)];
    let v = parse(&Summary { stack: "s".into(), runs: vec![r, run("b.pkt", IpMode::Ipv6, Verdict::Pass, 0.1, "")], wall_seconds: 1.0 });
    let first = &v["runs"][0];
    assert_eq!(first["result"], "pass", "the script's verdict is untouched");
    let o = first["oracle"].as_array().expect("an oracle array");
    assert_eq!(o.len(), 2);
    assert_eq!(o[0]["severity"], "violation");
    assert_eq!(o[0]["rule"], "missing-reply");
    assert_eq!(o[0]["step"], "3.10.7.4/2");
    assert_eq!(o[0]["state"], "ESTABLISHED");
    assert_eq!(o[0]["requirement"], "MAY-12");
    assert_eq!(o[0]["event"], 12);
    assert_eq!(o[0]["at_seconds"], 0.03);
    assert_eq!(o[0]["occurrences"], 2);
    assert_eq!(o[0]["deviation"], Value::Null);
    assert_eq!(o[1]["severity"], "permitted");
    assert_eq!(o[1]["deviation"], "short-time-wait");
    assert_eq!(v["runs"][1]["oracle"], Value::Array(vec![]));
}

#[test]
fn a_first_attempt_is_kept_beside_the_verdict() {
    let mut r = run("scripts/a.pkt", IpMode::Ipv4, Verdict::Pass, 0.1, "");
    r.first_attempt = Some("timed out".into());
    let plain = run("scripts/b.pkt", IpMode::Ipv4, Verdict::Pass, 0.1, "");
    let v = parse(&Summary { stack: "linux/6.18".into(), runs: vec![r, plain], wall_seconds: 1.0 });
    assert_eq!(v["runs"][0]["first_attempt"], "timed out");
    assert_eq!(v["runs"][0]["result"], "pass");
    assert!(v["runs"][1]["first_attempt"].is_null());
}
