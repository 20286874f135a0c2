#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain. Idempotent; safe to re-run.
# (tshark, cargo-fuzz and friends are added here as the issues that need them land.)
set -euo pipefail
command -v cargo >/dev/null || { echo "install-tools: cargo is required" >&2; exit 1; }
