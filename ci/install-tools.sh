#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain. Idempotent; safe to re-run.
set -euo pipefail
command -v cargo >/dev/null || { echo "install-tools: cargo is required" >&2; exit 1; }

# tshark: the pcap report test reads our captures back with Wireshark's dissectors
# (harness/tests/report_pcap.rs; .ci/run sets SYNACK_REQUIRE_TSHARK=1 so a missing tshark fails
# there rather than being skipped). Debian's package, installed as root in CI.
if ! command -v tshark >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-tools: tshark missing and not root; install it with: apt-get install tshark" >&2
    else
        # Answer wireshark-common's "should non-superusers capture?" question up front so the
        # install never waits on debconf (we only read files; no capture privileges needed).
        if command -v debconf-set-selections >/dev/null; then
            echo "wireshark-common wireshark-common/install-setuid boolean false" \
                | debconf-set-selections
        fi
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tshark
    fi
fi

# iproute2 (`ip`): the Linux backend configures each run's namespace with it
# (harness/src/backend/linux/netns.rs). ethtool and tc: upstream packetdrill scripts call them
# in backtick lines; without them those runs end in an environment error naming the command.
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v ethtool >/dev/null || missing+=(ethtool)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-tools: missing ${missing[*]} and not root; install with: apt-get install ${missing[*]}" >&2
    else
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
fi

# cargo-fuzz: ci/fuzz-smoke (run by .ci/run) and ci/fuzz-nightly build the targets in fuzz/ with
# it, on the nightly toolchain already on the machine.
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
