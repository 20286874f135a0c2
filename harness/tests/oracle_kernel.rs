//! The oracle on the Linux kernel: runs of the Linux backend, and captures of ordinary
//! kernel-to-kernel connections made inside a network namespace, draw no violation — only
//! Linux's documented, deliberate choices, reported as permitted by the `linux` profile.
//! These tests need root and /dev/net/tun; without them they say so and skip, unless
//! `SYNACK_REQUIRE_KERNEL=1`, where a skip is a failure.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::time::Duration;
use synack::mode::{AddressPlan, IpMode};
use synack::oracle::capture::check_bytes;
use synack::oracle::{OracleProfile, Severity};
use synack::runner::Unexpected;
use synack::suite::{self, Job, StackKind, SuiteConfig};
use synack_stack::Profile;

fn kernel_available(test: &str) -> bool {
    match synack::backend::linux::netns::available() {
        Ok(()) => true,
        Err(missing) => {
            if std::env::var("SYNACK_REQUIRE_KERNEL").is_ok_and(|v| v == "1") {
                panic!("{test}: SYNACK_REQUIRE_KERNEL=1 but {missing}");
            }
            eprintln!("SKIPPED {test}: {missing}");
            false
        }
    }
}

#[test]
fn linux_backend_runs_draw_no_violation() {
    if !kernel_available("linux_backend_runs_draw_no_violation") {
        return;
    }
    let config = SuiteConfig {
        stack: StackKind::Linux,
        profile: Profile::Linux,
        modes: vec![IpMode::Ipv4],
        jobs: 1,
        out: None,
        seed: 1,
        unexpected: Unexpected::Fail,
        addresses: AddressPlan::Documentation,
        rerun_alone: false,
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packetdrill-scripts");
    let mut violations = Vec::new();
    let mut permitted = std::collections::BTreeSet::new();
    // Scripts where Linux's choices show (and quick ones: each runs in real time).
    for script in [
        "reset/rst-time-wait.pkt",
        "reset/rst-fin-wait-2-orphan.pkt",
        "reset/rst-seq-of-fin-close-wait.pkt",
        "handshake/simultaneous-open.pkt",
        "rfc5961/ack-challenge.pkt",
        "rfc5961/challenge-ack-rate-limit.pkt",
        "data/out-of-order.pkt",
        "close/close-with-unread-data.pkt",
        "window/zero-window-persist.pkt",
        "retransmission/rto-backoff.pkt",
    ] {
        let (report, _) = suite::run_job(&Job { path: dir.join(script), mode: IpMode::Ipv4 }, &config);
        for f in &report.oracle {
            match f.severity {
                Severity::Permitted => {
                    permitted.insert(f.deviation.map(|d| d.name()).unwrap_or_default());
                }
                Severity::Violation | Severity::Advisory | Severity::Note => violations.push(format!("{script}: {f}")),
            }
        }
    }
    println!("permitted on the kernel: {permitted:?}");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    assert!(permitted.contains("time-wait-silent-on-rst") && permitted.contains("ack-range-bytes-acked"), "{permitted:?}");
}

/// `ETH_P_ALL` in network order, as `AF_PACKET` wants the protocol.
fn eth_p_all() -> u16 {
    (libc::ETH_P_ALL as u16).to_be()
}

/// An `AF_PACKET` socket on `lo`, Ethernet-framed records.
fn capture_lo() -> OwnedFd {
    // SAFETY: plain socket(2), checked.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK, eth_p_all().into()) };
    assert!(raw >= 0, "AF_PACKET: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: a NUL-terminated literal.
    let index = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    // SAFETY: an all-zero sockaddr_ll is valid; the fields bind needs are set.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = eth_p_all();
    sll.sll_ifindex = index as i32;
    // SAFETY: a live sockaddr_ll and its size.
    let rc = unsafe { libc::bind(fd.as_raw_fd(), &sll as *const _ as *const libc::sockaddr, std::mem::size_of::<libc::sockaddr_ll>() as u32) };
    assert_eq!(rc, 0, "bind: {}", std::io::Error::last_os_error());
    // Room for a whole exchange of 64 KB loopback segments (root may exceed rmem_max).
    let size: i32 = 256 << 20;
    // SAFETY: a live i32 and its size.
    unsafe { libc::setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &size as *const i32 as *const libc::c_void, 4) };
    fd
}

/// Every packet `lo` carried, once each (the outgoing copy), with the time it was read.
fn drain(fd: &OwnedFd, start: std::time::Instant) -> Vec<(Duration, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 17];
    loop {
        // SAFETY: as above.
        let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
        // SAFETY: a live buffer and address of the given sizes.
        let n = unsafe {
            libc::recvfrom(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0, &mut from as *mut _ as *mut libc::sockaddr, &mut len)
        };
        if n < 0 {
            break;
        }
        if from.sll_pkttype == libc::PACKET_OUTGOING as u8 {
            out.push((start.elapsed(), buf[..n as usize].to_vec()));
        }
    }
    out
}

