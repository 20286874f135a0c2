//! One CPU per run: the worker thread (and so the syscall thread it starts, and the kernel
//! work both cause: receive processing, the socket's timers, transmission) stays on the
//! allowed CPU that the fewest other runs of this process are on — among several, the one
//! whose tick advances `jiffies` (a run alone, e.g. a rerun, always goes there).
//!
//! Why one CPU: with `-j 2` on two CPUs, the two runs' real-time threads (SCHED_FIFO, equal
//! priority, so neither preempts the other) no longer meet on one CPU while the other idles;
//! the hand-over of a call to the syscall thread is a context switch instead of a wake-up of
//! another vCPU (upstream's eor/no-coalesce-retrans made its 13 calls at +0 in 0.43–0.70 ms
//! on one CPU against 0.70–0.87 ms over two, 16 runs each, busy machine).
//!
//! Why that CPU: a jiffy timer (the delayed ACK, the retransmission timers) fires in the
//! timer interrupt of the CPU that armed it, once `jiffies` has reached its expiry; `jiffies`
//! is advanced by one CPU's tick (the timekeeper's; an idle CPU advances it when it wakes).
//! The ticks of all CPUs are due at the same moment, and on another CPU that is busy, the
//! interrupt often comes and goes before the timekeeper's has advanced `jiffies`: the timer
//! waits a whole tick more. A delayed ACK due on the next tick then leaves 4 ms past the
//! tolerance — upstream's close/close-remote-fin-then-close passed 22 of 30 runs on CPU 0 and
//! 30 of 30 on the measured timekeeper (alternating, same load: a fuzzer and builds on both
//! CPUs); fastopen/server/opt34/fin-close-socket 15 of 25 against 24 of 25. Which CPU keeps
//! time can change when a CPU goes idle, so it is measured for each run that has a choice
//! (tick.rs, two ticks per candidate CPU). The duty follows activity (a CPU that stops its
//! tick in idle gives it up; the next CPU to tick takes it), so the measurement, which keeps
//! each candidate busy in turn, tends to find it on every candidate (at six ticks each on a
//! quiet machine: four or more on both CPUs in 17 of 27 runs), and on a quiet machine the
//! choice is often a tie; nor does the chosen CPU keep the duty when another takes over while
//! the run's idles. The run passes on a rerun alone (README).

use std::sync::Mutex;

/// How many runs are on each CPU (index: CPU number).
static RUNS_ON: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The calling thread's CPU for the run; the CPU is free again when this is dropped.
#[derive(Debug)]
pub struct Pinned {
    cpu: Option<usize>,
    /// Whether the CPU was chosen as the one that advances `jiffies`.
    timekeeper: bool,
}

impl Pinned {
    /// No pin: the thread runs wherever the scheduler puts it.
    pub fn none() -> Pinned {
        Pinned { cpu: None, timekeeper: false }
    }

    /// For the log: where the run is and why (nothing when only one CPU is allowed anyway).
    pub fn describe(&self) -> Option<String> {
        let cpu = self.cpu?;
        Some(if self.timekeeper {
            format!("the run's threads are on CPU {cpu}, whose tick advances jiffies (measured)")
        } else {
            format!("the run's threads are on CPU {cpu}")
        })
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if let (Some(cpu), Ok(mut runs)) = (self.cpu, RUNS_ON.lock()) {
            if let Some(n) = runs.get_mut(cpu) {
                *n = n.saturating_sub(1);
            }
        }
        if self.cpu.is_some() {
            release_this_thread();
        }
    }
}

/// The CPUs the process's threads may run on, as the first run found them (before pinning).
static PROCESS_CPUS: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();

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
    normal_priority();
}

/// Puts the calling thread back at normal priority (SCHED_OTHER).
fn normal_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sets the calling thread's own scheduling policy.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_OTHER, &param) };
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

