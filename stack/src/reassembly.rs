//! The out-of-order queue: segments beyond RCV.NXT held for later (RFC 9293 §3.10.7.4 step 1,
//! SHLD-31), and the source of the SACK blocks we send (RFC 2018 §4).
//!
//! What bounds its memory:
//! - octets: at most `limit` (`Config::ooo_limit_bytes`, 1 MiB) — and in practice the receive
//!   window, because the first check trims every segment to RCV.NXT+RCV.WND, and the window
//!   we advertise already counts what is held here; octets over the limit are dropped (the
//!   peer retransmits them);
//! - blocks: at most [`MAX_BLOCKS`], whatever their size, so that a peer sending one-octet
//!   segments (or bare FINs) into alternate holes cannot make the queue hold a block — an
//!   allocation and a linear search — per octet. At the cap a block beyond all the others is
//!   refused; one nearer RCV.NXT evicts the highest (Linux's `tcp_prune_ofo_queue` also
//!   prunes from the far end);
//! - the SACK blocks we send come from these blocks: the 4 (3 with timestamps) most recently
//!   changed, and the list that orders them holds one entry per block.

use crate::seq::SeqNum;

/// The most blocks (separate runs of held octets, or a FIN beyond a hole) held at once.
pub const MAX_BLOCKS: usize = 64;

#[derive(Clone, Debug)]
struct Block {
    start: SeqNum,
    data: Vec<u8>,
    /// This block ends with the peer's FIN.
    fin: bool,
}

impl Block {
    fn end(&self) -> SeqNum {
        self.start + self.data.len() as u32
    }
}

#[derive(Clone, Debug, Default)]
pub struct Reassembly {
    /// Disjoint, non-adjacent blocks sorted by `start`.
    blocks: Vec<Block>,
    bytes: usize,
    limit: usize,
    /// Start of the block most recently touched, first in the SACK option (RFC 2018 §4).
    recent: Vec<SeqNum>,
}

/// What came out of [`Reassembly::pop_ready`].
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ready {
    pub data: Vec<u8>,
    pub fin: bool,
}

