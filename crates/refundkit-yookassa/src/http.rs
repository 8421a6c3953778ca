//! `POST {base}/returnPayment` with the PKCS#7 PEM as `application/pkcs7-mime`. Mutual TLS
//! with the shop's certificate is the HTTP client's job.

use http::{Method, Request, header};
use refundkit_core::{BaseUrl, EndpointError};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::types::{ListReturns, SignedRequest};

/// Where MWS lives: the base of its operations (`…/webservice/mws/api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

impl Endpoint {
    /// Production.
    pub const PRODUCTION: &str = "https://shop.yookassa.ru/webservice/mws/api";
    /// The legacy host.
    pub const LEGACY: &str = "https://penelope.yamoney.ru/webservice/mws/api";
    /// The demo host (currency 10643 there).
    pub const DEMO: &str = "https://penelope-demo.yamoney.ru:8083/webservice/mws/api";

    /// Production.
    pub fn production() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::PRODUCTION),
        }
    }

    /// The demo environment.
    pub fn demo() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::DEMO),
        }
    }

    /// Any base of the MWS operations (an emulator in tests).
    pub fn custom(base: &str) -> Result<Self, EndpointError> {
        Ok(Endpoint {
            base: BaseUrl::parse(base)?,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// The URL of `listReturns`.
    pub fn list_returns_url(&self) -> String {
        self.base.join("/listReturns")
    }

    /// The URL of `returnPayment`.
    pub fn return_payment_url(&self) -> String {
        self.base.join("/returnPayment")
    }
}

/// The request carrying a signed returnPaymentRequest (from [`crate::sign_request`], which
/// signs only a validated one).
pub fn return_payment_request(
    endpoint: &Endpoint,
    signed: &SignedRequest,
) -> Result<Request<Vec<u8>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.return_payment_url())
        .header(header::CONTENT_TYPE, "application/pkcs7-mime")
        .body(signed.as_str().as_bytes().to_vec())
}

/// Everything but RFC 3986 unreserved characters is percent-encoded in a form value.
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `POST {base}/listReturns`, form-encoded (`requestDT`, `outputFormat=XML`, `shopId`, `from`,
/// `till`): the refunds of a period, to reconcile by hand. Mutual TLS authenticates it.
pub fn list_returns_request(
    endpoint: &Endpoint,
    list: &ListReturns,
) -> Result<Request<Vec<u8>>, http::Error> {
    let pairs = [
        ("requestDT", list.request_dt.as_str()),
        ("outputFormat", "XML"),
        ("shopId", list.shop_id.as_str()),
        ("from", list.from.as_str()),
        ("till", list.till.as_str()),
    ];
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, FORM_VALUE)))
        .collect::<Vec<_>>()
        .join("&");
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.list_returns_url())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.into_bytes())
}

#[cfg(test)]
mod tests;
