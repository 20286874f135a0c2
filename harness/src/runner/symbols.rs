//! The symbolic constants scripts use, with Linux's values (the values packetdrill's
//! `symbols_linux.c` resolves them to), and the defines upstream's runner passes.

use crate::backend::call::poll_bits::*;

/// The value of a constant, e.g. `SOL_SOCKET` → 1. Errno names are resolved separately.
pub fn constant(name: &str) -> Option<i64> {
    Some(match name {
        // socket(2)
        "AF_INET" => 2,
        "AF_INET6" => 10,
        "AF_UNSPEC" => 0,
        "PF_INET" => 2,
        "PF_INET6" => 10,
        "SOCK_STREAM" => 1,
        "SOCK_DGRAM" => 2,
        "SOCK_NONBLOCK" => 0o4000,
        "SOCK_CLOEXEC" => 0o2000000,
        "IPPROTO_TCP" => 6,
        "IPPROTO_IP" => 0,
        "IPPROTO_IPV6" => 41,
        "IPPROTO_UDP" => 17,
        // levels
        "SOL_SOCKET" => 1,
        "SOL_TCP" => 6,
        "SOL_IP" => 0,
        "SOL_IPV6" => 41,
        // SOL_SOCKET options
        "SO_DEBUG" => 1,
        "SO_REUSEADDR" => 2,
        "SO_TYPE" => 3,
        "SO_ERROR" => 4,
        "SO_DONTROUTE" => 5,
        "SO_BROADCAST" => 6,
        "SO_SNDBUF" => 7,
        "SO_RCVBUF" => 8,
        "SO_KEEPALIVE" => 9,
        "SO_OOBINLINE" => 10,
        "SO_LINGER" => 13,
        "SO_REUSEPORT" => 15,
        "SO_RCVLOWAT" => 18,
        "SO_SNDLOWAT" => 19,
        "SO_MARK" => 36,
        "SO_ZEROCOPY" => 60,
        "SO_MAX_PACING_RATE" => 47,
        // IPPROTO_TCP options
        "TCP_NODELAY" => 1,
        "TCP_MAXSEG" => 2,
        "TCP_CORK" => 3,
        "TCP_KEEPIDLE" => 4,
        "TCP_KEEPINTVL" => 5,
        "TCP_KEEPCNT" => 6,
        "TCP_SYNCNT" => 7,
        "TCP_LINGER2" => 8,
        "TCP_DEFER_ACCEPT" => 9,
        "TCP_WINDOW_CLAMP" => 10,
        "TCP_INFO" => 11,
        "TCP_QUICKACK" => 12,
        "TCP_CONGESTION" => 13,
        "TCP_MD5SIG" => 14,
        "TCP_THIN_LINEAR_TIMEOUTS" => 16,
        "TCP_USER_TIMEOUT" => 18,
        "TCP_REPAIR" => 19,
        "TCP_FASTOPEN" => 23,
        "TCP_TIMESTAMP" => 24,
        "TCP_NOTSENT_LOWAT" => 25,
        "TCP_CC_INFO" => 26,
        "TCP_SAVE_SYN" => 27,
        "TCP_SAVED_SYN" => 28,
        "TCP_FASTOPEN_CONNECT" => 30,
        "TCP_FASTOPEN_NO_COOKIE" => 34,
        "TCP_INQ" => 36,
        "TCP_TX_DELAY" => 37,
        // fcntl(2)
        "F_GETFL" => 3,
        "F_SETFL" => 4,
        "F_GETFD" => 1,
        "F_SETFD" => 2,
        "O_RDONLY" => 0,
        "O_WRONLY" => 1,
        "O_RDWR" => 2,
        "O_NONBLOCK" => 0o4000,
        "FD_CLOEXEC" => 1,
        // shutdown(2)
        "SHUT_RD" => 0,
        "SHUT_WR" => 1,
        "SHUT_RDWR" => 2,
        // send/recv flags
        "MSG_OOB" => 1,
        "MSG_PEEK" => 2,
        "MSG_DONTROUTE" => 4,
        "MSG_TRUNC" => 0x20,
        "MSG_DONTWAIT" => 0x40,
        "MSG_EOR" => 0x80,
        "MSG_WAITALL" => 0x100,
        "MSG_ERRQUEUE" => 0x2000,
        "MSG_NOSIGNAL" => 0x4000,
        "MSG_MORE" => 0x8000,
        "MSG_FASTOPEN" => 0x2000_0000,
        "MSG_ZEROCOPY" => 0x400_0000,
        // poll(2)
        "POLLIN" => POLLIN.into(),
        "POLLPRI" => POLLPRI.into(),
        "POLLOUT" => POLLOUT.into(),
        "POLLERR" => POLLERR.into(),
        "POLLHUP" => POLLHUP.into(),
        "POLLNVAL" => POLLNVAL.into(),
        "POLLRDNORM" => POLLRDNORM.into(),
        "POLLWRNORM" => POLLWRNORM.into(),
        "POLLRDHUP" => POLLRDHUP.into(),
        // tcp_info (include/uapi/linux/tcp.h, net/tcp_states.h)
        "TCP_ESTABLISHED" => 1,
        "TCP_SYN_SENT" => 2,
        "TCP_SYN_RECV" => 3,
        "TCP_FIN_WAIT1" => 4,
        "TCP_FIN_WAIT2" => 5,
        "TCP_TIME_WAIT" => 6,
        "TCP_CLOSE" => 7,
        "TCP_CLOSE_WAIT" => 8,
        "TCP_LAST_ACK" => 9,
        "TCP_LISTEN" => 10,
        "TCP_CLOSING" => 11,
        "TCP_CA_Open" => 0,
        "TCP_CA_Disorder" => 1,
        "TCP_CA_CWR" => 2,
        "TCP_CA_Recovery" => 3,
        "TCP_CA_Loss" => 4,
        "TCPI_OPT_TIMESTAMPS" => 1,
        "TCPI_OPT_SACK" => 2,
        "TCPI_OPT_WSCALE" => 4,
        "TCPI_OPT_ECN" => 8,
        "TCPI_OPT_ECN_SEEN" => 16,
        "TCPI_OPT_SYN_DATA" => 32,
        "TCP_INFINITE_SSTHRESH" => 0x7fff_ffff,
        // ioctl(2)
        "SIOCINQ" => 0x541B,
        "SIOCOUTQ" => 0x5411,
        "FIONREAD" => 0x541B,
        "NULL" => 0,
        // IP / IPv6 level options and SO_TIMESTAMPING flags (linux/net_tstamp.h)
        "IP_MTU_DISCOVER" => 10,
        "IP_FREEBIND" => 15,
        "IP_RECVERR" => 11,
        "IPV6_RECVERR" => 25,
        "IP_PMTUDISC_DONT" => 0,
        "IP_PMTUDISC_WANT" => 1,
        "IP_PMTUDISC_DO" => 2,
        "IP_PMTUDISC_PROBE" => 3,
        "IP_TOS" => 1,
        "IP_TTL" => 2,
        "TCP_FASTOPEN_KEY" => 33,
        "SO_TIMESTAMPING" => 37,
        "SO_TIMESTAMP" => 29,
        "SO_TIMESTAMPNS" => 35,
        "SOF_TIMESTAMPING_TX_HARDWARE" => 1,
        "SOF_TIMESTAMPING_TX_SOFTWARE" => 2,
        "SOF_TIMESTAMPING_RX_HARDWARE" => 4,
        "SOF_TIMESTAMPING_RX_SOFTWARE" => 8,
        "SOF_TIMESTAMPING_SOFTWARE" => 16,
        "SOF_TIMESTAMPING_OPT_ID" => 128,
        "SOF_TIMESTAMPING_TX_SCHED" => 256,
        "SOF_TIMESTAMPING_TX_ACK" => 512,
        "SOF_TIMESTAMPING_OPT_TSONLY" => 2048,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::constant;

    #[test]
    fn a_few_linux_values() {
        // Spot checks against <asm-generic/socket.h>, <netinet/tcp.h> and <fcntl.h>.
        assert_eq!(constant("SO_LINGER"), Some(13));
        assert_eq!(constant("TCP_USER_TIMEOUT"), Some(18));
        assert_eq!(constant("O_NONBLOCK"), Some(2048));
        assert_eq!(constant("TCP_CA_Loss"), Some(4));
        assert_eq!(constant("POLLRDHUP"), Some(0x2000));
        assert_eq!(constant("TCP_NO_SUCH"), None);
    }
}
