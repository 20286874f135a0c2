//! System calls in a form every backend can execute: the runner resolves a script's syscall
//! line (symbolic constants, `...` defaults, fd numbers) into a [`Call`], and checks the
//! [`Returned`] value against the script.

use std::net::SocketAddr;
use synack_stack::{Domain, Errno, Fd, Shutdown, SockOpt, SockOptName};

/// A system call with resolved arguments. Descriptors are the backend's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `socket(domain, SOCK_STREAM[|SOCK_NONBLOCK], IPPROTO_TCP)`.
    Socket {
        /// AF_INET or AF_INET6.
        domain: Domain,
        /// SOCK_NONBLOCK was given.
        nonblocking: bool,
    },
    /// `bind(fd, addr, len)`.
    Bind { fd: Fd, addr: SocketAddr },
    /// `listen(fd, backlog)`.
    Listen { fd: Fd, backlog: i32 },
    /// `accept(fd, …)` / `accept4`.
    Accept { fd: Fd },
    /// `connect(fd, addr, len)`.
    Connect { fd: Fd, addr: SocketAddr },
    /// `write` / `send` / `sendto` / `writev` of `len` bytes (the runner's buffer is zeros,
    /// as packetdrill's is), with `send` flags and, for `sendto`, an address (TFO).
    /// `null_buf`: the script passes `NULL` as the buffer (a bad address: EFAULT). `iov`: the
    /// lengths of writev's / sendmsg's iovec elements, which matter where each becomes its
    /// own fragment (MSG_ZEROCOPY); empty for one plain buffer.
    Send { fd: Fd, len: usize, flags: i32, to: Option<SocketAddr>, null_buf: bool, iov: Vec<usize> },
    /// `read` / `recv` / `recvfrom` / `readv` / `recvmsg` of up to `len` bytes.
    Recv { fd: Fd, len: usize, peek: bool, null_buf: bool },
    /// `shutdown(fd, how)`.
    Shutdown { fd: Fd, how: Shutdown },
    /// `close(fd)`.
    Close { fd: Fd },
    /// `setsockopt` of an option the backends share.
    SetSockOpt { fd: Fd, opt: SockOpt },
    /// `getsockopt` of an option the backends share.
    GetSockOpt { fd: Fd, name: SockOptName },
    /// `setsockopt` of any other option, with the value's bytes (an `int`, or a string such
    /// as a congestion control name): for backends with real sockets.
    SetSockOptRaw { fd: Fd, level: i32, name: i32, value: Vec<u8> },
    /// `getsockopt` of any other `int` option.
    GetSockOptRaw { fd: Fd, level: i32, name: i32 },
    /// `ioctl(fd, request, [int])` with an `int` result (SIOCINQ, SIOCOUTQ).
    Ioctl { fd: Fd, request: u64 },
    /// `recvmsg(fd, {msg_iov of len bytes}, flags)`: data, the returned `msg_flags` and
    /// control messages (MSG_ERRQUEUE notifications, TCP_CM_INQ, timestamps).
    RecvMsg { fd: Fd, len: usize, flags: i32 },
    /// `epoll_create(size)`.
    EpollCreate,
    /// `epoll_ctl(epfd, op, fd, {events, data})`.
    EpollCtl { epfd: Fd, op: i32, fd: Fd, events: u32, data: u64 },
    /// `epoll_wait(epfd, events, max, timeout)`; a negative timeout waits for ever.
    EpollWait { epfd: Fd, max: i32, timeout_ms: i32 },
    /// `fcntl(fd, F_SETFL, flags)`: only O_NONBLOCK matters.
    SetNonBlocking { fd: Fd, on: bool },
    /// `fcntl(fd, F_GETFL)`.
    GetFlags { fd: Fd },
    /// `poll(fds, n, timeout)`; a negative timeout waits for ever.
    Poll { fds: Vec<PollFd>, timeout_ms: i32 },
    /// `sendto(fd, buf, len, flags, {AF_UNSPEC}, len)`: upstream's TFO tests pass an address
    /// of family AF_UNSPEC (Linux answers a Fast Open sendto with EOPNOTSUPP).
    SendToUnspec { fd: Fd, len: usize, flags: i32 },
    /// `open(path, flags[, mode])` of a file (upstream's sendfile tests).
    Open { path: String, flags: i32, mode: u32 },
    /// `pipe([r, w])`: the two descriptors come back as [`CallOutput::Fds`].
    Pipe,
    /// `splice(fd_in, NULL, fd_out, NULL, len, flags)` (no offsets).
    Splice { fd_in: Fd, fd_out: Fd, len: usize, flags: u32 },
    /// `sendfile(out_fd, in_fd, [offset] or NULL, count)`.
    Sendfile { out_fd: Fd, in_fd: Fd, offset: Option<i64>, count: usize },
}

