//! The BSD-socket facade over [`Stack`]: one method per syscall, errno results with Linux's
//! choices. Nothing here blocks: a call that would block returns `EAGAIN` (or `EINPROGRESS`
//! for connect) and the caller waits on [`Stack::poll`] — the harness builds blocking calls
//! from that, on virtual time.

use crate::connection::{Connection, ConnOptions, Origin};
use crate::errno::Errno;
use crate::listen_queue::Listener;
use crate::seq::SeqNum;
use crate::socket::{Domain, Fd, Readiness, Shutdown, SockOpt, SockOptName, SockOptValue, SocketOptions, TcpInfo};
use crate::stack::{canonical, Socket, SocketKind, Stack};
use crate::state::State;
use crate::decision::Step;
use crate::user_calls;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Linux's default ephemeral range (`ip_local_port_range`).
const EPHEMERAL: std::ops::RangeInclusive<u16> = 32768..=60999;

impl Stack {
    /// socket(domain, SOCK_STREAM, IPPROTO_TCP): the lowest free descriptor from 3 up.
    pub fn socket(&mut self, domain: Domain) -> Result<Fd, Errno> {
        let fd = (3..).find(|fd| !self.sockets.contains_key(fd)).ok_or(Errno::EMFILE)?;
        let opts = SocketOptions {
            conn: ConnOptions { nodelay: !self.config.nagle, ..ConnOptions::default() },
            ..SocketOptions::default()
        };
        self.sockets.insert(fd, Socket { domain, local: None, kind: SocketKind::Fresh, nonblocking: false, opts, shut_write: false });
        Ok(fd)
    }

    fn sock(&self, fd: Fd) -> Result<&Socket, Errno> {
        self.sockets.get(&fd).ok_or(Errno::EBADF)
    }

    fn sock_mut(&mut self, fd: Fd) -> Result<&mut Socket, Errno> {
        self.sockets.get_mut(&fd).ok_or(Errno::EBADF)
    }

    fn conn_of(&self, fd: Fd) -> Result<u32, Errno> {
        match self.sock(fd)?.kind {
            SocketKind::Connection(id) => Ok(id),
            SocketKind::Fresh | SocketKind::Listening(_) => Err(Errno::ENOTCONN),
        }
    }

    pub fn set_nonblocking(&mut self, fd: Fd, on: bool) -> Result<(), Errno> {
        self.sock_mut(fd)?.nonblocking = on;
        Ok(())
    }

    pub fn is_nonblocking(&self, fd: Fd) -> Result<bool, Errno> {
        Ok(self.sock(fd)?.nonblocking)
    }

    /// bind(2). EADDRINUSE when another socket holds the address (unless both set
    /// SO_REUSEADDR and neither listens), EINVAL when already bound.
    pub fn bind(&mut self, fd: Fd, addr: SocketAddr) -> Result<(), Errno> {
        let s = self.sock(fd)?;
        if s.local.is_some() {
            return Err(Errno::EINVAL);
        }
        check_family(s.domain, addr)?;
        if !addr.ip().is_unspecified() && !self.local_addrs.is_empty() && !self.is_local(canonical(addr).ip()) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let reuse = s.opts.reuse_addr;
        let clash = self.sockets.iter().any(|(other, o)| {
            *other != fd
                && o.local.is_some_and(|l| l.port() == addr.port() && overlaps(l.ip(), addr.ip()))
                && (!(reuse && o.opts.reuse_addr) || matches!(o.kind, SocketKind::Listening(_)))
        });
        if clash && addr.port() != 0 {
            return Err(Errno::EADDRINUSE);
        }
        let port = if addr.port() == 0 { self.ephemeral_port(addr.ip())? } else { addr.port() };
        self.sock_mut(fd)?.local = Some(SocketAddr::new(addr.ip(), port));
        Ok(())
    }

    fn ephemeral_port(&mut self, ip: IpAddr) -> Result<u16, Errno> {
        let span = u64::from(EPHEMERAL.end() - EPHEMERAL.start()) + 1;
        for _ in 0..span {
            let port = EPHEMERAL.start() + (self.secrets.next_u64() % span) as u16;
            let used = self.sockets.values().any(|s| s.local.is_some_and(|l| l.port() == port && overlaps(l.ip(), ip)));
            if !used {
                return Ok(port);
            }
        }
        Err(Errno::EADDRNOTAVAIL)
    }

