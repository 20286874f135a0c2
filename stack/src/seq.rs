//! Sequence-number arithmetic (RFC 9293 §3.4) and the witness types for windows and scales.
//!
//! Sequence numbers live on a circle of 2^32 values, so "less than" only means something
//! between numbers less than 2^31 apart. [`SeqNum`] therefore has deliberately **no**
//! `Ord`/`PartialOrd`: every comparison says which way it looks (`before`, `after`, …), as in
//! the RFC's own notation (`=<` and `<` are "modulo 2**32", §3.4).

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A TCP sequence (or acknowledgment) number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(u32);

impl SeqNum {
    pub const fn new(raw: u32) -> Self {
        SeqNum(raw)
    }

    /// The raw 32-bit value, as carried on the wire.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Signed distance from `other` to `self` (`self - other`), in [-2^31, 2^31). Numbers
    /// exactly 2^31 apart (the antipode, where RFC 1982 §3.2 leaves the order undefined) are
    /// -2^31 apart both ways: each is `before` the other and neither is `after` — so "is
    /// SEG.ACK newer than SND.UNA" must be asked as `ack.after(una)`, never `!ack.before_or_eq(una)`
    /// or `una.before(ack)`.
    pub fn since(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// `self < other` modulo 2^32.
    pub fn before(self, other: SeqNum) -> bool {
        self.since(other) < 0
    }

    /// `self =< other` modulo 2^32.
    pub fn before_or_eq(self, other: SeqNum) -> bool {
        self.since(other) <= 0
    }

    /// `self > other` modulo 2^32.
    pub fn after(self, other: SeqNum) -> bool {
        self.since(other) > 0
    }

    /// `self >= other` modulo 2^32.
    pub fn after_or_eq(self, other: SeqNum) -> bool {
        self.since(other) >= 0
    }

    /// `lo =< self =< hi`, walking forward from `lo` (correct for any span below 2^32).
    pub fn between(self, lo: SeqNum, hi: SeqNum) -> bool {
        self.0.wrapping_sub(lo.0) <= hi.0.wrapping_sub(lo.0)
    }

    /// `start =< self < start + len`: membership of a half-open window of `len` octets.
    pub fn in_window(self, start: SeqNum, len: u32) -> bool {
        self.0.wrapping_sub(start.0) < len
    }

    /// The later of two numbers (by `after`).
    pub fn latest(self, other: SeqNum) -> SeqNum {
        if self.after(other) {
            self
        } else {
            other
        }
    }

    /// The earlier of two numbers (by `before`).
    pub fn earliest(self, other: SeqNum) -> SeqNum {
        if self.before(other) {
            self
        } else {
            other
        }
    }
}

impl Add<u32> for SeqNum {
    type Output = SeqNum;
    fn add(self, rhs: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(rhs))
    }
}

impl AddAssign<u32> for SeqNum {
    fn add_assign(&mut self, rhs: u32) {
        self.0 = self.0.wrapping_add(rhs);
    }
}

impl Sub<u32> for SeqNum {
    type Output = SeqNum;
    fn sub(self, rhs: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(rhs))
    }
}

impl fmt::Debug for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeqNum({})", self.0)
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A window shift count (RFC 7323 §2.3): at most 14, which the type guarantees.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct WindowScale(u8);

impl WindowScale {
    /// RFC 7323 §2.3: a shift above 14 is treated as 14 (and SHOULD be logged).
    pub const MAX: u8 = 14;

    /// Clamps `shift` to 14 as RFC 7323 §2.3 requires of a received option.
    pub fn clamped(shift: u8) -> Self {
        WindowScale(shift.min(Self::MAX))
    }

