//! Script system calls → [`Call`]s, and their results checked against the script.
//!
//! Arguments follow packetdrill: `...` is filled in by the runner (buffers, addresses,
//! lengths), descriptors are the script's numbers (mapped to the backend's), integer options
//! are written `[1]`, structs by field name.

use super::connections::DEFAULT_SERVER_PORT;
use super::symbols::constant;
use super::Stop;
use crate::backend::{Call, CallOutput, PollFd, Returned, Setup};
use crate::script::{Expr, ExprKind, Span, SyscallEvent};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use synack_stack::{Domain, Errno, Fd, Shutdown, SockOpt, SockOptName};

/// `MSG_FASTOPEN`: sendto() opens the connection (RFC 7413 client).
const MSG_FASTOPEN: i32 = 0x2000_0000;

/// What the runner knows that a call's arguments refer to.
#[derive(Debug, Default)]
pub struct CallContext {
    /// Script descriptor → backend descriptor.
    pub fds: BTreeMap<i64, Fd>,
    /// Backend descriptor → domain, for filling in `...` addresses.
    pub domains: BTreeMap<Fd, Domain>,
}

/// What a resolved call still needs checked once it returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Only the return value.
    Value,
    /// getsockopt's value: `[N]` (or a linger struct).
    Option(Expr),
    /// poll's `revents` per pollfd (`None` = not written).
    Revents(Vec<Option<i64>>),
    /// epoll_wait's first event, `{events=…, fd=…}` or `{events=…, ptr=…}`.
    Epoll(Expr),
    /// recvmsg's msghdr (flags and control messages).
    Msg(Expr),
}

impl CallContext {
    fn fd(&self, e: &Expr) -> Result<Fd, Stop> {
        let n = int(e)?;
        Ok(self.fds.get(&n).copied().unwrap_or(n as Fd))
    }
}

