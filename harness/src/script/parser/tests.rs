//! Unit tests: one per AST shape, plus the semantic checks packetdrill makes while parsing.

use crate::script::ast::*;
use crate::script::{parse, parse_str, ClearSpans, Diagnostic};

fn ok(src: &str) -> Script {
    match parse_str("t.pkt", src) {
        Ok(script) => script,
        Err(e) => panic!("{}", e.render(src.as_bytes())),
    }
}

fn err(src: &str) -> Diagnostic {
    parse_str("t.pkt", src).expect_err("should fail")
}

fn one_event(src: &str) -> Event {
    let mut script = ok(src);
    assert_eq!(script.events.len(), 1, "{script:?}");
    script.events.remove(0)
}

fn tcp(src: &str) -> (PacketEvent, TcpPacket) {
    let EventKind::Packet(packet) = one_event(src).kind else {
        panic!("not a packet: {src}")
    };
    let PacketBody::Tcp(tcp) = packet.body.clone() else {
        panic!("not TCP: {src}")
    };
    (packet, tcp)
}

fn syscall(src: &str) -> SyscallEvent {
    let EventKind::Syscall(s) = one_event(src).kind else {
        panic!("not a syscall: {src}")
    };
    s
}

fn option_kinds(tcp: &TcpPacket) -> Vec<TcpOptionKind> {
    match &tcp.options.as_ref().expect("options").value {
        TcpOptions::List(list) => list.iter().map(|o| o.kind.clone()).collect(),
        TcpOptions::Any => panic!("<...>"),
    }
}

#[test]
fn options_and_commands() {
    let s = ok("--tolerance_usecs=10000\n--strict_segments // c\n`init\nmore`\n0 `sysctl -q x=1`\n`cleanup`\n");
    assert_eq!(s.options.len(), 2);
    assert_eq!(s.options[0].name.value, "tolerance_usecs");
    assert_eq!(s.options[0].value.as_ref().unwrap().value, "10000");
    assert_eq!(s.options[0].value.as_ref().unwrap().span.start.col, 19);
    assert_eq!(s.option("strict_segments"), Some(None));
    assert_eq!(s.option("missing"), None);
    assert_eq!(s.init_command.as_ref().unwrap().text, "init\nmore");
    assert_eq!(s.cleanup_command.as_ref().unwrap().text, "cleanup");
    let EventKind::Command(c) = &s.events[0].kind else {
        panic!()
    };
    assert_eq!(c.text, "sysctl -q x=1");
}

#[test]
fn times() {
    let s = ok(
        "0 close(3) = 0\n+.1 close(3) = 0\n1.5 close(3) = 0\n+0.000001 close(3) = 0\n\
                +.3~+.4 > . 1:1(0)\n0.1~0.2 > . 1:1(0)\n* > F. 1:1(0) ack 1\n",
    );
    let times: Vec<EventTime> = s.without_spans().events.iter().map(|e| e.time).collect();
    let t = |micros| Time {
        micros,
        span: crate::script::Span::DUMMY,
    };
    assert_eq!(
        times,
        vec![
            EventTime::Absolute(t(0)),
            EventTime::Relative(t(100_000)),
            EventTime::Absolute(t(1_500_000)),
            EventTime::Relative(t(1)),
            EventTime::RelativeRange {
                start: t(300_000),
                end: t(400_000)
            },
            EventTime::AbsoluteRange {
                start: t(100_000),
                end: t(200_000)
            },
            EventTime::Any(crate::script::Span::DUMMY),
        ]
    );
    let EventTime::Relative(rel) = s.events[1].time else {
        panic!()
    };
    assert_eq!((rel.span.start.col, rel.span.end.col), (2, 4));
}

#[test]
fn blocking_syscall_end_times() {
    for src in [
        "+.1...0.200 connect(3, ..., ...) = 0",
        "+0 ... .02 read(4, ..., 1) = 1",
        "+0 ...0.010 read(4, ..., 1) = 1",
    ] {
        let s = syscall(src);
        assert!(s.end_time.is_some(), "{src}");
    }
    assert_eq!(
        syscall("+.1...0.200 connect(3, ..., ...) = 0")
            .end_time
            .unwrap()
            .micros,
        200_000
    );
}