    /// listen(2): LISTEN state (§3.10.1 passive OPEN); backlog capped by somaxconn.
    pub fn listen(&mut self, fd: Fd, backlog: i32) -> Result<(), Errno> {
        let s = self.sock(fd)?;
        let backlog = (backlog.max(0) as u32).min(self.config.somaxconn);
        match s.kind {
            SocketKind::Listening(lid) => {
                if let Some(l) = self.listeners.get_mut(&lid) {
                    l.backlog = backlog;
                }
                return Ok(());
            }
            SocketKind::Connection(_) => return Err(Errno::EINVAL),
            SocketKind::Fresh => {}
        }
        if s.local.is_none() {
            let any = unspecified(s.domain);
            self.bind(fd, SocketAddr::new(any, 0))?;
        }
        let s = self.sock(fd)?;
        let local = s.local.ok_or(Errno::EINVAL)?;
        let listener = Listener {
            local,
            backlog,
            syn_queue: Vec::new(),
            accept_queue: VecDeque::new(),
            opts: s.opts.conn.clone(),
            rcvbuf: s.opts.rcvbuf,
            sndbuf: s.opts.sndbuf,
        };
        let lid = self.next_listener;
        self.next_listener += 1;
        self.listeners.insert(lid, listener);
        self.sock_mut(fd)?.kind = SocketKind::Listening(lid);
        Ok(())
    }

    /// accept(2): the oldest established connection; EAGAIN when none (the caller blocks).
    pub fn accept(&mut self, fd: Fd) -> Result<(Fd, SocketAddr), Errno> {
        let s = self.sock(fd)?;
        let domain = s.domain;
        let SocketKind::Listening(lid) = s.kind else { return Err(Errno::EINVAL) };
        let l = self.listeners.get_mut(&lid).ok_or(Errno::EINVAL)?;
        let id = l.accept_queue.pop_front().ok_or(Errno::EAGAIN)?;
        let conn = self.conns.get(&id).ok_or(Errno::ECONNABORTED)?;
        let (local, remote) = (conn.local, conn.remote);
        let opts = SocketOptions { conn: conn.opts.clone(), ..SocketOptions::default() };
        let new_fd = (3..).find(|fd| !self.sockets.contains_key(fd)).ok_or(Errno::EMFILE)?;
        self.sockets.insert(
            new_fd,
            Socket { domain, local: Some(present(domain, local)), kind: SocketKind::Connection(id), nonblocking: false, opts, shut_write: false },
        );
        Ok((new_fd, present(domain, remote)))
    }

    /// connect(2). The first call sends the SYN and returns EINPROGRESS (a blocking caller
    /// then waits for [`Stack::poll`] to say writable or error, and reads SO_ERROR); later
    /// calls return EALREADY while connecting, 0 once connected … then EISCONN.
    pub fn connect(&mut self, fd: Fd, addr: SocketAddr) -> Result<(), Errno> {
        let s = self.sock(fd)?;
        check_family(s.domain, addr)?;
        match s.kind {
            // RFC 9293 would turn a LISTEN active (Figure 5); a socket cannot. POSIX:
            // EOPNOTSUPP ("the socket is listening and cannot be connected"); Linux: EISCONN.
            SocketKind::Listening(_) => {
                return Err(match self.config.profile {
                    crate::config::Profile::Rfc9293 => Errno::EOPNOTSUPP,
                    crate::config::Profile::Linux => Errno::EISCONN,
                })
            }
            SocketKind::Connection(id) => {
                let c = self.conns.get_mut(&id).ok_or(Errno::EBADF)?;
                return match c.state {
                    State::SynSent | State::SynReceived => Err(Errno::EALREADY),
                    State::Closed => Err(c.error.take().unwrap_or(Errno::ECONNABORTED)),
                    State::Listen => Err(Errno::EINVAL),
                    State::Established
                    | State::FinWait1
                    | State::FinWait2
                    | State::CloseWait
                    | State::Closing
                    | State::LastAck
                    | State::TimeWait => Err(Errno::EISCONN),
                };
            }
            SocketKind::Fresh => {}
        }
        let remote = canonical(addr);
        if remote.ip().is_unspecified() || remote.port() == 0 {
            return Err(Errno::ECONNREFUSED);
        }
        let local = match s.local {
            Some(l) if !l.ip().is_unspecified() => canonical(l),
            bound => {
                let ip = self.source_for(remote.ip()).ok_or(Errno::ENETUNREACH)?;
                let port = match bound {
                    Some(l) => l.port(),
                    None => self.ephemeral_port(ip)?,
                };
                SocketAddr::new(ip, port)
            }
        };
        if self.demux.contains_key(&(local, remote)) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let s = self.sock(fd)?;
        let (domain, opts) = (s.domain, s.opts.clone());
        let iss = SeqNum::new(self.secrets.isn(self.now, local, remote));
        let mut c = Connection::new(local, remote, Origin::Active, iss, &self.config, &self.secrets, opts.conn.clone(), self.now);
        if let Some(b) = opts.rcvbuf {
            c.lock_rcvbuf(b);
        }
        if let Some(b) = opts.sndbuf {
            c.send.set_capacity(b as usize);
        }
        let id = self.insert_conn(c);
        let sock = self.sock_mut(fd)?;
        sock.local = Some(present(domain, local));
        sock.kind = SocketKind::Connection(id);
        self.drive(id, user_calls::open_active);
        Err(Errno::EINPROGRESS)
    }