/// Resolves a syscall line.
pub fn resolve(ev: &SyscallEvent, ctx: &CallContext, setup: &Setup) -> Result<(Call, Expect), Stop> {
    let name = ev.name.value.as_str();
    let a = &ev.args;
    let arity = |n: usize| -> Result<(), Stop> {
        if a.len() == n {
            Ok(())
        } else {
            Err(Stop::error(ev.name.span, format!("{name}() takes {n} arguments, the script gives {}", a.len())))
        }
    };
    let unsupported = |what: String| Stop::unsupported(ev.name.span, what);
    let call = match name {
        "socket" => {
            arity(3)?;
            let domain = if matches!(a[0].kind, ExprKind::Ellipsis) {
                if setup.mode.socket_is_ipv6() {
                    Domain::Inet6
                } else {
                    Domain::Inet
                }
            } else {
                match int(&a[0])? {
                    2 => Domain::Inet,
                    10 => Domain::Inet6,
                    other => return Err(unsupported(format!("socket domain {other}"))),
                }
            };
            let ty = int_or(&a[1], 1)?;
            let nonblocking = ty & 0o4000 != 0;
            if ty & 0xf != 1 {
                return Err(unsupported(format!("socket type {ty:#x} (only SOCK_STREAM)")));
            }
            let proto = int_or(&a[2], 6)?;
            if proto != 6 && proto != 0 {
                return Err(unsupported(format!("socket protocol {proto} (only IPPROTO_TCP)")));
            }
            Call::Socket { domain, nonblocking }
        }
        "bind" => {
            arity(3)?;
            let fd = ctx.fd(&a[0])?;
            let addr = sockaddr(&a[1], ctx.domains.get(&fd), setup.local_ip, DEFAULT_SERVER_PORT)?;
            Call::Bind { fd, addr }
        }
        "listen" => {
            arity(2)?;
            Call::Listen { fd: ctx.fd(&a[0])?, backlog: int(&a[1])? as i32 }
        }
        "accept" | "accept4" => {
            if name == "accept4" {
                arity(4)?;
                if int_or(&a[3], 0)? != 0 {
                    return Err(unsupported("accept4 flags".to_string()));
                }
            } else {
                arity(3)?;
            }
            Call::Accept { fd: ctx.fd(&a[0])? }
        }
        "connect" => {
            arity(3)?;
            let fd = ctx.fd(&a[0])?;
            let addr = sockaddr(&a[1], ctx.domains.get(&fd), setup.remote_ip, DEFAULT_SERVER_PORT)?;
            Call::Connect { fd, addr }
        }
        "write" | "send" | "sendto" => {
            let n = match name {
                "write" => 3,
                "send" => 4,
                _ => 6,
            };
            arity(n)?;
            let flags = if n > 3 { int_or(&a[3], 0)? as i32 } else { 0 };
            let fd = ctx.fd(&a[0])?;
            if n == 6 && matches!(&a[4].kind, ExprKind::Ident(af) if af == "AF_UNSPEC") {
                return Ok((Call::SendToUnspec { fd, len: len(&a[2])?, flags }, Expect::Value));
            }
            let explicit = n == 6 && !matches!(a[4].kind, ExprKind::Ellipsis | ExprKind::Ident(_));
            let to = if explicit || (n == 6 && flags & MSG_FASTOPEN != 0) {
                Some(sockaddr(&a[4], ctx.domains.get(&fd), setup.remote_ip, DEFAULT_SERVER_PORT)?)
            } else {
                None
            };
            Call::Send { fd, len: len(&a[2])?, flags, to, null_buf: is_null(&a[1]), iov: Vec::new() }
        }
        "writev" => {
            arity(3)?;
            let iov = iov_lens(&a[1])?;
            Call::Send { fd: ctx.fd(&a[0])?, len: iov.iter().sum(), flags: 0, to: None, null_buf: false, iov }
        }
        "read" | "recv" | "recvfrom" => {
            let n = match name {
                "read" => 3,
                "recv" => 4,
                _ => 6,
            };
            arity(n)?;
            let peek = if n > 3 { check_flags(&a[3], &[0x2], name, ev.name.span)? & 0x2 != 0 } else { false };
            Call::Recv { fd: ctx.fd(&a[0])?, len: len(&a[2])?, peek, null_buf: is_null(&a[1]) }
        }
        "readv" => {
            arity(3)?;
            Call::Recv { fd: ctx.fd(&a[0])?, len: iov_len(&a[1])?, peek: false, null_buf: false }
        }
        "shutdown" => {
            arity(2)?;
            let how = match int(&a[1])? {
                0 => Shutdown::Read,
                1 => Shutdown::Write,
                2 => Shutdown::Both,
                other => return Err(Stop::error(a[1].span, format!("bad shutdown mode {other}"))),
            };
            Call::Shutdown { fd: ctx.fd(&a[0])?, how }
        }
        "close" => {
            arity(1)?;
            Call::Close { fd: ctx.fd(&a[0])? }
        }
        "fcntl" => {
            if a.len() < 2 {
                return Err(Stop::error(ev.name.span, "fcntl() needs at least 2 arguments"));
            }
            let fd = ctx.fd(&a[0])?;
            match int(&a[1])? {
                3 => Call::GetFlags { fd },
                4 if a.len() == 3 => Call::SetNonBlocking { fd, on: int(&a[2])? & 0o4000 != 0 },
                other => return Err(unsupported(format!("fcntl command {other}"))),
            }
        }
        "setsockopt" => {
            arity(5)?;
            let fd = ctx.fd(&a[0])?;
            let (level, optname) = (int(&a[1])?, int(&a[2])?);
            match sockopt(level, optname, &a[3]) {
                Ok(opt) => Call::SetSockOpt { fd, opt },
                Err(OptError::Bad(m)) => return Err(Stop::error(a[3].span, m)),
                Err(OptError::Unsupported(m)) => {
                    // Other options go through as raw bytes to backends with real sockets.
                    let value = match &a[3].kind {
                        ExprKind::Str(s) => s.clone(),
                        ExprKind::Array(items) if items.len() == 1 => (int(&items[0])? as i32).to_ne_bytes().to_vec(),
                        _ => return Err(unsupported(m)),
                    };
                    Call::SetSockOptRaw { fd, level: level as i32, name: optname as i32, value }
                }
            }
        }
        "getsockopt" => {
            arity(5)?;
            let fd = ctx.fd(&a[0])?;
            let (level, optname) = (int(&a[1])?, int(&a[2])?);
            let call = match sockopt_name(level, optname) {
                Some(name) => Call::GetSockOpt { fd, name },
                None => Call::GetSockOptRaw { fd, level: level as i32, name: optname as i32 },
            };
            return Ok((call, Expect::Option(a[3].clone())));
        }
        "poll" => {
            arity(3)?;
            let ExprKind::Array(items) = &a[0].kind else {
                return Err(Stop::error(a[0].span, "poll() needs an array of pollfd structs"));
            };
            let mut fds = Vec::new();
            let mut revents = Vec::new();
            for item in items {
                let fd_expr = item
                    .field("fd")
                    .ok_or_else(|| Stop::error(item.span, "pollfd without fd="))?;
                let events = item.field("events").map(|f| int(&f.value)).transpose()?.unwrap_or(0);
                revents.push(item.field("revents").map(|f| int(&f.value)).transpose()?);
                fds.push(PollFd { fd: ctx.fd(&fd_expr.value)?, events: events as i16 });
            }
            let timeout_ms = int(&a[2])? as i32;
            return Ok((Call::Poll { fds, timeout_ms }, Expect::Revents(revents)));
        }
        "sendmsg" => {
            arity(3)?;
            let fd = ctx.fd(&a[0])?;
            let msg = &a[1];
            if msg.field("msg_control").is_some_and(|c| !matches!(&c.value.kind, ExprKind::Array(v) if v.is_empty())) {
                return Err(unsupported("sendmsg() with control messages".to_string()));
            }
            let iov = msg.field("msg_iov").ok_or_else(|| Stop::error(msg.span, "sendmsg() needs msg_iov"))?;
            let flags = int_or(&a[2], 0)? as i32;
            let to = if flags & MSG_FASTOPEN != 0 {
                Some(sockaddr(&Expr::dummy(ExprKind::Ellipsis), ctx.domains.get(&fd), setup.remote_ip, DEFAULT_SERVER_PORT)?)
            } else {
                None
            };
            let iov = iov_lens(&iov.value)?;
            Call::Send { fd, len: iov.iter().sum(), flags, to, null_buf: false, iov }
        }
        "recvmsg" => {
            arity(3)?;
            let call = Call::RecvMsg { fd: ctx.fd(&a[0])?, len: super::msghdr::iov_total(&a[1])?, flags: int_or(&a[2], 0)? as i32 };
            return Ok((call, Expect::Msg(a[1].clone())));
        }
        "epoll_create" | "epoll_create1" => {
            arity(1)?;
            Call::EpollCreate
        }
        "epoll_ctl" => {
            arity(4)?;
            let ev = &a[3];
            let events = ev.field("events").map(|f| int(&f.value)).transpose()?.unwrap_or(0) as u32;
            let data = ev.field("fd").or_else(|| ev.field("ptr")).or_else(|| ev.field("u64")).map(|f| int(&f.value)).transpose()?.unwrap_or(0) as u64;
            Call::EpollCtl { epfd: ctx.fd(&a[0])?, op: int(&a[1])? as i32, fd: ctx.fd(&a[2])?, events, data }
        }
        "epoll_wait" => {
            arity(4)?;
            let call = Call::EpollWait { epfd: ctx.fd(&a[0])?, max: int(&a[2])? as i32, timeout_ms: int(&a[3])? as i32 };
            return Ok((call, Expect::Epoll(a[1].clone())));
        }
        "ioctl" => {
            arity(3)?;
            let request = int(&a[1])? as u64;
            return Ok((Call::Ioctl { fd: ctx.fd(&a[0])?, request }, Expect::Option(a[2].clone())));
        }
        "open" => {
            if !(2..=3).contains(&a.len()) {
                return Err(Stop::error(ev.name.span, format!("open() takes 2 or 3 arguments, the script gives {}", a.len())));
            }
            let ExprKind::Str(path) = &a[0].kind else {
                return Err(Stop::error(a[0].span, "open() needs a path string"));
            };
            let path = String::from_utf8(path.clone()).map_err(|_| Stop::error(a[0].span, "open(): the path is not UTF-8"))?;
            let mode = if a.len() == 3 { int(&a[2])? as u32 } else { 0 };
            Call::Open { path, flags: int(&a[1])? as i32, mode }
        }
        "pipe" => {
            arity(1)?;
            if !matches!(&a[0].kind, ExprKind::Array(fds) if fds.len() == 2) {
                return Err(Stop::error(a[0].span, "pipe() needs an array of the two descriptors, [R, W]"));
            }
            Call::Pipe
        }
        "splice" => {
            arity(6)?;
            if !is_null(&a[1]) || !is_null(&a[3]) {
                return Err(unsupported("splice() with offsets".to_string()));
            }
            Call::Splice { fd_in: ctx.fd(&a[0])?, fd_out: ctx.fd(&a[2])?, len: len(&a[4])?, flags: int_or(&a[5], 0)? as u32 }
        }
        "sendfile" => {
            arity(4)?;
            let offset = match &a[2].kind {
                ExprKind::Array(v) if v.len() == 1 => Some(int(&v[0])?),
                _ if is_null(&a[2]) => None,
                _ => return Err(Stop::error(a[2].span, "sendfile() needs an offset [N] or NULL")),
            };
            Call::Sendfile { out_fd: ctx.fd(&a[0])?, in_fd: ctx.fd(&a[1])?, offset, count: len(&a[3])? }
        }
        other => return Err(unsupported(format!("system call {other}()"))),
    };
    Ok((call, Expect::Value))
}

