//! synack: runs packetdrill-style scripts against a TCP stack under test and checks the results.
pub mod mode;
pub mod report;
pub mod script;
pub mod trace;
