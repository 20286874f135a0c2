//! The ladder matrix: RFC 9293 §3.10 event processing, rule by rule and state by state, on
//! the reference stack. The test plays the peer; every test asserts the segment(s) sent in
//! reply field by field (or that nothing was sent), the resulting state, and the `Decision`s
//! the stack recorded with their §3.10 `Step`.
//!
//! - `fixture`: a connection brought to each state of §3.10.7.4, and the reply checks;
//! - `first_sequence` … `sixth_to_eighth`: the eight checks of §3.10.7.4, each for every
//!   state it applies to.

#[path = "../ladder/mod.rs"]
mod ladder;

mod fixture;

mod first_sequence;
mod second_rst;
mod fourth_syn;
mod fifth_ack;
mod sixth_to_eighth;
mod closed_listen;
mod syn_sent;

mod user_calls;
mod timeouts;
mod linux;
mod arrows;
