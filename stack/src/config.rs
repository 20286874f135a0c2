//! Knobs, the two profiles (`rfc9293`, `linux`), and the mapping from Linux sysctl names onto
//! knobs (so that a script's `sysctl net.ipv4.tcp_*` line means the same thing here).

use core::fmt;
use std::time::Duration;

/// Which defaults a [`Config`] starts from.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Profile {
    /// The RFCs' own defaults (RFC 9293, RFC 6298, RFC 5681, RFC 1122).
    Rfc9293,
    /// What a current Linux kernel does observably.
    Linux,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Rfc9293 => "rfc9293",
            Profile::Linux => "linux",
        }
    }

    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "rfc9293" => Some(Profile::Rfc9293),
            "linux" => Some(Profile::Linux),
            _ => None,
        }
    }
}

/// How a zero-window probe or keep-alive is formed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ProbeStyle {
    /// RFC 9293 §3.8.6.1 / RFC 1122 §4.2.3.6: one octet of data beyond the window
    /// (keep-alive: SEG.SEQ = SND.NXT-1 with one garbage octet).
    OneOctet,
    /// Linux: an empty segment with SEG.SEQ = SND.UNA-1, which forces the peer to ACK.
    StaleSequence,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Config {
    pub profile: Profile,
    /// Link MTU; the MSS we advertise is MTU minus the IP and TCP headers (MUST-14..16).
    pub mtu: u16,
    /// A floor under the peer's MSS (Linux `tcp_min_snd_mss`, 48: `__tcp_mtu_to_mss` raises a
    /// smaller one to it, options included). 0: none — RFC 9293 §3.7.1 (MUST-16) holds the
    /// sender to whatever the peer announced.
    pub min_snd_mss: u16,
    /// RFC 5961 §3–§5 challenge ACKs for RST, SYN and out-of-range ACKs (off: RFC 793 behaviour).
    pub rfc5961: bool,
    /// Maximum challenge ACKs per second (RFC 5961 §7; Linux `tcp_challenge_ack_limit`).
    pub challenge_ack_limit: u32,
    /// RFC 1337 (TIME-WAIT assassination hazards): ignore RST in TIME-WAIT.
    pub rfc1337: bool,
    /// Linux `tcp_abort_on_overflow`: answer the third ACK with RST when the accept queue is full.
    pub abort_on_overflow: bool,
    /// SYN retransmissions before connect() gives up (Linux `tcp_syn_retries`).
    pub syn_retries: u8,
    /// SYN-ACK retransmissions before a half-open connection is dropped (`tcp_synack_retries`).
    pub synack_retries: u8,
    /// Linux `tcp_syn_linear_timeouts`: this many SYN retransmission timeouts keep the initial
    /// RTO before it starts doubling (0: RFC 6298 backoff from the first).
    pub syn_linear_timeouts: u8,
    /// Linux: `tcp_syn_retries` and `tcp_retries2` are time budgets (the time the exponential
    /// backoff of that many retransmissions would take, `tcp_model_timeout`), not counts.
    pub retries_as_time: bool,
    /// Linux `tcp_invalid_ratelimit`: at most one challenge ACK or ACK for an out-of-window
    /// non-data segment per connection in this interval (RFC 5961 §7). `None`: no such limit.
    pub invalid_ratelimit: Option<Duration>,
    /// Data retransmissions before the connection is aborted (RFC 1122 R2; Linux `tcp_retries2`).
    pub retries2: u8,
    /// RFC 6298 (2.1): the RTO before any RTT sample (1 s).
    pub rto_initial: Duration,
    /// RFC 6298 (2.4): lower bound (1 s; Linux 200 ms).
    pub rto_min: Duration,
    /// RFC 6298 (2.5): upper bound, at least 60 s (Linux 120 s).
    pub rto_max: Duration,
    /// Delayed-ACK timeout (MUST-40: under 0.5 s; Linux's minimum ATO is 40 ms).
    pub delayed_ack: Duration,
    /// Whether delayed ACKs are used at all (SHLD-18).
    pub delayed_ack_enabled: bool,
    /// Maximum segment lifetime; TIME-WAIT lasts 2×MSL unless `time_wait` overrides it.
    pub msl: Duration,
    /// TIME-WAIT length (2×MSL by the RFC; Linux: a fixed 60 s).
    pub time_wait: Duration,
    /// How long an orphaned FIN-WAIT-2 waits for the peer's FIN (Linux `tcp_fin_timeout`).
    /// `None`: forever, as RFC 9293 specifies.
    pub fin_wait_2_timeout: Option<Duration>,
    /// Initial congestion window in segments (RFC 5681 §3.1 formula when `None`; Linux: 10).
    pub initial_cwnd_segments: Option<u32>,
    /// Nagle's algorithm by default on new sockets (SHLD-7); TCP_NODELAY turns it off per socket.
    pub nagle: bool,
    /// RFC 7323 timestamps (`tcp_timestamps`).
    pub timestamps: bool,
    /// RFC 7323 window scaling (`tcp_window_scaling`).
    pub window_scaling: bool,
    /// RFC 2018 SACK (`tcp_sack`).
    pub sack: bool,
    /// Default receive buffer (`tcp_rmem[1]`).
    pub rmem_default: u32,
    /// Largest receive buffer, which decides our window scale (`tcp_rmem[2]`).
    pub rmem_max: u32,
    /// Default send buffer (`tcp_wmem[1]`).
    pub wmem_default: u32,
    /// Keep-alive idle time, interval, probe count (RFC 1122 §4.2.3.6: ≥ 2 h by default).
    pub keepalive_time: Duration,
    pub keepalive_interval: Duration,
    pub keepalive_probes: u8,
    pub probe_style: ProbeStyle,
    /// Bounds on the out-of-order queue (octets) and the SACK blocks we remember.
    pub ooo_limit_bytes: u32,
    pub sack_blocks_max: usize,
    /// Bound on the sender's SACK scoreboard, in disjoint ranges (see `scoreboard`).
    pub sack_scoreboard_max: usize,
    /// Half-open connections per listener (`tcp_max_syn_backlog`). When full, new SYNs are
    /// dropped (this stack implements no SYN cookies; see listen_queue).
    pub max_syn_backlog: u32,
    /// Linux's `somaxconn`: the cap on listen(backlog).
    pub somaxconn: u32,
    /// Test-only deliberate bugs (mutation testing of the oracle); all off.
    #[doc(hidden)]
    pub mutations: crate::mutations::Mutations,
}

