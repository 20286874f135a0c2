//! The inverse of the `arbitrary` decoding of [`Input`]: writes the bytes that decode to a
//! given input, for seeds built by program (`corpus_seeds`).
//!
//! It mirrors `arbitrary` 1.x as derived: integers little-endian in their own width, `bool`
//! as one octet, an enum as a `u32` whose `(x * variants) >> 32` is the variant index followed
//! by the variant's fields, struct fields in declaration order; and the count-prefixed
//! collections of `input`. [`round_trips`] checks the mirror on a value, and `corpus_seeds`
//! runs it on every seed it writes, so a change of `arbitrary`'s encoding cannot go unnoticed.

use super::input::*;
use arbitrary::{Arbitrary, Unstructured};

pub trait Encode {
    fn encode(&self, out: &mut Vec<u8>);
}

/// The bytes `Input::arbitrary_take_rest` reads back as `input`.
pub fn to_bytes(input: &Input) -> Vec<u8> {
    let mut out = Vec::new();
    input.encode(&mut out);
    out
}

/// Decodes fuzz bytes as the target does.
pub fn from_bytes(data: &[u8]) -> Option<Input> {
    Input::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// Whether `input` survives encoding and decoding unchanged.
pub fn round_trips(input: &Input) -> bool {
    from_bytes(&to_bytes(input)).as_ref() == Some(input)
}

/// The `u32` that `arbitrary`'s derived enums read as variant `index` of `count`.
fn tag(out: &mut Vec<u8>, index: u64, count: u64) {
    let x = ((index << 32) + count - 1) / count;
    out.extend_from_slice(&(x as u32).to_le_bytes());
}

/// An enum variant: its tag, then its fields in order.
fn variant(out: &mut Vec<u8>, index: u64, count: u64, fields: &[&dyn Encode]) {
    tag(out, index, count);
    for field in fields {
        field.encode(out);
    }
}

macro_rules! int_encode {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
int_encode!(u8, u16, u32, i8, i32);

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Encode for Input {
    fn encode(&self, out: &mut Vec<u8>) {
        self.fixture.encode(out);
        self.knobs.0.encode(out);
        for e in self.events.iter().take(MAX_EVENTS) {
            e.encode(out);
        }
    }
}

impl Encode for Fixture {
    fn encode(&self, out: &mut Vec<u8>) {
        let index = Fixture::ALL.iter().position(|f| f == self).unwrap_or(0);
        tag(out, index as u64, Fixture::ALL.len() as u64);
    }
}

impl Encode for Event {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Event::Segment(s) => {
                tag(out, 0, 3);
                s.encode(out);
            }
            Event::Call(c) => {
                tag(out, 1, 3);
                c.encode(out);
            }
            Event::Wait(w) => {
                tag(out, 2, 3);
                w.encode(out);
            }
        }
    }
}

impl Encode for Segment {
    fn encode(&self, out: &mut Vec<u8>) {
        self.slot.encode(out);
        self.flags.encode(out);
        self.seq.encode(out);
        self.ack.encode(out);
        self.window.encode(out);
        self.urgent.encode(out);
        self.options.encode(out);
        self.payload.encode(out);
        self.delivery.encode(out);
    }
}

impl Encode for Offset {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Offset::Zero => tag(out, 0, 3),
            Offset::Small(k) => {
                tag(out, 1, 3);
                k.encode(out);
            }
            Offset::Wide(k) => {
                tag(out, 2, 3);
                k.encode(out);
            }
        }
    }
}

impl Encode for SeqRef {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            SeqRef::RcvNxt(o) => variant(out, 0, 4, &[&o]),
            SeqRef::WindowEnd(o) => variant(out, 1, 4, &[&o]),
            SeqRef::Irs(o) => variant(out, 2, 4, &[&o]),
            SeqRef::Raw(v) => variant(out, 3, 4, &[&v]),
        }
    }
}

impl Encode for AckRef {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            AckRef::SndNxt(o) => variant(out, 0, 5, &[&o]),
            AckRef::SndUna(o) => variant(out, 1, 5, &[&o]),
            AckRef::Iss(o) => variant(out, 2, 5, &[&o]),
            AckRef::OldestAcceptable(o) => variant(out, 3, 5, &[&o]),
            AckRef::Raw(v) => variant(out, 4, 5, &[&v]),
        }
    }
}

impl Encode for Window {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Window::Full => tag(out, 0, 3),
            Window::Zero => tag(out, 1, 3),
            Window::Raw(v) => variant(out, 2, 3, &[&v]),
        }
    }
}

impl Encode for Payload {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Payload::Empty => tag(out, 0, 4),
            Payload::Small(n) => variant(out, 1, 4, &[&n]),
            Payload::Mss => tag(out, 2, 4),
            Payload::Large(n) => variant(out, 3, 4, &[&n]),
        }
    }
}