    /// The result of a connect() in progress: `None` while the handshake runs.
    pub fn connect_result(&mut self, fd: Fd) -> Option<Result<(), Errno>> {
        let id = self.conn_of(fd).ok()?;
        let c = self.conns.get_mut(&id)?;
        match c.state {
            State::SynSent | State::SynReceived => None,
            State::Closed => Some(Err(c.error.take().unwrap_or(Errno::ECONNREFUSED))),
            State::Listen
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait => Some(Ok(())),
        }
    }

    /// send(2) / write(2): how many octets were queued.
    pub fn send(&mut self, fd: Fd, data: &[u8]) -> Result<usize, Errno> {
        if self.sock(fd)?.shut_write {
            return Err(Errno::EPIPE);
        }
        // §3.10.2 SEND without a connection: "error: connection does not exist" (ENOTCONN,
        // as POSIX has it); Linux (tcp_sendmsg, sk_stream_wait_connect) answers EPIPE.
        let linux = self.config.profile == crate::config::Profile::Linux;
        let id = self.conn_of(fd).map_err(|e| if e == Errno::ENOTCONN && linux { Errno::EPIPE } else { e })?;
        self.drive(id, |c, ctx| user_calls::send(c, data, ctx)).ok_or(Errno::EBADF)?
    }

    /// recv(2) / read(2): up to `max` octets; empty is end of stream. `peek` = MSG_PEEK.
    pub fn recv(&mut self, fd: Fd, max: usize, peek: bool) -> Result<Vec<u8>, Errno> {
        let id = self.conn_of(fd)?;
        self.drive(id, |c, ctx| user_calls::receive(c, max, peek, ctx)).ok_or(Errno::EBADF)?
    }

    /// shutdown(2).
    pub fn shutdown(&mut self, fd: Fd, how: Shutdown) -> Result<(), Errno> {
        let linux = self.config.profile == crate::config::Profile::Linux;
        // A listener has no send side to close: "error: connection does not exist". Linux
        // (inet_shutdown) returns 0 for SHUT_WR and goes on listening.
        if let (SocketKind::Listening(_), Shutdown::Write, true) = (&self.sock(fd)?.kind, how, linux) {
            return Ok(());
        }
        let id = self.conn_of(fd)?;
        let state = self.conns.get(&id).map(|c| c.state).ok_or(Errno::ENOTCONN)?;
        if state == State::SynSent {
            // §3.10.4 CLOSE in SYN-SENT: "Delete the TCB" and answer what waits "error:
            // closing". Linux (inet_shutdown → disconnect) does the same for any `how` and
            // reports ECONNRESET once afterwards; its choice for the error, in both profiles
            // (no RST was received: ECONNREFUSED would be wrong, MUST-12).
            self.sock_mut(fd)?.shut_write = true;
            self.drive(id, |c, ctx| {
                let _ = user_calls::close(c, ctx);
                c.error = Some(Errno::ECONNRESET);
            });
            return Ok(());
        }
        if matches!(state, State::Closed | State::Listen) {
            return Err(Errno::ENOTCONN);
        }
        if matches!(how, Shutdown::Read | Shutdown::Both) {
            if let Some(c) = self.conns.get_mut(&id) {
                c.rcv_shutdown = true;
            }
        }
        if matches!(how, Shutdown::Write | Shutdown::Both) && !self.sock(fd)?.shut_write {
            self.sock_mut(fd)?.shut_write = true;
            return self.drive(id, user_calls::close).unwrap_or(Ok(())).or(Ok(()));
        }
        Ok(())
    }

