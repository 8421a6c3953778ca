//! The four refunds `plan` builds for its sample order with the sample credentials, sent to
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

fn secret(path: &str) -> refundkit::core::SecretString {
    String::from_utf8(read(path))
        .expect("UTF-8")
        .trim_end()
        .to_owned()
        .into()
}

/// The sample credentials (clearly marked sample ones, not real).
pub fn credentials() -> Credentials {
    let mut credentials = Credentials::new();
    credentials.insert(
        refundkit::robokassa::Password3::new(secret("sample-credentials/robokassa-password3.txt"))
            .expect("a Password3"),
    );
    credentials.insert(refundkit::yandex_pay::types::ApiKey(secret(
        "sample-credentials/yandex-pay-api-key.txt",
    )));
    credentials.insert(
        refundkit::pkcs7::Signer::new(
            refundkit::pkcs7::PrivateKey::from_pem_or_der(&read(
                "sample-credentials/yookassa-shop.key",
            ))
            .expect("the sample key"),
            refundkit::pkcs7::Certificate::from_pem_or_der(&read(
                "sample-credentials/yookassa-shop.crt",
            ))
            .expect("the sample certificate"),
        )
        .expect("a signer"),
    );
    credentials.insert(refundkit::rbs::Auth::Password {
        user_name: "sample-rbs-api".into(),
        password: refundkit::rbs::types::Password(secret("sample-credentials/rbs-password.txt")),
    });
    credentials
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
