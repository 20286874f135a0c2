//! Grammar-driven property tests: scripts generated from the grammar must parse, and printing
//! the AST must give text that parses to the same AST (spans aside).

use proptest::collection::vec;
use proptest::prelude::*;
use synack::script::{self, EventKind, Script};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A C string literal with every non-alphanumeric byte escaped.
fn c_string(bytes: Vec<u8>) -> String {
    let body: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    format!("\"{body}\"")
}

fn time() -> impl Strategy<Value = String> {
    (0u64..5_000_000, any::<bool>()).prop_map(|(micros, relative)| {
        let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
        if relative {
            format!("+{text}")
        } else {
            text
        }
    })
}

/// Times allowed for outbound packets: also `*` and ranges.
fn outbound_time() -> impl Strategy<Value = String> {
    prop_oneof![
        time(),
        Just("*".to_string()),
        (0u32..1000, 0u32..1000).prop_map(|(a, d)| format!(
            "+0.{a:03}~+{}.{:03}",
            (a + d) / 1000,
            (a + d) % 1000
        )),
        (0u32..1000, 0u32..1000).prop_map(|(a, d)| format!("{a}~{}", a + d)),
    ]
}

fn seq() -> impl Strategy<Value = String> {
    (0..=u32::MAX - 65_535, any::<u16>())
        .prop_map(|(start, len)| format!("{start}:{}({len})", start + u32::from(len)))
}

fn cookie() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        vec(any::<u8>(), 0..=16).prop_map(|b| format!(" {}", hex(&b))),
        Just(" TFO_COOKIE".to_string()),
    ]
}

fn tcp_option() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nop".to_string()),
        Just("eol".to_string()),
        Just("sackOK".to_string()),
        any::<u16>().prop_map(|v| format!("mss {v}")),
        any::<u8>().prop_map(|v| format!("wscale {v}")),
        vec((any::<u32>(), any::<u32>()), 1..4).prop_map(|b| format!(
            "sack {}",
            b.iter()
                .map(|(s, e)| format!("{s}:{e}"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
        (any::<u32>(), any::<u32>()).prop_map(|(v, e)| format!("TS val {v} ecr {e}")),
        cookie().prop_map(|c| format!("FO{c}")),
        cookie().prop_map(|c| format!("FOEXP{c}")),
        any::<[u8; 16]>().prop_map(|d| format!("md5 {}", hex(&d))),
    ]
}

fn tcp_packet() -> impl Strategy<Value = String> {
    let flags = prop_oneof![
        Just("S"),
        Just("S."),
        Just("."),
        Just("P."),
        Just("F."),
        Just("R"),
        Just("R."),
        Just("-"),
        Just("SEW"),
        Just("SE."),
        Just("U."),
        Just("FPU.")
    ];
    let ecn = prop_oneof![
        Just(""),
        Just("[noecn] "),
        Just("[ect0] "),
        Just("[ect1] "),
        Just("[ect01] "),
        Just("[ce] "),
        Just("[port 40001] "),
        Just("[ect0] [port 1] "),
        Just("[tos 0x10] [ttl 64] "),
        Just("[flowlabel 0x12345] ")
    ];
    let options = prop_oneof![
        Just(String::new()),
        Just(" <...>".to_string()),
        vec(tcp_option(), 1..6).prop_map(|o| format!(" <{}>", o.join(","))),
    ];
    (
        ecn,
        flags,
        seq(),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<u16>()),
        prop::option::of(any::<u16>()),
        options,
    )
        .prop_map(|(ecn, flags, seq, ack, win, urg, options)| {
            let mut line = format!("{ecn}{flags} {seq}");
            if let Some(ack) = ack {
                line += &format!(" ack {ack}");
            }
            if let Some(win) = win {
                line += &format!(" win {win}");
            }
            if let Some(urg) = urg {
                line += &format!(" urg {urg}");
            }
            line + &options
        })
}

fn other_packet() -> impl Strategy<Value = String> {
    let icmp = (
        prop_oneof![
            Just("unreachable"),
            Just("packet_too_big"),
            Just("time_exceeded")
        ],
        prop_oneof![
            Just(""),
            Just(" frag_needed"),
            Just(" host_unreachable"),
            Just(" CODE")
        ],
        prop::option::of(any::<u32>()),
        prop::option::of(seq()),
    )
        .prop_map(|(t, code, mtu, echoed)| {
            let mtu = mtu.map(|m| format!(" mtu {m}")).unwrap_or_default();
            let echoed = echoed.map(|s| format!(" [{s}]")).unwrap_or_default();
            format!("icmp {t}{code}{mtu}{echoed}")
        });
    prop_oneof![icmp, any::<u16>().prop_map(|n| format!("udp ({n})"))]
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("...".to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<u64>().prop_map(|v| format!("{v:#x}")),
        "[A-Z_][A-Z0-9_]{0,8}",
        vec(any::<u8>(), 0..6).prop_map(c_string),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            vec(
                (
                    prop_oneof![
                        Just(String::new()),
                        "[a-z_]{1,6}=",
                        "[a-z_]{1,6}\\(1\\)=",
                        "[a-z_]{1,6}\\(\\.\\.\\.\\)="
                    ],
                    inner.clone()
                ),
                0..4
            )
            .prop_map(|v| format!(
                "{{{}}}",
                v.into_iter()
                    .map(|(k, e)| k + &e)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}|{b}")),
            ("[a-z][a-z_]{0,6}", vec(inner, 0..3))
                .prop_map(|(name, args)| format!("{name}({})", args.join(", "))),
        ]
    })
}