    /// close(2): CLOSE (§3.10.4) and forget the descriptor. Unread data, or SO_LINGER 0,
    /// turns it into ABORT (RST; SHLD-3: data was lost). A listener resets its queue.
    pub fn close(&mut self, fd: Fd) -> Result<(), Errno> {
        let s = self.sockets.remove(&fd).ok_or(Errno::EBADF)?;
        match s.kind {
            SocketKind::Fresh => Ok(()),
            SocketKind::Listening(lid) => {
                if let Some(l) = self.listeners.remove(&lid) {
                    let linux = self.config.profile == crate::config::Profile::Linux;
                    for id in l.syn_queue {
                        self.orphan(id);
                        if linux {
                            // Linux: a request socket dies with its listener, silently (the
                            // peer's next segment finds no socket and is reset from CLOSED).
                            let now = self.now;
                            self.drive(id, |c, _| {
                                c.delete_tcb(None);
                                c.decide(now, Step::Abort, "listener closed → half-open connection dropped", Some(State::Closed));
                            });
                        } else {
                            self.drive(id, user_calls::abort);
                        }
                    }
                    // Established, not yet accepted: ABORT (Linux inet_csk_listen_stop: RST).
                    for id in l.accept_queue {
                        self.orphan(id);
                        self.drive(id, user_calls::abort);
                    }
                }
                Ok(())
            }
            SocketKind::Connection(id) => {
                // Unread text makes close() an ABORT (Linux tcp_close, SHLD-3) — except in
                // TIME-WAIT, where CLOSE is "error: connection closing" (§3.10.4) and the
                // connection keeps its 2·MSL (MUST-13; Linux: already CLOSE to the user, the
                // timewait socket lives on).
                let abort = s.opts.linger == Some(Duration::ZERO)
                    || self.conns.get(&id).is_some_and(|c| !c.recv.is_empty() && c.state != State::TimeWait);
                self.orphan(id);
                if abort {
                    self.drive(id, user_calls::abort);
                } else if !s.shut_write {
                    self.drive(id, |c, ctx| {
                        let _ = user_calls::close(c, ctx);
                    });
                } else {
                    // Already shut for writing: nothing more to send; apply the orphan rules.
                    self.drive(id, |_, _| ());
                }
                self.reap(id);
                Ok(())
            }
        }
    }

    fn orphan(&mut self, id: u32) {
        if let Some(c) = self.conns.get_mut(&id) {
            c.orphaned = true;
            if c.state == State::FinWait2 {
                c.timers.fin_wait_2 = self.config.fin_wait_2_timeout.map(|d| self.now + d);
            }
        }
    }

    fn reap(&mut self, id: u32) {
        if self.conns.get(&id).is_some_and(|c| c.state == State::Closed && c.orphaned) {
            self.conns.remove(&id);
        }
    }

