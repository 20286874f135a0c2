//! The oracle as users meet it: beside every `synack run` (text, JSON, JUnit, logs), and as
//! `synack check` on captures, with its exit statuses.

use std::path::Path;
use std::process::{Command, Output};

fn synack(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synack")).args(args).current_dir(cwd).output().expect("synack runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A passive open and a FIN from the peer. Under the `fin_not_acked` mutation the stack
/// acknowledges the FIN with ACK 1 (not 2): the script below expects exactly that, so the
/// script passes — and the oracle must still say the FIN was never acknowledged. (A last
/// segment 0.6 s later carries the trace past MUST-40's half second.)
const FIN: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+.01 < F. 1:1(0) ack 1 win 257
+0~+.005 > . 1:1(0) ack ACK
+.6 < . 2:2(0) ack 1 win 257
";

#[test]
fn fail_on_oracle_turns_a_violation_into_exit_status_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.pkt"), FIN.replace("ACK", "2")).unwrap();
    let buggy = format!("`sysctl -q synack.mutation=fin_not_acked`\n{}", FIN.replace("ACK", "1"));
    std::fs::write(dir.path().join("buggy.pkt"), buggy).unwrap();
    let run = |script: &str| synack(&["run", "--mode", "ipv4", "--out", "runs", "--fail-on-oracle", script], dir.path());
    // The buggy script passes, but the oracle finds the FIN unacknowledged.
    let bad = run("buggy.pkt");
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("pass         1") && text(&bad).contains("fail         0"), "{}", text(&bad));
    assert!(text(&bad).contains("oracle       2 violations"), "{}", text(&bad));
    // Without violations the flag changes nothing.
    let good = run("good.pkt");
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));
}

#[test]
fn oracle_verdicts_sit_beside_the_scripts_own() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.pkt"), FIN.replace("ACK", "2")).unwrap();
    let buggy = format!("`sysctl -q synack.mutation=fin_not_acked`\n{}", FIN.replace("ACK", "1"));
    std::fs::write(dir.path().join("buggy.pkt"), buggy).unwrap();
    let out = synack(&["run", "--mode", "ipv4", "--out", "runs", "--json", "s.json", "--junit", "s.xml", "good.pkt", "buggy.pkt"], dir.path());
    // Both scripts pass: the exit status is the scripts'.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    // Online: the ACK that does not cover the FIN, then the FIN never acknowledged.
    assert!(t.contains("oracle       2 violations"), "{t}");
    assert!(t.contains("ORACLE") && t.contains("buggy.pkt") && t.contains("ack-too-low §3.10.7.4/8"), "{t}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("s.json")).unwrap()).unwrap();
    let runs = json["runs"].as_array().unwrap();
    let by_name = |n: &str| runs.iter().find(|r| r["script"].as_str().is_some_and(|s| s.ends_with(n))).unwrap();
    assert_eq!(by_name("good.pkt")["oracle"], serde_json::json!([]));
    let buggy = by_name("buggy.pkt");
    assert_eq!(buggy["result"], "pass");
    assert_eq!(buggy["oracle"][0]["severity"], "violation");
    assert_eq!(buggy["oracle"][0]["step"], "3.10.7.4/8");
    let xml = std::fs::read_to_string(dir.path().join("s.xml")).unwrap();
    assert!(xml.contains("failures=\"0\"") && xml.contains("oracle.violations"), "{xml}");
    let log = std::fs::read_to_string(dir.path().join("runs/buggy.pkt/ipv4.log")).unwrap();
    assert!(log.contains("oracle: violation ack-too-low"), "{log}");

    // The same runs judged offline from their pcaps: a capture cannot tell an ACK sent
    // before the FIN was processed from one that ignores it, but half a second later the FIN
    // is still unacknowledged (MUST-40).
    let stack = ["--endpoint", "192.0.2.1"];
    let good = synack(&[&["check", "runs/good.pkt/ipv4.pcap"][..], &stack].concat(), dir.path());
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));
    assert!(text(&good).contains("0 violations"), "{}", text(&good));
    let bad = synack(&[&["check", "runs/buggy.pkt/ipv4.pcap", "--json", "c.json"][..], &stack].concat(), dir.path());
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("ack-delay"), "{}", text(&bad));
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(c["violations"], 1);
    assert_eq!(c["oracle"][0]["rule"], "ack-delay");
    assert_eq!(c["oracle"][0]["requirement"], "MUST-40");
    assert_eq!(c["profile"], "linux");
}

#[test]
fn check_exits_2_on_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a capture at all").unwrap();
    let out = synack(&["check", "notes.txt"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("unknown magic number"), "{}", text(&out));
    let out = synack(&["check", "missing.pcap"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("cannot read missing.pcap"), "{}", text(&out));
    let out = synack(&["check", "notes.txt", "--endpoint", "nowhere"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = synack(&["check", "notes.txt", "--profile", "bsd"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = synack(&["check", "notes.txt", "--permit", "everything"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no deviation everything") && text(&out).contains("short-time-wait"), "{}", text(&out));
    assert!(!text(&out).contains("panicked"));
}

#[test]
fn coverage_tabulates_steps_and_requirements() {
    let dir = tempfile::tempdir().unwrap();
    let script = format!("// A FIN from the peer\n// Requirements: MUST-40, SHLD-18\n{}", FIN.replace("ACK", "2"));
    std::fs::write(dir.path().join("fin.pkt"), script).unwrap();
    let out = synack(&["coverage", "--json", "cov.json", "fin.pkt"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("§3.10 steps (3 runs)"), "{t}");
    let row = |step: &str| t.lines().find(|l| l.trim_start().starts_with(&format!("{step} "))).unwrap_or("").to_string();
    assert!(row("3.10.7.4/8").contains(" 1 scripts"), "{t}");
    assert!(row("3.10.7.3/5").contains("NOT EXERCISED"), "{t}");
    // MUST-40: declared by the script and exercised (the FIN's ACK was owed); SHLD-18
    // declared only.
    assert!(t.lines().any(|l| l.contains("MUST-40") && l.contains("1 / 1")), "{t}");
    assert!(t.lines().any(|l| l.contains("SHLD-18") && l.contains("1 / 0")), "{t}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("cov.json")).unwrap()).unwrap();
    assert_eq!(json["runs"], 3);
    let must40 = json["requirements"].as_array().unwrap().iter().find(|r| r["id"] == "MUST-40").unwrap();
    assert_eq!(must40["exercised_by"], serde_json::json!(["fin.pkt"]));
    assert_eq!(synack(&["coverage", "missing-dir"], dir.path()).status.code(), Some(2));
}