fn syscall() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<u32>().prop_map(|v| format!("{v:#x}")),
        "[A-Z_]{1,6}",
    ];
    (
        prop::option::of(0u32..1000),
        "[a-z][a-z_]{0,9}",
        vec(expr(), 0..5),
        value,
        prop::option::of("E[A-Z]{2,8}"),
        prop::option::of("[A-Za-z ,.:'-]{0,30}"),
    )
        .prop_map(|(end, name, args, value, errno, note)| {
            let end = end.map(|ms| format!("...0.{ms:03}")).unwrap_or_default();
            let errno = errno.map(|e| format!(" {e}")).unwrap_or_default();
            let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
            format!("{end} {name}({}) = {value}{errno}{note}", args.join(", "))
        })
}

fn event() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (outbound_time(), tcp_packet()).prop_map(|(t, p)| format!("{t} > {p}")),
        3 => (time(), tcp_packet()).prop_map(|(t, p)| format!("{t} < {p}")),
        1 => (time(), other_packet()).prop_map(|(t, p)| format!("{t} < {p}")),
        4 => (time(), syscall()).prop_map(|(t, s)| format!("{t}{s}")),
        1 => (time(), "[a-z /.=_$-]{0,20}").prop_map(|(t, c)| format!("{t} `{c}`")),
        1 => (time(), "[a-z0-9 =<>_\n]{0,30}").prop_map(|(t, c)| format!("{t} %{{{c}}}%")),
    ]
}

fn script_text() -> impl Strategy<Value = String> {
    (
        vec(("[a-z_]{1,12}", prop::option::of("[a-z0-9.:]{1,10}")), 0..3),
        prop::option::of("[a-z ./\n]{0,20}"),
        vec(event(), 0..12),
        prop::option::of("[a-z ./]{0,20}"),
    )
        .prop_map(|(options, init, events, cleanup)| {
            let mut out = String::new();
            for (name, value) in options {
                out += &match value {
                    Some(v) => format!("--{name}={v}  // comment\n"),
                    None => format!("--{name}\n"),
                };
            }
            if let Some(init) = init {
                out += &format!("`{init}`\n");
            }
            for e in events {
                out += &format!("   {e} /* c */\n");
            }
            if let Some(cleanup) = cleanup {
                out += &format!("`{cleanup}`\n");
            }
            out
        })
}

fn parse_ok(name: &str, src: &str) -> Result<Script, TestCaseError> {
    script::parse_str(name, src)
        .map_err(|d| TestCaseError::fail(format!("{}\n---\n{src}", d.render(src.as_bytes()))))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn generated_scripts_parse_and_round_trip(src in script_text()) {
        let first = parse_ok("gen.pkt", &src)?;
        let printed = first.to_string();
        let second = parse_ok("printed.pkt", &printed)?;
        prop_assert!(first.eq_ignoring_spans(&second), "round trip differs:\n{src}\n---\n{printed}");
        // Printing is a fixed point after one round.
        prop_assert_eq!(second.to_string(), printed);
    }

    #[test]
    fn event_spans_cover_their_text(src in script_text()) {
        let script = parse_ok("gen.pkt", &src)?;
        for event in &script.events {
            let text = event.span.text(&src);
            prop_assert!(!text.is_empty());
            prop_assert!(!text.ends_with(char::is_whitespace), "{text:?}");
            if let EventKind::Syscall(call) = &event.kind {
                prop_assert!(text.contains(&call.name.value));
                prop_assert_eq!(call.name.span.text(&src), call.name.value.as_str());
            }
        }
    }
}
