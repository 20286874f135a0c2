//! Deliberate bugs, for mutation testing of the RFC 9293 oracle (harness `oracle`): each
//! switch breaks one rule the way real stacks have broken it, so a test can check that the
//! oracle notices, and names the right §3.10 step. All off by default; nothing but tests
//! turns them on (by name: `Config::set_sysctl("synack.mutation", "no_challenge_ack")`).

/// The switches.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct Mutations {
    /// RFC 5961 challenge ACKs are never sent (RST, SYN or bad ACK in the window).
    pub no_challenge_ack: bool,
    /// Any RST in the window resets, not only one at RCV.NXT (RFC 5961 §3.2 ignored).
    pub rst_anywhere_in_window: bool,
    /// The sequence check is skipped for text: a segment outside the window is taken as if
    /// it were at RCV.NXT.
    pub data_outside_window: bool,
    /// TIME-WAIT lasts no time at all (MUST-13 ignored).
    pub skip_time_wait: bool,
    /// The peer's FIN moves the state on but RCV.NXT not over it: the FIN is never ACKed.
    pub fin_not_acked: bool,
    /// The RST answering a segment for no connection has SEQ = SEG.ACK + 1.
    pub wrong_rst_seq: bool,
    /// SYN-ACK retransmissions keep the initial RTO (no exponential backoff, MUST-19).
    pub synack_no_backoff: bool,
    /// Data retransmissions keep the RTO (no exponential backoff, MUST-19).
    pub rto_no_backoff: bool,
    /// SYN-SENT takes any ACK as acknowledging its SYN (§3.10.7.3 first skipped).
    pub syn_sent_accepts_bad_ack: bool,
    /// A listener drops an ACK instead of resetting it (§3.10.7.2 second).
    pub listener_ignores_ack: bool,
    /// A SYN in a synchronized state resets the connection (RFC 793) although RFC 5961 is on.
    pub syn_resets_connection: bool,
    /// New data is sent within the congestion window only, ignoring the peer's window.
    pub ignores_peer_window: bool,
    /// No RST for a segment that reaches no connection (§3.10.7.1).
    pub closed_port_silent: bool,
}

impl Mutations {
    /// Every switch's name.
    pub const NAMES: [&'static str; 13] = [
        "no_challenge_ack",
        "rst_anywhere_in_window",
        "data_outside_window",
        "skip_time_wait",
        "fin_not_acked",
        "wrong_rst_seq",
        "synack_no_backoff",
        "rto_no_backoff",
        "syn_sent_accepts_bad_ack",
        "listener_ignores_ack",
        "syn_resets_connection",
        "ignores_peer_window",
        "closed_port_silent",
    ];

    /// Turns on the switch called `name`; false if there is none.
    pub fn set(&mut self, name: &str) -> bool {
        let slot = match name {
            "no_challenge_ack" => &mut self.no_challenge_ack,
            "rst_anywhere_in_window" => &mut self.rst_anywhere_in_window,
            "data_outside_window" => &mut self.data_outside_window,
            "skip_time_wait" => &mut self.skip_time_wait,
            "fin_not_acked" => &mut self.fin_not_acked,
            "wrong_rst_seq" => &mut self.wrong_rst_seq,
            "synack_no_backoff" => &mut self.synack_no_backoff,
            "rto_no_backoff" => &mut self.rto_no_backoff,
            "syn_sent_accepts_bad_ack" => &mut self.syn_sent_accepts_bad_ack,
            "listener_ignores_ack" => &mut self.listener_ignores_ack,
            "syn_resets_connection" => &mut self.syn_resets_connection,
            "ignores_peer_window" => &mut self.ignores_peer_window,
            "closed_port_silent" => &mut self.closed_port_silent,
            _ => return false,
        };
        *slot = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Mutations;

    #[test]
    fn every_name_sets_one_distinct_switch() {
        let mut seen = Vec::new();
        for name in Mutations::NAMES {
            let mut m = Mutations::default();
            assert!(m.set(name), "{name}");
            assert_ne!(m, Mutations::default());
            assert!(!seen.contains(&m), "{name} sets the same switch as another");
            seen.push(m);
        }
        assert!(!Mutations::default().set("no_such_bug"));
    }
}
