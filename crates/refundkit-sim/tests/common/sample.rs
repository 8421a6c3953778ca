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

/// The planned refunds, each provider's `base_url` set from `bases` (`(provider, base)`), at
/// `now`.
pub fn planned(
    bases: &[(&str, String)],
    now: SystemTime,
) -> Vec<(&'static str, http::Request<Vec<u8>>)> {
    let mut desc: RefundDescription =
        refundkit::core::json::decode(&read("plan/sample-order.json")).expect("the sample order");
    for (provider, base) in bases {
        desc.settings
            .set(&format!("{provider}.base_url={base}"))
            .expect("a known setting");
    }
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
    let plan = build(&desc, &credentials, &[], now).expect("the sample plans");
    plan.providers
        .into_iter()
        .map(|p| {
            let name = refundkit::providers::find(p.provider)
                .expect("a provider")
                .name();
            (name, p.request.expect("every provider plans"))
        })
        .collect()
}
