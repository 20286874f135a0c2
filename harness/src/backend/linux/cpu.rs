//! One CPU per run: the worker thread (and so the syscall thread it starts, and the kernel
//! work both cause: receive processing, the socket's timers, transmission) stays on the
//! allowed CPU that the fewest other runs of this process are on.
//!
//! Why: with `-j 2` on two CPUs, the two runs' real-time threads (SCHED_FIFO, equal priority,
//! so neither preempts the other) no longer meet on one CPU while the other CPU idles, and a
//! run's kernel timers are armed on a CPU the other run does not keep busy. A busy CPU can
//! fire a jiffy timer a tick late: at a tick it may look at its timers before the CPU that
//! keeps `jiffies` has advanced it (on this machine, busy on both CPUs, a delayed ACK due on
//! the next tick left on the one after in 4 of 12 runs on CPU 1 and in none of 12 on CPU 0,
//! which kept `jiffies` at the time; an idle CPU advances `jiffies` itself when it wakes, so
//! only a busy one loses the race). The hand-over of a call to the syscall thread is also a
//! context switch instead of a wake-up of another vCPU: upstream's eor/no-coalesce-retrans
//! made its 13 calls at +0 in 0.43–0.70 ms with the run on one CPU against 0.70–0.87 ms
//! spread over two (16 runs each, busy machine) — the time that decides whether the kernel
//! takes the retransmission's RTT sample there.

use std::sync::Mutex;

/// How many runs are on each CPU (index: CPU number).
static RUNS_ON: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The calling thread's CPU for the run; the CPU is free again when this is dropped.
#[derive(Debug)]
pub struct Pinned {
    cpu: Option<usize>,
}

impl Pinned {
    /// No pin: the thread runs wherever the scheduler puts it.
    pub fn none() -> Pinned {
        Pinned { cpu: None }
    }

    /// The CPU the run is on, if it was pinned (not when only one CPU is allowed anyway).
    pub fn cpu(&self) -> Option<usize> {
        self.cpu
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if let (Some(cpu), Ok(mut runs)) = (self.cpu, RUNS_ON.lock()) {
            if let Some(n) = runs.get_mut(cpu) {
                *n = n.saturating_sub(1);
            }
        }
    }
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

/// Pins the calling thread to the allowed CPU with the fewest runs of this process. Threads
/// it starts afterwards inherit the pin. `Err` says why it could not (then the thread runs
/// wherever the scheduler puts it, as before).
pub fn pin_this_thread() -> Result<Pinned, String> {
    let allowed = allowed();
    if allowed.len() < 2 {
        // Nothing to choose: the thread stays where it may run.
        return Ok(Pinned { cpu: None });
    }
    let mut runs = RUNS_ON.lock().map_err(|_| "the CPU table is poisoned".to_string())?;
    let cpu = least_used(&allowed, &runs).ok_or("no CPU allowed")?;
    // SAFETY: an all-zero cpu_set_t is empty; CPU_SET adds one CPU within its size.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: a live cpu_set_t and its size; 0 is the calling thread.
    if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) } != 0 {
        return Err(format!("sched_setaffinity to CPU {cpu}: {}", std::io::Error::last_os_error()));
    }
    if runs.len() <= cpu {
        runs.resize(cpu + 1, 0);
    }
    runs[cpu] += 1;
    Ok(Pinned { cpu: Some(cpu) })
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
}