/// Compares what a call returned with the script's `= VALUE [ERRNO]` and output arguments.
/// `Err` carries the message of the first difference.
pub fn check_result(
    ev: &SyscallEvent,
    expect: &Expect,
    r: &Returned,
    defines: &BTreeMap<String, String>,
    tolerance: Duration,
) -> Result<(), String> {
    let want = &ev.result;
    // socket() and accept() name a descriptor: the script's number is mapped onto the live
    // one (as packetdrill does), not compared with it.
    let names_fd = matches!(ev.name.value.as_str(), "socket" | "accept" | "accept4" | "epoll_create" | "epoll_create1" | "open");
    let mapped = names_fd && r.value >= 0 && int(&want.value).is_ok_and(|v| v >= 0);
    if !mapped && !matches!(want.value.kind, ExprKind::Ellipsis) {
        let value = int(&want.value).map_err(|s| s.message)?;
        if value != r.value {
            let got = match r.errno {
                Some(e) => format!("{} {}", r.value, e.name()),
                None => r.value.to_string(),
            };
            return Err(format!("{}() returned {got}, the script expects {value}{}", ev.name.value, errno_suffix(ev)));
        }
    }
    if let Some(errno) = &want.errno {
        let got = r.errno.map(Errno::name).unwrap_or("no error");
        if Errno::from_name(&errno.value).is_none() {
            return Err(format!("unknown errno name {}", errno.value));
        }
        if got != errno.value {
            return Err(format!("{}() failed with {got}, the script expects {}", ev.name.value, errno.value));
        }
    }
    match (expect, &r.output) {
        (Expect::Value, _) => Ok(()),
        (Expect::Option(e), CallOutput::Int(v)) => {
            if matches!(e.kind, ExprKind::Ellipsis) {
                return Ok(());
            }
            let ExprKind::Array(items) = &e.kind else {
                return Err("getsockopt: expected the value as [N]".to_string());
            };
            let [item] = &items[..] else {
                return Err("getsockopt: expected the value as [N]".to_string());
            };
            let want = int(item).map_err(|s| s.message)?;
            // An unsigned option (TCP_NOTSENT_LOWAT's default is UINT_MAX) reads back as a
            // negative C int; scripts write it unsigned.
            let unsigned = *v < 0 && want == *v + (1i64 << 32);
            if want == *v || unsigned {
                Ok(())
            } else {
                Err(format!("getsockopt value is {v}, the script expects {want}"))
            }
        }
        (Expect::Option(e), CallOutput::Linger { on, seconds }) => {
            let want_on = e.field("l_onoff").map(|f| int(&f.value)).transpose().map_err(|s| s.message)?;
            let want_secs = e.field("l_linger").map(|f| int(&f.value)).transpose().map_err(|s| s.message)?;
            if want_on.is_some_and(|w| w != i64::from(*on)) || want_secs.is_some_and(|w| w != i64::from(*seconds)) {
                Err(format!("SO_LINGER is {{l_onoff={}, l_linger={seconds}}}, the script expects {e}", i64::from(*on)))
            } else {
                Ok(())
            }
        }
        (Expect::Msg(m), CallOutput::Msg { flags, control }) => super::msghdr::check(m, *flags, control, defines, tolerance),
        (Expect::Epoll(e), CallOutput::Events(got)) => {
            let Some((events, data)) = got.first() else { return Ok(()) };
            let want_events = e.field("events").map(|f| int(&f.value)).transpose().map_err(|s| s.message)?;
            let want_data = e.field("fd").or_else(|| e.field("ptr")).or_else(|| e.field("u64")).map(|f| int(&f.value)).transpose().map_err(|s| s.message)?;
            if want_events.is_some_and(|w| w as u32 != *events) || want_data.is_some_and(|w| w as u64 != *data) {
                Err(format!("epoll_wait returned {{events={events:#x}, data={data}}}, the script expects {e}"))
            } else {
                Ok(())
            }
        }
        (Expect::Revents(want), CallOutput::Revents(got)) => {
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                if let Some(w) = w {
                    if *w != i64::from(*g) {
                        return Err(format!("poll: revents of pollfd {i} is {g:#x}, the script expects {w:#x}"));
                    }
                }
            }
            Ok(())
        }
        (Expect::Option(_) | Expect::Revents(_) | Expect::Epoll(_) | Expect::Msg(_), CallOutput::None | CallOutput::Data(_) | CallOutput::Fds(_))
        | (Expect::Option(_), CallOutput::Revents(_) | CallOutput::Events(_) | CallOutput::Msg { .. })
        | (Expect::Revents(_), CallOutput::Int(_) | CallOutput::Linger { .. } | CallOutput::Events(_) | CallOutput::Msg { .. })
        | (Expect::Epoll(_), CallOutput::Int(_) | CallOutput::Linger { .. } | CallOutput::Revents(_) | CallOutput::Msg { .. })
        | (Expect::Msg(_), CallOutput::Int(_) | CallOutput::Linger { .. } | CallOutput::Revents(_) | CallOutput::Events(_)) => {
            if r.value < 0 {
                Ok(())
            } else {
                Err(format!("{}() returned no value to check", ev.name.value))
            }
        }
    }
}

