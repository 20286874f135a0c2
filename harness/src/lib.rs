//! synack: runs packetdrill-style scripts against a TCP stack under test and checks the results.
pub mod script;
