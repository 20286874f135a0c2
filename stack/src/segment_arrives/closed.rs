//! §3.10.7.1 CLOSED: there is no TCB. All data is discarded; anything but a RST is answered
//! with a RST (§3.5.2 group 1) that the peer will find acceptable.

use crate::wire::{TcpFlags, TcpSegment};

/// The reset to send in reply to `seg`, or `None` when `seg` is itself a RST.
///
/// - ACK off: `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`
/// - ACK on:  `<SEQ=SEG.ACK><CTL=RST>`
pub fn reset_for(seg: &TcpSegment) -> Option<TcpSegment> {
    if seg.flags.rst() {
        return None;
    }
    let mut rst = TcpSegment {
        src_port: seg.dst_port,
        dst_port: seg.src_port,
        ..TcpSegment::default()
    };
    if seg.flags.ack() {
        rst.seq = seg.ack;
        rst.flags = TcpFlags::RST;
    } else {
        rst.ack = seg.seq + seg.seg_len();
        rst.flags = TcpFlags::RST | TcpFlags::ACK;
    }
    Some(rst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::SeqNum;

    fn seg(flags: TcpFlags, seq: u32, ack: u32, len: usize) -> TcpSegment {
        TcpSegment {
            src_port: 4000,
            dst_port: 80,
            seq: SeqNum::new(seq),
            ack: SeqNum::new(ack),
            flags,
            payload: vec![0; len],
            ..TcpSegment::default()
        }
    }

    #[test]
    fn syn_without_ack_gets_rst_ack_covering_the_syn() {
        let rst = reset_for(&seg(TcpFlags::SYN, 1000, 0, 0)).unwrap();
        assert_eq!(rst.flags, TcpFlags::RST | TcpFlags::ACK);
        assert_eq!((rst.seq, rst.ack), (SeqNum::new(0), SeqNum::new(1001)));
        assert_eq!((rst.src_port, rst.dst_port), (80, 4000));
    }

    #[test]
    fn data_with_fin_counts_both_in_seg_len() {
        let rst = reset_for(&seg(TcpFlags::FIN, 7, 0, 10)).unwrap();
        assert_eq!(rst.ack, SeqNum::new(18));
    }

    #[test]
    fn ack_gets_rst_at_its_ack_number_and_rst_gets_nothing() {
        let rst = reset_for(&seg(TcpFlags::ACK | TcpFlags::PSH, 5, 777, 3)).unwrap();
        assert_eq!((rst.flags, rst.seq), (TcpFlags::RST, SeqNum::new(777)));
        assert!(reset_for(&seg(TcpFlags::RST | TcpFlags::ACK, 5, 777, 0)).is_none());
    }
}
