//! The JSON summary, parsed back with serde_json: shape, values, totals, escaping.

use serde_json::Value;
use synack::mode::IpMode;
use synack::report::json::summary_json;
use synack::report::{RunReport, Summary, Verdict};

fn run(script: &str, mode: IpMode, verdict: Verdict, seconds: f64, message: &str) -> RunReport {
    RunReport {
        timing_error: None,
        script: script.into(),
        mode,
        verdict,
        seconds,
        message: message.into(),
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