impl Config {
    pub fn rfc9293() -> Self {
        Config {
            profile: Profile::Rfc9293,
            mtu: 1500,
            min_snd_mss: 0,
            rfc5961: true,
            challenge_ack_limit: 1000,
            rfc1337: false,
            abort_on_overflow: false,
            // RFC 1122 §4.2.3.5 / RFC 9293 §3.8.3 (MUST-23): R2 for SYN at least 3 minutes;
            // with a 1 s initial RTO doubling up to rto_max (60 s), 6 retries give up at 123 s,
            // 7 at 183 s (timeouts::retransmission_gives_up_after_the_retry_limit).
            syn_retries: 7,
            synack_retries: 5,
            syn_linear_timeouts: 0,
            retries_as_time: false,
            invalid_ratelimit: None,
            retries2: 15,
            rto_initial: Duration::from_secs(1),
            rto_min: Duration::from_secs(1),
            rto_max: Duration::from_secs(60),
            delayed_ack: Duration::from_millis(200),
            delayed_ack_enabled: true,
            msl: Duration::from_secs(120),
            time_wait: Duration::from_secs(240),
            fin_wait_2_timeout: None,
            initial_cwnd_segments: None,
            nagle: true,
            timestamps: true,
            window_scaling: true,
            sack: true,
            rmem_default: 131072,
            rmem_max: 6291456,
            wmem_default: 16384,
            keepalive_time: Duration::from_secs(7200),
            keepalive_interval: Duration::from_secs(75),
            keepalive_probes: 9,
            probe_style: ProbeStyle::OneOctet,
            ooo_limit_bytes: 1 << 20,
            sack_blocks_max: 4,
            sack_scoreboard_max: 32,
            max_syn_backlog: 1024,
            somaxconn: 4096,
            mutations: crate::mutations::Mutations::default(),
        }
    }

