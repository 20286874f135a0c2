//! Malformed scripts: each must fail with exactly one diagnostic at the right line:column, and
//! no input may make the parser panic.

use proptest::prelude::*;
use synack::script::{self, Diagnostic};

/// (input, line, column, a fragment of the message).
const CASES: &[(&str, u32, u32, &str)] = &[
    // Truncated packet lines: reported right after the last token of the line.
    ("+0 > S 0:0(0) ack\n+0 close(3) = 0\n", 1, 18, "expected ack number after 'ack', found end of line"),
    ("+0 > S 0:0", 1, 11, "expected '(' and the payload length after the end sequence number, found end of file"),
    ("+0 <", 1, 5, "expected TCP flags (such as 'S', 'P.', '.' or '-'), found end of file"),
    ("+0 > S 0:0(0) win\n", 1, 18, "expected window value after 'win'"),
    ("+0 > S 0:0(0) win\n+0 $\n", 1, 18, "expected window value after 'win', found end of line"),
    ("+0 > S 0:0(0) win 1\n+0 $\n", 2, 4, "unexpected character '$'"),
    ("+0 > S 0:0() win 5", 1, 12, "expected payload length after '(', found ')'"),
    ("+0\n", 1, 3, "expected a packet ('<' or '>'), a system call, a `command` or a %{ }% block after the event time, found end of file"),
    // Flags.
    ("+0 > SX 0:0(0)", 1, 7, "unknown TCP flag 'X' in 'SX'"),
    ("+0 > SS. 0:0(0)", 1, 7, "duplicate TCP flag 'S' in 'SS.'"),
    ("+0 > 5 0:0(0)", 1, 6, "expected TCP flags"),
    // Options.
    ("+0 < S 0:0(0) win 1 <mss 1,bogus 3>", 1, 28, "unknown TCP option 'bogus'"),
    ("+0 < S 0:0(0) win 1 <>", 1, 22, "expected a TCP option (mss, nop"),
    ("+0 < S 0:0(0) win 1 <TS val 1>", 1, 30, "expected 'ecr' after the TS val value, found '>'"),
    ("+0 < S 0:0(0) win 1 <wscale 256>", 1, 29, "window scale shift count out of range: 256 > 255"),
    ("+0 < S 0:0(0) win 1 <sack 1>", 1, 28, "expected ':' in the SACK block, found '>'"),
    ("+0 < S 0:0(0) win 1 <sack>", 1, 26, "expected a SACK block 'start:end' after 'sack', found '>'"),
    ("+0 < S 0:0(0) win 1 <FO abc>", 1, 25, "fast open cookie 'abc' has an odd number of hex digits"),
    ("+0 < S 0:0(0) win 1 <FO 12xy>", 1, 25, "invalid fast open cookie '12xy'"),
    ("+0 < S 0:0(0) win 1 <md5 0011>", 1, 26, "md5 digest is 2 bytes; it must be 16"),
    ("+0 < S 0:0(0) win 1 <mss 1460 nop>", 1, 31, "expected ',' or '>' in the TCP option list, found 'nop'"),
    // Unbalanced brackets of every kind.
    ("+0 < S 0:0(0) win 1 <mss 1460\n+0 close(3) = 0\n", 1, 30, "expected ',' or '>' in the TCP option list, found end of line"),
    ("+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1, 4) = 0", 1, 49, "expected ',' or ']' in the array, found ')'"),
    ("+0 f({a=1, b=2) = 0", 1, 15, "expected ',' or '}' in the struct, found ')'"),
    ("+0 close(3 = 0", 1, 12, "expected ',' or ')' in the argument list, found '='"),
    ("+0 close(3)) = 0", 1, 12, "expected '=' and the expected return value after the system call, found ')'"),
    ("+0 < [ect0 . 1:1(0)", 1, 12, "expected ']' after the ECN codepoint, found '.'"),
    ("+0 < [ect2] . 1:1(0)", 1, 7, "unknown IP decoration 'ect2'"),
    ("+0 < [port] . 1:1(0)", 1, 11, "expected a number after 'port', found ']'"),
    ("+0 < [port 70000] . 1:1(0)", 1, 12, "port out of range: 70000 > 65535"),
    ("+0 < [port 1] [port 2] . 1:1(0)", 1, 16, "duplicate port decoration"),
    ("+0 < [ttl 256] . 1:1(0)", 1, 11, "ttl out of range: 256 > 255"),
    ("+0 < [flowlabel 0x100000] . 1:1(0)", 1, 17, "flowlabel out of range: 1048576 > 1048575"),
    ("+0 f(g(1, 2) = 0", 1, 14, "expected ',' or ')' in the argument list, found '='"),
    ("+0 f(x) = 0 E (never closed", 1, 15, "unterminated note (missing ')')"),
    ("+0 icmp", 1, 8, "expected '(' after system call name 'icmp', found end of file"),
    // Times.
    ("+x close(3) = 0", 1, 2, "expected a time after '+', found 'x'"),
    ("1.2.3 close(3) = 0", 1, 1, "malformed number '1.2.3'"),
    ("0.1~+0.2 > . 1:1(0)", 1, 5, "time range mixes absolute and relative times"),
    ("+0.1~0.2 > . 1:1(0)", 1, 6, "time range mixes absolute and relative times"),
    ("0.0000001 close(3) = 0", 1, 1, "time '0.0000001' is more precise than a microsecond"),
    ("99999999999999999 close(3) = 0", 1, 1, "time '99999999999999999' is too large"),
    ("-1 close(3) = 0", 1, 1, "expected an event time (such as '0', '+0.1' or '*'), found '-'"),
    ("close(3) = 0", 1, 1, "expected an event time (such as '0', '+0.1' or '*'), found 'close'"),
    ("* close(3) = 0", 1, 1, "event time '*' can only be used with outbound packets"),
    ("+0.2~+0.1 > . 1:1(0)", 1, 7, "time range is backwards"),
    ("+0...0.1 > S 0:0(0)", 1, 10, "expected a system call name after the blocking end time, found '>'"),
    ("+1s close(3) = 0", 1, 2, "malformed time '1s'"),
    // Syscalls.
    ("+0 close(3)\n+0 close(4) = 0\n", 1, 12, "expected '=' and the expected return value after the system call, found end of line"),
    ("+0 close(3) =", 1, 14, "expected an expression, found end of file"),
    ("+0 close (3) = 0 = 1", 1, 18, "expected an event time"),
    ("+0 close = 0", 1, 10, "expected '(' after system call name 'close', found '='"),
    ("+0 f(-x) = 0", 1, 7, "expected a decimal number after '-', found 'x'"),
    ("+0 f({m(1, 2)=3}) = 0", 1, 7, "the index of member 'm' must be a single expression"),
    // Unterminated strings, commands, code, comments.
    ("+0 open(\"/tmp/x, O_RDONLY) = 5", 1, 9, "unterminated string literal"),
    ("+0 `sysctl -q x", 1, 4, "unterminated backtick command (missing closing '`')"),
    ("+0 %{ assert x\n\n", 1, 4, "unterminated '%{' code block (missing '}%')"),
    ("0 close(3) = 0 /* oops\n", 1, 16, "unterminated '/*' comment"),
    ("+0 f(\"\\q\") = 0", 1, 7, "unknown escape '\\q' in string"),
    // Overflow.
    ("+0 > . 99999999999999999999:1(0)", 1, 8, "number '99999999999999999999' is too large"),
    ("+0 > . 4294967296:4294967296(0)", 1, 8, "TCP start sequence number out of range: 4294967296 > 4294967295"),
    ("+0 < . 1:1(0) win 65536", 1, 19, "TCP window value out of range: 65536 > 65535"),
    ("+0 < . 1:1(0) ack 4294967296", 1, 19, "TCP ack number out of range"),
    ("+0 < . 1:70001(70000)", 1, 16, "TCP payload size out of range"),
    ("+0 close(3) = 9223372036854775808", 1, 15, "number '9223372036854775808' is too large"),
    ("+0 close(3) = -9223372036854775809", 1, 15, "number '-9223372036854775809' is too small"),
    ("+0 f(0x10000000000000000) = 0", 1, 6, "hex number '0x10000000000000000' is too large"),
    // Sequence ranges.
    ("+0 > S :0(0)", 1, 8, "expected start sequence number, found ':'"),
    ("+0 > S 0:(0)", 1, 10, "expected end sequence number after ':', found '('"),
    ("+0 > S 0:5(0)", 1, 8, "inconsistent TCP sequence numbers and payload size: 0 + 0 != 5"),
    ("+0 > S 0:0(0)x", 1, 14, "unexpected 'x' in TCP packet"),
    ("+0 > S 0:0(0x1)", 1, 12, "expected payload length after '(', found '0x1'"),
    // Structure.
    ("0 close(3) = 0\n--mss=1000\n", 2, 1, "option '--mss=1000' must come before any command or event"),
    ("0 close(3) = 0\n`restore`\n+0 close(4) = 0\n", 2, 1, "a backtick command without a time must be the first or the last item"),
    ("--mss=", 1, 7, "missing value after '=' in option '--mss'"),
    ("+0 > . 1:1(0) ack 1 foo", 1, 21, "unexpected 'foo' in TCP packet"),
    ("0 close(3) = 0 $", 1, 16, "unexpected character '$'"),
    ("+0 < udp 5", 1, 10, "expected '(' and the payload length after 'udp', found '5'"),
    ("+0 < icmp", 1, 10, "expected an ICMP type after 'icmp'"),
    ("+0 < icmp unreachable mtu x", 1, 27, "expected MTU value after 'mtu', found 'x'"),
];

