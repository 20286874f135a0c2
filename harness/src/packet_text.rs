//! Packets in packetdrill's notation (`S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 8>`),
//! for failure messages: the runner prints what it saw in the words the script uses.

use synack_stack::wire::{TcpFlags, TcpOption, TcpSegment};

/// The flag letters packetdrill uses, in its order (`FSRP.UEWA`); `-` for none. The three
/// reserved bits, which packetdrill cannot write, show as `r` each.
pub fn flags(f: TcpFlags) -> String {
    const LETTERS: [(TcpFlags, char); 9] = [
        (TcpFlags::FIN, 'F'),
        (TcpFlags::SYN, 'S'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::ACK, '.'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
        (TcpFlags::AE, 'A'),
    ];
    let mut s: String = LETTERS
        .iter()
        .filter(|(flag, _)| f.contains(*flag))
        .map(|(_, c)| *c)
        .collect();
    for bit in [0x200u16, 0x400, 0x800] {
        if f.bits() & bit != 0 {
            s.push('r');
        }
    }
    if s.is_empty() {
        s.push('-');
    }
    s
}

/// One option as a script writes it.
pub fn option(o: &TcpOption) -> String {
    match o {
        TcpOption::EndOfList => "eol".to_string(),
        TcpOption::NoOp => "nop".to_string(),
        TcpOption::Mss(m) => format!("mss {m}"),
        TcpOption::WindowScale(s) => format!("wscale {s}"),
        TcpOption::SackPermitted => "sackOK".to_string(),
        TcpOption::Sack(blocks) => {
            let b: Vec<String> = blocks.iter().map(|(l, r)| format!("{l}:{r}")).collect();
            format!("sack {}", b.join(" "))
        }
        TcpOption::Timestamps { tsval, tsecr } => format!("TS val {tsval} ecr {tsecr}"),
        TcpOption::Md5(d) => format!("md5 {}", hex(d)),
        TcpOption::FastOpen(c) if c.is_empty() => "FO".to_string(),
        TcpOption::FastOpen(c) => format!("FO {}", hex(c)),
        TcpOption::FastOpenExp(c) if c.is_empty() => "FOEXP".to_string(),
        TcpOption::FastOpenExp(c) => format!("FOEXP {}", hex(c)),
        TcpOption::Unknown { kind, data } => format!("kind {kind} [{}]", hex(data)),
        TcpOption::WrongLength { kind, data } => format!("kind {kind} bad length [{}]", hex(data)),
        TcpOption::Malformed(rest) => format!("malformed [{}]", hex(rest)),
    }
}

/// A whole option list, `<…>`, or the empty string when there are none.
pub fn options(list: &[TcpOption]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let items: Vec<String> = list.iter().map(option).collect();
    format!("<{}>", items.join(","))
}

/// A segment with its sequence number shown relative to `seq_base` and its ack number
/// relative to `ack_base` (pass 0 for absolute values).
pub fn segment(seg: &TcpSegment, seq_base: u32, ack_base: u32) -> String {
    let start = seg.seq.get().wrapping_sub(seq_base);
    let len = seg.payload.len();
    let mut s = format!(
        "{} {}:{}({})",
        flags(seg.flags),
        start,
        start.wrapping_add(len as u32),
        len
    );
    if seg.flags.contains(TcpFlags::ACK) {
        s += &format!(" ack {}", seg.ack.get().wrapping_sub(ack_base));
    }
    s += &format!(" win {}", seg.window);
    if seg.flags.contains(TcpFlags::URG) || seg.urgent != 0 {
        s += &format!(" urg {}", seg.urgent);
    }
    let o = options(&seg.options);
    if !o.is_empty() {
        s.push(' ');
        s += &o;
    }
    s
}

/// Lower-case hex digits.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use synack_stack::SeqNum;

    #[test]
    fn reads_like_a_script_line() {
        let seg = TcpSegment {
            src_port: 1,
            dst_port: 2,
            seq: SeqNum::new(1000),
            ack: SeqNum::new(501),
            flags: TcpFlags::SYN | TcpFlags::ACK,
            window: 65535,
            urgent: 0,
            options: vec![TcpOption::Mss(1460), TcpOption::NoOp, TcpOption::WindowScale(8)],
            payload: vec![],
        };
        assert_eq!(segment(&seg, 1000, 500), "S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 8>");
        assert_eq!(flags(TcpFlags::EMPTY), "-");
        assert_eq!(flags(TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK), "FP.");
        assert_eq!(flags(TcpFlags::ACK | TcpFlags::from_bits(0x400)), ".r");
    }
}
