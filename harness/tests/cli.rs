//! The `synack` binary as users meet it: exit statuses, the summary, reports, and the
//! artifacts a failing run leaves behind.

use std::path::Path;
use std::process::{Command, Output};

fn synack(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synack")).args(args).current_dir(cwd).output().expect("synack runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

const PASSING: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
";

#[test]
fn a_passing_suite_exits_0_and_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("suite")).unwrap();
    std::fs::write(dir.path().join("suite/ok.pkt"), PASSING).unwrap();
    std::fs::write(dir.path().join("suite/ok-v4.pkt"), PASSING).unwrap();
    let out = synack(&["run", "--json", "s.json", "--junit", "s.xml", "suite"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // ok.pkt in three modes, ok-v4.pkt in the two IPv4 ones.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(json["totals"]["pass"], 5);
    assert_eq!(json["stack"], "reference/linux");
    assert_eq!(json["runs"].as_array().unwrap().len(), 5);
    let xml = std::fs::read_to_string(dir.path().join("s.xml")).unwrap();
    assert!(xml.contains("tests=\"5\""), "{xml}");
    assert!(text(&out).contains("pass         5"), "{}", text(&out));
}

#[test]
fn a_failing_script_prints_the_diff_exits_1_and_keeps_its_pcap_and_trace() {
    let dir = tempfile::tempdir().unwrap();
    // The SYN-ACK acknowledges 1, not 2.
    let bad = PASSING.replace("S. 0:0(0) ack 1", "S. 0:0(0) ack 2");
    std::fs::write(dir.path().join("bad.pkt"), bad).unwrap();
    let out = synack(&["run", "--mode", "ipv4", "--out", "runs", "bad.pkt"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("bad.pkt:6:1: outbound packet does not match the script"), "{t}");
    assert!(t.contains("tcp ack: expected 2, actual 1"), "{t}");
    let base = dir.path().join("runs/bad.pkt/ipv4");
    let pcap = std::fs::read(base.with_extension("pcap")).unwrap();
    // A pcap header and both packets (the SYN in, the SYN-ACK out).
    assert_eq!(&pcap[..4], &[0x4d, 0x3c, 0xb2, 0xa1], "nanosecond pcap magic, little-endian");
    let trace = std::fs::read_to_string(base.with_extension("trace")).unwrap();
    assert!(trace.contains("< S 0:0(0)") && trace.contains("> S. 0:0(0) ack 1"), "{trace}");
    assert!(trace.contains("FAILURE"), "{trace}");
    let log = std::fs::read_to_string(base.with_extension("log")).unwrap();
    assert!(log.contains("tcp ack: expected 2, actual 1"), "{log}");
}

#[test]
fn malformed_scripts_give_file_line_col_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 6] = [
        ("truncated.pkt", b"0 socket(..., SOCK_STREAM", "truncated.pkt:1:"),
        ("flags.pkt", b"+0 < SQ 0:0(0) win 1\n", "flags.pkt:1:7: unknown TCP flag 'Q'"),
        ("option.pkt", b"+0 < S 0:0(0) win 1 <mss 1460,bogus 3>\n", "option.pkt:1:"),
        ("bracket.pkt", b"+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1, 4) = 0\n", "bracket.pkt:1:"),
        ("time.pkt", b"+x close(3) = 0\n", "time.pkt:1:2: expected a time after '+'"),
        ("utf8.pkt", b"0 close(3) = 0 // \xff\xfe\n", "utf8.pkt:1:"),
    ];
    for (name, src, want) in cases {
        std::fs::write(dir.path().join(name), src).unwrap();
        for cmd in ["parse", "run"] {
            let out = synack(&[cmd, name], dir.path());
            assert_eq!(out.status.code(), Some(2), "{cmd} {name}: {}", text(&out));
            assert!(text(&out).contains(want), "{cmd} {name}: wanted {want:?} in\n{}", text(&out));
            assert!(!text(&out).contains("panicked"), "{}", text(&out));
        }
    }
}

#[test]
fn unsupported_runs_are_listed_but_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("u.pkt"), "0 madvise(0, 4096, 0) = 0\n").unwrap();
    let out = synack(&["run", "--mode", "ipv4", "u.pkt"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("UNSUPPORTED"), "{}", text(&out));
    assert!(text(&out).contains("u.pkt:1:3: unsupported: system call madvise()"), "{}", text(&out));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(synack(&["run"], dir.path()).status.code(), Some(2));
    assert_eq!(synack(&["run", "--mode", "ipv5", "x.pkt"], dir.path()).status.code(), Some(2));
    assert_eq!(synack(&["run", "no-such-dir"], dir.path()).status.code(), Some(2));
    assert_eq!(synack(&["frobnicate"], dir.path()).status.code(), Some(2));
}
