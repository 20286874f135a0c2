//! The peer's sequence space as the judged stack may have received it: which octets arrived
//! inside the window the stack had advertised (so it *may* have accepted them), and where the
//! peer's FIN is. From it follows the highest RCV.NXT the stack can have reached from any
//! point — the bound every ACK it sends must respect (RFC 9293 §3.10.7.4 first and seventh).
//!
//! Sequence numbers are unwrapped into offsets from the IRS (RFC 9293 §3.4), against an
//! anchor that moves with the stream, so long transfers never meet the 2^31 horizon.

use synack_stack::SeqNum;

/// The offset of the IRS (the SYN): the first octet of text is at `ORIGIN + 1`.
const ORIGIN: u64 = 1 << 40;

/// At most this many separate ranges are kept; more are merged (which only widens what may
/// have been accepted, never narrows it).
const MAX_RANGES: usize = 32;

/// At most this many different FINs of the peer's are kept (the latest). A FIN forgotten is
/// an ACK of it called too high: the reference stack holds up to 64 out-of-order blocks, bare
/// FINs included, and took the first of five FINs when text reached it (a state_machine
/// false alarm while only four were kept).
const MAX_FINS: usize = 64;

/// One incarnation's receive space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecvSpace {
    /// The IRS this space belongs to.
    pub irs: SeqNum,
    /// Octets that arrived inside the advertised window: sorted, disjoint, non-adjacent
    /// half-open offset ranges.
    may: Vec<(u64, u64)>,
    /// Octets beyond the right edge that arrived on segments starting inside the window
    /// (acceptable only under [`super::profile::Deviation::AcceptsTailBeyondWindow`]).
    tail: Vec<(u64, u64)>,
    /// Offsets of the peer's FINs that arrived inside the window (a peer that changes its
    /// mind sends more than one; the first few distinct ones are kept).
    fins: Vec<u64>,
    /// Unwrapping anchor: this sequence number has this offset.
    anchor: (SeqNum, u64),
}

impl RecvSpace {
    /// An empty space for a connection whose peer chose `irs` (offset 0 is the SYN).
    pub fn new(irs: SeqNum) -> RecvSpace {
        RecvSpace { irs, may: Vec::new(), tail: Vec::new(), fins: Vec::new(), anchor: (irs, ORIGIN) }
    }

    /// The offset of `seq` (relative to the anchor: within 2^31 of it).
    pub fn off(&self, seq: SeqNum) -> u64 {
        let d = i64::from(seq.since(self.anchor.0));
        self.anchor.1.saturating_add_signed(d)
    }

    /// The sequence number at `off`.
    pub fn seq(&self, off: u64) -> SeqNum {
        self.anchor.0 + (off.wrapping_sub(self.anchor.1) as u32)
    }

    /// Moves the anchor to `seq` (call with a recent RCV.NXT so later numbers stay near).
    pub fn reanchor(&mut self, seq: SeqNum) {
        let off = self.off(seq);
        self.anchor = (seq, off);
    }

    /// Records octets [start, end) as possibly accepted (`tail`: only beyond the window).
    pub fn add(&mut self, start: SeqNum, end: SeqNum, tail: bool) {
        let (s, e) = (self.off(start), self.off(end));
        if e <= s {
            return;
        }
        let set = if tail { &mut self.tail } else { &mut self.may };
        insert(set, s, e);
    }

    /// Records a FIN of the peer's at `at` (the last [`MAX_FINS`] different ones: a peer that
    /// keeps changing its mind is judged by its latest FINs).
    pub fn add_fin(&mut self, at: SeqNum) {
        let off = self.off(at);
        if !self.fins.contains(&off) {
            if self.fins.len() >= MAX_FINS {
                self.fins.remove(0);
            }
            self.fins.push(off);
        }
    }

    /// Whether an ACK of `ack` acknowledges one of the peer's FINs: only the FIN just below
    /// it (a FIN is the last octet of the stream; an ACK past one with text between did not
    /// take that FIN — RFC 9293 §3.10.7.4 eighth).
    pub fn acks_fin(&self, ack: SeqNum) -> bool {
        let a = self.off(ack);
        self.fins.iter().any(|&f| f + 1 == a)
    }

    /// Whether text may have arrived for the octet at `seq` (inside the window).
    pub fn text_at(&self, seq: SeqNum) -> bool {
        let off = self.off(seq);
        self.may.iter().any(|&(s, e)| s <= off && off < e)
    }

