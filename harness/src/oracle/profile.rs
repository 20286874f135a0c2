//! What the oracle holds a stack to: RFC 9293 with or without RFC 5961 and RFC 1337, the
//! bounds the RFCs leave to configuration (2·MSL, the challenge-ACK throttle), how long a
//! reply may take to be seen, and the deviations a profile permits. A permitted deviation
//! is a behaviour the RFCs do not allow that a stack is known to choose deliberately
//! (Linux's, listed in [`OracleProfile::linux`]): the oracle reports it once per trace as
//! "permitted by profile" instead of as a violation.

use crate::environment::{self, Action};
use crate::trace::{Trace, TraceKind};
use std::time::Duration;
use synack_stack::decision::{Check, TimerKind};
use synack_stack::Step;

/// A behaviour outside the RFCs that a profile may permit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Deviation {
    /// The first SYN retransmissions keep the initial RTO instead of doubling it (Linux
    /// `tcp_syn_linear_timeouts`, default 4). RFC 6298 (5.5), MUST-19.
    SynLinearTimeouts,
    /// TIME-WAIT leaves a RST that is in the window but not at RCV.NXT without the RFC 5961
    /// §3.2 challenge ACK — and, with RFC 5961 off, without the reset of RFC 9293 §3.10.7.4
    /// second (Linux `tcp_timewait_state_process` checks for RCV.NXT exactly either way).
    TimeWaitSilentOnRst,
    /// After the peer's FIN, a RST at RCV.NXT-1 (the FIN's own number) resets the
    /// connection as if it were at RCV.NXT (Linux `tcp_reset_check`). RFC 5961 §3.2.
    RstAtFinSequence,
    /// FIN-WAIT-2 resets on any RST in the window, without a challenge ACK (Linux: an
    /// orphaned FIN-WAIT-2 is a timewait socket). RFC 5961 §3.2.
    FinWait2AcceptsAnyRst,
    /// An orphaned FIN-WAIT-2 is dropped silently after a timeout (Linux `tcp_fin_timeout`);
    /// RFC 9293 has no such timer.
    FinWait2Timeout,
    /// TIME-WAIT lasts less than 2·MSL with the RFC's MSL of 2 minutes (Linux: 60 s).
    /// MUST-13.
    ShortTimeWait,
    /// In a simultaneous open, the peer's SYN-ACK (a duplicate of the SYN already received)
    /// completes the handshake instead of drawing an ACK (Linux `tcp_validate_incoming`).
    SimultaneousOpenSynAckCompletes,
    /// The SYN-ACK of a simultaneous open repeats our SYN's options, including window scale
    /// and timestamps the peer's SYN did not offer (Linux). RFC 7323 §2.2, §3.2.
    SimultaneousOpenRepeatsOptions,
    /// RFC 5961 §5.2's ACK range is narrowed to what has been acknowledged so far
    /// (SND.UNA - min(MAX.SND.WND, bytes acked)), so an older ACK draws a challenge ACK and
    /// its segment is dropped (Linux `tcp_ack`).
    AckRangeBytesAcked,
    /// A segment starting exactly at the right edge of the window passes the sequence check
    /// (Linux `tcp_sequence` compares with `<=`). RFC 9293 Table 6.
    WindowRightEdgeInclusive,
    /// A segment that starts inside the window is accepted whole, the part beyond the right
    /// edge included (RFC 9293 §3.10.7.4 trims it).
    AcceptsTailBeyondWindow,
    /// A SYN in SYN-RECEIVED (from a passive OPEN) is answered with the RST a segment for no
    /// connection gets (§3.10.7.1) as the connection returns to LISTEN (Linux
    /// `tcp_check_req` → `embryonic_reset`). RFC 9293 §3.10.7.4 fourth returns it silently.
    SynReceivedSynResets,
    /// A RST whose ACK field is unacceptable leaves a SYN-RECEIVED connection (from a
    /// passive OPEN) as it was, whatever its sequence number (Linux `tcp_check_req` checks
    /// the ACK first and hands the segment to the listener, which drops a RST). RFC 9293
    /// §3.10.7.4 second (and §3.5.3: a RST is validated by its SEQ field) returns it to LISTEN.
    SynReceivedIgnoresRstWithBadAck,
    /// TIME-WAIT takes a segment at RCV.NXT without text, SYN or FIN silently (restarting
    /// its timer) whatever its ACK field (Linux `tcp_timewait_state_process`: "in window
    /// segment, it may be only reset or bare ack"). RFC 5961 §5.2: an ACK outside
    /// [SND.UNA-MAX.SND.WND, SND.NXT] draws a challenge ACK.
    TimeWaitSilentOnBareSegment,
    /// New text after the user's close() draws the RST a segment for no connection gets
    /// (<SEQ=SEG.ACK>, Linux `tcp_rcv_state_process` → `tcp_v4_send_reset`) rather than an
    /// ABORT's <SEQ=SND.NXT> (§3.10.5; §3.6 SHLD-3 "send a RST to show that data was lost").
    DataAfterCloseRstAtSegAck,
    /// A listener takes the text of a SYN that carries no Fast Open option at all and
    /// acknowledges it in the SYN-ACK (Linux's cookie-less Fast Open: the `tcp_fastopen`
    /// sysctl's 0x200 bit, `TCP_FASTOPEN_NO_COOKIE`). RFC 7413 §4.2.2 takes a SYN's text only
    /// "upon receiving the SYN packet with Fast Open option" (§7.3's cookie-less variant
    /// still sends the option, with a trivial or zero-length cookie); RFC 9293 §3.10.7.2
    /// queues it and acknowledges IRS+1 only.
    FastOpenWithoutOption,
    /// In SYN-SENT, a SYN-ACK whose TSecr echoes no TSval the stack sent since its SYN is
    /// answered with <SEQ=SEG.ACK><CTL=RST> and dropped, the connection staying in SYN-SENT
    /// (Linux `tcp_rcv_synsent_state_process` → `reset_and_undo`). RFC 9293 §3.10.7.3 takes
    /// a SYN-ACK with an acceptable ACK; RFC 7323 §3.2, §4 use TSecr for RTTM and PAWS only.
    SynSentRejectsForeignTsecr,
    /// TIME-WAIT answers a SYN in the window with an ACK (within the out-of-window rate
    /// limit) and stays, restarting its timer if the SYN carries ACK (Linux
    /// `tcp_timewait_state_process` → `TCP_TW_ACK`; Linux has no RFC 793 mode). RFC 9293
    /// §3.10.7.4 fourth without RFC 5961 (RFC 793): a SYN in the window resets the
    /// connection.
    TimeWaitAcksSyn,
    /// TS.Recent is copied only from a segment whose ACK is taken (Linux
    /// `tcp_replace_ts_recent`, called from `tcp_ack` with `FLAG_UPDATE_TS_RECENT` and from
    /// the fast path after its ACK): a segment without ACK, dropped by §3.10.7.4 fifth, copies
    /// nothing. RFC 7323 §4.3 (2) and §5.3 R3 copy SEG.TSval at the first check, before the
    /// ACK field is looked at. No finding names it: it only keeps the oracle's lower bound of
    /// TS.Recent where a segment without ACK left it.
    TsRecentNeedsAck,
    /// A peer MSS below 48 is raised to 48 (Linux `tcp_min_snd_mss`, in `__tcp_mtu_to_mss`
    /// since the fix for CVE-2019-11479): segments carry up to 48 octets of text and options.
    /// RFC 9293 §3.7.1 MUST-16: text and options fit in the peer's MSS.
    MinSndMss,
}

