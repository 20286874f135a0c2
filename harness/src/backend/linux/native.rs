//! [`Call`]s executed with the real system calls, in the worker's namespace.

use crate::backend::call::{Call, CallOutput, Cmsg, CmsgData, PollFd, Returned};
use crate::backend::InfoValues;
use std::net::SocketAddr;
use std::time::Duration;
use synack_stack::{Domain, Errno, Shutdown, SockOpt, SockOptName};

/// The result of a libc call that returns -1 and sets errno on failure.
fn result(rc: i64) -> Returned {
    if rc >= 0 {
        Returned::ok(rc)
    } else {
        Returned::err(last_errno())
    }
}

fn last_errno() -> Errno {
    let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    // Codes outside the vocabulary are rare for TCP sockets; EINVAL is the closest generic
    // answer, and the raw code is lost only in that case.
    Errno::from_code(code).unwrap_or(Errno::EINVAL)
}

/// A `sockaddr_in` / `sockaddr_in6` for `addr`.
fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in and suitably aligned.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: 0,
            };
            // SAFETY: as above, for sockaddr_in6.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn setsockopt_int(fd: i32, level: i32, name: i32, v: i32) -> Returned {
    // SAFETY: passes a pointer to a live i32 and its size.
    let rc = unsafe { libc::setsockopt(fd, level, name, &v as *const i32 as *const libc::c_void, 4) };
    result(rc.into())
}

fn getsockopt_int(fd: i32, level: i32, name: i32) -> Returned {
    let mut v: i32 = 0;
    let mut len: libc::socklen_t = 4;
    // SAFETY: passes a pointer to a live i32 and its size.
    let rc = unsafe { libc::getsockopt(fd, level, name, &mut v as *mut i32 as *mut libc::c_void, &mut len) };
    if rc < 0 {
        Returned::err(last_errno())
    } else {
        Returned::with(0, CallOutput::Int(v.into()))
    }
}

/// Sets `TCP_CONGESTION` on a socket (used when the namespace refuses a default).
pub fn set_congestion(fd: i32, name: &str) -> Result<(), Errno> {
    // SAFETY: passes a pointer to the bytes of `name` and their length.
    let rc = unsafe {
        libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_CONGESTION, name.as_ptr() as *const libc::c_void, name.len() as libc::socklen_t)
    };
    if rc < 0 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

/// Whether a descriptor has O_NONBLOCK.
pub fn is_nonblocking(fd: i32) -> bool {
    // SAFETY: fcntl(F_GETFL) on any descriptor is harmless.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags >= 0 && flags & libc::O_NONBLOCK != 0
}

