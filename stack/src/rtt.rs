//! The retransmission timer's estimator (RFC 6298), with Karn's algorithm and backoff.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct RttEstimator {
    /// SRTT and RTTVAR, once a first measurement exists (RFC 6298 §2.2).
    smoothed: Option<(Duration, Duration)>,
    rto: Duration,
    min: Duration,
    max: Duration,
    /// How many times the current RTO has been doubled (RFC 6298 §5.5).
    backoff: u32,
    /// Where the lower bound applies: to the whole RTO (RFC 6298 (2.4)) or, as Linux does
    /// (`tcp_set_rto`: RTTVAR is at least `tcp_rto_min`), to the variance term only.
    pub style: RtoStyle,
}

/// How the minimum RTO is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtoStyle {
    /// RTO = max(min, SRTT + max(G, 4·RTTVAR)) — RFC 6298 (2.4).
    Rfc6298,
    /// RTO = SRTT + max(min, 4·RTTVAR) — Linux, so a 10 ms path gets 210 ms, not 200 ms.
    Linux,
}

/// Clock granularity G (RFC 6298 §2); the stack's virtual clock is exact, so 1 ms like Linux's
/// jiffy-free timestamp clock.
const CLOCK_GRANULARITY: Duration = Duration::from_millis(1);

impl RttEstimator {
    pub fn new(initial: Duration, min: Duration, max: Duration) -> Self {
        RttEstimator { smoothed: None, rto: initial.clamp(min, max), min, max, backoff: 0, style: RtoStyle::Rfc6298 }
    }

    /// RFC 6298 §2.2 / §2.3: fold in a measurement R taken from a segment that was **not**
    /// retransmitted (Karn; the caller guarantees it, §3).
    pub fn on_sample(&mut self, r: Duration) {
        let (srtt, rttvar) = match self.smoothed {
            // (2.2) SRTT <- R, RTTVAR <- R/2
            None => (r, r / 2),
            // (2.3) RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|; SRTT <- 7/8 SRTT + 1/8 R'
            Some((srtt, rttvar)) => {
                let delta = srtt.abs_diff(r);
                (srtt * 7 / 8 + r / 8, rttvar * 3 / 4 + delta / 4)
            }
        };
        self.smoothed = Some((srtt, rttvar));
        self.rto = match self.style {
            // RTO <- SRTT + max(G, K*RTTVAR), K = 4; (2.4) and (2.5) bound it.
            RtoStyle::Rfc6298 => (srtt + (rttvar * 4).max(CLOCK_GRANULARITY)).clamp(self.min, self.max),
            RtoStyle::Linux => (srtt + (rttvar * 4).max(self.min)).min(self.max),
        };
        self.backoff = 0;
    }

    /// The timeout to arm now, including any backoff.
    pub fn rto(&self) -> Duration {
        let factor = 1u32.checked_shl(self.backoff).unwrap_or(u32::MAX);
        self.rto.saturating_mul(factor).min(self.max)
    }

    /// RFC 6298 (5.5): the timer expired, RTO <- RTO * 2 (capped by the maximum).
    pub fn back_off(&mut self) {
        if self.rto() < self.max {
            self.backoff += 1;
        }
    }

    pub fn srtt(&self) -> Option<Duration> {
        self.smoothed.map(|(s, _)| s)
    }

    pub fn rttvar(&self) -> Option<Duration> {
        self.smoothed.map(|(_, v)| v)
    }

    /// RFC 6298 (5.7): after SYN retransmission, a connection starts data with RTO = 3 s
    /// unless a sample has been taken since.
    pub fn reset_after_syn_loss(&mut self, three_seconds: Duration) {
        if self.smoothed.is_none() {
            self.rto = three_seconds.clamp(self.min, self.max);
        }
        self.backoff = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn first_sample_sets_srtt_and_half_rttvar() {
        let mut e = RttEstimator::new(ms(1000), ms(200), ms(120_000));
        e.on_sample(ms(100));
        assert_eq!(e.srtt(), Some(ms(100)));
        assert_eq!(e.rttvar(), Some(ms(50)));
        assert_eq!(e.rto(), ms(300)); // 100 + 4*50
    }

    #[test]
    fn minimum_bounds_the_rto_and_backoff_doubles_to_the_maximum() {
        let mut e = RttEstimator::new(ms(1000), ms(1000), ms(60_000));
        e.on_sample(ms(10));
        assert_eq!(e.rto(), ms(1000));
        for expected in [2000, 4000, 8000, 16000, 32000, 60000, 60000] {
            e.back_off();
            assert_eq!(e.rto(), ms(expected));
        }
        e.on_sample(ms(10));
        assert_eq!(e.rto(), ms(1000));
    }

    #[test]
    fn linux_bounds_the_variance_term() {
        let mut e = RttEstimator::new(ms(1000), ms(200), ms(120_000));
        e.style = RtoStyle::Linux;
        e.on_sample(ms(10));
        assert_eq!(e.rto(), ms(210));
        e.on_sample(ms(100));
        // RTTVAR = 3/4·5 + 1/4·90 = 26.25 → 4·RTTVAR = 105 < 200; SRTT = 21.25.
        assert_eq!(e.rto(), Duration::from_micros(221_250));
    }

    #[test]
    fn later_samples_smooth() {
        let mut e = RttEstimator::new(ms(1000), ms(1), ms(60_000));
        e.on_sample(ms(100));
        e.on_sample(ms(200));
        // SRTT = 7/8*100 + 1/8*200 = 112.5; RTTVAR = 3/4*50 + 1/4*100 = 62.5
        assert_eq!(e.srtt(), Some(Duration::from_micros(112_500)));
        assert_eq!(e.rttvar(), Some(Duration::from_micros(62_500)));
    }
}