fn errno_suffix(ev: &SyscallEvent) -> String {
    ev.result.errno.as_ref().map_or(String::new(), |e| format!(" {}", e.value))
}

/// An integer argument: literals, constants, `a|b`, `[n]`, `htons(n)`.
pub fn int(e: &Expr) -> Result<i64, Stop> {
    match &e.kind {
        ExprKind::Int(v) => Ok(*v),
        ExprKind::Hex(v) => Ok(*v as i64),
        ExprKind::Ident(name) => constant(name)
            .or_else(|| Errno::from_name(name).map(|e| i64::from(e.code())))
            .ok_or_else(|| Stop::unsupported(e.span, format!("unknown symbol {name}"))),
        ExprKind::Binary { lhs, rhs, .. } => Ok(int(lhs)? | int(rhs)?),
        ExprKind::Array(items) if items.len() == 1 => int(&items[0]),
        ExprKind::Call { name, args } if args.len() == 1 && matches!(name.value.as_str(), "htons" | "htonl" | "ntohs" | "ntohl") => int(&args[0]),
        ExprKind::Ellipsis | ExprKind::Str(_) | ExprKind::Array(_) | ExprKind::Struct(_) | ExprKind::Call { .. } => {
            Err(Stop::error(e.span, format!("expected an integer, found {e}")))
        }
    }
}

