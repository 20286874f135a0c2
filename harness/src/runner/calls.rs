//! The runner's handling of what returns: system call results (at once or after blocking),
//! the end of the script, backtick commands and `%{ }%` blocks.

use super::timing::fmt_time;
use super::{python, syscalls, Pending, Runner, Stop};
use crate::backend::{Call, CommandOutcome, Completion, Returned};
use crate::script::{ExprKind, Span, SyscallEvent};
use crate::trace::TraceKind;
use synack_stack::Errno;

/// The call as the script wrote it, e.g. `accept(3, ..., ...)`.
pub(super) fn call_text(ev: &SyscallEvent) -> String {
    let args: Vec<String> = ev.args.iter().map(ToString::to_string).collect();
    format!("{}({})", ev.name.value, args.join(", "))
}

impl Runner<'_> {
    /// Checks a returned call and updates what the runner knows (descriptors, connections).
    pub(super) fn returned(&mut self, p: Pending, c: Completion) -> Result<(), Stop> {
        let Completion { at, returned } = c;
        let span = p.event.name.span;
        self.trace.push(
            at,
            Some(span.start.line),
            TraceKind::SyscallReturn {
                call: p.text.clone(),
                value: returned.value,
                errno: returned.errno.map(|e| e.name().to_string()),
            },
        );
        if let Some(call) = super::socket_call::socket_call(&p.call, p.started, &returned) {
            self.trace.push(at, Some(span.start.line), TraceKind::Socket(call));
        }
        let tolerance = p.window.latest - p.window.nominal;
        syscalls::check_result(&p.event, &p.expect, &returned, &self.config.defines, tolerance)
            .map_err(|m| Stop::fail(span, m))?;
        if p.scripted_blocking {
            if at < p.window.earliest || at > p.window.latest {
                return Err(Stop::fail(
                    span,
                    format!("{} returned at {}, the script expects {}", p.text, fmt_time(at), p.window.describe()),
                ));
            }
        } else {
            // A call the script does not mark blocking must return at once: within the
            // tolerance of when it was made (which, on a real clock, may be a little after
            // its scripted time).
            let took = at.saturating_sub(p.started);
            let allowed = p.window.latest - p.window.nominal;
            if took > allowed {
                return Err(Stop::fail(
                    span,
                    format!(
                        "{} blocked for {} (it returned at {}); the script does not expect it to block",
                        p.text,
                        fmt_time(took),
                        fmt_time(at)
                    ),
                ));
            }
        }
        if p.scripted_blocking {
            self.timing_sample(&p.window, at);
        }
        self.opened(&p.call, Some(&returned));
        self.bookkeeping(&p.event, &p.call, &returned);
        Ok(())
    }

    /// A connect() that sends a SYN opens a connection the script will see packets of.
    pub(super) fn opened(&mut self, call: &Call, returned: Option<&Returned>) {
        // connect(), or sendto(MSG_FASTOPEN) which connects too (RFC 7413 client).
        let (fd, addr) = if let Call::Connect { fd, addr } = call {
            (fd, addr)
        } else if let Call::Send { fd, to: Some(addr), .. } = call {
            (fd, addr)
        } else {
            return;
        };
        let sends_syn = match returned {
            None => true,
            // connect() returns 0, sendto(MSG_FASTOPEN) the bytes queued.
            Some(r) => r.value >= 0 || r.errno == Some(Errno::EINPROGRESS),
        };
        // Only the first connect() on a descriptor sends a SYN (later ones report progress).
        if sends_syn && self.connecting.insert(*fd) {
            self.conns.opened_by_stack(addr.port());
            self.socket_under_test = Some(*fd);
        }
    }

    fn bookkeeping(&mut self, ev: &SyscallEvent, call: &Call, r: &Returned) {
        if r.value < 0 {
            return;
        }
        let live = r.value as i32;
        let script_fd = if let ExprKind::Int(v) = &ev.result.value.kind { Some(*v) } else { None };
        match call {
            Call::Socket { domain, .. } => {
                if let Some(s) = script_fd {
                    self.calls.fds.insert(s, live);
                }
                self.calls.domains.insert(live, *domain);
                // A new socket on a reused descriptor has not connected yet.
                self.connecting.remove(&live);
                self.listening.remove(&live);
                self.socket_under_test = Some(live);
            }
            Call::EpollCreate | Call::Open { .. } => {
                if let Some(s) = script_fd {
                    self.calls.fds.insert(s, live);
                }
            }
            Call::Pipe => {
                // pipe([R, W]): the script's two numbers name the two live ends.
                if let (Some(ExprKind::Array(named)), crate::backend::CallOutput::Fds(live)) = (ev.args.first().map(|a| &a.kind), &r.output) {
                    for (name, fd) in named.iter().zip(live) {
                        if let ExprKind::Int(s) = name.kind {
                            self.calls.fds.insert(s, *fd);
                        }
                    }
                }
            }
            Call::Accept { fd } => {
                if let Some(s) = script_fd {
                    self.calls.fds.insert(s, live);
                }
                if let Some(d) = self.calls.domains.get(fd).copied() {
                    self.calls.domains.insert(live, d);
                }
                self.socket_under_test = Some(live);
            }
            Call::Bind { addr, .. } => self.conns.listen_port = Some(addr.port()),
            Call::Close { fd } => {
                self.connecting.remove(fd);
                self.listening.remove(fd);
            }
            Call::Listen { fd, .. } => {
                self.listening.insert(*fd);
                self.conns.new_listener();
            }
            Call::Connect { .. }
            | Call::Send { .. }
            | Call::Recv { .. }
            | Call::Shutdown { .. }
            | Call::SetSockOpt { .. }
            | Call::GetSockOpt { .. }
            | Call::SetSockOptRaw { .. }
            | Call::GetSockOptRaw { .. }
            | Call::Ioctl { .. }
            | Call::EpollCtl { .. }
            | Call::RecvMsg { .. }
            | Call::EpollWait { .. }
            | Call::SetNonBlocking { .. }
            | Call::GetFlags { .. }
            | Call::Poll { .. }
            | Call::SendToUnspec { .. }
            | Call::Splice { .. }
            | Call::Sendfile { .. } => {}
        }
    }

    /// Picks up the blocked call's return, if it has returned.
    pub(super) fn completion(&mut self) -> Result<(), Stop> {
        let Some(c) = self.backend.take_completion() else { return Ok(()) };
        let Some(p) = self.pending.take() else {
            return Err(Stop {
                verdict: crate::report::Verdict::Error,
                span: None,
                message: "the backend reported a blocked call returning, but none was in flight".to_string(),
            });
        };
        self.returned(p, c)
    }

    /// After the last event: the blocked call must return in time, and the stack must send
    /// nothing more by the last event's time (plus the fixed tolerance).
    pub(super) fn finish(&mut self, last: Span) -> Result<(), Stop> {
        if let Some(p) = &self.pending {
            let span = p.event.name.span;
            self.await_pending(span)?;
            if let Some(p) = &self.pending {
                let deadline = p.window.latest;
                return Err(Stop::fail(
                    span,
                    format!("{} is still blocked at {}; the script expects it to return at {}", p.text, fmt_time(deadline), p.window.describe()),
                ));
            }
        }
        let end = self.clock.prev() + self.clock.base_tolerance();
        while self.fetch(end, last)? {}
        if self.config.unexpected == super::Unexpected::Ignore {
            return Ok(());
        }
        match self.held.pop_front() {
            Some((p, _)) => {
                let stop = self.unexpected(p, last, end);
                Err(Stop { message: stop.message.replace("(the script expects nothing then; next event at", "(after the last script event; checked until"), ..stop })
            }
            None => Ok(()),
        }
    }

    pub(super) fn command(&mut self, text: &str, span: Span) -> Result<(), Stop> {
        let outcome = self.backend.command(text);
        self.sync();
        let at = self.backend.now();
        let line = Some(span.start.line);
        match outcome {
            CommandOutcome::Done(what) => {
                self.trace.push(at, line, TraceKind::Command { text: text.to_string(), outcome: what });
                Ok(())
            }
            CommandOutcome::Unsupported(m) => Err(Stop::unsupported(span, m)),
            CommandOutcome::Failed(m) => {
                self.trace.push(at, line, TraceKind::Command { text: text.to_string(), outcome: format!("failed: {m}") });
                Err(Stop::error(span, format!("environment error: `{}` failed: {m}", text.trim())))
            }
        }
    }

    pub(super) fn code(&mut self, text: &str, span: Span) -> Result<(), Stop> {
        let fd = self
            .socket_under_test
            .ok_or_else(|| Stop::error(span, "a %{ }% block before any socket exists"))?;
        let info = self.backend.tcp_info(fd).map_err(|m| Stop::error(span, m))?;
        let at = self.backend.now();
        let result = self.python.run(text, &|name| info.get(name.strip_prefix("tcpi_").unwrap_or(name)).copied());
        for printed in std::mem::take(&mut self.python.printed) {
            self.trace.push(at, Some(span.start.line), TraceKind::Note(format!("print: {printed}")));
        }
        let failure = match &result {
            Ok(()) => None,
            Err(python::Problem::Failed(m) | python::Problem::Unsupported(m)) => Some(m.clone()),
        };
        self.trace.push(at, Some(span.start.line), TraceKind::Assertion { text: text.trim().to_string(), failure });
        match result {
            Ok(()) => Ok(()),
            Err(python::Problem::Failed(m)) => Err(Stop::fail(span, m)),
            Err(python::Problem::Unsupported(m)) => Err(Stop::unsupported(span, format!("in %{{ }}%: {m}"))),
        }
    }
}