    /// setsockopt(2).
    pub fn setsockopt(&mut self, fd: Fd, opt: SockOpt) -> Result<(), Errno> {
        let conn = match self.sock(fd)?.kind {
            SocketKind::Connection(id) => Some(id),
            SocketKind::Fresh | SocketKind::Listening(_) => None,
        };
        let listener = match self.sock(fd)?.kind {
            SocketKind::Listening(lid) => Some(lid),
            SocketKind::Fresh | SocketKind::Connection(_) => None,
        };
        let profile = self.config.profile;
        let s = self.sock_mut(fd)?;
        match opt {
            SockOpt::ReuseAddr(on) => s.opts.reuse_addr = on,
            // Linux doubles the requested size (sk_rcvbuf = max(2·val, SOCK_MIN_RCVBUF)) and
            // reports the doubled size; the rfc9293 profile keeps what was asked.
            SockOpt::RcvBuf(n) => {
                s.opts.rcvbuf = Some(match profile {
                    crate::config::Profile::Rfc9293 => n.max(256),
                    crate::config::Profile::Linux => n.saturating_mul(2).max(2304),
                })
            }
            SockOpt::SndBuf(n) => s.opts.sndbuf = Some(n.max(256)),
            SockOpt::Linger(l) => s.opts.linger = l,
            SockOpt::KeepAlive(on) => s.opts.conn.keepalive = on,
            SockOpt::NoDelay(on) => s.opts.conn.nodelay = on,
            SockOpt::MaxSeg(m) => {
                if !(88..=32767).contains(&m) {
                    return Err(Errno::EINVAL);
                }
                s.opts.conn.user_mss = Some(m)
            }
            SockOpt::UserTimeout(d) => s.opts.conn.user_timeout = (!d.is_zero()).then_some(d),
            SockOpt::SynCount(n) => {
                if !(1..=127).contains(&n) {
                    return Err(Errno::EINVAL);
                }
                s.opts.conn.syn_retries = Some(n)
            }
            // Linux's ranges (`tcp_sock_set_keepidle_locked`, `do_tcp_setsockopt`): idle time and
            // interval 1..=32767 s, probe count 1..=127. A count of 0 would declare the connection
            // dead without a single probe, which RFC 9293 §3.8.4 (MUST-27) rules out; an idle
            // time or interval of 0 would probe in a loop at one instant.
            SockOpt::KeepIdle(d) => s.opts.conn.keepalive_time = Some(keepalive_seconds(d)?),
            SockOpt::KeepIntvl(d) => s.opts.conn.keepalive_interval = Some(keepalive_seconds(d)?),
            SockOpt::KeepCnt(n) => {
                if !(1..=127).contains(&n) {
                    return Err(Errno::EINVAL);
                }
                s.opts.conn.keepalive_probes = Some(n)
            }
        }
        let (copts, rcvbuf, sndbuf) = (s.opts.conn.clone(), s.opts.rcvbuf, s.opts.sndbuf);
        if let Some(lid) = listener {
            if let Some(l) = self.listeners.get_mut(&lid) {
                l.opts = copts.clone();
                l.rcvbuf = rcvbuf;
                l.sndbuf = sndbuf;
            }
        }
        if let Some(id) = conn {
            let now = self.now;
            let idle = self.config.keepalive_time;
            self.drive(id, |c, _| {
                let was_keepalive = c.opts.keepalive;
                let idle_changed = c.opts.keepalive_time != copts.keepalive_time;
                c.opts = copts;
                if let Some(b) = sndbuf {
                    c.send.set_capacity(b as usize);
                }
                if c.opts.keepalive && !was_keepalive && c.state.is_synchronized() {
                    c.timers.keepalive = Some(now + c.opts.keepalive_time.unwrap_or(idle));
                } else if c.opts.keepalive && idle_changed && c.state.is_synchronized() && c.probes == 0 {
                    // A new idle time applies at once, counted from the last segment received
                    // (Linux: TCP_KEEPIDLE re-arms the timer with what is left of it).
                    let due = c.last_received + c.opts.keepalive_time.unwrap_or(idle);
                    c.timers.keepalive = Some(if due > now { due } else { now });
                }
                if !c.opts.keepalive {
                    c.timers.keepalive = None;
                }
            });
        }
        Ok(())
    }