impl Deviation {
    /// Every deviation.
    pub const ALL: [Deviation; 20] = [
        Deviation::SynLinearTimeouts,
        Deviation::TimeWaitSilentOnRst,
        Deviation::RstAtFinSequence,
        Deviation::FinWait2AcceptsAnyRst,
        Deviation::FinWait2Timeout,
        Deviation::ShortTimeWait,
        Deviation::SimultaneousOpenSynAckCompletes,
        Deviation::SimultaneousOpenRepeatsOptions,
        Deviation::AckRangeBytesAcked,
        Deviation::WindowRightEdgeInclusive,
        Deviation::AcceptsTailBeyondWindow,
        Deviation::SynReceivedSynResets,
        Deviation::SynReceivedIgnoresRstWithBadAck,
        Deviation::TimeWaitSilentOnBareSegment,
        Deviation::DataAfterCloseRstAtSegAck,
        Deviation::FastOpenWithoutOption,
        Deviation::SynSentRejectsForeignTsecr,
        Deviation::TimeWaitAcksSyn,
        Deviation::TsRecentNeedsAck,
        Deviation::MinSndMss,
    ];

    /// A short, stable name (JSON, `--permit`).
    pub fn name(self) -> &'static str {
        match self {
            Deviation::SynLinearTimeouts => "syn-linear-timeouts",
            Deviation::TimeWaitSilentOnRst => "time-wait-silent-on-rst",
            Deviation::RstAtFinSequence => "rst-at-fin-sequence",
            Deviation::FinWait2AcceptsAnyRst => "fin-wait-2-accepts-any-rst",
            Deviation::FinWait2Timeout => "fin-wait-2-timeout",
            Deviation::ShortTimeWait => "short-time-wait",
            Deviation::SimultaneousOpenSynAckCompletes => "simultaneous-open-syn-ack-completes",
            Deviation::SimultaneousOpenRepeatsOptions => "simultaneous-open-repeats-options",
            Deviation::AckRangeBytesAcked => "ack-range-bytes-acked",
            Deviation::WindowRightEdgeInclusive => "window-right-edge-inclusive",
            Deviation::AcceptsTailBeyondWindow => "accepts-tail-beyond-window",
            Deviation::SynReceivedSynResets => "syn-received-syn-resets",
            Deviation::SynReceivedIgnoresRstWithBadAck => "syn-received-ignores-rst-with-bad-ack",
            Deviation::TimeWaitSilentOnBareSegment => "time-wait-silent-on-bare-segment",
            Deviation::DataAfterCloseRstAtSegAck => "data-after-close-rst-at-seg-ack",
            Deviation::FastOpenWithoutOption => "fast-open-without-option",
            Deviation::SynSentRejectsForeignTsecr => "syn-sent-rejects-foreign-tsecr",
            Deviation::TimeWaitAcksSyn => "time-wait-acks-syn",
            Deviation::TsRecentNeedsAck => "ts-recent-needs-ack",
            Deviation::MinSndMss => "min-snd-mss",
        }
    }

    /// The deviation called `name`.
    pub fn from_name(name: &str) -> Option<Deviation> {
        Deviation::ALL.into_iter().find(|d| d.name() == name)
    }

    /// What the RFC says instead, for reports.
    pub fn rule(self) -> &'static str {
        match self {
            Deviation::SynLinearTimeouts => "RFC 6298 (5.5): the RTO doubles on every SYN retransmission",
            Deviation::TimeWaitSilentOnRst => "RFC 5961 §3.2: a RST in the window but not at RCV.NXT draws a challenge ACK",
            Deviation::RstAtFinSequence => "RFC 5961 §3.2: only a RST at exactly RCV.NXT resets",
            Deviation::FinWait2AcceptsAnyRst => "RFC 5961 §3.2: only a RST at exactly RCV.NXT resets",
            Deviation::FinWait2Timeout => "RFC 9293 §3.10.7.4: FIN-WAIT-2 waits for the peer's FIN",
            Deviation::ShortTimeWait => "RFC 9293 §3.6.1 MUST-13: TIME-WAIT lasts 2·MSL (MSL = 2 minutes)",
            Deviation::SimultaneousOpenSynAckCompletes => "RFC 9293 §3.10.7.4: a duplicate SYN-ACK below RCV.NXT is answered with an ACK",
            Deviation::SimultaneousOpenRepeatsOptions => "RFC 7323 §2.2, §3.2: a SYN-ACK carries WS and TS only if the SYN did",
            Deviation::AckRangeBytesAcked => "RFC 5961 §5.2: ACKs in [SND.UNA-MAX.SND.WND, SND.NXT] are acceptable",
            Deviation::WindowRightEdgeInclusive => "RFC 9293 Table 6: SEG.SEQ < RCV.NXT+RCV.WND",
            Deviation::AcceptsTailBeyondWindow => "RFC 9293 §3.10.7.4: text beyond the window is trimmed",
            Deviation::SynReceivedSynResets => "RFC 9293 §3.10.7.4: a SYN in SYN-RECEIVED (passive) returns it to LISTEN, no RST",
            Deviation::SynReceivedIgnoresRstWithBadAck => "RFC 9293 §3.10.7.4: a RST in the window returns SYN-RECEIVED (passive) to LISTEN, whatever its ACK field",
            Deviation::TimeWaitSilentOnBareSegment => "RFC 5961 §5.2: an ACK outside [SND.UNA-MAX.SND.WND, SND.NXT] draws a challenge ACK",
            Deviation::DataAfterCloseRstAtSegAck => "RFC 9293 §3.10.5, SHLD-3: the RST showing data was lost is an ABORT's <SEQ=SND.NXT>",
            Deviation::FastOpenWithoutOption => "RFC 7413 §4.2.2, RFC 9293 §3.10.7.2: a SYN's text is acknowledged in the SYN-ACK only when the SYN carried a Fast Open option",
            Deviation::SynSentRejectsForeignTsecr => "RFC 9293 §3.10.7.3: in SYN-SENT, a SYN-ACK with an acceptable ACK establishes the connection (RFC 7323: TSecr serves RTTM and PAWS)",
            Deviation::TimeWaitAcksSyn => "RFC 9293 §3.10.7.4 fourth (RFC 793, without RFC 5961): a SYN in the window resets the connection",
            Deviation::TsRecentNeedsAck => "RFC 7323 §4.3 (2), §5.3 R3: SEG.TSval is copied to TS.Recent at the first check, whatever the ACK field",
            Deviation::MinSndMss => "RFC 9293 §3.7.1 MUST-16: text and TCP options fit in the peer's MSS",
        }
    }

    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The §3.10 step (and requirement) a deviation departs from.
    pub(crate) fn step(self) -> (Step, Option<&'static str>) {
        match self {
            Deviation::SynLinearTimeouts => (Step::Timeout(TimerKind::Retransmission), Some("MUST-19")),
            Deviation::TimeWaitSilentOnRst | Deviation::RstAtFinSequence | Deviation::FinWait2AcceptsAnyRst => {
                (Step::Other(Check::Rst), Some("MAY-12"))
            }
            Deviation::FinWait2Timeout => (Step::Timeout(TimerKind::FinWait2), None),
            Deviation::ShortTimeWait => (Step::Timeout(TimerKind::TimeWait), Some("MUST-13")),
            Deviation::SimultaneousOpenSynAckCompletes | Deviation::WindowRightEdgeInclusive => (Step::Other(Check::Sequence), None),
            Deviation::SimultaneousOpenRepeatsOptions => (Step::SynSent(4), None),
            Deviation::AckRangeBytesAcked => (Step::Other(Check::Ack), Some("MAY-12")),
            Deviation::AcceptsTailBeyondWindow => (Step::Other(Check::Text), None),
            Deviation::SynReceivedSynResets => (Step::Other(Check::Syn), None),
            Deviation::SynReceivedIgnoresRstWithBadAck => (Step::Other(Check::Rst), None),
            Deviation::TimeWaitSilentOnBareSegment => (Step::Other(Check::Ack), Some("MAY-12")),
            Deviation::DataAfterCloseRstAtSegAck => (Step::Other(Check::Text), Some("SHLD-3")),
            Deviation::FastOpenWithoutOption => (Step::Listen(3), None),
            Deviation::SynSentRejectsForeignTsecr => (Step::SynSent(4), None),
            Deviation::TimeWaitAcksSyn => (Step::Other(Check::Syn), None),
            Deviation::TsRecentNeedsAck => (Step::Other(Check::Sequence), None),
            Deviation::MinSndMss => (Step::Send, Some("MUST-16")),
        }
    }
}

