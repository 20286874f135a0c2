//! Suites: finding scripts, running each in its IP modes (in parallel), and writing every
//! run's artifacts (pcap, normalized trace, failure text) — for failing runs too.

use crate::backend::linux::LinuxBackend;
use crate::backend::reference::ReferenceBackend;
use crate::backend::Setup;
use crate::deviation;
use crate::mode::{AddressPlan, IpMode};
use crate::oracle;
use crate::report::{self, RunReport, Summary, Verdict};
use crate::runner::{self, RunConfig, Unexpected};
use crate::script::{self, Script};
use crate::trace::Trace;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use synack_stack::Profile;

/// Which stack runs the scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackKind {
    /// synack's own stack, in-process.
    Reference,
    /// The Linux kernel, in a network namespace per run (root and /dev/net/tun needed).
    Linux,
}

/// Settings of a suite run.
#[derive(Clone, Debug)]
pub struct SuiteConfig {
    /// The stack under test.
    pub stack: StackKind,
    /// The reference stack's profile.
    pub profile: Profile,
    /// Modes to run each script in (each script only in those its name allows).
    pub modes: Vec<IpMode>,
    /// Parallel workers.
    pub jobs: usize,
    /// Where each run's pcap, trace and failure text go; `None` writes nothing.
    pub out: Option<PathBuf>,
    /// Seed of the reference stack's ISN and other randomness.
    pub seed: u64,
    /// Packets no line expects: a failure, or ignored as packetdrill does.
    pub unexpected: Unexpected,
    /// Default addresses.
    pub addresses: AddressPlan,
    /// Run again, alone, each run that failed while other runs shared the machine (with
    /// more than one worker): on a real clock a kernel timer one tick late under load fails
    /// a script a quiet machine passes. The report keeps both attempts
    /// ([`RunReport::first_attempt`], `<mode>.attempt1.*` artifacts). `synack run` sets it
    /// for the Linux backend unless `--no-rerun`; the reference stack's virtual clock has no
    /// load to shed.
    pub rerun_alone: bool,
}

/// One run to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The script.
    pub path: PathBuf,
    /// The mode.
    pub mode: IpMode,
}

/// Every `.pkt` file under `paths` (files are taken as they are), sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut found).map_err(|e| format!("{}: {e}", p.display()))?;
        } else {
            found.push(p.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "pkt") {
            found.push(path);
        }
    }
    Ok(())
}

/// The runs for these scripts: each in every requested mode its name allows (upstream's
/// `…v4.pkt` / `…v6.pkt` rule).
pub fn plan(scripts: &[PathBuf], modes: &[IpMode]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for path in scripts {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for mode in modes {
            if mode.applies_to(&name) {
                jobs.push(Job { path: path.clone(), mode: *mode });
            }
        }
    }
    jobs
}

/// How many runs go at once by default: one per core. A run on the kernel mostly sleeps until
/// its next scripted time (481 upstream runs, 308 s of script time, take about 12 s of CPU),
/// so more would fit, but runs disturb each other's kernel timers: on this 2-core machine,
/// idle, three full upstream runs had 9 flaky runs with two at once (151 s each) and 21 with
/// six (51 s each). `-j` trades accuracy for speed explicitly.
pub fn default_jobs(stack: StackKind) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match stack {
        StackKind::Reference | StackKind::Linux => cores,
    }
}

