//! Script time: when each event is due, and how far off it may be.
//!
//! packetdrill's rules: `t` is absolute, `+t` is relative to the previous event, `a~b` and
//! `*` accept a range (then the *actual* time becomes the base of the next relative time);
//! the tolerance is the larger of a fixed bound (4 ms, `--tolerance_usecs`) and a share
//! (12.5%) of the scripted gap since the previous event.

use crate::script::{EventTime, Span};
use std::time::Duration;

/// How long `*` may wait.
const ANY_TIME_LIMIT: Duration = Duration::from_secs(3600);

/// When an event is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The earliest acceptable time.
    pub earliest: Duration,
    /// The scripted time (the start of a range).
    pub nominal: Duration,
    /// The latest acceptable time.
    pub latest: Duration,
    /// A single scripted time rather than a range or `*`.
    pub exact: bool,
    /// Relative times on this line (a blocking call's end) count from here; `None` when the
    /// line's time was absolute.
    pub relative_base: Option<Duration>,
}

impl Window {
    /// `0.100000 ± 0.004000`, `0.100000~0.200000` or `any time`.
    pub fn describe(&self) -> String {
        if self.exact {
            format!("{} ± {}", fmt_time(self.nominal), fmt_time(self.latest - self.nominal))
        } else if self.latest - self.nominal >= ANY_TIME_LIMIT {
            "any time".to_string()
        } else {
            format!("{}~{}", fmt_time(self.earliest), fmt_time(self.latest))
        }
    }
}

/// The script's clock.
#[derive(Clone, Debug)]
pub struct Clock {
    prev: Duration,
    base_tolerance: Duration,
    percent: f64,
}

impl Clock {
    /// A clock at time 0.
    pub fn new(base_tolerance: Duration, percent: f64) -> Clock {
        Clock { prev: Duration::ZERO, base_tolerance, percent }
    }

    /// The time of the previous event (the base of relative times).
    pub fn prev(&self) -> Duration {
        self.prev
    }

    /// The fixed part of the tolerance.
    pub fn base_tolerance(&self) -> Duration {
        self.base_tolerance
    }

    fn tolerance(&self, gap: Duration) -> Duration {
        self.base_tolerance.max(gap.mul_f64(self.percent / 100.0))
    }

    /// The window of an event's time column.
    pub fn window(&self, t: &EventTime, _span: Span) -> Result<Window, String> {
        let micros = |us: u64| Duration::from_micros(us);
        let exact = |nominal: Duration, base: Option<Duration>| -> Result<Window, String> {
            if nominal < self.prev {
                return Err(format!(
                    "time goes backwards: {} is before the previous event at {}",
                    fmt_time(nominal),
                    fmt_time(self.prev)
                ));
            }
            let tol = self.tolerance(nominal - self.prev);
            Ok(Window {
                earliest: nominal.saturating_sub(tol),
                nominal,
                latest: nominal + tol,
                exact: true,
                relative_base: base,
            })
        };
        match t {
            EventTime::Absolute(a) => exact(micros(a.micros), None),
            EventTime::Relative(r) => exact(self.prev + micros(r.micros), Some(self.prev)),
            EventTime::AbsoluteRange { start, end } | EventTime::RelativeRange { start, end } => {
                let base = match t {
                    EventTime::RelativeRange { .. } => self.prev,
                    EventTime::AbsoluteRange { .. } | EventTime::Absolute(_) | EventTime::Relative(_) | EventTime::Any(_) => {
                        Duration::ZERO
                    }
                };
                let (lo, hi) = (base + micros(start.micros), base + micros(end.micros));
                if hi < lo {
                    return Err("the end of the time range is before its start".to_string());
                }
                // The same tolerance as an exact time at the range's far end.
                let tol = self.tolerance(hi.saturating_sub(self.prev));
                Ok(Window {
                    earliest: lo.saturating_sub(tol).max(self.prev),
                    nominal: lo,
                    latest: hi + tol,
                    exact: false,
                    relative_base: None,
                })
            }
            EventTime::Any(_) => Ok(Window {
                earliest: self.prev,
                nominal: self.prev,
                latest: self.prev + ANY_TIME_LIMIT,
                exact: false,
                relative_base: None,
            }),
        }
    }

    /// The window in which a blocking call (`start...end`) must return: `end` is on the
    /// same basis as the start (absolute, or relative to the event before the call).
    pub fn end_window(&self, start: &Window, end_micros: u64) -> Window {
        let end = start.relative_base.unwrap_or(Duration::ZERO) + Duration::from_micros(end_micros);
        let end = end.max(start.nominal);
        let tol = self.tolerance(end - start.nominal);
        Window { earliest: end.saturating_sub(tol), nominal: end, latest: end + tol, exact: true, relative_base: start.relative_base }
    }

    /// An event is done: the next relative time counts from its scripted time, or from when
    /// it actually happened if the script gave a range.
    pub fn done(&mut self, w: Window, actual: Option<Duration>) {
        self.prev = if w.exact { w.nominal } else { actual.unwrap_or(w.nominal).max(self.prev) };
    }
}

/// Seconds with six decimals, as packetdrill prints times.
pub fn fmt_time(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Time;

    fn rel(us: u64) -> EventTime {
        EventTime::Relative(Time { micros: us, span: Span::DUMMY })
    }

    #[test]
    fn tolerance_is_the_larger_of_fixed_and_proportional() {
        let mut c = Clock::new(Duration::from_millis(4), 12.5);
        let w = c.window(&rel(10_000), Span::DUMMY).unwrap();
        assert_eq!((w.earliest, w.latest), (Duration::from_millis(6), Duration::from_millis(14)));
        c.done(w, None);
        let w = c.window(&rel(1_000_000), Span::DUMMY).unwrap();
        assert_eq!(w.nominal, Duration::from_millis(1010));
        assert_eq!(w.latest - w.nominal, Duration::from_millis(125));
    }

    #[test]
    fn ranges_rebase_on_the_actual_time() {
        let mut c = Clock::new(Duration::from_millis(4), 12.5);
        let t = |us| Time { micros: us, span: Span::DUMMY };
        let w = c.window(&EventTime::RelativeRange { start: t(100_000), end: t(200_000) }, Span::DUMMY).unwrap();
        // 12.5% of the 200 ms to the range's end: 25 ms on either side.
        assert_eq!((w.earliest, w.latest), (Duration::from_millis(75), Duration::from_millis(225)));
        c.done(w, Some(Duration::from_millis(150)));
        assert_eq!(c.prev(), Duration::from_millis(150));
        let abs = EventTime::Absolute(t(100_000));
        assert!(c.window(&abs, Span::DUMMY).unwrap_err().contains("backwards"));
    }

    #[test]
    fn blocking_end_shares_the_start_basis() {
        let mut c = Clock::new(Duration::from_millis(4), 12.5);
        c.done(c.window(&rel(1_000_000), Span::DUMMY).unwrap(), None);
        let start = c.window(&rel(0), Span::DUMMY).unwrap();
        let end = c.end_window(&start, 200_000);
        assert_eq!(end.nominal, Duration::from_millis(1200));
        assert_eq!(fmt_time(end.nominal), "1.200000");
    }
}
