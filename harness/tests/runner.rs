//! The runner's packetdrill semantics, each shown by a small script run on the reference
//! stack: what passes, and what fails with which message.

use synack::backend::reference::ReferenceBackend;
use synack::mode::{AddressPlan, IpMode};
use synack::report::Verdict;
use synack::runner::{self, RunConfig, RunOutcome};
use synack::suite::{setup_for, Job};
use synack::trace::TraceKind;
use synack_stack::Profile;

fn run_in(src: &str, mode: IpMode) -> RunOutcome {
    let script = synack::script::parse("t.pkt", src.as_bytes()).expect("test script parses");
    let job = Job { path: "t.pkt".into(), mode };
    let setup = setup_for(&script, &job, AddressPlan::Documentation).unwrap();
    let mut backend = ReferenceBackend::new(Profile::Linux, &setup, 7);
    runner::run("t.pkt", &script, &mut backend, &setup, &RunConfig::for_mode(mode))
}

fn run(src: &str) -> RunOutcome {
    run_in(src, IpMode::Ipv4)
}

#[track_caller]
fn passes(src: &str) {
    for mode in IpMode::ALL {
        let out = run_in(src, mode);
        assert_eq!(out.verdict, Verdict::Pass, "{mode}: {}", out.message);
    }
}

#[track_caller]
fn fails_with(src: &str, verdict: Verdict, needle: &str) -> RunOutcome {
    let out = run(src);
    assert_eq!(out.verdict, verdict, "{}", out.message);
    assert!(out.message.contains(needle), "message lacks {needle:?}:\n{}", out.message);
    out
}

const LISTEN: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
";

// Without timestamps, so that an MSS of 1000 carries 1000-byte segments.
const HANDSHAKE: &str = "\
+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
";

fn established(rest: &str) -> String {
    format!("{LISTEN}{HANDSHAKE}{rest}")
}

#[test]
fn passive_open_and_data_use_relative_numbers_in_every_mode() {
    passes(&established(
        "+0 write(4, ..., 1000) = 1000
+0 > P. 1:1001(1000) ack 1
+.01 < . 1:1(0) ack 1001 win 257
+0 < P. 1:201(200) ack 1001 win 257
+0 > . 1001:1001(0) ack 201
",
    ));
}

#[test]
fn timestamps_learn_the_stacks_clock_and_map_echoes() {
    // TSval is learned from the SYN-ACK (written 100); the inbound TSecr 100 is mapped back
    // to the stack's clock, so the RTT sample is 10 ms, not garbage.
    passes(&format!(
        "{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257 <nop,nop,TS val 110 ecr 100>
+0 accept(3, ..., ...) = 4
+0 %{{ assert 9000 <= tcpi_rtt <= 11000, tcpi_rtt }}%
"
    ));
}

#[test]
fn a_wrong_field_is_reported_field_by_field_with_the_line() {
    let out = fails_with(
        &established("+0 write(4, ..., 1000) = 1000\n+0 > P. 1:1001(1000) ack 2\n"),
        Verdict::Fail,
        "t.pkt:10:1: outbound packet does not match the script",
    );
    assert!(out.message.contains("tcp ack: expected 2, actual 1"), "{}", out.message);
    // The trace still has everything up to the failure, ending with it.
    assert!(matches!(out.trace.events.last().map(|e| &e.kind), Some(TraceKind::Failure(_))));
    assert!(out.trace.packets().count() >= 4);
}

#[test]
fn options_are_compared_in_order() {
    let src = format!("{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>\n+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>\n");
    let out = fails_with(&src, Verdict::Fail, "tcp options: expected <mss 1460,nop,wscale 8>");
    assert!(out.message.contains("actual <mss 1460,sackOK,TS val"), "{}", out.message);
    // `<...>` skips the option check.
    let src = format!("{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>\n+0 > S. 0:0(0) ack 1 <...>\n");
    assert_eq!(run(&src).verdict, Verdict::Pass);
}

#[test]
fn a_packet_nobody_expects_fails_the_run() {
    // The data is sent at once; the script only expects something a second later.
    fails_with(
        &established("+0 write(4, ..., 100) = 100\n+1 < . 1:1(0) ack 1 win 257\n"),
        Verdict::Fail,
        "unexpected outbound packet at 0.010000: > P. 1:101(100) ack 1",
    );
    // … also after the last line.
    fails_with(&established("+0 write(4, ..., 100) = 100\n"), Verdict::Fail, "after the last script event");
}

#[test]
fn a_packet_the_stack_does_not_send_times_out() {
    fails_with(
        &established("+0 > P. 1:101(100) ack 1\n"),
        Verdict::Fail,
        "timed out waiting for the packet expected at 0.010000 ± 0.004000",
    );
}

