//! ICMP messages a script injects (`< icmp unreachable frag_needed mtu 1200 [0:10(10)]`):
//! an error about a segment the stack sent, quoting that segment's IP and TCP headers, as
//! the network would (RFC 792, RFC 4443; RFC 1191/8201 for the MTU).
//!
//! IPv4 names are used in scripts for both versions, as in packetdrill: on an IPv6 run,
//! `unreachable frag_needed` becomes ICMPv6 Packet Too Big and the unreachable codes map to
//! their ICMPv6 counterparts.

use super::connections::ScriptConn;
use super::Stop;
use crate::backend::Setup;
use crate::script::IcmpPacket;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use synack_stack::wire::checksum::{checksum, PseudoHeader};
use synack_stack::wire::{IpHeader, Ipv4Header, Ipv6Header, TcpFlags, TcpPacket, TcpSegment};
use synack_stack::SeqNum;

/// ICMPv4 destination-unreachable codes by packetdrill's names (RFC 792, RFC 1122).
fn v4_code(name: &str) -> Option<u8> {
    Some(match name {
        "net_unreachable" => 0,
        "host_unreachable" => 1,
        "protocol_unreachable" => 2,
        "port_unreachable" => 3,
        "frag_needed" => 4,
        "source_route_failed" => 5,
        "net_unknown" => 6,
        "host_unknown" => 7,
        "source_host_isolated" => 8,
        "net_prohibited" => 9,
        "host_prohibited" => 10,
        "net_unreachable_for_tos" => 11,
        "host_unreachable_for_tos" => 12,
        "packet_filtered" => 13,
        "precedence_violation" => 14,
        "precedence_cutoff" => 15,
        _ => return None,
    })
}

/// The (type, code) of a message, for the run's IP version.
fn type_and_code(icmp: &IcmpPacket, v6: bool, defines: &BTreeMap<String, String>) -> Result<(u8, u8), String> {
    let code_name = icmp.code.as_ref().map(|c| defines.get(&c.value).cloned().unwrap_or_else(|| c.value.clone()));
    let code4 = match &code_name {
        None => 0,
        Some(n) => match n.parse::<u8>() {
            Ok(v) => v,
            Err(_) => v4_code(n).ok_or_else(|| format!("unknown ICMP code '{n}'"))?,
        },
    };
    Ok(match (icmp.icmp_type.value.as_str(), v6) {
        ("unreachable", false) => (3, code4),
        ("unreachable", true) => match code4 {
            4 => (2, 0),  // fragmentation needed → Packet Too Big
            1 => (1, 3),  // host unreachable → address unreachable
            3 => (1, 4),  // port unreachable
            9 | 10 | 13 => (1, 1), // administratively prohibited
            _ => (1, 0),  // no route to destination
        },
        ("packet_too_big", true) => (2, 0),
        ("packet_too_big", false) => (3, 4),
        ("time_exceeded", false) => (11, code4),
        ("time_exceeded", true) => (3, code4),
        (other, _) => return Err(format!("ICMP type '{other}' is not supported")),
    })
}