    pub fn linux() -> Self {
        Config {
            profile: Profile::Linux,
            syn_retries: 6,
            synack_retries: 5,
            syn_linear_timeouts: 4,
            retries_as_time: true,
            invalid_ratelimit: Some(Duration::from_millis(500)),
            rto_min: Duration::from_millis(200),
            rto_max: Duration::from_secs(120),
            delayed_ack: Duration::from_millis(40),
            msl: Duration::from_secs(30),
            time_wait: Duration::from_secs(60),
            fin_wait_2_timeout: Some(Duration::from_secs(60)),
            initial_cwnd_segments: Some(10),
            wmem_default: 16384,
            probe_style: ProbeStyle::StaleSequence,
            min_snd_mss: 48,
            ..Config::rfc9293()
        }
    }

    pub fn for_profile(profile: Profile) -> Self {
        match profile {
            Profile::Rfc9293 => Config::rfc9293(),
            Profile::Linux => Config::linux(),
        }
    }

    /// Applies `net.ipv4.<name> = value` (also accepted without the `net.ipv4.` prefix and with
    /// `/` separators, as in /proc/sys paths). Unknown names are an error: a silently ignored
    /// sysctl would leave a test running under the wrong assumptions.
    pub fn set_sysctl(&mut self, name: &str, value: &str) -> Result<(), SysctlError> {
        let key = name.trim().trim_start_matches("/proc/sys/").replace('/', ".");
        let key = key.strip_prefix("net.ipv4.").unwrap_or(&key);
        let value = value.trim();
        let err = |reason: &'static str| SysctlError { name: name.to_string(), value: value.to_string(), reason };
        let num = || -> Result<u64, SysctlError> {
            let v = value.split_whitespace().next().unwrap_or("");
            let parsed = if let Some(hex) = v.strip_prefix("0x") {
                u64::from_str_radix(hex, 16)
            } else {
                v.parse::<u64>()
            };
            parsed.map_err(|_| err("not a non-negative integer"))
        };
        let small = |v: u64| u8::try_from(v).map_err(|_| err("out of range"));
        let flag = |v: u64| -> Result<bool, SysctlError> { Ok(v != 0) };
        match key {
            "tcp_timestamps" => self.timestamps = flag(num()?)?,
            "tcp_window_scaling" => self.window_scaling = flag(num()?)?,
            "tcp_sack" => self.sack = flag(num()?)?,
            "tcp_syn_retries" => self.syn_retries = small(num()?)?,
            "tcp_synack_retries" => self.synack_retries = small(num()?)?,
            "tcp_syn_linear_timeouts" => self.syn_linear_timeouts = small(num()?)?,
            "tcp_invalid_ratelimit" => {
                let ms = num()?;
                self.invalid_ratelimit = (ms > 0).then(|| Duration::from_millis(ms));
            }
            // Linux accepts 48..=65535 (TCP_MIN_SND_MSS).
            "tcp_min_snd_mss" => {
                self.min_snd_mss = u16::try_from(num()?).ok().filter(|&m| m >= 48).ok_or_else(|| err("out of range (48..=65535)"))?
            }
            "tcp_retries2" => self.retries2 = small(num()?)?,
            "tcp_abort_on_overflow" => self.abort_on_overflow = flag(num()?)?,
            "tcp_rfc1337" => self.rfc1337 = flag(num()?)?,
            "tcp_challenge_ack_limit" => {
                self.challenge_ack_limit = u32::try_from(num()?).map_err(|_| err("out of range"))?
            }
            "tcp_fin_timeout" => self.fin_wait_2_timeout = Some(Duration::from_secs(num()?)),
            "tcp_keepalive_time" => self.keepalive_time = Duration::from_secs(num()?),
            "tcp_keepalive_intvl" => self.keepalive_interval = Duration::from_secs(num()?),
            "tcp_keepalive_probes" => self.keepalive_probes = small(num()?)?,
            "tcp_max_syn_backlog" => {
                self.max_syn_backlog = u32::try_from(num()?).map_err(|_| err("out of range"))?
            }
            "tcp_rmem" | "tcp_wmem" => {
                let parts: Vec<u32> = value
                    .split_whitespace()
                    .map(|p| p.parse::<u32>().map_err(|_| err("expected three integers")))
                    .collect::<Result<_, _>>()?;
                let [_, default, max] = parts[..] else { return Err(err("expected three integers")) };
                if key == "tcp_rmem" {
                    self.rmem_default = default;
                    self.rmem_max = max;
                } else {
                    self.wmem_default = default;
                }
            }
            // Mutation testing only: turns on one deliberate bug (see `mutations`).
            "synack.mutation" => {
                if !self.mutations.set(value) {
                    return Err(err("no such mutation"));
                }
            }
            "core.somaxconn" | "net.core.somaxconn" => {
                self.somaxconn = u32::try_from(num()?).map_err(|_| err("out of range"))?
            }
            // Accepted because the values they set are what this stack does anyway, or because
            // they only tune algorithms this stack does not have (recorded, not silently false).
            "tcp_dsack" | "tcp_fack" | "tcp_frto" | "tcp_reordering" | "tcp_early_retrans"
            | "tcp_recovery" | "tcp_tso_win_divisor" | "tcp_ecn" | "tcp_ecn_option"
            | "tcp_pacing_ss_ratio" | "tcp_pacing_ca_ratio" | "tcp_notsent_lowat"
            | "tcp_slow_start_after_idle" | "tcp_syncookies" | "tcp_fastopen"
            | "tcp_fastopen_key" | "tcp_congestion_control" | "tcp_min_tso_segs"
            | "tcp_autocorking" | "tcp_moderate_rcvbuf" | "tcp_no_metrics_save" => {}
            _ => return Err(err("no such knob in the reference stack")),
        }
        Ok(())
    }