/// The oracle's settings for one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleProfile {
    /// `rfc9293`, `linux`, …
    pub name: String,
    /// RFC 5961 (MAY-12): challenge ACKs for RST (§3), SYN (§4) and ACKs outside
    /// [SND.UNA-MAX.SND.WND, SND.NXT] (§5). Off: RFC 793's reset on an in-window SYN or RST.
    pub rfc5961: bool,
    /// RFC 1337: TIME-WAIT ignores RST.
    pub rfc1337: bool,
    /// 2·MSL (MUST-13): the least time TIME-WAIT lasts.
    pub time_wait: Duration,
    /// With [`Deviation::ShortTimeWait`]: the shorter TIME-WAIT.
    pub short_time_wait: Duration,
    /// With [`Deviation::FinWait2Timeout`]: how long FIN-WAIT-2 may wait at least.
    pub fin_wait_2_timeout: Duration,
    /// With [`Deviation::SynLinearTimeouts`]: how many SYN retransmissions may keep the RTO.
    pub syn_linear_retries: u32,
    /// With [`Deviation::MinSndMss`]: the floor a small peer MSS is raised to (Linux
    /// `tcp_min_snd_mss`), text and options together.
    pub min_snd_mss: u32,
    /// How soon a reply the RFC calls for (a RST, a challenge ACK) must be seen.
    pub reply_within: Duration,
    /// How long after a segment is seen the stack may still not have processed it (and send
    /// an ACK that does not cover it): 0 on the reference stack's virtual clock; a real
    /// kernel's softirq, or a capture taken at the sender, need some.
    pub processing_skew: Duration,
    /// MUST-40: the longest an ACK may be delayed.
    pub ack_delay: Duration,
    /// RFC 5961 §7 throttling, per connection: at most one challenge ACK (or ACK for an
    /// unacceptable segment) per this interval (Linux `tcp_invalid_ratelimit`).
    pub challenge_interval: Option<Duration>,
    /// RFC 5961 §7 throttling, all connections: at most this many challenge ACKs per window
    /// (the RFC suggests 10 per 5 s; Linux `tcp_challenge_ack_limit` per second).
    pub challenge_budget: Option<(u32, Duration)>,
    /// The deviations this profile permits.
    pub permitted: Vec<Deviation>,
    /// Verify TCP checksums (MUST-2). Off for captures, where checksum offload leaves
    /// outbound checksums unfilled.
    pub check_checksums: bool,
    /// Hold segment sizes to the peer's MSS (MUST-16). Off for captures, where
    /// segmentation offload shows packets larger than any segment on the wire.
    pub check_segment_size: bool,
    /// The trace starts before any connection (a run): an unknown connection's first
    /// segment is its first. Off for captures, which may start mid-connection.
    pub complete: bool,
    /// The user's calls are in the trace (a run): a RST with no call, timer or segment to
    /// explain it is not an ABORT. Off for captures.
    pub user_calls_visible: bool,
    /// RFC 7413 §4.2.2's FastOpenEnabled for listeners: `None` unknown (a listener may or may
    /// not take a SYN's text), `Some(false)` when the trace shows it off (every Linux
    /// `tcp_fastopen` setting in it lacks the server bit 0x2), `Some(true)` when on.
    pub fast_open_server: Option<bool>,
    /// The keep-alive interval when the application sets none (RFC 9293 §3.8.4 MUST-28: no
    /// less than two hours; Linux `tcp_keepalive_time`).
    pub keepalive_idle: Duration,
}

