//! The peer: turns a [`Segment`] description into a segment on the wire, with every number
//! taken relative to the stack's TCB for that 4-tuple as it is right now.

use super::input::{AckRef, Offset, Opt, Payload, SeqRef, Segment, TsRef, Window};
use synack_stack::connection::Connection;
use synack_stack::wire::options::{kind, MAX_OPTIONS_LEN};
use synack_stack::wire::{options_len, TcpFlags, TcpOption, TcpSegment};
use synack_stack::{Instant, SeqNum, State};

/// The octet every sender puts at sequence number `seq`, the peer and the stack's application
/// alike: data is a function of where it sits in the sequence space, so a receiver can tell
/// data delivered twice, out of order or from the wrong place (see `check`).
pub fn payload_byte(seq: SeqNum) -> u8 {
    (seq.get().wrapping_mul(MULTIPLIER) >> 24) as u8
}

const MULTIPLIER: u32 = 0x9e37_79b1;

/// `len` octets of data starting at sequence number `start`.
pub fn payload(start: SeqNum, len: usize) -> Vec<u8> {
    // (start + i) × M = start × M + i × M (mod 2^32): one add per octet instead of a multiply.
    let mut product = start.get().wrapping_mul(MULTIPLIER);
    (0..len)
        .map(|_| {
            let octet = (product >> 24) as u8;
            product = product.wrapping_add(MULTIPLIER);
            octet
        })
        .collect()
}

/// The first octet of `data` that is not [`payload_byte`] for its sequence number, counting
/// from `start`. Compares 64 octets at a time with a buffer of the expected ones (an octet at
/// a time was a few percent of the target's time).
pub fn first_wrong_octet(data: &[u8], start: SeqNum) -> Option<usize> {
    let mut expected = [0u8; 64];
    for (n, chunk) in data.chunks(64).enumerate() {
        let at = start + (n * 64) as u32;
        let expected = expected.get_mut(..chunk.len()).unwrap_or(&mut []);
        for (i, e) in expected.iter_mut().enumerate() {
            *e = payload_byte(at + i as u32);
        }
        if chunk != expected {
            return chunk.iter().zip(expected.iter()).position(|(a, b)| a != b).map(|k| n * 64 + k);
        }
    }
    None
}

/// What the peer knows of a 4-tuple: the stack's TCB if there is one, else its own ISS.
pub struct View<'a> {
    pub conn: Option<&'a Connection>,
    /// The peer's initial sequence number on this 4-tuple (used while the stack has no
    /// receive state: no TCB, or SYN-SENT).
    pub peer_iss: SeqNum,
    pub now: Instant,
}

