//! The JUnit XML summary, parsed back with roxmltree (a conforming XML 1.0 parser): counts,
//! attributes, outcome elements, and well-formedness whatever the messages contain.

use proptest::prelude::*;
use roxmltree::{Document, Node};
use synack::mode::IpMode;
use synack::report::junit::junit_xml;
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

fn with_doc<T>(s: &Summary, f: impl FnOnce(&Document) -> T) -> T {
    let xml = junit_xml(s);
    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("not well-formed ({e}):\n{xml}"));
    f(&doc)
}

fn elements<'a, 'i>(n: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    n.children().filter(|c| c.is_element()).collect()
}

fn attr<'a>(n: Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", n.tag_name().name()))
}

#[test]
fn counts_testcases_and_outcomes() {
    let s = Summary {
        stack: "reference/linux".into(),
        runs: vec![
            run("scripts/a.pkt", IpMode::Ipv4, Verdict::Pass, 0.1, ""),
            run(
                "scripts/a.pkt",
                IpMode::Ipv6,
                Verdict::Fail,
                0.25,
                "expected S.\ngot R.",
            ),
            run(
                "scripts/b.pkt",
                IpMode::Ipv4MappedIpv6,
                Verdict::Error,
                1.5,
                "no tun",
            ),
            run(
                "scripts/c.pkt",
                IpMode::Ipv4,
                Verdict::Unsupported,
                0.0,
                "TCP_MD5SIG",
            ),
            run("scripts/d.pkt", IpMode::Ipv4, Verdict::Fail, 0.0, "x"),
        ],
        wall_seconds: 2.5,
    };
    with_doc(&s, |doc| {
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suites = elements(root);
        assert_eq!(suites.len(), 1);
        let suite = suites[0];
        assert_eq!(suite.tag_name().name(), "testsuite");
        for n in [root, suite] {
            assert_eq!(attr(n, "tests"), "5");
            assert_eq!(attr(n, "failures"), "2");
            assert_eq!(attr(n, "errors"), "1");
            assert_eq!(attr(n, "skipped"), "1");
            assert_eq!(attr(n, "time").parse::<f64>().unwrap(), 2.5);
        }
        assert_eq!(attr(suite, "name"), "reference/linux");
        let cases = elements(suite);
        assert_eq!(cases.len(), 5);
        let expect = [
            ("scripts/a.pkt", "ipv4", 0.1, None),
            (
                "scripts/a.pkt",
                "ipv6",
                0.25,
                Some(("failure", "expected S.", "expected S.\ngot R.")),
            ),
            (
                "scripts/b.pkt",
                "ipv4-mapped-ipv6",
                1.5,
                Some(("error", "no tun", "no tun")),
            ),
            (
                "scripts/c.pkt",
                "ipv4",
                0.0,
                Some(("skipped", "TCP_MD5SIG", "TCP_MD5SIG")),
            ),
            ("scripts/d.pkt", "ipv4", 0.0, Some(("failure", "x", "x"))),
        ];
        for (case, (classname, name, time, outcome)) in cases.iter().zip(expect) {
            assert_eq!(case.tag_name().name(), "testcase");
            assert_eq!(attr(*case, "classname"), classname);
            assert_eq!(attr(*case, "name"), name);
            assert_eq!(attr(*case, "time").parse::<f64>().unwrap(), time);
            let children = elements(*case);
            match outcome {
                None => assert!(children.is_empty(), "a pass has no outcome element"),
                Some((tag, message, text)) => {
                    assert_eq!(children.len(), 1);
                    assert_eq!(children[0].tag_name().name(), tag);
                    assert_eq!(attr(children[0], "message"), message, "first line only");
                    assert_eq!(children[0].text(), Some(text), "the whole message");
                }
            }
        }
    });
}

