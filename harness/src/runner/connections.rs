//! The script's view of its connections: which remote port each one uses and what the runner
//! has learned about it (the stack's ISN, its timestamp clock), so that script numbers can be
//! translated to live numbers and back.
//!
//! As in packetdrill, the script *is* the remote end: its ISN is the one written on its SYN
//! (or SYN-ACK), used as is on the wire, and its later sequence numbers — inbound seq,
//! outbound ack and SACK blocks — are relative to it. The stack's ISN is learned from its SYN
//! or SYN-ACK, and everything in the stack's sequence space (inbound ack and SACK values,
//! outbound seq) is relative to that.

/// The remote port of connections the script opens towards the stack (inbound SYNs).
pub const DEFAULT_REMOTE_PORT: u16 = 40000;
/// The port `bind(fd, ..., ...)` binds and `connect(fd, ..., ...)` connects to.
pub const DEFAULT_SERVER_PORT: u16 = 8080;

/// One connection as the script sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptConn {
    /// The script's (remote) port.
    pub remote_port: u16,
    /// The stack's port, once known.
    pub local_port: Option<u16>,
    /// The stack's ISN, learned from its SYN or SYN-ACK.
    pub local_isn: Option<u32>,
    /// What the script calls the stack's ISN: the sequence number on its SYN line (usually 0).
    pub script_local_isn: u32,
    /// The script's ISN, from its SYN.
    pub remote_isn: Option<u32>,
    /// A new ISN the script sent on these ports while a connection was alive; it becomes
    /// the script's ISN if the stack answers it as a new incarnation (with a SYN-ACK).
    pending_remote_isn: Option<u32>,
    /// live TSval − script TSval for the stack's timestamps, learned from the first
    /// outbound packet whose expected options carry a TS value.
    pub ts_offset: Option<u32>,
    /// The script sent a SYN with a new ISN on these ports: the stack may answer it as a new
    /// incarnation (a SYN-ACK with a new ISN, e.g. after TIME-WAIT) or within the old one
    /// (a challenge ACK, RFC 5961 §4). The next outbound SYN re-learns the ISN.
    pub may_restart: bool,
    /// [`Connections`]' listen() count when this connection was created.
    epoch: u32,
}

impl ScriptConn {
    fn new(remote_port: u16, local_port: Option<u16>) -> ScriptConn {
        ScriptConn {
            remote_port,
            local_port,
            local_isn: None,
            script_local_isn: 0,
            remote_isn: None,
            pending_remote_isn: None,
            ts_offset: None,
            may_restart: false,
            epoch: 0,
        }
    }

    /// A connection with both ports known (tests).
    #[cfg(test)]
    pub fn for_test(remote_port: u16, local_port: u16) -> ScriptConn {
        ScriptConn::new(remote_port, Some(local_port))
    }

    // packetdrill's numbering: on segments with SYN, sequence and ack numbers are absolute
    // in the script's numbering (the ISNs are what the SYN lines say); on all others they
    // are relative to the ISNs. The script's own ISN is also its live ISN (it is sent as
    // written); the stack's is learned, and its SYN line says what the script calls it.

    /// A number in the stack's sequence space as the script writes it → live.
    pub fn local_seq_to_live(&self, script: u32, syn: bool) -> u32 {
        let live_isn = self.local_isn.unwrap_or(0);
        if syn {
            script.wrapping_sub(self.script_local_isn).wrapping_add(live_isn)
        } else {
            script.wrapping_add(live_isn)
        }
    }

    /// A live number in the stack's sequence space → as the script writes it.
    pub fn local_seq_to_script(&self, live: u32, syn: bool) -> u32 {
        let live_isn = self.local_isn.unwrap_or(0);
        if syn {
            live.wrapping_sub(live_isn).wrapping_add(self.script_local_isn)
        } else {
            live.wrapping_sub(live_isn)
        }
    }

    /// A number in the script's sequence space as written → live.
    pub fn remote_seq_to_live(&self, script: u32, syn: bool) -> u32 {
        if syn {
            script
        } else {
            script.wrapping_add(self.remote_isn.unwrap_or(0))
        }
    }

    /// A live number in the script's sequence space → as the script writes it.
    pub fn remote_seq_to_script(&self, live: u32, syn: bool) -> u32 {
        if syn {
            live
        } else {
            live.wrapping_sub(self.remote_isn.unwrap_or(0))
        }
    }

    /// The script sent a SYN with ISN `remote_isn`; if it is new on these ports, the next
    /// outbound SYN may start a new incarnation.
    pub fn remote_syn(&mut self, remote_isn: u32) {
        match self.remote_isn {
            None => self.remote_isn = Some(remote_isn),
            Some(old) if old == remote_isn => {}
            Some(_) => {
                self.may_restart = true;
                self.pending_remote_isn = Some(remote_isn);
            }
        }
    }

    /// An outbound SYN or SYN-ACK at script sequence number `script_seq` was seen with live
    /// sequence number `live_seq`: learn the stack's ISN from it, unless it is already known
    /// and no new incarnation can have started.
    pub fn outbound_syn(&mut self, live_seq: u32, script_seq: u32) {
        if self.local_isn.is_none() || self.may_restart {
            self.local_isn = Some(live_seq);
            self.script_local_isn = script_seq;
            self.ts_offset = None;
            self.may_restart = false;
            if let Some(isn) = self.pending_remote_isn.take() {
                self.remote_isn = Some(isn);
            }
        }
    }
}