impl OracleProfile {
    /// RFC 9293 with RFC 5961, no deviations.
    pub fn rfc9293() -> OracleProfile {
        OracleProfile {
            name: "rfc9293".into(),
            rfc5961: true,
            rfc1337: false,
            time_wait: Duration::from_secs(240),
            // The deviations' own parameters (Linux's values), used only where permitted.
            short_time_wait: Duration::from_secs(60),
            fin_wait_2_timeout: Duration::from_secs(60),
            syn_linear_retries: 4,
            min_snd_mss: 48,
            reply_within: Duration::from_millis(2),
            processing_skew: Duration::ZERO,
            ack_delay: Duration::from_millis(500),
            challenge_interval: None,
            challenge_budget: Some((10, Duration::from_secs(5))),
            permitted: Vec::new(),
            check_checksums: true,
            check_segment_size: true,
            complete: true,
            user_calls_visible: true,
            fast_open_server: None,
            keepalive_idle: Duration::from_secs(7200),
        }
    }

    /// Linux's deliberate choices permitted (each reported once per trace when seen).
    pub fn linux() -> OracleProfile {
        OracleProfile {
            name: "linux".into(),
            challenge_interval: Some(Duration::from_millis(500)),
            challenge_budget: Some((1000, Duration::from_secs(1))),
            permitted: Deviation::ALL.to_vec(),
            ..OracleProfile::rfc9293()
        }
    }

