//! The sender's SACK scoreboard (RFC 2018 §5, the "SACKed" marks; RFC 6675 §2 calls it the
//! scoreboard): which octets above SND.UNA the peer has reported holding, as disjoint
//! ranges in sequence order.
//!
//! - Blocks are taken only from SACK options of acceptable ACKs, and only the part of each
//!   that lies in [SND.UNA, SND.NXT): a block at or below SND.UNA is a D-SACK (RFC 2883
//!   §4) or stale, one beyond SND.NXT acknowledges nothing we sent. Neither is recorded.
//! - The marks are advisory (RFC 2018 §8: the receiver may renege): SND.UNA alone frees the
//!   send queue, and a retransmission timeout clears them in the `rfc9293` profile (RFC 2018
//!   §8: "the data sender SHOULD turn off all of the SACKed bits"); Linux keeps them unless
//!   it detects reneging (`tcp_enter_loss`), and so does the `linux` profile.
//! - Bounded: at most `Config::sack_scoreboard_max` ranges. When a new range would exceed
//!   it, the one furthest from SND.UNA is forgotten — the least useful to loss recovery, and
//!   forgetting a mark only makes the sender more conservative.
//!
//! Loss recovery driven by the scoreboard (RFC 6675's IsLost and NextSeg) is the seam left
//! for the congestion-control issue; today the board feeds `TCP_INFO`'s `tcpi_sacked`.

use crate::seq::SeqNum;

#[derive(Clone, Debug, Default)]
pub struct Scoreboard {
    /// Disjoint, non-adjacent `[start, end)` ranges, in sequence order from SND.UNA.
    ranges: Vec<(SeqNum, SeqNum)>,
}

impl Scoreboard {
    /// Records the blocks of a SACK option, clipped to [`una`, `nxt`); keeps at most `max`
    /// ranges.
    pub fn record(&mut self, blocks: &[(u32, u32)], una: SeqNum, nxt: SeqNum, max: usize) {
        for &(left, right) in blocks {
            let (left, right) = (SeqNum::new(left), SeqNum::new(right));
            // RFC 2018 §3: a block is [Left Edge, Right Edge); an empty or inverted one
            // reports nothing.
            if !left.before(right) {
                continue;
            }
            // Whatever lies outside [SND.UNA, SND.NXT) is discarded: a D-SACK below SND.UNA
            // (RFC 2883), or a block beyond what was sent.
            let (start, end) = (left.latest(una), right.earliest(nxt));
            if !start.before(end) {
                continue;
            }
            self.insert(start, end);
        }
        while self.ranges.len() > max {
            self.ranges.pop();
        }
    }

    /// Forgets what SND.UNA has passed.
    pub fn advance(&mut self, una: SeqNum) {
        self.ranges.retain(|&(_, end)| end.after(una));
        if let Some(first) = self.ranges.first_mut() {
            first.0 = first.0.latest(una);
        }
    }

    pub fn clear(&mut self) {
        self.ranges.clear();
    }

    pub fn ranges(&self) -> &[(SeqNum, SeqNum)] {
        &self.ranges
    }

    /// Octets marked SACKed.
    pub fn sacked_octets(&self) -> u32 {
        self.ranges.iter().map(|&(s, e)| e.since(s) as u32).sum()
    }

    /// Segments marked SACKed, counting each range in `mss`-sized segments, as Linux's
    /// `sacked_out` counts packets.
    pub fn sacked_segments(&self, mss: u32) -> u32 {
        self.ranges.iter().map(|&(s, e)| (e.since(s) as u32).div_ceil(mss.max(1))).sum()
    }

    /// Inserts `[start, end)`, merging it with every range it overlaps or touches.
    fn insert(&mut self, mut start: SeqNum, mut end: SeqNum) {
        let mut i = 0;
        while i < self.ranges.len() {
            let (s, e) = self.ranges[i];
            if e.before(start) {
                i += 1;
            } else if end.before(s) {
                break;
            } else {
                start = start.earliest(s);
                end = end.latest(e);
                self.ranges.remove(i);
            }
        }
        self.ranges.insert(i, (start, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> SeqNum {
        SeqNum::new(n)
    }

    fn board(blocks: &[(u32, u32)]) -> Scoreboard {
        let mut b = Scoreboard::default();
        b.record(blocks, s(1000), s(5000), 8);
        b
    }

    #[test]
    fn blocks_merge_in_sequence_order() {
        let b = board(&[(3000, 4000), (2000, 2500), (2500, 2600), (3500, 4500)]);
        assert_eq!(b.ranges(), &[(s(2000), s(2600)), (s(3000), s(4500))]);
        assert_eq!(b.sacked_octets(), 2100);
        assert_eq!(b.sacked_segments(1000), 1 + 2);
    }

    #[test]
    fn only_what_lies_between_snd_una_and_snd_nxt_is_recorded() {
        // A D-SACK below SND.UNA, a block beyond SND.NXT, an inverted block, and two that
        // straddle the edges (clipped).
        let b = board(&[(500, 900), (6000, 7000), (2000, 1500), (900, 1200), (4800, 5200)]);
        assert_eq!(b.ranges(), &[(s(1000), s(1200)), (s(4800), s(5000))]);
    }

    #[test]
    fn the_board_is_bounded_and_forgets_the_furthest_range() {
        let mut b = Scoreboard::default();
        let blocks: Vec<(u32, u32)> = (0..100).map(|k| (1100 + 20 * k, 1110 + 20 * k)).collect();
        b.record(&blocks, s(1000), s(5000), 4);
        assert_eq!(b.ranges().len(), 4);
        assert_eq!(b.ranges()[3], (s(1160), s(1170)));
    }

    #[test]
    fn snd_una_moving_forward_prunes_and_clips() {
        let mut b = board(&[(2000, 2500), (3000, 4000)]);
        b.advance(s(3200));
        assert_eq!(b.ranges(), &[(s(3200), s(4000))]);
        b.advance(s(4000));
        assert!(b.ranges().is_empty());
    }

    #[test]
    fn ranges_survive_the_sequence_number_wrap() {
        let mut b = Scoreboard::default();
        let una = s(u32::MAX - 1000);
        b.record(&[(u32::MAX - 500, 200), (300, 400)], una, s(1000), 8);
        assert_eq!(b.ranges(), &[(s(u32::MAX - 500), s(200)), (s(300), s(400))]);
        assert_eq!(b.sacked_octets(), 701 + 100);
    }
}
