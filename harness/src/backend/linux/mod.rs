//! The Linux kernel as the stack under test: each run in a network namespace of its own with
//! a TUN device, the script's system calls made natively, its packets written to and read
//! from the TUN device.
//!
//! [`LinuxBackend::new`] must run on a thread of its own (the suite spawns one per run): it
//! moves that thread into a fresh namespace, which the kernel removes with everything in it
//! when the thread's last reference goes — after the run, or when synack dies.

mod capture;
mod cpu;
mod helper;
pub mod native;
pub mod netns;
pub mod tick;

use super::call::{CallOutput, CmsgData, Returned};
use super::{Backend, BackendError, Call, CallOutcome, CommandOutcome, Completion, Emitted, InfoValues, Setup};
use crate::environment::{self, Action, DEFAULT_SYSCTLS};
use crate::trace::TraceKind;
use helper::Helper;
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long before a deadline the runner stops sleeping and waits on the CPU instead, so that
/// the script's next action happens at its time to a few microseconds: the kernel's choices
/// at an event compare intervals the script makes equal (e.g. `tcp_tso_should_defer`'s "last
/// send within 1 ms", a retransmission's RTT against the minimum RTT), and the varying
/// lateness of a wake-up from sleep (30–150 µs here, idle or busy) decided them run by run.
/// Events on whole milliseconds never have a kernel tick in this stretch (tick.rs puts every
/// tick half a millisecond from a whole millisecond of script time), so the CPU is not kept
/// busy across a tick, which can make a jiffy timer of the run fire a tick late (a CPU that is
/// busy at a tick may run its timers before another CPU has advanced jiffies).
const SPIN: Duration = Duration::from_micros(200);

/// CLOCK_REALTIME as a duration since the epoch (the clock of kernel packet timestamps).
pub(crate) fn realtime() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// The kernel under test.
pub struct LinuxBackend {
    tun: OwnedFd,
    capture: capture::Capture,
    /// CLOCK_REALTIME at script time 0.
    start: Duration,
    queue: VecDeque<Emitted>,
    helper: Helper,
    blocked: bool,
    completion: Option<Completion>,
    events: Vec<(Duration, TraceKind)>,
    /// A congestion control the namespace refused as default, applied per socket instead.
    per_socket_congestion: Option<String>,
    /// Values saved by `set_sysctls.py`, for the restore script.
    saved: Vec<(String, String)>,
    setup: Setup,
    kernel: String,
    /// The run's CPU (its place in the table is freed when the backend goes).
    _cpu: cpu::Pinned,
}

impl LinuxBackend {
    /// Sets up the namespace, the TUN device, the addresses and upstream's default sysctls.
    /// Call it on a dedicated thread: that thread's network namespace is replaced.
    pub fn new(setup: &Setup) -> Result<LinuxBackend, String> {
        netns::available()?;
        // The CPU before anything else, so that the syscall thread and every child inherit
        // it; real-time priority only once the namespace is made (below): making and tearing
        // down namespaces waits on the kernel's own workers, which a real-time thread pinned
        // to their CPU could keep from running.
        let (pinned, cpu_note) = match cpu::pin_this_thread() {
            Ok(p) => {
                let note = p.describe();
                (p, note)
            }
            Err(e) => (cpu::Pinned::none(), Some(format!("the run could not be kept on one CPU ({e}); timing may vary more"))),
        };
        netns::enter_fresh_namespace()?;
        let tun = netns::create_tun()?;
        netns::configure(setup)?;
        let capture = capture::open(netns::TUN_NAME)?;
        let realtime_note = realtime_priority();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default();
        let mut backend = LinuxBackend {
            tun,
            capture,
            start: realtime(),
            queue: VecDeque::new(),
            helper: Helper::spawn()?,
            blocked: false,
            completion: None,
            events: Vec::new(),
            per_socket_congestion: None,
            saved: Vec::new(),
            setup: setup.clone(),
            kernel,
            _cpu: pinned,
        };
        backend.apply_defaults()?;
        backend.start = realtime();
        // Setup notes belong to time 0.
        for (at, _) in &mut backend.events {
            *at = Duration::ZERO;
        }
        for note in [realtime_note, cpu_note].into_iter().flatten() {
            backend.events.push((Duration::ZERO, TraceKind::Note(note)));
        }
        Ok(backend)
    }

