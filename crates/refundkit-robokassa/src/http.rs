//! Requests ready for any HTTP client: `http::Request<Vec<u8>>` with URL, method, headers and
//! body. No client is linked here.

use http::{Method, Request, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use refundkit_core::{BaseUrl, EndpointError};

use crate::codec::op_state_signature;
use crate::types::{OpStateRequest, Password2, Token};

/// Where the refund service lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

/// A request could not be assembled (a base URL with characters a URI cannot hold).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP request: {0}")]
pub struct BuildError(#[from] pub(crate) http::Error);

impl Endpoint {
    /// Base of the production service (Robokassa has no refund sandbox).
    pub const PRODUCTION: &str = "https://services.robokassa.ru/RefundService";

    /// Robokassa's production service.
    pub fn production() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::PRODUCTION),
        }
    }

    /// Base of Robokassa's XML web service, where `OpStateExt` lives.
    pub const WEB_SERVICE: &str = "https://auth.robokassa.ru/Merchant/WebService/Service.asmx";

    /// Robokassa's XML web service.
    pub fn web_service() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::WEB_SERVICE),
        }
    }

    /// The refund service a request built here was sent to, from its URL
    /// (`…/Refund/Create` or `…/Refund/GetState?id=…`); `None` for another URL.
    pub fn of_request<B>(request: &Request<B>) -> Option<Endpoint> {
        let url = request.uri().to_string();
        let base = url
            .strip_suffix("/Refund/Create")
            .or_else(|| url.split_once("/Refund/GetState?").map(|(base, _)| base))?;
        Endpoint::custom(base).ok()
    }

    /// Another base (an emulator in tests), such as `http://127.0.0.1:8080/RefundService`.
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

/// How the token travels in the body of `Refund/Create`.
///
/// Sources conflict: Robokassa's official plugin sends it as a JSON string with
/// `Content-Type: application/json`, other clients send it bare. The official form is the
/// default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CreateBody {
    /// `"eyJ..."` as `application/json` (the official plugin).
    #[default]
    JsonString,
    /// The bare token as `application/jwt`.
    BareJwt,
    /// The bare token as `text/plain`.
    BareText,
}

/// `POST {base}/Refund/Create` carrying `token`.
pub fn create_request(
    endpoint: &Endpoint,
    token: &Token,
    body: CreateBody,
) -> Result<Request<Vec<u8>>, BuildError> {
    let (content_type, bytes) = match body {
        CreateBody::JsonString => {
            // A token is base64url and dots: nothing in it needs JSON escaping.
            let mut b = Vec::with_capacity(token.as_str().len().saturating_add(2));
            b.push(b'"');
            b.extend_from_slice(token.as_str().as_bytes());
            b.push(b'"');
            ("application/json", b)
        }
        CreateBody::BareJwt => ("application/jwt", token.as_str().as_bytes().to_vec()),
        CreateBody::BareText => ("text/plain", token.as_str().as_bytes().to_vec()),
    };
    Ok(Request::builder()
        .method(Method::POST)
        .uri(endpoint.base.join("/Refund/Create"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .body(bytes)?)
}

/// Everything but RFC 3986 unreserved characters is percent-encoded in the query.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `GET {base}/Refund/GetState?id={request_id}`, the id percent-encoded.
pub fn state_request(
    endpoint: &Endpoint,
    request_id: &str,
) -> Result<Request<Vec<u8>>, BuildError> {
    let id = utf8_percent_encode(request_id, QUERY_VALUE);
    Ok(Request::builder()
        .method(Method::GET)
        .uri(endpoint.base.join(&format!("/Refund/GetState?id={id}")))
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())?)
}

/// `GET {web service}/OpStateExt?MerchantLogin=…&InvoiceID=…&Signature=…`: the invoice's
/// state and its `OpKey`, signed with Password2 ([`op_state_signature`]).
pub fn op_state_request(
    endpoint: &Endpoint,
    request: &OpStateRequest,
    password2: &Password2,
) -> Result<Request<Vec<u8>>, BuildError> {
    let signature = op_state_signature(request, password2);
    let url = endpoint.base.join(&format!(
        "/OpStateExt?MerchantLogin={}&InvoiceID={}&Signature={signature}",
        utf8_percent_encode(&request.merchant_login, QUERY_VALUE),
        utf8_percent_encode(&request.invoice_id, QUERY_VALUE),
    ));
    Ok(Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(header::ACCEPT, "text/xml")
        .body(Vec::new())?)
}

/// A copy of a request built here with what derives from a secret replaced, for logs:
/// `OpStateExt`'s `Signature` (an MD5 of Password2, open to guessing offline). Refund tokens
/// are signed, not secret, and are kept.
pub fn redacted(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = refundkit_core::copy_request(request);
    let url = request.uri().to_string();
    if let Some((head, tail)) = url.split_once("Signature=") {
        let rest = tail.find('&').map(|i| &tail[i..]).unwrap_or("");
        if let Ok(uri) = format!("{head}Signature=REDACTED{rest}").parse() {
            *copy.uri_mut() = uri;
        }
    }
    copy
}

/// A copy of a `Refund/Create` request for keeping (a transcript, a journal's record): its
/// token without the signature (`header.payload.REDACTED`), the rest as [`redacted`] leaves it.
/// A Create token carries no `exp`, `iat` or `jti`, so whoever holds a signed one could post
/// it again and refund again; the payload says everything a reader needs.
pub fn unsigned(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = redacted(request);
    let body = request.body();
    // The token travels as a JSON string (the official plugin's form) or bare.
    let (open, token, close): (&[u8], &[u8], &[u8]) = match body.as_slice() {
        [b'"', inner @ .., b'"'] => (b"\"", inner, b"\""),
        bare => (b"", bare, b""),
    };
    let mut dots = token
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'.')
        .map(|(i, _)| i);
    if let (Some(_), Some(second), None) = (dots.next(), dots.next(), dots.next()) {
        let mut out = Vec::with_capacity(body.len());
        out.extend_from_slice(open);
        out.extend_from_slice(token.get(..=second).unwrap_or_default());
        out.extend_from_slice(b"REDACTED");
        out.extend_from_slice(close);
        *copy.body_mut() = out;
    }
    copy
}

#[cfg(test)]
mod tests;
