//! The committed `state_machine` seeds stay what the scripts say: every script in
//! `packetdrill-scripts/` has its seed in `corpus/state_machine/` (`script-<area>-<name>`),
//! and the seed is the input the script maps to now (`synack_fuzz::seeds::from_script`). A
//! script added or changed without `ci/corpus-seeds` fails here, with the command to run.

use std::path::Path;

use synack_fuzz::machine::encode;

#[test]
fn every_script_has_its_state_machine_seed_as_it_maps_now() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = repo.join("packetdrill-scripts");
    let paths = synack::suite::discover(std::slice::from_ref(&root)).expect("the suite's scripts");
    assert!(paths.len() >= 50, "only {} scripts under {}", paths.len(), root.display());
    let mut stale = Vec::new();
    for path in &paths {
        let source = std::fs::read(path).expect("script");
        let script = synack::script::parse(&path.display().to_string(), &source)
            .unwrap_or_else(|e| panic!("{}: a suite script does not parse: {e}", path.display()));
        let rel = path.strip_prefix(&root).expect("under the suite");
        let name = synack_fuzz::seeds::seed_name(rel);
        let rel = rel.display();
        let expected = encode::to_bytes(&synack_fuzz::seeds::from_script(&script));
        match std::fs::read(repo.join("corpus/state_machine").join(&name)) {
            Ok(committed) if committed == expected => {}
            Ok(_) => stale.push(format!("{name} (differs from {rel})")),
            Err(_) => stale.push(format!("{name} (missing, for {rel})")),
        }
    }
    assert!(stale.is_empty(), "state_machine seeds out of date — run ci/corpus-seeds:\n  {}", stale.join("\n  "));
}