#[test]
fn malformed_inputs_report_one_exact_diagnostic() {
    let mut failures = Vec::new();
    for &(src, line, col, fragment) in CASES {
        match script::parse("bad.pkt", src.as_bytes()) {
            Ok(script) => failures.push(format!("{src:?}: parsed, but should fail: {script}")),
            Err(d) => {
                if (d.line, d.col) != (line, col) || !d.message.contains(fragment) {
                    failures.push(format!(
                        "{src:?}:\n  want {line}:{col}: …{fragment}…\n  got  {}:{}: {}",
                        d.line, d.col, d.message
                    ));
                }
                assert_eq!(
                    d.to_string(),
                    format!("bad.pkt:{}:{}: {}", d.line, d.col, d.message)
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    let d = script::parse("bin.pkt", b"0 close(3) = 0\n+0 wr\xffite(4, ..., 1) = 1\n").unwrap_err();
    assert_eq!((d.line, d.col), (2, 6));
    assert!(
        d.message.starts_with("invalid UTF-8 (byte 0xff)"),
        "{}",
        d.message
    );
    assert_eq!(
        d.render(b"0 close(3) = 0\n+0 wr\xffite\n").lines().nth(2),
        Some("   |      ^")
    );
}

#[test]
fn render_shows_the_line_and_a_caret() {
    let src = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S 0:0(0) ack\n";
    let d: Diagnostic = script::parse("foo.pkt", src.as_bytes()).unwrap_err();
    assert_eq!(
        d.render(src.as_bytes()),
        "foo.pkt:2:18: expected ack number after 'ack', found end of file\n 2 | +0 > S 0:0(0) ack\n   |                  ^"
    );
}

/// Fragments that look like packetdrill, so random sequences reach deep into the parser.
const FRAGMENTS: &[&str] = &[
    "0",
    "+0",
    "+.1",
    "1.5",
    "*",
    "~",
    "+",
    "-",
    "-1",
    "...",
    ".",
    "S",
    "S.",
    "P.",
    "F.",
    "R",
    "SEW",
    "E.",
    "<",
    ">",
    "0:0(0)",
    "1:1001(1000)",
    "ack",
    "1",
    "win",
    "257",
    "urg",
    "<...>",
    "<",
    "mss",
    "1460",
    "nop",
    ",",
    "sackOK",
    "wscale",
    "7",
    "TS",
    "val",
    "ecr",
    "sack",
    "1:2",
    "FO",
    "abcd1234",
    "FOEXP",
    "md5",
    "000102030405060708090a0b0c0d0e0f",
    "[ect0]",
    "[",
    "]",
    "icmp",
    "unreachable",
    "frag_needed",
    "mtu",
    "udp",
    "(",
    ")",
    "socket",
    "close",
    "setsockopt",
    "SOL_SOCKET",
    "=",
    "3",
    "{",
    "}",
    "fd=4",
    "msg_iov(1)=",
    "events",
    "|",
    "POLLIN",
    "\"x\\x41\"",
    "0x10",
    "EAGAIN",
    "(Resource temporarily unavailable)",
    "`cmd`",
    "%{ assert 1 }%",
    "--opt=1",
    "--flag",
    "\n",
    "// c\n",
    "/* c */",
    "htons(8080)",
    "NULL",
];

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            0..FRAGMENTS.len(),
            prop_oneof![Just(" "), Just(""), Just("\n")],
        ),
        0..40,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(i, sep)| format!("{}{sep}", FRAGMENTS[i]))
            .collect()
    })
}

