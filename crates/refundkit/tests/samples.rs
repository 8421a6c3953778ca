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
    ] {
        assert_eq!(copy, testdata(original), "{original}");
    }
}