/// The CPU among `allowed` with the fewest runs (the lowest such number).
fn least_used(allowed: &[usize], runs: &[usize]) -> Option<usize> {
    allowed.iter().copied().min_by_key(|&c| (runs.get(c).copied().unwrap_or(0), c))
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

/// Ticks looked at on each CPU to find the timekeeping one.
const SAMPLES: usize = 2;

/// The one of `candidates` whose tick advances `jiffies`, if the ticks say so clearly: the
/// calling thread visits each and counts the ticks that show it (tick.rs). Costs about
/// `SAMPLES` tick periods per candidate.
fn timekeeper(candidates: &[usize]) -> Option<usize> {
    let lattice = super::tick::Lattice::get()?;
    // At real-time priority for the measurement only, so that a preemption does not pass for
    // an interrupt; normal priority again for the namespace's making that follows.
    let _ = super::realtime_priority();
    let counts: Vec<usize> = candidates
        .iter()
        .map(|&c| if move_to(c).is_ok() { (0..SAMPLES).filter(|_| lattice.tick_advances_jiffies_here() == Some(true)).count() } else { 0 })
        .collect();
    normal_priority();
    clear_winner(candidates, &counts)
}

/// The candidate with the most counts, if no other has as many and it has one at least.
fn clear_winner(candidates: &[usize], counts: &[usize]) -> Option<usize> {
    let best = *counts.iter().max()?;
    let mut winners = candidates.iter().zip(counts).filter(|(_, &n)| n == best);
    match (winners.next(), winners.next()) {
        (Some((&c, _)), None) if best > 0 => Some(c),
        _ => None,
    }
}

/// Pins the calling thread to the allowed CPU with the fewest runs of this process; among
/// several, to the one whose tick advances `jiffies` (a run alone always goes there): its
/// timers fire on the tick they are due even while other work keeps the CPU busy. Threads it
/// starts afterwards inherit the pin. The measurement spins for a fraction of a millisecond
/// per tick, at real-time priority; the thread leaves at normal priority. `Err` says why it could not pin (then the thread runs wherever the scheduler puts it).
pub fn pin_this_thread() -> Result<Pinned, String> {
    let allowed = allowed();
    let _ = PROCESS_CPUS.set(allowed.clone());
    if allowed.len() < 2 {
        // Nothing to choose: the thread stays where it may run.
        return Ok(Pinned { cpu: None, timekeeper: false });
    }
    // Held while measuring, so that two runs starting together do not both take one CPU.
    let mut runs = RUNS_ON.lock().map_err(|_| "the CPU table is poisoned".to_string())?;
    let least = least_used(&allowed, &runs).ok_or("no CPU allowed")?;
    let fewest = runs.get(least).copied().unwrap_or(0);
    let candidates: Vec<usize> = allowed.iter().copied().filter(|&c| runs.get(c).copied().unwrap_or(0) == fewest).collect();
    let keeper = if candidates.len() > 1 { timekeeper(&candidates) } else { None };
    let cpu = keeper.unwrap_or(least);
    move_to(cpu)?;
    if runs.len() <= cpu {
        runs.resize(cpu + 1, 0);
    }
    runs[cpu] += 1;
    Ok(Pinned { cpu: Some(cpu), timekeeper: keeper.is_some() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_used_cpu_is_chosen_lowest_first() {
        assert_eq!(least_used(&[0, 1], &[]), Some(0));
        assert_eq!(least_used(&[0, 1], &[1]), Some(1));
        assert_eq!(least_used(&[0, 1], &[1, 1]), Some(0));
        assert_eq!(least_used(&[0, 1, 2], &[2, 1, 1]), Some(1));
        // Only the allowed CPUs count.
        assert_eq!(least_used(&[2, 3], &[0, 0, 5, 4]), Some(3));
        assert_eq!(least_used(&[], &[0]), None);
    }

    #[test]
    fn the_timekeeper_needs_a_clear_majority_of_ticks() {
        assert_eq!(clear_winner(&[0, 1], &[2, 0]), Some(0));
        assert_eq!(clear_winner(&[0, 1], &[1, 2]), Some(1));
        assert_eq!(clear_winner(&[0, 1], &[1, 1]), None);
        assert_eq!(clear_winner(&[0, 1], &[0, 0]), None);
        assert_eq!(clear_winner(&[2, 5, 7], &[0, 1, 0]), Some(5));
        assert_eq!(clear_winner(&[], &[]), None);
    }
}
