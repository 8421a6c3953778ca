//! `refundkit::samples` carries copies of test material: byte for byte those of `testdata/`.
#![allow(clippy::unwrap_used)]

fn testdata(path: &str) -> String {
    std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata")
            .join(path),
    )
    .unwrap()
}

#[test]
fn the_samples_are_the_test_material_of_testdata() {
    use refundkit::samples::*;
    for (copy, original) in [
        (YOOKASSA_SHOP_KEY, "yookassa/keys/shop.key"),
        (YOOKASSA_SHOP_CERT, "yookassa/keys/shop.crt"),
        (YOOKASSA_PROVIDER_KEY, "yookassa/keys/provider.key"),
        (YOOKASSA_PROVIDER_CERT, "yookassa/keys/provider.crt"),
        (YANDEX_PAY_JWKS, "yandex-pay/webhook/jwks.json"),
        (
            YANDEX_PAY_NOTIFICATION,
            "yandex-pay/webhook/operation-success.jwt",
        ),
        (
            ROBOKASSA_PASSWORD3,
            "sample-credentials/robokassa-password3.txt",
        ),
        (
            YANDEX_PAY_API_KEY,
            "sample-credentials/yandex-pay-api-key.txt",
        ),
        (RBS_USER_NAME, "sample-credentials/rbs-user-name.txt"),
        (RBS_PASSWORD, "sample-credentials/rbs-password.txt"),
        (EMULATOR_CA, "sim/tls/ca.crt"),
        (EMULATOR_CLIENT_CERT, "sim/tls/client.crt"),
        (EMULATOR_CLIENT_KEY, "sim/tls/client.key"),
    ] {
        assert_eq!(copy, testdata(original), "{original}");
    }
}
