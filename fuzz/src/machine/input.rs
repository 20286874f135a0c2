//! The `state_machine` input: a fixture to start from, a few configuration bits, then events.
//!
//! Everything is `arbitrary`-derived except the collections, which are count-prefixed here
//! (a `u8`) instead of `arbitrary`'s length-from-the-end encoding, so that [`super::encode`]
//! can write inputs (the seeds derived from packetdrill scripts) byte for byte.
//!
//! Inbound segments are described *relative to the connection's TCB* as the stack has it at
//! the moment the segment is built (`RCV.NXT + k`, `SND.UNA + k`, `TS.Recent + k`, …), so a
//! small offset lands on a window edge and a wide one outside the window, whatever the ISNs.

use arbitrary::{Arbitrary, Result, Unstructured};

/// Most events one input runs (more bytes are ignored).
pub const MAX_EVENTS: usize = 32;
/// Most options one segment carries before fitting to 40 octets.
pub const MAX_OPTIONS: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub fixture: Fixture,
    pub knobs: Knobs,
    pub events: Vec<Event>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let fixture = Fixture::arbitrary(u)?;
        let knobs = Knobs::arbitrary(u)?;
        let mut events = Vec::new();
        while !u.is_empty() && events.len() < MAX_EVENTS {
            events.push(Event::arbitrary(u)?);
        }
        Ok(Input { fixture, knobs, events })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> Result<Self> {
        Self::arbitrary(&mut u)
    }
}

/// Where an input starts: the stack is walked there through the same events the fuzzer
/// uses (see `fixture`), then the input's own events follow.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fixture {
    /// No socket at all: segments meet §3.10.7.1.
    Closed,
    Listen,
    SynSent,
    SynReceived,
    EstablishedPassive,
    EstablishedActive,
    /// ESTABLISHED (passive), then close(): our FIN is out, unacknowledged.
    FinWait1,
    FinWait2,
    /// FIN-WAIT-1, then the peer's FIN without an ACK of ours.
    Closing,
    TimeWait,
    /// ESTABLISHED (passive), then the peer's FIN.
    CloseWait,
    LastAck,
}

impl Fixture {
    pub const ALL: [Fixture; 12] = [
        Fixture::Closed,
        Fixture::Listen,
        Fixture::SynSent,
        Fixture::SynReceived,
        Fixture::EstablishedPassive,
        Fixture::EstablishedActive,
        Fixture::FinWait1,
        Fixture::FinWait2,
        Fixture::Closing,
        Fixture::TimeWait,
        Fixture::CloseWait,
        Fixture::LastAck,
    ];
}

/// Configuration bits; see the accessors for what each one means.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Knobs(pub u16);

impl Knobs {
    pub const LINUX: u16 = 1 << 0;
    pub const IPV6: u16 = 1 << 1;
    /// The fixture peer's SYN / SYN-ACK offers timestamps (RFC 7323).
    pub const PEER_TS: u16 = 1 << 2;
    pub const PEER_SACK: u16 = 1 << 3;
    pub const PEER_WS: u16 = 1 << 4;
    /// The fixture peer sends no MSS option (MUST-15 default applies).
    pub const PEER_NO_MSS: u16 = 1 << 5;
    /// RFC 793 behaviour instead of RFC 5961's challenge ACKs.
    pub const NO_RFC5961: u16 = 1 << 6;
    pub const RFC1337: u16 = 1 << 7;
    pub const NO_DELAYED_ACK: u16 = 1 << 8;
    /// 4 KiB buffers: windows close after a few segments.
    pub const SMALL_BUFFERS: u16 = 1 << 9;
    /// The other zero-window probe / keep-alive style than the profile's.
    pub const OTHER_PROBES: u16 = 1 << 10;
    pub const ABORT_ON_OVERFLOW: u16 = 1 << 11;
    /// A FIN-WAIT-2 timeout of 60 s on a profile that has none (and none on one that has).
    pub const OTHER_FIN_TIMEOUT: u16 = 1 << 12;
    /// The stack itself offers no timestamps / SACK / window scaling.
    pub const STACK_PLAIN: u16 = 1 << 13;

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Segment(Segment),
    Call(Call),
    Wait(Wait),
}

/// An inbound segment from the peer.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Which 4-tuple (see `Driver::slots`): 0 is the fixture's connection.
    pub slot: u8,
    /// The twelve bits after the data offset: FIN … CWR, AE, and the three reserved bits.
    pub flags: u16,
    pub seq: SeqRef,
    pub ack: AckRef,
    pub window: Window,
    pub urgent: u16,
    pub options: Options,
    pub payload: Payload,
    pub delivery: Delivery,
}