/// Executes one call (which may block the calling thread).
pub fn execute(call: &Call) -> Returned {
    // SAFETY (for every libc call below): arguments are plain integers, or pointers to live
    // buffers with their true lengths.
    unsafe {
        match call {
            Call::Socket { domain, nonblocking } => {
                let family = match domain {
                    Domain::Inet => libc::AF_INET,
                    Domain::Inet6 => libc::AF_INET6,
                };
                let ty = libc::SOCK_STREAM | if *nonblocking { libc::SOCK_NONBLOCK } else { 0 };
                result(libc::socket(family, ty, libc::IPPROTO_TCP).into())
            }
            Call::Bind { fd, addr } => {
                let (sa, len) = sockaddr(addr);
                result(libc::bind(*fd, &sa as *const _ as *const libc::sockaddr, len).into())
            }
            Call::Listen { fd, backlog } => result(libc::listen(*fd, *backlog).into()),
            Call::Accept { fd } => result(libc::accept(*fd, std::ptr::null_mut(), std::ptr::null_mut()).into()),
            Call::Connect { fd, addr } => {
                let (sa, len) = sockaddr(addr);
                result(libc::connect(*fd, &sa as *const _ as *const libc::sockaddr, len).into())
            }
            Call::Send { fd, flags, to, null_buf: false, iov, .. } if iov.len() > 1 => sendmsg(*fd, iov, *flags, to.as_ref()),
            Call::Send { fd, len, flags, to, null_buf, iov: _ } => {
                let buf = vec![0u8; *len];
                let ptr = if *null_buf { std::ptr::null() } else { buf.as_ptr() as *const libc::c_void };
                let flags = flags | libc::MSG_NOSIGNAL;
                let n = match to {
                    None => libc::send(*fd, ptr, *len, flags),
                    Some(addr) => {
                        let (sa, salen) = sockaddr(addr);
                        libc::sendto(*fd, ptr, *len, flags, &sa as *const _ as *const libc::sockaddr, salen)
                    }
                };
                result(n as i64)
            }
            Call::SetSockOptRaw { fd, level, name, value } => {
                let rc = libc::setsockopt(*fd, *level, *name, value.as_ptr() as *const libc::c_void, value.len() as libc::socklen_t);
                result(rc.into())
            }
            Call::GetSockOptRaw { fd, level, name } => getsockopt_int(*fd, *level, *name),
            Call::RecvMsg { fd, len, flags } => recvmsg(*fd, *len, *flags),
            Call::EpollCreate => result(libc::epoll_create1(libc::EPOLL_CLOEXEC).into()),
            Call::EpollCtl { epfd, op, fd, events, data } => {
                let mut ev = libc::epoll_event { events: *events, u64: *data };
                result(libc::epoll_ctl(*epfd, *op, *fd, &mut ev).into())
            }
            Call::EpollWait { epfd, max, timeout_ms } => {
                let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; (*max).clamp(1, 1024) as usize];
                let n = libc::epoll_wait(*epfd, evs.as_mut_ptr(), evs.len() as i32, *timeout_ms);
                if n < 0 {
                    Returned::err(last_errno())
                } else {
                    let got = evs.iter().take(n as usize).map(|e| (e.events, e.u64)).collect();
                    Returned::with(n.into(), CallOutput::Events(got))
                }
            }
            Call::Ioctl { fd, request } => {
                let mut v: libc::c_int = 0;
                let rc = libc::ioctl(*fd, *request as _, &mut v as *mut libc::c_int);
                if rc < 0 {
                    Returned::err(last_errno())
                } else {
                    Returned::with(rc.into(), CallOutput::Int(v.into()))
                }
            }
            Call::Recv { fd, len, peek, null_buf } => {
                let mut buf = vec![0u8; *len];
                let flags = if *peek { libc::MSG_PEEK } else { 0 };
                let ptr = if *null_buf { std::ptr::null_mut() } else { buf.as_mut_ptr() as *mut libc::c_void };
                // read(2) when there are no flags, so that pipes and files work too.
                let n = if flags == 0 { libc::read(*fd, ptr, *len) } else { libc::recv(*fd, ptr, *len, flags) };
                if n < 0 {
                    Returned::err(last_errno())
                } else {
                    buf.truncate(n as usize);
                    Returned::with(n as i64, CallOutput::Data(buf))
                }
            }
            Call::Shutdown { fd, how } => {
                let how = match how {
                    Shutdown::Read => libc::SHUT_RD,
                    Shutdown::Write => libc::SHUT_WR,
                    Shutdown::Both => libc::SHUT_RDWR,
                };
                result(libc::shutdown(*fd, how).into())
            }
            Call::Close { fd } => result(libc::close(*fd).into()),
            Call::SetSockOpt { fd, opt } => set(*fd, opt),
            Call::GetSockOpt { fd, name } => get(*fd, *name),
            Call::SetNonBlocking { fd, on } => {
                let flags = libc::fcntl(*fd, libc::F_GETFL);
                if flags < 0 {
                    return Returned::err(last_errno());
                }
                let flags = if *on { flags | libc::O_NONBLOCK } else { flags & !libc::O_NONBLOCK };
                result(libc::fcntl(*fd, libc::F_SETFL, flags).into())
            }
            Call::GetFlags { fd } => result(libc::fcntl(*fd, libc::F_GETFL).into()),
            Call::Poll { fds, timeout_ms } => poll(fds, *timeout_ms),
            Call::SendToUnspec { fd, len, flags } => {
                let buf = vec![0u8; *len];
                let mut sa: libc::sockaddr_in = std::mem::zeroed();
                sa.sin_family = libc::AF_UNSPEC as libc::sa_family_t;
                let salen = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
                let sa = &sa as *const libc::sockaddr_in as *const libc::sockaddr;
                result(libc::sendto(*fd, buf.as_ptr() as *const libc::c_void, *len, flags | libc::MSG_NOSIGNAL, sa, salen) as i64)
            }
            Call::Open { path, flags, mode } => match std::ffi::CString::new(path.as_str()) {
                Ok(path) => result(libc::open(path.as_ptr(), *flags | libc::O_CLOEXEC, *mode as libc::c_uint).into()),
                Err(_) => Returned::err(Errno::EINVAL),
            },
            Call::Pipe => {
                let mut fds = [0 as libc::c_int; 2];
                if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) < 0 {
                    Returned::err(last_errno())
                } else {
                    Returned::with(0, CallOutput::Fds(fds.to_vec()))
                }
            }
            Call::Splice { fd_in, fd_out, len, flags } => {
                let null = std::ptr::null_mut();
                result(libc::splice(*fd_in, null, *fd_out, null, *len, *flags) as i64)
            }
            Call::Sendfile { out_fd, in_fd, offset, count } => {
                let mut off: libc::off_t = offset.unwrap_or(0);
                let ptr = if offset.is_some() { &mut off as *mut libc::off_t } else { std::ptr::null_mut() };
                result(libc::sendfile(*out_fd, *in_fd, ptr, *count) as i64)
            }
        }
    }
}

