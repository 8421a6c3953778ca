//! `POST {base}/refund.do` with the form body, ready for any HTTP client.

use http::{Method, Request, header};
use refundkit_core::{BaseUrl, EndpointError, Validated};

use crate::codec::{decode_form, encode_form, encode_request_text, encode_status_request};
use crate::types::{RefundRequest, StatusRequest};

/// A gateway: its base URL, ending in `/payment/rest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

impl Endpoint {
    /// Sberbank production.
    pub const SBERBANK: &str = "https://securepayments.sberbank.ru/payment/rest";
    /// Sberbank test.
    pub const SBERBANK_TEST: &str = "https://3dsec.sberbank.ru/payment/rest";
    /// Alfa-Bank production.
    pub const ALFA_BANK: &str = "https://pay.alfabank.ru/payment/rest";
    /// Alfa-Bank test.
    pub const ALFA_BANK_TEST: &str = "https://alfa.rbsuat.com/payment/rest";
    /// YooKassa's RBS-compatible gateway.
    pub const YOOKASSA: &str = "https://3dsec-payments.yookassa.ru/payment/rest";

    /// One of the documented gateways above, by its constant.
    ///
    /// ```
    /// use refundkit_rbs::http::Endpoint;
    /// assert_eq!(Endpoint::known(Endpoint::SBERBANK_TEST).refund_url(),
    ///            "https://3dsec.sberbank.ru/payment/rest/refund.do");
    /// ```
    pub fn known(base: &'static str) -> Self {
        Endpoint {
            base: BaseUrl::known(base),
        }
    }

    /// Any base URL (another bank on the platform, an emulator in tests).
    pub fn custom(base: &str) -> Result<Self, EndpointError> {
        Ok(Endpoint {
            base: BaseUrl::parse(base)?,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// The URL of `refund.do`.
    pub fn refund_url(&self) -> String {
        self.base.join("/refund.do")
    }

    /// The URL of `getOrderStatusExtended.do`.
    pub fn status_url(&self) -> String {
        self.base.join("/getOrderStatusExtended.do")
    }

    /// The gateway a request built here was sent to, from its URL (`…/refund.do` or
    /// `…/getOrderStatusExtended.do`); `None` for another URL.
    pub fn of_request<B>(request: &Request<B>) -> Option<Endpoint> {
        let url = request.uri().to_string();
        let base = url
            .strip_suffix("/refund.do")
            .or_else(|| url.strip_suffix("/getOrderStatusExtended.do"))?;
        Endpoint::custom(base).ok()
    }
}

/// The request, body form-encoded in UTF-8. Only a validated request is taken: one the gateway
/// would refuse cannot reach the wire.
///
/// A decoded request passes [`validate`](crate::invariants::validate) first:
///
/// ```
/// use refundkit_rbs::{codec::decode_request, http::{refund_request, Endpoint}, validate};
/// let request = decode_request(b"userName=u&password=p&orderId=o&amount=100").unwrap();
/// let request = validate(request).map_err(|invalid| invalid.report).unwrap();
/// let http = refund_request(&Endpoint::known(Endpoint::SBERBANK), &request).unwrap();
/// assert_eq!(http.uri(), "https://securepayments.sberbank.ru/payment/rest/refund.do");
/// ```
///
/// and handing it over as it is does not compile:
///
/// ```compile_fail
/// use refundkit_rbs::{codec::decode_request, http::{refund_request, Endpoint}};
/// let request = decode_request(b"userName=u&password=p&orderId=o&amount=100").unwrap();
/// let _ = refund_request(&Endpoint::known(Endpoint::SBERBANK), &request);
/// ```
pub fn refund_request(
    endpoint: &Endpoint,
    request: &Validated<RefundRequest>,
) -> Result<Request<Vec<u8>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.refund_url())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(encode_request_text(request).into_bytes())
}

/// `POST {base}/getOrderStatusExtended.do`, body form-encoded: the status source of a refund
/// (no rules to check: credentials and an order id are all it has).
pub fn status_request(
    endpoint: &Endpoint,
    request: &StatusRequest,
) -> Result<Request<Vec<u8>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.status_url())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(encode_status_request(request).into_bytes())
}

/// A copy of a request built here with its secrets (`password`, `token`) replaced by
/// `[redacted]`, for logs. A body that is not a form is kept as it is: this crate never builds
/// one.
pub fn redacted(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = refundkit_core::copy_request(request);
    if let Ok(fields) = decode_form(request.body()) {
        let body = encode_form(fields.iter().map(|(name, value)| {
            let value = match name.as_str() {
                "password" | "token" => "[redacted]",
                _ => value.as_str(),
            };
            (name.as_str(), value)
        }));
        *copy.body_mut() = body.into_bytes();
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_gateways_are_valid_base_urls() {
        for base in [
            Endpoint::SBERBANK,
            Endpoint::SBERBANK_TEST,
            Endpoint::ALFA_BANK,
            Endpoint::ALFA_BANK_TEST,
            Endpoint::YOOKASSA,
        ] {
            assert_eq!(
                BaseUrl::parse(base).map(|b| b.as_str().to_owned()),
                Ok(base.to_owned())
            );
        }
    }
}
