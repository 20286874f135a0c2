# Sourced by ci/fuzz-smoke and ci/fuzz-nightly: how every fuzz target is built and run, so the
# two build alike. No sanitizer unless $sanitizer says so (the stack has no unsafe code; ASan
# costs a factor of ten in speed), debug assertions on (integer overflow is a finding), no
# comparison tracing (it halves state_machine's speed, whose structured input gains little
# from it). state_machine instruments only the stack for coverage, function entries unless
# SYNACK_FUZZ_COVERAGE=edges (ci/fuzz-rustc says why), in its own target directory,
# fuzz/target/stack-covered-<coverage>/ (cargo does not fingerprint the wrapper).
export SYNACK_FUZZ_COVERAGE="${SYNACK_FUZZ_COVERAGE:-functions}"

# fuzz SUBCOMMAND TARGET ARGS...: `cargo +nightly fuzz` as this target is built.
fuzz() {
    local sub="$1" t="$2"
    shift 2
    local flags=(-s "${sanitizer:-none}" --debug-assertions --no-trace-compares)
    if [ "$t" = state_machine ]; then
        RUSTC_WRAPPER="$PWD/ci/fuzz-rustc" cargo +nightly fuzz "$sub" "${flags[@]}" --target-dir "fuzz/target/stack-covered-$SYNACK_FUZZ_COVERAGE" "$t" "$@"
    else
        cargo +nightly fuzz "$sub" "${flags[@]}" "$t" "$@"
    fi
}