/// The bytes of the message, from the script's remote address to the stack, quoting a TCP
/// header of the connection with sequence number `[start:…]` (relative to the stack's ISN;
/// 0 when the line gives none).
pub fn build(icmp: &IcmpPacket, conn: &ScriptConn, setup: &Setup, defines: &BTreeMap<String, String>) -> Result<Vec<u8>, Stop> {
    let span = icmp.icmp_type.span;
    let v6 = setup.mode.wire_is_ipv6();
    let (ty, code) = type_and_code(icmp, v6, defines).map_err(|m| Stop::unsupported(span, m))?;
    let start = icmp.echoed.map_or(0, |r| r.start);
    let quoted = TcpSegment {
        src_port: conn.local_port.unwrap_or(super::connections::DEFAULT_SERVER_PORT),
        dst_port: conn.remote_port,
        seq: SeqNum::new(conn.local_seq_to_live(start, false)),
        ack: SeqNum::new(0),
        flags: TcpFlags::ACK,
        window: 0,
        urgent: 0,
        options: Vec::new(),
        payload: Vec::new(),
    };
    let local = SocketAddr::new(setup.local_ip, quoted.src_port);
    let remote = SocketAddr::new(setup.remote_ip, quoted.dst_port);
    let quoted = TcpPacket::new(local, remote, quoted)
        .and_then(|p| p.emit())
        .map_err(|e| Stop::error(span, format!("cannot build the quoted segment: {e}")))?;
    // Type-specific word: the next-hop MTU for "fragmentation needed" (RFC 1191: in the low
    // 16 bits) and for Packet Too Big (RFC 4443: all 32 bits).
    let mtu = icmp.mtu.as_ref().map_or(0, |m| m.value);
    let word: [u8; 4] = match (v6, ty) {
        (true, 2) => mtu.to_be_bytes(),
        (false, 3) if code == 4 => [0, 0, (mtu >> 8) as u8, mtu as u8],
        _ => [0; 4],
    };
    let mut message = vec![ty, code, 0, 0];
    message.extend_from_slice(&word);
    message.extend_from_slice(&quoted);
    let (src, dst) = (setup.remote_ip, setup.local_ip);
    // The ICMP checksum (RFC 792: over the message; RFC 4443 §2.3: with the pseudo-header),
    // then the IP header from the stack's wire module.
    let header = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let sum = checksum(&message);
            message[2..4].copy_from_slice(&sum.to_be_bytes());
            IpHeader::V4(Ipv4Header {
                tos: 0,
                identification: 0,
                flags: 0,
                fragment_offset: 0,
                ttl: 64,
                protocol: 1,
                src: s,
                dst: d,
                options: Vec::new(),
            })
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let pseudo = PseudoHeader::new(src, dst).map_err(|e| Stop::error(span, e.to_string()))?;
            let sum = pseudo.checksum(58, message.len() as u32).add_bytes(&message).finish();
            message[2..4].copy_from_slice(&sum.to_be_bytes());
            IpHeader::V6(Ipv6Header {
                traffic_class: 0,
                flow_label: 0,
                next_header: 58,
                hop_limit: 64,
                src: s,
                dst: d,
                extensions: Vec::new(),
            })
        }
        (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => {
            return Err(Stop::error(span, "the run's addresses are of different IP versions"))
        }
    };
    let mut bytes = vec![0; header.buffer_len() + message.len()];
    let at = header
        .emit(&mut bytes, message.len())
        .map_err(|e| Stop::error(span, format!("cannot build the ICMP message: {e}")))?;
    bytes[at..].copy_from_slice(&message);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::IpMode;
    use crate::script::{Span, Spanned};

    fn icmp(ty: &str, code: Option<&str>, mtu: Option<u32>) -> IcmpPacket {
        IcmpPacket {
            icmp_type: Spanned::new(ty.to_string(), Span::DUMMY),
            code: code.map(|c| Spanned::new(c.to_string(), Span::DUMMY)),
            mtu: mtu.map(|m| Spanned::new(m, Span::DUMMY)),
            echoed: None,
        }
    }

    #[test]
    fn frag_needed_carries_the_mtu_and_quotes_the_segment() {
        let (local, remote) = IpMode::Ipv4.default_addresses();
        let setup = Setup { mode: IpMode::Ipv4, local_ip: local, remote_ip: remote, local_prefix: 32, remote_prefix: 32, script_dir: Default::default(), notes: Vec::new() };
        let mut conn = ScriptConn::for_test(40000, 8080);
        conn.outbound_syn(1000, 0);
        let bytes = build(&icmp("unreachable", Some("frag_needed"), Some(1200)), &conn, &setup, &BTreeMap::new()).unwrap();
        assert_eq!(bytes[9], 1, "ICMP");
        assert_eq!(checksum(&bytes[..20]), 0, "IPv4 header checksum verifies");
        let m = &bytes[20..];
        assert_eq!((m[0], m[1]), (3, 4));
        assert_eq!(u16::from_be_bytes([m[6], m[7]]), 1200);
        assert_eq!(checksum(m), 0, "ICMP checksum verifies");
        // The quoted segment goes from the stack (8080) to the script (40000), seq = ISN.
        let quoted = TcpPacket::parse(&m[8..]).unwrap().packet.tcp;
        assert_eq!((quoted.src_port, quoted.dst_port, quoted.seq.get()), (8080, 40000, 1000));
    }

    #[test]
    fn ipv6_maps_names_to_icmpv6() {
        let d = BTreeMap::new();
        assert_eq!(type_and_code(&icmp("unreachable", Some("frag_needed"), Some(1280)), true, &d), Ok((2, 0)));
        assert_eq!(type_and_code(&icmp("unreachable", Some("host_unreachable"), None), true, &d), Ok((1, 3)));
        let mut defines = BTreeMap::new();
        defines.insert("CODE".to_string(), "host_unreachable".to_string());
        assert_eq!(type_and_code(&icmp("unreachable", Some("CODE"), None), false, &defines), Ok((3, 1)));
        assert!(type_and_code(&icmp("unreachable", Some("nonsense"), None), false, &d).is_err());
    }
}