#[test]
fn tcp_packets() {
    let (p, t) = tcp("+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
    assert_eq!(p.direction.value, Direction::Inbound);
    assert!(t.flags.syn && !t.flags.ack && !t.flags.fin);
    assert_eq!((t.seq.start, t.seq.end, t.seq.len), (0, 0, 0));
    assert_eq!(t.win.unwrap().value, 32792);
    assert_eq!(t.ack, None);
    use TcpOptionKind::*;
    assert_eq!(
        option_kinds(&t),
        vec![Mss(1000), SackPermitted, Nop, Nop, Nop, WindowScale(7)]
    );

    let (p, t) = tcp("+0 > P. 1:1001(1000) ack 1");
    assert_eq!(p.direction.value, Direction::Outbound);
    assert_eq!(t.flags.raw, "P.");
    assert!(t.flags.psh && t.flags.ack);
    assert_eq!(t.ack.unwrap().value, 1);
    assert_eq!(t.options, None);

    let (_, t) = tcp("+0 < U. 1:101(100) ack 1 win 257 urg 100");
    assert!(t.flags.urg);
    assert_eq!(t.urg.unwrap().value, 100);

    let (_, t) = tcp("+0 < - 1:1001(1000) win 20000");
    assert_eq!(
        t.flags,
        TcpFlags {
            span: t.flags.span,
            ..TcpFlags::default()
        }
    );

    let (_, t) = tcp("+0 < SEW 0:0(0) win 1");
    assert!(t.flags.syn && t.flags.ece && t.flags.cwr);
    let (_, t) = tcp("+0 < SFAPRU. 0:0(0) win 1");
    assert!(t.flags.fin && t.flags.ae && t.flags.rst && t.flags.psh && t.flags.urg && t.flags.ack);

    let (_, t) = tcp("+0 > S 0:0(0) <...>");
    assert_eq!(t.options.unwrap().value, TcpOptions::Any);
}

#[test]
fn every_tcp_option_kind() {
    let (_, t) = tcp(
        "+0 < . 1:1(0) ack 1 win 1 <nop,eol,mss 1460,wscale 14,sackOK,sack 1:2 3:4,\
         TS val 100 ecr 0,FO,FO abcd1234,FO TFO_COOKIE,FOEXP,FOEXP 0123456789ABCDEF,\
         md5 000102030405060708090a0b0c0d0e0f>",
    );
    use TcpOptionKind::*;
    let sack = |start, end| SackBlock {
        start,
        end,
        span: crate::script::Span::DUMMY,
    };
    let got: Vec<TcpOptionKind> = option_kinds(&t)
        .into_iter()
        .map(|k| match k {
            Sack(blocks) => Sack(blocks.iter().map(|b| sack(b.start, b.end)).collect()),
            other => other,
        })
        .collect();
    assert_eq!(
        got,
        vec![
            Nop,
            Eol,
            Mss(1460),
            WindowScale(14),
            SackPermitted,
            Sack(vec![sack(1, 2), sack(3, 4)]),
            Timestamp { val: 100, ecr: 0 },
            FastOpen(None),
            FastOpen(Some(FastOpenCookie::Bytes(vec![0xab, 0xcd, 0x12, 0x34]))),
            FastOpen(Some(FastOpenCookie::Define("TFO_COOKIE".into()))),
            FastOpenExp(None),
            FastOpenExp(Some(FastOpenCookie::Bytes(vec![
                1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
            ]))),
            Md5([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
        ]
    );
}

#[test]
fn ip_decorations() {
    for (src, ecn) in [
        ("+0 < [ect0] . 1:1(0) ack 1", Ecn::Ect0),
        ("+0 < [ect1] . 1:1(0) ack 1", Ecn::Ect1),
        ("+0 < [noecn] E. 1:1(0) ack 1", Ecn::NoEcn),
        ("+0 > [ce] . 1:1(0) ack 1", Ecn::Ce),
        ("+0 > [ect01] . 1:1(0) ack 1", Ecn::Ect01),
    ] {
        let (p, _) = tcp(src);
        let got = p.ip.ecn.unwrap();
        assert_eq!(got.value, ecn);
        assert_eq!(got.span.text(src).chars().next(), Some('['));
    }
}

#[test]
fn port_decoration_names_the_connection() {
    let src = "+0 < [ect0] [port 40001] S 0:0(0) win 1000";
    let (p, _) = tcp(src);
    assert_eq!(p.ip.ecn.unwrap().value, Ecn::Ect0);
    let port = p.ip.port.unwrap();
    assert_eq!(port.value, 40001);
    assert_eq!(port.span.text(src), "[port 40001]");
    let (p, _) = tcp("+0 > [port 8] S. 0:0(0) ack 1");
    assert_eq!(p.ip.port.unwrap().value, 8);
    assert!(p.ip.ecn.is_none());
}

#[test]
fn tos_ttl_and_flowlabel_decorations() {
    let src = "+0 < [tos 0x10] [ttl 3] [flowlabel 0xabcde] . 1:1(0) ack 1";
    let (p, _) = tcp(src);
    assert_eq!(p.ip.tos.unwrap().value, 0x10);
    assert_eq!(p.ip.ttl.unwrap().value, 3);
    assert_eq!(p.ip.flowlabel.unwrap().value, 0xabcde);
}

#[test]
fn icmp_and_udp() {
    let EventKind::Packet(p) =
        one_event("+0 < icmp unreachable frag_needed mtu 840 [0:1000(1000)]").kind
    else {
        panic!()
    };
    let PacketBody::Icmp(icmp) = p.body else {
        panic!()
    };
    assert_eq!(icmp.icmp_type.value, "unreachable");
    assert_eq!(icmp.code.unwrap().value, "frag_needed");
    assert_eq!(icmp.mtu.unwrap().value, 840);
    assert_eq!(
        icmp.echoed.map(|s| (s.start, s.end, s.len)),
        Some((0, 1000, 1000))
    );

    let EventKind::Packet(p) = one_event("+0 < icmp packet_too_big mtu 1400").kind else {
        panic!()
    };
    let PacketBody::Icmp(icmp) = p.body else {
        panic!()
    };
    assert_eq!((icmp.code, icmp.echoed), (None, None));

    let EventKind::Packet(p) = one_event("+0 < icmp unreachable CODE").kind else {
        panic!()
    };
    let PacketBody::Icmp(icmp) = p.body else {
        panic!()
    };
    assert_eq!(icmp.code.unwrap().value, "CODE");

    let EventKind::Packet(p) = one_event("+0 < udp (1000)").kind else {
        panic!()
    };
    let PacketBody::Udp(udp) = p.body else {
        panic!()
    };
    assert_eq!(udp.len.value, 1000);
}

#[test]
fn syscalls_and_results() {
    let s = syscall("+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
    assert_eq!(s.name.value, "connect");
    assert_eq!(s.args.len(), 3);
    assert_eq!(s.args[1].kind, ExprKind::Ellipsis);
    assert_eq!(s.result.value.kind, ExprKind::Int(-1));
    assert_eq!(s.result.errno.unwrap().value, "EINPROGRESS");
    assert_eq!(s.result.note.unwrap().value, "Operation now in progress");

    let s = syscall("+0 read(4, ..., 512) = -1 EHOSTUNREACH(No route to host)");
    assert_eq!(s.result.errno.unwrap().value, "EHOSTUNREACH");
    assert_eq!(s.result.note.unwrap().value, "No route to host");

    let s = syscall("+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)");
    assert_eq!(s.result.value.kind, ExprKind::Hex(2));
    assert_eq!(s.result.errno, None);
    assert_eq!(s.result.note.unwrap().value, "flags O_RDWR");

    let s = syscall("+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, \"\", 0) = -1 (Invalid Argument)");
    assert_eq!(s.args[3].kind, ExprKind::Str(vec![]));
    assert_eq!(s.result.note.unwrap().value, "Invalid Argument");

    let s = syscall("+0 close(3) = 0");
    assert_eq!((s.result.errno, s.result.note), (None, None));
    assert_eq!(syscall("+0 getpid() = 7").args, vec![]);
}

#[test]
fn expressions() {
    let s = syscall("+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK|O_CLOEXEC) = 0");
    // Left-associative: (O_RDWR|O_NONBLOCK)|O_CLOEXEC.
    let ExprKind::Binary {
        op: BinaryOp::BitOr,
        lhs,
        rhs,
    } = &s.args[2].kind
    else {
        panic!()
    };
    assert_eq!(rhs.kind, ExprKind::Ident("O_CLOEXEC".into()));
    assert!(matches!(lhs.kind, ExprKind::Binary { .. }));
    assert_eq!(s.args[2].to_string(), "O_RDWR|O_NONBLOCK|O_CLOEXEC");

    let s = syscall("+0 getsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0xffffffff], [4]) = 0");
    let mut arg = s.args[3].clone();
    arg.clear_spans();
    assert_eq!(
        arg,
        Expr::dummy(ExprKind::Array(vec![Expr::dummy(ExprKind::Hex(
            0xffff_ffff
        ))]))
    );

    let s = syscall("+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, \"\\xf7\\x63ab\", 16) = 0");
    assert_eq!(s.args[3].kind, ExprKind::Str(vec![0xf7, 0x63, b'a', b'b']));

    let s = syscall("+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0");
    let port = &s.args[1].field("sin_port").unwrap().value;
    let ExprKind::Call { name, args } = &port.kind else {
        panic!()
    };
    assert_eq!(
        (name.value.as_str(), args[0].as_int()),
        ("htons", Some(8080))
    );
    assert_eq!(
        s.args[1].field("sa_family").unwrap().value.kind,
        ExprKind::Ident("AF_INET".into())
    );
    assert!(s.args[1].field("nope").is_none());

    let s = syscall("+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {linger_onoff=1, linger=0}, 8) = 0");
    assert_eq!(s.args[3].field("linger").unwrap().value.as_int(), Some(0));

    let s = syscall("+0 x(-9223372036854775808, 9223372036854775807) = 0");
    assert_eq!(s.args[0].as_int(), Some(i64::MIN));
    assert_eq!(s.args[1].as_int(), Some(i64::MAX));
}

#[test]
fn msghdr_iovec_and_cmsg() {
    let src = "+0 recvmsg(4, {msg_name(...)=...,\n\
               msg_iov(1)=[{..., 2000}],\n\
               msg_flags=0,\n\
               msg_control=[{cmsg_level=SOL_TCP,\n\
                             cmsg_type=TCP_CM_INQ,\n\
                             cmsg_data={ee_errno=0, ee_info=1}}]}, 0) = 2000";
    let s = syscall(src);
    let msg = &s.args[1];
    let name = msg.field("msg_name").unwrap();
    let key = name.key.as_ref().unwrap();
    assert_eq!(key.index.as_ref().unwrap().kind, ExprKind::Ellipsis);
    assert_eq!(name.value.kind, ExprKind::Ellipsis);
    let iov = msg.field("msg_iov").unwrap();
    assert_eq!(
        iov.key.as_ref().unwrap().index.as_ref().unwrap().as_int(),
        Some(1)
    );
    let ExprKind::Array(iovs) = &iov.value.kind else {
        panic!()
    };
    let ExprKind::Struct(iovec) = &iovs[0].kind else {
        panic!()
    };
    assert_eq!(iovec.len(), 2);
    assert!(iovec.iter().all(|f| f.key.is_none()));
    assert_eq!(iovec[1].value.as_int(), Some(2000));
    let ExprKind::Array(cmsgs) = &msg.field("msg_control").unwrap().value.kind else {
        panic!()
    };
    let data = &cmsgs[0].field("cmsg_data").unwrap().value;
    assert_eq!(data.field("ee_info").unwrap().value.as_int(), Some(1));
    assert_eq!(msg.span.start.line, 1);
    assert_eq!(msg.span.end.line, 6);
    // Positional call members and `|` inside structs.
    let s = syscall("+0 f({htons(1), A|B, {}}) = 0");
    let ExprKind::Struct(fields) = &s.args[0].kind else {
        panic!()
    };
    assert!(matches!(fields[0].value.kind, ExprKind::Call { .. }));
    assert!(matches!(fields[1].value.kind, ExprKind::Binary { .. }));
    assert_eq!(fields[2].value.kind, ExprKind::Struct(vec![]));
}

#[test]
fn code_blocks() {
    let e = one_event("+0 %{\nassert tcpi_rtt > 0, 'x'\n}%");
    let EventKind::Code(code) = e.kind else {
        panic!()
    };
    assert_eq!(code.text, "\nassert tcpi_rtt > 0, 'x'\n");
    assert_eq!((e.span.start.line, e.span.end.line), (1, 3));
}

#[test]
fn event_spans() {
    let s = ok("  +0 close(3) = 0  // c\n   +.1 > S. 0:0(0) ack 1 <mss 1460>\n");
    assert_eq!(
        s.events[0].span.text("  +0 close(3) = 0  // c\n"),
        "+0 close(3) = 0"
    );
    let e = &s.events[1];
    assert_eq!(
        (e.span.start.line, e.span.start.col, e.span.end.col),
        (2, 4, 36)
    );
    let EventKind::Packet(p) = &e.kind else {
        panic!()
    };
    let PacketBody::Tcp(t) = &p.body else {
        panic!()
    };
    assert_eq!((t.seq.span.start.col, t.seq.span.end.col), (13, 19));
    assert_eq!(t.ack.unwrap().span.start.col, 24);
}

#[test]
fn packetdrill_semantic_checks() {
    let e = err("+0 * close(3) = 0");
    assert_eq!(e.message, "expected a packet ('<' or '>'), a system call, a `command` or a %{ }% block after the event time, found '*'");
    assert_eq!(
        err("* close(3) = 0").message,
        "event time '*' can only be used with outbound packets"
    );
    assert_eq!(
        err("* < . 1:1(0) ack 1").message,
        "event time '*' can only be used with outbound packets"
    );
    assert_eq!(
        err("+0~+1 close(3) = 0").message,
        "event time range can only be used with outbound packets"
    );
    let e = err("+.2~+.1 > . 1:1(0)");
    assert_eq!((e.col, e.message.as_str()), (6, "time range is backwards"));
    let e = err("+0 > . 1:2(0)");
    assert_eq!(
        (e.col, e.message.as_str()),
        (
            8,
            "inconsistent TCP sequence numbers and payload size: 1 + 0 != 2"
        )
    );
}

#[test]
fn field_order_is_explained() {
    let e = err("+0 > . 1:1(0) win 5 ack 1");
    assert_eq!(e.col, 21);
    assert!(
        e.message.starts_with("unexpected 'ack' in TCP packet"),
        "{}",
        e.message
    );
}

#[test]
fn untimed_command_in_the_middle() {
    let e = err("0 close(3) = 0\n`x`\n+0 close(3) = 0\n");
    assert_eq!((e.line, e.col), (2, 1));
    assert!(e.message.contains("without a time"));
    let e = err("0 close(3) = 0\n--mss=5\n");
    assert_eq!(
        e.message,
        "option '--mss=5' must come before any command or event"
    );
}

#[test]
fn nesting_limit() {
    let deep = format!("+0 f({}0{}) = 0", "[".repeat(100), "]".repeat(100));
    assert!(err(&deep).message.starts_with("nesting too deep"));
    let ok_depth = format!("+0 f({}0{}) = 0", "[".repeat(60), "]".repeat(60));
    ok(&ok_depth);
}

#[test]
fn parse_accepts_bytes() {
    assert!(parse("b.pkt", b"0 close(3) = 0\n").is_ok());
}
