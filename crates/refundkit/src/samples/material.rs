//! The sample material itself (below the adapters, which insert their samples from here).

/// A YooKassa shop's test private key (RSA 2048, PEM): signs `returnPayment` requests in
/// examples. Not a real key.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_SHOP_KEY: &str = include_str!("shop.key");

/// The certificate of [`YOOKASSA_SHOP_KEY`] (PEM). Not a real certificate.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_SHOP_CERT: &str = include_str!("shop.crt");

/// A test key standing in for YooKassa's own, which signs MWS answers (PEM). Not a real key.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_PROVIDER_KEY: &str = include_str!("provider.key");

/// The certificate of [`YOOKASSA_PROVIDER_KEY`] (PEM): what a shop trusts MWS's signed answers
/// by, in examples. Not YooKassa's certificate.
#[cfg(feature = "yookassa")]
pub const YOOKASSA_PROVIDER_CERT: &str = include_str!("provider.crt");

/// The JWKS of a test P-256 key standing in for Yandex Pay's notification key (not Yandex
/// Pay's: its own is at `https://pay.yandex.ru/api/jwks`).
#[cfg(feature = "yandex-pay")]
pub const YANDEX_PAY_JWKS: &str = include_str!("jwks.json");

/// An `OPERATION_STATUS_UPDATED` notification signed ES256 by the `openssl` CLI under the key
/// of [`YANDEX_PAY_JWKS`] (issued for the instant 1795428100, Unix seconds).
#[cfg(feature = "yandex-pay")]
pub const YANDEX_PAY_NOTIFICATION: &str = include_str!("operation-success.jwt");

/// Robokassa's sample Password3 (the one `refundkit serve`'s built-in scenario takes). Not a
/// real key.
#[cfg(feature = "robokassa")]
pub const ROBOKASSA_PASSWORD3: &str = include_str!("robokassa-password3.txt");

/// Yandex Pay's sample API key. Not a real key.
#[cfg(feature = "yandex-pay")]
pub const YANDEX_PAY_API_KEY: &str = include_str!("yandex-pay-api-key.txt");

/// The RBS sample userName.
#[cfg(feature = "rbs")]
pub const RBS_USER_NAME: &str = include_str!("rbs-user-name.txt");

/// The RBS sample password. Not a real password.
#[cfg(feature = "rbs")]
pub const RBS_PASSWORD: &str = include_str!("rbs-password.txt");

/// The CA of `refundkit serve`'s built-in TLS material (PEM): what a client trusts the
/// emulated MWS by. A test CA, trusted by nothing else.
pub const EMULATOR_CA: &str = include_str!("emulator-ca.crt");

/// A shop's TLS client certificate that `refundkit serve`'s emulated MWS accepts (PEM): the
/// MWS TLS identity of the samples. Not a real certificate.
pub const EMULATOR_CLIENT_CERT: &str = include_str!("emulator-client.crt");

/// The private key of [`EMULATOR_CLIENT_CERT`] (PEM). Not a real key.
pub const EMULATOR_CLIENT_KEY: &str = include_str!("emulator-client.key");
