//! The record of a returned call that the oracle judges ([`SocketCall`]): which of the
//! backend's calls are TCP's user interface (RFC 9293 §3.10.1–6) and in what terms.

use crate::backend::{Call, Returned};
use crate::trace::{SocketCall, SocketOp};
use std::time::Duration;

/// `MSG_OOB`, `MSG_PEEK` and `MSG_ERRQUEUE`: a recvmsg() with the first or the last reads
/// something other than the byte stream.
const MSG_OOB: i32 = 0x1;
const MSG_PEEK: i32 = 0x2;
const MSG_ERRQUEUE: i32 = 0x2000;

/// `call`, started at `started`, as the oracle reads it (`None`: not a call the oracle
/// judges — options, polling, files and pipes).
pub(super) fn socket_call(call: &Call, started: Duration, r: &Returned) -> Option<SocketCall> {
    let (fd, op) = match *call {
        Call::Socket { .. } => (-1, SocketOp::Socket),
        Call::Bind { fd, addr } => (fd, SocketOp::Bind { local: addr }),
        Call::Listen { fd, .. } => (fd, SocketOp::Listen),
        Call::Connect { fd, addr } => (fd, SocketOp::Connect { remote: addr }),
        Call::Accept { fd } => (fd, SocketOp::Accept),
        Call::Send { fd, len, to, .. } => (fd, SocketOp::Send { len, to }),
        Call::Recv { fd, len, peek, .. } => (fd, SocketOp::Recv { len, peek }),
        Call::RecvMsg { fd, len, flags } if flags & (MSG_OOB | MSG_ERRQUEUE) == 0 => {
            (fd, SocketOp::Recv { len, peek: flags & MSG_PEEK != 0 })
        }
        Call::Shutdown { fd, how } => (fd, SocketOp::Shutdown { how }),
        Call::Close { fd } => (fd, SocketOp::Close),
        // Urgent data and the error queue are not the byte stream RECEIVE returns.
        Call::RecvMsg { .. }
        | Call::SetSockOpt { .. }
        | Call::GetSockOpt { .. }
        | Call::SetSockOptRaw { .. }
        | Call::GetSockOptRaw { .. }
        | Call::Ioctl { .. }
        | Call::EpollCreate
        | Call::EpollCtl { .. }
        | Call::EpollWait { .. }
        | Call::SetNonBlocking { .. }
        | Call::GetFlags { .. }
        | Call::Poll { .. }
        | Call::SendToUnspec { .. }
        | Call::Open { .. }
        | Call::Pipe
        | Call::Splice { .. }
        | Call::Sendfile { .. } => return None,
    };
    Some(SocketCall { fd, op, started, value: r.value, errno: r.errno })
}
