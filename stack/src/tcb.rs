//! The Transmission Control Block's variables, by their RFC 9293 §3.3.1 names, plus what the
//! extensions (RFC 7323, RFC 2018, RFC 5961) add. A reader can hold this next to Figure 4/5.

use crate::seq::{Mss, SeqNum, WindowScale};

/// Send and receive sequence variables (RFC 9293 §3.3.1).
///
/// ```text
///      1         2          3          4
/// ----------|----------|----------|----------
///        SND.UNA    SND.NXT    SND.UNA
///                             +SND.WND
/// ```
#[derive(Clone, Debug, Default)]
pub struct Tcb {
    /// SND.UNA: oldest unacknowledged sequence number.
    pub snd_una: SeqNum,
    /// SND.NXT: next sequence number to be sent (for the first time).
    pub snd_nxt: SeqNum,
    /// SND.WND: the peer's window, scaled to octets.
    pub snd_wnd: u32,
    /// SND.UP: send urgent pointer.
    pub snd_up: SeqNum,
    /// SND.WL1 / SND.WL2: segment seq / ack used for the last window update.
    pub snd_wl1: SeqNum,
    pub snd_wl2: SeqNum,
    /// ISS: initial send sequence number.
    pub iss: SeqNum,
    /// MAX.SND.WND: the largest window the peer has offered (RFC 5961 §5.2).
    pub max_snd_wnd: u32,

    /// RCV.NXT: next sequence number expected.
    pub rcv_nxt: SeqNum,
    /// RCV.WND as last advertised: the right edge RCV.NXT + RCV.WND is kept in `rcv_adv`
    /// because it must never move left (RFC 9293 §3.8.6, SHLD-14 "shrinking the window").
    pub rcv_adv: SeqNum,
    /// RCV.UP: receive urgent pointer.
    pub rcv_up: SeqNum,
    /// IRS: initial receive sequence number.
    pub irs: SeqNum,
}

impl Tcb {
    /// RCV.WND: what is left of the window we advertised.
    pub fn rcv_wnd(&self) -> u32 {
        if self.rcv_adv.after(self.rcv_nxt) {
            self.rcv_adv.since(self.rcv_nxt) as u32
        } else {
            0
        }
    }

    /// Octets sent and not yet acknowledged (SYN and FIN count as one each).
    pub fn flight_size(&self) -> u32 {
        self.snd_nxt.since(self.snd_una).max(0) as u32
    }
}

/// What the handshake settled (RFC 9293 §3.7.1 MSS, RFC 7323 WS/TS, RFC 2018 SACK).
#[derive(Clone, Debug)]
pub struct Negotiated {
    /// The peer's MSS option, or the RFC default when it sent none (MUST-15).
    pub peer_mss: Mss,
    /// The MSS we advertised in our SYN / SYN-ACK.
    pub our_mss: Mss,
    /// The shift applied to windows the peer sends us (0 unless both sides sent WS).
    pub snd_scale: WindowScale,
    /// The shift applied to windows we send (0 unless both sides sent WS).
    pub rcv_scale: WindowScale,
    /// The shift we offered in our SYN (used only if the peer offers one too).
    pub offered_rcv_scale: Option<u8>,
    /// Window scaling is in use (both SYNs carried WS, RFC 7323 §2.2).
    pub window_scaling: bool,
    /// Timestamps are in use on this connection (RFC 7323 §3.2: both SYNs carried TSopt).
    pub timestamps: bool,
    /// SACK-permitted was exchanged (RFC 2018 §2).
    pub sack: bool,
}

/// RFC 7323 §4.3 / §5.3 state for timestamps and PAWS.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimestampState {
    /// TS.Recent: the TSval to echo.
    pub ts_recent: u32,
    /// When TS.Recent was last updated, in our TS clock (for the 24-day invalidation, §5.5).
    pub ts_recent_stamp_ms: u64,
    /// Last.ACK.sent: the ACK field of the last segment we sent.
    pub last_ack_sent: SeqNum,
    /// Added to our millisecond clock to form TSval (RFC 7323 §7.1: per-connection offset).
    pub offset: u32,
}