/// A buffer argument written as `NULL` (or 0): the call gets a bad address.
fn is_null(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Ident(n) if n == "NULL") || matches!(e.kind, ExprKind::Int(0) | ExprKind::Hex(0))
}

fn int_or(e: &Expr, default: i64) -> Result<i64, Stop> {
    if matches!(e.kind, ExprKind::Ellipsis) {
        Ok(default)
    } else {
        int(e)
    }
}

fn len(e: &Expr) -> Result<usize, Stop> {
    let n = int(e)?;
    usize::try_from(n).map_err(|_| Stop::error(e.span, format!("bad length {n}")))
}

/// The total length of an iovec array `[{..., 100}, {iov_base=..., iov_len=200}]`.
pub(super) fn iov_len(e: &Expr) -> Result<usize, Stop> {
    Ok(iov_lens(e)?.iter().sum())
}

/// The length of each element of an iovec array.
fn iov_lens(e: &Expr) -> Result<Vec<usize>, Stop> {
    let ExprKind::Array(items) = &e.kind else {
        return Err(Stop::error(e.span, "expected an iovec array"));
    };
    let mut lens = Vec::with_capacity(items.len());
    for item in items {
        // `{iov_base=..., iov_len=N}` or positional `{..., N}`.
        let positional = if let ExprKind::Struct(fields) = &item.kind { fields.get(1).filter(|_| fields.len() == 2) } else { None };
        let len_expr = match (item.field("iov_len"), positional) {
            (Some(f), _) | (None, Some(f)) => &f.value,
            (None, None) => return Err(Stop::error(item.span, "expected {iov_base, iov_len}")),
        };
        lens.push(len(len_expr)?);
    }
    Ok(lens)
}