/// Anything that parses must print back to text that parses to the same AST.
fn check_round_trip(src: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(first) = script::parse("p.pkt", src) {
        let printed = first.to_string();
        let second = script::parse_str("printed", &printed)
            .map_err(|d| TestCaseError::fail(format!("printed text fails: {d}\n{printed}")))?;
        prop_assert!(
            first.eq_ignoring_spans(&second),
            "round trip differs:\n{printed}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Err(d) = script::parse("fuzz.pkt", &bytes) {
            prop_assert!(d.line >= 1 && d.col >= 1, "{d}");
            let _ = d.render(&bytes);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(src in "\\PC{0,200}") {
        if let Err(d) = script::parse_str("fuzz.pkt", &src) {
            prop_assert!(d.line >= 1 && d.col >= 1, "{d}");
        }
        check_round_trip(src.as_bytes())?;
    }

    #[test]
    fn token_soup_never_panics_and_round_trips(src in soup()) {
        check_round_trip(src.as_bytes())?;
    }

    #[test]
    fn mutated_lines_never_panic_and_round_trip(
        line in prop_oneof![
            Just("+.1 < S. 0:0(0) ack 1 win 5840 <mss 1460,nop,nop,sackOK,nop,wscale 6,FO abcd1234,nop,nop>"),
            Just("+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 2000}], msg_flags=0}, 0) = 2000"),
            Just("+0...0.2 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)"),
            Just("+.3~+.4 > [ect0] P. 1:1001(1000) ack 1 <nop,nop,TS val 1 ecr 2>"),
            Just("+0 < icmp unreachable frag_needed mtu 840 [0:1000(1000)]"),
        ],
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..4),
    ) {
        let mut bytes = line.as_bytes().to_vec();
        for (index, byte, op) in edits {
            let at = index.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => { bytes.remove(at); }
                _ if at < bytes.len() => bytes[at] = byte,
                _ => {}
            }
        }
        check_round_trip(&bytes)?;
    }
}