#[test]
fn packets_are_timed_with_tolerance() {
    // After a 10 ms RTT sample, Linux's RTO is SRTT + max(4·RTTVAR, 200 ms) = 210 ms: the
    // retransmission is due at 0.22 s.
    let base = "+0 write(4, ..., 100) = 100\n+0 > P. 1:101(100) ack 1\n";
    passes(&established(&format!("{base}+.21 > P. 1:101(100) ack 1\n")));
    fails_with(
        &established(&format!("{base}+1.5 > P. 1:101(100) ack 1\n")),
        Verdict::Fail,
        "timing error: packet expected at 1.510000 ± 0.187500 was sent at 0.220000",
    );
    // A range accepts it, and so does `*`.
    passes(&established(&format!("{base}+0.1~+2 > P. 1:101(100) ack 1\n")));
    passes(&established(&format!("{base}* > P. 1:101(100) ack 1\n")));
}

#[test]
fn blocking_calls_return_at_their_time() {
    // accept() blocks until the handshake completes 0.2 s later.
    let src = format!(
        "{LISTEN}+0...0.2 accept(3, ..., ...) = 4
+.1 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
"
    );
    passes(&src);
    let early = src.replace("+0...0.2 accept", "+0...0.1 accept");
    fails_with(&early, Verdict::Fail, "accept(3, ..., ...) returned at 0.200000, the script expects 0.100000");
    // A blocking read returns when data arrives.
    passes(&established(
        "+0...0.5 read(4, ..., 1000) = 100
+.5 < P. 1:101(100) ack 1 win 257
+0 > . 1:1(0) ack 101
",
    ));
}

#[test]
fn a_call_waits_for_the_blocked_one_within_its_scripted_window() {
    // As packetdrill's await_idle_thread: the getsockopt() scripted at 0.108 starts once the
    // poll() scripted to block until 0.11 has returned, not while it is still blocked.
    let poll = "+0...0.11 poll([{fd=4, events=POLLIN, revents=0}], 1, 100) = 0\n";
    let next = "0.108 getsockopt(4, IPPROTO_TCP, TCP_NODELAY, [0], [4]) = 0\n";
    passes(&established(&format!("{poll}{next}")));
    // But only for as long as the script lets it block: a call still blocked past the end of
    // its window is a failure of that call.
    let long = "+0...0.11 poll([{fd=4, events=POLLIN, revents=0}], 1, 500) = 0\n";
    fails_with(&established(&format!("{long}{next}")), Verdict::Fail, "is still blocked when this call starts");
}

#[test]
fn syscall_results_and_errnos_are_checked() {
    passes("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 listen(3, 1) = 0\n+0 close(3) = 0\n+0 close(3) = -1 EBADF (Bad file descriptor)\n");
    fails_with(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n+0 close(3) = 0\n",
        Verdict::Fail,
        "close() returned -1 EBADF, the script expects 0",
    );
    fails_with(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n+0 close(3) = -1 ENOTCONN\n",
        Verdict::Fail,
        "close() failed with EBADF, the script expects ENOTCONN",
    );
    // getsockopt output values, fcntl flags.
    passes(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
+0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], [4]) = 0
",
    );
    fails_with(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], [4]) = 0\n",
        Verdict::Fail,
        "getsockopt value is 0, the script expects 1",
    );
}

#[test]
fn script_descriptors_are_mapped_to_live_ones() {
    // The script calls its socket 7; the stack returns 3; later calls say 7.
    passes("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 7\n+0 bind(7, ..., ...) = 0\n+0 listen(7, 1) = 0\n+0 close(7) = 0\n");
}

#[test]
fn active_open_learns_the_isn_and_connect_errors_come_back() {
    passes(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.01 < R. 0:0(0) ack 1 win 0
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
",
    );
    // The RST's ack is shifted by the learned ISN: written as 2 it does not acknowledge the
    // SYN, so Linux ignores it (RFC 9293 §3.10.7.3) and the error stays 0.
    passes(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.01 < R. 0:0(0) ack 2 win 0
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
",
    );
}

#[test]
fn sysctl_commands_change_the_stack() {
    let src = format!(
        "`sysctl -q net.ipv4.tcp_timestamps=0`\n{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>\n+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>\n"
    );
    passes(&src);
    // Upstream's helper lines are understood too, including the restore script.
    let src = format!(
        "`../common/defaults.sh\n../common/set_sysctls.py /proc/sys/net/ipv4/tcp_sack=0`\n{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>\n+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,TS val 100 ecr 100,nop,wscale 8>\n`/tmp/sysctl_restore_${{PPID}}.sh`\n"
    );
    passes(&src);
    fails_with("`ip link set tun0 mtu 1280`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", Verdict::Unsupported, "unsupported: shell command");
    fails_with("`sysctl -q net.ipv4.tcp_no_such=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", Verdict::Unsupported, "no such knob");
}