#[test]
fn hostile_messages_stay_well_formed() {
    let message =
        "a]]>b <x> & \"q\" 'a' \u{0}nul\u{1b}[31m \u{7}bell\r\n\tnext \u{fffe}\u{ffff} é 🦀";
    let script = "we<ird>\"&'.pkt\u{1}";
    let s = Summary {
        stack: "s<t>a\"c'k&\u{0}".into(),
        runs: vec![
            run(script, IpMode::Ipv4, Verdict::Fail, 0.0, message),
            run(script, IpMode::Ipv6, Verdict::Error, 0.0, message),
            run(script, IpMode::Ipv4, Verdict::Unsupported, 0.0, message),
        ],
        wall_seconds: 0.0,
    };
    with_doc(&s, |doc| {
        let suite = elements(doc.root_element())[0];
        assert_eq!(attr(suite, "name"), "s<t>a\"c'k&\\u{0}");
        for case in elements(suite) {
            assert_eq!(attr(case, "classname"), "we<ird>\"&'.pkt\\u{1}");
            let outcome = elements(case)[0];
            // The attribute keeps the first line; tab, CR and LF come back as themselves
            // because they were written as character references.
            assert_eq!(
                attr(outcome, "message"),
                "a]]>b <x> & \"q\" 'a' \\u{0}nul\\u{1b}[31m \\u{7}bell"
            );
            // Text: forbidden characters replaced by visible escapes, the rest intact (CR
            // included: it was written as a reference, which end-of-line handling keeps).
            let expected = "a]]>b <x> & \"q\" 'a' \\u{0}nul\\u{1b}[31m \\u{7}bell\r\n\tnext \\u{fffe}\\u{ffff} é 🦀";
            assert_eq!(outcome.text(), Some(expected));
        }
    });
}

#[test]
fn tab_and_newline_in_attributes_survive_normalization() {
    let s = Summary {
        stack: "a\tb\nc".into(),
        runs: vec![run("x\ty.pkt", IpMode::Ipv4, Verdict::Pass, 0.0, "")],
        wall_seconds: 0.0,
    };
    with_doc(&s, |doc| {
        let suite = elements(doc.root_element())[0];
        assert_eq!(attr(suite, "name"), "a\tb\nc");
        assert_eq!(attr(elements(suite)[0], "classname"), "x\ty.pkt");
    });
}

#[test]
fn odd_times_are_written_as_valid_numbers() {
    let s = Summary {
        stack: "s".into(),
        runs: vec![
            run("a.pkt", IpMode::Ipv4, Verdict::Pass, f64::NAN, ""),
            run("b.pkt", IpMode::Ipv4, Verdict::Pass, -1.0, ""),
            run("c.pkt", IpMode::Ipv4, Verdict::Pass, 0.0004, ""),
            run("d.pkt", IpMode::Ipv4, Verdict::Pass, 12.3456, ""),
        ],
        wall_seconds: f64::INFINITY,
    };
    with_doc(&s, |doc| {
        let suite = elements(doc.root_element())[0];
        assert_eq!(attr(suite, "time"), "0.000");
        let times: Vec<&str> = elements(suite).iter().map(|c| attr(*c, "time")).collect();
        assert_eq!(times, ["0.000", "0.000", "0.000", "12.346"]);
    });
}

/// XML 1.0 §2.2 `Char`, as the spec states it.
fn xml_char(c: char) -> bool {
    let c = u32::from(c);
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Strings mixing arbitrary characters with the ones XML treats specially or forbids.
fn hostile() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\0', '\x1b', '\x08', '\r', '\n', '\t', '<', '>', '&', '"', '\'', ']', '\u{fffe}',
        '\u{ffff}',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), special], 0..30).prop_map(String::from_iter)
}

