//! The parser against upstream packetdrill's 162 TCP scripts (`../shared/packetdrill-upstream`):
//! every script parses, printing and re-parsing gives the same AST, and specific scripts have
//! exactly the content they should (so the parser cannot silently drop any).
//!
//! The corpus is not part of the repository; when it is absent these tests print a notice and
//! pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use synack::script::{
    self, Direction, Ecn, EventKind, EventTime, ExprKind, FastOpenCookie, PacketBody, Script,
    SyscallEvent, TcpOptionKind, TcpOptions, TcpPacket,
};

const CORPUS: &str = "/../../shared/packetdrill-upstream/gtests";
const TCP_DIR: &str = "net/tcp";

fn corpus_root() -> Option<PathBuf> {
    let root = PathBuf::from(format!("{}{CORPUS}", env!("CARGO_MANIFEST_DIR")));
    if root.is_dir() {
        Some(root)
    } else {
        println!(
            "skipped: upstream packetdrill corpus {} not present",
            root.display()
        );
        None
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "pkt") {
            out.push(path);
        }
    }
}

/// Every script as (path relative to `gtests/net/tcp`, source bytes).
fn corpus() -> Option<Vec<(String, Vec<u8>)>> {
    let root = corpus_root()?;
    let mut paths = Vec::new();
    collect(&root, &mut paths);
    let tcp_root = root.join(TCP_DIR);
    Some(
        paths
            .into_iter()
            .map(|path| {
                let name = path
                    .strip_prefix(&tcp_root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, bytes)
            })
            .collect(),
    )
}

fn load(name: &str) -> Option<Script> {
    let root = corpus_root()?;
    let path = root.join(TCP_DIR).join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(script::parse(name, &bytes).unwrap_or_else(|d| panic!("{}", d.render(&bytes))))
}