#[test]
fn assertions_are_evaluated_at_their_point() {
    passes(&established("+0 %{ assert tcpi_state == TCP_ESTABLISHED, tcpi_state }%\n+0 %{ assert tcpi_snd_mss == 1000 }%\n"));
    fails_with(
        &established("+0 %{ assert tcpi_snd_mss == 1460, tcpi_snd_mss }%\n"),
        Verdict::Fail,
        "t.pkt:9:4: assertion failed: tcpi_snd_mss == 1460, tcpi_snd_mss (1000)",
    );
    fails_with(&established("+0 %{ import os }%\n"), Verdict::Unsupported, "unsupported: in %{ }%");
}

#[test]
fn several_connections_by_port() {
    let listen = LISTEN.replace("listen(3, 1)", "listen(3, 10)");
    let src = format!(
        "{listen}+0 < [port 40001] S 0:0(0) win 65535 <mss 1000>
+0 > [port 40001] S. 0:0(0) ack 1 <mss 1460>
+0 < [port 40002] S 0:0(0) win 65535 <mss 1000>
+0 > [port 40002] S. 0:0(0) ack 1 <mss 1460>
+.01 < [port 40002] . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 10) = 10
+0 > [port 40002] P. 1:11(10) ack 1
"
    );
    passes(&src);
    // The data goes to 40002, not to 40001.
    let wrong = src.replace("+0 > [port 40002] P.", "+0 > [port 40001] P.");
    fails_with(&wrong, Verdict::Fail, "ports: expected 8080 > 40001, actual 8080 > 40002");
}

#[test]
fn tso_sized_lines_match_back_to_back_segments() {
    // Split differently, it does not match: the merge never goes past what the line wants.
    fails_with(
        &established("+0 write(4, ..., 3000) = 3000\n+0 > P. 1:2501(2500) ack 1\n"),
        Verdict::Fail,
        "tcp payload length: expected 2500, actual 2000",
    );
    // MSS 1000: the stack sends 1000-byte segments; the script describes the burst as one.
    passes(&established(
        "+0 write(4, ..., 3000) = 3000
+0 > P. 1:3001(3000) ack 1
+.01 < . 1:1(0) ack 3001 win 257
",
    ));
}

#[test]
fn unsupported_constructs_are_named_with_their_place() {
    fails_with("0 madvise(0, 4096, 0) = 0\n", Verdict::Unsupported, "t.pkt:1:3: unsupported: system call madvise()");
    fails_with("0 pipe([3, 4]) = 0\n", Verdict::Unsupported, "t.pkt:1:3: unsupported: files and pipes (open, pipe, splice, sendfile) on the reference stack");
    fails_with("0 epoll_create(1) = 3\n", Verdict::Unsupported, "t.pkt:1:3: unsupported: epoll on the reference stack");
    fails_with(
        &format!("{LISTEN}+0 < S 0:0(0) win 1000 <mss 1000,FO abcd1234>\n"),
        Verdict::Unsupported,
        "TCP Fast Open",
    );
    fails_with("0 < icmp unreachable host_unreachable [0:10(10)]\n", Verdict::Unsupported, "ICMP");
}

#[test]
fn packetdrill_compatibility_ignores_packets_no_line_reads() {
    let src = established("+0 write(4, ..., 100) = 100\n+1 < . 1:1(0) ack 1 win 257\n");
    let script = synack::script::parse("t.pkt", src.as_bytes()).unwrap();
    let job = Job { path: "t.pkt".into(), mode: IpMode::Ipv4 };
    let setup = setup_for(&script, &job, AddressPlan::Documentation).unwrap();
    let config = RunConfig { unexpected: runner::Unexpected::Ignore, ..RunConfig::for_mode(IpMode::Ipv4) };
    let mut backend = ReferenceBackend::new(Profile::Linux, &setup, 7);
    let out = runner::run("t.pkt", &script, &mut backend, &setup, &config);
    assert_eq!(out.verdict, Verdict::Pass, "{}", out.message);
    // … but a later outbound line still reads the oldest unread packet, as packetdrill does.
    let src = established("+0 write(4, ..., 100) = 100\n+.5 < . 1:1(0) ack 1 win 257\n+0 > . 1:1(0) ack 1\n");
    let script = synack::script::parse("t.pkt", src.as_bytes()).unwrap();
    let mut backend = ReferenceBackend::new(Profile::Linux, &setup, 7);
    let out = runner::run("t.pkt", &script, &mut backend, &setup, &config);
    assert_eq!(out.verdict, Verdict::Fail);
    assert!(out.message.contains("tcp payload length: expected 0, actual 100"), "{}", out.message);
}