/// sendmsg(2) of zeros in one iovec element per entry of `lens` (each may become its own
/// fragment under MSG_ZEROCOPY).
fn sendmsg(fd: i32, lens: &[usize], flags: i32, to: Option<&SocketAddr>) -> Returned {
    let mut bufs: Vec<Vec<u8>> = lens.iter().map(|&n| vec![0u8; n]).collect();
    let mut iov: Vec<libc::iovec> = bufs.iter_mut().map(|b| libc::iovec { iov_base: b.as_mut_ptr() as *mut libc::c_void, iov_len: b.len() }).collect();
    let name = to.map(sockaddr);
    // SAFETY: msghdr points at live buffers (the iovecs and the address) of their true lengths.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        if let Some((sa, salen)) = &name {
            msg.msg_name = sa as *const _ as *mut libc::c_void;
            msg.msg_namelen = *salen;
        }
        msg.msg_iov = iov.as_mut_ptr();
        msg.msg_iovlen = iov.len() as _;
        result(libc::sendmsg(fd, &msg, flags | libc::MSG_NOSIGNAL) as i64)
    }
}

fn recvmsg(fd: i32, len: usize, flags: i32) -> Returned {
    let mut buf = vec![0u8; len.max(1)];
    let mut control = [0u64; 128];
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: len };
    // SAFETY: a zeroed msghdr pointed at live buffers with their true sizes.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = std::mem::size_of_val(&control);
    // SAFETY: `msg` points at live buffers.
    let n = unsafe { libc::recvmsg(fd, &mut msg, flags) };
    if n < 0 {
        return Returned::err(last_errno());
    }
    let mut cmsgs = Vec::new();
    // SAFETY: walking the control messages the kernel wrote into `control`, each read with
    // its own length.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let data_ptr = libc::CMSG_DATA(c);
            let data_len = ((*c).cmsg_len as usize).saturating_sub(data_ptr as usize - c as usize);
            let bytes = std::slice::from_raw_parts(data_ptr, data_len).to_vec();
            cmsgs.push(Cmsg { level: (*c).cmsg_level, ty: (*c).cmsg_type, data: decode_cmsg((*c).cmsg_level, (*c).cmsg_type, &bytes) });
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Returned::with(n as i64, CallOutput::Msg { flags: msg.msg_flags, control: cmsgs })
}

/// Decodes the control messages scripts compare (include/uapi/linux/errqueue.h, tcp.h).
fn decode_cmsg(level: i32, ty: i32, b: &[u8]) -> CmsgData {
    let u32_at = |i: usize| b.get(i..i + 4).map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]));
    let i64_at = |i: usize| b.get(i..i + 8).map(|s| i64::from_ne_bytes(s.try_into().unwrap_or([0; 8])));
    match (level, ty) {
        (libc::SOL_TCP, libc::TCP_CM_INQ) if b.len() >= 4 => CmsgData::Int(i64::from(u32_at(0).unwrap_or(0) as i32)),
        (libc::SOL_IP, libc::IP_RECVERR) | (libc::SOL_IPV6, libc::IPV6_RECVERR) if b.len() >= 16 => CmsgData::ExtendedErr {
            errno: u32_at(0).unwrap_or(0),
            origin: b[4],
            ty: b[5],
            code: b[6],
            info: u32_at(8).unwrap_or(0),
            data: u32_at(12).unwrap_or(0),
        },
        // struct scm_timestamping { struct timespec ts[3]; }: ts[0] is the software stamp.
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPING) if b.len() >= 16 => {
            let (sec, nsec) = (i64_at(0).unwrap_or(0), i64_at(8).unwrap_or(0));
            CmsgData::Timestamp(Duration::new(sec.max(0) as u64, nsec.clamp(0, 999_999_999) as u32))
        }
        _ => CmsgData::Raw(b.to_vec()),
    }
}

