//! One CPU for the runs: every run's worker thread (and so the syscall thread it starts, and
//! the kernel work both cause: receive processing, the socket's timers, transmission) stays on
//! the keeper CPU, which a spinning thread of idle priority keeps from ever going idle, so
//! that its tick is the one that advances `jiffies`.
//!
//! Why: a jiffy timer (the delayed ACK, the retransmission timers, RACK's reordering timer)
//! fires in the timer interrupt of the CPU that armed it, once `jiffies` has reached its
//! expiry; `jiffies` is advanced by one CPU's tick, the timekeeper's. The ticks of all CPUs
//! are due at the same moment, and on another CPU the interrupt often comes and goes before
//! the timekeeper's has advanced `jiffies`: the timer waits a whole tick more, and a delayed
//! ACK due on the next tick leaves 4 ms past packetdrill's tolerance (upstream's
//! close/close-remote-fin-then-close, fastopen/server/*fin-close-socket,
//! fastopen/client/syn-data-icmp-unreach-frag-needed*, sack-shift-sacked-7-3-4-8-9-fack:
//! 9 of 45 such runs failed on a CPU other than the timekeeper, 0 of 30 on it).
//!
//! The duty follows activity: a timekeeper that stops its tick in idle gives it up, and the
//! next CPU to tick takes it. A CPU that never idles therefore keeps the duty once it has it —
//! and takes it the first time the holder idles. Measuring where the duty is and following it
//! (this module's first design) could not work: the measurement, which keeps each candidate
//! busy in turn, moves it, and it moves again whenever a CPU idles. The spinner runs at
//! SCHED_IDLE, so it takes no time from anything else; it parks when no run has been active
//! for two seconds. Runs spend nearly all their time asleep, so `-j 2` runs share the CPU
//! without losing wall time (upstream corpus at -j 2: 167–173 s, against 161–168 s over two
//! CPUs) and with fewer timing errors (README). If another CPU never idles (another process keeps it busy from before the first
//! run), it keeps the duty and the runs' timers may still fire a tick late; the run's log says
//! whether the keeper was seen advancing `jiffies`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The keeper CPU, chosen (and its spinner started) by the first run; `None` when the
/// process may use no CPU it can name.
static KEEPER: OnceLock<Option<Keeper>> = OnceLock::new();

/// Runs on the keeper CPU now.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// When the last run left (ms since [`epoch`]).
static LAST_LEFT_MS: AtomicU64 = AtomicU64::new(0);

/// How long the spinner keeps on after the last run has left (the next run of a suite
/// starts well within it).
const LINGER: Duration = Duration::from_secs(2);

/// Ticks the first run waits at most to see the keeper advance `jiffies` (a holder that
/// idles gives the duty up within a few; 100 ms at HZ=250).
const WATCH_TICKS: usize = 25;

#[derive(Debug, Clone, Copy)]
struct Keeper {
    cpu: usize,
    /// Whether the first run saw the keeper's tick advance `jiffies`.
    seen_keeping: bool,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

/// The calling thread's CPU for the run; it counts as active until this is dropped.
#[derive(Debug)]
pub struct Pinned {
    keeper: Option<Keeper>,
}

impl Pinned {
    /// No pin: the thread runs wherever the scheduler puts it.
    pub fn none() -> Pinned {
        Pinned { keeper: None }
    }

    /// For the log: where the run is and why.
    pub fn describe(&self) -> Option<String> {
        let k = self.keeper?;
        let seen = if k.seen_keeping { "seen advancing jiffies" } else { "not yet seen advancing jiffies: another CPU that never idles may keep them" };
        Some(format!("the run's threads are on CPU {}, kept from idling by an idle-priority spinner so that its tick advances jiffies ({seen})", k.cpu))
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if self.keeper.is_some() {
            LAST_LEFT_MS.store(now_ms(), Ordering::Relaxed);
            ACTIVE.fetch_sub(1, Ordering::Relaxed);
            release_this_thread();
        }
    }
}

/// The CPUs the process's threads may run on, as the first run found them (before pinning).
static PROCESS_CPUS: OnceLock<Vec<usize>> = OnceLock::new();

/// Gives the calling thread back every CPU the process may use and normal priority, for what
/// it still does after the run (its exit: tearing down the run's namespaces waits for an RCU
/// grace period). A thread still pinned at real-time priority there waited behind the next
/// run's real-time thread on the same CPU, and that run stalled for minutes once (a full
/// upstream run at -j 2, until a debugger's stop let the grace period end).
pub fn release_this_thread() {
    if let Some(cpus) = PROCESS_CPUS.get() {
        // SAFETY: an all-zero cpu_set_t is empty; CPU_SET adds CPUs within its size.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &c in cpus {
            unsafe { libc::CPU_SET(c, &mut set) };
        }
        // SAFETY: a live cpu_set_t and its size; 0 is the calling thread.
        unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    }
    set_policy(libc::SCHED_OTHER);
}