/// One `struct pollfd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollFd {
    /// The descriptor.
    pub fd: Fd,
    /// Requested events (Linux POLL* bits).
    pub events: i16,
}

/// What a call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    /// The return value (`-1` on error).
    pub value: i64,
    /// The error, when `value` is `-1`.
    pub errno: Option<Errno>,
    /// Values written through pointer arguments.
    pub output: CallOutput,
}

/// Values a call writes through its pointer arguments, for the runner to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutput {
    /// Nothing to check.
    None,
    /// An integer option value (getsockopt).
    Int(i64),
    /// `struct linger` (getsockopt SO_LINGER).
    Linger { on: bool, seconds: u32 },
    /// `revents` of each pollfd, in order.
    Revents(Vec<i16>),
    /// The bytes read.
    Data(Vec<u8>),
    /// `epoll_wait`'s events: (events, data) per ready descriptor.
    Events(Vec<(u32, u64)>),
    /// recvmsg's `msg_flags` and control messages.
    Msg { flags: i32, control: Vec<Cmsg> },
    /// Descriptors a call created through its arguments (pipe's two ends).
    Fds(Vec<Fd>),
}

/// One control message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmsg {
    /// `cmsg_level`.
    pub level: i32,
    /// `cmsg_type`.
    pub ty: i32,
    /// `cmsg_data`, decoded when its type is known.
    pub data: CmsgData,
}

/// Decoded `cmsg_data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmsgData {
    /// An `int` (TCP_CM_INQ).
    Int(i64),
    /// `struct sock_extended_err` (IP_RECVERR / IPV6_RECVERR).
    ExtendedErr { errno: u32, origin: u8, ty: u8, code: u8, info: u32, data: u32 },
    /// The software timestamp of `struct scm_timestamping`, as script time.
    Timestamp(std::time::Duration),
    /// Anything else, raw.
    Raw(Vec<u8>),
}

impl Returned {
    /// A successful return of `value` with nothing written.
    pub fn ok(value: i64) -> Returned {
        Returned {
            value,
            errno: None,
            output: CallOutput::None,
        }
    }

    /// A failed return: `-1` and `errno`.
    pub fn err(errno: Errno) -> Returned {
        Returned {
            value: -1,
            errno: Some(errno),
            output: CallOutput::None,
        }
    }

    /// A successful return with output.
    pub fn with(value: i64, output: CallOutput) -> Returned {
        Returned {
            value,
            errno: None,
            output,
        }
    }
}

/// Linux's poll bits (asm-generic/poll.h).
pub mod poll_bits {
    pub const POLLIN: i16 = 0x001;
    pub const POLLPRI: i16 = 0x002;
    pub const POLLOUT: i16 = 0x004;
    pub const POLLERR: i16 = 0x008;
    pub const POLLHUP: i16 = 0x010;
    pub const POLLNVAL: i16 = 0x020;
    pub const POLLRDNORM: i16 = 0x040;
    pub const POLLWRNORM: i16 = 0x100;
    pub const POLLRDHUP: i16 = 0x2000;
}