/// All connections of a run.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    conns: Vec<ScriptConn>,
    /// The connection unmarked packet lines refer to: the most recently opened one.
    current: Option<usize>,
    /// The port the stack listens on (the last `bind`), for connections the script opens.
    pub listen_port: Option<u16>,
    /// How many listen() calls have succeeded (connections remember the count they began in).
    epoch: u32,
}

impl Connections {
    /// The connection a packet line refers to: the one with remote port `port` when the line
    /// has `[port N]`, else the current one. Created (towards the listening port) if new.
    pub fn select(&mut self, port: Option<u16>) -> usize {
        let listen = self.listen_port.unwrap_or(DEFAULT_SERVER_PORT);
        match port {
            Some(p) => match self.conns.iter().rposition(|c| c.remote_port == p) {
                Some(i) => i,
                None => {
                    self.push(ScriptConn::new(p, Some(listen)));
                    let i = self.conns.len() - 1;
                    self.current.get_or_insert(i);
                    i
                }
            },
            None => match self.current {
                Some(i) => i,
                None => {
                    self.push(ScriptConn::new(DEFAULT_REMOTE_PORT, Some(listen)));
                    let i = self.conns.len() - 1;
                    self.current = Some(i);
                    i
                }
            },
        }
    }

    /// A listen() succeeded: connections the script opens from now on are new ones.
    pub fn new_listener(&mut self) {
        self.epoch += 1;
    }

    /// Whether the current connection began (saw the script's SYN) before the latest
    /// listen(): a SYN now is for a new connection, not a retransmission to the old one.
    pub fn current_predates_listener(&self) -> bool {
        self.current.is_some_and(|i| self.conns[i].remote_isn.is_some() && self.conns[i].epoch < self.epoch)
    }

    /// A new connection the script opens towards the listener, from a remote port no other
    /// connection uses (packetdrill gives each new inbound connection a fresh port). It
    /// becomes the current one.
    pub fn new_inbound(&mut self) -> usize {
        let port = (DEFAULT_REMOTE_PORT..=u16::MAX)
            .find(|p| self.conns.iter().all(|c| c.remote_port != *p))
            .unwrap_or(DEFAULT_REMOTE_PORT);
        let listen = self.listen_port.unwrap_or(DEFAULT_SERVER_PORT);
        self.push(ScriptConn::new(port, Some(listen)));
        let i = self.conns.len() - 1;
        self.current = Some(i);
        i
    }

    fn push(&mut self, mut conn: ScriptConn) {
        conn.epoch = self.epoch;
        self.conns.push(conn);
    }

    /// A connection the stack opens with connect(): the stack's port is learned from its SYN.
    /// It becomes the current one.
    pub fn opened_by_stack(&mut self, remote_port: u16) -> usize {
        // Earlier connections to the same port keep their records (and ports), so their
        // late packets are still recognised as theirs.
        self.push(ScriptConn::new(remote_port, None));
        let i = self.conns.len() - 1;
        self.current = Some(i);
        i
    }

    /// The connection a live packet from `local` to `remote` port belongs to: the latest
    /// one with both ports known and equal.
    pub fn owner(&self, local: u16, remote: u16) -> Option<usize> {
        self.conns.iter().rposition(|c| c.remote_port == remote && c.local_port == Some(local))
    }

    /// The connection at index `i`.
    pub fn get(&self, i: usize) -> &ScriptConn {
        &self.conns[i]
    }

    /// The connection at index `i`, mutably.
    pub fn get_mut(&mut self, i: usize) -> &mut ScriptConn {
        &mut self.conns[i]
    }

    /// How many connections the script has used.
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmarked_lines_use_the_current_connection() {
        let mut c = Connections::default();
        let a = c.select(None);
        assert_eq!(c.get(a).remote_port, DEFAULT_REMOTE_PORT);
        assert_eq!(c.get(a).local_port, Some(DEFAULT_SERVER_PORT));
        let b = c.select(Some(40001));
        assert_ne!(a, b);
        assert_eq!(c.select(None), a, "a [port] line does not change the current connection");
        assert_eq!(c.select(Some(40001)), b);
        let d = c.opened_by_stack(8080);
        assert_eq!(c.select(None), d);
        assert_eq!(c.get(d).local_port, None);
    }

    #[test]
    fn sequence_translation_wraps() {
        let mut c = ScriptConn::new(1, Some(2));
        c.outbound_syn(u32::MAX - 1, 1234);
        // Relative on ordinary segments, across the wrap …
        assert_eq!(c.local_seq_to_live(3, false), 1);
        assert_eq!(c.local_seq_to_script(1, false), 3);
        // … and absolute in the script's numbering on SYN segments (`ack 1235`).
        assert_eq!(c.local_seq_to_live(1235, true), u32::MAX);
        assert_eq!(c.local_seq_to_script(u32::MAX, true), 1235);
        c.remote_syn(999_000);
        assert_eq!(c.remote_seq_to_live(1, false), 999_001);
        assert_eq!(c.remote_seq_to_script(999_001, true), 999_001);
        assert_eq!(c.remote_seq_to_script(999_001, false), 1);
    }
}