/// A classic pcap, LINKTYPE_ETHERNET, microseconds.
fn pcap(records: &[(Duration, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    for x in [0xa1b2_c3d4u32.to_le_bytes().to_vec(), vec![2, 0, 4, 0], vec![0; 8], 262_144u32.to_le_bytes().to_vec(), 1u32.to_le_bytes().to_vec()] {
        b.extend(x);
    }
    for (at, d) in records {
        b.extend((at.as_secs() as u32).to_le_bytes());
        b.extend(at.subsec_micros().to_le_bytes());
        b.extend((d.len() as u32).to_le_bytes());
        b.extend((d.len() as u32).to_le_bytes());
        b.extend(d);
    }
    b
}

/// Kernel-to-kernel connections on the namespace's loopback: a two-way transfer with an
/// orderly close, a refused connection, and an abort (SO_LINGER 0).
fn exchange(addr: &str) {
    let listener = TcpListener::bind(addr).expect("listen");
    let at = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut got = Vec::new();
        s.read_to_end(&mut got).expect("read");
        s.write_all(&got).expect("echo");
        s.shutdown(Shutdown::Write).expect("shutdown");
        let (s, _) = listener.accept().expect("accept the one to abort");
        drop(s);
    });
    let mut c = TcpStream::connect(at).expect("connect");
    let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
    c.write_all(&data).expect("write");
    c.shutdown(Shutdown::Write).expect("shutdown");
    let mut back = Vec::new();
    c.read_to_end(&mut back).expect("read back");
    assert_eq!(back, data);
    drop(c);
    let abort = TcpStream::connect(at).expect("connect");
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a live linger struct and its size, on a socket we own.
    let rc = unsafe {
        libc::setsockopt(abort.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, &linger as *const _ as *const libc::c_void, std::mem::size_of::<libc::linger>() as u32)
    };
    assert_eq!(rc, 0, "SO_LINGER: {}", std::io::Error::last_os_error());
    drop(abort);
    server.join().expect("server");
    let mut refused = at;
    refused.set_port(1);
    assert!(TcpStream::connect(refused).is_err());
}

#[test]
fn kernel_to_kernel_captures_draw_no_violation() {
    if !kernel_available("kernel_to_kernel_captures_draw_no_violation") {
        return;
    }
    let records = std::thread::spawn(|| {
        synack::backend::linux::netns::enter_fresh_namespace().expect("netns");
        let up = std::process::Command::new("ip").args(["link", "set", "lo", "up"]).status().expect("ip");
        assert!(up.success());
        let fd = capture_lo();
        let start = std::time::Instant::now();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut all = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    all.extend(drain(&fd, start));
                    std::thread::sleep(Duration::from_millis(1));
                }
                all.extend(drain(&fd, start));
                all
            })
        };
        exchange("127.0.0.1:0");
        exchange("[::1]:0");
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().expect("the capture thread")
    })
    .join()
    .expect("the namespace thread");
    assert!(records.len() > 40, "{} packets captured", records.len());
    let capture = pcap(&records);
    let report = check_bytes(&capture, &[], OracleProfile::linux()).expect("readable");
    println!("{} packets, {:?}; permitted: {:?}", report.packets, report.stats, report.findings.iter().filter_map(|f| f.deviation).map(|d| d.name()).collect::<Vec<_>>());
    let bad: Vec<String> = report.findings.iter().filter(|f| f.severity != Severity::Permitted).map(|f| f.to_string()).collect();
    if !bad.is_empty() {
        // Kept for `synack check`: the exchange's timing differs from run to run.
        let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel_to_kernel.pcap");
        let _ = std::fs::write(&kept, &capture);
        panic!("{} (the capture: {})", bad.join("\n"), kept.display());
    }
    // Both sides of 6 connections (2 families × transfer, abort, refused).
    assert_eq!(report.stats.connections, 12, "{:?}", report.stats);
    assert_eq!(report.stats.not_judged, 0);
}