fn check_flags(e: &Expr, allowed: &[i64], call: &str, span: Span) -> Result<i64, Stop> {
    let flags = int_or(e, 0)?;
    let known: i64 = allowed.iter().fold(0, |a, b| a | b);
    if flags & !known != 0 {
        return Err(Stop::unsupported(span, format!("{call}() flags {flags:#x}")));
    }
    Ok(flags)
}

/// A socket address argument; `...` means `default_ip:default_port` in the socket's family.
fn sockaddr(e: &Expr, domain: Option<&Domain>, default_ip: IpAddr, default_port: u16) -> Result<SocketAddr, Stop> {
    if !matches!(e.kind, ExprKind::Ellipsis | ExprKind::Struct(_)) {
        return Err(Stop::unsupported(e.span, format!("socket address {e}")));
    }
    let (ip, port) = match &e.kind {
        ExprKind::Struct(_) => {
            let port = match e.field("sin_port").or_else(|| e.field("sin6_port")) {
                Some(f) => int(&f.value)? as u16,
                None => default_port,
            };
            let ip = match e.field("sin_addr").or_else(|| e.field("sin6_addr")) {
                None => default_ip,
                Some(f) => address(&f.value)?,
            };
            (ip, port)
        }
        ExprKind::Ellipsis
        | ExprKind::Int(_)
        | ExprKind::Hex(_)
        | ExprKind::Str(_)
        | ExprKind::Ident(_)
        | ExprKind::Binary { .. }
        | ExprKind::Array(_)
        | ExprKind::Call { .. } => (default_ip, default_port),
    };
    // AF_INET6 sockets reach IPv4 peers through IPv4-mapped addresses.
    let ip = match (domain, ip) {
        (Some(Domain::Inet6), IpAddr::V4(v4)) => IpAddr::V6(v4.to_ipv6_mapped()),
        (Some(Domain::Inet6) | Some(Domain::Inet) | None, ip) => ip,
    };
    Ok(SocketAddr::new(ip, port))
}