    /// `rfc9293` or `linux`.
    pub fn by_name(name: &str) -> Option<OracleProfile> {
        match name {
            "rfc9293" => Some(OracleProfile::rfc9293()),
            "linux" => Some(OracleProfile::linux()),
            _ => None,
        }
    }

    /// The profile for a run: by the stack's name (`reference/linux`, `linux/6.18`, …), with
    /// the sysctls the script set applied. A real kernel's replies come through a TUN device
    /// and are timed by the wall clock, so they get more time than the virtual clock's.
    pub fn for_trace(trace: &Trace) -> OracleProfile {
        let reference = trace.stack.starts_with("reference/");
        let mut p = if trace.stack.ends_with("/rfc9293") { OracleProfile::rfc9293() } else { OracleProfile::linux() };
        if !reference {
            p.reply_within = Duration::from_millis(10);
            p.processing_skew = Duration::from_millis(10);
        }
        for e in &trace.events {
            if let TraceKind::Command { text, .. } = &e.kind {
                for action in environment::interpret(text) {
                    if let Action::Sysctl { key, value } = action {
                        p.apply_sysctl(&key, &value);
                    }
                }
            }
        }
        p
    }

    /// Follows a Linux sysctl that changes what the oracle must allow.
    pub fn apply_sysctl(&mut self, key: &str, value: &str) {
        let key = key.trim().trim_start_matches("/proc/sys/").replace('/', ".");
        let key = key.strip_prefix("net.ipv4.").unwrap_or(&key);
        let num = value.split_whitespace().next().and_then(|v| v.parse::<u64>().ok());
        match (key, num) {
            ("tcp_rfc1337", Some(v)) => self.rfc1337 = v != 0,
            ("tcp_invalid_ratelimit", Some(ms)) => {
                self.challenge_interval = (ms > 0).then(|| Duration::from_millis(ms));
            }
            ("tcp_challenge_ack_limit", Some(n)) => {
                self.challenge_budget = Some((u32::try_from(n).unwrap_or(u32::MAX), Duration::from_secs(1)));
            }
            ("tcp_fin_timeout", Some(s)) => self.fin_wait_2_timeout = Duration::from_secs(s),
            ("tcp_keepalive_time", Some(s)) => self.keepalive_idle = Duration::from_secs(s),
            ("tcp_min_snd_mss", Some(n)) => self.min_snd_mss = u32::try_from(n).unwrap_or(u32::MAX),
            ("tcp_syn_linear_timeouts", Some(n)) => self.syn_linear_retries = u32::try_from(n).unwrap_or(u32::MAX),
            ("tcp_fastopen", _) => {
                // Decimal or hex (`0x30403`); any setting with the server bit enables it.
                let v = value.split_whitespace().next().unwrap_or_default();
                let bits = v.strip_prefix("0x").map_or_else(|| v.parse::<u64>().ok(), |h| u64::from_str_radix(h, 16).ok());
                if let Some(bits) = bits {
                    self.fast_open_server = Some(self.fast_open_server.unwrap_or(false) || bits & 0x2 != 0);
                }
            }
            _ => {}
        }
    }

