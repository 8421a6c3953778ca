//! Every vector in testdata/rbs/vectors.json, byte for byte.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

#[test]
fn golden_vectors_in_testdata_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rbs");
    let outcomes = refundkit_rbs::conformance::run_dir(&dir).unwrap();
    assert!(outcomes.len() >= 18, "only {} vectors", outcomes.len());
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|e| format!("{}: {e}", o.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
