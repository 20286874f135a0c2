//! synack-stack: a sans-IO reference TCP, RFC 9293 made executable.
//!
//! No I/O, no wall clock, no global state: packets and time go in, packets and deadlines come
//! out, and every decision is recorded with the RFC 9293 §3.10 step that made it.
//!
//! Map of the crate (data flows top to bottom):
//! - [`stack::Stack`] — demultiplexing and the sans-IO surface; [`sockets`] — the BSD facade.
//! - [`segment_arrives`] (§3.10.7), [`user_calls`] (§3.10.1–6), [`timeouts`] (§3.10.8),
//!   [`output`] (what to send) — the event processing, each on a [`connection::Connection`].
//! - [`tcb`], [`seq`], [`send_queue`], [`reassembly`], [`listen_queue`], [`rtt`],
//!   [`congestion`], [`timers`] — the state they work on.
//! - [`wire`] — bytes ⇄ packets; [`decision`] — the trace vocabulary; [`config`] — knobs.

pub mod config;
pub mod congestion;
pub mod connection;
pub mod decision;
pub mod errno;
pub mod isn;
pub mod listen_queue;
pub mod mutations;
pub mod output;
pub mod reassembly;
pub mod rtt;
pub mod scoreboard;
pub mod segment_arrives;
pub mod send_queue;
pub mod seq;
pub mod sim;
pub mod socket;
pub mod sockets;
pub mod stack;
pub mod state;
pub mod tcb;
pub mod time;
pub mod timeouts;
pub mod timers;
pub mod user_calls;
pub mod wire;

pub use config::{Config, Profile};
pub use decision::{Decision, Step};
pub use errno::Errno;
pub use seq::SeqNum;
pub use socket::{Domain, Fd, Shutdown, SockOpt, SockOptName, SockOptValue, TcpInfo};
pub use stack::Stack;
pub use state::State;
pub use time::Instant;