fn address(e: &Expr) -> Result<IpAddr, Stop> {
    if matches!(&e.kind, ExprKind::Ident(n) if n == "INADDR_ANY") {
        return Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
    let ExprKind::Call { name, args } = &e.kind else {
        return Err(Stop::unsupported(e.span, format!("address {e}")));
    };
    let [arg] = &args[..] else {
        return Err(Stop::unsupported(e.span, format!("address {e}")));
    };
    let ExprKind::Str(s) = &arg.kind else {
        return Err(Stop::error(arg.span, "expected an address string"));
    };
    let text = String::from_utf8_lossy(s).into_owned();
    let bad = |v: &str| Stop::error(arg.span, format!("bad {v} address {text}"));
    match name.value.as_str() {
        "inet_addr" => text.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| bad("IPv4")),
        "inet6_pton" | "inet_pton" => text.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| bad("IPv6")),
        other => Err(Stop::unsupported(name.span, format!("address helper {other}()"))),
    }
}

enum OptError {
    Unsupported(String),
    Bad(String),
}

fn sockopt(level: i64, name: i64, value: &Expr) -> Result<SockOpt, OptError> {
    let v = || int(value).map_err(|s| OptError::Bad(s.message));
    let secs = |n: i64| Duration::from_secs(n.max(0) as u64);
    let small = |n: i64| u8::try_from(n).map_err(|_| OptError::Bad(format!("value {n} out of range")));
    Ok(match (level, name) {
        (1, 2) => SockOpt::ReuseAddr(v()? != 0),
        (1, 7) => SockOpt::SndBuf(v()?.clamp(0, u32::MAX.into()) as u32),
        (1, 8) => SockOpt::RcvBuf(v()?.clamp(0, u32::MAX.into()) as u32),
        (1, 9) => SockOpt::KeepAlive(v()? != 0),
        (1, 13) => {
            let on = value.field("l_onoff").map(|f| int(&f.value)).transpose().map_err(|s| OptError::Bad(s.message))?;
            let linger = value.field("l_linger").map(|f| int(&f.value)).transpose().map_err(|s| OptError::Bad(s.message))?;
            match (on, linger) {
                (Some(0), _) => SockOpt::Linger(None),
                (Some(_), Some(l)) => SockOpt::Linger(Some(secs(l))),
                _ => return Err(OptError::Bad("SO_LINGER needs {l_onoff=…, l_linger=…}".into())),
            }
        }
        (6, 1) => SockOpt::NoDelay(v()? != 0),
        (6, 2) => SockOpt::MaxSeg(u16::try_from(v()?).map_err(|_| OptError::Bad("TCP_MAXSEG out of range".into()))?),
        (6, 4) => SockOpt::KeepIdle(secs(v()?)),
        (6, 5) => SockOpt::KeepIntvl(secs(v()?)),
        (6, 6) => SockOpt::KeepCnt(small(v()?)?),
        (6, 7) => SockOpt::SynCount(small(v()?)?),
        (6, 18) => SockOpt::UserTimeout(Duration::from_millis(v()?.max(0) as u64)),
        (level, name) => return Err(OptError::Unsupported(format!("setsockopt level {level} option {name}"))),
    })
}

fn sockopt_name(level: i64, name: i64) -> Option<SockOptName> {
    Some(match (level, name) {
        (1, 2) => SockOptName::ReuseAddr,
        (1, 4) => SockOptName::Error,
        (1, 7) => SockOptName::SndBuf,
        (1, 8) => SockOptName::RcvBuf,
        (1, 9) => SockOptName::KeepAlive,
        (1, 13) => SockOptName::Linger,
        (6, 1) => SockOptName::NoDelay,
        (6, 2) => SockOptName::MaxSeg,
        (6, 4) => SockOptName::KeepIdle,
        (6, 5) => SockOptName::KeepIntvl,
        (6, 6) => SockOptName::KeepCnt,
        (6, 7) => SockOptName::SynCount,
        (6, 18) => SockOptName::UserTimeout,
        _ => return None,
    })
}
