//! Sample material for examples and tests: **test keys and certificates, never a real shop's
//! or provider's.** Copies of `testdata/` (a test keeps them byte for byte the same), carried in
//! the crate so that an example needs nothing but `refundkit`.

/// A YooKassa shop's test private key (RSA 2048, PEM): signs `returnPayment` requests in
/// examples. Not a real key.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_SHOP_KEY: &str = include_str!("samples/shop.key");

/// The certificate of [`YOOKASSA_SHOP_KEY`] (PEM). Not a real certificate.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_SHOP_CERT: &str = include_str!("samples/shop.crt");

/// A test key standing in for YooKassa's own, which signs MWS answers (PEM). Not a real key.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_PROVIDER_KEY: &str = include_str!("samples/provider.key");

/// The certificate of [`YOOKASSA_PROVIDER_KEY`] (PEM): what a shop trusts MWS's signed answers
/// by, in examples. Not YooKassa's certificate.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_PROVIDER_CERT: &str = include_str!("samples/provider.crt");

/// The JWKS of a test P-256 key standing in for Yandex Pay's notification key (not Yandex
/// Pay's: its own is at `https://pay.yandex.ru/api/jwks`).
#[cfg(feature = "yandex-pay")]
pub const YANDEX_PAY_JWKS: &str = include_str!("samples/jwks.json");

/// An `OPERATION_STATUS_UPDATED` notification signed ES256 by the `openssl` CLI under the key
/// of [`YANDEX_PAY_JWKS`] (issued for the instant 1795428100, Unix seconds).
#[cfg(feature = "yandex-pay")]
pub const YANDEX_PAY_NOTIFICATION: &str = include_str!("samples/operation-success.jwt");