/// Runs every job on `config.jobs` threads; `on_done` sees each report as it finishes. The
/// reports come back in plan order; the runs start longest first (by their scripts' own
/// timelines), so that a long run does not start last and keep the others' workers idle.
/// With [`SuiteConfig::rerun_alone`] and more than one worker, the runs that failed are run
/// again one at a time once the others are done, and reported then.
pub fn run_all(jobs: &[Job], config: &SuiteConfig, on_done: &(dyn Fn(&RunReport) + Sync)) -> Summary {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<RunReport>>> = Mutex::new(vec![None; jobs.len()]);
    let workers = config.jobs.clamp(1, jobs.len().max(1));
    let rerun = config.rerun_alone && workers > 1;
    let again: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let mut order: Vec<(std::time::Duration, usize)> = jobs.iter().enumerate().map(|(i, j)| (scripted_length(&j.path), i)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(&(_, i)) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                let job = &jobs[i];
                let (report, _) = run_job(job, config);
                if rerun && report.verdict == Verdict::Fail {
                    if let Ok(mut a) = again.lock() {
                        a.push((i, report.message));
                        continue;
                    }
                }
                on_done(&report);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(report);
                }
            });
        }
    });
    let mut again = again.into_inner().unwrap_or_default();
    again.sort_by_key(|(i, _)| *i);
    let mut results = results.into_inner().unwrap_or_default();
    for (i, first) in again {
        let job = &jobs[i];
        if let Some(out) = &config.out {
            if let Err(e) = keep_first_attempt(out, job) {
                eprintln!("synack: cannot keep the first attempt's artifacts of {} ({}): {e}", job.path.display(), job.mode);
            }
        }
        let (report, _) = run_job_attempt(job, config, Some(first));
        on_done(&report);
        results[i] = Some(report);
    }
    let runs = results.into_iter().flatten().collect();
    Summary { stack: stack_name(config), runs, wall_seconds: started.elapsed().as_secs_f64() }
}

/// How long a script's own timeline runs: the time of its last event (the end of a blocking
/// call's window included). Zero for a script that cannot be read or parsed (its run is
/// quick: an error).
fn scripted_length(path: &Path) -> std::time::Duration {
    let Ok(source) = std::fs::read(path) else { return Default::default() };
    script::parse(&path.display().to_string(), &source).map_or(Default::default(), |s| timeline_length(&s))
}

fn timeline_length(script: &Script) -> std::time::Duration {
    use crate::script::{EventKind, EventTime};
    let (mut now, mut last) = (0u64, 0u64);
    for event in &script.events {
        // A blocking call's end is on its start's basis: absolute, or after the event before.
        let (base, start) = match &event.time {
            EventTime::Absolute(t) | EventTime::AbsoluteRange { start: t, .. } => (0, t.micros),
            EventTime::Relative(t) | EventTime::RelativeRange { start: t, .. } => (now, now + t.micros),
            EventTime::Any(_) => (now, now),
        };
        now = start;
        let end = match &event.kind {
            EventKind::Syscall(call) => call.end_time.map_or(now, |t| now.max(base + t.micros)),
            EventKind::Packet(_) | EventKind::Command(_) | EventKind::Code(_) => now,
        };
        last = last.max(end);
    }
    std::time::Duration::from_micros(last)
}

/// The stack's name as reports show it.
pub fn stack_name(config: &SuiteConfig) -> String {
    match config.stack {
        StackKind::Reference => format!("reference/{}", config.profile.name()),
        StackKind::Linux => format!(
            "linux/{}",
            std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default()
        ),
    }
}

/// Runs one job and writes its artifacts. The trace is `None` when the script could not be
/// read or parsed.
pub fn run_job(job: &Job, config: &SuiteConfig) -> (RunReport, Option<Trace>) {
    run_job_attempt(job, config, None)
}