    /// The shift we offer in our SYN: the smallest that lets `rmem_max` be advertised
    /// (Linux `tcp_select_initial_window`), at most 14 (RFC 7323 §2.3).
    pub fn our_window_scale(&self) -> u8 {
        let mut space = self.rmem_max;
        let mut shift = 0;
        while space > u16::MAX as u32 && shift < 14 {
            space >>= 1;
            shift += 1;
        }
        shift
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::rfc9293()
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SysctlError {
    pub name: String,
    pub value: String,
    pub reason: &'static str,
}

impl fmt::Display for SysctlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sysctl {}={}: {}", self.name, self.value, self.reason)
    }
}

impl std::error::Error for SysctlError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctls_map_onto_knobs() {
        let mut c = Config::linux();
        c.set_sysctl("net.ipv4.tcp_timestamps", "0").unwrap();
        assert!(!c.timestamps);
        c.set_sysctl("/proc/sys/net/ipv4/tcp_synack_retries", "2").unwrap();
        assert_eq!(c.synack_retries, 2);
        c.set_sysctl("net.ipv4.tcp_rmem", "4096 540000 15728640").unwrap();
        assert_eq!((c.rmem_default, c.rmem_max), (540000, 15728640));
        // Linux derives wscale 8 from a 15 MB maximum (as upstream packetdrill scripts expect).
        assert_eq!(c.our_window_scale(), 8);
        assert!(c.set_sysctl("net.ipv4.tcp_no_such_thing", "1").is_err());
        assert!(c.set_sysctl("net.ipv4.tcp_syn_retries", "lots").is_err());
        assert!(c.set_sysctl("net.ipv4.tcp_rmem", "1 2").is_err());
    }

    #[test]
    fn linux_default_window_scale_is_7() {
        assert_eq!(Config::linux().our_window_scale(), 7);
    }
}