#[test]
fn every_upstream_script_parses() {
    let Some(files) = corpus() else { return };
    let mut failures = Vec::new();
    for (name, bytes) in &files {
        if let Err(diagnostic) = script::parse(name, bytes) {
            failures.push(diagnostic.render(bytes));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert_eq!(files.len(), 162, "the corpus README promises 162 scripts");
}

#[test]
fn print_then_parse_round_trips() {
    let Some(files) = corpus() else { return };
    let mut failures = Vec::new();
    for (name, bytes) in &files {
        let Ok(first) = script::parse(name, bytes) else {
            continue;
        };
        let printed = first.to_string();
        match script::parse_str("printed", &printed) {
            Err(d) => failures.push(format!(
                "{name}: printed text does not parse: {}",
                d.render(printed.as_bytes())
            )),
            Ok(second) if !first.eq_ignoring_spans(&second) => {
                let (a, b) = (first.without_spans(), second.without_spans());
                let detail = a
                    .events
                    .iter()
                    .zip(&b.events)
                    .find(|(x, y)| x != y)
                    .map(|(x, y)| format!("first difference:\n  {x:?}\n  {y:?}"))
                    .unwrap_or_else(|| "options, commands or event count differ".into());
                failures.push(format!("{name}: {detail}"));
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Counts over the whole corpus. The expected numbers were cross-checked against `grep` on the
/// raw files (e.g. `grep -cE '^\s*\S+\s+[<>]\s'` for packet lines).
#[test]
fn corpus_census() {
    let Some(files) = corpus() else { return };
    let mut census: BTreeMap<&str, usize> = BTreeMap::new();
    let mut syscalls: BTreeMap<String, usize> = BTreeMap::new();
    for (name, bytes) in &files {
        let script = script::parse(name, bytes).expect("parses");
        *census.entry("init commands").or_default() += usize::from(script.init_command.is_some());
        *census.entry("cleanup commands").or_default() +=
            usize::from(script.cleanup_command.is_some());
        *census.entry("options").or_default() += script.options.len();
        for event in &script.events {
            let key = match &event.kind {
                EventKind::Packet(p) => match &p.body {
                    PacketBody::Tcp(_) => "tcp packets",
                    PacketBody::Icmp(_) => "icmp packets",
                    PacketBody::Udp(_) => "udp packets",
                },
                EventKind::Syscall(s) => {
                    *syscalls.entry(s.name.value.clone()).or_default() += 1;
                    if s.end_time.is_some() {
                        *census.entry("blocking syscalls").or_default() += 1;
                    }
                    "syscalls"
                }
                EventKind::Command(_) => "timed commands",
                EventKind::Code(_) => "code blocks",
            };
            *census.entry(key).or_default() += 1;
        }
        for packet in script.packets() {
            let PacketBody::Tcp(tcp) = &packet.body else {
                continue;
            };
            if let Some(options) = &tcp.options {
                match &options.value {
                    TcpOptions::Any => *census.entry("<...>").or_default() += 1,
                    TcpOptions::List(list) => {
                        for option in list {
                            let key = match option.kind {
                                TcpOptionKind::Nop => "nop",
                                TcpOptionKind::Eol => "eol",
                                TcpOptionKind::Mss(_) => "mss",
                                TcpOptionKind::WindowScale(_) => "wscale",
                                TcpOptionKind::SackPermitted => "sackOK",
                                TcpOptionKind::Sack(_) => "sack",
                                TcpOptionKind::Timestamp { .. } => "TS",
                                TcpOptionKind::FastOpen(_) => "FO",
                                TcpOptionKind::FastOpenExp(_) => "FOEXP",
                                TcpOptionKind::Md5(_) => "md5",
                            };
                            *census.entry(key).or_default() += 1;
                        }
                    }
                }
            }
        }
    }
    println!("{census:#?}\n{syscalls:#?}");
    let expected: BTreeMap<&str, usize> = [
        ("<...>", 4),
        ("FO", 194),
        ("FOEXP", 31),
        ("TS", 186),
        ("blocking syscalls", 52),
        ("cleanup commands", 44),
        ("code blocks", 304),
        ("icmp packets", 8),
        ("init commands", 162),
        ("md5", 2),
        ("mss", 523),
        ("nop", 1927),
        ("options", 50),
        ("sack", 76),
        ("sackOK", 484),
        ("syscalls", 1777),
        ("tcp packets", 2107),
        ("timed commands", 25),
        ("wscale", 454),
    ]
    .into_iter()
    .collect();
    assert_eq!(census, expected);
    assert_eq!(syscalls.len(), 27);
    assert_eq!(
        [
            &syscalls["socket"],
            &syscalls["setsockopt"],
            &syscalls["recvmsg"],
            &syscalls["epoll_wait"]
        ],
        [&271, &235, &34, &58]
    );
}

#[test]
fn blocking_accept_in_full() {
    let Some(s) = load("blocking/blocking-accept.pkt") else {
        return;
    };
    assert!(s.options.is_empty());
    assert_eq!(
        s.init_command.as_ref().unwrap().text,
        "../common/defaults.sh"
    );
    assert_eq!(s.cleanup_command, None);
    let printed: Vec<String> = s.events.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        printed,
        [
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
            "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
            "+0 bind(3, ..., ...) = 0",
            "+0 listen(3, 1) = 0",
            "+0...0.2 accept(3, ..., ...) = 4",
            "+0.1 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>",
            "+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>",
            "+0.1 < . 1:1(0) ack 1 win 257",
            "+0.1 write(4, ..., 2000) = 2000",
            "+0 > P. 1:2001(2000) ack 1",
        ]
    );
    assert_eq!(syscall(&s, 4).end_time.unwrap().micros, 200_000);
    let (dir, syn) = tcp(&s, 5);
    assert_eq!(*dir, Direction::Inbound);
    assert_eq!(
        options(syn),
        [
            TcpOptionKind::Mss(1000),
            TcpOptionKind::Nop,
            TcpOptionKind::WindowScale(7)
        ]
    );
    // Spans point into the file: line 12 is `  +.1 < S 0:0(0) win 32792 <…>`.
    assert_eq!(
        (s.events[5].span.start.line, s.events[5].span.start.col),
        (12, 3)
    );
    assert_eq!(syn.win.unwrap().span.start.col, 22);
}

#[test]
fn fastopen_key_strings_notes_and_cookies() {
    let Some(s) = load("fastopen/server/sockopt-fastopen-key.pkt") else {
        return;
    };
    assert_eq!(s.option("local_ip"), Some(Some("192.168.0.2")));
    assert_eq!(s.option("remote_ip"), Some(Some("10.248.0.2")));
    assert_eq!(
        s.cleanup_command.as_ref().unwrap().text,
        "/tmp/sysctl_restore_${PPID}.sh"
    );
    let key = syscall(&s, 2);
    assert_eq!(key.name.value, "setsockopt");
    let ExprKind::Str(bytes) = &key.args[3].kind else {
        panic!("{:?}", key.args[3])
    };
    assert_eq!(bytes.len(), 16);
    assert_eq!(&bytes[..4], &[0xf7, 0x63, 0xbf, 0xa0]);
    assert_eq!(key.args[3].span.start.line, 16);
    let (_, synack) = tcp(&s, 6);
    assert_eq!(
        options(synack).last(),
        Some(&TcpOptionKind::FastOpenExp(Some(FastOpenCookie::Bytes(
            vec![0x00, 0xab, 0xaa, 0xab, 0xe8, 0xe9, 0x54, 0xc2]
        ))))
    );
    let invalid: Vec<&SyscallEvent> = s
        .syscalls()
        .filter(|c| {
            c.result
                .note
                .as_ref()
                .is_some_and(|n| n.value == "Invalid Argument")
        })
        .collect();
    assert_eq!(invalid.len(), 2);
    assert!(invalid
        .iter()
        .all(|c| c.result.errno.is_none() && c.result.value.as_int() == Some(-1)));
    assert_eq!(invalid[0].args[3].kind, ExprKind::Str(vec![]));
}

#[test]
fn timestamping_structs_and_code() {
    let Some(s) = load("timestamping/server.pkt") else {
        return;
    };
    let set = s
        .syscalls()
        .find(|c| c.name.value == "setsockopt" && c.args[2].to_string() == "SO_TIMESTAMPING");
    let ExprKind::Array(flags) = &set.expect("SO_TIMESTAMPING").args[3].kind else {
        panic!()
    };
    assert_eq!(
        flags[0].to_string(),
        "SOF_TIMESTAMPING_TX_SCHED|SOF_TIMESTAMPING_TX_SOFTWARE|SOF_TIMESTAMPING_TX_ACK|\
         SOF_TIMESTAMPING_SOFTWARE|SOF_TIMESTAMPING_OPT_ID"
    );
    let recvmsgs: Vec<&SyscallEvent> = s.syscalls().filter(|c| c.name.value == "recvmsg").collect();
    assert_eq!(recvmsgs.len(), 6);
    let msg = &recvmsgs[5].args[1];
    assert_eq!(
        msg.field("msg_flags").unwrap().value.to_string(),
        "MSG_ERRQUEUE|MSG_TRUNC"
    );
    let ExprKind::Array(cmsgs) = &msg.field("msg_control").unwrap().value.kind else {
        panic!()
    };
    assert_eq!(cmsgs.len(), 2);
    let ts = &cmsgs[0].field("cmsg_data").unwrap().value;
    assert_eq!(
        ts.field("scm_nsec").unwrap().value.as_int(),
        Some(30_000_000)
    );
    let err = &cmsgs[1].field("cmsg_data").unwrap().value;
    assert_eq!(
        err.field("ee_errno").unwrap().value.kind,
        ExprKind::Ident("ENOMSG".into())
    );
    assert_eq!(err.field("ee_data").unwrap().value.as_int(), Some(3999));
    assert_eq!(
        recvmsgs[5].args[2].kind,
        ExprKind::Ident("MSG_ERRQUEUE".into())
    );
    let code: Vec<&str> = s
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Code(c) => Some(c.text.as_str()),
            EventKind::Packet(_) | EventKind::Syscall(_) | EventKind::Command(_) => None,
        })
        .collect();
    assert_eq!(
        code,
        ["\nassert 5000 <= tcpi_rtt <= 20000, 'srtt=%d us' % tcpi_rtt\n"]
    );
}

#[test]
fn ecn_decorations_and_flags() {
    let Some(s) = load("cwnd_moderation/cwnd-moderation-ecn-enter-cwr-no-moderation-700.pkt")
    else {
        return;
    };
    assert!(s
        .init_command
        .as_ref()
        .unwrap()
        .text
        .contains("# server agrees to ECN"));
    let packets: Vec<_> = s.packets().collect();
    assert_eq!(packets.len(), 5);
    let ecn: Vec<Option<Ecn>> = packets.iter().map(|p| p.ip.ecn.map(|e| e.value)).collect();
    assert_eq!(ecn, [None, None, Some(Ecn::Ect1), None, Some(Ecn::NoEcn)]);
    let (_, sew) = tcp(&s, 4);
    assert!(sew.flags.syn && sew.flags.ece && sew.flags.cwr && !sew.flags.ack);
    let (_, e) = tcp(&s, 11);
    assert_eq!(e.flags.raw, "E.");
    assert!(e.flags.ece && e.flags.ack && !e.flags.cwr);
    let EventKind::Code(code) = &s.events[12].kind else {
        panic!()
    };
    assert!(code.text.contains("assert tcpi_snd_cwnd == 4"));
    assert_eq!(
        (s.events[12].span.start.line, s.events[12].span.end.line),
        (24, 33)
    );
}

#[test]
fn icmp_lines() {
    let Some(s) = load("fastopen/client/syn-data-icmp-unreach-frag-needed-with-seq.pkt") else {
        return;
    };
    let icmp = s
        .packets()
        .find_map(|p| match &p.body {
            PacketBody::Icmp(icmp) => Some(icmp),
            PacketBody::Tcp(_) | PacketBody::Udp(_) => None,
        })
        .expect("an icmp line");
    assert_eq!(icmp.icmp_type.value, "unreachable");
    assert_eq!(icmp.code.as_ref().unwrap().value, "frag_needed");
    assert_eq!(icmp.mtu.unwrap().value, 840);
    assert_eq!(
        icmp.echoed.map(|q| (q.start, q.end, q.len)),
        Some((0, 1000, 1000))
    );
    let Some(s) = load("fastopen/server/icmp-before-accept.pkt") else {
        return;
    };
    let codes: Vec<Option<&str>> = s
        .packets()
        .filter_map(|p| match &p.body {
            PacketBody::Icmp(icmp) => Some(icmp.code.as_ref().map(|c| c.value.as_str())),
            PacketBody::Tcp(_) | PacketBody::Udp(_) => None,
        })
        .collect();
    assert_eq!(codes, [None, Some("CODE")]);
}

#[test]
fn times_ranges_and_star() {
    let Some(s) = load("fastopen/server/opt34/fin-close-socket.pkt") else {
        return;
    };
    let last = s.events.last().unwrap();
    assert!(matches!(last.time, EventTime::Any(_)));
    assert_eq!(last.to_string(), "* > F. 1:1(0) ack 12");
    let Some(s) = load("nagle/sendmsg_msg_more.pkt") else {
        return;
    };
    let range = s.events.iter().find_map(|e| match e.time {
        EventTime::RelativeRange { start, end } => Some((start.micros, end.micros)),
        EventTime::Absolute(_)
        | EventTime::Relative(_)
        | EventTime::AbsoluteRange { .. }
        | EventTime::Any(_) => None,
    });
    assert_eq!(range, Some((210_000, 215_000)));
    let Some(s) = load("fastopen/server/opt34/pure-syn-data.pkt") else {
        return;
    };
    assert_eq!(
        s.events[0].to_string(),
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3"
    );
}

#[test]
fn odd_flags_urgent_and_md5() {
    let Some(s) = load("validate/validate-established-no-flags.pkt") else {
        return;
    };
    let (_, none) = tcp(&s, 8);
    assert_eq!(none.flags.raw, "");
    assert!(
        !(none.flags.ack || none.flags.syn || none.flags.fin || none.flags.rst || none.flags.psh)
    );
    assert_eq!(s.events[8].to_string(), "+0.01 < - 1:1001(1000) win 20000");
    let Some(s) = load("splice/tcp_splice_loop_test.pkt") else {
        return;
    };
    let (_, urg) = tcp(&s, 10);
    assert!(urg.flags.urg && urg.flags.ack);
    assert_eq!(urg.urg.unwrap().value, 100);
    let (_, any) = tcp(&s, 6);
    assert_eq!(any.options.as_ref().unwrap().value, TcpOptions::Any);
    assert_eq!(syscall(&s, 9).args[0].to_string(), "[5, 6]");
    let Some(s) = load("md5/md5-only-on-client-ack.pkt") else {
        return;
    };
    let (_, ack) = tcp(&s, 6);
    let mut digest = [0u8; 16];
    digest
        .iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = i as u8);
    assert_eq!(
        options(ack),
        [
            TcpOptionKind::Md5(digest),
            TcpOptionKind::Nop,
            TcpOptionKind::Nop
        ]
    );
    let EventKind::Command(cmd) = &s.events[8].kind else {
        panic!()
    };
    assert_eq!(
        cmd.text,
        r#"grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90""#
    );
}

fn tcp(script: &Script, index: usize) -> (&Direction, &TcpPacket) {
    let EventKind::Packet(packet) = &script.events[index].kind else {
        panic!("event {index} is not a packet: {:?}", script.events[index])
    };
    let PacketBody::Tcp(tcp) = &packet.body else {
        panic!("event {index} is not TCP")
    };
    (&packet.direction.value, tcp)
}

fn syscall(script: &Script, index: usize) -> &SyscallEvent {
    let EventKind::Syscall(s) = &script.events[index].kind else {
        panic!("event {index} is not a syscall: {:?}", script.events[index])
    };
    s
}

fn options(tcp: &TcpPacket) -> Vec<TcpOptionKind> {
    match &tcp.options.as_ref().expect("has options").value {
        TcpOptions::List(list) => list.iter().map(|o| o.kind.clone()).collect(),
        TcpOptions::Any => panic!("<...>"),
    }
}
