//! The BSD-socket vocabulary the harness maps syscalls onto one-to-one: domains, options,
//! shutdown modes, readiness, and the `TCP_INFO` snapshot.

use crate::connection::ConnOptions;
use std::time::Duration;

/// A socket descriptor, numbered from 3 like a process's first free fd.
pub type Fd = i32;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Domain {
    /// AF_INET
    Inet,
    /// AF_INET6 (IPv4-mapped addresses allowed, as with Linux's bindv6only = 0)
    Inet6,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

/// Socket options the reference stack understands (set and get).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SockOpt {
    ReuseAddr(bool),
    RcvBuf(u32),
    SndBuf(u32),
    /// SO_LINGER: `None` off, `Some(0)` abort on close.
    Linger(Option<Duration>),
    KeepAlive(bool),
    NoDelay(bool),
    MaxSeg(u16),
    UserTimeout(Duration),
    SynCount(u8),
    KeepIdle(Duration),
    KeepIntvl(Duration),
    KeepCnt(u8),
}

/// The name half of [`SockOpt`], for getsockopt.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SockOptName {
    ReuseAddr,
    RcvBuf,
    SndBuf,
    Linger,
    KeepAlive,
    NoDelay,
    MaxSeg,
    UserTimeout,
    SynCount,
    KeepIdle,
    KeepIntvl,
    KeepCnt,
    /// SO_ERROR: the pending error (cleared by reading it), 0 when none.
    Error,
}

/// getsockopt's answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SockOptValue {
    Int(i64),
    Linger { on: bool, seconds: u32 },
}

/// Per-socket option values (those kept on the socket rather than the connection).
#[derive(Clone, Debug, Default)]
pub struct SocketOptions {
    pub reuse_addr: bool,
    pub rcvbuf: Option<u32>,
    pub sndbuf: Option<u32>,
    pub linger: Option<Duration>,
    pub conn: ConnOptions,
}

/// poll(2)-style readiness.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Readiness {
    /// POLLIN: data, end of stream, a pending connection (listener), or an error.
    pub readable: bool,
    /// POLLOUT: connected with room in the send buffer.
    pub writable: bool,
    /// POLLERR
    pub error: bool,
    /// POLLHUP: both directions are shut.
    pub hangup: bool,
    /// POLLRDHUP: the peer sent FIN.
    pub read_hangup: bool,
}

/// A `struct tcp_info` equivalent (field names without the `tcpi_` prefix; times in µs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpInfo {
    pub state: u8,
    pub ca_state: u8,
    pub retransmits: u32,
    pub probes: u32,
    pub backoff: u32,
    /// TCPI_OPT_TIMESTAMPS 1, TCPI_OPT_SACK 2, TCPI_OPT_WSCALE 4.
    pub options: u8,
    pub snd_wscale: u8,
    pub rcv_wscale: u8,
    pub rto: u64,
    pub ato: u64,
    pub snd_mss: u32,
    pub rcv_mss: u32,
    pub unacked: u32,
    pub sacked: u32,
    pub lost: u32,
    pub retrans: u32,
    pub pmtu: u32,
    pub rtt: u64,
    pub rttvar: u64,
    pub snd_ssthresh: u32,
    pub snd_cwnd: u32,
    pub advmss: u32,
    pub reordering: u32,
    pub rcv_space: u32,
    pub total_retrans: u32,
    pub snd_wnd: u32,
    pub rcv_wnd: u32,
    pub bytes_acked: u64,
    pub bytes_received: u64,
    pub segs_out: u32,
    pub segs_in: u32,
}

impl TcpInfo {
    /// The names [`TcpInfo::get`] knows.
    pub const FIELDS: [&'static str; 31] = [
        "state", "ca_state", "retransmits", "probes", "backoff", "options", "snd_wscale", "rcv_wscale", "rto", "ato",
        "snd_mss", "rcv_mss", "unacked", "sacked", "lost", "retrans", "pmtu", "rtt", "rttvar", "snd_ssthresh",
        "snd_cwnd", "advmss", "reordering", "rcv_space", "total_retrans", "snd_wnd", "rcv_wnd", "bytes_acked",
        "bytes_received", "segs_out", "segs_in",
    ];

    /// A field by its `tcpi_` name (with or without the prefix), for `%{ assert … }%`.
    pub fn get(&self, name: &str) -> Option<i64> {
        let name = name.strip_prefix("tcpi_").unwrap_or(name);
        let v: i64 = match name {
            "state" => self.state.into(),
            "ca_state" => self.ca_state.into(),
            "retransmits" => self.retransmits.into(),
            "probes" => self.probes.into(),
            "backoff" => self.backoff.into(),
            "options" => self.options.into(),
            "snd_wscale" => self.snd_wscale.into(),
            "rcv_wscale" => self.rcv_wscale.into(),
            "rto" => self.rto as i64,
            "ato" => self.ato as i64,
            "snd_mss" => self.snd_mss.into(),
            "rcv_mss" => self.rcv_mss.into(),
            "unacked" => self.unacked.into(),
            "sacked" => self.sacked.into(),
            "lost" => self.lost.into(),
            "retrans" => self.retrans.into(),
            "pmtu" => self.pmtu.into(),
            "rtt" => self.rtt as i64,
            "rttvar" => self.rttvar as i64,
            "snd_ssthresh" => self.snd_ssthresh.into(),
            "snd_cwnd" => self.snd_cwnd.into(),
            "advmss" => self.advmss.into(),
            "reordering" => self.reordering.into(),
            "rcv_space" => self.rcv_space.into(),
            "total_retrans" => self.total_retrans.into(),
            "snd_wnd" => self.snd_wnd.into(),
            "rcv_wnd" => self.rcv_wnd.into(),
            "bytes_acked" => self.bytes_acked as i64,
            "bytes_received" => self.bytes_received as i64,
            "segs_out" => self.segs_out.into(),
            "segs_in" => self.segs_in.into(),
            _ => return None,
        };
        Some(v)
    }
}
