//! `POST {base}/refunds` and `GET {base}/refunds/{id}`, ready for any HTTP client: Basic auth
//! with the shop's id and secret key, the refund's `Idempotence-Key`.

use base64::Engine as _;
use http::{Method, Request, header};
use refundkit_core::{BaseUrl, EndpointError, Validated};

use crate::codec::encode_request;
use crate::invariants::is_object_id_form;
use crate::types::{Auth, IdempotenceKey, RefundRequest};

/// The API: its base URL, ending in `/v3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

impl Endpoint {
    /// YooKassa's API (the same host for a test shop: its `test_` secret key makes it one).
    pub const PRODUCTION: &str = "https://api.yookassa.ru/v3";

    /// The API.
    pub fn production() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::PRODUCTION),
        }
    }

    /// Another base (an emulator in tests), such as `http://127.0.0.1:8080/yookassa-v3/v3`.
    pub fn custom(base: &str) -> Result<Self, EndpointError> {
        Ok(Endpoint {
            base: BaseUrl::parse(base)?,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint::production()
    }
}

/// A request could not be assembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The key is not 1 to 64 printable ASCII characters.
    #[error("Idempotence-Key: 1 to 64 printable ASCII characters")]
    Key,
    /// A refund id that is not one of YooKassa's.
    #[error("refund id {0:?}: 36 lower-case hex digits and dashes")]
    RefundId(String),
    /// The body did not encode (an amount with more than two decimals).
    #[error(transparent)]
    Encode(#[from] refundkit_core::EncodeError),
    /// The URL or a header does not hold.
    #[error("cannot build the HTTP request: {0}")]
    Http(#[from] http::Error),
}

/// Whether `key` can be an `Idempotence-Key`: 1 to 64 printable ASCII characters (the
/// official SDKs generate a V4 UUID; the limit is the public clients', unverified).
pub fn is_key_form(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

fn basic(auth: &Auth) -> String {
    let pair = format!("{}:{}", auth.shop_id, auth.secret_key.expose_secret());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// `POST {base}/refunds` for a validated request under `key`. The same key with the same body
/// answers as the first time: the one request a lost answer may repeat.
pub fn refund_request(
    endpoint: &Endpoint,
    auth: &Auth,
    key: &IdempotenceKey,
    request: &Validated<RefundRequest>,
) -> Result<Request<Vec<u8>>, RequestError> {
    if !is_key_form(&key.0) {
        return Err(RequestError::Key);
    }
    Ok(Request::builder()
        .method(Method::POST)
        .uri(endpoint.base.join("/refunds"))
        .header(header::AUTHORIZATION, basic(auth))
        .header("idempotence-key", key.0.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .body(encode_request(request)?)?)
}

/// `GET {base}/refunds/{id}`: the refund object, the status source.
pub fn refund_status_request(
    endpoint: &Endpoint,
    auth: &Auth,
    refund_id: &str,
) -> Result<Request<Vec<u8>>, RequestError> {
    if !is_object_id_form(refund_id) {
        return Err(RequestError::RefundId(refund_id.to_owned()));
    }
    Ok(Request::builder()
        .method(Method::GET)
        .uri(endpoint.base.join(&format!("/refunds/{refund_id}")))
        .header(header::AUTHORIZATION, basic(auth))
        .body(Vec::new())?)
}

/// A copy of a request built here with its `Authorization` replaced by `Basic [redacted]`, for
/// logs. The body holds no secret.
pub fn redacted(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = refundkit_core::copy_request(request);
    if copy.headers().contains_key(header::AUTHORIZATION) {
        copy.headers_mut().insert(
            header::AUTHORIZATION,
            http::HeaderValue::from_static("Basic [redacted]"),
        );
    }
    copy
}
