//! The reference stack in-process, on a virtual clock: time only moves when the runner asks
//! it to, so a 60-second TIME-WAIT costs nothing and every run is exactly repeatable.
//!
//! Blocking calls are built from the stack's non-blocking facade: a call that would block is
//! kept and retried after everything that can change its answer (an injected packet, a timer,
//! another call), and returns at the virtual time it first succeeds.

use super::call::poll_bits::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP};
use super::{
    Backend, BackendError, Call, Feature, InfoValues, CallOutcome, CallOutput, CommandOutcome, Completion, Emitted,
    PollFd, Returned, Setup,
};
use crate::environment::{self, Action, DEFAULT_SYSCTLS};
use crate::trace::TraceKind;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use synack_stack::{Config, Errno, Fd, Instant, Profile, SockOptValue, Stack, State, TcpInfo};

/// Linux's `O_RDWR` and `O_NONBLOCK`, for `fcntl(F_GETFL)`.
const O_RDWR: i64 = 0o2;
const O_NONBLOCK: i64 = 0o4000;
/// Linux's `MSG_NOSIGNAL`.
const MSG_NOSIGNAL: i32 = 0x4000;

/// A bound on timer firings at one instant, so a stack bug that re-arms a timer in the past
/// is an error, not a hang.
const MAX_STEPS_PER_INSTANT: u32 = 10_000;

/// The reference stack as a [`Backend`].
pub struct ReferenceBackend {
    stack: Stack,
    profile: Profile,
    /// Packets emitted and not yet handed to the runner.
    outbox: VecDeque<Emitted>,
    blocked: Option<Blocked>,
    completion: Option<Completion>,
    events: Vec<(Duration, TraceKind)>,
    /// The last state seen per descriptor, to trace changes.
    states: BTreeMap<Fd, State>,
    /// Config saved by the last `set_sysctls.py`, for the restore script.
    saved: Option<Config>,
}

/// A call waiting to be able to return.
#[derive(Debug)]
enum Blocked {
    Accept { fd: Fd },
    Connect { fd: Fd },
    Recv { fd: Fd, len: usize, peek: bool },
    Send { fd: Fd, remaining: usize, sent: usize },
    Poll { fds: Vec<PollFd>, deadline: Option<Duration> },
}

impl ReferenceBackend {
    /// A fresh stack with the given profile, the upstream default sysctls applied, and the
    /// run's local address.
    pub fn new(profile: Profile, setup: &Setup, seed: u64) -> ReferenceBackend {
        let mut config = Config::for_profile(profile);
        for (key, value) in DEFAULT_SYSCTLS {
            // Every default is a knob the stack knows or deliberately accepts (config.rs).
            let _ = config.set_sysctl(key, value);
        }
        // Upstream runs IPv6 over an MTU of 1520 so that the MSS is 1460 in every mode.
        if setup.mode.wire_is_ipv6() {
            config.mtu = config.mtu.max(1520);
        }
        let mut stack = Stack::new(config, seed);
        stack.add_local_addr(setup.local_ip);
        ReferenceBackend {
            stack,
            profile,
            outbox: VecDeque::new(),
            blocked: None,
            completion: None,
            events: Vec::new(),
            states: BTreeMap::new(),
            saved: None,
        }
    }

    fn since_start(&self, t: Instant) -> Duration {
        t.saturating_since(Instant::ZERO)
    }