/// A signed distance from a reference point.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offset {
    Zero,
    Small(i8),
    Wide(i32),
}

impl Offset {
    pub fn get(self) -> i32 {
        match self {
            Offset::Zero => 0,
            Offset::Small(k) => i32::from(k),
            Offset::Wide(k) => k,
        }
    }
}

/// SEG.SEQ: relative to the receive side of the TCB (the peer's own ISS when there is none).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqRef {
    RcvNxt(Offset),
    /// RCV.NXT + RCV.WND: the right edge of the receive window.
    WindowEnd(Offset),
    Irs(Offset),
    Raw(u32),
}

/// SEG.ACK: relative to the send side of the TCB (0 when there is none).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckRef {
    SndNxt(Offset),
    SndUna(Offset),
    Iss(Offset),
    /// SND.UNA − MAX.SND.WND: the oldest acceptable ACK under RFC 5961 §5.2.
    OldestAcceptable(Offset),
    Raw(u32),
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Full,
    Zero,
    Raw(u16),
}

/// How much text; the octets are a function of their sequence numbers (see `payload_byte`).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    Empty,
    Small(u8),
    /// One SMSS of the receiving side.
    Mss,
    Large(u16),
}

/// How the segment travels.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Normal,
    BadChecksum,
    /// To an address that is not the stack's.
    OtherHost,
    /// From a multicast source (MUST-57).
    MulticastSource,
}

/// A count-prefixed list of options (at most [`MAX_OPTIONS`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Options(pub Vec<Opt>);

impl<'a> Arbitrary<'a> for Options {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = usize::from(u8::arbitrary(u)?) % (MAX_OPTIONS + 1);
        (0..n).map(|_| Opt::arbitrary(u)).collect::<Result<Vec<_>>>().map(Options)
    }
}

/// One TCP option as the peer writes it, well-formed or not.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    Eol,
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    /// `blocks % 4 + 1` blocks of `len` octets from SND.UNA + `left`, one hole apart.
    Sack { blocks: u8, left: Offset, len: u16 },
    Timestamps { tsval: TsRef, tsecr: TsRef },
    Md5,
    /// A Fast Open cookie of `len % 17` octets (0: a cookie request).
    FastOpen(u8),
    Unknown { kind: u8, len: u8 },
    /// A known kind with a length that is wrong for it.
    WrongLength { kind: u8, len: u8 },
    /// A kind and a length octet that cannot be framed (length below 2 or past the area).
    Malformed { kind: u8, len: u8 },
}

/// A timestamp value relative to the TCB's timestamp state.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsRef {
    /// TS.Recent + k: for TSval (k < 0 is what PAWS rejects).
    Recent(Offset),
    /// The stack's current TSval + k: for TSecr.
    Clock(Offset),
    Raw(u32),
}

/// A socket call on one of the descriptors the application holds (`fd` picks one).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Accept,
    /// connect() from a new socket to the peer's port `port % 2`.
    Connect { port: u8 },
    Send { fd: u8, len: Payload },
    Recv { fd: u8, max: u16, peek: bool },
    Shutdown { fd: u8, how: How },
    Close { fd: u8 },
    /// SO_LINGER 0, then close(): RST (§3.10.5 ABORT).
    Abort { fd: u8 },
    SetOpt { fd: u8, opt: SockOptSpec },
    /// listen() on a new socket bound to the listening port (or a new backlog on the listener).
    Listen { backlog: u8 },
    /// getsockopt(SO_ERROR), TCP_INFO, poll(), getpeername(): the read-only calls.
    Inspect { fd: u8 },
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    Read,
    Write,
    Both,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockOptSpec {
    NoDelay(bool),
    KeepAlive(bool),
    KeepIdle(u8),
    KeepIntvl(u8),
    KeepCnt(u8),
    UserTimeout(u16),
    RcvBuf(u16),
    SndBuf(u16),
    MaxSeg(u16),
    SynCount(u8),
}

/// The clock moves.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Up to 65 ms, in microseconds, firing timers on the way.
    Short(u16),
    /// Up to 65 s in milliseconds, firing timers on the way.
    Millis(u16),
    /// Up to 18 h in seconds, firing timers on the way (a bounded number of them; a wait
    /// that would fire more ends at the last deadline fired).
    Seconds(u16),
    /// Exactly to the next timer deadline.
    NextTimer,
}