impl View<'_> {
    /// RCV.NXT, RCV.WND, IRS — or the peer's ISS while the stack has not seen it.
    fn receive(&self) -> (SeqNum, u32, SeqNum) {
        match self.conn {
            Some(c) if c.state != State::SynSent => (c.tcb.rcv_nxt, c.tcb.rcv_wnd(), c.tcb.irs),
            Some(_) | None => (self.peer_iss, 0, self.peer_iss),
        }
    }

    fn seq(&self, r: SeqRef) -> SeqNum {
        let (rcv_nxt, rcv_wnd, irs) = self.receive();
        match r {
            SeqRef::RcvNxt(o) => shift(rcv_nxt, o),
            SeqRef::WindowEnd(o) => shift(rcv_nxt + rcv_wnd, o),
            SeqRef::Irs(o) => shift(irs, o),
            SeqRef::Raw(v) => SeqNum::new(v),
        }
    }

    fn ack(&self, r: AckRef) -> SeqNum {
        let zero = SeqNum::new(0);
        let tcb = self.conn.map(|c| &c.tcb);
        match r {
            AckRef::SndNxt(o) => shift(tcb.map_or(zero, |t| t.snd_nxt), o),
            AckRef::SndUna(o) => shift(tcb.map_or(zero, |t| t.snd_una), o),
            AckRef::Iss(o) => shift(tcb.map_or(zero, |t| t.iss), o),
            AckRef::OldestAcceptable(o) => shift(tcb.map_or(zero, |t| t.snd_una - t.max_snd_wnd.max(1)), o),
            AckRef::Raw(v) => SeqNum::new(v),
        }
    }

    fn timestamp(&self, r: TsRef) -> u32 {
        let (recent, clock) = self.conn.map_or((1, 0), |c| (c.ts.ts_recent, c.ts_clock(self.now)));
        match r {
            TsRef::Recent(o) => recent.wrapping_add(o.get() as u32),
            TsRef::Clock(o) => clock.wrapping_add(o.get() as u32),
            TsRef::Raw(v) => v,
        }
    }

    /// The segment `spec` describes, addressed from `peer_port` to `local_port`.
    pub fn build(&self, spec: &Segment, local_port: u16, peer_port: u16) -> TcpSegment {
        let flags = TcpFlags::from_bits(spec.flags);
        let seq = self.seq(spec.seq);
        let len = match spec.payload {
            Payload::Empty => 0,
            Payload::Small(n) => usize::from(n),
            Payload::Mss => self.conn.map_or(536, |c| usize::from(c.neg.our_mss.get())),
            Payload::Large(n) => usize::from(n) % 2048,
        };
        let text_start = seq + u32::from(flags.syn());
        TcpSegment {
            src_port: peer_port,
            dst_port: local_port,
            seq,
            ack: self.ack(spec.ack),
            flags,
            window: match spec.window {
                Window::Full => u16::MAX,
                Window::Zero => 0,
                Window::Raw(w) => w,
            },
            urgent: spec.urgent,
            options: self.options(&spec.options.0),
            payload: payload(text_start, len),
        }
    }

    /// The options, dropped from the end until they fit the 40-octet option area.
    fn options(&self, specs: &[Opt]) -> Vec<TcpOption> {
        let mut options: Vec<TcpOption> = specs.iter().map(|o| self.option(*o)).collect();
        while options_len(&options) > MAX_OPTIONS_LEN {
            options.pop();
        }
        options
    }

    fn option(&self, spec: Opt) -> TcpOption {
        match spec {
            Opt::Eol => TcpOption::EndOfList,
            Opt::Nop => TcpOption::NoOp,
            Opt::Mss(v) => TcpOption::Mss(v),
            Opt::WindowScale(v) => TcpOption::WindowScale(v),
            Opt::SackPermitted => TcpOption::SackPermitted,
            Opt::Sack { blocks, left, len } => {
                let start = shift(self.conn.map_or(SeqNum::new(0), |c| c.tcb.snd_una), left);
                let len = u32::from(len);
                let blocks = (0..u32::from(blocks % 4) + 1)
                    .map(|i| {
                        let l = start + i * 2 * len.max(1);
                        (l.get(), (l + len).get())
                    })
                    .collect();
                TcpOption::Sack(blocks)
            }
            Opt::Timestamps { tsval, tsecr } => {
                TcpOption::Timestamps { tsval: self.timestamp(tsval), tsecr: self.timestamp(tsecr) }
            }
            Opt::Md5 => TcpOption::Md5([0xa5; 16]),
            Opt::FastOpen(n) => TcpOption::FastOpen(vec![0x5a; usize::from(n % 17)]),
            Opt::Unknown { kind, len } => TcpOption::Unknown { kind, data: vec![0x11; usize::from(len % 39)] },
            Opt::WrongLength { kind: k, len } => {
                const KNOWN: [u8; 6] = [kind::MSS, kind::WINDOW_SCALE, kind::SACK_PERMITTED, kind::SACK, kind::TIMESTAMPS, kind::MD5];
                let k = KNOWN[usize::from(k) % KNOWN.len()];
                TcpOption::WrongLength { kind: k, data: vec![0x22; usize::from(len % 12)] }
            }
            // A length octet below 2, or one that runs past the 40-octet area.
            Opt::Malformed { kind, len } => TcpOption::Malformed(vec![kind, [0, 1, 41][usize::from(len % 3)]]),
        }
    }
}

/// `base + o`, on the sequence circle.
pub fn shift(base: SeqNum, o: Offset) -> SeqNum {
    SeqNum::new(base.get().wrapping_add(o.get() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_and_first_wrong_octet_agree_with_payload_byte() {
        for start in [0, 1, 0x7fff_ffff, u32::MAX - 70, u32::MAX] {
            let start = SeqNum::new(start);
            for len in [0, 1, 63, 64, 65, 200] {
                let data = payload(start, len);
                assert!(data.iter().enumerate().all(|(i, b)| *b == payload_byte(start + i as u32)));
                assert_eq!(first_wrong_octet(&data, start), None);
                for k in (0..len).step_by(7) {
                    let mut bad = data.clone();
                    bad[k] ^= 0x20;
                    bad[len - 1] ^= 0x01;
                    assert_eq!(first_wrong_octet(&bad, start), Some(k), "{start} {len} {k}");
                }
            }
        }
    }
}
