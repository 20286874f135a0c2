//! synack: runs packetdrill-style scripts against a TCP stack under test and checks the results.
//!
//! Data flow: [`script`] (parse) → [`runner`] (execute against a [`backend::Backend`]) →
//! [`trace::Trace`] → checks → [`report`]s.
pub mod backend;
pub mod deviation;
pub mod environment;
pub mod mode;
pub mod oracle;
pub mod packet_text;
pub mod report;
pub mod runner;
pub mod script;
pub mod suite;
pub mod trace;
