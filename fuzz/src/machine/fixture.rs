//! The fixtures: each is a list of ordinary events (the ladder of `stack/tests/ladder` in the
//! input format), run before the input's own events, and the state it must end in.

use super::input::{AckRef, Call, Delivery, Event, Fixture, How, Knobs, Offset, Opt, Options, Payload, SeqRef, Segment, TsRef, Window};
use synack_stack::wire::TcpFlags;
use synack_stack::State;

/// The events that walk a fresh stack to `fixture`, and the state the fixture's connection
/// (the one on slot 0) is then in; `Some(State::Listen)` means the listener is up, `None`
/// that there is nothing to check.
pub fn events(fixture: Fixture, knobs: Knobs) -> (Vec<Event>, Option<State>) {
    let syn = || seg(TcpFlags::SYN, AckRef::Raw(0), syn_options(knobs));
    let ack = |flags: TcpFlags| seg(flags | TcpFlags::ACK, AckRef::SndNxt(Offset::Zero), ts_options(knobs));
    let listen = || Event::Call(Call::Listen { backlog: 16 });
    let connect = || Event::Call(Call::Connect { port: 0 });
    // After a passive open the application holds the listener (0) and the accepted socket (1).
    let shut = || Event::Call(Call::Shutdown { fd: 1, how: How::Write });
    let passive = |more: Vec<Event>| {
        let mut events = vec![listen(), syn(), ack(TcpFlags::EMPTY), Event::Call(Call::Accept)];
        events.extend(more);
        events
    };
    match fixture {
        Fixture::Closed => (vec![], None),
        Fixture::Listen => (vec![listen()], Some(State::Listen)),
        Fixture::SynSent => (vec![connect()], Some(State::SynSent)),
        Fixture::SynReceived => (vec![listen(), syn()], Some(State::SynReceived)),
        Fixture::EstablishedPassive => (passive(vec![]), Some(State::Established)),
        Fixture::EstablishedActive => {
            let synack = seg(TcpFlags::SYN | TcpFlags::ACK, AckRef::SndNxt(Offset::Zero), syn_options(knobs));
            (vec![connect(), synack], Some(State::Established))
        }
        Fixture::FinWait1 => (passive(vec![shut()]), Some(State::FinWait1)),
        Fixture::FinWait2 => (passive(vec![shut(), ack(TcpFlags::EMPTY)]), Some(State::FinWait2)),
        Fixture::Closing => {
            // The peer's FIN crosses ours: it acknowledges only up to SND.UNA.
            let fin = seg(TcpFlags::FIN | TcpFlags::ACK, AckRef::SndUna(Offset::Zero), ts_options(knobs));
            (passive(vec![shut(), fin]), Some(State::Closing))
        }
        Fixture::TimeWait => (passive(vec![shut(), ack(TcpFlags::EMPTY), ack(TcpFlags::FIN)]), Some(State::TimeWait)),
        Fixture::CloseWait => (passive(vec![ack(TcpFlags::FIN)]), Some(State::CloseWait)),
        Fixture::LastAck => (passive(vec![ack(TcpFlags::FIN), shut()]), Some(State::LastAck)),
    }
}

/// A segment on the fixture's 4-tuple at RCV.NXT, full window, no text.
pub fn seg(flags: TcpFlags, ack: AckRef, options: Vec<Opt>) -> Event {
    Event::Segment(Segment {
        slot: 0,
        flags: flags.bits(),
        seq: SeqRef::RcvNxt(Offset::Zero),
        ack,
        window: Window::Full,
        urgent: 0,
        options: Options(options),
        payload: Payload::Empty,
        delivery: Delivery::Normal,
    })
}

/// What the fixture peer's SYN (or SYN-ACK) offers, by the knobs.
pub fn syn_options(knobs: Knobs) -> Vec<Opt> {
    let mut o = Vec::new();
    if !knobs.has(Knobs::PEER_NO_MSS) {
        o.push(Opt::Mss(1460));
    }
    if knobs.has(Knobs::PEER_SACK) {
        o.push(Opt::SackPermitted);
    }
    if knobs.has(Knobs::PEER_TS) {
        o.push(Opt::Timestamps { tsval: TsRef::Raw(7_000), tsecr: TsRef::Clock(Offset::Zero) });
    }
    if knobs.has(Knobs::PEER_WS) {
        o.extend([Opt::Nop, Opt::WindowScale(7)]);
    }
    o
}

/// Timestamps on a synchronized segment when the peer offered them: a TSval one tick newer
/// than TS.Recent, echoing the stack's clock.
pub fn ts_options(knobs: Knobs) -> Vec<Opt> {
    if knobs.has(Knobs::PEER_TS) {
        vec![Opt::Nop, Opt::Nop, Opt::Timestamps { tsval: TsRef::Recent(Offset::Small(1)), tsecr: TsRef::Clock(Offset::Zero) }]
    } else {
        Vec::new()
    }
}
