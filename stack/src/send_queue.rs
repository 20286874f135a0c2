//! The send buffer: octets the user has written, from SND.UNA (or ISS+1) onward, i.e. the
//! retransmission queue and the not-yet-sent tail in one contiguous sequence-numbered buffer.

use crate::seq::SeqNum;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub struct SendQueue {
    /// Sequence number of `data[0]`.
    start: SeqNum,
    data: VecDeque<u8>,
    capacity: usize,
}

impl SendQueue {
    pub fn new(start: SeqNum, capacity: usize) -> Self {
        SendQueue { start, data: VecDeque::new(), capacity }
    }

    pub fn start(&self) -> SeqNum {
        self.start
    }

    /// One past the last queued octet.
    pub fn end(&self) -> SeqNum {
        self.start + self.data.len() as u32
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
    }

    pub fn free(&self) -> usize {
        self.capacity.saturating_sub(self.data.len())
    }

    /// Appends as much of `bytes` as fits; returns how much was taken.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.free());
        self.data.extend(&bytes[..n]);
        n
    }

    /// Drops everything before `ack` (a cumulative acknowledgment).
    pub fn ack_through(&mut self, ack: SeqNum) {
        let n = ack.since(self.start).clamp(0, self.data.len() as i32) as usize;
        self.data.drain(..n);
        self.start += n as u32;
    }

    /// Copies up to `max` octets starting at sequence number `seq` (empty if out of range).
    pub fn slice(&self, seq: SeqNum, max: usize) -> Vec<u8> {
        let off = seq.since(self.start);
        if off < 0 || off as usize >= self.data.len() {
            return Vec::new();
        }
        let off = off as usize;
        let n = max.min(self.data.len() - off);
        self.data.range(off..off + n).copied().collect()
    }

    /// Octets queued at or after `seq`.
    pub fn available_from(&self, seq: SeqNum) -> usize {
        let off = seq.since(self.start);
        if off < 0 {
            self.data.len()
        } else {
            self.data.len().saturating_sub(off as usize)
        }
    }

    pub fn clear(&mut self) {
        self.start += self.data.len() as u32;
        self.data.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_slice_and_ack_across_the_wrap() {
        let mut q = SendQueue::new(SeqNum::new(u32::MAX - 1), 8);
        assert_eq!(q.push(b"abcdefghij"), 8);
        assert_eq!(q.slice(SeqNum::new(0), 3), b"cde");
        q.ack_through(SeqNum::new(1));
        assert_eq!(q.start(), SeqNum::new(1));
        assert_eq!(q.slice(SeqNum::new(1), 100), b"defgh");
        assert_eq!(q.available_from(SeqNum::new(3)), 3);
        // An ACK beyond the end only empties the queue.
        q.ack_through(SeqNum::new(100));
        assert!(q.is_empty());
        assert_eq!(q.end(), SeqNum::new(6));
    }
}