    fn instant(d: Duration) -> Instant {
        Instant::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Moves what the stack produced into the outbox and the event list, and retries the
    /// blocked call.
    fn collect(&mut self) {
        let now = self.now();
        for d in self.stack.take_decisions() {
            self.events.push((now, TraceKind::Decision(d)));
        }
        self.retry_blocked();
        while let Some(bytes) = self.stack.poll_transmit() {
            self.outbox.push_back(Emitted { at: now, bytes });
        }
        for (fd, last) in self.states.iter_mut() {
            if let Ok(state) = self.stack.state(*fd) {
                if state != *last {
                    *last = state;
                    self.events.push((now, TraceKind::State { fd: *fd, state }));
                }
            }
        }
    }

    fn track(&mut self, fd: Fd) {
        if let Ok(state) = self.stack.state(fd) {
            self.states.insert(fd, state);
        }
    }

    fn retry_blocked(&mut self) {
        let Some(blocked) = self.blocked.take() else { return };
        let now = self.now();
        match self.attempt(blocked) {
            Attempt::Done(returned) => {
                self.completion = Some(Completion { at: now, returned });
            }
            Attempt::WouldBlock(b) => self.blocked = Some(b),
        }
    }

    /// Tries a blocking operation once.
    fn attempt(&mut self, blocked: Blocked) -> Attempt {
        match blocked {
            Blocked::Accept { fd } => match self.stack.accept(fd) {
                Ok((new_fd, _)) => {
                    self.track(new_fd);
                    Attempt::Done(Returned::ok(new_fd.into()))
                }
                Err(Errno::EAGAIN) => Attempt::WouldBlock(Blocked::Accept { fd }),
                Err(e) => Attempt::Done(Returned::err(e)),
            },
            Blocked::Connect { fd } => match self.stack.connect_result(fd) {
                None => Attempt::WouldBlock(Blocked::Connect { fd }),
                Some(Ok(())) => Attempt::Done(Returned::ok(0)),
                Some(Err(e)) => Attempt::Done(Returned::err(e)),
            },
            Blocked::Recv { fd, len, peek } => match self.stack.recv(fd, len, peek) {
                Ok(data) => Attempt::Done(Returned::with(data.len() as i64, CallOutput::Data(data))),
                Err(Errno::EAGAIN) => Attempt::WouldBlock(Blocked::Recv { fd, len, peek }),
                Err(e) => Attempt::Done(Returned::err(e)),
            },
            Blocked::Send { fd, remaining, sent } => {
                match self.stack.send(fd, &vec![0; remaining]) {
                    Ok(n) if n >= remaining => Attempt::Done(Returned::ok((sent + n) as i64)),
                    Ok(n) => Attempt::WouldBlock(Blocked::Send { fd, remaining: remaining - n, sent: sent + n }),
                    Err(Errno::EAGAIN) => Attempt::WouldBlock(Blocked::Send { fd, remaining, sent }),
                    Err(_) if sent > 0 => Attempt::Done(Returned::ok(sent as i64)),
                    Err(e) => Attempt::Done(Returned::err(e)),
                }
            }
            Blocked::Poll { fds, deadline } => {
                let revents = self.revents(&fds);
                let ready = revents.iter().filter(|r| **r != 0).count();
                if ready > 0 || deadline.is_some_and(|d| d <= self.now()) {
                    Attempt::Done(Returned::with(ready as i64, CallOutput::Revents(revents)))
                } else {
                    Attempt::WouldBlock(Blocked::Poll { fds, deadline })
                }
            }
        }
    }

    fn revents(&self, fds: &[PollFd]) -> Vec<i16> {
        fds.iter()
            .map(|p| match self.stack.poll(p.fd) {
                Err(_) => POLLNVAL,
                Ok(r) => {
                    let mut bits = 0;
                    if r.readable {
                        bits |= POLLIN;
                    }
                    if r.writable {
                        bits |= POLLOUT;
                    }
                    if r.read_hangup {
                        bits |= POLLRDHUP;
                    }
                    // POLLERR and POLLHUP are reported whether asked for or not.
                    (bits & p.events) | if r.error { POLLERR } else { 0 } | if r.hangup { POLLHUP } else { 0 }
                }
            })
            .collect()
    }

    /// Starts a call that may block: returns at once, or parks it.
    fn start_blocking(&mut self, fd: Fd, op: Blocked) -> CallOutcome {
        let nonblocking = self.stack.is_nonblocking(fd).unwrap_or(true);
        match self.attempt(op) {
            Attempt::Done(r) => CallOutcome::Returned(r),
            Attempt::WouldBlock(b) => {
                if nonblocking {
                    let errno = match b {
                        Blocked::Connect { .. } => Errno::EINPROGRESS,
                        Blocked::Accept { .. } | Blocked::Recv { .. } | Blocked::Poll { .. } => Errno::EAGAIN,
                        Blocked::Send { sent, .. } if sent > 0 => return CallOutcome::Returned(Returned::ok(sent as i64)),
                        Blocked::Send { .. } => Errno::EAGAIN,
                    };
                    CallOutcome::Returned(Returned::err(errno))
                } else {
                    self.blocked = Some(b);
                    CallOutcome::Blocked
                }
            }
        }
    }

    fn apply(&mut self, action: &Action) -> Result<String, CommandOutcome> {
        let config = self.stack.config_mut();
        match action {
            Action::Defaults => {
                for (key, value) in DEFAULT_SYSCTLS {
                    let _ = config.set_sysctl(key, value);
                }
                Ok("upstream defaults applied".to_string())
            }
            Action::Sysctl { key, value } => match config.set_sysctl(key, value) {
                Ok(()) => Ok(format!("{key} = {value}")),
                Err(e) => Err(CommandOutcome::Unsupported(format!("sysctl {key}={value}: {}", e.reason))),
            },
            Action::SaveAndSet(pairs) => {
                let before = config.clone();
                for (key, value) in pairs {
                    if let Err(e) = config.set_sysctl(key, value) {
                        *config = before;
                        return Err(CommandOutcome::Unsupported(format!("sysctl {key}={value}: {}", e.reason)));
                    }
                }
                self.saved = Some(before);
                Ok(pairs.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "))
            }
            Action::Restore => {
                if let Some(saved) = self.saved.take() {
                    *self.stack.config_mut() = saved;
                }
                Ok("sysctls restored".to_string())
            }
            Action::Shell(cmd) => Err(CommandOutcome::Unsupported(format!(
                "shell command `{cmd}`: the in-process reference stack has no shell (only sysctl settings are understood)"
            ))),
        }
    }
}

enum Attempt {
    Done(Returned),
    WouldBlock(Blocked),
}

impl Backend for ReferenceBackend {
    fn lacks(&self, feature: Feature) -> bool {
        match feature {
            Feature::FastOpen | Feature::Icmp => true,
        }
    }

    fn name(&self) -> String {
        format!("reference/{}", self.profile.name())
    }

    fn now(&self) -> Duration {
        self.since_start(self.stack.now())
    }

    fn next_outbound(&mut self, deadline: Duration) -> Result<Option<Emitted>, BackendError> {
        let mut steps = 0;
        loop {
            self.collect();
            if let Some(p) = self.outbox.pop_front() {
                return Ok(Some(p));
            }
            let now = self.now();
            let timer = self.stack.poll_timeout().map(|t| self.since_start(t));
            let poll_deadline = match &self.blocked {
                Some(Blocked::Poll { deadline, .. }) => *deadline,
                Some(_) | None => None,
            };
            let next = [timer, poll_deadline].into_iter().flatten().min();
            match next {
                Some(t) if t <= deadline => {
                    let t = t.max(now);
                    steps = if t == now { steps + 1 } else { 0 };
                    if steps > MAX_STEPS_PER_INSTANT {
                        return Err(BackendError::Environment(format!(
                            "reference stack: a timer keeps firing at {:?} without progress",
                            t
                        )));
                    }
                    self.stack.handle_timeout(Self::instant(t));
                }
                Some(_) | None => {
                    if deadline > now {
                        self.stack.advance(Self::instant(deadline));
                    }
                    self.collect();
                    return Ok(self.outbox.pop_front());
                }
            }
        }
    }

    fn inject(&mut self, packet: &[u8]) -> Result<(), BackendError> {
        let now = self.stack.now();
        self.stack.handle_packet(now, packet);
        self.collect();
        Ok(())
    }

    fn call(&mut self, call: &Call) -> CallOutcome {
        let outcome = match call {
            Call::Socket { domain, nonblocking } => match self.stack.socket(*domain) {
                Ok(fd) => {
                    let _ = self.stack.set_nonblocking(fd, *nonblocking);
                    self.track(fd);
                    CallOutcome::Returned(Returned::ok(fd.into()))
                }
                Err(e) => CallOutcome::Returned(Returned::err(e)),
            },
            Call::Bind { fd, addr } => unit(self.stack.bind(*fd, *addr)),
            Call::Listen { fd, backlog } => unit(self.stack.listen(*fd, *backlog)),
            Call::Accept { fd } => self.start_blocking(*fd, Blocked::Accept { fd: *fd }),
            Call::Connect { fd, addr } => match self.stack.connect(*fd, *addr) {
                Err(Errno::EINPROGRESS) => self.start_blocking(*fd, Blocked::Connect { fd: *fd }),
                other => unit(other),
            },
            // MSG_NOSIGNAL changes nothing here (there are no signals); other flags are
            // features this stack does not have.
            // Copying from or to a NULL buffer fails like copy_from_user does (EFAULT).
            Call::Send { null_buf: true, .. } | Call::Recv { null_buf: true, .. } => CallOutcome::Returned(Returned::err(Errno::EFAULT)),
            Call::Send { fd, len, flags, to, null_buf: false, iov: _ } => {
                if flags & !MSG_NOSIGNAL != 0 || to.is_some() {
                    CallOutcome::Unsupported(format!("send flags {flags:#x} (or a sendto address) on the reference stack"))
                } else {
                    self.start_blocking(*fd, Blocked::Send { fd: *fd, remaining: *len, sent: 0 })
                }
            }
            Call::SetSockOptRaw { level, name, .. } => {
                CallOutcome::Unsupported(format!("setsockopt level {level} option {name} on the reference stack"))
            }
            Call::GetSockOptRaw { level, name, .. } => {
                CallOutcome::Unsupported(format!("getsockopt level {level} option {name} on the reference stack"))
            }
            Call::Ioctl { request, .. } => CallOutcome::Unsupported(format!("ioctl {request:#x} on the reference stack")),
            Call::SendToUnspec { .. } => CallOutcome::Unsupported("sendto() with an AF_UNSPEC address on the reference stack".to_string()),
            Call::Open { .. } | Call::Pipe | Call::Splice { .. } | Call::Sendfile { .. } => {
                CallOutcome::Unsupported("files and pipes (open, pipe, splice, sendfile) on the reference stack".to_string())
            }
            Call::RecvMsg { .. } => CallOutcome::Unsupported("recvmsg() on the reference stack (read/recv are supported)".to_string()),
            Call::EpollCreate | Call::EpollCtl { .. } | Call::EpollWait { .. } => {
                CallOutcome::Unsupported("epoll on the reference stack (poll() is supported)".to_string())
            }
            Call::Recv { fd, len, peek, null_buf: false } => {
                self.start_blocking(*fd, Blocked::Recv { fd: *fd, len: *len, peek: *peek })
            }
            Call::Shutdown { fd, how } => unit(self.stack.shutdown(*fd, *how)),
            Call::Close { fd } => {
                let r = unit(self.stack.close(*fd));
                self.states.remove(fd);
                r
            }
            Call::SetSockOpt { fd, opt } => unit(self.stack.setsockopt(*fd, *opt)),
            Call::GetSockOpt { fd, name } => match self.stack.getsockopt(*fd, *name) {
                Ok(SockOptValue::Int(v)) => CallOutcome::Returned(Returned::with(0, CallOutput::Int(v))),
                Ok(SockOptValue::Linger { on, seconds }) => {
                    CallOutcome::Returned(Returned::with(0, CallOutput::Linger { on, seconds }))
                }
                Err(e) => CallOutcome::Returned(Returned::err(e)),
            },
            Call::SetNonBlocking { fd, on } => unit(self.stack.set_nonblocking(*fd, *on)),
            Call::GetFlags { fd } => match self.stack.is_nonblocking(*fd) {
                Ok(nb) => CallOutcome::Returned(Returned::ok(O_RDWR | if nb { O_NONBLOCK } else { 0 })),
                Err(e) => CallOutcome::Returned(Returned::err(e)),
            },
            Call::Poll { fds, timeout_ms } => {
                let deadline = match *timeout_ms {
                    t if t < 0 => None,
                    t => Some(self.now() + Duration::from_millis(t as u64)),
                };
                match self.attempt(Blocked::Poll { fds: fds.clone(), deadline }) {
                    Attempt::Done(r) => CallOutcome::Returned(r),
                    Attempt::WouldBlock(b) => {
                        self.blocked = Some(b);
                        CallOutcome::Blocked
                    }
                }
            }
        };
        self.collect();
        outcome
    }

    fn take_completion(&mut self) -> Option<Completion> {
        self.completion.take()
    }

    fn tcp_info(&mut self, fd: i32) -> Result<InfoValues, String> {
        let info = self.stack.tcp_info(fd).map_err(|e| format!("TCP_INFO on fd {fd}: {}", e.name()))?;
        Ok(TcpInfo::FIELDS.iter().filter_map(|name| info.get(name).map(|v| (name.to_string(), v))).collect())
    }

    fn command(&mut self, text: &str) -> CommandOutcome {
        let mut done = Vec::new();
        for action in environment::interpret(text) {
            match self.apply(&action) {
                Ok(what) => done.push(what),
                Err(outcome) => return outcome,
            }
        }
        CommandOutcome::Done(done.join("; "))
    }

    fn take_events(&mut self) -> Vec<(Duration, TraceKind)> {
        std::mem::take(&mut self.events)
    }
}

fn unit(r: Result<(), Errno>) -> CallOutcome {
    CallOutcome::Returned(match r {
        Ok(()) => Returned::ok(0),
        Err(e) => Returned::err(e),
    })
}