fn poll(fds: &[PollFd], timeout_ms: i32) -> Returned {
    let mut pfds: Vec<libc::pollfd> = fds.iter().map(|p| libc::pollfd { fd: p.fd, events: p.events, revents: 0 }).collect();
    // SAFETY: `pfds` is a live array of `pfds.len()` pollfds.
    let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        Returned::err(last_errno())
    } else {
        Returned::with(n.into(), CallOutput::Revents(pfds.iter().map(|p| p.revents).collect()))
    }
}

fn set(fd: i32, opt: &SockOpt) -> Returned {
    let secs = |d: &Duration| d.as_secs() as i32;
    match opt {
        SockOpt::ReuseAddr(on) => setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, (*on).into()),
        SockOpt::RcvBuf(n) => setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, *n as i32),
        SockOpt::SndBuf(n) => setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, *n as i32),
        SockOpt::KeepAlive(on) => setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, (*on).into()),
        SockOpt::Linger(l) => {
            let v = libc::linger { l_onoff: l.is_some().into(), l_linger: l.as_ref().map_or(0, secs) };
            // SAFETY: passes a pointer to a live struct linger and its size.
            let rc = unsafe {
                libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_LINGER, &v as *const _ as *const libc::c_void, std::mem::size_of::<libc::linger>() as libc::socklen_t)
            };
            result(rc.into())
        }
        SockOpt::NoDelay(on) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, (*on).into()),
        SockOpt::MaxSeg(m) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_MAXSEG, (*m).into()),
        SockOpt::UserTimeout(d) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, d.as_millis() as i32),
        SockOpt::SynCount(n) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_SYNCNT, (*n).into()),
        SockOpt::KeepIdle(d) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs(d)),
        SockOpt::KeepIntvl(d) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, secs(d)),
        SockOpt::KeepCnt(n) => setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, (*n).into()),
    }
}

fn get(fd: i32, name: SockOptName) -> Returned {
    match name {
        SockOptName::ReuseAddr => getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR),
        SockOptName::RcvBuf => getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF),
        SockOptName::SndBuf => getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF),
        SockOptName::KeepAlive => getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE),
        SockOptName::Error => getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_ERROR),
        SockOptName::NoDelay => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY),
        SockOptName::MaxSeg => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_MAXSEG),
        SockOptName::UserTimeout => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
        SockOptName::SynCount => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_SYNCNT),
        SockOptName::KeepIdle => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE),
        SockOptName::KeepIntvl => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL),
        SockOptName::KeepCnt => getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT),
        SockOptName::Linger => {
            // SAFETY: an all-zero struct linger is valid; passes its size.
            let mut v: libc::linger = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
            // SAFETY: pointer to a live struct linger and its length.
            let rc = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_LINGER, &mut v as *mut _ as *mut libc::c_void, &mut len) };
            if rc < 0 {
                Returned::err(last_errno())
            } else {
                Returned::with(0, CallOutput::Linger { on: v.l_onoff != 0, seconds: v.l_linger.max(0) as u32 })
            }
        }
    }
}

/// `struct tcp_info` (include/uapi/linux/tcp.h, Linux 6.x) by field, from getsockopt.
pub fn tcp_info(fd: i32) -> Result<InfoValues, Errno> {
    let mut buf = [0u8; 512];
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: pointer to a live buffer and its length.
    let rc = unsafe { libc::getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_INFO, buf.as_mut_ptr() as *mut libc::c_void, &mut len) };
    if rc < 0 {
        return Err(last_errno());
    }
    Ok(decode_tcp_info(&buf[..len as usize]))
}

