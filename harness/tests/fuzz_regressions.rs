//! Findings of the `script_parse` and `pcap_check` fuzz targets (`fuzz/`): the reproducers in
//! `tests/fuzz_regressions/<target>/`, run through the target's own checks
//! (`fuzz/src/script.rs`, `fuzz/src/pcap.rs`, included below), so each stays fixed. The
//! `example-*` files there are not findings: they keep the replay honest (an error at end of
//! line, invalid UTF-8; a pcapng cut mid-block, a pcap header alone) until the first finding.

#[path = "../../fuzz/src/script.rs"]
mod script_checks;

#[path = "../../fuzz/src/pcap.rs"]
mod pcap_checks;

#[test]
fn pcap_check_reproducers_pass_the_targets_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/pcap_check");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("reproducer directory").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "no reproducers in {}", dir.display());
    for path in paths {
        let bytes = std::fs::read(&path).expect("reproducer");
        let outcome = std::panic::catch_unwind(|| pcap_checks::check(&bytes));
        assert!(outcome.is_ok(), "{} fails the pcap_check checks", path.display());
    }
}

#[test]
fn script_parse_reproducers_pass_the_targets_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/script_parse");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("reproducer directory").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "no reproducers in {}", dir.display());
    for path in paths {
        let bytes = std::fs::read(&path).expect("reproducer");
        let outcome = std::panic::catch_unwind(|| script_checks::check(&bytes));
        assert!(outcome.is_ok(), "{} fails the script_parse checks", path.display());
    }
}