/// [`run_job`], for a second attempt when `first_attempt` holds the first one's message.
fn run_job_attempt(job: &Job, config: &SuiteConfig, first_attempt: Option<String>) -> (RunReport, Option<Trace>) {
    let started = Instant::now();
    let shown = job.path.display().to_string();
    let finish = |verdict, message: String, trace: Option<Trace>, timing: Option<std::time::Duration>| {
        // The RFC 9293 oracle judges every run's trace, beside the script's expectations.
        let oracle = trace.as_ref().map(|t| oracle::check(t, &oracle::OracleProfile::for_trace(t))).unwrap_or_default();
        let report = RunReport {
            script: shown.clone(),
            mode: job.mode,
            verdict,
            seconds: started.elapsed().as_secs_f64(),
            message,
            timing_error: timing.map(|t| t.as_secs_f64()),
            oracle,
            first_attempt: first_attempt.clone(),
        };
        if let Some(out) = &config.out {
            if let Err(e) = write_artifacts(out, job, &report, trace.as_ref()) {
                eprintln!("synack: cannot write artifacts of {shown} ({}): {e}", job.mode);
            }
        }
        (report, trace)
    };
    let source = match std::fs::read(&job.path) {
        Ok(s) => s,
        Err(e) => return finish(Verdict::Error, format!("{shown}: cannot read: {e}"), None, None),
    };
    let script = match script::parse(&shown, &source) {
        Ok(s) => s,
        Err(d) => return finish(Verdict::Error, d.render(&source), None, None),
    };
    let setup = match setup_for(&script, job, config.addresses) {
        Ok(s) => s,
        Err((verdict, m)) => return finish(verdict, m, None, None),
    };
    let outcome = match config.stack {
        StackKind::Reference => {
            let mut backend = ReferenceBackend::new(config.profile, &setup, config.seed);
            runner::run(&shown, &script, &mut backend, &setup, &run_config(job.mode, config))
        }
        StackKind::Linux => match run_on_linux(&shown, &script, &setup, run_config(job.mode, config)) {
            Ok(outcome) => outcome,
            Err(m) => return finish(Verdict::Error, format!("{shown}: environment error: {m}"), None, None),
        },
    };
    let source_text = String::from_utf8_lossy(&source);
    let (verdict, message) =
        deviation::judge(&deviation::declared(&source_text), &outcome.trace.stack, outcome.verdict, outcome.message);
    finish(verdict, message, Some(outcome.trace), outcome.worst_timing_error)
}

/// Runs a script on the kernel, on a thread of its own that moves into a fresh network
/// namespace (gone with the thread).
fn run_config(mode: IpMode, config: &SuiteConfig) -> RunConfig {
    RunConfig { unexpected: config.unexpected, ..RunConfig::for_mode(mode) }
}

fn run_on_linux(shown: &str, script: &Script, setup: &Setup, run: RunConfig) -> Result<runner::RunOutcome, String> {
    let (shown, script, setup) = (shown.to_string(), script.clone(), setup.clone());
    std::thread::Builder::new()
        .name("synack-netns".into())
        .spawn(move || {
            let mut backend = LinuxBackend::new(&setup)?;
            Ok(runner::run(&shown, &script, &mut backend, &setup, &run))
        })
        .map_err(|e| format!("cannot start a worker thread: {e}"))?
        .join()
        .map_err(|_| "the worker thread panicked".to_string())?
}

/// Addresses for a run: the mode's documentation-range defaults, unless the script sets
/// `--local_ip` / `--remote_ip` (which always win). A script whose own address is of the
/// other IP version does not run in this mode: an IPv4 address makes a script IPv4-only, and
/// in ipv6 mode the run is unsupported (upstream's runner replaces such addresses, and most
/// such runs then fail on what the script derived from them, e.g. its TFO cookies).
pub fn setup_for(script: &Script, job: &Job, plan: AddressPlan) -> Result<Setup, (Verdict, String)> {
    let (mut local, mut local_prefix, mut remote, mut remote_prefix) = plan.addresses(job.mode);
    for (name, slot) in [("local_ip", &mut local), ("remote_ip", &mut remote)] {
        let Some(option) = script.options.iter().rev().find(|o| o.name.value == name) else { continue };
        let Some(v) = &option.value else { continue };
        let at = v.span.start;
        let ip: IpAddr = v.value.parse().map_err(|_| {
            (Verdict::Error, format!("{}:{}:{}: --{name}={} is not an IP address", job.path.display(), at.line, at.col, v.value))
        })?;
        if ip.is_ipv6() != job.mode.wire_is_ipv6() {
            let version = if ip.is_ipv6() { "IPv6" } else { "IPv4" };
            return Err((
                Verdict::Unsupported,
                format!(
                    "{}:{}:{}: unsupported: --{name}={} makes this an {version}-only script; it does not run in {} mode",
                    job.path.display(), at.line, at.col, v.value, job.mode
                ),
            ));
        }
        *slot = ip;
        // A script's own address is a host of its own.
        let host = if ip.is_ipv6() { 128 } else { 32 };
        if name == "local_ip" {
            local_prefix = local_prefix.min(host);
        } else {
            remote_prefix = host;
        }
    }
    let script_dir = job.path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Setup { mode: job.mode, local_ip: local, remote_ip: remote, local_prefix, remote_prefix, script_dir, notes: Vec::new() })
}

