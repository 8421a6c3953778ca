//! `POST {base}/api/merchant/v1/orders/{orderId}/refund`, ready for any HTTP client.

use http::{HeaderValue, Method, Request, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use refundkit_core::{BaseUrl, EncodeError, EndpointError, Validated};

use crate::codec::{encode_request, encode_request_v2};
use crate::types::{ApiKey, RefundRequest, RefundRequestV2};

/// Production or sandbox (or an emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

impl Endpoint {
    /// Production base.
    pub const PRODUCTION: &str = "https://pay.yandex.ru";
    /// Sandbox base (the API key there equals the merchant id).
    pub const SANDBOX: &str = "https://sandbox.pay.yandex.ru";

    /// Production.
    pub fn production() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::PRODUCTION),
        }
    }

    /// Sandbox.
    pub fn sandbox() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::SANDBOX),
        }
    }

    /// Any base URL (an emulator in tests).
    pub fn custom(base: &str) -> Result<Self, EndpointError> {
        Ok(Endpoint {
            base: BaseUrl::parse(base)?,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// The base a request built here was sent to: its URL up to `/api/merchant/`.
    pub fn of_request<B>(request: &Request<B>) -> Option<Endpoint> {
        let url = request.uri().to_string();
        let (base, _) = url.split_once("/api/merchant/")?;
        Endpoint::custom(base).ok()
    }
}

/// The headers of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `X-Request-Id`: a UUID chosen once per refund and kept on every retry of it.
    pub request_id: String,
    /// `X-Request-Timeout` in milliseconds (10 000 is the cited maximum).
    pub timeout_ms: u32,
    /// `X-Request-Attempt`, 0 for the first.
    pub attempt: u32,
}

/// Why the request could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The body could not be written (validation reports the cause first).
    #[error("body: {0}")]
    Body(#[from] EncodeError),
    /// URL or header refused by `http` (a request id with bad characters).
    #[error("request: {0}")]
    Http(#[from] http::Error),
}

/// A path segment: everything but unreserved characters percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The refund request for order `order_id`, body compact JSON. Only a validated body is
/// taken: a final cart Yandex Pay would refuse cannot reach the wire.
pub fn refund_request(
    endpoint: &Endpoint,
    order_id: &str,
    api_key: &ApiKey,
    body: &Validated<RefundRequest>,
    attempt: &Attempt,
) -> Result<Request<Vec<u8>>, BuildError> {
    let url = endpoint.base.join(&format!(
        "/api/merchant/v1/orders/{}/refund",
        utf8_percent_encode(order_id, SEGMENT)
    ));
    post(url, api_key, attempt, encode_request(body)?)
}

/// The v2 refund request for order `order_id` (`POST /api/merchant/v2/orders/{orderId}/refund`),
/// body compact JSON. Only a validated body is taken.
pub fn refund_request_v2(
    endpoint: &Endpoint,
    order_id: &str,
    api_key: &ApiKey,
    body: &Validated<RefundRequestV2>,
    attempt: &Attempt,
) -> Result<Request<Vec<u8>>, BuildError> {
    let url = endpoint.base.join(&format!(
        "/api/merchant/v2/orders/{}/refund",
        utf8_percent_encode(order_id, SEGMENT)
    ));
    post(url, api_key, attempt, encode_request_v2(body)?)
}

fn post(
    url: String,
    api_key: &ApiKey,
    attempt: &Attempt,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>, BuildError> {
    Ok(with_headers(
        Request::builder().method(Method::POST).uri(url),
        api_key,
        attempt,
    )
    .header(header::CONTENT_TYPE, "application/json")
    .body(body)?)
}

fn with_headers(
    builder: http::request::Builder,
    api_key: &ApiKey,
    attempt: &Attempt,
) -> http::request::Builder {
    builder
        .header(
            header::AUTHORIZATION,
            format!("Api-Key {}", api_key.0.expose_secret()),
        )
        .header("X-Request-Id", &attempt.request_id)
        .header("X-Request-Timeout", attempt.timeout_ms.to_string())
        .header("X-Request-Attempt", attempt.attempt.to_string())
}

/// The operation status of the refund the shop named `external_operation_id`
/// (`GET /api/merchant/v1/operations/{externalOperationId}`).
pub fn operation_request(
    endpoint: &Endpoint,
    external_operation_id: &str,
    api_key: &ApiKey,
    attempt: &Attempt,
) -> Result<Request<Vec<u8>>, BuildError> {
    let url = endpoint.base.join(&format!(
        "/api/merchant/v1/operations/{}",
        utf8_percent_encode(external_operation_id, SEGMENT)
    ));
    Ok(with_headers(
        Request::builder().method(Method::GET).uri(url),
        api_key,
        attempt,
    )
    .body(Vec::new())?)
}

/// The order with its operations (`GET /api/merchant/v1/orders/{orderId}`).
pub fn order_request(
    endpoint: &Endpoint,
    order_id: &str,
    api_key: &ApiKey,
    attempt: &Attempt,
) -> Result<Request<Vec<u8>>, BuildError> {
    let url = endpoint.base.join(&format!(
        "/api/merchant/v1/orders/{}",
        utf8_percent_encode(order_id, SEGMENT)
    ));
    Ok(with_headers(
        Request::builder().method(Method::GET).uri(url),
        api_key,
        attempt,
    )
    .body(Vec::new())?)
}

/// A copy of a request built here with its secret (the API key) replaced, for logs.
pub fn redacted(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = refundkit_core::copy_request(request);
    if copy.headers().contains_key(header::AUTHORIZATION) {
        copy.headers_mut().insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Api-Key [redacted]"),
        );
    }
    copy
}
