//! synack-stack: a sans-IO reference TCP, RFC 9293 made executable.
//!
//! No I/O, no wall clock, no global state: packets and time go in, packets and deadlines come
//! out, and every decision is recorded with the RFC 9293 §3.10 step that made it.

pub mod seq;
pub mod wire;