impl Reassembly {
    pub fn new(limit: usize) -> Self {
        Reassembly { limit, ..Default::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds `data` (and a FIN after it) starting at `start`, beyond `rcv_nxt`. Octets that
    /// would exceed the limit are dropped (the peer will retransmit them); returns whether
    /// anything was stored.
    pub fn insert(&mut self, rcv_nxt: SeqNum, start: SeqNum, data: &[u8], fin: bool) -> bool {
        let mut start = start;
        let mut data = data;
        // Never hold what is already in order.
        if start.before(rcv_nxt) {
            let skip = (rcv_nxt.since(start) as usize).min(data.len());
            data = &data[skip..];
            start = rcv_nxt;
        }
        // Only octets not already held count against the limit; cut the tail until they fit.
        let room = self.limit.saturating_sub(self.bytes);
        let mut fin = fin;
        loop {
            let new = self.uncovered(start, data.len());
            if new <= room {
                break;
            }
            data = &data[..data.len() - (new - room).min(data.len())];
            fin = false;
        }
        if data.is_empty() && !fin {
            return false;
        }
        let mut merged = Block { start, data: data.to_vec(), fin };
        // Absorb every block that overlaps or touches the new one (new data wins nothing:
        // octets already held are kept, RFC 9293 says the contents must be identical anyway).
        let mut i = 0;
        while i < self.blocks.len() {
            let b = &self.blocks[i];
            let touches = !b.end().before(merged.start) && !merged.end().before(b.start);
            if touches {
                let b = self.blocks.remove(i);
                self.bytes -= b.data.len();
                merged = union(b, merged);
            } else {
                i += 1;
            }
        }
        let mut pos = self.blocks.iter().position(|b| b.start.after(merged.start)).unwrap_or(self.blocks.len());
        if self.blocks.len() >= MAX_BLOCKS {
            if pos == self.blocks.len() {
                return false;
            }
            let last = self.blocks.pop().expect("MAX_BLOCKS > 0");
            self.bytes -= last.data.len();
            pos = pos.min(self.blocks.len());
        }
        self.bytes += merged.data.len();
        self.recent.retain(|s| *s != merged.start);
        self.recent.insert(0, merged.start);
        self.blocks.insert(pos, merged);
        self.trim_recent();
        true
    }

    /// Takes the data now contiguous with `rcv_nxt`.
    pub fn pop_ready(&mut self, rcv_nxt: SeqNum) -> Ready {
        let mut ready = Ready::default();
        let mut next = rcv_nxt;
        while let Some(first) = self.blocks.first() {
            if first.start.after(next) {
                break;
            }
            let b = self.blocks.remove(0);
            self.bytes -= b.data.len();
            let skip = (next.since(b.start).max(0) as usize).min(b.data.len());
            ready.data.extend_from_slice(&b.data[skip..]);
            // A FIN whose number text has already run past is an old duplicate's: trimmed
            // with what lies below RCV.NXT (RFC 9293 §3.10.7.4 first, "including SYN and
            // FIN"), never processed (Linux tcp_ofo_queue drops the held segment).
            let fin_overrun = b.end().before(next);
            next = b.end().latest(next);
            if b.fin && !fin_overrun {
                ready.fin = true;
                break;
            }
        }
        self.trim_recent();
        ready
    }

    /// Up to `max` SACK blocks, most recently changed first (RFC 2018 §4).
    pub fn sack_blocks(&self, max: usize) -> Vec<(SeqNum, SeqNum)> {
        self.recent
            .iter()
            .filter_map(|s| self.blocks.iter().find(|b| b.start == *s))
            .take(max)
            .map(|b| (b.start, b.end()))
            .collect()
    }

    pub fn clear(&mut self) {
        *self = Reassembly::new(self.limit);
    }

    /// Octets of [start, start+len) that no held block covers.
    fn uncovered(&self, start: SeqNum, len: usize) -> usize {
        let end = start + len as u32;
        let covered: usize = self
            .blocks
            .iter()
            .map(|b| {
                let lo = b.start.latest(start);
                let hi = b.end().earliest(end);
                hi.since(lo).max(0) as usize
            })
            .sum();
        len.saturating_sub(covered)
    }

    fn trim_recent(&mut self) {
        let blocks = &self.blocks;
        self.recent.retain(|s| blocks.iter().any(|b| b.start == *s));
    }
}

/// The union of two touching blocks.
fn union(a: Block, b: Block) -> Block {
    let (first, second) = if a.start.before_or_eq(b.start) { (a, b) } else { (b, a) };
    let mut data = first.data;
    let first_end = first.start + data.len() as u32;
    if second.end().after(first_end) {
        let skip = (first_end.since(second.start).max(0) as usize).min(second.data.len());
        data.extend_from_slice(&second.data[skip..]);
    }
    let end = first.start + data.len() as u32;
    let fin = (first.fin && first_end == end) || (second.fin && second.end() == end);
    Block { start: first.start, data, fin }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> SeqNum {
        SeqNum::new(n)
    }

    #[test]
    fn holes_fill_in_order_and_fin_comes_last() {
        let mut r = Reassembly::new(1000);
        assert!(r.insert(s(100), s(110), b"klm", true));
        assert!(r.insert(s(100), s(105), b"fgh", false));
        assert_eq!(r.sack_blocks(4), vec![(s(105), s(108)), (s(110), s(113))]);
        assert_eq!(r.pop_ready(s(100)), Ready::default());
        r.insert(s(100), s(108), b"ij", false);
        // 105..113 is now one block ending in FIN.
        assert_eq!(r.sack_blocks(4), vec![(s(105), s(113))]);
        let got = r.pop_ready(s(105));
        assert_eq!(got, Ready { data: b"fghijklm".to_vec(), fin: true });
        assert!(r.is_empty());
        assert_eq!(r.bytes(), 0);
    }

    #[test]
    fn overlaps_keep_held_octets_and_limit_is_enforced() {
        let mut r = Reassembly::new(6);
        r.insert(s(0), s(10), b"abcd", false);
        r.insert(s(0), s(12), b"XXYY", false); // overlaps 12..14, extends to 16
        assert_eq!(r.bytes(), 6);
        assert!(!r.insert(s(0), s(30), b"zz", false), "over the limit");
        let got = r.pop_ready(s(10));
        assert_eq!(got.data, b"abcdYY");
    }

    #[test]
    fn block_count_is_capped_and_nearer_blocks_evict_the_farthest() {
        let mut r = Reassembly::new(1 << 20);
        // One octet into every other hole, and bare FINs, far more than the cap.
        for i in 0..1000u32 {
            r.insert(s(0), s(10 + 2 * i), b"x", false);
            r.insert(s(0), s(100_000 + 2 * i), &[], true);
        }
        assert_eq!(r.blocks.len(), MAX_BLOCKS);
        assert_eq!(r.bytes(), MAX_BLOCKS, "the first 64 octets, nearest RCV.NXT, are held");
        assert!(r.recent.len() <= MAX_BLOCKS);
        // A block nearer RCV.NXT than all of them evicts the farthest.
        assert!(r.insert(s(0), s(5), b"y", false));
        assert_eq!((r.blocks.len(), r.bytes()), (MAX_BLOCKS, MAX_BLOCKS));
        assert_eq!(r.blocks.last().map(|b| b.start), Some(s(10 + 2 * 62)));
        // One beyond all of them is refused; one that extends a held block is taken.
        assert!(!r.insert(s(0), s(500_000), b"z", false));
        assert!(r.insert(s(0), s(11), b"w", false));
        assert_eq!(r.bytes(), MAX_BLOCKS + 1);
    }

    #[test]
    fn already_received_prefix_is_skipped() {
        let mut r = Reassembly::new(100);
        r.insert(s(5), s(3), b"abcdef", false);
        assert_eq!(r.pop_ready(s(5)).data, b"cdef");
    }
}