    /// getsockopt(2).
    pub fn getsockopt(&mut self, fd: Fd, name: SockOptName) -> Result<SockOptValue, Errno> {
        let s = self.sock(fd)?;
        let conn = match s.kind {
            SocketKind::Connection(id) => self.conns.get(&id),
            SocketKind::Fresh | SocketKind::Listening(_) => None,
        };
        let int = |v: i64| Ok(SockOptValue::Int(v));
        let secs = |d: Option<Duration>, default: Duration| int(d.unwrap_or(default).as_secs() as i64);
        match name {
            SockOptName::ReuseAddr => int(s.opts.reuse_addr.into()),
            SockOptName::RcvBuf => int(s.opts.rcvbuf.unwrap_or(self.config.rmem_default).into()),
            SockOptName::SndBuf => int(s.opts.sndbuf.unwrap_or(self.config.wmem_default).into()),
            SockOptName::Linger => Ok(SockOptValue::Linger {
                on: s.opts.linger.is_some(),
                seconds: s.opts.linger.map_or(0, |d| d.as_secs() as u32),
            }),
            SockOptName::KeepAlive => int(s.opts.conn.keepalive.into()),
            SockOptName::NoDelay => int(s.opts.conn.nodelay.into()),
            SockOptName::MaxSeg => {
                let mss = match conn {
                    Some(c) if c.state.is_synchronized() => c.smss() as i64,
                    Some(_) | None => s.opts.conn.user_mss.map_or(536, i64::from),
                };
                int(mss)
            }
            SockOptName::UserTimeout => int(s.opts.conn.user_timeout.map_or(0, |d| d.as_millis() as i64)),
            SockOptName::SynCount => int(s.opts.conn.syn_retries.unwrap_or(self.config.syn_retries).into()),
            SockOptName::KeepIdle => secs(s.opts.conn.keepalive_time, self.config.keepalive_time),
            SockOptName::KeepIntvl => secs(s.opts.conn.keepalive_interval, self.config.keepalive_interval),
            SockOptName::KeepCnt => int(s.opts.conn.keepalive_probes.unwrap_or(self.config.keepalive_probes).into()),
            SockOptName::Error => {
                let err = match s.kind {
                    SocketKind::Connection(id) => self.conns.get_mut(&id).and_then(|c| c.error.take()),
                    SocketKind::Fresh | SocketKind::Listening(_) => None,
                };
                int(err.map_or(0, |e| e.code().into()))
            }
        }
    }

    /// poll(2) readiness.
    pub fn poll(&self, fd: Fd) -> Result<Readiness, Errno> {
        let s = self.sock(fd)?;
        let mut r = Readiness::default();
        match s.kind {
            SocketKind::Fresh => r.hangup = true,
            SocketKind::Listening(lid) => r.readable = self.listeners.get(&lid).is_some_and(|l| !l.accept_queue.is_empty()),
            SocketKind::Connection(id) => {
                let Some(c) = self.conns.get(&id) else {
                    r.hangup = true;
                    return Ok(r);
                };
                let connected = !matches!(c.state, State::SynSent | State::SynReceived);
                r.error = c.error.is_some();
                r.read_hangup = c.peer_fin;
                r.readable = !c.recv.is_empty() || c.peer_fin || c.rcv_shutdown || c.state == State::Closed;
                r.writable = connected && matches!(c.state, State::Established | State::CloseWait) && c.send.free() > 0 && !s.shut_write;
                r.hangup = c.state == State::Closed || (c.peer_fin && s.shut_write);
                if c.state == State::Closed && r.error {
                    r.writable = true;
                }
            }
        }
        Ok(r)
    }

    /// getsockname(2).
    pub fn local_addr(&self, fd: Fd) -> Result<SocketAddr, Errno> {
        let s = self.sock(fd)?;
        Ok(s.local.unwrap_or_else(|| SocketAddr::new(unspecified(s.domain), 0)))
    }

    /// getpeername(2).
    pub fn peer_addr(&self, fd: Fd) -> Result<SocketAddr, Errno> {
        let s = self.sock(fd)?;
        let id = self.conn_of(fd)?;
        let c = self.conns.get(&id).ok_or(Errno::ENOTCONN)?;
        Ok(present(s.domain, c.remote))
    }

    /// The connection state behind a descriptor (LISTEN for listeners).
    pub fn state(&self, fd: Fd) -> Result<State, Errno> {
        match self.sock(fd)?.kind {
            SocketKind::Fresh => Ok(State::Closed),
            SocketKind::Listening(_) => Ok(State::Listen),
            SocketKind::Connection(id) => Ok(self.conns.get(&id).map_or(State::Closed, |c| c.state)),
        }
    }

    /// §3.10.6 STATUS, in `TCP_INFO` form.
    pub fn tcp_info(&self, fd: Fd) -> Result<TcpInfo, Errno> {
        let s = self.sock(fd)?;
        let c = match s.kind {
            SocketKind::Connection(id) => self.conns.get(&id),
            SocketKind::Fresh | SocketKind::Listening(_) => None,
        };
        let Some(c) = c else {
            let state = if matches!(s.kind, SocketKind::Listening(_)) { State::Listen } else { State::Closed };
            return Ok(TcpInfo { state: state.linux_tcpi_state(), ..TcpInfo::default() });
        };
        Ok(tcp_info_of(c))
    }
}

