//! RFC 7413 TCP Fast Open, as the oracle applies it to a listener's SYN-ACK.
//!
//! The oracle cannot tell whether a SYN's cookie is valid, nor (unless the trace shows it)
//! whether the listener has Fast Open enabled, so a SYN with a Fast Open option keeps both
//! of §4.2.2's branches open — the text taken with the SYN (the FastOpened flag set, the
//! SYN-ACK acknowledging "the SYN and data sequence") or not ("only the SYN sequence") —
//! until the SYN-ACK's acknowledgment number rules one out. The rest of Fast Open lives
//! where the RFC puts it:
//!
//! - client, §4.2.2 "Client: Sending SYN": a SYN carrying text (SND.NXT past it) is RFC 9293's
//!   own (§3.10.7.3 takes it) — `emit::opened`; "Client: Receiving SYN-ACK": an ACK of none,
//!   part or all of the SYN's text (SEG.ACK in (ISS, SND.NXT]) is acceptable in SYN-SENT and
//!   the rest is retransmitted — `arrive::syn_sent`; a SYN-ACK with text is taken at the
//!   sixth step (§4.2.2 server step 5: "The server MAY include data in the SYN-ACK").
//! - server, §4.2.2 step 6 and Figure 1 of §3: a FastOpened connection in SYN-RECEIVED may
//!   send text and a FIN (the application was notified at step 4: accept() returns it at the
//!   SYN) — `emit::send_rules`, `calls`.
//! - the option itself, §4.1.1: `segment` (invalid lengths are ignored, as the RFC requires);
//!   §4.2.1 step 2 and §4.2.2 step 5 ("The packet MAY include a Fast Open option") answer a
//!   SYN that carried one — [`readings`] and `emit` (retransmissions) hold a SYN-ACK to that.

use super::context::Cx;
use super::profile::Deviation;
use super::segment::Seg;
use super::verdict::Rule;
use super::world::{Expect, Held, SynOpts};
use synack_stack::SeqNum;

/// One way a listener's SYN-ACK may have answered the SYN it held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reading {
    /// The FastOpened flag: the SYN's text taken with it (this many octets).
    pub fast_open: Option<u32>,
    /// The SYN's text queued for after the handshake (RFC 9293 §3.10.7.2 third: "any other
    /// control or text should be queued for processing later"), so it may arrive in sequence.
    pub queued: bool,
    /// A FIN on the SYN taken with its text (then `fast_open` counts it too).
    pub fin: bool,
    /// Deviations the reading relies on.
    pub used: u32,
}

/// Whether SYN-ACK `s` carries a Fast Open option the SYN (with options `peer`) did not ask
/// for: the option in a SYN-ACK answers a cookie request or a cookie (§4.2.1 step 2, §4.2.2
/// step 5).
pub(crate) fn unasked_option(s: &Seg, peer: &SynOpts) -> bool {
    s.opts.fast_open.is_some() && peer.fo.is_none()
}

/// What [`unasked_option`] breaks.
pub(crate) const UNASKED: &str = "a SYN-ACK with a Fast Open option only if the SYN carried one (RFC 7413 §4.2.1, §4.2.2)";

/// The readings of SYN-ACK `s` answering the held SYN `h`, or the rule broken and what was
/// expected instead.
pub(crate) fn readings(h: &Held, s: &Seg, cx: &Cx, out: &mut Vec<Reading>) -> Result<(), (Rule, Expect)> {
    if unasked_option(s, &h.opts) {
        return Err((Rule::Options, Expect::Only(UNASKED)));
    }
    let only_syn = h.irs + 1;
    let with_text = only_syn + h.len;
    // Step 1: "If FastOpenEnabled is false, go to step 5" — with the flag unset.
    let enabled = cx.profile.fast_open_server != Some(false);
    let option = h.opts.fo.is_some() && enabled;
    if s.ack == only_syn {
        // §4.2.2 step 5, the FastOpened flag not set: "it acknowledges only the SYN sequence".
        // A listener that shows it does Fast Open (its SYN-ACK carries the option, §4.2.1
        // step 2) dropped the text — the client retransmits it (§4.2.2 "Client: Receiving
        // SYN-ACK" step 2); a listener that may not know the option (RFC 9293 ignores
        // unknown options) queues it (§3.10.7.2).
        let tfo_listener = option && s.opts.fast_open.is_some();
        out.push(Reading { fast_open: None, queued: h.len > 0 && !tfo_listener, fin: false, used: 0 });
        if option && h.len == 0 {
            // Step 4 with no text: a valid cookie (or §7.3's trivial or zero-length one)
            // sets the FastOpened flag all the same, and SEG.ACK is IRS+1 either way.
            out.push(Reading { fast_open: Some(0), queued: false, fin: false, used: 0 });
        }
        return Ok(());
    }
    // §4.2.2 steps 4–5: a valid cookie — "the packet acknowledges the SYN and data
    // sequence" (and a FIN on the SYN, processed with its text: RFC 9293 §3.10.7.4 eighth).
    // An empty cookie is §7.3's zero-length one (cookie-less Fast Open).
    let fin = h.fin && s.ack == with_text + 1;
    if (h.len > 0 && s.ack == with_text) || fin {
        let taken = h.len + u32::from(fin);
        if option {
            out.push(Reading { fast_open: Some(taken), queued: false, fin, used: 0 });
            return Ok(());
        }
        if enabled && cx.permits(Deviation::FastOpenWithoutOption) {
            out.push(Reading { fast_open: Some(taken), queued: false, fin, used: Deviation::FastOpenWithoutOption.bit() });
            return Ok(());
        }
    }
    let may_take = option || (enabled && cx.permits(Deviation::FastOpenWithoutOption));
    Err((Rule::Unexpected, expected(h, only_syn, with_text, may_take)))
}

fn expected(h: &Held, only_syn: SeqNum, with_text: SeqNum, text_may_be_taken: bool) -> Expect {
    if h.len > 0 && text_may_be_taken {
        Expect::SynAckAckFastOpen { syn: only_syn, text: with_text }
    } else {
        Expect::SynAckAck { ack: only_syn }
    }
}
