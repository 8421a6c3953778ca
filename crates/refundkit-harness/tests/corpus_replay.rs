//! Replays every committed fuzz corpus on stable, as part of the normal test run.
#![allow(clippy::panic, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn every_fuzz_corpus_replays_without_a_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, target) in refundkit_harness::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut count = 0usize;
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_file() {
                target(&std::fs::read(&path).expect("corpus file"));
                count += 1;
            }
        }
        assert!(count > 0, "corpus of {name} is empty");
    }
}

#[test]
fn every_fuzz_target_has_a_cargo_fuzz_wrapper() {
    let manifest = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/Cargo.toml"),
    )
    .expect("fuzz/Cargo.toml");
    for (name, _) in refundkit_harness::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name} missing from fuzz/Cargo.toml"
        );
    }
}
