//! A listening socket's two queues (Linux's model, which RFC 9293 leaves to implementations):
//! the SYN queue of half-open connections in SYN-RECEIVED, and the accept queue of
//! established connections not yet returned by accept().

use crate::connection::ConnOptions;
use std::collections::VecDeque;
use std::net::SocketAddr;

pub type ConnId = u32;

#[derive(Clone, Debug)]
pub struct Listener {
    pub local: SocketAddr,
    /// listen(backlog), capped by somaxconn.
    pub backlog: u32,
    pub syn_queue: Vec<ConnId>,
    pub accept_queue: VecDeque<ConnId>,
    /// Options inherited by accepted connections.
    pub opts: ConnOptions,
    pub rcvbuf: Option<u32>,
    pub sndbuf: Option<u32>,
}

impl Listener {
    /// Linux `sk_acceptq_is_full`: more than `backlog` waiting (so backlog 0 admits one).
    pub fn accept_queue_full(&self) -> bool {
        self.accept_queue.len() as u32 > self.backlog
    }

    /// Linux `inet_csk_reqsk_queue_is_full` (6.15 on): more half-open connections than the
    /// backlog (so backlog 0 admits one, backlog 1 two), and never more than
    /// `tcp_max_syn_backlog`. Linux then falls back to SYN cookies; this stack drops the SYN
    /// instead, so memory stays bounded by the backlog.
    pub fn syn_queue_full(&self, max_syn_backlog: u32) -> bool {
        let len = self.syn_queue.len() as u32;
        len > self.backlog || len >= max_syn_backlog.max(1)
    }
}
