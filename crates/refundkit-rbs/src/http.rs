//! `POST {base}refund.do` with the form body.

use http::{Method, Request, header};

use crate::codec::encode_request;
use crate::types::RefundRequest;

/// A gateway base URL, ending in `/payment/rest/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: String,
}

impl Endpoint {
    /// Sberbank production.
    pub const SBERBANK: &str = "https://securepayments.sberbank.ru/payment/rest/";
    /// Sberbank test.
    pub const SBERBANK_TEST: &str = "https://3dsec.sberbank.ru/payment/rest/";
    /// Alfa-Bank production.
    pub const ALFA_BANK: &str = "https://pay.alfabank.ru/payment/rest/";
    /// Alfa-Bank test.
    pub const ALFA_BANK_TEST: &str = "https://alfa.rbsuat.com/payment/rest/";
    /// YooKassa's RBS-compatible gateway.
    pub const YOOKASSA: &str = "https://3dsec-payments.yookassa.ru/payment/rest/";

    /// Any base; a missing trailing slash is added.
    pub fn new(base: &str) -> Self {
        let mut base = base.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Endpoint { base }
    }

    /// The URL of `refund.do`.
    pub fn refund_url(&self) -> String {
        format!("{}refund.do", self.base)
    }
}

/// The request, body form-encoded in UTF-8.
pub fn refund_request(
    endpoint: &Endpoint,
    request: &RefundRequest,
) -> Result<Request<Vec<u8>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.refund_url())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(encode_request(request).into_bytes())
}