    /// The peer's FINs that text may have reached in sequence from `from` (or that lie at
    /// `from`): each may end what the stack took, even where text for the same numbers, or
    /// beyond, also arrived.
    pub fn fins_reachable(&self, from: SeqNum) -> impl Iterator<Item = SeqNum> + '_ {
        let start = self.off(from);
        let reach = self.run(start, false);
        self.fins.iter().filter(move |&&f| f >= start && f <= reach).map(|&f| self.seq(f))
    }

    fn fin_at(&self, off: u64) -> bool {
        self.fins.contains(&off)
    }

    /// The furthest RCV.NXT reachable from `from` over octets that may have been accepted
    /// (with the beyond-the-window tails when `with_tail`), the FIN included when reached.
    pub fn reach(&self, from: SeqNum, with_tail: bool) -> SeqNum {
        let mut cur = self.run(self.off(from), with_tail);
        if self.fin_at(cur) {
            cur += 1;
        }
        self.seq(cur)
    }

    /// What the stack can have received in sequence since the SYN, at most: the octets of
    /// text, and whether the peer's FIN follows them (with the beyond-the-window tails when
    /// `with_tail`). A RECEIVE returns no more than that text, and end-of-data only after
    /// that FIN.
    pub fn in_order(&self, with_tail: bool) -> (u64, bool) {
        let start = ORIGIN + 1;
        let end = self.run(start, with_tail);
        (end - start, self.fin_at(end))
    }

    /// The end of the octets that may have been accepted contiguously from offset `cur`.
    fn run(&self, mut cur: u64, with_tail: bool) -> u64 {
        loop {
            let before = cur;
            cur = extend(&self.may, cur);
            if with_tail {
                cur = extend(&self.tail, cur);
            }
            if cur == before {
                return cur;
            }
        }
    }
}

/// The end of the run of ranges covering `cur` (or `cur`).
fn extend(set: &[(u64, u64)], mut cur: u64) -> u64 {
    for &(s, e) in set {
        if s > cur {
            break;
        }
        if e > cur {
            cur = e;
        }
    }
    cur
}

fn insert(set: &mut Vec<(u64, u64)>, s: u64, e: u64) {
    let i = set.partition_point(|&(_, re)| re < s);
    let mut j = i;
    let (mut ns, mut ne) = (s, e);
    while j < set.len() && set[j].0 <= ne {
        ns = ns.min(set[j].0);
        ne = ne.max(set[j].1);
        j += 1;
    }
    set.splice(i..j, [(ns, ne)]);
    if set.len() > MAX_RANGES {
        // Merge the two closest neighbours.
        let k = (0..set.len() - 1).min_by_key(|&k| set[k + 1].0 - set[k].1).unwrap_or(0);
        set[k].1 = set[k + 1].1;
        set.remove(k + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_follows_contiguous_ranges_and_the_fin() {
        let irs = SeqNum::new(u32::MAX - 10);
        let mut r = RecvSpace::new(irs);
        let at = |k: u32| irs + 1 + k;
        r.add(at(100), at(200), false);
        assert_eq!(r.reach(at(0), false), at(0));
        r.add(at(0), at(100), false);
        assert_eq!(r.reach(at(0), false), at(200));
        r.add(at(300), at(400), false);
        r.add(at(200), at(300), true);
        assert_eq!(r.reach(at(0), false), at(200));
        assert_eq!(r.reach(at(0), true), at(400));
        r.add_fin(at(400));
        assert_eq!(r.reach(at(0), true), at(401));
        assert_eq!(r.reach(at(50), false), at(200));
        // Beyond the 2^32 wrap and back.
        r.reanchor(at(400));
        assert_eq!(r.reach(at(0), true), at(401));
        assert!(r.acks_fin(at(401)) && !r.acks_fin(at(400)) && !r.acks_fin(at(402)));
    }

    #[test]
    fn a_fin_the_text_runs_past_is_not_acknowledged_by_acks_beyond_it() {
        // A FIN on the SYN (at IRS+1), then text from IRS+1 that the stack took instead.
        let irs = SeqNum::new(5000);
        let mut r = RecvSpace::new(irs);
        r.add_fin(irs + 1);
        r.add(irs + 1, irs + 86, false);
        assert_eq!(r.reach(irs + 1, false), irs + 86);
        assert!(r.acks_fin(irs + 2) && !r.acks_fin(irs + 86));
        // A second FIN, after the text, is kept too.
        r.add_fin(irs + 86);
        assert_eq!(r.reach(irs + 1, false), irs + 87);
        assert!(r.acks_fin(irs + 87));
    }

    #[test]
    fn in_order_counts_text_from_the_syn_and_the_fin_after_it() {
        let irs = SeqNum::new(u32::MAX - 10);
        let mut r = RecvSpace::new(irs);
        let at = |k: u32| irs + 1 + k;
        assert_eq!(r.in_order(false), (0, false));
        r.add(at(100), at(200), false);
        r.add_fin(at(200));
        assert_eq!(r.in_order(false), (0, false), "a hole before the text and the FIN");
        r.add(at(0), at(100), false);
        assert_eq!(r.in_order(false), (200, true));
        r.reanchor(at(150));
        assert_eq!(r.in_order(false), (200, true));
    }

    #[test]
    fn overlapping_and_adjacent_inserts_merge() {
        let mut set = Vec::new();
        insert(&mut set, 10, 20);
        insert(&mut set, 30, 40);
        insert(&mut set, 20, 30);
        assert_eq!(set, vec![(10, 40)]);
        insert(&mut set, 5, 12);
        insert(&mut set, 50, 60);
        assert_eq!(set, vec![(5, 40), (50, 60)]);
        for k in 0..40 {
            insert(&mut set, 100 + 10 * k, 105 + 10 * k);
        }
        assert!(set.len() <= MAX_RANGES);
        assert_eq!(set.first(), Some(&(5, 40)));
    }
}