fn tcp_info_of(c: &Connection) -> TcpInfo {
    let smss = c.smss();
    let us = |d: Duration| d.as_micros() as u64;
    let mut options = 0;
    if c.neg.timestamps {
        options |= 1;
    }
    if c.neg.sack {
        options |= 2;
    }
    if c.neg.window_scaling {
        options |= 4;
    }
    let ssthresh = c.cc.ssthresh();
    TcpInfo {
        state: c.state.linux_tcpi_state(),
        ca_state: if c.recovery.is_some() { 3 } else if c.rtx_nxt.is_some() { 4 } else { 0 },
        retransmits: c.retransmits,
        probes: c.probes,
        backoff: c.retransmits,
        options,
        snd_wscale: c.neg.snd_scale.get(),
        rcv_wscale: c.neg.rcv_scale.get(),
        rto: us(c.rtt.rto()),
        ato: 0,
        snd_mss: smss,
        rcv_mss: u32::from(c.neg.our_mss.get()),
        unacked: c.tcb.flight_size().div_ceil(smss.max(1)),
        sacked: c.scoreboard.sacked_segments(smss),
        lost: 0,
        retrans: u32::from(c.rtx_nxt.is_some()),
        pmtu: 0,
        rtt: c.rtt.srtt().map_or(0, us),
        rttvar: c.rtt.rttvar().map_or(0, us),
        // Linux reports "infinite" ssthresh as 0x7fffffff.
        snd_ssthresh: if ssthresh == u32::MAX { 0x7fff_ffff } else { ssthresh / smss.max(1) },
        snd_cwnd: c.cc.cwnd() / smss.max(1),
        advmss: u32::from(c.neg.our_mss.get()),
        reordering: 3,
        rcv_space: c.recv_capacity as u32,
        total_retrans: c.total_retransmits,
        snd_wnd: c.tcb.snd_wnd,
        rcv_wnd: c.tcb.rcv_wnd(),
        bytes_acked: c.bytes_acked,
        bytes_received: c.bytes_received,
        segs_in: c.segs_in,
        segs_out: c.segs_out,
    }
}

fn check_family(domain: Domain, addr: SocketAddr) -> Result<(), Errno> {
    match (domain, addr) {
        (Domain::Inet, SocketAddr::V4(_)) | (Domain::Inet6, SocketAddr::V6(_)) => Ok(()),
        (Domain::Inet, SocketAddr::V6(_)) => Err(Errno::EAFNOSUPPORT),
        (Domain::Inet6, SocketAddr::V4(_)) => Err(Errno::EINVAL),
    }
}

fn unspecified(domain: Domain) -> IpAddr {
    match domain {
        Domain::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Domain::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// An address as a socket of `domain` shows it (IPv4 peers of AF_INET6 sockets are mapped).
fn present(domain: Domain, addr: SocketAddr) -> SocketAddr {
    match (domain, addr) {
        (Domain::Inet6, SocketAddr::V4(a)) => SocketAddr::new(IpAddr::V6(a.ip().to_ipv6_mapped()), a.port()),
        (Domain::Inet6, SocketAddr::V6(_)) | (Domain::Inet, _) => addr,
    }
}

/// TCP_KEEPIDLE's and TCP_KEEPINTVL's range in Linux: 1 to 32767 seconds.
fn keepalive_seconds(d: Duration) -> Result<Duration, Errno> {
    if (Duration::from_secs(1)..=Duration::from_secs(32767)).contains(&d) {
        Ok(d)
    } else {
        Err(Errno::EINVAL)
    }
}

/// Two bound addresses conflict if equal or either is the wildcard.
fn overlaps(a: IpAddr, b: IpAddr) -> bool {
    a == b || a.is_unspecified() || b.is_unspecified()
}

impl Stack {
    /// The source address for a connection to `remote`: the first local one of its family.
    fn source_for(&self, remote: IpAddr) -> Option<IpAddr> {
        self.local_addrs.iter().copied().find(|ip| ip.is_ipv4() == remote.is_ipv4())
    }
}