/// Puts the calling thread under `policy` (SCHED_OTHER, SCHED_IDLE) at static priority 0.
fn set_policy(policy: libc::c_int) {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sets the calling thread's own scheduling policy.
    unsafe { libc::sched_setscheduler(0, policy, &param) };
}

/// The CPUs the calling thread may run on (its affinity, e.g. from `taskset`).
fn allowed() -> Vec<usize> {
    // SAFETY: an all-zero cpu_set_t is an empty set; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: a live cpu_set_t and its size.
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        return Vec::new();
    }
    // SAFETY: CPU_ISSET reads the set within its size.
    (0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).collect()
}

/// Sets the calling thread's affinity to `cpu` alone.
fn move_to(cpu: usize) -> Result<(), String> {
    // SAFETY: an all-zero cpu_set_t is empty; CPU_SET adds one CPU within its size.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: a live cpu_set_t and its size; 0 is the calling thread.
    if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) } != 0 {
        return Err(format!("sched_setaffinity to CPU {cpu}: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// The spinner: on `cpu` at SCHED_IDLE, busy while a run is active or has left within
/// [`LINGER`], parked (waking every 50 ms to look) otherwise.
fn spin(cpu: usize) {
    let _ = move_to(cpu);
    set_policy(libc::SCHED_IDLE);
    loop {
        let idle = ACTIVE.load(Ordering::Relaxed) == 0 && now_ms().saturating_sub(LAST_LEFT_MS.load(Ordering::Relaxed)) > LINGER.as_millis() as u64;
        if idle {
            std::thread::park_timeout(Duration::from_millis(50));
            continue;
        }
        for _ in 0..1024 {
            std::hint::spin_loop();
        }
    }
}

/// The keeper (the lowest CPU the process may use), its spinner started, and whether its
/// tick was seen advancing `jiffies` within [`WATCH_TICKS`] ticks — watched by the calling
/// thread from the keeper, at real-time priority so that a preemption does not pass for an
/// interrupt.
fn start_keeper(allowed: &[usize]) -> Option<Keeper> {
    let cpu = *allowed.iter().min()?;
    std::thread::Builder::new().name("synack-ticks".into()).spawn(move || spin(cpu)).ok()?;
    let seen_keeping = move_to(cpu).is_ok()
        && super::tick::Lattice::get().is_some_and(|lattice| {
            let _ = super::realtime_priority();
            let seen = (0..WATCH_TICKS).any(|_| lattice.tick_advances_jiffies_here() == Some(true));
            set_policy(libc::SCHED_OTHER);
            seen
        });
    Some(Keeper { cpu, seen_keeping })
}

/// Pins the calling thread to the keeper CPU (starting the spinner on the first call). Threads
/// it starts afterwards inherit the pin. The thread leaves at normal priority. `Err` says why
/// it could not pin (then the thread runs wherever the scheduler puts it).
pub fn pin_this_thread() -> Result<Pinned, String> {
    let allowed = allowed();
    let _ = PROCESS_CPUS.set(allowed.clone());
    // Active before the spinner starts, so that it does not park at once.
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    let Some(keeper) = *KEEPER.get_or_init(|| start_keeper(&allowed)) else {
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
        return Err("no CPU to keep the run on".into());
    };
    // From here the drop counts the run out, whatever happens.
    let pinned = Pinned { keeper: Some(keeper) };
    move_to(keeper.cpu).map(|()| pinned)
}
