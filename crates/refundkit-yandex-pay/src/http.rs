//! `POST {base}/api/merchant/v1/orders/{orderId}/refund`, ready for any HTTP client.

use http::{Method, Request, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::types::{ApiKey, RefundRequest};

/// Production or sandbox (or a mock server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: String,
}

impl Endpoint {
    /// Production base.
    pub const PRODUCTION: &str = "https://pay.yandex.ru";
    /// Sandbox base (the API key there equals the merchant id).
    pub const SANDBOX: &str = "https://sandbox.pay.yandex.ru";

    /// Production.
    pub fn production() -> Self {
        Endpoint::custom(Self::PRODUCTION)
    }

    /// Sandbox.
    pub fn sandbox() -> Self {
        Endpoint::custom(Self::SANDBOX)
    }

    /// Any base URL.
    pub fn custom(base: &str) -> Self {
        Endpoint {
            base: base.trim_end_matches('/').to_owned(),
        }
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
    /// The body could not be serialised (an amount with more than two places).
    #[error("body: {0}")]
    Body(#[from] serde_json::Error),
    /// URL or header refused by `http` (a base URL or request id with bad characters).
    #[error("request: {0}")]
    Http(#[from] http::Error),
}

/// A path segment: everything but unreserved characters percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The refund request for order `order_id`, body compact JSON.
pub fn refund_request(
    endpoint: &Endpoint,
    order_id: &str,
    api_key: &ApiKey,
    body: &RefundRequest,
    attempt: &Attempt,
) -> Result<Request<Vec<u8>>, BuildError> {
    let url = format!(
        "{}/api/merchant/v1/orders/{}/refund",
        endpoint.base,
        utf8_percent_encode(order_id, SEGMENT)
    );
    Ok(Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(
            header::AUTHORIZATION,
            format!("Api-Key {}", api_key.0.expose_secret()),
        )
        .header("X-Request-Id", &attempt.request_id)
        .header("X-Request-Timeout", attempt.timeout_ms.to_string())
        .header("X-Request-Attempt", attempt.attempt.to_string())
        .header(header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(body)?)?)
}
