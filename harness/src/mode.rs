//! IP modes, as upstream packetdrill runs every script: IPv4, IPv6, and AF_INET6 sockets
//! carrying IPv4 on the wire (IPv4-mapped IPv6 addresses).

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address family of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpMode {
    /// AF_INET sockets, IPv4 packets.
    Ipv4,
    /// AF_INET6 sockets, IPv4 packets (`::ffff:a.b.c.d` addresses).
    Ipv4MappedIpv6,
    /// AF_INET6 sockets, IPv6 packets.
    Ipv6,
}

impl IpMode {
    /// Every mode, in upstream's order.
    pub const ALL: [IpMode; 3] = [IpMode::Ipv4, IpMode::Ipv4MappedIpv6, IpMode::Ipv6];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            IpMode::Ipv4 => "ipv4",
            IpMode::Ipv4MappedIpv6 => "ipv4-mapped-ipv6",
            IpMode::Ipv6 => "ipv6",
        }
    }

    /// Parses a mode name.
    pub fn from_name(name: &str) -> Option<IpMode> {
        IpMode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether upstream runs a script of this file name in this mode: `…v6.pkt` only in
    /// ipv6, `…v4.pkt` everywhere but ipv6.
    pub fn applies_to(self, file_name: &str) -> bool {
        let stem = file_name.strip_suffix(".pkt").unwrap_or(file_name);
        if stem.ends_with("v6") {
            self == IpMode::Ipv6
        } else if stem.ends_with("v4") {
            self != IpMode::Ipv6
        } else {
            true
        }
    }

    /// Whether packets on the wire are IPv6.
    pub fn wire_is_ipv6(self) -> bool {
        matches!(self, IpMode::Ipv6)
    }

    /// Whether sockets are AF_INET6.
    pub fn socket_is_ipv6(self) -> bool {
        matches!(self, IpMode::Ipv6 | IpMode::Ipv4MappedIpv6)
    }

    /// The default (local, remote) addresses of a run, from the documentation ranges
    /// (RFC 5737, RFC 3849). A script's `--local_ip` / `--remote_ip` override them.
    pub fn default_addresses(self) -> (IpAddr, IpAddr) {
        match self {
            IpMode::Ipv4 | IpMode::Ipv4MappedIpv6 => (
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2)),
            ),
            IpMode::Ipv6 => (
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1)),
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 2)),
            ),
        }
    }
}

/// Which addresses runs use when a script does not set its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressPlan {
    /// Documentation ranges (RFC 5737, RFC 3849): synack's default.
    Documentation,
    /// The addresses upstream packetdrill's runner uses (192.168.0.1/16 and 192.0.2.1;
    /// fd3d:a0b:17d6::1 and fd3d:fa7b:d17d::1), for upstream scripts whose shell commands
    /// or TFO cookies depend on them.
    Upstream,
}

impl AddressPlan {
    /// (local, local prefix, remote, remote route prefix) for a mode.
    pub fn addresses(self, mode: IpMode) -> (IpAddr, u8, IpAddr, u8) {
        match (self, mode.wire_is_ipv6()) {
            (AddressPlan::Documentation, false) => {
                let (l, r) = mode.default_addresses();
                (l, 32, r, 32)
            }
            (AddressPlan::Documentation, true) => {
                let (l, r) = mode.default_addresses();
                (l, 128, r, 128)
            }
            (AddressPlan::Upstream, false) => (
                IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)),
                16,
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                32,
            ),
            (AddressPlan::Upstream, true) => (
                IpAddr::V6(Ipv6Addr::new(0xfd3d, 0x0a0b, 0x17d6, 0, 0, 0, 0, 1)),
                48,
                IpAddr::V6(Ipv6Addr::new(0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1)),
                48,
            ),
        }
    }
}

impl fmt::Display for IpMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_file_name_rule() {
        assert!(IpMode::Ipv6.applies_to("foo-v6.pkt"));
        assert!(!IpMode::Ipv4.applies_to("foo-v6.pkt"));
        assert!(!IpMode::Ipv4MappedIpv6.applies_to("foo-v6.pkt"));
        assert!(IpMode::Ipv4.applies_to("foo-v4.pkt"));
        assert!(IpMode::Ipv4MappedIpv6.applies_to("foo-v4.pkt"));
        assert!(!IpMode::Ipv6.applies_to("foo-v4.pkt"));
        for m in IpMode::ALL {
            assert!(m.applies_to("foo.pkt"));
            assert_eq!(IpMode::from_name(m.name()), Some(m));
        }
    }
}
