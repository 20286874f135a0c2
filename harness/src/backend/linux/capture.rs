//! Reading what the stack sends, with the kernel's timestamps: an `AF_PACKET` socket on the
//! TUN device sees every outgoing packet with the time the kernel handed it to the device
//! (`SO_TIMESTAMPNS`), so timing checks do not depend on when synack got round to reading.
//! The TUN descriptor itself is drained and its copies dropped.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// `PACKET_OUTGOING` (linux/if_packet.h): a packet the host sent.
const PACKET_OUTGOING: u8 = 4;

/// Opens the capture socket on `ifname`.
pub fn open(ifname: &str) -> Result<Capture, String> {
    let proto = (libc::ETH_P_ALL as u16).to_be();
    // SAFETY: plain socket(2); checked.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, proto.into()) };
    if raw < 0 {
        return Err(format!("AF_PACKET socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let name = std::ffi::CString::new(ifname).map_err(|_| "bad interface name".to_string())?;
    // SAFETY: a NUL-terminated name.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(format!("no interface {ifname}"));
    }
    // SAFETY: an all-zero sockaddr_ll is valid; we fill the fields bind needs.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = proto;
    sll.sll_ifindex = index as i32;
    // SAFETY: pointer to a live sockaddr_ll and its size.
    let rc = unsafe { libc::bind(fd.as_raw_fd(), &sll as *const _ as *const libc::sockaddr, std::mem::size_of::<libc::sockaddr_ll>() as u32) };
    if rc < 0 {
        return Err(format!("bind AF_PACKET to {ifname}: {}", std::io::Error::last_os_error()));
    }
    let one: i32 = 1;
    // SAFETY: pointer to a live i32.
    let rc = unsafe { libc::setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &one as *const i32 as *const libc::c_void, 4) };
    if rc < 0 {
        return Err(format!("SO_TIMESTAMPNS: {}", std::io::Error::last_os_error()));
    }
    Ok(Capture::new(fd))
}

/// The capture socket and the one buffer every packet is read into.
///
/// One buffer for the run, allocated and touched once: a fresh 64 KiB buffer per packet (as
/// before) made the allocator grow its heap (an `mprotect` per packet), fault in 16 fresh pages
/// and trim them again afterwards, so each burst the kernel sent cost the runner tens to
/// hundreds of microseconds more or less from one run to the next. That lateness fell on the
/// script's next events: in upstream's eor/no-coalesce-retrans the ten packets of the first
/// write made the ACK after its thirteen calls at +0 late in some runs and not in others,
/// and whether the kernel took the retransmission's RTT sample followed (README).
pub struct Capture {
    fd: OwnedFd,
    buf: Box<[u8]>,
}

/// Room for any packet the capture or the TUN device hands over (the device has no offloads,
/// so packets are an MTU long; no IP packet but a jumbogram is longer than 64 KiB).
const BUF_LEN: usize = 65_536;

impl Capture {
    pub fn new(fd: OwnedFd) -> Capture {
        // vec! of zeroes may map pages lazily; writing them now faults them in before time 0.
        let mut buf = vec![0u8; BUF_LEN].into_boxed_slice();
        for page in buf.chunks_mut(4096) {
            page[0] = 1;
        }
        Capture { fd, buf }
    }

    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// The next outgoing packet already captured, with its kernel timestamp (CLOCK_REALTIME,
    /// since the epoch); `Ok(None)` when none is waiting. Incoming packets (ours, injected)
    /// are skipped.
    pub fn read(&mut self) -> Result<Option<(Duration, Vec<u8>)>, String> {
        loop {
            // SAFETY: zeroed plain-old-data structs.
            let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            let mut control = [0u64; 16];
            let mut iov = libc::iovec { iov_base: self.buf.as_mut_ptr() as *mut libc::c_void, iov_len: self.buf.len() };
            // SAFETY: zeroed msghdr, then pointed at live buffers with their true sizes.
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            msg.msg_name = &mut sll as *mut _ as *mut libc::c_void;
            msg.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as u32;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
            msg.msg_controllen = std::mem::size_of_val(&control);
            // SAFETY: `msg` points at live buffers.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                return match e.kind() {
                    std::io::ErrorKind::WouldBlock => Ok(None),
                    std::io::ErrorKind::Interrupted => continue,
                    _ => Err(format!("reading the capture socket: {e}")),
                };
            }
            if sll.sll_pkttype != PACKET_OUTGOING {
                continue;
            }
            let mut at = None;
            // SAFETY: walking the control messages the kernel wrote into `control`.
            unsafe {
                let mut c = libc::CMSG_FIRSTHDR(&msg);
                while !c.is_null() {
                    if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                        let ts = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                        at = Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
                    }
                    c = libc::CMSG_NXTHDR(&msg, c);
                }
            }
            let at = at.unwrap_or_else(super::realtime);
            return Ok(Some((at, self.buf[..n as usize].to_vec())));
        }
    }

    /// Reads and drops whatever waits on the TUN descriptor (the capture socket has copies),
    /// into the same buffer.
    pub fn drain_tun(&mut self, tun: &OwnedFd) {
        // SAFETY: reads into a live buffer of its true size; stops at EAGAIN or error.
        while unsafe { libc::read(tun.as_raw_fd(), self.buf.as_mut_ptr() as *mut libc::c_void, self.buf.len()) } > 0 {}
    }
}

/// Whether a packet is the host's own IPv6/IPv4 control chatter (MLD, neighbour and
/// router discovery, IGMP) rather than anything a TCP script is about.
pub fn is_control_chatter(p: &[u8]) -> bool {
    match p.first().map(|b| b >> 4) {
        Some(6) if p.len() > 40 => p[6] == 58 && (130..=143).contains(&p[40]),
        Some(4) if p.len() > 9 => p[9] == 2,
        _ => false,
    }
}