    /// Whether `d` is permitted.
    pub fn permits(&self, d: Deviation) -> bool {
        self.permitted.contains(&d)
    }

    pub(crate) fn permitted_bits(&self) -> u32 {
        self.permitted.iter().fold(0, |m, d| m | d.bit())
    }

    /// The settings for a capture read offline: no checksum or size checks (offload), the
    /// capture may start mid-connection, and the user's calls are not seen.
    pub fn for_capture(mut self) -> OracleProfile {
        self.check_checksums = false;
        self.check_segment_size = false;
        self.complete = false;
        self.user_calls_visible = false;
        self.reply_within = self.reply_within.max(Duration::from_millis(50));
        self.processing_skew = self.processing_skew.max(Duration::from_millis(10));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bits_are_distinct() {
        let mut seen = 0u32;
        for d in Deviation::ALL {
            assert_eq!(Deviation::from_name(d.name()), Some(d));
            assert_eq!(seen & d.bit(), 0);
            seen |= d.bit();
        }
        assert_eq!(OracleProfile::linux().permitted_bits(), seen);
        assert_eq!(OracleProfile::rfc9293().permitted_bits(), 0);
    }

    #[test]
    fn sysctls_adjust_the_profile() {
        let mut p = OracleProfile::linux();
        p.apply_sysctl("net.ipv4.tcp_rfc1337", "1");
        p.apply_sysctl("/proc/sys/net/ipv4/tcp_invalid_ratelimit", "0");
        p.apply_sysctl("net.ipv4.tcp_fin_timeout", "5");
        assert!(p.rfc1337);
        assert_eq!(p.challenge_interval, None);
        assert_eq!(p.fin_wait_2_timeout, Duration::from_secs(5));
    }
}
