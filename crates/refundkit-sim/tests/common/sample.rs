//! The refunds `plan` builds for its sample order with the sample credentials, sent to
//! given base URLs: what the emulator's tests and `refundkit serve`'s end-to-end test send.
//! Included by path from both test suites (`#[path]`), so that it is written once.

use std::path::PathBuf;
use std::time::SystemTime;

use refundkit::plan::{Credentials, RefundDescription, build};

/// `testdata/<path>`.
pub fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(path)
}

/// The bytes of `testdata/<path>`.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(testdata(path)).expect("testdata file")
}

/// The sample credentials (clearly marked sample ones, not real): the same the sample files
/// hold, read by the facade's one loader (`tests/credentials.rs` there checks they agree).
pub fn credentials() -> Credentials {
    refundkit::samples::credentials()
}

fn plan(bases: &[(&str, String)], now: SystemTime) -> Vec<refundkit::plan::ProviderPlan> {
    let mut desc: RefundDescription =
        refundkit::core::json::decode(&read("plan/sample-order.json")).expect("the sample order");
    for (provider, base) in bases {
        desc.settings
            .set(&format!("{provider}.base_url={base}"))
            .expect("a known setting");
    }
    build(&desc, &credentials(), &[], now)
        .expect("the sample plans")
        .providers
}

/// The planned refunds' requests, each provider's `base_url` set from `bases` (`(provider,
/// base)`), at `now`.
#[allow(dead_code)]
pub fn planned(
    bases: &[(&str, String)],
    now: SystemTime,
) -> Vec<(&'static str, http::Request<Vec<u8>>)> {
    plan(bases, now)
        .into_iter()
        .map(|p| (p.provider, p.request.expect("every provider plans")))
        .collect()
}

/// The planned refunds as state machines, at `now`.
#[allow(dead_code)]
pub fn planned_refunds(bases: &[(&str, String)], now: SystemTime) -> Vec<refundkit::Refund> {
    plan(bases, now)
        .into_iter()
        .map(|p| p.refund.expect("every provider plans a refund"))
        .collect()
}
