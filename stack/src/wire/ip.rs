//! IPv4 (RFC 791) and IPv6 (RFC 8200) headers, enough to carry TCP losslessly.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An owned IPv4 header. `total_length`, `ihl` and the header checksum are derived on emit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ipv4Header {
    /// DSCP (upper six bits) and ECN (lower two bits), RFC 2474 / RFC 3168.
    pub tos: u8,
    pub identification: u16,
    /// The three flag bits (reserved, DF, MF) in the low bits: `0b010` is DF.
    pub flags: u8,
    pub fragment_offset: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Raw option bytes (a multiple of four on parse; padded on emit).
    pub options: Vec<u8>,
}

/// An owned IPv6 header. `payload_length` is derived on emit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ipv6Header {
    /// DSCP and ECN, as in IPv4's TOS octet.
    pub traffic_class: u8,
    /// 20 bits.
    pub flow_label: u32,
    /// The next header after the fixed header (and after `extensions` it is TCP = 6).
    pub next_header: u8,
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    /// Extension headers between the fixed header and TCP, kept raw (hop-by-hop, routing,
    /// destination options); `next_header` names the first of them when non-empty.
    pub extensions: Vec<u8>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum IpHeader {
    V4(Ipv4Header),
    V6(Ipv6Header),
}
