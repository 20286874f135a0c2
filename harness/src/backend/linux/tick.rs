//! The kernel's tick: where script time 0 goes on a real clock.
//!
//! Linux's TCP timers (retransmission, delayed ACK, RACK's reordering timer, TLP, keep-alive,
//! TIME-WAIT) are jiffy timers, and some `tcp_info` counters (`tcpi_rwnd_limited`,
//! `tcpi_busy_time`, `tcpi_sndbuf_limited`) count jiffies. A timer armed at script time T
//! fires on the first tick at or after T's tick plus its length, so when it fires depends on
//! where T falls between two ticks — up to one tick period (4 ms at HZ=250), the same size as
//! packetdrill's default tolerance. With script time 0 at a random point of the tick period,
//! a script passes or fails by the luck of that phase: flaky.
//!
//! Since Linux 6.4 ticks fall on multiples of the tick period of CLOCK_MONOTONIC, but this
//! module assumes nothing of the kind: [`Lattice::measure`] finds the period and phase by
//! sleeping on jiffy timers (`SO_RCVTIMEO` of one microsecond on a UDP socket rounds up to
//! one jiffy, and wakes on a tick), and [`Lattice::sleep_to_start`] starts each run at the
//! same place between two ticks. Events scripted on whole milliseconds then keep a fixed
//! place relative to the ticks, and what the kernel's timers do is the same in every run.
//! It costs each run at most a period and a millisecond of waiting, and no spinning.

use std::time::Duration;

/// The periods of the tick rates Linux can be built with (CONFIG_HZ 100, 250, 300, 1000).
const PERIODS_NS: [u64; 4] = [10_000_000, 4_000_000, 3_333_333, 1_000_000];

/// Samples taken to measure the lattice (one-jiffy sleeps wake one or two ticks later: about
/// 0.1 s at HZ=250, once per process).
const SAMPLES: usize = 12;

/// The tick lattice in CLOCK_MONOTONIC: ticks at `phase + k * period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lattice {
    pub period: Duration,
    pub phase: Duration,
}

fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn coarse_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Lattice {
    /// The lattice this kernel ticks on, measured once per process; `None` if it cannot be
    /// measured (then runs start wherever they start, as before).
    pub fn get() -> Option<Lattice> {
        static LATTICE: std::sync::OnceLock<Option<Lattice>> = std::sync::OnceLock::new();
        *LATTICE.get_or_init(|| Lattice::measure().ok())
    }

    /// Sleeps on one-jiffy timers and reads the clock as each one wakes. The UDP socket is
    /// left unbound: nothing can arrive on it, in any namespace.
    pub fn measure() -> Result<Lattice, String> {
        use std::os::fd::FromRawFd;
        // SAFETY: a plain socket(2); the descriptor is owned by the UdpSocket from here on.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(format!("socket: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: fd is a fresh socket nobody else owns.
        let socket = unsafe { std::net::UdpSocket::from_raw_fd(fd) };
        socket.set_read_timeout(Some(Duration::from_micros(1))).map_err(|e| format!("SO_RCVTIMEO: {e}"))?;
        let mut wakes = Vec::with_capacity(SAMPLES);
        let mut buf = [0u8; 1];
        for _ in 0..SAMPLES {
            // SAFETY: reads into a live one-byte buffer.
            unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), 1, 0) };
            wakes.push(monotonic_ns());
        }
        Lattice::from_wakes(&wakes)
    }

    /// The lattice behind a series of wake-up times (ns, CLOCK_MONOTONIC), each on some tick
    /// plus a wake-up latency (not always the next tick: a busy machine wakes late). For each
    /// tick rate Linux can have, slowest first, the wake-ups are folded onto one period; the
    /// rate is the first on which most of them fall in one eighth of a period, and the phase
    /// is where that cluster begins (latencies only add).
    pub fn from_wakes(wakes: &[u64]) -> Result<Lattice, String> {
        if wakes.len() < 4 {
            return Err("too few samples".into());
        }
        for &period in &PERIODS_NS {
            let mut folded: Vec<u64> = wakes.iter().map(|w| w % period).collect();
            folded.sort_unstable();
            let arc = period / 8;
            // The densest arc [a, a + arc) that starts at a sample, going round the period.
            let (count, start) = folded
                .iter()
                .map(|&a| (folded.iter().filter(|&&x| (x + period - a) % period < arc).count(), a))
                .max_by_key(|&(n, a)| (n, std::cmp::Reverse(a)))
                .unwrap_or((0, 0));
            if count * 4 >= wakes.len() * 3 {
                return Ok(Lattice { period: Duration::from_nanos(period), phase: Duration::from_nanos(start) });
            }
        }
        Err("the wake-ups of one-jiffy timers fall on no tick rate's lattice".into())
    }

    /// The first tick at or after `t` (ns, CLOCK_MONOTONIC).
    pub fn next_tick(&self, t: u64) -> u64 {
        let (p, phase) = (self.period.as_nanos() as u64, self.phase.as_nanos() as u64);
        let since = (t + p - phase % p) % p;
        if since == 0 { t } else { t + (p - since) }
    }

    /// Sleeps until script time 0: five eighths of a period after a tick (2.5 ms at HZ=250),
    /// at least a millisecond from now.
    ///
    /// Why there: an event the script puts at T happens at T plus the runner's lateness
    /// (tens of microseconds when idle), and the kernel counts it in the jiffy of the last
    /// tick before. With ticks at script times ≡ 1.5 ms (mod 4 ms), events on whole
    /// milliseconds sit 0.5, 1.5, 2.5 or 3.5 ms after a tick (for T ≡ 2, 3, 0 and 1 ms), so
    /// lateness up to 0.5 ms cannot move any of them into the next jiffy; and the most common
    /// script times — multiples of 20 ms, then odd multiples of 10 ms — sit 2.5 and 0.5 ms
    /// after a tick, where lateness has the most room (1.5 and 3.5 ms), and timers armed at
    /// them fire where a random phase would put them on average or a little before.
    pub fn sleep_to_start(&self) {
        let period = self.period.as_nanos() as u64;
        let target = self.next_tick(monotonic_ns() + 1_000_000) + period * 5 / 8;
        let ts = libc::timespec { tv_sec: (target / 1_000_000_000) as libc::time_t, tv_nsec: (target % 1_000_000_000) as libc::c_long };
        // SAFETY: an absolute sleep on CLOCK_MONOTONIC; EINTR ends it early, which only
        // costs alignment.
        unsafe { libc::clock_nanosleep(libc::CLOCK_MONOTONIC, libc::TIMER_ABSTIME, &ts, std::ptr::null_mut()) };
    }

    /// Whether the CPU the calling thread runs on is the one whose tick advances `jiffies`
    /// (the kernel's timekeeping CPU), from one tick: the thread waits on the CPU from 300 µs
    /// before the tick to 300 µs after it, reading CLOCK_MONOTONIC and CLOCK_MONOTONIC_COARSE
    /// in turn. The coarse clock moves when `jiffies` does; on the timekeeping CPU that happens
    /// inside this CPU's own tick interrupt, a gap of tens of microseconds in the readings,
    /// while on another CPU it happens in between, usually after this CPU's interrupt is over
    /// (which is how a busy CPU comes to look at its timers before `jiffies` has advanced).
    /// `None` when the coarse clock did not move in the window. A preemption of the thread
    /// in the window may look like an interrupt.
    pub fn tick_advances_jiffies_here(&self) -> Option<bool> {
        const MARGIN: u64 = 300_000;
        const INTERRUPTED: u64 = 5_000;
        let tick = self.next_tick(monotonic_ns() + 2 * MARGIN);
        let start = tick - MARGIN;
        let ts = libc::timespec { tv_sec: (start / 1_000_000_000) as libc::time_t, tv_nsec: (start % 1_000_000_000) as libc::c_long };
        // SAFETY: an absolute sleep on CLOCK_MONOTONIC; EINTR only shortens the wait.
        unsafe { libc::clock_nanosleep(libc::CLOCK_MONOTONIC, libc::TIMER_ABSTIME, &ts, std::ptr::null_mut()) };
        let c0 = coarse_ns();
        let (mut before, mut prev) = (0, monotonic_ns());
        loop {
            let c = coarse_ns();
            let f = monotonic_ns();
            let gap = f - prev;
            if c != c0 {
                // The change came between the last two coarse readings: in either of the last
                // two intervals of the fine clock.
                return Some(gap.max(before) > INTERRUPTED);
            }
            if f > tick + MARGIN {
                return None;
            }
            (before, prev) = (gap, f);
        }
    }

    /// The tick rate, for the log.
    pub fn hz(&self) -> u64 {
        (1_000_000_000f64 / self.period.as_nanos() as f64).round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_and_phase_come_from_the_earliest_wakes() {
        // HZ=250, ticks at 1.5 ms mod 4 ms, wake-ups 20–300 µs late, one or two ticks
        // apart, and one wake-up 2 ms late (a busy machine).
        let lat = [300_000u64, 20_000, 90_000, 150_000, 45_000, 260_000, 2_000_000, 70_000];
        let ticks = [0u64, 1, 3, 4, 6, 7, 8, 10];
        let wakes: Vec<u64> = (0..8).map(|k| 1_000_000_000 + 1_500_000 + ticks[k] * 4_000_000 + lat[k]).collect();
        let l = Lattice::from_wakes(&wakes).unwrap();
        assert_eq!(l.period, Duration::from_millis(4));
        assert_eq!(l.phase, Duration::from_micros(1520));
    }

    #[test]
    fn a_phase_near_the_period_end_wraps() {
        // Ticks at 3.95 ms mod 4 ms: wake-ups land on both sides of the multiple of 4 ms.
        let lat = [10_000u64, 100_000, 30_000, 80_000];
        let wakes: Vec<u64> = (0..4).map(|k| 3_950_000 + k * 4_000_000 + lat[k as usize]).collect();
        let l = Lattice::from_wakes(&wakes).unwrap();
        assert_eq!(l.phase, Duration::from_micros(3960));
    }

    #[test]
    fn wakes_on_no_lattice_are_refused() {
        let wakes: Vec<u64> = (0..8).map(|k| k * 7_123_457).collect();
        assert!(Lattice::from_wakes(&wakes).is_err());
    }

    #[test]
    fn next_tick_is_on_the_lattice_and_not_before_t() {
        let l = Lattice { period: Duration::from_millis(4), phase: Duration::from_micros(1500) };
        assert_eq!(l.next_tick(1_500_000), 1_500_000);
        assert_eq!(l.next_tick(1_500_001), 5_500_000);
        assert_eq!(l.next_tick(0), 1_500_000);
        assert_eq!(l.next_tick(9_000_000), 9_500_000);
    }

    #[test]
    fn the_coarse_clock_moves_within_a_measured_tick() {
        // CLOCK_MONOTONIC_COARSE moves when jiffies does, at a tick: in the window around a
        // tick of the measured lattice (a wrong phase or period misses it). Three tries, as a
        // preemption of the spinning thread on a busy machine can push it past the window.
        let l = Lattice::measure().expect("jiffy timers wake on ticks");
        assert!((0..3).any(|_| l.tick_advances_jiffies_here().is_some()), "{l:?}");
    }

    #[test]
    fn this_kernel_ticks_on_a_lattice_it_can_measure() {
        // Any Linux has jiffy timers; the measurement must find one of its tick rates.
        let l = Lattice::measure().expect("jiffy timers wake on ticks");
        assert!([100, 250, 300, 1000].contains(&l.hz()), "{l:?}");
    }
}
