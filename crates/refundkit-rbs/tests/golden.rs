//! Every vector in testdata/rbs/vectors.json, byte for byte; and every violation code of this
//! crate exercised by a test or a vector.

use refundkit_testkit::{assert_golden, test_sources, testdata, unexercised};

#[test]
fn golden_vectors_in_testdata_pass() {
    assert_golden(refundkit_rbs::conformance::run_dir(&testdata("rbs")), 48);
}

#[test]
fn every_violation_code_has_a_test_or_a_vector_that_expects_it() {
    let sources = test_sources(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), "rbs");
    let missing = unexercised(refundkit_rbs::codes::ALL, &sources);
    assert!(missing.is_empty(), "codes no test exercises: {missing:?}");
}
