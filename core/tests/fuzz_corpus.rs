//! The fuzz corpora (`fuzz/corpus/<target>/`) as regression tests: every input that ever
//! mattered to a fuzz target must still go through it without a panic.

use std::path::Path;

/// A fuzz target's check.
type Target = fn(&[u8]);

#[test]
fn every_corpus_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let targets: [(&str, Target); 3] = [
        ("reference", dimg::fuzzing::reference),
        ("json_lines", dimg::fuzzing::json_lines),
        ("models", dimg::fuzzing::models),
    ];
    let mut inputs = 0;
    for (name, run) in targets {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            run(&std::fs::read(&path).unwrap());
            inputs += 1;
        }
    }
    assert!(inputs >= 40, "only {inputs} corpus inputs");
}