/// `<out>/<script path>/`, the folder of a script's artifacts.
fn artifact_dir(out: &Path, job: &Job) -> PathBuf {
    let rel: PathBuf = job
        .path
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    out.join(rel)
}

const ARTIFACTS: [&str; 3] = ["pcap", "trace", "log"];

/// Renames a run's artifacts `<mode>.<ext>` to `<mode>.attempt1.<ext>` before it runs again.
fn keep_first_attempt(out: &Path, job: &Job) -> std::io::Result<()> {
    let dir = artifact_dir(out, job);
    for ext in ARTIFACTS {
        let from = dir.join(format!("{}.{ext}", job.mode.name()));
        if from.exists() {
            std::fs::rename(&from, dir.join(format!("{}.attempt1.{ext}", job.mode.name())))?;
        }
    }
    Ok(())
}

/// `<out>/<script path>/<mode>.pcap`, `.trace` (normalized text) and `.log` (the message).
fn write_artifacts(out: &Path, job: &Job, report: &RunReport, trace: Option<&Trace>) -> std::io::Result<()> {
    let dir = artifact_dir(out, job);
    std::fs::create_dir_all(&dir)?;
    let base = dir.join(job.mode.name());
    if let Some(trace) = trace {
        std::fs::write(base.with_extension("pcap"), report::pcap::pcap_bytes(trace))?;
        std::fs::write(base.with_extension("trace"), report::snapshot::normalized(trace))?;
    }
    let timing = report.timing_error.map_or("none".to_string(), |t| format!("{:.3} ms", t * 1e3));
    let mut log = format!(
        "{} {} {}\nworst timing error: {timing}\n{}\n",
        report.script,
        report.mode,
        report.verdict.name(),
        report.message
    );
    for f in &report.oracle {
        log += &format!("oracle: {f}\n");
    }
    if let Some(first) = &report.first_attempt {
        log += &format!("run again alone; the first attempt, with other runs sharing the machine ({}.attempt1.*):\n{first}\n", job.mode.name());
    }
    std::fs::write(base.with_extension("log"), log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(src: &str) -> std::time::Duration {
        timeline_length(&script::parse("t.pkt", src.as_bytes()).unwrap())
    }

    #[test]
    fn a_timeline_ends_at_its_last_event_or_blocking_return() {
        let socket = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";
        assert_eq!(length(&format!("{socket}+1 close(3) = 0\n+.5 close(3) = -1\n")).as_millis(), 1500);
        assert_eq!(length(&format!("{socket}2 close(3) = 0\n+0.25 close(3) = -1\n")).as_millis(), 2250);
        // A blocking call's end, relative like its start, after the last event.
        assert_eq!(length(&format!("{socket}+1 close(3) = 0\n+0...3 read(3, ..., 1) = 0\n")).as_millis(), 4000);
        assert_eq!(length(&format!("{socket}1...3 read(3, ..., 1) = 0\n")).as_millis(), 3000);
    }
}
