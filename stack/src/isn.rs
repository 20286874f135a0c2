//! Initial sequence numbers (RFC 9293 §3.4.1, RFC 6528) and the stack's seeded randomness.
//!
//! ISN = M + F(localip, localport, remoteip, remoteport, secretkey), with M a clock ticking
//! every 4 µs and F a keyed hash (MUST-8, SHLD-1). The key comes from the seed, so a run is
//! reproducible. F is SipHash-2-4 (the `siphasher` crate, checked here against the
//! reference test vector).

use crate::time::Instant;
use std::net::SocketAddr;

#[derive(Clone, Debug)]
pub struct Secrets {
    key: (u64, u64),
    counter: u64,
}

impl Secrets {
    pub fn from_seed(seed: u64) -> Self {
        let k0 = splitmix(seed);
        let k1 = splitmix(k0);
        Secrets { key: (k0, k1), counter: 0 }
    }

    /// RFC 9293 §3.4.1: M + F(4-tuple, key), M in units of 4 µs.
    pub fn isn(&self, now: Instant, local: SocketAddr, remote: SocketAddr) -> u32 {
        let m = (now.as_nanos() / 4_000) as u32;
        m.wrapping_add(self.hash_tuple(local, remote, 0) as u32)
    }

    /// A per-connection offset for our TSval clock (RFC 7323 §7.1), from the same key.
    pub fn ts_offset(&self, local: SocketAddr, remote: SocketAddr) -> u32 {
        (self.hash_tuple(local, remote, 1) >> 32) as u32
    }

    /// The next value of a deterministic random stream (ephemeral ports and the like).
    pub fn next_u64(&mut self) -> u64 {
        self.counter += 1;
        siphash24(self.key, &self.counter.to_le_bytes())
    }

    fn hash_tuple(&self, local: SocketAddr, remote: SocketAddr, domain: u8) -> u64 {
        let mut msg = Vec::with_capacity(40);
        msg.push(domain);
        for addr in [local, remote] {
            match addr {
                SocketAddr::V4(a) => msg.extend_from_slice(&a.ip().octets()),
                SocketAddr::V6(a) => msg.extend_from_slice(&a.ip().octets()),
            }
            msg.extend_from_slice(&addr.port().to_be_bytes());
        }
        siphash24(self.key, &msg)
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SipHash-2-4 (Aumasson & Bernstein, 2012) of `msg` under `key`.
fn siphash24(key: (u64, u64), msg: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = siphasher::sip::SipHasher24::new_with_keys(key.0, key.1);
    h.write(msg);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siphash_matches_the_reference_vector() {
        // The paper's Appendix A: key 00..0f, message 00..0e → a129ca6149be45e5.
        let key = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908);
        let msg: Vec<u8> = (0u8..15).collect();
        assert_eq!(siphash24(key, &msg), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn isn_advances_with_the_clock_and_depends_on_the_tuple_and_seed() {
        let a: SocketAddr = "192.0.2.1:80".parse().unwrap();
        let b: SocketAddr = "198.51.100.2:4000".parse().unwrap();
        let c: SocketAddr = "198.51.100.2:4001".parse().unwrap();
        let s = Secrets::from_seed(1);
        let t0 = s.isn(Instant::ZERO, a, b);
        assert_eq!(s.isn(Instant::from_micros(400), a, b), t0.wrapping_add(100));
        assert_ne!(s.isn(Instant::ZERO, a, c), t0);
        assert_ne!(Secrets::from_seed(2).isn(Instant::ZERO, a, b), t0);
    }
}