    fn note(&mut self, text: String) {
        let at = self.now();
        self.events.push((at, TraceKind::Note(text)));
    }

    fn apply_defaults(&mut self) -> Result<(), String> {
        for (key, value) in DEFAULT_SYSCTLS {
            match self.set_sysctl(key, value) {
                Ok(()) => {}
                // A knob this kernel does not have cannot matter to it.
                Err(e) if e.contains("No such file") => self.note(format!("this kernel has no sysctl {key}; default not applied")),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes a sysctl in the namespace. A congestion control the namespace may not make
    /// its default (a kernel whose host allows only some algorithms refuses with EPERM) is
    /// set on every socket with TCP_CONGESTION instead, and the log says so.
    fn set_sysctl(&mut self, key: &str, value: &str) -> Result<(), String> {
        let key = key.trim_start_matches("/proc/sys/").replace('/', ".");
        match netns::write_sysctl(&key, value) {
            Ok(()) => {
                if key == "net.ipv4.tcp_congestion_control" {
                    self.per_socket_congestion = None;
                }
                Ok(())
            }
            Err(e) if key == "net.ipv4.tcp_congestion_control" => {
                self.per_socket_congestion = Some(value.trim().to_string());
                self.note(format!(
                    "the namespace refused {key}={value} ({e}); TCP_CONGESTION={value} is set on each socket instead"
                ));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn apply(&mut self, action: &Action) -> Result<String, String> {
        match action {
            Action::Defaults => self.apply_defaults().map(|()| "upstream defaults applied".to_string()),
            Action::Sysctl { key, value } => self.set_sysctl(key, value).map(|()| format!("{key} = {value}")),
            Action::SaveAndSet(pairs) => {
                for (key, value) in pairs {
                    let old = netns::read_sysctl(key)?;
                    self.saved.push((key.clone(), old));
                    self.set_sysctl(key, value)?;
                }
                Ok(pairs.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "))
            }
            Action::Restore => {
                for (key, value) in std::mem::take(&mut self.saved).into_iter().rev() {
                    self.set_sysctl(&key, &value)?;
                }
                Ok("sysctls restored".to_string())
            }
            Action::Shell(cmd) => shell(cmd, &self.setup, &self.helper.mount_namespace()),
        }
    }

    fn fetch_packets(&mut self) -> Result<(), BackendError> {
        let mut any = false;
        while let Some((at, bytes)) = self.capture.read().map_err(BackendError::Environment)? {
            any = true;
            let at = at.saturating_sub(self.start);
            if capture::is_control_chatter(&bytes) {
                self.events.push((at, TraceKind::Note(format!("ignored {} bytes of IP control traffic", bytes.len()))));
                continue;
            }
            self.queue.push_back(Emitted { at, bytes });
        }
        // What the TUN device queued the capture has seen too: only then is there anything
        // to drop there (a system call less each time the runner looks for packets).
        if any {
            self.capture.drain_tun(&self.tun);
        }
        Ok(())
    }

    fn check_blocked(&mut self) {
        if self.blocked {
            if let Some((at, returned)) = self.helper.poll() {
                self.blocked = false;
                let returned = self.localize(returned);
                self.completion = Some(Completion { at: at.saturating_sub(self.start), returned });
            }
        }
    }

    /// Kernel timestamps in control messages (CLOCK_REALTIME) as script time.
    fn localize(&self, mut r: Returned) -> Returned {
        if let CallOutput::Msg { control, .. } = &mut r.output {
            for c in control {
                if let CmsgData::Timestamp(t) = &mut c.data {
                    *t = t.saturating_sub(self.start);
                }
            }
        }
        r
    }

    fn may_block(call: &Call) -> bool {
        match call {
            Call::Accept { fd }
            | Call::Connect { fd, .. }
            | Call::Send { fd, .. }
            | Call::SendToUnspec { fd, .. }
            | Call::Recv { fd, .. }
            | Call::Splice { fd_in: fd, .. }
            | Call::Sendfile { out_fd: fd, .. } => !native::is_nonblocking(*fd),
            // Not that it blocks: the syscall thread is where the run's private /tmp is.
            Call::Open { .. } => true,
            // The error queue never blocks; data may.
            Call::RecvMsg { fd, flags, .. } => flags & libc::MSG_ERRQUEUE == 0 && !native::is_nonblocking(*fd),
            Call::Poll { timeout_ms, .. } | Call::EpollWait { timeout_ms, .. } => *timeout_ms != 0,
            Call::Socket { .. }
            | Call::Bind { .. }
            | Call::Listen { .. }
            | Call::Shutdown { .. }
            | Call::Close { .. }
            | Call::SetSockOpt { .. }
            | Call::GetSockOpt { .. }
            | Call::SetSockOptRaw { .. }
            | Call::GetSockOptRaw { .. }
            | Call::Ioctl { .. }
            | Call::EpollCreate
            | Call::EpollCtl { .. }
            | Call::SetNonBlocking { .. }
            | Call::GetFlags { .. }
            | Call::Pipe => false,
        }
    }
}

/// Gives the calling thread a modest real-time priority, so that a busy machine delays the
/// script's actions less. The runner's waits end on the CPU (see `next_outbound`) only for
/// the last [`SPIN`] before an event, and the kernel's RT throttling bounds it anyway.
/// `SCHED_RESET_ON_FORK`: what the thread starts — the syscall thread, which sets its own,
/// and the processes of backtick commands — begins at normal priority, so that a command's
/// start-up (milliseconds of CPU) cannot hold up a run's real-time threads on that CPU (a
/// real-time child of equal priority is not preempted by them). Returns a note when it could
/// not be done.
pub(crate) fn realtime_priority() -> Option<String> {
    let param = libc::sched_param { sched_priority: 10 };
    // SAFETY: sets the calling thread's own scheduling policy.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO | libc::SCHED_RESET_ON_FORK, &param) };
    if rc == 0 {
        None
    } else {
        Some(format!("could not use SCHED_FIFO for the run ({}); timing may suffer on a busy machine", std::io::Error::last_os_error()))
    }
}

/// Runs a backtick command with `sh -c` in the run's namespace, from the script's directory,
/// in the run's mount namespace (`mount_ns`, the syscall thread's), whose /tmp is the run's
/// private tmpfs: nothing is written to the host's /tmp, and what one command writes there
/// the next command and the script's open() calls find.
fn shell(cmd: &str, setup: &Setup, mount_ns: &std::path::Path) -> Result<String, String> {
    use std::os::unix::io::AsRawFd;
    use std::os::unix::process::CommandExt;
    let dir = if setup.script_dir.as_os_str().is_empty() { std::path::Path::new(".") } else { setup.script_dir.as_path() };
    // Held open, so that the command starts there even when the directory is under the
    // host's /tmp, which the run's mount namespace hides.
    let dir = std::fs::File::open(dir).map_err(|e| format!("the script's directory {}: {e}", dir.display()))?;
    let dir_fd = dir.as_raw_fd();
    let ns = std::fs::File::open(mount_ns).map_err(|e| format!("the run's mount namespace {}: {e}", mount_ns.display()))?;
    let ns_fd = ns.as_raw_fd();
    let mut command = std::process::Command::new("sh");
    command.arg("-c").arg(cmd);
    // SAFETY: the closure only makes raw system calls (no allocation) between fork and exec.
    // Joining a mount namespace resets the working directory, hence the chdir after it.
    unsafe {
        command.pre_exec(move || {
            if libc::setns(ns_fd, libc::CLONE_NEWNS) != 0 || libc::fchdir(dir_fd) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().map_err(|e| format!("cannot run sh: {e}"))?;
    if out.status.success() {
        Ok(format!("ran `{}`", cmd.trim()))
    } else {
        Err(format!("exit status {}: {}", out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

impl Backend for LinuxBackend {
    fn name(&self) -> String {
        format!("linux/{}", self.kernel)
    }

    fn now(&self) -> Duration {
        realtime().saturating_sub(self.start)
    }

    fn restart_clock(&mut self) {
        // Time 0 just after a kernel tick, so that jiffy timers and counters land the same
        // way in every run (tick.rs). Waits at most a tick period plus the margin.
        let lattice = tick::Lattice::get();
        if let Some(l) = lattice {
            l.sleep_to_start();
        }
        let now = realtime();
        let shift = now.saturating_sub(self.start);
        self.start = now;
        for (at, _) in &mut self.events {
            *at = at.saturating_sub(shift);
        }
        let note = match lattice {
            Some(l) => format!("script time 0 is just after a kernel tick (HZ={}, measured)", l.hz()),
            None => "the kernel's tick could not be measured: script time 0 is not aligned with it".to_string(),
        };
        self.events.push((Duration::ZERO, TraceKind::Note(note)));
    }

    fn next_outbound(&mut self, deadline: Duration) -> Result<Option<Emitted>, BackendError> {
        loop {
            self.fetch_packets()?;
            self.check_blocked();
            // Only packets the kernel stamped by the deadline; later ones wait their turn.
            if self.queue.front().is_some_and(|p| p.at <= deadline) {
                return Ok(self.queue.pop_front());
            }
            let now = self.now();
            if now >= deadline {
                return Ok(None);
            }
            let left = deadline - now;
            if left <= SPIN && !self.blocked {
                // The last stretch on the CPU, looking for packets as it goes: a sleep ends
                // tens of microseconds late, more after a long one (the vCPU halts), and by
                // a different amount each time. Other threads of this priority (the syscall
                // thread) get the CPU at every turn.
                // SAFETY: no arguments.
                unsafe { libc::sched_yield() };
                continue;
            }
            // Sleep in the kernel until a packet is captured, the last stretch before the
            // deadline, or (at most every 10 ms) to look at a blocked call.
            let wait = if self.blocked { left.min(Duration::from_millis(1)) } else { (left - SPIN).min(Duration::from_millis(10)) };
            let mut pfd = libc::pollfd { fd: self.capture.raw_fd(), events: libc::POLLIN, revents: 0 };
            let ts = libc::timespec { tv_sec: wait.as_secs() as libc::time_t, tv_nsec: wait.subsec_nanos() as libc::c_long };
            // SAFETY: one live pollfd and a timespec.
            unsafe { libc::ppoll(&mut pfd, 1, &ts, std::ptr::null()) };
        }
    }

    fn inject(&mut self, packet: &[u8]) -> Result<(), BackendError> {
        // SAFETY: writes a live buffer of its true length.
        let n = unsafe { libc::write(self.tun.as_raw_fd(), packet.as_ptr() as *const libc::c_void, packet.len()) };
        if n < 0 {
            return Err(BackendError::Environment(format!("writing to {}: {}", netns::TUN_NAME, std::io::Error::last_os_error())));
        }
        Ok(())
    }

    fn call(&mut self, call: &Call) -> CallOutcome {
        if self.blocked {
            return CallOutcome::Unsupported("a second system call while one is blocked".to_string());
        }
        let outcome = if Self::may_block(call) {
            match self.helper.start(call.clone()) {
                Err(e) => return CallOutcome::Unsupported(e),
                Ok(Some((_, r))) => CallOutcome::Returned(self.localize(r)),
                Ok(None) => {
                    self.blocked = true;
                    CallOutcome::Blocked
                }
            }
        } else {
            CallOutcome::Returned(self.localize(native::execute(call)))
        };
        if let (Call::Socket { .. }, CallOutcome::Returned(r)) = (call, &outcome) {
            if let (true, Some(cc)) = (r.value >= 0, self.per_socket_congestion.clone()) {
                if let Err(e) = native::set_congestion(r.value as i32, &cc) {
                    self.note(format!("TCP_CONGESTION={cc} on fd {} failed: {e}", r.value));
                }
            }
        }
        outcome
    }

    fn take_completion(&mut self) -> Option<Completion> {
        self.check_blocked();
        self.completion.take()
    }

    fn tcp_info(&mut self, fd: i32) -> Result<InfoValues, String> {
        native::tcp_info(fd).map_err(|e| format!("TCP_INFO on fd {fd}: {e}"))
    }

    fn command(&mut self, text: &str) -> CommandOutcome {
        let mut done = Vec::new();
        for action in environment::interpret(text) {
            match self.apply(&action) {
                Ok(what) => done.push(what),
                Err(e) => return CommandOutcome::Failed(e),
            }
        }
        CommandOutcome::Done(done.join("; "))
    }

    fn take_events(&mut self) -> Vec<(Duration, TraceKind)> {
        std::mem::take(&mut self.events)
    }
}
