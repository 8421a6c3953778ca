//! `POST .../returnPayment` with the PKCS#7 PEM as `application/pkcs7-mime`. Mutual TLS with
//! the shop's certificate is the HTTP client's job.

use http::{Method, Request, header};

/// Where MWS lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
}

impl Endpoint {
    /// Production.
    pub const PRODUCTION: &str = "https://shop.yookassa.ru/webservice/mws/api/returnPayment";
    /// The legacy host.
    pub const LEGACY: &str = "https://penelope.yamoney.ru/webservice/mws/api/returnPayment";
    /// The demo host (currency 10643 there).
    pub const DEMO: &str = "https://penelope-demo.yamoney.ru:8083/webservice/mws/api/returnPayment";

    /// Production.
    pub fn production() -> Self {
        Endpoint::custom(Self::PRODUCTION)
    }

    /// The demo environment.
    pub fn demo() -> Self {
        Endpoint::custom(Self::DEMO)
    }

    /// Any URL of the returnPayment operation (a mock server in tests).
    pub fn custom(url: &str) -> Self {
        Endpoint {
            url: url.to_owned(),
        }
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The request carrying a signed PEM (from [`refundkit_pkcs7::Signer::sign_pem`]).
pub fn return_payment_request(
    endpoint: &Endpoint,
    pkcs7_pem: &str,
) -> Result<Request<Vec<u8>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.url())
        .header(header::CONTENT_TYPE, "application/pkcs7-mime")
        .body(pkcs7_pem.as_bytes().to_vec())
}

#[cfg(test)]
mod tests;