#[test]
fn the_scripts_isn_is_written_on_its_syn_and_later_numbers_are_relative_to_it() {
    // As in packetdrill, SYN segments carry absolute numbers and the others relative ones:
    // the script's ISN is 5000, so the SYN-ACK's ack is written 5001, its data segment 1:101
    // is 5001..5101 on the wire, and the stack's ACK of it is `ack 101`.
    passes(&format!(
        "{LISTEN}+0 < S 5000:5000(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 5001 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 < P. 1:101(100) ack 1 win 257
+0 > . 1:1(0) ack 101
"
    ));
    // The stack's ISN is what its SYN line says it is: here 1234, so the third ACK
    // acknowledges 1 (relative) and a SYN-ACK's ack written absolutely would be 1235.
    passes(&format!(
        "{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 1234:1234(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 10) = 10
+0 > P. 1:11(10) ack 1
"
    ));
}

#[test]
fn a_syn_to_a_new_listener_opens_a_new_connection_from_a_fresh_port() {
    // The first connection is closed by the stack and sits in TIME-WAIT on port 40000;
    // after the listener is re-created, the same SYN comes from a new port and gets a
    // SYN-ACK (not the TIME-WAIT ACK a SYN on the old ports would get).
    passes(&established(
        "+0 close(4) = 0
+0 > F. 1:1(0) ack 1
+.01 < F. 1:1(0) ack 2 win 257
+0 > . 2:2(0) ack 2
+0 close(3) = 0
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
",
    ));
    // Before accept(), the socket under test is still the listener that saw the SYN: a
    // retransmitted SYN belongs to the same connection (Linux answers with the SYN-ACK again).
    passes(&format!(
        "{LISTEN}+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.5 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
"
    ));
}

#[test]
fn ip_decorations_are_checked_on_outbound_packets() {
    let syn = "+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>\n";
    // The stack sends with TTL / hop limit 64 and TOS 0.
    passes(&format!("{LISTEN}{syn}+0 > [tos 0x0] [ttl 64] S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>\n"));
    fails_with(
        &format!("{LISTEN}{syn}+0 > [ttl 63] S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>\n"),
        Verdict::Fail,
        "ip ttl: expected 63, actual 64",
    );
}

#[test]
fn explicit_socket_addresses_are_understood() {
    let out = run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
");
    assert_eq!(out.verdict, Verdict::Pass, "{}", out.message);
    // An address the stack does not own cannot be bound.
    fails_with(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"203.0.113.9\")}, 16) = 0\n",
        Verdict::Fail,
        "bind() returned -1 EADDRNOTAVAIL",
    );
    fails_with(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, {sin_addr=inet_addr(\"300.1.1.1\")}, 16) = 0\n",
        Verdict::Error,
        "bad IPv4 address 300.1.1.1",
    );
}

#[test]
fn a_scripts_own_address_wins_and_keeps_it_out_of_the_other_ip_version() {
    let src = format!("--local_ip=203.0.113.7\n--remote_ip=198.51.100.9\n{LISTEN}");
    let script = synack::script::parse("v4.pkt", src.as_bytes()).unwrap();
    for mode in [IpMode::Ipv4, IpMode::Ipv4MappedIpv6] {
        let setup = setup_for(&script, &Job { path: "v4.pkt".into(), mode }, AddressPlan::Documentation).unwrap();
        assert_eq!(setup.local_ip.to_string(), "203.0.113.7", "{mode}");
        assert_eq!(setup.remote_ip.to_string(), "198.51.100.9", "{mode}");
    }
    // An IPv4 address makes the script IPv4-only: in ipv6 mode it is unsupported, not run
    // with other addresses, and the message points at the option.
    let (verdict, message) = setup_for(&script, &Job { path: "v4.pkt".into(), mode: IpMode::Ipv6 }, AddressPlan::Documentation).unwrap_err();
    assert_eq!(verdict, Verdict::Unsupported);
    assert!(message.starts_with("v4.pkt:1:12: unsupported: --local_ip=203.0.113.7 makes this an IPv4-only script"), "{message}");
    // A malformed address is an error with its place.
    let bad = synack::script::parse("bad.pkt", b"--remote_ip=203.0.113.\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n").unwrap();
    let (verdict, message) = setup_for(&bad, &Job { path: "bad.pkt".into(), mode: IpMode::Ipv4 }, AddressPlan::Documentation).unwrap_err();
    assert_eq!(verdict, Verdict::Error);
    assert!(message.starts_with("bad.pkt:1:13: --remote_ip=203.0.113. is not an IP address"), "{message}");
}
