//! Congestion control: RFC 5681 slow start, congestion avoidance, fast retransmit / fast
//! recovery. The [`CongestionControl`] trait is the seam for other algorithms (a later issue).

/// The congestion controller's view of a connection, in octets.
pub trait CongestionControl: core::fmt::Debug {
    /// cwnd: how much may be in flight.
    fn cwnd(&self) -> u32;
    fn ssthresh(&self) -> u32;
    /// New data acknowledged (`acked` octets) with `flight` octets outstanding before the ACK.
    fn on_ack(&mut self, acked: u32, smss: u32);
    /// The third duplicate ACK: enter fast recovery (RFC 5681 §3.2 steps 2–3).
    fn on_fast_retransmit(&mut self, flight: u32, smss: u32);
    /// A further duplicate ACK during fast recovery: inflate (RFC 5681 §3.2 step 4).
    fn on_dup_ack_in_recovery(&mut self, smss: u32);
    /// The ACK that ends fast recovery: deflate (RFC 5681 §3.2 step 6).
    fn on_recovery_end(&mut self);
    /// The retransmission timer expired (RFC 5681 §3.1, equation 4 and LW = 1 SMSS).
    fn on_rto(&mut self, flight: u32, smss: u32);
    fn name(&self) -> &'static str;
    /// A boxed copy in the same state (what makes a `Connection`, and so a `Stack`, `Clone`).
    fn box_clone(&self) -> Box<dyn CongestionControl>;
}

impl Clone for Box<dyn CongestionControl> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

#[derive(Clone, Debug)]
pub struct Reno {
    cwnd: u32,
    ssthresh: u32,
    /// Octets acknowledged since cwnd last grew in congestion avoidance (RFC 5681 §3.1, the
    /// byte-counting form of equation 3).
    bytes_acked: u32,
}

impl Reno {
    /// RFC 5681 §3.1: IW by the SMSS rule unless `segments` overrides it (RFC 6928: 10);
    /// ssthresh starts "arbitrarily high".
    pub fn new(smss: u32, segments: Option<u32>) -> Self {
        let iw = match segments {
            Some(n) => n.saturating_mul(smss),
            None if smss > 2190 => 2 * smss,
            None if smss > 1095 => 3 * smss,
            None => 4 * smss,
        };
        Reno { cwnd: iw, ssthresh: u32::MAX, bytes_acked: 0 }
    }
}

impl CongestionControl for Reno {
    fn cwnd(&self) -> u32 {
        self.cwnd
    }

    fn ssthresh(&self) -> u32 {
        self.ssthresh
    }

    fn on_ack(&mut self, acked: u32, smss: u32) {
        if self.cwnd < self.ssthresh {
            // Slow start, equation 2: cwnd += min(N, SMSS).
            self.cwnd = self.cwnd.saturating_add(acked.min(smss));
        } else {
            // Congestion avoidance: one SMSS per cwnd's worth of ACKed octets.
            self.bytes_acked = self.bytes_acked.saturating_add(acked);
            if self.bytes_acked >= self.cwnd {
                self.bytes_acked -= self.cwnd;
                self.cwnd = self.cwnd.saturating_add(smss);
            }
        }
    }

    fn on_fast_retransmit(&mut self, flight: u32, smss: u32) {
        // Equation 4: ssthresh = max(FlightSize / 2, 2*SMSS); cwnd = ssthresh + 3*SMSS.
        self.ssthresh = (flight / 2).max(2 * smss);
        self.cwnd = self.ssthresh + 3 * smss;
    }

    fn on_dup_ack_in_recovery(&mut self, smss: u32) {
        self.cwnd = self.cwnd.saturating_add(smss);
    }

    fn on_recovery_end(&mut self) {
        self.cwnd = self.ssthresh;
        self.bytes_acked = 0;
    }

    fn on_rto(&mut self, flight: u32, smss: u32) {
        self.ssthresh = (flight / 2).max(2 * smss);
        self.cwnd = smss;
        self.bytes_acked = 0;
    }

    fn name(&self) -> &'static str {
        "reno"
    }

    fn box_clone(&self) -> Box<dyn CongestionControl> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_window_follows_rfc5681_rule() {
        assert_eq!(Reno::new(1460, None).cwnd(), 3 * 1460);
        assert_eq!(Reno::new(536, None).cwnd(), 4 * 536);
        assert_eq!(Reno::new(9000, None).cwnd(), 2 * 9000);
        assert_eq!(Reno::new(1448, Some(10)).cwnd(), 14480);
    }

    #[test]
    fn slow_start_then_avoidance_then_recovery() {
        let mut r = Reno::new(1000, Some(2));
        r.on_ack(1000, 1000);
        assert_eq!(r.cwnd(), 3000);
        r.on_fast_retransmit(6000, 1000);
        assert_eq!((r.ssthresh(), r.cwnd()), (3000, 6000));
        r.on_dup_ack_in_recovery(1000);
        assert_eq!(r.cwnd(), 7000);
        r.on_recovery_end();
        assert_eq!(r.cwnd(), 3000);
        // Congestion avoidance: 3000 acked octets grow cwnd by one SMSS.
        r.on_ack(1500, 1000);
        assert_eq!(r.cwnd(), 3000);
        r.on_ack(1500, 1000);
        assert_eq!(r.cwnd(), 4000);
        r.on_rto(4000, 1000);
        assert_eq!((r.ssthresh(), r.cwnd()), (2000, 1000));
    }
}