proptest! {
    /// Any strings at all give a document a conforming parser accepts, with one testcase per
    /// run, and strings of allowed characters come back unchanged.
    #[test]
    fn any_text_is_well_formed(
        stack in hostile(),
        runs in proptest::collection::vec((hostile(), hostile(), 0..4u8), 0..5),
    ) {
        let verdicts = [Verdict::Pass, Verdict::Fail, Verdict::Error, Verdict::Unsupported];
        let s = Summary {
            stack: stack.clone(),
            runs: runs.iter().map(|(script, message, v)| {
                run(script, IpMode::Ipv4, verdicts[usize::from(*v)], 0.0, message)
            }).collect(),
            wall_seconds: 0.0,
        };
        let xml = junit_xml(&s);
        let doc = Document::parse(&xml);
        prop_assert!(doc.is_ok(), "{:?}\n{}", doc.err(), xml);
        let doc = doc.unwrap();
        let suite = elements(doc.root_element())[0];
        if stack.chars().all(xml_char) {
            prop_assert_eq!(attr(suite, "name"), stack.as_str());
        }
        let cases = elements(suite);
        prop_assert_eq!(cases.len(), runs.len());
        for (case, (script, message, v)) in cases.iter().zip(&runs) {
            if script.chars().all(xml_char) {
                prop_assert_eq!(attr(*case, "classname"), script.as_str());
            }
            let outcome = elements(*case);
            prop_assert_eq!(outcome.len(), usize::from(*v != 0));
            if let (Some(o), true) = (outcome.first(), message.chars().all(xml_char)) {
                prop_assert_eq!(o.text().unwrap_or(""), message.as_str());
            }
        }
    }
}

#[test]
fn oracle_findings_are_properties_and_output_not_failures() {
    use synack::oracle::{Finding, Rule, Severity};
    let f = |severity| Finding {
        severity,
        rule: Rule::AckTooHigh,
        connection: "a → b".into(),
        state: synack_stack::State::Established,
        step: None,
        requirement: None,
        expected: "SEG.ACK in [1, 2] <&>".into(),
        happened: "\"ack 3\"".into(),
        event: 4,
        at: std::time::Duration::ZERO,
        deviation: None,
        occurrences: 1,
    };
    let mut passed = run("scripts/a.pkt", IpMode::Ipv4, Verdict::Pass, 0.1, "");
    passed.oracle = vec![f(Severity::Violation), f(Severity::Advisory)];
    let mut failed = run("scripts/b.pkt", IpMode::Ipv4, Verdict::Fail, 0.1, "expected S.");
    failed.oracle = vec![f(Severity::Violation)];
    let s = Summary { stack: "s".into(), runs: vec![passed, failed], wall_seconds: 0.2 };
    with_doc(&s, |doc| {
        let root = doc.root_element();
        assert_eq!(attr(root, "failures"), "1", "oracle findings do not count as script failures");
        let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(cases.len(), 2);
        let prop = |case: Node, name: &str| {
            case.descendants()
                .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
                .and_then(|n| n.attribute("value"))
                .map(str::to_string)
        };
        assert_eq!(prop(cases[0], "oracle.violations").as_deref(), Some("1"));
        assert_eq!(prop(cases[0], "oracle.advisories").as_deref(), Some("1"));
        assert!(!cases[0].descendants().any(|n| n.has_tag_name("failure")));
        let out = cases[0].descendants().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or("");
        assert!(out.contains("oracle: violation ack-too-high") && out.contains("<&>") && out.contains("\"ack 3\""), "{out}");
        assert!(cases[1].descendants().any(|n| n.has_tag_name("failure")));
        assert_eq!(prop(cases[1], "oracle.violations").as_deref(), Some("1"));
    });
}

#[test]
fn a_first_attempt_is_a_flaky_or_rerun_failure() {
    let mut flaky = run("scripts/a.pkt", IpMode::Ipv4, Verdict::Pass, 0.1, "");
    flaky.first_attempt = Some("timed out waiting for the packet\nat line 9".into());
    let mut again = run("scripts/b.pkt", IpMode::Ipv4, Verdict::Fail, 0.1, "wrong ack");
    again.first_attempt = Some("wrong ack <&>".into());
    let s = Summary { stack: "linux/6.18".into(), runs: vec![flaky, again], wall_seconds: 1.0 };
    with_doc(&s, |doc| {
        let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
        let flaky = elements(cases[0]);
        assert_eq!(flaky.len(), 1, "a pass keeps only its flaky first attempt");
        assert_eq!((flaky[0].tag_name().name(), attr(flaky[0], "message")), ("flakyFailure", "timed out waiting for the packet"));
        let again: Vec<&str> = elements(cases[1]).iter().map(|n| n.tag_name().name()).collect();
        assert_eq!(again, ["failure", "rerunFailure"]);
        let rerun = elements(cases[1])[1];
        assert_eq!(rerun.text(), Some("wrong ack <&>"));
    });
}
