//! Whether the tests were built with a PostgreSQL server to run against: the tests that need
//! one are marked ignored without it (`cargo test` lists them as ignored, not as passed), so a
//! run that did not reach PostgreSQL says so.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(refundkit_test_postgres)");
    println!("cargo:rerun-if-env-changed=REFUNDKIT_TEST_POSTGRES");
    if std::env::var_os("REFUNDKIT_TEST_POSTGRES").is_some_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=refundkit_test_postgres");
    }
}
