//! Every vector in testdata/yookassa-v3/vectors.json, byte for byte; and every violation code
//! of this crate exercised by a test or a vector.

use refundkit_testkit::{assert_golden, test_sources, testdata, unexercised};

#[test]
fn golden_vectors_in_testdata_pass() {
    assert_golden(
        refundkit_yookassa_v3::conformance::run_dir(&testdata("yookassa-v3")),
        30,
    );
}

#[test]
fn every_violation_code_has_a_test_or_a_vector_that_expects_it() {
    let sources = test_sources(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        "yookassa-v3",
    );
    let missing = unexercised(refundkit_yookassa_v3::codes::ALL, &sources);
    assert!(missing.is_empty(), "codes no test exercises: {missing:?}");
}