    pub fn new(shift: u8) -> Option<Self> {
        (shift <= Self::MAX).then_some(WindowScale(shift))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A window in octets, after scaling: at most 65535 << 14 (< 2^30), so adding one to a
/// [`SeqNum`] can never wrap past the half circle.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, Hash)]
pub struct WindowSize(u32);

impl WindowSize {
    pub const MAX: WindowSize = WindowSize((u16::MAX as u32) << WindowScale::MAX);
    pub const ZERO: WindowSize = WindowSize(0);

    /// Saturates at [`WindowSize::MAX`].
    pub fn new(octets: u32) -> Self {
        WindowSize(octets.min(Self::MAX.0))
    }

    /// A window field from the wire, shifted by the peer's scale (RFC 7323 §2.3).
    pub fn from_wire(field: u16, scale: WindowScale) -> Self {
        WindowSize((field as u32) << scale.get())
    }

    /// The 16-bit field that advertises this window under `scale`, rounding down
    /// (RFC 7323 §2.3: the right edge may only move as far as the scaled field allows).
    pub fn to_wire(self, scale: WindowScale) -> u16 {
        (self.0 >> scale.get()).min(u16::MAX as u32) as u16
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A maximum segment size in octets (RFC 9293 §3.7.1): never zero.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct Mss(u16);

impl Mss {
    /// MUST-15: without an MSS option the sender assumes 536 (IPv4) …
    pub const DEFAULT_IPV4: Mss = Mss(536);
    /// … and 1220 for IPv6 (RFC 8200 minimum MTU 1280 minus 60).
    pub const DEFAULT_IPV6: Mss = Mss(1220);

    pub fn new(octets: u16) -> Option<Self> {
        (octets != 0).then_some(Mss(octets))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordering_across_the_wrap() {
        let top = SeqNum::new(u32::MAX);
        let zero = SeqNum::new(0);
        assert!(top.before(zero));
        assert!(zero.after(top));
        assert_eq!(top + 1, zero);
        assert_eq!(zero - 1, top);
        assert_eq!(zero.since(top), 1);
        assert!(zero.in_window(top, 2));
        assert!(!SeqNum::new(1).in_window(top, 2));
        assert!(zero.between(top, SeqNum::new(5)));
        assert!(!SeqNum::new(6).between(top, SeqNum::new(5)));
    }

    #[test]
    fn half_circle_is_the_horizon() {
        let a = SeqNum::new(0);
        // 2^31 - 1 ahead is still "after"; 2^31 ahead flips to "before" (the ambiguity point).
        assert!((a + 0x7fff_ffff).after(a));
        assert!((a + 0x8000_0000).before(a));
    }

    #[test]
    fn antipode_is_before_both_ways_and_after_neither() {
        let (a, b) = (SeqNum::new(7), SeqNum::new(7) + 0x8000_0000);
        assert!(a.before(b) && b.before(a));
        assert!(!a.after(b) && !b.after(a));
        assert_eq!(a.since(b), i32::MIN);
        assert_eq!(b.since(a), i32::MIN);
    }

    #[test]
    fn window_scale_is_clamped_to_14() {
        assert_eq!(WindowScale::clamped(15).get(), 14);
        assert_eq!(WindowScale::new(15), None);
        assert_eq!(WindowSize::from_wire(u16::MAX, WindowScale::clamped(14)), WindowSize::MAX);
        assert_eq!(WindowSize::new(70000).to_wire(WindowScale::new(0).unwrap()), u16::MAX);
        assert_eq!(WindowSize::new(70000).to_wire(WindowScale::new(2).unwrap()), 17500);
    }

    proptest! {
        #[test]
        fn add_then_since_is_identity(a: u32, d in 0u32..0x8000_0000) {
            let a = SeqNum::new(a);
            prop_assert_eq!((a + d).since(a), d as i32);
            prop_assert_eq!((a + d) - d, a);
        }

        #[test]
        fn before_and_after_are_mirror_images(a: u32, b: u32) {
            let (a, b) = (SeqNum::new(a), SeqNum::new(b));
            // Exactly one of <, =, > holds, except at the antipode (see `antipode_is_before_both_ways`).
            let antipode = a.get().wrapping_sub(b.get()) == 0x8000_0000;
            if !antipode {
                prop_assert_eq!(a.before(b), b.after(a));
                prop_assert_eq!(a.before_or_eq(b), b.after_or_eq(a));
                let count = [a.before(b), a == b, a.after(b)].iter().filter(|&&x| x).count();
                prop_assert_eq!(count, 1);
            }
        }

        #[test]
        fn comparisons_are_translation_invariant(a: u32, b: u32, k: u32) {
            let (a, b) = (SeqNum::new(a), SeqNum::new(b));
            prop_assert_eq!(a.before(b), (a + k).before(b + k));
            prop_assert_eq!(a.after(b), (a + k).after(b + k));
            prop_assert_eq!(a.since(b), (a + k).since(b + k));
        }

        #[test]
        fn transitive_within_a_half_circle(a: u32, d1 in 1u32..0x4000_0000, d2 in 1u32..0x4000_0000) {
            let a = SeqNum::new(a);
            let b = a + d1;
            let c = b + d2;
            prop_assert!(a.before(b) && b.before(c) && a.before(c));
        }

        #[test]
        fn in_window_matches_offset(start: u32, len in 0u32..0x8000_0000, off: u32) {
            let s = SeqNum::new(start);
            prop_assert_eq!((s + off).in_window(s, len), off < len);
        }

        #[test]
        fn between_matches_offset(lo: u32, span in 0u32..0x8000_0000, off: u32) {
            let lo = SeqNum::new(lo);
            prop_assert_eq!((lo + off).between(lo, lo + span), off <= span);
        }

        #[test]
        fn latest_and_earliest_agree_with_after(a: u32, b: u32) {
            let (a, b) = (SeqNum::new(a), SeqNum::new(b));
            let l = a.latest(b);
            let e = a.earliest(b);
            prop_assert!(l == a || l == b);
            prop_assert!(e == a || e == b);
            prop_assert!(l.after_or_eq(a) || a.get().wrapping_sub(b.get()) == 0x8000_0000);
        }
    }
}