/// The kernel's layout, field by field (offsets follow from the sizes, no padding gaps).
const LAYOUT: &[(&str, usize)] = &[
    ("state", 1), ("ca_state", 1), ("retransmits", 1), ("probes", 1), ("backoff", 1), ("options", 1),
    ("wscale", 1), ("app_limited_bits", 1),
    ("rto", 4), ("ato", 4), ("snd_mss", 4), ("rcv_mss", 4),
    ("unacked", 4), ("sacked", 4), ("lost", 4), ("retrans", 4), ("fackets", 4),
    ("last_data_sent", 4), ("last_ack_sent", 4), ("last_data_recv", 4), ("last_ack_recv", 4),
    ("pmtu", 4), ("rcv_ssthresh", 4), ("rtt", 4), ("rttvar", 4), ("snd_ssthresh", 4), ("snd_cwnd", 4),
    ("advmss", 4), ("reordering", 4), ("rcv_rtt", 4), ("rcv_space", 4), ("total_retrans", 4),
    ("pacing_rate", 8), ("max_pacing_rate", 8), ("bytes_acked", 8), ("bytes_received", 8),
    ("segs_out", 4), ("segs_in", 4), ("notsent_bytes", 4), ("min_rtt", 4), ("data_segs_in", 4),
    ("data_segs_out", 4), ("delivery_rate", 8), ("busy_time", 8), ("rwnd_limited", 8), ("sndbuf_limited", 8),
    ("delivered", 4), ("delivered_ce", 4), ("bytes_sent", 8), ("bytes_retrans", 8), ("dsack_dups", 4),
    ("reord_seen", 4), ("rcv_ooopack", 4), ("snd_wnd", 4), ("rcv_wnd", 4), ("rehash", 4),
    ("total_rto", 2), ("total_rto_recoveries", 2), ("total_rto_time", 4),
];

/// Decodes as many fields as the kernel returned.
pub fn decode_tcp_info(bytes: &[u8]) -> InfoValues {
    let mut out = InfoValues::new();
    let mut at = 0;
    for (name, size) in LAYOUT {
        let Some(field) = bytes.get(at..at + size) else { break };
        let mut v = [0u8; 8];
        v[..*size].copy_from_slice(field);
        let value = u64::from_ne_bytes(v) as i64;
        match *name {
            "wscale" => {
                out.insert("snd_wscale".into(), value & 0xf);
                out.insert("rcv_wscale".into(), (value >> 4) & 0xf);
            }
            name => {
                out.insert(name.to_string(), value);
            }
        }
        at += size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_info_offsets_match_the_kernel_header() {
        // Offsets from include/uapi/linux/tcp.h: tcpi_rto at 8, tcpi_snd_cwnd at 80,
        // tcpi_bytes_acked at 120, tcpi_delivered at 192, tcpi_snd_wnd at 228; 248 in all.
        let mut bytes = vec![0u8; 248];
        bytes[6] = 0x87; // snd_wscale 7, rcv_wscale 8
        bytes[8..12].copy_from_slice(&200_000u32.to_ne_bytes());
        bytes[80..84].copy_from_slice(&10u32.to_ne_bytes());
        bytes[120..128].copy_from_slice(&1000u64.to_ne_bytes());
        bytes[192..196].copy_from_slice(&3u32.to_ne_bytes());
        bytes[228..232].copy_from_slice(&65535u32.to_ne_bytes());
        bytes[244..248].copy_from_slice(&9u32.to_ne_bytes());
        let v = decode_tcp_info(&bytes);
        assert_eq!(v["snd_wscale"], 7);
        assert_eq!(v["rcv_wscale"], 8);
        assert_eq!(v["rto"], 200_000);
        assert_eq!(v["snd_cwnd"], 10);
        assert_eq!(v["bytes_acked"], 1000);
        assert_eq!(v["delivered"], 3);
        assert_eq!(v["snd_wnd"], 65535);
        assert_eq!(v["total_rto_time"], 9);
        assert_eq!(LAYOUT.iter().map(|(_, s)| s).sum::<usize>(), 248);
        // A shorter (older kernel) answer just has fewer fields.
        assert!(!decode_tcp_info(&bytes[..104]).contains_key("delivered"));
    }
}