impl Encode for Delivery {
    fn encode(&self, out: &mut Vec<u8>) {
        let index = match self {
            Delivery::Normal => 0,
            Delivery::BadChecksum => 1,
            Delivery::OtherHost => 2,
            Delivery::MulticastSource => 3,
        };
        tag(out, index, 4);
    }
}

impl Encode for Options {
    fn encode(&self, out: &mut Vec<u8>) {
        let n = self.0.len().min(MAX_OPTIONS);
        (n as u8).encode(out);
        for o in &self.0[..n] {
            o.encode(out);
        }
    }
}

impl Encode for Opt {
    fn encode(&self, out: &mut Vec<u8>) {
        const N: u64 = 12;
        match *self {
            Opt::Eol => tag(out, 0, N),
            Opt::Nop => tag(out, 1, N),
            Opt::Mss(v) => variant(out, 2, N, &[&v]),
            Opt::WindowScale(v) => variant(out, 3, N, &[&v]),
            Opt::SackPermitted => tag(out, 4, N),
            Opt::Sack { blocks, left, len } => {
                tag(out, 5, N);
                blocks.encode(out);
                left.encode(out);
                len.encode(out);
            }
            Opt::Timestamps { tsval, tsecr } => {
                tag(out, 6, N);
                tsval.encode(out);
                tsecr.encode(out);
            }
            Opt::Md5 => tag(out, 7, N),
            Opt::FastOpen(n) => variant(out, 8, N, &[&n]),
            Opt::Unknown { kind, len } => variant(out, 9, N, &[&kind, &len]),
            Opt::WrongLength { kind, len } => variant(out, 10, N, &[&kind, &len]),
            Opt::Malformed { kind, len } => variant(out, 11, N, &[&kind, &len]),
        }
    }
}

impl Encode for TsRef {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            TsRef::Recent(o) => variant(out, 0, 3, &[&o]),
            TsRef::Clock(o) => variant(out, 1, 3, &[&o]),
            TsRef::Raw(v) => variant(out, 2, 3, &[&v]),
        }
    }
}

impl Encode for Call {
    fn encode(&self, out: &mut Vec<u8>) {
        const N: u64 = 10;
        match *self {
            Call::Accept => tag(out, 0, N),
            Call::Connect { port } => variant(out, 1, N, &[&port]),
            Call::Send { fd, len } => variant(out, 2, N, &[&fd, &len]),
            Call::Recv { fd, max, peek } => variant(out, 3, N, &[&fd, &max, &peek]),
            Call::Shutdown { fd, how } => variant(out, 4, N, &[&fd, &how]),
            Call::Close { fd } => variant(out, 5, N, &[&fd]),
            Call::Abort { fd } => variant(out, 6, N, &[&fd]),
            Call::SetOpt { fd, opt } => variant(out, 7, N, &[&fd, &opt]),
            Call::Listen { backlog } => variant(out, 8, N, &[&backlog]),
            Call::Inspect { fd } => variant(out, 9, N, &[&fd]),
        }
    }
}

impl Encode for How {
    fn encode(&self, out: &mut Vec<u8>) {
        let index = match self {
            How::Read => 0,
            How::Write => 1,
            How::Both => 2,
        };
        tag(out, index, 3);
    }
}

impl Encode for SockOptSpec {
    fn encode(&self, out: &mut Vec<u8>) {
        const N: u64 = 10;
        match *self {
            SockOptSpec::NoDelay(v) => variant(out, 0, N, &[&v]),
            SockOptSpec::KeepAlive(v) => variant(out, 1, N, &[&v]),
            SockOptSpec::KeepIdle(v) => variant(out, 2, N, &[&v]),
            SockOptSpec::KeepIntvl(v) => variant(out, 3, N, &[&v]),
            SockOptSpec::KeepCnt(v) => variant(out, 4, N, &[&v]),
            SockOptSpec::UserTimeout(v) => variant(out, 5, N, &[&v]),
            SockOptSpec::RcvBuf(v) => variant(out, 6, N, &[&v]),
            SockOptSpec::SndBuf(v) => variant(out, 7, N, &[&v]),
            SockOptSpec::MaxSeg(v) => variant(out, 8, N, &[&v]),
            SockOptSpec::SynCount(v) => variant(out, 9, N, &[&v]),
        }
    }
}

impl Encode for Wait {
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Wait::Short(v) => variant(out, 0, 4, &[&v]),
            Wait::Millis(v) => variant(out, 1, 4, &[&v]),
            Wait::Seconds(v) => variant(out, 2, 4, &[&v]),
            Wait::NextTimer => tag(out, 3, 4),
        }
    }
}
