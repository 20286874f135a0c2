//! A private network namespace with a TUN device, made by and for one worker thread.
//!
//! The namespace is anonymous (nothing is mounted under /var/run/netns): it lives as long as
//! something refers to it — the worker thread, its sockets and the TUN descriptor — so when
//! the worker ends, however it ends (return, panic, SIGKILL of synack), the kernel removes
//! the namespace and its TUN device. The host's namespace is never touched.

use crate::backend::Setup;
use std::fs::File;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;

/// The TUN device's name, as upstream scripts expect it.
pub const TUN_NAME: &str = "tun0";

/// Whether this process can make namespaces and TUN devices; `Err` says what is missing.
pub fn available() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("the linux backend needs root (to create a network namespace and a TUN device)".into());
    }
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Err("the linux backend needs /dev/net/tun".into());
    }
    Ok(())
}

/// Moves the calling thread into a fresh network namespace. Threads it creates afterwards,
/// and processes it spawns, are in the same namespace.
pub fn enter_fresh_namespace() -> Result<(), String> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| format!("unshare(CLONE_NEWNET): {e}"))
}

/// Creates the TUN device (IFF_TUN | IFF_NO_PI: raw IP packets, no offloads, so the
/// kernel's GSO hands us wire-sized segments) and returns its descriptor, non-blocking.
pub fn create_tun() -> Result<OwnedFd, String> {
    // SAFETY: a plain open(2) of a path literal; the result is checked.
    let raw = unsafe { libc::open(c"/dev/net/tun".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC | libc::O_NONBLOCK) };
    if raw < 0 {
        return Err(format!("open /dev/net/tun: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `raw` is a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    #[repr(C)]
    struct IfReq {
        name: [libc::c_char; libc::IFNAMSIZ],
        flags: libc::c_short,
        _pad: [u8; 22],
    }
    let mut req = IfReq { name: [0; libc::IFNAMSIZ], flags: (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short, _pad: [0; 22] };
    for (dst, src) in req.name.iter_mut().zip(TUN_NAME.bytes()) {
        *dst = src as libc::c_char;
    }
    // TUNSETIFF = _IOW('T', 202, int)
    const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
    // SAFETY: TUNSETIFF reads a struct ifreq, which `req` lays out (40 bytes).
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut req as *mut IfReq) };
    if rc < 0 {
        return Err(format!("TUNSETIFF {TUN_NAME}: {}", std::io::Error::last_os_error()));
    }
    Ok(fd)
}

/// Brings `lo` and the TUN device up with the run's addresses and a host route to the
/// remote address through the TUN device.
pub fn configure(setup: &Setup) -> Result<(), String> {
    let v6 = setup.mode.wire_is_ipv6();
    if v6 {
        // No link-local address, router solicitations or DAD delays on the TUN device: the
        // stack must emit nothing a script does not expect.
        write_sysctl("net.ipv6.conf.tun0.addr_gen_mode", "1")?;
        write_sysctl("net.ipv6.conf.tun0.accept_ra", "0")?;
        write_sysctl("net.ipv6.conf.tun0.router_solicitations", "0")?;
        write_sysctl("net.ipv6.conf.tun0.accept_dad", "0")?;
    } else {
        write_sysctl("net.ipv6.conf.tun0.disable_ipv6", "1")?;
    }
    // Upstream runs IPv6 with an MTU of 1520 so that the MSS is 1460 in every mode.
    let mtu = if v6 { "1520" } else { "1500" };
    let (local, remote) = (setup.local_ip, setup.remote_ip);
    let (lp, rp) = (setup.local_prefix, setup.remote_prefix);
    let mut commands = vec!["link set lo up".to_string(), format!("link set {TUN_NAME} mtu {mtu} up")];
    // (A batch takes no per-line `-4`/`-6`: ip knows the family by the address.)
    match local {
        IpAddr::V4(_) => commands.push(format!("addr add {local}/{lp} dev {TUN_NAME}")),
        IpAddr::V6(_) => commands.push(format!("addr add {local}/{lp} dev {TUN_NAME} nodad")),
    }
    // A route to the remote host (or its prefix) unless the local subnet already covers it.
    if !same_prefix(local, remote, lp) {
        commands.push(format!("route add {remote}/{rp} dev {TUN_NAME} src {local}"));
    }
    // One process for all of them (a run's setup is mostly process starts).
    iproute2_batch("ip", &commands)?;
    // upstream's defaults.sh gives the device a pfifo root qdisc; the kernel's timing (e.g.
    // when a delayed ACK leaves) depends on it, so every run has it.
    iproute2_batch("tc", &[format!("qdisc replace dev {TUN_NAME} root pfifo")])
}

/// Whether `a` and `b` share their first `prefix` bits.
fn same_prefix(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    let bits = |ip: IpAddr| -> (u128, u32) {
        match ip {
            IpAddr::V4(v) => (u128::from(u32::from(v)) << 96, 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let ((x, wx), (y, wy)) = (bits(a), bits(b));
    if wx != wy || prefix == 0 {
        return wx == wy;
    }
    let keep = u32::from(prefix).min(wx);
    let mask = if keep == 0 { 0 } else { u128::MAX << (128 - keep) };
    x & mask == y & mask
}

/// Runs an iproute2 tool (`ip` or `tc`) in this thread's namespace with `-batch -`, one
/// command per line; its stderr (which names the failing line) is the error.
fn iproute2_batch(program: &str, commands: &[String]) -> Result<(), String> {
    use std::process::Stdio;
    let mut child = Command::new(program)
        .args(["-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{program}` (iproute2): {e}"))?;
    let script = commands.join("\n") + "\n";
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(script.as_bytes()).map_err(|e| format!("`{program} -batch`: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("`{program} -batch`: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("`{program}` failed on `{}`: {}", commands.join("; "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn sysctl_path(key: &str) -> String {
    format!("/proc/sys/{}", key.replace('.', "/"))
}

/// Reads a sysctl of this thread's namespace.
pub fn read_sysctl(key: &str) -> Result<String, String> {
    let mut s = String::new();
    File::open(sysctl_path(key))
        .and_then(|mut f| f.read_to_string(&mut s))
        .map_err(|e| format!("cannot read sysctl {key}: {e}"))?;
    Ok(s.trim().to_string())
}

/// Writes a sysctl of this thread's namespace and checks that it took (the kernel may
/// accept a write and keep another value, or refuse it).
pub fn write_sysctl(key: &str, value: &str) -> Result<(), String> {
    let path = sysctl_path(key);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| format!("sysctl {key}={value}: {e}"))?;
    f.write_all(value.as_bytes()).map_err(|e| format!("sysctl {key}={value} refused: {e}"))?;
    drop(f);
    let now = read_sysctl(key)?;
    if normalize(&now) == normalize(value) || numeric_equal(&now, value) {
        Ok(())
    } else {
        Err(format!("sysctl {key}={value} did not take: it reads {now}"))
    }
}

fn normalize(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `0x70403` and `459779` are the same value.
fn numeric_equal(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        let s = s.trim();
        match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => s.parse::<u64>().ok(),
        }
    };
    matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::same_prefix;

    #[test]
    fn prefixes() {
        let ip = |s: &str| s.parse().unwrap();
        assert!(same_prefix(ip("192.168.0.1"), ip("192.168.7.9"), 16));
        assert!(!same_prefix(ip("192.168.0.1"), ip("192.0.2.1"), 16));
        assert!(!same_prefix(ip("192.0.2.1"), ip("198.51.100.2"), 32));
        assert!(same_prefix(ip("fd3d:fa7b:d17d::1"), ip("fd3d:fa7b:d17d:8888::"), 48));
        assert!(!same_prefix(ip("fd3d:a0b:17d6::1"), ip("fd3d:fa7b:d17d::1"), 48));
        assert!(!same_prefix(ip("192.0.2.1"), ip("2001:db8::1"), 0));
    }
}
