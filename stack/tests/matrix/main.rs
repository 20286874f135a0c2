//! The ladder matrix: RFC 9293 §3.10 event processing, rule by rule and state by state, on
//! the reference stack. The test plays the peer; every test asserts the segment(s) sent in
//! reply field by field (or that nothing was sent), the resulting state, and the `Decision`s
//! the stack recorded with their §3.10 `Step`.
//!
//! - `fixture`: a connection brought to each state, and the reply checks;
//! - `arrows`: every arrow of the state diagram (§3.3.2, Figure 5, and its notes);
//! - `closed_listen`: §3.10.7.1 CLOSED and §3.10.7.2 LISTEN; `syn_sent`: §3.10.7.3;
//! - `first_sequence`, `second_rst`, `fourth_syn` (with the third), `fifth_ack`,
//!   `sixth_to_eighth`: the eight checks of §3.10.7.4, each for every state it applies to;
//! - `user_calls`: §3.10.1–§3.10.6 in every state, error returns included;
//! - `timeouts`: §3.10.8 and the other timers;
//! - `linux`: where the linux profile (Linux 6.18) departs from the rfc9293 profile.
//!
//! `COVERAGE.md` next to this file maps (state × step) to the tests, and says which cells do
//! not apply.

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
